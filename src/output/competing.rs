//! Competing-risks results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, opt, pvalue, write_notes_csv, write_notes_text};
use crate::competing::{Cif, FineGray};

fn group_text(group: &Option<String>) -> String {
    group.clone().unwrap_or_else(|| "all".to_string())
}

impl Render for Cif {
    fn table(&self) -> String {
        let mut out = String::new();
        let by = self
            .group_column
            .as_ref()
            .map_or_else(String::new, |g| format!(" by {g}"));
        let _ = writeln!(
            out,
            "Cumulative incidence (Aalen–Johansen){by}, causes: {}; {} variance, {} {} limits\n",
            self.causes.join(", "),
            self.variance,
            num(self.conf_level * 100.0) + "%",
            self.conf_type
        );
        let level = num(self.conf_level * 100.0);
        let mut t = TextTable::new([
            "group".to_string(),
            "cause".to_string(),
            "n".to_string(),
            "events".to_string(),
            "last time".to_string(),
            "CIF".to_string(),
            "se".to_string(),
            format!("lower {level}%"),
            format!("upper {level}%"),
        ]);
        for c in &self.curves {
            let last = c.time.len().saturating_sub(1);
            t.row(vec![
                group_text(&c.group),
                c.cause.clone(),
                c.n.to_string(),
                num(c.events),
                c.time.get(last).map_or_else(|| "NA".to_string(), |x| num(*x)),
                c.cif.get(last).map_or_else(|| "NA".to_string(), |x| num(*x)),
                opt(c.se.get(last).copied().flatten()),
                opt(c.lower.get(last).copied().flatten()),
                opt(c.upper.get(last).copied().flatten()),
            ]);
        }
        out.push_str(&t.render());
        if !self.at.is_empty() {
            out.push_str("\nAt requested times:\n");
            let mut t = TextTable::new([
                "group".to_string(),
                "cause".to_string(),
                "time".to_string(),
                "n.risk".to_string(),
                "CIF".to_string(),
                "se".to_string(),
                format!("lower {level}%"),
                format!("upper {level}%"),
            ]);
            for a in &self.at {
                t.row(vec![
                    group_text(&a.group),
                    a.cause.clone(),
                    num(a.time),
                    num(a.n_risk),
                    num(a.cif),
                    opt(a.se),
                    opt(a.lower),
                    opt(a.upper),
                ]);
            }
            for a in &self.event_free_at {
                t.row(vec![
                    group_text(&a.group),
                    "event-free".to_string(),
                    num(a.time),
                    String::new(),
                    num(a.probability),
                    opt(a.se),
                    opt(a.lower),
                    opt(a.upper),
                ]);
            }
            out.push_str(&t.render());
        }
        if !self.rmtl.is_empty() {
            let _ = writeln!(
                out,
                "\nRestricted mean time lost to each cause up to τ = {}:",
                num(self.rmtl[0].tau)
            );
            let mut t = TextTable::new([
                "group".to_string(),
                "cause".to_string(),
                "RMTL".to_string(),
                "se".to_string(),
                format!("lower {level}%"),
                format!("upper {level}%"),
            ]);
            for r in &self.rmtl {
                t.row(vec![
                    group_text(&r.group),
                    r.cause.clone(),
                    num(r.rmtl),
                    opt(r.se),
                    opt(r.lower),
                    opt(r.upper),
                ]);
            }
            out.push_str(&t.render());
        }
        if !self.rmtl_contrasts.is_empty() {
            out.push('\n');
            let mut t = TextTable::new([
                "cause".to_string(),
                "contrast".to_string(),
                "RMTL difference".to_string(),
                "se".to_string(),
                format!("lower {level}%"),
                format!("upper {level}%"),
                "p".to_string(),
            ]);
            for c in &self.rmtl_contrasts {
                t.row(vec![
                    c.cause.clone(),
                    format!("{} - {}", c.group, c.reference),
                    num(c.difference),
                    opt(c.se),
                    opt(c.lower),
                    opt(c.upper),
                    c.p_value.map_or_else(|| "NA".to_string(), pvalue),
                ]);
            }
            out.push_str(&t.render());
        }
        if !self.gray.is_empty() {
            let strata = self
                .strata_column
                .as_ref()
                .map_or_else(String::new, |s| format!(", stratified by {s}"));
            let _ = writeln!(
                out,
                "\nGray's test of equal cumulative incidence across groups{strata}:"
            );
            let mut t = TextTable::new(["cause", "statistic", "df", "p"]);
            for g in &self.gray {
                t.row(vec![
                    g.cause.clone(),
                    opt(g.statistic),
                    g.df.to_string(),
                    g.p_value.map_or_else(|| "NA".to_string(), pvalue),
                ]);
            }
            out.push_str(&t.render());
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    /// Every step of every curve, long format; the event-free probability as cause "event-free".
    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "group", "cause", "time", "n_risk", "n_event", "estimate", "se", "lower", "upper",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for c in &self.curves {
            for l in 0..c.time.len() {
                out.push_str(&csv_line(&[
                    c.group.clone().unwrap_or_default(),
                    c.cause.clone(),
                    csv_num(Some(c.time[l])),
                    csv_num(Some(c.n_risk[l])),
                    csv_num(Some(c.n_event[l])),
                    csv_num(Some(c.cif[l])),
                    csv_num(c.se[l]),
                    csv_num(c.lower[l]),
                    csv_num(c.upper[l]),
                ]));
            }
        }
        for c in &self.event_free {
            for l in 0..c.time.len() {
                out.push_str(&csv_line(&[
                    c.group.clone().unwrap_or_default(),
                    "event-free".to_string(),
                    csv_num(Some(c.time[l])),
                    String::new(),
                    String::new(),
                    csv_num(Some(c.probability[l])),
                    csv_num(c.se[l]),
                    csv_num(c.lower[l]),
                    csv_num(c.upper[l]),
                ]));
            }
        }
        out
    }
}

crate::display_as_table!(Cif);

impl Render for FineGray {
    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Fine–Gray subdistribution hazards, cause {}: n = {}, events = {}, competing = {}, censored = {}\n",
            self.cause, self.n, self.n_events, self.n_competing, self.n_censored
        );
        let level = num(self.conf_level * 100.0);
        let mut t = TextTable::new([
            "term".to_string(),
            "coef".to_string(),
            "sHR".to_string(),
            "se".to_string(),
            "z".to_string(),
            "p".to_string(),
            format!("lower {level}%"),
            format!("upper {level}%"),
        ]);
        for term in &self.terms {
            let (coef, hr) = match &term.diverges_to {
                Some(to) => (to.to_string(), "not estimable".to_string()),
                None => (opt(term.coef), opt(term.hr)),
            };
            t.row(vec![
                term.term.clone(),
                coef,
                hr,
                opt(term.se),
                opt(term.z),
                term.p_value.map_or_else(|| "NA".to_string(), pvalue),
                opt(term.lower),
                opt(term.upper),
            ]);
        }
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\nLog pseudo-likelihood {} (null {}); {} after {} iterations",
            num(self.loglik),
            num(self.loglik_null),
            if self.converged { "converged" } else { "NOT converged" },
            self.iterations
        );
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "term",
            "coef",
            "se",
            "hr",
            "lower",
            "upper",
            "z",
            "p_value",
            "cause",
            "diverges_to",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for term in &self.terms {
            out.push_str(&csv_line(&[
                term.term.clone(),
                csv_num(term.coef),
                csv_num(term.se),
                csv_num(term.hr),
                csv_num(term.lower),
                csv_num(term.upper),
                csv_num(term.z),
                csv_num(term.p_value),
                self.cause.clone(),
                term.diverges_to.map(|d| d.to_string()).unwrap_or_default(),
            ]));
        }
        out
    }
}

crate::display_as_table!(FineGray);
