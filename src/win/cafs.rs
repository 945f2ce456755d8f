//! The Combined Assessment of Function and Survival (CAFS) joint rank test and the
//! Finkelstein–Schoenfeld test.
//!
//! # CAFS (Berry et al. 2013, Amyotroph Lateral Scler Frontotemporal Degener 14:162)
//! Every participant is compared with every other participant of the pooled sample by
//! the pairwise rule of `win::pairs` (death over the common follow-up first, then the function score);
//! participant i's score is U_i = wins − losses. The CAFS ranks are the average ranks of the
//! U_i (ties share the mean rank), and the arms are compared by their mean rank with the
//! Wilcoxon rank-sum test:
//!
//! - statistic W = Σ_{i treated} rank_i − n₁(n₁ + 1)/2, R's
//!   `wilcox.test(U[treated], U[reference])$statistic`;
//! - p-value from the normal approximation with the tie correction and the continuity
//!   correction, z = (W − n₁n₀/2 − ½ sign(W − n₁n₀/2)) / σ,
//!   σ² = n₁n₀/12 · (n + 1 − Σ(t³ − t)/(n(n − 1))), as R's `wilcox.test(exact = FALSE,
//!   correct = TRUE)`;
//! - permutation p-value: the U_i do not depend on the arm labels, so under the null
//!   hypothesis (exchangeable labels) W's permutation distribution comes from relabelling
//!   the fixed ranks. Two-sided: p = #{|W* − n₁n₀/2| ≥ |W − n₁n₀/2|}/M over all
//!   M = n!/(n₁!n₀!) assignments when M ≤ the limit, otherwise (1 + #)/(B + 1) over B random
//!   permutations (Phipson & Smyth 2010) drawn by the seeded engine ([`crate::bootstrap::engine`]).
//!   Rank sums are kept doubled, in integers, so "≥" is exact.
//!
//! # Finkelstein–Schoenfeld (Stat Med 1999;18:1341)
//! With the same U_i, T = Σ_{i treated} U_i; under permutation E T = 0 (Σ_i U_i = 0) and
//! Var T = n₁n₀ / (n(n − 1)) · Σ_i U_i² (their eq. 3), so Z = T/√Var T and p = 2Φ(−|Z|).

use serde::Serialize;

use super::fragility::{FragilityOptions, Target, WinFragility, fragility};
use super::pairs::tally;
use super::{Direction, LaterScore, Participants, WinError, missing_score_warning};
use crate::bootstrap::PermutationMethod;
use crate::bootstrap::engine;
use crate::bootstrap::permutation::{PermutationPlan, PlanError};
use crate::data::{DroppedRows, SurvData};
use crate::dist::two_sided_p;
use crate::numbers::count;

/// Options for [`Cafs::test`]; built with [`CafsOptions::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct CafsOptions {
    /// The numeric column holding the function score (read as a covariate).
    pub score: String,
    /// Which way the score is better.
    pub direction: Direction,
    /// Score differences of at most this much are ties (≥ 0; 0 in Berry et al.).
    pub threshold: f64,
    /// Scores compared after the first, in order (at most four; Berry et al. use one).
    pub later_scores: Vec<LaterScore>,
    /// How the permutation p-value is computed: exact enumeration or seeded Monte Carlo.
    pub permutation: PermutationPlan,
    /// Also search the fragility of the rank-sum test's significance.
    pub fragility: Option<FragilityOptions>,
}

impl CafsOptions {
    /// Higher score better, exact permutations up to 10⁶ assignments, else 10,000 random ones.
    pub fn new(score: impl Into<String>) -> Self {
        CafsOptions {
            score: score.into(),
            direction: Direction::HigherIsBetter,
            threshold: 0.0,
            later_scores: Vec::new(),
            permutation: PermutationPlan::default(),
            fragility: None,
        }
    }
}

/// One arm's CAFS summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CafsGroup {
    /// The arm's label.
    pub group: String,
    /// Participants in the arm.
    pub n: usize,
    /// Mean CAFS rank (1 = worst).
    pub mean_rank: f64,
    /// Mean pairwise score U = wins − losses.
    pub mean_score: f64,
}

/// The Finkelstein–Schoenfeld test on the same pairwise scores, computed by [`Cafs::test`].
///
/// # Example
/// ```
/// use survkit::win::{Cafs, CafsOptions};
/// use survkit::{Columns, SurvData};
/// let columns = Columns::new("time_weeks", "death").group("arm").reference("arm", "placebo");
/// let columns = columns.covariates(["alsfrs_change"]);
/// let file = "datasets/als/als_function_survival_synthetic.csv";
/// let data = SurvData::read_csv(file, &columns)?;
/// let mut options = CafsOptions::new("alsfrs_change");
/// options.permutation.permutations = 1000;
/// let fs = Cafs::test(&data, &options, &|| {})?.finkelstein_schoenfeld;
/// assert_eq!(fs.statistic, 2212.0);
/// assert!((fs.p_value.unwrap() - 0.037677889064796).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinkelsteinSchoenfeld {
    /// T = Σ of the treated arm's U.
    #[serde(serialize_with = "count")]
    pub statistic: f64,
    /// Variance of T under permutation, n₁n₀/(n(n − 1)) · ΣU² (their eq. 3).
    pub variance: f64,
    /// Z = T/√Var T; `None` when the variance is 0 (every U is 0).
    pub z: Option<f64>,
    /// Two-sided p-value 2Φ(−|Z|); `None` with `z`.
    pub p_value: Option<f64>,
}

/// The CAFS joint rank test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cafs {
    /// The group column whose two levels are compared.
    pub group_column: String,
    /// The numeric column holding the function score.
    pub score_column: String,
    /// Which way the score is better.
    pub direction: Direction,
    /// Score differences of at most this much are ties.
    pub threshold: f64,
    /// Scores compared after the first, in order; empty when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later_scores: Vec<LaterScore>,
    /// The reference arm's label (the group's first level among the rows used).
    pub reference: String,
    /// The treated arm's label (the other level).
    pub treated: String,
    /// Reference arm first.
    pub groups: Vec<CafsGroup>,
    /// Wilcoxon W of the treated arm's CAFS ranks.
    pub statistic: f64,
    /// Normal-approximation z of W (tie and continuity corrected); `None` when every U is equal.
    pub z: Option<f64>,
    /// Two-sided p-value of `z`, as R's `wilcox.test(exact = FALSE, correct = TRUE)`.
    pub p_value: Option<f64>,
    /// Two-sided permutation p-value on |W − n₁n₀/2|, exact or Monte Carlo.
    pub permutation_p_value: f64,
    /// "exact" (every assignment) or "monte-carlo" (random permutations).
    pub method: PermutationMethod,
    /// The number of distinct label assignments, n!/(n₁!n₀!).
    #[serde(serialize_with = "count")]
    pub assignments: f64,
    /// Assignments evaluated: all of them (exact) or the random permutations (Monte Carlo).
    pub permutations: u64,
    /// How many were at least as extreme as the observed one.
    pub as_extreme: u64,
    /// The seed of the Monte Carlo permutations; `None` when exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The random generator of the Monte Carlo permutations; `None` when exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// The Finkelstein–Schoenfeld test on the same scores U.
    pub finkelstein_schoenfeld: FinkelsteinSchoenfeld,
    /// The fragility of the rank-sum test's significance, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fragility: Option<WinFragility>,
    /// Each participant's U = wins − losses and CAFS rank, in row order.
    #[serde(skip)]
    pub scores: Vec<i64>,
    /// Each participant's CAFS rank (average ranks, 1 = worst), in row order.
    #[serde(skip)]
    pub ranks: Vec<f64>,
    /// 1 for a treated participant, 0 for a reference one, in row order.
    #[serde(skip)]
    pub arm: Vec<u8>,
    /// Rows of the file left out of the analysis, and why.
    pub dropped_rows: DroppedRows,
    /// Missing scores and tests that could not be done; empty when none.
    pub warnings: Vec<String>,
}

/// Average ranks (1-based) of `values`, ties sharing the mean rank, doubled so that they are
/// integers; and Σ(t³ − t) over the tie groups.
fn doubled_ranks(values: &[i64]) -> (Vec<i64>, f64) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by_key(|&i| values[i]);
    let mut ranks = vec![0i64; values.len()];
    let mut ties = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // positions start+1 ..= end, mean (start + 1 + end)/2, doubled
        let doubled = (start + 1 + end) as i64;
        order[start..end].iter().for_each(|&i| ranks[i] = doubled);
        let t = (end - start) as f64;
        ties += t * t * t - t;
        start = end;
    }
    (ranks, ties)
}

/// The CAFS scores, ranks and rank-sum test of the treated arm.
pub(crate) struct RankSum {
    pub scores: Vec<i64>,
    /// Doubled average ranks.
    pub ranks: Vec<i64>,
    /// 1 for the treated arm, 0 for the reference arm.
    pub treated: Vec<u32>,
    pub statistic: f64,
    pub z: Option<f64>,
    pub p_value: Option<f64>,
}

/// The doubled rank sum of the participants labelled 1.
fn doubled_rank_sum(labels: &[u32], ranks: &[i64]) -> i64 {
    labels.iter().zip(ranks).filter(|(a, _)| **a == 1).map(|(_, r)| r).sum()
}

/// Scores everyone against everyone and runs the rank-sum test (see the module documentation).
pub(crate) fn rank_sum(people: &Participants) -> RankSum {
    let n = people.n();
    let tallies = tally(&people.outcomes, &people.outcomes, &people.margins);
    let scores: Vec<i64> = tallies.iter().map(|t| t.wins() as i64 - t.losses() as i64).collect();
    let (ranks, ties) = doubled_ranks(&scores);
    let treated: Vec<u32> = people.arm.iter().map(|&a| u32::from(a)).collect();
    let n1 = treated.iter().filter(|&&a| a == 1).count();
    let (n1f, n0f, nf) = (n1 as f64, (n - n1) as f64, n as f64);
    let statistic = doubled_rank_sum(&treated, &ranks) as f64 / 2.0 - n1f * (n1f + 1.0) / 2.0;
    let sigma2 = n1f * n0f / 12.0 * (nf + 1.0 - ties / (nf * (nf - 1.0)));
    let (z, p_value) = if sigma2 > 0.0 {
        let shift = statistic - n1f * n0f / 2.0;
        // R's sign(0) is 0: no continuity correction at the centre
        let correction = if shift == 0.0 { 0.0 } else { 0.5 * shift.signum() };
        let z = (shift - correction) / sigma2.sqrt();
        (Some(z), Some(two_sided_p(z)))
    } else {
        (None, None)
    };
    RankSum {
        scores,
        ranks,
        treated,
        statistic,
        z,
        p_value,
    }
}

impl Cafs {
    /// The CAFS and Finkelstein–Schoenfeld tests of the second arm against the first.
    /// `progress` is told of each permutation.
    ///
    /// # Example
    /// ```
    /// use survkit::win::{Cafs, CafsOptions};
    /// use survkit::{Columns, SurvData};
    /// let columns = Columns::new("time_weeks", "death").group("arm").reference("arm", "placebo");
    /// let columns = columns.covariates(["alsfrs_change"]);
    /// let file = "datasets/als/als_function_survival_synthetic.csv";
    /// let data = SurvData::read_csv(file, &columns)?;
    /// let mut options = CafsOptions::new("alsfrs_change");
    /// options.permutation.permutations = 1000;
    /// let cafs = Cafs::test(&data, &options, &|| {})?;
    /// assert_eq!(cafs.statistic, 8323.5);
    /// assert!((cafs.p_value.unwrap() - 0.036700697687315).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn test(data: &SurvData, options: &CafsOptions, progress: &(dyn Fn() + Sync)) -> Result<Cafs, WinError> {
        if options.permutation.threads == 0 {
            return Err(WinError::Option("threads must be at least 1".into()));
        }
        if data.strata.is_some() {
            return Err(WinError::Unsupported {
                file: data.source.clone(),
                what: "strata (the CAFS ranks pool every participant)".into(),
            });
        }
        let people = Participants::from_data(
            data,
            &options.score,
            options.direction,
            options.threshold,
            &options.later_scores,
        )?;
        let n = people.n();
        let RankSum {
            scores,
            ranks,
            treated,
            statistic,
            z,
            p_value,
        } = rank_sum(&people);
        let n1 = treated.iter().filter(|&&a| a == 1).count();
        let n0 = n - n1;
        let (n1f, n0f, nf) = (n1 as f64, n0 as f64, n as f64);
        let doubled_sum = |labels: &[u32]| doubled_rank_sum(labels, &ranks);
        let centre = (n1 * (n + 1)) as i64;
        let observed = (doubled_sum(&treated) - centre).abs();
        let mut warnings: Vec<String> = missing_score_warning(&people).into_iter().collect();
        if z.is_none() {
            warnings.push("every participant has the same CAFS score: no rank-sum test".into());
        }

        let found = options
            .permutation
            .count(&treated, &[n0, n1], progress, &engine::never(), || (), |labels, _| {
                (doubled_sum(labels) - centre).abs() >= observed
            })
            .map_err(|e| match e {
                PlanError::TooMany { assignments, limit } => WinError::Option(format!(
                    "exact enumeration of {assignments:.3e} label assignments exceeds the limit of {limit}; use Monte Carlo permutations"
                )),
                PlanError::Option(message) => WinError::Option(message),
                PlanError::Threads(message) => WinError::Threads(message),
                PlanError::Stopped => WinError::Threads("stopped".into()),
            })?;
        let exact = found.exact;

        let fs_statistic: i64 = scores
            .iter()
            .zip(&treated)
            .filter(|(_, a)| **a == 1)
            .map(|(u, _)| u)
            .sum();
        let sum_sq: f64 = scores.iter().map(|&u| (u as f64) * (u as f64)).sum();
        let variance = n1f * n0f / (nf * (nf - 1.0)) * sum_sq;
        let fs_z = (variance > 0.0).then(|| fs_statistic as f64 / variance.sqrt());
        let finkelstein_schoenfeld = FinkelsteinSchoenfeld {
            statistic: fs_statistic as f64,
            variance,
            z: fs_z,
            p_value: fs_z.map(two_sided_p),
        };

        let groups = (0..2u32)
            .map(|arm| {
                let members: Vec<usize> = (0..n).filter(|&i| treated[i] == arm).collect();
                let m = members.len() as f64;
                CafsGroup {
                    group: people.labels[arm as usize].clone(),
                    n: members.len(),
                    mean_rank: members.iter().map(|&i| ranks[i] as f64 / 2.0).sum::<f64>() / m,
                    mean_score: members.iter().map(|&i| scores[i] as f64).sum::<f64>() / m,
                }
            })
            .collect();
        Ok(Cafs {
            group_column: people.group_column.clone(),
            score_column: options.score.clone(),
            direction: options.direction,
            threshold: options.threshold,
            later_scores: options.later_scores.clone(),
            reference: people.labels[0].clone(),
            treated: people.labels[1].clone(),
            groups,
            statistic,
            z,
            p_value,
            permutation_p_value: found.p_value,
            method: if exact {
                PermutationMethod::Exact
            } else {
                PermutationMethod::MonteCarlo
            },
            assignments: found.assignments.round(),
            permutations: found.permutations,
            as_extreme: found.as_extreme,
            seed: (!exact).then_some(options.permutation.seed),
            generator: (!exact).then(|| engine::GENERATOR.to_string()),
            finkelstein_schoenfeld,
            fragility: match &options.fragility {
                Some(f) => fragility(&people, Target::Cafs, f, &data.lines)?,
                None => None,
            },
            ranks: ranks.iter().map(|&r| r as f64 / 2.0).collect(),
            arm: people.arm.clone(),
            scores,
            dropped_rows: data.dropped.clone(),
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Columns;

    /// Four participants, every pair written out (score higher is better):
    ///
    /// A (trt, died at 2, score 5), B (trt, censored at 6, 1), C (ctl, died at 4, 3),
    /// D (ctl, censored at 6, 4)
    ///
    /// A–B: A dies at 2 while B followed to 6 → B wins.   A–C: A dies at 2 < 4 → C wins.
    /// A–D: A dies at 2 < 6 → D wins.                     B–C: C dies at 4 < 6 → B wins.
    /// B–D: both censored, score 1 < 4 → D wins.          C–D: C dies at 4 < 6 → D wins.
    ///
    /// U = wins − losses: A = 0 − 3 = −3, B = 2 − 1 = 1, C = 1 − 2 = −1, D = 3 − 0 = 3;
    /// ranks A 1, B 3, C 2, D 4; treated rank sum 4, W = 4 − 3 = 1; mean ranks ctl 3, trt 2.
    /// Rank-sum normal approximation: W − n₁n₀/2 = −1, continuity −1 + ½ = −½,
    /// σ² = 4/12 · 5 = 5/3, z = −½/√(5/3).
    /// Exact permutation: the 6 treated pairs of ranks sum to 3, 4, 5, 5, 6, 7 about the centre
    /// 5; |sum − 5| ≥ |4 − 5| for 3, 4, 6, 7: p = 4/6.
    /// Finkelstein–Schoenfeld: T = −3 + 1 = −2, ΣU² = 20, Var T = 2·2/(4·3) · 20 = 20/3.
    #[test]
    fn hand_four_participants() {
        let csv = b"arm,time,death,score\ntrt,2,1,5\ntrt,6,0,1\nctl,4,1,3\nctl,6,0,4\n";
        let columns = Columns::new("time", "death").group("arm").covariates(["score"]);
        let data = SurvData::from_csv_bytes("hand.csv", csv, &columns).unwrap();
        let cafs = Cafs::test(&data, &CafsOptions::new("score"), &|| {}).unwrap();
        assert_eq!(cafs.scores, vec![-3, 1, -1, 3]);
        assert_eq!(cafs.ranks, vec![1.0, 3.0, 2.0, 4.0]);
        assert_eq!(cafs.statistic, 1.0);
        assert_eq!((cafs.groups[0].mean_rank, cafs.groups[1].mean_rank), (3.0, 2.0));
        let z = -0.5 / (5.0f64 / 3.0).sqrt();
        assert!((cafs.z.unwrap() - z).abs() < 1e-15);
        assert_eq!((cafs.permutations, cafs.as_extreme), (6, 4));
        assert_eq!(cafs.finkelstein_schoenfeld.statistic, -2.0);
        assert!((cafs.finkelstein_schoenfeld.variance - 20.0 / 3.0).abs() < 1e-14);
    }

    #[test]
    fn ranks_with_ties() {
        // values 3, 1, 3, 2 → ranks 3.5, 1, 3.5, 2; one tie group of 2: Σ(t³ − t) = 6
        let (r, ties) = doubled_ranks(&[3, 1, 3, 2]);
        assert_eq!(r, vec![7, 2, 7, 4]);
        assert_eq!(ties, 6.0);
    }
}
