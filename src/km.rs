//! The Kaplan–Meier (product-limit) estimator with Greenwood variance.
//!
//! # Formulas
//! At each distinct time t_j with (weighted) n_j at risk and d_j events
//! (Kaplan & Meier 1958; Greenwood 1926):
//!
//! - S(t) = Π_{t_j ≤ t} (1 − d_j / n_j)
//! - Var log S(t) = Σ_{t_j ≤ t} d_j / (n_j (n_j − d_j)),  SE S(t) = S(t) √Var log S(t)
//!
//! Delayed entry counts a participant at risk only after their entry time (left
//! truncation); case weights enter n_j and d_j. This is R survival's `survfit` with its
//! defaults (`stype = 1`, `ctype = 1`), except for non-integer case weights, where R switches
//! to an infinitesimal-jackknife variance by default and survkit keeps Greenwood's (R's
//! `robust = FALSE`); a warning says so.
//!
//! Confidence limits: `crate::conf_int`; quantiles: `crate::quantile`; cumulative hazard:
//! `crate::nelson_aalen`.

use serde::Serialize;
use thiserror::Error;

use crate::conf_int::{ConfType, finite};
use crate::counts::Counts;
use crate::data::{DroppedRows, SurvData};
use crate::dist::z_for_level;
use crate::nelson_aalen::nelson_aalen;
use crate::numbers::count;
use crate::quantile::find_quantile;
use crate::risk_set::{Records, RiskTable, split_by_code};

/// Options for [`KaplanMeier::fit`]; start from `KmOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct KmOptions {
    /// Scale of the pointwise confidence limits (default `log`, as R's `survfit`).
    pub conf_type: ConfType,
    /// Confidence level of the pointwise limits and quantile limits, in (0, 1).
    pub conf_level: f64,
    /// Quantiles of the survival time to report besides the median, each in [0, 1].
    pub quantiles: Vec<f64>,
    /// Times at which to report S(t) with its limits and the number at risk.
    pub at: Vec<f64>,
    /// Add the Nelson–Aalen cumulative hazard and its standard error to each table row.
    pub cumhaz: bool,
}

impl Default for KmOptions {
    fn default() -> Self {
        KmOptions {
            conf_type: ConfType::Log,
            conf_level: 0.95,
            quantiles: Vec::new(),
            at: Vec::new(),
            cumhaz: false,
        }
    }
}

impl KmOptions {
    /// Checks the options once, so the estimator need not.
    pub fn check(&self) -> Result<(), KmError> {
        check_conf_level(self.conf_level).map_err(KmError::Option)?;
        if let Some(p) = self.quantiles.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(KmError::Option(format!("quantile {p} is outside [0, 1]")));
        }
        if let Some(t) = self.at.iter().find(|t| !t.is_finite()) {
            return Err(KmError::Option(format!("time {t} to report at is not a finite number")));
        }
        Ok(())
    }
}

/// Checks that a confidence level lies strictly between 0 and 1.
pub fn check_conf_level(level: f64) -> Result<(), String> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(format!(
            "confidence level {level} must lie strictly between 0 and 1 (e.g. 0.95)"
        ))
    }
}

/// Why a Kaplan–Meier fit could not be done.
#[derive(Debug, Error, PartialEq)]
pub enum KmError {
    /// An option is out of range (confidence level, quantile, report time); says which.
    #[error("invalid option: {0}")]
    Option(String),
}

/// An estimate with confidence limits; `None` where a limit is not defined or not reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// The point estimate; `None` when the curve never reaches it.
    pub estimate: Option<f64>,
    /// Lower confidence limit; `None` when undefined or never reached.
    pub lower: Option<f64>,
    /// Upper confidence limit; `None` when undefined or never reached.
    pub upper: Option<f64>,
}

/// A quantile of the survival time with its confidence limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileEstimate {
    /// The probability p: the quantile is the first time S(t) ≤ 1 − p (R's `quantile.survfit`).
    pub p: f64,
    /// The quantile time; `None` when the curve never drops to 1 − p.
    pub estimate: Option<f64>,
    /// The same rule applied to the lower limits; `None` when they never drop to 1 − p.
    pub lower: Option<f64>,
    /// The same rule applied to the upper limits; `None` when they never drop to 1 − p.
    pub upper: Option<f64>,
}

/// One distinct time of a curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmRow {
    /// The distinct time (an event or censoring time of the curve).
    pub time: f64,
    /// (Weighted) number at risk just before this time.
    #[serde(serialize_with = "count")]
    pub n_risk: f64,
    /// (Weighted) number of events at this time.
    #[serde(serialize_with = "count")]
    pub n_event: f64,
    /// (Weighted) number censored at this time.
    #[serde(serialize_with = "count")]
    pub n_censor: f64,
    /// Kaplan–Meier estimate S(t) just after this time.
    pub survival: f64,
    /// Standard error of S(t) itself (not of log S).
    pub std_err: Option<f64>,
    /// Lower pointwise confidence limit of S(t); `None` where the transform is undefined.
    pub lower: Option<f64>,
    /// Upper pointwise confidence limit of S(t); `None` where the transform is undefined.
    pub upper: Option<f64>,
    /// Nelson–Aalen cumulative hazard (with `cumhaz`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cumhaz: Option<f64>,
    /// Standard error of the cumulative hazard, √Σ d/n² (with `cumhaz`; R's `ctype = 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std_cumhaz: Option<f64>,
}

/// S(t) at a requested time, as R's `summary(fit, times = t, extend = TRUE)` gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalAt {
    /// The requested time.
    pub time: f64,
    /// Number at risk at `time` (those with exit time ≥ `time`).
    #[serde(serialize_with = "count")]
    pub n_risk: f64,
    /// Events since the previous requested time.
    #[serde(serialize_with = "count")]
    pub n_event: f64,
    /// S at the last curve time ≤ `time` (1 before the first time).
    pub survival: f64,
    /// Standard error of S (0 before the first time); `None` where undefined.
    pub std_err: Option<f64>,
    /// Lower confidence limit of S; `None` where the transform is undefined.
    pub lower: Option<f64>,
    /// Upper confidence limit of S; `None` where the transform is undefined.
    pub upper: Option<f64>,
}

/// The Kaplan–Meier curve of one group (and stratum).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmCurve {
    /// The group's level; `None` for a single curve over all rows.
    pub group: Option<String>,
    /// The stratum's level; `None` when the data have no strata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stratum: Option<String>,
    /// Rows in the curve.
    pub n: usize,
    /// (Weighted) number of events.
    #[serde(serialize_with = "count")]
    pub events: f64,
    /// Median survival time with its confidence limits.
    pub median: Estimate,
    /// The quantiles asked for in [`KmOptions::quantiles`], in that order.
    pub quantiles: Vec<QuantileEstimate>,
    /// S(t) at the times asked for in [`KmOptions::at`], in that order.
    pub at: Vec<SurvivalAt>,
    /// One row per distinct time of the curve, censoring-only times included.
    pub table: Vec<KmRow>,
}

/// Kaplan–Meier curves for every group of a data set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaplanMeier {
    /// The group column; `None` for a single curve over all rows.
    pub group_column: Option<String>,
    /// The strata column; `None` when the data have no strata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata_column: Option<String>,
    /// Scale of the confidence limits.
    pub conf_type: ConfType,
    /// Confidence level of the limits, in (0, 1).
    pub conf_level: f64,
    /// One curve per group (× stratum) present in the data, in level order.
    pub curves: Vec<KmCurve>,
    /// Rows left out because a used column was missing.
    pub dropped_rows: DroppedRows,
    /// Warnings about the data or the estimate (timefix ties, weights, curves without events).
    pub warnings: Vec<String>,
}

impl KaplanMeier {
    /// One curve per group (per group × stratum when the data have strata).
    ///
    /// ```
    /// use survkit::{Columns, KaplanMeier, KmOptions, SurvData};
    /// let columns = Columns::new("time", "status").group("sex");
    /// let lung = SurvData::read_csv("datasets/lung.csv", &columns)?;
    /// let km = KaplanMeier::fit(&lung, &KmOptions::default())?;
    /// // R: summary(survfit(Surv(time, status) ~ sex, lung))$table[, "median"]
    /// assert_eq!(km.curves[0].median.estimate, Some(270.0));
    /// assert_eq!(km.curves[1].median.estimate, Some(426.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit(data: &SurvData, options: &KmOptions) -> Result<KaplanMeier, KmError> {
        fit_records(data, options)
    }

    /// As [`KaplanMeier::fit`], from aggregated counts: the same result as on the rows they
    /// count (`n` and the tables count participants, not count rows).
    ///
    /// ```
    /// use survkit::counts::{CountColumns, Counts};
    /// use survkit::{KaplanMeier, KmOptions};
    /// let csv = "group,time,n_event,n_censor\na,1,2,0\na,3,0,1\nb,2,1,1\n";
    /// let counts = Counts::from_csv_bytes("counts.csv", csv.as_bytes(), &CountColumns::default().group("group"))?;
    /// let km = KaplanMeier::fit_counts(&counts, &KmOptions::default())?;
    /// assert_eq!((km.curves[0].n, km.curves[0].table[0].survival), (3, 1.0 / 3.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit_counts(counts: &Counts, options: &KmOptions) -> Result<KaplanMeier, KmError> {
        fit_records(counts, options)
    }
}

fn fit_records(data: &impl Records, options: &KmOptions) -> Result<KaplanMeier, KmError> {
    options.check()?;
    let (group, strata) = (data.group(), data.strata());
    let n_groups = group.map_or(1, |g| g.n_levels());
    let n_strata = strata.map_or(1, |s| s.n_levels());
    let code = |i: usize| {
        let g = group.map_or(0, |f| f.codes[i] as usize);
        let s = strata.map_or(0, |f| f.codes[i] as usize);
        g * n_strata + s
    };
    let parts = split_by_code(data.order_by_time(), n_groups * n_strata, code);
    let z = z_for_level(options.conf_level);
    let mut curves = Vec::new();
    let mut warnings = Vec::new();
    if data.times_tied_by_timefix() > 0 {
        warnings.push(format!(
            "{} time values differed from a neighbour only by rounding noise (relative difference ≤ 1.5e-8) and were treated as tied, as R's timefix does",
            data.times_tied_by_timefix()
        ));
    }
    if data.has_fractional_weights() {
        warnings.push("non-integer case weights: standard errors use Greenwood's formula with weighted counts (R's survfit uses a robust infinitesimal-jackknife variance here unless robust = FALSE)".to_string());
    }
    let mut empty_warnings = Vec::new();
    for (c, rows) in parts.iter().enumerate() {
        let n: usize = rows.iter().map(|&i| data.participants(i)).sum();
        if n == 0 {
            continue;
        }
        let table = data.risk_table(rows, 1, |_| 0);
        let curve = curve(
            table,
            n,
            group.map(|f| f.levels[c / n_strata].clone()),
            strata.map(|f| f.levels[c % n_strata].clone()),
            options,
            z,
        );
        if data.has_entry()
            && let Some(zero) = curve.table.iter().find(|r| r.survival == 0.0)
        {
            let later: usize = rows.iter().map(|&i| data.entering_from(i, zero.time)).sum();
            if later > 0 {
                warnings.push(format!(
                    "{}: the curve falls to 0 at {} because everyone then at risk had the event, yet {later} participants enter later; with delayed entry a small early risk set can do this (consider starting the analysis at a later time)",
                    curve_label(&curve),
                    zero.time
                ));
            }
        }
        if curve.events == 0.0 {
            empty_warnings.push(format!(
                "{}: no events, so the curve stays at 1 and no quantile is reached",
                curve_label(&curve)
            ));
        }
        curves.push(curve);
    }
    warnings.extend(empty_warnings);
    Ok(KaplanMeier {
        group_column: group.map(|f| f.name.clone()),
        strata_column: strata.map(|f| f.name.clone()),
        conf_type: options.conf_type,
        conf_level: options.conf_level,
        curves,
        dropped_rows: data.dropped().clone(),
        warnings,
    })
}

/// "sex=1", "sex=1, ph.ecog=0" or "all rows": how a curve is named in messages.
pub fn curve_label(curve: &KmCurve) -> String {
    match (&curve.group, &curve.stratum) {
        (Some(g), Some(s)) => format!("group {g}, stratum {s}"),
        (Some(g), None) => format!("group {g}"),
        (None, Some(s)) => format!("stratum {s}"),
        (None, None) => "all rows".to_string(),
    }
}

fn curve(
    counts: RiskTable,
    n: usize,
    group: Option<String>,
    stratum: Option<String>,
    options: &KmOptions,
    z: f64,
) -> KmCurve {
    let (cumhaz, std_cumhaz) = nelson_aalen(&counts.n_risk, &counts.n_event);
    let mut survival = 1.0;
    let mut greenwood = 0.0;
    let mut table = Vec::with_capacity(counts.len());
    for j in 0..counts.len() {
        let (n, d) = (counts.n_risk[j], counts.n_event[j]);
        if d > 0.0 {
            survival *= (n - d) / n;
            greenwood += d / (n * (n - d));
        }
        let se_log = greenwood.sqrt();
        let (lower, upper) = options.conf_type.limits(survival, se_log, z);
        table.push(KmRow {
            time: counts.time[j],
            n_risk: n,
            n_event: d,
            n_censor: counts.n_censor[j],
            survival,
            std_err: finite(survival * se_log),
            lower,
            upper,
            cumhaz: options.cumhaz.then_some(cumhaz[j]),
            std_cumhaz: options.cumhaz.then_some(std_cumhaz[j]),
        });
    }
    let quantile = |p: f64| -> QuantileEstimate {
        let times: Vec<f64> = table.iter().map(|r| r.time).collect();
        let cdf = |f: &dyn Fn(&KmRow) -> Option<f64>| -> Vec<Option<f64>> {
            table.iter().map(|r| f(r).map(|s| 1.0 - s)).collect()
        };
        QuantileEstimate {
            p,
            estimate: find_quantile(0.0, &times, &cdf(&|r| Some(r.survival)), p),
            lower: find_quantile(0.0, &times, &cdf(&|r| r.lower), p),
            upper: find_quantile(0.0, &times, &cdf(&|r| r.upper), p),
        }
    };
    let median = quantile(0.5);
    let events = counts.n_event.iter().sum();
    KmCurve {
        group,
        stratum,
        n,
        events,
        median: Estimate {
            estimate: median.estimate,
            lower: median.lower,
            upper: median.upper,
        },
        quantiles: options.quantiles.iter().map(|p| quantile(*p)).collect(),
        at: survival_at(&table, &options.at),
        table,
    }
}

/// S(t) at requested times: the last row at or before t supplies S and its limits (S = 1
/// before the first row), the first row at or after t supplies the number at risk (0 past
/// the end), and events are counted since the previous requested time.
fn survival_at(table: &[KmRow], times: &[f64]) -> Vec<SurvivalAt> {
    let mut events_before = 0.0;
    let cumulative_events: Vec<f64> = table
        .iter()
        .scan(0.0, |acc, r| {
            *acc += r.n_event;
            Some(*acc)
        })
        .collect();
    times
        .iter()
        .map(|&t| {
            let upto = table.partition_point(|r| r.time <= t);
            let from = table.partition_point(|r| r.time < t);
            let n_risk = table.get(from).map_or(0.0, |r| r.n_risk);
            let events_so_far = if upto == 0 { 0.0 } else { cumulative_events[upto - 1] };
            let n_event = events_so_far - events_before;
            events_before = events_so_far;
            match upto.checked_sub(1).map(|k| &table[k]) {
                Some(r) => SurvivalAt {
                    time: t,
                    n_risk,
                    n_event,
                    survival: r.survival,
                    std_err: r.std_err,
                    lower: r.lower,
                    upper: r.upper,
                },
                None => SurvivalAt {
                    time: t,
                    n_risk,
                    n_event,
                    survival: 1.0,
                    std_err: Some(0.0),
                    lower: Some(1.0),
                    upper: Some(1.0),
                },
            }
        })
        .collect()
}
