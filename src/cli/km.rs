//! `survkit km`.

use clap::Args;
use survkit::model::Shape;
use survkit::{ConfType, Format, KaplanMeier, KmOptions, Render};

use super::Failure;
use super::args::{CountArgs, DataArgs, OutputArgs, parse_with_from_str};
use super::run::{counts_of_rows, emit, load_counts, load_model, report_notes};

#[derive(Debug, Args)]
pub struct KmArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub counts: CountArgs,
    /// Scale of the pointwise confidence limits: log, log-log, plain, logit or arcsin.
    #[arg(long, default_value = "log", value_parser = parse_with_from_str::<ConfType>)]
    pub conf_type: ConfType,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Quantiles of survival time to report, e.g. 0.25,0.5,0.75.
    #[arg(long, value_delimiter = ',', value_name = "P,...")]
    pub quantiles: Vec<f64>,
    /// Times at which to report survival, e.g. 180,365.
    #[arg(long, value_delimiter = ',', value_name = "T,...")]
    pub at: Vec<f64>,
    /// Add the Nelson–Aalen cumulative hazard and its standard error.
    #[arg(long)]
    pub cumhaz: bool,
    /// In table format, also print every step of every curve.
    #[arg(long)]
    pub steps: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: KmArgs) -> Result<(), Failure> {
    let options = KmOptions {
        conf_type: args.conf_type,
        conf_level: args.conf_level,
        quantiles: args.quantiles,
        at: args.at,
        cumhaz: args.cumhaz,
    };
    let fit = if args.counts.counts {
        let counts = load_counts(&args.data, &args.counts, true)?;
        KaplanMeier::fit_counts(&counts, &options)
    } else if let Some(counts) = counts_of_rows(&args.data, Shape::Groups)? {
        KaplanMeier::fit_counts(&counts, &options)
    } else {
        let data = load_model(&args.data, Shape::Groups, |columns| columns)?;
        KaplanMeier::fit(&data, &options)
    }
    .map_err(Failure::input)?;
    report_notes(&fit.dropped_rows, &fit.warnings);
    let mut text = fit.render(args.output.format);
    if args.steps && args.output.format == Format::Table {
        text.push_str(&survkit::output::km_steps_table(&fit));
    }
    emit(&args.output, &text)
}
