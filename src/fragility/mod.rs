//! Fragility analyses: how many patients a result hangs on.
//!
//! - [`counts`]: 2×2 tables of events (Fisher exact, mid-p, chi-square): the signed fragility
//!   index, Walsh's rule, the fragility quotient, the incidence fragility index and loss to
//!   follow-up, each with the path of tables.
//! - [`survival`]: participant-level two-arm survival data: the status-flip survival fragility
//!   index, the survival-inferred fragility index ([`sifi`]), results with events moved between
//!   arms ([`what_if`]) and leave-one-out influence ([`influence`]).
//!
//! Significant means p < α throughout; an index is positive for a significant result and
//! negative (reverse fragility) for a non-significant one.

pub mod counts;
pub mod influence;
pub mod logrank_update;
pub mod sifi;
pub mod survival;
pub mod trial;
pub mod what_if;

pub use counts::{ArmCounts, CountsError, CountsFragility, CountsOptions, CountsTest, Lost, Table2x2};
pub use survival::{SurvivalError, SurvivalFragility, SurvivalMethod, SurvivalOptions, SurvivalTest};
