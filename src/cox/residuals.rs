//! Martingale, deviance, score and dfbeta residuals of a Cox fit.
//!
//! # Formulas (Therneau & Grambsch 2000, ch. 4; R survival's `coxscore.c`, `coxmart.c`)
//! At an event time t with d tied events, Efron's k-th sub-step (f = k/d) has hazard increment
//! h_k = m / (S₀ − f E₀) and mean x̄_k = (S₁ − f E₁)/(S₀ − f E₀) (Breslow: one step, m = D).
//! A row at risk at t that is not one of its events accrues Σ_k h_k and Σ_k h_k x̄_k; one of the
//! events accrues the same with weights (1 − f) and gains (x_i − Σ_k x̄_k / d).
//! Over a row's risk interval (entry, exit], with r_i = exp(x_i'β), H_i and C_i the accrued sums:
//!
//! - score residual: δ_i (x_i − x̄) − r_i (x_i H_i − C_i)
//! - martingale residual: δ_i − r_i H_i
//! - deviance residual: sign(M_i) √(−2 (M_i + δ_i log(δ_i − M_i)))
//! - dfbeta: the score residual times the model-based variance (times the case weight).
//!
//! Accrued sums come from prefix sums over the event times of each stratum: O(n p) in all.

use super::partial::{Problem, Stratum};

/// Per event time quantities of one stratum, in ascending time: the (Efron-adjusted) hazard
/// increment Σ_k h_k, its variance term Σ_k h_k²/m, Σ_k h_k x̄_k (row-major), the same for the
/// tied events themselves, and the mean x̄ of the sub-steps.
pub(crate) struct EventTimes {
    pub time: Vec<f64>,
    pub hazard: Vec<f64>,
    pub hazard_variance: Vec<f64>,
    pub hazard_x: Vec<f64>,
    own_hazard: Vec<f64>,
    own_hazard_x: Vec<f64>,
    mean_x: Vec<f64>,
}

/// Score residuals (row-major n × p, on the centred covariate scale, which leaves them
/// unchanged) and martingale residuals, at β (centred scale).
pub fn score_and_martingale(problem: &Problem<'_>, beta: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let data = problem.data;
    let p = problem.p();
    let n = data.n_rows();
    let eta = problem.eta(beta);
    let mut score = vec![0.0; n * p];
    let mut martingale = vec![0.0; n];
    for stratum in &problem.strata {
        let events = event_times(problem, stratum, &eta);
        let m = events.time.len();
        // prefix sums (index k = sum over the first k event times)
        let mut cum_h = vec![0.0; m + 1];
        let mut cum_c = vec![0.0; (m + 1) * p];
        for k in 0..m {
            cum_h[k + 1] = cum_h[k] + events.hazard[k];
            for j in 0..p {
                cum_c[(k + 1) * p + j] = cum_c[k * p + j] + events.hazard_x[k * p + j];
            }
        }
        for &i in &stratum.by_exit {
            let t = data.time[i];
            let hi = events.time.partition_point(|s| *s <= t);
            let lo = match &data.entry {
                Some(entry) => events.time.partition_point(|s| *s <= entry[i]),
                None => 0,
            };
            let mut h = cum_h[hi] - cum_h[lo];
            let mut c: Vec<f64> = (0..p).map(|j| cum_c[hi * p + j] - cum_c[lo * p + j]).collect();
            let x = problem.design.row(i);
            let r = eta[i].exp();
            let row = &mut score[i * p..(i + 1) * p];
            if data.event[i] && problem.weight(i) > 0.0 {
                let k = hi - 1; // t is an event time of this stratum
                h += events.own_hazard[k] - events.hazard[k];
                for j in 0..p {
                    c[j] += events.own_hazard_x[k * p + j] - events.hazard_x[k * p + j];
                    row[j] = x[j] - events.mean_x[k * p + j];
                }
                martingale[i] = 1.0;
            }
            for j in 0..p {
                row[j] -= r * (x[j] * h - c[j]);
            }
            martingale[i] -= r * h;
        }
    }
    (score, martingale)
}

/// Deviance residuals from martingale residuals.
pub fn deviance(martingale: &[f64], event: &[bool]) -> Vec<f64> {
    martingale
        .iter()
        .zip(event)
        .map(|(&m, &e)| {
            let d = if e { 1.0 } else { 0.0 };
            let inside = if e { m + d * (d - m).ln() } else { m };
            m.signum() * (-2.0 * inside).max(0.0).sqrt()
        })
        .collect()
}

pub(crate) fn event_times(problem: &Problem<'_>, stratum: &Stratum, eta: &[f64]) -> EventTimes {
    let (by_exit, by_entry) = (stratum.by_exit.as_slice(), stratum.by_entry.as_slice());
    let data = problem.data;
    let p = problem.p();
    let mut out = EventTimes {
        time: Vec::new(),
        hazard: Vec::new(),
        hazard_variance: Vec::new(),
        hazard_x: Vec::new(),
        own_hazard: Vec::new(),
        own_hazard_x: Vec::new(),
        mean_x: Vec::new(),
    };
    let (mut s0, mut s1) = (0.0, vec![0.0; p]);
    let (mut pos, mut entry_pos) = (0, 0);
    while pos < by_exit.len() {
        let t = data.time[by_exit[pos]];
        let (mut e0, mut e1, mut d, mut weight_sum) = (0.0, vec![0.0; p], 0usize, 0.0);
        while pos < by_exit.len() && data.time[by_exit[pos]] == t {
            let i = by_exit[pos];
            let w = problem.weight(i);
            let r = w * eta[i].exp();
            let x = problem.design.row(i);
            s0 += r;
            for j in 0..p {
                s1[j] += r * x[j];
            }
            if data.event[i] && w > 0.0 {
                d += 1;
                weight_sum += w;
                e0 += r;
                for j in 0..p {
                    e1[j] += r * x[j];
                }
            }
            pos += 1;
        }
        while entry_pos < by_entry.len() && data.entry_of(by_entry[entry_pos]) >= t {
            let i = by_entry[entry_pos];
            let r = problem.weight(i) * eta[i].exp();
            s0 -= r;
            for (s, x) in s1.iter_mut().zip(problem.design.row(i)) {
                *s -= r * x;
            }
            entry_pos += 1;
        }
        if d == 0 {
            continue;
        }
        let efron = problem.ties == super::Ties::Efron && d > 1;
        let steps = if efron { d } else { 1 };
        let mean_weight = weight_sum / steps as f64;
        let (mut h, mut own_h, mut h_var) = (0.0, 0.0, 0.0);
        let (mut hx, mut own_hx, mut mean) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
        for k in 0..steps {
            let f = k as f64 / d as f64;
            let denom = s0 - f * e0;
            let hazard = mean_weight / denom;
            let down = if efron { 1.0 - f } else { 1.0 };
            h += hazard;
            h_var += hazard / denom;
            own_h += hazard * down;
            for j in 0..p {
                let xbar = (s1[j] - f * e1[j]) / denom;
                hx[j] += hazard * xbar;
                own_hx[j] += hazard * down * xbar;
                mean[j] += xbar / steps as f64;
            }
        }
        out.time.push(t);
        out.hazard.push(h);
        out.hazard_variance.push(h_var);
        out.own_hazard.push(own_h);
        out.hazard_x.extend(hx);
        out.own_hazard_x.extend(own_hx);
        out.mean_x.extend(mean);
    }
    // the pass ran from the latest time back: put the event times in ascending order
    out.time.reverse();
    out.hazard.reverse();
    out.hazard_variance.reverse();
    out.own_hazard.reverse();
    let reverse_rows = |v: Vec<f64>| -> Vec<f64> { v.chunks(p.max(1)).rev().flatten().copied().collect() };
    out.hazard_x = reverse_rows(out.hazard_x);
    out.own_hazard_x = reverse_rows(out.own_hazard_x);
    out.mean_x = reverse_rows(out.mean_x);
    out
}

/// Every residual of a fit, one entry per data row (Schoenfeld: per event row).
#[derive(Debug, Clone, PartialEq)]
pub struct Residuals {
    pub terms: Vec<String>,
    pub martingale: Vec<f64>,
    pub deviance: Vec<f64>,
    /// Score residuals, row-major n × p.
    pub score: Vec<f64>,
    /// dfbeta = score residual × model-based variance, times the case weight (R's default).
    pub dfbeta: Vec<f64>,
    /// Schoenfeld residuals x_i − x̄(t_i) of event rows, by stratum then time (R's order).
    pub schoenfeld: Schoenfeld,
    /// Scaled Schoenfeld residuals: β̂ + d · V r_i, d the number of events (R's `scaledsch`).
    pub scaled_schoenfeld: Schoenfeld,
}

/// Residuals attached to event rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Schoenfeld {
    /// Row indices (into the data) of the events, in R's order.
    pub rows: Vec<usize>,
    pub time: Vec<f64>,
    /// Row-major (events × p).
    pub values: Vec<f64>,
}

/// All residuals at β (centred scale) with model-based variance `variance` (row-major p × p).
pub fn all(problem: &Problem<'_>, beta: &[f64], variance: &[f64]) -> Residuals {
    let data = problem.data;
    let p = problem.p();
    let n = data.n_rows();
    let (score, martingale) = score_and_martingale(problem, beta);
    let deviance = deviance(&martingale, &data.event);
    let mut dfbeta = vec![0.0; n * p];
    for i in 0..n {
        let w = problem.weight(i);
        for j in 0..p {
            dfbeta[i * p + j] = w * (0..p).map(|k| score[i * p + k] * variance[k * p + j]).sum::<f64>();
        }
    }
    let eta = problem.eta(beta);
    let mut schoenfeld = Schoenfeld {
        rows: Vec::new(),
        time: Vec::new(),
        values: Vec::new(),
    };
    for stratum in &problem.strata {
        let events = event_times(problem, stratum, &eta);
        // by_exit runs latest first; R lists events by time, ties in data order
        let mut rows: Vec<usize> = stratum
            .by_exit
            .iter()
            .copied()
            .filter(|&i| data.event[i] && problem.weight(i) > 0.0)
            .collect();
        rows.sort_by(|a, b| data.time[*a].total_cmp(&data.time[*b]).then(a.cmp(b)));
        for i in rows {
            let k = events.time.partition_point(|s| *s < data.time[i]);
            schoenfeld.rows.push(i);
            schoenfeld.time.push(data.time[i]);
            for (j, x) in problem.design.row(i).iter().enumerate() {
                schoenfeld.values.push(x - events.mean_x[k * p + j]);
            }
        }
    }
    let n_events = schoenfeld.rows.len() as f64;
    let mut scaled = schoenfeld.clone();
    for (e, chunk) in scaled.values.chunks_mut(p).enumerate() {
        let raw = &schoenfeld.values[e * p..(e + 1) * p];
        for j in 0..p {
            chunk[j] = beta[j] + n_events * (0..p).map(|k| raw[k] * variance[k * p + j]).sum::<f64>();
        }
    }
    Residuals {
        terms: problem.design.names.clone(),
        martingale,
        deviance,
        score,
        dfbeta,
        schoenfeld,
        scaled_schoenfeld: scaled,
    }
}
