//! `survkit finegray`.

use clap::Args;
use survkit::Render;
use survkit::competing::{CompetingError, FineGray, FineGrayOptions};
use survkit::model::Shape;

use super::Failure;
use super::args::{DataArgs, OutputArgs};
use super::cif::{CensorArgs, load_competing};
use super::run::{check_factors, emit, report_to_stderr};

#[derive(Debug, Args)]
pub struct FineGrayArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub censor: CensorArgs,
    /// The cause of interest, as written in the status column.
    #[arg(long, value_name = "K")]
    pub cause: String,
    /// Covariates, e.g. age,sex (numeric unless listed in --factors); or give --formula.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "COL,...",
        required_unless_present = "formula",
        conflicts_with = "formula"
    )]
    pub covariates: Vec<String>,
    /// Covariates to treat as categorical (treatment-coded dummies named COL=LEVEL).
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub factors: Vec<String>,
    /// Confidence level of the subdistribution hazard-ratio intervals.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Newton iterations at most (crr's maxiter).
    #[arg(long, default_value_t = 10)]
    pub max_iter: usize,
    /// Convergence tolerance (crr's gtol).
    #[arg(long, default_value_t = 1e-6)]
    pub gtol: f64,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: FineGrayArgs) -> Result<(), Failure> {
    check_factors(&args.factors, &args.covariates)?;
    let data = load_competing(&args.data, &args.censor, Shape::Regression, |columns| {
        columns.covariates(args.covariates.iter()).factors(args.factors.iter())
    })?;
    let options = FineGrayOptions {
        cause: args.cause,
        conf_level: args.conf_level,
        max_iter: args.max_iter,
        gtol: args.gtol,
    };
    let fit = FineGray::fit(&data, &options).map_err(|e| match e {
        CompetingError::Analysis(_) => Failure::analysis(e),
        _ => Failure::input(e),
    })?;
    report_to_stderr(data.data(), &fit.warnings);
    emit(&args.output, &fit.render(args.output.format))
}
