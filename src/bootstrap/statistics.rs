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
//! On competing-risks data, with a cause of interest k:
//! - `cif-diff:T`: F₁ₖ(T) − F₀ₖ(T), the difference of the Aalen–Johansen cumulative incidences
//!   of cause k ([`crate::competing`]): Fₖ(t) = Σ_{t_j ≤ t} S(t_j−) d_kj / n_j, with S the
//!   Kaplan–Meier estimate of being free of every cause, the last value carried past an arm's
//!   end (as `survfit` and `cmprsk::cuminc` estimate it).
//! - `log-shr`: the Fine–Gray log subdistribution hazard ratio of arm 1 for cause k
//!   ([`crate::FineGray`], `cmprsk::crr`; with any covariates), p = 2 Φ(−|β/SE|) with crr's
//!   sandwich SE. Each resample is fitted on its rows written out (a row drawn f times appears
//!   f times), Ĝ, the censoring distribution, re-estimated on it, as `boot` with `crr` does.
//!
//! A replicate is degenerate when the statistic does not exist on it: an arm absent, an
//! infinite maximum-likelihood hazard ratio (R's monotone-likelihood rule, as [`crate::Cox`]),
//! no test possible, a median not reached.

use std::fmt;
use std::str::FromStr;

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::counts::{LogRankScratch, Sorted};
use crate::competing::{CompetingData, FineGray, FineGrayOptions, FineGrayTerm};
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
    /// F₁ₖ(T) − F₀ₖ(T) at this T: the difference in the cumulative incidence of the cause of
    /// interest k (competing-risks data).
    CifDiff(f64),
    /// `log-shr`: the Fine–Gray log subdistribution hazard ratio of arm 1 against arm 0 for the
    /// cause of interest (competing-risks data).
    LogShr,
}

impl Statistic {
    /// Whether the statistic comes from a Cox model.
    pub fn is_cox(self) -> bool {
        matches!(self, Statistic::LogHr | Statistic::Hr)
    }

    /// Whether replicates carry a p-value (for the share of significant replicates).
    pub fn has_p_value(self) -> bool {
        self.is_cox() || matches!(self, Statistic::LogRank | Statistic::LogShr)
    }

    /// Whether the statistic is about one cause of competing-risks data.
    pub fn needs_cause(self) -> bool {
        matches!(self, Statistic::CifDiff(_) | Statistic::LogShr)
    }

    /// Whether the statistic comes from a regression model that takes covariates.
    pub fn takes_covariates(self) -> bool {
        self.is_cox() || self == Statistic::LogShr
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
            Statistic::CifDiff(t) => write!(f, "cif-diff:{t}"),
            Statistic::LogShr => f.write_str("log-shr"),
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
            "log-shr" => Ok(Statistic::LogShr),
            _ => {
                let unknown = || {
                    format!(
                        "unknown statistic '{s}'; use log-hr, hr, logrank, rmst-diff, rmst-ratio, median-diff, survival-diff:T (e.g. survival-diff:365), or on competing-risks data cif-diff:T or log-shr"
                    )
                };
                let (name, time) = s.split_once(':').ok_or_else(unknown)?;
                let make: fn(f64) -> Statistic = match name {
                    "survival-diff" => Statistic::SurvivalDiff,
                    "cif-diff" => Statistic::CifDiff,
                    _ => return Err(unknown()),
                };
                match time.trim().parse::<f64>() {
                    Ok(t) if t.is_finite() && t >= 0.0 => Ok(make(t)),
                    _ => Err(format!("{name}:T needs a finite time T ≥ 0, got '{time}'")),
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
    /// F₁ₖ(T) − F₀ₖ(T) for cause code `cause`.
    CifDiff {
        sorted: &'a Sorted,
        cause: u32,
        time: f64,
    },
    /// The Fine–Gray arm coefficient, refitted on each resample's rows written out.
    FineGray {
        /// The data with the arm as the first covariate.
        data: &'a CompetingData,
        sorted: &'a Sorted,
        options: FineGrayOptions,
        rows: Vec<usize>,
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
            Evaluator::CifDiff { sorted, cause, time } => match sorted.cif_at(counts, *cause, *time)[..] {
                [Some(reference), Some(arm)] => Replicate::plain(arm - reference),
                _ => Replicate::excluded(),
            },
            Evaluator::FineGray {
                data,
                sorted,
                options,
                rows,
            } => {
                rows.clear();
                for (k, &f) in counts.iter().enumerate() {
                    rows.extend(std::iter::repeat_n(sorted.order[k], f as usize));
                }
                let arm = FineGray::fit(&data.select_rows(rows), options)
                    .ok()
                    .filter(|fit| fit.converged)
                    .and_then(|fit| fit.terms.into_iter().next());
                match arm {
                    Some(FineGrayTerm {
                        coef: Some(beta),
                        p_value,
                        ..
                    }) => Replicate {
                        value: Some(beta),
                        p_value,
                        degenerate: false,
                    },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Columns;
    use crate::dist::two_sided_p;

    /// The competing-risks statistics on given resamples against cmprsk's `cuminc` and `crr`
    /// on the same rows (tests/reference/make_competing_bootstrap_fixtures.R).
    #[test]
    fn competing_statistics_match_cmprsk_on_resamples() {
        let text = std::fs::read_to_string("tests/reference/competing_bootstrap.json").unwrap();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        for case in fixture["cases"].as_array().unwrap() {
            let file = case["file"].as_str().unwrap();
            let columns = Columns::new("time", "status").group(case["group"].as_str().unwrap());
            let data = CompetingData::read_csv(file, &columns, "0").unwrap();
            let cause_label = case["cause"].as_str().unwrap();
            let cause = data.cause_code(cause_label).unwrap();
            let sorted = Sorted::with_causes(&data);
            let mut drawn = vec![0u32; data.data().n_rows()];
            for row in case["rows"].as_array().unwrap() {
                drawn[row.as_u64().unwrap() as usize - 1] += 1;
            }
            let counts: Vec<u32> = sorted.order.iter().map(|&i| drawn[i]).collect();
            let at = case["at"].as_f64().unwrap();
            let seed = &case["seed"];
            let mut cif = Evaluator::CifDiff {
                sorted: &sorted,
                cause,
                time: at,
            };
            let want = case["cif_diff"].as_f64().unwrap();
            let got = cif.evaluate(&counts).value.unwrap();
            assert!(
                (got - want).abs() <= 1e-10 * want.abs().max(1e-3),
                "{file} seed {seed}: {got} vs {want}"
            );

            let with_arm = data.with_arm_covariate().unwrap();
            let mut fine_gray = Evaluator::FineGray {
                data: &with_arm,
                sorted: &sorted,
                options: FineGrayOptions::new(cause_label),
                rows: Vec::new(),
            };
            let replicate = fine_gray.evaluate(&counts);
            let (beta, se) = (case["log_shr"].as_f64().unwrap(), case["se"].as_f64().unwrap());
            let got = replicate.value.unwrap();
            assert!(
                (got - beta).abs() <= 1e-6 * beta.abs().max(1e-2),
                "{file} seed {seed}: {got} vs {beta}"
            );
            let p = two_sided_p(beta / se);
            let got_p = replicate.p_value.unwrap();
            assert!((got_p - p).abs() <= 1e-5 * p, "{file} seed {seed}: p {got_p} vs {p}");
        }
    }
}
