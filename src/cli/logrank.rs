//! `survkit logrank`.

use clap::Args;
use survkit::maxcombo::{MaxCombo, MaxComboError, MaxComboOptions};
use survkit::model::Shape;
use survkit::{LogRank, LogRankError, LogRankOptions, Render, Weights};

use super::Failure;
use super::args::{ComparisonArgs, CountArgs, DataArgs, OutputArgs, parse_with_from_str};
use super::run::{
    counts_of_rows, emit, emit_comparisons, load_arms, load_counts, refuse_regimen_of_counts, report_notes,
    report_to_stderr, run_comparisons, run_count_comparisons,
};

#[derive(Debug, Args)]
pub struct LogrankArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub counts: CountArgs,
    /// Weights: logrank, gehan, tarone-ware, peto, modified-peto, fh:RHO,GAMMA or mwlr:T
    /// (modestly weighted log-rank with t* = T, Magirr & Burman 2019).
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<Weights>)]
    pub weights: Weights,
    /// Test for a trend across the ordered groups (scores 1, 2, ..., k in level order).
    #[arg(long)]
    pub trend: bool,
    /// MaxCombo test of two groups: the largest |z| of the listed weighted statistics (default
    /// fh:0,0 fh:0,1 fh:1,0 fh:1,1), p-value from their joint normal distribution.
    #[arg(long, num_args = 0.., value_name = "WEIGHTS", value_parser = parse_with_from_str::<Weights>, conflicts_with_all = ["trend"])]
    pub maxcombo: Option<Vec<Weights>>,
    /// Each arm against the reference (--compare one pair, --regimen a platform's controls,
    /// --adjust the p-values): pairwise log-rank tests beside the k-sample test. Without these
    /// the test compares all groups at once.
    #[command(flatten)]
    pub comparisons: ComparisonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: LogrankArgs) -> Result<(), Failure> {
    if args.counts.counts {
        refuse_regimen_of_counts(&args.comparisons)?;
        let counts = load_counts(&args.data, &args.counts, true)?;
        return test_counts(&counts, &args);
    }
    if args.comparisons.regimen.is_none()
        && let Some(counts) = counts_of_rows(&args.data, Shape::Groups)?
    {
        return test_counts(&counts, &args);
    }
    let data = load_arms(&args.data, &args.comparisons, Shape::Groups, |columns| columns)?;
    let pairwise = args.comparisons.compare.is_some()
        || data.regimen.is_some()
        || args.comparisons.adjust != survkit::multiplicity::Adjustment::None;
    if pairwise && args.maxcombo.is_none() {
        let options = LogRankOptions {
            weights: args.weights,
            trend: false,
        };
        let analyse = |pair: &survkit::SurvData| LogRank::test(pair, &options);
        let global = || LogRank::test(&data, &options).ok();
        if let Some(result) = run_comparisons(&data, &args.comparisons, analyse, |t| Some(t.p_value), global)? {
            return emit_comparisons(&data.dropped, &result, |t| &t.warnings, &args.output);
        }
    }
    if let Some(options) = maxcombo_options(&args) {
        let test = MaxCombo::test(&data, &options).map_err(maxcombo_failure)?;
        report_to_stderr(&data, &test.warnings);
        return emit(&args.output, &test.render(args.output.format));
    }
    let options = LogRankOptions {
        weights: args.weights,
        trend: args.trend,
    };
    let test = LogRank::test(&data, &options).map_err(failure)?;
    report_to_stderr(&data, &test.warnings);
    emit(&args.output, &test.render(args.output.format))
}

/// The MaxCombo options of `--maxcombo` (its default weights when none are listed).
fn maxcombo_options(args: &LogrankArgs) -> Option<MaxComboOptions> {
    let weights = args.maxcombo.as_ref()?;
    let mut options = MaxComboOptions::default();
    if !weights.is_empty() {
        options.weights.clone_from(weights);
    }
    Some(options)
}

fn maxcombo_failure(e: MaxComboError) -> Failure {
    match e {
        MaxComboError::Data(LogRankError::NoEvents { .. })
        | MaxComboError::NoVariance { .. }
        | MaxComboError::Singular { .. } => Failure::analysis(e),
        _ => Failure::input(e),
    }
}

/// The k-sample (or trend, or MaxCombo) test from counts (`--counts`, or rows counted), or
/// each arm against the reference, as from the rows.
fn test_counts(counts: &survkit::counts::Counts, args: &LogrankArgs) -> Result<(), Failure> {
    if let Some(options) = maxcombo_options(args) {
        let test = MaxCombo::test_counts(counts, &options).map_err(maxcombo_failure)?;
        report_notes(&test.dropped_rows, &test.warnings);
        return emit(&args.output, &test.render(args.output.format));
    }
    if args.comparisons.any() {
        let options = LogRankOptions {
            weights: args.weights,
            trend: false,
        };
        let analyse = |pair: &survkit::counts::Counts| LogRank::test_counts(pair, &options);
        let global = || LogRank::test_counts(counts, &options).ok();
        let p_of = |t: &LogRank| Some(t.p_value);
        if let Some(result) = run_count_comparisons(counts, &args.comparisons, analyse, p_of, global)? {
            return emit_comparisons(counts.dropped(), &result, |t| &t.warnings, &args.output);
        }
    }
    let options = LogRankOptions {
        weights: args.weights,
        trend: args.trend,
    };
    let test = LogRank::test_counts(counts, &options).map_err(failure)?;
    report_notes(&test.dropped_rows, &test.warnings);
    emit(&args.output, &test.render(args.output.format))
}

/// The exit status of a test that could not be done: 1 for valid data without a test, 2 for
/// bad input.
fn failure(e: LogRankError) -> Failure {
    match e {
        LogRankError::NoEvents { .. } | LogRankError::Degenerate { .. } | LogRankError::NoVariance { .. } => {
            Failure::analysis(e)
        }
        _ => Failure::input(e),
    }
}
