//! `survkit rmst`.

use clap::Args;
use survkit::model::Shape;
use survkit::{Render, Rmst, RmstOptions};

use super::Failure;
use super::args::{DataArgs, OutputArgs};
use super::run::{emit, load_model, report_to_stderr};

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
    pub output: OutputArgs,
}

pub fn run(args: RmstArgs) -> Result<(), Failure> {
    let data = load_model(&args.data, Shape::ArmAndCovariates, |columns| {
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
    report_to_stderr(&data, &fit.warnings);
    emit(&args.output, &fit.render(args.output.format))
}
