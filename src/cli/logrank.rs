//! `survkit logrank`.

use clap::Args;
use survkit::{LogRank, LogRankError, LogRankOptions, Render, Weights};

use super::Failure;
use super::args::{DataArgs, OutputArgs, parse_with_from_str};
use super::run::{emit, load, report_to_stderr};

#[derive(Debug, Args)]
pub struct LogrankArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Weights: logrank, gehan, tarone-ware, peto, modified-peto or fh:RHO,GAMMA.
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<Weights>)]
    pub weights: Weights,
    /// Test for a trend across the ordered groups (scores 1, 2, ..., k in level order).
    #[arg(long)]
    pub trend: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: LogrankArgs) -> Result<(), Failure> {
    let data = load(&args.data)?;
    let options = LogRankOptions {
        weights: args.weights,
        trend: args.trend,
    };
    let test = LogRank::test(&data, &options).map_err(|e| match e {
        LogRankError::NoEvents { .. } | LogRankError::Degenerate { .. } | LogRankError::NoVariance { .. } => {
            Failure::analysis(e)
        }
        _ => Failure::input(e),
    })?;
    report_to_stderr(&data, &test.warnings);
    emit(&args.output, &test.render(args.output.format))
}
