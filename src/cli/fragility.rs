//! `survkit fragility counts`, `survkit fragility survival` and `survkit fragility competing`.

use clap::{Args, Subcommand};
use survkit::fragility::{
    ArmCounts, CountsFragility, CountsOptions, CountsTest, GrayFlip, GrayFragility, GrayFragilityOptions, Lost,
    SurvivalFragility, SurvivalMethod, SurvivalOptions, SurvivalTest,
};
use survkit::model::Shape;
use survkit::{Render, SurvData};

use super::Failure;
use super::args::{ComparisonArgs, DataArgs, OutputArgs, parse_with_from_str};
use super::cif::{CensorArgs, load_competing};
use super::run::{comparison_data, emit, emit_comparisons, load_arms, report_to_stderr, run_comparisons};

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
    /// Fragility of Gray's test of equal cumulative incidence of one cause across groups: the
    /// fewest status changes (cause ↔ censored, cause ↔ another cause) that move p across α.
    Competing(CompetingArgs),
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
    pub comparisons: ComparisonArgs,
    /// With several comparisons, measure each one's fragility against the level its p-value
    /// had to pass under --adjust (Bonferroni α/m; Holm and Hochberg α/(m − i + 1) for the i-th
    /// smallest p), not α.
    #[arg(long)]
    pub alpha_adjusted: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CompetingArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub censor: CensorArgs,
    /// The cause of interest, as written in the status column.
    #[arg(long, value_name = "K")]
    pub cause: String,
    /// Significance level (significant means p < α).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Gray's test weight power ρ (cuminc's rho).
    #[arg(long, default_value_t = 0.0)]
    pub rho: f64,
    /// Status changes allowed: cause-censor (a failure from the cause ↔ censored),
    /// between-causes (a failure from the cause ↔ another cause), or both.
    #[arg(long, value_delimiter = ',', value_name = "KIND,...",
          default_value = "cause-censor,between-causes", value_parser = parse_with_from_str::<GrayFlip>)]
    pub flips: Vec<GrayFlip>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: FragilityArgs) -> Result<(), Failure> {
    match args.command {
        FragilityCommand::Counts(args) => counts(args),
        FragilityCommand::Survival(args) => survival(args),
        FragilityCommand::Competing(args) => competing(args),
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
    let data = load_arms(&args.data, &args.comparisons, Shape::Groups, |columns| columns)?;
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
    // each arm against the reference: that arm is the experimental one
    let analyse = |alpha: f64| {
        let options = &options;
        move |pair: &SurvData| {
            let arm = survkit::comparisons::arm_of(pair);
            SurvivalFragility::compute(
                pair,
                &SurvivalOptions {
                    alpha,
                    experimental: arm,
                    ..options.clone()
                },
            )
        }
    };
    let p_of = |f: &SurvivalFragility| Some(f.p_value);
    if let Some(mut result) = run_comparisons(&data, &args.comparisons, analyse(args.alpha), p_of, || None)? {
        if args.alpha_adjusted {
            // again, each against the level its p-value had to pass
            let p: Vec<Option<f64>> = result.comparisons.iter().map(|c| c.p_value).collect();
            let levels = args.comparisons.adjust.levels(&p, args.alpha);
            let pairs = comparison_data(&data, &args.comparisons)?;
            for ((c, level), pair) in result.comparisons.iter_mut().zip(levels).zip(pairs) {
                if let Some(level) = level {
                    c.result = analyse(level)(&pair).map_err(|e| e.to_string());
                }
            }
        }
        return emit_comparisons(&data.dropped, &result, |f| &f.warnings, &args.output);
    }
    if args.alpha_adjusted {
        return Err(Failure::input(anyhow::anyhow!(
            "--alpha-adjusted applies to comparisons of more than two arms (or --compare A,B)"
        )));
    }
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

fn competing(args: CompetingArgs) -> Result<(), Failure> {
    let data = load_competing(&args.data, &args.censor, Shape::Groups, |columns| columns)?;
    let options = GrayFragilityOptions {
        cause: args.cause,
        alpha: args.alpha,
        rho: args.rho,
        flips: args.flips,
    };
    let result = GrayFragility::compute(&data, &options).map_err(|e| {
        if e.is_analysis_error() {
            Failure::analysis(e)
        } else {
            Failure::input(e)
        }
    })?;
    report_to_stderr(data.data(), &result.warnings);
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
