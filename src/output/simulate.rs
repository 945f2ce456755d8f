//! Simulation results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num};
use crate::design::Sided;
use crate::simulate::{AnalysisAt, Distribution, SequentialSummary, Share, Simulation};

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
        if let Some(gs) = &self.group_sequential {
            rows.extend(gs.duration.map(|d| ("sequential duration".to_string(), d)));
            rows.extend(gs.events.map(|d| ("sequential events".to_string(), d)));
        }
        rows
    }

    fn control(&self) -> &str {
        self.design.arms().first().map_or("control", |a| a.name.as_str())
    }
}

/// The group-sequential test: one row per look, then the overall figures.
fn sequential_table(gs: &SequentialSummary) -> String {
    let mut out = String::new();
    let sided = match gs.sided {
        Sided::One => "one-sided (treatment better)",
        Sided::Two => "two-sided",
    };
    let _ = writeln!(
        out,
        "\nGroup-sequential log-rank test: {sided}, α = {} (two-sided), boundaries {}\n",
        gs.alpha, gs.boundaries
    );
    let mut t = TextTable::new([
        "look",
        "fraction",
        "events",
        "boundary z",
        "nominal level",
        "null crossing",
        "stopped",
        "share",
        "MC SE",
    ]);
    for l in &gs.looks {
        t.row(vec![
            l.look.to_string(),
            num(l.fraction),
            l.target_events.to_string(),
            num(l.boundary),
            num(l.nominal_level),
            l.cumulative_null_crossing.map_or_else(String::new, num),
            l.stop.count.to_string(),
            num(l.stop.share),
            num(l.stop.mc_se),
        ]);
    }
    out.push_str(&t.render());
    let _ = writeln!(
        out,
        "rejected {} ({}, MC SE {}); stopped early {} ({}); expected events {}, expected duration {}",
        gs.reject.count,
        num(gs.reject.share),
        num(gs.reject.mc_se),
        gs.early_stop.count,
        num(gs.early_stop.share),
        num(gs.expected_events),
        num(gs.expected_duration)
    );
    out
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
        t.row(share_row("Cox LR", &self.cox_lr));
        t.row(share_row("Cox score", &self.cox_score));
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
        if let Some(gs) = &self.group_sequential {
            out.push_str(&sequential_table(gs));
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
            ("cox_lr", &self.cox_lr),
            ("cox_score", &self.cox_score),
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
        if let Some(gs) = &self.group_sequential {
            let looks = gs
                .looks
                .iter()
                .map(|l| (format!("sequential_look_{}", l.look), &l.stop));
            for (name, s) in looks.chain([
                ("sequential_reject".to_string(), &gs.reject),
                ("sequential_early_stop".to_string(), &gs.early_stop),
            ]) {
                let mut row = vec![
                    name,
                    s.count.to_string(),
                    csv_num(Some(s.share)),
                    csv_num(Some(s.mc_se)),
                ];
                row.extend(blank());
                out.push_str(&csv_line(&row));
            }
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
