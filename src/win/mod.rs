//! Function and survival together: generalised pairwise comparisons (win ratio, win odds,
//! net benefit), the CAFS joint rank test and the Finkelstein–Schoenfeld test.
//!
//! Every participant brings an exit time, a death indicator and one function score (e.g. the
//! change in ALSFRS-R from baseline to the last visit), with a direction saying which way is
//! better. Pairs are compared on death first, over their common follow-up, then on the score
//! (`pairs`); [`WinStatistics`] compares a treated arm with a reference arm pair by pair,
//! [`Cafs`] ranks everyone against everyone.
//!
//! ```no_run
//! use survkit::win::{WinOptions, WinStatistics};
//! use survkit::{Columns, SurvData};
//! let columns = Columns::new("time_weeks", "death").group("arm").reference("arm", "placebo");
//! let columns = columns.covariates(["alsfrs_change"]);
//! let data = SurvData::read_csv("datasets/als/als_function_survival_synthetic.csv", &columns)?;
//! println!("{}", WinStatistics::compute(&data, &WinOptions::new("alsfrs_change"))?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cafs;
mod fragility;
pub(crate) mod pairs;
mod stats;

pub use cafs::{Cafs, CafsGroup, CafsOptions, FinkelsteinSchoenfeld};
pub use fragility::{Change, FragilityOptions, FragilityStep, WinFragility};
pub use stats::{LevelCounts, WinStatistics};

use serde::Serialize;
use thiserror::Error;

use crate::data::{Columns, Covariate, SurvData};
use pairs::Outcome;

/// The columns every pairwise analysis reads: follow-up, death, arm, and the function score as
/// a numeric covariate whose missing values are kept (that participant is compared on death
/// only); add strata, a reference level or an event value to them.
pub fn columns(time: &str, event: &str, group: &str, score: &str) -> Columns {
    Columns::new(time, event)
        .group(group)
        .covariates([score])
        .may_be_missing([score])
}

/// Which way the function score is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// A higher score is better (e.g. ALSFRS-R).
    #[default]
    HigherIsBetter,
    /// A lower score is better.
    LowerIsBetter,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::HigherIsBetter => "higher is better",
            Direction::LowerIsBetter => "lower is better",
        })
    }
}

/// Options for [`WinStatistics::compute`]; built with [`WinOptions::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct WinOptions {
    /// The numeric column holding the function score (read as a covariate).
    pub score: String,
    /// Which way the score is better.
    pub direction: Direction,
    /// Score differences of at most this much are ties (≥ 0).
    pub threshold: f64,
    /// Confidence level of the intervals, strictly between 0 and 1.
    pub conf_level: f64,
    /// Also search the fragility of the win ratio's significance.
    pub fragility: Option<FragilityOptions>,
}

impl WinOptions {
    /// Higher score better, no tie margin, 95% intervals.
    pub fn new(score: impl Into<String>) -> Self {
        WinOptions {
            score: score.into(),
            direction: Direction::HigherIsBetter,
            threshold: 0.0,
            conf_level: 0.95,
            fragility: None,
        }
    }
}

/// Why a pairwise comparison (win statistics, CAFS, their fragility) cannot be made.
#[derive(Debug, Error, PartialEq)]
pub enum WinError {
    /// An option is out of range (tie margin, confidence level, threads, permutation limits).
    #[error("invalid option: {0}")]
    Option(String),
    /// The data have no group column.
    #[error("{file}: pairwise comparisons compare arms, but no group column was read")]
    NoGroup {
        /// The input file.
        file: String,
    },
    /// The score column was not read as a numeric covariate.
    #[error("{file}: no numeric column '{column}' was read for the function score")]
    NoScore {
        /// The input file.
        file: String,
        /// The column named for the score.
        column: String,
    },
    /// The group column does not have exactly two levels among the rows used.
    #[error(
        "{file}: group column '{column}' has {levels} level{} among the rows used ({}); this analysis compares exactly two",
        if *levels == 1 { "" } else { "s" },
        names.join(", ")
    )]
    NotTwoArms {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// How many of its levels occur among the rows used.
        levels: usize,
        /// Those levels.
        names: Vec<String>,
    },
    /// No stratum has participants in both arms.
    #[error("{file}: no stratum has participants in both arms, so there is no pair to compare")]
    NoPairs {
        /// The input file.
        file: String,
    },
    /// The data carry something these analyses do not take (entry times, weights, strata for CAFS).
    #[error("{file}: pairwise comparisons do not take {what}")]
    Unsupported {
        /// The input file.
        file: String,
        /// What was given.
        what: String,
    },
    /// The thread pool of the permutations could not be built.
    #[error("{0}")]
    Threads(String),
}

/// The participants of one analysis: outcomes, arm (0 = reference, 1 = treated) and stratum.
#[derive(Clone)]
pub(crate) struct Participants {
    pub outcomes: Vec<Outcome>,
    pub arm: Vec<u8>,
    /// Stratum code of each participant (all 0 without strata) and the stratum labels.
    pub stratum: Vec<u32>,
    pub strata: Vec<String>,
    pub group_column: String,
    /// Labels of the reference and treated arms.
    pub labels: [String; 2],
    /// +1 or −1: the file's score is `sign` × the oriented score.
    pub sign: f64,
    /// The data's source, for messages.
    pub source: String,
}

/// The warning every analysis gives when some participants have no score.
pub(crate) fn missing_score_warning(people: &Participants) -> Option<String> {
    let missing = people.outcomes.iter().filter(|o| o.score.is_nan()).count();
    (missing > 0).then(|| {
        format!("{missing} participants have no score: they are compared on death only (pairs death does not decide are ties)")
    })
}

impl Participants {
    /// Checks the data and the options shared by every analysis here, and orients the score.
    pub fn from_data(
        data: &SurvData,
        score_column: &str,
        direction: Direction,
        threshold: f64,
    ) -> Result<Participants, WinError> {
        let file = || data.source.clone();
        if !(threshold.is_finite() && threshold >= 0.0) {
            return Err(WinError::Option(format!(
                "the score tie margin must be a number ≥ 0, got {threshold}"
            )));
        }
        for (present, what) in [
            (data.entry.is_some(), "an entry time (delayed entry)"),
            (data.weight.is_some(), "case weights"),
        ] {
            if present {
                return Err(WinError::Unsupported {
                    file: file(),
                    what: what.to_string(),
                });
            }
        }
        let group = data.group.as_ref().ok_or_else(|| WinError::NoGroup { file: file() })?;
        let scores = match data.covariate(score_column) {
            Some(Covariate::Numeric { values, .. }) => values,
            _ => {
                return Err(WinError::NoScore {
                    file: file(),
                    column: score_column.to_string(),
                });
            }
        };
        let mut used = vec![false; group.n_levels()];
        group.codes.iter().for_each(|&c| used[c as usize] = true);
        let present: Vec<usize> = (0..group.n_levels()).filter(|&l| used[l]).collect();
        if present.len() != 2 {
            return Err(WinError::NotTwoArms {
                file: file(),
                column: group.name.clone(),
                levels: present.len(),
                names: present.iter().map(|&l| group.levels[l].clone()).collect(),
            });
        }
        let sign = match direction {
            Direction::HigherIsBetter => 1.0,
            Direction::LowerIsBetter => -1.0,
        };
        let outcomes = (0..data.n_rows())
            .map(|i| Outcome {
                time: data.time[i],
                death: data.event[i],
                score: sign * scores[i],
            })
            .collect();
        let arm = group
            .codes
            .iter()
            .map(|&c| u8::from(c as usize == present[1]))
            .collect();
        let (stratum, strata) = match &data.strata {
            Some(s) => (s.codes.clone(), s.levels.clone()),
            None => (vec![0; data.n_rows()], vec![String::new()]),
        };
        Ok(Participants {
            outcomes,
            arm,
            stratum,
            strata,
            group_column: group.name.clone(),
            labels: [group.levels[present[0]].clone(), group.levels[present[1]].clone()],
            sign,
            source: data.source.clone(),
        })
    }

    pub fn n(&self) -> usize {
        self.outcomes.len()
    }
}
