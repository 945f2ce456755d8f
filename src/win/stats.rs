//! Win ratio, win odds and net benefit of a treated arm against a reference arm.
//!
//! # Formulas
//! Every treated participant i (n₁ of them) is compared with every reference participant j
//! (n₀) by the pairwise rule of `win::pairs`: W_ij = 1 when i wins, L_ij = 1 when i loses. With
//! p_w = ΣW_ij/(n₁n₀), p_l = ΣL_ij/(n₁n₀) and p_t = 1 − p_w − p_l (Pocock et al. 2012;
//! Buyse 2010; Dong et al. 2020, "win statistics"):
//!
//! - win ratio WR = p_w / p_l;
//! - win odds WO = (p_w + p_t/2) / (p_l + p_t/2) = θ/(1 − θ), θ = p_w + p_t/2 the
//!   Mann–Whitney probability (Brunner, Vandemeulebroecke & Mütze 2021);
//! - net benefit NB = p_w − p_l = 2θ − 1 (Buyse 2010).
//!
//! Variance: (p_w, p_l) is a pair of two-sample U-statistics; their asymptotic covariance
//! (Hoeffding 1948; the win-ratio variance of Dong et al. 2016, Pharm Stat 15:430, and of
//! Bebu & Lachin 2016, Biostatistics 17:178) is estimated from Sen's (1960) structural
//! components, as DeLong et al. (1988) do for the AUC: with a_i = Σ_j W_ij/n₀ and
//! b_i = Σ_j L_ij/n₀ for treated i, c_j = Σ_i W_ij/n₁ and d_j = Σ_i L_ij/n₁ for reference j,
//!
//!   Var p_w = s²(a)/n₁ + s²(c)/n₀,  Var p_l = s²(b)/n₁ + s²(d)/n₀,
//!   Cov(p_w, p_l) = s(a, b)/n₁ + s(c, d)/n₀,
//!
//! with s², s the sample variance and covariance (divisor n − 1). Then by the delta method
//!
//!   Var log WR = Var p_w/p_w² + Var p_l/p_l² − 2 Cov/(p_w p_l),
//!   Var NB = Var p_w + Var p_l − 2 Cov,  Var log WO = (Var NB / 4) / (θ(1 − θ))²,
//!
//! the last being the Brunner–Munzel (2000) variance of θ̂ carried to the logit scale
//! (Var θ̂ = Var NB/4; the placements s²(a − b)/n₁ + s²(c − d)/n₀ are Brunner–Munzel's). Limits
//! are Wald limits on the log scale for WR and WO and on the natural scale for NB; each
//! p-value is its own Wald test of no difference (WR = 1, WO = 1, NB = 0).
//!
//! # Strata (Dong et al. 2018, J Biopharm Stat 28:778)
//! Pairs are formed within strata. Stratum k counts with the Mantel–Haenszel-type weight
//! w_k = 1/(n₁ₖ + n₀ₖ): p_w = Σ_k w_k W_k / Σ_k w_k n₁ₖn₀ₖ (W_k the stratum's wins), likewise
//! p_l, and Var p_w = Σ_k ω_k² Var p_w,k with ω_k = w_k n₁ₖn₀ₖ / Σ w n₁n₀, strata being
//! independent; the estimates above then follow from the stratified p_w, p_l. Win, loss and
//! tie counts are the plain sums over strata.

use serde::Serialize;

use super::bootstrap::{WinBootstrap, bootstrap};
use super::fragility::{Target, WinFragility, fragility};
use super::pairs::{Outcome, Tally, tally};
use super::{Direction, LaterScore, Participants, WinError, WinOptions, missing_score_warning};
use crate::data::{DroppedRows, SurvData};
use crate::dist::z_for_level;
use crate::rmst::ContrastEstimate;

/// Wins and losses decided at one level of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    /// "death", "score", or a later score's column.
    pub level: String,
    /// Pairs the treated participant wins at this level.
    pub wins: u64,
    /// Pairs the treated participant loses at this level.
    pub losses: u64,
}

/// The win statistics of a treated arm against the reference arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinStatistics {
    /// The group column whose two levels are compared.
    pub group_column: String,
    /// The reference arm's label (the group's first level among the rows used).
    pub reference: String,
    /// The treated arm's label (the other level).
    pub treated: String,
    /// Participants in the reference arm.
    pub n_reference: usize,
    /// Participants in the treated arm.
    pub n_treated: usize,
    /// The numeric column holding the function score.
    pub score_column: String,
    /// Which way the score is better.
    pub direction: Direction,
    /// Score differences of at most this much are ties.
    pub threshold: f64,
    /// Scores compared after the first, in order; empty when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later_scores: Vec<LaterScore>,
    /// The strata column when pairs are formed within strata; `None` when unstratified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata_column: Option<String>,
    /// Treated–reference pairs compared (within strata when stratified).
    pub pairs: u64,
    /// Pairs the treated participant wins, loses, or that are tied at every level.
    pub wins: u64,
    /// Pairs the treated participant loses.
    pub losses: u64,
    /// Pairs tied at every level (pairs − wins − losses).
    pub ties: u64,
    /// Wins and losses by level: death, then score.
    pub levels: Vec<LevelCounts>,
    /// Win ratio p_w/p_l, Wald limits on the log scale; estimate `None` when no pair is a loss.
    pub win_ratio: ContrastEstimate,
    /// Win odds (p_w + p_t/2)/(p_l + p_t/2), limits on the log scale (Brunner–Munzel variance).
    pub win_odds: ContrastEstimate,
    /// Net benefit p_w − p_l with Wald limits on the natural scale.
    pub net_benefit: ContrastEstimate,
    /// Confidence level of the limits (e.g. 0.95).
    pub conf_level: f64,
    /// The fragility of the win ratio's significance, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fragility: Option<WinFragility>,
    /// Bootstrap percentile intervals and SEs, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<WinBootstrap>,
    /// Rows of the file left out of the analysis, and why.
    pub dropped_rows: DroppedRows,
    /// Why an estimate, limit or p-value is missing, and missing scores; empty when none.
    pub warnings: Vec<String>,
}

/// p_w, p_l and their estimated covariance.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Moments {
    pub p_win: f64,
    pub p_loss: f64,
    /// None when an arm has fewer than two participants (in some stratum).
    pub var_win: Option<f64>,
    pub var_loss: Option<f64>,
    pub cov: Option<f64>,
}

/// Sample covariance of x and y (divisor n − 1); None below two values.
fn sample_cov(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    Some(x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum::<f64>() / (n - 1) as f64)
}

/// The moments of one stratum from the treated tallies (against the reference arm) and the
/// reference tallies (against the treated arm).
pub(crate) fn moments(treated: &[Tally], reference: &[Tally]) -> Moments {
    let (n1, n0) = (treated.len() as f64, reference.len() as f64);
    let pairs = n1 * n0;
    let wins: u64 = treated.iter().map(Tally::wins).sum();
    let losses: u64 = treated.iter().map(Tally::losses).sum();
    let a: Vec<f64> = treated.iter().map(|t| t.wins() as f64 / n0).collect();
    let b: Vec<f64> = treated.iter().map(|t| t.losses() as f64 / n0).collect();
    // a reference participant's losses are the treated arm's wins against it
    let c: Vec<f64> = reference.iter().map(|t| t.losses() as f64 / n1).collect();
    let d: Vec<f64> = reference.iter().map(|t| t.wins() as f64 / n1).collect();
    let component = |x: &[f64], y: &[f64], u: &[f64], v: &[f64]| Some(sample_cov(x, y)? / n1 + sample_cov(u, v)? / n0);
    Moments {
        p_win: wins as f64 / pairs,
        p_loss: losses as f64 / pairs,
        var_win: component(&a, &a, &c, &c),
        var_loss: component(&b, &b, &d, &d),
        cov: component(&a, &b, &c, &d),
    }
}

/// Combines strata with weights ω_k (summing to 1).
fn combine(strata: &[(Moments, f64)]) -> Moments {
    let sum = |f: &dyn Fn(&Moments) -> f64| strata.iter().map(|(m, w)| w * f(m)).sum::<f64>();
    let sum_var =
        |f: &dyn Fn(&Moments) -> Option<f64>| strata.iter().map(|(m, w)| f(m).map(|v| w * w * v)).sum::<Option<f64>>();
    Moments {
        p_win: sum(&|m| m.p_win),
        p_loss: sum(&|m| m.p_loss),
        var_win: sum_var(&|m| m.var_win),
        var_loss: sum_var(&|m| m.var_loss),
        cov: sum_var(&|m| m.cov),
    }
}

/// The three estimates from the moments; warnings say why any is undefined.
pub(crate) fn estimates(
    m: &Moments,
    z: f64,
    warnings: &mut Vec<String>,
) -> (ContrastEstimate, ContrastEstimate, ContrastEstimate) {
    let undefined = |estimate: Option<f64>| ContrastEstimate {
        estimate,
        se: None,
        lower: None,
        upper: None,
        p_value: None,
    };
    let (pw, pl) = (m.p_win, m.p_loss);
    let var = match (m.var_win, m.var_loss, m.cov) {
        (Some(vw), Some(vl), Some(c)) => Some((vw, vl, c)),
        _ => {
            warnings.push("an arm has fewer than two participants (in some stratum): no variance".into());
            None
        }
    };
    let positive_sqrt = |v: f64| (v > 0.0 && v.is_finite()).then(|| v.sqrt());

    let win_ratio = if pl == 0.0 {
        warnings.push("no pair is a loss for the treated arm: the win ratio is infinite".into());
        undefined(None)
    } else if pw == 0.0 {
        warnings.push("no pair is a win for the treated arm: the win ratio is 0, without limits".into());
        undefined(Some(0.0))
    } else {
        match var.and_then(|(vw, vl, c)| positive_sqrt(vw / (pw * pw) + vl / (pl * pl) - 2.0 * c / (pw * pl))) {
            Some(se) => ContrastEstimate::wald_exp((pw / pl).ln(), se, z),
            None => undefined(Some(pw / pl)),
        }
    };
    let var_nb = var.and_then(|(vw, vl, c)| positive_sqrt(vw + vl - 2.0 * c).map(|se| se * se));
    let net = pw - pl;
    let net_benefit = match var_nb {
        Some(v) => ContrastEstimate::wald(net, v.sqrt(), z),
        None => undefined(Some(net)),
    };
    let theta = (1.0 + net) / 2.0;
    let win_odds = if theta <= 0.0 || theta >= 1.0 {
        undefined((theta < 1.0).then(|| theta / (1.0 - theta)))
    } else {
        match var_nb {
            Some(v) => ContrastEstimate::wald_exp(
                (theta / (1.0 - theta)).ln(),
                (v / 4.0).sqrt() / (theta * (1.0 - theta)),
                z,
            ),
            None => undefined(Some(theta / (1.0 - theta))),
        }
    };
    if var.is_some() && var_nb.is_none() {
        warnings.push("the estimated variance of the net benefit is 0: no limits or p-values".into());
    }
    (win_ratio, win_odds, net_benefit)
}

/// The pairs of the treated and reference arms, within strata, counted and combined.
pub(crate) struct Comparison {
    pub totals: Tally,
    pub pairs: u64,
    pub combined: Moments,
    pub warnings: Vec<String>,
}

/// Compares the arms of `people` within each stratum and combines the strata.
pub(crate) fn compare_arms(people: &Participants) -> Result<Comparison, WinError> {
    let mut warnings = Vec::new();
    let mut per_stratum: Vec<(Moments, f64)> = Vec::new();
    let mut totals = Tally::default();
    let mut pairs = 0u64;
    for k in 0..people.strata.len() {
        let arm_outcomes = |arm: u8| -> Vec<Outcome> {
            (0..people.n())
                .filter(|&i| people.stratum[i] == k as u32 && people.arm[i] == arm)
                .map(|i| people.outcomes[i])
                .collect()
        };
        let (treated, reference) = (arm_outcomes(1), arm_outcomes(0));
        if treated.is_empty() || reference.is_empty() {
            warnings.push(format!(
                "stratum '{}' has no participant in one arm and adds no pairs",
                people.strata[k]
            ));
            continue;
        }
        let t = tally(&treated, &reference, &people.margins);
        let r = tally(&reference, &treated, &people.margins);
        t.iter().for_each(|x| totals += *x);
        let n_pairs = (treated.len() * reference.len()) as u64;
        pairs += n_pairs;
        let weight = n_pairs as f64 / (treated.len() + reference.len()) as f64;
        per_stratum.push((moments(&t, &r), weight));
    }
    if per_stratum.is_empty() {
        return Err(WinError::NoPairs {
            file: people.source.clone(),
        });
    }
    let total_weight: f64 = per_stratum.iter().map(|(_, w)| w).sum();
    per_stratum.iter_mut().for_each(|(_, w)| *w /= total_weight);
    Ok(Comparison {
        totals,
        pairs,
        combined: combine(&per_stratum),
        warnings,
    })
}

/// Wins and losses by level: death, the score, then each later score under its column's name.
fn level_counts(totals: &Tally, later: &[LaterScore]) -> Vec<LevelCounts> {
    let level = |name: &str, wins, losses| LevelCounts {
        level: name.to_string(),
        wins,
        losses,
    };
    let mut levels = vec![
        level("death", totals.wins_death, totals.losses_death),
        level("score", totals.wins_score, totals.losses_score),
    ];
    levels.extend(
        later
            .iter()
            .enumerate()
            .map(|(k, l)| level(&l.column, totals.wins_later[k], totals.losses_later[k])),
    );
    levels
}

impl WinStatistics {
    /// Compares the treated arm (the group level that is not first) with the reference arm
    /// (the first level: move it there with `Columns::reference`), within strata when the data
    /// have a strata column.
    ///
    /// # Example
    /// ```
    /// use survkit::win::{WinOptions, WinStatistics};
    /// use survkit::{Columns, SurvData};
    /// let columns = Columns::new("time_weeks", "death").group("arm").reference("arm", "placebo");
    /// let columns = columns.covariates(["alsfrs_change"]);
    /// let file = "datasets/als/als_function_survival_synthetic.csv";
    /// let data = SurvData::read_csv(file, &columns)?;
    /// let win = WinStatistics::compute(&data, &WinOptions::new("alsfrs_change"))?;
    /// assert_eq!((win.wins, win.losses, win.ties), (8037, 5825, 538));
    /// assert!((win.win_ratio.estimate.unwrap() - 1.3797424892704).abs() < 1e-10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compute(data: &SurvData, options: &WinOptions) -> Result<WinStatistics, WinError> {
        if !(options.conf_level > 0.0 && options.conf_level < 1.0) {
            return Err(WinError::Option(format!(
                "the confidence level must lie strictly between 0 and 1, got {}",
                options.conf_level
            )));
        }
        let people = Participants::from_data(
            data,
            &options.score,
            options.direction,
            options.threshold,
            &options.later_scores,
        )?;
        let Comparison {
            totals,
            pairs,
            combined,
            mut warnings,
        } = compare_arms(&people)?;
        warnings.extend(missing_score_warning(&people));
        let (win_ratio, win_odds, net_benefit) = estimates(&combined, z_for_level(options.conf_level), &mut warnings);
        let fragility = match &options.fragility {
            Some(f) => fragility(&people, Target::WinRatio, f, &data.lines)?,
            None => None,
        };
        let bootstrap = options
            .bootstrap
            .map(|b| bootstrap(&people, &b, options.conf_level))
            .transpose()
            .map_err(WinError::Option)?;
        let wins = totals.wins();
        let losses = totals.losses();
        Ok(WinStatistics {
            group_column: people.group_column.clone(),
            reference: people.labels[0].clone(),
            treated: people.labels[1].clone(),
            n_reference: people.arm.iter().filter(|&&a| a == 0).count(),
            n_treated: people.arm.iter().filter(|&&a| a == 1).count(),
            score_column: options.score.clone(),
            direction: options.direction,
            threshold: options.threshold,
            later_scores: options.later_scores.clone(),
            strata_column: data.strata.as_ref().map(|s| s.name.clone()),
            pairs,
            wins,
            losses,
            ties: pairs - wins - losses,
            levels: level_counts(&totals, &options.later_scores),
            win_ratio,
            win_odds,
            net_benefit,
            conf_level: options.conf_level,
            fragility,
            bootstrap,
            dropped_rows: data.dropped.clone(),
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::win::pairs::{Margins, tally_naive};

    fn o(time: f64, death: bool, score: f64) -> Outcome {
        Outcome::new(time, death, score)
    }

    /// Two treated against two reference participants, every pair written out:
    ///
    /// treated T1 (5, censored, 3), T2 (2, died, 0); reference R1 (3, died, 1), R2 (6, censored, 2)
    ///
    /// T1–R1: R1 dies at 3 < 5 → win (death).   T1–R2: both censored, 3 > 2 → win (score).
    /// T2–R1: T2 dies at 2 < 3 → loss (death).  T2–R2: T2 dies at 2 < 6 → loss (death).
    ///
    /// p_w = p_l = 2/4, WR = 1, NB = 0, θ = 1/2, WO = 1.
    /// a = (1, 0), b = (0, 1); c = (R1: 1/2, R2: 1/2), d = (R1: 1/2, R2: 1/2).
    /// s²(a) = s²(b) = 1/2, s(a, b) = −1/2, s²(c) = s²(d) = s(c, d) = 0, so with n₁ = n₀ = 2:
    /// Var p_w = Var p_l = 1/4, Cov = −1/4; Var log WR = (1/4)/(1/4)·2 + 2·(1/4)/(1/4) = 4;
    /// Var NB = 1/4 + 1/4 + 1/2 = 1; Var log WO = (1/4)/(1/16) = 4.
    #[test]
    fn hand_two_by_two() {
        let treated = [o(5.0, false, 3.0), o(2.0, true, 0.0)];
        let reference = [o(3.0, true, 1.0), o(6.0, false, 2.0)];
        let t = tally_naive(&treated, &reference, &Margins::one(0.0));
        let r = tally_naive(&reference, &treated, &Margins::one(0.0));
        let m = moments(&t, &r);
        assert_eq!((m.p_win, m.p_loss), (0.5, 0.5));
        assert_eq!((m.var_win, m.var_loss, m.cov), (Some(0.25), Some(0.25), Some(-0.25)));
        let mut warnings = Vec::new();
        let (wr, wo, nb) = estimates(&m, 1.96, &mut warnings);
        assert_eq!(wr.estimate, Some(1.0));
        assert!((wr.se.unwrap() - 2.0).abs() < 1e-15);
        assert!((wo.se.unwrap() - 2.0).abs() < 1e-15);
        assert_eq!((nb.estimate, nb.se), (Some(0.0), Some(1.0)));
        assert_eq!(wr.p_value, Some(1.0));
        assert!(warnings.is_empty());
    }

    /// No losses: the win ratio is infinite and reported as undefined, with a warning.
    #[test]
    fn no_losses() {
        let treated = [o(5.0, false, 3.0), o(6.0, false, 4.0)];
        let reference = [o(3.0, true, 1.0), o(4.0, true, 2.0)];
        let m = moments(
            &tally_naive(&treated, &reference, &Margins::one(0.0)),
            &tally_naive(&reference, &treated, &Margins::one(0.0)),
        );
        let mut warnings = Vec::new();
        let (wr, _, nb) = estimates(&m, 1.96, &mut warnings);
        assert_eq!(wr.estimate, None);
        assert_eq!(nb.estimate, Some(1.0));
        assert!(warnings.iter().any(|w| w.contains("infinite")));
    }
}
