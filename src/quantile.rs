//! Quantiles of a survival curve and their confidence limits.
//!
//! # Rule (R survival's `quantile.survfit`, Brookmeyer & Crowley 1982 for the limits)
//! The p-quantile is the first time at which the curve F(t) = 1 − S(t) reaches p. When the
//! curve is flat at exactly p (within ε = √machine-epsilon), the quantile is the midpoint of
//! that flat stretch: halfway between the time F first equals p and the time it next rises
//! (or the last follow-up time, when it never rises again). The confidence limits are the
//! same rule applied to 1 − upper and 1 − lower pointwise limits of S. A quantile the curve
//! never reaches is `None`.

use std::collections::HashSet;

use crate::timefix::TIME_TOLERANCE;

/// The p-quantile of a step curve given at `time` with cumulative distribution values
/// `cdf` (1 − S, `None` where undefined), starting from (`start`, 0).
///
/// Mirrors R's `findq` (with `approx(method = "constant", f = 1)`) so ties and flat
/// stretches resolve exactly as R resolves them.
pub fn find_quantile(start: f64, time: &[f64], cdf: &[Option<f64>], p: f64) -> Option<f64> {
    let tol = TIME_TOLERANCE;
    let mut x: Vec<f64> = Vec::with_capacity(time.len() + 1);
    let mut y: Vec<Option<f64>> = Vec::with_capacity(time.len() + 1);
    x.push(start);
    y.push(Some(0.0));
    let x_max = time.last().copied().unwrap_or(start);
    // keep the first occurrence of each y value (R's `duplicated`, NA included)
    let key = |v: &Option<f64>| v.map(|v| if v == 0.0 { 0u64 } else { v.to_bits() });
    let mut seen: HashSet<Option<u64>> = HashSet::with_capacity(time.len() + 1);
    seen.insert(key(&Some(0.0)));
    for (t, v) in time.iter().zip(cdf) {
        if seen.insert(key(v)) {
            x.push(*t);
            y.push(*v);
        }
    }
    let max_y = y.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
    if max_y < p {
        return None;
    }
    if p == 0.0 {
        return Some(x[0]);
    }
    // approx(y ± tol, index, p, method = "constant", f = 1): the index of the smallest
    // shifted y that is ≥ p, or NA when p lies outside their range.
    let first_reaching = |shift: f64| -> Option<usize> {
        let mut points: Vec<(f64, usize)> = y
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (v + shift, i)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (lo, hi) = (points.first()?.0, points.last()?.0);
        if p < lo || p > hi {
            return None;
        }
        points.iter().find(|(v, _)| *v >= p).map(|(_, i)| *i)
    };
    let index1 = first_reaching(tol);
    let index2 = first_reaching(-tol);
    let last = y.len() - 1;
    if let (Some(y_last), Some(i1)) = (y[last], index1)
        && (p - y_last).abs() < tol
    {
        return Some((x[i1] + x_max) / 2.0);
    }
    match (index1, index2) {
        (Some(i1), Some(i2)) => Some((x[i1] + x[i2]) / 2.0),
        _ => None,
    }
}
