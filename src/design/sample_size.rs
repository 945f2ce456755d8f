//! Sample size of a fixed two-arm survival trial from the events needed (Lachin & Foulkes
//! 1986, as rpact's `getSampleSizeSurvival` computes it for exponential survival).
//!
//! # Formulas
//! Participants enter uniformly over [0, a] and are analysed at T = a + f (f the follow-up
//! after the last entry). Arm g has event hazard λ_g (λ₂ the control's, λ₁ = HR λ₂) and
//! dropout hazard φ = −log(1 − q)/t (a share q lost by time t). A participant followed for x
//! has an event with probability F_g(x) = λ_g/(λ_g + φ) (1 − e^{−(λ_g + φ) x}), so one who enters
//! uniformly has
//!   P_g = (1/a) ∫_f^T F_g(x) dx = λ_g/(λ_g + φ) [1 − (e^{−(λ_g + φ) f} − e^{−(λ_g + φ) T}) / ((λ_g + φ) a)]
//! (rpact integrates F_g numerically in `.getEventProbabilities`). The overall event
//! probability is ω = (r P₁ + P₂)/(1 + r), and the sample size N = D/ω with D the events needed,
//! N₁ = N r/(1 + r) on treatment and N₂ = N/(1 + r) on control (`nFixed`, `nFixed1`, `nFixed2`).

use serde::Serialize;

use super::events::ceiling;
use super::{DesignError, TestPlan, events_needed};

/// The control arm's event hazard, given directly or as a median survival time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ControlHazard {
    /// The control arm's median survival time m; hazard log 2 / m (exponential).
    Median(f64),
    /// The control arm's event hazard λ₂, per unit of time.
    Hazard(f64),
}

impl ControlHazard {
    fn hazard(self) -> Result<f64, DesignError> {
        let (what, value) = match self {
            ControlHazard::Median(m) => ("the control median", m),
            ControlHazard::Hazard(h) => ("the control hazard", h),
        };
        if !(value.is_finite() && value > 0.0) {
            return Err(DesignError::Setting {
                what,
                value,
                rule: "positive and finite",
            });
        }
        Ok(match self {
            ControlHazard::Median(m) => std::f64::consts::LN_2 / m,
            ControlHazard::Hazard(h) => h,
        })
    }
}

/// Accrual, follow-up and dropout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accrual {
    /// Length of the uniform accrual period a.
    pub accrual_time: f64,
    /// Follow-up after the last participant enters, f.
    pub follow_up: f64,
    /// Share q of participants lost to follow-up by `dropout_time` (0 for none).
    pub dropout_rate: f64,
    /// The time t by which the share `dropout_rate` is lost.
    pub dropout_time: f64,
}

impl Accrual {
    fn check(&self) -> Result<(), DesignError> {
        let rules: [(&'static str, f64, bool, &'static str); 4] = [
            (
                "the accrual time",
                self.accrual_time,
                self.accrual_time > 0.0,
                "positive and finite",
            ),
            (
                "the follow-up time",
                self.follow_up,
                self.follow_up >= 0.0,
                "non-negative and finite",
            ),
            (
                "the dropout rate",
                self.dropout_rate,
                (0.0..1.0).contains(&self.dropout_rate),
                "in [0, 1)",
            ),
            (
                "the dropout time",
                self.dropout_time,
                self.dropout_time > 0.0,
                "positive and finite",
            ),
        ];
        for (what, value, ok, rule) in rules {
            if !ok || !value.is_finite() {
                return Err(DesignError::Setting { what, value, rule });
            }
        }
        Ok(())
    }

    /// The dropout hazard φ = −log(1 − q)/t.
    fn dropout_hazard(&self) -> f64 {
        -(-self.dropout_rate).ln_1p() / self.dropout_time
    }

    /// P_g, the probability that a participant of an arm with event hazard λ has an event by
    /// the analysis (see the module formulas).
    fn event_probability(&self, hazard: f64) -> f64 {
        let total = hazard + self.dropout_hazard();
        let (a, f) = (self.accrual_time, self.follow_up);
        // e^{−total f} − e^{−total (a + f)} = e^{−total f} (1 − e^{−total a})
        let window = (-total * f).exp() * -(-total * a).exp_m1();
        hazard / total * (1.0 - window / (total * a))
    }
}

/// The sample size of a fixed trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleSize {
    /// Events needed, unrounded (rpact's `eventsFixed`).
    pub events: f64,
    /// Events needed, rounded up.
    pub events_ceiling: u64,
    /// Participants needed, unrounded (rpact's `nFixed`).
    pub sample_size: f64,
    /// Participants needed, rounded up.
    pub sample_size_ceiling: u64,
    /// Participants on treatment and on control, unrounded (`nFixed1`, `nFixed2`).
    pub sample_size_treatment: f64,
    /// Participants on control, unrounded (`nFixed2`).
    pub sample_size_control: f64,
    /// ω, the probability that a participant has an event by the analysis.
    pub event_probability: f64,
    /// Probability of an event by the analysis on treatment and on control.
    pub event_probability_treatment: f64,
    /// Probability of an event by the analysis on control.
    pub event_probability_control: f64,
    /// Time of the analysis from the first entry, a + f.
    pub analysis_time: f64,
    /// Event hazard of the control arm, λ₂.
    pub hazard_control: f64,
    /// Event hazard of the treatment arm, λ₁ = HR λ₂.
    pub hazard_treatment: f64,
    /// Dropout hazard φ = −log(1 − q)/t.
    pub dropout_hazard: f64,
    /// The hazard ratio to detect, treatment vs control.
    pub hr: f64,
    /// The power asked for, 1 − β.
    pub power: f64,
    /// The test planned.
    #[serde(flatten)]
    pub plan: TestPlan,
    /// Length of the uniform accrual period a.
    pub accrual_time: f64,
    /// Follow-up after the last participant enters, f.
    pub follow_up: f64,
}

/// The participants needed to detect `hr` with `power` under the accrual and control hazard.
///
/// ```
/// use survkit::design::{Accrual, Allocation, ControlHazard, EventsMethod, Sided, TestPlan};
/// use survkit::design::sample_size;
///
/// let one_to_one = Allocation::new(1.0, 1.0)?;
/// let plan = TestPlan::new(0.05, Sided::One, one_to_one, EventsMethod::Schoenfeld)?;
/// let accrual =
///     Accrual { accrual_time: 24.0, follow_up: 12.0, dropout_rate: 0.0, dropout_time: 12.0 };
/// let size = sample_size(&plan, 0.7, 0.8, ControlHazard::Median(18.0), &accrual)?;
/// // rpact 3.3.4: getSampleSizeSurvival(..., median2 = 18, accrualTime = c(0, 24),
/// // followUpTime = 12)$nFixed
/// assert!((size.sample_size - 368.153797327215).abs() < 1e-8 * 368.2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sample_size(
    plan: &TestPlan,
    hr: f64,
    power: f64,
    control: ControlHazard,
    accrual: &Accrual,
) -> Result<SampleSize, DesignError> {
    let needed = events_needed(plan, hr, power)?;
    accrual.check()?;
    let hazard_control = control.hazard()?;
    let hazard_treatment = hr * hazard_control;
    let p_treatment = accrual.event_probability(hazard_treatment);
    let p_control = accrual.event_probability(hazard_control);
    let share = plan.allocation.treatment_share();
    let omega = share * p_treatment + (1.0 - share) * p_control;
    let n = needed.events / omega;
    Ok(SampleSize {
        events: needed.events,
        events_ceiling: needed.events_ceiling,
        sample_size: n,
        sample_size_ceiling: ceiling(n),
        sample_size_treatment: n * share,
        sample_size_control: n * (1.0 - share),
        event_probability: omega,
        event_probability_treatment: p_treatment,
        event_probability_control: p_control,
        analysis_time: accrual.accrual_time + accrual.follow_up,
        hazard_control,
        hazard_treatment,
        dropout_hazard: accrual.dropout_hazard(),
        hr,
        power,
        plan: *plan,
        accrual_time: accrual.accrual_time,
        follow_up: accrual.follow_up,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without dropout and with follow-up so long that everyone has an event, ω → 1.
    #[test]
    fn everyone_has_an_event_eventually() {
        let accrual = Accrual {
            accrual_time: 1.0,
            follow_up: 1e4,
            dropout_rate: 0.0,
            dropout_time: 1.0,
        };
        assert!((accrual.event_probability(0.5) - 1.0).abs() < 1e-12);
    }

    /// The closed form against a midpoint rule of (1/a) ∫_f^{a+f} F(x) dx.
    #[test]
    fn event_probability_integrates_the_cdf() {
        let accrual = Accrual {
            accrual_time: 12.0,
            follow_up: 6.0,
            dropout_rate: 0.1,
            dropout_time: 12.0,
        };
        let (lambda, phi) = (0.05, accrual.dropout_hazard());
        let steps = 200_000;
        let h = 12.0 / steps as f64;
        let integral: f64 = (0..steps)
            .map(|i| {
                let x = 6.0 + (i as f64 + 0.5) * h;
                lambda / (lambda + phi) * (1.0 - (-(lambda + phi) * x).exp()) * h
            })
            .sum();
        assert!((accrual.event_probability(lambda) - integral / 12.0).abs() < 1e-10);
    }
}
