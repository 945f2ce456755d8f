//! Reconstruction results: the quality report as table and CSV, and the participant-level
//! CSV file (`time,event,group`) the other commands read.

use super::{Render, TextTable, csv_line, csv_num, num, opt, pvalue, write_notes_csv, write_notes_text};
use crate::data::DroppedRows;
use crate::reconstruct::Reconstruction;

/// The reconstructed participants, one row each: `time,event,group` (event 1, censored 0),
/// arms in the order given, times sorted within each arm.
pub fn ipd_csv(result: &Reconstruction) -> String {
    let mut out = String::from("time,event,group\n");
    for arm in &result.arms {
        for (t, e) in arm.time.iter().zip(&arm.event) {
            out.push_str(&csv_line(&[
                csv_num(Some(*t)),
                u8::from(*e).to_string(),
                arm.group.clone(),
            ]));
        }
    }
    out
}

fn published(value: Option<f64>) -> String {
    value.map_or_else(String::new, num)
}

impl Render for Reconstruction {
    fn table(&self) -> String {
        let mut out = String::from("Reconstructed participant data (Guyot et al. 2012)\n\n");
        let mut arms = TextTable::new([
            "group",
            "n",
            "events",
            "published",
            "censored",
            "points",
            "RMSE",
            "max |diff|",
            "median",
            "published",
        ]);
        for a in &self.arms {
            arms.row(vec![
                a.group.clone(),
                a.n.to_string(),
                a.events.to_string(),
                a.published_events.map_or_else(String::new, |e| e.to_string()),
                a.censored.to_string(),
                a.fit.points.to_string(),
                num(a.fit.rmse),
                num(a.fit.max_abs_diff),
                opt(a.median),
                published(a.published_median),
            ]);
        }
        out.push_str(&arms.render());
        out.push_str("\nNumbers at risk\n");
        let mut risk = TextTable::new(["group", "time", "published", "reconstructed"]);
        for a in &self.arms {
            for r in &a.at_risk {
                risk.row(vec![
                    a.group.clone(),
                    num(r.time),
                    r.published.to_string(),
                    r.reconstructed.to_string(),
                ]);
            }
        }
        out.push_str(&risk.render());
        if !self.hazard_ratios.is_empty() {
            out.push_str("\nHazard ratio from the reconstructed data (Cox, Efron ties, 95% CI)\n");
            let mut hr = TextTable::new(["group", "vs", "log HR", "HR", "lower", "upper", "p", "published"]);
            for h in &self.hazard_ratios {
                hr.row(vec![
                    h.group.clone(),
                    h.reference.clone(),
                    opt(h.log_hr),
                    opt(h.hr),
                    opt(h.lower),
                    opt(h.upper),
                    h.p_value.map_or_else(|| "NA".to_string(), pvalue),
                    published(h.published),
                ]);
            }
            out.push_str(&hr.render());
        }
        write_notes_text(&mut out, &DroppedRows::default(), &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &DroppedRows::default(), &self.warnings);
        let header = [
            "section",
            "group",
            "reference",
            "time",
            "estimate",
            "lower",
            "upper",
            "published",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        let line = |section: &str, group: &str, time: Option<f64>, estimate: Option<f64>, published: Option<f64>| {
            csv_line(&[
                section.to_string(),
                group.to_string(),
                String::new(),
                csv_num(time),
                csv_num(estimate),
                String::new(),
                String::new(),
                csv_num(published),
            ])
        };
        for a in &self.arms {
            let g = a.group.as_str();
            out.push_str(&line("n", g, None, Some(a.n as f64), None));
            let published_events = a.published_events.map(|e| e as f64);
            out.push_str(&line("events", g, None, Some(a.events as f64), published_events));
            out.push_str(&line("censored", g, None, Some(a.censored as f64), None));
            out.push_str(&line("rmse", g, None, Some(a.fit.rmse), None));
            out.push_str(&line(
                "max_abs_diff",
                g,
                Some(a.fit.max_at_time),
                Some(a.fit.max_abs_diff),
                None,
            ));
            out.push_str(&line("median", g, None, a.median, a.published_median));
            for r in &a.at_risk {
                let (reconstructed, published) = (r.reconstructed as f64, r.published as f64);
                out.push_str(&line("at_risk", g, Some(r.time), Some(reconstructed), Some(published)));
            }
        }
        for h in &self.hazard_ratios {
            out.push_str(&csv_line(&[
                "hazard_ratio".to_string(),
                h.group.clone(),
                h.reference.clone(),
                String::new(),
                csv_num(h.hr),
                csv_num(h.lower),
                csv_num(h.upper),
                csv_num(h.published),
            ]));
        }
        out
    }
}

crate::display_as_table!(Reconstruction);
