//! RMST results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, opt, pvalue, write_notes_csv, write_notes_text};
use crate::rmst::{AdjustedRmst, ArmRmst, ContrastEstimate, Rmst, TauSource};

fn arm_name(arm: &ArmRmst) -> String {
    arm.group.clone().unwrap_or_else(|| "all".to_string())
}

/// The sentence saying where τ came from.
fn tau_note(fit: &Rmst) -> String {
    let largest = fit.tau_limit.largest;
    match fit.tau_source {
        TauSource::Default => format!(
            "τ = {}: the default, the largest τ the data support (survRM2's rule)",
            fit.tau
        ),
        TauSource::Given => format!("τ = {} as given; the data support τ up to {largest}", fit.tau),
    }
}

/// (measure label, CSV section suffix, estimate) for the three contrast measures.
fn measures<'a>(
    difference: &'a ContrastEstimate,
    ratio: &'a ContrastEstimate,
    rmtl_ratio: &'a ContrastEstimate,
) -> [(&'static str, &'static str, &'a ContrastEstimate); 3] {
    [
        ("RMST difference", "difference", difference),
        ("RMST ratio", "ratio", ratio),
        ("RMTL ratio", "rmtl_ratio", rmtl_ratio),
    ]
}

/// The contrast table: one row per contrast and measure.
fn contrast_table<'a>(level: &str, contrasts: impl Iterator<Item = (String, [&'a ContrastEstimate; 3])>) -> String {
    let mut t = TextTable::new([
        "measure",
        "contrast",
        "estimate",
        &format!("{level}% lower"),
        "upper",
        "p",
    ]);
    for (name, [difference, ratio, rmtl_ratio]) in contrasts {
        for (label, _, e) in measures(difference, ratio, rmtl_ratio) {
            t.row(vec![
                label.to_string(),
                name.clone(),
                opt(e.estimate),
                opt(e.lower),
                opt(e.upper),
                e.p_value.map_or_else(|| "NA".to_string(), pvalue),
            ]);
        }
    }
    t.render()
}

fn adjusted_table(out: &mut String, adjusted: &AdjustedRmst, level: &str) {
    let _ = writeln!(
        out,
        "\nAdjusted for {} (Tian et al. 2014: IPCW regression, sandwich variance; {} rows)\n",
        adjusted.covariates.join(", "),
        adjusted.n
    );
    let name = format!("{} vs {}", adjusted.group, adjusted.reference);
    let estimates = [&adjusted.difference, &adjusted.ratio, &adjusted.rmtl_ratio];
    out.push_str(&contrast_table(level, std::iter::once((name, estimates))));
    let mut c = TextTable::new([
        "model",
        "term",
        "coef",
        "std.err",
        "z",
        "p",
        &format!("{level}% lower"),
        "upper",
        "exp(coef)",
        "lower",
        "upper",
    ]);
    for row in &adjusted.coefficients {
        c.row(vec![
            row.model.to_string(),
            row.term.clone(),
            num(row.coef),
            num(row.se),
            num(row.z),
            pvalue(row.p_value),
            num(row.lower),
            num(row.upper),
            row.exp_coef.map_or_else(String::new, num),
            row.exp_lower.map_or_else(String::new, num),
            row.exp_upper.map_or_else(String::new, num),
        ]);
    }
    out.push('\n');
    out.push_str(&c.render());
}

impl Render for Rmst {
    fn table(&self) -> String {
        let mut out = String::new();
        let by = self
            .group_column
            .as_ref()
            .map_or_else(String::new, |g| format!(" by {g}"));
        let level = num(self.conf_level * 100.0);
        let _ = writeln!(
            out,
            "Restricted mean survival time up to τ = {}{by} ({level}% CI)\n{}\n",
            self.tau,
            tau_note(self)
        );
        let mut arms = TextTable::new([
            "group",
            "n",
            "events",
            "RMST",
            "std.err",
            &format!("{level}% lower"),
            "upper",
            "RMTL",
            &format!("{level}% lower"),
            "upper",
        ]);
        for a in &self.arms {
            arms.row(vec![
                arm_name(a),
                a.n.to_string(),
                a.events.to_string(),
                num(a.rmst),
                num(a.se),
                num(a.lower),
                num(a.upper),
                num(a.rmtl),
                num(a.rmtl_lower),
                num(a.rmtl_upper),
            ]);
        }
        out.push_str(&arms.render());
        if !self.contrasts.is_empty() {
            let rows = self.contrasts.iter().map(|c| {
                (
                    format!("{} vs {}", c.group, c.reference),
                    [&c.difference, &c.ratio, &c.rmtl_ratio],
                )
            });
            out.push('\n');
            out.push_str(&contrast_table(&level, rows));
        }
        if let Some(adjusted) = &self.adjusted {
            adjusted_table(&mut out, adjusted, &level);
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let _ = writeln!(out, "# {}; confidence level {}", tau_note(self), self.conf_level);
        let header = [
            "section",
            "group",
            "reference",
            "term",
            "n",
            "events",
            "estimate",
            "se",
            "lower",
            "upper",
            "p_value",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for a in &self.arms {
            let group = a.group.clone().unwrap_or_default();
            for (section, estimate, lower, upper) in [
                ("rmst", a.rmst, a.lower, a.upper),
                ("rmtl", a.rmtl, a.rmtl_lower, a.rmtl_upper),
            ] {
                out.push_str(&csv_line(&[
                    section.to_string(),
                    group.clone(),
                    String::new(),
                    String::new(),
                    a.n.to_string(),
                    a.events.to_string(),
                    csv_num(Some(estimate)),
                    csv_num(Some(a.se)),
                    csv_num(Some(lower)),
                    csv_num(Some(upper)),
                    String::new(),
                ]));
            }
        }
        let contrast_line = |section: String, group: &str, reference: &str, e: &ContrastEstimate| {
            csv_line(&[
                section,
                group.to_string(),
                reference.to_string(),
                String::new(),
                String::new(),
                String::new(),
                csv_num(e.estimate),
                csv_num(e.se),
                csv_num(e.lower),
                csv_num(e.upper),
                csv_num(e.p_value),
            ])
        };
        for c in &self.contrasts {
            for (_, section, e) in measures(&c.difference, &c.ratio, &c.rmtl_ratio) {
                out.push_str(&contrast_line(section.to_string(), &c.group, &c.reference, e));
            }
        }
        if let Some(a) = &self.adjusted {
            for (_, section, e) in measures(&a.difference, &a.ratio, &a.rmtl_ratio) {
                out.push_str(&contrast_line(format!("adjusted_{section}"), &a.group, &a.reference, e));
            }
            for row in &a.coefficients {
                out.push_str(&csv_line(&[
                    format!("coef_{}", row.model.key()),
                    a.group.clone(),
                    a.reference.clone(),
                    row.term.clone(),
                    a.n.to_string(),
                    String::new(),
                    csv_num(Some(row.coef)),
                    csv_num(Some(row.se)),
                    csv_num(Some(row.lower)),
                    csv_num(Some(row.upper)),
                    csv_num(Some(row.p_value)),
                ]));
            }
        }
        out
    }
}

crate::display_as_table!(Rmst);
