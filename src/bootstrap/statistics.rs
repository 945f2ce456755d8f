//! The statistics the bootstrap resamples, each evaluated from frequencies over the sorted rows.
//!
//! # Definitions (arm 1 against arm 0, the reference: the first level of the group column)
//! - `log-hr`: the Cox coefficient of arm 1 (Efron or Breslow ties, with the data's strata,
//!   entry times, case weights and any covariates), maximised by Newton–Raphson
//!   ([`crate::cox::newton`]) on the frequency-weighted partial likelihood
//!   ([`crate::cox::partial::Problem::set_frequency`]); p = 2 Φ(−|β/SE|) (Wald, model SE).
//!   Resamples start from the original estimate and stop on the predicted gain of the last step
//!   ([`newton::maximise_predicting`]): β is the point R's rule stops at, and the SE comes from
//!   the information one step (|Δ| ≤ 1e-3) before it, a relative difference of order |Δ|. With
//!   `firth`, Firth's penalised estimate ([`crate::cox::firth`], Breslow ties) with the penalised
//!   likelihood-ratio p-value, as coxphf. `hr` is exp(`log-hr`).
//! - `logrank`: the log-rank family χ² across all arms ([`super::counts::Sorted::logrank`]), p
//!   from χ² on its degrees of freedom.
//! - `rmst-diff`, `rmst-ratio`: RMST₁(τ) − RMST₀(τ) and RMST₁(τ)/RMST₀(τ) ([`crate::rmst`]), τ
//!   fixed from the original data.
//! - `median-diff`: the Kaplan–Meier median of arm 1 minus that of arm 0 (R's quantile rule,
//!   [`crate::quantile`]).
//! - `survival-diff:T`: S₁(T) − S₀(T), Kaplan–Meier, the last value carried past an arm's end.
//!
//! A replicate is degenerate when the statistic does not exist on it: an arm absent, an
//! infinite maximum-likelihood hazard ratio (R's monotone-likelihood rule, as [`crate::Cox`]),
//! no test possible, a median not reached.

use std::fmt;
use std::str::FromStr;

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::counts::{LogRankScratch, Sorted};
use crate::cox::partial::Problem;
use crate::cox::{firth, newton};
use crate::dist::{chisq_sf, two_sided_p};
use crate::logrank::Weights;
use crate::quantile::find_quantile;
use crate::risk_set::RiskTable;
use crate::rmst::area_under_km;

/// What to resample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// `log-hr`: the Cox log hazard ratio of arm 1 against arm 0.
    LogHr,
    /// `hr`: the Cox hazard ratio exp(β) of arm 1 against arm 0.
    Hr,
    /// `logrank`: the log-rank family χ² across all arms.
    LogRank,
    /// `rmst-diff`: RMST₁(τ) − RMST₀(τ).
    RmstDiff,
    /// `rmst-ratio`: RMST₁(τ) / RMST₀(τ).
    RmstRatio,
    /// `median-diff`: Kaplan–Meier median of arm 1 minus that of arm 0.
    MedianDiff,
    /// S₁(T) − S₀(T) at this T.
    SurvivalDiff(f64),
}

impl Statistic {
    /// Whether the statistic comes from a Cox model.
    pub fn is_cox(self) -> bool {
        matches!(self, Statistic::LogHr | Statistic::Hr)
    }

    /// Whether replicates carry a p-value (for the share of significant replicates).
    pub fn has_p_value(self) -> bool {
        self.is_cox() || self == Statistic::LogRank
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::LogHr => f.write_str("log-hr"),
            Statistic::Hr => f.write_str("hr"),
            Statistic::LogRank => f.write_str("logrank"),
            Statistic::RmstDiff => f.write_str("rmst-diff"),
            Statistic::RmstRatio => f.write_str("rmst-ratio"),
            Statistic::MedianDiff => f.write_str("median-diff"),
            Statistic::SurvivalDiff(t) => write!(f, "survival-diff:{t}"),
        }
    }
}

impl FromStr for Statistic {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "log-hr" => Ok(Statistic::LogHr),
            "hr" => Ok(Statistic::Hr),
            "logrank" | "log-rank" => Ok(Statistic::LogRank),
            "rmst-diff" => Ok(Statistic::RmstDiff),
            "rmst-ratio" => Ok(Statistic::RmstRatio),
            "median-diff" => Ok(Statistic::MedianDiff),
            _ => {
                let unknown = || {
                    format!(
                        "unknown statistic '{s}'; use log-hr, hr, logrank, rmst-diff, rmst-ratio, median-diff or survival-diff:T (e.g. survival-diff:365)"
                    )
                };
                let time = s.strip_prefix("survival-diff:").ok_or_else(unknown)?;
                match time.trim().parse::<f64>() {
                    Ok(t) if t.is_finite() && t >= 0.0 => Ok(Statistic::SurvivalDiff(t)),
                    _ => Err(format!("survival-diff:T needs a finite time T ≥ 0, got '{time}'")),
                }
            }
        }
    }
}

/// Written as on the command line (`log-hr`, `survival-diff:365`), in JSON too.
impl Serialize for Statistic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Statistic {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One replicate's statistic: `value` is `None` when the replicate is excluded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Replicate {
    /// The statistic on this resample; `None` when the replicate is excluded (degenerate).
    pub value: Option<f64>,
    /// Its p-value (Wald, or penalised LR with Firth, for Cox; χ² for log-rank); `None` for other
    /// statistics and for excluded replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// The statistic does not exist on this resample as asked (see [`Replicate::value`] for
    /// whether it was kept by another treatment, e.g. Firth).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub degenerate: bool,
}

impl Replicate {
    fn excluded() -> Replicate {
        Replicate {
            value: None,
            p_value: None,
            degenerate: true,
        }
    }

    fn plain(value: f64) -> Replicate {
        if value.is_finite() {
            Replicate {
                value: Some(value),
                p_value: None,
                degenerate: false,
            }
        } else {
            Replicate::excluded()
        }
    }
}

/// coxphf's default `maxit` is 50; allow more, the steps are capped.
const FIRTH_MAX_ITER: usize = 200;
/// coxphf's `gconv`: a penalised score this small counts as converged.
const FIRTH_SCORE_TOLERANCE: f64 = 1e-4;
/// Newton–Raphson settings of [`crate::CoxOptions::default`].
const COX_EPS: f64 = 1e-9;
const COX_MAX_ITER: usize = 20;
/// The largest Newton step whose predicted gain ends a replicate's fit
/// ([`newton::maximise_predicting`]): the step after it is O(Δ²), about 1e-6 at most.
const COX_TRUSTED_STEP: f64 = 1e-3;

/// The Cox fit of one resample.
#[derive(Debug, Clone)]
pub struct CoxStatistic<'a> {
    problem: Problem<'a>,
    sorted: &'a Sorted,
    /// Where Newton–Raphson starts: 0 for the original data, then the original estimate.
    start: Vec<f64>,
    /// The coefficients of the last fit.
    last_beta: Vec<f64>,
    /// Fitting resamples (after [`CoxStatistic::start_from_last_fit`]), not the original data.
    resampling: bool,
    firth: bool,
    exponentiate: bool,
}

impl<'a> CoxStatistic<'a> {
    pub fn new(problem: Problem<'a>, sorted: &'a Sorted, firth: bool, exponentiate: bool) -> Self {
        let p = problem.p();
        CoxStatistic {
            problem,
            sorted,
            start: vec![0.0; p],
            last_beta: vec![0.0; p],
            resampling: false,
            firth,
            exponentiate,
        }
    }

    /// Starts later fits from the last one (the original estimate): fewer Newton steps.
    pub fn start_from_last_fit(&mut self) {
        self.start.clone_from(&self.last_beta);
        self.resampling = true;
    }

    fn evaluate(&mut self, counts: &[u32]) -> Replicate {
        let mut frequency = self.problem.frequency.take().unwrap_or_default();
        frequency.resize(self.sorted.len(), 0.0);
        for (k, &row) in self.sorted.order.iter().enumerate() {
            frequency[row] = f64::from(counts[k]);
        }
        self.problem.set_frequency(Some(frequency));
        let arm_without_events = self.sorted.events_by_arm(counts).contains(&0);
        let mut replicate = if self.firth {
            self.firth_fit()
        } else if arm_without_events {
            Replicate::excluded()
        } else {
            self.ml_fit()
        };
        replicate.degenerate |= arm_without_events;
        if self.exponentiate {
            replicate.value = replicate.value.map(f64::exp).filter(|v| v.is_finite());
        }
        replicate
    }

    fn ml_fit(&mut self) -> Replicate {
        let problem = &self.problem;
        let objective = |beta: &[f64]| problem.evaluate(beta, true);
        // the original fit as Cox::fit; resamples stop on the predicted gain
        let fit = if self.resampling {
            newton::maximise_predicting(&objective, &self.start, COX_EPS, COX_MAX_ITER, COX_TRUSTED_STEP)
        } else {
            newton::maximise(&objective, &self.start, &[], COX_EPS, COX_MAX_ITER)
        };
        let p = problem.p();
        let Some(variance) = newton::inverse(&DMatrix::from_row_slice(p, p, &fit.at_beta.information)) else {
            self.last_beta = self.start.clone();
            return Replicate::excluded();
        };
        // a predicted stop took a small step: the coefficient is not running off to infinity
        let monotone = !fit.predicted && newton::diverging(&fit, &variance, COX_EPS).contains(&true);
        let (beta, se) = (fit.beta[0], variance[(0, 0)].sqrt());
        self.last_beta = fit.beta;
        let usable = fit.converged && beta.is_finite() && se.is_finite() && se > 0.0;
        if monotone || !usable {
            return Replicate::excluded();
        }
        Replicate {
            value: Some(beta),
            p_value: Some(two_sided_p(beta / se)),
            degenerate: false,
        }
    }

    fn firth_fit(&mut self) -> Replicate {
        let problem = &self.problem;
        let fit = firth::maximise(problem, &self.start, &[], FIRTH_MAX_ITER);
        // firth::maximise asks for steps below 1e-10, which a nearly flat penalised likelihood
        // (e.g. a resample with a single event) never gives; coxphf's own rule accepts a
        // penalised score below its gconv = 1e-4.
        let settled = fit.converged || fit.at_beta.score.iter().all(|u| u.abs() <= FIRTH_SCORE_TOLERANCE);
        if !settled || !fit.beta[0].is_finite() {
            return Replicate::excluded();
        }
        // penalised likelihood-ratio test of β_arm = 0, the others re-maximised (coxphf)
        let null_loglik = if problem.p() == 1 {
            firth::penalized(problem, &[0.0]).loglik
        } else {
            let mut start = fit.beta.clone();
            start[0] = 0.0;
            firth::maximise(problem, &start, &[0], FIRTH_MAX_ITER).at_beta.loglik
        };
        let statistic = (2.0 * (fit.at_beta.loglik - null_loglik)).max(0.0);
        let beta = fit.beta[0];
        self.last_beta = fit.beta;
        Replicate {
            value: Some(beta),
            p_value: Some(chisq_sf(statistic, 1.0)),
            degenerate: false,
        }
    }
}

/// A statistic with its per-thread buffers, evaluated from frequencies over sorted positions.
#[derive(Debug, Clone)]
pub enum Evaluator<'a> {
    Cox(CoxStatistic<'a>),
    LogRank {
        sorted: &'a Sorted,
        weights: Weights,
        scratch: LogRankScratch,
    },
    Curves {
        sorted: &'a Sorted,
        statistic: Statistic,
        tau: f64,
        tables: Vec<RiskTable>,
    },
}

impl Evaluator<'_> {
    pub fn evaluate(&mut self, counts: &[u32]) -> Replicate {
        match self {
            Evaluator::Cox(cox) => cox.evaluate(counts),
            Evaluator::LogRank {
                sorted,
                weights,
                scratch,
            } => match sorted.logrank(counts, &sorted.arm, *weights, scratch) {
                Some((chisq, df)) => Replicate {
                    value: Some(chisq),
                    p_value: Some(chisq_sf(chisq, df)),
                    degenerate: false,
                },
                None => Replicate::excluded(),
            },
            Evaluator::Curves {
                sorted,
                statistic,
                tau,
                tables,
            } => {
                sorted.arm_tables(counts, tables);
                if tables.iter().any(RiskTable::is_empty) {
                    return Replicate::excluded();
                }
                let (arm, reference) = (&tables[1], &tables[0]);
                match *statistic {
                    Statistic::RmstDiff => {
                        Replicate::plain(area_under_km(arm, *tau).rmst - area_under_km(reference, *tau).rmst)
                    }
                    Statistic::RmstRatio => {
                        Replicate::plain(area_under_km(arm, *tau).rmst / area_under_km(reference, *tau).rmst)
                    }
                    Statistic::MedianDiff => match (km_median(arm), km_median(reference)) {
                        (Some(a), Some(b)) => Replicate::plain(a - b),
                        _ => Replicate::excluded(),
                    },
                    Statistic::SurvivalDiff(t) => Replicate::plain(km_at(arm, t) - km_at(reference, t)),
                    _ => Replicate::excluded(),
                }
            }
        }
    }
}

/// The Kaplan–Meier median of a one-group table (R's `quantile.survfit` rule).
pub fn km_median(table: &RiskTable) -> Option<f64> {
    let mut survival = 1.0;
    let cdf: Vec<Option<f64>> = table
        .n_risk
        .iter()
        .zip(&table.n_event)
        .map(|(n, d)| {
            if *d > 0.0 {
                survival *= (n - d) / n;
            }
            Some(1.0 - survival)
        })
        .collect();
    find_quantile(0.0, &table.time, &cdf, 0.5)
}

/// The Kaplan–Meier S(t) of a one-group table: Π_{t_j ≤ t} (1 − d_j/n_j).
pub fn km_at(table: &RiskTable, t: f64) -> f64 {
    let mut survival = 1.0;
    for j in 0..table.len() {
        if table.time[j] > t {
            break;
        }
        if table.n_event[j] > 0.0 {
            survival *= (table.n_risk[j] - table.n_event[j]) / table.n_risk[j];
        }
    }
    survival
}
