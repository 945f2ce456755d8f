//! Cox proportional hazards regression that stays honest with few events.
//!
//! # Model (Cox 1972)
//! λ(t | x) = λ₀(t) exp(x'β), fitted by maximising the partial likelihood
//! (`partial`, `exact`) with Newton–Raphson (`newton`) as R survival's `coxph` does:
//! Efron (default), Breslow or exact ties; strata with separate baseline hazards; delayed entry;
//! case weights; robust (sandwich) variance grouped by cluster (Lin & Wei 1989).
//!
//! # Inference
//! Per term: coefficient, SE, hazard ratio with Wald CI, z and p (with the robust SE when robust
//! variance is in use, as R reports them). Global likelihood-ratio, Wald and score tests; for
//! one binary covariate the score test is the log-rank test, and survkit prints the log-rank test
//! beside it.
//!
//! # Estimates that do not exist
//! A coefficient whose likelihood keeps rising as it grows (monotone likelihood) is reported as
//! not estimable, with the direction it runs to, never as a huge hazard ratio. Three rules, any
//! of which flags it: the data show a side of a two-valued covariate (an arm, a factor level)
//! without events while at risk (`separation`, whatever the arm sizes); R's rule — ℓ converged
//! while the next Newton step |I⁻¹U| is still large (`newton::diverging`); or its information,
//! present at β = 0, vanished on the way. A coefficient on which the data hold no information
//! at β = 0 (a covariate constant within strata; a side never at risk at an event time) is not
//! identifiable: no estimate, as R's `NA`, and the global tests count only the identifiable
//! ones. x'β is bounded to [−200, 22] as R's `coxsafe` does, and every linear solve goes through
//! `linalg`, which refuses non-finite input instead of looping or panicking.

#[cfg(test)]
mod derivative_tests;
pub(crate) mod design;
pub(crate) mod exact;
pub(crate) mod firth;
mod layout;
mod moments;
pub(crate) mod newton;
pub(crate) mod partial;
pub(crate) mod predict;
pub(crate) mod profile;
pub(crate) mod residuals;
mod separation;
mod ties;
pub(crate) mod zph;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use thiserror::Error;

use crate::data::{DroppedRows, SurvData};
use crate::dist::{chisq_sf, two_sided_p, z_for_level};
use crate::km::check_conf_level;
use crate::numbers::count;
pub use design::Design;
pub use predict::parse_pattern;
pub use separation::Divergence;
pub use ties::Ties;
pub use zph::ZphTransform;

/// Options for [`Cox::fit`]; start from `CoxOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxOptions {
    /// How tied event times enter the partial likelihood.
    pub ties: Ties,
    /// Confidence level of the hazard-ratio intervals, in (0, 1) (e.g. 0.95).
    pub conf_level: f64,
    /// Robust (sandwich) variance. `None` follows R: on when the data have a cluster column
    /// (grouped by cluster) or non-integer case weights (each row its own cluster).
    pub robust: Option<bool>,
    /// Convergence: relative change in log-likelihood.
    pub eps: f64,
    /// The most Newton–Raphson iterations (R's `iter.max`), 1 to 10 000.
    pub max_iter: usize,
    /// Profile-likelihood confidence limits beside the Wald ones.
    pub profile_ci: bool,
    /// Firth's penalised likelihood (coxphf): finite estimates under monotone likelihood, with
    /// profile penalised-likelihood limits and p-values. Needs Breslow ties.
    pub firth: bool,
    /// The proportional-hazards test (R's `cox.zph`) with this transform of time.
    pub zph: Option<zph::ZphTransform>,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions {
            ties: Ties::Efron,
            conf_level: 0.95,
            robust: None,
            eps: 1e-9,
            max_iter: 20,
            profile_ci: false,
            firth: false,
            zph: None,
        }
    }
}

/// What can go wrong in a Cox fit.
#[derive(Debug, Error, PartialEq)]
pub enum CoxError {
    /// An option is out of range or does not fit the data.
    #[error("invalid option: {0}")]
    Option(String),
    /// The model has no covariates.
    #[error("no covariates: the model needs at least one term")]
    NoCovariates,
    /// A covariate takes one value on every row used.
    #[error("covariate '{column}' has no variation (every row is {value}), so its effect cannot be estimated")]
    NoVariation {
        /// The covariate.
        column: String,
        /// Its only value.
        value: String,
    },
    /// A covariate is a linear combination of others.
    #[error("covariate '{column}' is a linear combination of {}; drop one of them", if others.is_empty() { "the others".to_string() } else { others.join(", ") })]
    Collinear {
        /// The covariate.
        column: String,
        /// The design columns before it, some combination of which it equals.
        others: Vec<String>,
    },
    /// No row has an event.
    #[error("no events: the Cox model needs at least one")]
    NoEvents,
    /// The design has more coefficients than the limit.
    #[error("the model has {count} coefficients (a factor with many levels?); at most {limit} can be fitted")]
    TooManyCoefficients {
        /// Coefficients in the design.
        count: usize,
        /// The most a model may have.
        limit: usize,
    },
    /// A covariate value is too large in magnitude to fit.
    #[error("covariate '{column}' has a value too large to fit ({value}); rescale it")]
    HugeValue {
        /// The covariate.
        column: String,
        /// The value.
        value: String,
    },
    /// Every event row has case weight 0.
    #[error("no events with a positive case weight: every event row has weight 0")]
    NoWeightedEvents,
    /// The partial likelihood overflows double precision.
    #[error(
        "the likelihood overflows: the covariates' values are too large for double precision (rescale them, e.g. to thousands of units)"
    )]
    Overflow,
    /// Case weights were given with exact ties.
    #[error("case weights are not supported with exact ties; use Efron or Breslow ties")]
    WeightedExact,
    /// Firth's penalised likelihood was asked for with ties other than Breslow.
    #[error("Firth's penalised likelihood is implemented for Breslow ties, as in coxphf; use Breslow ties")]
    FirthTies,
    /// Firth's penalised likelihood did not converge.
    #[error(
        "Firth's penalised likelihood did not converge in {iterations} iterations: its last iterate is no estimate (too few events for the covariates?)"
    )]
    FirthNotConverged {
        /// Iterations run.
        iterations: usize,
    },
}

/// One coefficient of the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// The coefficient's name: the covariate, or `COL=LEVEL` for a factor level.
    pub term: String,
    /// The log hazard ratio; `null` when it is not estimable (infinite).
    pub coef: Option<f64>,
    /// Model-based standard error of the coefficient; `null` when not estimable.
    pub se: Option<f64>,
    /// Robust (sandwich) standard error; `None` without robust variance or when not estimable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_se: Option<f64>,
    /// Hazard ratio exp(coef); `null` when not estimable.
    pub hr: Option<f64>,
    /// Lower confidence limit of the hazard ratio (Wald, robust SE when used; profile with Firth).
    pub hr_lower: Option<f64>,
    /// Upper confidence limit of the hazard ratio (Wald, robust SE when used; profile with Firth).
    pub hr_upper: Option<f64>,
    /// Wald z = coef / SE (robust SE when used); `null` when not estimable.
    pub z: Option<f64>,
    /// Two-sided p-value: Wald, or the penalised likelihood-ratio one with Firth.
    pub p_value: Option<f64>,
    /// Where the coefficient runs when the likelihood is monotone in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diverges_to: Option<Divergence>,
    /// The data hold no information on this coefficient (R reports `NA`): no estimate.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_identifiable: bool,
    /// Profile-likelihood limits for the hazard ratio (with profile CIs or Firth); a `null`
    /// limit is infinite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileInterval>,
}

/// Profile-likelihood confidence limits on the hazard-ratio scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileInterval {
    /// Lower limit; `None` when infinite.
    pub hr_lower: Option<f64>,
    /// Upper limit; `None` when infinite.
    pub hr_upper: Option<f64>,
}

/// A test statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    /// The χ² statistic; `None` when not finite, negative or without degrees of freedom.
    pub statistic: Option<f64>,
    /// Degrees of freedom.
    #[serde(serialize_with = "count")]
    pub df: f64,
    /// p-value from χ² on `df`; `None` when there is no statistic.
    pub p_value: Option<f64>,
}

impl TestResult {
    /// A χ² test; no statistic or p-value when the statistic is not finite, negative, or has
    /// no degrees of freedom.
    pub(crate) fn chisq(statistic: f64, df: f64) -> TestResult {
        let statistic = (statistic.is_finite() && statistic >= 0.0 && df > 0.0).then_some(statistic);
        TestResult {
            statistic,
            df,
            p_value: statistic.map(|s| chisq_sf(s, df)),
        }
    }

    /// A χ² test from a quadratic form and the rank of its matrix.
    pub(crate) fn quadratic(form: Option<(f64, usize)>) -> TestResult {
        match form {
            Some((statistic, rank)) => TestResult::chisq(statistic, rank as f64),
            None => TestResult {
                statistic: None,
                df: 0.0,
                p_value: None,
            },
        }
    }
}

/// The global tests of β = 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlobalTests {
    /// Likelihood-ratio test: twice the gain in log partial likelihood from β = 0.
    pub likelihood_ratio: TestResult,
    /// Wald test β' V⁻¹ β (robust variance when used); no statistic when a coefficient is
    /// infinite.
    pub wald: TestResult,
    /// Score (Rao) test at β = 0.
    pub score: TestResult,
    /// The robust score test (with robust variance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_score: Option<TestResult>,
    /// The log-rank test on the same data, when the model has one two-level covariate: the
    /// score test's twin (equal without tied times).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logrank: Option<TestResult>,
}

/// How the coefficients were estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// Maximum partial likelihood (R `coxph`).
    #[serde(rename = "maximum likelihood")]
    MaximumLikelihood,
    /// Firth's penalised partial likelihood (R `coxphf`).
    #[serde(rename = "Firth penalised likelihood")]
    Firth,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Method::MaximumLikelihood => "maximum likelihood",
            Method::Firth => "Firth penalised likelihood",
        })
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxFit {
    /// How the coefficients were estimated.
    pub method: Method,
    /// Number of rows used.
    pub n: usize,
    /// Number of events, weighted by the case weights.
    #[serde(serialize_with = "count")]
    pub events: f64,
    /// How tied event times entered the partial likelihood.
    pub ties: Ties,
    /// Confidence level of the intervals.
    pub conf_level: f64,
    /// Whether the Newton–Raphson iterations met the convergence criterion.
    pub converged: bool,
    /// Newton–Raphson iterations used.
    pub iterations: usize,
    /// Log partial likelihood at β = 0 and at the estimate.
    pub loglik: [f64; 2],
    /// Warnings about the fit (non-convergence, infinite or non-identifiable coefficients).
    pub warnings: Vec<String>,
    /// The coefficients, in design order.
    pub terms: Vec<Term>,
    /// Global tests of β = 0.
    pub tests: GlobalTests,
    /// Model-based variance of the coefficients.
    pub variance: Vec<Vec<f64>>,
    /// Robust (sandwich) variance of the coefficients (Lin & Wei 1989); `None` when not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_variance: Option<Vec<Vec<f64>>>,
    /// The strata column; `None` without strata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata_column: Option<String>,
    /// The cluster column; `None` without clusters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_column: Option<String>,
    /// The proportional-hazards test (`cox.zph`); `None` unless asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zph: Option<zph::Zph>,
    /// Predicted survival curves (filled by [`CoxFit::predict`] callers, e.g. `--predict`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub predictions: Vec<predict::Prediction>,
    /// Rows left out of the analysis, and why.
    pub dropped_rows: DroppedRows,
    /// The estimate on the internal (centred) scale and the design, for residuals and diagnostics.
    #[serde(skip)]
    pub beta: Vec<f64>,
    /// The design matrix the model was fitted on.
    #[serde(skip)]
    pub design: Design,
}

impl CoxFit {
    /// Martingale, deviance, score, dfbeta and (scaled) Schoenfeld residuals of this fit to
    /// `data` (the data it was fitted to).
    pub fn residuals(&self, data: &SurvData) -> Result<residuals::Residuals, CoxError> {
        if self.ties == Ties::Exact {
            return Err(CoxError::Option(
                "residuals are not available for exact ties (as in R); refit with efron or breslow".into(),
            ));
        }
        let problem = partial::Problem::new(data, &self.design, self.ties);
        let variance: Vec<f64> = self.variance.iter().flatten().copied().collect();
        Ok(residuals::all(&problem, &self.beta, &variance))
    }
}

/// The largest iteration limit accepted: every iteration is bounded.
const MAX_ITER_LIMIT: usize = 10_000;

/// coxphf's default `maxit` is 50; allow more, the steps are capped.
const FIRTH_MAX_ITER: usize = 200;

/// The Cox model.
pub struct Cox;

impl Cox {
    /// Fits the model to the covariates loaded with the data (`Columns::covariates`/`factors`).
    ///
    /// ```
    /// use survkit::{Columns, Cox, CoxOptions, SurvData};
    ///
    /// let columns = Columns::new("time", "status").covariates(["sex"]);
    /// let data = SurvData::read_csv("datasets/lung.csv", &columns)?;
    /// let fit = Cox::fit(&data, &CoxOptions::default())?;
    /// // R: coef(coxph(Surv(time, status) ~ sex, lung)) = -0.5310235
    /// assert!((fit.terms[0].coef.unwrap_or(f64::NAN) + 0.5310235376).abs() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &SurvData, options: &CoxOptions) -> Result<CoxFit, CoxError> {
        check_conf_level(options.conf_level).map_err(CoxError::Option)?;
        if options.eps.is_nan() || options.eps < newton::MIN_EPS || options.eps >= 1.0 {
            return Err(CoxError::Option(format!(
                "the convergence criterion {} must be at least {:e} (double precision) and below 1",
                crate::numbers::shown(options.eps),
                newton::MIN_EPS
            )));
        }
        if options.max_iter == 0 || options.max_iter > MAX_ITER_LIMIT {
            return Err(CoxError::Option(format!(
                "the iteration limit {} must be between 1 and {MAX_ITER_LIMIT}",
                options.max_iter
            )));
        }
        if !(0..data.n_rows()).any(|i| data.counts_as_event(i)) {
            return Err(if data.event.iter().any(|e| *e) {
                CoxError::NoWeightedEvents
            } else {
                CoxError::NoEvents
            });
        }
        if options.ties == Ties::Exact && data.weight.is_some() {
            return Err(CoxError::WeightedExact);
        }
        let design = Design::build(data)?;
        if options.firth && options.ties != Ties::Breslow {
            return Err(CoxError::FirthTies);
        }
        let problem = partial::Problem::new(data, &design, options.ties);
        let p = design.p;
        let objective = |beta: &[f64]| problem.evaluate(beta, true);
        let result = if options.firth {
            let fit = firth::maximise(&problem, &vec![0.0; p], &[], FIRTH_MAX_ITER);
            newton::NewtonResult {
                at_start: firth::penalized(&problem, &vec![0.0; p]),
                beta: fit.beta,
                at_beta: fit.at_beta,
                iterations: fit.iterations,
                converged: fit.converged,
                predicted: false,
            }
        } else {
            newton::maximise(&objective, &vec![0.0; p], &[], options.eps, options.max_iter)
        };
        // the penalised likelihood has a finite maximum: an iterate still moving after the
        // iteration limit is not it (found by fuzzing: an HR of 2e24 printed with p = 1e-9)
        if options.firth && !result.converged {
            return Err(CoxError::FirthNotConverged {
                iterations: result.iterations,
            });
        }
        let info = DMatrix::from_row_slice(p, p, &result.at_beta.information);
        let Some(variance) = newton::inverse(&info) else {
            return Err(CoxError::Overflow);
        };
        // columns without any information at β = 0: not identifiable (R: coefficient NA). The
        // likelihood's own information: Firth's penalty adds information where the data have none
        let plain_start = if options.firth {
            objective(&vec![0.0; p])
        } else {
            result.at_start.clone()
        };
        let start_info = crate::linalg::Ldl::new(&DMatrix::from_row_slice(p, p, &plain_start.information))
            .map_err(|_| CoxError::Overflow)?;
        // an information that is rounding noise (one participant at risk: x² − x·x) is none
        // either: compare it with the column's spread over the events
        let negligible = |j: usize| {
            let column = (0..design.n).map(|i| design.row(i)[j]);
            let spread = column.clone().fold(0.0f64, |m, v| m.max(v.abs()));
            let events: f64 = (0..design.n)
                .filter(|&i| data.event[i])
                .map(|i| data.weight_of(i).abs())
                .sum();
            plain_start.information[j * p + j].abs() <= 1e-10 * spread * spread * events
        };
        let unidentified: Vec<bool> = (0..p).map(|j| start_info.is_singular(j) || negligible(j)).collect();
        let mut warnings = Vec::new();
        if !result.converged {
            warnings.push(format!(
                "the fit did not converge in {} iterations; the estimates may be unreliable",
                result.iterations
            ));
        }
        // Firth's penalised estimate is always finite. Otherwise a coefficient is infinite when
        // the data say so (a side without events), when R's divergence rule fires, or when its
        // information vanished on the way although it was there at β = 0.
        let by_data = separation::infinite_by_data(data, &design);
        let next = newton::next_step(&result, &variance);
        let infinite: Vec<bool> = if options.firth {
            vec![false; p]
        } else {
            let by_rule = newton::diverging(&result, &variance, options.eps);
            // the fit ran along a direction in which the likelihood keeps rising: the
            // coefficients that make up that direction have no finite maximum
            let along = separation::monotone_along(data, &design, &result.beta);
            let scale = |j: usize| result.beta[j].abs() * design_sd(&design, j);
            let largest = (0..p).map(scale).fold(0.0, f64::max);
            let flagged = |j: usize| by_data[j].is_some() || by_rule[j] || variance[(j, j)] <= 0.0;
            // a finite coefficient beside the diverging ones (age beside a separated factor)
            // hides the direction from the check along all of β̂: check it again along the
            // coefficients that are flagged or far out (a hazard ratio above e⁵ per SD)
            let far: Vec<bool> = (0..p)
                .map(|j| !unidentified[j] && (flagged(j) || scale(j) > 5.0))
                .collect();
            let part: Vec<f64> = (0..p).map(|j| if far[j] { result.beta[j] } else { 0.0 }).collect();
            let along_part = !along && far.contains(&true) && separation::monotone_along(data, &design, &part);
            // or along their signs alone: the ridge may run where the far coefficients rise
            // together at one rate although the iterations left them at different values (a
            // reference arm whose only event comes when it is alone at risk: arm=B and arm=C
            // both to +∞, R's coxph flagging both, while the fit reached 23 and 30)
            let signs: Vec<f64> = (0..p)
                .map(|j| if far[j] { result.beta[j].signum() } else { 0.0 })
                .collect();
            let along_signs =
                !along && !along_part && far.contains(&true) && separation::monotone_along(data, &design, &signs);
            let along_part = along_part || along_signs;
            // or along the step Newton would take next, which in a diverging fit points where
            // ℓ still rises while the finite coefficients have stopped moving. The likelihood
            // may rise along several directions at once (a factor level and its interactions
            // trading off along a ridge), so once one is found every coefficient that is far
            // out is flagged with it: such a value is where the iterations stopped, not an
            // estimate
            let step_scale = |j: usize| next[j].abs() * design_sd(&design, j);
            let step_largest = (0..p).map(step_scale).fold(0.0, f64::max);
            let moving: Vec<bool> = (0..p)
                .map(|j| !unidentified[j] && step_scale(j) > 1e-2 * step_largest)
                .collect();
            let ahead: Vec<f64> = (0..p).map(|j| if moving[j] { next[j] } else { 0.0 }).collect();
            let along_step = !along
                && !along_part
                && step_largest.is_finite()
                && step_largest > 0.0
                && separation::monotone_along(data, &design, &ahead);
            // with delayed entry, a coefficient far out beside a flagged one is not trusted
            // either: the directions checked above miss some ridges there (Breslow, weights and
            // entry: HR 6.3e22 with robust z = 51,299 for arm=D beside a diverging x)
            let beside_flagged = data.entry.is_some() && (0..p).any(|j| !unidentified[j] && flagged(j));
            (0..p)
                .map(|j| {
                    !unidentified[j]
                        && (flagged(j)
                            || (beside_flagged && far[j])
                            || (along && scale(j) > 1e-3 * largest)
                            || ((along_part || along_step) && far[j])
                            || (along_step && moving[j]))
                })
                .collect()
        };
        // where a flagged coefficient runs: as the data say, else where Newton's next step
        // takes it, else the side of 0 it stopped on
        let upward = |j: usize| match by_data[j] {
            Some(direction) => direction == Divergence::PlusInfinity,
            None if next[j].abs() > 1e-3 && next[j].is_finite() => next[j] > 0.0,
            None => result.beta[j] > 0.0,
        };
        for j in (0..p).filter(|j| infinite[*j]) {
            let upward = upward(j);
            warnings.push(monotone_message(data, &design, j, upward));
        }
        for j in (0..p).filter(|j| unidentified[*j]) {
            warnings.push(format!(
                "the data hold no information on {}: its coefficient is not identifiable (no participant with a different value is at risk at any event time in the same stratum)",
                design.names[j]
            ));
        }

        // profile limits (and, for Firth, per-term penalised likelihood-ratio tests)
        // χ²₁(level) = z², z the two-sided normal critical value
        let critical = z_for_level(options.conf_level).powi(2);
        // a coefficient the data hold no information on stays where the fit left it: free, it
        // would absorb any value of the profiled one (a flat profile with limits at the search's
        // end, e.g. an HR limit of 1e14)
        let held = |j: usize| -> Vec<usize> {
            std::iter::once(j)
                .chain((0..p).filter(|&k| unidentified[k] && k != j))
                .collect()
        };
        let profile_fit = |start: &[f64], j: usize| -> (f64, Vec<f64>) {
            if p == 1 {
                let at = if options.firth {
                    firth::penalized(&problem, start)
                } else {
                    objective(start)
                };
                return (at.loglik, start.to_vec());
            }
            if options.firth {
                let fit = firth::maximise(&problem, start, &held(j), FIRTH_MAX_ITER);
                (fit.at_beta.loglik, fit.beta)
            } else {
                let fit = newton::maximise(&objective, start, &held(j), options.eps * 1e-3, 50);
                (fit.at_beta.loglik, fit.beta)
            }
        };
        let want_profile = options.profile_ci || options.firth;
        let profiles: Vec<Option<(Option<f64>, Option<f64>)>> = (0..p)
            .map(|j| {
                (want_profile && !unidentified[j]).then(|| {
                    profile::interval(
                        &profile_fit,
                        &result.beta,
                        result.at_beta.loglik,
                        j,
                        variance[(j, j)].sqrt(),
                        critical,
                    )
                })
            })
            .collect();
        let firth_p: Vec<Option<f64>> = (0..p)
            .map(|j| {
                options.firth.then(|| {
                    let statistic = profile::lr_statistic(&profile_fit, &result.beta, result.at_beta.loglik, j, 0.0);
                    chisq_sf(statistic, 1.0)
                })
            })
            .collect();

        let fractional_weights = data.weight.as_ref().is_some_and(|w| w.iter().any(|v| v.fract() != 0.0));
        let cluster_robust = options.robust.unwrap_or(data.cluster.is_some() || fractional_weights);
        // the sandwich D'D, D = dfbeta residuals summed within clusters (Lin & Wei 1989; R's
        // crossprod(rowsum(residuals(fit, "dfbeta", weighted = TRUE), cluster)))
        let robust_variance = cluster_robust.then(|| {
            let dfbeta = cluster_scores(&problem, &result.beta, data) * &variance;
            dfbeta.transpose() * dfbeta
        });

        let z_crit = z_for_level(options.conf_level);
        let terms = (0..p)
            .map(|j| {
                let se = variance[(j, j)].sqrt();
                let robust_se = robust_variance.as_ref().map(|v| v[(j, j)].sqrt());
                let used_se = robust_se.unwrap_or(se);
                let b = result.beta[j];
                let profile = profiles[j].map(|(lo, hi)| ProfileInterval {
                    hr_lower: lo.map(f64::exp),
                    hr_upper: hi.map(f64::exp),
                });
                if infinite[j] || unidentified[j] {
                    let upward = upward(j);
                    return Term {
                        term: design.names[j].clone(),
                        coef: None,
                        se: None,
                        robust_se: None,
                        hr: None,
                        hr_lower: None,
                        hr_upper: None,
                        z: None,
                        p_value: None,
                        diverges_to: infinite[j].then(|| Divergence::towards(upward)),
                        not_identifiable: unidentified[j],
                        profile: if unidentified[j] { None } else { profile },
                    };
                }
                let z = b / used_se;
                // with Firth, the limits and p-value are the profile penalised-likelihood ones (coxphf)
                let (hr_lower, hr_upper, p_value) = match (&profile, firth_p[j]) {
                    (Some(pr), Some(p_value)) => (pr.hr_lower, pr.hr_upper, Some(p_value)),
                    _ => (
                        Some((b - z_crit * used_se).exp()),
                        Some((b + z_crit * used_se).exp()),
                        Some(two_sided_p(z)),
                    ),
                };
                Term {
                    term: design.names[j].clone(),
                    coef: Some(b),
                    se: Some(se),
                    robust_se,
                    hr: Some(b.exp()),
                    hr_lower,
                    hr_upper,
                    z: Some(z),
                    p_value,
                    diverges_to: None,
                    not_identifiable: false,
                    profile,
                }
            })
            .collect();

        // the coefficients the data identify
        let df = unidentified.iter().filter(|u| !**u).count() as f64;
        let beta_vec = DVector::from_column_slice(&result.beta);
        let wald_variance = robust_variance.as_ref().unwrap_or(&variance);
        let wald = if infinite.iter().any(|i| *i) {
            TestResult {
                statistic: None,
                df,
                p_value: None,
            }
        } else {
            TestResult::quadratic(crate::linalg::quadratic_form(wald_variance, &beta_vec))
        };
        let u0 = DVector::from_column_slice(&result.at_start.score);
        let i0 = DMatrix::from_row_slice(p, p, &result.at_start.information);
        // no identifiable coefficient: a score "test" would be rounding noise over noise
        let identified = |form: Option<(f64, usize)>| form.filter(|_| df > 0.0);
        let score = TestResult::quadratic(identified(crate::linalg::quadratic_form(&i0, &u0)));
        // R's robust score test: U(0)' (S₀'S₀)⁻¹ U(0), S₀ the clustered score residuals at β = 0
        let robust_score = cluster_robust.then(|| {
            let s0 = cluster_scores(&problem, &vec![0.0; p], data);
            TestResult::quadratic(identified(crate::linalg::quadratic_form(&(s0.transpose() * &s0), &u0)))
        });
        // ℓ(β̂) ≥ ℓ(0) at a maximum; a difference at rounding level is 0
        let lr_raw = 2.0 * (result.at_beta.loglik - result.at_start.loglik);
        let lr = if lr_raw.abs() <= 1e-9 * result.at_start.loglik.abs().max(1.0) {
            0.0
        } else {
            lr_raw
        };
        let tests = GlobalTests {
            likelihood_ratio: TestResult::chisq(lr, df),
            wald,
            score,
            robust_score,
            logrank: problem
                .two_group_logrank()
                .map(|statistic| TestResult::chisq(statistic, 1.0)),
        };
        // coxphf computes the penalty on standardised covariates: ½ log|I| − Σ log sd_j
        let penalty_offset = if options.firth { log_sd_sum(&design) } else { 0.0 };
        let events = (0..data.n_rows())
            .filter(|&i| data.event[i])
            .map(|i| data.weight_of(i))
            .sum();
        // the variance of a coefficient that is not an estimate is not one either (JSON null)
        let estimable = |j: usize| !infinite[j] && !unidentified[j];
        let to_rows = |m: &DMatrix<f64>| {
            (0..p)
                .map(|a| {
                    (0..p)
                        .map(|b| {
                            if estimable(a) && estimable(b) {
                                m[(a, b)]
                            } else {
                                f64::NAN
                            }
                        })
                        .collect()
                })
                .collect()
        };
        Ok(CoxFit {
            method: if options.firth {
                Method::Firth
            } else {
                Method::MaximumLikelihood
            },
            n: data.n_rows(),
            events,
            ties: options.ties,
            conf_level: options.conf_level,
            converged: result.converged,
            iterations: result.iterations,
            loglik: [
                result.at_start.loglik - penalty_offset,
                result.at_beta.loglik - penalty_offset,
            ],
            warnings,
            terms,
            tests,
            variance: to_rows(&variance),
            robust_variance: robust_variance.as_ref().map(to_rows),
            strata_column: data.strata.as_ref().map(|s| s.name.clone()),
            cluster_column: data.cluster.as_ref().map(|c| c.name.clone()),
            zph: options
                .zph
                .map(|transform| zph::test(&problem, &result.beta, transform)),
            predictions: Vec::new(),
            dropped_rows: data.dropped.clone(),
            beta: result.beta,
            design,
        })
    }
}

/// Weighted score residuals summed within clusters (each row its own cluster without a
/// cluster column): the matrix S with S'S the empirical variance of the score.
fn cluster_scores(problem: &partial::Problem<'_>, beta: &[f64], data: &SurvData) -> DMatrix<f64> {
    let p = problem.p();
    let (score, _) = residuals::score_and_martingale(problem, beta);
    let n_clusters = data.cluster.as_ref().map_or(data.n_rows(), |c| c.n_levels());
    let mut sums = DMatrix::zeros(n_clusters, p);
    for i in 0..data.n_rows() {
        let c = data.cluster.as_ref().map_or(i, |f| f.codes[i] as usize);
        let w = problem.weight(i);
        for j in 0..p {
            sums[(c, j)] += w * score[i * p + j];
        }
    }
    sums
}

/// The standard deviation of design column `j`.
fn design_sd(design: &Design, j: usize) -> f64 {
    let n = design.n as f64;
    let column = (0..design.n).map(|i| design.x[i * design.p + j]);
    let mean = column.clone().sum::<f64>() / n;
    (column.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt()
}

/// Σ_j log sd(x_j), with R's n − 1 denominator.
fn log_sd_sum(design: &Design) -> f64 {
    let n = design.n as f64;
    (0..design.p)
        .map(|j| {
            let column = (0..design.n).map(|i| design.x[i * design.p + j]);
            let mean = column.clone().sum::<f64>() / n;
            let variance = column.map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
            0.5 * variance.ln()
        })
        .sum()
}

/// A plain-language sentence for an infinite coefficient.
fn monotone_message(data: &SurvData, design: &Design, j: usize, upward: bool) -> String {
    let name = &design.names[j];
    let direction = if upward { "+∞" } else { "−∞" };
    // a dummy (0/1) column: say which arm lacks events
    let values: Vec<f64> = (0..design.n).map(|i| design.x[i * design.p + j]).collect();
    let is_binary = values.iter().all(|v| *v == 0.0 || *v == 1.0);
    if is_binary {
        let events_with = (0..design.n).filter(|&i| values[i] == 1.0 && data.event[i]).count();
        let events_without = (0..design.n).filter(|&i| values[i] == 0.0 && data.event[i]).count();
        let dummy = design.sources[j] != *name;
        let with = if dummy { name.clone() } else { format!("{name} = 1") };
        let without = if dummy {
            format!("the other levels of {}", design.sources[j])
        } else {
            format!("{name} = 0")
        };
        let arm = if events_with == 0 {
            Some(format!("no events in {with}"))
        } else if events_without == 0 {
            Some(format!("no events in {without}"))
        } else {
            None
        };
        if let Some(arm) = arm {
            return format!(
                "{arm}: the hazard ratio for {name} is not estimable by maximum likelihood (the coefficient runs to {direction}); Firth's penalised likelihood gives a finite estimate"
            );
        }
    }
    format!(
        "the log-likelihood converged while the coefficient of {name} kept growing towards {direction} (monotone likelihood): its hazard ratio is not estimable by maximum likelihood; Firth's penalised likelihood gives a finite estimate"
    )
}
