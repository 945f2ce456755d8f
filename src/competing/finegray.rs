//! Fine–Gray proportional subdistribution hazards regression, as `cmprsk::crr`.
//!
//! # Formulas
//! Fine & Gray (1999), "A proportional hazards model for the subdistribution of a competing
//! risk", JASA 94:496–509. For the cause of interest, with Ĝ the Kaplan–Meier estimate of the
//! censoring distribution (Ĝ(t−), its left limit), a row failing from another cause at T_j
//! stays in the risk set of a later failure time t with weight w_j(t) = Ĝ(t−)/Ĝ(T_j−); rows
//! with T_j ≥ t have weight 1. With S_r(t) = Σ_j w_j(t) e^{x_j'β} x_j^{⊗r}, the log partial
//! likelihood is Σ_{failures i} [x_i'β − log S_0(T_i)] (Breslow ties), maximised by Newton's
//! method exactly as `crr` does (start 0, step halving when the likelihood does not improve
//! by 1e-4 of the predicted change, stop when max |U_k| max(|β_k|, 1) < gtol max(|ℓ|, 1)).
//!
//! The variance is `crr`'s sandwich H⁻¹ (Σ_i (η_i + ψ_i)^{⊗2}) H⁻¹ (Fine & Gray §4): η_i is
//! the score residual of row i (the failure term minus the weighted dΛ̂ term), and ψ_i the
//! correction for estimating Ĝ,
//!
//!   ψ_i = ∫ q(u)/π(u) dM_i^c(u),  q(u) = Σ_{failures j, T_j ≥ u} Σ_{k: other cause, T_k < u}
//!         w_k(T_j) e^{x_k'β} (x_k − x̄(T_j)) / S_0(T_j),
//!
//! with π(u) the number with T ≥ u and M^c the censoring martingale. This transcribes the
//! Fortran routines `crrfsv`, `crrf` and `crrvv` of cmprsk 2.2 (one censoring group, no
//! time-varying covariates), with the O(n²) sums over risk sets replaced by running sums.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::{CompetingData, CompetingError};
use crate::cox::Divergence;
use crate::cox::design::Design;
use crate::data::DroppedRows;
use crate::dist::{two_sided_p, z_for_level};
use crate::km::check_conf_level;

/// Options for [`FineGray::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct FineGrayOptions {
    /// The cause of interest, as written in the status column.
    pub cause: String,
    /// Confidence level of the subdistribution hazard-ratio limits, in (0, 1) (default 0.95).
    pub conf_level: f64,
    /// Newton iterations at most (`crr`'s `maxiter`, 10).
    pub max_iter: usize,
    /// Convergence tolerance (`crr`'s `gtol`, 1e-6).
    pub gtol: f64,
}

impl FineGrayOptions {
    /// Options for `cause` with crr's defaults (level 0.95, `maxiter` 10, `gtol` 1e-6).
    pub fn new(cause: impl Into<String>) -> Self {
        FineGrayOptions {
            cause: cause.into(),
            conf_level: 0.95,
            max_iter: 10,
            gtol: 1e-6,
        }
    }
}

/// One coefficient of the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FineGrayTerm {
    /// The covariate, or `COL=LEVEL` for a factor's treatment-coded dummy.
    pub term: String,
    /// log subdistribution hazard ratio; `null` when the fit did not converge (no estimate:
    /// typically a monotone pseudo-likelihood, e.g. no events of the cause on one side of a
    /// two-valued covariate).
    pub coef: Option<f64>,
    /// Standard error of `coef` from crr's sandwich variance; `None` without an estimate or
    /// when the variance is not finite and positive.
    pub se: Option<f64>,
    /// Subdistribution hazard ratio exp(coef) with its Wald limits.
    pub hr: Option<f64>,
    /// Lower Wald limit of the hazard ratio, exp(coef − z·se); `None` without an SE.
    pub lower: Option<f64>,
    /// Upper Wald limit of the hazard ratio, exp(coef + z·se); `None` without an SE.
    pub upper: Option<f64>,
    /// Wald statistic coef / se; `None` without an SE.
    pub z: Option<f64>,
    /// Two-sided Wald p-value, 2Φ(−|z|), as `summary.crr`; `None` without an SE.
    pub p_value: Option<f64>,
    /// Where the coefficient runs when the pseudo-likelihood keeps rising as it grows
    /// (monotone likelihood): then `coef`, `hr` and the rest are `null`.
    pub diverges_to: Option<Divergence>,
}

/// A fitted Fine–Gray model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FineGray {
    /// The cause of interest, as written in the status column.
    pub cause: String,
    /// Rows used.
    pub n: usize,
    /// Failures from the cause of interest.
    pub n_events: usize,
    /// Failures from the other causes.
    pub n_competing: usize,
    /// Censored rows.
    pub n_censored: usize,
    /// Confidence level of the limits, in (0, 1).
    pub conf_level: f64,
    /// One term per column of the design, in covariate order.
    pub terms: Vec<FineGrayTerm>,
    /// Log pseudo-likelihood at the estimate and at β = 0.
    pub loglik: f64,
    /// Log pseudo-likelihood at β = 0.
    pub loglik_null: f64,
    /// Newton iterations done.
    pub iterations: usize,
    /// Whether crr's stopping rule was met within `max_iter` iterations.
    pub converged: bool,
    /// Rows left out because a used column was missing.
    pub dropped_rows: DroppedRows,
    /// Warnings about the fit (no convergence, monotone pseudo-likelihood).
    pub warnings: Vec<String>,
}

/// The data in time order, ready for the sums.
struct Problem {
    p: usize,
    /// Covariates row-major in time order.
    x: Vec<f64>,
    /// 0 censored, 1 cause of interest, 2 other cause; time order.
    code: Vec<u8>,
    /// Each distinct-time block's first row.
    starts: Vec<usize>,
    /// Ĝ(t−) per block.
    g_minus: Vec<f64>,
    /// Rows with time ≥ the block's time, and censorings in the block.
    at_risk: Vec<f64>,
    censored: Vec<f64>,
}

struct Evaluation {
    /// −log pseudo-likelihood, its gradient and Hessian (crr minimises).
    lik: f64,
    score: Vec<f64>,
    hessian: DMatrix<f64>,
}

/// Per cause-of-interest block: number of failures, S_0, x̄.
struct Moments {
    failures: Vec<f64>,
    s0: Vec<f64>,
    mean: Vec<f64>,
    /// Running sums for other-cause rows before each block: Σ e^η / Ĝ(T−), Σ e^η x / Ĝ(T−).
    before0: Vec<f64>,
    before1: Vec<f64>,
}

impl Problem {
    fn n(&self) -> usize {
        self.code.len()
    }

    /// Whether the pseudo-likelihood keeps rising along `direction` (Bryson & Johnson's
    /// condition on the subdistribution risk sets): at every failure time t of the cause, each
    /// failure's d'x is the largest among the rows with T ≥ t and the rows that failed from
    /// another cause before t (while Ĝ(t−) > 0), and strictly above one of them at one failure
    /// time at least. Then the supremum lies at infinity along d: no finite estimate.
    fn monotone_along(&self, direction: &[f64]) -> bool {
        let score = self.eta(direction);
        if score.iter().any(|s| !s.is_finite()) || direction.iter().all(|d| *d == 0.0) {
            return false;
        }
        let tolerance = 1e-9 * score.iter().fold(1.0_f64, |m, s| m.max(s.abs()));
        let nb = self.starts.len();
        let block_end = |b: usize| if b + 1 < nb { self.starts[b + 1] } else { self.n() };
        // the largest and smallest score over rows with T ≥ the block's time
        let mut suffix = vec![(f64::NEG_INFINITY, f64::INFINITY); nb + 1];
        for b in (0..nb).rev() {
            let (mut high, mut low) = suffix[b + 1];
            for &v in &score[self.starts[b]..block_end(b)] {
                high = high.max(v);
                low = low.min(v);
            }
            suffix[b] = (high, low);
        }
        // and over rows that failed from another cause in earlier blocks
        let (mut before_high, mut before_low) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut strict = false;
        for b in 0..nb {
            let rows = self.starts[b]..block_end(b);
            let failures: Vec<f64> = rows.clone().filter(|&i| self.code[i] == 1).map(|i| score[i]).collect();
            if !failures.is_empty() {
                let (mut high, mut low) = suffix[b];
                if self.g_minus[b] > 0.0 {
                    high = high.max(before_high);
                    low = low.min(before_low);
                }
                let lowest_failure = failures.iter().fold(f64::INFINITY, |m, v| m.min(*v));
                if lowest_failure < high - tolerance {
                    return false;
                }
                strict |= low < lowest_failure - tolerance;
            }
            for i in rows.filter(|&i| self.code[i] == 2) {
                before_high = before_high.max(score[i]);
                before_low = before_low.min(score[i]);
            }
        }
        strict
    }

    /// For each coefficient, the direction in which the pseudo-likelihood runs to its supremum
    /// (`Some(true)` up, `Some(false)` down), if it does. Tried: each coefficient alone (a side
    /// of a covariate without failures of the cause), a factor's dummies together (its
    /// reference level without failures), and where the fit stopped (β̂, the coefficients of β̂
    /// far from 0, Newton's next step), as for the Cox model (`cox::separation`).
    fn diverging(&self, design: &Design, beta: &[f64], step: Option<&[f64]>) -> Vec<Option<bool>> {
        let p = self.p;
        let mut result = vec![None; p];
        let unit = |k: usize, sign: f64| (0..p).map(|j| if j == k { sign } else { 0.0 }).collect::<Vec<f64>>();
        for k in 0..p {
            for (sign, up) in [(1.0, true), (-1.0, false)] {
                if result[k].is_none() && self.monotone_along(&unit(k, sign)) {
                    result[k] = Some(up);
                }
            }
        }
        let mut start = 0;
        while start < p {
            let end = (start..p)
                .find(|&j| design.sources[j] != design.sources[start])
                .unwrap_or(p);
            if end - start > 1 && design.names[start] != design.sources[start] {
                let sum: Vec<f64> = (0..p)
                    .map(|j| if (start..end).contains(&j) { 1.0 } else { 0.0 })
                    .collect();
                if self.monotone_along(&sum) {
                    for slot in &mut result[start..end] {
                        slot.get_or_insert(true);
                    }
                }
            }
            start = end;
        }
        let spread = |k: usize| {
            let column = (0..self.n()).map(|i| self.x[i * p + k]);
            let (low, high) = column.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
            (high - low).max(f64::MIN_POSITIVE)
        };
        // a direction found where the fit stopped flags its material coefficients
        let mut flag_along = |direction: &[f64], members: &dyn Fn(usize) -> bool| {
            if self.monotone_along(direction) {
                for k in (0..p).filter(|&k| members(k)) {
                    result[k].get_or_insert(direction[k] > 0.0);
                }
            }
        };
        let size = |d: &[f64], k: usize| d[k].abs() * spread(k);
        let largest = |d: &[f64]| (0..p).map(|k| size(d, k)).fold(0.0, f64::max);
        let beta_largest = largest(beta);
        flag_along(beta, &|k| size(beta, k) > 1e-3 * beta_largest);
        let far: Vec<f64> = (0..p)
            .map(|k| if size(beta, k) > 5.0 { beta[k] } else { 0.0 })
            .collect();
        flag_along(&far, &|k| far[k] != 0.0);
        if let Some(step) = step {
            let step_largest = largest(step);
            let moving: Vec<f64> = (0..p)
                .map(|k| {
                    if size(step, k) > 1e-2 * step_largest {
                        step[k]
                    } else {
                        0.0
                    }
                })
                .collect();
            flag_along(&moving, &|k| moving[k] != 0.0 || far[k] != 0.0);
        }
        result
    }

    fn eta(&self, beta: &[f64]) -> Vec<f64> {
        (0..self.n())
            .map(|i| (0..self.p).map(|k| self.x[i * self.p + k] * beta[k]).sum())
            .collect()
    }

    /// Sums over the weighted risk set at every block; with `second`, the Hessian too.
    fn evaluate(&self, beta: &[f64], second: bool) -> (Evaluation, Moments) {
        let (p, n, nb) = (self.p, self.n(), self.starts.len());
        let eta = self.eta(beta);
        let risk: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        let x = |i: usize| &self.x[i * p..(i + 1) * p];
        // suffix sums over rows with time ≥ block time
        let mut r0 = vec![0.0; nb];
        let mut r1 = vec![0.0; nb * p];
        let mut r2 = if second { vec![0.0; nb * p * p] } else { Vec::new() };
        let (mut a0, mut a1, mut a2) = (0.0, vec![0.0; p], vec![0.0; if second { p * p } else { 0 }]);
        for b in (0..nb).rev() {
            let end = if b + 1 < nb { self.starts[b + 1] } else { n };
            for i in self.starts[b]..end {
                a0 += risk[i];
                for k in 0..p {
                    a1[k] += risk[i] * x(i)[k];
                    if second {
                        for l in 0..p {
                            a2[k * p + l] += risk[i] * x(i)[k] * x(i)[l];
                        }
                    }
                }
            }
            r0[b] = a0;
            r1[b * p..(b + 1) * p].copy_from_slice(&a1);
            if second {
                r2[b * p * p..(b + 1) * p * p].copy_from_slice(&a2);
            }
        }
        let mut moments = Moments {
            failures: vec![0.0; nb],
            s0: vec![0.0; nb],
            mean: vec![0.0; nb * p],
            before0: vec![0.0; nb],
            before1: vec![0.0; nb * p],
        };
        let mut lik = 0.0;
        let mut score = vec![0.0; p];
        let mut hessian = DMatrix::zeros(p, p);
        let (mut w0, mut w1, mut w2) = (0.0, vec![0.0; p], vec![0.0; if second { p * p } else { 0 }]);
        for b in 0..nb {
            let end = if b + 1 < nb { self.starts[b + 1] } else { n };
            moments.before0[b] = w0;
            moments.before1[b * p..(b + 1) * p].copy_from_slice(&w1);
            let failures = (self.starts[b]..end).filter(|&i| self.code[i] == 1).count() as f64;
            if failures > 0.0 {
                let g = self.g_minus[b];
                let s0 = r0[b] + g * w0;
                let s1: Vec<f64> = (0..p).map(|k| r1[b * p + k] + g * w1[k]).collect();
                for i in self.starts[b]..end {
                    if self.code[i] == 1 {
                        lik -= eta[i];
                        for k in 0..p {
                            score[k] -= x(i)[k];
                        }
                    }
                }
                lik += failures * s0.ln();
                for k in 0..p {
                    score[k] += failures * s1[k] / s0;
                    moments.mean[b * p + k] = s1[k] / s0;
                }
                if second {
                    for k in 0..p {
                        for l in 0..p {
                            let s2 = r2[b * p * p + k * p + l] + g * w2[k * p + l];
                            hessian[(k, l)] += failures * (s2 / s0 - s1[k] * s1[l] / (s0 * s0));
                        }
                    }
                }
                moments.failures[b] = failures;
                moments.s0[b] = s0;
            }
            for i in self.starts[b]..end {
                if self.code[i] == 2 {
                    let w = risk[i] / self.g_minus[b];
                    w0 += w;
                    for k in 0..p {
                        w1[k] += w * x(i)[k];
                        if second {
                            for l in 0..p {
                                w2[k * p + l] += w * x(i)[k] * x(i)[l];
                            }
                        }
                    }
                }
            }
        }
        (Evaluation { lik, score, hessian }, moments)
    }

    /// crr's sandwich middle: Σ_i (η_i + ψ_i)(η_i + ψ_i)'.
    fn score_outer(&self, beta: &[f64], moments: &Moments) -> DMatrix<f64> {
        let (p, n, nb) = (self.p, self.n(), self.starts.len());
        let risk: Vec<f64> = self.eta(beta).iter().map(|e| e.exp()).collect();
        let x = |i: usize| &self.x[i * p..(i + 1) * p];
        // per failure block: d/S0, d x̄/S0 (prefix, T_j ≤ T) and d Ĝ/S0, d Ĝ x̄/S0 (suffix)
        let mut prefix0 = vec![0.0; nb];
        let mut prefix1 = vec![0.0; nb * p];
        let (mut c0, mut c1) = (0.0, vec![0.0; p]);
        for b in 0..nb {
            if moments.failures[b] > 0.0 {
                let d = moments.failures[b] / moments.s0[b];
                c0 += d;
                for k in 0..p {
                    c1[k] += d * moments.mean[b * p + k];
                }
            }
            prefix0[b] = c0;
            prefix1[b * p..(b + 1) * p].copy_from_slice(&c1);
        }
        // suffix from block b inclusive
        let mut suffix0 = vec![0.0; nb + 1];
        let mut suffix1 = vec![0.0; (nb + 1) * p];
        for b in (0..nb).rev() {
            let mut add0 = 0.0;
            let mut add1 = vec![0.0; p];
            if moments.failures[b] > 0.0 {
                let d = moments.failures[b] * self.g_minus[b] / moments.s0[b];
                add0 = d;
                for k in 0..p {
                    add1[k] = d * moments.mean[b * p + k];
                }
            }
            suffix0[b] = suffix0[b + 1] + add0;
            for k in 0..p {
                suffix1[b * p + k] = suffix1[(b + 1) * p + k] + add1[k];
            }
        }
        // q(u) at blocks with censorings, and the running dΛc part of ψ
        let mut psi_running = vec![0.0; p];
        let mut middle = DMatrix::zeros(p, p);
        let mut q = vec![0.0; p];
        let mut total = vec![0.0; p];
        for b in 0..nb {
            let end = if b + 1 < nb { self.starts[b + 1] } else { n };
            if self.censored[b] > 0.0 {
                for k in 0..p {
                    q[k] = moments.before1[b * p + k] * suffix0[b] - moments.before0[b] * suffix1[b * p + k];
                }
                let y = self.at_risk[b];
                for k in 0..p {
                    psi_running[k] -= q[k] * self.censored[b] / (y * y);
                }
            }
            for i in self.starts[b]..end {
                let xi = x(i);
                for k in 0..p {
                    // dΛ̂ part of η_i: failures at or before T_i (weight 1), and for an
                    // other-cause row the later failures with weight Ĝ(t−)/Ĝ(T_i−)
                    let mut eta_k = -risk[i] * (xi[k] * prefix0[b] - prefix1[b * p + k]);
                    if self.code[i] == 2 {
                        let later0 = suffix0[b + 1];
                        let later1 = suffix1[(b + 1) * p + k];
                        eta_k -= risk[i] / self.g_minus[b] * (xi[k] * later0 - later1);
                    }
                    if self.code[i] == 1 {
                        eta_k += xi[k] - moments.mean[b * p + k];
                    }
                    let mut psi_k = psi_running[k];
                    if self.code[i] == 0 {
                        psi_k += q[k] / self.at_risk[b];
                    }
                    total[k] = eta_k + psi_k;
                }
                for k in 0..p {
                    for l in 0..p {
                        middle[(k, l)] += total[k] * total[l];
                    }
                }
            }
        }
        middle
    }
}

impl FineGray {
    /// Fits the model for `options.cause` on the data's covariates.
    ///
    /// ```
    /// use survkit::{Columns, CompetingData, FineGray, FineGrayOptions};
    /// let columns = Columns::new("time", "status").covariates(["age"]);
    /// let mgus = CompetingData::read_csv("datasets/mgus2_cr.csv", &columns, "0")?;
    /// let fit = FineGray::fit(&mgus, &FineGrayOptions::new("1"))?;
    /// // R: cmprsk::crr(time, status, cbind(age), failcode = 1)$coef
    /// let coef = fit.terms[0].coef.ok_or("no estimate")?;
    /// assert!((coef - -0.0166515588829689).abs() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &CompetingData, options: &FineGrayOptions) -> Result<FineGray, CompetingError> {
        check_conf_level(options.conf_level).map_err(CompetingError::Option)?;
        let cause = data.cause_code(&options.cause).ok_or_else(|| {
            CompetingError::Option(format!(
                "there is no cause '{}'; the causes are: {}",
                options.cause,
                data.causes().join(", ")
            ))
        })?;
        let sd = data.data();
        if sd.weight.is_some() || sd.entry.is_some() {
            return Err(CompetingError::Option(
                "cmprsk::crr's Fine–Gray fit is defined for unweighted data without delayed entry".to_string(),
            ));
        }
        if let Some(column) = sd.strata.as_ref().or(sd.cluster.as_ref()) {
            return Err(CompetingError::Option(format!(
                "cmprsk::crr's Fine–Gray fit has no strata or clusters (column '{}'); adjust for it as a covariate",
                column.name
            )));
        }
        let design = Design::build(sd).map_err(|e| CompetingError::Option(e.to_string()))?;
        if design.p == 0 {
            return Err(CompetingError::Option(
                "the model needs at least one covariate".to_string(),
            ));
        }
        let problem = build_problem(data, &design, cause);
        let n_events = problem.code.iter().filter(|&&c| c == 1).count();
        if n_events == 0 {
            return Err(CompetingError::Analysis(format!(
                "no failures from cause {}: the model cannot be fitted",
                options.cause
            )));
        }
        let p = design.p;
        let mut beta = vec![0.0; p];
        let mut converged = false;
        let mut iterations = 0;
        let mut warnings = Vec::new();
        let null = problem.evaluate(&beta, false).0.lik;
        for iteration in 0..=options.max_iter {
            iterations = iteration;
            let (at, _) = problem.evaluate(&beta, true);
            let largest_step = (0..p)
                .map(|k| at.score[k].abs() * beta[k].abs().max(1.0))
                .fold(0.0, f64::max);
            // a pseudo-likelihood that overflowed has not converged (the bound would be ∞)
            if at.lik.is_finite() && largest_step < at.lik.abs().max(1.0) * options.gtol {
                converged = true;
                break;
            }
            if iteration == options.max_iter {
                break;
            }
            let Some(step) = at.hessian.clone().lu().solve(&DVector::from_column_slice(&at.score)) else {
                warnings.push("the information matrix is singular; the fit stopped".to_string());
                break;
            };
            let mut step: Vec<f64> = step.iter().map(|s| -s).collect();
            let predicted: f64 = (0..p).map(|k| step[k] * at.score[k]).sum();
            let mut next: Vec<f64> = (0..p).map(|k| beta[k] + step[k]).collect();
            let mut halvings = 0;
            loop {
                let lik = problem.evaluate(&next, false).0.lik;
                if !(lik.is_nan() || lik > at.lik + 1e-4 * predicted) {
                    break;
                }
                halvings += 1;
                if halvings > 20 {
                    break;
                }
                for k in 0..p {
                    step[k] *= 0.5;
                    next[k] = beta[k] + step[k];
                }
            }
            if halvings > 20 {
                break;
            }
            beta = next;
        }
        if !converged {
            warnings.push(format!(
                "the fit did not converge (stopped after {} of at most {} iterations; crr's gtol = {}): no estimates are reported (the pseudo-likelihood may be monotone, e.g. no events of the cause on one side of a covariate)",
                iterations, options.max_iter, options.gtol
            ));
        }
        let (at, moments) = problem.evaluate(&beta, true);
        // where Newton would go next (crr minimises −ℓ: the step is −H⁻¹∇)
        let next_step: Option<Vec<f64>> = at
            .hessian
            .clone()
            .lu()
            .solve(&DVector::from_column_slice(&at.score))
            .map(|s| s.iter().map(|v| -v).collect());
        let diverging = if converged {
            problem.diverging(&design, &beta, next_step.as_deref())
        } else {
            vec![None; p]
        };
        for (k, up) in diverging.iter().enumerate() {
            if let Some(up) = up {
                warnings.push(format!(
                    "the pseudo-likelihood keeps rising as the coefficient of {} grows towards {} (monotone likelihood, e.g. no failures from cause {} on one side of it): its subdistribution hazard ratio is not estimable",
                    design.names[k],
                    if *up { "+∞" } else { "−∞" },
                    options.cause
                ));
            }
        }
        let middle = problem.score_outer(&beta, &moments);
        let variance = at.hessian.clone().try_inverse().map(|h_inv| &h_inv * middle * &h_inv);
        let z_crit = z_for_level(options.conf_level);
        let terms = (0..p)
            .map(|k| {
                // the last iterate of a fit that did not converge is no estimate
                let coef = Some(beta[k]).filter(|c| converged && c.is_finite() && diverging[k].is_none());
                let se = coef
                    .and(variance.as_ref())
                    .map(|v| v[(k, k)].sqrt())
                    .filter(|s| s.is_finite() && *s > 0.0);
                let z = coef.zip(se).map(|(c, s)| c / s);
                FineGrayTerm {
                    term: design.names[k].clone(),
                    coef,
                    se,
                    hr: coef.map(f64::exp).filter(|h| h.is_finite()),
                    lower: coef.zip(se).map(|(c, s)| (c - z_crit * s).exp()),
                    upper: coef.zip(se).map(|(c, s)| (c + z_crit * s).exp()),
                    z,
                    p_value: z.map(two_sided_p),
                    diverges_to: diverging[k].map(Divergence::towards),
                }
            })
            .collect();
        Ok(FineGray {
            cause: data.causes()[cause as usize - 1].clone(),
            n: problem.n(),
            n_events,
            n_competing: problem.code.iter().filter(|&&c| c == 2).count(),
            n_censored: problem.code.iter().filter(|&&c| c == 0).count(),
            conf_level: options.conf_level,
            terms,
            loglik: -at.lik,
            loglik_null: -null,
            iterations,
            converged,
            dropped_rows: sd.dropped.clone(),
            warnings,
        })
    }
}

fn build_problem(data: &CompetingData, design: &Design, cause: u32) -> Problem {
    let sd = data.data();
    let order = sd.order_by_time();
    let n = order.len();
    let p = design.p;
    let mut x = Vec::with_capacity(n * p);
    let mut code = Vec::with_capacity(n);
    let mut starts = Vec::new();
    for (position, &i) in order.iter().enumerate() {
        x.extend_from_slice(design.row(i));
        code.push(match data.cause_of(i) {
            0 => 0,
            k if k == cause => 1,
            _ => 2,
        });
        if position == 0 || sd.time[i] > sd.time[order[position - 1]] {
            starts.push(position);
        }
    }
    let nb = starts.len();
    let mut at_risk = vec![0.0; nb];
    let mut censored = vec![0.0; nb];
    let mut g_minus = vec![0.0; nb];
    let mut g = 1.0;
    for b in 0..nb {
        let end = if b + 1 < nb { starts[b + 1] } else { n };
        at_risk[b] = (n - starts[b]) as f64;
        censored[b] = (starts[b]..end).filter(|&i| code[i] == 0).count() as f64;
        g_minus[b] = g;
        g *= 1.0 - censored[b] / at_risk[b];
    }
    Problem {
        p,
        x,
        code,
        starts,
        g_minus,
        at_risk,
        censored,
    }
}
