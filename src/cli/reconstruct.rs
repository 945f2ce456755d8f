//! `survkit reconstruct`.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;
use survkit::reconstruct::{ArmInput, AtRiskTable, DigitisedCurve, SurvivalScale};
use survkit::{Format, Reconstruct, ReconstructOptions, Reconstruction, Render};

use super::Failure;
use super::args::{OutputArgs, parse_with_from_str};
use super::run::{emit, write_atomically};

#[derive(Debug, Args)]
pub struct ReconstructArgs {
    #[command(flatten)]
    pub inputs: ReconstructInputArgs,
    /// Format of the quality report on standard output: table, json or csv.
    #[arg(long, default_value = "table", value_parser = parse_with_from_str::<Format>)]
    pub format: Format,
    /// Where to write the reconstructed participants (CSV: time,event,group); written whole or not at all.
    #[arg(short = 'o', long, value_name = "FILE", required = true)]
    pub output: PathBuf,
}

/// The published figure's arms: what `survkit reconstruct` and `survkit plot reconstruct` read.
#[derive(Debug, Args)]
pub struct ReconstructInputArgs {
    /// Digitised Kaplan–Meier curve: CSV of (time, survival), one per arm, e.g. --curve A=a.csv.
    #[arg(long, value_name = "[LABEL=]FILE", required = true)]
    pub curve: Vec<String>,
    /// Numbers-at-risk table: CSV of (time, number at risk) from time 0, one per arm.
    #[arg(long = "at-risk", value_name = "[LABEL=]FILE", required = true)]
    pub at_risk: Vec<String>,
    /// Published total number of events of an arm.
    #[arg(long, value_name = "[LABEL=]N")]
    pub total_events: Vec<String>,
    /// Published median survival of an arm, shown beside the reconstructed one.
    #[arg(long, value_name = "[LABEL=]T")]
    pub published_median: Vec<String>,
    /// Published hazard ratio of an arm against the first arm.
    #[arg(long, value_name = "[LABEL=]HR")]
    pub published_hr: Vec<String>,
    /// Survival in the curve files is in percent (default: detected, percent when a value exceeds 1.5).
    #[arg(long)]
    pub percent: bool,
}

/// `LABEL=VALUE` or `VALUE`.
fn split_label(text: &str) -> (Option<&str>, &str) {
    match text.split_once('=') {
        Some((label, value)) if !label.trim().is_empty() => (Some(label.trim()), value.trim()),
        _ => (None, text.trim()),
    }
}

/// Assigns each `[LABEL=]VALUE` of `option` to one of `labels`; an unlabelled value is allowed
/// when there is exactly one label to give it to.
fn by_label<'a>(option: &str, items: &'a [String], labels: &[String]) -> Result<Vec<Option<&'a str>>, Failure> {
    let mut values: Vec<Option<&str>> = vec![None; labels.len()];
    for item in items {
        let (label, value) = split_label(item);
        let index = match label {
            Some(label) => labels.iter().position(|l| l == label).ok_or_else(|| {
                Failure::input(anyhow!(
                    "--{option} {item}: no arm is labelled '{label}' (the arms are {})",
                    labels.join(", ")
                ))
            })?,
            None if labels.len() == 1 => 0,
            None => {
                return Err(Failure::input(anyhow!(
                    "--{option} {item}: with several arms, say which one, e.g. --{option} {}={value}",
                    labels[0]
                )));
            }
        };
        if values[index].is_some() {
            return Err(Failure::input(anyhow!(
                "--{option} is given twice for arm {}",
                labels[index]
            )));
        }
        values[index] = Some(value);
    }
    Ok(values)
}

fn number<T: std::str::FromStr>(option: &str, label: &str, text: Option<&str>) -> Result<Option<T>, Failure> {
    text.map(|t| {
        t.parse::<T>()
            .map_err(|_| Failure::input(anyhow!("--{option} for arm {label}: '{t}' is not a valid number")))
    })
    .transpose()
}

pub fn run(args: ReconstructArgs) -> Result<(), Failure> {
    let result = reconstruction(&args.inputs)?;
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    let report = result.render(args.format);
    write_atomically(&args.output, &survkit::output::ipd_csv(&result)).map_err(Failure::input)?;
    emit(
        &OutputArgs {
            format: args.format,
            output: None,
        },
        &report,
    )
}

/// Reads the arms and reconstructs them (warnings are left to the caller).
pub fn reconstruction(args: &ReconstructInputArgs) -> Result<Reconstruction, Failure> {
    let scale = if args.percent {
        SurvivalScale::Percent
    } else {
        SurvivalScale::Auto
    };
    let curves: Vec<(Option<&str>, &str)> = args.curve.iter().map(|c| split_label(c)).collect();
    if curves.len() > 1 && curves.iter().any(|(l, _)| l.is_none()) {
        return Err(Failure::input(anyhow!(
            "with several --curve files, label each one: --curve A=a.csv --curve B=b.csv"
        )));
    }
    let labels: Vec<String> = curves
        .iter()
        .map(|(label, file)| {
            label.map_or_else(
                || {
                    Path::new(file)
                        .file_stem()
                        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned())
                },
                str::to_string,
            )
        })
        .collect();
    let at_risk = by_label("at-risk", &args.at_risk, &labels)?;
    let totals = by_label("total-events", &args.total_events, &labels)?;
    let medians = by_label("published-median", &args.published_median, &labels)?;
    let mut arms = Vec::with_capacity(labels.len());
    for (k, label) in labels.iter().enumerate() {
        let risk_file =
            at_risk[k].ok_or_else(|| Failure::input(anyhow!("arm {label} has no --at-risk table ({label}=FILE)")))?;
        arms.push(ArmInput {
            label: label.clone(),
            curve: {
                super::run::remember_input(Path::new(curves[k].1));
                super::run::remember_input(Path::new(risk_file));
                DigitisedCurve::read_csv(curves[k].1, scale).map_err(Failure::input)?
            },
            at_risk: AtRiskTable::read_csv(risk_file).map_err(Failure::input)?,
            total_events: number("total-events", label, totals[k])?,
            published_median: number("published-median", label, medians[k])?,
        });
    }
    let compared = labels.get(1..).unwrap_or_default();
    let hrs = if compared.is_empty() {
        if let Some(item) = args.published_hr.first() {
            return Err(Failure::input(anyhow!(
                "--published-hr {item}: a hazard ratio needs two arms"
            )));
        }
        Vec::new()
    } else {
        by_label("published-hr", &args.published_hr, compared)?
    };
    let mut options = ReconstructOptions::default();
    for (label, text) in compared.iter().zip(hrs) {
        if let Some(hr) = number::<f64>("published-hr", label, text)? {
            options.published_hr.push((label.clone(), hr));
        }
    }
    Reconstruct::run(&arms, &options).map_err(Failure::input)
}
