//! The truncation time τ: its default and the largest value the data support.
//!
//! # Rule (survRM2 1.0-4, `rmst2`, Uno et al. 2014)
//! Let x_g be the last observed time of arm g. The arm "ends in an event" when every row at
//! x_g is an event: its Kaplan–Meier curve has then reached 0 and is known (as 0) beyond x_g;
//! otherwise it is unknown past x_g. So
//!
//! - τ_max = min( max_g x_g,  min { x_g : arm g ends censored } ),
//! - the default τ is τ_max.
//!
//! For two arms this is survRM2's four cases: both arms end in an event → max(x_0, x_1); the
//! shorter arm ends in an event and the longer is censored → the longer's x; the shorter arm
//! ends censored → min(x_0, x_1); both censored → min(x_0, x_1). A τ above τ_max is an error
//! (survRM2 stops), unless the caller lets it through for resampling, where the last value of
//! each curve is carried forward as survRM2's `rmst1` and R's `print.survfit(rmean = τ)` do.

use serde::Serialize;

/// Where an arm's follow-up ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpEnd {
    /// The arm's level (`None` for a single arm without a group column).
    pub group: Option<String>,
    /// The arm's last observed time x_g.
    pub last_time: f64,
    /// Every row at `last_time` is an event, so the curve has reached 0.
    pub ends_in_event: bool,
}

/// The largest τ the data support and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TauLimit {
    /// τ_max; also the default τ.
    pub largest: f64,
    /// Each arm's follow-up end, in level order.
    pub arms: Vec<FollowUpEnd>,
}

impl TauLimit {
    /// Applies the rule to the arms' follow-up ends (at least one arm).
    pub fn from_arms(arms: Vec<FollowUpEnd>) -> TauLimit {
        let longest = arms.iter().map(|a| a.last_time).fold(f64::NEG_INFINITY, f64::max);
        let largest = arms
            .iter()
            .filter(|a| !a.ends_in_event)
            .map(|a| a.last_time)
            .fold(longest, f64::min);
        TauLimit { largest, arms }
    }

    /// The rule in words, with this data's numbers, for the error on a too-large τ.
    pub fn explain(&self) -> String {
        let ends: Vec<String> = self
            .arms
            .iter()
            .map(|a| {
                let name = a
                    .group
                    .as_deref()
                    .map_or_else(|| "the data".to_string(), |g| format!("group {g}"));
                let how = if a.ends_in_event { "an event" } else { "a censored time" };
                format!("{name} ends with {how} at {}", a.last_time)
            })
            .collect();
        format!(
            "an arm's Kaplan–Meier curve is known only up to its last observed time, unless that last observation is an event (the curve has then reached 0), so τ may not exceed the last time of an arm that ends censored, nor the longest follow-up (survRM2's rule); here {}",
            ends.join(", ")
        )
    }
}
