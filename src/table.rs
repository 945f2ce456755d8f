//! A data table in memory: every column of a file, typed once, missing values kept.
//!
//! A [`Table`] is read once and then serves any number of models: each fit picks its columns
//! from a formula and drops only the rows missing a column that model uses (R's `na.omit` on
//! the model frame); missing values in other columns never drop a row.
//!
//! ```
//! use survkit::table::{Column, Table};
//! let table = Table::from_columns(
//!     "trial",
//!     vec![
//!         Column::numeric("time", vec![5.0, 8.0, 12.0, f64::NAN]),
//!         Column::numeric("status", vec![1.0, 0.0, 1.0, 1.0]),
//!         Column::labels("arm", vec![Some("a"), Some("b"), None, Some("a")]),
//!     ],
//! )?;
//! assert_eq!(table.n_rows(), 4);
//! assert_eq!(table.column("arm").and_then(|c| c.text(2)), None);
//! assert!(table.column("time").and_then(|c| c.numbers()).is_some());
//! # Ok::<(), survkit::DataError>(())
//! ```
//!
//! # Conventions
//! The CSV rules are those of [`crate::data`]: a header row naming the columns, fields trimmed
//! of spaces, missing values written as an empty field, `NA`, `NaN`, `N/A` or `.`. A column is
//! numeric when every present value is a finite number, text otherwise. The cells keep their
//! text, so a table read from CSV gives exactly what reading the file with
//! [`crate::SurvData::read_csv`] gives, messages included.
//!
//! With the cargo feature `arrow`, `Table::from_record_batch` (module `arrow_input`) builds a
//! table from an Arrow `RecordBatch` under these same rules.

use std::path::Path;

use crate::data::DataError;

/// One column: its name, the text of each cell (`None` when missing), and its numbers when
/// every present cell is a finite number.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    name: String,
    /// All present cells, one after another.
    buffer: String,
    /// Each cell's span in `buffer`; `None` when missing.
    spans: Vec<Option<(usize, usize)>>,
    /// The values (NaN where missing) when the column is numeric.
    numbers: Option<Vec<f64>>,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Every present value is a finite number.
    Numeric,
    /// Text labels.
    Text,
}

/// A field's text: `None` when it is one of the missing-value spellings.
pub(crate) fn present(field: &str) -> Option<&str> {
    let t = field.trim();
    match t {
        "" | "NA" | "NaN" | "N/A" | "." => None,
        _ => Some(t),
    }
}

impl Column {
    fn empty(name: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            buffer: String::new(),
            spans: Vec::new(),
            numbers: None,
        }
    }

    /// Appends one field as read (trimmed; a missing-value spelling becomes missing).
    fn push(&mut self, field: &str) {
        match present(field) {
            Some(text) => {
                let start = self.buffer.len();
                self.buffer.push_str(text);
                self.spans.push(Some((start, self.buffer.len())));
            }
            None => self.spans.push(None),
        }
    }

    /// Types the column once all its cells are in.
    fn finish(mut self) -> Column {
        let numbers: Option<Vec<f64>> = (0..self.spans.len())
            .map(|row| match self.text(row) {
                None => Some(f64::NAN),
                Some(text) => text.parse::<f64>().ok().filter(|v| v.is_finite()),
            })
            .collect();
        self.numbers = numbers;
        self
    }

    /// A numeric column from values in memory; NaN is a missing value.
    pub fn numeric(name: impl Into<String>, values: Vec<f64>) -> Column {
        let mut column = Column::empty(name);
        for v in &values {
            if v.is_nan() {
                column.spans.push(None);
            } else {
                column.push(&v.to_string());
            }
        }
        column.finish()
    }

    /// A text column from labels in memory; `None` (or a missing-value spelling such as `NA`)
    /// is a missing value.
    pub fn labels<S: AsRef<str>>(name: impl Into<String>, labels: Vec<Option<S>>) -> Column {
        let mut column = Column::empty(name);
        for label in &labels {
            match label {
                Some(label) => column.push(label.as_ref()),
                None => column.spans.push(None),
            }
        }
        column.finish()
    }

    /// The column name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Numeric or text.
    pub fn kind(&self) -> ColumnKind {
        match self.numbers {
            Some(_) => ColumnKind::Numeric,
            None => ColumnKind::Text,
        }
    }

    /// The values, NaN where missing, when the column is numeric.
    pub fn numbers(&self) -> Option<&[f64]> {
        self.numbers.as_deref()
    }

    /// The text of the cell in `row` (trimmed), `None` when missing or out of range.
    pub fn text(&self, row: usize) -> Option<&str> {
        let (start, end) = (*self.spans.get(row)?)?;
        self.buffer.get(start..end)
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// How many cells are missing.
    pub fn n_missing(&self) -> usize {
        self.spans.iter().filter(|s| s.is_none()).count()
    }
}

/// Every column of a data set, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    source: String,
    columns: Vec<Column>,
    /// Each row's line in the file (the header is line 1); for tables built in memory, the row
    /// number plus one, as if a header came first.
    lines: Vec<u64>,
}

impl Table {
    /// Reads a CSV file with a header row.
    pub fn read_csv(path: impl AsRef<Path>) -> Result<Table, DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            file: file.clone(),
            source,
        })?;
        Table::from_csv_bytes(&file, &bytes)
    }

    /// Reads CSV text already in memory; `source` names it in messages.
    pub fn from_csv_bytes(source: &str, bytes: &[u8]) -> Result<Table, DataError> {
        let file = source.to_string();
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(DataError::Empty { file });
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let header = reader.headers().map_err(|e| csv_error(&file, e))?.clone();
        let mut columns: Vec<Column> = header.iter().map(|h| Column::empty(h.trim())).collect();
        let mut lines = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&file, e)),
            }
            lines.push(record.position().map_or(0, |p| p.line()));
            for (column, field) in columns.iter_mut().zip(record.iter()) {
                column.push(field);
            }
        }
        Ok(Table {
            source: file,
            columns: columns.into_iter().map(Column::finish).collect(),
            lines,
        })
    }

    /// A table of columns already in memory; `source` names it in messages. Every column must
    /// have the same length.
    pub fn from_columns(source: impl Into<String>, columns: Vec<Column>) -> Result<Table, DataError> {
        let source = source.into();
        let n = columns.first().map_or(0, Column::len);
        if let Some(c) = columns.iter().find(|c| c.len() != n) {
            return Err(DataError::Invalid {
                file: source,
                message: format!(
                    "column '{}' has {} values but column '{}' has {n}",
                    c.name,
                    c.len(),
                    columns[0].name
                ),
            });
        }
        Ok(Table {
            source,
            columns,
            lines: (2..).take(n).collect(),
        })
    }

    /// Where the data came from (the file path, or the name given), for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// Every column, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column names, in file order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The first column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Each row's line number (the header is line 1).
    pub fn lines(&self) -> &[u64] {
        &self.lines
    }
}

fn csv_error(file: &str, e: csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => DataError::NotUtf8 {
            file: file.to_string(),
            line,
        },
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => DataError::Malformed {
            file: file.to_string(),
            line,
            message: format!("this row has {len} fields but the header has {expected_len}"),
        },
        csv::ErrorKind::Io(err) => DataError::Malformed {
            file: file.to_string(),
            line,
            message: err.to_string(),
        },
        _ => DataError::Malformed {
            file: file.to_string(),
            line,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_types_and_keeps_missing() {
        let csv = b"time, status ,arm,note\n5,1,a,\n8,0, b ,x\n12,NA,.,y\n";
        let t = Table::from_csv_bytes("t.csv", csv).unwrap();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.names(), vec!["time", "status", "arm", "note"]);
        assert_eq!(t.lines(), &[2, 3, 4]);
        let status = t.column("status").unwrap();
        assert_eq!(status.kind(), ColumnKind::Numeric);
        assert_eq!(status.numbers().unwrap()[..2], [1.0, 0.0]);
        assert!(status.numbers().unwrap()[2].is_nan());
        let arm = t.column("arm").unwrap();
        assert_eq!(arm.kind(), ColumnKind::Text);
        assert_eq!((arm.text(1), arm.text(2), arm.n_missing()), (Some("b"), None, 1));
        assert_eq!(t.column("note").unwrap().text(0), None);
    }

    #[test]
    fn csv_errors_name_file_and_line() {
        let e = Table::from_csv_bytes("x.csv", b"  \n").unwrap_err();
        assert!(matches!(e, DataError::Empty { .. }), "{e}");
        let e = Table::from_csv_bytes("x.csv", b"a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.csv, line 3: not valid CSV: this row has 1 fields but the header has 2"
        );
        let e = Table::from_csv_bytes("x.csv", b"a,b\n1,\xff\n").unwrap_err();
        assert!(matches!(e, DataError::NotUtf8 { line: 2, .. }), "{e}");
    }

    #[test]
    fn in_memory_columns() {
        let t = Table::from_columns(
            "mem",
            vec![
                Column::numeric("x", vec![1.5, f64::NAN]),
                Column::labels("g", vec![Some("a"), Some("NA")]),
            ],
        )
        .unwrap();
        assert_eq!(t.column("x").unwrap().text(0), Some("1.5"));
        assert_eq!(t.column("g").unwrap().text(1), None);
        assert_eq!(t.lines(), &[2, 3]);
        let e = Table::from_columns(
            "mem",
            vec![Column::numeric("x", vec![1.0]), Column::numeric("y", vec![])],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "mem: column 'y' has 0 values but column 'x' has 1");
    }
}
