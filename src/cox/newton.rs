//! Newton–Raphson maximisation of a (possibly penalised) partial likelihood.
//!
//! # Algorithm (R survival's `coxfit6.c`)
//! From β₀, repeat β ← β + I(β)⁻¹U(β). Converged when |1 − ℓ_old/ℓ_new| ≤ ε (default 1e-9)
//! and the last step was not halved. When ℓ decreases, the step is halved towards the last
//! accepted β instead. At most `max_iter` iterations (default 20).
//!
//! [`maximise_predicting`] saves the last evaluation: near the maximum ℓ is quadratic, so the
//! gain of the step Δ = I⁻¹U is ℓ(β + Δ) − ℓ(β) = U'Δ − ½Δ'IΔ = ½U'Δ up to O(|Δ|³). When that
//! predicted gain already meets R's rule, β + Δ is the point R's rule would stop at one
//! evaluation later; it is returned without evaluating ℓ there. Only small steps (every
//! |Δ_j| ≤ `max_step`) are trusted, so a coefficient running off to infinity (steps that do not
//! shrink) still takes the observed rule and R's divergence check.

use nalgebra::{DMatrix, DVector};

use super::partial::Evaluation;

/// How the iterations went.
#[derive(Debug, Clone, PartialEq)]
pub struct NewtonResult {
    pub beta: Vec<f64>,
    /// The evaluation at `beta` (with information).
    pub at_beta: Evaluation,
    /// The evaluation at the starting point.
    pub at_start: Evaluation,
    pub iterations: usize,
    pub converged: bool,
    /// Converged on the predicted gain ([`maximise_predicting`]): `beta` is one Newton step past
    /// `at_beta`'s point, and was not evaluated.
    pub predicted: bool,
}

/// Maximises `objective`, which returns ℓ, U and I at β. Coordinates listed in `fixed` keep
/// their starting values (for profile likelihoods).
pub fn maximise(
    objective: &dyn Fn(&[f64]) -> Evaluation,
    start: &[f64],
    fixed: &[usize],
    eps: f64,
    max_iter: usize,
) -> NewtonResult {
    iterate(objective, start, fixed, eps, max_iter, None)
}

/// [`maximise`], stopping one evaluation early when the predicted gain of a step no larger than
/// `max_step` in every coordinate meets the rule (see the module notes).
pub fn maximise_predicting(
    objective: &dyn Fn(&[f64]) -> Evaluation,
    start: &[f64],
    eps: f64,
    max_iter: usize,
    max_step: f64,
) -> NewtonResult {
    iterate(objective, start, &[], eps, max_iter, Some(max_step))
}

fn iterate(
    objective: &dyn Fn(&[f64]) -> Evaluation,
    start: &[f64],
    fixed: &[usize],
    eps: f64,
    max_iter: usize,
    predict_within: Option<f64>,
) -> NewtonResult {
    // the predicted gain ½U'Δ of the step from `beta` to `next` meets R's rule
    let gain_predicted = |at: &Evaluation, beta: &[f64], next: &[f64]| {
        predict_within.is_some_and(|max_step| {
            let small = beta.iter().zip(next).all(|(b, n)| (n - b).abs() <= max_step);
            let gain: f64 = at
                .score
                .iter()
                .zip(beta.iter().zip(next))
                .map(|(u, (b, n))| u * (n - b))
                .sum::<f64>()
                / 2.0;
            small && gain.abs() <= eps * at.loglik.abs()
        })
    };
    let at_start = objective(start);
    let mut beta = start.to_vec();
    let mut loglik_old = at_start.loglik;
    let mut halving = false;
    let mut last = at_start.clone();
    let mut accepted = at_start.clone();
    let mut converged = false;
    let mut iterations = 0;
    // a likelihood, score or information that is not finite at the start gives no step
    let Some(mut new_beta) = step(&beta, &at_start, fixed).filter(|_| at_start.loglik.is_finite()) else {
        return NewtonResult {
            beta,
            at_beta: at_start.clone(),
            at_start,
            iterations,
            converged,
            predicted: false,
        };
    };
    for iter in 1..=max_iter {
        iterations = iter;
        let current = objective(&new_beta);
        if !halving && (1.0 - loglik_old / current.loglik).abs() <= eps {
            last = current;
            converged = true;
            break;
        }
        let worse = current.loglik < loglik_old || !current.loglik.is_finite();
        if iter == max_iter {
            if worse {
                // out of iterations on a rejected step: report the last accepted point
                return NewtonResult {
                    beta,
                    at_beta: accepted,
                    at_start,
                    iterations,
                    converged: false,
                    predicted: false,
                };
            }
            last = current;
            break;
        }
        if worse {
            halving = true;
            for (nb, b) in new_beta.iter_mut().zip(&beta) {
                *nb = (*nb + b) / 2.0;
            }
        } else {
            halving = false;
            loglik_old = current.loglik;
            accepted = current.clone();
            beta = new_beta.clone();
            let Some(next) = step(&beta, &current, fixed) else {
                // the score or information overflowed at an accepted point: stop there
                return NewtonResult {
                    beta,
                    at_beta: current,
                    at_start,
                    iterations,
                    converged: false,
                    predicted: false,
                };
            };
            new_beta = next;
            if gain_predicted(&current, &beta, &new_beta) {
                return NewtonResult {
                    beta: new_beta,
                    at_beta: current,
                    at_start,
                    iterations,
                    converged: true,
                    predicted: true,
                };
            }
        }
        last = current;
    }
    NewtonResult {
        beta: new_beta,
        at_beta: last,
        at_start,
        iterations,
        converged,
        predicted: false,
    }
}

/// Which coefficients diverge (monotone likelihood), by R `coxph`'s rule with one change: ℓ has
/// converged, yet the next Newton step |I⁻¹U|_j still exceeds both `eps` and
/// √eps·max(1, |β_j|). R compares with √eps·|β_j| (`toler.inf`), which flags a coefficient that
/// converged near 0, where that bound falls below the leftover step of an ordinary fit (R then
/// warns "coefficient may be infinite" beside a finite estimate). A diverging coefficient's
/// step does not shrink: with ℓ ≈ c − a e^{−β} it stays near 1, far above √eps (3.2e-5 at the
/// default eps), while an ordinary fit's leftover step is O(Δ²) of the last one.
///
/// `eps` is taken as at least [`MIN_EPS`], so an over-strict convergence criterion does not
/// flag every coefficient.
pub fn diverging(result: &NewtonResult, variance: &DMatrix<f64>, eps: f64) -> Vec<bool> {
    let eps = eps.max(MIN_EPS);
    let next_step = next_step(result, variance);
    (0..result.beta.len())
        .map(|j| {
            let s = next_step[j].abs();
            s.is_finite() && s > eps && s > eps.sqrt() * result.beta[j].abs().max(1.0)
        })
        .collect()
}

/// The Newton step I⁻¹U from the fit's last evaluation, with `variance` = I⁻¹.
pub fn next_step(result: &NewtonResult, variance: &DMatrix<f64>) -> DVector<f64> {
    variance * DVector::from_column_slice(&result.at_beta.score)
}

/// The smallest convergence criterion that means anything in double precision: a relative
/// change in ℓ below this is rounding.
pub const MIN_EPS: f64 = 1e-14;

/// β + I⁻U over the free coordinates (singular directions get no step, as R's `chsolve2`);
/// `None` when the score or information is not finite.
fn step(beta: &[f64], at: &Evaluation, fixed: &[usize]) -> Option<Vec<f64>> {
    let p = beta.len();
    let free: Vec<usize> = (0..p).filter(|j| !fixed.contains(j)).collect();
    let info = DMatrix::from_fn(free.len(), free.len(), |a, b| at.information[free[a] * p + free[b]]);
    let score = DVector::from_iterator(free.len(), free.iter().map(|j| at.score[*j]));
    let delta = solve(&info, &score)?;
    let mut next = beta.to_vec();
    for (k, j) in free.iter().enumerate() {
        next[*j] += delta[k];
    }
    next.iter().all(|b| b.is_finite()).then_some(next)
}

/// Solves A x = b for a symmetric positive semi-definite A, singular directions getting 0
/// (`linalg`); `None` when A or b is not finite.
pub fn solve(a: &DMatrix<f64>, b: &DVector<f64>) -> Option<DVector<f64>> {
    crate::linalg::solve(a, b).ok()
}

/// The generalised inverse of a symmetric positive semi-definite matrix (zero rows and columns
/// where it is singular, as R's `chinv2`); `None` when A is not finite.
pub fn inverse(a: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    crate::linalg::inverse(a).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converged_at(beta: f64, score: f64, information: f64) -> NewtonResult {
        let at = Evaluation {
            loglik: -100.0,
            score: vec![score],
            information: vec![information],
        };
        NewtonResult {
            beta: vec![beta],
            at_beta: at.clone(),
            at_start: at,
            iterations: 4,
            converged: true,
            predicted: false,
        }
    }

    fn flagged(beta: f64, next_step: f64) -> bool {
        let information = 4.0;
        let result = converged_at(beta, next_step * information, information);
        diverging(&result, &DMatrix::from_element(1, 1, 1.0 / information), 1e-9)[0]
    }

    #[test]
    fn a_coefficient_converged_near_zero_is_not_diverging() {
        // R's bound √eps·|β| = 7.9e-9 here, below the leftover step 1e-8: R would warn
        assert!(!flagged(-0.00025, 1e-8));
        assert!(!flagged(0.0, 1e-7));
        assert!(!flagged(0.7, 1e-7));
    }

    #[test]
    fn a_step_that_does_not_shrink_is_diverging() {
        // the monotone case: β has run to −20 and the next step is still about 1
        assert!(flagged(-20.0, -1.0));
        assert!(flagged(15.0, 0.9));
        // above √eps·|β| for a large β
        assert!(flagged(100.0, 0.01));
        assert!(!flagged(100.0, 0.001));
    }
}
