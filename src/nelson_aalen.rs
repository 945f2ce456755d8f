//! The Nelson–Aalen estimator of the cumulative hazard.
//!
//! # Formula (Nelson 1969, Aalen 1978; R survival's `survfit` with `ctype = 1`)
//! Λ(t) = Σ_{t_j ≤ t} d_j / n_j,  Var Λ(t) = Σ_{t_j ≤ t} d_j / n_j²,
//! with d_j the (weighted) events and n_j the (weighted) number at risk at t_j.

/// Cumulative hazard and its standard error at each time of a counts table.
pub fn nelson_aalen(n_risk: &[f64], n_event: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut hazard = 0.0;
    let mut variance = 0.0;
    let mut cumhaz = Vec::with_capacity(n_risk.len());
    let mut std_err = Vec::with_capacity(n_risk.len());
    for (&n, &d) in n_risk.iter().zip(n_event) {
        if d > 0.0 {
            hazard += d / n;
            variance += d / (n * n);
        }
        cumhaz.push(hazard);
        std_err.push(variance.sqrt());
    }
    (cumhaz, std_err)
}
