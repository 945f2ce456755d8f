//! `survkit report`.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use survkit::report::{CompetingSpec, FunctionSpec, Report, ReportSpec, status_has_causes};
use survkit::win::Direction;
use survkit::{Columns, CompetingData, SurvData, Table};

use super::Failure;
use super::run::{report_to_stderr, write_atomically};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Data file, one row per participant: CSV with a header row, or Parquet (`.parquet`) or
    /// Arrow IPC (`.arrow`, `.feather`), chosen by extension.
    pub file: PathBuf,
    /// Column holding the follow-up (exit) time.
    #[arg(long, value_name = "COL")]
    pub time: String,
    /// Column holding the event indicator, or a status with causes (see --censor-value).
    #[arg(long, value_name = "COL", visible_alias = "status")]
    pub event: String,
    /// The status value of censored rows, when the event column holds more than two values (a
    /// censoring value and two or more causes): adds the cumulative incidence of each cause,
    /// Gray's tests and Fine–Gray models, and the other sections analyse failure from any cause.
    #[arg(long, value_name = "V", default_value = "0")]
    pub censor_value: String,
    /// Column with the group (arm) labels; the first level is the reference unless
    /// --reference names another.
    #[arg(long, value_name = "COL")]
    pub group: String,
    /// The reference arm (a level of --group) every other arm is compared with.
    #[arg(long, value_name = "LEVEL")]
    pub reference: Option<String>,
    /// Numeric covariates for the Cox model and the adjusted RMST, e.g. age,ph.ecog.
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub covariates: Vec<String>,
    /// A function score (e.g. change in ALSFRS-R): adds the win statistics (death, then the
    /// score) and the CAFS joint rank test.
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// The function score is better when lower.
    #[arg(long)]
    pub lower_is_better: bool,
    /// Score differences of at most X are ties (with --score).
    #[arg(long, value_name = "X", default_value_t = 0.0, requires = "score")]
    pub threshold: f64,
    /// A further score compared after --score, as `survkit win --then` (with --score).
    #[arg(long = "then", value_name = "COL[:higher|lower[:X]]", value_parser = str::parse::<survkit::win::LaterScore>, requires = "score")]
    pub later_scores: Vec<survkit::win::LaterScore>,
    /// RMST truncation time τ (default: the largest τ the data support).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// html (one self-contained page) or md (Markdown, with the figures as SVG files beside it).
    #[arg(long, default_value = "html", value_parser = ["html", "md"])]
    pub format: String,
    /// The report file to write.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
}

pub fn run(args: ReportArgs) -> Result<(), Failure> {
    // an option the report passes on is checked as its own command would check it
    survkit::RmstOptions {
        tau: args.tau,
        ..Default::default()
    }
    .check()
    .map_err(Failure::input)?;
    // every analysis reads the group with the reference arm first
    let with_group = |columns: Columns| match &args.reference {
        Some(level) => columns.group(&args.group).reference(&args.group, level),
        None => columns.group(&args.group),
    };
    let base_columns = with_group(Columns::new(&args.time, &args.event));
    super::run::remember_input(&args.file);
    // the file is read once; each analysis takes its columns (and drops its rows) from it
    let table = Table::read(&args.file).map_err(Failure::input)?;
    // a status with causes: the single-event analyses take failure from any cause
    let competing = status_has_causes(&table, &args.event).then(|| CompetingSpec {
        censor_value: args.censor_value.clone(),
    });
    let read_competing = |columns: &Columns, censor: &CompetingSpec| {
        CompetingData::from_table(&table, columns, &censor.censor_value).map_err(Failure::input)
    };
    let read = |columns: Columns| match &competing {
        Some(censor) => read_competing(&columns, censor).map(|d| d.data().clone()),
        None => SurvData::from_table(&table, &columns).map_err(Failure::input),
    };
    let base = read(base_columns.clone())?;
    let cox_data = read(
        base_columns
            .clone()
            .covariates(std::iter::once(args.group.clone()).chain(args.covariates.iter().cloned()))
            .factors([args.group.clone()]),
    )?;
    let rmst_data = read(base_columns.covariates(args.covariates.iter()))?;
    report_to_stderr(&cox_data, &[]);
    let spec = ReportSpec {
        file: args.file.display().to_string(),
        time: args.time,
        event: args.event,
        group: args.group.clone(),
        reference: args.reference.clone(),
        covariates: args.covariates,
        tau: args.tau,
    };
    let mut report = Report::build(&spec, &base, &cox_data, &rmst_data);
    if let Some(censor) = &competing {
        let columns = with_group(Columns::new(&spec.time, &spec.event));
        let data = read_competing(&columns, censor)?;
        let model_data = read_competing(&columns.covariates([&spec.group]).factors([&spec.group]), censor)?;
        report.add_competing_sections(&spec, censor, &data, &model_data);
    }
    if let Some(score) = &args.score {
        if !(args.threshold.is_finite() && args.threshold >= 0.0) {
            return Err(Failure::input(anyhow!(
                "--threshold must be a number ≥ 0, got {}",
                args.threshold
            )));
        }
        let scores = survkit::win::score_columns(score, &args.later_scores);
        let score_data = read(
            with_group(Columns::new(&spec.time, &spec.event))
                .covariates(scores.clone())
                .may_be_missing(scores),
        )?;
        let function = FunctionSpec {
            score: score.clone(),
            direction: if args.lower_is_better {
                Direction::LowerIsBetter
            } else {
                Direction::HigherIsBetter
            },
            threshold: args.threshold,
            later: args.later_scores.clone(),
        };
        report.add_function_sections(&spec, &function, &score_data);
    }
    if args.format == "md" {
        let stem = args
            .output
            .file_stem()
            .ok_or_else(|| Failure::input(anyhow!("{}: not a file name", args.output.display())))?
            .to_string_lossy()
            .into_owned();
        for (name, svg) in report.figure_files(&stem) {
            write_atomically(&args.output.with_file_name(&name), &svg).map_err(Failure::input)?;
        }
        write_atomically(&args.output, &report.markdown(&stem)).map_err(Failure::input)
    } else {
        write_atomically(&args.output, &report.html()).map_err(Failure::input)
    }
}
