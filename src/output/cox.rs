//! Cox model results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, opt, p_equals, pvalue, write_notes_csv, write_notes_text};
use crate::cox::{CoxFit, Method, TestResult};

fn test_line(name: &str, test: &TestResult) -> String {
    match (test.statistic, test.p_value) {
        (Some(s), Some(p)) => format!("{name} = {} on {} df, {}", num(s), num(test.df), p_equals(p)),
        _ if test.df == 0.0 => format!("{name}: not available (no coefficient is identifiable)"),
        _ => format!("{name}: not available (a coefficient is infinite)"),
    }
}

impl Render for CoxFit {
    fn table(&self) -> String {
        let mut out = String::new();
        let mut extras = Vec::new();
        if let Some(s) = &self.strata_column {
            extras.push(format!("strata: {s}"));
        }
        if let Some(c) = &self.cluster_column {
            extras.push(format!("cluster: {c}"));
        }
        let extras = if extras.is_empty() {
            String::new()
        } else {
            format!(", {}", extras.join(", "))
        };
        let _ = writeln!(
            out,
            "Cox proportional hazards model ({}), ties: {}{extras}\nn = {}, events = {}, {} after {} iterations\n",
            self.method,
            self.ties,
            self.n,
            num(self.events),
            if self.converged { "converged" } else { "NOT converged" },
            self.iterations
        );
        let level = num(self.conf_level * 100.0);
        let robust = self.robust_variance.is_some();
        let mut header = vec!["term".to_string(), "coef".into(), "HR".into(), "se(coef)".into()];
        if robust {
            header.push("robust se".into());
        }
        let profile = self.terms.iter().any(|t| t.profile.is_some()) && self.method == Method::MaximumLikelihood;
        let limits = if self.method == Method::Firth {
            "profile"
        } else {
            "Wald"
        };
        header.extend([
            "z".into(),
            "p".into(),
            format!("{limits} {level}% lower"),
            "upper".into(),
        ]);
        if profile {
            header.extend([format!("profile {level}% lower"), "upper".into()]);
        }
        let mut t = TextTable::new(header);
        for term in &self.terms {
            let mut row = match &term.diverges_to {
                Some(direction) => vec![
                    term.term.clone(),
                    direction.to_string(),
                    "not estimable".into(),
                    "NA".into(),
                ],
                None => vec![term.term.clone(), opt(term.coef), opt(term.hr), opt(term.se)],
            };
            if robust {
                row.push(opt(term.robust_se));
            }
            row.extend([
                opt(term.z),
                term.p_value.map_or_else(|| "NA".into(), pvalue),
                opt(term.hr_lower),
                opt(term.hr_upper),
            ]);
            if profile {
                let (lo, hi) = term.profile.as_ref().map_or((None, None), |p| (p.hr_lower, p.hr_upper));
                row.extend([opt(lo), hi.map_or_else(|| "Inf".into(), num)]);
            }
            t.row(row);
        }
        out.push_str(&t.render());
        if self.method == Method::Firth {
            let _ = writeln!(
                out,
                "(limits and p-values from the profile penalised likelihood, as coxphf reports them)"
            );
        }
        let _ = writeln!(
            out,
            "\nlog partial likelihood: {} (null), {} (fitted)",
            num(self.loglik[0]),
            num(self.loglik[1])
        );
        let _ = writeln!(
            out,
            "{}",
            test_line("Likelihood ratio test", &self.tests.likelihood_ratio)
        );
        let _ = writeln!(out, "{}", test_line("Wald test            ", &self.tests.wald));
        let _ = writeln!(out, "{}", test_line("Score test           ", &self.tests.score));
        if let Some(r) = &self.tests.robust_score {
            let _ = writeln!(out, "{}", test_line("Robust score test    ", r));
        }
        if let Some(l) = &self.tests.logrank {
            let _ = writeln!(out, "{}", test_line("Log-rank test        ", l));
            let _ = writeln!(
                out,
                "(for one two-level covariate the score test is the log-rank test; they differ only through tied times)"
            );
        }
        if let Some(zph) = &self.zph {
            let _ = writeln!(
                out,
                "\nProportional-hazards test (cox.zph, transform: {})",
                serde_json::to_value(zph.transform)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            );
            let mut z = TextTable::new(["term", "chisq", "df", "p"]);
            for t in &zph.terms {
                z.row(vec![t.term.clone(), num(t.chisq), num(t.df), pvalue(t.p_value)]);
            }
            z.row(vec![
                "GLOBAL".into(),
                num(zph.global.chisq),
                num(zph.global.df),
                pvalue(zph.global.p_value),
            ]);
            out.push_str(&z.render());
        }
        for prediction in &self.predictions {
            let pattern: Vec<String> = prediction.covariates.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let stratum = prediction
                .stratum
                .as_ref()
                .map_or_else(String::new, |s| format!(", stratum {s}"));
            let _ = writeln!(
                out,
                "\nPredicted survival for {}{stratum} (every step in JSON/CSV)",
                pattern.join(", ")
            );
            let mut p = TextTable::new(["time", "n.risk", "survival", "std.err", "lower", "upper"]);
            let rows = &prediction.table;
            let every = rows.len().div_ceil(10).max(1);
            for (j, r) in rows.iter().enumerate() {
                if j % every == 0 || j + 1 == rows.len() {
                    p.row(vec![
                        num(r.time),
                        num(r.n_risk),
                        num(r.survival),
                        opt(r.std_err),
                        opt(r.lower),
                        opt(r.upper),
                    ]);
                }
            }
            out.push_str(&p.render());
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let tests = [
            ("likelihood_ratio", &self.tests.likelihood_ratio),
            ("wald", &self.tests.wald),
            ("score", &self.tests.score),
        ];
        for (name, test) in tests {
            let _ = writeln!(
                out,
                "# {name} test: statistic = {}, df = {}, p = {}",
                csv_num(test.statistic),
                num(test.df),
                csv_num(test.p_value)
            );
        }
        let header = [
            "term",
            "coef",
            "se",
            "robust_se",
            "hr",
            "hr_lower",
            "hr_upper",
            "z",
            "p_value",
            "diverges_to",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for t in &self.terms {
            out.push_str(&csv_line(&[
                t.term.clone(),
                csv_num(t.coef),
                csv_num(t.se),
                csv_num(t.robust_se),
                csv_num(t.hr),
                csv_num(t.hr_lower),
                csv_num(t.hr_upper),
                csv_num(t.z),
                csv_num(t.p_value),
                t.diverges_to.map(|d| d.to_string()).unwrap_or_default(),
            ]));
        }
        out
    }
}

crate::display_as_table!(CoxFit);

/// Residuals as CSV, one row per participant: the input line, time, event, martingale and
/// deviance residuals, then score, dfbeta, Schoenfeld and scaled Schoenfeld residuals per term
/// (the Schoenfeld ones on event rows only).
pub fn residuals_csv(residuals: &crate::cox::residuals::Residuals, data: &crate::data::SurvData) -> String {
    let p = residuals.terms.len();
    let n = data.n_rows();
    let mut header = vec![
        "line".to_string(),
        "time".into(),
        "event".into(),
        "martingale".into(),
        "deviance".into(),
    ];
    for kind in ["score", "dfbeta", "schoenfeld", "scaled_schoenfeld"] {
        header.extend(residuals.terms.iter().map(|t| format!("{kind}:{t}")));
    }
    let mut schoenfeld_of: Vec<Option<usize>> = vec![None; n];
    for (e, row) in residuals.schoenfeld.rows.iter().enumerate() {
        schoenfeld_of[*row] = Some(e);
    }
    let mut out = csv_line(&header);
    for i in 0..n {
        let mut fields = vec![
            data.lines[i].to_string(),
            data.time[i].to_string(),
            u8::from(data.event[i]).to_string(),
            residuals.martingale[i].to_string(),
            residuals.deviance[i].to_string(),
        ];
        fields.extend(residuals.score[i * p..(i + 1) * p].iter().map(f64::to_string));
        fields.extend(residuals.dfbeta[i * p..(i + 1) * p].iter().map(f64::to_string));
        for block in [&residuals.schoenfeld, &residuals.scaled_schoenfeld] {
            match schoenfeld_of[i] {
                Some(e) => fields.extend(block.values[e * p..(e + 1) * p].iter().map(f64::to_string)),
                None => fields.extend(std::iter::repeat_n(String::new(), p)),
            }
        }
        out.push_str(&csv_line(&fields));
    }
    out
}
