//! `survkit rmst`.

use clap::Args;
use survkit::model::Shape;
use survkit::{Render, Rmst, RmstOptions, SurvData};

use super::Failure;
use super::args::{ComparisonArgs, DataArgs, OutputArgs};
use super::run::{emit, emit_comparisons, load_arms, report_to_stderr, run_comparisons};

#[derive(Debug, Args)]
pub struct RmstArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Truncation time τ (default: the largest τ the data support, as survRM2 chooses it).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// Numeric covariates for the adjusted contrasts (Tian et al. 2014), e.g. age,ph.ecog.
    #[arg(long, value_delimiter = ',', value_name = "COL,...", conflicts_with = "formula")]
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
    let data = load_arms(&args.data, &args.comparisons, Shape::ArmAndCovariates, |columns| {
        columns.covariates(args.covariates.iter())
    })?;
    let options = RmstOptions {
        tau: args.tau,
        conf_level: args.conf_level,
        covariates: data.covariates.iter().map(|c| c.name().to_string()).collect(),
        allow_tau_beyond_data: false,
    };
    let fit = Rmst::fit(&data, &options).map_err(|e| {
        if e.is_analysis_error() {
            Failure::analysis(e)
        } else {
            Failure::input(e)
        }
    })?;
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
