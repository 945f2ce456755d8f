//! Function and survival together: generalised pairwise comparisons (win ratio, win odds,
//! net benefit), the CAFS joint rank test and the Finkelstein–Schoenfeld test.
//!
//! Every participant brings an exit time, a death indicator and one function score (e.g. the
//! change in ALSFRS-R from baseline to the last visit), with a direction saying which way is
//! better, and optionally later scores ([`LaterScore`]) for a longer hierarchy. Pairs are
//! compared on death first, over their common follow-up, then on the scores in order
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

mod bootstrap;
mod cafs;
mod fragility;
pub(crate) mod pairs;
mod stats;

pub use bootstrap::{BootstrapMeasure, WinBootstrap, WinBootstrapOptions};
pub use cafs::{Cafs, CafsGroup, CafsOptions, FinkelsteinSchoenfeld};
pub use fragility::{Change, FragilityOptions, FragilityStep, WinFragility};
pub use stats::{LevelCounts, WinStatistics};

use serde::Serialize;
use thiserror::Error;

use crate::data::{Columns, Covariate, SurvData};
use pairs::{MAX_LATER, Margins, Outcome};

/// The columns every pairwise analysis reads: follow-up, death, arm, and the function scores
/// ([`score_columns`]) as numeric covariates whose missing values are kept (that participant
/// is compared on the other levels only); add strata, a reference level or an event value to
/// them.
pub fn columns(time: &str, event: &str, group: &str, score: &str, later: &[LaterScore]) -> Columns {
    let scores = score_columns(score, later);
    Columns::new(time, event)
        .group(group)
        .covariates(scores.clone())
        .may_be_missing(scores)
}

/// The score columns of a hierarchy, each once: a score may come back at a later level with
/// another margin.
pub fn score_columns(score: &str, later: &[LaterScore]) -> Vec<String> {
    let mut scores = vec![score.to_string()];
    for l in later {
        if !scores.contains(&l.column) {
            scores.push(l.column.clone());
        }
    }
    scores
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

/// A function score compared after the first, on the pairs that death and the scores before
/// it leave tied (e.g. death, then ALSFRS-R change, then FVC change).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaterScore {
    /// The numeric column holding the score.
    pub column: String,
    /// Which way the score is better.
    pub direction: Direction,
    /// Differences of at most this much are ties (≥ 0).
    pub threshold: f64,
}

impl LaterScore {
    /// Higher better, no tie margin.
    pub fn new(column: impl Into<String>) -> Self {
        LaterScore {
            column: column.into(),
            direction: Direction::HigherIsBetter,
            threshold: 0.0,
        }
    }
}

/// `COL`, `COL:higher|lower` or `COL:higher|lower:X` (the command line's `--then`); the column
/// is what is left of the last one or two colons that parse, so a column name may hold a colon.
impl std::str::FromStr for LaterScore {
    type Err = String;

    fn from_str(text: &str) -> Result<LaterScore, String> {
        let direction = |word: &str| match word {
            "higher" => Some(Direction::HigherIsBetter),
            "lower" => Some(Direction::LowerIsBetter),
            _ => None,
        };
        let parts: Vec<&str> = text.rsplitn(3, ':').collect();
        let (column, direction, threshold) = match parts.as_slice() {
            [x, d, column] if direction(d).is_some() => {
                let threshold: f64 = x
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| format!("the tie margin in '{text}' must be a number ≥ 0, got '{x}'"))?;
                (column.to_string(), direction(d), threshold)
            }
            [d, rest @ ..] if direction(d).is_some() => (
                rest.iter().rev().copied().collect::<Vec<_>>().join(":"),
                direction(d),
                0.0,
            ),
            _ => (text.to_string(), Some(Direction::HigherIsBetter), 0.0),
        };
        if column.is_empty() {
            return Err(format!("no column named in '{text}'"));
        }
        Ok(LaterScore {
            column,
            direction: direction.unwrap_or_default(),
            threshold,
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
    /// Scores compared after the first, in order (at most four).
    pub later_scores: Vec<LaterScore>,
    /// Confidence level of the intervals, strictly between 0 and 1.
    pub conf_level: f64,
    /// Also search the fragility of the win ratio's significance.
    pub fragility: Option<FragilityOptions>,
    /// Also bootstrap the three measures (percentile intervals, a check on the variances).
    pub bootstrap: Option<WinBootstrapOptions>,
}

impl WinOptions {
    /// Higher score better, no tie margin, 95% intervals.
    pub fn new(score: impl Into<String>) -> Self {
        WinOptions {
            score: score.into(),
            direction: Direction::HigherIsBetter,
            threshold: 0.0,
            later_scores: Vec::new(),
            conf_level: 0.95,
            fragility: None,
            bootstrap: None,
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
    /// The tie margins of the first and the later scores.
    pub margins: Margins,
    /// The data's source, for messages.
    pub source: String,
}

/// +1 when higher is better, −1 when lower is: the factor that orients a score.
fn orientation(direction: Direction) -> f64 {
    match direction {
        Direction::HigherIsBetter => 1.0,
        Direction::LowerIsBetter => -1.0,
    }
}

/// The warning every analysis gives when some participants have no score.
pub(crate) fn missing_score_warning(people: &Participants) -> Option<String> {
    let missing = people.outcomes.iter().filter(|o| o.score.is_nan()).count();
    (missing > 0).then(|| {
        format!("{missing} participants have no score: they are compared on death only (pairs death does not decide are ties)")
    })
}

impl Participants {
    /// Checks the data and the options shared by every analysis here, and orients the scores.
    pub fn from_data(
        data: &SurvData,
        score_column: &str,
        direction: Direction,
        threshold: f64,
        later: &[LaterScore],
    ) -> Result<Participants, WinError> {
        let file = || data.source.clone();
        for (column, margin) in
            std::iter::once((score_column, threshold)).chain(later.iter().map(|l| (l.column.as_str(), l.threshold)))
        {
            if !(margin.is_finite() && margin >= 0.0) {
                return Err(WinError::Option(format!(
                    "the tie margin of score '{column}' must be a number ≥ 0, got {margin}"
                )));
            }
        }
        if later.len() > MAX_LATER {
            return Err(WinError::Option(format!(
                "at most {MAX_LATER} scores may follow the first, got {}",
                later.len()
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
        let numeric = |column: &str| match data.covariate(column) {
            Some(Covariate::Numeric { values, .. }) => Ok(values),
            _ => Err(WinError::NoScore {
                file: file(),
                column: column.to_string(),
            }),
        };
        let scores = numeric(score_column)?;
        let later_scores = later
            .iter()
            .map(|l| Ok((numeric(&l.column)?, orientation(l.direction))))
            .collect::<Result<Vec<_>, WinError>>()?;
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
        let sign = orientation(direction);
        let outcomes = (0..data.n_rows())
            .map(|i| {
                let mut outcome = Outcome::new(data.time[i], data.event[i], sign * scores[i]);
                for (k, (values, sign)) in later_scores.iter().enumerate() {
                    outcome.later[k] = sign * values[i];
                }
                outcome
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
            margins: Margins {
                score: threshold,
                later: later.iter().map(|l| l.threshold).collect(),
            },
            source: data.source.clone(),
        })
    }

    pub fn n(&self) -> usize {
        self.outcomes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_score_forms() {
        let parsed = |t: &str| t.parse::<LaterScore>().map(|l| (l.column, l.direction, l.threshold));
        assert_eq!(parsed("fvc"), Ok(("fvc".into(), Direction::HigherIsBetter, 0.0)));
        assert_eq!(parsed("fvc:lower"), Ok(("fvc".into(), Direction::LowerIsBetter, 0.0)));
        assert_eq!(
            parsed("fvc:higher:5"),
            Ok(("fvc".into(), Direction::HigherIsBetter, 5.0))
        );
        assert_eq!(parsed("a:b:lower"), Ok(("a:b".into(), Direction::LowerIsBetter, 0.0)));
        assert_eq!(parsed("a:b"), Ok(("a:b".into(), Direction::HigherIsBetter, 0.0)));
        assert!(parsed("fvc:lower:-1").unwrap_err().contains("≥ 0"));
        assert!(parsed(":lower").unwrap_err().contains("no column"));
    }
}
