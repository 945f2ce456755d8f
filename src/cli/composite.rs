//! `survkit composite`: time to the first of several events, written as a CSV.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use survkit::composite::{Composite, CompositeOptions};
use survkit::{Format, Render, Table};

use super::Failure;
use super::args::parse_with_from_str;
use super::run::{emit_to, remember_input};

#[derive(Debug, Args)]
pub struct CompositeArgs {
    /// Data file, one row per participant: CSV with a header row, or Parquet (`.parquet`) or
    /// Arrow IPC (`.arrow`, `.feather`), chosen by extension.
    pub file: PathBuf,
    /// The components in priority order (the first wins a tie), each LABEL:COLUMN (or COLUMN,
    /// labelled by its name), e.g. death:death_time,pav:pav_time; a missing time means the
    /// event did not happen.
    #[arg(long, value_name = "LABEL:COL,...", required = true, value_delimiter = ',')]
    pub events: Vec<String>,
    /// Column with the censoring (last follow-up) time.
    #[arg(long, value_name = "COL")]
    pub censor: String,
    /// Name of the added time column.
    #[arg(long, value_name = "NAME", default_value = "time")]
    pub time_name: String,
    /// Name of the added status column (a component's label, or the censoring value).
    #[arg(long, value_name = "NAME", default_value = "status")]
    pub status_name: String,
    /// Also add a 0/1 column so named: 1 when any component happened.
    #[arg(long, value_name = "NAME")]
    pub event_name: Option<String>,
    /// The status of rows with no component (give the same to `survkit cif --censor-value`).
    #[arg(long, value_name = "V", default_value = "0")]
    pub censor_value: String,
    /// Format of the summary written to standard error: table, json or csv.
    #[arg(long, default_value = "table", value_parser = parse_with_from_str::<Format>)]
    pub format: Format,
    /// Write the composite CSV to this file (whole or not at all) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: CompositeArgs) -> Result<(), Failure> {
    let mut options = CompositeOptions::new(&args.censor)
        .time_name(&args.time_name)
        .status_name(&args.status_name)
        .censor_value(&args.censor_value);
    if let Some(name) = &args.event_name {
        options = options.event_name(name);
    }
    for spec in &args.events {
        let (label, column) = match spec.split_once(':') {
            Some((label, column)) => (label.trim(), column.trim()),
            None => (spec.trim(), spec.trim()),
        };
        if label.is_empty() || column.is_empty() {
            return Err(Failure::input(anyhow!(
                "--events expects LABEL:COLUMN (or COLUMN), got '{spec}'"
            )));
        }
        options = options.component(label, column);
    }
    remember_input(&args.file);
    let table = Table::read(&args.file).map_err(Failure::input)?;
    let composite = Composite::build(&table, &options).map_err(Failure::input)?;
    emit_to(args.output.as_deref(), &composite.table().to_csv())?;
    eprint!("{}", composite.summary().render(args.format));
    Ok(())
}
