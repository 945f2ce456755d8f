//! The bootstrap of a survival statistic: how much a result moves when the sample moves.
//!
//! # Method (Efron & Tibshirani 1993; Davison & Hinkley 1997, ch. 2, 5 and 7)
//! Case resampling: each replicate draws n rows with replacement (with `stratify`, as many rows
//! from each arm as it has, as R's `boot(strata =)` / `censboot(strata =)`), and recomputes the
//! statistic (`statistics`). A resample is a vector of integer frequencies over the rows sorted
//! once by time (`counts`), so a replicate costs linear passes and no sort. From the replicates
//! t*₁ … t*_B and the estimate t₀:
//!
//! - mean t̄* and bias t̄* − t₀; SE = SD(t*) with divisor B − 1;
//! - intervals: percentile, basic, normal and BCa, as R's `boot.ci` (`intervals`); BCa's
//!   acceleration from the jackknife (leave-one-out values, computed in parallel);
//! - for the log-rank and Cox statistics, the share of replicates whose p-value is below α:
//!   how often a re-run of the same trial would be "significant".
//!
//! Degenerate replicates (the statistic does not exist on the resample, e.g. an arm without
//! events for the maximum-likelihood hazard ratio) are counted and reported with how they were
//! treated: excluded from every summary, or kept when Firth's penalised estimate is used.
//!
//! # Reproducibility
//! See [`engine`]: replicate r depends only on the seed and r, so any thread count gives the
//! same result, and runs over ranges of replicates ([`BootstrapOptions::replicates`]) merge
//! ([`BootstrapReplicates::merge`]) into exactly the result of one run over the whole range.

pub(crate) mod counts;
pub mod engine;
pub(crate) mod intervals;
pub(crate) mod permutation;
pub(crate) mod statistics;

use std::ops::Range;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::competing::{CompetingData, FineGrayOptions};
use crate::cox::partial::Problem;
use crate::cox::{CoxError, Design, Ties};
use crate::data::{Covariate, DroppedRows, SurvData};
use crate::km::check_conf_level;
use crate::logrank::Weights;
use crate::rmst::{Rmst, RmstError, RmstOptions};
use counts::{LogRankScratch, Sorted};
pub use intervals::{Interval, IntervalMethod};
pub use permutation::{Permutation, PermutationError, PermutationMethod, PermutationOptions, PermutationPlan};
use statistics::{CoxStatistic, Evaluator};
pub use statistics::{Replicate, Statistic};

/// What the bootstrap resamples: single-event survival data (a `&SurvData` converts), or
/// competing-risks data with the cause of interest, for `cif-diff:T` and `log-shr`.
#[derive(Debug, Clone, Copy)]
pub enum BootstrapData<'a> {
    /// Survival data with an event indicator.
    Survival(&'a SurvData),
    /// Competing-risks data and the cause of interest, as written in the status column.
    Competing {
        /// The data.
        data: &'a CompetingData,
        /// The cause of interest.
        cause: &'a str,
    },
}

impl<'a> From<&'a SurvData> for BootstrapData<'a> {
    fn from(data: &'a SurvData) -> Self {
        BootstrapData::Survival(data)
    }
}

/// The replicate file format, as written by `--save-replicates` and read by `merge`.
pub const REPLICATES_FORMAT: &str = "survkit bootstrap replicates 1";

/// Options for [`BootstrapReplicates::run`]; start from `BootstrapOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapOptions {
    /// The statistic to resample.
    pub statistic: Statistic,
    /// The replicates to run, by index: `0..B` for B replicates, or a shard `A..B` of a larger
    /// ensemble.
    pub replicates: Range<usize>,
    /// Seed of the random generator; replicate r uses stream r of it.
    pub seed: u64,
    /// Worker threads (the result does not depend on them).
    pub threads: usize,
    /// Resample within each arm, keeping the arm sizes.
    pub stratify: bool,
    /// The confidence interval methods to report.
    pub intervals: Vec<IntervalMethod>,
    /// Confidence level of the intervals, in (0, 1) (e.g. 0.95).
    pub conf_level: f64,
    /// The significance level for the share of significant replicates.
    pub alpha: f64,
    /// τ for the RMST statistics; `None` for survRM2's default on the original data.
    pub tau: Option<f64>,
    /// Ties for the Cox statistics (Efron or Breslow).
    pub ties: Ties,
    /// Firth's penalised likelihood for the Cox statistics (Breslow ties).
    pub firth: bool,
    /// Weights of the log-rank statistic.
    pub weights: Weights,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            statistic: Statistic::LogHr,
            replicates: 0..2000,
            seed: 1,
            threads: 1,
            stratify: false,
            intervals: vec![IntervalMethod::Percentile, IntervalMethod::Bca],
            conf_level: 0.95,
            alpha: 0.05,
            tau: None,
            ties: Ties::Efron,
            firth: false,
            weights: Weights::LogRank,
        }
    }
}

/// The most replicates one run keeps in memory (about 0.5 GB of replicates).
pub const MAX_REPLICATES: usize = 20_000_000;
/// The most worker threads.
pub const MAX_THREADS: usize = 1024;

impl BootstrapOptions {
    /// Checks the options once, so the engine need not.
    pub fn check(&self) -> Result<(), BootstrapError> {
        check_conf_level(self.conf_level).map_err(BootstrapError::Option)?;
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(BootstrapError::Option(format!(
                "α = {} must lie strictly between 0 and 1 (e.g. 0.05)",
                self.alpha
            )));
        }
        if self.replicates.is_empty() {
            return Err(BootstrapError::Option(format!(
                "the replicate range {}..{} is empty",
                self.replicates.start, self.replicates.end
            )));
        }
        if self.replicates.len() > MAX_REPLICATES {
            return Err(BootstrapError::Option(format!(
                "{} replicates are more than one run can hold (at most {MAX_REPLICATES}); split the ensemble into replicate ranges and merge them",
                self.replicates.len()
            )));
        }
        if self.threads == 0 || self.threads > MAX_THREADS {
            return Err(BootstrapError::Option(format!(
                "threads must be between 1 and {MAX_THREADS}"
            )));
        }
        if self.intervals.is_empty() {
            return Err(BootstrapError::Option("name at least one interval method".into()));
        }
        if self.firth && !self.statistic.is_cox() {
            return Err(BootstrapError::Option(format!(
                "Firth's penalised likelihood applies to log-hr and hr, not to {}",
                self.statistic
            )));
        }
        if self.statistic.is_cox() && self.ties == Ties::Exact {
            return Err(BootstrapError::Option(
                "exact ties do not take frequency weights yet; use Efron or Breslow ties".into(),
            ));
        }
        if self.firth && self.ties != Ties::Breslow {
            return Err(BootstrapError::Cox(CoxError::FirthTies));
        }
        Ok(())
    }
}

/// What can go wrong in a bootstrap run or a merge of replicate files.
#[derive(Debug, Error)]
pub enum BootstrapError {
    /// An option is out of range or does not fit the statistic.
    #[error("invalid option: {0}")]
    Option(String),
    /// The data have no group column, so there are no arms to compare.
    #[error("{file}: the bootstrap compares arms, and the model names no group")]
    NoGroup {
        /// The input file.
        file: String,
    },
    /// The group column has the wrong number of levels (two needed; logrank takes two or more).
    #[error(
        "{file}: {statistic} compares two arms, but group column '{column}' has {levels} levels among the rows used"
    )]
    Arms {
        /// The input file.
        file: String,
        /// The statistic asked for.
        statistic: Statistic,
        /// The group column.
        column: String,
        /// Its number of levels among the rows used.
        levels: usize,
    },
    /// The data have strata, entry times, case weights or covariates the statistic cannot use.
    #[error("{file}: the bootstrap of {statistic} does not take {what}")]
    Unsupported {
        /// The input file.
        file: String,
        /// The statistic asked for.
        statistic: Statistic,
        /// What the data have that the statistic does not take.
        what: String,
    },
    /// The statistic does not exist on the original data (e.g. an infinite hazard ratio).
    #[error("{file}: {statistic} does not exist on the original data: {reason}")]
    NoEstimate {
        /// The input file.
        file: String,
        /// The statistic asked for.
        statistic: Statistic,
        /// Why it does not exist.
        reason: String,
    },
    /// The Cox model of the data could not be set up.
    #[error(transparent)]
    Cox(#[from] CoxError),
    /// The RMST τ could not be fixed on the original data.
    #[error(transparent)]
    Rmst(#[from] RmstError),
    /// The worker threads could not be started.
    #[error("{0}")]
    Threads(String),
    /// The run was stopped before it finished (its stop flag raised).
    #[error("the bootstrap was stopped before it finished")]
    Stopped,
    /// Replicate files do not belong to one ensemble or do not join into one range.
    #[error("cannot merge: {0}")]
    Merge(String),
}

impl From<engine::RunError> for BootstrapError {
    fn from(e: engine::RunError) -> Self {
        match e {
            engine::RunError::Threads(message) => BootstrapError::Threads(message),
            engine::RunError::Stopped => BootstrapError::Stopped,
        }
    }
}

impl BootstrapError {
    /// Whether the error is about the analysis of valid input (rather than bad input or options).
    pub fn is_analysis_error(&self) -> bool {
        matches!(self, BootstrapError::NoEstimate { .. } | BootstrapError::Threads(_))
    }
}

/// Which data a run used: merged shards must agree on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// The input file.
    pub source: String,
    /// Number of rows used.
    pub n: usize,
    /// The group column.
    pub group_column: String,
    /// The arms, reference first.
    pub levels: Vec<String>,
    /// FNV-1a over the sorted times, events and arms, in hexadecimal.
    pub fingerprint: String,
}

/// Everything that must agree between shards of one ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The statistic resampled.
    pub statistic: Statistic,
    /// The statistic in words, with its model settings.
    pub description: String,
    /// Seed of the random generator.
    pub seed: u64,
    /// The random generator and how streams are derived ([`engine::GENERATOR`]).
    pub generator: String,
    /// Whether resampling kept each arm's size.
    pub stratified: bool,
    /// Confidence level of the intervals.
    pub conf_level: f64,
    /// Significance level for the share of significant replicates.
    pub alpha: f64,
    /// The interval methods asked for.
    pub intervals: Vec<IntervalMethod>,
    /// τ of the RMST statistics, fixed on the original data; `None` for other statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau: Option<f64>,
    /// The cause of interest of a competing-risks statistic, as written in the status column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Which data were resampled.
    pub data: DataSummary,
}

/// The replicates of a run (or of merged runs), in replicate order: what `--save-replicates`
/// writes, and what the summary is computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapReplicates {
    /// The file format tag, [`REPLICATES_FORMAT`].
    pub format: String,
    /// The settings shards must share.
    pub settings: Settings,
    /// The statistic on the original data.
    pub estimate: f64,
    /// Its p-value on the original data; `None` for statistics without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_p_value: Option<f64>,
    /// The BCa acceleration from the jackknife (`None` when not asked for or not defined).
    pub acceleration: Option<f64>,
    /// How degenerate replicates are treated.
    pub treatment: String,
    /// The index of the first replicate.
    pub first_replicate: usize,
    /// The replicates, first_replicate onwards.
    pub replicates: Vec<Replicate>,
    /// Rows left out of the analysis, and why.
    pub dropped_rows: DroppedRows,
    /// Warnings about the run (timefix ties, undefined BCa acceleration).
    pub warnings: Vec<String>,
}

/// Degenerate replicates and what was done with them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Degenerate {
    /// Number of degenerate replicates.
    pub count: usize,
    /// How many were left out of every summary.
    pub excluded: usize,
    /// How they were treated, in words.
    pub treatment: String,
}

/// The summary of a bootstrap: the JSON contract of `survkit bootstrap`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bootstrap {
    /// The settings of the run (statistic, seed, intervals, data).
    #[serde(flatten)]
    pub settings: Settings,
    /// The statistic on the original data.
    pub estimate: f64,
    /// Its p-value on the original data; `None` for statistics without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate_p_value: Option<f64>,
    /// Replicates run.
    pub replicates: usize,
    /// Their indices, [first, last + 1).
    pub replicate_range: [usize; 2],
    /// Replicates in the summaries (not excluded).
    pub used: usize,
    /// Mean of the used replicates; `None` when none was used.
    pub mean: Option<f64>,
    /// Bias: mean of the used replicates minus the estimate; `None` when none was used.
    pub bias: Option<f64>,
    /// Bootstrap SE: SD of the used replicates, divisor B − 1; `None` with fewer than 2.
    pub se: Option<f64>,
    /// The confidence intervals, one per method asked for.
    pub ci: Vec<Interval>,
    /// BCa's bias correction w and acceleration a.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bca: Option<BcaConstants>,
    /// Degenerate replicates and their treatment.
    pub degenerate: Degenerate,
    /// Share of replicates with a p-value below α, among those with a p-value (log-rank and
    /// Cox statistics; `null` otherwise).
    pub share_significant: Option<f64>,
    /// Rows left out of the analysis, and why.
    pub dropped_rows: DroppedRows,
    /// Warnings (degenerate replicates, extreme order statistics, timefix ties, BCa).
    pub warnings: Vec<String>,
}

/// The two constants of the BCa interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BcaConstants {
    /// Bias correction w = Φ⁻¹(#{t* < t₀}/R); `None` when not finite or under 2 replicates
    /// used.
    pub bias_correction: Option<f64>,
    /// Acceleration a from the jackknife; `None` when undefined.
    pub acceleration: Option<f64>,
}

impl Bootstrap {
    /// Runs the bootstrap and summarises it.
    ///
    /// ```
    /// use survkit::bootstrap::{Bootstrap, BootstrapOptions, Statistic};
    /// use survkit::{Columns, SurvData};
    ///
    /// let data = SurvData::read_csv("datasets/lung.csv", &Columns::new("time", "status").group("sex"))?;
    /// let options = BootstrapOptions { statistic: Statistic::RmstDiff, seed: 7, ..Default::default() };
    /// let boot = Bootstrap::run(&data, &options)?;
    /// // R: the RMST difference at τ = 965 (survfit(..., rmean = 965), tests/reference/bootstrap.json)
    /// assert!((boot.estimate - 131.855668449528).abs() < 1e-8 * 131.9);
    /// assert_eq!(boot.used, 2000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run<'a>(
        data: impl Into<BootstrapData<'a>>,
        options: &BootstrapOptions,
    ) -> Result<Bootstrap, BootstrapError> {
        Ok(BootstrapReplicates::run(data, options, &|| {})?.summary())
    }
}

impl BootstrapReplicates {
    /// Runs the replicates `options.replicates` (and the jackknife, for BCa), telling
    /// `progress` of each finished replicate.
    ///
    /// ```
    /// use survkit::bootstrap::{BootstrapOptions, BootstrapReplicates, Statistic};
    /// use survkit::{Columns, SurvData};
    ///
    /// let columns = Columns::new("time", "status").group("sex");
    /// let data = SurvData::read_csv("datasets/lung.csv", &columns)?;
    /// let options = BootstrapOptions { replicates: 0..50, ..Default::default() }; // log-hr
    /// let run = BootstrapReplicates::run(&data, &options, &|| {})?;
    /// assert_eq!(run.replicates.len(), 50);
    /// // R: coef(coxph(Surv(time, status) ~ sex, lung)) = -0.5310235
    /// assert!((run.estimate + 0.5310235376).abs() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run<'a>(
        data: impl Into<BootstrapData<'a>>,
        options: &BootstrapOptions,
        progress: &(dyn Fn() + Sync),
    ) -> Result<BootstrapReplicates, BootstrapError> {
        BootstrapReplicates::run_until(data, options, progress, &engine::never())
    }

    /// [`BootstrapReplicates::run`] that ends early, with [`BootstrapError::Stopped`], once
    /// `stop` is raised (from another thread: a Ctrl-C handler, a user interface).
    pub fn run_until<'a>(
        data: impl Into<BootstrapData<'a>>,
        options: &BootstrapOptions,
        progress: &(dyn Fn() + Sync),
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<BootstrapReplicates, BootstrapError> {
        options.check()?;
        let statistic = options.statistic;
        let (data, competing) = match data.into() {
            BootstrapData::Survival(data) => (data, None),
            BootstrapData::Competing { data: competing, cause } => (competing.data(), Some((competing, cause))),
        };
        let file = || data.source.clone();
        let cause = match (competing, statistic.needs_cause()) {
            (None, false) => None,
            (None, true) => {
                return Err(BootstrapError::Option(format!(
                    "{statistic} is about one cause of competing-risks data: give a status with causes and the cause of interest"
                )));
            }
            (Some(_), false) => {
                return Err(BootstrapError::Option(format!(
                    "on competing-risks data the bootstrap resamples cif-diff:T or log-shr, not {statistic} (for a cause-specific or any-cause analysis, read the status with an event value)"
                )));
            }
            (Some((competing, label)), true) => {
                let code = competing.cause_code(label).ok_or_else(|| {
                    BootstrapError::Option(format!(
                        "there is no cause '{label}'; the causes are: {}",
                        competing.causes().join(", ")
                    ))
                })?;
                // the label as the data write it ("1" when asked for "1.0")
                let label = competing.causes().get(code as usize - 1).map_or(label, String::as_str);
                Some((code, label))
            }
        };
        let group = data
            .group
            .as_ref()
            .ok_or_else(|| BootstrapError::NoGroup { file: file() })?;
        let two_arms = statistic != Statistic::LogRank;
        if group.n_levels() < 2 || (two_arms && group.n_levels() != 2) {
            return Err(BootstrapError::Arms {
                file: file(),
                statistic,
                column: group.name.clone(),
                levels: group.n_levels(),
            });
        }
        let unsupported = |what: &str| BootstrapError::Unsupported {
            file: file(),
            statistic,
            what: what.to_string(),
        };
        for (present, what, allowed) in [
            (
                data.strata.is_some(),
                "strata (only log-hr and hr do)",
                statistic.is_cox(),
            ),
            (
                data.entry.is_some(),
                "an entry time (only log-hr and hr do)",
                statistic.is_cox(),
            ),
            (
                data.weight.is_some(),
                "case weights (only log-hr and hr do)",
                statistic.is_cox(),
            ),
            (
                !data.covariates.is_empty(),
                "covariates (only log-hr, hr and log-shr do)",
                statistic.takes_covariates(),
            ),
        ] {
            if present && !allowed {
                return Err(unsupported(what));
            }
        }
        let sorted = match competing {
            Some((competing, _)) => Sorted::with_causes(competing),
            None => Sorted::new(data),
        };
        let tau = match statistic {
            Statistic::RmstDiff | Statistic::RmstRatio => {
                let rmst_options = RmstOptions {
                    tau: options.tau,
                    ..Default::default()
                };
                Some(Rmst::fit(data, &rmst_options)?.tau)
            }
            _ => None,
        };
        let cox_data = statistic.is_cox().then(|| {
            let mut with_arm = data.clone();
            with_arm.covariates.insert(0, Covariate::Factor(group.clone()));
            with_arm
        });
        let fine_gray_data = match competing {
            Some((competing, _)) if statistic == Statistic::LogShr => competing.with_arm_covariate(),
            _ => None,
        };
        let mut evaluator = match (&cox_data, &fine_gray_data, cause) {
            (Some(cox_data), _, _) => {
                let design = Design::build(cox_data)?;
                let problem = Problem::new(cox_data, &design, options.ties);
                Evaluator::Cox(CoxStatistic::new(
                    problem,
                    &sorted,
                    options.firth,
                    statistic == Statistic::Hr,
                ))
            }
            (None, Some(fine_gray_data), Some((_, label))) => Evaluator::FineGray {
                data: fine_gray_data,
                sorted: &sorted,
                options: FineGrayOptions::new(label),
                rows: Vec::with_capacity(sorted.len()),
            },
            (None, None, Some((cause, _))) => match statistic {
                Statistic::CifDiff(time) => Evaluator::CifDiff {
                    sorted: &sorted,
                    cause,
                    time,
                },
                _ => return Err(unsupported("this data")),
            },
            (None, _, _) if statistic == Statistic::LogRank => Evaluator::LogRank {
                sorted: &sorted,
                weights: options.weights,
                scratch: LogRankScratch::default(),
            },
            (None, _, _) => Evaluator::Curves {
                sorted: &sorted,
                statistic,
                tau: tau.unwrap_or(f64::NAN),
                tables: Vec::new(),
            },
        };
        let n = sorted.len();
        let original = evaluator.evaluate(&vec![1; n]);
        let estimate = original.value.ok_or_else(|| BootstrapError::NoEstimate {
            file: file(),
            statistic,
            reason: degenerate_reason(statistic, options.firth).to_string(),
        })?;
        if let Evaluator::Cox(cox) = &mut evaluator {
            cox.start_from_last_fit();
        }
        let mut warnings = Vec::new();
        if data.times_tied_by_timefix > 0 {
            warnings.push(format!(
                "{} time values differed from a neighbour only by rounding noise and were treated as tied, as R's timefix does",
                data.times_tied_by_timefix
            ));
        }
        let acceleration = if options.intervals.contains(&IntervalMethod::Bca) {
            let leave_one_out = engine::in_parallel(
                options.threads,
                0..n,
                &|| {},
                stop,
                || (evaluator.clone(), vec![1; n]),
                |(evaluator, counts), i| {
                    engine::leave_one_out(counts, i);
                    evaluator.evaluate(counts).value
                },
            )
            .map_err(BootstrapError::from)?;
            let acceleration =
                intervals::acceleration(estimate, &leave_one_out, options.stratify.then_some(&sorted.arm[..]));
            if acceleration.is_none() {
                warnings.push(
                    "no BCa interval: the jackknife acceleration is undefined (a leave-one-out estimate does not exist, e.g. the only event of an arm left out, or every leave-one-out estimate is the same)"
                        .to_string(),
                );
            }
            acceleration
        } else {
            None
        };
        let strata = options.stratify.then_some(&sorted.arm_positions[..]);
        let replicates = engine::in_parallel(
            options.threads,
            options.replicates.clone(),
            progress,
            stop,
            || (evaluator.clone(), vec![0; n]),
            |(evaluator, counts), r| {
                let mut rng = engine::stream(options.seed, r as u64);
                engine::draw_resample(&mut rng, strata, counts);
                evaluator.evaluate(counts)
            },
        )
        .map_err(BootstrapError::from)?;
        Ok(BootstrapReplicates {
            format: REPLICATES_FORMAT.to_string(),
            settings: Settings {
                statistic,
                description: describe(data, options, cause.map(|(_, label)| label)),
                cause: cause.map(|(_, label)| label.to_string()),
                seed: options.seed,
                generator: engine::GENERATOR.to_string(),
                stratified: options.stratify,
                conf_level: options.conf_level,
                alpha: options.alpha,
                intervals: options.intervals.clone(),
                tau,
                data: DataSummary {
                    source: data.source.clone(),
                    n,
                    group_column: group.name.clone(),
                    levels: group.levels.clone(),
                    fingerprint: fingerprint(&sorted, cause.is_some()),
                },
            },
            estimate,
            estimate_p_value: original.p_value,
            acceleration,
            treatment: treatment(statistic, options.firth).to_string(),
            first_replicate: options.replicates.start,
            replicates,
            dropped_rows: data.dropped.clone(),
            warnings,
        })
    }

    /// Joins runs over adjacent replicate ranges of one ensemble (same data, statistic, seed
    /// and settings) into the replicates one run over the whole range gives.
    pub fn merge(mut parts: Vec<BootstrapReplicates>) -> Result<BootstrapReplicates, BootstrapError> {
        parts.sort_by_key(|p| p.first_replicate);
        let mut parts = parts.into_iter();
        let mut merged = parts
            .next()
            .ok_or_else(|| BootstrapError::Merge("no replicate files given".into()))?;
        for part in parts {
            let end = merged.first_replicate + merged.replicates.len();
            let range =
                |p: &BootstrapReplicates| format!("{}..{}", p.first_replicate, p.first_replicate + p.replicates.len());
            if part.format != REPLICATES_FORMAT {
                return Err(BootstrapError::Merge(format!(
                    "unknown format '{}' (expected '{REPLICATES_FORMAT}')",
                    part.format
                )));
            }
            if part.settings != merged.settings {
                return Err(BootstrapError::Merge(format!(
                    "replicates {} and {} come from different settings or data (statistic, seed, intervals, levels or data fingerprint differ)",
                    range(&merged),
                    range(&part)
                )));
            }
            if part.estimate != merged.estimate || part.acceleration != merged.acceleration {
                return Err(BootstrapError::Merge(format!(
                    "replicates {} and {} disagree on the estimate or the jackknife",
                    range(&merged),
                    range(&part)
                )));
            }
            if part.first_replicate != end {
                let problem = if part.first_replicate < end {
                    "overlap"
                } else {
                    "leave a gap"
                };
                return Err(BootstrapError::Merge(format!(
                    "replicates {} and {} {problem}; shards must be adjacent ranges",
                    range(&merged),
                    range(&part)
                )));
            }
            merged.replicates.extend(part.replicates);
            for w in part.warnings {
                if !merged.warnings.contains(&w) {
                    merged.warnings.push(w);
                }
            }
        }
        Ok(merged)
    }

    /// Mean, bias, SE, intervals, degenerate count and share significant, reduced in replicate
    /// order.
    pub fn summary(&self) -> Bootstrap {
        let values: Vec<f64> = self.replicates.iter().filter_map(|r| r.value).collect();
        let used = values.len();
        let estimate = self.estimate;
        let mean = values.iter().sum::<f64>() / used as f64;
        let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (used as f64 - 1.0)).sqrt();
        let mut sorted = values;
        sorted.sort_by(f64::total_cmp);
        let summary = intervals::Summary {
            sorted: &sorted,
            estimate,
            mean,
            sd,
            conf_level: self.settings.conf_level,
        };
        let mut warnings = self.warnings.clone();
        let enough = used >= 2;
        let mut extreme = Vec::new();
        let ci = self
            .settings
            .intervals
            .iter()
            .map(|method| {
                if !enough {
                    return Interval {
                        method: *method,
                        lower: None,
                        upper: None,
                    };
                }
                let (interval, at_extreme) = summary.interval(*method, self.acceleration);
                if at_extreme {
                    extreme.push(method.to_string());
                }
                interval
            })
            .collect();
        if !extreme.is_empty() {
            warnings.push(format!(
                "extreme order statistics used as endpoints ({}): too few replicates for this confidence level",
                extreme.join(", ")
            ));
        }
        let count = self.replicates.iter().filter(|r| r.degenerate).count();
        let excluded = self.replicates.len() - used;
        if count > 0 || excluded > 0 {
            warnings.push(format!(
                "{count} of {} replicates ({:.1}%) were degenerate; {}",
                self.replicates.len(),
                100.0 * count as f64 / self.replicates.len() as f64,
                self.treatment
            ));
        }
        let p_values: Vec<f64> = self.replicates.iter().filter_map(|r| r.p_value).collect();
        let share_significant = (!p_values.is_empty())
            .then(|| p_values.iter().filter(|p| **p < self.settings.alpha).count() as f64 / p_values.len() as f64);
        let bca = self
            .settings
            .intervals
            .contains(&IntervalMethod::Bca)
            .then(|| BcaConstants {
                bias_correction: enough.then(|| summary.bias_correction()).filter(|w| w.is_finite()),
                acceleration: self.acceleration,
            });
        let first = self.first_replicate;
        Bootstrap {
            settings: self.settings.clone(),
            estimate,
            estimate_p_value: self.estimate_p_value,
            replicates: self.replicates.len(),
            replicate_range: [first, first + self.replicates.len()],
            used,
            mean: (used >= 1).then_some(mean),
            bias: (used >= 1).then_some(mean - estimate),
            se: enough.then_some(sd),
            ci,
            bca,
            degenerate: Degenerate {
                count,
                excluded,
                treatment: self.treatment.clone(),
            },
            share_significant,
            dropped_rows: self.dropped_rows.clone(),
            warnings,
        }
    }
}

/// Why the statistic may not exist on a resample.
fn degenerate_reason(statistic: Statistic, firth: bool) -> &'static str {
    match statistic {
        Statistic::LogHr | Statistic::Hr if firth => "Firth's penalised likelihood did not converge",
        Statistic::LogHr | Statistic::Hr => {
            "the maximum-likelihood hazard ratio is infinite (an arm without events, or monotone likelihood); Firth's penalised likelihood gives a finite estimate"
        }
        Statistic::LogRank => "no test is possible (no events, or fewer than two arms with anyone at risk at an event)",
        Statistic::RmstDiff | Statistic::RmstRatio | Statistic::SurvivalDiff(_) => {
            "an arm is absent (or the reference RMST is 0)"
        }
        Statistic::MedianDiff => "an arm's Kaplan–Meier median is not reached (or the arm is absent)",
        Statistic::CifDiff(_) => "an arm is absent",
        Statistic::LogShr => {
            "the Fine–Gray fit has no estimate (an arm absent or without failures from the cause, a monotone pseudo-likelihood, or no convergence)"
        }
    }
}

/// How degenerate replicates are treated, in words.
fn treatment(statistic: Statistic, firth: bool) -> String {
    if statistic.is_cox() && firth {
        "kept: every replicate is Firth-fitted, whose estimate stays finite when an arm has no events (degenerate = an arm without events, where the maximum-likelihood hazard ratio would be infinite); replicates where Firth's fit does not converge are excluded".to_string()
    } else {
        format!("excluded from every summary: {}", degenerate_reason(statistic, firth))
    }
}

/// "log hazard ratio of arm=B vs arm=A (Cox, efron ties, adjusted for age)".
fn describe(data: &SurvData, options: &BootstrapOptions, cause: Option<&str>) -> String {
    let Some(group) = &data.group else {
        return options.statistic.to_string();
    };
    let reference = group.levels.first().cloned().unwrap_or_default();
    let versus = |level: usize| {
        format!(
            "{}={} vs {}={reference}",
            group.name,
            group.levels.get(level).cloned().unwrap_or_default(),
            group.name
        )
    };
    let covariates: Vec<&str> = data.covariates.iter().map(Covariate::name).collect();
    let adjustment = if covariates.is_empty() {
        String::new()
    } else {
        format!(", adjusted for {}", covariates.join(", "))
    };
    let model = |name: &str| {
        let method = if options.firth {
            "Firth penalised likelihood, breslow ties".to_string()
        } else {
            format!("Cox, {} ties", options.ties)
        };
        format!("{name} of {} ({method}{adjustment})", versus(1))
    };
    let cause = cause.unwrap_or_default();
    match options.statistic {
        Statistic::LogHr => model("log hazard ratio"),
        Statistic::Hr => model("hazard ratio"),
        Statistic::LogRank => format!(
            "log-rank family chi-square across {} ({} weights)",
            group.name, options.weights
        ),
        Statistic::RmstDiff => format!("RMST difference, {}", versus(1)),
        Statistic::RmstRatio => format!("RMST ratio, {}", versus(1)),
        Statistic::MedianDiff => format!("difference in Kaplan–Meier median, {}", versus(1)),
        Statistic::SurvivalDiff(t) => format!("difference in Kaplan–Meier S({t}), {}", versus(1)),
        Statistic::CifDiff(t) => format!(
            "difference in the cumulative incidence of cause {cause} at {t} (Aalen–Johansen), {}",
            versus(1)
        ),
        Statistic::LogShr => format!(
            "log subdistribution hazard ratio of cause {cause}, {} (Fine–Gray, crr{adjustment})",
            versus(1)
        ),
    }
}

/// FNV-1a (64-bit) over the sorted times, events and arms (and causes, on competing-risks
/// data).
fn fingerprint(sorted: &Sorted, with_causes: bool) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for k in 0..sorted.len() {
        feed(&sorted.time[k].to_bits().to_le_bytes());
        feed(&[u8::from(sorted.event[k])]);
        feed(&sorted.arm[k].to_le_bytes());
        if with_causes {
            feed(&sorted.cause[k].to_le_bytes());
        }
    }
    format!("{hash:016x}")
}
