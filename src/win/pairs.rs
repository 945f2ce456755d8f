//! The pairwise comparison of two participants on death, then a function score, and its
//! O(n log n) tally over all pairs.
//!
//! # The comparison (Pocock et al. 2012, Eur Heart J 33:176; Finkelstein & Schoenfeld 1999)
//! Participant a (exit time tₐ, death indicator dₐ, score sₐ, oriented so that higher is
//! better) is compared with b over their common follow-up:
//!
//! 1. death: a **loses** when a is seen to die while b is still under follow-up,
//!    dₐ = 1 and (tₐ < t_b, or tₐ = t_b with b censored); a **wins** in the mirror case
//!    d_b = 1 and (t_b < tₐ, or t_b = tₐ with a censored). A censoring at the time of a death
//!    is taken to follow it, as Kaplan–Meier does.
//! 2. score, for every pair not decided on death (one censored before the other's death, both
//!    censored, or both dying at the same time): a wins when sₐ − s_b > δ, loses when
//!    s_b − sₐ > δ, with δ ≥ 0 the tie margin (`threshold`);
//! 3. later scores, in order, for every pair the score leaves tied: the same rule with each
//!    later score's own margin (a hierarchy such as death, then ALSFRS-R, then FVC);
//! 4. otherwise the pair is a tie — also when either score is missing (NaN): a participant
//!    without a score (e.g. one who died before the first visit) is compared on death only.
//!
//! A participant compared with itself is a tie, so tallies over a pooled sample may include
//! each participant among its own opponents.
//!
//! # The tally
//! For each query participant q, [`tally`] counts its wins and losses against a set of
//! opponents, by level. With the opponents split into deaths D and censored C, each sorted
//! by time:
//! - q dead: losses on death = #{D: t > t_q} + #{C: t ≥ t_q}, wins on death = #{D: t < t_q};
//!   left for the score: {C: t < t_q} and {D: t = t_q};
//! - q censored: wins on death = #{D: t ≤ t_q}, no loss on death; left for the score: all of C
//!   and {D: t > t_q}.
//!
//! Counts by time are binary searches. Score counts over a time prefix of C or a time suffix of
//! D are answered offline: queries taken in time order, opponents added to a Fenwick tree over
//! their score ranks as the time passes them (Fenwick 1994). So the tally is
//! O((n + m) log m) for n queries and m opponents, against n·m comparisons for `tally_naive`,
//! which the tests keep as the definition. With later scores the ties left by the first score
//! are not a range of any one ordering, so every pair is compared ([`tally`] falls back to the
//! n·m comparisons, in parallel over the queries).

use std::cmp::Ordering;

use rayon::prelude::*;

/// How many scores may follow the first in a hierarchy.
pub const MAX_LATER: usize = 4;

/// One participant as the comparison sees them; scores are oriented (higher is better), the
/// later ones NaN beyond those the hierarchy has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub time: f64,
    pub death: bool,
    pub score: f64,
    pub later: [f64; MAX_LATER],
}

impl Outcome {
    /// A participant compared on death and one score.
    pub fn new(time: f64, death: bool, score: f64) -> Outcome {
        Outcome {
            time,
            death,
            score,
            later: [f64::NAN; MAX_LATER],
        }
    }
}

/// The tie margins of the hierarchy: the first score's, then each later score's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Margins {
    pub score: f64,
    pub later: Vec<f64>,
}

impl Margins {
    /// One score with margin δ.
    #[cfg(test)]
    pub fn one(score: f64) -> Margins {
        Margins {
            score,
            later: Vec::new(),
        }
    }
}

/// How a comparison of a with b ended, from a's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    WinOnDeath,
    LossOnDeath,
    WinOnScore,
    LossOnScore,
    /// Won or lost on the k-th later score.
    WinOnLater(usize),
    LossOnLater(usize),
    Tie,
}

/// One participant's wins and losses against a set of opponents, by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub wins_death: u64,
    pub losses_death: u64,
    pub wins_score: u64,
    pub losses_score: u64,
    pub wins_later: [u64; MAX_LATER],
    pub losses_later: [u64; MAX_LATER],
}

impl Tally {
    pub fn wins(&self) -> u64 {
        self.wins_death + self.wins_score + self.wins_later.iter().sum::<u64>()
    }
    pub fn losses(&self) -> u64 {
        self.losses_death + self.losses_score + self.losses_later.iter().sum::<u64>()
    }
    fn add(&mut self, decision: Decision) {
        match decision {
            Decision::WinOnDeath => self.wins_death += 1,
            Decision::LossOnDeath => self.losses_death += 1,
            Decision::WinOnScore => self.wins_score += 1,
            Decision::LossOnScore => self.losses_score += 1,
            Decision::WinOnLater(k) => self.wins_later[k] += 1,
            Decision::LossOnLater(k) => self.losses_later[k] += 1,
            Decision::Tie => {}
        }
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.wins_death += other.wins_death;
        self.losses_death += other.losses_death;
        self.wins_score += other.wins_score;
        self.losses_score += other.losses_score;
        for k in 0..MAX_LATER {
            self.wins_later[k] += other.wins_later[k];
            self.losses_later[k] += other.losses_later[k];
        }
    }
}

/// Whether a is seen to die while b is still under follow-up.
fn dies_first(a: &Outcome, b: &Outcome) -> bool {
    a.death && (a.time < b.time || (a.time == b.time && !b.death))
}

/// Compares a with b (see the module documentation); the fast tallies count the same
/// decisions by sorting.
pub fn compare(a: &Outcome, b: &Outcome, margins: &Margins) -> Decision {
    if dies_first(a, b) {
        return Decision::LossOnDeath;
    } else if dies_first(b, a) {
        return Decision::WinOnDeath;
    } else if a.score - b.score > margins.score {
        return Decision::WinOnScore;
    } else if b.score - a.score > margins.score {
        return Decision::LossOnScore;
    }
    for (k, &margin) in margins.later.iter().enumerate() {
        if a.later[k] - b.later[k] > margin {
            return Decision::WinOnLater(k);
        } else if b.later[k] - a.later[k] > margin {
            return Decision::LossOnLater(k);
        }
    }
    Decision::Tie
}

/// Every query compared with every opponent: the definition [`tally`] must match, and the
/// tally itself when later scores follow the first.
pub fn tally_naive(queries: &[Outcome], opponents: &[Outcome], margins: &Margins) -> Vec<Tally> {
    queries
        .par_iter()
        .map(|q| {
            let mut t = Tally::default();
            for o in opponents {
                t.add(compare(q, o, margins));
            }
            t
        })
        .collect()
}

/// Counts of a set of scores below and above a query score, by rank in a Fenwick tree.
struct ScoreCounter {
    /// The distinct scores of the set, ascending.
    values: Vec<f64>,
    tree: Vec<u64>,
    inserted: u64,
}

impl ScoreCounter {
    fn new(scores: impl Iterator<Item = f64>) -> Self {
        let mut values: Vec<f64> = scores.collect();
        values.sort_unstable_by(f64::total_cmp);
        values.dedup();
        let tree = vec![0; values.len() + 1];
        ScoreCounter {
            values,
            tree,
            inserted: 0,
        }
    }

    fn insert(&mut self, score: f64) {
        let rank = self.values.partition_point(|v| *v < score);
        let mut i = rank + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
        self.inserted += 1;
    }

    /// How many inserted scores lie in the first `rank` distinct values.
    fn prefix(&self, rank: usize) -> u64 {
        let mut i = rank;
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        sum
    }

    /// (q's wins, q's losses) on the score against the inserted scores.
    fn wins_losses(&self, score: f64, threshold: f64) -> (u64, u64) {
        let (below, not_above) = score_cuts(&self.values, score, threshold);
        (self.prefix(below), self.inserted - self.prefix(not_above))
    }
}

/// In ascending finite scores: how many q beats (q − v > δ) and how many do not beat q
/// (v − q ≤ δ), by the very expressions of [`compare`], monotone in v.
fn score_cuts(sorted: &[f64], score: f64, threshold: f64) -> (usize, usize) {
    let below = sorted.partition_point(|v| score - v > threshold);
    let not_above = sorted.partition_point(|v| v - score <= threshold);
    (below, not_above)
}

/// (q's wins, q's losses) on the score against a sorted slice of scores.
fn wins_losses_sorted(sorted: &[f64], score: f64, threshold: f64) -> (u64, u64) {
    let (below, not_above) = score_cuts(sorted, score, threshold);
    (below as u64, (sorted.len() - not_above) as u64)
}

fn by_time_then_score(a: &Outcome, b: &Outcome) -> Ordering {
    a.time.total_cmp(&b.time).then(a.score.total_cmp(&b.score))
}

/// Each query's wins and losses against all the opponents, in query order (see the module
/// documentation). Times must be finite, scores finite or NaN (missing), margins ≥ 0.
pub fn tally(queries: &[Outcome], opponents: &[Outcome], margins: &Margins) -> Vec<Tally> {
    if margins.later.is_empty() {
        tally_one_score(queries, opponents, margins.score)
    } else {
        tally_naive(queries, opponents, margins)
    }
}

/// [`tally`] of a hierarchy with one score, by sorting.
fn tally_one_score(queries: &[Outcome], opponents: &[Outcome], threshold: f64) -> Vec<Tally> {
    let sorted = |death: bool, scored_only: bool| {
        let mut v: Vec<Outcome> = opponents
            .iter()
            .copied()
            .filter(|o| o.death == death && !(scored_only && o.score.is_nan()))
            .collect();
        v.sort_unstable_by(by_time_then_score);
        v
    };
    // every opponent counts on death; only those with a score count on the score
    let death_times: Vec<f64> = sorted(true, false).iter().map(|o| o.time).collect();
    let censored_times: Vec<f64> = sorted(false, false).iter().map(|o| o.time).collect();
    let deaths = sorted(true, true);
    let censored = sorted(false, true);
    let scored_death_times: Vec<f64> = deaths.iter().map(|o| o.time).collect();
    let death_scores: Vec<f64> = deaths.iter().map(|o| o.score).collect();
    let mut censored_scores: Vec<f64> = censored.iter().map(|o| o.score).collect();
    censored_scores.sort_unstable_by(f64::total_cmp);

    let mut out = vec![Tally::default(); queries.len()];
    for (q, t) in queries.iter().zip(out.iter_mut()) {
        let deaths_before = death_times.partition_point(|x| *x < q.time);
        let deaths_to = death_times.partition_point(|x| *x <= q.time);
        if q.death {
            let censored_before = censored_times.partition_point(|x| *x < q.time);
            t.losses_death = (death_times.len() - deaths_to + censored_times.len() - censored_before) as u64;
            t.wins_death = deaths_before as u64;
        } else {
            t.wins_death = deaths_to as u64;
        }
        if q.score.is_nan() {
            continue;
        }
        let (w, l) = if q.death {
            // deaths at the same time, sorted by score within the time
            let from = scored_death_times.partition_point(|x| *x < q.time);
            let to = scored_death_times.partition_point(|x| *x <= q.time);
            wins_losses_sorted(&death_scores[from..to], q.score, threshold)
        } else {
            wins_losses_sorted(&censored_scores, q.score, threshold)
        };
        t.wins_score += w;
        t.losses_score += l;
    }
    let scored = |death: bool| -> Vec<usize> {
        (0..queries.len())
            .filter(|&i| queries[i].death == death && !queries[i].score.is_nan())
            .collect()
    };

    // dead queries against the censored opponents before them: ascending time
    let mut order = scored(true);
    order.sort_unstable_by(|&a, &b| queries[a].time.total_cmp(&queries[b].time));
    let mut counter = ScoreCounter::new(censored.iter().map(|o| o.score));
    let mut next = 0;
    for &i in &order {
        let q = &queries[i];
        while next < censored.len() && censored[next].time < q.time {
            counter.insert(censored[next].score);
            next += 1;
        }
        let (w, l) = counter.wins_losses(q.score, threshold);
        out[i].wins_score += w;
        out[i].losses_score += l;
    }

    // censored queries against the deaths after them: descending time
    let mut order = scored(false);
    order.sort_unstable_by(|&a, &b| queries[b].time.total_cmp(&queries[a].time));
    let mut counter = ScoreCounter::new(deaths.iter().map(|o| o.score));
    let mut next = deaths.len();
    for &i in &order {
        let q = &queries[i];
        while next > 0 && deaths[next - 1].time > q.time {
            next -= 1;
            counter.insert(deaths[next].score);
        }
        let (w, l) = counter.wins_losses(q.score, threshold);
        out[i].wins_score += w;
        out[i].losses_score += l;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(time: f64, death: bool, score: f64) -> Outcome {
        Outcome::new(time, death, score)
    }

    fn one(margin: f64) -> Margins {
        Margins::one(margin)
    }

    /// Every rule of the comparison, one pair each.
    #[test]
    fn comparison_rules() {
        use Decision::*;
        // a dies at 2 while b is followed to 5: a loses on death whatever the scores
        assert_eq!(compare(&o(2.0, true, 9.0), &o(5.0, false, 0.0), &one(0.0)), LossOnDeath);
        // b dies at 2, a followed to 5: a wins
        assert_eq!(compare(&o(5.0, false, 0.0), &o(2.0, true, 9.0), &one(0.0)), WinOnDeath);
        // a dies at 3, b censored at 3: b known alive at 3 (censoring follows the death)
        assert_eq!(compare(&o(3.0, true, 9.0), &o(3.0, false, 0.0), &one(0.0)), LossOnDeath);
        // a dies at 4, b censored at 3: survival cannot decide; score 1 vs 0 → a wins on score
        assert_eq!(compare(&o(4.0, true, 1.0), &o(3.0, false, 0.0), &one(0.0)), WinOnScore);
        // both die at 4: scores 0 vs 1 → a loses on score
        assert_eq!(compare(&o(4.0, true, 0.0), &o(4.0, true, 1.0), &one(0.0)), LossOnScore);
        // both censored, scores 1 vs 0.5 with margin 0.5: |difference| ≤ margin → tie
        assert_eq!(compare(&o(4.0, false, 1.0), &o(7.0, false, 0.5), &one(0.5)), Tie);
        assert_eq!(compare(&o(4.0, false, 1.0), &o(7.0, false, 0.4), &one(0.5)), WinOnScore);
        // no score for a: still loses on death, but a pair left to the score is a tie
        assert_eq!(
            compare(&o(2.0, true, f64::NAN), &o(5.0, false, 0.0), &one(0.0)),
            LossOnDeath
        );
        assert_eq!(compare(&o(4.0, false, f64::NAN), &o(7.0, false, 0.0), &one(0.0)), Tie);
    }

    /// Three against three, every pair written out (q = query, o = opponent; scores higher
    /// is better, margin 0):
    ///
    /// queries: A (2, died, 5), B (4, censored, 1), C (4, died, 3)
    /// opponents: X (3, died, 0), Y (4, censored, 2), Z (1, censored, 9)
    ///
    /// A–X: A dies at 2 < 3 → A loses on death.   A–Y: A dies at 2 < 4 → loss on death.
    /// A–Z: Z censored at 1 before A's death → score 5 vs 9 → A loses on score.
    /// B–X: X dies at 3 < 4 → B wins on death.    B–Y: both censored → 1 vs 2 → loss on score.
    /// B–Z: both censored → 1 vs 9 → loss on score.
    /// C–X: X dies at 3 < 4 → C wins on death.    C–Y: C dies at 4, Y censored at 4 → loss on death.
    /// C–Z: Z censored at 1 → score 3 vs 9 → loss on score.
    #[test]
    fn hand_tally() {
        let queries = [o(2.0, true, 5.0), o(4.0, false, 1.0), o(4.0, true, 3.0)];
        let opponents = [o(3.0, true, 0.0), o(4.0, false, 2.0), o(1.0, false, 9.0)];
        let expected = [
            Tally {
                wins_death: 0,
                losses_death: 2,
                wins_score: 0,
                losses_score: 1,
                ..Default::default()
            },
            Tally {
                wins_death: 1,
                losses_death: 0,
                wins_score: 0,
                losses_score: 2,
                ..Default::default()
            },
            Tally {
                wins_death: 1,
                losses_death: 1,
                wins_score: 0,
                losses_score: 1,
                ..Default::default()
            },
        ];
        assert_eq!(tally_naive(&queries, &opponents, &one(0.0)), expected);
        assert_eq!(tally(&queries, &opponents, &one(0.0)), expected);
    }

    /// Tied times, tied scores, margins and missing scores: the fast tally equals the definition.
    #[test]
    fn fast_equals_naive_with_ties() {
        let mut state = 12345u64;
        let mut next = move |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for round in 0..200 {
            let n = 1 + next(30) as usize;
            let m = 1 + next(30) as usize;
            let mut draw = || {
                let score = if next(7) == 0 { f64::NAN } else { next(5) as f64 * 0.5 };
                o(next(6) as f64, next(2) == 1, score)
            };
            let queries: Vec<Outcome> = (0..n).map(|_| draw()).collect();
            let opponents: Vec<Outcome> = (0..m).map(|_| draw()).collect();
            let threshold = [0.0, 0.5, 0.75, 1.0][round % 4];
            assert_eq!(
                tally(&queries, &opponents, &one(threshold)),
                tally_naive(&queries, &opponents, &one(threshold)),
                "round {round}"
            );
        }
    }

    /// A hierarchy of death, a score with margin 1, then a second score with margin 0, pair by
    /// pair (a against b):
    ///
    /// 1. a dies at 2, b followed to 5: a loses on death, whatever the scores.
    /// 2. both censored, first scores 3 and 1 (difference 2 > 1): a wins on the first score.
    /// 3. both censored, first scores 3 and 2.5 (tie within the margin), second 0 and 4: a loses
    ///    on the second score.
    /// 4. as 3, second scores 4 and 4: a tie at every level.
    /// 5. first score missing for a, second 2 and 1: the first leaves the pair tied, the second
    ///    decides: a wins on it.
    #[test]
    fn later_scores_decide_the_ties_of_the_first() {
        let with = |time, death, score, second| Outcome {
            later: [second, f64::NAN, f64::NAN, f64::NAN],
            ..o(time, death, score)
        };
        let margins = Margins {
            score: 1.0,
            later: vec![0.0],
        };
        use Decision::*;
        let cases = [
            (with(2.0, true, 9.0, 9.0), with(5.0, false, 0.0, 0.0), LossOnDeath),
            (with(4.0, false, 3.0, 0.0), with(6.0, false, 1.0, 0.0), WinOnScore),
            (with(4.0, false, 3.0, 0.0), with(6.0, false, 2.5, 4.0), LossOnLater(0)),
            (with(4.0, false, 3.0, 4.0), with(6.0, false, 2.5, 4.0), Tie),
            (
                with(4.0, false, f64::NAN, 2.0),
                with(6.0, false, 2.5, 1.0),
                WinOnLater(0),
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare(&a, &b, &margins), expected);
        }
        let queries: Vec<Outcome> = cases.iter().map(|c| c.0).collect();
        let opponents: Vec<Outcome> = cases.iter().map(|c| c.1).collect();
        // the third query (censored at 4, scores 3 and 0) against all five opponents, none of
        // whom died: first scores 0 and 1 are beaten by more than 1 (two wins on the score);
        // 2.5, 2.5 and 2.5 are within the margin, and their second scores 4, 4 and 1 beat 0
        // (three losses on the second score)
        let t = tally(&queries[2..3], &opponents, &margins)[0];
        assert_eq!((t.wins_score, t.losses_later[0], t.wins_later[0]), (2, 3, 0));
        assert_eq!(t.wins_death + t.losses_death, 0);
    }
}
