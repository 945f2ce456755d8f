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
use crate::data::SurvData;

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    #[default]
    Efron,
    Breslow,
    Exact,
}

impl std::str::FromStr for Ties {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "efron" => Ok(Ties::Efron),
            "breslow" => Ok(Ties::Breslow),
            "exact" => Ok(Ties::Exact),
            _ => Err(format!("unknown ties method '{s}'; use efron, breslow or exact")),
        }
    }
}

impl std::fmt::Display for Ties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ties::Efron => "efron",
            Ties::Breslow => "breslow",
            Ties::Exact => "exact",
        })
    }
}

/// The rows of one stratum in the orders the backward pass needs.
#[derive(Debug, Clone)]
pub struct Stratum {
    /// Rows by exit time, latest first.
    pub by_exit: Vec<usize>,
    /// Rows by entry time, latest first (empty without delayed entry).
    pub by_entry: Vec<usize>,
    /// The rows' values laid out contiguously in `by_exit` order, for the hot loop.
    sorted: Sorted,
}

/// Exit times, events, weights and covariates in `by_exit` order; entry removals as positions
/// in that order.
#[derive(Debug, Clone, Default)]
struct Sorted {
    time: Vec<f64>,
    event: Vec<bool>,
    weight: Vec<f64>,
    x: Vec<f64>,
    entry_position: Vec<usize>,
    entry_time: Vec<f64>,
}

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
        let n_strata = data.strata.as_ref().map_or(1, |s| s.n_levels());
        let mut strata: Vec<Stratum> = (0..n_strata)
            .map(|_| Stratum {
                by_exit: Vec::new(),
                by_entry: Vec::new(),
                sorted: Sorted::default(),
            })
            .collect();
        let stratum_of = |i: usize| data.strata.as_ref().map_or(0, |s| s.codes[i] as usize);
        for i in data.order_by_time().into_iter().rev() {
            strata[stratum_of(i)].by_exit.push(i);
        }
        if let Some(entry) = &data.entry {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|a, b| entry[*b].total_cmp(&entry[*a]).then(b.cmp(a)));
            for i in order {
                strata[stratum_of(i)].by_entry.push(i);
            }
        }
        let mut position = vec![0usize; n];
        for stratum in strata.iter_mut() {
            for (k, &i) in stratum.by_exit.iter().enumerate() {
                position[i] = k;
            }
            stratum.sorted = Sorted {
                time: stratum.by_exit.iter().map(|&i| data.time[i]).collect(),
                event: stratum.by_exit.iter().map(|&i| data.event[i]).collect(),
                weight: stratum.by_exit.iter().map(|&i| data.weight_of(i)).collect(),
                x: stratum
                    .by_exit
                    .iter()
                    .flat_map(|&i| centred.row(i).iter().copied())
                    .collect(),
                entry_position: stratum.by_entry.iter().map(|&i| position[i]).collect(),
                entry_time: stratum.by_entry.iter().map(|&i| data.entry_of(i)).collect(),
            };
        }
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
        let p = self.p();
        let mut out = Evaluation {
            loglik: 0.0,
            score: vec![0.0; p],
            information: vec![0.0; p * p],
        };
        self.sweep(beta, with_information, |_, at| {
            out.loglik += at.loglik;
            for j in 0..p {
                out.score[j] += at.score[j];
            }
            if with_information {
                for (o, a) in out.information.iter_mut().zip(&at.information) {
                    *o += a;
                }
            }
        });
        mirror_upper(&mut out.information, p);
        out
    }

    /// The log-rank statistic (Mantel–Haenszel, stratified by the model's strata) comparing the
    /// two values of a model with one two-valued covariate and no weights; `None` otherwise.
    /// U = Σ (d₁ − d n₁/n), V = Σ d (n − d)/(n − 1) (n₁/n)(1 − n₁/n), χ² = U²/V.
    pub fn two_group_logrank(&self) -> Option<f64> {
        if self.p() != 1 || self.data.weight.is_some() {
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
            let in_group = |k: usize| sorted.x[k] == second;
            let (mut n, mut n1) = (0.0, 0.0);
            let (mut pos, mut entry_pos) = (0, 0);
            while pos < sorted.time.len() {
                let t = sorted.time[pos];
                let (mut d, mut d1) = (0.0, 0.0);
                while pos < sorted.time.len() && sorted.time[pos] == t {
                    n += 1.0;
                    if in_group(pos) {
                        n1 += 1.0;
                    }
                    if sorted.event[pos] {
                        d += 1.0;
                        if in_group(pos) {
                            d1 += 1.0;
                        }
                    }
                    pos += 1;
                }
                while entry_pos < sorted.entry_time.len() && sorted.entry_time[entry_pos] >= t {
                    n -= 1.0;
                    if in_group(sorted.entry_position[entry_pos]) {
                        n1 -= 1.0;
                    }
                    entry_pos += 1;
                }
                if d > 0.0 {
                    u += d1 - d * n1 / n;
                    if n > 1.0 {
                        v += d * (n - d) / (n - 1.0) * (n1 / n) * (1.0 - n1 / n);
                    }
                }
            }
        }
        (v > 0.0).then(|| u * u / v)
    }

    /// Sets per-row frequency weights (a bootstrap resample), multiplying the case weights.
    pub fn set_frequency(&mut self, frequency: Option<Vec<f64>>) {
        for stratum in self.strata.iter_mut() {
            stratum.sorted.weight = stratum
                .by_exit
                .iter()
                .map(|&i| self.data.weight_of(i) * frequency.as_ref().map_or(1.0, |f| f[i]))
                .collect();
        }
        self.frequency = frequency;
    }

    /// One backward pass with Breslow or Efron ties (exact ties are treated as Breslow here),
    /// handing each event time's contribution to ℓ, U and I (upper triangle) to `at_time`.
    pub fn sweep(&self, beta: &[f64], with_information: bool, mut at_time: impl FnMut(f64, &Evaluation)) {
        let p = self.p();
        let mut here = Evaluation {
            loglik: 0.0,
            score: vec![0.0; p],
            information: vec![0.0; if with_information { p * p } else { 0 }],
        };
        let mut sums = RiskSums::new(p, with_information);
        let mut events = RiskSums::new(p, with_information);
        let (mut eta, mut risk) = (Vec::new(), Vec::new());
        for stratum in &self.strata {
            let sorted = &stratum.sorted;
            let m = sorted.time.len();
            eta.clear();
            risk.clear();
            for k in 0..m {
                let x = &sorted.x[k * p..(k + 1) * p];
                let e: f64 = x.iter().zip(beta).map(|(x, b)| x * b).sum();
                eta.push(e);
                risk.push(sorted.weight[k] * e.exp());
            }
            sums.clear();
            let (mut pos, mut entry_pos) = (0, 0);
            while pos < m {
                let t = sorted.time[pos];
                events.clear();
                here.loglik = 0.0;
                here.score.iter_mut().for_each(|v| *v = 0.0);
                let (mut d, mut weight_sum) = (0usize, 0.0);
                while pos < m && sorted.time[pos] == t {
                    let (w, r) = (sorted.weight[pos], risk[pos]);
                    let x = &sorted.x[pos * p..(pos + 1) * p];
                    sums.add(r, x);
                    if sorted.event[pos] && w > 0.0 {
                        d += 1;
                        weight_sum += w;
                        events.add(r, x);
                        here.loglik += w * eta[pos];
                        for (u, xj) in here.score.iter_mut().zip(x) {
                            *u += w * xj;
                        }
                    }
                    pos += 1;
                }
                while entry_pos < sorted.entry_time.len() && sorted.entry_time[entry_pos] >= t {
                    let k = sorted.entry_position[entry_pos];
                    sums.add(-risk[k], &sorted.x[k * p..(k + 1) * p]);
                    entry_pos += 1;
                }
                if d == 0 {
                    continue;
                }
                here.information.iter_mut().for_each(|v| *v = 0.0);
                let steps = if self.ties == Ties::Efron { d } else { 1 };
                let mean_weight = weight_sum / steps as f64;
                for k in 0..steps {
                    let f = k as f64 / d as f64;
                    let s0 = sums.s0 - f * events.s0;
                    here.loglik -= mean_weight * s0.ln();
                    for j in 0..p {
                        let s1j = sums.s1[j] - f * events.s1[j];
                        here.score[j] -= mean_weight * s1j / s0;
                        if with_information {
                            for l in j..p {
                                let s1l = sums.s1[l] - f * events.s1[l];
                                let s2 = sums.s2[j * p + l] - f * events.s2[j * p + l];
                                here.information[j * p + l] += mean_weight * (s2 / s0 - s1j * s1l / (s0 * s0));
                            }
                        }
                    }
                }
                at_time(t, &here);
            }
        }
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

/// Running sums Σ r, Σ r x, Σ r x x' (upper triangle).
struct RiskSums {
    s0: f64,
    s1: Vec<f64>,
    s2: Vec<f64>,
    with_second: bool,
}

impl RiskSums {
    fn new(p: usize, with_second: bool) -> Self {
        RiskSums {
            s0: 0.0,
            s1: vec![0.0; p],
            s2: if with_second { vec![0.0; p * p] } else { Vec::new() },
            with_second,
        }
    }

    fn clear(&mut self) {
        self.s0 = 0.0;
        self.s1.iter_mut().for_each(|v| *v = 0.0);
        self.s2.iter_mut().for_each(|v| *v = 0.0);
    }

    fn add(&mut self, r: f64, x: &[f64]) {
        let p = x.len();
        self.s0 += r;
        for j in 0..p {
            let rx = r * x[j];
            self.s1[j] += rx;
            if self.with_second {
                for l in j..p {
                    self.s2[j * p + l] += rx * x[l];
                }
            }
        }
    }
}
