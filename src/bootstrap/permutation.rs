//! Permutation tests of the log-rank family: exact, or Monte Carlo.
//!
//! # Method (Fisher 1935; Good 2005, ch. 3; Phipson & Smyth 2010 for the Monte Carlo p-value)
//! Under the null hypothesis of one survival distribution, the arm labels are exchangeable.
//! With χ² the log-rank family statistic ([`super::counts::Sorted::logrank`]; for two arms
//! χ² = Z², so χ²* ≥ χ² is |Z*| ≥ |Z|):
//!
//! - exact: all M = n!/Π n_g! distinct assignments of the labels, p = #{χ²* ≥ χ²}/M (the
//!   observed assignment included), when M ≤ the limit (10⁶ by default);
//! - Monte Carlo: B random permutations, p = (1 + #{χ²* ≥ χ²})/(B + 1).
//!
//! "≥" allows a relative rounding tolerance of 10⁻⁹, so assignments whose statistic equals the
//! observed one mathematically count however the floating-point sums fall. The Monte Carlo
//! permutations follow the bootstrap's reproducibility rules ([`super::engine`]).

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use thiserror::Error;

use super::counts::{LogRankScratch, Sorted};
use super::engine;
use crate::data::{DroppedRows, SurvData};
use crate::dist::chisq_sf;
use crate::logrank::Weights;
use crate::numbers::count;

/// χ²* counts as extreme when χ²* ≥ χ² (1 − TIE_TOLERANCE).
const TIE_TOLERANCE: f64 = 1e-9;

/// The most random permutations one run draws.
const MAX_PERMUTATIONS: usize = 1_000_000_000;

/// Exact enumeration or random permutations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PermutationMethod {
    /// Exact when the assignments number at most the limit, else Monte Carlo.
    #[default]
    Auto,
    /// Enumerate every distinct label assignment; fails when they exceed the limit.
    Exact,
    /// Random permutations, p = (1 + #{χ²* ≥ χ²})/(B + 1) (Phipson & Smyth 2010).
    MonteCarlo,
}

impl std::str::FromStr for PermutationMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(PermutationMethod::Auto),
            "exact" => Ok(PermutationMethod::Exact),
            "monte-carlo" => Ok(PermutationMethod::MonteCarlo),
            _ => Err(format!("unknown method '{s}'; use auto, exact or monte-carlo")),
        }
    }
}

/// Options for [`Permutation::test`]; start from `PermutationOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationOptions {
    /// Weights of the log-rank family statistic.
    pub weights: Weights,
    /// Exact, Monte Carlo, or exact when feasible.
    pub method: PermutationMethod,
    /// Random permutations for the Monte Carlo test.
    pub permutations: usize,
    /// The most label assignments enumerated exactly.
    pub exact_limit: u64,
    /// Seed of the Monte Carlo permutations; permutation r uses stream r.
    pub seed: u64,
    /// Worker threads (the result does not depend on them).
    pub threads: usize,
}

impl Default for PermutationOptions {
    fn default() -> Self {
        PermutationOptions {
            weights: Weights::LogRank,
            method: PermutationMethod::Auto,
            permutations: 10_000,
            exact_limit: 1_000_000,
            seed: 1,
            threads: 1,
        }
    }
}

/// What can go wrong in a permutation test.
#[derive(Debug, Error, PartialEq)]
pub enum PermutationError {
    /// An option is out of range (e.g. no threads, no permutations).
    #[error("invalid option: {0}")]
    Option(String),
    /// The data have no group column, so there are no arms to compare.
    #[error("{file}: the permutation test compares arms, and the model names no group")]
    NoGroup {
        /// The input file.
        file: String,
    },
    /// The group column has a single level among the rows used.
    #[error("{file}: group column '{column}' has one level among the rows used; the test compares at least two")]
    OneLevel {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
    },
    /// The group column has more levels than the log-rank test takes.
    #[error(
        "{file}: group column '{column}' has {levels} levels; the test compares at most {}",
        crate::logrank::MAX_GROUPS
    )]
    TooManyGroups {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// Its number of levels among the rows used.
        levels: usize,
    },
    /// The data have strata, entry times or case weights, which the test does not take.
    #[error("{file}: the permutation test does not take {what}")]
    Unsupported {
        /// The input file.
        file: String,
        /// What the data have that the test does not take.
        what: String,
    },
    /// The observed log-rank statistic does not exist (no events, or an arm never at risk).
    #[error("{file}: no log-rank test is possible on the data (no events, or one arm without anyone at risk)")]
    NoTest {
        /// The input file.
        file: String,
    },
    /// Exact enumeration was asked for but the assignments exceed the limit.
    #[error(
        "{file}: exact enumeration of {assignments:.3e} label assignments exceeds the limit of {limit}; use Monte Carlo permutations"
    )]
    TooMany {
        /// The input file.
        file: String,
        /// The number of distinct label assignments, n!/Π n_g!.
        assignments: f64,
        /// The most assignments enumerated exactly.
        limit: u64,
    },
    /// The worker threads could not be started.
    #[error("{0}")]
    Threads(String),
    /// The test was stopped before it finished (its stop flag raised).
    #[error("the permutation test was stopped before it finished")]
    Stopped,
}

/// One arm of the test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermutationGroup {
    pub group: String,
    pub n: usize,
    pub events: usize,
}

/// The result of a permutation test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Permutation {
    /// Weights of the log-rank family statistic.
    pub weights: Weights,
    /// The group column.
    pub group_column: String,
    /// The arms, in level order: size and events.
    pub groups: Vec<PermutationGroup>,
    /// The observed log-rank family χ².
    pub statistic: f64,
    /// Degrees of freedom of the χ²: the rank of the log-rank variance matrix (usually
    /// arms − 1).
    #[serde(serialize_with = "count")]
    pub df: f64,
    /// For two arms, Z = U/√V of the second arm (sign: more events than expected is positive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub z: Option<f64>,
    /// The χ² approximation's p-value, for comparison.
    pub asymptotic_p_value: f64,
    /// "exact" or "monte-carlo".
    pub method: PermutationMethod,
    /// The number of distinct label assignments, n!/Π n_g!.
    #[serde(serialize_with = "count")]
    pub assignments: f64,
    /// Assignments evaluated: all of them (exact) or the random permutations (Monte Carlo).
    pub permutations: u64,
    /// How many were at least as extreme as the observed one.
    pub as_extreme: u64,
    /// Permutation p-value: #{χ²* ≥ χ²}/M exact, (1 + #{χ²* ≥ χ²})/(B + 1) Monte Carlo.
    pub p_value: f64,
    /// The seed of the Monte Carlo permutations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The random generator of the Monte Carlo permutations; `None` when exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// Rows left out of the analysis, and why.
    pub dropped_rows: DroppedRows,
    /// Warnings about the test.
    pub warnings: Vec<String>,
}

impl Permutation {
    /// Tests the arms of the group column with the log-rank family statistic, by exact enumeration
    /// or Monte Carlo permutations of the labels (see the module formulas), telling `progress` of
    /// each finished batch of permutations.
    ///
    /// ```
    /// use survkit::bootstrap::{Permutation, PermutationOptions};
    /// use survkit::{Columns, SurvData};
    ///
    /// let columns = Columns::new("time", "status").group("sex");
    /// let data = SurvData::read_csv("datasets/lung.csv", &columns)?;
    /// let options = PermutationOptions { permutations: 999, ..Default::default() };
    /// let test = Permutation::test(&data, &options, &|| {})?;
    /// // R: survdiff(Surv(time, status) ~ sex, lung)$chisq = 10.32674
    /// assert!((test.statistic - 10.32674195).abs() < 1e-6);
    /// assert!(test.p_value < 0.01);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn test(
        data: &SurvData,
        options: &PermutationOptions,
        progress: &(dyn Fn() + Sync),
    ) -> Result<Permutation, PermutationError> {
        Permutation::test_until(data, options, progress, &engine::never())
    }

    /// [`Permutation::test`] that ends early, with [`PermutationError::Stopped`], once `stop`
    /// is raised (from another thread: a Ctrl-C handler, a user interface).
    pub fn test_until(
        data: &SurvData,
        options: &PermutationOptions,
        progress: &(dyn Fn() + Sync),
        stop: &AtomicBool,
    ) -> Result<Permutation, PermutationError> {
        let file = || data.source.clone();
        if options.threads == 0 {
            return Err(PermutationError::Option("threads must be at least 1".into()));
        }
        let group = data
            .group
            .as_ref()
            .ok_or_else(|| PermutationError::NoGroup { file: file() })?;
        if group.n_levels() < 2 {
            return Err(PermutationError::OneLevel {
                file: file(),
                column: group.name.clone(),
            });
        }
        if group.n_levels() > crate::logrank::MAX_GROUPS {
            return Err(PermutationError::TooManyGroups {
                file: file(),
                column: group.name.clone(),
                levels: group.n_levels(),
            });
        }
        for (present, what) in [
            (data.strata.is_some(), "strata"),
            (data.entry.is_some(), "an entry time (delayed entry)"),
            (data.weight.is_some(), "case weights"),
        ] {
            if present {
                return Err(PermutationError::Unsupported {
                    file: file(),
                    what: what.to_string(),
                });
            }
        }
        let sorted = Sorted::new(data);
        let n = sorted.len();
        let ones = vec![1u32; n];
        let mut scratch = LogRankScratch::default();
        let (statistic, df) = sorted
            .logrank(&ones, &sorted.arm, options.weights, &mut scratch)
            .ok_or_else(|| PermutationError::NoTest { file: file() })?;
        let sizes: Vec<usize> = sorted.arm_positions.iter().map(Vec::len).collect();
        let threshold = statistic * (1.0 - TIE_TOLERANCE);
        let plan = PermutationPlan {
            method: options.method,
            permutations: options.permutations,
            exact_limit: options.exact_limit,
            seed: options.seed,
            threads: options.threads,
        };
        let found = plan
            .count(
                &sorted.arm,
                &sizes,
                progress,
                stop,
                LogRankScratch::default,
                |labels, scratch| {
                    sorted
                        .logrank(&ones, labels, options.weights, scratch)
                        .is_some_and(|(s, _)| s >= threshold)
                },
            )
            .map_err(|e| match e {
                PlanError::TooMany { assignments, limit } => PermutationError::TooMany {
                    file: file(),
                    assignments,
                    limit,
                },
                PlanError::Option(message) => PermutationError::Option(message),
                PlanError::Threads(message) => PermutationError::Threads(message),
                PlanError::Stopped => PermutationError::Stopped,
            })?;
        let (exact, assignments) = (found.exact, found.assignments);
        let (permutations, as_extreme, p_value) = (found.permutations, found.as_extreme, found.p_value);
        let z = (group.n_levels() == 2).then(|| {
            let events_second: f64 = (0..n).filter(|&k| sorted.event[k] && sorted.arm[k] == 1).count() as f64;
            let sign = if events_second >= expected_second(&sorted) {
                1.0
            } else {
                -1.0
            };
            sign * statistic.sqrt()
        });
        let groups = (0..group.n_levels())
            .map(|g| PermutationGroup {
                group: group.levels[g].clone(),
                n: sizes[g],
                events: sorted.arm_positions[g].iter().filter(|&&k| sorted.event[k]).count(),
            })
            .collect();
        Ok(Permutation {
            weights: options.weights,
            group_column: group.name.clone(),
            groups,
            statistic,
            df,
            z,
            asymptotic_p_value: chisq_sf(statistic, df),
            method: if exact {
                PermutationMethod::Exact
            } else {
                PermutationMethod::MonteCarlo
            },
            assignments: assignments.round(),
            permutations,
            as_extreme,
            p_value,
            seed: (!exact).then_some(options.seed),
            generator: (!exact).then(|| engine::GENERATOR.to_string()),
            dropped_rows: data.dropped.clone(),
            warnings: Vec::new(),
        })
    }
}

/// Log-rank expected events of arm 1, Σ_j d_j n_1j / n_j (for the sign of Z).
fn expected_second(sorted: &Sorted) -> f64 {
    let n = sorted.len();
    let mut at_risk = n as f64;
    let mut at_risk_second = sorted.arm_positions.get(1).map_or(0, Vec::len) as f64;
    let mut expected = 0.0;
    let mut pos = 0;
    while pos < n {
        let start = pos;
        let mut d = 0.0;
        while pos < n && sorted.time[pos] == sorted.time[start] {
            d += f64::from(u8::from(sorted.event[pos]));
            pos += 1;
        }
        expected += d * at_risk_second / at_risk;
        for k in start..pos {
            at_risk -= 1.0;
            if sorted.arm[k] == 1 {
                at_risk_second -= 1.0;
            }
        }
    }
    expected
}

/// How a permutation test runs: the options every permutation test shares.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationPlan {
    /// Exact, Monte Carlo, or exact when feasible.
    pub method: PermutationMethod,
    /// Random permutations for the Monte Carlo test.
    pub permutations: usize,
    /// The most label assignments enumerated exactly.
    pub exact_limit: u64,
    /// Seed of the Monte Carlo permutations; permutation r uses stream r.
    pub seed: u64,
    /// Worker threads (the result does not depend on them).
    pub threads: usize,
}

/// Why a permutation plan cannot run.
pub(crate) enum PlanError {
    TooMany { assignments: f64, limit: u64 },
    Option(String),
    Threads(String),
    Stopped,
}

impl From<engine::RunError> for PlanError {
    fn from(e: engine::RunError) -> Self {
        match e {
            engine::RunError::Threads(message) => PlanError::Threads(message),
            engine::RunError::Stopped => PlanError::Stopped,
        }
    }
}

/// What a permutation test found.
pub(crate) struct PermutationCount {
    pub exact: bool,
    /// n!/Π n_g!, the distinct label assignments.
    pub assignments: f64,
    /// Assignments evaluated, and how many were at least as extreme as the observed one.
    pub permutations: u64,
    pub as_extreme: u64,
    pub p_value: f64,
}

impl PermutationPlan {
    /// Counts the label assignments `extreme` flags: all of them in lexicographic order
    /// (exact), or random permutations of `observed`, permutation r drawn from stream r of
    /// the seed (Monte Carlo, p = (1 + hits)/(B + 1)). `sizes` are the arm sizes; each thread
    /// works in its own workspace made by `init`.
    pub(crate) fn count<W>(
        &self,
        observed: &[u32],
        sizes: &[usize],
        progress: &(dyn Fn() + Sync),
        stop: &AtomicBool,
        init: impl Fn() -> W + Sync + Send,
        extreme: impl Fn(&[u32], &mut W) -> bool + Sync + Send,
    ) -> Result<PermutationCount, PlanError> {
        let assignments = ln_multinomial(sizes).exp();
        let exact = match self.method {
            PermutationMethod::Exact => {
                if assignments > self.exact_limit as f64 + 0.5 {
                    return Err(PlanError::TooMany {
                        assignments,
                        limit: self.exact_limit,
                    });
                }
                true
            }
            PermutationMethod::Auto => assignments <= self.exact_limit as f64 + 0.5,
            PermutationMethod::MonteCarlo => false,
        };
        if !exact && !(1..=MAX_PERMUTATIONS).contains(&self.permutations) {
            return Err(PlanError::Option(format!(
                "permutations must be between 1 and {MAX_PERMUTATIONS}"
            )));
        }
        let (permutations, as_extreme, p_value) = if exact {
            let mut labels = observed.to_vec();
            labels.sort_unstable();
            let mut workspace = init();
            let (mut total, mut hits) = (0u64, 0u64);
            loop {
                if stop.load(Ordering::Relaxed) {
                    return Err(PlanError::Stopped);
                }
                total += 1;
                hits += u64::from(extreme(&labels, &mut workspace));
                progress();
                if !next_permutation(&mut labels) {
                    break;
                }
            }
            (total, hits, hits as f64 / total as f64)
        } else {
            let flags = engine::in_parallel(
                self.threads,
                0..self.permutations,
                progress,
                stop,
                || (observed.to_vec(), init()),
                |(labels, workspace), r| {
                    labels.copy_from_slice(observed);
                    let mut rng = engine::stream(self.seed, r as u64);
                    engine::shuffle(&mut rng, labels);
                    extreme(labels, workspace)
                },
            )
            .map_err(PlanError::from)?;
            let hits = flags.iter().filter(|f| **f).count() as u64;
            let b = self.permutations as u64;
            (b, hits, (1 + hits) as f64 / (b + 1) as f64)
        };
        Ok(PermutationCount {
            exact,
            assignments,
            permutations,
            as_extreme,
            p_value,
        })
    }
}

impl Default for PermutationPlan {
    /// Exact up to 10⁶ assignments, else 10,000 random permutations; seed 1, one thread.
    fn default() -> Self {
        PermutationPlan {
            method: PermutationMethod::Auto,
            permutations: 10_000,
            exact_limit: 1_000_000,
            seed: 1,
            threads: 1,
        }
    }
}

/// log(n!/Π n_g!).
fn ln_multinomial(sizes: &[usize]) -> f64 {
    let ln_factorial = |m: usize| statrs::function::gamma::ln_gamma(m as f64 + 1.0);
    ln_factorial(sizes.iter().sum()) - sizes.iter().map(|m| ln_factorial(*m)).sum::<f64>()
}

/// Rearranges `labels` into the next arrangement in lexicographic order; false (leaving them
/// sorted again) after the last. Visits each distinct arrangement of a multiset once.
pub fn next_permutation(labels: &mut [u32]) -> bool {
    let Some(i) = (1..labels.len()).rev().find(|&i| labels[i - 1] < labels[i]) else {
        labels.reverse();
        return false;
    };
    let pivot = i - 1;
    let j = (i..labels.len())
        .rev()
        .find(|&j| labels[j] > labels[pivot])
        .unwrap_or(i);
    labels.swap(pivot, j);
    labels[i..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_permutation_visits_each_arrangement_once() {
        let mut labels = vec![0, 0, 1, 1, 2];
        let mut seen = std::collections::HashSet::new();
        loop {
            assert!(seen.insert(labels.clone()));
            if !next_permutation(&mut labels) {
                break;
            }
        }
        assert_eq!(seen.len(), 30); // 5!/(2! 2! 1!)
        assert_eq!(labels, vec![0, 0, 1, 1, 2]);
    }
}
