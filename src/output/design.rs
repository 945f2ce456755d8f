//! Design results (events, power, detectable hazard ratio, sample size) as table and CSV:
//! one row of named values each.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num};
use crate::design::{DetectableHr, EventsNeeded, Power, SampleSize, TestPlan, ThreePlusThree};

/// A title line and a table of (quantity, value) rows; the CSV is one header and one row.
fn table_of(title: &str, rows: &[(&str, String)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}\n");
    let mut t = TextTable::new(["quantity", "value"]);
    for (name, value) in rows {
        t.row(vec![name.to_string(), value.clone()]);
    }
    out.push_str(&t.render());
    out
}

fn csv_of(rows: &[(&str, String)]) -> String {
    let header: Vec<String> = rows.iter().map(|(n, _)| n.to_string()).collect();
    let values: Vec<String> = rows.iter().map(|(_, v)| v.clone()).collect();
    csv_line(&header) + &csv_line(&values)
}

fn plan_title(what: &str, plan: &TestPlan) -> String {
    let sided: u8 = plan.sided().into();
    format!(
        "{what} ({}; α = {}, {sided}-sided; allocation treatment:control {})",
        plan.method(),
        plan.alpha(),
        plan.allocation()
    )
}

macro_rules! render_rows {
    ($t:ty, $title:expr, |$s:ident, $f:ident| $rows:expr) => {
        impl Render for $t {
            fn table(&self) -> String {
                let $s = self;
                let $f = |x: f64| num(x);
                table_of(&$title, &$rows)
            }
            fn csv(&self) -> String {
                let $s = self;
                let $f = |x: f64| csv_num(Some(x));
                csv_of(&$rows)
            }
        }
    };
}

render_rows!(EventsNeeded, plan_title("Events needed", &s.plan), |s, f| [
    ("hr", f(s.hr)),
    ("power", f(s.power)),
    ("events", f(s.events)),
    ("events_ceiling", s.events_ceiling.to_string()),
]);

render_rows!(Power, plan_title("Power", &s.plan), |s, f| [
    ("hr", f(s.hr)),
    ("events", f(s.events)),
    ("power", f(s.power))
]);

render_rows!(
    DetectableHr,
    plan_title("Minimum detectable hazard ratio", &s.plan),
    |s, f| [
        ("events", f(s.events)),
        ("power", f(s.power)),
        ("detectable_hr", s.detectable_hr.map_or_else(String::new, f)),
        ("critical_hr", s.critical_hr.map_or_else(String::new, f)),
    ]
);

render_rows!(SampleSize, plan_title("Sample size", &s.plan), |s, f| [
    ("hr", f(s.hr)),
    ("power", f(s.power)),
    ("events", f(s.events)),
    ("events_ceiling", s.events_ceiling.to_string()),
    ("sample_size", f(s.sample_size)),
    ("sample_size_ceiling", s.sample_size_ceiling.to_string()),
    ("sample_size_treatment", f(s.sample_size_treatment)),
    ("sample_size_control", f(s.sample_size_control)),
    ("event_probability", f(s.event_probability)),
    ("event_probability_treatment", f(s.event_probability_treatment)),
    ("event_probability_control", f(s.event_probability_control)),
    ("hazard_control", f(s.hazard_control)),
    ("hazard_treatment", f(s.hazard_treatment)),
    ("dropout_hazard", f(s.dropout_hazard)),
    ("accrual_time", f(s.accrual_time)),
    ("follow_up", f(s.follow_up)),
    ("analysis_time", f(s.analysis_time)),
]);

impl Render for ThreePlusThree {
    fn table(&self) -> String {
        let mut out = String::from("3+3 dose escalation: exact operating characteristics\n\n");
        let mut t = TextTable::new(["dose", "P(DLT)", "P(MTD)", "E[participants]", "E[DLTs]"]);
        for d in &self.doses {
            t.row(vec![
                d.dose.to_string(),
                num(d.dlt_probability),
                num(d.p_select),
                num(d.expected_participants),
                num(d.expected_dlts),
            ]);
        }
        t.row(vec![
            "none".to_string(),
            String::new(),
            num(self.p_no_mtd),
            String::new(),
            String::new(),
        ]);
        t.row(vec![
            "total".to_string(),
            String::new(),
            String::new(),
            num(self.expected_participants),
            num(self.expected_dlts),
        ]);
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\nP(no MTD: the lowest dose too toxic) = {}; {} cohort paths enumerated",
            num(self.p_no_mtd),
            self.paths
        );
        out
    }

    fn csv(&self) -> String {
        let header = [
            "dose",
            "dlt_probability",
            "p_select",
            "expected_participants",
            "expected_dlts",
        ];
        let mut out = csv_line(&header.map(String::from));
        for d in &self.doses {
            out.push_str(&csv_line(&[
                d.dose.to_string(),
                csv_num(Some(d.dlt_probability)),
                csv_num(Some(d.p_select)),
                csv_num(Some(d.expected_participants)),
                csv_num(Some(d.expected_dlts)),
            ]));
        }
        out.push_str(&csv_line(&[
            "none".to_string(),
            String::new(),
            csv_num(Some(self.p_no_mtd)),
            csv_num(Some(self.expected_participants)),
            csv_num(Some(self.expected_dlts)),
        ]));
        out
    }
}

crate::display_as_table!(EventsNeeded, Power, DetectableHr, SampleSize, ThreePlusThree);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::{Allocation, EventsMethod, Sided, events_needed};

    #[test]
    fn events_table_and_csv() {
        let plan = TestPlan::new(
            0.05,
            Sided::Two,
            Allocation::new(2.0, 1.0).unwrap(),
            EventsMethod::Schoenfeld,
        )
        .unwrap();
        let e = events_needed(&plan, 0.7, 0.8).unwrap();
        assert!(e.table().contains("events_ceiling"));
        assert!(e.csv().starts_with("hr,power,events,events_ceiling\n0.7,0.8,"));
    }
}
