//! Fragility of the win ratio and of the CAFS test: the fewest participants whose outcome must
//! change for the test to cross α.
//!
//! # Method
//! In the spirit of the status-flip survival fragility index (Desnoyers et al. 2019; survkit's
//! [`crate::fragility::survival`]), one participant's outcome changes per step, by one of:
//!
//! - `death-to-alive`: the death becomes a censoring at the same time;
//! - `alive-to-death`: the censoring becomes a death at the same time;
//! - `score-to-best` / `score-to-worst`: the score moves to the best / worst score observed in
//!   the data, which carries it across the tie margin of every pair it can change.
//!
//! Greedy: each step applies the change that moves p furthest towards α (the largest p while
//! significant, the smallest while not; among equal p-values the earliest row, then the order
//! of the list above), each participant changing at most once. Candidates are evaluated in
//! parallel and collected in row order, so the path does not depend on the thread count. The
//! index is the number of steps, positive for a significant result and negative for a
//! non-significant one; the greedy count is an upper bound on the minimum, and is the minimum
//! when it is 1 or 2 (the first step tries every single change). p-values: the
//! Wald p-value of the win ratio ([`super::WinStatistics`]) or the rank-sum p-value of CAFS
//! (normal approximation, [`super::Cafs`]).

use rayon::prelude::*;
use serde::Serialize;

use super::cafs::rank_sum;
#[cfg(test)]
use super::pairs::Margins;
use super::pairs::Outcome;
use super::stats::{compare_arms, estimates};
use super::{Participants, WinError};

/// One change to one participant's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// The death becomes a censoring at the same time.
    DeathToAlive,
    /// The censoring becomes a death at the same time.
    AliveToDeath,
    /// The score moves to the best score observed in the data.
    ScoreToBest,
    /// The score moves to the worst score observed in the data.
    ScoreToWorst,
}

/// One step of the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FragilityStep {
    /// The step's number, from 1.
    pub step: usize,
    /// The participant's line in the file (the header is line 1).
    pub line: u64,
    /// The participant's arm label.
    pub group: String,
    /// The change made.
    pub change: Change,
    /// The score before this step (oriented as in the file).
    pub score_before: f64,
    /// The score after this step (oriented as in the file).
    pub score_after: f64,
    /// The p-value after this step.
    pub p_value: f64,
}

/// The fragility of a win-ratio or CAFS result, asked for with
/// [`WinOptions::fragility`](super::WinOptions::fragility) or
/// [`CafsOptions::fragility`](super::CafsOptions::fragility).
///
/// # Example
/// ```
/// use survkit::win::{FragilityOptions, WinOptions, WinStatistics};
/// use survkit::{Columns, SurvData};
/// let columns = Columns::new("time_weeks", "death").group("arm").reference("arm", "placebo");
/// let columns = columns.covariates(["alsfrs_change"]);
/// let file = "datasets/als/als_function_survival_synthetic.csv";
/// let data = SurvData::read_csv(file, &columns)?;
/// let mut options = WinOptions::new("alsfrs_change");
/// options.fragility = Some(FragilityOptions::default());
/// let fragility = WinStatistics::compute(&data, &options)?.fragility.unwrap();
/// assert_eq!((fragility.index, fragility.path[0].line), (Some(1), 55));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinFragility {
    /// Significance level the search crosses (significant means p < α).
    pub alpha: f64,
    /// The original p-value.
    pub p_value: f64,
    /// Whether the original result is significant (p < α).
    pub significant: bool,
    /// Steps to cross α (negative for a non-significant result); None when the greedy search
    /// ran out of changes (or of `max_steps`) first.
    pub index: Option<i64>,
    /// Whether the index is known to be the minimum: |index| ≤ 2, since the first step tries
    /// every single change.
    pub minimum_confirmed: bool,
    /// The changes, in order; the last one crosses α when `index` is `Some`.
    pub path: Vec<FragilityStep>,
}

/// Options of the fragility search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FragilityOptions {
    /// Significance level (strictly between 0 and 1; default 0.05).
    pub alpha: f64,
    /// The most steps tried (each step evaluates every remaining change).
    pub max_steps: usize,
}

impl Default for FragilityOptions {
    fn default() -> Self {
        FragilityOptions {
            alpha: 0.05,
            max_steps: 100,
        }
    }
}

/// Which p-value the fragility follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    WinRatio,
    Cafs,
}

fn p_value(people: &Participants, target: Target) -> Option<f64> {
    match target {
        Target::WinRatio => {
            let comparison = compare_arms(people).ok()?;
            // the p-value does not depend on the confidence level
            let mut ignored = Vec::new();
            estimates(&comparison.combined, 1.96, &mut ignored).0.p_value
        }
        Target::Cafs => rank_sum(people).p_value,
    }
}

fn apply(outcome: &Outcome, change: Change, best: f64, worst: f64) -> Outcome {
    let mut o = *outcome;
    match change {
        Change::DeathToAlive => o.death = false,
        Change::AliveToDeath => o.death = true,
        Change::ScoreToBest => o.score = best,
        Change::ScoreToWorst => o.score = worst,
    }
    o
}

/// The greedy path (see the module documentation); `lines` maps participants back to the
/// file's lines. None when the original test has no p-value.
pub(crate) fn fragility(
    people: &Participants,
    target: Target,
    options: &FragilityOptions,
    lines: &[u64],
) -> Result<Option<WinFragility>, WinError> {
    let FragilityOptions { alpha, max_steps } = *options;
    let sign = people.sign;
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(WinError::Option(format!(
            "α = {alpha} must be strictly between 0 and 1"
        )));
    }
    let Some(p0) = p_value(people, target) else {
        return Ok(None);
    };
    let significant = p0 < alpha;
    let best = people
        .outcomes
        .iter()
        .map(|o| o.score)
        .fold(f64::NEG_INFINITY, f64::max);
    let worst = people.outcomes.iter().map(|o| o.score).fold(f64::INFINITY, f64::min);
    let mut current = people.clone();
    let mut changed = vec![false; people.n()];
    let mut path = Vec::new();
    let mut index = None;
    for step in 1..=max_steps.min(people.n()) {
        let candidates: Vec<(usize, Change)> = (0..people.n())
            .filter(|&i| !changed[i])
            .flat_map(|i| {
                let o = &current.outcomes[i];
                let status = if o.death {
                    Change::DeathToAlive
                } else {
                    Change::AliveToDeath
                };
                let mut v = vec![(i, status)];
                if o.score < best {
                    v.push((i, Change::ScoreToBest));
                }
                if o.score > worst {
                    v.push((i, Change::ScoreToWorst));
                }
                v
            })
            .collect();
        let scored: Vec<Option<f64>> = candidates
            .par_iter()
            .map(|&(i, change)| {
                let mut trial = current.clone();
                trial.outcomes[i] = apply(&current.outcomes[i], change, best, worst);
                p_value(&trial, target)
            })
            .collect();
        // largest p while significant, smallest while not; first in row order among equals
        let mut chosen: Option<(usize, f64)> = None;
        for (k, p) in scored.iter().enumerate() {
            let Some(p) = *p else { continue };
            let better = match chosen {
                None => true,
                Some((_, q)) => {
                    if significant {
                        p > q
                    } else {
                        p < q
                    }
                }
            };
            if better {
                chosen = Some((k, p));
            }
        }
        let Some((k, p)) = chosen else { break };
        let (i, change) = candidates[k];
        let before = current.outcomes[i].score;
        current.outcomes[i] = apply(&current.outcomes[i], change, best, worst);
        changed[i] = true;
        path.push(FragilityStep {
            step,
            line: lines[i],
            group: people.labels[usize::from(people.arm[i])].clone(),
            change,
            score_before: sign * before,
            score_after: sign * current.outcomes[i].score,
            p_value: p,
        });
        if (p < alpha) != significant {
            index = Some(if significant { step as i64 } else { -(step as i64) });
            break;
        }
    }
    Ok(Some(WinFragility {
        alpha,
        p_value: p0,
        significant,
        index,
        minimum_confirmed: index.is_some_and(|i| i.abs() <= 2),
        path,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two equal arms (p = 1 for CAFS): the search needs several changes, all towards the
    /// treated arm, and the index is negative and equals the path's length.
    #[test]
    fn non_significant_result_gets_a_negative_index() {
        let n = 24;
        let outcomes = (0..n)
            .map(|i| Outcome::new(f64::from(i as u32 / 2 + 1), i % 3 == 0, f64::from(i as u32 % 5)))
            .collect();
        let people = Participants {
            outcomes,
            arm: (0..n).map(|i| (i % 2) as u8).collect(),
            stratum: vec![0; n],
            strata: vec![String::new()],
            group_column: "arm".into(),
            labels: ["a".into(), "b".into()],
            sign: 1.0,
            margins: Margins::one(0.0),
            source: "test".into(),
        };
        let lines: Vec<u64> = (2..2 + n as u64).collect();
        let f = fragility(&people, Target::Cafs, &FragilityOptions::default(), &lines)
            .unwrap()
            .unwrap();
        assert!(!f.significant);
        let index = f.index.unwrap();
        assert!(index < 0 && -index as usize == f.path.len(), "{f:?}");
        assert!(f.path.last().unwrap().p_value < 0.05);
        assert!(f.path[..f.path.len() - 1].iter().all(|s| s.p_value >= 0.05));
        let wr = fragility(&people, Target::WinRatio, &FragilityOptions::default(), &lines)
            .unwrap()
            .unwrap();
        assert!(wr.index.unwrap() < 0);
    }
}
