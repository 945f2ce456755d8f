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
