//! Participant-level survival data read from CSV (or, with the cargo feature `parquet`, from
//! Parquet and Arrow IPC files: [`SurvData::read`]).
//!
//! One row per participant: an exit time, an event indicator, and optionally an entry time
//! (delayed entry / left truncation), a case weight, a group label, a stratum label and
//! covariates. Rows with a missing value in any used column are dropped and reported; every
//! other problem is an error naming the file, line (or row group and row), column and value.
//!
//! ```no_run
//! use survkit::{Columns, SurvData};
//! let data = SurvData::read_csv("datasets/lung.csv", &Columns::new("time", "status").group("sex"))?;
//! # Ok::<(), survkit::DataError>(())
//! ```
//!
//! # Conventions
//! - Missing values: an empty field, `NA`, `NaN`, `N/A` or `.` (after trimming spaces).
//! - Event coding, detected from the whole column: 0/1; TRUE/FALSE or T/F (any case); or R's
//!   1/2 coding (1 = censored, 2 = event), used when every value is 1 or 2. With
//!   [`Columns::event_value`], rows equal to that value are events and all others censored.
//! - Labels (group, strata, categorical covariates) are text. Levels are ordered as R's
//!   `factor()` orders them: numerically when every label is a number, otherwise by byte
//!   order (R's C-locale sort). A reference level can be moved first with
//!   [`Columns::reference`].
//! - Times that differ only by floating-point noise are tied as R's `timefix` does
//!   (see `crate::timefix`).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

use crate::table::{Column, RowLayout, Table};
use crate::timefix::timefix;

/// How many dropped line numbers are listed in reports.
pub const DROPPED_LINES_SHOWN: usize = 10;

/// Which columns of the CSV to use, and how to read them.
///
/// Built with [`Columns::new`] and chained setters; every column is named as in the header.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The exit (follow-up) time column; values must be finite and ≥ 0.
    pub time: String,
    /// The event indicator column (coding detected as described in the module docs).
    pub event: String,
    /// The entry time column (delayed entry / left truncation); `None` when every row enters at 0.
    pub entry: Option<String>,
    /// The case weight column (values ≥ 0); `None` for unweighted data.
    pub weight: Option<String>,
    /// The group (arm) label column compared by the tests and contrasts.
    pub group: Option<String>,
    /// The stratum label column (separate baselines / stratified tests).
    pub strata: Option<String>,
    /// Cluster labels (groups of correlated rows, for robust variance).
    pub cluster: Option<String>,
    /// The regimen (sub-study) label column of a platform trial: which control rows each
    /// active arm is compared with ([`crate::platform`]).
    pub regimen: Option<String>,
    /// Covariates read as numbers, unless also listed in `factors`.
    pub covariates: Vec<String>,
    /// Covariates read as categorical labels.
    pub factors: Vec<String>,
    /// Rows whose event column equals this value are events; all others are censored.
    pub event_value: Option<String>,
    /// `(column, level)`: the level put first (the reference of every contrast).
    pub references: Vec<(String, String)>,
    /// Treat a missing value in a used column as an error instead of dropping the row.
    pub strict: bool,
    /// Numeric covariates whose missing values are kept as NaN instead of dropping the row
    /// (e.g. a function score that participants who died early never had measured).
    pub may_be_missing: Vec<String>,
}

impl Columns {
    /// Names the time and event columns; every other column is unset.
    pub fn new(time: impl Into<String>, event: impl Into<String>) -> Self {
        Columns {
            time: time.into(),
            event: event.into(),
            ..Default::default()
        }
    }
    /// Sets the regimen (sub-study) label column of a platform trial.
    pub fn regimen(mut self, column: impl Into<String>) -> Self {
        self.regimen = Some(column.into());
        self
    }
    /// Sets the group (arm) label column.
    pub fn group(mut self, column: impl Into<String>) -> Self {
        self.group = Some(column.into());
        self
    }
    /// Sets the stratum label column.
    pub fn strata(mut self, column: impl Into<String>) -> Self {
        self.strata = Some(column.into());
        self
    }
    /// Sets the cluster label column (for robust variance).
    pub fn cluster(mut self, column: impl Into<String>) -> Self {
        self.cluster = Some(column.into());
        self
    }
    /// Sets the entry time column (delayed entry / left truncation).
    pub fn entry(mut self, column: impl Into<String>) -> Self {
        self.entry = Some(column.into());
        self
    }
    /// Sets the case weight column.
    pub fn weight(mut self, column: impl Into<String>) -> Self {
        self.weight = Some(column.into());
        self
    }
    /// Adds covariate columns (read as numbers unless also named in [`Columns::factors`]).
    pub fn covariates<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.covariates.extend(columns.into_iter().map(Into::into));
        self
    }
    /// Adds covariate columns read as categorical labels.
    pub fn factors<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.factors.extend(columns.into_iter().map(Into::into));
        self
    }
    /// Marks as events the rows whose event column equals `value`; all others are censored.
    pub fn event_value(mut self, value: impl Into<String>) -> Self {
        self.event_value = Some(value.into());
        self
    }
    /// Puts `level` first among the levels of `column` (the reference of every contrast).
    pub fn reference(mut self, column: impl Into<String>, level: impl Into<String>) -> Self {
        self.references.push((column.into(), level.into()));
        self
    }
    /// Makes a missing value in a used column an error instead of a dropped row.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
    /// Keeps rows missing these numeric covariates, with NaN for the missing value.
    pub fn may_be_missing<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.may_be_missing.extend(columns.into_iter().map(Into::into));
        self
    }
}

/// A categorical column: ordered levels and one level code per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The column name.
    pub name: String,
    /// The distinct labels, in R's `factor()` order (a chosen reference level first).
    pub levels: Vec<String>,
    /// For each row, the index of its label in `levels`.
    pub codes: Vec<u32>,
}

impl Factor {
    /// Number of distinct levels.
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }
    /// The label of row `row`.
    pub fn label(&self, row: usize) -> &str {
        &self.levels[self.codes[row] as usize]
    }

    /// The rows `rows` (all of level `arm` or `reference`) relevelled to (reference, arm): a
    /// two-arm comparison's group.
    pub(crate) fn relevelled_pair(&self, arm: usize, reference: usize, rows: &[usize]) -> Factor {
        Factor {
            name: self.name.clone(),
            levels: vec![self.levels[reference].clone(), self.levels[arm].clone()],
            codes: rows.iter().map(|&i| u32::from(self.codes[i] as usize == arm)).collect(),
        }
    }

    /// The factor with only the levels its rows use, in their order.
    pub(crate) fn present_levels(&self) -> Factor {
        let mut used = vec![false; self.n_levels()];
        for &c in &self.codes {
            used[c as usize] = true;
        }
        let mut new_code = vec![0u32; self.n_levels()];
        let mut levels = Vec::new();
        for (code, level) in self.levels.iter().enumerate().filter(|(c, _)| used[*c]) {
            new_code[code] = levels.len() as u32;
            levels.push(level.clone());
        }
        Factor {
            name: self.name.clone(),
            levels,
            codes: self.codes.iter().map(|&c| new_code[c as usize]).collect(),
        }
    }
}

/// A covariate column.
#[derive(Debug, Clone, PartialEq)]
pub enum Covariate {
    /// A covariate read as numbers.
    Numeric {
        /// The column name.
        name: String,
        /// One value per row (NaN for a missing value kept by [`Columns::may_be_missing`]).
        values: Vec<f64>,
    },
    /// A categorical covariate.
    Factor(Factor),
}

impl Covariate {
    /// The column name.
    pub fn name(&self) -> &str {
        match self {
            Covariate::Numeric { name, .. } => name,
            Covariate::Factor(f) => &f.name,
        }
    }
}

/// Rows left out because a used column was missing.
///
/// Equal when the counts, lines and columns are, however the rows are named in messages.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct DroppedRows {
    /// Number of rows dropped.
    pub count: usize,
    /// The first few dropped rows, as line numbers of the file (the header is line 1); for a
    /// Parquet or Arrow file, the row's index in the file plus 2, as if a header came first
    /// (module `table`, "Rows in messages").
    pub lines: Vec<u64>,
    /// For each used column, how many dropped rows were missing it.
    pub by_column: Vec<ColumnCount>,
    /// How the message names the rows (by line, or by row group or record batch and row).
    #[serde(skip)]
    pub(crate) layout: RowLayout,
}

impl PartialEq for DroppedRows {
    fn eq(&self, other: &DroppedRows) -> bool {
        (self.count, &self.lines, &self.by_column) == (other.count, &other.lines, &other.by_column)
    }
}

/// Where a row is in its file, as messages name it. (Row groups and batches are counted in
/// 32 bits, which keeps the errors small; a file has far fewer.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A line of a CSV file (the header is line 1); for a table built from columns in memory,
    /// the row's index plus 2.
    Line(u64),
    /// A row of a Parquet file: its row group and its row within the group, both from 0.
    RowGroup {
        /// The row group, from 0.
        row_group: u32,
        /// The row within the row group, from 0.
        row: u64,
    },
    /// A row of an Arrow IPC file or stream, or of a `RecordBatch`: its record batch and its
    /// row within the batch, both from 0.
    RecordBatch {
        /// The record batch, from 0.
        batch: u32,
        /// The row within the batch, from 0.
        row: u64,
    },
}

impl fmt::Display for Location {
    /// "line 15", "row group 2, row 17" or "record batch 0, row 3".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::RowGroup { row_group, row } => write!(f, "row group {row_group}, row {row}"),
            Location::RecordBatch { batch, row } => write!(f, "record batch {batch}, row {row}"),
        }
    }
}

impl DroppedRows {
    /// No rows dropped yet, from a table whose rows `layout` names.
    pub(crate) fn of(layout: &RowLayout) -> DroppedRows {
        DroppedRows {
            layout: layout.clone(),
            ..DroppedRows::default()
        }
    }
}

/// A count attached to a column name.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ColumnCount {
    /// The column name.
    pub column: String,
    /// How many rows the count covers.
    pub count: usize,
}

impl DroppedRows {
    /// Adds the rows dropped from a later part of the same file.
    pub(crate) fn append(&mut self, later: DroppedRows) {
        self.count += later.count;
        let room = DROPPED_LINES_SHOWN.saturating_sub(self.lines.len());
        self.lines.extend(later.lines.into_iter().take(room));
        for counted in later.by_column {
            match self.by_column.iter_mut().find(|c| c.column == counted.column) {
                Some(c) => c.count += counted.count,
                None => self.by_column.push(counted),
            }
        }
    }

    pub(crate) fn record(&mut self, line: u64, columns: &[&str]) {
        self.count += 1;
        if self.lines.len() < DROPPED_LINES_SHOWN {
            self.lines.push(line);
        }
        for column in columns {
            match self.by_column.iter_mut().find(|c| c.column == *column) {
                Some(c) => c.count += 1,
                None => self.by_column.push(ColumnCount {
                    column: column.to_string(),
                    count: 1,
                }),
            }
        }
    }
}

impl fmt::Display for DroppedRows {
    /// One sentence, e.g. "1 row dropped for missing values (ph.ecog: 1); line 15" (for a
    /// Parquet file "...; row group 0, row 13").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.count == 1 { "row" } else { "rows" };
        let columns: Vec<String> = self
            .by_column
            .iter()
            .map(|c| format!("{}: {}", c.column, c.count))
            .collect();
        write!(
            f,
            "{} {noun} dropped for missing values ({}); {}",
            self.count,
            columns.join(", "),
            self.layout.describe(&self.lines, self.count > self.lines.len())
        )
    }
}

/// Survival data ready for analysis: one entry per kept row in every vector.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvData {
    /// Where the data came from (the file path), for messages.
    pub source: String,
    /// The name of the exit time column, for messages.
    pub time_column: String,
    /// Exit time of each row (≥ 0, after the timefix rule).
    pub time: Vec<f64>,
    /// Whether each row ended in an event (`false`: censored).
    pub event: Vec<bool>,
    /// Entry time of each row (each < its exit time); `None` without an entry column.
    pub entry: Option<Vec<f64>>,
    /// Case weight of each row (≥ 0); `None` without a weight column (every weight 1).
    pub weight: Option<Vec<f64>>,
    /// Group (arm) labels; `None` without a group column.
    pub group: Option<Factor>,
    /// Stratum labels; `None` without a strata column.
    pub strata: Option<Factor>,
    /// Cluster labels; `None` without a cluster column.
    pub cluster: Option<Factor>,
    /// Regimen (sub-study) labels of a platform trial; `None` without a regimen column.
    pub regimen: Option<Factor>,
    /// The covariates in the order named: `covariates`, then `factors` not among them.
    pub covariates: Vec<Covariate>,
    /// The file line number of each kept row (the header is line 1).
    pub lines: Vec<u64>,
    /// Rows left out because a used column was missing.
    pub dropped: DroppedRows,
    /// How many time values were moved onto a tied neighbour by the timefix rule.
    pub times_tied_by_timefix: usize,
    /// The rows sorted by exit time, computed once on first use (every analysis needs it).
    /// Reset it (`OnceLock::new()`) if you change `time` after an analysis has run.
    pub order_cache: std::sync::OnceLock<Vec<usize>>,
}

/// The rule a value breaks, shown as the end of a sentence about the value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Rule {
    /// A time, entry time or weight that is not a finite number.
    NotFinite,
    /// A negative survival time.
    NegativeTime,
    /// A negative case weight.
    NegativeWeight,
    /// A value of a numeric covariate that is not a number (the column may be categorical).
    NotNumeric,
    /// An event value that is no event code survkit knows.
    NotEventCode,
    /// TRUE/FALSE beside numeric event codes in one column.
    MixedEventCodes,
    /// A 0 in an event column that also holds 2 (0/1 and 1/2 codings mixed).
    ZeroBesideTwo,
    /// An event time after its row's censoring (last follow-up) time.
    EventAfterCensoring {
        /// The censoring time, as written.
        censor: Box<str>,
        /// The censoring time's column.
        censor_column: Box<str>,
    },
    /// A count (of aggregated counts, [`crate::counts`]) that is not a whole number from 0 to
    /// 2^53.
    NotCount,
    /// A row of aggregated counts whose exits (events and censorings) bring those who have left
    /// by its time above those who entered before it.
    ExitsBeforeEntries {
        /// Participants of the row's group and stratum who have left by its time.
        exited: u64,
        /// Participants of the row's group and stratum who entered before its time.
        entered: u64,
    },
    /// An entry time not before its row's exit time.
    EntryNotBeforeExit {
        /// The row's exit time.
        exit: f64,
        /// The exit time's column.
        time_column: Box<str>,
        /// Whether the times broke the rule only once times within 1.5e-8 (relative) were
        /// tied, as R's `aeqSurv` ties them.
        after_ties: bool,
    },
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::NotFinite => f.write_str("is not a finite number"),
            Rule::NegativeTime => f.write_str("is negative: survival times must be ≥ 0"),
            Rule::NegativeWeight => f.write_str("is negative: case weights must be ≥ 0"),
            Rule::NotNumeric => f.write_str(
                "is not a number (a numeric covariate); treat the column as categorical with factor()",
            ),
            Rule::NotEventCode => f.write_str(
                "is not an event code: use 0/1, TRUE/FALSE or 1/2 (1 = censored, 2 = event), or name the value that marks an event",
            ),
            Rule::MixedEventCodes => f.write_str("mixes TRUE/FALSE with numeric event codes in one column"),
            Rule::ZeroBesideTwo => f.write_str(
                "appears in a column that also holds 2: the coding must be 0/1 or 1/2 (1 = censored, 2 = event), not both; name the value that marks an event",
            ),
            Rule::EventAfterCensoring { censor, censor_column } => write!(
                f,
                "is after the censoring time {censor} (column '{censor_column}'): an event cannot come after the last follow-up"
            ),
            Rule::NotCount => f.write_str("is not a count: counts must be whole numbers from 0 to 2^53"),
            Rule::ExitsBeforeEntries { exited, entered } => write!(
                f,
                "makes {exited} participants leave by this time (events and censorings of its group and stratum), but only {entered} entered before it (n_enter counts those entering just after its row's time): everyone enters before leaving"
            ),
            Rule::EntryNotBeforeExit {
                exit,
                time_column,
                after_ties,
            } => {
                let when = if *after_ties {
                    " after times within 1.5e-8 (relative) were tied"
                } else {
                    ""
                };
                write!(
                    f,
                    "is not before the exit time {exit} (column '{time_column}'){when}: entry must be < time"
                )
            }
        }
    }
}

/// Why data could not be read. Every variant names the file; value errors also the line,
/// column and offending value.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("{file}: cannot read file: {source}")]
    /// The file could not be opened or read.
    Io {
        /// The input file.
        file: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the file is empty (expected a CSV header row naming the columns)")]
    /// The file is empty or holds only white space (no header row).
    Empty {
        /// The input file.
        file: String,
    },
    #[error("{file}: the file has a header but no data rows")]
    /// The file has a header but no data rows.
    NoRows {
        /// The input file.
        file: String,
    },
    #[error("{file}, line {line}: the file is not valid UTF-8 text (is it a CSV file?)")]
    /// A line is not valid UTF-8 text.
    NotUtf8 {
        /// The input file.
        file: String,
        /// The line number (the header is line 1).
        line: u64,
    },
    #[error("{file}, line {line}: not valid CSV: {message}")]
    /// A line is not valid CSV (e.g. a row with more or fewer fields than the header).
    Malformed {
        /// The input file.
        file: String,
        /// The line number (the header is line 1).
        line: u64,
        /// What the CSV reader found wrong.
        message: String,
    },
    #[error("{file}: no column named '{column}'; the columns are: {}", available.join(", "))]
    /// A column named in [`Columns`] is not in the header.
    UnknownColumn {
        /// The input file.
        file: String,
        /// The column named.
        column: String,
        /// The columns the header has.
        available: Vec<String>,
    },
    #[error("{file}: the header names column '{column}' more than once")]
    /// The header names the same column twice.
    DuplicateColumn {
        /// The input file.
        file: String,
        /// The repeated column name.
        column: String,
    },
    #[error(
        "{file}, {location}, column '{column}': value '{}' {rule}",
        crate::numbers::clipped(value)
    )]
    /// A value breaks its column's rule (not a number, negative time, unknown event code ...).
    InvalidValue {
        /// The input file.
        file: String,
        /// Where the row is: its line (the header is line 1), or its row group (Parquet) or
        /// record batch (Arrow) and row.
        location: Location,
        /// The column of the value.
        column: String,
        /// The offending value as written.
        value: String,
        /// The rule broken (shown as the end of a sentence: "is not a finite number").
        rule: Rule,
    },
    #[error("{file}: column '{column}' has no level '{level}'; its levels are: {}", available.join(", "))]
    /// A reference level is not among the column's labels.
    UnknownLevel {
        /// The input file.
        file: String,
        /// The label column.
        column: String,
        /// The level asked for.
        level: String,
        /// The column's levels.
        available: Vec<String>,
    },
    #[error("{file}: {dropped} (strict reading makes this an error)")]
    /// Strict reading found rows with a missing value in a used column.
    Missing {
        /// The input file.
        file: String,
        /// The rows that would have been dropped.
        dropped: DroppedRows,
    },
    #[error("{file}: every row has a missing value in a used column; nothing left to analyse ({dropped})")]
    /// Every row has a missing value in a used column.
    AllDropped {
        /// The input file.
        file: String,
        /// The rows dropped (all of them).
        dropped: DroppedRows,
    },
    #[error("{file}: {message}")]
    /// The column choice or the data are inconsistent (e.g. a covariate listed twice, a
    /// reference level for a column this analysis does not use).
    Invalid {
        /// The input file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// How one event value was written, before the column's coding is known (the numbers first,
/// then the logical values: `crate::counts` indexes by this order).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum EventToken {
    Zero,
    One,
    Two,
    False,
    True,
}

fn event_token(text: &str) -> Option<EventToken> {
    match text.to_ascii_uppercase().as_str() {
        "TRUE" | "T" => return Some(EventToken::True),
        "FALSE" | "F" => return Some(EventToken::False),
        _ => {}
    }
    match text.parse::<f64>().ok()? {
        0.0 => Some(EventToken::Zero),
        1.0 => Some(EventToken::One),
        2.0 => Some(EventToken::Two),
        _ => None,
    }
}

/// Whether `text` matches the user's `--event-value`: the same text, or the same number.
pub(crate) fn matches_event_value(text: &str, wanted: &str) -> bool {
    if text == wanted {
        return true;
    }
    match (text.parse::<f64>(), wanted.parse::<f64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Collects the labels of a categorical column as rows are read.
#[derive(Default)]
pub(crate) struct LabelCollector {
    index: HashMap<String, u32>,
    labels: Vec<String>,
    codes: Vec<u32>,
}

impl LabelCollector {
    pub(crate) fn push(&mut self, label: &str) {
        let code = match self.index.get(label) {
            Some(code) => *code,
            None => {
                let code = self.labels.len() as u32;
                self.index.insert(label.to_string(), code);
                self.labels.push(label.to_string());
                code
            }
        };
        self.codes.push(code);
    }

    /// Orders the levels as R's `factor()` does, merging labels that are the same number
    /// ("1" and "1.0"), and moves `reference` first when given.
    pub(crate) fn finish(self, name: &str, reference: Option<&str>, file: &str) -> Result<Factor, DataError> {
        let numbers: Option<Vec<f64>> = self.labels.iter().map(|l| l.parse::<f64>().ok()).collect();
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        let mut same_level: Vec<bool> = vec![false; self.labels.len()];
        match &numbers {
            Some(values) => {
                order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
                for k in 1..order.len() {
                    same_level[k] = values[order[k]] == values[order[k - 1]];
                }
            }
            None => order.sort_by(|a, b| self.labels[*a].as_bytes().cmp(self.labels[*b].as_bytes())),
        }
        let mut levels: Vec<String> = Vec::new();
        let mut remap = vec![0u32; self.labels.len()];
        for (k, &old) in order.iter().enumerate() {
            if !same_level[k] {
                levels.push(self.labels[old].clone());
            }
            remap[old] = (levels.len() - 1) as u32;
        }
        if let Some(level) = reference {
            let position = levels
                .iter()
                .position(|l| l == level)
                .or_else(|| {
                    let wanted = level.parse::<f64>().ok()?;
                    levels.iter().position(|l| l.parse::<f64>().ok() == Some(wanted))
                })
                .ok_or_else(|| DataError::UnknownLevel {
                    file: file.to_string(),
                    column: name.to_string(),
                    level: level.to_string(),
                    available: levels.clone(),
                })?;
            let moved = levels.remove(position);
            levels.insert(0, moved);
            for code in remap.iter_mut() {
                let c = *code as usize;
                *code = if c == position {
                    0
                } else if c < position {
                    *code + 1
                } else {
                    *code
                };
            }
        }
        let codes = self.codes.iter().map(|c| remap[*c as usize]).collect();
        Ok(Factor {
            name: name.to_string(),
            levels,
            codes,
        })
    }
}

/// What a used column holds, and where its values go.
enum Sink {
    Time(Vec<f64>),
    Event(Vec<EventToken>, Vec<bool>),
    Entry(Vec<f64>),
    Weight(Vec<f64>),
    Labels(LabelCollector),
    Numeric(Vec<f64>),
}

/// The role of a used column, for its sink and its messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Time,
    Event,
    Entry,
    Weight,
    Group,
    Strata,
    Cluster,
    Regimen,
    Numeric,
    Factor,
}

struct UsedColumn {
    name: String,
    index: usize,
    role: Role,
    sink: Sink,
    /// A numeric column whose missing values are kept as NaN.
    missing_kept: bool,
    /// Whether event codes may mix TRUE/FALSE with numbers.
    mixing: Mixing,
}

impl SurvData {
    /// Reads a CSV file with a header row.
    pub fn read_csv(path: impl AsRef<Path>, columns: &Columns) -> Result<SurvData, DataError> {
        SurvData::from_table(&Table::read_csv(path)?, columns)
    }

    /// Reads a data file in the format its extension names: Parquet (`.parquet`), Arrow IPC
    /// (`.arrow`, `.feather`) or CSV (anything else), as [`Table::read`] does.
    pub fn read(path: impl AsRef<Path>, columns: &Columns) -> Result<SurvData, DataError> {
        SurvData::from_table(&Table::read(path)?, columns)
    }

    /// Reads CSV text already in memory; `source` names it in messages.
    pub fn from_csv_bytes(source: &str, bytes: &[u8], columns: &Columns) -> Result<SurvData, DataError> {
        SurvData::from_table(&Table::from_csv_bytes(source, bytes)?, columns)
    }

    /// Builds the data of one analysis from a table: the columns `columns` names, without the
    /// rows missing one of them (the other columns' missing values drop nothing).
    pub fn from_table(table: &Table, columns: &Columns) -> Result<SurvData, DataError> {
        let file = table.source().to_string();
        let RowsRead {
            used, lines, dropped, ..
        } = read_rows(table, columns, Mixing::Refused, 0..table.n_rows())?;
        if lines.is_empty() && dropped.count == 0 {
            return Err(DataError::NoRows { file });
        }
        if columns.strict && dropped.count > 0 {
            return Err(DataError::Missing { file, dropped });
        }
        if lines.is_empty() {
            return Err(DataError::AllDropped { file, dropped });
        }
        assemble(file, columns, used, lines, dropped)
    }

    /// Number of kept rows.
    pub fn n_rows(&self) -> usize {
        self.time.len()
    }

    /// The case weight of row `i` (1 when the data have no weight column).
    pub fn weight_of(&self, i: usize) -> f64 {
        self.weight.as_ref().map_or(1.0, |w| w[i])
    }

    /// The stratum code of row `i` (0 when the data have no strata).
    pub(crate) fn stratum_of(&self, i: usize) -> usize {
        self.strata.as_ref().map_or(0, |s| s.codes[i] as usize)
    }

    /// Whether row `i` is an event that counts: an event with a positive case weight.
    pub(crate) fn counts_as_event(&self, i: usize) -> bool {
        self.event[i] && self.weight_of(i) > 0.0
    }

    /// The entry time of row `i` (−∞ when the data have no entry column).
    pub fn entry_of(&self, i: usize) -> f64 {
        self.entry.as_ref().map_or(f64::NEG_INFINITY, |e| e[i])
    }

    /// The covariate column called `name`.
    pub fn covariate(&self, name: &str) -> Option<&Covariate> {
        self.covariates.iter().find(|c| c.name() == name)
    }

    /// The rows `rows` (indices, repeats allowed: a resample), every factor keeping its levels.
    pub(crate) fn select_rows(&self, rows: &[usize]) -> SurvData {
        let numbers = |v: &Vec<f64>| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let factor = |f: &Factor| Factor {
            name: f.name.clone(),
            levels: f.levels.clone(),
            codes: rows.iter().map(|&i| f.codes[i]).collect(),
        };
        SurvData {
            source: self.source.clone(),
            time_column: self.time_column.clone(),
            time: numbers(&self.time),
            event: rows.iter().map(|&i| self.event[i]).collect(),
            entry: self.entry.as_ref().map(numbers),
            weight: self.weight.as_ref().map(numbers),
            group: self.group.as_ref().map(factor),
            strata: self.strata.as_ref().map(factor),
            cluster: self.cluster.as_ref().map(factor),
            regimen: self.regimen.as_ref().map(factor),
            covariates: self
                .covariates
                .iter()
                .map(|c| match c {
                    Covariate::Numeric { name, values } => Covariate::Numeric {
                        name: name.clone(),
                        values: numbers(values),
                    },
                    Covariate::Factor(f) => Covariate::Factor(factor(f)),
                })
                .collect(),
            lines: rows.iter().map(|&i| self.lines[i]).collect(),
            dropped: self.dropped.clone(),
            times_tied_by_timefix: self.times_tied_by_timefix,
            order_cache: std::sync::OnceLock::new(),
        }
    }

    /// The rows (indices into the vectors) sorted by exit time; ties keep file order.
    ///
    /// The times are sorted as integers in `f64::total_cmp`'s order (the sign bit flips the
    /// other bits of a negative number), paired with the row so that every key is distinct and
    /// the parallel sort's result is the one order whatever the thread count.
    pub fn order_by_time(&self) -> &[usize] {
        self.order_cache.get_or_init(|| {
            use rayon::prelude::*;
            let total_order = |t: f64| {
                let bits = t.to_bits() as i64;
                bits ^ ((((bits >> 63) as u64) >> 1) as i64)
            };
            let mut keyed: Vec<(i64, usize)> = self.time.iter().map(|&t| total_order(t)).zip(0..).collect();
            keyed.par_sort_unstable();
            keyed.into_iter().map(|(_, i)| i).collect()
        })
    }
}

/// Whether a column of event codes may mix TRUE/FALSE with numbers: refused when reading a
/// whole table; left to the caller when reading a file part by part (`crate::counts`'
/// streaming, which finds the first mixed row of the whole file).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mixing {
    Refused,
    Allowed,
}

/// The used columns of a table's rows, read under this module's rules (every value checked,
/// rows missing a used value dropped), before the event coding is decided.
pub(crate) struct RowsRead {
    used: Vec<UsedColumn>,
    /// The line of each kept row.
    pub(crate) lines: Vec<u64>,
    /// The index of each kept row in the table.
    pub(crate) rows: Vec<usize>,
    pub(crate) dropped: DroppedRows,
}

/// What one kept row holds, for a reader that counts rows instead of keeping them.
pub(crate) struct RowValues {
    pub(crate) time: f64,
    pub(crate) entry: Option<f64>,
    /// The event code as written (`--event-value`: `One` for an event, `Zero` otherwise).
    pub(crate) token: EventToken,
    /// The codes of the row's group, stratum and status labels (the status: the one factor
    /// column of a competing-risks read).
    pub(crate) labels: [Option<u32>; 3],
}

impl RowsRead {
    /// The values of kept row `k`; labels are codes into [`RowsRead::labels`] (group, strata).
    pub(crate) fn row(&self, k: usize) -> RowValues {
        let mut values = RowValues {
            time: 0.0,
            entry: None,
            token: EventToken::Zero,
            labels: [None; 3],
        };
        for column in &self.used {
            match (&column.sink, column.role) {
                (Sink::Time(v), _) => values.time = v[k],
                (Sink::Entry(v), _) => values.entry = Some(v[k]),
                (Sink::Event(tokens, flags), _) => {
                    values.token = match tokens.get(k) {
                        Some(token) => *token,
                        None if flags.get(k) == Some(&true) => EventToken::One,
                        None => EventToken::Zero,
                    }
                }
                (Sink::Labels(c), Role::Group) => values.labels[0] = Some(c.codes[k]),
                (Sink::Labels(c), Role::Strata) => values.labels[1] = Some(c.codes[k]),
                (Sink::Labels(c), Role::Factor) => values.labels[2] = Some(c.codes[k]),
                _ => {}
            }
        }
        values
    }

    /// The labels met in the group (0), strata (1) or status (2) column, indexed by the codes
    /// of [`RowsRead::row`].
    pub(crate) fn labels(&self, which: usize) -> &[String] {
        let role = [Role::Group, Role::Strata, Role::Factor][which];
        self.used
            .iter()
            .find_map(|c| match &c.sink {
                Sink::Labels(collector) if c.role == role => Some(collector.labels.as_slice()),
                _ => None,
            })
            .unwrap_or_default()
    }
}

/// Reads the used columns of every row of `table` (see [`SurvData::from_table`]).
pub(crate) fn read_rows(
    table: &Table,
    columns: &Columns,
    mixing: Mixing,
    rows: std::ops::Range<usize>,
) -> Result<RowsRead, DataError> {
    let file = table.source().to_string();
    let mut used = resolve_columns(&file, &table.names(), columns)?;
    for column in &mut used {
        column.mixing = mixing;
    }
    let cells: Vec<&Column> = used.iter().map(|c| &table.columns()[c.index]).collect();

    let layout = table.layout();
    let mut dropped = DroppedRows::of(layout);
    let mut lines: Vec<u64> = Vec::new();
    let mut kept: Vec<usize> = Vec::new();
    let mut missing: Vec<usize> = Vec::new();
    for (row, &line) in table.lines().iter().enumerate().take(rows.end).skip(rows.start) {
        missing.clear();
        for (c, column) in used.iter().enumerate() {
            if !column.missing_kept && cells[c].is_missing(row) {
                missing.push(c);
            }
        }
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|&c| used[c].name.as_str()).collect();
            dropped.record(line, &names);
            continue;
        }
        for (column, cells) in used.iter_mut().zip(&cells) {
            // a number within its column's rules goes in as it is; anything else (text, a
            // value breaking a rule) takes the text path, which words the error
            let number = cells.numbers().map(|numbers| numbers[row]);
            if number.is_some_and(|v| column.accept_number(v, columns)) {
                continue;
            }
            match (&mut column.sink, cells.text(row)) {
                (Sink::Numeric(values), None) => values.push(f64::NAN),
                (_, text) => column.accept(text.unwrap_or_default(), layout.locate(line), &file, columns)?,
            }
        }
        lines.push(line);
        kept.push(row);
    }
    Ok(RowsRead {
        used,
        lines,
        rows: kept,
        dropped,
    })
}

/// The position of the column called `name` among the header's `names`, refused when the
/// header has none or several.
pub(crate) fn column_index(file: &str, names: &[String], name: &str) -> Result<usize, DataError> {
    let mut hits = names.iter().enumerate().filter(|(_, n)| *n == name);
    match (hits.next(), hits.next()) {
        (Some((i, _)), None) => Ok(i),
        (Some(_), Some(_)) => Err(DataError::DuplicateColumn {
            file: file.to_string(),
            column: name.to_string(),
        }),
        _ => Err(DataError::UnknownColumn {
            file: file.to_string(),
            column: name.to_string(),
            available: names.to_vec(),
        }),
    }
}

fn resolve_columns(file: &str, names: &[String], columns: &Columns) -> Result<Vec<UsedColumn>, DataError> {
    let find = |name: &str| column_index(file, names, name);
    let mut wanted: Vec<(String, Role)> =
        vec![(columns.time.clone(), Role::Time), (columns.event.clone(), Role::Event)];
    let optional = [
        (&columns.entry, Role::Entry),
        (&columns.weight, Role::Weight),
        (&columns.group, Role::Group),
        (&columns.strata, Role::Strata),
        (&columns.cluster, Role::Cluster),
        (&columns.regimen, Role::Regimen),
    ];
    for (name, role) in optional {
        if let Some(name) = name {
            wanted.push((name.clone(), role));
        }
    }
    let invalid = |message: String| DataError::Invalid {
        file: file.to_string(),
        message,
    };
    for (k, name) in columns.covariates.iter().enumerate() {
        if columns.covariates[..k].contains(name) {
            return Err(invalid(format!("covariate '{name}' is listed twice")));
        }
        let outcome = [
            (Some(&columns.time), "the follow-up time"),
            (Some(&columns.event), "the event indicator"),
            (columns.entry.as_ref(), "the entry time"),
            (columns.weight.as_ref(), "the case weight"),
        ];
        if let Some((_, what)) = outcome.iter().find(|(column, _)| *column == Some(name)) {
            return Err(invalid(format!(
                "column '{name}' is {what} and cannot also be a covariate"
            )));
        }
    }
    for name in &columns.covariates {
        let role = if columns.factors.contains(name) {
            Role::Factor
        } else {
            Role::Numeric
        };
        wanted.push((name.clone(), role));
    }
    for name in &columns.factors {
        if !columns.covariates.contains(name) {
            wanted.push((name.clone(), Role::Factor));
        }
    }
    for (column, _) in &columns.references {
        let known = wanted
            .iter()
            .any(|(n, r)| n == column && matches!(r, Role::Group | Role::Strata | Role::Factor));
        if !known {
            return Err(DataError::Invalid {
                file: file.to_string(),
                message: format!(
                    "the reference level names column '{column}', which is not a group, strata or factor column of this analysis"
                ),
            });
        }
    }
    wanted
        .into_iter()
        .map(|(name, role)| {
            let index = find(&name)?;
            let sink = match role {
                Role::Time => Sink::Time(Vec::new()),
                Role::Event => Sink::Event(Vec::new(), Vec::new()),
                Role::Entry => Sink::Entry(Vec::new()),
                Role::Weight => Sink::Weight(Vec::new()),
                Role::Group | Role::Strata | Role::Cluster | Role::Regimen | Role::Factor => {
                    Sink::Labels(LabelCollector::default())
                }
                Role::Numeric => Sink::Numeric(Vec::new()),
            };
            Ok(UsedColumn {
                mixing: Mixing::Refused,
                missing_kept: role == Role::Numeric && columns.may_be_missing.contains(&name),
                name,
                index,
                role,
                sink,
            })
        })
        .collect()
}

impl UsedColumn {
    /// Takes a number from a numeric column when it keeps its column's rules (as the text of
    /// the same cell would), and says whether it did; NaN is missing.
    fn accept_number(&mut self, v: f64, columns: &Columns) -> bool {
        match &mut self.sink {
            Sink::Numeric(values) => values.push(v),
            _ if v.is_nan() => return false,
            // `+ 0.0` turns −0 into 0: one time, printed as 0 whichever way it was written
            Sink::Time(values) if v >= 0.0 => values.push(v + 0.0),
            Sink::Entry(values) => values.push(v + 0.0),
            Sink::Weight(values) if v >= 0.0 => values.push(v),
            Sink::Event(tokens, _) if columns.event_value.is_none() => {
                let token = match v {
                    0.0 => EventToken::Zero,
                    1.0 => EventToken::One,
                    2.0 => EventToken::Two,
                    _ => return false,
                };
                if self.mixing == Mixing::Refused
                    && tokens
                        .first()
                        .is_some_and(|t| matches!(t, EventToken::True | EventToken::False))
                {
                    return false;
                }
                tokens.push(token);
            }
            _ => return false,
        }
        true
    }

    /// Parses one present value into the column's sink.
    fn accept(&mut self, text: &str, location: Location, file: &str, columns: &Columns) -> Result<(), DataError> {
        let invalid = |rule: Rule| DataError::InvalidValue {
            file: file.to_string(),
            location,
            column: self.name.clone(),
            value: text.to_string(),
            rule,
        };
        let number = || -> Result<f64, DataError> {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(invalid(Rule::NotFinite)),
            }
        };
        match &mut self.sink {
            Sink::Time(values) => {
                let v = number()?;
                if v < 0.0 {
                    return Err(invalid(Rule::NegativeTime));
                }
                values.push(v + 0.0);
            }
            Sink::Entry(values) => values.push(number()? + 0.0),
            Sink::Weight(values) => {
                let v = number()?;
                if v < 0.0 {
                    return Err(invalid(Rule::NegativeWeight));
                }
                values.push(v);
            }
            Sink::Numeric(values) => {
                let v = text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| invalid(Rule::NotNumeric))?;
                values.push(v);
            }
            Sink::Labels(collector) => collector.push(text),
            Sink::Event(tokens, flags) => match &columns.event_value {
                Some(wanted) => flags.push(matches_event_value(text, wanted)),
                None => {
                    let token = event_token(text).ok_or_else(|| invalid(Rule::NotEventCode))?;
                    if let Some(first) = tokens.first().filter(|_| self.mixing == Mixing::Refused) {
                        let logical = |t: EventToken| matches!(t, EventToken::True | EventToken::False);
                        if logical(*first) != logical(token) {
                            return Err(invalid(Rule::MixedEventCodes));
                        }
                    }
                    tokens.push(token);
                }
            },
        }
        Ok(())
    }
}

/// Decides the event coding of a column read without `--event-value`.
fn decode_events(
    tokens: &[EventToken],
    file: &str,
    column: &str,
    lines: &[u64],
    layout: &RowLayout,
) -> Result<Vec<bool>, DataError> {
    let has = |t: EventToken| tokens.contains(&t);
    if has(EventToken::Two) {
        if let Some(i) = tokens.iter().position(|t| *t == EventToken::Zero) {
            return Err(DataError::InvalidValue {
                file: file.to_string(),
                location: layout.locate(lines[i]),
                column: column.to_string(),
                value: "0".to_string(),
                rule: Rule::ZeroBesideTwo,
            });
        }
        return Ok(tokens.iter().map(|t| *t == EventToken::Two).collect());
    }
    Ok(tokens
        .iter()
        .map(|t| matches!(t, EventToken::One | EventToken::True))
        .collect())
}

fn assemble(
    file: String,
    columns: &Columns,
    used: Vec<UsedColumn>,
    lines: Vec<u64>,
    dropped: DroppedRows,
) -> Result<SurvData, DataError> {
    let reference_for = |name: &str| {
        columns
            .references
            .iter()
            .find(|(c, _)| c == name)
            .map(|(_, l)| l.as_str())
    };
    let layout = dropped.layout.clone();
    let mut data = SurvData {
        source: file.clone(),
        time_column: columns.time.clone(),
        time: Vec::new(),
        event: Vec::new(),
        entry: None,
        weight: None,
        group: None,
        strata: None,
        cluster: None,
        regimen: None,
        covariates: Vec::new(),
        lines,
        dropped,
        times_tied_by_timefix: 0,
        order_cache: std::sync::OnceLock::new(),
    };
    let mut entry_column = String::new();
    for column in used {
        match (column.role, column.sink) {
            (_, Sink::Time(values)) => data.time = values,
            (_, Sink::Event(tokens, flags)) => {
                data.event = if columns.event_value.is_some() {
                    flags
                } else {
                    decode_events(&tokens, &file, &column.name, &data.lines, &layout)?
                }
            }
            (_, Sink::Entry(values)) => {
                entry_column = column.name.clone();
                data.entry = Some(values)
            }
            (_, Sink::Weight(values)) => data.weight = Some(values),
            (_, Sink::Numeric(values)) => data.covariates.push(Covariate::Numeric {
                name: column.name,
                values,
            }),
            (role, Sink::Labels(collector)) => {
                let factor = collector.finish(&column.name, reference_for(&column.name), &file)?;
                match role {
                    Role::Group => data.group = Some(factor),
                    Role::Strata => data.strata = Some(factor),
                    Role::Cluster => data.cluster = Some(factor),
                    Role::Regimen => data.regimen = Some(factor),
                    _ => data.covariates.push(Covariate::Factor(factor)),
                }
            }
        }
    }
    let entry_before_exit = |data: &SurvData, after_ties: bool| match &data.entry {
        Some(entry) => check_entry_before_exit(
            &file,
            &entry_column,
            &columns.time,
            entry,
            &data.time,
            (&data.lines, &layout),
            after_ties,
        ),
        None => Ok(()),
    };
    entry_before_exit(&data, false)?;
    let changed = match data.entry.as_mut() {
        Some(entry) => timefix(&mut [entry.as_mut_slice(), data.time.as_mut_slice()]),
        None => timefix(&mut [data.time.as_mut_slice()]),
    };
    data.times_tied_by_timefix = changed;
    entry_before_exit(&data, true)?;
    Ok(data)
}

fn check_entry_before_exit(
    file: &str,
    entry_column: &str,
    time_column: &str,
    entry: &[f64],
    time: &[f64],
    (lines, layout): (&[u64], &RowLayout),
    after_ties: bool,
) -> Result<(), DataError> {
    match entry.iter().zip(time).position(|(e, t)| e >= t) {
        Some(i) => Err(DataError::InvalidValue {
            file: file.to_string(),
            location: layout.locate(lines[i]),
            column: entry_column.to_string(),
            value: entry[i].to_string(),
            rule: Rule::EntryNotBeforeExit {
                exit: time[i],
                time_column: time_column.into(),
                after_ties,
            },
        }),
        None => Ok(()),
    }
}
