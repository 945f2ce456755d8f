//! Group-sequential efficacy boundaries for the simulated log-rank test: interim looks at
//! information fractions of the target events, with given z boundaries, given nominal levels,
//! or boundaries computed as rpact's `getDesignGroupSequential` computes them.
//!
//! # Formulas
//! At look k (information fraction t_k = D_k/D, t_K = 1) the standardised log-rank statistic
//! Z_k (positive when the treatment arm has fewer events than expected) is asymptotically
//! N(0, 1) under the null with corr(Z_i, Z_j) = √(t_i/t_j) for t_i ≤ t_j (independent
//! increments). A one-sided design rejects at the first look with Z_k ≥ c_k, a two-sided one
//! with |Z_k| ≥ c_k. The probability of crossing by look k under the null is
//! 1 − P(L ≤ Z_1..k ≤ c), with L = −∞ (one-sided) or −c (two-sided), computed by
//! `crate::mvnorm::rectangle_probability` (deterministic nested quadrature, so at most
//! [`MAX_COMPUTED_LOOKS`] looks).
//!
//! The level: the simulation's two-sided α; a one-sided design puts α/2 in its tail (rpact's
//! `alpha = 0.025, sided = 1` for α = 0.05), a two-sided one α over both tails.
//! - O'Brien & Fleming (1979), rpact's `"OF"`: c_k = C/√t_k;
//! - Pocock (1977), rpact's `"P"`: c_k = C;
//!
//! with C such that the probability of crossing by look K is the level. Lan & DeMets (1983)
//! α-spending, rpact's `"asOF"` and `"asP"`: c_k such that the probability of crossing by look k
//! is α*(t_k), with a = α/2 the one-tail level and
//! - O'Brien–Fleming type: α*(t) = 2(1 − Φ(Φ⁻¹(1 − a/2)/√t));
//! - Pocock type: α*(t) = a log(1 + (e − 1) t);
//!
//! doubled for a two-sided design (rpact spends α/2 in each tail the same way). Each C or c_k is
//! found by bisection to 1e-12.
//!
//! The nominal level of a boundary is 1 − Φ(c_k) one-sided, 2(1 − Φ(c_k)) two-sided.

use std::fmt;
use std::str::FromStr;

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::{Distribution, SequentialOutcome, Share, SimulateError, TrialOutcome, setting};
use crate::design::Sided;
use crate::dist::{normal_quantile, normal_sf};

/// Looks at most (interims and the final analysis) with given boundaries.
pub const MAX_LOOKS: usize = 20;
/// Looks at most when the boundaries are computed: the nested quadrature of four looks inside
/// a bisection takes minutes, so four looks are refused until a faster recursion (Armitage,
/// McPherson & Rowe 1969, as rpact and gsDesign integrate) replaces it.
pub const MAX_COMPUTED_LOOKS: usize = 3;

/// Bisection steps at most (the bracket [0, 40] halves below 1e-12 in 46).
const BISECTION_STEPS: usize = 100;
/// Bisection tolerance on a boundary.
const BISECTION_TOL: f64 = 1e-12;
/// Upper end of the bracket of a boundary.
const BOUNDARY_MAX: f64 = 40.0;

/// A family of boundaries computed from the level and the information fractions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BoundaryFamily {
    /// O'Brien & Fleming (1979): c_k = C/√t_k (rpact `"OF"`).
    #[serde(rename = "of")]
    OBrienFleming,
    /// Pocock (1977): c_k = C (rpact `"P"`).
    #[serde(rename = "pocock")]
    Pocock,
    /// Lan–DeMets spending, O'Brien–Fleming type (rpact `"asOF"`).
    #[serde(rename = "asof")]
    SpendingOBrienFleming,
    /// Lan–DeMets spending, Pocock type (rpact `"asP"`).
    #[serde(rename = "asp")]
    SpendingPocock,
}

impl FromStr for BoundaryFamily {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "of" => Ok(BoundaryFamily::OBrienFleming),
            "pocock" | "p" => Ok(BoundaryFamily::Pocock),
            "asof" => Ok(BoundaryFamily::SpendingOBrienFleming),
            "asp" => Ok(BoundaryFamily::SpendingPocock),
            _ => Err(format!("unknown boundary family '{s}'; use of, pocock, asof or asp")),
        }
    }
}

impl fmt::Display for BoundaryFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BoundaryFamily::OBrienFleming => "O'Brien-Fleming",
            BoundaryFamily::Pocock => "Pocock",
            BoundaryFamily::SpendingOBrienFleming => "Lan-DeMets O'Brien-Fleming spending",
            BoundaryFamily::SpendingPocock => "Lan-DeMets Pocock spending",
        })
    }
}

/// How the efficacy boundaries are given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boundaries {
    /// A z boundary per look (interims, then the final analysis).
    Z(Vec<f64>),
    /// A nominal level per look (one-tail for a one-sided design, both tails for two-sided).
    Nominal(Vec<f64>),
    /// Computed from a family.
    Family(BoundaryFamily),
}

impl FromStr for Boundaries {
    type Err = String;
    /// `z:c1,c2,...`, `nominal:a1,a2,...` or a family (`of`, `pocock`, `asof`, `asp`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let numbers = |list: &str| {
            list.split(',')
                .map(|v| v.trim().parse::<f64>().map_err(|_| format!("'{v}' is not a number")))
                .collect::<Result<Vec<f64>, String>>()
        };
        match s.split_once(':') {
            Some((kind, list)) if kind.eq_ignore_ascii_case("z") => numbers(list).map(Boundaries::Z),
            Some((kind, list)) if kind.eq_ignore_ascii_case("nominal") => numbers(list).map(Boundaries::Nominal),
            Some((kind, _)) => Err(format!(
                "unknown boundaries '{kind}:'; use z:C1,C2,... or nominal:A1,A2,..."
            )),
            None => s.parse::<BoundaryFamily>().map(Boundaries::Family),
        }
    }
}

impl fmt::Display for Boundaries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[f64]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
        match self {
            Boundaries::Z(z) => write!(f, "z:{}", list(z)),
            Boundaries::Nominal(levels) => write!(f, "nominal:{}", list(levels)),
            Boundaries::Family(family) => write!(f, "{family}"),
        }
    }
}

/// A validated group-sequential log-rank test: information fractions and efficacy boundaries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSequential {
    fractions: Vec<f64>,
    boundaries: Vec<f64>,
    sided: Sided,
    alpha: f64,
    given: Boundaries,
}

impl GroupSequential {
    /// Looks at the `interims` fractions (increasing, in (0, 1)) of the target events and at
    /// the target itself, with `boundaries` for every look, `sided` one-sided (efficacy of the
    /// treatment only) or two-sided, at the two-sided level `alpha` (see the module's
    /// formulas). Computed boundaries allow at most [`MAX_COMPUTED_LOOKS`] looks, given ones
    /// [`MAX_LOOKS`].
    pub fn new(interims: &[f64], boundaries: Boundaries, sided: Sided, alpha: f64) -> Result<Self, SimulateError> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(setting("the significance level", alpha, "in (0, 1)"));
        }
        let looks = interims.len() + 1;
        if looks > MAX_LOOKS {
            return Err(setting("the number of looks", looks as f64, "at most 20"));
        }
        let mut previous = 0.0;
        for t in interims {
            if !(t.is_finite() && *t > previous && *t < 1.0) {
                return Err(setting(
                    "an interim information fraction",
                    *t,
                    "increasing and strictly between 0 and 1",
                ));
            }
            previous = *t;
        }
        let fractions: Vec<f64> = interims.iter().copied().chain([1.0]).collect();
        let tails = sided.tails();
        let values = match &boundaries {
            Boundaries::Z(z) | Boundaries::Nominal(z) if z.len() != looks => {
                return Err(setting(
                    "the number of boundaries",
                    z.len() as f64,
                    "one per look (the interims and the final analysis)",
                ));
            }
            Boundaries::Z(z) => {
                if let Some(c) = z.iter().find(|c| !(c.is_finite() && **c > 0.0)) {
                    return Err(setting("a z boundary", *c, "positive and finite"));
                }
                z.clone()
            }
            Boundaries::Nominal(levels) => {
                if let Some(l) = levels.iter().find(|l| !(**l > 0.0 && **l < 1.0)) {
                    return Err(setting("a nominal level", *l, "in (0, 1)"));
                }
                levels.iter().map(|l| normal_quantile(1.0 - l / tails)).collect()
            }
            Boundaries::Family(family) => {
                if looks > MAX_COMPUTED_LOOKS {
                    return Err(setting(
                        "the number of looks with computed boundaries",
                        looks as f64,
                        "at most 3",
                    ));
                }
                compute(*family, &fractions, sided, alpha)
                    .ok_or_else(|| setting("the level", alpha, "one the boundaries can be solved for"))?
            }
        };
        Ok(GroupSequential {
            fractions,
            boundaries: values,
            sided,
            alpha,
            given: boundaries,
        })
    }

    /// The information fractions of the looks, the last 1.
    pub fn fractions(&self) -> &[f64] {
        &self.fractions
    }

    /// The z boundary of each look.
    pub fn boundaries(&self) -> &[f64] {
        &self.boundaries
    }

    /// One- or two-sided.
    pub fn sided(&self) -> Sided {
        self.sided
    }

    /// The two-sided level the boundaries were computed at.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// How the boundaries were given.
    pub fn given(&self) -> &Boundaries {
        &self.given
    }

    /// The nominal level of each look's boundary: 1 − Φ(c) one-sided, 2(1 − Φ(c)) two-sided.
    pub fn nominal_levels(&self) -> Vec<f64> {
        self.boundaries
            .iter()
            .map(|c| self.sided.tails() * normal_sf(*c))
            .collect()
    }

    /// The probability under the null of crossing by each look (`None` above
    /// [`MAX_COMPUTED_LOOKS`] looks).
    pub fn cumulative_null_crossing(&self) -> Option<Vec<f64>> {
        if self.fractions.len() > MAX_COMPUTED_LOOKS {
            return None;
        }
        (1..=self.fractions.len())
            .map(|k| crossing(&self.fractions[..k], &self.boundaries[..k], self.sided))
            .collect()
    }

    /// Whether look `look` (0-based) rejects with statistic `z` (positive favours the treatment).
    pub(crate) fn rejects(&self, look: usize, z: f64) -> bool {
        let Some(c) = self.boundaries.get(look) else {
            return false;
        };
        match self.sided {
            Sided::One => z >= *c,
            Sided::Two => z.abs() >= *c,
        }
    }

    /// The target events of each look for a final target of `events`: round(t_k D), the last
    /// D; `None` unless they increase from at least 1.
    pub(crate) fn look_events(&self, events: usize) -> Option<Vec<usize>> {
        let targets: Vec<usize> = self
            .fractions
            .iter()
            .map(|t| (t * events as f64).round() as usize)
            .collect();
        let increasing = targets.windows(2).all(|w| w[0] < w[1]);
        (increasing && targets.first().is_some_and(|d| *d >= 1)).then_some(targets)
    }
}

/// One look of the group-sequential test over the simulated trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LookSummary {
    /// The look, 1-based.
    pub look: usize,
    /// Its information fraction t_k.
    pub fraction: f64,
    /// Its target events, round(t_k D).
    pub target_events: usize,
    /// Its z boundary c_k.
    pub boundary: f64,
    /// The boundary's nominal level.
    pub nominal_level: f64,
    /// The probability under the null of crossing by this look (the α spent so far; `None`
    /// above [`MAX_COMPUTED_LOOKS`] looks).
    pub cumulative_null_crossing: Option<f64>,
    /// Trials that stopped for efficacy at this look.
    pub stop: Share,
}

/// The group-sequential log-rank test over the simulated trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequentialSummary {
    /// One- or two-sided.
    pub sided: Sided,
    /// The two-sided level the boundaries were computed at.
    pub alpha: f64,
    /// How the boundaries were given.
    pub boundaries: Boundaries,
    /// Each look.
    pub looks: Vec<LookSummary>,
    /// Trials the test rejected at some look: power, or type I error under the null.
    pub reject: Share,
    /// Trials stopped at an interim look.
    pub early_stop: Share,
    /// Mean events at the look where the trial stopped (the last look if none crossed).
    pub expected_events: f64,
    /// Mean calendar time of that look: the expected study duration.
    pub expected_duration: f64,
    /// Distribution of the events at stopping.
    pub events: Option<Distribution>,
    /// Distribution of the study duration.
    pub duration: Option<Distribution>,
}

impl SequentialSummary {
    /// The summary of `outcomes` (trials without a sequential outcome are left out of the
    /// looks and expectations but count in the shares' denominators).
    pub(crate) fn of(gs: &GroupSequential, target: usize, outcomes: &[TrialOutcome]) -> SequentialSummary {
        let r = outcomes.len();
        let courses: Vec<&SequentialOutcome> = outcomes.iter().filter_map(|o| o.sequential.as_ref()).collect();
        let targets = gs.look_events(target).unwrap_or_default();
        let crossing = gs.cumulative_null_crossing();
        let levels = gs.nominal_levels();
        let looks = (0..gs.fractions.len())
            .map(|k| LookSummary {
                look: k + 1,
                fraction: gs.fractions[k],
                target_events: targets.get(k).copied().unwrap_or(0),
                boundary: gs.boundaries[k],
                nominal_level: levels[k],
                cumulative_null_crossing: crossing.as_ref().map(|c| c[k]),
                stop: Share::of(courses.iter().filter(|c| c.efficacy && c.stage == k + 1).count(), r),
            })
            .collect();
        let last = gs.fractions.len();
        let events = Distribution::of(courses.iter().map(|c| c.events as f64).collect());
        let duration = Distribution::of(courses.iter().map(|c| c.analysis_time).collect());
        SequentialSummary {
            sided: gs.sided,
            alpha: gs.alpha,
            boundaries: gs.given.clone(),
            looks,
            reject: Share::of(courses.iter().filter(|c| c.efficacy).count(), r),
            early_stop: Share::of(courses.iter().filter(|c| c.stage < last).count(), r),
            expected_events: events.map_or(f64::NAN, |d| d.mean),
            expected_duration: duration.map_or(f64::NAN, |d| d.mean),
            events,
            duration,
        }
    }
}

/// The probability under the null of crossing some boundary at the given looks.
fn crossing(fractions: &[f64], boundaries: &[f64], sided: Sided) -> Option<f64> {
    let m = fractions.len();
    let corr = DMatrix::from_fn(m, m, |i, j| {
        let (a, b) = (fractions[i.min(j)], fractions[i.max(j)]);
        (a / b).sqrt()
    });
    let lower: Vec<f64> = match sided {
        Sided::One => vec![f64::NEG_INFINITY; m],
        Sided::Two => boundaries.iter().map(|c| -c).collect(),
    };
    let inside = crate::mvnorm::rectangle_probability(&lower, boundaries, &corr, 1e-10, 0)?;
    Some(1.0 - inside.value)
}

/// The boundaries of a family (see the module's formulas); `None` when a root is not
/// bracketed.
fn compute(family: BoundaryFamily, fractions: &[f64], sided: Sided, alpha: f64) -> Option<Vec<f64>> {
    let tail = alpha / 2.0;
    let level = match sided {
        Sided::One => tail,
        Sided::Two => alpha,
    };
    match family {
        BoundaryFamily::OBrienFleming | BoundaryFamily::Pocock => {
            let shape: Vec<f64> = fractions
                .iter()
                .map(|t| match family {
                    BoundaryFamily::OBrienFleming => 1.0 / t.sqrt(),
                    _ => 1.0,
                })
                .collect();
            let scaled = |c: f64| shape.iter().map(|s| c * s).collect::<Vec<f64>>();
            let c = bisect(|c| crossing(fractions, &scaled(c), sided).map(|p| p - level))?;
            Some(scaled(c))
        }
        BoundaryFamily::SpendingOBrienFleming | BoundaryFamily::SpendingPocock => {
            let spent = |t: f64| {
                let one_tail = match family {
                    BoundaryFamily::SpendingOBrienFleming => {
                        2.0 * normal_sf(normal_quantile(1.0 - tail / 2.0) / t.sqrt())
                    }
                    _ => tail * (1.0 + (std::f64::consts::E - 1.0) * t).ln(),
                };
                one_tail * sided.tails()
            };
            let mut boundaries: Vec<f64> = Vec::with_capacity(fractions.len());
            for k in 0..fractions.len() {
                let target = spent(fractions[k]);
                let c = bisect(|c| {
                    let mut trial = boundaries.clone();
                    trial.push(c);
                    crossing(&fractions[..=k], &trial, sided).map(|p| p - target)
                })?;
                boundaries.push(c);
            }
            Some(boundaries)
        }
    }
}

/// The root in (0, [`BOUNDARY_MAX`]) of a decreasing function, by bisection.
fn bisect(f: impl Fn(f64) -> Option<f64>) -> Option<f64> {
    let (mut lo, mut hi) = (0.0, BOUNDARY_MAX);
    if !(f(lo)? > 0.0 && f(hi)? < 0.0) {
        return None;
    }
    for _ in 0..BISECTION_STEPS {
        let mid = 0.5 * (lo + hi);
        if f(mid)? > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < BISECTION_TOL {
            break;
        }
    }
    Some(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One look is a fixed design: the boundary is z_{1−α/2} (one-sided at α/2) or z_{1−α/2}
    /// (two-sided at α), whatever the family.
    #[test]
    fn one_look_is_the_fixed_design() {
        for family in [BoundaryFamily::OBrienFleming, BoundaryFamily::SpendingPocock] {
            for sided in [Sided::One, Sided::Two] {
                let gs = GroupSequential::new(&[], Boundaries::Family(family), sided, 0.05).unwrap();
                assert!(
                    (gs.boundaries()[0] - 1.959963984540054).abs() < 1e-8,
                    "{family} {sided:?}"
                );
            }
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        let z = |v: Vec<f64>| Boundaries::Z(v);
        assert!(GroupSequential::new(&[0.5], z(vec![2.0]), Sided::One, 0.05).is_err());
        assert!(GroupSequential::new(&[0.5, 0.5], z(vec![2.0; 3]), Sided::One, 0.05).is_err());
        assert!(GroupSequential::new(&[1.0], z(vec![2.0; 2]), Sided::One, 0.05).is_err());
        assert!(GroupSequential::new(&[0.5], z(vec![2.0, f64::NAN]), Sided::One, 0.05).is_err());
        let five = [0.25, 0.5, 0.75];
        let family = Boundaries::Family(BoundaryFamily::Pocock);
        assert!(GroupSequential::new(&five, family, Sided::One, 0.05).is_err());
        let nominal = GroupSequential::new(&[0.5], Boundaries::Nominal(vec![0.025; 2]), Sided::One, 0.05).unwrap();
        assert!((nominal.boundaries()[0] - 1.959963984540054).abs() < 1e-9);
        assert_eq!(nominal.look_events(1), None);
        assert_eq!(nominal.look_events(10), Some(vec![5, 10]));
    }
}
