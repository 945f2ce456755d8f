//! `survkit fragility counts` and `survkit fragility survival`.

use clap::{Args, Subcommand};
use survkit::Render;
use survkit::fragility::{
    ArmCounts, CountsFragility, CountsOptions, CountsTest, Lost, SurvivalFragility, SurvivalMethod, SurvivalOptions,
    SurvivalTest,
};
use survkit::model::Shape;

use super::Failure;
use super::args::{DataArgs, OutputArgs, parse_with_from_str};
use super::run::{emit, load_model, report_to_stderr};

#[derive(Debug, Args)]
pub struct FragilityArgs {
    #[command(subcommand)]
    pub command: FragilityCommand,
}

#[derive(Debug, Subcommand)]
pub enum FragilityCommand {
    /// Fragility of a 2×2 table of events: signed fragility index, Walsh's rule, fragility
    /// quotient, incidence fragility index, loss to follow-up, and the path of tables.
    Counts(CountsArgs),
    /// Fragility of a two-arm survival comparison: status-flip index, SIFI, what-if table,
    /// leave-one-out influence.
    Survival(SurvivalArgs),
}

#[derive(Debug, Args)]
pub struct CountsArgs {
    /// Events/patients in the treatment arm, e.g. 1/59.
    #[arg(long, value_name = "EVENTS/TOTAL", value_parser = parse_with_from_str::<ArmCounts>)]
    pub treatment: ArmCounts,
    /// Events/patients in the control arm, e.g. 4/41.
    #[arg(long, value_name = "EVENTS/TOTAL", value_parser = parse_with_from_str::<ArmCounts>)]
    pub control: ArmCounts,
    /// Test: fisher (two-sided, as R's fisher.test), mid-p, chi-square or chi-square-yates.
    #[arg(long, default_value = "fisher", value_parser = parse_with_from_str::<CountsTest>)]
    pub test: CountsTest,
    /// Significance level (significant means p < α).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Incidence fragility index: allow a flip only when the new outcome's observed proportion
    /// in the arm is ≥ Q (Baer, Gaba & Wells 2021).
    #[arg(long, value_name = "Q")]
    pub q: Option<f64>,
    /// Patients lost to follow-up in the treatment and control arms, e.g. 3/2.
    #[arg(long, value_name = "T/C", value_parser = parse_with_from_str::<Lost>)]
    pub lost: Option<Lost>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SurvivalArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Test: logrank, cox-wald, cox-lr or rmst (RMST difference, τ fixed from the data).
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<SurvivalTest>)]
    pub test: SurvivalTest,
    /// τ for the RMST test and differences (default: survRM2's rule on the original data).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// Index: status (status flips), sifi (Bomze et al. 2020, four variants) or all.
    #[arg(long, default_value = "status", value_parser = parse_with_from_str::<SurvivalMethod>)]
    pub method: SurvivalMethod,
    /// Significance level (significant means p < α).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Add the results with k = −3..3 events moved between the arms.
    #[arg(long)]
    pub what_if: bool,
    /// Add the leave-one-out influence of each participant on the HR and p.
    #[arg(long)]
    pub influence: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: FragilityArgs) -> Result<(), Failure> {
    match args.command {
        FragilityCommand::Counts(args) => counts(args),
        FragilityCommand::Survival(args) => survival(args),
    }
}

fn counts(args: CountsArgs) -> Result<(), Failure> {
    let options = CountsOptions {
        test: args.test,
        alpha: args.alpha,
        q: args.q,
        lost: args.lost,
    };
    let result = CountsFragility::compute(args.treatment, args.control, &options).map_err(Failure::input)?;
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    emit(&args.output, &result.render(args.output.format))
}

fn survival(args: SurvivalArgs) -> Result<(), Failure> {
    let data = load_model(&args.data, Shape::Groups, |columns| columns)?;
    let experimental = experimental_arm(&args.data, &data);
    let options = SurvivalOptions {
        test: args.test,
        tau: args.tau,
        method: args.method,
        alpha: args.alpha,
        experimental,
        what_if: args.what_if,
        influence: args.influence,
    };
    let result = SurvivalFragility::compute(&data, &options).map_err(|e| {
        if e.is_analysis_error() {
            Failure::analysis(e)
        } else {
            Failure::input(e)
        }
    })?;
    report_to_stderr(&data, &result.warnings);
    emit(&args.output, &result.render(args.output.format))
}

/// The experimental arm: with `--reference GROUP=LEVEL`, LEVEL is the control arm and the other
/// level is experimental; without it, `None` (the fragility code then picks the arm with HR < 1).
pub fn experimental_arm(args: &DataArgs, data: &survkit::SurvData) -> Option<String> {
    let control = args.group.as_ref().and_then(|column| {
        args.reference
            .iter()
            .filter_map(|spec| spec.split_once('='))
            .find(|(c, _)| c.trim() == column)
            .map(|(_, level)| level.trim().to_string())
    })?;
    data.group
        .as_ref()
        .and_then(|g| g.levels.iter().find(|l| **l != control).cloned())
}
