//! Rendering results as an aligned text table, JSON or CSV.
//!
//! One trait, [`Render`], with one implementation per result type; JSON comes from each
//! result's `Serialize` derive. Every format carries the dropped-row report and warnings: in
//! CSV they are `#` comment lines before the header (read with `comment = "#"` in pandas,
//! `comment.char = "#"` in R).

mod bootstrap;
mod competing;
mod composite;
mod cox;
mod design;
mod fragility;
mod km;
mod logrank;
mod maxcombo;
mod reconstruct;
mod rmst;
mod simulate;
mod win;

pub use cox::residuals_csv;
pub use km::km_steps_table;
pub use reconstruct::ipd_csv;
pub use win::cafs_ranks_csv;

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

use crate::data::DroppedRows;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// An aligned, human-readable text table (`table`).
    #[default]
    Table,
    /// Pretty-printed JSON: the result's `Serialize` form (`json`).
    Json,
    /// CSV, the report as `#` comment lines before the header (`csv`).
    Csv,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown format '{s}'; use table, json or csv")),
        }
    }
}

/// A result that can be shown in every format.
pub trait Render: Serialize {
    /// Human-readable aligned text.
    fn table(&self) -> String;
    /// CSV with `#` comment lines for the report.
    fn csv(&self) -> String;
    /// Pretty-printed JSON, ending in a newline.
    fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
    /// The result in `format`.
    fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.table(),
            Format::Json => self.json(),
            Format::Csv => self.csv(),
        }
    }
}

/// An optional number for people: "NA" when absent.
pub fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "NA".to_string(), num)
}

/// "p = 0.00131" or "p < 2e-16", for sentences.
pub fn p_equals(p: f64) -> String {
    let text = pvalue(p);
    if text.starts_with('<') {
        format!("p {text}")
    } else {
        format!("p = {text}")
    }
}

/// A p-value for people, as R prints them: 3 significant digits, "< 2e-16" below that.
pub fn pvalue(p: f64) -> String {
    if p.is_nan() {
        "NA".to_string()
    } else if p < 2.2e-16 {
        "< 2e-16".to_string()
    } else if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        let decimals = (2 - p.log10().floor() as i32).max(0) as usize;
        format!("{p:.decimals$}")
    }
}

/// A number for CSV: full precision (shortest round-trip form; scientific notation for very
/// small or large magnitudes), empty when absent.
pub fn csv_num(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite()).map_or_else(String::new, |v| {
        if v != 0.0 && !(1e-5..1e16).contains(&v.abs()) {
            format!("{v:e}")
        } else {
            v.to_string()
        }
    })
}

/// The most characters a table cell shows; a longer label (the data's own) is elided in the
/// table and kept whole in JSON and CSV.
const MAX_CELL: usize = 80;

fn table_cell(cell: String) -> String {
    match cell.char_indices().nth(MAX_CELL - 1) {
        Some((cut, _)) => format!("{}…", &cell[..cut]),
        None => cell,
    }
}

/// A simple aligned text table: first column left-aligned, others right-aligned.
pub struct TextTable {
    rows: Vec<Vec<String>>,
}

impl TextTable {
    /// A table with this header row (cells longer than 80 characters are elided).
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        TextTable {
            rows: vec![header.into_iter().map(|h| table_cell(h.into())).collect()],
        }
    }
    /// Adds a row of cells (cells longer than 80 characters are elided).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(table_cell).collect());
    }
    /// The table as text: columns padded to their widest cell, one line per row.
    pub fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let width: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if c == 0 {
                        format!("{cell:<w$}", w = width[c])
                    } else {
                        format!("{cell:>w$}", w = width[c])
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }
}

pub use crate::numbers::{count, num};

/// The report lines shared by every format: dropped rows, then warnings.
pub(crate) fn notes(dropped: &DroppedRows, warnings: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    if dropped.count > 0 {
        lines.push(dropped.to_string());
    }
    lines.extend(warnings.iter().map(|w| format!("warning: {w}")));
    lines
}

/// The report after a table: a blank line, then the notes (nothing when there are none).
pub(crate) fn write_notes_text(out: &mut String, dropped: &DroppedRows, warnings: &[String]) {
    let lines = notes(dropped, warnings);
    if !lines.is_empty() {
        out.push('\n');
    }
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
}

pub(crate) fn write_notes_csv(out: &mut String, dropped: &DroppedRows, warnings: &[String]) {
    for line in notes(dropped, warnings) {
        let _ = writeln!(out, "# {}", line.replace('\n', " "));
    }
}

pub(crate) fn csv_line(fields: &[String]) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = writer.write_record(fields);
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// Implements `Display` as the table format.
#[macro_export]
macro_rules! display_as_table {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::output::Render::table(self))
            }
        }
    )*};
}
