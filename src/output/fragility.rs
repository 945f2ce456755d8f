//! Fragility results as table and CSV.

use std::fmt::Write as _;

use super::{
    DroppedRows, Render, TextTable, csv_line, csv_num, num, opt, p_equals, pvalue, write_notes_csv, write_notes_text,
};
use crate::fragility::counts::CountsStep;
use crate::fragility::survival::SurvivalStep;
use crate::fragility::trial::Summary;
use crate::fragility::{CountsFragility, GrayFragility, SurvivalFragility};

fn signed_index(index: Option<i64>) -> String {
    match index {
        Some(k) if k < 0 => format!("{k} (reverse: {} {} it significant)", flips(-k), verb(-k)),
        Some(k) => format!("{k} ({} {} it non-significant)", flips(k), verb(k)),
        None => "undefined".to_string(),
    }
}

fn flips(k: i64) -> String {
    if k == 1 {
        "1 flip".to_string()
    } else {
        format!("{k} flips")
    }
}

fn verb(k: i64) -> &'static str {
    if k == 1 { "makes" } else { "make" }
}

fn p_opt(p: Option<f64>) -> String {
    p.map_or_else(|| "NA".to_string(), pvalue)
}

fn counts_path_table(path: &[CountsStep]) -> String {
    let mut t = TextTable::new(["step", "change", "treatment", "control", "p"]);
    for s in path {
        t.row(vec![
            s.step.to_string(),
            s.change.clone(),
            s.treatment.to_string(),
            s.control.to_string(),
            pvalue(s.p_value),
        ]);
    }
    t.render()
}

impl Render for CountsFragility {
    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Fragility of treatment {} vs control {} ({} test, α = {})\n",
            self.treatment, self.control, self.test, self.alpha
        );
        let p = &self.p_values;
        let _ = writeln!(
            out,
            "{} ({}); Fisher {}, mid-p {}, chi-square {}, with Yates {}",
            p_equals(self.p_value),
            if self.significant {
                "significant"
            } else {
                "not significant"
            },
            pvalue(p.fisher),
            pvalue(p.mid_p),
            pvalue(p.chi_square),
            pvalue(p.chi_square_yates)
        );
        let _ = writeln!(out, "fragility index: {}", signed_index(self.fragility_index));
        if let Some(note) = &self.fragility_index_note {
            let _ = writeln!(out, "  {note}");
        }
        let _ = writeln!(out, "fragility quotient: {}", opt(self.fragility_quotient));
        match (self.walsh_fragility_index, &self.walsh_note) {
            (Some(k), _) => {
                let _ = writeln!(out, "Walsh fragility index: {k}");
            }
            (None, note) => {
                let _ = writeln!(
                    out,
                    "Walsh fragility index: undefined: {}",
                    note.as_deref().unwrap_or("")
                );
            }
        }
        let _ = writeln!(out, "\n{}", counts_path_table(&self.path).trim_end());
        let others: Vec<String> = self
            .minimal_tables
            .iter()
            .skip(1)
            .map(|t| format!("{} vs {} (p = {})", t.treatment, t.control, pvalue(t.p_value)))
            .collect();
        if !others.is_empty() {
            let _ = writeln!(out, "as few flips also reach: {}", others.join("; "));
        }
        if let Some(inc) = &self.incidence {
            let _ = writeln!(
                out,
                "\nincidence fragility index (q = {}): {}",
                inc.q,
                signed_index(inc.fragility_index)
            );
            if let Some(note) = &inc.note {
                let _ = writeln!(out, "  {note}");
            }
            if !inc.path.is_empty() {
                out.push_str(&counts_path_table(&inc.path));
            }
        }
        if let Some(l) = &self.lost_to_follow_up {
            let _ = writeln!(
                out,
                "\nlost to follow-up: {} treatment, {} control",
                l.lost.treatment, l.lost.control
            );
            match (l.minimum_patients, &l.minimum_table) {
                (Some(k), Some(t)) => {
                    let _ = writeln!(
                        out,
                        "  {k} lost patients can overturn the result: treatment {} vs control {}, p = {}",
                        t.treatment,
                        t.control,
                        p_opt(l.minimum_p_value)
                    );
                }
                _ => {
                    let _ = writeln!(out, "  no outcomes of the lost patients overturn the result");
                }
            }
            let _ = writeln!(
                out,
                "  completed tables overturning it: {} of {} ({:.1}%; {:.1}% of patient-level outcome patterns); p from {} to {}",
                l.overturning_tables,
                l.completed_tables,
                100.0 * l.share_of_tables,
                100.0 * l.share_of_assignments,
                pvalue(l.smallest_p_value),
                pvalue(l.largest_p_value)
            );
        }
        write_notes_text(&mut out, &DroppedRows::default(), &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &DroppedRows::default(), &self.warnings);
        let _ = writeln!(
            out,
            "# test {}, alpha {}, p {}, fragility_index {}, walsh_fragility_index {}, fragility_quotient {}",
            self.test,
            self.alpha,
            csv_num(Some(self.p_value)),
            self.fragility_index.map_or_else(String::new, |k| k.to_string()),
            self.walsh_fragility_index.map_or_else(String::new, |k| k.to_string()),
            csv_num(self.fragility_quotient)
        );
        let header = [
            "path",
            "step",
            "change",
            "treatment_events",
            "treatment_total",
            "control_events",
            "control_total",
            "p_value",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        let incidence = self.incidence.as_ref().map_or(&[][..], |i| &i.path[..]);
        for (name, path) in [("fragility", &self.path[..]), ("incidence", incidence)] {
            for s in path {
                out.push_str(&csv_line(&[
                    name.to_string(),
                    s.step.to_string(),
                    s.change.clone(),
                    s.treatment.events().to_string(),
                    s.treatment.total().to_string(),
                    s.control.events().to_string(),
                    s.control.total().to_string(),
                    csv_num(Some(s.p_value)),
                ]));
            }
        }
        out
    }
}

fn survival_path_table(path: &[SurvivalStep]) -> String {
    let mut t = TextTable::new(["step", "line", "arm", "time", "change", "p"]);
    for s in path {
        t.row(vec![
            s.step.to_string(),
            s.line.to_string(),
            s.group.clone(),
            num(s.time),
            s.change.clone(),
            p_opt(s.p_value),
        ]);
    }
    t.render()
}

fn summary_cells(s: &Summary) -> Vec<String> {
    let hr = s.hazard_ratio;
    vec![
        s.events_experimental.to_string(),
        s.events_control.to_string(),
        hr.map_or_else(|| "NA".into(), |h| num(h.hr)),
        hr.map_or_else(|| "NA".into(), |h| format!("{}–{}", num(h.lower), num(h.upper))),
        p_opt(s.cox_wald_p),
        p_opt(s.cox_lr_p),
        p_opt(s.cox_score_p),
        p_opt(s.logrank_p),
        opt(s.rmst_difference),
        p_opt(s.rmst_p),
    ]
}

const SUMMARY_HEADER: [&str; 10] = [
    "events exp",
    "events ctl",
    "HR",
    "95% CI",
    "Wald p",
    "LR p",
    "score p",
    "log-rank p",
    "RMST diff",
    "RMST p",
];

impl Render for SurvivalFragility {
    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Survival fragility: arm {} (experimental) vs {} (control) in {}, {} test, α = {}, n = {}\n",
            self.experimental, self.control, self.group_column, self.test, self.alpha, self.n
        );
        let mut t = TextTable::new(SUMMARY_HEADER);
        t.row(summary_cells(&self.summary));
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\n{} ({}); RMST up to τ = {}",
            p_equals(self.p_value),
            if self.significant {
                "significant"
            } else {
                "not significant"
            },
            num(self.tau)
        );
        if let Some(s) = &self.status {
            let _ = writeln!(
                out,
                "\nstatus-flip fragility index: {}\n  {}",
                signed_index(s.fragility_index),
                s.note
            );
            if !s.path.is_empty() {
                out.push_str(&survival_path_table(&s.path));
            }
        }
        if let Some(variants) = &self.sifi {
            let _ = writeln!(out, "\nsurvival-inferred fragility index (Bomze et al. 2020)");
            let mut t = TextTable::new(["variant", "SIFI", "each step"]);
            for v in variants {
                let index = v
                    .fragility_index
                    .map_or_else(|| "undefined".to_string(), |k| k.to_string());
                t.row(vec![serde_variant(&v.variant), index, v.description.clone()]);
            }
            out.push_str(&t.render());
            for v in variants.iter().filter(|v| v.note.is_some()) {
                let _ = writeln!(
                    out,
                    "  {}: {}",
                    serde_variant(&v.variant),
                    v.note.as_deref().unwrap_or("")
                );
            }
        }
        if let Some(rows) = &self.what_if {
            let _ = writeln!(out, "\nwhat if k events moved from the experimental to the control arm");
            let mut header = vec!["k"];
            header.extend(SUMMARY_HEADER);
            let mut t = TextTable::new(header);
            for r in rows {
                let mut cells = vec![format!("{:+}", r.k)];
                match &r.summary {
                    Some(s) => cells.extend(summary_cells(s)),
                    None => cells.push(r.note.clone().unwrap_or_default()),
                }
                t.row(cells);
            }
            out.push_str(&t.render());
        }
        if let Some(inf) = &self.influence {
            let _ = writeln!(
                out,
                "\nleave-one-out: HR from {} to {}, p from {} to {}; {} participants change significance alone",
                opt(inf.hr_range[0]),
                opt(inf.hr_range[1]),
                p_opt(inf.p_range[0]),
                p_opt(inf.p_range[1]),
                inf.changes_significance.len()
            );
            let mut t = TextTable::new(["line", "arm", "time", "event", "HR without", "Δ log HR", "p without"]);
            for r in &inf.most_influential {
                t.row(vec![
                    r.line.to_string(),
                    r.group.clone(),
                    num(r.time),
                    u8::from(r.event).to_string(),
                    opt(r.hr),
                    opt(r.change_log_hr),
                    p_opt(r.p_value),
                ]);
            }
            out.push_str(&t.render());
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let _ = writeln!(
            out,
            "# test {}, method {}, alpha {}, p {}, fragility_index {}, experimental {}, control {}",
            self.test,
            self.method,
            self.alpha,
            csv_num(Some(self.p_value)),
            self.fragility_index.map_or_else(String::new, |k| k.to_string()),
            self.experimental,
            self.control
        );
        let header = [
            "path",
            "fragility_index",
            "step",
            "line",
            "group",
            "time",
            "change",
            "p_value",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        let mut paths: Vec<(String, Option<i64>, &[SurvivalStep])> = Vec::new();
        if let Some(s) = &self.status {
            paths.push(("status".into(), s.fragility_index, &s.path));
        }
        for v in self.sifi.iter().flatten() {
            paths.push((serde_variant(&v.variant), v.fragility_index, &v.path));
        }
        for (name, index, path) in paths {
            for s in path {
                out.push_str(&csv_line(&[
                    name.clone(),
                    index.map_or_else(String::new, |k| k.to_string()),
                    s.step.to_string(),
                    s.line.to_string(),
                    s.group.clone(),
                    csv_num(Some(s.time)),
                    s.change.clone(),
                    csv_num(s.p_value),
                ]));
            }
        }
        out
    }
}

impl Render for GrayFragility {
    fn table(&self) -> String {
        let mut out = String::new();
        let strata = self
            .strata_column
            .as_ref()
            .map_or_else(String::new, |s| format!(" within {s}"));
        let _ = writeln!(
            out,
            "Status-flip fragility of Gray's test: cause {} by {}{strata}, ρ = {}, α = {}, n = {}",
            self.cause,
            self.group_column,
            num(self.rho),
            self.alpha,
            self.n
        );
        let flips: Vec<String> = self.flips.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "changes allowed: {} (censored is '{}')\n",
            flips.join(", "),
            self.censor_value
        );
        let cause_header = format!("cause {}", self.cause);
        let mut t = TextTable::new(["group", "n", cause_header.as_str(), "other causes", "censored"]);
        for g in &self.groups {
            t.row(vec![
                g.group.clone(),
                g.n.to_string(),
                g.events.to_string(),
                g.competing.to_string(),
                g.censored.to_string(),
            ]);
        }
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\nGray's test: statistic {}, df {}, {} ({})",
            num(self.statistic),
            self.df,
            p_equals(self.p_value),
            if self.significant {
                "significant"
            } else {
                "not significant"
            }
        );
        let _ = writeln!(
            out,
            "\nfragility index: {}\n  {}",
            signed_index(self.fragility_index),
            self.note
        );
        if !self.path.is_empty() {
            let mut t = TextTable::new(["step", "line", "group", "time", "change", "statistic", "p"]);
            for s in &self.path {
                t.row(vec![
                    s.step.to_string(),
                    s.line.to_string(),
                    s.group.clone(),
                    num(s.time),
                    format!("{} → {}", s.from, s.to),
                    opt(s.statistic),
                    p_opt(s.p_value),
                ]);
            }
            out.push_str(&t.render());
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let _ = writeln!(
            out,
            "# cause {}, rho {}, alpha {}, statistic {}, df {}, p {}, fragility_index {}, minimum_confirmed {}",
            self.cause,
            self.rho,
            self.alpha,
            csv_num(Some(self.statistic)),
            self.df,
            csv_num(Some(self.p_value)),
            self.fragility_index.map_or_else(String::new, |k| k.to_string()),
            self.minimum_confirmed
        );
        let header = [
            "step",
            "line",
            "group",
            "time",
            "flip",
            "from",
            "to",
            "statistic",
            "p_value",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for s in &self.path {
            out.push_str(&csv_line(&[
                s.step.to_string(),
                s.line.to_string(),
                s.group.clone(),
                csv_num(Some(s.time)),
                s.flip.to_string(),
                s.from.clone(),
                s.to.clone(),
                csv_num(s.statistic),
                csv_num(s.p_value),
            ]));
        }
        out
    }
}

/// The kebab-case name a variant serialises to.
fn serde_variant<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

crate::display_as_table!(CountsFragility, SurvivalFragility, GrayFragility);
