//! Pointwise confidence limits for a survival probability.
//!
//! # Formulas (R survival's `survfit_confint`, with s = S(t), σ = SE(log S(t)) from Greenwood,
//! z = Φ⁻¹(1 − α/2))
//! - `plain`:   s ± z σ s, clipped to [0, 1]
//! - `log`:     exp(log s ± z σ), upper clipped to 1 (the default, as in R)
//! - `log-log`: exp(−exp(log(−log s) ∓ z σ / log s))  (Kalbfleisch & Prentice 1980)
//! - `logit`:   1 − 1/(1 + exp(logit s ± z σ/(1 − s)))
//! - `arcsin`:  sin²(arcsin √s ± ½ z σ √(s/(1 − s))), the angle kept in [0, π/2]
//!   (Borgan & Liestøl 1990)
//!
//! Where the transform is undefined (s = 0 for every type but `plain`, s = 1 for `log-log`,
//! `logit` and `arcsin`), the limit is `None`, as R gives `NA`.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The scale on which a survival confidence interval is symmetric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfType {
    /// exp(log s ± z σ), upper clipped to 1 (R's `conf.type = "log"`, the default).
    #[default]
    Log,
    /// exp(−exp(log(−log s) ∓ z σ / log s)) (R's `"log-log"`; Kalbfleisch & Prentice 1980).
    LogLog,
    /// s ± z σ s, clipped to [0, 1] (R's `"plain"`).
    Plain,
    /// 1 − 1/(1 + exp(logit s ± z σ/(1 − s))) (R's `"logit"`).
    Logit,
    /// sin²(arcsin √s ± ½ z σ √(s/(1 − s))) (R's `"arcsin"`; Borgan & Liestøl 1990).
    Arcsin,
}

impl ConfType {
    /// Every type, in the order the CLI lists them.
    pub const ALL: [ConfType; 5] = [
        ConfType::Log,
        ConfType::LogLog,
        ConfType::Plain,
        ConfType::Logit,
        ConfType::Arcsin,
    ];

    /// The name used on the command line and in JSON (`log`, `log-log`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ConfType::Log => "log",
            ConfType::LogLog => "log-log",
            ConfType::Plain => "plain",
            ConfType::Logit => "logit",
            ConfType::Arcsin => "arcsin",
        }
    }

    /// Lower and upper limits for survival `s` with standard error `se_log` of log S,
    /// at critical value `z`. Non-finite results become `None`.
    pub fn limits(self, s: f64, se_log: f64, z: f64) -> (Option<f64>, Option<f64>) {
        let (lower, upper) = match self {
            ConfType::Plain => {
                let half = se_log * s * z;
                (r_max(s - half, 0.0), r_min(s + half, 1.0))
            }
            ConfType::Log => {
                let x = if s == 0.0 { f64::NAN } else { s };
                let half = z * se_log;
                ((x.ln() - half).exp(), r_min((x.ln() + half).exp(), 1.0))
            }
            ConfType::LogLog => {
                let x = if s == 0.0 || s == 1.0 { f64::NAN } else { s };
                let half = z * se_log / x.ln();
                let center = (-x.ln()).ln();
                ((-(center - half).exp()).exp(), (-(center + half).exp()).exp())
            }
            ConfType::Logit => {
                let x = if s == 0.0 { f64::NAN } else { s };
                let half = z * se_log * (1.0 + x / (1.0 - x));
                let center = (s / (1.0 - s)).ln();
                (
                    1.0 - 1.0 / (1.0 + (center - half).exp()),
                    1.0 - 1.0 / (1.0 + (center + half).exp()),
                )
            }
            ConfType::Arcsin => {
                let x = if s == 0.0 { f64::NAN } else { s };
                let half = 0.5 * z * se_log * (x / (1.0 - x)).sqrt();
                let angle = x.sqrt().asin();
                (
                    r_max(angle - half, 0.0).sin().powi(2),
                    r_min(angle + half, std::f64::consts::FRAC_PI_2).sin().powi(2),
                )
            }
        };
        (finite(lower), finite(upper))
    }
}

/// `Some(x)` when x is finite.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// R's `pmin` for two numbers: NaN propagates (Rust's `f64::min` would drop it).
fn r_min(a: f64, b: f64) -> f64 {
    if a.is_nan() { a } else { a.min(b) }
}

/// R's `pmax` for two numbers: NaN propagates.
fn r_max(a: f64, b: f64) -> f64 {
    if a.is_nan() { a } else { a.max(b) }
}

impl fmt::Display for ConfType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ConfType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConfType::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("unknown confidence interval type '{s}'; use log, log-log, plain, logit or arcsin"))
    }
}
