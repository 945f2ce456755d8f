//! Distribution helpers used for confidence limits and p-values.
//!
//! Thin wrappers over `statrs`, tested against R's `qnorm` and `pchisq(lower.tail = FALSE)`
//! in `tests/dist.rs` so that every p-value survkit prints rests on a checked function.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// The standard normal quantile Φ⁻¹(p) (R's `qnorm(p)`).
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// The two-sided critical value z such that P(|Z| ≤ z) = `conf_level`.
///
/// # Formula
/// z = Φ⁻¹(1 − (1 − level)/2), as R's `survfit_confint` computes `zval`.
pub fn z_for_level(conf_level: f64) -> f64 {
    normal_quantile(1.0 - (1.0 - conf_level) / 2.0)
}

/// The standard normal distribution function Φ(z) (R's `pnorm(z)`).
pub fn normal_cdf(z: f64) -> f64 {
    Normal::standard().cdf(z)
}

/// The two-sided Wald p-value 2Φ(−|estimate/SE|); `None` when the SE is 0 or either is not
/// finite (no variance, or an overflow): such a comparison is no test, not p = 1 (R's formula
/// would give 0 or NaN for SE = 0; survkit reports none).
pub fn wald_p(estimate: f64, se: f64) -> Option<f64> {
    (se > 0.0 && se.is_finite() && estimate.is_finite()).then(|| two_sided_p(estimate / se))
}

/// The two-sided p-value of a standard normal statistic, 2Φ(−|z|) (R's
/// `2 * pnorm(-abs(z))`), at most 1.
pub fn two_sided_p(z: f64) -> f64 {
    (2.0 * normal_sf(z.abs())).min(1.0)
}

/// Upper tail of the standard normal, P(Z > z) (R's `pnorm(z, lower.tail = FALSE)`).
pub fn normal_sf(z: f64) -> f64 {
    Normal::standard().sf(z)
}

/// Upper tail of the chi-square distribution, P(X > x) with `df` degrees of freedom
/// (R's `pchisq(x, df, lower.tail = FALSE)`), computed directly rather than as `1 - cdf`
/// so small p-values keep their relative precision.
pub fn chisq_sf(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if df == 1.0 {
        // P(χ²₁ > x) = 2 P(Z > √x): the normal tail is more accurate than the gamma series here.
        return 2.0 * normal_sf(x.sqrt());
    }
    match ChiSquared::new(df) {
        Ok(dist) => dist.sf(x),
        Err(_) => f64::NAN,
    }
}
