//! Reading what a digitiser exports: the (time, survival) coordinates of a published
//! Kaplan–Meier curve, and the numbers-at-risk table printed under it.
//!
//! # Curve files
//! The first two columns of a CSV file, with or without a header row (a first row whose first
//! two fields are not both numbers is a header), any column names; further columns are
//! ignored. Survival is a proportion or a percentage: percentages are detected when the
//! largest value exceeds 1.5 (a survival curve starts at 100%, so a percentage curve always
//! does), or forced with [`SurvivalScale::Percent`].
//!
//! # Cleaning (as IPDfromKM's `preprocess`, Liu, Zhou & Lee 2021)
//! Hand digitising puts points slightly out of order, slightly above the previous step or
//! slightly outside the axes. In this order, every change being recorded as a [`Correction`]:
//! 1. points outside the axes (time < 0, survival < 0 or > 1) are dropped;
//! 2. points are sorted by time (stable; at equal times the higher survival first, the corner
//!    before a drop);
//! 3. a point at time 0 is set to survival 1, or (0, 1) is added when no point has time 0;
//! 4. survival is made non-increasing: a point above an earlier one is lowered to it
//!    (S_k ← min_{j ≤ k} S_j).
//!
//! # At-risk files
//! Two columns, time and number at risk, with or without a header row. Times must start at 0
//! and increase; counts must be whole numbers that never increase.

use serde::Serialize;

use super::ReconstructError;

/// How survival is written in a curve file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SurvivalScale {
    /// Percentages when the largest value exceeds 1.5, proportions otherwise.
    #[default]
    Auto,
    /// Survival as proportions in [0, 1].
    Proportion,
    /// Survival as percentages in [0, 100] (divided by 100).
    Percent,
}

/// Survival above this (anywhere in the file) means the file holds percentages.
const PERCENT_THRESHOLD: f64 = 1.5;

/// One digitised coordinate, survival as a proportion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Time, on the figure's axis scale.
    pub time: f64,
    /// Survival, a proportion in [0, 1].
    pub survival: f64,
}

/// What cleaning did to one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionRule {
    /// Time < 0, survival < 0 or survival > 1: dropped.
    OutsideAxes,
    /// Read after a point with a later time: moved into time order.
    OutOfOrder,
    /// The point at time 0 had survival below 1: set to 1.
    StartSetToOne,
    /// No point at time 0: (0, 1) added.
    StartAdded,
    /// Above an earlier point: lowered to it.
    Lowered,
}

/// One change made while cleaning a curve; `line` is the file line (None for an added point).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    /// The file line of the point; `None` for the added (0, 1).
    pub line: Option<u64>,
    /// The cleaning rule applied.
    pub rule: CorrectionRule,
    /// The point's time.
    pub time: f64,
    /// Survival as read (as a proportion).
    pub survival: f64,
    /// Survival after the change (None when the point was dropped or only moved).
    pub new_survival: Option<f64>,
}

/// A cleaned digitised curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigitisedCurve {
    /// The file it came from, for messages.
    pub source: String,
    /// Whether survival was read as percentages (and divided by 100).
    pub percent: bool,
    /// Points read from the file (before cleaning).
    pub points_read: usize,
    /// The cleaned points: start at (0, 1), times non-decreasing, survival non-increasing.
    pub points: Vec<Point>,
    /// Every change cleaning made, in the order made.
    pub corrections: Vec<Correction>,
}

/// One row of a numbers-at-risk table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AtRisk {
    /// Time of the row.
    pub time: f64,
    /// Number at risk at that time.
    pub n_risk: u64,
    /// The file line (0 when built in memory).
    #[serde(skip)]
    pub line: u64,
}

/// A numbers-at-risk table: times from 0, increasing; counts never increasing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRiskTable {
    /// The file it came from, for messages.
    pub source: String,
    /// The rows, in file order.
    pub rows: Vec<AtRisk>,
}

/// A number read from a two-column file, with the line it came from.
struct Row {
    line: u64,
    values: [f64; 2],
    texts: [String; 2],
}

/// Reads the first two columns of a headerless-or-headed CSV as numbers.
fn read_two_columns(source: &str, bytes: &[u8]) -> Result<Vec<Row>, ReconstructError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(ReconstructError::Malformed {
                    file: source.to_string(),
                    line: e.position().map_or(0, |p| p.line()),
                    message: e.to_string(),
                });
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |c: usize| record.get(c).unwrap_or("").trim().to_string();
        let texts = [field(0), field(1)];
        let parsed = texts.clone().map(|t| t.parse::<f64>().ok());
        if first && parsed.iter().any(Option::is_none) {
            first = false;
            continue;
        }
        first = false;
        let mut values = [0.0; 2];
        for c in 0..2 {
            values[c] = parsed[c]
                .filter(|v| v.is_finite())
                .ok_or_else(|| ReconstructError::InvalidValue {
                    file: source.to_string(),
                    line,
                    column: c + 1,
                    value: texts[c].clone(),
                    rule: "is not a finite number".to_string(),
                })?;
        }
        rows.push(Row { line, values, texts });
    }
    if rows.is_empty() {
        return Err(ReconstructError::Empty {
            file: source.to_string(),
        });
    }
    Ok(rows)
}

fn read_file(path: &std::path::Path) -> Result<(String, Vec<u8>), ReconstructError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ReconstructError::Io {
        file: file.clone(),
        source,
    })?;
    Ok((file, bytes))
}

impl DigitisedCurve {
    /// Reads and cleans a digitiser's CSV export.
    pub fn read_csv(path: impl AsRef<std::path::Path>, scale: SurvivalScale) -> Result<Self, ReconstructError> {
        let (file, bytes) = read_file(path.as_ref())?;
        Self::from_csv_bytes(&file, &bytes, scale)
    }

    /// As [`DigitisedCurve::read_csv`], from text in memory; `source` names it in messages.
    pub fn from_csv_bytes(source: &str, bytes: &[u8], scale: SurvivalScale) -> Result<Self, ReconstructError> {
        let rows = read_two_columns(source, bytes)?;
        let raw: Vec<(u64, Point)> = rows
            .iter()
            .map(|r| {
                (
                    r.line,
                    Point {
                        time: r.values[0],
                        survival: r.values[1],
                    },
                )
            })
            .collect();
        Ok(Self::clean(source, &raw, scale))
    }

    /// Cleans raw `(line, point)` coordinates by the rules in the module documentation.
    pub fn clean(source: &str, raw: &[(u64, Point)], scale: SurvivalScale) -> Self {
        let largest = raw.iter().map(|(_, p)| p.survival).fold(f64::NEG_INFINITY, f64::max);
        let percent = match scale {
            SurvivalScale::Auto => largest > PERCENT_THRESHOLD,
            SurvivalScale::Proportion => false,
            SurvivalScale::Percent => true,
        };
        let divisor = if percent { 100.0 } else { 1.0 };
        let mut corrections = Vec::new();
        let mut kept: Vec<(u64, Point)> = Vec::with_capacity(raw.len() + 1);
        for &(line, p) in raw {
            let p = Point {
                time: p.time,
                survival: p.survival / divisor,
            };
            if p.time < 0.0 || !(0.0..=1.0).contains(&p.survival) {
                corrections.push(Correction {
                    line: Some(line),
                    rule: CorrectionRule::OutsideAxes,
                    time: p.time,
                    survival: p.survival,
                    new_survival: None,
                });
            } else {
                kept.push((line, p));
            }
        }
        let mut latest = f64::NEG_INFINITY;
        for &(line, p) in &kept {
            if p.time < latest {
                corrections.push(Correction {
                    line: Some(line),
                    rule: CorrectionRule::OutOfOrder,
                    time: p.time,
                    survival: p.survival,
                    new_survival: None,
                });
            }
            latest = latest.max(p.time);
        }
        kept.sort_by(|a, b| {
            a.1.time
                .total_cmp(&b.1.time)
                .then(b.1.survival.total_cmp(&a.1.survival))
        });
        match kept.first_mut() {
            Some((line, p)) if p.time == 0.0 => {
                if p.survival < 1.0 {
                    corrections.push(Correction {
                        line: Some(*line),
                        rule: CorrectionRule::StartSetToOne,
                        time: 0.0,
                        survival: p.survival,
                        new_survival: Some(1.0),
                    });
                    p.survival = 1.0;
                }
            }
            _ => {
                corrections.push(Correction {
                    line: None,
                    rule: CorrectionRule::StartAdded,
                    time: 0.0,
                    survival: 1.0,
                    new_survival: Some(1.0),
                });
                kept.insert(
                    0,
                    (
                        0,
                        Point {
                            time: 0.0,
                            survival: 1.0,
                        },
                    ),
                );
            }
        }
        let mut lowest = 1.0f64;
        for (line, p) in kept.iter_mut() {
            if p.survival > lowest {
                corrections.push(Correction {
                    line: Some(*line),
                    rule: CorrectionRule::Lowered,
                    time: p.time,
                    survival: p.survival,
                    new_survival: Some(lowest),
                });
                p.survival = lowest;
            }
            lowest = lowest.min(p.survival);
        }
        DigitisedCurve {
            source: source.to_string(),
            percent,
            points_read: raw.len(),
            points: kept.into_iter().map(|(_, p)| p).collect(),
            corrections,
        }
    }

    /// The last digitised time.
    pub fn last_time(&self) -> f64 {
        self.points.last().map_or(0.0, |p| p.time)
    }
}

/// The most participants an arm may start with: the reconstruction holds each in memory and
/// its work grows with their number (10¹² at risk tried to allocate 8 TB).
pub const MAX_AT_RISK: u64 = 1_000_000;

impl AtRiskTable {
    /// Reads a numbers-at-risk table (time, number at risk).
    pub fn read_csv(path: impl AsRef<std::path::Path>) -> Result<Self, ReconstructError> {
        let (file, bytes) = read_file(path.as_ref())?;
        Self::from_csv_bytes(&file, &bytes)
    }

    /// As [`AtRiskTable::read_csv`], from text in memory.
    pub fn from_csv_bytes(source: &str, bytes: &[u8]) -> Result<Self, ReconstructError> {
        let mut rows = Vec::new();
        for row in read_two_columns(source, bytes)? {
            let n = row.values[1];
            if n < 0.0 || n.fract() != 0.0 {
                return Err(ReconstructError::InvalidValue {
                    file: source.to_string(),
                    line: row.line,
                    column: 2,
                    value: row.texts[1].clone(),
                    rule: "is not a number at risk (a whole number ≥ 0)".to_string(),
                });
            }
            rows.push(AtRisk {
                time: row.values[0],
                n_risk: n as u64,
                line: row.line,
            });
        }
        let table = AtRiskTable {
            source: source.to_string(),
            rows,
        };
        table.check()?;
        Ok(table)
    }

    /// Times start at 0 and increase; counts never increase; the first count is positive.
    pub fn check(&self) -> Result<(), ReconstructError> {
        let file = || self.source.clone();
        let Some(first) = self.rows.first() else {
            return Err(ReconstructError::Empty { file: file() });
        };
        if first.time != 0.0 || first.n_risk == 0 {
            return Err(ReconstructError::AtRisk {
                file: file(),
                line: first.line,
                message: format!(
                    "the table must start at time 0 with the number of participants (> 0), got {} at time {}",
                    first.n_risk, first.time
                ),
            });
        }
        if first.n_risk > MAX_AT_RISK {
            return Err(ReconstructError::AtRisk {
                file: file(),
                line: first.line,
                message: format!(
                    "{} participants at time 0 is more than the {MAX_AT_RISK} one arm may have (each is reconstructed in memory)",
                    first.n_risk
                ),
            });
        }
        for pair in self.rows.windows(2) {
            let (before, row) = (pair[0], pair[1]);
            if row.time <= before.time {
                return Err(ReconstructError::AtRisk {
                    file: file(),
                    line: row.line,
                    message: format!(
                        "time {} is not after the previous row's time {}: at-risk times must increase",
                        row.time, before.time
                    ),
                });
            }
            if row.n_risk > before.n_risk {
                return Err(ReconstructError::AtRisk {
                    file: file(),
                    line: row.line,
                    message: format!(
                        "{} at risk at time {} is more than the {} at time {}: numbers at risk cannot increase",
                        row.n_risk, row.time, before.n_risk, before.time
                    ),
                });
            }
        }
        Ok(())
    }
}
