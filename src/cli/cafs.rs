//! `survkit cafs`.

use anyhow::anyhow;
use clap::Args;
use survkit::win::{Cafs, CafsOptions};
use survkit::{Render, SurvData};

use super::Failure;
use super::args::{ComparisonArgs, OutputArgs};
use super::permutation::{PermutationRunArgs, with_progress};
use super::run::{emit, emit_comparisons, report_to_stderr, run_comparisons, write_atomically};
use super::win::{FragilityArgs, PairwiseDataArgs, failure};

#[derive(Debug, Args)]
pub struct CafsArgs {
    #[command(flatten)]
    pub data: PairwiseDataArgs,
    #[command(flatten)]
    pub run: PermutationRunArgs,
    #[command(flatten)]
    pub fragility: FragilityArgs,
    /// More than two arms: each against the reference on that pair's participants (--compare
    /// one pair, --adjust the rank-sum p-values, --regimen a platform's controls).
    #[command(flatten)]
    pub comparisons: ComparisonArgs,
    /// Write each participant's pairwise score (wins − losses) and CAFS rank to this CSV.
    #[arg(long, value_name = "FILE")]
    pub ranks: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: CafsArgs) -> Result<(), Failure> {
    let data = args.data.load(None, |columns| args.comparisons.columns(columns))?;
    let options = CafsOptions {
        score: args.data.score.clone(),
        direction: args.data.direction(),
        threshold: args.data.threshold,
        later_scores: args.data.later_scores.clone(),
        permutation: args.run.plan(),
        fragility: args.fragility.options(),
    };
    if args.ranks.is_some() && args.comparisons.wanted(&data)?.is_some() {
        return Err(Failure::input(anyhow!(
            "--ranks writes the ranks of one two-arm analysis, and this analysis runs per comparison: \
             keep the two arms' rows in a file of their own"
        )));
    }
    let analyse = |pair: &SurvData| Cafs::test(pair, &options, &|| {});
    let p_of = |c: &Cafs| c.p_value;
    if let Some(result) = run_comparisons(&data, &args.comparisons, analyse, p_of, || None)? {
        return emit_comparisons(&data.dropped, &result, |c| &c.warnings, &args.output);
    }
    let test =
        with_progress(&options.permutation, |progress| Cafs::test(&data, &options, progress)).map_err(failure)?;
    args.run.note_drawn_seed(test.seed);
    if let Some(path) = &args.ranks {
        write_atomically(path, &survkit::output::cafs_ranks_csv(&test, &data)).map_err(Failure::input)?;
    }
    report_to_stderr(&data, &test.warnings);
    emit(&args.output, &test.render(args.output.format))
}
