//! Competing-risks data: a status column with a censoring value and one or more causes.
//!
//! As R's `Surv(time, factor(status))`: the status is read as labels ordered as R's
//! `factor()` orders them; the censoring value (default `0`) marks censored rows and every
//! other level is a cause. The underlying [`SurvData`] keeps `event = true` for a failure from
//! any cause, so every single-event estimator (Kaplan–Meier of the event-free time, Cox) runs
//! on it unchanged.

use std::path::Path;

use crate::data::{Columns, Covariate, DataError, Factor, SurvData};
use crate::table::Table;

/// Survival data whose event column holds a cause of failure.
#[derive(Debug, Clone)]
pub struct CompetingData {
    data: SurvData,
    /// 0 for a censored row, k ≥ 1 for a failure from cause `causes[k - 1]`.
    cause: Vec<u32>,
    causes: Vec<String>,
    status_column: String,
    censor_value: String,
}

impl CompetingData {
    /// Builds competing-risks data from single-event data and a cause per row (0 =
    /// censored, k = `causes[k − 1]`); `data.event` is reset to "failed from any cause".
    pub fn new(mut data: SurvData, cause: Vec<u32>, causes: Vec<String>) -> Result<CompetingData, DataError> {
        let invalid = |message: String| DataError::Invalid {
            file: data.source.clone(),
            message,
        };
        if cause.len() != data.n_rows() {
            return Err(invalid(format!(
                "{} causes given for {} rows",
                cause.len(),
                data.n_rows()
            )));
        }
        if causes.is_empty() {
            return Err(invalid("no cause of failure is named".to_string()));
        }
        if let Some(&k) = cause.iter().find(|&&k| k as usize > causes.len()) {
            return Err(invalid(format!("cause code {k} but only {} causes", causes.len())));
        }
        data.event = cause.iter().map(|&k| k > 0).collect();
        Ok(CompetingData {
            data,
            cause,
            causes,
            status_column: String::new(),
            censor_value: "0".to_string(),
        })
    }

    /// Reads a CSV file whose event column (`columns.event`) is a status: rows equal to
    /// `censor_value` (as text or as number) are censored, every other value is a cause.
    /// `columns.event_value` is ignored.
    pub fn read_csv(path: impl AsRef<Path>, columns: &Columns, censor_value: &str) -> Result<CompetingData, DataError> {
        Self::from_table(&Table::read_csv(path)?, columns, censor_value)
    }

    /// As [`CompetingData::read_csv`], from a file in the format its extension names
    /// (Parquet, Arrow IPC or CSV, as [`Table::read`] reads it).
    pub fn read(path: impl AsRef<Path>, columns: &Columns, censor_value: &str) -> Result<CompetingData, DataError> {
        Self::from_table(&Table::read(path)?, columns, censor_value)
    }

    /// As [`CompetingData::read_csv`], from a table in memory.
    pub fn from_table(table: &Table, columns: &Columns, censor_value: &str) -> Result<CompetingData, DataError> {
        let read = status_columns(table.source(), columns, censor_value)?;
        Self::split_status(SurvData::from_table(table, &read)?, &columns.event, censor_value)
    }

    /// As [`CompetingData::read_csv`], from CSV text in memory; `source` names it in messages.
    pub fn from_csv_bytes(
        source: &str,
        bytes: &[u8],
        columns: &Columns,
        censor_value: &str,
    ) -> Result<CompetingData, DataError> {
        Self::from_table(&Table::from_csv_bytes(source, bytes)?, columns, censor_value)
    }

    /// Takes the status labels back out of data read with [`status_columns`].
    fn split_status(mut data: SurvData, status: &str, censor_value: &str) -> Result<CompetingData, DataError> {
        let not_read = |what: &str| DataError::Invalid {
            file: data.source.clone(),
            message: format!("the status column '{status}' was not read {what}"),
        };
        let position = data
            .covariates
            .iter()
            .position(|c| matches!(c, Covariate::Factor(f) if f.name == status))
            .ok_or_else(|| not_read("as labels"))?;
        let Covariate::Factor(labels) = data.covariates.remove(position) else {
            return Err(not_read("as labels"));
        };
        let censored = std::mem::take(&mut data.event);
        let (cause, causes) = causes_from_labels(&labels, &censored);
        if causes.is_empty() {
            return Err(DataError::Invalid {
                file: data.source.clone(),
                message: format!(
                    "column '{status}' holds only the censoring value '{censor_value}': there is no cause of failure"
                ),
            });
        }
        let mut competing = CompetingData::new(data, cause, causes)?;
        competing.status_column = status.to_string();
        competing.censor_value = censor_value.to_string();
        Ok(competing)
    }

    /// The data, with `event` = failed from any cause.
    pub fn data(&self) -> &SurvData {
        &self.data
    }

    /// The cause of row `i`: 0 censored, k ≥ 1 the k-th cause.
    pub fn cause_of(&self, i: usize) -> u32 {
        self.cause[i]
    }

    /// The cause codes of every row.
    pub fn cause_codes(&self) -> &[u32] {
        &self.cause
    }

    /// The causes' labels, in factor order.
    pub fn causes(&self) -> &[String] {
        &self.causes
    }

    /// Number of causes (status values other than the censoring value).
    pub fn n_causes(&self) -> usize {
        self.causes.len()
    }

    /// The code (1-based) of the cause labelled `label`, matched as text or as a number
    /// (`"1"` finds a cause written `1.0`); `None` when no cause is so labelled.
    pub fn cause_code(&self, label: &str) -> Option<u32> {
        self.causes
            .iter()
            .position(|c| crate::data::matches_event_value(c, label))
            .map(|k| k as u32 + 1)
    }

    /// The status value of censored rows, as given when the data were read (`"0"` when built
    /// with [`CompetingData::new`]).
    pub fn censor_value(&self) -> &str {
        &self.censor_value
    }

    /// The name of the status column (empty when built with [`CompetingData::new`]).
    pub fn status_column(&self) -> &str {
        &self.status_column
    }

    /// Sets the rows dropped and the times moved by timefix, of rows counted before they were
    /// read as distinct rows ([`super::CompetingCounts`]).
    pub(crate) fn set_read(&mut self, dropped: crate::data::DroppedRows, times_tied_by_timefix: usize) {
        self.data.dropped = dropped;
        self.data.times_tied_by_timefix = times_tied_by_timefix;
    }

    /// The underlying data, to change its covariates (never its rows).
    pub(crate) fn covariates_mut(&mut self) -> &mut Vec<Covariate> {
        &mut self.data.covariates
    }

    /// The rows `rows` (indices, repeats allowed: a resample) with every label kept.
    pub(crate) fn select_rows(&self, rows: &[usize]) -> CompetingData {
        CompetingData {
            data: self.data.select_rows(rows),
            cause: rows.iter().map(|&i| self.cause[i]).collect(),
            causes: self.causes.clone(),
            status_column: self.status_column.clone(),
            censor_value: self.censor_value.clone(),
        }
    }

    /// The same data with the group column put first among the covariates, as a factor (the
    /// arm term of a model); `None` without a group column.
    pub(crate) fn with_arm_covariate(&self) -> Option<CompetingData> {
        let group = self.data.group.clone()?;
        let mut with_arm = self.clone();
        with_arm.data.covariates.insert(0, Covariate::Factor(group));
        Some(with_arm)
    }

    /// Single-event data for one cause (1-based): failures from it are events, everything
    /// else (censoring and other causes) censored, as a cause-specific analysis needs.
    pub fn cause_specific(&self, cause: u32) -> SurvData {
        let mut data = self.data.clone();
        data.event = self.cause.iter().map(|&k| k == cause).collect();
        data
    }
}

/// The columns to read a status with: as "is censored" flags through the event value, and
/// as labels through a factor column, in one pass over the file.
pub(crate) fn status_columns(source: &str, columns: &Columns, censor_value: &str) -> Result<Columns, DataError> {
    let status = &columns.event;
    if columns.covariates.contains(status) || columns.factors.contains(status) {
        return Err(DataError::Invalid {
            file: source.to_string(),
            message: format!("the status column '{status}' cannot also be a covariate"),
        });
    }
    let mut read = columns.clone();
    read.event_value = Some(censor_value.to_string());
    read.factors.push(status.clone());
    Ok(read)
}

/// Cause codes from the status labels: levels seen on censored rows are censoring, the
/// others causes in level order.
fn causes_from_labels(labels: &Factor, censored: &[bool]) -> (Vec<u32>, Vec<String>) {
    let mut is_censor_level = vec![false; labels.n_levels()];
    for (code, &c) in labels.codes.iter().zip(censored) {
        if c {
            is_censor_level[*code as usize] = true;
        }
    }
    let mut remap = vec![0u32; labels.n_levels()];
    let mut causes = Vec::new();
    for (level, label) in labels.levels.iter().enumerate() {
        if !is_censor_level[level] {
            causes.push(label.clone());
            remap[level] = causes.len() as u32;
        }
    }
    let cause = labels.codes.iter().map(|&c| remap[c as usize]).collect();
    (cause, causes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_with_labels_and_numbers() {
        let csv = b"t,s,g\n1,0,a\n2,1,a\n3,2,b\n4,1.0,b\n5,NA,b\n";
        let d = CompetingData::from_csv_bytes("x", csv, &Columns::new("t", "s").group("g"), "0").unwrap();
        assert_eq!(d.causes(), ["1", "2"]);
        assert_eq!(d.cause_codes(), [0, 1, 2, 1]);
        assert_eq!(d.data().event, [false, true, true, true]);
        assert!(d.data().covariates.is_empty());
        assert_eq!(d.data().dropped.count, 1);
        let csv = b"t,s\n1,cens\n2,death\n3,pav\n";
        let d = CompetingData::from_csv_bytes("x", csv, &Columns::new("t", "s"), "cens").unwrap();
        assert_eq!(d.causes(), ["death", "pav"]);
        assert_eq!(d.cause_codes(), [0, 1, 2]);
    }

    #[test]
    fn only_censored_is_an_error() {
        let csv = b"t,s\n1,0\n2,0\n";
        assert!(CompetingData::from_csv_bytes("x", csv, &Columns::new("t", "s"), "0").is_err());
    }
}
