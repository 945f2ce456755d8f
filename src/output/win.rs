//! Win statistics and CAFS results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, opt, p_equals, pvalue, write_notes_csv, write_notes_text};
use crate::rmst::ContrastEstimate;
use crate::win::{Cafs, LaterScore, WinFragility, WinStatistics};

/// "score (higher is better, ties within 0.5)".
fn score_phrase(column: &str, direction: crate::win::Direction, threshold: f64) -> String {
    let margin = if threshold > 0.0 {
        format!(", differences up to {} are ties", num(threshold))
    } else {
        String::new()
    };
    format!("{column} ({direction}{margin})")
}

/// The scores in the order they decide: "alsfrs (higher is better), then fvc (…)".
fn scores_phrase(column: &str, direction: crate::win::Direction, threshold: f64, later: &[LaterScore]) -> String {
    std::iter::once(score_phrase(column, direction, threshold))
        .chain(later.iter().map(|l| score_phrase(&l.column, l.direction, l.threshold)))
        .collect::<Vec<_>>()
        .join(", then ")
}

/// The fragility section of the table, after a blank line.
fn fragility_text(out: &mut String, fragility: Option<&WinFragility>, test: &str) {
    let Some(f) = fragility else { return };
    let verdict = match f.index {
        Some(i) => format!("fragility index {i}"),
        None => format!("no crossing within {} steps", f.path.len()),
    };
    let _ = writeln!(
        out,
        "\nFragility of the {test} (α = {}, p = {}): {verdict} ({})",
        f.alpha,
        pvalue(f.p_value),
        if f.minimum_confirmed {
            "the minimum"
        } else {
            "greedy: an upper bound on the minimum"
        }
    );
    let mut t = TextTable::new(["step", "line", "group", "change", "score", "p"]);
    for s in &f.path {
        let score = if s.score_before == s.score_after {
            num(s.score_before)
        } else {
            format!("{} -> {}", num(s.score_before), num(s.score_after))
        };
        t.row(vec![
            s.step.to_string(),
            s.line.to_string(),
            s.group.clone(),
            serde_json::to_value(s.change)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            score,
            pvalue(s.p_value),
        ]);
    }
    out.push_str(&t.render());
}

fn measures(w: &WinStatistics) -> [(&'static str, &ContrastEstimate); 3] {
    [
        ("win_ratio", &w.win_ratio),
        ("win_odds", &w.win_odds),
        ("net_benefit", &w.net_benefit),
    ]
}

impl Render for WinStatistics {
    fn table(&self) -> String {
        let mut out = String::new();
        let strata = self
            .strata_column
            .as_ref()
            .map_or_else(String::new, |s| format!(", pairs within strata of {s}"));
        let _ = writeln!(
            out,
            "Win statistics, {} ({}) vs {} ({}), groups: {}{strata}\nhierarchy: death over the common follow-up, then {}\n",
            self.treated,
            self.n_treated,
            self.reference,
            self.n_reference,
            self.group_column,
            scores_phrase(&self.score_column, self.direction, self.threshold, &self.later_scores)
        );
        let share = |x: u64| num(100.0 * x as f64 / self.pairs as f64);
        let mut t = TextTable::new(["level", "wins", "losses", "wins %", "losses %"]);
        for l in &self.levels {
            t.row(vec![
                l.level.clone(),
                l.wins.to_string(),
                l.losses.to_string(),
                share(l.wins),
                share(l.losses),
            ]);
        }
        t.row(vec![
            "total".into(),
            self.wins.to_string(),
            self.losses.to_string(),
            share(self.wins),
            share(self.losses),
        ]);
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "ties: {} of {} pairs ({}%)\n",
            self.ties,
            self.pairs,
            share(self.ties)
        );
        let level = num(100.0 * self.conf_level);
        let mut e = TextTable::new(["measure", "estimate", &format!("{level}% lower"), "upper", "p"]);
        for (name, m) in measures(self) {
            e.row(vec![
                name.replace('_', " "),
                opt(m.estimate),
                opt(m.lower),
                opt(m.upper),
                m.p_value.map_or_else(|| "NA".to_string(), pvalue),
            ]);
        }
        out.push_str(&e.render());
        if let Some(b) = &self.bootstrap {
            let _ = writeln!(
                out,
                "\nBootstrap check ({} replicates, seed {}; participants resampled within arms{}): percentile intervals, SEs beside the U-statistic ones",
                b.replicates,
                b.seed,
                if self.strata_column.is_some() {
                    " and strata"
                } else {
                    ""
                }
            );
            let mut t = TextTable::new([
                "measure",
                &format!("{level}% lower"),
                "upper",
                "bootstrap SE",
                "U-statistic SE",
                "degenerate",
            ]);
            let bootstrapped = [&b.win_ratio, &b.win_odds, &b.net_benefit];
            for ((name, m), bm) in measures(self).into_iter().zip(bootstrapped) {
                t.row(vec![
                    name.replace('_', " "),
                    opt(bm.lower),
                    opt(bm.upper),
                    opt(bm.se),
                    opt(m.se),
                    bm.degenerate.to_string(),
                ]);
            }
            out.push_str(&t.render());
            out.push_str("(SEs of the win ratio and win odds on the log scale)\n");
        }
        fragility_text(&mut out, self.fragility.as_ref(), "win ratio");
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "measure", "estimate", "se", "lower", "upper", "p_value", "wins", "losses", "ties", "pairs",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for (name, m) in measures(self) {
            out.push_str(&csv_line(&[
                name.to_string(),
                csv_num(m.estimate),
                csv_num(m.se),
                csv_num(m.lower),
                csv_num(m.upper),
                csv_num(m.p_value),
                self.wins.to_string(),
                self.losses.to_string(),
                self.ties.to_string(),
                self.pairs.to_string(),
            ]));
        }
        out
    }
}

impl Render for Cafs {
    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "CAFS joint rank test (Berry et al. 2013), groups: {}\nhierarchy: death over the common follow-up, then {}\n",
            self.group_column,
            scores_phrase(&self.score_column, self.direction, self.threshold, &self.later_scores)
        );
        let mut t = TextTable::new(["group", "n", "mean rank", "mean score"]);
        for g in &self.groups {
            t.row(vec![
                g.group.clone(),
                g.n.to_string(),
                num(g.mean_rank),
                num(g.mean_score),
            ]);
        }
        out.push_str(&t.render());
        let p = self.p_value.map_or_else(|| "p = NA".to_string(), p_equals);
        let _ = writeln!(
            out,
            "\nWilcoxon rank-sum W = {} ({} vs {}), z = {}, {p} (normal approximation)",
            num(self.statistic),
            self.treated,
            self.reference,
            opt(self.z)
        );
        let how = match self.seed {
            Some(seed) => format!("{} random permutations, seed {seed}", self.permutations),
            None => format!("exact, all {} assignments", self.permutations),
        };
        let _ = writeln!(
            out,
            "permutation {} ({how}; {} as extreme)",
            p_equals(self.permutation_p_value),
            self.as_extreme
        );
        let fs = &self.finkelstein_schoenfeld;
        let fs_p = fs.p_value.map_or_else(|| "p = NA".to_string(), p_equals);
        let _ = writeln!(
            out,
            "Finkelstein–Schoenfeld T = {}, Var T = {}, z = {}, {fs_p}",
            num(fs.statistic),
            num(fs.variance),
            opt(fs.z)
        );
        fragility_text(&mut out, self.fragility.as_ref(), "rank-sum test");
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "group",
            "n",
            "mean_rank",
            "mean_score",
            "statistic",
            "p_value",
            "permutation_p_value",
            "fs_statistic",
            "fs_variance",
            "fs_p_value",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        let fs = &self.finkelstein_schoenfeld;
        for g in &self.groups {
            out.push_str(&csv_line(&[
                g.group.clone(),
                g.n.to_string(),
                csv_num(Some(g.mean_rank)),
                csv_num(Some(g.mean_score)),
                csv_num(Some(self.statistic)),
                csv_num(self.p_value),
                csv_num(Some(self.permutation_p_value)),
                csv_num(Some(fs.statistic)),
                csv_num(Some(fs.variance)),
                csv_num(fs.p_value),
            ]));
        }
        out
    }
}

/// The CAFS scores as CSV, one row per participant: the input line, arm, time, death, the
/// pairwise score U = wins − losses against everyone and the CAFS rank (1 = worst).
pub fn cafs_ranks_csv(result: &Cafs, data: &crate::data::SurvData) -> String {
    let header = ["line", "group", "time", "death", "score", "rank"].map(String::from);
    let mut out = csv_line(&header);
    let arms = [&result.reference, &result.treated];
    for i in 0..result.scores.len() {
        out.push_str(&csv_line(&[
            data.lines[i].to_string(),
            arms[usize::from(result.arm[i])].clone(),
            data.time[i].to_string(),
            u8::from(data.event[i]).to_string(),
            result.scores[i].to_string(),
            result.ranks[i].to_string(),
        ]));
    }
    out
}

crate::display_as_table!(WinStatistics, Cafs);
