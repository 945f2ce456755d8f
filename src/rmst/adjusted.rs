//! Covariate-adjusted RMST contrasts by inverse probability of censoring weighting (IPCW)
//! regression with an influence-function (sandwich) variance.
//!
//! # Formulas (Tian, Zhao & Wei 2014; survRM2 1.0-4 `rmst2(covariates = )`)
//! With Y_i = min(T_i, τ) and Δ_i = δ_i, set to 1 when Y_i = τ (follow-up reaching τ counts as
//! complete), and Ĝ_a the Kaplan–Meier estimate of the censoring distribution within arm a
//! (censorings 1 − Δ_i, Ĝ_a(t) including the jumps at t), each row gets the weight
//! w_i = Δ_i / Ĝ_a(Y_i). With x_i = (1, arm_i, covariates_i), the models are
//!
//! - difference: E[Y | x] = x'β, fitted by weighted least squares,
//! - ratio: E[Y | x] = exp(x'β), fitted by weighted quasi-Poisson regression,
//! - RMTL ratio: E[τ − Y | x] = exp(x'β), likewise,
//!
//! so the arm coefficient is the adjusted difference, or log ratio. Scores
//! s_i = x_i w_i (r_i − μ_i) (r_i the response, μ_i its fitted mean). Within each arm, with rows
//! sorted by Y, R(t) = #{k : Y_k ≥ t} and the sums over that arm,
//!
//! - κ_i = s_i + (1 − Δ_i) Σ_{Y_k ≥ Y_i} s_k / R(Y_i) − Σ_{Y_k ≤ Y_i} (1 − Δ_k) Σ_{Y_l ≥ Y_k} s_l / R(Y_k)²
//! - Γ = Σ_i κ_i κ_i',  A = Σ_i x_i x_i' (difference) or Σ_i exp(x_i'β) x_i x_i' (ratios)
//! - Var β = A⁻¹ Γ A⁻¹; Wald limits and p = 2 Φ(−|β/SE|).
//!
//! A is unweighted, as survRM2 computes it (E[w_i | x_i] = 1, so it estimates the same limit).
//! The quasi-Poisson fits start and stop as R's `glm` does (μ = r + 0.1; stop when the deviance
//! changes by less than 1e-8 relative), which reproduces survRM2 to about 1e-11; on lung and
//! veteran, iterating to full convergence would move β by at most about 3e-9 standard errors.
//! Rows with time 0 count in Ĝ as at any other time (survRM2's own censoring estimate fails on them).
//!
//! Reference: Tian L, Zhao L, Wei LJ. Predicting the restricted mean event time with the
//! subject's baseline covariates in survival analysis. Biostatistics 2014;15:222–233.

use std::fmt;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::{ContrastEstimate, RmstError};
use crate::data::{Covariate, SurvData};
use crate::dist::z_for_level;

/// Iterations allowed for the quasi-Poisson fits (R's `glm.control(maxit = 25)`).
const MAX_ITERATIONS: usize = 25;
/// Convergence: relative change of the deviance between iterations (R's `glm.control(epsilon = 1e-8)`).
const DEVIANCE_TOLERANCE: f64 = 1e-8;
/// A column of the weighted design is taken as dependent on the others below this relative size.
const RANK_TOLERANCE: f64 = 1e-7;

/// One of the three adjusted models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustedModel {
    /// Adjusted RMST difference: E[Y | x] = x'β by weighted least squares.
    Difference,
    /// Adjusted RMST ratio: E[Y | x] = exp(x'β) by weighted quasi-Poisson regression.
    Ratio,
    /// Adjusted RMTL ratio: E[τ − Y | x] = exp(x'β) by weighted quasi-Poisson regression.
    RmtlRatio,
}

impl AdjustedModel {
    /// The three models, in the order they are reported.
    pub const ALL: [AdjustedModel; 3] = [
        AdjustedModel::Difference,
        AdjustedModel::Ratio,
        AdjustedModel::RmtlRatio,
    ];

    /// The model's name in JSON and CSV.
    pub fn key(self) -> &'static str {
        match self {
            AdjustedModel::Difference => "difference",
            AdjustedModel::Ratio => "ratio",
            AdjustedModel::RmtlRatio => "rmtl_ratio",
        }
    }

    fn log_link(self) -> bool {
        self != AdjustedModel::Difference
    }
}

impl fmt::Display for AdjustedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdjustedModel::Difference => "RMST difference",
            AdjustedModel::Ratio => "RMST ratio",
            AdjustedModel::RmtlRatio => "RMTL ratio",
        })
    }
}

/// One row of a model's coefficient table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// The model the term belongs to.
    pub model: AdjustedModel,
    /// `intercept`, `GROUP=LEVEL` for the arm, or the covariate's name.
    pub term: String,
    /// Coefficient β (a difference, or a log ratio for the ratio models).
    pub coef: f64,
    /// Sandwich standard error of β.
    pub se: f64,
    /// Wald statistic β / SE.
    pub z: f64,
    /// Two-sided p-value, 2 Φ(−|z|).
    pub p_value: f64,
    /// Limits of `coef`.
    pub lower: f64,
    /// Upper limit of `coef`.
    pub upper: f64,
    /// exp(coef) and its limits (ratio models only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_coef: Option<f64>,
    /// Lower limit of exp(coef) (ratio models only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_lower: Option<f64>,
    /// Upper limit of exp(coef) (ratio models only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp_upper: Option<f64>,
}

/// The adjusted contrasts of the second arm against the first, with the three models' tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdjustedRmst {
    /// The compared arm's level (the second level).
    pub group: String,
    /// The reference arm's level (the first level).
    pub reference: String,
    /// The covariate columns adjusted for.
    pub covariates: Vec<String>,
    /// Rows used.
    pub n: usize,
    /// Adjusted RMST difference (arm − reference).
    pub difference: ContrastEstimate,
    /// Adjusted RMST ratio (arm / reference).
    pub ratio: ContrastEstimate,
    /// Adjusted RMTL ratio (arm / reference).
    pub rmtl_ratio: ContrastEstimate,
    /// Every term of the three models, model by model.
    pub coefficients: Vec<Coefficient>,
    /// Why a model is not estimable (shown among the result's warnings).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// The rows of both arms, the second arm first (as survRM2 stacks them), each sorted by Y.
struct Design {
    y: Vec<f64>,
    complete: Vec<bool>,
    weight: Vec<f64>,
    x: DMatrix<f64>,
    /// Row ranges of the two arms.
    arms: [std::ops::Range<usize>; 2],
}

/// Fits the three adjusted models; `parts` holds each arm's rows sorted by time.
pub(super) fn fit(
    data: &SurvData,
    parts: &[Vec<usize>],
    tau: f64,
    conf_level: f64,
    covariates: &[String],
) -> Result<AdjustedRmst, RmstError> {
    let file = || data.source.clone();
    let group = data
        .group
        .as_ref()
        .ok_or_else(|| RmstError::AdjustedNeedsGroup { file: file() })?;
    if group.n_levels() != 2 {
        return Err(RmstError::AdjustedNeedsTwoArms {
            file: file(),
            column: group.name.clone(),
            levels: group.n_levels(),
        });
    }
    let columns: Vec<&[f64]> = covariates
        .iter()
        .map(|name| match data.covariate(name) {
            Some(Covariate::Numeric { values, .. }) => Ok(values.as_slice()),
            Some(Covariate::Factor(_)) => Err(RmstError::FactorCovariate {
                file: file(),
                column: name.clone(),
            }),
            None => Err(RmstError::UnknownCovariate {
                file: file(),
                column: name.clone(),
            }),
        })
        .collect::<Result<_, _>>()?;
    let design = design(data, parts, tau, &columns);
    let z = z_for_level(conf_level);
    let mut terms = vec!["intercept".to_string(), format!("{}={}", group.name, group.levels[1])];
    terms.extend(covariates.iter().cloned());
    let not_estimable = |model: AdjustedModel, reason: String| {
        let none = ContrastEstimate {
            estimate: None,
            se: None,
            lower: None,
            upper: None,
            p_value: None,
        };
        let table = terms
            .iter()
            .map(|term| Coefficient {
                model,
                term: term.clone(),
                coef: f64::NAN,
                se: f64::NAN,
                z: f64::NAN,
                p_value: f64::NAN,
                lower: f64::NAN,
                upper: f64::NAN,
                exp_coef: None,
                exp_lower: None,
                exp_upper: None,
            })
            .collect();
        (
            none,
            table,
            Some(format!("the adjusted {model} is not estimable: {reason}")),
        )
    };
    let fit_model = |model: AdjustedModel| -> Result<(ContrastEstimate, Vec<Coefficient>, Option<String>), RmstError> {
        let fail = |reason: String| RmstError::AdjustedFit {
            file: file(),
            model,
            reason,
        };
        let response: Vec<f64> = match model {
            AdjustedModel::RmtlRatio => design.y.iter().map(|y| tau - y).collect(),
            _ => design.y.clone(),
        };
        // a log-link model of an arm whose responses are all 0 (no events before τ for the
        // RMTL) has an infinite arm coefficient: no estimate, not the last iterate
        let arm_total = |arm: &std::ops::Range<usize>| arm.clone().map(|i| design.weight[i] * response[i]).sum::<f64>();
        if model.log_link() && design.arms.iter().any(|arm| arm_total(arm) <= 0.0) {
            let what = if model == AdjustedModel::Ratio {
                "follow-up"
            } else {
                "events"
            };
            return Ok(not_estimable(
                model,
                format!("an arm has no {what} before τ, so its log-link coefficient is infinite"),
            ));
        }
        let informative = design.weight.iter().filter(|w| **w > 0.0).count();
        if informative <= terms.len() {
            return Err(fail(format!(
                "{informative} rows with an observed outcome for {} coefficients leave no residual to estimate a variance from",
                terms.len()
            )));
        }
        let beta = if model.log_link() {
            quasi_poisson(&design.x, &response, &design.weight).map_err(fail)?
        } else {
            weighted_least_squares(&design.x, &response, &design.weight).map_err(fail)?
        };
        if let Some(reason) = degenerate_fit(&design, &response, &beta, model, tau) {
            return Ok(not_estimable(model, reason));
        }
        let covariance = sandwich(&design, &response, &beta, model).map_err(fail)?;
        let se_of = |j: usize| covariance[(j, j)].sqrt();
        // a fit at the edge of the model (a mean driven towards 0, a covariate standing in for
        // the arm) leaves no finite variance: its coefficients are iterates, not estimates
        // (13 rows: an RMTL ratio of 1.3e19 with no standard error, found by fuzzing)
        if (0..terms.len()).any(|j| !(se_of(j).is_finite() && beta[j].is_finite())) {
            return Ok(not_estimable(
                model,
                "the fit runs to the edge of the model (a fitted mean near 0, or a covariate standing in for the arm), so its variance is not finite".into(),
            ));
        }
        let contrast = |j: usize| {
            let (coef, se) = (beta[j], se_of(j));
            if model.log_link() {
                ContrastEstimate::wald_exp(coef, se, z)
            } else {
                ContrastEstimate::wald(coef, se, z)
            }
        };
        let table = terms
            .iter()
            .enumerate()
            .map(|(j, term)| {
                let (coef, se) = (beta[j], se_of(j));
                let exp = model.log_link().then(|| contrast(j));
                let p_value = crate::dist::wald_p(coef, se);
                Coefficient {
                    model,
                    term: term.clone(),
                    coef,
                    se,
                    z: if p_value.is_some() { coef / se } else { f64::NAN },
                    p_value: p_value.unwrap_or(f64::NAN),
                    lower: coef - z * se,
                    upper: coef + z * se,
                    exp_coef: exp.as_ref().and_then(|e| e.estimate),
                    exp_lower: exp.as_ref().and_then(|e| e.lower),
                    exp_upper: exp.as_ref().and_then(|e| e.upper),
                }
            })
            .collect();
        Ok((contrast(1), table, None))
    };
    let (difference, mut coefficients, difference_note) = fit_model(AdjustedModel::Difference)?;
    let (ratio, ratio_table, ratio_note) = fit_model(AdjustedModel::Ratio)?;
    let (rmtl_ratio, rmtl_table, rmtl_note) = fit_model(AdjustedModel::RmtlRatio)?;
    let notes = [difference_note, ratio_note, rmtl_note].into_iter().flatten().collect();
    coefficients.extend(ratio_table);
    coefficients.extend(rmtl_table);
    Ok(AdjustedRmst {
        group: group.levels[1].clone(),
        reference: group.levels[0].clone(),
        covariates: covariates.to_vec(),
        n: design.y.len(),
        difference,
        ratio,
        rmtl_ratio,
        coefficients,
        notes,
    })
}

/// Why a fitted model carries no inference, if it does not: a fit through every observed
/// outcome (no residual variation, so the sandwich variance is rounding noise, e.g. every
/// response equal to τ), or a log-link fit whose mean runs to 0 for a zero response (an
/// infinite coefficient, not an estimate).
fn degenerate_fit(
    design: &Design,
    response: &[f64],
    beta: &DVector<f64>,
    model: AdjustedModel,
    tau: f64,
) -> Option<String> {
    let linear = &design.x * beta;
    let observed = || (0..response.len()).filter(|&i| design.weight[i] > 0.0);
    let mean = |i: usize| if model.log_link() { linear[i].exp() } else { linear[i] };
    if observed().all(|i| (response[i] - mean(i)).abs() <= 1e-9 * tau) {
        return Some("the model fits every observed outcome exactly, so there is no residual variation to estimate a variance from".into());
    }
    // an arm fitted exactly (one observed outcome in it, say) adds nothing to the sandwich:
    // its coefficient rests on the other arm's rows and the covariates' extrapolation, and
    // its standard error is too small (3 rows: RMTL ratio 9.7e16, p 5e-13, found by fuzzing)
    for arm in &design.arms {
        let rows: Vec<usize> = arm.clone().filter(|&i| design.weight[i] > 0.0).collect();
        if rows.iter().all(|&i| (response[i] - mean(i)).abs() <= 1e-9 * tau) {
            return Some(match rows.len() {
                0 => "an arm has no observed outcome before τ".into(),
                1 => "an arm has a single observed outcome, which the model fits exactly, so that arm adds no residual variation to the variance".into(),
                n => format!("the model fits all {n} observed outcomes of an arm exactly, so that arm adds no residual variation to the variance"),
            });
        }
    }
    if model.log_link() && observed().any(|i| response[i] == 0.0 && mean(i) <= 1e-9 * tau) {
        return Some("a row's mean runs to 0 (its response is 0), so a log-link coefficient is infinite".into());
    }
    extrapolated(design, beta, model, tau)
}

/// Why the arm coefficient is an extrapolation, if it is: the model's mean for some row of the
/// data, with its arm set to either arm, lies more than τ outside [0, τ], the range any mean
/// of min(T, τ) or τ − min(T, τ) must lie in. Where the arms do not overlap in the
/// covariates, the arm contrast is read off a line drawn across the gap between them, and
/// the sandwich variance on the few residual degrees of freedom does not see it (5 rows, the
/// arms split by x: a difference of −2284 at τ = 623, and an RMTL ratio of 3.8e11 with
/// z = 240, found by fuzzing). The margin of τ leaves R's estimates alone where a linear
/// model runs a little past the range at an extreme covariate value.
fn extrapolated(design: &Design, beta: &DVector<f64>, model: AdjustedModel, tau: f64) -> Option<String> {
    let (lower, upper) = (-tau, 2.0 * tau);
    for i in 0..design.x.nrows() {
        let base: f64 = (0..beta.len())
            .filter(|&j| j != 1)
            .map(|j| design.x[(i, j)] * beta[j])
            .sum();
        for arm in [0.0, 1.0] {
            let linear = base + arm * beta[1];
            let mean = if model.log_link() { linear.exp() } else { linear };
            if !(lower..=upper).contains(&mean) {
                let quantity = match model {
                    AdjustedModel::RmtlRatio => "RMTL",
                    _ => "RMST",
                };
                return Some(format!(
                    "in one arm or the other, a row of the data has a fitted {quantity} of {}, far outside the possible range [0, τ = {}]: the model extrapolates where the arms do not overlap in the covariates, so its arm contrast is not an estimate",
                    crate::numbers::num(mean),
                    crate::numbers::num(tau),
                ));
            }
        }
    }
    None
}

/// Truncates at τ, computes the censoring weights within each arm and builds x.
fn design(data: &SurvData, parts: &[Vec<usize>], tau: f64, covariates: &[&[f64]]) -> Design {
    let p = 2 + covariates.len();
    let n: usize = parts.iter().map(Vec::len).sum();
    let mut y = Vec::with_capacity(n);
    let mut complete = Vec::with_capacity(n);
    let mut weight = Vec::with_capacity(n);
    let mut x = DMatrix::zeros(n, p);
    let mut arms = [0..0, 0..0];
    for (slot, arm) in [(0, 1), (1, 0)] {
        let start = y.len();
        for &i in &parts[arm] {
            let row = y.len();
            y.push(data.time[i].min(tau));
            complete.push(data.event[i] || data.time[i] >= tau);
            x[(row, 0)] = 1.0;
            x[(row, 1)] = arm as f64;
            for (c, values) in covariates.iter().enumerate() {
                x[(row, 2 + c)] = values[i];
            }
        }
        arms[slot] = start..y.len();
        censoring_weights(&y[start..], &complete[start..], &mut weight);
    }
    Design {
        y,
        complete,
        weight,
        x,
        arms,
    }
}

/// Appends Δ_i / Ĝ(Y_i) for one arm's rows (sorted by Y), Ĝ the censoring Kaplan–Meier
/// estimate including its jump at Y_i.
fn censoring_weights(y: &[f64], complete: &[bool], out: &mut Vec<f64>) {
    let mut survival = 1.0;
    for (start, end) in tie_blocks(y) {
        let at_risk = (y.len() - start) as f64;
        let censored = complete[start..end].iter().filter(|c| !**c).count() as f64;
        survival *= 1.0 - censored / at_risk;
        out.extend(
            complete[start..end]
                .iter()
                .map(|c| if *c { 1.0 / survival } else { 0.0 }),
        );
    }
}

/// The index ranges of runs of equal values in sorted `y`.
fn tie_blocks(y: &[f64]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= y.len() {
            return None;
        }
        let end = start + y[start..].iter().take_while(|v| **v == y[start]).count();
        let block = (start, end);
        start = end;
        Some(block)
    })
}

/// min Σ w (r − x'β)², by QR of √w x.
fn weighted_least_squares(x: &DMatrix<f64>, response: &[f64], weight: &[f64]) -> Result<DVector<f64>, String> {
    if x.nrows() < x.ncols() {
        return Err(format!(
            "{} participants with weight cannot determine {} coefficients",
            x.nrows(),
            x.ncols()
        ));
    }
    if x.iter().chain(response).chain(weight).any(|v| !v.is_finite()) {
        return Err("the weighted design is not finite (a covariate or weight overflowed)".to_string());
    }
    let root: Vec<f64> = weight.iter().map(|w| w.sqrt()).collect();
    let scaled = DMatrix::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] * root[i]);
    let mut rhs = DVector::from_fn(x.nrows(), |i, _| response[i] * root[i]);
    let qr = scaled.qr();
    let r = qr.r();
    let largest = r.diagonal().iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let independent = |v: &f64| v.abs() > RANK_TOLERANCE * largest;
    if !r.diagonal().iter().all(independent) {
        return Err("the weighted covariates are collinear (or an arm has no complete follow-up to τ)".to_string());
    }
    qr.q_tr_mul(&mut rhs);
    let p = x.ncols();
    r.solve_upper_triangular(&rhs.rows(0, p).into_owned())
        .ok_or_else(|| "the weighted design is singular".to_string())
}

/// Weighted quasi-Poisson regression with log link by iteratively reweighted least squares,
/// started as R's `glm` starts it (μ = r + 0.1).
fn quasi_poisson(x: &DMatrix<f64>, response: &[f64], weight: &[f64]) -> Result<DVector<f64>, String> {
    let n = response.len();
    let mut mu: Vec<f64> = response.iter().map(|r| r + 0.1).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let mut deviance = f64::INFINITY;
    for _ in 0..MAX_ITERATIONS {
        let working: Vec<f64> = (0..n).map(|i| eta[i] + (response[i] - mu[i]) / mu[i]).collect();
        let irls_weight: Vec<f64> = (0..n).map(|i| weight[i] * mu[i]).collect();
        let beta = weighted_least_squares(x, &working, &irls_weight)?;
        let linear = x * &beta;
        eta = linear.iter().copied().collect();
        mu = eta.iter().map(|e| e.exp()).collect();
        let new_deviance: f64 = (0..n)
            .map(|i| {
                let r = response[i];
                let log_term = if r > 0.0 { r * (r / mu[i]).ln() } else { 0.0 };
                2.0 * weight[i] * (log_term - (r - mu[i]))
            })
            .sum();
        if !new_deviance.is_finite() {
            return Err("the quasi-Poisson fit diverged".to_string());
        }
        if (new_deviance - deviance).abs() <= DEVIANCE_TOLERANCE * (new_deviance.abs() + 0.1) {
            return Ok(beta);
        }
        deviance = new_deviance;
    }
    Err(format!(
        "the quasi-Poisson fit did not converge in {MAX_ITERATIONS} iterations"
    ))
}

/// The influence-function (sandwich) covariance of β, A⁻¹ Γ A⁻¹.
fn sandwich(
    design: &Design,
    response: &[f64],
    beta: &DVector<f64>,
    model: AdjustedModel,
) -> Result<DMatrix<f64>, String> {
    let x = &design.x;
    let p = x.ncols();
    let linear = x * beta;
    let mean: Vec<f64> = if model.log_link() {
        linear.iter().map(|e| e.exp()).collect()
    } else {
        linear.iter().copied().collect()
    };
    let mut gamma = DMatrix::<f64>::zeros(p, p);
    let mut kappa = DVector::<f64>::zeros(p);
    for arm in &design.arms {
        let rows = arm.clone();
        let m = rows.len();
        let score = |i: usize, j: usize| x[(i, j)] * design.weight[i] * (response[i] - mean[i]);
        let y = &design.y[rows.clone()];
        // (1 − Δ_i) Σ_{Y_k ≥ Y_i} s_k / R(Y_i), row by row of this arm.
        let mut martingale = vec![0.0; m * p];
        let mut tail = vec![0.0; p];
        let blocks: Vec<(usize, usize)> = tie_blocks(y).collect();
        for &(start, end) in blocks.iter().rev() {
            for k in start..end {
                for (j, t) in tail.iter_mut().enumerate() {
                    *t += score(rows.start + k, j);
                }
            }
            let at_risk = (m - start) as f64;
            for k in start..end {
                if !design.complete[rows.start + k] {
                    for j in 0..p {
                        martingale[k * p + j] = tail[j] / at_risk;
                    }
                }
            }
        }
        let mut compensator = vec![0.0; p];
        for &(start, end) in &blocks {
            let at_risk = (m - start) as f64;
            for k in start..end {
                for (j, c) in compensator.iter_mut().enumerate() {
                    *c += martingale[k * p + j] / at_risk;
                }
            }
            for k in start..end {
                for j in 0..p {
                    kappa[j] = score(rows.start + k, j) + martingale[k * p + j] - compensator[j];
                }
                gamma.ger(1.0, &kappa, &kappa, 1.0);
            }
        }
    }
    let mut a = DMatrix::<f64>::zeros(p, p);
    for (i, m) in mean.iter().enumerate() {
        let factor = if model.log_link() { *m } else { 1.0 };
        let row = x.row(i).transpose();
        a.ger(factor, &row, &row, 1.0);
    }
    let a_inverse = a
        .cholesky()
        .map(|c| c.inverse())
        .ok_or_else(|| "the covariates are collinear".to_string())?;
    Ok(&a_inverse * gamma * &a_inverse)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rows per arm, x = 0 and 1 in one arm, 10 and 11 in the other.
    fn apart() -> Design {
        let x = DMatrix::from_row_slice(4, 3, &[1.0, 1.0, 10.0, 1.0, 1.0, 11.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
        Design {
            y: vec![50.0, 60.0, 40.0, 45.0],
            complete: vec![true; 4],
            weight: vec![1.0; 4],
            x,
            arms: [0..2, 2..4],
        }
    }

    #[test]
    fn a_contrast_whose_means_stay_in_range_is_kept() {
        // intercept 40, arm +10, slope 5: means 40 to 105, within [-τ, 2τ] for τ = 100
        let beta = DVector::from_vec(vec![40.0, 10.0, 5.0]);
        assert!(extrapolated(&apart(), &beta, AdjustedModel::Difference, 100.0).is_none());
    }

    #[test]
    fn a_contrast_drawn_across_the_gap_is_flagged() {
        // slope 30 across the gap and an arm coefficient of -290: the arm-1 rows as reference
        // have means 340 and 370, beyond 2τ
        let beta = DVector::from_vec(vec![40.0, -290.0, 30.0]);
        let why = extrapolated(&apart(), &beta, AdjustedModel::Difference, 100.0).unwrap();
        assert!(why.contains("fitted RMST of 340"), "{why}");
        // the same on the log scale: exp(6.5) = 665 > 2τ
        let beta = DVector::from_vec(vec![3.0, -3.0, 0.35]);
        let why = extrapolated(&apart(), &beta, AdjustedModel::RmtlRatio, 100.0).unwrap();
        assert!(why.contains("fitted RMTL of"), "{why}");
    }
}
