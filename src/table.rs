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
//! table from an Arrow `RecordBatch` under these same rules; with the feature `parquet`,
//! [`Table::read`] also reads Parquet and Arrow IPC (Feather v2) files (module `columnar`).
//!
//! # Rows in messages
//! A row of a CSV file is named by its line (the header is line 1); a row of a Parquet file by
//! its row group and its row within the group, and a row of an Arrow IPC file or `RecordBatch`
//! by its record batch and row, all counted from 0 ([`crate::data::Location`]). The numbers
//! kept for each row ([`Table::lines`], `SurvData::lines`, the `lines` of
//! [`crate::DroppedRows`] in JSON) are lines for CSV and, for every other table, the row's
//! index in the whole table plus 2, as if a header came first: the same data give the same
//! numbers whichever way they arrive.

use std::path::Path;
#[cfg(feature = "arrow")]
use std::sync::Arc;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::data::{DataError, Location};

/// One column: its name, the text of each cell (`None` when missing), and its numbers when
/// every present cell is a finite number.
///
/// Two columns are equal when their names and the text of every cell are (so a missing value
/// equals a missing value, and a column from numbers equals the same column read from text).
#[derive(Debug, Clone)]
pub struct Column {
    name: String,
    len: usize,
    /// The text of the cells: as read, or written from `numbers` the first time it is asked
    /// for (a model that only reads a numeric column's numbers never writes it).
    cells: OnceLock<Cells>,
    /// The values (NaN where missing) when the column is numeric.
    numbers: Option<Vec<f64>>,
}

/// The text of a column's cells.
#[derive(Debug, Clone, Default)]
struct Cells {
    /// All present cells, one after another.
    buffer: String,
    /// Where each cell's text ends in `buffer` (it starts where the one before ends), with
    /// [`MISSING`] set when the cell is missing: 8 bytes a cell.
    ends: Vec<u64>,
}

/// The flag of a missing cell in [`Cells::ends`].
const MISSING: u64 = 1 << 63;

impl Cells {
    /// Appends one field as read (trimmed; a missing-value spelling becomes missing).
    fn push(&mut self, field: &str) {
        match present(field) {
            Some(text) => {
                self.buffer.push_str(text);
                self.ends.push(self.buffer.len() as u64);
            }
            None => self.push_missing(),
        }
    }

    fn push_missing(&mut self) {
        self.ends.push(self.buffer.len() as u64 | MISSING);
    }

    /// How many cells.
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The cells of numbers, NaN missing, each written as Rust writes an `f64` (the shortest
    /// text that reads back as the same number).
    fn of_numbers(values: &[f64]) -> Cells {
        let mut cells = Cells::default();
        for v in values {
            if v.is_nan() {
                cells.push_missing();
            } else {
                cells.push(&v.to_string());
            }
        }
        cells
    }

    /// Appends the cells of `more` after these.
    fn append(&mut self, more: Cells) {
        let offset = self.buffer.len() as u64;
        self.buffer.push_str(&more.buffer);
        self.ends.extend(more.ends.into_iter().map(|end| end + offset));
    }

    /// The cells' numbers (NaN where missing) when every present cell is a finite number.
    fn numbers(&self) -> Option<Vec<f64>> {
        (0..self.len())
            .map(|row| match self.text(row) {
                None => Some(f64::NAN),
                Some(text) => text.parse::<f64>().ok().filter(|v| v.is_finite()),
            })
            .collect()
    }

    fn text(&self, row: usize) -> Option<&str> {
        let end = *self.ends.get(row)?;
        if end & MISSING != 0 {
            return None;
        }
        let start = row.checked_sub(1).map_or(0, |r| self.ends[r] & !MISSING);
        self.buffer
            .get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
    }
}

impl PartialEq for Column {
    fn eq(&self, other: &Column) -> bool {
        self.name == other.name && self.len == other.len && (0..self.len).all(|row| self.text(row) == other.text(row))
    }
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
    /// A column of text cells, typed: numeric when every present cell is a finite number.
    fn from_cells(name: String, cells: Cells) -> Column {
        let numbers = cells.numbers();
        Column::typed(name, cells, numbers)
    }

    /// A column of cells whose numbers (`cells.numbers()`) are already known.
    fn typed(name: String, cells: Cells, numbers: Option<Vec<f64>>) -> Column {
        Column {
            name,
            len: cells.len(),
            cells: OnceLock::from(cells),
            numbers,
        }
    }

    /// A numeric column from values in memory; NaN is a missing value. An infinite value
    /// makes it a text column (as `inf` read from a file does), which a model refuses with
    /// the row and value.
    pub fn numeric(name: impl Into<String>, values: Vec<f64>) -> Column {
        let name = name.into();
        if values.iter().any(|v| v.is_infinite()) {
            return Column::from_cells(name, Cells::of_numbers(&values));
        }
        Column {
            name,
            len: values.len(),
            cells: OnceLock::new(),
            numbers: Some(values),
        }
    }

    /// A text column from labels in memory; `None` (or a missing-value spelling such as `NA`)
    /// is a missing value.
    pub fn labels<S: AsRef<str>>(name: impl Into<String>, labels: Vec<Option<S>>) -> Column {
        let mut cells = Cells::default();
        for label in &labels {
            match label {
                Some(label) => cells.push(label.as_ref()),
                None => cells.push_missing(),
            }
        }
        Column::from_cells(name.into(), cells)
    }

    /// A categorical column (R's factor) from labels in memory: text whatever its labels, so
    /// a model takes it as a factor even when every label is a number (as R takes a factor
    /// column, or an Arrow dictionary, and unlike a plain text column of numbers, which is
    /// numeric as CSV is). `None` or a missing-value spelling is a missing value.
    pub fn categorical<S: AsRef<str>>(name: impl Into<String>, labels: Vec<Option<S>>) -> Column {
        let mut column = Column::labels(name, labels);
        column.numbers = None;
        column
    }

    /// The cells' text, written from the numbers the first time for a column built from them.
    fn cells(&self) -> &Cells {
        self.cells
            .get_or_init(|| Cells::of_numbers(self.numbers.as_deref().unwrap_or_default()))
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
        self.cells().text(row)
    }

    /// Whether the cell in `row` is missing (or out of range).
    pub fn is_missing(&self, row: usize) -> bool {
        match &self.numbers {
            Some(numbers) => numbers.get(row).is_none_or(|v| v.is_nan()),
            None => self.text(row).is_none(),
        }
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many cells are missing.
    pub fn n_missing(&self) -> usize {
        (0..self.len).filter(|&row| self.is_missing(row)).count()
    }

    /// The cells of `rows` (indices, in the order given), keeping the column's kind: a numeric
    /// column stays numeric, a text column text even when the rows kept are all numbers.
    pub(crate) fn select_rows(&self, rows: &[usize]) -> Column {
        match &self.numbers {
            Some(numbers) => Column::numeric(
                self.name.clone(),
                rows.iter()
                    .map(|&row| numbers.get(row).copied().unwrap_or(f64::NAN))
                    .collect(),
            ),
            None => Column::categorical(self.name.clone(), rows.iter().map(|&row| self.text(row)).collect()),
        }
    }
}

/// How messages name the rows of a table: by line, or by part (row group or record batch)
/// and row within it. Kept beside the rows' numbers, which stay lines for every table.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum RowLayout {
    /// Each row's number is its line (a CSV file, or a table built from columns in memory).
    #[default]
    Lines,
    /// A Parquet file's row groups: the index of the first row of each (row `i` is line `i + 2`).
    #[cfg(feature = "parquet")]
    RowGroups(Arc<[u64]>),
    /// An Arrow IPC file's or stream's record batches, or one `RecordBatch`: the index of the
    /// first row of each (row `i` is line `i + 2`).
    #[cfg(feature = "arrow")]
    RecordBatches(Arc<[u64]>),
}

impl RowLayout {
    /// Where the row numbered `line` is, as messages name it.
    pub(crate) fn locate(&self, line: u64) -> Location {
        match self {
            RowLayout::Lines => Location::Line(line),
            #[cfg(feature = "parquet")]
            RowLayout::RowGroups(starts) => {
                let (row_group, row) = part_of(starts, line);
                Location::RowGroup { row_group, row }
            }
            #[cfg(feature = "arrow")]
            RowLayout::RecordBatches(starts) => {
                let (batch, row) = part_of(starts, line);
                Location::RecordBatch { batch, row }
            }
        }
    }

    /// The number of the row at `location` (the inverse of [`RowLayout::locate`]); `None`
    /// for a location of another kind of file.
    pub(crate) fn line_of(&self, location: Location) -> Option<u64> {
        match (self, location) {
            (RowLayout::Lines, Location::Line(line)) => Some(line),
            #[cfg(feature = "parquet")]
            (RowLayout::RowGroups(starts), Location::RowGroup { row_group, row }) => {
                Some(starts.get(row_group as usize)? + row + 2)
            }
            #[cfg(feature = "arrow")]
            (RowLayout::RecordBatches(starts), Location::RecordBatch { batch, row }) => {
                Some(starts.get(batch as usize)? + row + 2)
            }
            _ => None,
        }
    }

    /// The rows numbered `lines` for a message, `more` when some are left out: "line 15",
    /// "lines 15, 20, …"; for a Parquet file "row group 0, rows 13, 18; row group 1, row 2".
    pub(crate) fn describe(&self, lines: &[u64], more: bool) -> String {
        let more = if more { ", …" } else { "" };
        let listed = |noun: &str, numbers: &[u64]| {
            let numbers: Vec<String> = numbers.iter().map(u64::to_string).collect();
            let plural = if numbers.len() == 1 { "" } else { "s" };
            format!("{noun}{plural} {}", numbers.join(", "))
        };
        // the rows of one part together, in the order given
        let mut parts: Vec<(String, Vec<u64>)> = Vec::new();
        for &line in lines {
            let (part, row) = match self.locate(line) {
                Location::Line(line) => (String::new(), line),
                Location::RowGroup { row_group, row } => (format!("row group {row_group}, "), row),
                Location::RecordBatch { batch, row } => (format!("record batch {batch}, "), row),
            };
            match parts.last_mut() {
                Some((last, rows)) if *last == part => rows.push(row),
                _ => parts.push((part, vec![row])),
            }
        }
        let noun = if matches!(self, RowLayout::Lines) {
            "line"
        } else {
            "row"
        };
        let parts: Vec<String> = parts
            .iter()
            .map(|(part, rows)| format!("{part}{}", listed(noun, rows)))
            .collect();
        format!("{}{more}", parts.join("; "))
    }
}

/// The part (row group or record batch) holding the row numbered `line` (row `line - 2`) and
/// the row within it, given the index of each part's first row.
#[cfg(feature = "arrow")]
fn part_of(starts: &[u64], line: u64) -> (u32, u64) {
    let row = line.saturating_sub(2);
    let part = starts.partition_point(|&start| start <= row).saturating_sub(1);
    let start = starts.get(part).copied().unwrap_or(0);
    (u32::try_from(part).unwrap_or(u32::MAX), row.saturating_sub(start))
}

/// Every column of a data set, read once.
///
/// Two tables are equal when their sources, columns and row numbers are, however their rows
/// are named in messages.
#[derive(Debug, Clone)]
pub struct Table {
    source: String,
    columns: Vec<Column>,
    /// Each row's line in the file (the header is line 1); for every other table, the row's
    /// index plus 2, as if a header came first.
    lines: Vec<u64>,
    /// How messages name the rows.
    layout: RowLayout,
}

impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        (&self.source, &self.columns, &self.lines) == (&other.source, &other.columns, &other.lines)
    }
}

impl Table {
    /// Reads a data file, its format chosen by the extension (any case): `.parquet` a Parquet
    /// file, `.arrow` or `.feather` an Arrow IPC file (the file format, Feather v2, or the
    /// stream format), anything else CSV ([`Table::read_csv`]). Parquet and Arrow columns are
    /// read under CSV's rules (module `arrow_input`); reading them needs the cargo feature
    /// `parquet` (the command line has it), without which such a file is an error.
    pub fn read(path: impl AsRef<Path>) -> Result<Table, DataError> {
        let path = path.as_ref();
        match Format::of(path) {
            Format::Csv => Table::read_csv(path),
            #[cfg(feature = "parquet")]
            Format::Parquet => crate::columnar::read_parquet(path),
            #[cfg(feature = "parquet")]
            Format::ArrowIpc => crate::columnar::read_ipc(path),
            #[cfg(not(feature = "parquet"))]
            Format::Parquet | Format::ArrowIpc => Err(DataError::Invalid {
                file: path.display().to_string(),
                message: "reading Parquet and Arrow files needs survkit's cargo feature `parquet`".to_string(),
            }),
        }
    }

    /// Reads a CSV file with a header row.
    pub fn read_csv(path: impl AsRef<Path>) -> Result<Table, DataError> {
        Table::read_csv_keeping(path, None)
    }

    /// Reads CSV text already in memory; `source` names it in messages. A large text is read
    /// in parallel chunks of about 2 MiB split where records end; the table is the same whichever
    /// way it is read.
    pub fn from_csv_bytes(source: &str, bytes: &[u8]) -> Result<Table, DataError> {
        Table::from_csv_chunks(source, bytes, CHUNK_BYTES, None)
    }

    /// As [`Table::read`], keeping only the columns named `names` of a CSV file
    /// (only those cells stored; every record still checked for its number of fields); a
    /// Parquet or Arrow file is read whole. When a name is not in the header, every column is
    /// kept, so that looking it up names them all.
    pub fn read_columns(path: impl AsRef<Path>, names: &[&str]) -> Result<Table, DataError> {
        match Format::of(path.as_ref()) {
            Format::Csv => Table::read_csv_keeping(path, Some(names)),
            _ => Table::read(path),
        }
    }

    /// As [`Table::read_csv`], keeping only the columns named `keep` (see
    /// [`Table::from_csv_chunks`]).
    fn read_csv_keeping(path: impl AsRef<Path>, keep: Option<&[&str]>) -> Result<Table, DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            file: file.clone(),
            source,
        })?;
        Table::from_csv_chunks(&file, &bytes, CHUNK_BYTES, keep)
    }

    /// [`Table::from_csv_bytes`] in chunks of about `chunk_bytes`, keeping the columns `keep`
    /// names (all of them when one is not in the header, or without `keep`).
    fn from_csv_chunks(
        source: &str,
        bytes: &[u8],
        chunk_bytes: usize,
        keep: Option<&[&str]>,
    ) -> Result<Table, DataError> {
        let file = source.to_string();
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(DataError::Empty { file });
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // the header is the first record: up to the first newline outside quotes
        let body = record_end(bytes, 0, 0).unwrap_or(bytes.len());
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(&bytes[..body]);
        let header = reader.headers().map_err(|e| csv_error(&file, e, 1))?.clone();
        let names: Vec<String> = header.iter().map(|name| name.trim().to_string()).collect();
        let kept: Vec<bool> = match keep {
            Some(keep) if keep.iter().all(|k| names.iter().any(|n| n == k)) => {
                names.iter().map(|n| keep.contains(&n.as_str())).collect()
            }
            _ => vec![true; names.len()],
        };
        let starts = chunk_starts(bytes, body, chunk_bytes);
        let read: Vec<(Result<Chunk, DataError>, u64)> = starts
            .par_windows(2)
            .map(|w| {
                let chunk = &bytes[w[0]..w[1]];
                let newlines = memchr::memchr_iter(b'\n', chunk).count() as u64;
                (read_chunk(&file, chunk, &kept), newlines)
            })
            .collect();
        // each chunk numbered its lines from 1: shift them by the newlines before it
        let mut offset = memchr::memchr_iter(b'\n', &bytes[..body]).count() as u64;
        let mut chunks = Vec::with_capacity(read.len());
        for (chunk, newlines) in read {
            let mut chunk = chunk.map_err(|e| shift_line(e, offset))?;
            chunk.lines.iter_mut().for_each(|line| *line += offset);
            chunks.push(chunk);
            offset += newlines;
        }
        // a column is numeric when it is in every chunk
        let mut columns: Vec<(Cells, Option<Vec<f64>>)> = kept
            .iter()
            .filter(|k| **k)
            .map(|_| (Cells::default(), Some(Vec::new())))
            .collect();
        let mut lines = Vec::with_capacity(chunks.iter().map(|c| c.lines.len()).sum());
        for chunk in chunks {
            lines.extend(chunk.lines);
            for ((cells, numbers), (chunk_cells, chunk_numbers)) in columns.iter_mut().zip(chunk.columns) {
                cells.append(chunk_cells);
                *numbers = match (numbers.take(), chunk_numbers) {
                    (Some(mut all), Some(more)) => {
                        all.extend(more);
                        Some(all)
                    }
                    _ => None,
                };
            }
        }
        Ok(Table {
            source: file,
            layout: RowLayout::Lines,
            columns: names
                .into_iter()
                .zip(&kept)
                .filter(|(_, k)| **k)
                .zip(columns)
                .map(|((name, _), (cells, numbers))| Column::typed(name, cells, numbers))
                .collect(),
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
            layout: RowLayout::Lines,
        })
    }

    /// A table of columns already in memory whose rows are the rows numbered `lines` of a
    /// file in parts (row groups or record batches) that `layout` describes, so that messages
    /// name the part and the row.
    #[cfg(feature = "arrow")]
    pub(crate) fn with_layout(table: Table, lines: Vec<u64>, layout: RowLayout) -> Table {
        Table { lines, layout, ..table }
    }

    /// A table of columns (all of length `lines.len()`) whose rows come from the rows
    /// numbered `lines` of `source`, named by `layout`, so that messages about them name
    /// those rows.
    pub(crate) fn with_lines(source: String, columns: Vec<Column>, lines: Vec<u64>, layout: RowLayout) -> Table {
        Table {
            source,
            columns,
            lines,
            layout,
        }
    }

    /// The table as CSV text: a header row of the column names, then one row per row, each
    /// cell as its text (a cell read from a file as it was written, trimmed; a number in
    /// memory as Rust writes an `f64`), a missing cell written `NA`. Fields are quoted where
    /// CSV needs it, so [`Table::from_csv_bytes`] reads back an equal table.
    pub fn to_csv(&self) -> String {
        let mut out = crate::output::csv_line(&self.names());
        for row in 0..self.n_rows() {
            let cells: Vec<String> = self
                .columns
                .iter()
                .map(|c| c.text(row).unwrap_or("NA").to_string())
                .collect();
            out.push_str(&crate::output::csv_line(&cells));
        }
        out
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

    /// Each row's line number (the header is line 1); for a table not read from CSV, each
    /// row's index plus 2 (module documentation, "Rows in messages").
    pub fn lines(&self) -> &[u64] {
        &self.lines
    }

    /// Where row `row` (an index, from 0) is, as messages name it: its line, or its row group
    /// or record batch and its row within it.
    pub fn location(&self, row: usize) -> Option<Location> {
        self.lines.get(row).map(|&line| self.layout.locate(line))
    }

    pub(crate) fn layout(&self) -> &RowLayout {
        &self.layout
    }
}

/// Whether [`Table::read`] reads `path` as Parquet (its extension is `.parquet`, in any case).
pub fn is_parquet(path: impl AsRef<Path>) -> bool {
    Format::of(path.as_ref()) == Format::Parquet
}

/// A data file's format, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Parquet,
    ArrowIpc,
}

impl Format {
    fn of(path: &Path) -> Format {
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("parquet") => Format::Parquet,
            Some("arrow" | "feather") => Format::ArrowIpc,
            _ => Format::Csv,
        }
    }
}

/// A CSV reader's error about line `line` of a chunk, as line `line + offset` of the file.
fn shift_line(e: DataError, offset: u64) -> DataError {
    match e {
        DataError::NotUtf8 { file, line } => DataError::NotUtf8 {
            file,
            line: line + offset,
        },
        DataError::Malformed { file, line, message } => DataError::Malformed {
            file,
            line: line + offset,
            message,
        },
        other => other,
    }
}

/// The error of a CSV reader, about line `line`.
fn csv_error(file: &str, e: csv::Error, line: u64) -> DataError {
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

/// The records of one chunk of the file: each column's cells and numbers, and each row's line.
struct Chunk {
    columns: Vec<(Cells, Option<Vec<f64>>)>,
    lines: Vec<u64>,
}

/// Bytes per chunk of a parallel read: small files are read in one.
const CHUNK_BYTES: usize = 1 << 21;

/// Where the chunks of the records from byte `body` on start, then the end: every chunk but the
/// first starts just after a newline that ends a record ([`record_end`]), about `chunk_bytes`
/// after the previous start. The chunks do not depend on the thread count.
fn chunk_starts(bytes: &[u8], body: usize, chunk_bytes: usize) -> Vec<usize> {
    let mut starts = vec![body];
    let quoted = memchr::memchr(b'"', &bytes[body..]).is_some();
    let mut at = body;
    loop {
        let target = at.saturating_add(chunk_bytes);
        if target >= bytes.len() {
            break;
        }
        let cut = if quoted {
            record_end(bytes, at, target)
        } else {
            memchr::memchr(b'\n', &bytes[target..]).map(|i| target + i + 1)
        };
        match cut {
            Some(cut) if cut < bytes.len() => {
                starts.push(cut);
                at = cut;
            }
            _ => break,
        }
    }
    starts.push(bytes.len());
    starts
}

/// Just after the first newline at or after `target` that ends a record, reading from `from`,
/// a record's start, and following the quoting as the `csv` crate reads it (RFC 4180: a quote
/// opens a quoted field only at a field's start, and a doubled quote inside one is a quote),
/// so that a newline inside a quoted field never ends a record. `None` when there is none.
fn record_end(bytes: &[u8], from: usize, target: usize) -> Option<usize> {
    let (mut in_quotes, mut field_start) = (false, true);
    let mut at = from;
    while at < bytes.len() {
        let b = bytes[at];
        at += 1;
        if in_quotes {
            if b == b'"' {
                if bytes.get(at) == Some(&b'"') {
                    at += 1;
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        if b == b'"' && field_start {
            in_quotes = true;
        } else if b == b'\n' && at > target {
            return Some(at);
        }
        field_start = matches!(b, b',' | b'\n' | b'\r');
    }
    None
}

/// Reads the records of one chunk, numbering its lines from 1.
fn read_chunk(file: &str, bytes: &[u8], kept: &[bool]) -> Result<Chunk, DataError> {
    let width = kept.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut cells: Vec<Cells> = kept.iter().filter(|k| **k).map(|_| Cells::default()).collect();
    let mut lines = Vec::new();
    // the csv crate's line numbers are the file's unless a record ends in CRLF or blank lines
    // come before it
    let blank_lines = matches!(bytes.first(), Some(b'\n' | b'\r')) || memchr::memmem::find(bytes, b"\n\n").is_some();
    let mut counter = (blank_lines || memchr::memchr(b'\r', bytes).is_some()).then(LineCounter::default);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = match (&mut counter, e.position()) {
                    (Some(counter), Some(p)) => counter.line(bytes, p.byte()),
                    (_, p) => p.map_or(0, csv::Position::line),
                };
                return Err(csv_error(file, e, line));
            }
        }
        let line = match (&mut counter, record.position()) {
            (Some(counter), Some(p)) => counter.line(bytes, p.byte()),
            (_, p) => p.map_or(0, csv::Position::line),
        };
        if record.len() != width {
            return Err(DataError::Malformed {
                file: file.to_string(),
                line,
                message: format!("this row has {} fields but the header has {width}", record.len()),
            });
        }
        lines.push(line);
        let fields = record.iter().zip(kept).filter(|(_, k)| **k);
        for (column, (field, _)) in cells.iter_mut().zip(fields) {
            column.push(field);
        }
    }
    Ok(Chunk {
        columns: cells
            .into_iter()
            .map(|c| {
                let numbers = c.numbers();
                (c, numbers)
            })
            .collect(),
        lines,
    })
}

/// The line (from 1) on which a record starting at a byte begins, counted as the records come
/// in order. The `csv` crate's own line numbers count a CRLF record's newline on the next
/// record, and a record after blank lines on the first of them.
#[derive(Default)]
struct LineCounter {
    /// Bytes counted so far, and the newlines among them.
    counted: usize,
    newlines: u64,
}

impl LineCounter {
    /// The line of the first byte at or after `byte` that is not a line ending (a record's
    /// position may point at the ending of the one before it).
    fn line(&mut self, bytes: &[u8], byte: u64) -> u64 {
        let mut at = usize::try_from(byte).unwrap_or(bytes.len()).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        if at < self.counted {
            (self.counted, self.newlines) = (0, 0);
        }
        self.newlines += memchr::memchr_iter(b'\n', &bytes[self.counted..at]).count() as u64;
        self.counted = at;
        self.newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read in chunks of 1 to 40 bytes, random CSV texts (quoted fields holding commas,
    /// newlines and doubled quotes, stray quotes inside unquoted fields, CRLF endings, missing
    /// values, a short row, invalid UTF-8) give the table, or the error, of a read in one chunk.
    #[test]
    fn chunked_reads_equal_one_read() {
        let pieces: [&[u8]; 14] = [
            b"1",
            b"2.5",
            b"NA",
            b"",
            b"a",
            b"\"x,y\"",
            b"\"two\nlines\"",
            b"\"say \"\"hi\"\"\"",
            b"b\"c",
            b" 7 ",
            b"\"\"",
            b"-0",
            b"\"\n\"",
            b"\xff",
        ];
        let mut state = 7u64;
        let mut next = move |m: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % m
        };
        for round in 0..400 {
            let width = 1 + next(3);
            let mut text: Vec<u8> = (0..width)
                .map(|c| format!("c{c}"))
                .collect::<Vec<_>>()
                .join(",")
                .into_bytes();
            let ending: &[u8] = if round % 3 == 0 { b"\r\n" } else { b"\n" };
            text.extend_from_slice(ending);
            for _ in 0..next(12) {
                let fields = if next(25) == 0 { width + 1 } else { width };
                for f in 0..fields {
                    if f > 0 {
                        text.push(b',');
                    }
                    let piece = pieces[next(if round % 5 == 0 { 14 } else { 13 })];
                    text.extend_from_slice(piece);
                }
                text.extend_from_slice(ending);
            }
            let whole = Table::from_csv_chunks("t.csv", &text, usize::MAX / 2, None);
            // the last column alone: its cells and lines, or the same error
            let last = format!("c{}", width - 1);
            match (
                &whole,
                Table::from_csv_chunks("t.csv", &text, 8, Some(&[last.as_str()])),
            ) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(b.names(), std::slice::from_ref(&last), "round {round}");
                    assert_eq!(a.column(&last), b.column(&last), "round {round}");
                    assert_eq!(a.lines(), b.lines(), "round {round}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "round {round}"),
                (a, b) => panic!("round {round}: {a:?} but kept alone {b:?}"),
            }
            for chunk in [1, 3, 8, 40] {
                let chunked = Table::from_csv_chunks("t.csv", &text, chunk, None);
                match (&whole, &chunked) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(
                            a,
                            b,
                            "round {round}, chunks of {chunk}: {:?}",
                            String::from_utf8_lossy(&text)
                        );
                        assert_eq!(a.lines(), b.lines(), "round {round}");
                        let kinds = |t: &Table| t.columns().iter().map(Column::kind).collect::<Vec<_>>();
                        assert_eq!(kinds(a), kinds(b), "round {round}");
                    }
                    (Err(a), Err(b)) => assert_eq!(
                        a.to_string(),
                        b.to_string(),
                        "round {round}, chunks of {chunk}: {:?}",
                        String::from_utf8_lossy(&text)
                    ),
                    _ => panic!("round {round}, chunks of {chunk}: {whole:?} vs {chunked:?}"),
                }
            }
        }
    }

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
        // lines are the file's lines: with CRLF endings and a newline inside a quoted field too
        let t = Table::from_csv_bytes("x.csv", b"a,b\r\n1,\"x\ny\"\r\n2,z\r\n").unwrap();
        assert_eq!(t.lines(), &[2, 4]);
        let t = Table::from_csv_bytes("x.csv", b"a\n1\n\n\n2\n\n3").unwrap();
        assert_eq!(t.lines(), &[2, 5, 7]);
        let e = Table::from_csv_bytes("x.csv", b"a,b\r\n1,2\r\n3\r\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.csv, line 3: not valid CSV: this row has 1 fields but the header has 2"
        );
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn row_groups_name_their_rows() {
        // row groups of 3, 0 and 2 rows: rows 0-2, none, 3-4 (lines 2-4, 5-6)
        let layout = RowLayout::RowGroups([0, 3, 3].into());
        assert_eq!(layout.locate(2), Location::RowGroup { row_group: 0, row: 0 });
        assert_eq!(layout.locate(4), Location::RowGroup { row_group: 0, row: 2 });
        assert_eq!(layout.locate(5), Location::RowGroup { row_group: 2, row: 0 });
        assert_eq!(layout.locate(6).to_string(), "row group 2, row 1");
        assert_eq!(
            layout.describe(&[3, 4, 6], true),
            "row group 0, rows 1, 2; row group 2, row 1, …"
        );
        assert_eq!(RowLayout::Lines.describe(&[15], false), "line 15");
        assert_eq!(RowLayout::Lines.describe(&[15, 20], true), "lines 15, 20, …");
        let batches = RowLayout::RecordBatches([0, 1].into());
        assert_eq!(batches.locate(3).to_string(), "record batch 1, row 0");
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

    #[test]
    fn numbers_in_memory_are_the_column_their_text_reads_as() {
        let mem = Column::numeric("x", vec![0.1, -0.0, f64::NAN, 2.0]);
        let read = Table::from_csv_bytes("x.csv", b"x\n0.1\n-0\nNA\n2\n").unwrap();
        assert_eq!(mem.kind(), ColumnKind::Numeric);
        assert!(mem.is_missing(2) && !mem.is_missing(1) && mem.is_missing(9));
        assert_eq!(&mem, read.column("x").unwrap());
        assert_eq!((mem.text(0), mem.text(2), mem.n_missing()), (Some("0.1"), None, 1));
        let factor = Column::categorical("g", vec![Some("1"), None, Some("2")]);
        assert_eq!(
            (factor.kind(), factor.text(2), factor.n_missing()),
            (ColumnKind::Text, Some("2"), 1)
        );
        // an infinite value makes a text column, as `inf` in a file does
        let inf = Column::numeric("x", vec![1.0, f64::INFINITY]);
        assert_eq!((inf.kind(), inf.text(1)), (ColumnKind::Text, Some("inf")));
    }

    #[test]
    fn a_model_reads_numbers_in_memory_as_it_reads_their_text() {
        use crate::data::{Columns, SurvData};
        let columns = Columns {
            time: "t".into(),
            event: "s".into(),
            group: Some("g".into()),
            ..Columns::default()
        };
        let mem = |t: Vec<f64>, s: Vec<f64>| {
            let g = Column::numeric("g", vec![1.0, 2.0, 1.0]);
            let table = Table::from_columns("mem", vec![Column::numeric("t", t), Column::numeric("s", s), g]);
            SurvData::from_table(&table.unwrap(), &columns)
        };
        let csv = |text: &str| SurvData::from_csv_bytes("mem", text.as_bytes(), &columns);
        let good = mem(vec![5.0, 8.0, 3.5], vec![1.0, 0.0, 1.0]).unwrap();
        let read = csv("t,s,g\n5,1,1\n8,0,2\n3.5,1,1\n").unwrap();
        assert_eq!(
            (&good.time, &good.event, &good.lines),
            (&read.time, &read.event, &read.lines)
        );
        assert_eq!(good.group.unwrap().levels, read.group.unwrap().levels);
        // a value breaking a rule gets the message its text would
        for (t, s, text) in [
            (
                vec![5.0, -8.0, 3.5],
                vec![1.0, 0.0, 1.0],
                "t,s,g\n5,1,1\n-8,0,2\n3.5,1,1\n",
            ),
            (
                vec![5.0, 8.0, 3.5],
                vec![1.0, 3.0, 1.0],
                "t,s,g\n5,1,1\n8,3,2\n3.5,1,1\n",
            ),
        ] {
            let (a, b) = (mem(t, s).unwrap_err(), csv(text).unwrap_err());
            assert_eq!(a.to_string(), b.to_string());
        }
    }
}
