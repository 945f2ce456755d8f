//! Aggregated counts as input: one row per (group, stratum, time) instead of one per participant.
//!
//! Kaplan–Meier, the log-rank family and RMST need only how many participants of each group
//! and stratum have an event, are censored, or enter at each time, so a table of counts,
//! which any SQL engine makes with one `GROUP BY`, gives exactly the results of the rows it
//! counts ([`crate::KaplanMeier::fit_counts`], [`crate::LogRank::test_counts`],
//! [`crate::Rmst::fit_counts`]).
//!
//! # Columns ([`CountColumns`]; the names are the defaults)
//! - `time`: the time, a finite number (≥ 0 on rows with events or censorings);
//! - `n_event`: participants with an event at `time` (rows with `event = 1`);
//! - `n_censor`: participants censored at `time`;
//! - `n_enter` (optional, delayed entry): participants entering at `time`, at risk from just
//!   after it, as a participant's row with entry time `time` (entry < t ≤ exit);
//! - `group`, `stratum` (optional): labels, ordered as [`crate::data`] orders them.
//!
//! Counts are whole numbers from 0 to 2^53 (written `3` or `3.0`). Rows with the same group,
//! stratum and time are summed (a `GROUP BY` over partitions may leave several); rows whose
//! counts are all 0 count nobody and are ignored (their labels make no level). Rows missing a
//! used value are dropped and reported, as participants' rows are. Times are tied by R's
//! `timefix` rule as the rows' times would be (the tie count counts participants' times).
//! With `n_enter`, every participant's entry is counted: in each group and stratum, those who
//! have left by any time t (events and censorings at times ≤ t) must have entered before t
//! (at times < t), and as many must enter as leave.
//!
//! # Formulas
//! With e_g(t), c_g(t), a_g(t) the events, censorings and entries of group g at time t, the
//! risk table (`crate::risk_set`) is
//! n_risk(g, t) = Σ_{u ≥ t} (e_g(u) + c_g(u)) − Σ_{u ≥ t} a_g(u), summed from the last time
//! backwards as for rows; the counts are whole numbers below 2^53, so every sum is exact and
//! the tables, and every result built on them, equal those of the rows bit for bit.
//!
//! # The GROUP BY
//! From a table `t` with one row per participant (`arm`, `stratum`, `time`, `event` 0/1):
//!
//! ```sql
//! SELECT arm AS "group", stratum, time,
//!        SUM(event) AS n_event, SUM(1 - event) AS n_censor
//! FROM t GROUP BY arm, stratum, time
//! ```
//!
//! (Spark SQL and DuckDB alike; with delayed entry, count the entries with a second
//! `GROUP BY arm, stratum, entry` and join or union the two on the time.)

use std::path::Path;

#[cfg(feature = "parquet")]
mod parquet;
pub(crate) mod tally;
#[cfg(feature = "parquet")]
pub(crate) use parquet::head as parquet_head;

use crate::data::{DataError, DroppedRows, Factor, LabelCollector, Rule, column_index};
use crate::risk_set::{Exits, Records, RiskTable};
use crate::table::{Column, RowLayout, Table};
use crate::timefix::timefix;

/// The largest count read: integers up to 2^53 are exact in `f64`.
pub(crate) const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// Which columns of a counts table to use; start from `CountColumns::default()` (`time`,
/// `n_event`, `n_censor`, no group, strata or entries).
#[derive(Debug, Clone, PartialEq)]
pub struct CountColumns {
    /// The time column.
    pub time: String,
    /// The column of events at each time.
    pub n_event: String,
    /// The column of censorings at each time.
    pub n_censor: String,
    /// The column of entries (delayed entry) at each time; `None` when everyone is at risk from
    /// the start.
    pub n_enter: Option<String>,
    /// The group (arm) label column.
    pub group: Option<String>,
    /// The stratum label column.
    pub strata: Option<String>,
    /// `(column, level)`: the level put first (the reference of every contrast).
    pub references: Vec<(String, String)>,
    /// Treat a missing value in a used column as an error instead of dropping the row.
    pub strict: bool,
}

impl Default for CountColumns {
    fn default() -> Self {
        CountColumns {
            time: "time".to_string(),
            n_event: "n_event".to_string(),
            n_censor: "n_censor".to_string(),
            n_enter: None,
            group: None,
            strata: None,
            references: Vec::new(),
            strict: false,
        }
    }
}

impl CountColumns {
    /// Names the time column.
    pub fn time(mut self, column: impl Into<String>) -> Self {
        self.time = column.into();
        self
    }
    /// Names the events column.
    pub fn n_event(mut self, column: impl Into<String>) -> Self {
        self.n_event = column.into();
        self
    }
    /// Names the censorings column.
    pub fn n_censor(mut self, column: impl Into<String>) -> Self {
        self.n_censor = column.into();
        self
    }
    /// Names the entries column (delayed entry).
    pub fn n_enter(mut self, column: impl Into<String>) -> Self {
        self.n_enter = Some(column.into());
        self
    }
    /// Names the group (arm) label column.
    pub fn group(mut self, column: impl Into<String>) -> Self {
        self.group = Some(column.into());
        self
    }
    /// Names the stratum label column.
    pub fn strata(mut self, column: impl Into<String>) -> Self {
        self.strata = Some(column.into());
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
}

/// Aggregated counts, validated: one row per distinct (group, stratum, time) with some count.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    source: String,
    time: Vec<f64>,
    n_event: Vec<f64>,
    n_censor: Vec<f64>,
    n_enter: Option<Vec<f64>>,
    group: Option<Factor>,
    strata: Option<Factor>,
    /// The first file line of each row (the header is line 1).
    lines: Vec<u64>,
    /// How messages name those rows (lines, or row groups and rows).
    layout: RowLayout,
    dropped: DroppedRows,
    times_tied_by_timefix: usize,
    /// The rows sorted by time.
    order: Vec<usize>,
}

/// One row as read, before rows are merged.
struct Read {
    line: u64,
    time: f64,
    counts: [f64; 3],
    labels: [Option<u32>; 2],
}

impl Counts {
    /// Reads a CSV file of counts with a header row.
    pub fn read_csv(path: impl AsRef<Path>, columns: &CountColumns) -> Result<Counts, DataError> {
        Counts::from_table(&Table::read_csv(path)?, columns)
    }

    /// Reads CSV text of counts already in memory; `source` names it in messages.
    pub fn from_csv_bytes(source: &str, bytes: &[u8], columns: &CountColumns) -> Result<Counts, DataError> {
        Counts::from_table(&Table::from_csv_bytes(source, bytes)?, columns)
    }

    /// The counts of a table: the columns `columns` names, rows missing one of them dropped
    /// (an error with `strict`), every value checked (see the module docs).
    pub fn from_table(table: &Table, columns: &CountColumns) -> Result<Counts, DataError> {
        let file = table.source().to_string();
        let names = table.names();
        let index = |name: &str| column_index(&file, &names, name).map(|i| &table.columns()[i]);
        let (time, n_event, n_censor) = (
            index(&columns.time)?,
            index(&columns.n_event)?,
            index(&columns.n_censor)?,
        );
        let n_enter = columns.n_enter.as_deref().map(index).transpose()?;
        let group = columns.group.as_deref().map(index).transpose()?;
        let strata = columns.strata.as_deref().map(index).transpose()?;
        for (column, _) in &columns.references {
            if columns.group.as_ref() != Some(column) && columns.strata.as_ref() != Some(column) {
                return Err(DataError::Invalid {
                    file,
                    message: format!(
                        "the reference level names column '{column}', which is not the group or strata column of these counts"
                    ),
                });
            }
        }
        let count_columns = [Some(n_event), Some(n_censor), n_enter];
        let used: Vec<&Column> = [Some(time), Some(n_event), Some(n_censor), n_enter, group, strata]
            .into_iter()
            .flatten()
            .collect();

        let mut dropped = DroppedRows::default();
        let mut labels = [LabelCollector::default(), LabelCollector::default()];
        let mut rows: Vec<Read> = Vec::new();
        for (row, &line) in table.lines().iter().enumerate() {
            let missing: Vec<&str> = used.iter().filter(|c| c.is_missing(row)).map(|c| c.name()).collect();
            if !missing.is_empty() {
                dropped.record(line, &missing);
                continue;
            }
            let invalid = |column: &Column, rule: Rule| DataError::InvalidValue {
                file: file.clone(),
                location: table.layout().locate(line),
                column: column.name().to_string(),
                value: column.text(row).unwrap_or_default().to_string(),
                rule,
            };
            let number = |column: &Column| match column.numbers() {
                Some(numbers) => Some(numbers[row]),
                None => column
                    .text(row)
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|v| v.is_finite()),
            };
            let t = number(time).ok_or_else(|| invalid(time, Rule::NotFinite))?;
            let mut counts = [0.0; 3];
            for (value, column) in counts.iter_mut().zip(count_columns) {
                if let Some(column) = column {
                    *value = number(column)
                        .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v <= MAX_COUNT)
                        .ok_or_else(|| invalid(column, Rule::NotCount))?;
                }
            }
            if counts[0] + counts[1] > 0.0 && t < 0.0 {
                return Err(invalid(time, Rule::NegativeTime));
            }
            if counts.iter().all(|c| *c == 0.0) {
                continue;
            }
            for (collector, column) in labels.iter_mut().zip([group, strata]) {
                if let Some(column) = column {
                    collector.push(column.text(row).unwrap_or_default());
                }
            }
            rows.push(Read {
                line,
                time: t + 0.0, // −0 is the time 0
                counts,
                labels: [None, None],
            });
        }
        if table.n_rows() == 0 {
            return Err(DataError::NoRows { file });
        }
        if columns.strict && dropped.count > 0 {
            return Err(DataError::Missing { file, dropped });
        }
        if rows.is_empty() && dropped.count == table.n_rows() {
            return Err(DataError::AllDropped { file, dropped });
        }
        if rows.is_empty() {
            return Err(DataError::Invalid {
                file,
                message: "every row counts nobody (its counts are all 0): nothing to analyse".to_string(),
            });
        }
        let reference_for = |name: &Option<String>| {
            columns
                .references
                .iter()
                .find(|(c, _)| Some(c) == name.as_ref())
                .map(|(_, l)| l.as_str())
        };
        let [group_labels, strata_labels] = labels;
        let factor = |collector: LabelCollector, name: &Option<String>| -> Result<Option<Factor>, DataError> {
            match name {
                Some(name_text) => collector.finish(name_text, reference_for(name), &file).map(Some),
                None => Ok(None),
            }
        };
        let group = factor(group_labels, &columns.group)?;
        let strata = factor(strata_labels, &columns.strata)?;
        // `finish` keeps one code per row pushed, in order: the codes of the kept rows
        for (k, row) in rows.iter_mut().enumerate() {
            row.labels = [group.as_ref().map(|f| f.codes[k]), strata.as_ref().map(|f| f.codes[k])];
        }
        let times_tied_by_timefix = tie_times(&mut rows);
        let rows = merge(rows);
        let counts = Counts {
            source: file,
            time: rows.iter().map(|r| r.time).collect(),
            n_event: rows.iter().map(|r| r.counts[0]).collect(),
            n_censor: rows.iter().map(|r| r.counts[1]).collect(),
            n_enter: n_enter.map(|_| rows.iter().map(|r| r.counts[2]).collect()),
            group: group.map(|f| Factor {
                codes: rows.iter().map(|r| r.labels[0].unwrap_or_default()).collect(),
                ..f
            }),
            strata: strata.map(|f| Factor {
                codes: rows.iter().map(|r| r.labels[1].unwrap_or_default()).collect(),
                ..f
            }),
            lines: rows.iter().map(|r| r.line).collect(),
            layout: table.layout().clone(),
            dropped,
            times_tied_by_timefix,
            order: Vec::new(),
        };
        counts.check_total()?;
        if counts.n_enter.is_some() {
            counts.check_entries(columns)?;
        }
        Ok(counts.sorted())
    }

    /// The number of participants counted (events and censorings).
    pub fn n_participants(&self) -> u64 {
        (0..self.time.len()).map(|i| self.exits(i) as u64).sum()
    }

    /// The number of rows after merging those with the same group, stratum and time and
    /// leaving out those counting nobody.
    pub fn n_rows(&self) -> usize {
        self.time.len()
    }

    /// The group labels, one code per row; `None` without a group column.
    pub fn group(&self) -> Option<&Factor> {
        self.group.as_ref()
    }

    /// The stratum labels, one code per row; `None` without a strata column.
    pub fn strata(&self) -> Option<&Factor> {
        self.strata.as_ref()
    }

    /// Rows left out because a used column was missing.
    pub fn dropped(&self) -> &DroppedRows {
        &self.dropped
    }

    /// Events and censorings of row `i`.
    fn exits(&self, i: usize) -> f64 {
        self.n_event[i] + self.n_censor[i]
    }

    fn entries(&self, i: usize) -> f64 {
        self.n_enter.as_ref().map_or(0.0, |e| e[i])
    }

    /// Refuses counts whose total is past the exact integers of `f64`.
    fn check_total(&self) -> Result<(), DataError> {
        let total: f64 = (0..self.time.len()).map(|i| self.exits(i) + self.entries(i)).sum();
        if total > MAX_COUNT {
            return Err(DataError::Invalid {
                file: self.source.clone(),
                message: format!("the counts add up to {total:e}, more than 2^53, past which they are not exact"),
            });
        }
        Ok(())
    }

    /// With entries: in each group and stratum (rows in time order), those who have left by t
    /// entered before t, and as many enter as leave.
    fn check_entries(&self, columns: &CountColumns) -> Result<(), DataError> {
        let cell = |i: usize| (self.code(&self.group, i), self.code(&self.strata, i));
        let (mut entered, mut exited) = (0.0, 0.0);
        for i in 0..self.time.len() {
            exited += self.exits(i);
            if exited > entered {
                return Err(DataError::InvalidValue {
                    file: self.source.clone(),
                    location: self.layout.locate(self.lines[i]),
                    column: columns.n_event.clone(),
                    value: self.n_event[i].to_string(),
                    rule: Rule::ExitsBeforeEntries {
                        exited: exited as u64,
                        entered: entered as u64,
                    },
                });
            }
            entered += self.entries(i);
            let last_of_cell = i + 1 == self.time.len() || cell(i + 1) != cell(i);
            if last_of_cell {
                if entered != exited {
                    let label = |factor: &Option<Factor>, what: &str| {
                        factor
                            .as_ref()
                            .map(|f| format!("{what} {}, ", f.label(i)))
                            .unwrap_or_default()
                    };
                    return Err(DataError::Invalid {
                        file: self.source.clone(),
                        message: format!(
                            "{}{}{} participants enter (column '{}') but {} leave (events and censorings): with entries, everyone's entry and exit are both counted",
                            label(&self.group, "group"),
                            label(&self.strata, "stratum"),
                            entered,
                            columns.n_enter.as_deref().unwrap_or_default(),
                            exited
                        ),
                    });
                }
                (entered, exited) = (0.0, 0.0);
            }
        }
        Ok(())
    }

    fn code(&self, factor: &Option<Factor>, i: usize) -> u32 {
        factor.as_ref().map_or(0, |f| f.codes[i])
    }

    /// Fills the time order.
    /// The rows of group levels `arm` and `reference` only, the group relevelled to
    /// (reference, arm): one comparison of [`crate::comparisons::count_pairs`]. `None`
    /// without a group column.
    pub(crate) fn relevelled_pair(&self, arm: usize, reference: usize) -> Option<Counts> {
        let group = self.group.as_ref()?;
        let rows: Vec<usize> = (0..self.time.len())
            .filter(|&i| matches!(group.codes[i] as usize, c if c == arm || c == reference))
            .collect();
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let pair = Counts {
            source: self.source.clone(),
            time: pick(&self.time),
            n_event: pick(&self.n_event),
            n_censor: pick(&self.n_censor),
            n_enter: self.n_enter.as_deref().map(pick),
            group: Some(group.relevelled_pair(arm, reference, &rows)),
            strata: self.strata.as_ref().map(|s| Factor {
                codes: rows.iter().map(|&i| s.codes[i]).collect(),
                ..s.clone()
            }),
            lines: rows.iter().map(|&i| self.lines[i]).collect(),
            layout: self.layout.clone(),
            dropped: self.dropped.clone(),
            times_tied_by_timefix: self.times_tied_by_timefix,
            order: Vec::new(),
        };
        Some(pair.sorted())
    }

    fn sorted(mut self) -> Counts {
        let mut order: Vec<usize> = (0..self.time.len()).collect();
        order.sort_by(|a, b| self.time[*a].total_cmp(&self.time[*b]).then(a.cmp(b)));
        self.order = order;
        self
    }
}

/// Ties times as R's `timefix` ties the rows' times; returns how many participants' times
/// (exits and entries) moved, as the rows would count them.
fn tie_times(rows: &mut [Read]) -> usize {
    let mut times: Vec<f64> = rows.iter().map(|r| r.time).collect();
    if timefix(&mut [times.as_mut_slice()]) == 0 {
        return 0;
    }
    let mut moved = 0.0;
    for (row, fixed) in rows.iter_mut().zip(times) {
        if row.time != fixed {
            moved += row.counts.iter().sum::<f64>();
            row.time = fixed;
        }
    }
    moved as usize
}

/// Sorts the rows by (group, stratum, time) and sums those with the same key, keeping the
/// first line.
fn merge(mut rows: Vec<Read>) -> Vec<Read> {
    let key = |r: &Read| (r.labels[0], r.labels[1]);
    rows.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then(a.time.total_cmp(&b.time))
            .then(a.line.cmp(&b.line))
    });
    let mut merged: Vec<Read> = Vec::with_capacity(rows.len());
    for row in rows {
        match merged.last_mut() {
            Some(last) if key(last) == key(&row) && last.time == row.time => {
                for (sum, c) in last.counts.iter_mut().zip(row.counts) {
                    *sum += c;
                }
            }
            _ => merged.push(row),
        }
    }
    merged
}

impl Records for Counts {
    fn source(&self) -> &str {
        &self.source
    }
    fn group(&self) -> Option<&Factor> {
        self.group.as_ref()
    }
    fn strata(&self) -> Option<&Factor> {
        self.strata.as_ref()
    }
    fn dropped(&self) -> &DroppedRows {
        &self.dropped
    }
    fn times_tied_by_timefix(&self) -> usize {
        self.times_tied_by_timefix
    }
    fn has_weights(&self) -> bool {
        false
    }
    fn has_fractional_weights(&self) -> bool {
        false
    }
    fn has_entry(&self) -> bool {
        self.n_enter.is_some()
    }
    fn has_events(&self) -> bool {
        self.n_event.iter().any(|d| *d > 0.0)
    }
    fn order_by_time(&self) -> &[usize] {
        &self.order
    }
    fn participants(&self, record: usize) -> usize {
        self.exits(record) as usize
    }
    fn entering_from(&self, record: usize, t: f64) -> usize {
        if self.time[record] >= t {
            self.entries(record) as usize
        } else {
            0
        }
    }
    fn risk_table(&self, records: &[usize], n_groups: usize, group_of: impl Fn(usize) -> usize) -> RiskTable {
        let exits: Vec<usize> = records.iter().copied().filter(|&i| self.exits(i) > 0.0).collect();
        let entries: Vec<usize> = records.iter().copied().filter(|&i| self.entries(i) > 0.0).collect();
        let exit = |k: usize| {
            let i = exits[k];
            Exits {
                time: self.time[i],
                group: group_of(i),
                events: self.n_event[i],
                censored: self.n_censor[i],
            }
        };
        let entry = |k: usize| {
            let i = entries[k];
            (self.time[i], group_of(i), self.entries(i))
        };
        RiskTable::tally(n_groups, exits.len(), exit, entries.len(), entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Columns, SurvData};

    fn read(csv: &str, columns: &CountColumns) -> Result<Counts, DataError> {
        Counts::from_csv_bytes("c.csv", csv.as_bytes(), columns)
    }

    /// Rows with the same key are summed, rows counting nobody leave no level, and the risk
    /// table is the rows' table.
    #[test]
    fn duplicate_rows_are_summed_and_empty_rows_ignored() {
        let csv = "g,time,n_event,n_censor\nb,2,1,0\na,1,1,0\nz,9,0,0\nb,2,0,2\na,3.0,0,1\na,1,1,0\n";
        let counts = read(csv, &CountColumns::default().group("g")).unwrap();
        assert_eq!(counts.n_rows(), 3);
        assert_eq!(counts.n_participants(), 6);
        assert_eq!(counts.group().unwrap().levels, ["a", "b"]);
        let rows = "g,t,s\na,1,1\na,1,1\na,3,0\nb,2,1\nb,2,0\nb,2,0\n";
        let data = SurvData::from_csv_bytes("r.csv", rows.as_bytes(), &Columns::new("t", "s").group("g")).unwrap();
        let (mine, theirs) = (counts.group().unwrap(), data.group.as_ref().unwrap());
        assert_eq!(
            counts.risk_table(counts.order_by_time(), 2, |i| mine.codes[i] as usize),
            RiskTable::build(&data, data.order_by_time(), 2, |i| theirs.codes[i] as usize)
        );
    }

    /// n_enter at e puts participants at risk from just after e, as entry times do.
    #[test]
    fn entries_give_the_delayed_entry_table() {
        let csv = "time,n_event,n_censor,n_enter\n0,0,0,2\n1,1,0,1\n2,0,1,0\n3,1,0,0\n";
        let counts = read(csv, &CountColumns::default().n_enter("n_enter")).unwrap();
        let rows = "entry,t,s\n0,1,1\n0,2,0\n1,3,1\n";
        let columns = Columns::new("t", "s").entry("entry");
        let data = SurvData::from_csv_bytes("r.csv", rows.as_bytes(), &columns).unwrap();
        let table = counts.risk_table(counts.order_by_time(), 1, |_| 0);
        assert_eq!(table.n_risk, [2.0, 2.0, 1.0]);
        assert_eq!(table, RiskTable::build(&data, data.order_by_time(), 1, |_| 0));
    }

    /// Those leaving by t must have entered before t, group by group, and as many enter as leave.
    #[test]
    fn entries_must_come_before_exits_and_balance() {
        let columns = CountColumns::default().n_enter("n_enter").group("g");
        // b's participant enters at 0 and leaves at 1; a's enters and leaves at 1
        let early = "g,time,n_event,n_censor,n_enter\nb,0,0,0,1\nb,1,1,0,0\na,1,1,0,1\n";
        let message = read(early, &columns).unwrap_err().to_string();
        assert!(
            message.contains("line 4") && message.contains("only 0 entered"),
            "{message}"
        );
        let unbalanced = "g,time,n_event,n_censor,n_enter\na,0,0,0,2\na,1,1,0,0\n";
        let message = read(unbalanced, &columns).unwrap_err().to_string();
        assert!(message.contains("group a, 2 participants enter"), "{message}");
    }

    /// Times within rounding noise are tied as the rows' would be, the tie count counting
    /// participants.
    #[test]
    fn timefix_ties_count_participants() {
        let csv = "time,n_event,n_censor\n1,1,0\n1.000000000001,2,1\n2,0,1\n";
        let counts = read(csv, &CountColumns::default()).unwrap();
        assert_eq!(counts.times_tied_by_timefix, 3);
        assert_eq!(counts.n_rows(), 2);
        assert_eq!(counts.n_event, [3.0, 0.0]);
    }

    /// Counts are whole numbers from 0 to 2^53; a negative time only on a row of entries.
    #[test]
    fn counts_must_be_whole_non_negative_numbers() {
        for bad in ["-1", "0.5", "1e300", "x"] {
            let csv = format!("time,n_event,n_censor\n1,{bad},0\n");
            let message = read(&csv, &CountColumns::default()).unwrap_err().to_string();
            assert!(
                message.contains("line 2, column 'n_event'") && message.contains("is not a count"),
                "{message}"
            );
        }
        let columns = CountColumns::default().n_enter("n_enter");
        assert!(read("time,n_event,n_censor,n_enter\n-1,0,0,1\n1,1,0,0\n", &columns).is_ok());
        let message = read("time,n_event,n_censor\n-1,1,0\n", &CountColumns::default())
            .unwrap_err()
            .to_string();
        assert!(message.contains("is negative"), "{message}");
    }

    /// A time written −0 is the time 0: merged with the 0s beside it.
    #[test]
    fn minus_zero_is_the_time_zero() {
        let counts = read(
            "time,n_event,n_censor\n-0,1,0\n0,0,2\n1,1,0\n",
            &CountColumns::default(),
        )
        .unwrap();
        assert_eq!(counts.n_rows(), 2);
        assert_eq!(counts.time[0].to_bits(), 0.0f64.to_bits());
    }

    /// Rows missing a value are dropped and reported (an error with `strict`).
    #[test]
    fn missing_values_drop_rows() {
        let csv = "time,n_event,n_censor\n1,1,0\n2,NA,1\n3,1,0\n";
        let counts = read(csv, &CountColumns::default()).unwrap();
        assert_eq!((counts.dropped().count, counts.dropped().lines.clone()), (1, vec![3]));
        assert!(matches!(
            read(csv, &CountColumns::default().strict(true)),
            Err(DataError::Missing { .. })
        ));
    }
}
