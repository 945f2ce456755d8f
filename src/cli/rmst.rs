//! `survkit rmst`.

use clap::Args;
use survkit::model::Shape;
use survkit::{Render, Rmst, RmstOptions, SurvData};

use super::Failure;
use super::args::{ComparisonArgs, CountArgs, DataArgs, OutputArgs};
use super::run::{
    counts_of_rows, emit, emit_comparisons, load_arms, load_counts, refuse_regimen_of_counts, report_notes,
    report_to_stderr, run_comparisons, run_count_comparisons,
};

#[derive(Debug, Args)]
pub struct RmstArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub counts: CountArgs,
    /// Truncation time τ (default: the largest τ the data support, as survRM2 chooses it).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// Numeric covariates for the adjusted contrasts (Tian et al. 2014), e.g. age,ph.ecog.
    #[arg(long, value_delimiter = ',', value_name = "COL,...", conflicts_with_all = ["formula", "counts"])]
    pub covariates: Vec<String>,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    #[command(flatten)]
    pub comparisons: ComparisonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: RmstArgs) -> Result<(), Failure> {
    if args.counts.counts {
        refuse_regimen_of_counts(&args.comparisons)?;
        return fit_counts(&load_counts(&args.data, &args.counts, false)?, &args);
    }
    // the rows counted (a Parquet file in one streaming pass) when counts suffice: no
    // covariates or regimens
    if args.covariates.is_empty()
        && args.comparisons.regimen.is_none()
        && let Some(counts) = counts_of_rows(&args.data, Shape::ArmAndCovariates)?
    {
        return fit_counts(&counts, &args);
    }
    let data = load_arms(&args.data, &args.comparisons, Shape::ArmAndCovariates, |columns| {
        columns.covariates(args.covariates.iter())
    })?;
    let options = RmstOptions {
        tau: args.tau,
        conf_level: args.conf_level,
        covariates: data.covariates.iter().map(|c| c.name().to_string()).collect(),
        allow_tau_beyond_data: false,
    };
    let fit = Rmst::fit(&data, &options).map_err(failure)?;
    // each arm against the reference with τ fixed from all arms (each pair's contrast is then
    // the contrast of the fit of all arms), beside that fit
    let fixed = RmstOptions {
        tau: Some(fit.tau),
        ..options.clone()
    };
    let analyse = |pair: &SurvData| Rmst::fit(pair, &fixed);
    if let Some(result) = run_comparisons(&data, &args.comparisons, analyse, p_of, || Some(fit.clone()))? {
        return emit_comparisons(&data.dropped, &result, |r| &r.warnings, &args.output);
    }
    report_to_stderr(&data, &fit.warnings);
    emit(&args.output, &fit.render(args.output.format))
}

/// Every arm's RMST and the contrasts from counts, and each arm against the reference (as
/// from the rows: τ fixed from all arms).
fn fit_counts(counts: &survkit::counts::Counts, args: &RmstArgs) -> Result<(), Failure> {
    let options = RmstOptions {
        tau: args.tau,
        conf_level: args.conf_level,
        ..RmstOptions::default()
    };
    let fit = Rmst::fit_counts(counts, &options).map_err(failure)?;
    let fixed = RmstOptions {
        tau: Some(fit.tau),
        ..options
    };
    let analyse = |pair: &survkit::counts::Counts| Rmst::fit_counts(pair, &fixed);
    if let Some(result) = run_count_comparisons(counts, &args.comparisons, analyse, p_of, || Some(fit.clone()))? {
        return emit_comparisons(counts.dropped(), &result, |r| &r.warnings, &args.output);
    }
    report_notes(&fit.dropped_rows, &fit.warnings);
    emit(&args.output, &fit.render(args.output.format))
}

/// A comparison's p-value: its contrast's.
fn p_of(r: &Rmst) -> Option<f64> {
    r.contrasts.first().and_then(|c| c.difference.p_value)
}

/// The exit status of a fit that could not be done: 1 for valid data, 2 for bad input.
fn failure(e: survkit::RmstError) -> Failure {
    if e.is_analysis_error() {
        Failure::analysis(e)
    } else {
        Failure::input(e)
    }
}
