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
    #[default]
    #[serde(rename = "logrank")]
    LogRank,
    CoxWald,
    CoxLr,
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

#[derive(Debug, Error, PartialEq)]
pub enum SurvivalError {
    #[error("invalid option: {0}")]
    Option(String),
    #[error("{file}: the fragility compares two arms, and the model names no group")]
    NoGroup { file: String },
    #[error("{file}: fragility compares two arms, but '{column}' has {} levels ({})", levels.len(), levels.join(", "))]
    NotTwoArms {
        file: String,
        column: String,
        levels: Vec<String>,
    },
    #[error("{file}: the group column has no level '{level}'; its levels are: {}", levels.join(", "))]
    UnknownArm {
        file: String,
        level: String,
        levels: Vec<String>,
    },
    #[error("{file}: fragility analyses do not take {what}")]
    Unsupported { file: String, what: String },
    #[error("{file}: no events, so there is nothing to test")]
    NoEvents { file: String },
    #[error("the test cannot be computed on the original data: {message}")]
    Analysis { message: String },
    /// A given τ beyond what the original data support (refused as `Rmst::fit` refuses it).
    #[error("{message}")]
    TauBeyondData { message: String },
}

impl SurvivalError {
    /// Whether the error is about the analysis of valid input (rather than bad input or options).
    pub fn is_analysis_error(&self) -> bool {
        matches!(self, SurvivalError::NoEvents { .. } | SurvivalError::Analysis { .. })
    }
}
