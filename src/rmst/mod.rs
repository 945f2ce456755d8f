//! Restricted mean survival time (RMST) up to a truncation time τ: per arm, contrasts between
//! arms, and covariate-adjusted contrasts (`adjusted`).
//!
//! # Formulas
//! For one arm with distinct times t_1 < … < t_m ≤ τ, n_j at risk, d_j events and
//! Kaplan–Meier estimate S_j = S(t_j) (t_0 = 0, S_0 = 1, t_{m+1} = τ):
//!
//! - RMST(τ) = ∫₀^τ S(u) du = Σ_{j=0}^{m} (t_{j+1} − t_j) S_j
//! - Var RMST(τ) = Σ_{j=1}^{m} A_j² d_j / (n_j (n_j − d_j)),  A_j = ∫_{t_j}^τ S(u) du,
//!   the term being 0 when n_j = d_j (Greenwood plug-in; Klein & Moeschberger 2003, §4.5)
//! - RMTL(τ) = τ − RMST(τ) (restricted mean time lost), with the same standard error
//! - limits: estimate ± z SE, z = Φ⁻¹(1 − α/2)
//!
//! This is survRM2's `rmst1` and R survival's `print(survfit(...), rmean = τ)`. An event at
//! exactly τ lowers S(τ) but adds no area, so RMST is continuous in τ. Past an arm's last time
//! its last value of S is carried forward (allowed only where `tau` says the data support it).
//!
//! Contrasts of arm g against the reference arm 0 (the first level), as survRM2's `rmst2`
//! (Uno et al. 2014), each with a Wald interval and p = 2 Φ(−|estimate / SE|):
//!
//! - difference: RMST_g − RMST_0, SE = √(V_g + V_0)
//! - ratio: on the log scale, log RMST_g − log RMST_0, SE = √(V_g / RMST_g² + V_0 / RMST_0²),
//!   estimate and limits exponentiated
//! - RMTL ratio: the same with RMTL_g and RMTL_0.
//!
//! References: Uno H, Claggett B, Tian L, et al. Moving beyond the hazard ratio in quantifying
//! the between-group difference in survival analysis. J Clin Oncol 2014;32:2380–2385.
//! Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio
//! for the design and analysis of randomized trials with a time-to-event outcome. BMC Med Res
//! Methodol 2013;13:152.

pub(crate) mod adjusted;
pub(crate) mod tau;

use serde::Serialize;
use thiserror::Error;

use crate::numbers::shown;

use crate::counts::Counts;
use crate::data::{DroppedRows, SurvData};
use crate::dist::z_for_level;
use crate::km::check_conf_level;
use crate::risk_set::{Records, RiskTable, split_by_code};

pub use adjusted::{AdjustedModel, AdjustedRmst, Coefficient};
pub use tau::{FollowUpEnd, TauLimit};

/// Options for [`Rmst::fit`]; start from `RmstOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct RmstOptions {
    /// The truncation time; `None` for the default (the largest τ the data support).
    pub tau: Option<f64>,
    /// Confidence level of every interval, in (0, 1).
    pub conf_level: f64,
    /// Numeric covariate columns of the data for the adjusted contrasts (Tian et al. 2014);
    /// empty for none.
    pub covariates: Vec<String>,
    /// Accept a τ beyond what the data support, with a warning, carrying each curve's last value
    /// forward. For resampling with τ fixed from the original data; an error otherwise.
    pub allow_tau_beyond_data: bool,
}

impl Default for RmstOptions {
    fn default() -> Self {
        RmstOptions {
            tau: None,
            conf_level: 0.95,
            covariates: Vec::new(),
            allow_tau_beyond_data: false,
        }
    }
}

impl RmstOptions {
    /// Checks the options once, so the estimator need not.
    pub fn check(&self) -> Result<(), RmstError> {
        check_conf_level(self.conf_level).map_err(RmstError::Option)?;
        if let Some(tau) = self.tau
            && !(tau.is_finite() && tau > 0.0)
        {
            return Err(RmstError::Option(format!(
                "τ = {} must be a finite time greater than 0",
                shown(tau)
            )));
        }
        Ok(())
    }
}

/// Why an RMST analysis cannot be done.
#[derive(Debug, Error, PartialEq)]
pub enum RmstError {
    /// An option is out of range (the message says which and why).
    #[error("invalid option: {0}")]
    Option(String),
    /// τ is beyond the largest τ the data support (see [`TauLimit`]).
    #[error("{file}: τ = {} is beyond what the data support; the largest allowed τ is {}: {explanation}", shown(*tau), shown(*largest))]
    TauBeyondData {
        /// The input file.
        file: String,
        /// The τ asked for.
        tau: f64,
        /// The largest τ the data support.
        largest: f64,
        /// Each arm's last time and how it ends, in words.
        explanation: String,
    },
    /// The data have strata, an entry time or case weights, which survRM2 does not take.
    #[error(
        "{file}: rmst does not take {what}: its estimates, τ rule and variances follow survRM2, which has no such option"
    )]
    Unsupported {
        /// The input file.
        file: String,
        /// What the data have that RMST does not take (strata, entry time, weights).
        what: String,
    },
    /// An arm (a level of the group column) has no rows among those used.
    #[error("{file}: arm '{group}' has no participants among the rows used")]
    EmptyArm {
        /// The input file.
        file: String,
        /// The empty arm's level.
        group: String,
    },
    /// A covariate asked for is not among the loaded columns.
    #[error("{file}: no covariate column '{column}' was loaded")]
    UnknownCovariate {
        /// The input file.
        file: String,
        /// The covariate named.
        column: String,
    },
    /// A covariate asked for is categorical; the adjusted RMST takes numeric ones.
    #[error(
        "{file}: covariate '{column}' is categorical; the adjusted RMST takes numeric covariates (code its levels as 0/1 columns)"
    )]
    FactorCovariate {
        /// The input file.
        file: String,
        /// The covariate named.
        column: String,
    },
    /// The adjusted RMST was asked for with other than two arms.
    #[error(
        "{file}: the covariate-adjusted RMST compares two arms (as survRM2), but '{column}' has {levels} levels; keep two"
    )]
    AdjustedNeedsTwoArms {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// Its number of levels.
        levels: usize,
    },
    /// The adjusted RMST was asked for without a group column.
    #[error("{file}: the covariate-adjusted RMST needs a group column with two arms")]
    AdjustedNeedsGroup {
        /// The input file.
        file: String,
    },
    /// An adjusted model cannot be fitted (too few observed outcomes, a singular design, no
    /// convergence).
    #[error("{file}: the adjusted {model} model cannot be fitted: {reason}")]
    AdjustedFit {
        /// The input file.
        file: String,
        /// The model that failed.
        model: AdjustedModel,
        /// Why, in words.
        reason: String,
    },
}

impl RmstError {
    /// Whether the error is about the analysis of valid input (rather than bad input or options).
    pub fn is_analysis_error(&self) -> bool {
        matches!(self, RmstError::AdjustedFit { .. })
    }
}

/// An estimate with its standard error, Wald limits and two-sided p-value; `None` where
/// undefined (e.g. a ratio whose denominator is 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContrastEstimate {
    /// The estimate (a difference, or a ratio on its own scale).
    pub estimate: Option<f64>,
    /// Standard error on the scale of the test: the estimate itself for a difference, its
    /// logarithm for a ratio.
    pub se: Option<f64>,
    /// Lower Wald limit (exponentiated for a ratio).
    pub lower: Option<f64>,
    /// Upper Wald limit (exponentiated for a ratio).
    pub upper: Option<f64>,
    /// Two-sided p-value, 2 Φ(−|estimate / SE|) on the test's scale; `None` when the SE is 0.
    pub p_value: Option<f64>,
}

impl ContrastEstimate {
    /// estimate ± z SE with p = 2 Φ(−|estimate / SE|).
    pub fn wald(estimate: f64, se: f64, z: f64) -> ContrastEstimate {
        ContrastEstimate {
            estimate: finite(estimate),
            se: finite(se),
            lower: finite(estimate - z * se),
            upper: finite(estimate + z * se),
            p_value: crate::dist::wald_p(estimate, se),
        }
    }

    /// A ratio from its logarithm: limits exp(log ± z SE), p from the log scale. A ratio with
    /// a zero numerator is 0, with undefined limits.
    pub fn wald_exp(log_estimate: f64, se: f64, z: f64) -> ContrastEstimate {
        ContrastEstimate {
            estimate: finite(log_estimate.exp()),
            se: finite(se),
            lower: finite((log_estimate - z * se).exp()),
            upper: finite((log_estimate + z * se).exp()),
            p_value: crate::dist::wald_p(log_estimate, se),
        }
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// RMST, its variance and the events up to τ for one arm (see the module formulas).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// RMST(τ), the area under the Kaplan–Meier curve from 0 to τ.
    pub rmst: f64,
    /// RMTL(τ), the area above the curve up to 1: τ − RMST, summed as its own area so that
    /// it is exactly 0 when the curve stays at 1 (τ − RMST would leave rounding, and an RMTL
    /// ratio of 1e15 against it: found by fuzzing).
    pub lost: f64,
    /// Greenwood-type variance of the RMST (survRM2's `rmst1`).
    pub variance: f64,
    /// Events at or before τ.
    pub events: f64,
}

/// RMST(τ) and its Greenwood-type variance from one arm's counts (a [`RiskTable`] with one
/// group). Cheap enough to call once per resample.
pub(crate) fn area_under_km(table: &RiskTable, tau: f64) -> Area {
    // At each event time t_j ≤ τ with survivors: (∫_0^{t_j} S, d_j / (n_j (n_j − d_j))), so that
    // A_j = RMST − ∫_0^{t_j} S once the whole area is known.
    let mut terms: Vec<(f64, f64)> = Vec::with_capacity(table.len());
    let (mut survival, mut rmst, mut lost, mut start, mut events) = (1.0, 0.0, 0.0, 0.0, 0.0);
    for j in 0..table.len() {
        let t = table.time[j];
        if t > tau {
            break;
        }
        rmst += (t - start) * survival;
        lost += (t - start) * (1.0 - survival);
        start = t;
        let (n, d) = (table.n_risk[j], table.n_event[j]);
        if d > 0.0 {
            events += d;
            if n > d {
                terms.push((rmst, d / (n * (n - d))));
            }
            survival *= (n - d) / n;
        }
    }
    rmst += (tau - start) * survival;
    lost += (tau - start) * (1.0 - survival);
    let variance = terms
        .iter()
        .map(|(before, hazard)| (rmst - before) * (rmst - before) * hazard)
        .sum();
    Area {
        rmst,
        lost,
        variance,
        events,
    }
}

/// RMST and RMTL of one arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmRmst {
    /// The arm's level; `None` for a single arm without a group column.
    pub group: Option<String>,
    /// Rows in the arm.
    pub n: usize,
    /// Events in the arm (at any time).
    pub events: usize,
    /// Events at or before τ.
    pub events_to_tau: usize,
    /// RMST(τ), the area under the arm's Kaplan–Meier curve from 0 to τ.
    pub rmst: f64,
    /// Standard error of the RMST (Greenwood-type, as survRM2).
    pub se: f64,
    /// Lower limit, RMST − z SE.
    pub lower: f64,
    /// Upper limit, RMST + z SE.
    pub upper: f64,
    /// Restricted mean time lost, τ − RMST (same SE).
    pub rmtl: f64,
    /// Lower limit of the RMTL, τ − `upper`.
    pub rmtl_lower: f64,
    /// Upper limit of the RMTL, τ − `lower`.
    pub rmtl_upper: f64,
}

impl ArmRmst {
    fn variance(&self) -> f64 {
        self.se * self.se
    }
}

/// One arm against the reference arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RmstContrast {
    /// The arm's level.
    pub group: String,
    /// The reference arm's level (the first level).
    pub reference: String,
    /// RMST(group) − RMST(reference).
    pub difference: ContrastEstimate,
    /// RMST(group) / RMST(reference).
    pub ratio: ContrastEstimate,
    /// RMTL(group) / RMTL(reference).
    pub rmtl_ratio: ContrastEstimate,
}

/// Whether τ was given or is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TauSource {
    /// τ was given in the options.
    Given,
    /// τ is the default, the largest τ the data support (survRM2's rule).
    Default,
}

/// RMST per arm, contrasts against the reference arm and, with covariates, adjusted contrasts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rmst {
    /// The truncation time τ.
    pub tau: f64,
    /// Whether τ was given or is the default.
    pub tau_source: TauSource,
    /// The largest τ the data support (the default) and each arm's last follow-up.
    pub tau_limit: TauLimit,
    /// The group column's name; `None` for one curve of all rows.
    pub group_column: Option<String>,
    /// Confidence level of every interval.
    pub conf_level: f64,
    /// RMST and RMTL of each arm, reference (first level) first.
    pub arms: Vec<ArmRmst>,
    /// Each non-reference arm against the reference (first) arm.
    pub contrasts: Vec<RmstContrast>,
    /// Covariate-adjusted contrasts (Tian et al. 2014), when covariates were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<AdjustedRmst>,
    /// Rows dropped when the data were loaded, and why.
    pub dropped_rows: DroppedRows,
    /// Warnings: τ beyond the data, tied times, zero SEs, models not estimable.
    pub warnings: Vec<String>,
}

impl Rmst {
    /// RMST of every arm (every level of the group column, or all rows), contrasts of each arm
    /// with the first, and the adjusted contrasts when `options.covariates` is not empty.
    ///
    /// ```
    /// use survkit::{Columns, Rmst, RmstOptions, SurvData};
    ///
    /// let columns = Columns::new("time", "status").group("sex").reference("sex", "2");
    /// let data = SurvData::read_csv("datasets/lung.csv", &columns)?;
    /// let fit = Rmst::fit(&data, &RmstOptions::default())?; // τ: survRM2's default
    /// assert_eq!(fit.tau, 965.0);
    /// // R: summary(survfit(Surv(time, status == 2) ~ sex, lung), rmean = 965): 455.904087512
    /// assert!((fit.arms[0].rmst - 455.904087512).abs() < 1e-6); // women, the reference
    /// let difference = fit.contrasts[0].difference.estimate.unwrap(); // men − women
    /// assert!((difference - (324.048419062 - 455.904087512)).abs() < 1e-6);
    /// // Refitting resampled data with the original τ, which a resample may not support:
    /// let fixed = RmstOptions { tau: Some(fit.tau), allow_tau_beyond_data: true, ..Default::default() };
    /// let again = Rmst::fit(&data, &fixed)?;
    /// assert_eq!(again.contrasts[0].difference, fit.contrasts[0].difference);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &SurvData, options: &RmstOptions) -> Result<Rmst, RmstError> {
        options.check()?;
        check_supported(data)?;
        let n_arms = data.group.as_ref().map_or(1, |g| g.n_levels());
        let arm_of = |i: usize| data.group.as_ref().map_or(0, |f| f.codes[i] as usize);
        let mut fit = from_arm_tables(data, arm_tables(data, n_arms, arm_of), options)?;
        if !options.covariates.is_empty() {
            let parts = split_by_code(data.order_by_time(), n_arms, arm_of);
            let adjusted = adjusted::fit(data, &parts, fit.tau, options.conf_level, &options.covariates)?;
            fit.warnings.extend(adjusted.notes.iter().cloned());
            fit.adjusted = Some(adjusted);
        }
        Ok(fit)
    }

    /// As [`Rmst::fit`], from aggregated counts: the same result as on the rows they count.
    /// Counts carry no covariates, so `options.covariates` must be empty.
    pub fn fit_counts(counts: &Counts, options: &RmstOptions) -> Result<Rmst, RmstError> {
        options.check()?;
        check_supported(counts)?;
        if let Some(column) = options.covariates.first() {
            return Err(RmstError::UnknownCovariate {
                file: counts.source().to_string(),
                column: column.clone(),
            });
        }
        let group = Records::group(counts);
        let n_arms = group.map_or(1, |g| g.n_levels());
        let parts = split_by_code(counts.order_by_time(), n_arms, |i| {
            group.map_or(0, |f| f.codes[i] as usize)
        });
        let tables = parts.iter().map(|part| counts.risk_table(part, 1, |_| 0)).collect();
        from_arm_tables(counts, tables, options)
    }
}

/// Refuses what survRM2 does not take: strata, an entry time, case weights.
fn check_supported(data: &impl Records) -> Result<(), RmstError> {
    for (present, what) in [
        (data.strata().is_some(), "strata"),
        (data.has_entry(), "an entry time (delayed entry)"),
        (data.has_weights(), "case weights"),
    ] {
        if present {
            return Err(RmstError::Unsupported {
                file: data.source().to_string(),
                what: what.to_string(),
            });
        }
    }
    Ok(())
}

/// The fit without adjusted contrasts, from each arm's counts (in level order).
fn from_arm_tables(data: &impl Records, tables: Vec<RiskTable>, options: &RmstOptions) -> Result<Rmst, RmstError> {
    let file = || data.source().to_string();
    let group = data.group();
    let level = |g: usize| group.map(|f| f.levels[g].clone());
    if let Some(empty) = tables.iter().position(|t| t.is_empty()) {
        return Err(RmstError::EmptyArm {
            file: file(),
            group: level(empty).unwrap_or_default(),
        });
    }
    let tau_limit = TauLimit::from_arms(
        tables
            .iter()
            .enumerate()
            .map(|(g, t)| FollowUpEnd {
                group: level(g),
                last_time: t.time[t.len() - 1],
                ends_in_event: t.n_censor[t.len() - 1] == 0.0,
            })
            .collect(),
    );
    let mut warnings = Vec::new();
    let (tau, tau_source) = match options.tau {
        Some(tau) => (tau, TauSource::Given),
        None => (tau_limit.largest, TauSource::Default),
    };
    if tau > tau_limit.largest {
        if !options.allow_tau_beyond_data {
            return Err(RmstError::TauBeyondData {
                file: file(),
                tau,
                largest: tau_limit.largest,
                explanation: tau_limit.explain(),
            });
        }
        warnings.push(format!(
            "τ = {} is beyond the largest τ the data support ({}); each curve's last value is carried forward to τ",
            shown(tau),
            shown(tau_limit.largest)
        ));
    }
    if data.times_tied_by_timefix() > 0 {
        warnings.push(format!(
            "{} time values differed from a neighbour only by rounding noise (relative difference ≤ 1.5e-8) and were treated as tied, as R's timefix does",
            data.times_tied_by_timefix()
        ));
    }
    let z = z_for_level(options.conf_level);
    let arms: Vec<ArmRmst> = tables
        .iter()
        .enumerate()
        .map(|(g, table)| arm(table, level(g), tau, z))
        .collect();
    for a in &arms {
        if let Some(w) = zero_se_warning(a, tau) {
            warnings.push(w);
        }
    }
    let contrasts = arms.iter().skip(1).map(|a| contrast(a, &arms[0], z)).collect();
    Ok(Rmst {
        tau,
        tau_source,
        tau_limit,
        group_column: group.map(|g| g.name.clone()),
        conf_level: options.conf_level,
        arms,
        contrasts,
        adjusted: None,
        dropped_rows: data.dropped().clone(),
        warnings,
    })
}

/// Each arm's counts at its distinct times (a one-group [`RiskTable`] per arm).
///
/// RMST takes unweighted data without delayed entry, so the counts are whole numbers and can be
/// made forward from rows sorted as integer keys: a non-negative time orders as its bit pattern,
/// which leaves the sign bit free for the event flag. On a 690-row trial this is several times
/// faster than the general [`RiskTable::build`], and RMST runs once per resample.
fn arm_tables(data: &SurvData, n_arms: usize, arm_of: impl Fn(usize) -> usize) -> Vec<RiskTable> {
    let mut sizes = vec![0; n_arms];
    for i in 0..data.n_rows() {
        sizes[arm_of(i)] += 1;
    }
    let mut keys: Vec<Vec<u64>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for (i, (time, event)) in data.time.iter().zip(&data.event).enumerate() {
        // `+ 0.0` turns −0 into +0, whose bits sort first.
        keys[arm_of(i)].push(((time + 0.0).to_bits() << 1) | u64::from(*event));
    }
    keys.into_iter()
        .map(|mut arm| {
            arm.sort_unstable();
            counts_from_keys(&arm)
        })
        .collect()
}

fn counts_from_keys(keys: &[u64]) -> RiskTable {
    let capacity = || Vec::with_capacity(keys.len());
    let mut table = RiskTable {
        time: capacity(),
        n_groups: 1,
        n_risk: capacity(),
        n_event: capacity(),
        n_censor: capacity(),
    };
    let mut at_risk = keys.len() as f64;
    let mut j = 0;
    while j < keys.len() {
        let time_bits = keys[j] >> 1;
        let (mut events, mut censored) = (0.0, 0.0);
        while j < keys.len() && keys[j] >> 1 == time_bits {
            if keys[j] & 1 == 1 {
                events += 1.0;
            } else {
                censored += 1.0;
            }
            j += 1;
        }
        table.time.push(f64::from_bits(time_bits));
        table.n_risk.push(at_risk);
        table.n_event.push(events);
        table.n_censor.push(censored);
        at_risk -= events + censored;
    }
    table
}

fn arm(table: &RiskTable, group: Option<String>, tau: f64, z: f64) -> ArmRmst {
    let Area {
        rmst,
        lost,
        variance,
        events,
    } = area_under_km(table, tau);
    let se = variance.sqrt();
    let (lower, upper) = (rmst - z * se, rmst + z * se);
    ArmRmst {
        group,
        n: table.n_risk.first().map_or(0, |n| *n as usize),
        events: table.n_event.iter().sum::<f64>() as usize,
        events_to_tau: events as usize,
        rmst,
        se,
        lower,
        upper,
        rmtl: lost,
        rmtl_lower: lost - z * se,
        rmtl_upper: lost + z * se,
    }
}

/// Why an arm's standard error is 0, when it is.
fn zero_se_warning(arm: &ArmRmst, tau: f64) -> Option<String> {
    if arm.se > 0.0 {
        return None;
    }
    let name = arm
        .group
        .as_deref()
        .map_or_else(|| "all rows".to_string(), |g| format!("group {g}"));
    let why = if arm.n == 1 {
        "has a single participant, so its RMST has standard error 0 (Greenwood's variance needs two or more at risk)"
            .to_string()
    } else if arm.events_to_tau == 0 {
        format!(
            "has no events up to τ = {}, so its RMST equals τ with standard error 0 and its RMTL is 0 (RMTL ratios with it are undefined)",
            tau
        )
    } else {
        "has standard error 0: every event up to τ removed everyone then at risk".to_string()
    };
    Some(format!("{name} {why}; its interval has zero width"))
}

fn contrast(arm: &ArmRmst, reference: &ArmRmst, z: f64) -> RmstContrast {
    let (v1, v0) = (arm.variance(), reference.variance());
    let log_ratio =
        |a: f64, b: f64| ContrastEstimate::wald_exp(a.ln() - b.ln(), (v1 / (a * a) + v0 / (b * b)).sqrt(), z);
    RmstContrast {
        group: arm.group.clone().unwrap_or_default(),
        reference: reference.group.clone().unwrap_or_default(),
        difference: ContrastEstimate::wald(arm.rmst - reference.rmst, (v1 + v0).sqrt(), z),
        ratio: log_ratio(arm.rmst, reference.rmst),
        rmtl_ratio: log_ratio(arm.rmtl, reference.rmtl),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Columns;

    /// The single-arm kernel gives the numbers of the fit (four rows worked by hand in
    /// `tests/rmst_cases.rs`: RMST(4) = 2.75, variance 27/64).
    #[test]
    fn area_under_km_is_the_fit_of_one_arm() {
        let csv = "t,s\n1,1\n2,1\n3,0\n4,1\n";
        let data = SurvData::from_csv_bytes("four.csv", csv.as_bytes(), &Columns::new("t", "s")).unwrap();
        let table = RiskTable::build(&data, data.order_by_time(), 1, |_| 0);
        let area = area_under_km(&table, 4.0);
        assert_eq!(area.rmst, 2.75);
        assert!((area.variance - 27.0 / 64.0).abs() < 1e-15);
        let fit = Rmst::fit(
            &data,
            &RmstOptions {
                tau: Some(4.0),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            (area.rmst, area.variance),
            (fit.arms[0].rmst, fit.arms[0].se * fit.arms[0].se)
        );
    }

    /// The lost area is τ − RMST, summed on its own: exactly 0 while the curve stays at 1.
    #[test]
    fn the_area_lost_is_zero_without_events_and_tau_minus_rmst_with_them() {
        let read = |csv: &str| SurvData::from_csv_bytes("x.csv", csv.as_bytes(), &Columns::new("t", "s")).unwrap();
        let table = |data: &SurvData| RiskTable::build(data, data.order_by_time(), 1, |_| 0);
        let none = read("t,s\n1.09,0\n3.52,0\n");
        let area = area_under_km(&table(&none), 3.52);
        assert_eq!((area.lost, area.events), (0.0, 0.0));
        let four = read("t,s\n1,1\n2,1\n3,0\n4,1\n");
        let area = area_under_km(&table(&four), 4.0);
        assert_eq!((area.rmst, area.lost), (2.75, 1.25));
    }
}
