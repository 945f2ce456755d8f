//! Design of survival trials: events needed, power, the minimum detectable hazard ratio and
//! the sample size of a fixed (single-analysis) two-arm trial; the exact operating
//! characteristics of the 3+3 dose escalation.
//!
//! The formulas follow rpact 3.3.4 (`getSampleSizeSurvival`, `getPowerSurvival` with a
//! one-stage design, `kMax = 1`), whose conventions survkit keeps:
//! - the allocation ratio r is treatment:control (rpact's `allocationRatioPlanned`; group 1 is
//!   the treatment arm and the hazard ratio is λ₁/λ₂);
//! - a two-sided test at level α puts α/2 in each tail; the events for a two-sided design
//!   count the power of one tail only (rpact's default `twoSidedPower = FALSE`), while the
//!   power of a given number of events counts both tails.

mod events;
mod sample_size;
mod three_plus_three;

pub use events::{DetectableHr, EventsNeeded, Power, detectable_hr, events_needed, power};
pub use sample_size::{Accrual, ControlHazard, SampleSize, sample_size};
pub use three_plus_three::{DoseCharacteristics, MAX_DOSES, ThreePlusThree, three_plus_three};

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What went wrong in a design calculation.
#[derive(Debug, Error, PartialEq)]
pub enum DesignError {
    /// The significance level is not in (0, 1).
    #[error("the significance level α = {0} is not in (0, 1)")]
    Alpha(f64),
    /// The power is not in (0, 1).
    #[error("the power {0} is not in (0, 1)")]
    Power(f64),
    /// The power is not above the one-tail significance level α/sides.
    #[error("the power {power} is not above the significance level {alpha} of its tail")]
    PowerBelowAlpha {
        /// The power.
        power: f64,
        /// The one-tail significance level α/sides.
        alpha: f64,
    },
    /// The hazard ratio is not positive, finite and different from 1.
    #[error("the hazard ratio {0} must be positive, finite and not 1")]
    HazardRatio(f64),
    /// The allocation ratio is not two positive numbers `a:b` (or one number).
    #[error("the allocation ratio '{0}' is not treatment:control with two positive numbers (e.g. 2:1)")]
    Ratio(String),
    /// The number of events is not positive and finite.
    #[error("the number of events {0} must be positive and finite")]
    Events(f64),
    /// A setting (accrual, follow-up, dropout, control hazard, doses) breaks its rule.
    #[error("{what} = {value} must be {rule}")]
    Setting {
        /// The setting, in words.
        what: &'static str,
        /// Its value.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
}

/// One- or two-sided test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Sided {
    /// One-sided test: α in the tail of the hazard ratio's direction.
    One,
    /// Two-sided test: α/2 in each tail.
    Two,
}

impl From<Sided> for u8 {
    fn from(s: Sided) -> u8 {
        match s {
            Sided::One => 1,
            Sided::Two => 2,
        }
    }
}

impl TryFrom<u8> for Sided {
    type Error = String;
    fn try_from(sides: u8) -> Result<Self, Self::Error> {
        match sides {
            1 => Ok(Sided::One),
            2 => Ok(Sided::Two),
            _ => Err(format!("sided must be 1 or 2, got {sides}")),
        }
    }
}

impl Sided {
    /// The number of tails, 1 or 2.
    pub(crate) fn tails(self) -> f64 {
        match self {
            Sided::One => 1.0,
            Sided::Two => 2.0,
        }
    }
}

/// How the log-rank test's non-centrality is approximated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventsMethod {
    /// Schoenfeld (1981): the log-rank statistic has mean √D √r/(1 + r) · log HR.
    #[default]
    Schoenfeld,
    /// Freedman (1982): the standardised statistic has mean √D √r (1 − HR)/(1 + r HR).
    Freedman,
}

impl FromStr for EventsMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "schoenfeld" => Ok(EventsMethod::Schoenfeld),
            "freedman" => Ok(EventsMethod::Freedman),
            _ => Err(format!("unknown method '{s}'; use schoenfeld or freedman")),
        }
    }
}

impl fmt::Display for EventsMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventsMethod::Schoenfeld => "Schoenfeld",
            EventsMethod::Freedman => "Freedman",
        })
    }
}

/// The allocation ratio treatment:control, e.g. 2:1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocation {
    treatment: f64,
    control: f64,
}

impl Allocation {
    /// An allocation with two positive finite parts.
    pub fn new(treatment: f64, control: f64) -> Result<Self, DesignError> {
        if treatment.is_finite() && control.is_finite() && treatment > 0.0 && control > 0.0 {
            Ok(Allocation { treatment, control })
        } else {
            Err(DesignError::Ratio(format!("{treatment}:{control}")))
        }
    }
    /// r = treatment / control (rpact's `allocationRatioPlanned`).
    pub fn ratio(self) -> f64 {
        self.treatment / self.control
    }
    /// The treatment arm's share r/(1 + r) of participants.
    pub fn treatment_share(self) -> f64 {
        self.treatment / (self.treatment + self.control)
    }
}

impl FromStr for Allocation {
    type Err = DesignError;
    /// `a:b`, or one number r meaning r:1.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DesignError::Ratio(s.to_string());
        let parse = |v: &str| v.trim().parse::<f64>().map_err(|_| bad());
        let (treatment, control) = match s.split_once(':') {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => (parse(s)?, 1.0),
        };
        Allocation::new(treatment, control).map_err(|_| bad())
    }
}

impl fmt::Display for Allocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.treatment, self.control)
    }
}

impl Serialize for Allocation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// The test a design plans: level, sidedness, allocation and approximation, validated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestPlan {
    method: EventsMethod,
    alpha: f64,
    sided: Sided,
    #[serde(rename = "ratio")]
    allocation: Allocation,
}

impl TestPlan {
    /// A plan at level `alpha`; fails unless α lies in (0, 1).
    pub fn new(alpha: f64, sided: Sided, allocation: Allocation, method: EventsMethod) -> Result<Self, DesignError> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(DesignError::Alpha(alpha));
        }
        Ok(TestPlan {
            alpha,
            sided,
            allocation,
            method,
        })
    }
    /// The significance level α (both tails together when two-sided).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// One- or two-sided.
    pub fn sided(&self) -> Sided {
        self.sided
    }
    /// The allocation ratio treatment:control.
    pub fn allocation(&self) -> Allocation {
        self.allocation
    }
    /// The approximation of the log-rank test's non-centrality.
    pub fn method(&self) -> EventsMethod {
        self.method
    }
    /// The significance level of one tail, α/sided.
    fn tail_alpha(&self) -> f64 {
        self.alpha / self.sided.tails()
    }
}

/// Checks a power lies in (0, 1).
fn check_power(power: f64) -> Result<(), DesignError> {
    if power > 0.0 && power < 1.0 {
        Ok(())
    } else {
        Err(DesignError::Power(power))
    }
}

/// Checks a hazard ratio is positive, finite and not 1.
fn check_hazard_ratio(hr: f64) -> Result<(), DesignError> {
    if hr.is_finite() && hr > 0.0 && hr != 1.0 {
        Ok(())
    } else {
        Err(DesignError::HazardRatio(hr))
    }
}
