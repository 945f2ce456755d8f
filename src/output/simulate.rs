//! Simulation results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num};
use crate::simulate::{AnalysisAt, Distribution, Share, Simulation};

fn share_row(name: &str, s: &Share) -> Vec<String> {
    vec![name.to_string(), s.count.to_string(), num(s.share), num(s.mc_se)]
}

fn distribution_row(name: &str, d: &Distribution) -> Vec<String> {
    [d.mean, d.sd, d.q025, d.median, d.q975, d.min, d.max]
        .into_iter()
        .map(num)
        .fold(vec![name.to_string()], |mut row, cell| {
            row.push(cell);
            row
        })
}

impl Simulation {
    /// The (quantity, distribution) rows: HR per arm, duration, events.
    fn distributions(&self) -> Vec<(String, Distribution)> {
        let mut rows: Vec<(String, Distribution)> = self
            .hazard_ratios
            .iter()
            .map(|h| (format!("HR {} vs {}", h.arm, self.control()), h.hr))
            .collect();
        rows.extend(self.rmst_difference.map(|d| ("RMST difference".to_string(), d)));
        rows.extend(
            self.fragility_index
                .map(|d| ("fragility index (significant trials)".to_string(), d)),
        );
        rows.extend(self.duration.map(|d| ("duration".to_string(), d)));
        rows.extend(self.events.map(|d| ("events".to_string(), d)));
        rows
    }

    fn control(&self) -> &str {
        self.design.arms().first().map_or("control", |a| a.name.as_str())
    }
}

impl Render for Simulation {
    fn table(&self) -> String {
        let mut out = String::new();
        let analysis = match self.design.analysis() {
            AnalysisAt::Events(d) => format!("at {d} events"),
            AnalysisAt::Time(t) => format!("at time {t}"),
        };
        let _ = writeln!(
            out,
            "Simulated trials: {} (seed {}), analysed {analysis}; two-sided α = {}, weights {}\n",
            self.trials, self.seed, self.alpha, self.weights
        );
        let mut t = TextTable::new(["test", "rejections", "share", "MC SE"]);
        t.row(share_row("log-rank", &self.logrank));
        t.row(share_row("Cox Wald", &self.cox_wald));
        if let Some(maxcombo) = &self.maxcombo {
            t.row(share_row("MaxCombo", maxcombo));
        }
        if let Some(rmst) = &self.rmst {
            t.row(share_row("RMST difference", rmst));
        }
        t.row(share_row("disagree", &self.disagree));
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "(disagree: log-rank only {}, Wald only {})\n",
            self.logrank_only, self.wald_only
        );
        let mut d = TextTable::new(["quantity", "mean", "SD", "2.5%", "median", "97.5%", "min", "max"]);
        for (name, dist) in self.distributions() {
            d.row(distribution_row(&name, &dist));
        }
        out.push_str(&d.render());
        for h in &self.hazard_ratios {
            let _ = writeln!(
                out,
                "HR {}: geometric mean {}, SD of log HR {} (mean model SE {})",
                h.arm,
                num(h.geometric_mean_hr),
                num(h.sd_log_hr),
                num(h.mean_se_log_hr)
            );
        }
        if !self.warnings.is_empty() {
            out.push('\n');
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        for w in &self.warnings {
            let _ = writeln!(out, "# warning: {w}");
        }
        let header = [
            "quantity", "count", "share", "mc_se", "mean", "sd", "q025", "median", "q975", "min", "max",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        let blank = || vec![String::new(); 7];
        for (name, s) in [
            ("logrank", &self.logrank),
            ("cox_wald", &self.cox_wald),
            ("disagree", &self.disagree),
        ] {
            let mut row = vec![
                name.to_string(),
                s.count.to_string(),
                csv_num(Some(s.share)),
                csv_num(Some(s.mc_se)),
            ];
            row.extend(blank());
            out.push_str(&csv_line(&row));
        }
        for (name, d) in self.distributions() {
            let mut row = vec![name, String::new(), String::new(), String::new()];
            row.extend([d.mean, d.sd, d.q025, d.median, d.q975, d.min, d.max].map(|v| csv_num(Some(v))));
            out.push_str(&csv_line(&row));
        }
        out
    }
}

crate::display_as_table!(Simulation);
