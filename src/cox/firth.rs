//! Firth's penalised partial likelihood, finite even when the ordinary likelihood is monotone.
//!
//! # Formulas (Firth 1993; Heinze & Schemper 2001; R package coxphf, Breslow ties)
//! ℓ*(β) = ℓ(β) + ½ log |I(β)|, with penalised score
//! U*_r = U_r + ½ tr(I⁻¹ ∂I/∂β_r). With Breslow ties, at an event time with D events and
//! risk-set sums S₀ … S₃ (S₃ the third moments Σ r x x x):
//!
//! ∂I_kl/∂β_r = D [S₃,klr/S₀ − (S₂,kl S₁,r + S₂,kr S₁,l + S₁,k S₂,lr)/S₀² + 2 S₁,k S₁,l S₁,r/S₀³].
//!
//! Maximised by Newton steps with the ordinary information I (as coxphf), each coordinate's step
//! capped at `MAX_STEP` and halved while ℓ* decreases, until the largest step is below 1e-10 or
//! the largest penalised score below 1e-8.

use nalgebra::{DMatrix, DVector};

use super::newton::{inverse, solve};
use super::partial::{Evaluation, Problem};

/// coxphf's `maxstep`: the largest change of any coefficient in one iteration.
const MAX_STEP: f64 = 0.5;
/// Step halvings allowed per iteration.
const MAX_HALVINGS: usize = 25;
/// Convergence: the largest coefficient change, or
const STEP_TOLERANCE: f64 = 1e-10;
/// the largest penalised score component (a nearly flat ℓ*, e.g. a single event, can keep
/// taking tiny steps; coxphf's own `gconv` is 1e-4).
const SCORE_TOLERANCE: f64 = 1e-8;

/// ℓ*, U* and I at β (Breslow ties, whatever the problem says).
pub fn penalized(problem: &Problem<'_>, beta: &[f64]) -> Evaluation {
    let data = problem.data;
    let p = problem.p();
    let eta = problem.eta(beta);
    let mut loglik = 0.0;
    let mut score = vec![0.0; p];
    let mut info = vec![0.0; p * p];
    let mut d_info = vec![0.0; p * p * p]; // ∂I_kl/∂β_r at [(k p + l) p + r]
    let (mut s1, mut s2, mut s3) = (vec![0.0; p], vec![0.0; p * p], vec![0.0; p * p * p]);
    for stratum in &problem.strata {
        let mut s0 = 0.0;
        s1.iter_mut().for_each(|v| *v = 0.0);
        s2.iter_mut().for_each(|v| *v = 0.0);
        s3.iter_mut().for_each(|v| *v = 0.0);
        let rows = &stratum.by_exit;
        let (mut pos, mut entry_pos) = (0, 0);
        while pos < rows.len() {
            let t = data.time[rows[pos]];
            let mut weight_sum = 0.0;
            while pos < rows.len() && data.time[rows[pos]] == t {
                let i = rows[pos];
                let w = problem.weight(i);
                add_moments(
                    w * eta[i].exp(),
                    problem.design.row(i),
                    &mut s0,
                    &mut s1,
                    &mut s2,
                    &mut s3,
                );
                if data.event[i] && w > 0.0 {
                    weight_sum += w;
                    loglik += w * eta[i];
                    for (u, x) in score.iter_mut().zip(problem.design.row(i)) {
                        *u += w * x;
                    }
                }
                pos += 1;
            }
            while entry_pos < stratum.by_entry.len() && data.entry_of(stratum.by_entry[entry_pos]) >= t {
                let i = stratum.by_entry[entry_pos];
                let r = -problem.weight(i) * eta[i].exp();
                add_moments(r, problem.design.row(i), &mut s0, &mut s1, &mut s2, &mut s3);
                entry_pos += 1;
            }
            if weight_sum == 0.0 {
                continue;
            }
            let dw = weight_sum;
            loglik -= dw * s0.ln();
            for k in 0..p {
                score[k] -= dw * s1[k] / s0;
                for l in 0..p {
                    info[k * p + l] += dw * (s2[k * p + l] / s0 - s1[k] * s1[l] / (s0 * s0));
                    for r in 0..p {
                        d_info[(k * p + l) * p + r] += dw
                            * (s3[(k * p + l) * p + r] / s0
                                - (s2[k * p + l] * s1[r] + s2[k * p + r] * s1[l] + s1[k] * s2[l * p + r]) / (s0 * s0)
                                + 2.0 * s1[k] * s1[l] * s1[r] / (s0 * s0 * s0));
                    }
                }
            }
        }
    }
    let info_matrix = DMatrix::from_row_slice(p, p, &info);
    let log_det = match info_matrix.clone().cholesky() {
        Some(chol) => 2.0 * chol.l().diagonal().iter().map(|v| v.ln()).sum::<f64>(),
        None => f64::NEG_INFINITY,
    };
    // an information matrix that overflowed gives no finite penalised likelihood
    let Some(info_inverse) = inverse(&info_matrix) else {
        return Evaluation {
            loglik: f64::NAN,
            score,
            information: info,
        };
    };
    for r in 0..p {
        let mut trace = 0.0;
        for k in 0..p {
            for l in 0..p {
                trace += info_inverse[(l, k)] * d_info[(k * p + l) * p + r];
            }
        }
        score[r] += 0.5 * trace;
    }
    Evaluation {
        loglik: loglik + 0.5 * log_det,
        score,
        information: info,
    }
}

fn add_moments(r: f64, x: &[f64], s0: &mut f64, s1: &mut [f64], s2: &mut [f64], s3: &mut [f64]) {
    let p = x.len();
    *s0 += r;
    for k in 0..p {
        s1[k] += r * x[k];
        for l in 0..p {
            let rkl = r * x[k] * x[l];
            s2[k * p + l] += rkl;
            for m in 0..p {
                s3[(k * p + l) * p + m] += rkl * x[m];
            }
        }
    }
}

/// The result of maximising ℓ* (optionally with some coordinates held fixed).
#[derive(Debug, Clone)]
pub struct FirthResult {
    pub beta: Vec<f64>,
    pub at_beta: Evaluation,
    pub iterations: usize,
    pub converged: bool,
}

/// Maximises ℓ* from `start`, holding the coordinates in `fixed` at their starting values.
pub fn maximise(problem: &Problem<'_>, start: &[f64], fixed: &[usize], max_iter: usize) -> FirthResult {
    let p = problem.p();
    let free: Vec<usize> = (0..p).filter(|j| !fixed.contains(j)).collect();
    let mut beta = start.to_vec();
    let mut current = penalized(problem, &beta);
    for iter in 1..=max_iter {
        let info = DMatrix::from_fn(free.len(), free.len(), |a, b| {
            current.information[free[a] * p + free[b]]
        });
        let score = DVector::from_iterator(free.len(), free.iter().map(|j| current.score[*j]));
        let Some(mut delta) = solve(&info, &score) else {
            break;
        };
        let largest = delta.amax();
        if largest > MAX_STEP {
            delta *= MAX_STEP / largest;
        }
        let mut candidate = beta.clone();
        let mut next = current.clone();
        for _ in 0..=MAX_HALVINGS {
            candidate = beta.clone();
            for (k, j) in free.iter().enumerate() {
                candidate[*j] += delta[k];
            }
            next = penalized(problem, &candidate);
            if next.loglik.is_finite() && next.loglik >= current.loglik - 1e-12 * current.loglik.abs() {
                break;
            }
            delta *= 0.5;
        }
        let moved = delta.amax();
        beta = candidate;
        current = next;
        let largest_score = free.iter().map(|j| current.score[*j].abs()).fold(0.0, f64::max);
        if moved < STEP_TOLERANCE || largest_score < SCORE_TOLERANCE {
            return FirthResult {
                beta,
                at_beta: current,
                iterations: iter,
                converged: true,
            };
        }
    }
    FirthResult {
        beta,
        at_beta: current,
        iterations: max_iter,
        converged: false,
    }
}
