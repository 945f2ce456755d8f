//! Fragility analyses: how many patients a result hangs on.
//!
//! - `counts`: 2×2 tables of events (Fisher exact, mid-p, chi-square): the signed fragility
//!   index, Walsh's rule, the fragility quotient, the incidence fragility index and loss to
//!   follow-up, each with the path of tables.
//! - `survival`: participant-level two-arm survival data: the status-flip survival fragility
//!   index, the survival-inferred fragility index (`sifi`), results with events moved between
//!   arms (`what_if`) and leave-one-out influence (`influence`).
//! - `gray`: competing-risks data: the status-flip fragility of Gray's test of equal cumulative
//!   incidence (changes between a cause and censoring and between causes).
//!
//! Significant means p < α throughout; an index is positive for a significant result and
//! negative (reverse fragility) for a non-significant one.

pub(crate) mod counts;
pub(crate) mod gray;
mod hypothesis;
pub(crate) mod influence;
pub(crate) mod logrank_update;
pub(crate) mod sifi;
pub(crate) mod survival;
pub(crate) mod trial;
pub(crate) mod what_if;

pub use counts::{
    ArmCounts, CountsError, CountsFragility, CountsOptions, CountsTest, Lost, Table2x2, chi_square, fisher_exact,
};
pub use gray::{
    GrayFlip, GrayFragility, GrayFragilityError, GrayFragilityOptions, GrayGroupCounts, GrayStep, MAX_GREEDY_STEPS,
    MAX_PAIR_WORK,
};
pub use hypothesis::{SurvivalError, SurvivalTest};
pub use survival::{SurvivalFragility, SurvivalMethod, SurvivalOptions};
