//! Bootstrap confidence intervals, as R's `boot.ci` (boot 1.3) computes them.
//!
//! # Formulas (Davison & Hinkley 1997, §5.2–5.3; Efron 1987 for BCa)
//! With the R finite replicates t*, the estimate t₀ and level 1 − 2α:
//!
//! - order statistics at level a by `norm.inter`: with k = ⌊(R + 1) a⌋, t*₍ₖ₎ when (R + 1) a is
//!   whole, else interpolated on the normal scale between t*₍ₖ₎ and t*₍ₖ₊₁₎:
//!   t*₍ₖ₎ + (Φ⁻¹(a) − Φ⁻¹(k/(R+1))) / (Φ⁻¹((k+1)/(R+1)) − Φ⁻¹(k/(R+1))) (t*₍ₖ₊₁₎ − t*₍ₖ₎)
//! - percentile: (q(α), q(1 − α))
//! - basic: (2t₀ − q(1 − α), 2t₀ − q(α))
//! - normal: t₀ − bias ∓ z₁₋α SD(t*), bias = mean(t*) − t₀, SD with divisor R − 1
//! - BCa: q(Φ(w + (w + z)/(1 − a(w + z)))) at z = z_α and z₁₋α, with the bias correction
//!   w = Φ⁻¹(#{t* < t₀}/R) and the acceleration a = Σ L_i³ / (6 (Σ L_i²)^{3/2}) from the
//!   jackknife influence values L_i = (n − 1)(t₀ − t₍ᵢ₎), t₍ᵢ₎ without row i (R's
//!   `empinf(type = "jack")`; within each stratum when resampling is stratified).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::dist::normal_quantile;

/// An interval method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntervalMethod {
    /// Percentile interval: the α and 1 − α quantiles of the replicates (`boot.ci` `perc`).
    Percentile,
    /// Basic interval: the percentile limits reflected about the estimate (`boot.ci` `basic`).
    Basic,
    /// Normal interval: estimate minus bias ∓ z·SD(t*) (`boot.ci` `norm`).
    Normal,
    /// Bias-corrected and accelerated interval (Efron 1987; `boot.ci` `bca`).
    Bca,
}

impl IntervalMethod {
    /// Every method, in the order `all` lists them.
    pub const ALL: [IntervalMethod; 4] = [
        IntervalMethod::Percentile,
        IntervalMethod::Basic,
        IntervalMethod::Normal,
        IntervalMethod::Bca,
    ];

    /// Parses a comma-separated list of `percentile`, `basic`, `normal`, `bca`, or `all`;
    /// repeats are dropped.
    pub fn parse_list(s: &str) -> Result<Vec<IntervalMethod>, String> {
        if s.trim() == "all" {
            return Ok(IntervalMethod::ALL.to_vec());
        }
        let mut methods: Vec<IntervalMethod> = Vec::new();
        for m in s.split(',') {
            let m = m.trim().parse()?;
            if !methods.contains(&m) {
                methods.push(m);
            }
        }
        Ok(methods)
    }
}

impl fmt::Display for IntervalMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntervalMethod::Percentile => "percentile",
            IntervalMethod::Basic => "basic",
            IntervalMethod::Normal => "normal",
            IntervalMethod::Bca => "bca",
        })
    }
}

impl FromStr for IntervalMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "percentile" | "perc" => Ok(IntervalMethod::Percentile),
            "basic" => Ok(IntervalMethod::Basic),
            "normal" | "norm" => Ok(IntervalMethod::Normal),
            "bca" => Ok(IntervalMethod::Bca),
            _ => Err(format!(
                "unknown interval '{s}'; use percentile, basic, normal, bca or all"
            )),
        }
    }
}

/// A confidence interval; a `null` limit could not be computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// How the interval was computed.
    pub method: IntervalMethod,
    /// Lower limit; `None` when it could not be computed (fewer than 2 replicates used, or BCa
    /// whose bias correction or acceleration is undefined).
    pub lower: Option<f64>,
    /// Upper limit; `None` when it could not be computed (fewer than 2 replicates used, or BCa
    /// whose bias correction or acceleration is undefined).
    pub upper: Option<f64>,
}

/// The order statistic of the sorted finite replicates at level `a` (`norm.inter`), and
/// whether an extreme one (the first or last) had to be used.
pub fn order_statistic(sorted: &[f64], a: f64) -> (Option<f64>, bool) {
    let r = sorted.len();
    if r == 0 || !(0.0..=1.0).contains(&a) {
        return (None, true);
    }
    let rk = (r as f64 + 1.0) * a;
    let extreme = !(rk > 1.0 && rk < r as f64);
    let k = rk.trunc() as usize;
    let value = if k as f64 == rk && k >= 1 && k <= r {
        sorted[k - 1]
    } else if k == 0 {
        sorted[0]
    } else if k >= r {
        sorted[r - 1]
    } else {
        let scale = r as f64 + 1.0;
        let (z, zk, zk1) = (
            normal_quantile(a),
            normal_quantile(k as f64 / scale),
            normal_quantile((k as f64 + 1.0) / scale),
        );
        let (tk, tk1) = (sorted[k - 1], sorted[k]);
        tk + (z - zk) / (zk1 - zk) * (tk1 - tk)
    };
    (Some(value), extreme)
}

/// The numbers every interval needs.
pub struct Summary<'a> {
    /// The finite replicates, sorted.
    pub sorted: &'a [f64],
    pub estimate: f64,
    pub mean: f64,
    pub sd: f64,
    pub conf_level: f64,
}

impl Summary<'_> {
    /// The interval by `method`; `acceleration` is needed for BCa. The flag says an extreme
    /// order statistic was used (too few replicates for the level).
    pub fn interval(&self, method: IntervalMethod, acceleration: Option<f64>) -> (Interval, bool) {
        let alpha = (1.0 - self.conf_level) / 2.0;
        let at = |a: f64| order_statistic(self.sorted, a);
        let (lower, upper, extreme) = match method {
            IntervalMethod::Percentile => {
                let ((lo, e1), (hi, e2)) = (at(alpha), at(1.0 - alpha));
                (lo, hi, e1 || e2)
            }
            IntervalMethod::Basic => {
                let ((lo, e1), (hi, e2)) = (at(1.0 - alpha), at(alpha));
                let reflect = |q: Option<f64>| q.map(|q| 2.0 * self.estimate - q);
                (reflect(lo), reflect(hi), e1 || e2)
            }
            IntervalMethod::Normal => {
                let half = normal_quantile(1.0 - alpha) * self.sd;
                let centre = 2.0 * self.estimate - self.mean;
                (finite(centre - half), finite(centre + half), false)
            }
            IntervalMethod::Bca => match self.bca_levels(acceleration, alpha) {
                Some((a_lo, a_hi)) => {
                    let ((lo, e1), (hi, e2)) = (at(a_lo), at(a_hi));
                    (lo, hi, e1 || e2)
                }
                None => (None, None, false),
            },
        };
        (Interval { method, lower, upper }, extreme)
    }

    /// The bias correction w = Φ⁻¹(#{t* < t₀}/R).
    pub fn bias_correction(&self) -> f64 {
        let below = self.sorted.partition_point(|t| *t < self.estimate);
        normal_quantile(below as f64 / self.sorted.len() as f64)
    }

    fn bca_levels(&self, acceleration: Option<f64>, alpha: f64) -> Option<(f64, f64)> {
        let a = acceleration.filter(|a| a.is_finite())?;
        let w = self.bias_correction();
        if !w.is_finite() {
            return None;
        }
        let adjust = |z: f64| crate::dist::normal_cdf(w + (w + z) / (1.0 - a * (w + z)));
        Some((adjust(normal_quantile(alpha)), adjust(normal_quantile(1.0 - alpha))))
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The jackknife acceleration a = Σ L³ / (6 (Σ L²)^{3/2}) with the influence values of R's
/// `empinf(type = "jack")` (Davison & Hinkley 1997, eq. 2.44): L_i = (n_s − 1)(t₀ − t₍ᵢ₎), n_s
/// the size of row i's stratum (`stratum[i]`; one stratum when `None`). `None` when a
/// leave-one-out value is missing or all equal t₀.
pub fn acceleration(estimate: f64, jackknife: &[Option<f64>], stratum: Option<&[u32]>) -> Option<f64> {
    let values: Vec<f64> = jackknife.iter().copied().collect::<Option<Vec<f64>>>()?;
    let code = |i: usize| stratum.map_or(0, |s| s[i] as usize);
    let n_strata = (0..values.len()).map(code).max().map_or(0, |m| m + 1);
    let mut sizes = vec![0usize; n_strata];
    for i in 0..values.len() {
        sizes[code(i)] += 1;
    }
    let (mut cube, mut square) = (0.0, 0.0);
    for (i, v) in values.iter().enumerate() {
        let influence = (sizes[code(i)] as f64 - 1.0) * (estimate - v);
        cube += influence.powi(3);
        square += influence * influence;
    }
    let a = cube / (6.0 * square.powf(1.5));
    a.is_finite().then_some(a)
}
