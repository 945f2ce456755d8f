//! Events needed, power at a number of events, and the minimum detectable hazard ratio of a
//! two-arm log-rank comparison.
//!
//! # Formulas
//! With allocation r = treatment:control, hazard ratio HR (treatment vs control), D events and
//! the drift per √event
//! - Schoenfeld (1981): θ = √r/(1 + r) · |log HR|
//! - Freedman (1982): θ = √r · |1 − HR|/(1 + r HR)
//!
//! the events needed for power 1 − β at one-tail level α/s (s = 1 or 2 sides) are
//! D = (z_{α/s} + z_β)² / θ² (rpact's `.getEventsFixed`, `eventsFixed`), with z_p = Φ⁻¹(1 − p).
//! The power of D events is Φ(θ√D − z_{α/s}) one-sided, in the direction of the hazard ratio
//! (rpact's `directionUpper = HR > 1`), and Φ(θ√D − z_{α/2}) + Φ(−θ√D − z_{α/2}) two-sided
//! (rpact's `overallReject` of a one-stage design). The minimum detectable hazard ratio below 1
//! at D events inverts the events formula: θ = (z_{α/s} + z_β)/√D, so
//! HR = exp(−θ (1 + r)/√r) (Schoenfeld) or HR = (√r − θ)/(√r + r θ) (Freedman); with z_β = 0
//! it is the critical hazard ratio, the estimate that would just reach significance.

use serde::Serialize;

use super::{DesignError, EventsMethod, Sided, TestPlan, check_hazard_ratio, check_power};
use crate::dist::{normal_cdf, normal_quantile};

/// z_p = Φ⁻¹(1 − p), computed as −Φ⁻¹(p) to keep small p accurate.
fn upper_z(p: f64) -> f64 {
    -normal_quantile(p)
}

/// θ, the drift of the standardised log-rank statistic per √event.
fn drift(plan: &TestPlan, hr: f64) -> f64 {
    let r = plan.allocation.ratio();
    match plan.method {
        EventsMethod::Schoenfeld => r.sqrt() / (1.0 + r) * hr.ln().abs(),
        EventsMethod::Freedman => r.sqrt() * (1.0 - hr).abs() / (1.0 + r * hr),
    }
}

/// The power 1 − β must exceed the one-tail level for the formulas to make sense.
fn check_power_above_alpha(plan: &TestPlan, power: f64) -> Result<(), DesignError> {
    check_power(power)?;
    if power <= plan.tail_alpha() {
        return Err(DesignError::PowerBelowAlpha {
            power,
            alpha: plan.tail_alpha(),
        });
    }
    Ok(())
}

/// Events needed for a hazard ratio at a power.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventsNeeded {
    /// Unrounded, as rpact's `eventsFixed`.
    pub events: f64,
    /// The events rounded up.
    pub events_ceiling: u64,
    /// The hazard ratio to detect, treatment vs control.
    pub hr: f64,
    /// The power asked for, 1 − β.
    pub power: f64,
    /// The test planned.
    #[serde(flatten)]
    pub plan: TestPlan,
}

/// The events needed to detect `hr` with `power` (see the module formulas).
///
/// ```
/// use survkit::design::{Allocation, EventsMethod, Sided, TestPlan, events_needed};
///
/// let one_to_one = Allocation::new(1.0, 1.0)?;
/// let plan = TestPlan::new(0.05, Sided::Two, one_to_one, EventsMethod::Schoenfeld)?;
/// let needed = events_needed(&plan, 0.7, 0.8)?;
/// // rpact 3.3.4: getSampleSizeSurvival(..., hazardRatio = 0.7, sided = 2)$eventsFixed
/// assert!((needed.events - 246.787104547358).abs() < 1e-8 * 246.8);
/// assert_eq!(needed.events_ceiling, 247);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn events_needed(plan: &TestPlan, hr: f64, power: f64) -> Result<EventsNeeded, DesignError> {
    check_hazard_ratio(hr)?;
    check_power_above_alpha(plan, power)?;
    let z = upper_z(plan.tail_alpha()) + upper_z(1.0 - power);
    let events = (z / drift(plan, hr)).powi(2);
    Ok(EventsNeeded {
        events,
        events_ceiling: ceiling(events),
        hr,
        power,
        plan: *plan,
    })
}

/// A count rounded up; the small slack keeps a result like 100.00000000000001 (rounding error
/// of an exact 100) at 100.
pub(crate) fn ceiling(x: f64) -> u64 {
    (x * (1.0 - 1e-12)).ceil().max(0.0) as u64
}

/// The power of a number of events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Power {
    /// Power to detect `hr` with `events` events.
    pub power: f64,
    /// The hazard ratio, treatment vs control.
    pub hr: f64,
    /// The number of events.
    pub events: f64,
    /// The test planned.
    #[serde(flatten)]
    pub plan: TestPlan,
}

/// The power of `events` events to detect `hr` (see the module formulas).
///
/// ```
/// use survkit::design::{Allocation, EventsMethod, Sided, TestPlan, power};
///
/// let one_to_one = Allocation::new(1.0, 1.0)?;
/// let plan = TestPlan::new(0.05, Sided::One, one_to_one, EventsMethod::Schoenfeld)?;
/// let result = power(&plan, 0.7, 100.0)?;
/// // rpact 3.3.4: getPowerSurvival(..., hazardRatio = 0.7, maxNumberOfEvents = 100)$overallReject
/// assert!((result.power - 0.555085699644927).abs() < 1e-8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn power(plan: &TestPlan, hr: f64, events: f64) -> Result<Power, DesignError> {
    check_hazard_ratio(hr)?;
    check_events(events)?;
    let shift = drift(plan, hr) * events.sqrt();
    let z = upper_z(plan.tail_alpha());
    let power = match plan.sided {
        Sided::One => normal_cdf(shift - z),
        Sided::Two => normal_cdf(shift - z) + normal_cdf(-shift - z),
    };
    Ok(Power {
        power,
        hr,
        events,
        plan: *plan,
    })
}

fn check_events(events: f64) -> Result<(), DesignError> {
    if events.is_finite() && events > 0.0 {
        Ok(())
    } else {
        Err(DesignError::Events(events))
    }
}

/// The smallest benefit a trial of a given number of events can detect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectableHr {
    /// The hazard ratio below 1 detected with the given power; `None` when no hazard ratio
    /// above 0 is (Freedman's formula with too few events).
    pub detectable_hr: Option<f64>,
    /// The hazard ratio estimate that would just reach significance (power 50%).
    pub critical_hr: Option<f64>,
    /// The number of events.
    pub events: f64,
    /// The power asked for, 1 − β.
    pub power: f64,
    /// The test planned.
    #[serde(flatten)]
    pub plan: TestPlan,
}

/// The minimum detectable hazard ratio (below 1) at `events` events and `power`.
pub fn detectable_hr(plan: &TestPlan, events: f64, power: f64) -> Result<DetectableHr, DesignError> {
    check_events(events)?;
    check_power_above_alpha(plan, power)?;
    let z_alpha = upper_z(plan.tail_alpha());
    let at = |z: f64| hr_at_drift(plan, z / events.sqrt());
    Ok(DetectableHr {
        detectable_hr: at(z_alpha + upper_z(1.0 - power)),
        critical_hr: at(z_alpha),
        events,
        power,
        plan: *plan,
    })
}

/// The hazard ratio below 1 whose drift is θ (the inverse of [`drift`]).
fn hr_at_drift(plan: &TestPlan, theta: f64) -> Option<f64> {
    let r = plan.allocation.ratio();
    let hr = match plan.method {
        EventsMethod::Schoenfeld => (-theta * (1.0 + r) / r.sqrt()).exp(),
        EventsMethod::Freedman => (r.sqrt() - theta) / (r.sqrt() + r * theta),
    };
    (hr > 0.0 && hr < 1.0).then_some(hr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Allocation;

    fn plan(method: EventsMethod, ratio: f64, sided: Sided) -> TestPlan {
        TestPlan::new(0.05, sided, Allocation::new(ratio, 1.0).unwrap(), method).unwrap()
    }

    /// By hand: 1:1, two-sided α = 0.05, power 80%, HR 0.5 (Schoenfeld):
    /// D = 4 (1.959964 + 0.841621)² / (log 2)² = 4 · 7.848879 / 0.480453 = 65.345.
    #[test]
    fn schoenfeld_by_hand() {
        let e = events_needed(&plan(EventsMethod::Schoenfeld, 1.0, Sided::Two), 0.5, 0.8).unwrap();
        assert!((e.events - 65.3455).abs() < 1e-3, "{}", e.events);
        assert_eq!(e.events_ceiling, 66);
    }

    /// The detectable HR at the events needed for HR h is h again, and power there is the
    /// target (one-sided, where the formulas are exact inverses).
    #[test]
    fn detectable_hr_inverts_events() {
        for method in [EventsMethod::Schoenfeld, EventsMethod::Freedman] {
            for ratio in [1.0, 2.0, 3.0] {
                let p = plan(method, ratio, Sided::One);
                let e = events_needed(&p, 0.7, 0.9).unwrap();
                let d = detectable_hr(&p, e.events, 0.9).unwrap();
                assert!((d.detectable_hr.unwrap() - 0.7).abs() < 1e-12);
                // Φ(Φ⁻¹(p)) round-trips to about 1e-10 in statrs
                let pw = power(&p, 0.7, e.events).unwrap();
                assert!((pw.power - 0.9).abs() < 1e-9, "{}", pw.power - 0.9);
                assert!(d.critical_hr.unwrap() > 0.7);
            }
        }
    }

    #[test]
    fn invalid_settings() {
        let p = plan(EventsMethod::Schoenfeld, 1.0, Sided::Two);
        assert_eq!(events_needed(&p, 1.0, 0.8), Err(DesignError::HazardRatio(1.0)));
        assert_eq!(events_needed(&p, 0.7, 1.0), Err(DesignError::Power(1.0)));
        assert!(events_needed(&p, 0.7, 0.02).is_err());
        assert_eq!(power(&p, 0.7, 0.0), Err(DesignError::Events(0.0)));
        assert!("2:0".parse::<Allocation>().is_err());
        assert_eq!("2:1".parse::<Allocation>().unwrap().ratio(), 2.0);
        assert_eq!("3".parse::<Allocation>().unwrap().ratio(), 3.0);
    }
}
