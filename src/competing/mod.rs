//! Competing risks: cumulative incidence (Aalen–Johansen) with Gray's test, and Fine–Gray
//! subdistribution hazards regression.
//!
//! ```no_run
//! use survkit::Columns;
//! use survkit::competing::{Cif, CifOptions, CompetingData};
//! let data = CompetingData::read_csv("datasets/mgus2_cr.csv", &Columns::new("time", "status").group("sex"), "0")?;
//! println!("{}", Cif::fit(&data, &CifOptions::default())?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Modules: `data` (a status with causes), `counts` (participants counted per group,
//! stratum, time and cause, streamed from Parquet for registry-size files), `cif` (the
//! estimator and its variances), `gray` (Gray's K-sample test), `finegray` (`cmprsk::crr`).

pub(crate) mod cif;
pub(crate) mod counts;
pub(crate) mod data;
pub(crate) mod finegray;
pub(crate) mod gray;

pub use cif::CifVariance;
pub use counts::CompetingCounts;
pub use data::CompetingData;
pub use finegray::{FineGray, FineGrayOptions, FineGrayTerm};

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::conf_int::{ConfType, finite};
use crate::data::DroppedRows;
use crate::dist::{chisq_sf, z_for_level};
use crate::km::check_conf_level;
use crate::numbers::count;
use crate::risk_set::{RiskTable, split_by_code};
use cif::{AalenJohansen, Subject, limits};

/// Why a competing-risks analysis could not be done.
#[derive(Debug, Error, PartialEq)]
pub enum CompetingError {
    /// An option is out of range or does not fit the data (e.g. the cuminc variance with case
    /// weights); says which.
    #[error("invalid option: {0}")]
    Option(String),
    /// Valid input on which the analysis cannot be done (τ beyond follow-up, no failures from
    /// the cause ...); says why.
    #[error("{0}")]
    Analysis(String),
}

/// Options for [`Cif::fit`]; start from `CifOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct CifOptions {
    /// The variance of the cumulative incidence (default: R survival's `survfit`).
    pub variance: CifVariance,
    /// Scale of the pointwise limits, applied to the cumulative incidence (default `log`).
    pub conf_type: ConfType,
    /// Confidence level of the pointwise limits, in (0, 1).
    pub conf_level: f64,
    /// Times at which to report each cumulative incidence and the event-free probability.
    pub at: Vec<f64>,
    /// Gray's test weight power ρ (`cuminc`'s `rho`; 0 by default).
    pub rho: f64,
    /// With τ, the restricted mean time lost to each cause up to τ, with contrasts between groups.
    pub tau: Option<f64>,
}

impl Default for CifOptions {
    fn default() -> Self {
        CifOptions {
            variance: CifVariance::Survfit,
            conf_type: ConfType::Log,
            conf_level: 0.95,
            at: Vec::new(),
            rho: 0.0,
            tau: None,
        }
    }
}

impl CifOptions {
    /// Checks the options once, so the estimator need not.
    pub fn check(&self) -> Result<(), CompetingError> {
        check_conf_level(self.conf_level).map_err(CompetingError::Option)?;
        if let Some(t) = self.at.iter().find(|t| !t.is_finite()) {
            return Err(CompetingError::Option(format!("time {t} is not a finite number")));
        }
        if let Some(tau) = self.tau.filter(|t| !(t.is_finite() && *t > 0.0)) {
            return Err(CompetingError::Option(format!("τ = {tau} must be a positive number")));
        }
        if !self.rho.is_finite() {
            return Err(CompetingError::Option(format!(
                "Gray's test power ρ = {} is not finite",
                self.rho
            )));
        }
        Ok(())
    }
}

/// The cumulative incidence of one cause in one group, at every distinct exit time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifCurve {
    /// The group's level; `None` without a group column.
    pub group: Option<String>,
    /// The cause's label, as written in the status column.
    pub cause: String,
    /// Rows in the group.
    pub n: usize,
    /// Failures from this cause (weighted).
    #[serde(serialize_with = "count")]
    pub events: f64,
    /// Every distinct exit time of the group, censoring times included.
    pub time: Vec<f64>,
    /// (Weighted) number at risk just before each time.
    pub n_risk: Vec<f64>,
    /// Failures from this cause at each time.
    pub n_event: Vec<f64>,
    /// Aalen–Johansen cumulative incidence F_k(t) just after each time.
    pub cif: Vec<f64>,
    /// Standard error of F_k(t) (the variance in [`CifOptions::variance`]); `None` if not finite.
    pub se: Vec<Option<f64>>,
    /// Lower pointwise limit; `None` where the transform is undefined (e.g. F = 0).
    pub lower: Vec<Option<f64>>,
    /// Upper pointwise limit; `None` where the transform is undefined (e.g. F = 0).
    pub upper: Vec<Option<f64>>,
}

/// The probability of being event-free (no failure from any cause) in one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventFreeCurve {
    /// The group's level; `None` without a group column.
    pub group: Option<String>,
    /// Every distinct exit time of the group, censoring times included.
    pub time: Vec<f64>,
    /// The all-cause Kaplan–Meier S(t) just after each time.
    pub probability: Vec<f64>,
    /// Infinitesimal-jackknife standard error (as `survfit` for state "(s0)").
    pub se: Vec<Option<f64>>,
    /// Lower pointwise limit; `None` where the transform is undefined.
    pub lower: Vec<Option<f64>>,
    /// Upper pointwise limit; `None` where the transform is undefined.
    pub upper: Vec<Option<f64>>,
}

/// A cumulative incidence at a requested time (the last step at or before it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifAt {
    /// The group's level; `None` without a group column.
    pub group: Option<String>,
    /// The cause's label.
    pub cause: String,
    /// The requested time.
    pub time: f64,
    /// (Weighted) number at risk at the first curve time ≥ `time` (0 past the end).
    #[serde(serialize_with = "count")]
    pub n_risk: f64,
    /// F_k at the last curve time ≤ `time` (0 before the first time).
    pub cif: f64,
    /// Its standard error (0 before the first time); `None` if not finite.
    pub se: Option<f64>,
    /// Lower limit; `None` where undefined (always before the first time).
    pub lower: Option<f64>,
    /// Upper limit; `None` where undefined (always before the first time).
    pub upper: Option<f64>,
}

/// The event-free probability at a requested time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventFreeAt {
    /// The group's level; `None` without a group column.
    pub group: Option<String>,
    /// The requested time.
    pub time: f64,
    /// S at the last curve time ≤ `time` (1 before the first time).
    pub probability: f64,
    /// Its infinitesimal-jackknife standard error (0 before the first time).
    pub se: Option<f64>,
    /// Lower limit; `None` where the transform is undefined.
    pub lower: Option<f64>,
    /// Upper limit; `None` where the transform is undefined.
    pub upper: Option<f64>,
}

/// The restricted mean time lost to one cause up to τ in one group, ∫₀^τ F_k(t) dt
/// (Andersen 2013), with its infinitesimal-jackknife SE and Wald limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeLost {
    /// The group's level; `None` without a group column.
    pub group: Option<String>,
    /// The cause's label.
    pub cause: String,
    /// The horizon τ, in time units.
    pub tau: f64,
    /// Restricted mean time lost to the cause up to τ, in time units.
    pub rmtl: f64,
    /// Its infinitesimal-jackknife standard error; `None` if not finite.
    pub se: Option<f64>,
    /// Lower Wald limit, rmtl − z·se; `None` without an SE.
    pub lower: Option<f64>,
    /// Upper Wald limit, rmtl + z·se; `None` without an SE.
    pub upper: Option<f64>,
}

/// A difference in restricted mean time lost to one cause: a group minus the reference group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeLostContrast {
    /// The cause's label.
    pub cause: String,
    /// The group compared.
    pub group: String,
    /// The reference group (the first level).
    pub reference: String,
    /// RMTL of `group` minus RMTL of `reference`, in time units.
    pub difference: f64,
    /// Its standard error, √(se₁² + se₀²) (independent groups); `None` if either SE is missing.
    pub se: Option<f64>,
    /// Lower Wald limit; `None` without an SE.
    pub lower: Option<f64>,
    /// Upper Wald limit; `None` without an SE.
    pub upper: Option<f64>,
    /// Two-sided Wald p-value, 2Φ(−|difference/se|); `None` without an SE.
    pub p_value: Option<f64>,
}

/// Gray's test for one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayTest {
    /// The cause's label.
    pub cause: String,
    /// The chi-squared statistic; `None` when the score variance is singular.
    pub statistic: Option<f64>,
    /// Degrees of freedom: the number of groups with rows minus 1.
    pub df: usize,
    /// Upper-tail chi-squared p-value; `None` when there is no statistic.
    pub p_value: Option<f64>,
}

/// Cumulative incidence curves per group and cause, the event-free probability, and Gray's
/// test when there are groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cif {
    /// The status column (censoring value or cause).
    pub status_column: String,
    /// The group column; `None` for one set of curves over all rows.
    pub group_column: Option<String>,
    /// The strata column of Gray's test; `None` when the data have no strata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata_column: Option<String>,
    /// The causes' labels, in R's `factor()` order.
    pub causes: Vec<String>,
    /// The variance used for the cumulative incidence.
    pub variance: CifVariance,
    /// Scale of the pointwise limits.
    pub conf_type: ConfType,
    /// Confidence level of the limits, in (0, 1).
    pub conf_level: f64,
    /// One curve per group × cause, groups in level order, causes in `causes` order.
    pub curves: Vec<CifCurve>,
    /// One event-free curve per group.
    pub event_free: Vec<EventFreeCurve>,
    /// Each curve at each time of [`CifOptions::at`].
    pub at: Vec<CifAt>,
    /// Each event-free curve at each time of [`CifOptions::at`].
    pub event_free_at: Vec<EventFreeAt>,
    /// Gray's test per cause; empty with one group, or with case weights or delayed entry.
    pub gray: Vec<GrayTest>,
    /// Restricted mean time lost per group × cause; empty without [`CifOptions::tau`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rmtl: Vec<TimeLost>,
    /// Each group's RMTL minus the first group's, per cause; empty without τ or groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rmtl_contrasts: Vec<TimeLostContrast>,
    /// Rows left out because a used column was missing.
    pub dropped_rows: DroppedRows,
    /// Warnings about the data or the estimate (Gray's test skipped, timefix ties, no failures).
    pub warnings: Vec<String>,
}

impl Cif {
    /// Fits every group's curves; Gray's test compares the groups (within strata).
    ///
    /// ```
    /// use survkit::{Cif, CifOptions, Columns, CompetingData};
    /// let columns = Columns::new("time", "status").group("sex");
    /// let mgus = CompetingData::read_csv("datasets/mgus2_cr.csv", &columns, "0")?;
    /// let cif = Cif::fit(&mgus, &CifOptions::default())?;
    /// // R: cmprsk::cuminc(time, status, sex)$Tests["1", "stat"], Gray's test for cause 1
    /// let gray = cif.gray[0].statistic.ok_or("singular variance")?;
    /// assert!((gray - 1.19450782507551).abs() < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &CompetingData, options: &CifOptions) -> Result<Cif, CompetingError> {
        Self::fit_merged(data, None, options)
    }

    /// As [`Cif::fit`], from participants counted per (group, stratum, time, cause)
    /// ([`CompetingCounts`]): the same result as on their rows, to the last bit.
    ///
    /// ```
    /// use survkit::{Cif, CifOptions, Columns, CompetingCounts, Table};
    /// let table = Table::read_csv("datasets/mgus2_cr.csv")?;
    /// let columns = Columns::new("time", "status").group("sex");
    /// let counts = CompetingCounts::from_rows(&table, &columns, "0")?;
    /// let cif = Cif::fit_counts(&counts, &CifOptions::default())?;
    /// assert!((cif.gray[0].statistic.ok_or("singular")? - 1.19450782507551).abs() < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit_counts(counts: &CompetingCounts, options: &CifOptions) -> Result<Cif, CompetingError> {
        Self::fit_merged(counts.data(), Some(counts.copies()), options)
    }

    /// The fit, row `i` of `data` standing for `copies[i]` participants (1 each without).
    /// Unweighted rows without delayed entry are first merged per distinct (group, time,
    /// stratum, cause), so rows and counts are summed in one order.
    fn fit_merged(data: &CompetingData, copies: Option<&[f64]>, options: &CifOptions) -> Result<Cif, CompetingError> {
        options.check()?;
        let merged = merge_rows(data, copies);
        let (data, copies) = match &merged {
            Some((data, copies)) => (data, Some(copies.as_slice())),
            None => (data, copies),
        };
        let copy_of = |i: usize| copies.map_or(1.0, |c| c[i]);
        let sd = data.data();
        let weighted = sd.weight.as_ref().is_some_and(|w| w.iter().any(|&w| w != 1.0));
        let delayed = sd.entry.is_some();
        if options.variance == CifVariance::Cuminc && (weighted || delayed) {
            return Err(CompetingError::Option(
                "cmprsk::cuminc's variance counts rows: it is not defined with case weights or delayed entry (use the survfit variance)"
                    .to_string(),
            ));
        }
        let n_groups = sd.group.as_ref().map_or(1, |g| g.n_levels());
        let parts = split_by_code(sd.order_by_time(), n_groups, |i| {
            sd.group.as_ref().map_or(0, |g| g.codes[i] as usize)
        });
        let z = z_for_level(options.conf_level);
        let mut result = Cif {
            status_column: data.status_column().to_string(),
            group_column: sd.group.as_ref().map(|g| g.name.clone()),
            strata_column: sd.strata.as_ref().map(|s| s.name.clone()),
            causes: data.causes().to_vec(),
            variance: options.variance,
            conf_type: options.conf_type,
            conf_level: options.conf_level,
            curves: Vec::new(),
            event_free: Vec::new(),
            at: Vec::new(),
            event_free_at: Vec::new(),
            gray: Vec::new(),
            rmtl: Vec::new(),
            rmtl_contrasts: Vec::new(),
            dropped_rows: sd.dropped.clone(),
            warnings: Vec::new(),
        };
        let groups: Vec<(usize, &Vec<usize>)> = parts.iter().enumerate().filter(|(_, rows)| !rows.is_empty()).collect();
        if let Some(tau) = options.tau {
            for (g, rows) in &groups {
                let last = rows.last().map_or(0.0, |&i| sd.time[i]);
                if tau > last {
                    let name = sd
                        .group
                        .as_ref()
                        .map_or_else(|| "the data".to_string(), |f| format!("group {}", f.levels[*g]));
                    return Err(CompetingError::Analysis(format!(
                        "τ = {tau} is beyond the follow-up of {name}, which ends at {last}: the cumulative incidence is not estimated there"
                    )));
                }
            }
        }
        // groups and Gray's tests are independent: computed in parallel, gathered in order
        let run_gray = groups.len() > 1 && !(weighted || delayed);
        let (fitted, gray) = rayon::join(
            || {
                groups
                    .par_iter()
                    .map(|(g, rows)| {
                        let group = sd.group.as_ref().map(|f| f.levels[*g].clone());
                        group_curves(data, rows, &copy_of, group, options, z)
                    })
                    .collect::<Vec<_>>()
            },
            || {
                if run_gray {
                    gray_tests(data, copy_of, options.rho)
                } else {
                    Vec::new()
                }
            },
        );
        for (curves, event_free, lost) in fitted {
            result.rmtl.extend(lost);
            for curve in &curves {
                result.at.extend(options.at.iter().map(|&t| cif_at(curve, t)));
            }
            result.curves.extend(curves);
            result
                .event_free_at
                .extend(options.at.iter().map(|&t| event_free_at(&event_free, t)));
            result.event_free.push(event_free);
        }
        result.gray = gray;
        result.rmtl_contrasts = contrasts(&result.rmtl, z);
        if groups.len() > 1 && (weighted || delayed) {
            result.warnings.push(
                "Gray's test is not computed: as in cmprsk::cuminc it counts rows, and these data have case weights or delayed entry"
                    .to_string(),
            );
        }
        if sd.times_tied_by_timefix > 0 {
            result.warnings.push(format!(
                "{} time values differed from a neighbour only by rounding noise (relative difference ≤ 1.5e-8) and were treated as tied, as R's timefix does",
                sd.times_tied_by_timefix
            ));
        }
        for curve in &result.curves {
            if curve.events == 0.0 {
                result.warnings.push(format!(
                    "{}cause {}: no failures, so its cumulative incidence stays at 0",
                    curve
                        .group
                        .as_ref()
                        .map_or_else(String::new, |g| format!("group {g}, ")),
                    curve.cause
                ));
            }
        }
        Ok(result)
    }
}

/// The cumulative incidence of every cause and the event-free probability of one group.
fn group_curves(
    data: &CompetingData,
    rows: &[usize],
    copy_of: &(impl Fn(usize) -> f64 + Sync),
    group: Option<String>,
    options: &CifOptions,
    z: f64,
) -> (Vec<CifCurve>, EventFreeCurve, Vec<TimeLost>) {
    let sd = data.data();
    let stride = data.n_causes() + 1;
    let table = RiskTable::build_weighted(
        sd,
        rows,
        stride,
        |i| data.cause_of(i) as usize,
        |i| sd.weight_of(i) * copy_of(i),
    );
    let aj = AalenJohansen::from_table(&table);
    let subjects = subjects(data, rows, copy_of, &aj.time);
    let by_entry: Option<Vec<usize>> = sd.entry.is_some().then(|| {
        let mut order: Vec<usize> = (0..subjects.len()).collect();
        order.sort_by_key(|&i| subjects[i].enter);
        order
    });
    let with_limits = |p: &[f64], var: &[f64]| {
        let se: Vec<Option<f64>> = var.iter().map(|v| finite(v.sqrt())).collect();
        let (lower, upper): (Vec<_>, Vec<_>) = p
            .iter()
            .zip(var)
            .map(|(&p, &v)| limits(options.conf_type, p, v.sqrt(), z))
            .unzip();
        (se, lower, upper)
    };
    let curves = (1..stride)
        .map(|k| {
            let cif = aj.cif_of(k);
            let var = match options.variance {
                CifVariance::Survfit => aj.ij_variance(&subjects, k, by_entry.as_deref()),
                CifVariance::Cuminc => aj.cuminc_variance(k),
            };
            let (se, lower, upper) = with_limits(&cif, &var);
            let n_event: Vec<f64> = (0..aj.len()).map(|l| aj.n_event[l * stride + k]).collect();
            CifCurve {
                group: group.clone(),
                cause: data.causes()[k - 1].clone(),
                n: rows.iter().map(|&i| copy_of(i)).sum::<f64>() as usize,
                events: n_event.iter().sum(),
                time: aj.time.clone(),
                n_risk: aj.n_risk.clone(),
                n_event,
                cif,
                se,
                lower,
                upper,
            }
        })
        .collect();
    let lost = options.tau.map_or_else(Vec::new, |tau| {
        (1..stride)
            .map(|k| {
                let (rmtl, var) = aj.time_lost(&subjects, k, tau, by_entry.as_deref());
                let se = finite(var.sqrt());
                TimeLost {
                    group: group.clone(),
                    cause: data.causes()[k - 1].clone(),
                    tau,
                    rmtl,
                    se,
                    lower: se.map(|s| rmtl - z * s),
                    upper: se.map(|s| rmtl + z * s),
                }
            })
            .collect()
    });
    let var = aj.ij_variance(&subjects, 0, by_entry.as_deref());
    let (se, lower, upper) = with_limits(&aj.survival, &var);
    let event_free = EventFreeCurve {
        group,
        time: aj.time,
        probability: aj.survival,
        se,
        lower,
        upper,
    };
    (curves, event_free, lost)
}

/// Each group's restricted mean time lost minus the first group's, per cause (Wald).
fn contrasts(lost: &[TimeLost], z: f64) -> Vec<TimeLostContrast> {
    let Some(reference) = lost.first().and_then(|l| l.group.clone()) else {
        return Vec::new();
    };
    let reference_of = |cause: &str| {
        lost.iter()
            .find(|l| l.group.as_deref() == Some(&reference) && l.cause == cause)
    };
    lost.iter()
        .filter(|l| l.group.as_deref() != Some(&reference))
        .filter_map(|l| {
            let base = reference_of(&l.cause)?;
            let difference = l.rmtl - base.rmtl;
            let se = match (l.se, base.se) {
                (Some(a), Some(b)) => finite((a * a + b * b).sqrt()),
                _ => None,
            };
            Some(TimeLostContrast {
                cause: l.cause.clone(),
                group: l.group.clone().unwrap_or_default(),
                reference: reference.clone(),
                difference,
                se,
                lower: se.map(|s| difference - z * s),
                upper: se.map(|s| difference + z * s),
                p_value: se.and_then(|s| crate::dist::wald_p(difference, s)),
            })
        })
        .collect()
}

/// Where each row of a group enters and leaves the group's time grid.
fn subjects(data: &CompetingData, rows: &[usize], copy_of: impl Fn(usize) -> f64, grid: &[f64]) -> Vec<Subject> {
    let sd = data.data();
    let mut exit = 0;
    rows.iter()
        .map(|&i| {
            while grid[exit] < sd.time[i] {
                exit += 1;
            }
            let enter = sd.entry.as_ref().map_or(0, |e| grid.partition_point(|&t| t <= e[i]));
            Subject {
                enter,
                exit,
                cause: data.cause_of(i),
                squared_weight: sd.weight_of(i) * sd.weight_of(i) * copy_of(i),
            }
        })
        .collect()
}

/// The index of the last grid time ≤ t, if any.
fn step_at(time: &[f64], t: f64) -> Option<usize> {
    time.partition_point(|&x| x <= t).checked_sub(1)
}

fn cif_at(curve: &CifCurve, t: f64) -> CifAt {
    let from = curve.time.partition_point(|&x| x < t);
    let n_risk = curve.n_risk.get(from).copied().unwrap_or(0.0);
    match step_at(&curve.time, t) {
        Some(l) => CifAt {
            group: curve.group.clone(),
            cause: curve.cause.clone(),
            time: t,
            n_risk,
            cif: curve.cif[l],
            se: curve.se[l],
            lower: curve.lower[l],
            upper: curve.upper[l],
        },
        None => CifAt {
            group: curve.group.clone(),
            cause: curve.cause.clone(),
            time: t,
            n_risk,
            cif: 0.0,
            se: Some(0.0),
            lower: None,
            upper: None,
        },
    }
}

fn event_free_at(curve: &EventFreeCurve, t: f64) -> EventFreeAt {
    match step_at(&curve.time, t) {
        Some(l) => EventFreeAt {
            group: curve.group.clone(),
            time: t,
            probability: curve.probability[l],
            se: curve.se[l],
            lower: curve.lower[l],
            upper: curve.upper[l],
        },
        None => EventFreeAt {
            group: curve.group.clone(),
            time: t,
            probability: 1.0,
            se: Some(0.0),
            lower: Some(1.0),
            upper: Some(1.0),
        },
    }
}

/// Gray's test for every cause, over the groups that have rows, within strata.
fn gray_tests(data: &CompetingData, copy_of: impl Fn(usize) -> f64, rho: f64) -> Vec<GrayTest> {
    let layout = gray::GrayLayout::with_counts(data.data(), copy_of);
    let df = layout.n_groups - 1;
    (1..=data.n_causes() as u32)
        .map(|k| {
            let codes = layout.codes(|i| gray::test_code(data.cause_of(i), k));
            let code_slices: Vec<&[u8]> = codes.iter().map(Vec::as_slice).collect();
            let statistic = layout.statistic(&code_slices, rho);
            GrayTest {
                cause: data.causes()[k as usize - 1].clone(),
                statistic,
                df,
                p_value: statistic.map(|s| chisq_sf(s, df as f64)),
            }
        })
        .collect()
}

/// Unweighted rows without delayed entry merged per distinct (group, time, stratum, cause), in
/// that order, each with the number of participants it stands for (the sum of `copies`, 1 a
/// row without); `None` for weighted rows or rows with delayed entry, which are kept as they are.
fn merge_rows(data: &CompetingData, copies: Option<&[f64]>) -> Option<(CompetingData, Vec<f64>)> {
    let sd = data.data();
    if sd.weight.is_some() || sd.entry.is_some() {
        return None;
    }
    let code = |f: &Option<crate::data::Factor>, i: usize| f.as_ref().map_or(0, |f| f.codes[i]);
    // rows with equal keys are neighbours once sorted (a time's bits stand for the time; the
    // row index makes the order one whatever the thread count)
    let key = |i: usize| {
        (
            code(&sd.group, i),
            sd.time[i].to_bits(),
            code(&sd.strata, i),
            data.cause_of(i),
        )
    };
    let mut keyed: Vec<((u32, u64, u32, u32), usize)> = (0..sd.n_rows()).map(|i| (key(i), i)).collect();
    keyed.par_sort_unstable();
    let mut kept: Vec<usize> = Vec::new();
    let mut merged: Vec<f64> = Vec::new();
    for (k, &(key, i)) in keyed.iter().enumerate() {
        let copy = copies.map_or(1.0, |c| c[i]);
        match merged.last_mut() {
            Some(sum) if keyed[k - 1].0 == key => *sum += copy,
            _ => {
                kept.push(i);
                merged.push(copy);
            }
        }
    }
    Some((data.select_rows(&kept), merged))
}
