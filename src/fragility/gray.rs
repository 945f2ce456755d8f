//! The status-flip fragility of Gray's test of equal cumulative incidence.
//!
//! # Index
//! For Gray's K-sample test of the cumulative incidence of one cause across groups (Gray 1988,
//! within strata; `cmprsk::cuminc`'s `Tests`, see [`crate::competing`]), the fewest participants
//! whose status must change, each at their own time, for p to cross α: positive for a
//! significant result (p < α), negative for a non-significant one. Two kinds of change:
//!
//! - **cause–censor**: a failure from the cause of interest ↔ censored;
//! - **between causes**: a failure from the cause of interest ↔ a failure from another cause.
//!   A failure from the cause of interest becomes one from the first other cause in factor
//!   order: for the test of the cause of interest every other cause is the same (code 2 in
//!   Gray's `crstm`).
//!
//! Changes between censoring and another cause, or between two other causes, are not made.
//!
//! # Search
//! As the status-flip index of [`super::survival`]: greedy, each step applying the single
//! change that moves p furthest towards α (the largest p when significant, the smallest when
//! not; among equal p-values the earliest row, and for one row the cause–censor change first),
//! every participant changed at most once, candidates evaluated in parallel and collected in
//! row order. The greedy count is an upper bound; 1 is the minimum, 2 is (the first step tried
//! every single change), and 3 is confirmed by trying every pair of changes when the work
//! (pairs × rows) is at most [`MAX_PAIR_WORK`].
//!
//! Each candidate is a recomputation of Gray's test, O(n K²). Rows with the same stratum, time,
//! group and code (censored / cause of interest / another cause) are interchangeable — the test
//! sees the same data after changing either — so each step evaluates only the earliest row of
//! each such class, which changes no choice. The greedy search stops after
//! [`MAX_GREEDY_STEPS`] changes.
//!
//! References: Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a
//! competing risk. Ann Stat 1988;16:1141–1154. Desnoyers A, Nadler MB, Wilson BE, Amir E. A
//! critique of the fragility index. Lancet Oncol 2019;20:e552 (status flips in survival data).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use super::counts::{check_alpha, is_significant};
use super::survival::moves_further;
use crate::competing::CompetingData;
use crate::competing::gray::{GrayLayout, test_code};
use crate::data::DroppedRows;
use crate::dist::chisq_sf;

/// The most greedy steps (each step recomputes Gray's test for every candidate).
pub const MAX_GREEDY_STEPS: usize = 100;
/// The most work (pairs of changes × rows) spent confirming a greedy index of 3.
pub const MAX_PAIR_WORK: usize = 200_000_000;

/// A kind of status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrayFlip {
    /// A failure from the cause of interest ↔ censored.
    CauseCensor,
    /// A failure from the cause of interest ↔ a failure from another cause.
    BetweenCauses,
}

impl fmt::Display for GrayFlip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GrayFlip::CauseCensor => "cause-censor",
            GrayFlip::BetweenCauses => "between-causes",
        })
    }
}

impl FromStr for GrayFlip {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "cause-censor" => Ok(GrayFlip::CauseCensor),
            "between-causes" => Ok(GrayFlip::BetweenCauses),
            _ => Err(format!("unknown flip '{s}'; use cause-censor or between-causes")),
        }
    }
}

/// Why the fragility of Gray's test could not be computed.
#[derive(Debug, Error, PartialEq)]
pub enum GrayFragilityError {
    /// An option is out of range (α, ρ, no kind of change).
    #[error("invalid option: {0}")]
    Option(String),
    /// The data have no group column.
    #[error("{file}: Gray's test compares groups, and the data name no group column")]
    NoGroup {
        /// The input file.
        file: String,
    },
    /// Only one level of the group column has rows.
    #[error("{file}: Gray's test compares groups, but only level '{level}' of '{column}' has rows")]
    OneGroup {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// The one level with rows.
        level: String,
    },
    /// The cause named is not a cause in the status column.
    #[error("{file}: there is no cause '{cause}'; the causes are: {}", causes.join(", "))]
    UnknownCause {
        /// The input file.
        file: String,
        /// The cause named.
        cause: String,
        /// The causes in the status column.
        causes: Vec<String>,
    },
    /// The data have case weights or delayed entry, which Gray's test (counting rows) does not take.
    #[error("{file}: Gray's test, as cmprsk::cuminc, counts rows: it is not defined with {what}")]
    Unsupported {
        /// The input file.
        file: String,
        /// What the data have (case weights, delayed entry).
        what: String,
    },
    /// Gray's test is undefined on the original data.
    #[error("Gray's test cannot be computed on the original data: {message}")]
    Analysis {
        /// Why, in words.
        message: String,
    },
}

impl GrayFragilityError {
    /// Whether the error is about the analysis of valid input (rather than bad input or options).
    pub fn is_analysis_error(&self) -> bool {
        matches!(self, GrayFragilityError::Analysis { .. })
    }
}

/// Options for [`GrayFragility::compute`]; start from [`GrayFragilityOptions::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct GrayFragilityOptions {
    /// The cause of interest, as written in the status column.
    pub cause: String,
    /// Significance level α, in (0, 1); significant means p < α.
    pub alpha: f64,
    /// Gray's weight power ρ (`cuminc`'s `rho`).
    pub rho: f64,
    /// The kinds of change allowed (at least one).
    pub flips: Vec<GrayFlip>,
}

impl GrayFragilityOptions {
    /// Options for `cause` with α = 0.05, ρ = 0 and both kinds of change.
    pub fn new(cause: impl Into<String>) -> Self {
        GrayFragilityOptions {
            cause: cause.into(),
            alpha: 0.05,
            rho: 0.0,
            flips: vec![GrayFlip::CauseCensor, GrayFlip::BetweenCauses],
        }
    }

    /// Checks the options once (α in (0, 1), ρ finite, some change allowed).
    pub fn check(&self) -> Result<(), GrayFragilityError> {
        check_alpha(self.alpha).map_err(GrayFragilityError::Option)?;
        if !self.rho.is_finite() {
            return Err(GrayFragilityError::Option(format!(
                "Gray's test power ρ = {} is not finite",
                self.rho
            )));
        }
        if self.flips.is_empty() {
            return Err(GrayFragilityError::Option(
                "no kind of status change is allowed; use cause-censor, between-causes or both".to_string(),
            ));
        }
        Ok(())
    }
}

/// The rows of one group by status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayGroupCounts {
    /// The group's level.
    pub group: String,
    /// Rows in the group.
    pub n: usize,
    /// Failures from the cause of interest.
    pub events: usize,
    /// Failures from the other causes.
    pub competing: usize,
    /// Censored rows.
    pub censored: usize,
}

/// One change on the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayStep {
    /// 1, 2, … in the order applied.
    pub step: usize,
    /// The participant's line in the input file (the header is line 1).
    pub line: u64,
    /// The participant's group.
    pub group: String,
    /// The participant's time (unchanged).
    pub time: f64,
    /// The kind of change.
    pub flip: GrayFlip,
    /// The status before, as written in the status column (the censoring value when censored).
    pub from: String,
    /// The status after.
    pub to: String,
    /// Gray's statistic after this step; `None` when its variance is singular.
    pub statistic: Option<f64>,
    /// The p-value after this step.
    pub p_value: Option<f64>,
}

/// The status-flip fragility of Gray's test for one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayFragility {
    /// The cause of interest, as written in the status column.
    pub cause: String,
    /// The status column.
    pub status_column: String,
    /// The group column.
    pub group_column: String,
    /// The strata column; `None` without strata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata_column: Option<String>,
    /// The status value of censored rows.
    pub censor_value: String,
    /// Rows used.
    pub n: usize,
    /// Each group with rows, by status.
    pub groups: Vec<GrayGroupCounts>,
    /// The kinds of change allowed.
    pub flips: Vec<GrayFlip>,
    /// Gray's weight power ρ.
    pub rho: f64,
    /// The significance level α.
    pub alpha: f64,
    /// Gray's statistic on the original data.
    pub statistic: f64,
    /// Its degrees of freedom (groups with rows − 1).
    pub df: usize,
    /// Its p-value on the original data.
    pub p_value: f64,
    /// Whether p < α.
    pub significant: bool,
    /// The signed index; `None` when no sequence of changes found crosses α.
    pub fragility_index: Option<i64>,
    /// Index / n, signed as the index.
    pub fragility_quotient: Option<f64>,
    /// Whether the index is known to be the minimum (see the module documentation).
    pub minimum_confirmed: bool,
    /// How the index was found, or why there is none.
    pub note: String,
    /// The changes in order, each with the test after it.
    pub path: Vec<GrayStep>,
    /// Rows dropped when the data were loaded, and why.
    pub dropped_rows: DroppedRows,
    /// Warnings (times tied by R's timefix rule, a kind of change that cannot occur).
    pub warnings: Vec<String>,
}

/// One candidate change: row `row` to cause code `to` (0 censored).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Change {
    row: usize,
    to: u32,
    flip: GrayFlip,
}

/// The data as the search sees them: Gray's layout, the current codes and where each row sits.
#[derive(Clone)]
struct Search<'a> {
    data: &'a CompetingData,
    layout: GrayLayout,
    /// The cause of interest (1-based).
    cause: u32,
    /// The cause a failure from the cause of interest becomes in a between-causes change.
    other_cause: Option<u32>,
    rho: f64,
    alpha: f64,
    flips: Vec<GrayFlip>,
    /// Gray's 0/1/2 codes per stratum, in layout order.
    codes: Vec<Vec<u8>>,
    /// Stratum and position of each row in the layout.
    place: Vec<(usize, usize)>,
    /// Index of each row's time among its stratum's distinct times.
    time_block: Vec<usize>,
    /// Each row's group index in the layout.
    group: Vec<usize>,
}

impl<'a> Search<'a> {
    fn new(data: &'a CompetingData, cause: u32, options: &GrayFragilityOptions) -> Self {
        let layout = GrayLayout::new(data.data());
        let codes = layout.codes(|i| test_code(data.cause_of(i), cause));
        let n = data.data().n_rows();
        let mut place = vec![(0, 0); n];
        let mut time_block = vec![0; n];
        let mut group = vec![0; n];
        for (s, stratum) in layout.strata.iter().enumerate() {
            let mut block = 0;
            for (position, &row) in stratum.rows.iter().enumerate() {
                if position > 0 && stratum.time[position] != stratum.time[position - 1] {
                    block += 1;
                }
                place[row] = (s, position);
                time_block[row] = block;
                group[row] = stratum.group[position];
            }
        }
        let other_cause = (1..=data.n_causes() as u32).find(|&k| k != cause);
        Search {
            data,
            layout,
            cause,
            other_cause,
            rho: options.rho,
            alpha: options.alpha,
            flips: options.flips.clone(),
            codes,
            place,
            time_block,
            group,
        }
    }

    /// Gray's statistic after `changes` on top of the current codes.
    fn statistic_after(&self, changes: &[Change]) -> Option<f64> {
        let mut changed: Vec<(usize, Vec<u8>)> = Vec::new();
        for change in changes {
            let (s, position) = self.place[change.row];
            let slot = match changed.iter().position(|(t, _)| *t == s) {
                Some(slot) => slot,
                None => {
                    changed.push((s, self.codes[s].clone()));
                    changed.len() - 1
                }
            };
            changed[slot].1[position] = test_code(change.to, self.cause);
        }
        let codes: Vec<&[u8]> = self
            .codes
            .iter()
            .enumerate()
            .map(|(s, c)| {
                changed
                    .iter()
                    .find(|(t, _)| *t == s)
                    .map_or(c.as_slice(), |(_, owned)| owned.as_slice())
            })
            .collect();
        self.layout.statistic(&codes, self.rho)
    }

    fn p_of(&self, statistic: Option<f64>) -> Option<f64> {
        statistic
            .map(|s| chisq_sf(s, (self.layout.n_groups - 1) as f64))
            .filter(|p| !p.is_nan())
    }

    fn code_of(&self, row: usize) -> u8 {
        let (s, position) = self.place[row];
        self.codes[s][position]
    }

    /// The changes allowed for `row`, in the order cause–censor, between causes.
    fn changes_of(&self, row: usize) -> Vec<Change> {
        let mut out = Vec::new();
        for &flip in &self.flips {
            let to = match (flip, self.code_of(row)) {
                (GrayFlip::CauseCensor, 0) => Some(self.cause),
                (GrayFlip::CauseCensor, 1) => Some(0),
                (GrayFlip::BetweenCauses, 1) => self.other_cause,
                (GrayFlip::BetweenCauses, 2) => Some(self.cause),
                _ => None,
            };
            if let Some(to) = to {
                out.push(Change { row, to, flip });
            }
        }
        out.sort_by_key(|c| c.flip != GrayFlip::CauseCensor);
        // a kind named twice in the options is one change
        out.dedup();
        out
    }

    /// The rows not yet changed, grouped into interchangeable classes (stratum, time, group,
    /// code), each class's members in row order, classes in the order of their first row.
    fn classes(&self, changed: &[bool], keep: usize) -> Vec<Vec<usize>> {
        let mut index = HashMap::new();
        let mut classes: Vec<Vec<usize>> = Vec::new();
        for row in (0..changed.len()).filter(|&r| !changed[r]) {
            let key = (
                self.place[row].0,
                self.time_block[row],
                self.group[row],
                self.code_of(row),
            );
            let c = *index.entry(key).or_insert_with(|| {
                classes.push(Vec::new());
                classes.len() - 1
            });
            if classes[c].len() < keep {
                classes[c].push(row);
            }
        }
        classes
    }

    fn crosses(&self, p: Option<f64>, significant: bool) -> bool {
        p.is_some_and(|p| is_significant(p, self.alpha) != significant)
    }

    fn label(&self, code: u32) -> String {
        match code {
            0 => self.data.censor_value().to_string(),
            k => self.data.causes()[k as usize - 1].clone(),
        }
    }

    fn step(&self, number: usize, change: Change, statistic: Option<f64>) -> GrayStep {
        let sd = self.data.data();
        GrayStep {
            step: number,
            line: sd.lines[change.row],
            group: sd
                .group
                .as_ref()
                .map_or_else(String::new, |g| g.levels[g.codes[change.row] as usize].clone()),
            time: sd.time[change.row],
            flip: change.flip,
            from: self.label(self.data.cause_of(change.row)),
            to: self.label(change.to),
            statistic,
            p_value: self.p_of(statistic),
        }
    }
}

/// How the search ended: the index, whether it is the minimum, the note, the path.
struct Outcome {
    index: Option<i64>,
    minimum_confirmed: bool,
    note: String,
    path: Vec<GrayStep>,
}

impl GrayFragility {
    /// The status-flip fragility of Gray's test for `options.cause` across the groups of `data`
    /// (two or more, within strata when the data have them).
    ///
    /// ```
    /// use survkit::Columns;
    /// use survkit::competing::CompetingData;
    /// use survkit::fragility::{GrayFragility, GrayFragilityOptions};
    /// let columns = Columns::new("time", "status").group("arm");
    /// let als = CompetingData::read_csv("tests/reference/data/als_composite.csv", &columns, "0")?;
    /// let fragility = GrayFragility::compute(&als, &GrayFragilityOptions::new("1"))?;
    /// // R: cmprsk::cuminc(d$time, d$status, d$arm, cencode = 0)$Tests["1", "pv"]
    /// assert!((fragility.p_value - 0.782129414021557).abs() < 1e-9);
    /// // five failures from cause 1 in the placebo arm recorded as cause 2 make it significant
    /// assert_eq!(fragility.fragility_index, Some(-5));
    /// let last = fragility.path.last().and_then(|step| step.p_value).ok_or("no path")?;
    /// assert!((last - 0.0329653670350603).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute(data: &CompetingData, options: &GrayFragilityOptions) -> Result<Self, GrayFragilityError> {
        options.check()?;
        let sd = data.data();
        let file = || sd.source.clone();
        let group_factor = sd
            .group
            .as_ref()
            .ok_or_else(|| GrayFragilityError::NoGroup { file: file() })?;
        let cause = data
            .cause_code(&options.cause)
            .ok_or_else(|| GrayFragilityError::UnknownCause {
                file: file(),
                cause: options.cause.clone(),
                causes: data.causes().to_vec(),
            })?;
        if sd.weight.as_ref().is_some_and(|w| w.iter().any(|&w| w != 1.0)) {
            return Err(GrayFragilityError::Unsupported {
                file: file(),
                what: "case weights".to_string(),
            });
        }
        if sd.entry.is_some() {
            return Err(GrayFragilityError::Unsupported {
                file: file(),
                what: "delayed entry".to_string(),
            });
        }
        let groups = group_counts(data, cause);
        if groups.len() < 2 {
            return Err(GrayFragilityError::OneGroup {
                file: file(),
                column: group_factor.name.clone(),
                level: groups.first().map_or_else(String::new, |g| g.group.clone()),
            });
        }
        let search = Search::new(data, cause, options);
        let df = search.layout.n_groups - 1;
        let statistic = search
            .statistic_after(&[])
            .ok_or_else(|| GrayFragilityError::Analysis {
                message: if groups.iter().all(|g| g.events == 0) {
                    format!("there are no failures from cause {}", options.cause)
                } else {
                    "the variance of Gray's score is singular".to_string()
                },
            })?;
        let p_value = chisq_sf(statistic, df as f64);
        if p_value.is_nan() {
            return Err(GrayFragilityError::Analysis {
                message: format!("the statistic {statistic} has no p-value"),
            });
        }
        let significant = is_significant(p_value, options.alpha);
        let mut warnings = Vec::new();
        if sd.times_tied_by_timefix > 0 {
            warnings.push(format!(
                "{} time values differed from a neighbour only by rounding noise (relative difference ≤ 1.5e-8) and were treated as tied, as R's timefix does",
                sd.times_tied_by_timefix
            ));
        }
        if search.other_cause.is_none() && options.flips.contains(&GrayFlip::BetweenCauses) {
            warnings.push(format!(
                "the status column has one cause ({}), so no change between causes is possible",
                options.cause
            ));
        }
        let outcome = greedy(&search, significant);
        let n = sd.n_rows();
        Ok(GrayFragility {
            cause: data.causes()[cause as usize - 1].clone(),
            status_column: data.status_column().to_string(),
            group_column: group_factor.name.clone(),
            strata_column: sd.strata.as_ref().map(|s| s.name.clone()),
            censor_value: data.censor_value().to_string(),
            n,
            groups,
            flips: options.flips.clone(),
            rho: options.rho,
            alpha: options.alpha,
            statistic,
            df,
            p_value,
            significant,
            fragility_index: outcome.index,
            fragility_quotient: outcome.index.map(|k| k as f64 / n as f64),
            minimum_confirmed: outcome.minimum_confirmed,
            note: outcome.note,
            path: outcome.path,
            dropped_rows: sd.dropped.clone(),
            warnings,
        })
    }
}

/// Each group with rows, by status, in level order.
fn group_counts(data: &CompetingData, cause: u32) -> Vec<GrayGroupCounts> {
    let sd = data.data();
    let Some(factor) = sd.group.as_ref() else {
        return Vec::new();
    };
    let mut counts: Vec<GrayGroupCounts> = factor
        .levels
        .iter()
        .map(|level| GrayGroupCounts {
            group: level.clone(),
            n: 0,
            events: 0,
            competing: 0,
            censored: 0,
        })
        .collect();
    for (i, &g) in factor.codes.iter().enumerate() {
        let c = &mut counts[g as usize];
        c.n += 1;
        match test_code(data.cause_of(i), cause) {
            0 => c.censored += 1,
            1 => c.events += 1,
            _ => c.competing += 1,
        }
    }
    counts.retain(|c| c.n > 0);
    counts
}

/// The greedy search, with the confirmation of small indices.
fn greedy(search: &Search<'_>, significant: bool) -> Outcome {
    let n = search.place.len();
    let max_steps = n.min(MAX_GREEDY_STEPS);
    let mut state = search.clone();
    let mut changed = vec![false; n];
    let mut path: Vec<GrayStep> = Vec::new();
    let mut crossed = false;
    while path.len() < max_steps && !crossed {
        // classes come in the order of their first row, so the candidates are in row order
        let candidates: Vec<Change> = state
            .classes(&changed, 1)
            .iter()
            .flat_map(|members| state.changes_of(members[0]))
            .collect();
        let statistics: Vec<Option<f64>> = candidates.par_iter().map(|c| state.statistic_after(&[*c])).collect();
        let mut best: Option<(Change, Option<f64>, f64)> = None;
        for (change, statistic) in candidates.iter().zip(statistics) {
            if let Some(p) = state.p_of(statistic)
                && moves_further(p, best.map(|b| b.2), significant)
            {
                best = Some((*change, statistic, p));
            }
        }
        let Some((change, statistic, p)) = best else { break };
        path.push(state.step(path.len() + 1, change, statistic));
        let (s, position) = state.place[change.row];
        state.codes[s][position] = test_code(change.to, state.cause);
        changed[change.row] = true;
        crossed = state.crosses(Some(p), significant);
    }
    let sign = if significant { 1 } else { -1 };
    if !crossed {
        let note = if path.len() == max_steps && max_steps < n {
            format!(
                "the greedy search stopped after {max_steps} changes (each step recomputes Gray's test for every candidate) without crossing α"
            )
        } else {
            "no sequence of the allowed status changes found moves the result across α".to_string()
        };
        return Outcome {
            index: None,
            minimum_confirmed: false,
            note,
            path,
        };
    }
    let (minimum_confirmed, note, path) = match path.len() {
        1 => (true, "one change suffices: the minimum".to_string(), path),
        2 => (
            true,
            "the minimum: no single change crosses α (every one was tried at the first step)".to_string(),
            path,
        ),
        3 => match confirm_no_pair(search, significant) {
            PairSearch::NoneCrosses => (
                true,
                "the minimum: every pair of changes was tried and none crosses α".to_string(),
                path,
            ),
            PairSearch::Crosses(pair) => (
                true,
                "the greedy search found 3; the exhaustive search of pairs found 2, the minimum".to_string(),
                vec![
                    search.step(1, pair[0], search.statistic_after(&pair[..1])),
                    search.step(2, pair[1], search.statistic_after(&pair)),
                ],
            ),
            PairSearch::TooMany(pairs) => (
                false,
                format!(
                    "greedy upper bound; the {pairs} pairs of changes that would confirm it over {n} rows are more work than allowed ({MAX_PAIR_WORK} row passes)"
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
    Outcome {
        index: Some(sign * path.len() as i64),
        minimum_confirmed,
        note,
        path,
    }
}

enum PairSearch {
    NoneCrosses,
    Crosses([Change; 2]),
    TooMany(usize),
}

/// Tries every pair of changes on the original data, one pair per pair of interchangeable
/// classes (two members of one class when both changes fall in it).
fn confirm_no_pair(search: &Search<'_>, significant: bool) -> PairSearch {
    let n = search.place.len();
    let classes = search.classes(&vec![false; n], 2);
    // each candidate: (class, change of the class's first row)
    let candidates: Vec<(usize, Change)> = classes
        .iter()
        .enumerate()
        .flat_map(|(c, members)| search.changes_of(members[0]).into_iter().map(move |ch| (c, ch)))
        .collect();
    let m = candidates.len();
    let pairs = m * m.saturating_sub(1) / 2 + m;
    if pairs.saturating_mul(n) > MAX_PAIR_WORK {
        return PairSearch::TooMany(pairs);
    }
    let found = (0..m).into_par_iter().find_map_first(|a| {
        (a..m).find_map(|b| {
            let (class_a, first) = candidates[a];
            let (class_b, second) = candidates[b];
            let second = if class_a == class_b {
                // both changes in one class: the second applies to the class's second member
                let row = *classes[class_b].get(1)?;
                Change { row, ..second }
            } else {
                second
            };
            let pair = [first, second];
            search
                .crosses(search.p_of(search.statistic_after(&pair)), significant)
                .then_some(pair)
        })
    });
    found.map_or(PairSearch::NoneCrosses, PairSearch::Crosses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Columns;

    fn read(csv: &str) -> CompetingData {
        let columns = Columns::new("time", "status").group("arm");
        CompetingData::from_csv_bytes("test.csv", csv.as_bytes(), &columns, "0").unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-10 * a.abs().max(b.abs())
    }

    /// Two participants, one per arm, failing from cause 1 at times 1 (arm a) and 2 (arm b), by
    /// hand from Gray's `crst` (ρ = 0, so every weight is 1):
    ///
    /// - t = 1: risk sets R = (1, 1), one failure in arm a: score z = 1 − 1·1/2 = ½; pooled
    ///   F = ½; a = (½, −½), c = (¼, −¼); arm a's term (t4 = 1, t3 = ½) gives v3₁ = ½,
    ///   v2₁ = ⅛, v = 1/32; arm b's (t4 = ½, t3 = ½) gives v3₂ = ⅛, v2₂ = −3/32, v += 9/128.
    /// - t = 2: arm b alone fails (a = 0, t4 = 1, t3 = 1): v += 1/16, v3₂ += 1, v2₂ += ¼.
    /// - V = v + Σ_k (c_k² v3_k + 2 c_k v2_k) = 21/128 + (1/32 + 1/16) + (9/128 − 5/64) = ¼.
    ///
    /// Statistic z²/V = 1, p = P(χ²₁ > 1) = 0.3173. Censoring the failure at 2 drops the t = 2
    /// terms: V = 13/128 + (1/32 + 1/16) + (1/128 + 3/64) = ¼ again with the same score, so the
    /// statistic stays 1. Censoring the failure at 1 leaves one failure, in arm b after arm a
    /// has left: the score and V are 0, and the test is undefined.
    #[test]
    fn two_failures_by_hand() {
        let data = read("time,status,arm\n1,1,a\n2,1,b\n");
        let search = Search::new(&data, 1, &GrayFragilityOptions::new("1"));
        let censor = |row| Change {
            row,
            to: 0,
            flip: GrayFlip::CauseCensor,
        };
        let statistic = search.statistic_after(&[]).unwrap();
        assert!(close(statistic, 1.0), "{statistic}");
        assert!(close(search.p_of(Some(statistic)).unwrap(), 0.317_310_507_862_914_1));
        let later_censored = search.statistic_after(&[censor(1)]).unwrap();
        assert!(close(later_censored, 1.0), "{later_censored}");
        assert_eq!(search.statistic_after(&[censor(0)]), None);
        // at α = 0.5 the result is significant and no change crosses α: both changes leave p
        // at 0.317 or undefined, and there is no other cause to change to
        let options = GrayFragilityOptions {
            alpha: 0.5,
            ..GrayFragilityOptions::new("1")
        };
        let fragility = GrayFragility::compute(&data, &options).unwrap();
        assert!(fragility.significant);
        assert_eq!(fragility.fragility_index, None);
        assert_eq!(fragility.path.len(), 1);
        assert!(fragility.warnings.iter().any(|w| w.contains("one cause")));
    }

    /// A 16-row trial where one change crosses α. Expected values from R 4.2.2, cmprsk 2.2.11:
    /// `cuminc(d$time, s, d$arm, cencode = 0)$Tests["1", "pv"]` with `s` the status after the change.
    const ONE_FLIP: &str = "time,status,arm\n1,1,a\n2,1,a\n3,1,a\n4,2,a\n5,1,a\n6,0,a\n7,1,a\n8,0,a\n\
        1.5,2,b\n2.5,0,b\n3.5,1,b\n4.5,2,b\n5.5,0,b\n6.5,2,b\n7.5,0,b\n8.5,0,b\n";

    #[test]
    fn one_change_crosses_alpha() {
        let data = read(ONE_FLIP);
        let fragility = GrayFragility::compute(&data, &GrayFragilityOptions::new("1")).unwrap();
        assert!(close(fragility.statistic, 3.4709377251269706));
        assert!(close(fragility.p_value, 0.0624558955541991));
        assert!(!fragility.significant);
        assert_eq!(fragility.fragility_index, Some(-1));
        assert!(fragility.minimum_confirmed);
        let step = &fragility.path[0];
        // arm b's only failure from cause 1 (line 12) becomes one from cause 2
        assert_eq!((step.line, step.group.as_str(), step.time), (12, "b", 3.5));
        assert_eq!(
            (step.from.as_str(), step.to.as_str(), step.flip),
            ("1", "2", GrayFlip::BetweenCauses)
        );
        assert!(close(step.statistic.unwrap(), 6.096784232247318));
        assert!(close(step.p_value.unwrap(), 0.013542811020684));
        // changes to censoring only: the same participant, censored
        let options = GrayFragilityOptions {
            flips: vec![GrayFlip::CauseCensor],
            ..GrayFragilityOptions::new("1")
        };
        let censor_only = GrayFragility::compute(&data, &options).unwrap();
        assert_eq!(censor_only.fragility_index, Some(-1));
        let step = &censor_only.path[0];
        assert_eq!((step.line, step.to.as_str()), (12, "0"));
        assert!(close(step.p_value.unwrap(), 0.0161211472251159));
    }

    /// Every allowed change of every row of the original data, without the classes.
    fn all_changes(search: &Search<'_>) -> Vec<Change> {
        (0..search.place.len()).flat_map(|row| search.changes_of(row)).collect()
    }

    /// The fewest changes (up to 3) that cross α, by trying every set.
    fn brute_force_minimum(search: &Search<'_>, significant: bool) -> Option<usize> {
        let changes = all_changes(search);
        let crosses = |set: &[Change]| search.crosses(search.p_of(search.statistic_after(set)), significant);
        let m = changes.len();
        if (0..m).any(|a| crosses(&[changes[a]])) {
            return Some(1);
        }
        let distinct = |set: &[Change]| {
            set.iter()
                .enumerate()
                .all(|(i, c)| set[..i].iter().all(|d| d.row != c.row))
        };
        for a in 0..m {
            for b in a + 1..m {
                let pair = [changes[a], changes[b]];
                if distinct(&pair) && crosses(&pair) {
                    return Some(2);
                }
            }
        }
        for a in 0..m {
            for b in a + 1..m {
                for c in b + 1..m {
                    let triple = [changes[a], changes[b], changes[c]];
                    if distinct(&triple) && crosses(&triple) {
                        return Some(3);
                    }
                }
            }
        }
        None
    }

    /// A confirmed index is the minimum over every set of changes, and no index is below it.
    #[test]
    fn confirmed_minimum_agrees_with_exhaustive_search() {
        let data = read(ONE_FLIP);
        let mut sizes = Vec::new();
        for alpha in [0.001, 0.005, 0.01, 0.02, 0.05, 0.07, 0.1, 0.2, 0.3, 0.5] {
            for rho in [0.0, 1.0] {
                for flips in [
                    vec![GrayFlip::CauseCensor, GrayFlip::BetweenCauses],
                    vec![GrayFlip::CauseCensor],
                    vec![GrayFlip::BetweenCauses],
                ] {
                    let options = GrayFragilityOptions {
                        alpha,
                        rho,
                        flips,
                        ..GrayFragilityOptions::new("1")
                    };
                    let fragility = GrayFragility::compute(&data, &options).unwrap();
                    let search = Search::new(&data, 1, &options);
                    let exact = brute_force_minimum(&search, fragility.significant);
                    let size = fragility.fragility_index.map(|k| k.unsigned_abs() as usize);
                    if fragility.minimum_confirmed {
                        assert_eq!(size, exact, "α {alpha}, ρ {rho}, {:?}", options.flips);
                    }
                    if let (Some(size), Some(exact)) = (size, exact) {
                        assert!(size >= exact, "α {alpha}, ρ {rho}: {size} < {exact}");
                    }
                    // each step's p is Gray's test recomputed on the changed data
                    let changes: Vec<Change> = fragility
                        .path
                        .iter()
                        .map(|s| {
                            let row = data.data().lines.iter().position(|&l| l == s.line).unwrap();
                            let to = if s.to == "0" {
                                0
                            } else {
                                data.cause_code(&s.to).unwrap()
                            };
                            Change { row, to, flip: s.flip }
                        })
                        .collect();
                    for (k, step) in fragility.path.iter().enumerate() {
                        assert_eq!(step.statistic, search.statistic_after(&changes[..=k]));
                    }
                    sizes.push(size);
                }
            }
        }
        // the cases cover confirmed indices of 1, 2 and 3 and longer paths
        for k in 1..=4 {
            assert!(sizes.contains(&Some(k)), "no case with index {k}: {sizes:?}");
        }
    }

    #[test]
    fn refuses_what_gray_does_not_take() {
        let data = read(ONE_FLIP);
        let unknown = GrayFragility::compute(&data, &GrayFragilityOptions::new("3")).unwrap_err();
        assert!(matches!(unknown, GrayFragilityError::UnknownCause { .. }), "{unknown}");
        for options in [
            GrayFragilityOptions {
                alpha: 1.0,
                ..GrayFragilityOptions::new("1")
            },
            GrayFragilityOptions {
                rho: f64::NAN,
                ..GrayFragilityOptions::new("1")
            },
            GrayFragilityOptions {
                flips: Vec::new(),
                ..GrayFragilityOptions::new("1")
            },
        ] {
            let e = GrayFragility::compute(&data, &options).unwrap_err();
            assert!(matches!(e, GrayFragilityError::Option(_)), "{e}");
        }
        let columns = Columns::new("time", "status").group("arm").entry("entry");
        let csv = "time,status,arm,entry\n2,1,a,0\n3,1,b,1\n4,2,b,0\n";
        let delayed = CompetingData::from_csv_bytes("x", csv.as_bytes(), &columns, "0").unwrap();
        let e = GrayFragility::compute(&delayed, &GrayFragilityOptions::new("1")).unwrap_err();
        assert!(e.to_string().contains("delayed entry"), "{e}");
        let columns = Columns::new("time", "status").group("arm").weight("w");
        let csv = "time,status,arm,w\n2,1,a,1\n3,1,b,2\n4,2,b,1\n";
        let weighted = CompetingData::from_csv_bytes("x", csv.as_bytes(), &columns, "0").unwrap();
        let e = GrayFragility::compute(&weighted, &GrayFragilityOptions::new("1")).unwrap_err();
        assert!(e.to_string().contains("case weights"), "{e}");
        let one = read("time,status,arm\n1,1,a\n2,2,a\n");
        let e = GrayFragility::compute(&one, &GrayFragilityOptions::new("1")).unwrap_err();
        assert!(matches!(e, GrayFragilityError::OneGroup { .. }), "{e}");
        let columns = Columns::new("time", "status");
        let ungrouped = CompetingData::from_csv_bytes("x", b"time,status\n1,1\n2,2\n", &columns, "0").unwrap();
        let e = GrayFragility::compute(&ungrouped, &GrayFragilityOptions::new("1")).unwrap_err();
        assert!(matches!(e, GrayFragilityError::NoGroup { .. }), "{e}");
        // no failures from cause 2 in one arm and none at all in the other: singular, an analysis error
        let none = read("time,status,arm\n1,1,a\n2,1,b\n3,2,b\n");
        let e = GrayFragility::compute(&none, &GrayFragilityOptions::new("2")).unwrap_err();
        assert!(e.is_analysis_error(), "{e}");
    }
}
