//! The Cox partial log-likelihood, its score vector and information matrix.
//!
//! # Formulas
//! With risk scores r_i = w_i exp(x_i'β) and, at a distinct event time t with d events of total
//! weight D, the risk-set sums S₀ = Σ r_i, S₁ = Σ r_i x_i, S₂ = Σ r_i x_i x_i' over those at risk
//! (entry < t ≤ exit, in the same stratum) and E₀, E₁, E₂ the same sums over the d events:
//!
//! - Breslow (1974): ℓ += Σ_events w_i x_i'β − D log S₀;
//!   U += Σ_events w_i x_i − D S₁/S₀;  I += D (S₂/S₀ − S₁S₁'/S₀²).
//! - Efron (1977): for k = 0, …, d − 1 with f = k/d, S₀ₖ = S₀ − f E₀ (and likewise S₁ₖ, S₂ₖ)
//!   and mean weight m = D/d: ℓ −= m log S₀ₖ; U −= m S₁ₖ/S₀ₖ;
//!   I += m (S₂ₖ/S₀ₖ − S₁ₖS₁ₖ'/S₀ₖ²).
//!
//! As R survival's `coxfit6.c` / `agfit4.c`: one backward pass over rows sorted by exit time,
//! adding each row to the risk-set sums at its exit and removing it at its entry, so the cost
//! is O(n p²) per evaluation with no rescans of the risk set.

use super::design::Design;
pub use super::layout::Stratum;
use super::moments::{DynamicMoments, FixedMoments, LogSum, Moments};
use super::ties::Ties;
use crate::data::SurvData;
use crate::risk_set::split_by_code;

/// Everything the likelihood needs, fixed across iterations.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    pub data: &'a SurvData,
    /// Covariates centred at their means (the likelihood is unchanged; exp() stays in range).
    pub design: Design,
    pub strata: Vec<Stratum>,
    pub ties: Ties,
    /// Per-row frequency weights multiplying the case weights (the bootstrap's resamples);
    /// `None` means 1.
    pub frequency: Option<Vec<f64>>,
}

/// Receives each event time and its contribution to U and I during a [`Problem::sweep`].
pub type TimeCallback<'c> = &'c mut dyn FnMut(f64, &Evaluation);

/// ℓ(β), U(β) and I(β) (row-major p × p).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub loglik: f64,
    pub score: Vec<f64>,
    pub information: Vec<f64>,
}

impl<'a> Problem<'a> {
    pub fn new(data: &'a SurvData, design: &Design, ties: Ties) -> Problem<'a> {
        let mut centred = design.clone();
        let (n, p) = (design.n, design.p);
        for j in 0..p {
            let mean = (0..n).map(|i| design.x[i * p + j]).sum::<f64>() / n as f64;
            for i in 0..n {
                centred.x[i * p + j] -= mean;
            }
        }
        // latest time first; within a time, events before censorings (a stable partition)
        let ascending = data.order_by_time();
        let mut by_exit = Vec::with_capacity(n);
        let mut run_end = ascending.len();
        while run_end > 0 {
            let t = data.time[ascending[run_end - 1]];
            let mut run_start = run_end - 1;
            while run_start > 0 && data.time[ascending[run_start - 1]] == t {
                run_start -= 1;
            }
            let run = &ascending[run_start..run_end];
            by_exit.extend(run.iter().filter(|&&i| data.event[i]));
            by_exit.extend(run.iter().filter(|&&i| !data.event[i]));
            run_end = run_start;
        }
        let by_entry = data.entry.as_ref().map(|entry| {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|a, b| entry[*b].total_cmp(&entry[*a]).then(b.cmp(a)));
            order
        });
        let strata = match &data.strata {
            None => vec![Stratum::new(
                data,
                &centred,
                by_exit,
                by_entry.unwrap_or_default(),
                ties,
            )],
            Some(factor) => {
                let split = |rows: &[usize]| split_by_code(rows, factor.n_levels(), |i| factor.codes[i] as usize);
                let entries = by_entry
                    .as_deref()
                    .map_or_else(|| vec![Vec::new(); factor.n_levels()], split);
                split(&by_exit)
                    .into_iter()
                    .zip(entries)
                    .map(|(exits, entries)| Stratum::new(data, &centred, exits, entries, ties))
                    .collect()
            }
        };
        Problem {
            data,
            design: centred,
            strata,
            ties,
            frequency: None,
        }
    }

    pub fn p(&self) -> usize {
        self.design.p
    }

    /// The weight of row i: case weight × frequency weight.
    pub fn weight(&self, i: usize) -> f64 {
        self.data.weight_of(i) * self.frequency.as_ref().map_or(1.0, |f| f[i])
    }

    /// The linear predictor x_i'β on the centred scale.
    pub fn eta(&self, beta: &[f64]) -> Vec<f64> {
        (0..self.design.n)
            .map(|i| self.design.row(i).iter().zip(beta).map(|(x, b)| x * b).sum())
            .collect()
    }

    /// ℓ, U and (when `with_information`) I at β.
    pub fn evaluate(&self, beta: &[f64], with_information: bool) -> Evaluation {
        if self.ties == Ties::Exact {
            return super::exact::evaluate(self, beta, with_information);
        }
        self.sweep(beta, with_information, None)
    }

    /// The log-rank statistic (Mantel–Haenszel, stratified by the model's strata) comparing the
    /// two values of a model with one two-valued covariate and no weights or frequencies; `None`
    /// otherwise.
    /// U = Σ (d₁ − d n₁/n), V = Σ d (n − d)/(n − 1) (n₁/n)(1 − n₁/n), χ² = U²/V.
    pub fn two_group_logrank(&self) -> Option<f64> {
        if self.p() != 1 || self.data.weight.is_some() || self.frequency.is_some() {
            return None;
        }
        let first = self.design.x.first().copied()?;
        let second = self.design.x.iter().copied().find(|v| *v != first)?;
        if self.design.x.iter().any(|v| *v != first && *v != second) {
            return None;
        }
        let (mut u, mut v) = (0.0, 0.0);
        for stratum in &self.strata {
            let sorted = &stratum.sorted;
            let in_group = |k: usize| usize::from(sorted.x[k] == second);
            // at risk, and of them in the second group
            let (mut n, mut n1) = (0usize, 0usize);
            let mut entry_pos = 0;
            for group in &sorted.groups {
                n += group.end - group.start;
                n1 += (group.start..group.end).map(in_group).sum::<usize>();
                let t = sorted.time[group.start];
                while entry_pos < sorted.entry_time.len() && sorted.entry_time[entry_pos] >= t {
                    n -= 1;
                    n1 -= in_group(sorted.entry_position[entry_pos]);
                    entry_pos += 1;
                }
                if group.n_events > 0 {
                    let d = group.n_events as f64;
                    let d1 = (group.start..group.start + group.n_events).map(in_group).sum::<usize>() as f64;
                    let (n, n1) = (n as f64, n1 as f64);
                    u += d1 - d * n1 / n;
                    if n > 1.0 {
                        v += d * (n - d) / (n - 1.0) * (n1 / n) * (1.0 - n1 / n);
                    }
                }
            }
        }
        (v > 0.0).then(|| u * u / v)
    }

    /// Sets per-row frequencies (a bootstrap resample: row i drawn f_i times, a whole number).
    /// A row with frequency f counts as f copies of itself: its weight is multiplied by f, and
    /// under Efron's rule its event counts as f tied events (d = Σ f over a time's events), so
    /// the likelihood equals that of the data with the row repeated f times, as R's
    /// `coxph(data = data[i, ])` in a `boot` loop sees it.
    pub fn set_frequency(&mut self, frequency: Option<Vec<f64>>) {
        let (p, ties, data) = (self.p(), self.ties, self.data);
        for stratum in self.strata.iter_mut() {
            stratum.resample = frequency.as_ref().map(|f| {
                let mut resample = stratum.resample.take().unwrap_or_default();
                let by_exit = &stratum.by_exit;
                let (frequency, case_weight) = (|k: usize| f[by_exit[k]], |k: usize| data.weight_of(by_exit[k]));
                stratum
                    .sorted
                    .keep_drawn(p, ties, frequency, case_weight, &mut resample);
                resample
            });
        }
        self.frequency = frequency;
    }

    /// One backward pass with Breslow or Efron ties (exact ties are treated as Breslow here):
    /// ℓ, U and I at β. When `at_time` is given, each event time's contribution to U and I is
    /// handed to it as well (its `loglik` is not filled).
    pub fn sweep(&self, beta: &[f64], with_information: bool, at_time: Option<TimeCallback<'_>>) -> Evaluation {
        // compile the pass for the common small dimensions so its short loops unroll
        macro_rules! dispatch {
            ($($n:literal),*) => {
                match self.p() {
                    $($n => self.sweep_in::<FixedMoments<$n>>(beta, with_information, at_time),)*
                    _ => self.sweep_in::<DynamicMoments>(beta, with_information, at_time),
                }
            };
        }
        dispatch!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    }

    /// [`Problem::sweep`] with the risk-set sums kept in `M`.
    fn sweep_in<M: Moments>(
        &self,
        beta: &[f64],
        with_information: bool,
        mut at_time: Option<TimeCallback<'_>>,
    ) -> Evaluation {
        // a compile-time dimension lets the short loops below unroll
        let p = if M::DIM == 0 { self.p() } else { M::DIM };
        // U in `total.s1`, the upper triangle of I in `total.s2`
        let mut total = M::new(p, with_information);
        let mut loglik = 0.0;
        let mut log_denominators = LogSum::default();
        let mut sums = M::new(p, with_information);
        let mut events = M::new(p, with_information);
        let mut before = M::new(p, with_information);
        let (mut risk, mut pattern_risk) = (Vec::new(), Vec::new());
        for stratum in &self.strata {
            let sorted = stratum.active();
            let clamped = sorted.risk_scores(beta, p, &mut risk, &mut pattern_risk);
            // the events' own terms: U += Σ w x, ℓ += Σ w x'β (per time when reporting times)
            if at_time.is_none() {
                for j in 0..p {
                    *total.s1_mut(j) += sorted.event_x[j];
                }
                loglik += if clamped {
                    sorted.clamped_event_terms(beta, p)
                } else {
                    (0..p).map(|j| sorted.event_x[j] * beta[j]).sum::<f64>()
                };
            }
            sums.clear();
            let mut entry_pos = 0;
            for group in &sorted.groups {
                let t = sorted.time[group.start];
                events.clear();
                for k in group.start..group.start + group.n_events {
                    events.add(risk[k], &sorted.x[k * p..(k + 1) * p], p);
                }
                sums.merge(&events);
                for k in group.start + group.n_events..group.end {
                    sums.add(risk[k], &sorted.x[k * p..(k + 1) * p], p);
                }
                while entry_pos < sorted.entry_time.len() && sorted.entry_time[entry_pos] >= t {
                    let k = sorted.entry_position[entry_pos];
                    sums.add(-risk[k], &sorted.x[k * p..(k + 1) * p], p);
                    entry_pos += 1;
                }
                if group.d == 0 {
                    continue;
                }
                if at_time.is_some() {
                    before.clone_from(&total);
                    for k in group.start..group.start + group.n_events {
                        for j in 0..p {
                            let wx = sorted.weight[k] * sorted.x[k * p + j];
                            *total.s1_mut(j) += wx;
                            loglik += wx * beta[j];
                        }
                    }
                }
                let (mean_weight, per_death) = (group.mean_weight, group.per_death);
                // one division per sub-step: divisions dominate this loop otherwise
                for k in 0..group.steps {
                    let f = k as f64 * per_death;
                    let s0 = sums.s0() - f * events.s0();
                    let inverse = 1.0 / s0;
                    if mean_weight == 1.0 {
                        log_denominators.add(s0);
                    } else {
                        loglik -= mean_weight * s0.ln();
                    }
                    for j in 0..p {
                        let mean_j = (sums.s1(j) - f * events.s1(j)) * inverse;
                        *total.s1_mut(j) -= mean_weight * mean_j;
                        if with_information {
                            for l in j..p {
                                let mean_l = (sums.s1(l) - f * events.s1(l)) * inverse;
                                let s2 = sums.s2(j, l) - f * events.s2(j, l);
                                *total.s2_mut(j, l) += mean_weight * (s2 * inverse - mean_j * mean_l);
                            }
                        }
                    }
                }
                if let Some(callback) = at_time.as_mut() {
                    let (now, then) = (evaluation(&total, 0.0, p), evaluation(&before, 0.0, p));
                    let difference = Evaluation {
                        loglik: 0.0,
                        score: now.score.iter().zip(&then.score).map(|(a, b)| a - b).collect(),
                        information: now
                            .information
                            .iter()
                            .zip(&then.information)
                            .map(|(a, b)| a - b)
                            .collect(),
                    };
                    callback(t, &difference);
                }
            }
        }
        let mut result = evaluation(&total, loglik - log_denominators.value(), p);
        mirror_upper(&mut result.information, p);
        result
    }
}

/// An [`Evaluation`] from U in `m.s1` and the upper triangle of I in `m.s2` (zero when the sums
/// hold no second moments); the lower triangle is left at zero.
fn evaluation<M: Moments>(m: &M, loglik: f64, p: usize) -> Evaluation {
    let mut information = vec![0.0; p * p];
    if m.has_second() {
        for j in 0..p {
            for l in j..p {
                information[j * p + l] = m.s2(j, l);
            }
        }
    }
    Evaluation {
        loglik,
        score: (0..p).map(|j| m.s1(j)).collect(),
        information,
    }
}

/// Copies the upper triangle of a row-major p × p matrix to the lower.
pub fn mirror_upper(m: &mut [f64], p: usize) {
    for j in 0..p {
        for l in 0..j {
            m[j * p + l] = m[l * p + j];
        }
    }
}
