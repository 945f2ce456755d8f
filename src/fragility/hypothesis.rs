//! The test whose fragility is examined, and why a fragility analysis of survival data could
//! not be done. Apart from [`super::survival`] so that its helpers (the trial, the influence
//! and what-if analyses, SIFI) can name them without importing the analysis itself.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use thiserror::Error;

/// The test whose significance is examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SurvivalTest {
    /// The log-rank test (R `survdiff`).
    #[default]
    #[serde(rename = "logrank")]
    LogRank,
    /// The Wald test of the Cox model with the arm (Efron ties, R `coxph`).
    CoxWald,
    /// The likelihood-ratio test of the Cox model with the arm (Efron ties, R `coxph`).
    CoxLr,
    /// The Wald test of the RMST difference up to τ (survRM2 `rmst2`).
    Rmst,
}

impl fmt::Display for SurvivalTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SurvivalTest::LogRank => "logrank",
            SurvivalTest::CoxWald => "cox-wald",
            SurvivalTest::CoxLr => "cox-lr",
            SurvivalTest::Rmst => "rmst",
        })
    }
}

impl FromStr for SurvivalTest {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "logrank" | "log-rank" => Ok(SurvivalTest::LogRank),
            "cox-wald" => Ok(SurvivalTest::CoxWald),
            "cox-lr" => Ok(SurvivalTest::CoxLr),
            "rmst" => Ok(SurvivalTest::Rmst),
            _ => Err(format!("unknown test '{s}'; use logrank, cox-wald, cox-lr or rmst")),
        }
    }
}

/// Why a fragility analysis of survival data cannot be done.
#[derive(Debug, Error, PartialEq)]
pub enum SurvivalError {
    /// An option is out of range (α, τ).
    #[error("invalid option: {0}")]
    Option(String),
    /// The data have no group column.
    #[error("{file}: the fragility compares two arms, and the model names no group")]
    NoGroup {
        /// The input file.
        file: String,
    },
    /// The group column does not have exactly two levels.
    #[error("{file}: fragility compares two arms, but '{column}' has {} levels ({})", levels.len(), levels.join(", "))]
    NotTwoArms {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// Its levels.
        levels: Vec<String>,
    },
    /// The experimental arm named is not a level of the group column.
    #[error("{file}: the group column has no level '{level}'; its levels are: {}", levels.join(", "))]
    UnknownArm {
        /// The input file.
        file: String,
        /// The level named.
        level: String,
        /// The group column's levels.
        levels: Vec<String>,
    },
    /// The data have strata, an entry time or case weights.
    #[error("{file}: fragility analyses do not take {what}")]
    Unsupported {
        /// The input file.
        file: String,
        /// What the data have that the analysis does not take (strata, entry time, weights).
        what: String,
    },
    /// The data have no events.
    #[error("{file}: no events, so there is nothing to test")]
    NoEvents {
        /// The input file.
        file: String,
    },
    /// The test, the default experimental arm or the default τ cannot be computed on the
    /// original data.
    #[error("the test cannot be computed on the original data: {message}")]
    Analysis {
        /// Why, in words.
        message: String,
    },
    /// A given τ beyond what the original data support (refused as `Rmst::fit` refuses it).
    #[error("{message}")]
    TauBeyondData {
        /// The RMST analysis's message.
        message: String,
    },
}

impl SurvivalError {
    /// Whether the error is about the analysis of valid input (rather than bad input or options).
    pub fn is_analysis_error(&self) -> bool {
        matches!(self, SurvivalError::NoEvents { .. } | SurvivalError::Analysis { .. })
    }
}
