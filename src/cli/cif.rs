//! `survkit cif`, and the data arguments every competing-risks command shares.

use anyhow::anyhow;
use clap::Args;
use survkit::competing::{Cif, CifOptions, CifVariance, CompetingCounts, CompetingData, CompetingError};
use survkit::formula::Formula;
use survkit::model::{Shape, competing_frame_for};
use survkit::{Columns, ConfType, Render, Table};

use super::Failure;
use super::args::{DataArgs, OutputArgs, parse_with_from_str};
use super::run::{columns, emit, read_used_columns, report_notes};

/// The status value of censored rows (every other value is a cause), for every
/// competing-risks command.
#[derive(Debug, Args)]
pub struct CensorArgs {
    /// The status value of censored rows; every other value of --status is a cause.
    #[arg(long, value_name = "V", default_value = "0")]
    pub censor_value: String,
}

/// Reads competing-risks data (`--status` is `--event`'s other name), from the column options
/// with the command's own columns (`extra`: covariates), or from `--formula` read as `shape`
/// says.
pub fn load_competing(
    args: &DataArgs,
    censor: &CensorArgs,
    shape: Shape,
    extra: impl FnOnce(Columns) -> Columns,
) -> Result<CompetingData, Failure> {
    if args.event_value.is_some() {
        return Err(Failure::input(anyhow!(
            "--event-value does not apply to a status with causes; use --censor-value for the censoring value"
        )));
    }
    super::run::remember_input(&args.file);
    let Some(formula) = &args.formula else {
        return CompetingData::read(&args.file, &extra(columns(args)?), &censor.censor_value).map_err(Failure::input);
    };
    let formula = Formula::parse(formula).map_err(|e| Failure::input(anyhow!("--formula: {e}")))?;
    let table = Table::read(&args.file).map_err(Failure::input)?;
    competing_frame_for(&table, &formula, shape, &censor.censor_value, |columns| {
        columns.weight.clone_from(&args.weight);
        columns.strict = args.strict;
    })
    .map_err(Failure::input)
}

#[derive(Debug, Args)]
pub struct CifArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub censor: CensorArgs,
    /// Standard errors: survfit (R survival's infinitesimal jackknife, the default) or cuminc
    /// (cmprsk's delta method; unweighted data without delayed entry).
    #[arg(long, default_value = "survfit", value_parser = parse_with_from_str::<CifVariance>)]
    pub variance: CifVariance,
    /// Scale of the pointwise confidence limits: log, log-log, plain, logit or arcsin.
    #[arg(long, default_value = "log", value_parser = parse_with_from_str::<ConfType>)]
    pub conf_type: ConfType,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Times at which to report each cumulative incidence, e.g. 12,60.
    #[arg(long, value_delimiter = ',', value_name = "T,...")]
    pub at: Vec<f64>,
    /// Gray's test weight power ρ (cuminc's rho).
    #[arg(long, default_value_t = 0.0)]
    pub rho: f64,
    /// Restricted mean time lost to each cause up to τ, with differences between groups.
    #[arg(long, value_name = "TAU")]
    pub tau: Option<f64>,
    /// The file holds counts, one row per (group, stratum, time, status): columns time, status
    /// and n (the participants), with --group and --strata naming the label columns (group and
    /// stratum are read under their own names); the result is the one the participants' rows
    /// give.
    #[arg(long, conflicts_with_all = ["formula", "entry", "weight", "event_value"])]
    pub counts: bool,
    /// With --counts: the column of participants of each row (default n).
    #[arg(long, value_name = "COL", requires = "counts")]
    pub n: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The participants of `survkit cif`: counted, or their rows.
enum Participants {
    Counted(CompetingCounts),
    Rows(CompetingData),
}

/// The participants of `survkit cif` counted per (group, stratum, time, cause), when counts
/// hold the analysis (no case weights or entry times): a Parquet file streamed in bounded
/// memory, any other file's rows counted in parallel parts. Otherwise the rows: read with
/// [`load_competing`], or, from a formula, from the table already read.
fn counted(args: &DataArgs, censor: &CensorArgs) -> Result<Participants, Failure> {
    if args.event_value.is_some() || args.entry.is_some() {
        return load_competing(args, censor, Shape::Groups, |columns| columns).map(Participants::Rows);
    }
    let censor_value = &censor.censor_value;
    let Some(formula) = &args.formula else {
        let columns = columns(args)?;
        if !survkit::model::counts_suffice(&columns) {
            return load_competing(args, censor, Shape::Groups, |columns| columns).map(Participants::Rows);
        }
        super::run::remember_input(&args.file);
        let counts = match survkit::table::is_parquet(&args.file) {
            true => CompetingCounts::stream_parquet(&args.file, &columns, censor_value),
            false => CompetingCounts::from_rows(&read_used_columns(&args.file, &columns)?, &columns, censor_value),
        };
        return counts.map(Participants::Counted).map_err(Failure::input);
    };
    super::run::remember_input(&args.file);
    let formula = Formula::parse(formula).map_err(|e| Failure::input(anyhow!("--formula: {e}")))?;
    let adjust = |columns: &mut Columns| {
        columns.weight.clone_from(&args.weight);
        columns.strict = args.strict;
    };
    if let Some(counts) =
        survkit::model::stream_competing_counts(&args.file, &formula, censor_value, adjust).map_err(Failure::input)?
    {
        return Ok(Participants::Counted(counts));
    }
    let table = Table::read(&args.file).map_err(Failure::input)?;
    if let Some(counts) =
        survkit::model::competing_counts_frame(&table, &formula, censor_value, adjust).map_err(Failure::input)?
    {
        return Ok(Participants::Counted(counts));
    }
    competing_frame_for(&table, &formula, Shape::Groups, censor_value, adjust)
        .map(Participants::Rows)
        .map_err(Failure::input)
}

/// `--counts`: the table of counts per (group, stratum, time, status).
fn given_counts(args: &CifArgs) -> Result<CompetingCounts, Failure> {
    let data = &args.data;
    super::run::remember_input(&data.file);
    let table = Table::read(&data.file).map_err(Failure::input)?;
    let given_or_present = |given: &Option<String>, default: &str| super::run::given_or_present(&table, given, default);
    let mut columns = Columns::new(
        data.time.as_deref().unwrap_or("time"),
        data.event.as_deref().unwrap_or("status"),
    )
    .strict(data.strict);
    columns.group = given_or_present(&data.group, "group");
    columns.strata = given_or_present(&data.strata, "stratum");
    for spec in &data.reference {
        let (column, level) = super::run::parse_reference(spec)?;
        columns = columns.reference(column, level);
    }
    let count = args.n.as_deref().unwrap_or("n");
    CompetingCounts::from_table(&table, &columns, &args.censor.censor_value, count).map_err(Failure::input)
}

pub fn run(args: CifArgs) -> Result<(), Failure> {
    let participants = match args.counts {
        true => Participants::Counted(given_counts(&args)?),
        false => counted(&args.data, &args.censor)?,
    };
    let options = CifOptions {
        variance: args.variance,
        conf_type: args.conf_type,
        conf_level: args.conf_level,
        at: args.at,
        rho: args.rho,
        tau: args.tau,
    };
    let fit = match participants {
        Participants::Counted(counts) => Cif::fit_counts(&counts, &options),
        Participants::Rows(rows) => Cif::fit(&rows, &options),
    }
    .map_err(|e| match e {
        CompetingError::Analysis(_) => Failure::analysis(e),
        _ => Failure::input(e),
    })?;
    report_notes(&fit.dropped_rows, &fit.warnings);
    emit(&args.output, &fit.render(args.output.format))
}
