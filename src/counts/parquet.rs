//! Counts from a Parquet file of participants' rows in one streaming pass (cargo feature
//! `parquet`): [`Counts::stream_parquet`].
//!
//! Kaplan–Meier, Nelson–Aalen, the log-rank family and RMST need only the counts per
//! (group, stratum, time), and the Aalen–Johansen estimate the counts per cause
//! ([`crate::CompetingCounts::stream_parquet`]), so a file of 10⁸ rows need not be held in
//! memory. The row groups
//! are read in parallel, each in batches of [`BATCH_ROWS`] rows of the columns used (Parquet's
//! projection: the other columns are never decoded), and each batch is counted into a table
//! of (group, stratum, time, event code) → rows; the tables are merged in row-group order and
//! finished as a table of counts is ([`Counts::from_table`]).
//!
//! # Memory
//! At most `threads × BATCH_ROWS` rows of the used columns are decoded at once (with their
//! compressed column chunks), and the counts hold one entry per distinct (group, stratum, time,
//! event code) and, with delayed entry, per distinct (group, stratum, entry time), in each part
//! being merged (one per thread, and a few waiting to be merged): memory is bounded by the
//! number of distinct times, not of rows. An entry takes about 64 bytes with its hash table's
//! share: the days of a 10-year registry in 2 arms and 10 strata (3,650 × 2 × 10 × 2 codes =
//! 146,000 keys) take about 9 MB a part (10⁸ rows: 26–191 MB at peak, measured); 10⁶ distinct
//! times in the same arms and strata could take 2.6 GB a part.
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

use super::Counts;
use super::tally::{Labels, RandomKeys, Row, Tally, refuse_what_counts_lack};
use crate::data::{Columns, DataError, EventToken, column_index};
use crate::table::{RowLayout, Table, present};

/// Rows decoded at once by each thread.
pub(crate) const BATCH_ROWS: usize = 64 * 1024;

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
        let file = path.as_ref().display().to_string();
        refuse_what_counts_lack(&file, columns)?;
        let (tally, layout) = Tally::of_parquet(path.as_ref(), columns)?;
        tally.into_counts(&file, columns, layout)
    }
}

impl Tally {
    /// The rows of a Parquet file counted in one streaming pass, row groups in parallel;
    /// with the file's row layout (for messages).
    pub(crate) fn of_parquet(path: &Path, columns: &Columns) -> Result<(Tally, RowLayout), DataError> {
        let file = path.display().to_string();
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
        // rayon combines neighbouring parts in file order, so each merge adds a later part
        let total = (0..source.row_groups())
            .into_par_iter()
            .map(|group| source.tally(group, &used, columns))
            .try_reduce(Tally::default, |mut earlier, later| {
                earlier.absorb(later);
                Ok(earlier)
            })?;
        Ok((total, source.layout))
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
                // ColumnChunkMetaData::byte_range panics on negative values
                let start = column.dictionary_page_offset().unwrap_or(column.data_page_offset());
                let length = column.compressed_size();
                if start < 0 || length < 0 || start.checked_add(length).is_none_or(|end| end as u64 > size) {
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
        // only the decoding is guarded (a panic in the parquet crate on a corrupt file)
        let mut reader = crate::columnar::guarded(&self.file, "Parquet", || {
            let mask = ProjectionMask::roots(
                self.metadata.metadata().file_metadata().schema_descr(),
                used.iter().copied(),
            );
            ParquetRecordBatchReaderBuilder::new_with_metadata(handle.try_clone()?, self.metadata.clone())
                .with_row_groups(vec![group])
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
        })?
        .map_err(|e| invalid(e.to_string()))?;
        while let Some(batch) = crate::columnar::guarded(&self.file, "Parquet", || reader.next())? {
            let batch = batch.map_err(|e| invalid(e.to_string()))?;
            tally.count(&batch, line, columns, self);
            line += batch.num_rows() as u64;
        }
        Ok(tally)
    }
}

impl Tally {
    /// Counts one batch whose first row is `line`; after a refused value, only looks for an
    /// earlier refused cell of a column.
    fn count(&mut self, batch: &RecordBatch, line: u64, columns: &Columns, source: &Source) {
        self.rows += batch.num_rows() as u64;
        let failed = self.failed();
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
        self.count_rows(&table, 0..table.n_rows(), columns);
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
        let mut labels: [Option<Vec<u32>>; 3] = [None, None, None];
        // the status of a competing-risks read is its one factor column
        for (w, name) in [columns.group.as_ref(), columns.strata.as_ref(), columns.factors.first()]
            .into_iter()
            .enumerate()
        {
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
            let mut seen: HashMap<i64, u32, RandomKeys> = HashMap::default();
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
