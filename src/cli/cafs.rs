//! `survkit cafs`.

use clap::Args;
use survkit::Render;
use survkit::win::{Cafs, CafsOptions};

use super::Failure;
use super::args::OutputArgs;
use super::permutation::{PermutationRunArgs, with_progress};
use super::run::{emit, report_to_stderr, write_atomically};
use super::win::{FragilityArgs, PairwiseDataArgs, failure};

#[derive(Debug, Args)]
pub struct CafsArgs {
    #[command(flatten)]
    pub data: PairwiseDataArgs,
    #[command(flatten)]
    pub run: PermutationRunArgs,
    #[command(flatten)]
    pub fragility: FragilityArgs,
    /// Write each participant's pairwise score (wins − losses) and CAFS rank to this CSV.
    #[arg(long, value_name = "FILE")]
    pub ranks: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: CafsArgs) -> Result<(), Failure> {
    let data = args.data.load(None)?;
    let options = CafsOptions {
        score: args.data.score.clone(),
        direction: args.data.direction(),
        threshold: args.data.threshold,
        permutation: args.run.plan(),
        fragility: args.fragility.options(),
    };
    let test =
        with_progress(&options.permutation, |progress| Cafs::test(&data, &options, progress)).map_err(failure)?;
    args.run.note_drawn_seed(test.seed);
    if let Some(path) = &args.ranks {
        write_atomically(path, &survkit::output::cafs_ranks_csv(&test, &data)).map_err(Failure::input)?;
    }
    report_to_stderr(&data, &test.warnings);
    emit(&args.output, &test.render(args.output.format))
}
