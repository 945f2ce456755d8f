//! The weighted log-rank family of k-sample tests, stratified and trend versions.
//!
//! # Formulas
//! At each distinct event time t_j of a stratum, with n_j at risk and d_j events in all, and
//! n_gj at risk and d_gj events in group g, and a weight w_j:
//!
//! - U_g = Σ_j w_j (d_gj − d_j n_gj / n_j)  (weighted observed − expected)
//! - V_gh = Σ_j w_j² d_j (n_j − d_j)/(n_j − 1) · (n_gj / n_j)(δ_gh − n_hj / n_j)
//!   (hypergeometric covariance; the term is 0 when n_j = 1)
//!
//! summed over strata (Mantel 1966; Peto & Peto 1972; Harrington & Fleming 1982). The
//! statistic is χ² = U' V⁻ U on the rank of V (k − 1) degrees of freedom, computed on the
//! groups with a positive expected count as R's `survdiff` does. The trend test for ordered
//! groups uses scores c_g = 1, …, k in level order: χ² = (c'U)² / c'Vc on 1 df.
//!
//! Weights, with S the left-continuous pooled Kaplan–Meier estimate S(t_j−) and
//! S̃(t) = Π_{t_i ≤ t} (1 − d_i/(n_i + 1)):
//! - `logrank`: 1 (Mantel–Haenszel; R `survdiff(rho = 0)`)
//! - `gehan`: n_j (Gehan 1965, Breslow 1970)
//! - `tarone-ware`: √n_j (Tarone & Ware 1977)
//! - `peto`: S̃(t_j) (Peto & Peto 1972, as SAS `TEST=PETO`)
//! - `modified-peto`: S̃(t_j) n_j/(n_j + 1) (Andersen et al. 1982, SAS `TEST=MODPETO`)
//! - `fh:ρ,γ`: S^ρ (1 − S)^γ (Fleming & Harrington 1991; `fh:1,0` is R `survdiff(rho = 1)`)
//! - `mwlr:t*`: 1 / max(S(t_j−), S(t*)), the modestly weighted log-rank test (Magirr & Burman
//!   2019, "Modestly weighted logrank tests", Stat. Med. 38:3782–3790), S(t*) the pooled
//!   Kaplan–Meier estimate at t* (right-continuous). The weight rises as the pooled survival
//!   falls, up to 1/S(t*) from t* on: the running S(t−) simply stops updating after t*.

use std::fmt;
use std::str::FromStr;

use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use thiserror::Error;

use crate::counts::Counts;
use crate::data::{DroppedRows, Factor, SurvData};
use crate::dist::chisq_sf;
use crate::numbers::count;
use crate::risk_set::{Records, RiskTable, split_by_code};

/// The weight given to each event time.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Weights {
    /// w = 1: the log-rank (Mantel–Haenszel) test, R `survdiff(rho = 0)`.
    #[default]
    LogRank,
    /// w = n_j: the Gehan–Breslow generalised Wilcoxon test (Gehan 1965, Breslow 1970).
    Gehan,
    /// w = √n_j (Tarone & Ware 1977).
    TaroneWare,
    /// w = S̃(t_j) (Peto & Peto 1972, as SAS `TEST=PETO`).
    Peto,
    /// w = S̃(t_j) n_j/(n_j + 1) (Andersen et al. 1982, SAS `TEST=MODPETO`).
    ModifiedPeto,
    /// w = S(t_j−)^ρ (1 − S(t_j−))^γ (Fleming & Harrington 1991; ρ = 1, γ = 0 is
    /// R `survdiff(rho = 1)`).
    FlemingHarrington {
        /// Exponent ρ ≥ 0 of S(t−): weight on early differences.
        rho: f64,
        /// Exponent γ ≥ 0 of 1 − S(t−): weight on late differences.
        gamma: f64,
    },
    /// w = 1 / max(S(t_j−), S(t*)), the modestly weighted log-rank test (Magirr & Burman 2019).
    ModestlyWeighted {
        /// The time t* ≥ 0 after which the weight stays at 1/S(t*).
        t_star: f64,
    },
}

impl fmt::Display for Weights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Weights::LogRank => f.write_str("logrank"),
            Weights::Gehan => f.write_str("gehan"),
            Weights::TaroneWare => f.write_str("tarone-ware"),
            Weights::Peto => f.write_str("peto"),
            Weights::ModifiedPeto => f.write_str("modified-peto"),
            Weights::FlemingHarrington { rho, gamma } => write!(f, "fh:{rho},{gamma}"),
            Weights::ModestlyWeighted { t_star } => write!(f, "mwlr:{t_star}"),
        }
    }
}

impl FromStr for Weights {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || {
            format!(
                "unknown weights '{s}'; use logrank, gehan, tarone-ware, peto, modified-peto, fh:RHO,GAMMA (e.g. fh:1,0) or mwlr:T (modestly weighted, t* = T)"
            )
        };
        match s {
            "logrank" | "log-rank" => Ok(Weights::LogRank),
            "gehan" | "wilcoxon" | "gehan-breslow" => Ok(Weights::Gehan),
            "tarone-ware" => Ok(Weights::TaroneWare),
            "peto" | "peto-peto" => Ok(Weights::Peto),
            "modified-peto" => Ok(Weights::ModifiedPeto),
            _ if s.starts_with("mwlr:") => match s["mwlr:".len()..].trim().parse::<f64>() {
                Ok(t_star) if t_star.is_finite() && t_star >= 0.0 => Ok(Weights::ModestlyWeighted { t_star }),
                _ => Err(format!("mwlr:T needs a non-negative time t*, got '{s}'")),
            },
            _ => {
                let params = s.strip_prefix("fh:").ok_or_else(unknown)?;
                let (rho, gamma) = params.split_once(',').ok_or_else(unknown)?;
                let parse = |v: &str| v.trim().parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0);
                match (parse(rho), parse(gamma)) {
                    (Some(rho), Some(gamma)) => Ok(Weights::FlemingHarrington { rho, gamma }),
                    _ => Err(format!("fh:RHO,GAMMA needs two non-negative numbers, got '{params}'")),
                }
            }
        }
    }
}

impl Weights {
    /// The weight w_j at an event time with n at risk and d events, from the pooled S(t−)
    /// (`km_left`) and S̃ before it (`peto`); also returns S̃(t_j) = S̃ (1 − d/(n + 1)).
    pub(crate) fn at(self, n: f64, d: f64, km_left: f64, peto: f64) -> (f64, f64) {
        let peto_here = peto * (1.0 - d / (n + 1.0));
        let w = match self {
            Weights::LogRank => 1.0,
            Weights::Gehan => n,
            Weights::TaroneWare => n.sqrt(),
            Weights::Peto => peto_here,
            Weights::ModifiedPeto => peto_here * n / (n + 1.0),
            Weights::FlemingHarrington { rho, gamma } => km_left.powf(rho) * (1.0 - km_left).powf(gamma),
            // km_left is max(S(t−), S(t*)) here: see `updates_km`
            Weights::ModestlyWeighted { .. } => 1.0 / km_left,
        };
        (w, peto_here)
    }

    /// Whether the running pooled S(t−) passed to [`Weights::at`] takes in the events at
    /// time `t`: always, except after t* for the modestly weighted test, whose S then stays
    /// at S(t*).
    pub(crate) fn updates_km(self, t: f64) -> bool {
        match self {
            Weights::ModestlyWeighted { t_star } => t <= t_star,
            _ => true,
        }
    }
}

impl Serialize for Weights {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Weights {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Options for [`LogRank::test`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LogRankOptions {
    /// The weight given to each event time (default: the log-rank test).
    pub weights: Weights,
    /// Test for a trend across the ordered group levels instead of any difference.
    pub trend: bool,
}

/// The most groups a k-sample test compares (its variance is a k × k matrix).
pub const MAX_GROUPS: usize = 100;

/// Why a log-rank-family test could not be done.
#[derive(Debug, Error, PartialEq)]
pub enum LogRankError {
    /// The data have no group column.
    #[error("{file}: the log-rank test compares groups, and the model names no group")]
    NoGroup {
        /// The input file.
        file: String,
    },
    #[error(
        "{file}: group column '{column}' has one level ('{level}') among the rows used; the test compares at least two groups"
    )]
    /// The group column has a single level among the rows used.
    OneLevel {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// Its only level.
        level: String,
    },
    #[error(
        "{file}: case weights are not supported by the log-rank test (R's survdiff has none either); test without weights"
    )]
    /// The data have case weights, which the test does not take.
    Weighted {
        /// The input file.
        file: String,
    },
    #[error("{file}: no events, so there is nothing to compare")]
    /// No row has an event.
    NoEvents {
        /// The input file.
        file: String,
    },
    #[error("{file}: fewer than two groups have anyone at risk at an event time; no test is possible")]
    /// Fewer than two groups have a positive expected count (anyone at risk at an event time).
    Degenerate {
        /// The input file.
        file: String,
    },
    #[error(
        "{file}: the test statistic has no variance (no event time has participants of two groups at risk with someone left after it): no test is possible"
    )]
    /// The statistic is not finite or has no degrees of freedom (V is zero).
    NoVariance {
        /// The input file.
        file: String,
    },
    #[error("{file}: group column '{column}' has {levels} levels; the test compares at most {MAX_GROUPS}")]
    /// The group column has more than [`MAX_GROUPS`] levels.
    TooManyGroups {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// Its number of levels.
        levels: usize,
    },
}

/// One group's line of the test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCounts {
    /// The group's level.
    pub group: String,
    /// Rows in the group.
    pub n: usize,
    /// Events observed.
    #[serde(serialize_with = "count")]
    pub observed: f64,
    /// Events expected under the null hypothesis, Σ_j d_j n_gj / n_j.
    pub expected: f64,
    /// Σ_j w_j d_gj: R `survdiff`'s "Observed" column for ρ ≠ 0.
    pub weighted_observed: f64,
    /// Σ_j w_j d_j n_gj / n_j: R `survdiff`'s "Expected" column for ρ ≠ 0.
    pub weighted_expected: f64,
    /// Weighted observed − expected, U_g (equal to observed − expected for `logrank`).
    pub weighted_o_minus_e: f64,
    /// V_gg, the variance of U_g.
    pub variance: f64,
}

/// The result of a log-rank-family test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRank {
    /// The chi-squared statistic U' V⁻ U (or (c'U)² / c'Vc for the trend test).
    pub statistic: f64,
    /// Degrees of freedom: the rank of V over the groups with a positive expected count
    /// (usually k − 1), or 1 for the trend test.
    #[serde(serialize_with = "count")]
    pub df: f64,
    /// P-value: the upper tail of the chi-squared distribution on `df` degrees of freedom.
    pub p_value: f64,
    /// The weights used.
    pub weights: Weights,
    /// Whether this is the trend test for ordered groups.
    pub trend: bool,
    /// The group column compared.
    pub group_column: String,
    /// The strata column of a stratified test; `None` when the data have no strata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata_column: Option<String>,
    /// One line per group, in level order.
    pub groups: Vec<GroupCounts>,
    /// The covariance matrix V of U, in group order.
    pub variance: Vec<Vec<f64>>,
    /// Rows left out because a used column was missing.
    pub dropped_rows: DroppedRows,
    /// Warnings about the data (groups left out, timefix ties).
    pub warnings: Vec<String>,
}

/// Per-group sums of one or more strata.
struct Sums {
    observed: Vec<f64>,
    expected: Vec<f64>,
    weighted_observed: Vec<f64>,
    weighted_expected: Vec<f64>,
    u: Vec<f64>,
    v: DMatrix<f64>,
}

impl LogRank {
    /// Tests equal survival across the groups of `data` (stratified when it has strata).
    ///
    /// ```
    /// use survkit::{Columns, LogRank, LogRankOptions, SurvData};
    /// let columns = Columns::new("time", "status").group("sex");
    /// let lung = SurvData::read_csv("datasets/lung.csv", &columns)?;
    /// let test = LogRank::test(&lung, &LogRankOptions::default())?;
    /// // R: survdiff(Surv(time, status) ~ sex, lung)$chisq
    /// assert_eq!(test.df, 1.0);
    /// assert!((test.statistic - 10.3267419548856).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn test(data: &SurvData, options: &LogRankOptions) -> Result<LogRank, LogRankError> {
        test_records(data, options)
    }

    /// As [`LogRank::test`], from aggregated counts: the same result as on the rows they count
    /// (each group's `n` counts participants).
    pub fn test_counts(counts: &Counts, options: &LogRankOptions) -> Result<LogRank, LogRankError> {
        test_records(counts, options)
    }
}

fn test_records(data: &impl Records, options: &LogRankOptions) -> Result<LogRank, LogRankError> {
    let file = || data.source().to_string();
    let group = tested_group(data)?;
    let k = group.n_levels();
    let n_strata = data.strata().map_or(1, |s| s.n_levels());
    let mut sums = Sums {
        observed: vec![0.0; k],
        expected: vec![0.0; k],
        weighted_observed: vec![0.0; k],
        weighted_expected: vec![0.0; k],
        u: vec![0.0; k],
        v: DMatrix::zeros(k, k),
    };
    for rows in split_by_code(data.order_by_time(), n_strata, |i| data.stratum_of(i)) {
        let table = data.risk_table(&rows, k, |i| group.codes[i] as usize);
        accumulate(&table, options.weights, &mut sums);
    }
    let (statistic, df) = if options.trend {
        trend_statistic(&sums)
    } else {
        let kept: Vec<usize> = (0..k).filter(|g| sums.expected[*g] > 0.0).collect();
        if kept.len() < 2 {
            return Err(LogRankError::Degenerate { file: file() });
        }
        quadratic_form(&sums.u, |g, h| sums.v[(g, h)], &kept[1..])
    };
    if !(statistic.is_finite() && df > 0.0) {
        return Err(LogRankError::NoVariance { file: file() });
    }
    let mut n = vec![0usize; k];
    for (i, c) in group.codes.iter().enumerate() {
        n[*c as usize] += data.participants(i);
    }
    let groups = (0..k)
        .map(|g| GroupCounts {
            group: group.levels[g].clone(),
            n: n[g],
            observed: sums.observed[g],
            expected: sums.expected[g],
            weighted_observed: sums.weighted_observed[g],
            weighted_expected: sums.weighted_expected[g],
            weighted_o_minus_e: sums.u[g],
            variance: sums.v[(g, g)],
        })
        .collect();
    let mut warnings = Vec::new();
    if let Some(g) = (0..k).find(|g| sums.expected[*g] == 0.0) {
        warnings.push(format!(
            "group {} has nobody at risk at any event time and is left out of the test",
            group.levels[g]
        ));
    }
    if data.times_tied_by_timefix() > 0 {
        warnings.push(format!(
            "{} time values differed from a neighbour only by rounding noise and were treated as tied, as R's timefix does",
            data.times_tied_by_timefix()
        ));
    }
    Ok(LogRank {
        statistic,
        df,
        p_value: chisq_sf(statistic, df),
        weights: options.weights,
        trend: options.trend,
        group_column: group.name.clone(),
        strata_column: data.strata().map(|s| s.name.clone()),
        groups,
        variance: (0..k).map(|g| (0..k).map(|h| sums.v[(g, h)]).collect()).collect(),
        dropped_rows: data.dropped().clone(),
        warnings,
    })
}

/// The group column of data a log-rank-family test can compare: unweighted rows, two or more
/// groups, some events.
pub(crate) fn tested_group(data: &impl Records) -> Result<&Factor, LogRankError> {
    let file = || data.source().to_string();
    let group = data.group().ok_or_else(|| LogRankError::NoGroup { file: file() })?;
    if data.has_weights() {
        return Err(LogRankError::Weighted { file: file() });
    }
    if group.n_levels() > MAX_GROUPS {
        return Err(LogRankError::TooManyGroups {
            file: file(),
            column: group.name.clone(),
            levels: group.n_levels(),
        });
    }
    if group.n_levels() < 2 {
        return Err(LogRankError::OneLevel {
            file: file(),
            column: group.name.clone(),
            level: group.levels.first().cloned().unwrap_or_default(),
        });
    }
    if !data.has_events() {
        return Err(LogRankError::NoEvents { file: file() });
    }
    Ok(group)
}

/// Adds one stratum's contributions to U, V, observed and expected.
fn accumulate(table: &RiskTable, weights: Weights, sums: &mut Sums) {
    let k = table.n_groups;
    let mut km_left: f64 = 1.0; // pooled S(t−)
    let mut peto = 1.0; // S̃(t−)
    for j in 0..table.len() {
        let n = RiskTable::total(&table.n_risk, k, j);
        let d = RiskTable::total(&table.n_event, k, j);
        if d == 0.0 {
            continue;
        }
        let (w, peto_here) = weights.at(n, d, km_left, peto);
        let risk = &table.n_risk[j * k..(j + 1) * k];
        let events = &table.n_event[j * k..(j + 1) * k];
        for g in 0..k {
            let e = d * risk[g] / n;
            sums.observed[g] += events[g];
            sums.expected[g] += e;
            sums.weighted_observed[g] += w * events[g];
            sums.weighted_expected[g] += w * e;
            sums.u[g] += w * (events[g] - e);
        }
        if n > 1.0 {
            let factor = w * w * d * (n - d) / (n - 1.0);
            for g in 0..k {
                let pg = risk[g] / n;
                for (h, risk_h) in risk.iter().enumerate() {
                    let delta = if g == h { 1.0 } else { 0.0 };
                    sums.v[(g, h)] += factor * pg * (delta - risk_h / n);
                }
            }
        }
        if weights.updates_km(table.time[j]) {
            km_left *= 1.0 - d / n;
        }
        peto = peto_here;
    }
}

/// U'V⁻U over the groups `keep` (one kept group left out), with df = rank of V there
/// (a generalised inverse, [`crate::linalg`]); NaN when V or U is not finite. `v(g, h)` gives V_gh.
pub(crate) fn quadratic_form(u: &[f64], v: impl Fn(usize, usize) -> f64, keep: &[usize]) -> (f64, f64) {
    let m = keep.len();
    let u = DVector::from_iterator(m, keep.iter().map(|g| u[*g]));
    let v = DMatrix::from_fn(m, m, |a, b| v(keep[a], keep[b]));
    match crate::linalg::quadratic_form(&v, &u) {
        Some((statistic, rank)) => (statistic, rank as f64),
        None => (f64::NAN, 0.0),
    }
}

/// (c'U)²/(c'Vc) with scores c = 1..k.
fn trend_statistic(sums: &Sums) -> (f64, f64) {
    let k = sums.u.len();
    let c: Vec<f64> = (1..=k).map(|s| s as f64).collect();
    let cu: f64 = c.iter().zip(&sums.u).map(|(a, b)| a * b).sum();
    let mut cvc = 0.0;
    for g in 0..k {
        for h in 0..k {
            cvc += c[g] * sums.v[(g, h)] * c[h];
        }
    }
    (cu * cu / cvc, 1.0)
}
