//! Treating times that differ only by floating-point noise as tied.
//!
//! # Rule (R survival's `aeqSurv`, applied by `survfit`, `survdiff` and `coxph` when `timefix = TRUE`)
//! Let y₁ < y₂ < … < y_m be the distinct finite values among all entry and exit times of the
//! data set, and ȳ = mean |y_i|. Two neighbours are tied when
//! y_{i+1} − y_i ≤ ε  or  (y_{i+1} − y_i)/ȳ ≤ ε,  with ε = √(machine epsilon) ≈ 1.49e-8.
//! Each run of tied neighbours is replaced by its smallest member, so for example
//! 1.0 and 1.0 + 1e-12 are one time, while 1.0 and 1.001 stay distinct.

/// √(f64::EPSILON), R's default `sqrt(.Machine$double.eps)`.
pub const TIME_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// Replaces, in place, every value in `columns` by the smallest member of its tie cluster.
/// Returns the number of values that changed.
pub fn timefix(columns: &mut [&mut [f64]]) -> usize {
    let mut unique: Vec<f64> = columns
        .iter()
        .flat_map(|c| c.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    unique.sort_unstable_by(f64::total_cmp);
    unique.dedup();
    if unique.len() < 2 {
        return 0;
    }
    let mean_abs = unique.iter().map(|v| v.abs()).sum::<f64>() / unique.len() as f64;
    let tied = |gap: f64| gap <= TIME_TOLERANCE || gap / mean_abs <= TIME_TOLERANCE;
    if !unique.windows(2).any(|w| tied(w[1] - w[0])) {
        return 0;
    }
    // cuts = the first member of each cluster
    let mut cuts = vec![unique[0]];
    for w in unique.windows(2) {
        if !tied(w[1] - w[0]) {
            cuts.push(w[1]);
        }
    }
    let mut changed = 0;
    for column in columns.iter_mut() {
        for v in column.iter_mut() {
            if !v.is_finite() {
                continue;
            }
            // largest cut ≤ v (R's findInterval)
            let idx = cuts.partition_point(|c| *c <= *v);
            let fixed = cuts[idx.saturating_sub(1)];
            if fixed != *v {
                *v = fixed;
                changed += 1;
            }
        }
    }
    changed
}
