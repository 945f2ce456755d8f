//! `survkit permutation`.

use clap::Args;
use survkit::bootstrap::{PermutationMethod, engine};
use survkit::{Permutation, PermutationOptions, Render, Weights};

use super::Failure;
use super::args::{DataArgs, OutputArgs, parse_with_from_str};
use super::bootstrap::{default_threads, progress_bar};
use super::run::{emit, load, report_to_stderr};

#[derive(Debug, Args)]
pub struct PermutationArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Weights: logrank, gehan, tarone-ware, peto, modified-peto or fh:RHO,GAMMA.
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<Weights>)]
    pub weights: Weights,
    /// auto (exact when the label assignments number at most --exact-limit), exact or monte-carlo.
    #[arg(long, default_value = "auto", value_parser = parse_with_from_str::<PermutationMethod>)]
    pub method: PermutationMethod,
    /// Random permutations for the Monte Carlo test.
    #[arg(long, default_value_t = 10_000)]
    pub permutations: usize,
    /// The most label assignments enumerated exactly.
    #[arg(long, default_value_t = 1_000_000)]
    pub exact_limit: u64,
    /// Seed of the Monte Carlo permutations; without one, a seed is drawn and printed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); the result does not depend on them.
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: PermutationArgs) -> Result<(), Failure> {
    let data = load(&args.data)?;
    let options = PermutationOptions {
        weights: args.weights,
        method: args.method,
        permutations: args.permutations,
        exact_limit: args.exact_limit,
        seed: args.seed.unwrap_or_else(engine::fresh_seed),
        threads: args.threads.unwrap_or_else(default_threads),
    };
    let bar = progress_bar(args.permutations as u64, "permutations");
    let result = Permutation::test(&data, &options, &|| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let test = result.map_err(|e| match e {
        survkit::bootstrap::permutation::PermutationError::NoTest { .. } => Failure::analysis(e),
        _ => Failure::input(e),
    })?;
    if args.seed.is_none() && test.seed.is_some() {
        eprintln!(
            "seed: {} (drawn; pass --seed {} to repeat this run)",
            options.seed, options.seed
        );
    }
    report_to_stderr(&data, &test.warnings);
    emit(&args.output, &test.render(args.output.format))
}
