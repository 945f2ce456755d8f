//! Participants' rows counted per (group, stratum, time, event code) (and, for competing
//! risks, status label), part by part, under the
//! rules of [`crate::data`]: what [`Counts::from_rows`] and [`Counts::stream_parquet`] merge
//! (see the latter's module for the rules decided after the pass).

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use super::{CountColumns, Counts};
use crate::data::{Columns, DataError, DroppedRows, EventToken, Mixing, Rule, read_rows};
use crate::table::{Column, RowLayout, Table};

/// Rows counted at once by each thread.
pub(crate) const PART_ROWS: usize = 64 * 1024;

/// The hash tables' hasher: aHash with keys drawn at random for each table, fast on the
/// millions of rows counted and not open to a file crafted to collide (the counts do not depend
/// on the tables' order).
pub(super) type RandomKeys = ahash::RandomState;

/// ([group, stratum, status] labels, time bits, event code) of the rows leaving at a time
/// (the status label: competing risks' causes; 0 otherwise).
type ExitKey = ([u32; 3], u64, EventToken);
/// (group label, stratum label, time bits) of the rows entering at a time.
type EntryKey = (u32, u32, u64);
/// A row of the counts table: (group label, stratum label, time, [events, censorings, entries]).
type CountRow = (u32, u32, f64, [f64; 3]);

impl Counts {
    /// The counts of the participants' rows of a table, counted in parallel parts of
    /// 65,536 rows: the results, dropped rows and errors of reading the rows
    /// ([`crate::SurvData::from_table`]) and counting them, in less time and memory for a
    /// count-based estimator. `columns` as for [`Counts::stream_parquet`].
    pub fn from_rows(table: &Table, columns: &Columns) -> Result<Counts, DataError> {
        refuse_what_counts_lack(table.source(), columns)?;
        Tally::of_rows(table, columns)?.into_counts(table.source(), columns, table.layout().clone())
    }
}

impl Tally {
    /// The rows of a table counted in parallel parts of [`PART_ROWS`] rows.
    pub(crate) fn of_rows(table: &Table, columns: &Columns) -> Result<Tally, DataError> {
        // the columns' names checked once (each part would refuse them alike)
        read_rows(table, columns, Mixing::Allowed, 0..0)?;
        let n = table.n_rows();
        Ok((0..n.div_ceil(PART_ROWS))
            .into_par_iter()
            .map(|part| {
                let rows = part * PART_ROWS..((part + 1) * PART_ROWS).min(n);
                let mut tally = Tally {
                    rows: rows.len() as u64,
                    ..Tally::default()
                };
                tally.count_rows(table, rows, columns);
                tally
            })
            .reduce(Tally::default, |mut earlier, later| {
                earlier.absorb(later);
                earlier
            }))
    }
}

/// Refuses the columns that counts cannot carry.
pub(super) fn refuse_what_counts_lack(file: &str, columns: &Columns) -> Result<(), DataError> {
    match crate::model::counts_suffice(columns) {
        true => Ok(()),
        false => Err(DataError::Invalid {
            file: file.to_string(),
            message: "counts carry no case weights, clusters, regimens or covariates: read the rows instead"
                .to_string(),
        }),
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

/// The rows of one or more batches, counted.
#[derive(Default)]
pub(crate) struct Tally {
    /// Group, stratum and status labels met, in order, and their codes.
    pub(super) labels: [Labels; 3],
    pub(super) exits: HashMap<ExitKey, u64, RandomKeys>,
    pub(super) entries: HashMap<EntryKey, u64, RandomKeys>,
    /// The first row (line and text) of each event code, indexed by the code.
    pub(super) first_code: [Option<(u64, String)>; 5],
    /// The first row whose entry is not before its exit: (line, entry, exit).
    pub(super) entry_not_before_exit: Option<(u64, f64, f64)>,
    pub(super) dropped: Option<DroppedRows>,
    pub(super) rows: u64,
    pub(super) kept: u64,
    /// The first refused cell of a used column (a whole table's columns are read before its
    /// rows, in the file's column order): (column, line, error).
    pub(super) column_error: Option<(usize, u64, DataError)>,
    /// The first row breaking a rule: (line, error).
    pub(super) row_error: Option<(u64, DataError)>,
}

#[derive(Default)]
pub(super) struct Labels {
    pub(super) text: Vec<String>,
    code: HashMap<String, u32, RandomKeys>,
}

impl Labels {
    pub(super) fn code(&mut self, label: &str) -> u32 {
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
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) time: f64,
    pub(super) entry: Option<f64>,
    pub(super) code: EventToken,
    pub(super) labels: [u32; 3],
}

impl Tally {
    pub(super) fn add(&mut self, row: Row, code_text: impl FnOnce() -> String) {
        let time = row.time + 0.0; // −0 and 0 are one time
        *self.exits.entry((row.labels, time.to_bits(), row.code)).or_insert(0) += 1;
        if let Some(entry) = row.entry {
            *self
                .entries
                .entry((row.labels[0], row.labels[1], (entry + 0.0).to_bits()))
                .or_insert(0) += 1;
            if entry >= row.time && self.entry_not_before_exit.is_none() {
                self.entry_not_before_exit = Some((row.line, entry, row.time));
            }
        }
        let first = &mut self.first_code[row.code as usize];
        if first.is_none() {
            *first = Some((row.line, code_text()));
        }
        self.kept += 1;
    }

    /// Whether a refused value has been met (the counts then only look for an earlier one).
    pub(super) fn failed(&self) -> bool {
        self.column_error.is_some() || self.row_error.is_some()
    }

    /// Counts rows `rows` of `table`; a row breaking a rule is kept as the error, the rows
    /// before it still counted (one may be an earlier row of mixed event codes).
    pub(super) fn count_rows(&mut self, table: &Table, rows: Range<usize>, columns: &Columns) {
        if self.failed() {
            return;
        }
        if let Err(error) = self.count_table(table, rows.clone(), columns) {
            let lines = &table.lines()[rows.clone()];
            let at = match &error {
                DataError::InvalidValue { location, .. } => table.layout().line_of(*location),
                _ => None,
            }
            .or(lines.first().copied())
            .unwrap_or(0);
            let before = rows.start + lines.partition_point(|&l| l < at);
            let _ = self.count_table(table, rows.start..before, columns);
            self.row_error = Some((at, error));
        }
    }

    /// Counts rows `rows` of `table` under the rules of [`read_rows`].
    fn count_table(&mut self, table: &Table, rows: Range<usize>, columns: &Columns) -> Result<(), DataError> {
        let read = read_rows(table, columns, Mixing::Allowed, rows)?;
        let event = table.column(&columns.event);
        let labels = [read.labels(0), read.labels(1), read.labels(2)];
        let codes: [Vec<u32>; 3] = std::array::from_fn(|w| labels[w].iter().map(|l| self.labels[w].code(l)).collect());
        for k in 0..read.lines.len() {
            let values = read.row(k);
            let row = Row {
                line: read.lines[k],
                time: values.time,
                entry: values.entry,
                code: values.token,
                labels: std::array::from_fn(|w| values.labels[w].map_or(0, |c| codes[w][c as usize])),
            };
            let text = || event.and_then(|c| c.text(read.rows[k])).unwrap_or_default().to_string();
            self.add(row, text);
        }
        self.merge_dropped(read.dropped);
        Ok(())
    }

    pub(super) fn merge_dropped(&mut self, dropped: DroppedRows) {
        match &mut self.dropped {
            None => self.dropped = Some(dropped),
            Some(total) => total.append(dropped),
        }
    }

    /// Adds the counts of a later part of the file.
    pub(super) fn absorb(&mut self, other: Tally) {
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
        let remap: [Vec<u32>; 3] =
            std::array::from_fn(|w| other.labels[w].text.iter().map(|l| self.labels[w].code(l)).collect());
        let code = |w: usize, c: u32| remap[w].get(c as usize).copied().unwrap_or(c);
        for ((labels, t, e), n) in other.exits {
            let labels = std::array::from_fn(|w| code(w, labels[w]));
            *self.exits.entry((labels, t, e)).or_insert(0) += n;
        }
        for ((g, s, t), n) in other.entries {
            *self.entries.entry((code(0, g), code(1, s), t)).or_insert(0) += n;
        }
        for (mine, theirs) in self.first_code.iter_mut().zip(other.first_code) {
            if let Some(theirs) = theirs
                && mine.as_ref().is_none_or(|m| theirs.0 < m.0)
            {
                *mine = Some(theirs);
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

    /// The counts of every part, merged, after [`Tally::check`].
    pub(super) fn into_counts(mut self, file: &str, columns: &Columns, layout: RowLayout) -> Result<Counts, DataError> {
        let dropped = self.check(file, columns, &layout)?;
        self.finish(file, columns, dropped)
    }

    /// The participants of a competing-risks read (the status as the one factor column of
    /// `columns`), after [`Tally::check`]: a table of (time, status, group, stratum) rows with
    /// the number of participants of each in a column whose name is returned; and the rows
    /// dropped.
    pub(crate) fn into_status_table(
        mut self,
        file: &str,
        columns: &Columns,
        layout: RowLayout,
    ) -> Result<(Table, String, DroppedRows), DataError> {
        let dropped = self.check(file, columns, &layout)?;
        let mut rows: Vec<([u32; 3], f64, f64)> = self
            .exits
            .into_iter()
            .map(|((labels, t, _), n)| (labels, f64::from_bits(t), n as f64))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let count = CountNames::for_columns(columns).n_event;
        let mut table_columns = vec![
            Column::numeric(columns.time.clone(), rows.iter().map(|r| r.1).collect()),
            Column::numeric(count.clone(), rows.iter().map(|r| r.2).collect()),
        ];
        // the labels' slots: 0 the group, 1 the stratum, 2 the status
        for (name, slot) in [
            (Some(&columns.event), 2),
            (columns.group.as_ref(), 0),
            (columns.strata.as_ref(), 1),
        ] {
            if let Some(name) = name {
                let text = &self.labels[slot].text;
                let labels = rows.iter().map(|r| Some(text[r.0[slot] as usize].as_str())).collect();
                table_columns.push(Column::labels(name.clone(), labels));
            }
        }
        Ok((Table::from_columns(file.to_string(), table_columns)?, count, dropped))
    }

    /// The error reading the whole file would give, if any: the first refused cell of a
    /// column, else the first row breaking a rule (or mixing event codes), else the checks of
    /// the whole column (see the module docs); the rows dropped otherwise.
    fn check(&mut self, file: &str, columns: &Columns, layout: &RowLayout) -> Result<DroppedRows, DataError> {
        // as a whole table is read: its columns' cells first, then its rows in order
        if let Some((_, _, error)) = self.column_error.take() {
            return Err(error);
        }
        let refusal = self.mixed_codes(file, &columns.event, layout);
        if let Some(error) = pick_first(self.row_error.take(), refusal) {
            return Err(error);
        }
        let file = file.to_string();
        let dropped = self.dropped.take().unwrap_or_else(|| DroppedRows::of(layout));
        if self.rows == 0 {
            return Err(DataError::NoRows { file });
        }
        if columns.strict && dropped.count > 0 {
            return Err(DataError::Missing { file, dropped });
        }
        if self.kept == 0 {
            return Err(DataError::AllDropped { file, dropped });
        }
        if self.two_coding(columns)
            && let Some((line, _)) = &self.first_code[EventToken::Zero as usize]
        {
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
        Ok(dropped)
    }

    /// Whether the event codes are R's 1/2 coding (a 2 met, no event value given).
    fn two_coding(&self, columns: &Columns) -> bool {
        columns.event_value.is_none() && self.first_code[EventToken::Two as usize].is_some()
    }

    /// TRUE/FALSE mixed with numbers: the first row whose kind differs from the first row's.
    fn mixed_codes(&self, file: &str, column: &str, layout: &RowLayout) -> Option<(u64, DataError)> {
        // the codes in EventToken's order: Zero, One, Two are numbers, False, True logical
        let logical = |code: usize| code >= EventToken::False as usize;
        let seen = || {
            self.first_code
                .iter()
                .enumerate()
                .filter_map(|(c, f)| Some((c, f.as_ref()?)))
        };
        let (first, _) = seen().min_by_key(|(_, (line, _))| *line)?;
        let (_, (line, text)) = seen()
            .filter(|(c, _)| logical(*c) != logical(first))
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

    /// The counts, after [`Tally::check`].
    fn finish(self, file: &str, columns: &Columns, dropped: DroppedRows) -> Result<Counts, DataError> {
        let file = file.to_string();
        let two_coding = self.two_coding(columns);
        let is_event = |t: EventToken| match two_coding {
            true => t == EventToken::Two,
            false => matches!(t, EventToken::One | EventToken::True),
        };
        // one row per key of the counts table, then read as any counts table is
        let mut rows: Vec<CountRow> = Vec::with_capacity(self.exits.len() + self.entries.len());
        for (([g, s, _], t, e), n) in self.exits {
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
        let [group_labels, strata_labels, _] = &self.labels;
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
        let taken = [
            Some(&columns.time),
            Some(&columns.event),
            columns.group.as_ref(),
            columns.strata.as_ref(),
        ];
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
