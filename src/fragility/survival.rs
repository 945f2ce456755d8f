//! Fragility of a two-arm survival comparison from participant data.
//!
//! # Status-flip survival fragility index
//! The fewest participants whose event indicator must flip (event → censored, or censored →
//! event, each at their own time) for the test to cross α; positive for a significant result,
//! negative for a non-significant one. Greedy: each step applies the single flip that moves p
//! furthest towards α (largest p when significant, smallest when not; among equal p-values the
//! earliest row), and every candidate is evaluated in parallel, collected in row order. The greedy
//! count is an upper bound; the exact minimum is confirmed when it is ≤ 3. A count of 1 is minimal;
//! for 2, the first greedy step already tried every single flip; for 3, every pair is tried.
//! With the log-rank test a candidate costs O(1) ([`super::logrank_update`]); with the Cox and
//! RMST tests each candidate is a refit.
//!
//! Tests: log-rank (R `survdiff`), Cox Wald and likelihood-ratio (Efron ties, R `coxph`), and the
//! RMST difference (survRM2 `rmst2`) with τ fixed from the original data.
//!
//! # Survival-inferred fragility index (SIFI)
//! Bomze D, Asher N, Hasson SP, et al. Survival-inferred fragility index of phase 3 clinical
//! trials evaluating immune checkpoint inhibitors. JAMA Netw Open 2020;3(10):e2017675. See
//! [`super::sifi`].
//!
//! Other references: Desnoyers A, Nadler MB, Wilson BE, Amir E. A critique of the fragility
//! index. Lancet Oncol 2019;20:e552 (status flips in survival data).

use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::Serialize;

use super::counts::{check_alpha, is_significant};
use super::hypothesis::{SurvivalError, SurvivalTest};
use super::influence::{Influence, influence};
use super::logrank_update::{Flip, LogRankState};
use super::sifi::{SifiResult, SifiVariant, sifi};
use super::trial::{Summary, Trial};
use super::what_if::{WhatIfRow, what_if};
use crate::data::{DroppedRows, SurvData};

/// Which fragility index to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SurvivalMethod {
    /// The status-flip survival fragility index.
    #[default]
    Status,
    /// The four survival-inferred fragility indices (SIFI, Bomze et al. 2020).
    Sifi,
    /// Both the status-flip index and the SIFI.
    All,
}

impl fmt::Display for SurvivalMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SurvivalMethod::Status => "status",
            SurvivalMethod::Sifi => "sifi",
            SurvivalMethod::All => "all",
        })
    }
}

impl FromStr for SurvivalMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "status" => Ok(SurvivalMethod::Status),
            "sifi" => Ok(SurvivalMethod::Sifi),
            "all" => Ok(SurvivalMethod::All),
            _ => Err(format!("unknown method '{s}'; use status, sifi or all")),
        }
    }
}

/// Options for [`SurvivalFragility::compute`]; start from `SurvivalOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalOptions {
    /// The test whose significance is examined.
    pub test: SurvivalTest,
    /// τ for the RMST test and the RMST difference; default survRM2's rule on the original data.
    pub tau: Option<f64>,
    /// Which fragility index to compute.
    pub method: SurvivalMethod,
    /// Significance level α, in (0, 1); significant means p < α.
    pub alpha: f64,
    /// The experimental arm's level; default the arm with HR < 1.
    pub experimental: Option<String>,
    /// Add the table of results with k = −3..3 events moved between the arms.
    pub what_if: bool,
    /// Add the leave-one-out influence of each participant.
    pub influence: bool,
}

impl Default for SurvivalOptions {
    fn default() -> Self {
        SurvivalOptions {
            test: SurvivalTest::LogRank,
            tau: None,
            method: SurvivalMethod::Status,
            alpha: 0.05,
            experimental: None,
            what_if: false,
            influence: false,
        }
    }
}

impl SurvivalOptions {
    /// Checks the options once (α in (0, 1), τ finite and positive), so the analysis need not.
    pub fn check(&self) -> Result<(), SurvivalError> {
        check_alpha(self.alpha).map_err(SurvivalError::Option)?;
        if let Some(tau) = self.tau
            && !(tau.is_finite() && tau > 0.0)
        {
            return Err(SurvivalError::Option(format!(
                "τ = {tau} must be a finite time greater than 0"
            )));
        }
        Ok(())
    }
}

/// One change on a path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalStep {
    pub step: usize,
    /// The participant's line in the input file (the header is line 1).
    pub line: u64,
    /// The participant's arm (before the change).
    pub group: String,
    pub time: f64,
    /// What changed, e.g. "event → censored" or "moved to placebo".
    pub change: String,
    /// The p-value after this step.
    pub p_value: Option<f64>,
}

/// The status-flip index and its path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusFlip {
    pub fragility_index: Option<i64>,
    /// Whether the index is known to be the minimum (see the module documentation).
    pub minimum_confirmed: bool,
    pub note: String,
    pub path: Vec<SurvivalStep>,
}

/// The fragility analysis of a two-arm survival comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalFragility {
    /// The test examined.
    pub test: SurvivalTest,
    /// The fragility index computed.
    pub method: SurvivalMethod,
    /// The test's p-value on the original data.
    pub p_value: f64,
    /// The significance level α.
    pub alpha: f64,
    /// Whether p < α.
    pub significant: bool,
    /// The group column's name.
    pub group_column: String,
    /// The experimental arm's level.
    pub experimental: String,
    /// The control arm's level.
    pub control: String,
    /// Participants (rows used).
    pub n: usize,
    /// τ of the RMST test and differences.
    pub tau: f64,
    /// Events per arm, Cox HR, the tests' p-values and the RMST difference on the original data.
    pub summary: Summary,
    /// The status-flip index (`status`, `all`) or the first SIFI variant (`sifi`), signed.
    pub fragility_index: Option<i64>,
    /// Walsh's rule is for 2×2 counts: always `null` here (kept for one contract).
    pub walsh_fragility_index: Option<u64>,
    /// FI / n, signed as the index.
    pub fragility_quotient: Option<f64>,
    /// The path of the index above.
    pub path: Vec<SurvivalStep>,
    /// The status-flip index with its path (`status`, `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusFlip>,
    /// The four SIFI variants (`sifi`, `all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sifi: Option<Vec<SifiResult>>,
    /// Results with k = −3..3 events moved between the arms, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<Vec<WhatIfRow>>,
    /// Leave-one-out influence of each participant, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub influence: Option<Influence>,
    /// Rows dropped when the data were loaded, and why.
    pub dropped_rows: DroppedRows,
    /// Warnings (e.g. times tied by R's timefix rule).
    pub warnings: Vec<String>,
}

/// The most pairs refitted to confirm a greedy index of 3 with the Cox or RMST tests.
const MAX_PAIR_REFITS: usize = 20_000;
/// The most greedy steps with the Cox and RMST tests (each step refits every candidate).
const MAX_REFIT_STEPS: usize = 100;

impl SurvivalFragility {
    /// The fragility analysis of `data` (two arms in the group column).
    ///
    /// ```
    /// use survkit::fragility::{SurvivalFragility, SurvivalOptions};
    /// use survkit::{Columns, SurvData};
    /// let columns = Columns::new("time", "status").group("arm");
    /// let data = SurvData::read_csv("datasets/als/rescue_als_ole_synthetic.csv", &columns)?;
    /// let fragility = SurvivalFragility::compute(&data, &SurvivalOptions::default())?;
    /// // R: survdiff(Surv(time, status) ~ arm, rescue)$pvalue is 0.0435670408126875
    /// assert!((fragility.p_value - 0.0435670408126875).abs() < 1e-9);
    /// assert_eq!(fragility.experimental, "CNM-Au8"); // the arm with HR < 1
    /// assert_eq!(fragility.fragility_index, Some(1)); // one status flip and p ≥ 0.05
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute(data: &SurvData, options: &SurvivalOptions) -> Result<Self, SurvivalError> {
        options.check()?;
        let trial = Trial::prepare(
            data,
            options.experimental.as_deref(),
            options.test,
            options.tau,
            options.alpha,
        )?;
        let p_value = trial.p_value(&trial.data).ok_or_else(|| SurvivalError::Analysis {
            message: format!("the {} test is undefined on these data", options.test),
        })?;
        let significant = is_significant(p_value, options.alpha);
        let status = matches!(options.method, SurvivalMethod::Status | SurvivalMethod::All)
            .then(|| status_flip(&trial, p_value));
        let sifi_results = matches!(options.method, SurvivalMethod::Sifi | SurvivalMethod::All).then(|| {
            SifiVariant::ALL
                .iter()
                .map(|v| sifi(&trial, *v, significant))
                .collect::<Vec<_>>()
        });
        let (fragility_index, path) = match (&status, &sifi_results) {
            (Some(s), _) => (s.fragility_index, s.path.clone()),
            (None, Some(v)) => (v[0].fragility_index, v[0].path.clone()),
            (None, None) => (None, Vec::new()),
        };
        let n = trial.data.n_rows();
        let mut warnings = Vec::new();
        if data.times_tied_by_timefix > 0 {
            warnings.push(format!(
                "{} time values differed from a neighbour only by rounding noise and were treated as tied, as R's timefix does",
                data.times_tied_by_timefix
            ));
        }
        Ok(SurvivalFragility {
            test: options.test,
            method: options.method,
            p_value,
            alpha: options.alpha,
            significant,
            group_column: trial.data.group.as_ref().map_or_else(String::new, |g| g.name.clone()),
            experimental: trial.level(trial.experimental).to_string(),
            control: trial.level(trial.control()).to_string(),
            n,
            tau: trial.tau,
            summary: trial.summary(&trial.data),
            fragility_index,
            walsh_fragility_index: None,
            fragility_quotient: fragility_index.map(|fi| fi as f64 / n as f64),
            path,
            status,
            sifi: sifi_results,
            what_if: options.what_if.then(|| what_if(&trial)),
            influence: options.influence.then(|| influence(&trial, p_value)),
            dropped_rows: data.dropped.clone(),
            warnings,
        })
    }
}

/// Whether `candidate` is a better next step than `best` when heading away from `significant`.
pub(crate) fn moves_further(candidate: f64, best: Option<f64>, significant: bool) -> bool {
    match best {
        None => true,
        Some(b) if significant => candidate > b,
        Some(b) => candidate < b,
    }
}

fn change_text(event_before: bool) -> &'static str {
    if event_before {
        "event → censored"
    } else {
        "censored → event"
    }
}

/// The greedy status-flip search, with the confirmation of small indices.
fn status_flip(trial: &Trial, p0: f64) -> StatusFlip {
    let data = &trial.data;
    let n = data.n_rows();
    let significant = is_significant(p0, trial.alpha);
    let crosses = |p: f64| is_significant(p, trial.alpha) != significant;
    let in_arm: Vec<bool> = (0..n).map(|i| trial.code(i) == trial.experimental).collect();
    let mut state = (trial.test == SurvivalTest::LogRank).then(|| LogRankState::new(data, in_arm));
    let mut events = data.event.clone();
    let mut flipped = vec![false; n];
    let mut path: Vec<SurvivalStep> = Vec::new();
    let max_steps = if state.is_some() { n } else { n.min(MAX_REFIT_STEPS) };
    let mut crossed = false;
    while path.len() < max_steps && !crossed {
        let candidates: Vec<Option<f64>> = match &state {
            Some(state) => (0..n)
                .into_par_iter()
                .map(|i| {
                    (!flipped[i]).then(|| {
                        state.p_after(&[Flip {
                            row: i,
                            delta: if events[i] { -1 } else { 1 },
                        }])
                    })
                })
                .collect(),
            None => trial
                .p_values_of(n, |i| trial.with_flips(&events, &[i]))
                .into_iter()
                .zip(&flipped)
                .map(|(p, done)| p.filter(|_| !done))
                .collect(),
        };
        let mut best: Option<(usize, f64)> = None;
        for (i, p) in candidates.iter().enumerate() {
            if let Some(p) = *p
                && !p.is_nan()
                && moves_further(p, best.map(|b| b.1), significant)
            {
                best = Some((i, p));
            }
        }
        let Some((row, p)) = best else { break };
        if let Some(state) = state.as_mut() {
            state.apply(Flip {
                row,
                delta: if events[row] { -1 } else { 1 },
            });
        }
        path.push(SurvivalStep {
            step: path.len() + 1,
            line: data.lines[row],
            group: trial.level(trial.code(row)).to_string(),
            time: data.time[row],
            change: change_text(events[row]).to_string(),
            p_value: Some(p),
        });
        events[row] = !events[row];
        flipped[row] = true;
        crossed = crosses(p);
    }
    let sign = if significant { 1 } else { -1 };
    if !crossed {
        let note = if path.len() == max_steps && max_steps < n {
            format!(
                "the greedy search stopped after {max_steps} flips (each step refits every candidate) without crossing α"
            )
        } else {
            "no sequence of status flips found moves the result across α".to_string()
        };
        return StatusFlip {
            fragility_index: None,
            minimum_confirmed: false,
            note,
            path,
        };
    }
    let k = path.len();
    let (minimum_confirmed, note, path) = match k {
        1 => (true, "one flip suffices: the minimum".to_string(), path),
        2 => (
            true,
            "the minimum: no single flip crosses α (every one was tried at the first step)".to_string(),
            path,
        ),
        3 => match confirm_no_pair(trial, p0) {
            PairSearch::NoneCrosses => (
                true,
                "the minimum: every pair of flips was tried and none crosses α".to_string(),
                path,
            ),
            PairSearch::Crosses(pair) => (
                true,
                "the greedy search found 3; the exhaustive search of pairs found 2, the minimum".to_string(),
                pair_path(trial, &pair),
            ),
            PairSearch::TooMany(pairs) => (
                false,
                format!(
                    "greedy upper bound; the {pairs} pairs that would confirm it are more than the {MAX_PAIR_REFITS} refits allowed for the {} test",
                    trial.test
                ),
                path,
            ),
        },
        _ => (
            false,
            "greedy upper bound (the exact minimum is confirmed for indices up to 3)".to_string(),
            path,
        ),
    };
    StatusFlip {
        fragility_index: Some(sign * path.len() as i64),
        minimum_confirmed,
        note,
        path,
    }
}

enum PairSearch {
    NoneCrosses,
    Crosses([usize; 2]),
    TooMany(usize),
}

/// Tries every pair of flips. With the log-rank test, rows with the same time, arm and status
/// are interchangeable, so one pair per pair of such classes is enough.
fn confirm_no_pair(trial: &Trial, p0: f64) -> PairSearch {
    let data = &trial.data;
    let n = data.n_rows();
    let significant = is_significant(p0, trial.alpha);
    let crosses = |p: Option<f64>| p.is_some_and(|p| !p.is_nan() && is_significant(p, trial.alpha) != significant);
    let flip = |i: usize| Flip {
        row: i,
        delta: if data.event[i] { -1 } else { 1 },
    };
    if trial.test == SurvivalTest::LogRank {
        let in_arm: Vec<bool> = (0..n).map(|i| trial.code(i) == trial.experimental).collect();
        let state = LogRankState::new(data, in_arm.clone());
        // classes: (time index, arm, status) → up to two member rows
        let mut classes: Vec<((usize, bool, bool), Vec<usize>)> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for i in 0..n {
            let key = (state.time_index(i), in_arm[i], data.event[i]);
            let c = *index.entry(key).or_insert_with(|| {
                classes.push((key, Vec::new()));
                classes.len() - 1
            });
            if classes[c].1.len() < 2 {
                classes[c].1.push(i);
            }
        }
        let found = (0..classes.len()).into_par_iter().find_map_first(|a| {
            (a..classes.len()).find_map(|b| {
                let (first, second) = if a == b {
                    (classes[a].1[0], *classes[a].1.get(1)?)
                } else {
                    (classes[a].1[0], classes[b].1[0])
                };
                crosses(Some(state.p_after(&[flip(first), flip(second)]))).then_some([first, second])
            })
        });
        return found.map_or(PairSearch::NoneCrosses, PairSearch::Crosses);
    }
    let pairs = n * n.saturating_sub(1) / 2;
    if pairs > MAX_PAIR_REFITS {
        return PairSearch::TooMany(pairs);
    }
    let found = (0..n).into_par_iter().find_map_first(|a| {
        (a + 1..n).find_map(|b| crosses(trial.p_value(&trial.with_flips(&data.event, &[a, b]))).then_some([a, b]))
    });
    found.map_or(PairSearch::NoneCrosses, PairSearch::Crosses)
}

/// The path of a pair found by the exhaustive search.
fn pair_path(trial: &Trial, pair: &[usize; 2]) -> Vec<SurvivalStep> {
    let data = &trial.data;
    pair.iter()
        .enumerate()
        .map(|(k, &row)| SurvivalStep {
            step: k + 1,
            line: data.lines[row],
            group: trial.level(trial.code(row)).to_string(),
            time: data.time[row],
            change: change_text(data.event[row]).to_string(),
            p_value: trial.p_value(&trial.with_flips(&data.event, &pair[..=k])),
        })
        .collect()
}
