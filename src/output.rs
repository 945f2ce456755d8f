//! Rendering results as an aligned text table, JSON or CSV.
//!
//! One trait, [`Render`], with one implementation per result type; JSON comes from each
//! result's `Serialize` derive. Every format carries the dropped-row report and warnings: in
//! CSV they are `#` comment lines before the header (read with `comment = "#"` in pandas,
//! `comment.char = "#"` in R).

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

use crate::data::DroppedRows;
use crate::km::{KaplanMeier, KmCurve, curve_label};
use crate::logrank::LogRank;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
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
    fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.table(),
            Format::Json => self.json(),
            Format::Csv => self.csv(),
        }
    }
}

/// Serializes a count stored as `f64` as an integer when it is whole (weighted counts keep
/// their fraction).
pub fn count<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

/// A number for people: whole numbers as integers, others to 4 significant digits.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "NA".to_string();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    format!("{x:.decimals$}")
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

/// A number for CSV: full precision, empty when absent.
pub fn csv_num(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite()).map_or_else(String::new, |v| v.to_string())
}

/// A simple aligned text table: first column left-aligned, others right-aligned.
pub struct TextTable {
    rows: Vec<Vec<String>>,
}

impl TextTable {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        TextTable {
            rows: vec![header.into_iter().map(Into::into).collect()],
        }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
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

/// The report lines shared by every format: dropped rows, then warnings.
fn notes(dropped: &DroppedRows, warnings: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    if dropped.count > 0 {
        lines.push(dropped.to_string());
    }
    lines.extend(warnings.iter().map(|w| format!("warning: {w}")));
    lines
}

fn write_notes_text(out: &mut String, dropped: &DroppedRows, warnings: &[String]) {
    for line in notes(dropped, warnings) {
        let _ = writeln!(out, "{line}");
    }
}

fn write_notes_csv(out: &mut String, dropped: &DroppedRows, warnings: &[String]) {
    for line in notes(dropped, warnings) {
        let _ = writeln!(out, "# {}", line.replace('\n', " "));
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = writer.write_record(fields);
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

fn group_name(c: &KmCurve) -> String {
    match (&c.group, &c.stratum) {
        (Some(g), Some(s)) => format!("{g}, {s}"),
        (Some(g), None) => g.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => "all".to_string(),
    }
}

impl Render for KaplanMeier {
    fn table(&self) -> String {
        let mut out = String::new();
        let by = match (&self.group_column, &self.strata_column) {
            (Some(g), Some(s)) => format!(" by {g} and {s}"),
            (Some(g), None) => format!(" by {g}"),
            (None, Some(s)) => format!(" by {s}"),
            (None, None) => String::new(),
        };
        let level = num(self.conf_level * 100.0);
        let _ = writeln!(
            out,
            "Kaplan–Meier estimate{by} ({level}% CI, {} scale)\n",
            self.conf_type
        );
        let mut summary = TextTable::new(["group", "n", "events", "median", &format!("{level}% lower"), "upper"]);
        for c in &self.curves {
            summary.row(vec![
                group_name(c),
                c.n.to_string(),
                num(c.events),
                opt(c.median.estimate),
                opt(c.median.lower),
                opt(c.median.upper),
            ]);
        }
        out.push_str(&summary.render());
        if self.curves.iter().any(|c| !c.quantiles.is_empty()) {
            let mut q = TextTable::new(["group", "quantile", "time", "lower", "upper"]);
            for c in &self.curves {
                for e in &c.quantiles {
                    q.row(vec![
                        group_name(c),
                        e.p.to_string(),
                        opt(e.estimate),
                        opt(e.lower),
                        opt(e.upper),
                    ]);
                }
            }
            out.push('\n');
            out.push_str(&q.render());
        }
        if self.curves.iter().any(|c| !c.at.is_empty()) {
            let mut at = TextTable::new([
                "group", "time", "n.risk", "n.event", "survival", "std.err", "lower", "upper",
            ]);
            for c in &self.curves {
                for a in &c.at {
                    at.row(vec![
                        group_name(c),
                        num(a.time),
                        num(a.n_risk),
                        num(a.n_event),
                        num(a.survival),
                        opt(a.std_err),
                        opt(a.lower),
                        opt(a.upper),
                    ]);
                }
            }
            out.push('\n');
            out.push_str(&at.render());
        }
        if !self.dropped_rows.lines.is_empty() || !self.warnings.is_empty() {
            out.push('\n');
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        for c in &self.curves {
            let _ = writeln!(
                out,
                "# {}: n = {}, events = {}, median = {} ({}% CI {} to {})",
                curve_label(c),
                c.n,
                num(c.events),
                opt(c.median.estimate),
                num(self.conf_level * 100.0),
                opt(c.median.lower),
                opt(c.median.upper)
            );
        }
        let with_cumhaz = self.curves.iter().any(|c| c.table.iter().any(|r| r.cumhaz.is_some()));
        let mut header: Vec<String> = [
            "group", "time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if with_cumhaz {
            header.push("cumhaz".into());
            header.push("std_cumhaz".into());
        }
        out.push_str(&csv_line(&header));
        for c in &self.curves {
            let name = group_name(c);
            for r in &c.table {
                let mut fields = vec![
                    name.clone(),
                    csv_num(Some(r.time)),
                    csv_num(Some(r.n_risk)),
                    csv_num(Some(r.n_event)),
                    csv_num(Some(r.n_censor)),
                    csv_num(Some(r.survival)),
                    csv_num(r.std_err),
                    csv_num(r.lower),
                    csv_num(r.upper),
                ];
                if with_cumhaz {
                    fields.push(csv_num(r.cumhaz));
                    fields.push(csv_num(r.std_cumhaz));
                }
                out.push_str(&csv_line(&fields));
            }
        }
        out
    }
}

impl Render for LogRank {
    fn table(&self) -> String {
        let mut out = String::new();
        let kind = if self.trend { "trend test" } else { "test" };
        let strata = self
            .strata_column
            .as_ref()
            .map_or_else(String::new, |s| format!(", stratified by {s}"));
        let _ = writeln!(
            out,
            "Log-rank family {kind}, weights: {}, groups: {}{strata}\n",
            self.weights, self.group_column
        );
        let weighted = self.weights != crate::logrank::Weights::LogRank;
        let mut header = vec!["group", "n", "observed", "expected"];
        if weighted {
            header.extend(["weighted O", "weighted E"]);
        }
        header.extend(["(O-E)^2/E", "(O-E)^2/V"]);
        let mut t = TextTable::new(header);
        for g in &self.groups {
            let (o, e) = if weighted {
                (g.weighted_observed, g.weighted_expected)
            } else {
                (g.observed, g.expected)
            };
            let mut row = vec![g.group.clone(), g.n.to_string(), num(g.observed), num(g.expected)];
            if weighted {
                row.extend([num(o), num(e)]);
            }
            row.extend([
                num((o - e) * (o - e) / e),
                num(g.weighted_o_minus_e * g.weighted_o_minus_e / g.variance),
            ]);
            t.row(row);
        }
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\nChisq = {} on {} degrees of freedom, {}",
            num(self.statistic),
            num(self.df),
            p_equals(self.p_value)
        );
        if !self.dropped_rows.lines.is_empty() || !self.warnings.is_empty() {
            out.push('\n');
        }
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "group",
            "n",
            "observed",
            "expected",
            "weighted_observed",
            "weighted_expected",
            "weighted_o_minus_e",
            "variance",
            "statistic",
            "df",
            "p_value",
            "weights",
            "trend",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for g in &self.groups {
            out.push_str(&csv_line(&[
                g.group.clone(),
                g.n.to_string(),
                csv_num(Some(g.observed)),
                csv_num(Some(g.expected)),
                csv_num(Some(g.weighted_observed)),
                csv_num(Some(g.weighted_expected)),
                csv_num(Some(g.weighted_o_minus_e)),
                csv_num(Some(g.variance)),
                csv_num(Some(self.statistic)),
                csv_num(Some(self.df)),
                csv_num(Some(self.p_value)),
                self.weights.to_string(),
                self.trend.to_string(),
            ]));
        }
        out
    }
}

macro_rules! display_as_table {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.table())
            }
        }
    )*};
}

display_as_table!(KaplanMeier, LogRank);

/// Every step of every Kaplan–Meier curve, for the table format's `--steps`.
pub fn km_steps_table(fit: &KaplanMeier) -> String {
    let mut out = String::new();
    for c in &fit.curves {
        let _ = writeln!(out, "\n{}", curve_label(c));
        let mut t = TextTable::new([
            "time", "n.risk", "n.event", "n.censor", "survival", "std.err", "lower", "upper",
        ]);
        for r in &c.table {
            t.row(vec![
                num(r.time),
                num(r.n_risk),
                num(r.n_event),
                num(r.n_censor),
                num(r.survival),
                opt(r.std_err),
                opt(r.lower),
                opt(r.upper),
            ]);
        }
        out.push_str(&t.render());
    }
    out
}
