//! Participants of a competing-risks analysis counted per (group, stratum, time, cause):
//! all that the Aalen–Johansen estimate, its variances and Gray's test need from unweighted
//! rows without delayed entry (issue 20).
//!
//! Every sum of [`crate::Cif`] is over participants, and participants of the same group,
//! stratum, time and cause contribute alike: the infinitesimal-jackknife influence U_i(t) of
//! [`super::cif`] depends on i only through its entry, exit and cause, so n such
//! participants add n·U(t)² to the variance; Gray's test counts them. [`crate::Cif::fit`]
//! merges rows so too, so a fit from counts equals the fit from the rows to the last bit.
//! With delayed entry the influence depends on each participant's (entry, exit) pair, which
//! counts per time do not keep: such data are read as rows.

use crate::counts::tally::Tally;
use crate::data::{Columns, DataError, DroppedRows};
use crate::table::{RowLayout, Table};

use super::CompetingData;
use super::data::status_columns;
use crate::counts::MAX_COUNT;

/// Participants counted per (group, stratum, time, cause), for [`crate::Cif::fit_counts`].
///
/// ```
/// use survkit::{Columns, CompetingCounts, Table};
/// let table = Table::read_csv("datasets/mgus2_cr.csv")?;
/// let counts = CompetingCounts::from_rows(&table, &Columns::new("time", "status").group("sex"), "0")?;
/// assert_eq!(counts.n_participants(), 1384);
/// assert!(counts.n_rows() < 1384);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CompetingCounts {
    /// One row per distinct (group, time, stratum, cause), in that order.
    data: CompetingData,
    /// How many participants each row stands for.
    copies: Vec<f64>,
}

impl CompetingCounts {
    /// Counts the rows of a table whose event column (`columns.event`) is a status, in
    /// parallel parts: the dropped rows and errors of [`CompetingData::from_table`]. Case
    /// weights, entry times, clusters, regimens and covariates are not counts and are refused.
    pub fn from_rows(table: &Table, columns: &Columns, censor_value: &str) -> Result<CompetingCounts, DataError> {
        refuse_what_counts_lack(table.source(), columns)?;
        let read = status_columns(table.source(), columns, censor_value)?;
        let tally = Tally::of_rows(table, &read)?;
        Self::from_tally(
            tally,
            table.source(),
            columns,
            &read,
            censor_value,
            table.layout().clone(),
        )
    }

    /// As [`CompetingCounts::from_rows`], from a Parquet file read in one streaming pass, in
    /// memory bounded by the number of distinct (group, stratum, time, status), as
    /// [`crate::counts::Counts::stream_parquet`] reads it.
    #[cfg(feature = "parquet")]
    pub fn stream_parquet(
        path: impl AsRef<std::path::Path>,
        columns: &Columns,
        censor_value: &str,
    ) -> Result<CompetingCounts, DataError> {
        let file = path.as_ref().display().to_string();
        refuse_what_counts_lack(&file, columns)?;
        let read = status_columns(&file, columns, censor_value)?;
        let (tally, layout) = Tally::of_parquet(path.as_ref(), &read)?;
        Self::from_tally(tally, &file, columns, &read, censor_value, layout)
    }

    /// Counts given as a table (e.g. from a SQL `GROUP BY`): one row per (group, stratum, time,
    /// status) with its number of participants in column `count`, every other column as
    /// [`CompetingCounts::from_rows`] reads it (rows missing a used value dropped and reported).
    /// Rows with the same key are summed; rows counting nobody are ignored. A count must be a
    /// whole number from 0 to 2^53: anything else is an error naming the line and value.
    pub fn from_table(
        table: &Table,
        columns: &Columns,
        censor_value: &str,
        count: &str,
    ) -> Result<CompetingCounts, DataError> {
        let file = table.source().to_string();
        refuse_what_counts_lack(&file, columns)?;
        let mut data = CompetingData::from_table(table, &columns.clone().covariates([count]), censor_value)?;
        let covariates = std::mem::take(data.covariates_mut());
        let counted = covariates.into_iter().find_map(|c| match c {
            crate::data::Covariate::Numeric { name, values } if name == count => Some(values),
            _ => None,
        });
        // the table row of each kept row, by its line
        let row_of = |line: u64| table.lines().binary_search(&line).unwrap_or(0);
        let lines = data.data().lines.clone();
        let mut kept = Vec::new();
        let mut copies = Vec::new();
        for (k, &line) in lines.iter().enumerate() {
            let n = counted.as_ref().map_or(f64::NAN, |values| values[k]);
            if !(n >= 0.0 && n.fract() == 0.0 && n <= MAX_COUNT) {
                let cell = table.column(count).and_then(|c| c.text(row_of(line)));
                return Err(DataError::InvalidValue {
                    file,
                    location: table.layout().locate(line),
                    column: count.to_string(),
                    value: cell.unwrap_or_default().to_string(),
                    rule: crate::data::Rule::NotCount,
                });
            }
            if n > 0.0 {
                kept.push(k);
                copies.push(n);
            }
        }
        if kept.is_empty() {
            return Err(DataError::Invalid {
                file,
                message: "every row counts nobody (its counts are all 0): nothing to analyse".to_string(),
            });
        }
        // participants whose time R's timefix moved, as the rows count them
        let written = |k: usize| {
            let column = table.column(&columns.time)?;
            let row = row_of(lines[k]);
            match column.numbers() {
                Some(numbers) => Some(numbers[row]),
                None => column.text(row)?.trim().parse().ok(),
            }
        };
        let moved: f64 = kept
            .iter()
            .zip(&copies)
            .filter(|(k, _)| written(**k) != Some(data.data().time[**k]))
            .map(|(_, n)| n)
            .sum();
        let dropped = data.data().dropped.clone();
        let mut data = data.select_rows(&kept);
        data.set_read(dropped, moved as usize);
        let (data, copies) = super::merge_rows(&data, Some(&copies)).unwrap_or((data, copies));
        Ok(CompetingCounts { data, copies })
    }

    /// The counted rows (read with `read`, the status columns of `columns`) read as a table of
    /// distinct (time, status, group, stratum) rows is.
    fn from_tally(
        tally: Tally,
        file: &str,
        columns: &Columns,
        read: &Columns,
        censor_value: &str,
        layout: RowLayout,
    ) -> Result<CompetingCounts, DataError> {
        let (table, count, dropped) = tally.into_status_table(file, read, layout)?;
        let mut data = CompetingData::from_table(&table, columns, censor_value)?;
        let copies = table
            .column(&count)
            .and_then(|c| c.numbers())
            .unwrap_or_default()
            .to_vec();
        let written = table
            .column(&columns.time)
            .and_then(|c| c.numbers())
            .unwrap_or_default();
        if copies.len() != data.data().n_rows() || written.len() != copies.len() {
            return Err(DataError::Invalid {
                file: file.to_string(),
                message: "the counted rows were not all read back".to_string(),
            });
        }
        // participants whose time R's timefix moved, as the rows count them
        let moved = (0..copies.len())
            .filter(|&i| data.data().time[i] != written[i])
            .map(|i| copies[i])
            .sum::<f64>();
        data.set_read(dropped, moved as usize);
        // timefix may have made two rows one: merged again, and put in the order of a fit
        let (data, copies) = super::merge_rows(&data, Some(&copies)).unwrap_or((data, copies));
        Ok(CompetingCounts { data, copies })
    }

    /// One row per distinct (group, time, stratum, cause).
    pub(crate) fn data(&self) -> &CompetingData {
        &self.data
    }

    /// How many participants each row of [`CompetingCounts::data`] stands for.
    pub(crate) fn copies(&self) -> &[f64] {
        &self.copies
    }

    /// The number of participants counted.
    pub fn n_participants(&self) -> u64 {
        self.copies.iter().sum::<f64>() as u64
    }

    /// The number of distinct (group, stratum, time, cause).
    pub fn n_rows(&self) -> usize {
        self.copies.len()
    }

    /// The causes' labels, in R's `factor()` order.
    pub fn causes(&self) -> &[String] {
        self.data.causes()
    }

    /// Rows left out because a used column was missing.
    pub fn dropped(&self) -> &DroppedRows {
        &self.data.data().dropped
    }
}

/// Whether counts per (group, stratum, time, cause) hold all that the cumulative incidence
/// asks of the rows the columns name: no case weights, entry times, clusters, regimens or
/// covariates.
pub(crate) fn counts_suffice(columns: &Columns) -> bool {
    crate::model::counts_suffice(columns) && columns.entry.is_none()
}

/// Refuses the columns that counts per time cannot carry for the cumulative incidence.
fn refuse_what_counts_lack(file: &str, columns: &Columns) -> Result<(), DataError> {
    match counts_suffice(columns) {
        true => Ok(()),
        false => Err(DataError::Invalid {
            file: file.to_string(),
            message: "counts per time carry no case weights, entry times, clusters, regimens or covariates for the cumulative incidence: read the rows instead"
                .to_string(),
        }),
    }
}
