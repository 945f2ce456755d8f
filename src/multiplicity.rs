//! p-values of several comparisons adjusted for multiplicity, as R's `p.adjust`.
//!
//! # Formulas
//! For m p-values sorted p₍₁₎ ≤ … ≤ p₍ₘ₎ (ties in any order: the results do not depend on it):
//! - Bonferroni: p̃ᵢ = min(1, m pᵢ).
//! - Holm (1979, Scand J Statist 6:65), step-down: p̃₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1) p₍ⱼ₎).
//! - Hochberg (1988, Biometrika 75:800), step-up: p̃₍ᵢ₎ = min(1, min_{j ≥ i} (m − j + 1) p₍ⱼ₎).
//!
//! A missing p-value (a comparison without a test) stays missing and does not count in m, as
//! `p.adjust`'s `n = sum(!is.na(p))`.
//!
//! The level a comparison had to pass ([`Adjustment::levels`]) is α/m for Bonferroni and the
//! critical value of its step, α/(m − i + 1) for the i-th smallest p, for Holm and Hochberg
//! (their rules also look at the other steps: Holm stops at the first p above its level,
//! Hochberg starts from the largest).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How the p-values of several comparisons are adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Adjustment {
    /// No adjustment (each p-value as it is).
    #[default]
    None,
    /// Bonferroni: m p.
    Bonferroni,
    /// Holm's step-down procedure.
    Holm,
    /// Hochberg's step-up procedure.
    Hochberg,
}

impl fmt::Display for Adjustment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Adjustment::None => "none",
            Adjustment::Bonferroni => "bonferroni",
            Adjustment::Holm => "holm",
            Adjustment::Hochberg => "hochberg",
        })
    }
}

impl FromStr for Adjustment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Adjustment::None),
            "bonferroni" => Ok(Adjustment::Bonferroni),
            "holm" => Ok(Adjustment::Holm),
            "hochberg" => Ok(Adjustment::Hochberg),
            _ => Err(format!(
                "unknown adjustment '{s}'; use holm, hochberg, bonferroni or none"
            )),
        }
    }
}

impl Adjustment {
    /// The adjusted p-values, in the order given (`p.adjust(p, method)`).
    ///
    /// ```
    /// use survkit::multiplicity::Adjustment;
    /// let p = [Some(0.01), Some(0.04), None, Some(0.03)];
    /// // R: p.adjust(c(0.01, 0.04, NA, 0.03), "holm") = 0.03 0.06 NA 0.06
    /// let holm = Adjustment::Holm.adjust(&p);
    /// assert_eq!(holm[2], None);
    /// assert!((holm[0].unwrap() - 0.03).abs() < 1e-15 && (holm[1].unwrap() - 0.06).abs() < 1e-15);
    /// ```
    pub fn adjust(self, p: &[Option<f64>]) -> Vec<Option<f64>> {
        let order = sorted_present(p);
        let m = order.len() as f64;
        let mut adjusted = vec![None; p.len()];
        let factor = |rank: usize| m - rank as f64; // m − i + 1 for the 1-based rank i = rank + 1
        match self {
            Adjustment::None => return p.to_vec(),
            Adjustment::Bonferroni => {
                for &k in &order {
                    adjusted[k] = p[k].map(|v| (m * v).min(1.0));
                }
            }
            Adjustment::Holm => {
                let mut running = 0.0_f64;
                for (rank, &k) in order.iter().enumerate() {
                    running = running.max(factor(rank) * p[k].unwrap_or(f64::NAN));
                    adjusted[k] = Some(running.min(1.0));
                }
            }
            Adjustment::Hochberg => {
                let mut running = f64::INFINITY;
                for (rank, &k) in order.iter().enumerate().rev() {
                    running = running.min(factor(rank) * p[k].unwrap_or(f64::NAN));
                    adjusted[k] = Some(running.min(1.0));
                }
            }
        }
        adjusted
    }

    /// The level each comparison's unadjusted p-value had to pass at overall level `alpha`:
    /// α for none, α/m for Bonferroni, α/(m − i + 1) for the i-th smallest p under Holm and
    /// Hochberg; missing where the p-value is.
    pub fn levels(self, p: &[Option<f64>], alpha: f64) -> Vec<Option<f64>> {
        let order = sorted_present(p);
        let m = order.len() as f64;
        let mut levels = vec![None; p.len()];
        for (rank, &k) in order.iter().enumerate() {
            levels[k] = Some(match self {
                Adjustment::None => alpha,
                Adjustment::Bonferroni => alpha / m,
                Adjustment::Holm | Adjustment::Hochberg => alpha / (m - rank as f64),
            });
        }
        levels
    }
}

/// The positions of the present p-values, smallest first (ties in order given).
fn sorted_present(p: &[Option<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&k| p[k].is_some_and(|v| !v.is_nan())).collect();
    order.sort_by(|&a, &b| p[a].unwrap_or(0.0).total_cmp(&p[b].unwrap_or(0.0)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every method against R's `p.adjust` on forty vectors (tests/reference/multiplicity.json).
    #[test]
    fn matches_p_adjust() {
        let text = std::fs::read_to_string("tests/reference/multiplicity.json").unwrap();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
        let numbers =
            |v: &serde_json::Value| -> Vec<Option<f64>> { v.as_array().unwrap().iter().map(|x| x.as_f64()).collect() };
        for (k, case) in fixture["cases"].as_array().unwrap().iter().enumerate() {
            let p = numbers(&case["p"]);
            for method in [Adjustment::Holm, Adjustment::Hochberg, Adjustment::Bonferroni] {
                let want = numbers(&case[method.to_string()]);
                let got = method.adjust(&p);
                for (g, w) in got.iter().zip(&want) {
                    let (g, w) = (g.unwrap(), w.unwrap());
                    assert!((g - w).abs() <= 1e-12 * w.max(1e-300), "case {k} {method}: {g} vs {w}");
                }
            }
            assert_eq!(Adjustment::None.adjust(&p), p);
        }
    }

    /// Three p-values by hand: sorted 0.01 < 0.02 < 0.04 (m = 3).
    /// Holm: 3·0.01 = 0.03, max(0.03, 2·0.02) = 0.04, max(0.04, 1·0.04) = 0.04.
    /// Hochberg: 0.04, min(0.04, 2·0.02) = 0.04, min(0.04, 3·0.01) = 0.03.
    /// Bonferroni: 0.03, 0.06, 0.12.
    #[test]
    fn by_hand() {
        let p = [Some(0.04), Some(0.01), Some(0.02)];
        let close = |a: Vec<Option<f64>>, b: [f64; 3]| a.iter().zip(b).all(|(x, y)| (x.unwrap() - y).abs() < 1e-15);
        assert!(close(Adjustment::Holm.adjust(&p), [0.04, 0.03, 0.04]));
        assert!(close(Adjustment::Hochberg.adjust(&p), [0.04, 0.03, 0.04]));
        assert!(close(Adjustment::Bonferroni.adjust(&p), [0.12, 0.03, 0.06]));
        let levels = Adjustment::Holm.levels(&p, 0.05);
        assert!(close(levels, [0.05, 0.05 / 3.0, 0.025]));
        assert_eq!("HOLM".parse::<Adjustment>(), Ok(Adjustment::Holm));
        assert!("sidak".parse::<Adjustment>().is_err());
    }
}
