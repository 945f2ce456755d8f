//! The Aalen–Johansen cumulative incidence of each cause, with its standard errors.
//!
//! # Formulas
//! At each distinct exit time t_l of a group, with weighted n_l at risk, d_kl failures from
//! cause k and d_l = Σ_k d_kl (Aalen & Johansen 1978; Kalbfleisch & Prentice 1980, §8.2):
//!
//! - event-free probability S(t) = Π_{t_l ≤ t} (1 − d_l / n_l) (the all-cause Kaplan–Meier),
//! - cumulative incidence F_k(t) = Σ_{t_l ≤ t} S(t_{l−1}) d_kl / n_l.
//!
//! This is R survival's `survfit(Surv(time, factor(status)) ~ group)` for a one-state-to-
//! many-causes model (`pstate`).
//!
//! ## Standard errors
//! - `survfit` (default): the infinitesimal jackknife that R survival ≥ 3.0 uses for
//!   multi-state curves, Var F(t) = Σ_i (w_i U_i(t))², U_i = ∂F(t)/∂w_i. With
//!   dM_i(l) = dN_i(l) − Y_i(l) d_l/n_l (any cause) and dM_ik(l) the same for cause k,
//!
//!   U_i(t) = Σ_{t_l ≤ t} (S(t_{l−1}) / n_l) [dM_ik(l) − (F_k(t) − F_k(t_l)) / S(t_l) · dM_i(l)],
//!
//!   and for the event-free probability U_i(t) = −S(t) Σ_{t_l ≤ t} S(t_{l−1}) / (S(t_l) n_l) dM_i(l).
//!   U_i depends on i only through its entry, exit and cause, so the sum over i is kept as
//!   running sums in one pass over time (O(n + T) per cause), not as an n × T matrix.
//! - `cuminc`: Gray's delta-method variance of `cmprsk::cuminc` (Fortran routine `cinc`,
//!   with its correction for tied failures), unweighted and without delayed entry only.
//!
//! Pointwise limits: [`crate::conf_int`] applied to F(t) with SE(log F) = SE(F)/F, as R's
//! `survfit_confint(logse = FALSE)`; the default scale is `log`, as in `survfit`.

use serde::Serialize;

use crate::conf_int::ConfType;
use crate::risk_set::RiskTable;

/// Which variance of the cumulative incidence to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CifVariance {
    /// R survival's infinitesimal jackknife (`survfit`, multi-state).
    #[default]
    Survfit,
    /// `cmprsk::cuminc`'s delta-method variance.
    Cuminc,
}

impl CifVariance {
    /// The name used on the command line and in JSON (`survfit`, `cuminc`).
    pub fn name(self) -> &'static str {
        match self {
            CifVariance::Survfit => "survfit",
            CifVariance::Cuminc => "cuminc",
        }
    }
}

impl std::str::FromStr for CifVariance {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "survfit" => Ok(CifVariance::Survfit),
            "cuminc" => Ok(CifVariance::Cuminc),
            _ => Err(format!("unknown variance '{s}'; use survfit or cuminc")),
        }
    }
}

impl std::fmt::Display for CifVariance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Coefficients of an influence U_i(t) = Σ_{t_l ≤ t} [a_l dM_ik(l) + (c_l − target(t) e_l) dM_i(l)].
#[derive(Debug, Clone)]
pub(crate) struct IjCoefficients {
    /// The cause k of dM_ik (0: no cause-specific term).
    pub cause: usize,
    pub a: Vec<f64>,
    pub c: Vec<f64>,
    pub e: Vec<f64>,
    pub target: Vec<f64>,
}

/// One row of a group: where it enters and leaves the group's time grid, its cause, and the
/// sum of the squared case weights of the participants it stands for (U_i is the same for
/// participants with the same entry, exit and cause, so they may be merged into one row).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject {
    /// First time index at which the row is at risk.
    pub enter: usize,
    /// Time index of its exit.
    pub exit: usize,
    /// 0 censored, k ≥ 1 cause k.
    pub cause: u32,
    /// Σ w_i² over the participants of the row.
    pub squared_weight: f64,
}

/// The Aalen–Johansen estimate of one group on its grid of distinct exit times.
#[derive(Debug, Clone)]
pub(crate) struct AalenJohansen {
    pub time: Vec<f64>,
    pub n_risk: Vec<f64>,
    /// Weighted failures, time-major with stride `n_causes + 1` (index 0 unused).
    pub n_event: Vec<f64>,
    pub n_causes: usize,
    /// S(t_l), the event-free probability.
    pub survival: Vec<f64>,
    /// F_k(t_l), time-major with stride `n_causes + 1` (index 0 unused).
    pub cif: Vec<f64>,
}

impl AalenJohansen {
    /// Fits one group from a risk table built with one "group" per cause code (0 = censored).
    pub fn from_table(table: &RiskTable) -> AalenJohansen {
        let stride = table.n_groups;
        let n_causes = stride - 1;
        let len = table.len();
        let mut n_risk = Vec::with_capacity(len);
        let mut n_event = vec![0.0; len * stride];
        let mut survival = Vec::with_capacity(len);
        let mut cif = vec![0.0; len * stride];
        let mut s_prev = 1.0;
        let mut f = vec![0.0; stride];
        for l in 0..len {
            let n = RiskTable::total(&table.n_risk, stride, l);
            let mut d = 0.0;
            for k in 1..stride {
                let dk = table.n_event[l * stride + k];
                n_event[l * stride + k] = dk;
                d += dk;
                if dk > 0.0 {
                    f[k] += s_prev * (dk / n);
                }
                cif[l * stride + k] = f[k];
            }
            let s = if d > 0.0 { s_prev * (1.0 - d / n) } else { s_prev };
            n_risk.push(n);
            survival.push(s);
            s_prev = s;
        }
        AalenJohansen {
            time: table.time.clone(),
            n_risk,
            n_event,
            n_causes,
            survival,
            cif,
        }
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    fn events(&self, l: usize) -> f64 {
        let stride = self.n_causes + 1;
        self.n_event[l * stride + 1..(l + 1) * stride].iter().sum()
    }

    /// F_k at every time of the grid.
    pub fn cif_of(&self, cause: usize) -> Vec<f64> {
        let stride = self.n_causes + 1;
        (0..self.len()).map(|l| self.cif[l * stride + cause]).collect()
    }

    /// The infinitesimal-jackknife coefficients of F_k (cause ≥ 1) or, for cause 0, of S:
    /// U_i(t) = Σ_{t_l ≤ t} [a_l dM_ik(l) + (c_l − target(t) e_l) dM_i(l)].
    pub fn ij_coefficients(&self, cause: usize) -> IjCoefficients {
        let len = self.len();
        let stride = self.n_causes + 1;
        let mut coefficients = IjCoefficients {
            cause,
            a: vec![0.0; len],
            c: vec![0.0; len],
            e: vec![0.0; len],
            target: vec![0.0; len],
        };
        let mut s_prev = 1.0;
        for l in 0..len {
            let n = self.n_risk[l];
            let s = self.survival[l];
            if n > 0.0 {
                let e = if s > 0.0 { s_prev / (s * n) } else { 0.0 };
                coefficients.e[l] = e;
                if cause > 0 {
                    coefficients.a[l] = s_prev / n;
                    coefficients.c[l] = e * self.cif[l * stride + cause];
                }
            }
            coefficients.target[l] = if cause > 0 { self.cif[l * stride + cause] } else { s };
            s_prev = s;
        }
        coefficients
    }

    /// Infinitesimal-jackknife variances of F_k (cause ≥ 1) or, for cause 0, of S, at every
    /// time of the grid.
    /// `subjects` are in exit order; `by_entry` (with delayed entry) lists them in entry order.
    pub fn ij_variance(&self, subjects: &[Subject], cause: usize, by_entry: Option<&[usize]>) -> Vec<f64> {
        self.ij_sums(subjects, &self.ij_coefficients(cause), by_entry)
    }

    /// Σ_i (w_i U_i(t))² at every time of the grid, for U_i of the form of
    /// [`AalenJohansen::ij_coefficients`], in one pass over time.
    pub fn ij_sums(&self, subjects: &[Subject], coefficients: &IjCoefficients, by_entry: Option<&[usize]>) -> Vec<f64> {
        let len = self.len();
        let stride = self.n_causes + 1;
        let IjCoefficients { cause, a, c, e, target } = coefficients;
        let cause = *cause;
        // compensator increments p_l = a λ_k + c λ, q_l = e λ, cumulated
        let mut cum_p = vec![0.0; len];
        let mut cum_q = vec![0.0; len];
        let (mut p_sum, mut q_sum) = (0.0, 0.0);
        for l in 0..len {
            let n = self.n_risk[l];
            if n > 0.0 {
                let lambda = self.events(l) / n;
                if cause > 0 {
                    p_sum += a[l] * (self.n_event[l * stride + cause] / n) + c[l] * lambda;
                }
                q_sum += e[l] * lambda;
            }
            cum_p[l] = p_sum;
            cum_q[l] = q_sum;
        }
        let before = |cum: &[f64], l: usize| if l == 0 { 0.0 } else { cum[l - 1] };

        // at-risk sums of w², w² P0, w² Q0, w² P0², w² P0 Q0, w² Q0², with P0 = P(enter − 1)
        let mut at_risk = [0.0f64; 6];
        // exited sums of w² α², w² α β, w² β² with U_i(t) = α_i + β_i F(t)
        let mut exited = [0.0f64; 3];
        let (mut next_entry, mut next_exit) = (0, 0);
        let n_subjects = subjects.len();
        let entering = |k: usize| by_entry.map_or(k, |order| order[k]);
        let mut variance = Vec::with_capacity(len);
        for m in 0..len {
            while next_entry < n_subjects && subjects[entering(next_entry)].enter <= m {
                let sub = &subjects[entering(next_entry)];
                let w2 = sub.squared_weight;
                let (p0, q0) = (before(&cum_p, sub.enter), before(&cum_q, sub.enter));
                add_at_risk(&mut at_risk, w2, p0, q0, 1.0);
                next_entry += 1;
            }
            while next_exit < n_subjects && subjects[next_exit].exit <= m {
                let sub = &subjects[next_exit];
                let w2 = sub.squared_weight;
                let (p0, q0) = (before(&cum_p, sub.enter), before(&cum_q, sub.enter));
                add_at_risk(&mut at_risk, w2, p0, q0, -1.0);
                let failed = sub.cause > 0;
                let mut alpha = -(cum_p[m] - p0);
                let mut beta = cum_q[m] - q0;
                if failed {
                    if cause > 0 && sub.cause as usize == cause {
                        alpha += a[m];
                    }
                    alpha += c[m];
                    beta -= e[m];
                }
                exited[0] += w2 * alpha * alpha;
                exited[1] += w2 * alpha * beta;
                exited[2] += w2 * beta * beta;
                next_exit += 1;
            }
            let f = target[m];
            let x = -cum_p[m] + f * cum_q[m];
            let [w2, sp, sq, spp, spq, sqq] = at_risk;
            let from_exited = exited[0] + 2.0 * f * exited[1] + f * f * exited[2];
            let from_at_risk = x * x * w2 + 2.0 * x * (sp - f * sq) + (spp - 2.0 * f * spq + f * f * sqq);
            variance.push((from_exited + from_at_risk).max(0.0));
        }
        variance
    }

    /// The restricted mean time lost to cause k up to τ, ∫₀^τ F_k(t) dt, and its
    /// infinitesimal-jackknife variance Σ_i (w_i ∫₀^τ U_i(t) dt)². Integrating U_i term by term
    /// gives the same form with a_l (τ − t_l), c_l (τ − t_l) − e_l ∫_{t_l}^τ F_k and no F(t) term.
    pub fn time_lost(&self, subjects: &[Subject], cause: usize, tau: f64, by_entry: Option<&[usize]>) -> (f64, f64) {
        let base = self.ij_coefficients(cause);
        let len = self.len();
        let kept = self.time.partition_point(|&t| t <= tau);
        let mut integrated = IjCoefficients {
            cause,
            a: vec![0.0; len],
            c: vec![0.0; len],
            e: vec![0.0; len],
            target: vec![0.0; len],
        };
        let mut after = 0.0;
        for l in (0..kept).rev() {
            let next = if l + 1 < kept { self.time[l + 1] } else { tau };
            after += base.target[l] * (next - self.time[l]);
            let width = tau - self.time[l];
            integrated.a[l] = base.a[l] * width;
            integrated.c[l] = base.c[l] * width - base.e[l] * after;
        }
        let variance = self
            .ij_sums(subjects, &integrated, by_entry)
            .last()
            .copied()
            .unwrap_or(0.0);
        (after, variance)
    }

    /// `cmprsk::cuminc`'s variance of F_k at every time of the grid (unweighted counts,
    /// no delayed entry): Gray's delta method, carried forward from the last cause-k failure.
    pub fn cuminc_variance(&self, cause: usize) -> Vec<f64> {
        let stride = self.n_causes + 1;
        let (mut fk, mut f) = (1.0, 0.0);
        let (mut v1, mut v2, mut v3) = (0.0, 0.0, 0.0);
        let mut current = 0.0;
        let mut variance = Vec::with_capacity(self.len());
        for l in 0..self.len() {
            let rs = self.n_risk[l];
            let nd1 = self.n_event[l * stride + cause];
            let nd = self.events(l);
            let nd2 = nd - nd1;
            if nd > 0.0 {
                let fkn = fk * (rs - nd) / rs;
                if nd1 > 0.0 {
                    f += fk * nd1 / rs;
                }
                let tie = |count: f64| {
                    if count > 1.0 {
                        1.0 - (count - 1.0) / (rs - 1.0)
                    } else {
                        1.0
                    }
                };
                if nd2 > 0.0 && fkn > 0.0 {
                    let t6 = fk * fk * tie(nd2) * nd2 / (rs * rs);
                    let t3 = 1.0 / fkn;
                    let t4 = f / fkn;
                    v1 += t4 * t4 * t6;
                    v2 += t3 * t4 * t6;
                    v3 += t3 * t3 * t6;
                }
                if nd1 > 0.0 {
                    let t6 = fk * fk * tie(nd1) * nd1 / (rs * rs);
                    let t3 = if fkn > 0.0 { 1.0 / fkn } else { 0.0 };
                    let t4 = 1.0 + t3 * f;
                    v1 += t4 * t4 * t6;
                    v2 += t3 * t4 * t6;
                    v3 += t3 * t3 * t6;
                    current = v1 + f * f * v3 - 2.0 * f * v2;
                }
                fk = fkn;
            }
            variance.push(current);
        }
        variance
    }
}

fn add_at_risk(sums: &mut [f64; 6], w2: f64, p0: f64, q0: f64, sign: f64) {
    let w = sign * w2;
    sums[0] += w;
    sums[1] += w * p0;
    sums[2] += w * q0;
    sums[3] += w * p0 * p0;
    sums[4] += w * p0 * q0;
    sums[5] += w * q0 * q0;
}

/// Pointwise limits of a probability p with standard error `se` of p itself.
pub(crate) fn limits(conf_type: ConfType, p: f64, se: f64, z: f64) -> (Option<f64>, Option<f64>) {
    let se_log = if se == 0.0 { 0.0 } else { se / p };
    conf_type.limits(p, se_log, z)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute-force U_i(t) by perturbing each weight (central differences), to check the
    /// one-pass sums.
    fn brute_force(times: &[f64], causes: &[u32], weights: &[f64], n_causes: usize, cause: usize) -> Vec<f64> {
        let fit = |w: &[f64]| -> (Vec<f64>, Vec<f64>) {
            let mut grid: Vec<f64> = times.to_vec();
            grid.sort_by(f64::total_cmp);
            grid.dedup();
            let mut s_prev = 1.0;
            let mut f = 0.0;
            let (mut fs, mut ss) = (Vec::new(), Vec::new());
            for &t in &grid {
                let n: f64 = (0..times.len()).filter(|&i| times[i] >= t).map(|i| w[i]).sum();
                let d: f64 = (0..times.len())
                    .filter(|&i| times[i] == t && causes[i] > 0)
                    .map(|i| w[i])
                    .sum();
                let dk: f64 = (0..times.len())
                    .filter(|&i| times[i] == t && causes[i] as usize == cause)
                    .map(|i| w[i])
                    .sum();
                f += s_prev * dk / n;
                let s = s_prev * (1.0 - d / n);
                fs.push(f);
                ss.push(s);
                s_prev = s;
            }
            (fs, ss)
        };
        let _ = n_causes;
        let base = fit(weights).0;
        let mut var = vec![0.0; base.len()];
        let h = 1e-6;
        for i in 0..times.len() {
            let mut up = weights.to_vec();
            up[i] += h;
            let mut down = weights.to_vec();
            down[i] -= h;
            let (fu, fd) = (fit(&up).0, fit(&down).0);
            for m in 0..base.len() {
                let u = (fu[m] - fd[m]) / (2.0 * h);
                var[m] += (weights[i] * u).powi(2);
            }
        }
        var
    }

    #[test]
    fn one_pass_ij_matches_perturbed_weights() {
        let times = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0, 6.0, 6.0];
        let causes = [1, 2, 1, 0, 1, 2, 2, 0, 1, 1];
        let weights = [1.0, 0.5, 2.0, 1.5, 1.0, 0.7, 1.2, 1.0, 0.9, 1.1];
        let mut data = crate::data::SurvData::from_csv_bytes(
            "x",
            b"t,s\n1,1\n2,1\n2,1\n3,0\n3,1\n3,1\n4,1\n5,0\n6,1\n6,1\n",
            &crate::data::Columns::new("t", "s"),
        )
        .unwrap();
        data.weight = Some(weights.to_vec());
        let rows: Vec<usize> = (0..10).collect();
        let table = RiskTable::build(&data, &rows, 3, |i| causes[i] as usize);
        let aj = AalenJohansen::from_table(&table);
        let subjects: Vec<Subject> = (0..10)
            .map(|i| Subject {
                enter: 0,
                exit: aj.time.iter().position(|&t| t == times[i]).unwrap(),
                cause: causes[i],
                squared_weight: weights[i] * weights[i],
            })
            .collect();
        for cause in 1..=2 {
            let got = aj.ij_variance(&subjects, cause, None);
            let want = brute_force(&times, &causes, &weights, 2, cause);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-7 * w.max(1e-3), "cause {cause}: {g} vs {w}");
            }
        }
    }
}
