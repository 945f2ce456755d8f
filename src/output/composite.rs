//! The composite endpoint's summary as table, JSON and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, write_notes_csv, write_notes_text};
use crate::composite::CompositeSummary;

impl CompositeSummary {
    /// One row per outcome (each component, censored, dropped), then the ties and the rows
    /// read: `(outcome, column, rows)`.
    fn outcome_rows(&self) -> Vec<[String; 3]> {
        let mut rows: Vec<[String; 3]> = self
            .components
            .iter()
            .map(|c| [c.label.clone(), c.column.clone(), c.first_events.to_string()])
            .collect();
        rows.push([
            "censored".into(),
            self.censor_column.clone(),
            self.n_censored.to_string(),
        ]);
        rows.push([
            "dropped".into(),
            self.censor_column.clone(),
            self.dropped_rows.count.to_string(),
        ]);
        rows.push(["ties".into(), String::new(), self.ties.count.to_string()]);
        rows.push(["rows_read".into(), String::new(), self.n_rows.to_string()]);
        rows
    }
}

impl Render for CompositeSummary {
    fn table(&self) -> String {
        let mut out = String::new();
        let components: Vec<String> = self
            .components
            .iter()
            .map(|c| format!("{} ({})", c.label, c.column))
            .collect();
        let _ = writeln!(
            out,
            "Composite endpoint of {}: first of {}; censored at {}",
            self.source,
            components.join(", "),
            self.censor_column
        );
        let event = self
            .event_column
            .as_ref()
            .map_or_else(String::new, |e| format!(", {e} (0/1)"));
        let _ = writeln!(
            out,
            "columns added: {} (first event or censoring time), {} (component or '{}'){event}\n",
            self.time_column, self.status_column, self.censor_value
        );
        let mut table = TextTable::new(["outcome", "column", "rows"]);
        for row in self.outcome_rows() {
            table.row(row.to_vec());
        }
        out.push_str(&table.render());
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        out.push_str(&csv_line(&["outcome", "column", "rows"].map(String::from)));
        for row in self.outcome_rows() {
            out.push_str(&csv_line(&row));
        }
        out
    }
}

crate::display_as_table!(CompositeSummary);
