//! The exact (discrete-time, conditional logistic) partial likelihood for tied event times.
//!
//! # Formula (Kalbfleisch & Prentice 1973; R's `coxph(ties = "exact")`)
//! At an event time with risk set R and the set D of d tied events,
//! L = exp(Σ_{i∈D} η_i) / Σ_{S⊆R, |S|=d} exp(Σ_{i∈S} η_i).
//! The denominator B(m, d) over the first m members obeys the recursion of Gail, Lubin &
//! Rubinstein (1981): B(m, s) = B(m−1, s) + r_m B(m−1, s−1), with r_m = exp(η_m), and its first
//! and second derivatives follow by differentiating the recursion. Cost O(|R| d p²) per tied
//! time; a time with a single event reduces to the ordinary (Breslow) term.

use super::partial::{Evaluation, Problem, mirror_upper};

pub fn evaluate(problem: &Problem<'_>, beta: &[f64], with_information: bool) -> Evaluation {
    let data = problem.data;
    let p = problem.p();
    let eta = problem.eta(beta);
    let mut out = Evaluation {
        loglik: 0.0,
        score: vec![0.0; p],
        information: vec![0.0; p * p],
    };
    for stratum in &problem.strata {
        let rows = &stratum.by_exit;
        let mut pos = 0;
        while pos < rows.len() {
            let t = data.time[rows[pos]];
            let start = pos;
            while pos < rows.len() && data.time[rows[pos]] == t {
                pos += 1;
            }
            let deaths: Vec<usize> = rows[start..pos].iter().copied().filter(|&i| data.event[i]).collect();
            if deaths.is_empty() {
                continue;
            }
            // at risk at t: exit ≥ t (rows[..pos], latest first) and entry < t
            let risk: Vec<usize> = rows[..pos].iter().copied().filter(|&i| data.entry_of(i) < t).collect();
            for &i in &deaths {
                out.loglik += eta[i];
                for (u, x) in out.score.iter_mut().zip(problem.design.row(i)) {
                    *u += x;
                }
            }
            let (log_b, mean, second) = denominator(problem, &eta, &risk, deaths.len(), with_information);
            out.loglik -= log_b;
            for j in 0..p {
                out.score[j] -= mean[j];
                if with_information {
                    for l in j..p {
                        out.information[j * p + l] += second[j * p + l] - mean[j] * mean[l];
                    }
                }
            }
        }
    }
    mirror_upper(&mut out.information, p);
    out
}

/// log B, G/B and H/B (upper triangle) for subsets of size `d` of `risk`.
fn denominator(
    problem: &Problem<'_>,
    eta: &[f64],
    risk: &[usize],
    d: usize,
    with_second: bool,
) -> (f64, Vec<f64>, Vec<f64>) {
    let p = problem.p();
    // scale the risk scores by the largest so the sums stay in range
    let shift = risk.iter().map(|&i| eta[i]).fold(f64::NEG_INFINITY, f64::max);
    let mut b = vec![0.0; d + 1];
    let mut g = vec![0.0; (d + 1) * p];
    let mut h = vec![0.0; if with_second { (d + 1) * p * p } else { 0 }];
    b[0] = 1.0;
    for &i in risk {
        let r = (eta[i] - shift).exp();
        let x = problem.design.row(i);
        // update sizes from largest to smallest so s−1 still holds the previous member's values
        for s in (1..=d).rev() {
            let (b_prev, g_prev) = (b[s - 1], &g[(s - 1) * p..s * p].to_vec());
            if with_second {
                for j in 0..p {
                    for l in j..p {
                        let h_prev = h[(s - 1) * p * p + j * p + l];
                        h[s * p * p + j * p + l] +=
                            r * (h_prev + x[j] * g_prev[l] + g_prev[j] * x[l] + x[j] * x[l] * b_prev);
                    }
                }
            }
            for j in 0..p {
                g[s * p + j] += r * (g_prev[j] + x[j] * b_prev);
            }
            b[s] += r * b_prev;
        }
    }
    let total = b[d];
    let mean: Vec<f64> = g[d * p..(d + 1) * p].iter().map(|v| v / total).collect();
    let second: Vec<f64> = if with_second {
        h[d * p * p..(d + 1) * p * p].iter().map(|v| v / total).collect()
    } else {
        Vec::new()
    };
    (total.ln() + d as f64 * shift, mean, second)
}
