//! Reconstructing individual participant data from a published Kaplan–Meier figure.
//!
//! Most trial reanalyses start without the participant data: only the figure, the
//! numbers-at-risk table under it and perhaps the total number of events. From the digitised
//! curve (`digitised`) and the table, the algorithm of Guyot, Ades, Ouwens & Welton (2012,
//! BMC Med Res Methodol 12:9; `guyot`) rebuilds one (time, event) row per participant, which
//! every other analysis reads like trial data. `quality` says how well the rebuilt data
//! reproduce what was published.
//!
//! ```no_run
//! use survkit::reconstruct::{ArmInput, AtRiskTable, DigitisedCurve, Reconstruct, SurvivalScale};
//! let arm = ArmInput {
//!     label: "A".into(),
//!     curve: DigitisedCurve::read_csv("arm_a.csv", SurvivalScale::Auto)?,
//!     at_risk: AtRiskTable::read_csv("arm_a_risk.csv")?,
//!     total_events: Some(112),
//!     published_median: None,
//! };
//! let result = Reconstruct::run(&[arm], &Default::default())?;
//! println!("{result}");
//! # Ok::<(), survkit::reconstruct::ReconstructError>(())
//! ```

pub(crate) mod digitised;
pub(crate) mod guyot;
pub(crate) mod quality;
mod risk_sets;

use serde::Serialize;
use thiserror::Error;

pub use digitised::{AtRisk, AtRiskTable, Correction, CorrectionRule, DigitisedCurve, Point, SurvivalScale};
pub use quality::{AtRiskCheck, CurveFit, HazardRatio};

/// Why a reconstruction could not be done. File errors name the file, line, column and value.
#[derive(Debug, Error)]
pub enum ReconstructError {
    /// A file cannot be read.
    #[error("{file}: cannot read file: {source}")]
    Io {
        /// The file.
        file: String,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// A curve or at-risk file has no data rows.
    #[error("{file}: no data rows (expected two columns: time and survival, or time and number at risk)")]
    Empty {
        /// The file.
        file: String,
    },
    /// A file is not valid CSV.
    #[error("{file}, line {line}: not valid CSV: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// The line (from 1).
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// A value is not a finite number, or not a whole number at risk.
    #[error(
        "{file}, line {line}, column {column}: value '{}' {rule}",
        crate::numbers::clipped(value)
    )]
    InvalidValue {
        /// The file.
        file: String,
        /// The line (from 1).
        line: u64,
        /// The column (1 for time, 2 for survival or number at risk).
        column: usize,
        /// The value as written.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// An at-risk table does not start at time 0 with a positive count (at most
    /// 1,000,000), or its times do not increase, or its counts increase.
    #[error("{file}, line {line}: {message}")]
    AtRisk {
        /// The at-risk file.
        file: String,
        /// The line of the offending row.
        line: u64,
        /// The rule broken, with the values.
        message: String,
    },
    /// An at-risk row with people at risk lies after the last digitised point of the curve.
    #[error(
        "{file}, line {line}: {n_risk} at risk at time {time}, after the last digitised point of {curve} (time {last_time}); digitise the curve up to that time or leave the row out"
    )]
    AtRiskBeyondCurve {
        /// The at-risk file.
        file: String,
        /// The row's line.
        line: u64,
        /// The row's time.
        time: f64,
        /// The row's number at risk.
        n_risk: u64,
        /// The curve file.
        curve: String,
        /// The curve's last digitised time.
        last_time: f64,
    },
    /// A curve has fewer than two points after cleaning.
    #[error("{file}: no usable points after cleaning (every point lies outside the axes, or only (0, 1) is left)")]
    NoPoints {
        /// The curve file.
        file: String,
    },
    /// The arms or options are inconsistent: no arms, a label twice, more events than
    /// participants, a published HR for an unknown arm or not positive.
    #[error("{0}")]
    Option(String),
}

/// One arm to reconstruct.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmInput {
    /// The arm's label: the `group` of its participants.
    pub label: String,
    /// The cleaned digitised curve.
    pub curve: DigitisedCurve,
    /// The published numbers at risk.
    pub at_risk: AtRiskTable,
    /// The published total number of events, when known.
    pub total_events: Option<u64>,
    /// The published median survival, shown beside the reconstructed one.
    pub published_median: Option<f64>,
}

/// Options for [`Reconstruct::run`]; start from `ReconstructOptions::default()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReconstructOptions {
    /// Published hazard ratios `(arm, HR)` of an arm against the first arm.
    pub published_hr: Vec<(String, f64)>,
}

/// One reconstructed arm with its quality report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmResult {
    /// The arm's label.
    pub group: String,
    /// The curve file (source of the digitised curve).
    pub curve_file: String,
    /// The at-risk file (source of the at-risk table).
    pub at_risk_file: String,
    /// Whether survival was read as percentages.
    pub percent: bool,
    /// Points read from the curve file, before cleaning.
    pub points_read: usize,
    /// Every change cleaning made to the digitised points.
    pub corrections: Vec<Correction>,
    /// Reconstructed participants, events and censorings.
    pub n: usize,
    /// Reconstructed events.
    pub events: usize,
    /// Reconstructed censorings.
    pub censored: usize,
    /// The published total number of events, when given.
    pub published_events: Option<u64>,
    /// Numbers at risk: published against reconstructed.
    pub at_risk: Vec<AtRiskCheck>,
    /// The reconstructed Kaplan–Meier curve against the digitised points.
    pub fit: CurveFit,
    /// Median of the reconstructed Kaplan–Meier curve (R's `quantile.survfit` rule); `None` when
    /// the curve does not reach 0.5 or cannot be fitted.
    pub median: Option<f64>,
    /// The published median, when given.
    pub published_median: Option<f64>,
    /// The cleaned digitised points (for plots).
    pub digitised: Vec<Point>,
    /// The reconstructed Kaplan–Meier curve: (0, 1), then S(t) at each distinct time (for plots).
    pub km: Vec<Point>,
    /// The reconstructed follow-up times, sorted (the IPD file, not in JSON).
    #[serde(skip)]
    pub time: Vec<f64>,
    /// The event indicator of each time in `time`.
    #[serde(skip)]
    pub event: Vec<bool>,
}

/// Reconstructed individual participant data of one or more arms, with the quality report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconstruction {
    /// The reconstructed arms, in the given order.
    pub arms: Vec<ArmResult>,
    /// Cox hazard ratios of each arm against the first, from the reconstructed data.
    pub hazard_ratios: Vec<HazardRatio>,
    /// Warnings: cleaning changes, at-risk rows left out, Guyot's and the fits' warnings.
    pub warnings: Vec<String>,
}

/// Guyot et al.'s reconstruction.
pub struct Reconstruct;

impl Reconstruct {
    /// Reconstructs every arm; the first arm is the reference of the hazard ratios.
    ///
    /// A small curve of 10 participants, digitised in percent, with its at-risk table:
    ///
    /// ```
    /// use survkit::reconstruct::{ArmInput, AtRiskTable, DigitisedCurve, Reconstruct};
    /// use survkit::reconstruct::SurvivalScale;
    /// let points = b"time,survival\n0,100\n2,100\n2,90\n5,90\n5,70\n8,70\n8,60\n10,60\n";
    /// let arm = ArmInput {
    ///     label: "A".into(),
    ///     curve: DigitisedCurve::from_csv_bytes("curve", points, SurvivalScale::Auto)?,
    ///     at_risk: AtRiskTable::from_csv_bytes("at risk", b"time,n\n0,10\n5,9\n10,6\n")?,
    ///     total_events: Some(4),
    ///     published_median: None,
    /// };
    /// let result = Reconstruct::run(&[arm], &Default::default())?;
    /// assert_eq!((result.arms[0].n, result.arms[0].events), (10, 4));
    /// assert!(result.arms[0].fit.max_abs_diff < 1e-12); // the curve goes through every point
    /// assert!(result.arms[0].at_risk.iter().all(|row| row.reconstructed == row.published));
    /// assert_eq!(result.arms[0].median, None); // the curve stays above 0.5
    /// # Ok::<(), survkit::reconstruct::ReconstructError>(())
    /// ```
    pub fn run(arms: &[ArmInput], options: &ReconstructOptions) -> Result<Reconstruction, ReconstructError> {
        check_labels(arms, options)?;
        let mut warnings = Vec::new();
        let mut results = Vec::with_capacity(arms.len());
        for arm in arms {
            warnings.extend(cleaning_summary(&arm.label, &arm.curve));
            let at_risk = usable_at_risk(arm, &mut warnings)?;
            let out = guyot::reconstruct(&arm.label, &arm.curve.points, &at_risk, arm.total_events);
            warnings.extend(out.warnings);
            let events = out.event.iter().filter(|e| **e).count();
            results.push(ArmResult {
                group: arm.label.clone(),
                curve_file: arm.curve.source.clone(),
                at_risk_file: arm.at_risk.source.clone(),
                percent: arm.curve.percent,
                points_read: arm.curve.points_read,
                corrections: arm.curve.corrections.clone(),
                n: out.time.len(),
                events,
                censored: out.time.len() - events,
                published_events: arm.total_events,
                at_risk: quality::at_risk_checks(&arm.at_risk.rows, &out.time),
                fit: CurveFit::default(),
                median: None,
                published_median: arm.published_median,
                digitised: arm.curve.points.clone(),
                km: Vec::new(),
                time: out.time,
                event: out.event,
            });
        }
        let hazard_ratios = quality::assess(&mut results, &options.published_hr, &mut warnings);
        Ok(Reconstruction {
            arms: results,
            hazard_ratios,
            warnings,
        })
    }
}

fn check_labels(arms: &[ArmInput], options: &ReconstructOptions) -> Result<(), ReconstructError> {
    if arms.is_empty() {
        return Err(ReconstructError::Option("no arms to reconstruct".into()));
    }
    for (i, arm) in arms.iter().enumerate() {
        if arms[..i].iter().any(|a| a.label == arm.label) {
            return Err(ReconstructError::Option(format!(
                "arm label '{}' is given twice",
                arm.label
            )));
        }
        if arm.curve.points.len() < 2 {
            return Err(ReconstructError::NoPoints {
                file: arm.curve.source.clone(),
            });
        }
        arm.at_risk.check()?;
        let n = arm.at_risk.rows[0].n_risk;
        if let Some(total) = arm.total_events.filter(|t| *t > n) {
            return Err(ReconstructError::Option(format!(
                "arm {}: {total} events in total is more than the {n} participants at time 0",
                arm.label
            )));
        }
    }
    for (label, hr) in &options.published_hr {
        if !arms[1..].iter().any(|a| &a.label == label) {
            return Err(ReconstructError::Option(format!(
                "a published hazard ratio is given for '{label}', which is not an arm compared with the reference arm {}",
                arms[0].label
            )));
        }
        if !(hr.is_finite() && *hr > 0.0) {
            return Err(ReconstructError::Option(format!(
                "published hazard ratio {hr} for '{label}' must be a positive number"
            )));
        }
    }
    Ok(())
}

/// The at-risk rows within the curve: a row after the last point with nobody at risk is left
/// out (and reported); one with people at risk is an error.
fn usable_at_risk(arm: &ArmInput, warnings: &mut Vec<String>) -> Result<Vec<AtRisk>, ReconstructError> {
    let last_time = arm.curve.last_time();
    let mut rows = Vec::with_capacity(arm.at_risk.rows.len());
    for row in &arm.at_risk.rows {
        if row.time <= last_time {
            rows.push(*row);
        } else if row.n_risk == 0 {
            warnings.push(format!(
                "arm {}: the at-risk row at time {} (0 at risk, line {}) is after the last digitised point (time {last_time}) and was left out",
                arm.label, row.time, row.line
            ));
        } else {
            return Err(ReconstructError::AtRiskBeyondCurve {
                file: arm.at_risk.source.clone(),
                line: row.line,
                time: row.time,
                n_risk: row.n_risk,
                curve: arm.curve.source.clone(),
                last_time,
            });
        }
    }
    Ok(rows)
}

/// One line per kind of cleaning change (the changes themselves are in `corrections`).
fn cleaning_summary(label: &str, curve: &DigitisedCurve) -> Vec<String> {
    let mut lines = Vec::new();
    if curve.percent {
        lines.push(format!(
            "arm {label}: survival in {} read as percentages and divided by 100",
            curve.source
        ));
    }
    let rules = [
        (
            CorrectionRule::OutsideAxes,
            "outside the axes (time < 0 or survival outside [0, 1]), dropped",
        ),
        (CorrectionRule::OutOfOrder, "out of time order, sorted"),
        (CorrectionRule::StartSetToOne, "at time 0 below survival 1, set to 1"),
        (CorrectionRule::StartAdded, "(0, 1) added: no point at time 0"),
        (CorrectionRule::Lowered, "above an earlier point, lowered to it"),
    ];
    for (rule, what) in rules {
        let hits: Vec<&Correction> = curve.corrections.iter().filter(|c| c.rule == rule).collect();
        if hits.is_empty() {
            continue;
        }
        if rule == CorrectionRule::StartAdded {
            lines.push(format!("arm {label}: {what}"));
            continue;
        }
        let shown: Vec<String> = hits
            .iter()
            .take(10)
            .filter_map(|c| c.line.map(|l| l.to_string()))
            .collect();
        let more = if hits.len() > shown.len() { ", …" } else { "" };
        let largest = hits
            .iter()
            .filter_map(|c| c.new_survival.map(|s| (c.survival - s).abs()))
            .fold(0.0, f64::max);
        let change = if largest > 0.0 {
            format!(" (largest change {})", crate::numbers::num(largest))
        } else {
            String::new()
        };
        lines.push(format!(
            "arm {label}: {} point{} of {} {what}{change}; line{} {}{more}",
            hits.len(),
            if hits.len() == 1 { "" } else { "s" },
            curve.source,
            if shown.len() == 1 { "" } else { "s" },
            shown.join(", ")
        ));
    }
    lines
}
