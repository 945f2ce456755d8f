//! `survkit rmst`.

use clap::Args;
use survkit::model::Shape;
use survkit::{Render, Rmst, RmstOptions, SurvData};

use super::Failure;
use super::args::{ComparisonArgs, CountArgs, DataArgs, OutputArgs};
use super::run::{
    counts_of_rows, emit, emit_comparisons, load_arms, load_counts, refuse_comparisons_of_counts, report_notes,
    report_to_stderr, run_comparisons,
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
        refuse_comparisons_of_counts(&args.comparisons)?;
        let counts = load_counts(&args.data, &args.counts, false)?;
        if let Some(group) = counts.group()
            && group.n_levels() > 2
        {
            return Err(Failure::input(anyhow::anyhow!(
                "{}: group column '{}' has {} levels; with --counts rmst compares two arms (each arm against the reference is not yet available with --counts): keep two arms' rows in the GROUP BY",
                args.data.file.display(),
                group.name,
                group.n_levels()
            )));
        }
        return fit_counts(&counts, &args);
    }
    // the rows counted (a Parquet file in one streaming pass) when counts suffice: no
    // covariates, one contrast of two arms (more arms are compared pair by pair from the rows)
    if args.covariates.is_empty()
        && !args.comparisons.any()
        && let Some(counts) = counts_of_rows(&args.data, Shape::ArmAndCovariates)?
        && counts.group().is_none_or(|g| g.n_levels() <= 2)
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
    let p_of = |r: &Rmst| r.contrasts.first().and_then(|c| c.difference.p_value);
    if let Some(result) = run_comparisons(&data, &args.comparisons, analyse, p_of, || Some(fit.clone()))? {
        return emit_comparisons(&data, &result, |r| &r.warnings, &args.output);
    }
    report_to_stderr(&data, &fit.warnings);
    emit(&args.output, &fit.render(args.output.format))
}

/// Every arm's RMST and the contrasts from counts (two arms, or one).
fn fit_counts(counts: &survkit::counts::Counts, args: &RmstArgs) -> Result<(), Failure> {
    let options = RmstOptions {
        tau: args.tau,
        conf_level: args.conf_level,
        ..RmstOptions::default()
    };
    let fit = Rmst::fit_counts(counts, &options).map_err(failure)?;
    report_notes(&fit.dropped_rows, &fit.warnings);
    emit(&args.output, &fit.render(args.output.format))
}

/// The exit status of a fit that could not be done: 1 for valid data, 2 for bad input.
fn failure(e: survkit::RmstError) -> Failure {
    if e.is_analysis_error() {
        Failure::analysis(e)
    } else {
        Failure::input(e)
    }
}
