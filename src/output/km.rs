//! Kaplan–Meier results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, opt, write_notes_csv, write_notes_text};
use crate::km::{KaplanMeier, KmCurve, curve_label};

fn group_name(c: &KmCurve) -> String {
    match (&c.group, &c.stratum) {
        (Some(g), Some(s)) => format!("{g}, {s}"),
        (Some(g), None) => g.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => "all".to_string(),
    }
}

impl Render for KaplanMeier {
    fn table(&self) -> String {
        let mut out = String::new();
        let by = match (&self.group_column, &self.strata_column) {
            (Some(g), Some(s)) => format!(" by {g} and {s}"),
            (Some(g), None) => format!(" by {g}"),
            (None, Some(s)) => format!(" by {s}"),
            (None, None) => String::new(),
        };
        let level = num(self.conf_level * 100.0);
        let _ = writeln!(
            out,
            "Kaplan–Meier estimate{by} ({level}% CI, {} scale)\n",
            self.conf_type
        );
        let mut summary = TextTable::new(["group", "n", "events", "median", &format!("{level}% lower"), "upper"]);
        for c in &self.curves {
            summary.row(vec![
                group_name(c),
                c.n.to_string(),
                num(c.events),
                opt(c.median.estimate),
                opt(c.median.lower),
                opt(c.median.upper),
            ]);
        }
        out.push_str(&summary.render());
        if self.curves.iter().any(|c| !c.quantiles.is_empty()) {
            let mut q = TextTable::new(["group", "quantile", "time", "lower", "upper"]);
            for c in &self.curves {
                for e in &c.quantiles {
                    q.row(vec![
                        group_name(c),
                        e.p.to_string(),
                        opt(e.estimate),
                        opt(e.lower),
                        opt(e.upper),
                    ]);
                }
            }
            out.push('\n');
            out.push_str(&q.render());
        }
        if self.curves.iter().any(|c| !c.at.is_empty()) {
            let mut at = TextTable::new([
                "group", "time", "n.risk", "n.event", "survival", "std.err", "lower", "upper",
            ]);
            for c in &self.curves {
                for a in &c.at {
                    at.row(vec![
                        group_name(c),
                        num(a.time),
                        num(a.n_risk),
                        num(a.n_event),
                        num(a.survival),
                        opt(a.std_err),
                        opt(a.lower),
                        opt(a.upper),
                    ]);
                }
            }
            out.push('\n');
            out.push_str(&at.render());
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        for c in &self.curves {
            let _ = writeln!(
                out,
                "# {}: n = {}, events = {}, median = {} ({}% CI {} to {})",
                curve_label(c),
                c.n,
                num(c.events),
                opt(c.median.estimate),
                num(self.conf_level * 100.0),
                opt(c.median.lower),
                opt(c.median.upper)
            );
        }
        let with_cumhaz = self.curves.iter().any(|c| c.table.iter().any(|r| r.cumhaz.is_some()));
        let mut header: Vec<String> = [
            "group", "time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if with_cumhaz {
            header.push("cumhaz".into());
            header.push("std_cumhaz".into());
        }
        out.push_str(&csv_line(&header));
        for c in &self.curves {
            let name = group_name(c);
            for r in &c.table {
                let mut fields = vec![
                    name.clone(),
                    csv_num(Some(r.time)),
                    csv_num(Some(r.n_risk)),
                    csv_num(Some(r.n_event)),
                    csv_num(Some(r.n_censor)),
                    csv_num(Some(r.survival)),
                    csv_num(r.std_err),
                    csv_num(r.lower),
                    csv_num(r.upper),
                ];
                if with_cumhaz {
                    fields.push(csv_num(r.cumhaz));
                    fields.push(csv_num(r.std_cumhaz));
                }
                out.push_str(&csv_line(&fields));
            }
        }
        out
    }
}

/// Every step of every Kaplan–Meier curve, for the table format's `--steps`.
pub fn km_steps_table(fit: &KaplanMeier) -> String {
    let mut out = String::new();
    for c in &fit.curves {
        let _ = writeln!(out, "\n{}", curve_label(c));
        let mut t = TextTable::new([
            "time", "n.risk", "n.event", "n.censor", "survival", "std.err", "lower", "upper",
        ]);
        for r in &c.table {
            t.row(vec![
                num(r.time),
                num(r.n_risk),
                num(r.n_event),
                num(r.n_censor),
                num(r.survival),
                opt(r.std_err),
                opt(r.lower),
                opt(r.upper),
            ]);
        }
        out.push_str(&t.render());
    }
    out
}

crate::display_as_table!(KaplanMeier);
