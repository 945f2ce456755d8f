//! Composite endpoints: the time to the first of several events, and which event it was.
//!
//! A trial's composite outcome (HEALEY ALS: death or permanent assisted ventilation, PAV) is
//! recorded as one time column per component, empty when that event did not happen, and a
//! last follow-up (censoring) time. [`Composite::build`] turns them into one time and one
//! status per participant, keeping every column of the table:
//!
//! ```
//! use survkit::composite::{Composite, CompositeOptions};
//! use survkit::{CompetingData, Table};
//! let table = Table::from_csv_bytes(
//!     "als.csv",
//!     b"arm,death_time,pav_time,last_seen\n\
//!       a,10,,12\n\
//!       a,,4,9\n\
//!       b,,,15\n\
//!       b,7,7,7\n",
//! )?;
//! let options = CompositeOptions::new("last_seen")
//!     .component("death", "death_time")
//!     .component("pav", "pav_time");
//! let composite = Composite::build(&table, &options)?;
//! let status = composite.table().column("status").unwrap();
//! let statuses: Vec<_> = (0..4).map(|row| status.text(row).unwrap()).collect();
//! assert_eq!(statuses, ["death", "pav", "0", "death"]); // row 4: a tie, death is listed first
//! assert_eq!(composite.summary().ties.count, 1);
//! // the components stay apart: a competing-risks analysis reads the status as causes
//! let competing = CompetingData::from_table(composite.table(), &composite.columns().group("arm"), "0")?;
//! assert_eq!(competing.causes(), ["death", "pav"]);
//! # Ok::<(), survkit::DataError>(())
//! ```
//!
//! # Rule
//! With component times T₁, …, T_K in the order given (a missing value: that event did not
//! happen) and the censoring time C of a row,
//!
//! - time = min{T_k present}, status = the label of the component attaining it (the first in
//!   the order given when several do: a tie, counted and warned about), when any T_k is present;
//! - time = C, status = the censoring value (default `0`), when none is.
//!
//! An optional 0/1 event column is 1 exactly when a component happened. This is the
//! "time to first event" of a composite endpoint; the status is R's `factor(status)` of a
//! competing-risks `Surv(time, status)`, so `CompetingData` (and `survkit cif`, `finegray`)
//! read it with the same censoring value.
//!
//! # Refused and dropped rows
//! - A time that is not a finite number, or is negative, is an error naming the file, line,
//!   column and value, as everywhere in survkit.
//! - A component time after the row's censoring time is an error naming both columns: the
//!   last follow-up cannot come before an observed event. An event at the censoring time is
//!   allowed (the event ended follow-up).
//! - A row with no component and no censoring time has no follow-up: it is dropped, counted
//!   and listed ([`CompositeSummary::dropped_rows`]), as rows missing a used column are
//!   dropped elsewhere in survkit. A row with a component and no censoring time is kept (the
//!   event time is all it needs).

use serde::Serialize;

use crate::data::{
    Columns, DROPPED_LINES_SHOWN, DataError, DroppedRows, Location, Rule, column_index, matches_event_value,
};
use crate::table::{Column, Table, present};

/// One component of a composite endpoint: its label (its value in the status column) and the
/// column holding its time (missing when it did not happen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// The label written in the status column when this event came first.
    pub label: String,
    /// The column holding the time of this event.
    pub column: String,
}

/// What a composite is made of and how its columns are named.
///
/// Built with [`CompositeOptions::new`] and chained setters; [`Composite::build`] checks them
/// against the table once.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeOptions {
    components: Vec<Component>,
    censor_column: String,
    time_name: String,
    status_name: String,
    event_name: Option<String>,
    censor_value: String,
}

impl CompositeOptions {
    /// A composite censored at `censor_column` (the last follow-up time), with no component
    /// yet, output columns `time` and `status`, no event column, and censoring value `0`.
    pub fn new(censor_column: impl Into<String>) -> Self {
        CompositeOptions {
            components: Vec::new(),
            censor_column: censor_column.into(),
            time_name: "time".to_string(),
            status_name: "status".to_string(),
            event_name: None,
            censor_value: "0".to_string(),
        }
    }
    /// Adds a component: the event labelled `label`, timed by `column`. Components tied at
    /// the first time go to the one added first.
    pub fn component(mut self, label: impl Into<String>, column: impl Into<String>) -> Self {
        self.components.push(Component {
            label: label.into(),
            column: column.into(),
        });
        self
    }
    /// Names the output time column (default `time`).
    pub fn time_name(mut self, name: impl Into<String>) -> Self {
        self.time_name = name.into();
        self
    }
    /// Names the output status column (default `status`).
    pub fn status_name(mut self, name: impl Into<String>) -> Self {
        self.status_name = name.into();
        self
    }
    /// Adds a 0/1 column, so named, that is 1 when any component happened.
    pub fn event_name(mut self, name: impl Into<String>) -> Self {
        self.event_name = Some(name.into());
        self
    }
    /// The status of rows with no component (default `0`).
    pub fn censor_value(mut self, value: impl Into<String>) -> Self {
        self.censor_value = value.into();
        self
    }
    /// The components, in priority order.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// Refuses options that cannot make a readable composite of `table`.
    fn check(&self, table: &Table) -> Result<(), DataError> {
        let invalid = |message: String| DataError::Invalid {
            file: table.source().to_string(),
            message,
        };
        if self.components.is_empty() {
            return Err(invalid(
                "a composite endpoint needs at least one component event".into(),
            ));
        }
        let same = matches_event_value;
        if present(&self.censor_value) != Some(self.censor_value.as_str()) {
            return Err(invalid(format!(
                "the censoring value '{}' would read back as a missing value (or has surrounding spaces)",
                self.censor_value
            )));
        }
        for (k, component) in self.components.iter().enumerate() {
            if present(&component.label) != Some(component.label.as_str()) {
                return Err(invalid(format!(
                    "the component label '{}' would read back as a missing value (or has surrounding spaces)",
                    component.label
                )));
            }
            if same(&component.label, &self.censor_value) {
                return Err(invalid(format!(
                    "the component label '{}' is the censoring value; give the component another label or choose another censoring value",
                    component.label
                )));
            }
            if let Some(earlier) = self.components[..k].iter().find(|c| same(&c.label, &component.label)) {
                return Err(invalid(format!(
                    "the components '{}' ({}) and '{}' ({}) have the same label",
                    earlier.label, earlier.column, component.label, component.column
                )));
            }
            if let Some(earlier) = self.components[..k].iter().find(|c| c.column == component.column) {
                return Err(invalid(format!(
                    "column '{}' times two components ('{}' and '{}')",
                    component.column, earlier.label, component.label
                )));
            }
            if component.column == self.censor_column {
                return Err(invalid(format!(
                    "column '{}' is both the time of component '{}' and the censoring time",
                    component.column, component.label
                )));
            }
        }
        let names = self.output_names();
        for (k, name) in names.iter().enumerate() {
            if name.is_empty() || name.trim() != *name {
                return Err(invalid(format!(
                    "the output column name '{name}' is empty or has surrounding spaces"
                )));
            }
            if names[..k].contains(name) {
                return Err(invalid(format!("two output columns are both named '{name}'")));
            }
            if table.column(name).is_some() {
                return Err(invalid(format!(
                    "the table already has a column '{name}'; name the composite's column otherwise"
                )));
            }
        }
        Ok(())
    }

    /// The names of the columns the composite adds, in the order added.
    fn output_names(&self) -> Vec<&str> {
        let mut names = vec![self.time_name.as_str(), self.status_name.as_str()];
        names.extend(self.event_name.as_deref());
        names
    }
}

/// How many rows had each component as their first event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentCount {
    /// The component's label.
    pub label: String,
    /// The component's time column.
    pub column: String,
    /// Rows whose first event was this component.
    pub first_events: usize,
}

/// Rows where two or more components happened at the first event time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CompositeTies {
    /// How many rows.
    pub count: usize,
    /// The first few of them, as line numbers of the file (the header is line 1).
    pub lines: Vec<u64>,
}

/// What a composite was built from and what it holds: rows read, first events of each
/// component, censored, dropped, ties.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompositeSummary {
    /// Where the data came from.
    pub source: String,
    /// Each component, in priority order, with how many rows it was the first event of.
    pub components: Vec<ComponentCount>,
    /// The censoring (last follow-up) time column.
    pub censor_column: String,
    /// The status of censored rows.
    pub censor_value: String,
    /// The output time column.
    pub time_column: String,
    /// The output status column.
    pub status_column: String,
    /// The output 0/1 event column, when asked for.
    pub event_column: Option<String>,
    /// Rows read.
    pub n_rows: usize,
    /// Rows in the composite (read minus dropped).
    pub n_kept: usize,
    /// Kept rows with a component (the sum of the components' first events).
    pub n_events: usize,
    /// Kept rows with no component, censored at their censoring time.
    pub n_censored: usize,
    /// Rows with neither a component nor a censoring time.
    pub dropped_rows: DroppedRows,
    /// Rows whose first event time two or more components share.
    pub ties: CompositeTies,
    /// What a reader should know (ties), also shown in every output format.
    pub warnings: Vec<String>,
}

/// A composite endpoint built from a table: every column of the table plus the time, status
/// (and optionally 0/1 event) columns, and a summary of the counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    table: Table,
    summary: CompositeSummary,
}

/// The outcome of one row.
enum Outcome<'a> {
    /// Component `k` came first at the time written `time`; `tied` when another shared it.
    Event { k: usize, time: &'a str, tied: bool },
    /// No component; censored at the time written `time`.
    Censored { time: &'a str },
    /// Neither a component nor a censoring time.
    NoFollowUp,
}

impl Composite {
    /// Builds the composite of `table` as the [module docs](self) say. Errors name the file,
    /// line, column and value (a negative or non-numeric time, an event after the censoring
    /// time), or the option at fault; rows without follow-up are dropped and counted.
    pub fn build(table: &Table, options: &CompositeOptions) -> Result<Composite, DataError> {
        options.check(table)?;
        let file = table.source();
        let components: Vec<&Column> = options
            .components
            .iter()
            .map(|c| unique_column(table, &c.column))
            .collect::<Result<_, _>>()?;
        let censor = unique_column(table, &options.censor_column)?;
        if table.n_rows() == 0 {
            return Err(DataError::NoRows { file: file.to_string() });
        }

        let mut kept: Vec<usize> = Vec::new();
        let mut times: Vec<Option<&str>> = Vec::new();
        let mut statuses: Vec<Option<&str>> = Vec::new();
        let mut events: Vec<f64> = Vec::new();
        let mut first_events = vec![0usize; components.len()];
        let mut n_censored = 0;
        let layout = table.layout();
        let mut dropped = DroppedRows::of(layout);
        let mut ties = CompositeTies::default();
        for (row, &line) in table.lines().iter().enumerate() {
            match row_outcome(file, layout.locate(line), row, &components, censor)? {
                Outcome::Event { k, time, tied } => {
                    if tied {
                        ties.count += 1;
                        if ties.lines.len() < DROPPED_LINES_SHOWN {
                            ties.lines.push(line);
                        }
                    }
                    first_events[k] += 1;
                    times.push(Some(time));
                    statuses.push(Some(options.components[k].label.as_str()));
                    events.push(1.0);
                }
                Outcome::Censored { time } => {
                    n_censored += 1;
                    times.push(Some(time));
                    statuses.push(Some(options.censor_value.as_str()));
                    events.push(0.0);
                }
                Outcome::NoFollowUp => {
                    dropped.record(line, &[options.censor_column.as_str()]);
                    continue;
                }
            }
            kept.push(row);
        }
        if kept.is_empty() {
            return Err(DataError::AllDropped {
                file: file.to_string(),
                dropped,
            });
        }

        let mut columns: Vec<Column> = table.columns().iter().map(|c| c.select_rows(&kept)).collect();
        columns.push(Column::labels(options.time_name.as_str(), times));
        columns.push(Column::labels(options.status_name.as_str(), statuses));
        if let Some(name) = &options.event_name {
            columns.push(Column::numeric(name.as_str(), events));
        }
        let lines = kept.iter().filter_map(|&row| table.lines().get(row).copied()).collect();
        let mut warnings = Vec::new();
        if ties.count > 0 {
            let labels: Vec<&str> = options.components.iter().map(|c| c.label.as_str()).collect();
            warnings.push(format!(
                "{} {} two or more components at the first event time ({}); the component listed first was taken (priority: {})",
                ties.count,
                if ties.count == 1 { "row has" } else { "rows have" },
                layout.describe(&ties.lines, ties.count > ties.lines.len()),
                labels.join(" > "),
            ));
        }
        let summary = CompositeSummary {
            source: file.to_string(),
            components: options
                .components
                .iter()
                .zip(first_events)
                .map(|(c, first_events)| ComponentCount {
                    label: c.label.clone(),
                    column: c.column.clone(),
                    first_events,
                })
                .collect(),
            censor_column: options.censor_column.clone(),
            censor_value: options.censor_value.clone(),
            time_column: options.time_name.clone(),
            status_column: options.status_name.clone(),
            event_column: options.event_name.clone(),
            n_rows: table.n_rows(),
            n_kept: kept.len(),
            n_events: kept.len() - n_censored,
            n_censored,
            dropped_rows: dropped,
            ties,
            warnings,
        };
        Ok(Composite {
            table: Table::with_lines(file.to_string(), columns, lines, layout.clone()),
            summary,
        })
    }

    /// The composite: the table's columns (rows without follow-up left out), then the time,
    /// status and (when asked for) event columns. Its rows keep their lines in the file read.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The composite table, taken out.
    pub fn into_table(self) -> Table {
        self.table
    }

    /// The counts: first events of each component, censored, dropped, ties.
    pub fn summary(&self) -> &CompositeSummary {
        &self.summary
    }

    /// The columns a competing-risks analysis of the composite reads: time and status (read
    /// with the summary's censoring value by [`crate::CompetingData::from_table`]).
    pub fn columns(&self) -> Columns {
        Columns::new(&self.summary.time_column, &self.summary.status_column)
    }
}

/// The column called `name`, refused when the header has none or several.
fn unique_column<'a>(table: &'a Table, name: &str) -> Result<&'a Column, DataError> {
    let index = column_index(table.source(), &table.names(), name)?;
    table.columns().get(index).ok_or_else(|| DataError::UnknownColumn {
        file: table.source().to_string(),
        column: name.to_string(),
        available: table.names(),
    })
}

/// The time in `row` of `column` with its text: `None` when missing; an error when it is not
/// a finite number or is negative.
fn time_value<'a>(
    file: &str,
    location: Location,
    row: usize,
    column: &'a Column,
) -> Result<Option<(f64, &'a str)>, DataError> {
    let Some(text) = column.text(row) else {
        return Ok(None);
    };
    let refuse = |rule: Rule| DataError::InvalidValue {
        file: file.to_string(),
        location,
        column: column.name().to_string(),
        value: text.to_string(),
        rule,
    };
    let value = match column.numbers().and_then(|numbers| numbers.get(row)) {
        Some(&value) => value,
        None => text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| refuse(Rule::NotFinite))?,
    };
    if value < 0.0 {
        return Err(refuse(Rule::NegativeTime));
    }
    Ok(Some((value, text)))
}

/// The first component of a row (or its censoring), checking every time of the row.
fn row_outcome<'a>(
    file: &str,
    location: Location,
    row: usize,
    components: &[&'a Column],
    censor: &'a Column,
) -> Result<Outcome<'a>, DataError> {
    let mut first: Option<(usize, f64, &'a str)> = None;
    let mut tied = false;
    let mut present = Vec::with_capacity(components.len());
    for (k, column) in components.iter().enumerate() {
        let Some((time, text)) = time_value(file, location, row, column)? else {
            continue;
        };
        present.push((column, time, text));
        match first {
            Some((_, best, _)) if time == best => tied = true,
            Some((_, best, _)) if time > best => {}
            _ => {
                first = Some((k, time, text));
                tied = false;
            }
        }
    }
    let censoring = time_value(file, location, row, censor)?;
    if let Some((censor_time, censor_text)) = censoring
        && let Some((column, _, text)) = present.iter().find(|(_, time, _)| *time > censor_time)
    {
        return Err(DataError::InvalidValue {
            file: file.to_string(),
            location,
            column: column.name().to_string(),
            value: text.to_string(),
            rule: Rule::EventAfterCensoring {
                censor: censor_text.into(),
                censor_column: censor.name().into(),
            },
        });
    }
    Ok(match (first, censoring) {
        (Some((k, _, time)), _) => Outcome::Event { k, time, tied },
        (None, Some((_, time))) => Outcome::Censored { time },
        (None, None) => Outcome::NoFollowUp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> CompositeOptions {
        CompositeOptions::new("last")
            .component("death", "d")
            .component("pav", "p")
    }

    #[test]
    fn options_are_checked_against_the_table() {
        let table = Table::from_csv_bytes("x.csv", b"d,p,last,time\n1,2,3,4\n").unwrap();
        let message = |options: CompositeOptions| Composite::build(&table, &options).unwrap_err().to_string();
        assert_eq!(
            message(CompositeOptions::new("last")),
            "x.csv: a composite endpoint needs at least one component event"
        );
        assert!(message(options()).contains("already has a column 'time'"));
        let options = options().time_name("t");
        assert!(message(options.clone().component("0", "time")).contains("is the censoring value"));
        assert!(message(options.clone().component("death", "time")).contains("have the same label"));
        assert!(message(options.clone().component("x", "d")).contains("times two components"));
        assert!(message(options.clone().component("x", "last")).contains("both the time of component"));
        assert!(message(options.clone().component("NA", "time")).contains("missing value"));
        assert!(message(options.clone().status_name("t")).contains("both named 't'"));
        assert!(message(options.clone().component("x", "nope")).contains("no column named 'nope'"));
        assert!(Composite::build(&table, &options).is_ok());
    }

    #[test]
    fn tied_components_go_to_the_first_listed_and_a_later_smaller_time_clears_the_tie() {
        // d = p = 5 is a tie at the first time; in the second row p's 5 ties d's 9 only
        // after the first time moved, so there is no tie at the first time (3, a third
        // component)
        let table = Table::from_csv_bytes("x.csv", b"d,p,q,last\n5,5,,9\n9,9,3,9\n").unwrap();
        let composite = Composite::build(&table, &options().component("q", "q")).unwrap();
        let status = composite.table().column("status").unwrap();
        assert_eq!((status.text(0), status.text(1)), (Some("death"), Some("q")));
        assert_eq!(composite.summary().ties.lines, [2]);
    }
}
