//! Profile-likelihood confidence limits and likelihood-ratio tests for one coefficient.
//!
//! # Method (Venzon & Moolgavkar 1988; coxphf's profile penalised likelihood)
//! For coefficient j, the profile log-likelihood ℓ_p(b) = max ℓ(β) over β with β_j = b. The
//! 1 − α limits are the two roots of 2(ℓ̂ − ℓ_p(b)) = χ²₁(1 − α), found by stepping outwards
//! from β̂_j until the curve crosses and then by the Illinois variant of regula falsi to 1e-9.
//! A side that never crosses (monotone likelihood) has no finite limit: `None`.

/// Maximises the objective with coordinate `j` fixed at `start[j]`; returns ℓ and β.
pub type ProfileFit<'f> = dyn Fn(&[f64], usize) -> (f64, Vec<f64>) + 'f;

/// How far out (in log hazard ratio) to look for a crossing before declaring the limit infinite.
const SEARCH_LIMIT: f64 = 40.0;

/// Lower and upper profile limits for coefficient `j`.
pub fn interval(
    fit: &ProfileFit<'_>,
    beta_hat: &[f64],
    loglik_hat: f64,
    j: usize,
    scale: f64,
    critical: f64,
) -> (Option<f64>, Option<f64>) {
    let side = |direction: f64| limit(fit, beta_hat, loglik_hat, j, scale, critical, direction);
    (side(-1.0), side(1.0))
}

/// The likelihood-ratio statistic 2(ℓ̂ − ℓ_p(value)) for H₀: β_j = value.
pub fn lr_statistic(fit: &ProfileFit<'_>, beta_hat: &[f64], loglik_hat: f64, j: usize, value: f64) -> f64 {
    let mut start = beta_hat.to_vec();
    start[j] = value;
    let (loglik, _) = fit(&start, j);
    (2.0 * (loglik_hat - loglik)).max(0.0)
}

fn limit(
    fit: &ProfileFit<'_>,
    beta_hat: &[f64],
    loglik_hat: f64,
    j: usize,
    scale: f64,
    critical: f64,
    direction: f64,
) -> Option<f64> {
    let centre = beta_hat[j];
    let mut warm = beta_hat.to_vec();
    // g(b) = 2(ℓ̂ − ℓ_p(b)) − critical; g(β̂_j) = −critical < 0
    let g = |b: f64, warm: &mut Vec<f64>| -> f64 {
        let mut start = warm.clone();
        start[j] = b;
        let (loglik, beta) = fit(&start, j);
        if loglik.is_finite() {
            *warm = beta;
        }
        2.0 * (loglik_hat - loglik) - critical
    };
    // the Wald half-width, but no more than 1 on the log scale (a diverging coefficient has a huge SE)
    let mut step = if scale.is_finite() && scale > 0.0 {
        (scale * critical.sqrt()).min(1.0)
    } else {
        1.0
    };
    let (mut inside, mut g_inside) = (centre, -critical);
    let (mut outside, mut g_outside);
    loop {
        let b = centre + direction * step;
        let value = g(b, &mut warm);
        if value.is_finite() && value > 0.0 {
            outside = b;
            g_outside = value;
            break;
        }
        if value.is_finite() {
            inside = b;
            g_inside = value;
        }
        step *= 2.0;
        if step > SEARCH_LIMIT {
            return None;
        }
    }
    // Illinois regula falsi between inside (g < 0) and outside (g > 0)
    let mut last_side = 0i8;
    for _ in 0..200 {
        let b = outside - g_outside * (outside - inside) / (g_outside - g_inside);
        let value = g(b, &mut warm);
        if value.abs() < 1e-10 || (outside - inside).abs() < 1e-9 * (1.0 + b.abs()) {
            return Some(b);
        }
        if value > 0.0 {
            outside = b;
            g_outside = value;
            if last_side == 1 {
                g_inside /= 2.0;
            }
            last_side = 1;
        } else {
            inside = b;
            g_inside = value;
            if last_side == -1 {
                g_outside /= 2.0;
            }
            last_side = -1;
        }
    }
    Some((inside + outside) / 2.0)
}
