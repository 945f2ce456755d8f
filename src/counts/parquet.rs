//! Counts from a Parquet file of participants' rows in one streaming pass (cargo feature
//! `parquet`): [`Counts::stream_parquet`].
//!
//! Kaplan–Meier, Nelson–Aalen, the log-rank family and RMST need only the counts per
//! (group, stratum, time), so a file of 10⁸ rows need not be held in memory. The row groups
//! are read in parallel, each in batches of [`BATCH_ROWS`] rows of the columns used (Parquet's
//! projection: the other columns are never decoded), and each batch is counted into a table
//! of (group, stratum, time, event code) → rows; the tables are merged in row-group order and
//! finished as a table of counts is ([`Counts::from_table`]).
//!
//! # Memory
//! At most `threads × BATCH_ROWS` rows are decoded at once (their compressed column chunks
//! too), and the counts hold one entry per distinct (group, stratum, time, event code) and,
//! with delayed entry, per distinct (group, stratum, entry time): memory is bounded by the
//! number of distinct times, not by the number of rows. Each entry takes about 64 bytes in
//! its hash table, so 10⁶ distinct times in 2 arms and 10 strata take about 1.3 GB, and the
//! days of a 20-year registry in the same arms and strata (146,000 times) about 190 MB.
//!
//! # The same rules as the rows
//! Every row is read under the rules of [`crate::data`], with the file's row groups and rows
//! in messages: rows missing a used value are dropped and reported; a bad value is an error
//! naming its row group, row, column and value. A batch of the common types (integer or float
//! times and event codes, booleans, integer labels, strings or dictionaries of strings as
//! labels) with no missing or refused value is counted directly; any other batch is read as a
//! table is ([`crate::data::read_rows`]), which words the dropped rows and errors. What depends
//! on the whole column is decided after the pass, from the first row of each event code: R's
//! 1/2 coding (every code 1 or 2), a 0 beside a 2, TRUE/FALSE mixed with numbers (the first
//! row whose kind differs from the first row's), an entry not before its exit: the error the
//! whole file read as rows gives, at the same row. The results equal those of
//! [`crate::SurvData::read`] on the file (tests/streaming.rs). One difference: an entry time
//! that becomes equal to its exit only through R's `timefix` ties is reported as counts that
//! leave before they enter, not as that row.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;
use rustc_hash::FxHasher;

use super::{CountColumns, Counts};
use crate::data::{Columns, DataError, DroppedRows, EventToken, Mixing, Rule, column_index, read_rows};
use crate::table::{Column, RowLayout, Table, present};

/// Rows decoded at once by each thread.
pub(crate) const BATCH_ROWS: usize = 64 * 1024;

type Fx = BuildHasherDefault<FxHasher>;

/// (group label, stratum label, time bits, event code) of the rows leaving at a time.
type ExitKey = (u32, u32, u64, EventToken);
/// (group label, stratum label, time bits) of the rows entering at a time.
type EntryKey = (u32, u32, u64);
/// A row of the counts table: (group label, stratum label, time, [events, censorings, entries]).
type CountRow = (u32, u32, f64, [f64; 3]);

impl Counts {
    /// The counts of the participants' rows of a Parquet file, read in one streaming pass
    /// (module docs): `columns` names the time, event, and optionally entry, group and strata
    /// columns, with the event value, references and strictness of [`Columns`]; case weights,
    /// clusters, regimens and covariates are not counts and are refused.
    ///
    /// ```no_run
    /// use survkit::counts::Counts;
    /// use survkit::{Columns, KaplanMeier, KmOptions};
    /// let columns = Columns::new("time", "event").group("arm").strata("site");
    /// let counts = Counts::stream_parquet("registry.parquet", &columns)?;
    /// let km = KaplanMeier::fit_counts(&counts, &KmOptions::default())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stream_parquet(path: impl AsRef<Path>, columns: &Columns) -> Result<Counts, DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        if !crate::model::counts_suffice(columns) {
            return Err(DataError::Invalid {
                file,
                message: "counts carry no case weights, clusters, regimens or covariates: read the rows instead"
                    .to_string(),
            });
        }
        let source = Source::open(path, &file)?;
        let names = &source.names;
        let mut used = vec![
            column_index(&file, names, &columns.time)?,
            column_index(&file, names, &columns.event)?,
        ];
        for name in [&columns.entry, &columns.group, &columns.strata].into_iter().flatten() {
            used.push(column_index(&file, names, name)?);
        }
        source.check_types(&used)?;
        let tallies: Vec<Result<Tally, DataError>> = (0..source.row_groups())
            .into_par_iter()
            .map(|group| source.tally(group, &used, columns))
            .collect();
        let mut total = Tally::default();
        for tally in tallies {
            total.absorb(tally?);
        }
        // as a whole table is read: its columns' cells first, then its rows in order
        if let Some((_, _, error)) = total.column_error.take() {
            return Err(error);
        }
        let refusal = total.mixed_codes(&file, &columns.event, &source.layout);
        if let Some(error) = pick_first(total.row_error.take(), refusal) {
            return Err(error);
        }
        total.finish(&file, columns, source.layout)
    }
}

/// The first rows (at most 16) of a Parquet file's first row group that has rows, every
/// column read: the columns' names and types for a formula; `None` for a file without rows.
pub(crate) fn head(path: &Path) -> Result<Option<Table>, DataError> {
    let file = path.display().to_string();
    let source = Source::open(path, &file)?;
    let Some(group) = (0..source.row_groups()).find(|&g| source.metadata.metadata().row_group(g).num_rows() > 0) else {
        return Ok(None);
    };
    let handle = source.reopen()?;
    let invalid = |e: parquet::errors::ParquetError| DataError::Invalid {
        file: file.clone(),
        message: format!("not a valid Parquet file: {e}"),
    };
    let batch = crate::columnar::guarded(&file, "Parquet", || {
        let mut reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, source.metadata.clone())
            .with_row_groups(vec![group])
            .with_batch_size(16)
            .with_limit(16)
            .build()?;
        Ok::<_, parquet::errors::ParquetError>(reader.next().transpose()?)
    })?
    .map_err(invalid)?;
    match batch {
        Some(batch) => {
            Table::from_record_batch_at(&file, &batch, source.layout.clone(), source.first_line(group)).map(Some)
        }
        None => Ok(None),
    }
}

/// The earlier (by row) of a row's error and a refusal found after the pass.
fn pick_first(row_error: Option<(u64, DataError)>, refusal: Option<(u64, DataError)>) -> Option<DataError> {
    match (row_error, refusal) {
        (Some((a, e)), Some((b, f))) => Some(if a <= b { e } else { f }),
        (Some((_, e)), None) | (None, Some((_, e))) => Some(e),
        (None, None) => None,
    }
}

/// An open Parquet file: its metadata read and checked, its row groups' first rows.
struct Source {
    file: String,
    /// The path, opened again by each reader (a cloned handle would share its position).
    path: std::path::PathBuf,
    metadata: ArrowReaderMetadata,
    /// The columns' names, in the file's order.
    names: Vec<String>,
    layout: RowLayout,
}

impl Source {
    fn open(path: &Path, file: &str) -> Result<Source, DataError> {
        let invalid = |message: String| DataError::Invalid {
            file: file.to_string(),
            message,
        };
        let io = |source| DataError::Io {
            file: file.to_string(),
            source,
        };
        let mut handle = File::open(path).map_err(io)?;
        let size = handle.metadata().map_err(io)?.len();
        let mut head = [0u8; 4];
        let mut tail = [0u8; 8];
        let magic = size >= 12
            && handle.read_exact(&mut head).is_ok()
            && handle.seek(SeekFrom::End(-8)).is_ok()
            && handle.read_exact(&mut tail).is_ok()
            && &head == b"PAR1"
            && &tail[4..] == b"PAR1";
        if !magic {
            return Err(invalid(format!(
                "not a Parquet file (it does not begin and end with 'PAR1', and the file has {size} bytes); is it truncated?"
            )));
        }
        let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
        if footer + 12 > size {
            return Err(invalid(format!(
                "not a valid Parquet file: its footer claims {footer} bytes, and the file has {size}"
            )));
        }
        let metadata = crate::columnar::guarded(file, "Parquet", || {
            ArrowReaderMetadata::load(&handle, ArrowReaderOptions::default())
        })?
        .map_err(|e| invalid(format!("not a valid Parquet file: {e}")))?;
        let mut starts = Vec::new();
        let mut total: u64 = 0;
        for (g, group) in metadata.metadata().row_groups().iter().enumerate() {
            let rows = u64::try_from(group.num_rows()).map_err(|_| {
                invalid(format!(
                    "not a valid Parquet file: row group {g} has {} rows",
                    group.num_rows()
                ))
            })?;
            for column in group.columns() {
                let (start, length) = column.byte_range();
                if start.checked_add(length).is_none_or(|end| end > size) {
                    return Err(invalid(format!(
                        "not a valid Parquet file: column '{}' of row group {g} claims bytes {start}..{} of a file of {size}; is it truncated?",
                        column.column_path(),
                        start.saturating_add(length)
                    )));
                }
            }
            starts.push(total);
            total = total.saturating_add(rows);
        }
        let names = metadata.schema().fields().iter().map(|f| f.name().clone()).collect();
        Ok(Source {
            file: file.to_string(),
            path: path.to_path_buf(),
            names,
            metadata,
            layout: RowLayout::RowGroups(starts.into()),
        })
    }

    /// The file opened again, with its own position.
    fn reopen(&self) -> Result<File, DataError> {
        File::open(&self.path).map_err(|source| DataError::Io {
            file: self.file.clone(),
            source,
        })
    }

    /// Refuses a used column of a type that has no column (as reading the whole table does).
    fn check_types(&self, used: &[usize]) -> Result<(), DataError> {
        let schema = self.metadata.schema();
        for &column in used {
            let field = schema.field(column);
            let empty = arrow_array::new_empty_array(field.data_type());
            let batch =
                RecordBatch::try_from_iter([(field.name().clone(), empty)]).map_err(|e| DataError::Invalid {
                    file: self.file.clone(),
                    message: e.to_string(),
                })?;
            Table::from_record_batch_at(&self.file, &batch, self.layout.clone(), 2)?;
        }
        Ok(())
    }

    fn row_groups(&self) -> usize {
        self.metadata.metadata().num_row_groups()
    }

    /// The first line of row group `group` (row `i` of the file is line `i + 2`).
    fn first_line(&self, group: usize) -> u64 {
        match &self.layout {
            RowLayout::RowGroups(starts) => starts[group] + 2,
            _ => 2,
        }
    }

    /// Counts the rows of one row group, reading the columns `used` (indices into the schema).
    fn tally(&self, group: usize, used: &[usize], columns: &Columns) -> Result<Tally, DataError> {
        let invalid = |e: String| DataError::Invalid {
            file: self.file.clone(),
            message: format!("not a valid Parquet file: {e}"),
        };
        let handle = self.reopen()?;
        let mut tally = Tally::default();
        let mut line = self.first_line(group);
        crate::columnar::guarded(&self.file, "Parquet", || {
            let mask = ProjectionMask::roots(
                self.metadata.metadata().file_metadata().schema_descr(),
                used.iter().copied(),
            );
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, self.metadata.clone())
                .with_row_groups(vec![group])
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| invalid(e.to_string()))?;
            for batch in reader {
                let batch = batch.map_err(|e| invalid(e.to_string()))?;
                tally.count(&batch, line, columns, self);
                line += batch.num_rows() as u64;
            }
            Ok(())
        })??;
        Ok(tally)
    }
}

/// The rows of one or more batches, counted.
#[derive(Default)]
struct Tally {
    /// Group and stratum labels met, in order, and their codes.
    labels: [Labels; 2],
    exits: HashMap<ExitKey, u64, Fx>,
    entries: HashMap<EntryKey, u64, Fx>,
    /// The first row (line and text) of each event code.
    first_code: HashMap<EventToken, (u64, String), Fx>,
    /// The first row whose entry is not before its exit: (line, entry, exit).
    entry_not_before_exit: Option<(u64, f64, f64)>,
    dropped: Option<DroppedRows>,
    rows: u64,
    kept: u64,
    /// The first refused cell of a used column (a whole table's columns are read before its
    /// rows, in the file's column order): (column, line, error).
    column_error: Option<(usize, u64, DataError)>,
    /// The first row breaking a rule: (line, error).
    row_error: Option<(u64, DataError)>,
}

#[derive(Default)]
struct Labels {
    text: Vec<String>,
    code: HashMap<String, u32, Fx>,
}

impl Labels {
    fn code(&mut self, label: &str) -> u32 {
        if let Some(&code) = self.code.get(label) {
            return code;
        }
        let code = self.text.len() as u32;
        self.text.push(label.to_string());
        self.code.insert(label.to_string(), code);
        code
    }
}

/// A kept row, as counted.
struct Row {
    line: u64,
    time: f64,
    entry: Option<f64>,
    code: EventToken,
    labels: [u32; 2],
}

impl Tally {
    fn add(&mut self, row: Row, code_text: impl FnOnce() -> String) {
        let time = row.time + 0.0; // −0 and 0 are one time
        *self
            .exits
            .entry((row.labels[0], row.labels[1], time.to_bits(), row.code))
            .or_insert(0) += 1;
        if let Some(entry) = row.entry {
            *self
                .entries
                .entry((row.labels[0], row.labels[1], (entry + 0.0).to_bits()))
                .or_insert(0) += 1;
            if entry >= row.time && self.entry_not_before_exit.is_none() {
                self.entry_not_before_exit = Some((row.line, entry, row.time));
            }
        }
        self.first_code
            .entry(row.code)
            .or_insert_with(|| (row.line, code_text()));
        self.kept += 1;
    }

    /// Counts one batch whose first row is `line`; after a refused value, only looks for an
    /// earlier refused cell of a column.
    fn count(&mut self, batch: &RecordBatch, line: u64, columns: &Columns, source: &Source) {
        self.rows += batch.num_rows() as u64;
        let failed = self.column_error.is_some() || self.row_error.is_some();
        if !failed && self.count_directly(batch, line, columns).is_some() {
            return;
        }
        // anything else is read as a table is, with its rows' lines
        let table = match Table::from_record_batch_at(&source.file, batch, source.layout.clone(), line) {
            Ok(table) => table,
            Err(error) => {
                let column = match &error {
                    DataError::InvalidValue { column, .. } => source.names.iter().position(|n| n == column),
                    _ => None,
                };
                if self.column_error.is_none() {
                    self.column_error = Some((column.unwrap_or(usize::MAX), line, error));
                }
                return;
            }
        };
        if failed {
            return;
        }
        if let Err(error) = self.count_table(&table, line, columns) {
            let at = match &error {
                DataError::InvalidValue { location, .. } => source.layout.line_of(*location),
                _ => None,
            };
            let at = at.unwrap_or(line);
            // the rows before it still count: one may be an earlier row of mixed event codes
            let before = batch.slice(0, (at.saturating_sub(line) as usize).min(batch.num_rows()));
            if let Ok(table) = Table::from_record_batch_at(&source.file, &before, source.layout.clone(), line) {
                let _ = self.count_table(&table, line, columns);
            }
            self.row_error = Some((at, error));
        }
    }

    /// Counts the rows of a table read from a batch whose first row is `line`, under the rules
    /// of [`read_rows`].
    fn count_table(&mut self, table: &Table, line: u64, columns: &Columns) -> Result<(), DataError> {
        let read = read_rows(table, columns, Mixing::Allowed)?;
        let event = table.column(&columns.event);
        let row_of = |k: usize| (read.lines[k] - line) as usize;
        let labels = [read.labels(0), read.labels(1)];
        let codes: [Vec<u32>; 2] = std::array::from_fn(|w| labels[w].iter().map(|l| self.labels[w].code(l)).collect());
        for k in 0..read.lines.len() {
            let values = read.row(k);
            let row = Row {
                line: read.lines[k],
                time: values.time,
                entry: values.entry,
                code: values.token,
                labels: std::array::from_fn(|w| values.labels[w].map_or(0, |c| codes[w][c as usize])),
            };
            let text = || event.and_then(|c| c.text(row_of(k))).unwrap_or_default().to_string();
            self.add(row, text);
        }
        self.merge_dropped(read.dropped);
        Ok(())
    }

    /// Counts a batch of the common types without missing or refused values; `None` (having
    /// counted nothing) for any other batch.
    fn count_directly(&mut self, batch: &RecordBatch, line: u64, columns: &Columns) -> Option<()> {
        let column = |name: &String| batch.column_by_name(name);
        let time = numbers(column(&columns.time)?.as_ref())?;
        if time.iter().any(|t| *t < 0.0) {
            return None;
        }
        let codes = event_codes(column(&columns.event)?.as_ref(), columns.event_value.as_deref())?;
        let entry = match &columns.entry {
            Some(name) => Some(numbers(column(name)?.as_ref())?),
            None => None,
        };
        let mut labels: [Option<Vec<u32>>; 2] = [None, None];
        for (w, name) in [&columns.group, &columns.strata].into_iter().enumerate() {
            if let Some(name) = name {
                labels[w] = Some(label_codes(column(name)?.as_ref(), &mut self.labels[w])?);
            }
        }
        for (i, (&time, &code)) in time.iter().zip(&codes).enumerate() {
            let row = Row {
                line: line + i as u64,
                time,
                entry: entry.as_ref().map(|e| e[i]),
                code,
                labels: std::array::from_fn(|w| labels[w].as_ref().map_or(0, |l| l[i])),
            };
            self.add(row, || code_text(code));
        }
        Some(())
    }

    fn merge_dropped(&mut self, dropped: DroppedRows) {
        match &mut self.dropped {
            None => self.dropped = Some(dropped),
            Some(total) => total.append(dropped),
        }
    }

    /// Adds the counts of a later part of the file.
    fn absorb(&mut self, other: Tally) {
        if let Some(theirs) = other.column_error
            && self
                .column_error
                .as_ref()
                .is_none_or(|mine| (theirs.0, theirs.1) < (mine.0, mine.1))
        {
            self.column_error = Some(theirs);
        }
        if let Some(theirs) = other.row_error
            && self.row_error.as_ref().is_none_or(|mine| theirs.0 < mine.0)
        {
            self.row_error = Some(theirs);
        }
        let remap: [Vec<u32>; 2] =
            std::array::from_fn(|w| other.labels[w].text.iter().map(|l| self.labels[w].code(l)).collect());
        let code = |w: usize, c: u32| remap[w].get(c as usize).copied().unwrap_or(c);
        for ((g, s, t, e), n) in other.exits {
            *self.exits.entry((code(0, g), code(1, s), t, e)).or_insert(0) += n;
        }
        for ((g, s, t), n) in other.entries {
            *self.entries.entry((code(0, g), code(1, s), t)).or_insert(0) += n;
        }
        for (token, first) in other.first_code {
            let mine = self.first_code.entry(token).or_insert_with(|| first.clone());
            if first.0 < mine.0 {
                *mine = first;
            }
        }
        if let Some(other_first) = other.entry_not_before_exit
            && self.entry_not_before_exit.is_none_or(|mine| other_first.0 < mine.0)
        {
            self.entry_not_before_exit = Some(other_first);
        }
        if let Some(dropped) = other.dropped {
            self.merge_dropped(dropped);
        }
        self.rows += other.rows;
        self.kept += other.kept;
    }

    /// TRUE/FALSE mixed with numbers: the first row whose kind differs from the first row's.
    fn mixed_codes(&self, file: &str, column: &str, layout: &RowLayout) -> Option<(u64, DataError)> {
        let logical = |t: &EventToken| matches!(t, EventToken::True | EventToken::False);
        let (first, _) = self.first_code.iter().min_by_key(|(_, (line, _))| *line)?;
        let (_, (line, text)) = self
            .first_code
            .iter()
            .filter(|(t, _)| logical(t) != logical(first))
            .min_by_key(|(_, (line, _))| *line)?;
        Some((
            *line,
            DataError::InvalidValue {
                file: file.to_string(),
                location: layout.locate(*line),
                column: column.to_string(),
                value: text.clone(),
                rule: Rule::MixedEventCodes,
            },
        ))
    }

    /// The counts, after the checks of the whole column (see the module docs).
    fn finish(self, file: &str, columns: &Columns, layout: RowLayout) -> Result<Counts, DataError> {
        let file = file.to_string();
        let dropped = self.dropped.unwrap_or_else(|| DroppedRows::of(&layout));
        if self.rows == 0 {
            return Err(DataError::NoRows { file });
        }
        if columns.strict && dropped.count > 0 {
            return Err(DataError::Missing { file, dropped });
        }
        if self.kept == 0 {
            return Err(DataError::AllDropped { file, dropped });
        }
        let two_coding = columns.event_value.is_none() && self.first_code.contains_key(&EventToken::Two);
        if two_coding && let Some((line, _)) = self.first_code.get(&EventToken::Zero) {
            return Err(DataError::InvalidValue {
                file,
                location: layout.locate(*line),
                column: columns.event.clone(),
                value: "0".to_string(),
                rule: Rule::ZeroBesideTwo,
            });
        }
        if let (Some((line, entry, exit)), Some(entry_column)) = (self.entry_not_before_exit, &columns.entry) {
            return Err(DataError::InvalidValue {
                file,
                location: layout.locate(line),
                column: entry_column.clone(),
                value: entry.to_string(),
                rule: Rule::EntryNotBeforeExit {
                    exit,
                    time_column: columns.time.as_str().into(),
                    after_ties: false,
                },
            });
        }
        let is_event = |t: EventToken| match two_coding {
            true => t == EventToken::Two,
            false => matches!(t, EventToken::One | EventToken::True),
        };
        // one row per key of the counts table, then read as any counts table is
        let mut rows: Vec<CountRow> = Vec::with_capacity(self.exits.len() + self.entries.len());
        for ((g, s, t, e), n) in self.exits {
            let n = n as f64;
            let counts = if is_event(e) { [n, 0.0, 0.0] } else { [0.0, n, 0.0] };
            rows.push((g, s, f64::from_bits(t), counts));
        }
        for ((g, s, t), n) in self.entries {
            rows.push((g, s, f64::from_bits(t), [0.0, 0.0, n as f64]));
        }
        rows.sort_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3[0].total_cmp(&b.3[0]))
        });
        let names = CountNames::for_columns(columns);
        let mut table_columns = vec![
            Column::numeric(columns.time.clone(), rows.iter().map(|r| r.2).collect()),
            Column::numeric(names.n_event.clone(), rows.iter().map(|r| r.3[0]).collect()),
            Column::numeric(names.n_censor.clone(), rows.iter().map(|r| r.3[1]).collect()),
        ];
        if columns.entry.is_some() {
            table_columns.push(Column::numeric(
                names.n_enter.clone(),
                rows.iter().map(|r| r.3[2]).collect(),
            ));
        }
        let [group_labels, strata_labels] = &self.labels;
        let label_column = |name: &String, labels: &Labels, pick: fn(&CountRow) -> u32| {
            Column::labels(
                name.clone(),
                rows.iter()
                    .map(|r| Some(labels.text[pick(r) as usize].as_str()))
                    .collect(),
            )
        };
        if let Some(name) = &columns.group {
            table_columns.push(label_column(name, group_labels, |r| r.0));
        }
        if let Some(name) = &columns.strata {
            table_columns.push(label_column(name, strata_labels, |r| r.1));
        }
        let table = Table::from_columns(file.clone(), table_columns)?;
        let mut count_columns = CountColumns::default()
            .time(columns.time.clone())
            .n_event(names.n_event)
            .n_censor(names.n_censor);
        if columns.entry.is_some() {
            count_columns = count_columns.n_enter(names.n_enter);
        }
        count_columns.group.clone_from(&columns.group);
        count_columns.strata.clone_from(&columns.strata);
        count_columns.references.clone_from(&columns.references);
        let mut counts = Counts::from_table(&table, &count_columns)?;
        counts.dropped = dropped;
        Ok(counts)
    }
}

/// Names for the count columns that no column of the analysis has.
struct CountNames {
    n_event: String,
    n_censor: String,
    n_enter: String,
}

impl CountNames {
    fn for_columns(columns: &Columns) -> CountNames {
        let taken = [Some(&columns.time), columns.group.as_ref(), columns.strata.as_ref()];
        let free = |base: &str| {
            let mut name = base.to_string();
            while taken.iter().flatten().any(|t| **t == name) {
                name.push('_');
            }
            name
        };
        CountNames {
            n_event: free("n_event"),
            n_censor: free("n_censor"),
            n_enter: free("n_enter"),
        }
    }
}

/// The text of an event code read from a number (for messages).
fn code_text(code: EventToken) -> String {
    match code {
        EventToken::Zero | EventToken::False => "0",
        EventToken::One | EventToken::True => "1",
        EventToken::Two => "2",
    }
    .to_string()
}

/// The values of an integer or float column without missing or infinite values.
fn numbers(array: &dyn Array) -> Option<Vec<f64>> {
    if array.null_count() > 0 {
        return None;
    }
    fn widen<T: ArrowPrimitiveType>(array: &dyn Array, to: impl Fn(T::Native) -> f64) -> Option<Vec<f64>> {
        Some(array.as_primitive_opt::<T>()?.values().iter().map(|&v| to(v)).collect())
    }
    let values = match array.data_type() {
        DataType::Float64 => widen::<Float64Type>(array, |v| v),
        DataType::Float32 => widen::<Float32Type>(array, f64::from),
        DataType::Int8 => widen::<Int8Type>(array, f64::from),
        DataType::Int16 => widen::<Int16Type>(array, f64::from),
        DataType::Int32 => widen::<Int32Type>(array, f64::from),
        DataType::Int64 => widen::<Int64Type>(array, |v| v as f64),
        DataType::UInt8 => widen::<UInt8Type>(array, f64::from),
        DataType::UInt16 => widen::<UInt16Type>(array, f64::from),
        DataType::UInt32 => widen::<UInt32Type>(array, f64::from),
        DataType::UInt64 => widen::<UInt64Type>(array, |v| v as f64),
        _ => None,
    }?;
    values.iter().all(|v| v.is_finite()).then_some(values)
}

/// The event codes of a numeric or boolean column holding only 0, 1 and 2 (with an event
/// value: `One` where the value equals it as a number, `Zero` elsewhere).
fn event_codes(array: &dyn Array, event_value: Option<&str>) -> Option<Vec<EventToken>> {
    let values = match array.as_boolean_opt() {
        Some(booleans) if booleans.null_count() == 0 => booleans.values().iter().map(f64::from).collect(),
        Some(_) => return None,
        None => numbers(array)?,
    };
    let code = |v: f64| match v {
        0.0 => Some(EventToken::Zero),
        1.0 => Some(EventToken::One),
        2.0 => Some(EventToken::Two),
        _ => None,
    };
    match event_value {
        None => values.into_iter().map(code).collect(),
        Some(wanted) => {
            let wanted: f64 = wanted.parse().ok()?;
            Some(
                values
                    .into_iter()
                    .map(|v| if v == wanted { EventToken::One } else { EventToken::Zero })
                    .collect(),
            )
        }
    }
}

/// The label codes of a column of strings, a dictionary of strings or integers, none missing.
fn label_codes(array: &dyn Array, labels: &mut Labels) -> Option<Vec<u32>> {
    if array.null_count() > 0 {
        return None;
    }
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        let values = dictionary.values();
        let text: Vec<Option<&str>> = match values.data_type() {
            DataType::Utf8 => values.as_string_opt::<i32>()?.iter().collect(),
            DataType::LargeUtf8 => values.as_string_opt::<i64>()?.iter().collect(),
            _ => return None,
        };
        let keys = dictionary.normalized_keys();
        let mut codes: Vec<Option<u32>> = vec![None; text.len()];
        return keys
            .into_iter()
            .map(|key| {
                let slot = codes.get_mut(key)?;
                if slot.is_none() {
                    *slot = Some(labels.code(present(text[key]?)?));
                }
                *slot
            })
            .collect();
    }
    let strings = |values: &mut dyn Iterator<Item = Option<&str>>, labels: &mut Labels| -> Option<Vec<u32>> {
        values.map(|v| Some(labels.code(present(v?)?))).collect()
    };
    match array.data_type() {
        DataType::Utf8 => strings(&mut array.as_string_opt::<i32>()?.iter(), labels),
        DataType::LargeUtf8 => strings(&mut array.as_string_opt::<i64>()?.iter(), labels),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            let values = arrow_cast_i64(array)?;
            let mut seen: HashMap<i64, u32, Fx> = HashMap::default();
            Some(
                values
                    .into_iter()
                    .map(|v| *seen.entry(v).or_insert_with(|| labels.code(&v.to_string())))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Signed integers as `i64`.
fn arrow_cast_i64(array: &dyn Array) -> Option<Vec<i64>> {
    fn widen<T: ArrowPrimitiveType>(array: &dyn Array) -> Option<Vec<i64>>
    where
        T::Native: Into<i64>,
    {
        Some(
            array
                .as_primitive_opt::<T>()?
                .values()
                .iter()
                .map(|&v| v.into())
                .collect(),
        )
    }
    match array.data_type() {
        DataType::Int8 => widen::<Int8Type>(array),
        DataType::Int16 => widen::<Int16Type>(array),
        DataType::Int32 => widen::<Int32Type>(array),
        DataType::Int64 => widen::<Int64Type>(array),
        _ => None,
    }
}
