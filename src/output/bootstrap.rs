//! Bootstrap and permutation results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, opt, p_equals, pvalue, write_notes_csv, write_notes_text};
use crate::bootstrap::{Bootstrap, Permutation, PermutationMethod};

impl Render for Bootstrap {
    fn table(&self) -> String {
        let mut out = String::new();
        let s = &self.settings;
        let _ = writeln!(out, "Bootstrap of the {}", s.description);
        let resampling = if s.stratified {
            "case resampling within arms"
        } else {
            "case resampling"
        };
        let tau = s.tau.map_or_else(String::new, |t| format!(", τ = {t}"));
        let _ = writeln!(
            out,
            "{} replicates ({}..{}), seed {}, {resampling}{tau}\n",
            self.replicates, self.replicate_range[0], self.replicate_range[1], s.seed
        );
        let mut t = TextTable::new(["estimate", "mean", "bias", "SE", "used"]);
        t.row(vec![
            num(self.estimate),
            opt(self.mean),
            opt(self.bias),
            opt(self.se),
            self.used.to_string(),
        ]);
        out.push_str(&t.render());
        let level = format!("{}% lower", num(100.0 * s.conf_level));
        let mut t = TextTable::new(["interval", level.as_str(), "upper"]);
        for ci in &self.ci {
            t.row(vec![ci.method.to_string(), opt(ci.lower), opt(ci.upper)]);
        }
        out.push('\n');
        out.push_str(&t.render());
        if let Some(bca) = &self.bca {
            let _ = writeln!(
                out,
                "BCa: bias correction w = {}, acceleration a = {}",
                opt(bca.bias_correction),
                opt(bca.acceleration)
            );
        }
        out.push('\n');
        if let Some(p) = self.estimate_p_value {
            let _ = writeln!(out, "On the original data: {}", p_equals(p));
        }
        if let Some(share) = self.share_significant {
            let _ = writeln!(
                out,
                "Share of replicates with p < {}: {} ({}%)",
                s.alpha,
                num(share),
                num(100.0 * share)
            );
        }
        let _ = writeln!(
            out,
            "Degenerate replicates: {} ({} excluded)",
            self.degenerate.count, self.degenerate.excluded
        );
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        let s = &self.settings;
        let _ = writeln!(out, "# {}", s.description);
        let _ = writeln!(out, "# degenerate treatment: {}", self.degenerate.treatment);
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "statistic",
            "estimate",
            "replicates",
            "seed",
            "mean",
            "bias",
            "se",
            "method",
            "conf_level",
            "lower",
            "upper",
            "degenerate",
            "excluded",
            "share_significant",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for ci in &self.ci {
            out.push_str(&csv_line(&[
                s.statistic.to_string(),
                csv_num(Some(self.estimate)),
                self.replicates.to_string(),
                s.seed.to_string(),
                csv_num(self.mean),
                csv_num(self.bias),
                csv_num(self.se),
                ci.method.to_string(),
                csv_num(Some(s.conf_level)),
                csv_num(ci.lower),
                csv_num(ci.upper),
                self.degenerate.count.to_string(),
                self.degenerate.excluded.to_string(),
                csv_num(self.share_significant),
            ]));
        }
        out
    }
}

impl Render for Permutation {
    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Permutation log-rank family test, weights: {}, groups: {}",
            self.weights, self.group_column
        );
        let how = match self.method {
            PermutationMethod::Exact => format!("exact: all {} label assignments enumerated", num(self.assignments)),
            _ => format!(
                "Monte Carlo: {} random permutations of {} possible, seed {}",
                self.permutations,
                num(self.assignments),
                self.seed.unwrap_or_default()
            ),
        };
        let _ = writeln!(out, "{how}\n");
        let mut t = TextTable::new(["group", "n", "events"]);
        for g in &self.groups {
            t.row(vec![g.group.clone(), g.n.to_string(), g.events.to_string()]);
        }
        out.push_str(&t.render());
        let z = self.z.map_or_else(String::new, |z| format!(", Z = {}", num(z)));
        let _ = writeln!(
            out,
            "\nChisq = {} on {} degrees of freedom{z}; asymptotic {}",
            num(self.statistic),
            num(self.df),
            p_equals(self.asymptotic_p_value)
        );
        let formula = match self.method {
            PermutationMethod::Exact => format!("{}/{}", self.as_extreme, self.permutations),
            _ => format!("(1 + {})/({} + 1)", self.as_extreme, self.permutations),
        };
        let _ = writeln!(
            out,
            "Permutation p = {} = {formula} ({} of {} at least as extreme)",
            pvalue(self.p_value),
            self.as_extreme,
            self.permutations
        );
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "statistic",
            "df",
            "z",
            "asymptotic_p_value",
            "method",
            "assignments",
            "permutations",
            "as_extreme",
            "p_value",
            "seed",
            "weights",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        let method = match self.method {
            PermutationMethod::Exact => "exact",
            _ => "monte-carlo",
        };
        out.push_str(&csv_line(&[
            csv_num(Some(self.statistic)),
            csv_num(Some(self.df)),
            csv_num(self.z),
            csv_num(Some(self.asymptotic_p_value)),
            method.to_string(),
            csv_num(Some(self.assignments)),
            self.permutations.to_string(),
            self.as_extreme.to_string(),
            csv_num(Some(self.p_value)),
            self.seed.map_or_else(String::new, |s| s.to_string()),
            self.weights.to_string(),
        ]));
        out
    }
}

crate::display_as_table!(Bootstrap, Permutation);
