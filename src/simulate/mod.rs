//! Simulation of event-driven randomised survival trials: power, type I error, the hazard
//! ratio estimate's distribution, duration and events, and how often the Cox Wald test and the
//! log-rank test disagree.
//!
//! # Model
//! n participants are allocated to k arms in fixed numbers (largest remainders of
//! n · w_g/Σw, as permuted blocks give), enter uniformly over [0, a] (or piecewise uniformly,
//! at given relative intensities by period: [`TrialDesign::with_accrual_periods`]), have event times from a
//! piecewise-exponential hazard of their arm (rates λ_g,0, λ_g,1, … on [0, b₁), [b₁, b₂), …;
//! delayed or crossing effects) and exponential dropout times with hazard φ. The analysis is at
//! the calendar time of the D-th event (or at all events if fewer happen, counted as "target
//! not reached"), or at a given calendar time; participants who entered before it are followed
//! to it, censored at dropout or at the analysis.
//!
//! # Analyses
//! - the log-rank test (or any weights of [`crate::logrank::Weights`]) on k − 1 df, by
//!   `crate::bootstrap::counts::Sorted::logrank`, the bootstrap's kernel;
//! - optionally the MaxCombo test of two arms ([`crate::maxcombo`], at most 4 weights so that
//!   its p-value is the deterministic nested quadrature);
//! - optionally the RMST difference of two arms up to a given τ, Wald test with each arm's
//!   Greenwood-type variance (`crate::rmst::area_under_km`);
//! - optionally, for the trials the log-rank test finds significant, the status-flip fragility
//!   index (`crate::fragility::survival`; two arms);
//! - the Cox model with arm indicators (control the reference), maximised by
//!   `crate::cox::newton::maximise` (R's `coxfit6.c` rule): the partial likelihood in its
//!   counting form ℓ(β) = Σ_j [Σ_g d_gj β_g − d_j log Σ_g n_gj e^{β_g}] (Breslow, equal to Efron
//!   since simulated times have no ties), the Wald test β̂'I(β̂)β̂, the likelihood-ratio test
//!   2(ℓ(β̂) − ℓ(0)) and the score test U(0)'I(0)⁻¹U(0), each on k − 1 df (the score test is
//!   the log-rank test when every event time has one event), and, for two arms, the Wald
//!   interval exp(β ± z_{1−α/2} se).
//!
//! A test rejects when its two-sided p < α. The Monte Carlo SE of a proportion p̂ over R
//! trials is √(p̂(1 − p̂)/R).
//!
//! # Reproducibility
//! Trial r draws from the bootstrap engine's stream r of the seed
//! ([`crate::bootstrap::engine::stream`]), and trials are collected in order before any
//! summary, so the output is the same whatever the thread count.

mod sequential;
mod trial;

pub use sequential::{
    Boundaries, BoundaryFamily, GroupSequential, LookSummary, MAX_COMPUTED_LOOKS, MAX_LOOKS, SequentialSummary,
};
pub use trial::{SequentialOutcome, TrialOutcome};

use std::ops::Range;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::bootstrap::engine::{GENERATOR, in_parallel};
use crate::logrank::Weights;

/// Trials at most in one run (the outcomes are kept in memory, about 150 bytes each).
pub const MAX_TRIALS: usize = 1_000_000;
/// Participants at most per trial.
pub const MAX_PARTICIPANTS: usize = 1_000_000;

/// Why a simulation cannot be set up or run.
#[derive(Debug, Error, PartialEq)]
pub enum SimulateError {
    /// A setting is out of its range.
    #[error("{what} = {value} must be {rule}")]
    Setting {
        /// The setting, in words (e.g. "the accrual time").
        what: String,
        /// The value given.
        value: f64,
        /// The rule it breaks (e.g. "positive and finite").
        rule: &'static str,
    },
    /// An arm's hazard has the wrong number of rates (or of hazard ratios) for its pieces.
    #[error("arm {arm}: {count} hazard rates for {pieces} pieces (one more than the {breaks} breaks)")]
    Pieces {
        /// The arm's name.
        arm: String,
        /// The number of rates (or ratios) given.
        count: usize,
        /// The number of pieces (breaks + 1).
        pieces: usize,
        /// The number of breaks.
        breaks: usize,
    },
    /// The piecewise accrual has the wrong number of intensities for its periods.
    #[error("accrual: {count} intensities for {periods} periods (one more than the {breaks} breaks)")]
    AccrualPeriods {
        /// The number of intensities given.
        count: usize,
        /// The number of periods (breaks + 1).
        periods: usize,
        /// The number of breaks.
        breaks: usize,
    },
    /// The design has fewer than two arms (the number given).
    #[error("a trial needs at least two arms, got {0}")]
    Arms(usize),
    /// An analysis that compares two arms (named) was asked for with another number of arms.
    #[error("the {0} compares two arms, the trial has {1}")]
    TwoArms(&'static str, usize),
    /// Interim looks were asked for without a target number of events.
    #[error("interim looks are at fractions of the target events: the analysis must be at a number of events")]
    SequentialNeedsEvents,
    /// The worker threads could not be started (the system's message).
    #[error("{0}")]
    Threads(String),
    /// Shards of trials cannot be merged: none given, an unknown format, different settings, an
    /// overlap or a gap.
    #[error("cannot merge: {0}")]
    Merge(String),
}

fn setting(what: impl Into<String>, value: f64, rule: &'static str) -> SimulateError {
    SimulateError::Setting {
        what: what.into(),
        value,
        rule,
    }
}

/// A piecewise-constant hazard: `rates[i]` on `[breaks[i−1], breaks[i])` (breaks[−1] = 0, the last
/// rate for ever after).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PiecewiseHazard {
    breaks: Vec<f64>,
    rates: Vec<f64>,
}

impl PiecewiseHazard {
    /// A hazard with `rates.len() == breaks.len() + 1` rates; breaks finite and increasing from
    /// above 0, rates non-negative and finite. `arm` names the arm in errors.
    pub fn new(breaks: Vec<f64>, rates: Vec<f64>, arm: &str) -> Result<Self, SimulateError> {
        if rates.len() != breaks.len() + 1 {
            return Err(SimulateError::Pieces {
                arm: arm.to_string(),
                count: rates.len(),
                pieces: breaks.len() + 1,
                breaks: breaks.len(),
            });
        }
        PiecewiseHazard::checked(breaks, rates, &format!("arm {arm}"), "a hazard rate")
    }

    /// Breaks finite and increasing from above 0, rates non-negative and finite; `owner` and
    /// `rate` name them in errors ("arm control", "a hazard rate").
    fn checked(breaks: Vec<f64>, rates: Vec<f64>, owner: &str, rate: &str) -> Result<Self, SimulateError> {
        let mut previous = 0.0;
        for b in &breaks {
            if !(b.is_finite() && *b > previous) {
                return Err(setting(
                    format!("{owner}: a break"),
                    *b,
                    "finite and increasing from above 0",
                ));
            }
            previous = *b;
        }
        if let Some(r) = rates.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
            return Err(setting(format!("{owner}: {rate}"), *r, "non-negative and finite"));
        }
        Ok(PiecewiseHazard { breaks, rates })
    }

    /// The cumulative hazard Λ(t) = ∫₀ᵗ λ(s) ds.
    fn cumulative(&self, t: f64) -> f64 {
        let mut start = 0.0;
        let mut cumulative = 0.0;
        for (i, rate) in self.rates.iter().enumerate() {
            let end = self.breaks.get(i).copied().unwrap_or(f64::INFINITY).min(t);
            if end > start {
                cumulative += rate * (end - start);
            }
            if end >= t {
                break;
            }
            start = end;
        }
        cumulative
    }

    /// A constant hazard.
    pub fn constant(rate: f64, arm: &str) -> Result<Self, SimulateError> {
        PiecewiseHazard::new(Vec::new(), vec![rate], arm)
    }

    /// This hazard multiplied piece by piece by `ratios` (one ratio, or one per piece).
    pub fn scaled(&self, ratios: &[f64], arm: &str) -> Result<Self, SimulateError> {
        let rates = match ratios.len() {
            1 => self.rates.iter().map(|r| r * ratios[0]).collect(),
            n if n == self.rates.len() => self.rates.iter().zip(ratios).map(|(r, h)| r * h).collect(),
            n => {
                return Err(SimulateError::Pieces {
                    arm: arm.to_string(),
                    count: n,
                    pieces: self.rates.len(),
                    breaks: self.breaks.len(),
                });
            }
        };
        PiecewiseHazard::new(self.breaks.clone(), rates, arm)
    }

    /// The time at which the cumulative hazard reaches `target` (∞ if never).
    fn inverse_cumulative(&self, target: f64) -> f64 {
        let mut start = 0.0;
        let mut cumulative = 0.0;
        for (i, rate) in self.rates.iter().enumerate() {
            let end = self.breaks.get(i).copied().unwrap_or(f64::INFINITY);
            let piece = rate * (end - start);
            if cumulative + piece >= target {
                return if *rate > 0.0 {
                    start + (target - cumulative) / rate
                } else {
                    f64::INFINITY
                };
            }
            cumulative += piece;
            start = end;
        }
        f64::INFINITY
    }
}

/// One arm of the trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    /// The arm's name (the first arm is the control).
    pub name: String,
    /// Allocation weight w_g.
    pub allocation: f64,
    /// The arm's hazard of the event.
    pub hazard: PiecewiseHazard,
}

/// When the trial is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisAt {
    /// At the calendar time of this many events.
    Events(usize),
    /// At this calendar time.
    Time(f64),
}

/// A validated trial design to simulate. The first arm is the control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialDesign {
    arms: Vec<Arm>,
    participants: usize,
    /// Participants per arm (fixed numbers).
    arm_sizes: Vec<usize>,
    accrual_time: f64,
    /// Relative accrual intensity by period within [0, accrual_time] (`None`: uniform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    accrual_intensity: Option<PiecewiseHazard>,
    dropout_hazard: f64,
    analysis: AnalysisAt,
}

impl TrialDesign {
    /// Checks and builds a design: at least two arms with positive allocations, 2 to
    /// [`MAX_PARTICIPANTS`] participants (split into fixed arm sizes by largest remainders),
    /// accrual time and dropout hazard non-negative and finite, a target of 1 to n events or a
    /// positive analysis time.
    pub fn new(
        arms: Vec<Arm>,
        participants: usize,
        accrual_time: f64,
        dropout_hazard: f64,
        analysis: AnalysisAt,
    ) -> Result<Self, SimulateError> {
        if arms.len() < 2 {
            return Err(SimulateError::Arms(arms.len()));
        }
        if !(2..=MAX_PARTICIPANTS).contains(&participants) {
            return Err(setting(
                "the number of participants",
                participants as f64,
                "between 2 and 1,000,000",
            ));
        }
        if let Some(arm) = arms.iter().find(|a| !(a.allocation.is_finite() && a.allocation > 0.0)) {
            return Err(setting(
                format!("arm {}: the allocation", arm.name),
                arm.allocation,
                "positive",
            ));
        }
        if !(accrual_time.is_finite() && accrual_time >= 0.0) {
            return Err(setting("the accrual time", accrual_time, "non-negative and finite"));
        }
        if !(dropout_hazard.is_finite() && dropout_hazard >= 0.0) {
            return Err(setting("the dropout hazard", dropout_hazard, "non-negative and finite"));
        }
        match analysis {
            AnalysisAt::Events(d) if d == 0 || d > participants => {
                return Err(setting(
                    "the target events",
                    d as f64,
                    "between 1 and the number of participants",
                ));
            }
            AnalysisAt::Time(t) if !(t.is_finite() && t > 0.0) => {
                return Err(setting("the analysis time", t, "positive and finite"));
            }
            _ => {}
        }
        let arm_sizes = allocate(participants, &arms);
        Ok(TrialDesign {
            arms,
            participants,
            arm_sizes,
            accrual_time,
            accrual_intensity: None,
            dropout_hazard,
            analysis,
        })
    }

    /// Piecewise accrual (rpact's `accrualTime = c(0, breaks, accrual_time)` with
    /// `accrualIntensity = rates`): the accrual period [0, a] is cut at `breaks` (increasing,
    /// inside (0, a)), and participants enter period i at relative intensity `rates[i]`
    /// (`breaks.len() + 1` of them, non-negative, not all 0). Only the ratios of the rates
    /// matter, the number of participants being fixed.
    ///
    /// # Formula
    /// With Λ(t) = ∫₀ᵗ λ(s) ds the cumulative intensity, an entry time is Λ⁻¹(u Λ(a)) for
    /// u uniform on (0, 1): piecewise uniform, period i holding the share
    /// λ_i (b_i − b_{i−1}) / Λ(a) of the participants.
    pub fn with_accrual_periods(mut self, breaks: Vec<f64>, rates: Vec<f64>) -> Result<Self, SimulateError> {
        if rates.len() != breaks.len() + 1 {
            return Err(SimulateError::AccrualPeriods {
                count: rates.len(),
                periods: breaks.len() + 1,
                breaks: breaks.len(),
            });
        }
        if self.accrual_time <= 0.0 {
            return Err(setting(
                "the accrual time (with accrual periods)",
                self.accrual_time,
                "positive",
            ));
        }
        if let Some(b) = breaks.iter().find(|b| **b >= self.accrual_time) {
            return Err(setting("accrual: a break", *b, "below the accrual time"));
        }
        let intensity = PiecewiseHazard::checked(breaks, rates, "accrual", "an intensity")?;
        let total = intensity.cumulative(self.accrual_time);
        if !(total > 0.0 && total.is_finite()) {
            return Err(setting(
                "accrual: the integrated intensity",
                total,
                "positive (some period with a positive intensity)",
            ));
        }
        self.accrual_intensity = Some(intensity);
        Ok(self)
    }

    /// An entry time for `u` uniform on (0, 1): a u uniform, or Λ⁻¹(u Λ(a)) with piecewise
    /// accrual.
    fn entry(&self, u: f64) -> f64 {
        match &self.accrual_intensity {
            None => self.accrual_time * u,
            Some(intensity) => intensity
                .inverse_cumulative(u * intensity.cumulative(self.accrual_time))
                .min(self.accrual_time),
        }
    }

    /// The arms, control first.
    pub fn arms(&self) -> &[Arm] {
        &self.arms
    }

    /// When the trial is analysed.
    pub fn analysis(&self) -> AnalysisAt {
        self.analysis
    }

    /// Participants per arm.
    pub fn arm_sizes(&self) -> &[usize] {
        &self.arm_sizes
    }
}

/// Fixed arm sizes: n w_g/Σw rounded down, the remainder to the largest fractions (first arm
/// first on ties).
fn allocate(n: usize, arms: &[Arm]) -> Vec<usize> {
    let total: f64 = arms.iter().map(|a| a.allocation).sum();
    let exact: Vec<f64> = arms.iter().map(|a| n as f64 * a.allocation / total).collect();
    let mut sizes: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..arms.len()).collect();
    order.sort_by(|a, b| (exact[*b] - exact[*b].floor()).total_cmp(&(exact[*a] - exact[*a].floor())));
    let mut left = n - sizes.iter().sum::<usize>();
    for g in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        sizes[g] += 1;
        left -= 1;
    }
    sizes
}

/// How to run the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateOptions {
    /// The trial indices to run: 0..R for a whole run, a sub-range for one shard.
    pub trials: Range<usize>,
    /// Seed of the random streams (trial r uses stream r).
    pub seed: u64,
    /// Worker threads (0 counts as 1); the result does not depend on it.
    pub threads: usize,
    /// Two-sided significance level.
    pub alpha: f64,
    /// Weights of the log-rank test.
    pub weights: Weights,
    /// Also the MaxCombo test of these weights (two arms only).
    pub maxcombo: Option<Vec<Weights>>,
    /// Also the RMST difference up to this τ (two arms only).
    pub rmst_tau: Option<f64>,
    /// Also the status-flip fragility index of each trial the log-rank test finds significant
    /// (two arms only).
    pub fragility: bool,
    /// Also the group-sequential log-rank test with interim looks (two arms, analysis at a
    /// target number of events).
    pub group_sequential: Option<GroupSequential>,
}

/// A proportion of trials with its Monte Carlo SE.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    /// Number of trials.
    pub count: usize,
    /// count / trials (NaN without trials).
    pub share: f64,
    /// Monte Carlo SE of the share, √(share (1 − share) / trials).
    pub mc_se: f64,
}

impl Share {
    fn of(count: usize, total: usize) -> Share {
        let share = if total > 0 {
            count as f64 / total as f64
        } else {
            f64::NAN
        };
        Share {
            count,
            share,
            mc_se: (share * (1.0 - share) / total as f64).sqrt(),
        }
    }
}

/// Mean, SD and quantiles of a quantity over trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Distribution {
    /// Mean over trials.
    pub mean: f64,
    /// Standard deviation (n − 1 denominator; 0 for one trial).
    pub sd: f64,
    /// 2.5% quantile (R's type 7).
    pub q025: f64,
    /// Median (R's type 7).
    pub median: f64,
    /// 97.5% quantile (R's type 7).
    pub q975: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Distribution {
    /// `None` without values. Quantiles by R's default (type 7).
    fn of(mut values: Vec<f64>) -> Option<Distribution> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = if values.len() > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        let quantile = |p: f64| {
            let h = (n - 1.0) * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(values.len() - 1);
            values[lo] + (h - lo as f64) * (values[hi] - values[lo])
        };
        Some(Distribution {
            mean,
            sd,
            q025: quantile(0.025),
            median: quantile(0.5),
            q975: quantile(0.975),
            min: values[0],
            max: values[values.len() - 1],
        })
    }
}

/// The hazard ratio estimates of one arm against control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HrSummary {
    /// The treatment arm's name.
    pub arm: String,
    /// exp of the mean log HR (geometric mean).
    pub geometric_mean_hr: f64,
    /// Distribution of the HR estimate over trials with a Cox fit.
    pub hr: Distribution,
    /// SD of the log HR estimates (the empirical SE).
    pub sd_log_hr: f64,
    /// Mean of the model SEs of the log HR.
    pub mean_se_log_hr: f64,
}

/// The result of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    /// Number of trials summarised.
    pub trials: usize,
    /// Index of the first trial (0 unless this is one shard of a larger run).
    pub first_trial: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// The random number generator and how its streams are drawn.
    pub generator: &'static str,
    /// Two-sided significance level of every test.
    pub alpha: f64,
    /// Weights of the log-rank test.
    pub weights: Weights,
    /// The simulated design.
    pub design: TrialDesign,
    /// Log-rank test rejections: power, or type I error when the arms do not differ.
    pub logrank: Share,
    /// Cox Wald test rejections.
    pub cox_wald: Share,
    /// Cox likelihood-ratio test rejections (trials without a finite Cox estimate count as not
    /// rejecting).
    pub cox_lr: Share,
    /// Cox score test rejections (at β = 0; the log-rank test itself when every event time
    /// has one event and the weights are the log-rank's).
    pub cox_score: Share,
    /// MaxCombo test rejections, when asked for (trials without a MaxCombo statistic count as
    /// not rejecting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maxcombo: Option<Share>,
    /// RMST difference test rejections and the difference's distribution, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmst: Option<Share>,
    /// Distribution of the RMST difference (treatment − control) up to τ, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmst_difference: Option<Distribution>,
    /// The log-rank status-flip fragility index over the trials the log-rank test finds
    /// significant, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fragility_index: Option<Distribution>,
    /// The group-sequential log-rank test, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_sequential: Option<SequentialSummary>,
    /// Trials where exactly one of the log-rank and the Wald test rejects.
    pub disagree: Share,
    /// Of those, the log-rank rejects but the Wald test (for two arms: the Wald CI) does not.
    pub logrank_only: usize,
    /// Of those, the Wald test rejects but the log-rank test does not.
    pub wald_only: usize,
    /// Hazard ratio estimates of each treatment arm against control, over trials with a Cox fit.
    pub hazard_ratios: Vec<HrSummary>,
    /// Calendar time of the analysis.
    pub duration: Option<Distribution>,
    /// Number of events at the analysis.
    pub events: Option<Distribution>,
    /// Trials analysed before the target events were reached (all events had happened).
    pub target_not_reached: usize,
    /// Trials without a finite Cox estimate (an arm without events, or no convergence); they
    /// count as not rejecting the Wald test.
    pub cox_failed: usize,
    /// Trials where no log-rank test was possible; they count as not rejecting.
    pub logrank_failed: usize,
    /// Warnings: trials that missed the target events, had no Cox fit or no log-rank test.
    pub warnings: Vec<String>,
}

/// The format tag of a saved shard of trials (2: trials carry the Cox LR and score p-values and
/// the group-sequential outcome; files of format 1 lack them and are refused).
pub const TRIALS_FORMAT: &str = "survkit simulate trials 2";

/// The settings a shard was run with; shards merge only when they agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The simulated design.
    pub design: TrialDesign,
    /// Seed of the random streams.
    pub seed: u64,
    /// Two-sided significance level.
    pub alpha: f64,
    /// Weights of the log-rank test.
    pub weights: Weights,
    /// Weights of the MaxCombo test, when asked for.
    pub maxcombo: Option<Vec<Weights>>,
    /// τ of the RMST difference, when asked for.
    #[serde(default)]
    pub rmst_tau: Option<f64>,
    /// Whether the fragility index was computed.
    #[serde(default)]
    pub fragility: bool,
    /// The group-sequential test, when asked for.
    #[serde(default)]
    pub group_sequential: Option<GroupSequential>,
}

/// The outcomes of trials `first_trial..` of a run, in trial order: a whole run or one shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationTrials {
    /// The format tag, [`TRIALS_FORMAT`].
    pub format: String,
    /// The settings the trials were run with.
    pub settings: Settings,
    /// Index of the first trial.
    pub first_trial: usize,
    /// Each trial's outcome, in trial order.
    pub outcomes: Vec<TrialOutcome>,
}

impl SimulationTrials {
    /// Runs the trials of `options.trials`.
    pub fn run(design: &TrialDesign, options: &SimulateOptions) -> Result<SimulationTrials, SimulateError> {
        let count = options.trials.len();
        if !(1..=MAX_TRIALS).contains(&count) {
            return Err(setting("the number of trials", count as f64, "between 1 and 1,000,000"));
        }
        if !(options.alpha > 0.0 && options.alpha < 1.0) {
            return Err(setting("the significance level", options.alpha, "in (0, 1)"));
        }
        if let Some(tau) = options.rmst_tau {
            if design.arms.len() != 2 {
                return Err(SimulateError::TwoArms("RMST difference", design.arms.len()));
            }
            if !(tau.is_finite() && tau > 0.0) {
                return Err(setting("the RMST's τ", tau, "positive and finite"));
            }
        }
        if options.fragility && design.arms.len() != 2 {
            return Err(SimulateError::TwoArms("fragility index", design.arms.len()));
        }
        if let Some(weights) = &options.maxcombo {
            if design.arms.len() != 2 {
                return Err(SimulateError::TwoArms("MaxCombo test", design.arms.len()));
            }
            if weights.is_empty() || weights.len() > 4 {
                return Err(setting(
                    "the number of MaxCombo weights",
                    weights.len() as f64,
                    "between 1 and 4",
                ));
            }
        }
        if let Some(gs) = &options.group_sequential {
            if design.arms.len() != 2 {
                return Err(SimulateError::TwoArms("group-sequential test", design.arms.len()));
            }
            let AnalysisAt::Events(target) = design.analysis else {
                return Err(SimulateError::SequentialNeedsEvents);
            };
            if gs.look_events(target).is_none() {
                return Err(setting(
                    "the target events (with interim looks)",
                    target as f64,
                    "large enough that every look has more events than the one before",
                ));
            }
        }
        let outcomes = in_parallel(
            options.threads.max(1),
            options.trials.clone(),
            &|| {},
            &crate::bootstrap::engine::never(),
            || trial::Workspace::new(design),
            |workspace, r| workspace.run(design, options, r as u64),
        )
        .map_err(|e| match e {
            crate::bootstrap::engine::RunError::Threads(message) => SimulateError::Threads(message),
            crate::bootstrap::engine::RunError::Stopped => SimulateError::Threads("stopped".into()),
        })?;
        Ok(SimulationTrials {
            format: TRIALS_FORMAT.to_string(),
            settings: Settings {
                design: design.clone(),
                seed: options.seed,
                alpha: options.alpha,
                weights: options.weights,
                maxcombo: options.maxcombo.clone(),
                rmst_tau: options.rmst_tau,
                fragility: options.fragility,
                group_sequential: options.group_sequential.clone(),
            },
            first_trial: options.trials.start,
            outcomes,
        })
    }

    /// Joins shards over adjacent trial ranges of one run (same settings) into the trials one
    /// run over the whole range gives.
    pub fn merge(mut parts: Vec<SimulationTrials>) -> Result<SimulationTrials, SimulateError> {
        parts.sort_by_key(|p| p.first_trial);
        let mut parts = parts.into_iter();
        let mut merged = parts
            .next()
            .ok_or_else(|| SimulateError::Merge("no trial files given".into()))?;
        for part in parts {
            let range = |p: &SimulationTrials| format!("{}..{}", p.first_trial, p.first_trial + p.outcomes.len());
            let end = merged.first_trial + merged.outcomes.len();
            if part.format != TRIALS_FORMAT || merged.format != TRIALS_FORMAT {
                return Err(SimulateError::Merge(format!(
                    "unknown format '{}' (expected '{TRIALS_FORMAT}')",
                    part.format
                )));
            }
            if part.settings != merged.settings {
                return Err(SimulateError::Merge(format!(
                    "trials {} and {} come from different settings (design, seed, alpha or weights differ)",
                    range(&merged),
                    range(&part)
                )));
            }
            if part.first_trial != end {
                let problem = if part.first_trial < end {
                    "overlap"
                } else {
                    "leave a gap"
                };
                return Err(SimulateError::Merge(format!(
                    "trials {} and {} {problem}; shards must be adjacent ranges",
                    range(&merged),
                    range(&part)
                )));
            }
            merged.outcomes.extend(part.outcomes);
        }
        Ok(merged)
    }

    /// Power, shares, distributions and warnings, reduced in trial order.
    pub fn summary(&self) -> Simulation {
        summarise(&self.settings, self.first_trial, &self.outcomes)
    }
}

impl Simulation {
    /// Runs and summarises the trials of `options.trials`.
    ///
    /// Twenty trials of 100 participants (hazard 0.1 against 0.05, accrual over 12 time units,
    /// analysis at the 60th event):
    ///
    /// ```
    /// use survkit::simulate::{AnalysisAt, Arm, PiecewiseHazard, SimulateError};
    /// use survkit::simulate::{SimulateOptions, Simulation, TrialDesign};
    /// let arm = |name: &str, rate| {
    ///     let hazard = PiecewiseHazard::constant(rate, name)?;
    ///     Ok::<_, SimulateError>(Arm { name: name.into(), allocation: 1.0, hazard })
    /// };
    /// let arms = vec![arm("control", 0.1)?, arm("treatment", 0.05)?];
    /// let design = TrialDesign::new(arms, 100, 12.0, 0.0, AnalysisAt::Events(60))?;
    /// let options = SimulateOptions { trials: 0..20, seed: 1, threads: 1, alpha: 0.05,
    ///     weights: survkit::Weights::LogRank, maxcombo: None, rmst_tau: None, fragility: false,
    ///     group_sequential: None };
    /// let simulation = Simulation::run(&design, &options)?;
    /// assert_eq!(simulation.logrank.count, 15); // 15 of 20 trials reject
    /// assert!((simulation.hazard_ratios[0].geometric_mean_hr - 0.526685).abs() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(design: &TrialDesign, options: &SimulateOptions) -> Result<Simulation, SimulateError> {
        Ok(SimulationTrials::run(design, options)?.summary())
    }
}

fn summarise(settings: &Settings, first_trial: usize, outcomes: &[TrialOutcome]) -> Simulation {
    let r = outcomes.len();
    let alpha = settings.alpha;
    let design = &settings.design;
    let rejects = |p: Option<f64>| p.is_some_and(|p| p < alpha);
    let logrank = outcomes.iter().filter(|o| rejects(o.logrank_p)).count();
    let wald = outcomes.iter().filter(|o| rejects(o.wald_p)).count();
    let logrank_only = outcomes
        .iter()
        .filter(|o| rejects(o.logrank_p) && !rejects(o.wald_p))
        .count();
    let wald_only = outcomes
        .iter()
        .filter(|o| !rejects(o.logrank_p) && rejects(o.wald_p))
        .count();
    let hazard_ratios = (1..design.arms.len())
        .filter_map(|g| {
            let fitted: Vec<&TrialOutcome> = outcomes
                .iter()
                .filter(|o| o.log_hr.len() == design.arms.len() - 1)
                .collect();
            let log_hr: Vec<f64> = fitted.iter().map(|o| o.log_hr[g - 1]).collect();
            let se: Vec<f64> = fitted.iter().map(|o| o.se_log_hr[g - 1]).collect();
            let log_dist = Distribution::of(log_hr.clone())?;
            Some(HrSummary {
                arm: design.arms[g].name.clone(),
                geometric_mean_hr: log_dist.mean.exp(),
                hr: Distribution::of(log_hr.iter().map(|b| b.exp()).collect())?,
                sd_log_hr: log_dist.sd,
                mean_se_log_hr: se.iter().sum::<f64>() / se.len() as f64,
            })
        })
        .collect();
    let target_not_reached = outcomes.iter().filter(|o| o.target_not_reached).count();
    let cox_failed = outcomes.iter().filter(|o| o.wald_p.is_none()).count();
    let logrank_failed = outcomes.iter().filter(|o| o.logrank_p.is_none()).count();
    let mut warnings = Vec::new();
    if target_not_reached > 0 {
        warnings.push(format!(
            "{target_not_reached} of {r} trials never reached the target events and were analysed after the last event"
        ));
    }
    if cox_failed > 0 {
        warnings.push(format!(
            "{cox_failed} of {r} trials had no finite Cox estimate (an arm without events or no convergence); they count as not significant"
        ));
    }
    if logrank_failed > 0 {
        warnings.push(format!(
            "{logrank_failed} of {r} trials allowed no log-rank test; they count as not significant"
        ));
    }
    Simulation {
        trials: r,
        first_trial,
        seed: settings.seed,
        generator: GENERATOR,
        alpha,
        weights: settings.weights,
        design: design.clone(),
        logrank: Share::of(logrank, r),
        maxcombo: settings
            .maxcombo
            .as_ref()
            .map(|_| Share::of(outcomes.iter().filter(|o| rejects(o.maxcombo_p)).count(), r)),
        rmst: settings
            .rmst_tau
            .map(|_| Share::of(outcomes.iter().filter(|o| rejects(o.rmst_p)).count(), r)),
        fragility_index: settings
            .fragility
            .then(|| {
                Distribution::of(
                    outcomes
                        .iter()
                        .filter_map(|o| o.fragility_index.map(|f| f as f64))
                        .collect(),
                )
            })
            .flatten(),
        rmst_difference: settings
            .rmst_tau
            .and_then(|_| Distribution::of(outcomes.iter().filter_map(|o| o.rmst_difference).collect())),
        cox_wald: Share::of(wald, r),
        group_sequential: match (&settings.group_sequential, design.analysis) {
            (Some(gs), AnalysisAt::Events(target)) => Some(SequentialSummary::of(gs, target, outcomes)),
            _ => None,
        },
        cox_lr: Share::of(outcomes.iter().filter(|o| rejects(o.lr_p)).count(), r),
        cox_score: Share::of(outcomes.iter().filter(|o| rejects(o.score_p)).count(), r),
        disagree: Share::of(logrank_only + wald_only, r),
        logrank_only,
        wald_only,
        hazard_ratios,
        duration: Distribution::of(outcomes.iter().map(|o| o.analysis_time).collect()),
        events: Distribution::of(outcomes.iter().map(|o| o.events as f64).collect()),
        target_not_reached,
        cox_failed,
        logrank_failed,
        warnings,
    }
}
