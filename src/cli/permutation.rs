//! `survkit permutation`.

use clap::Args;
use survkit::bootstrap::PermutationPlan;
use survkit::bootstrap::{PermutationMethod, engine};
use survkit::model::Shape;
use survkit::{Permutation, PermutationOptions, Render, SurvData, Weights};

use super::Failure;
use super::args::{ComparisonArgs, DataArgs, OutputArgs, parse_with_from_str};
use super::bootstrap::{default_threads, progress_bar};
use super::run::{emit, emit_comparisons, load_arms, report_to_stderr, run_comparisons};

/// How a permutation test runs (shared by `permutation` and `cafs`).
#[derive(Debug, Args)]
pub struct PermutationRunArgs {
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
}

impl PermutationRunArgs {
    /// Tells the user the seed a Monte Carlo run drew for itself.
    pub fn note_drawn_seed(&self, used: Option<u64>) {
        if let (None, Some(seed)) = (self.seed, used) {
            eprintln!("seed: {seed} (drawn; pass --seed {seed} to repeat this run)");
        }
    }

    /// The plan, with a fresh seed when none was given.
    pub fn plan(&self) -> PermutationPlan {
        PermutationPlan {
            method: self.method,
            permutations: self.permutations,
            exact_limit: self.exact_limit,
            seed: self.seed.unwrap_or_else(engine::fresh_seed),
            threads: self.threads.unwrap_or_else(default_threads),
        }
    }
}

#[derive(Debug, Args)]
pub struct PermutationArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Weights: logrank, gehan, tarone-ware, peto, modified-peto or fh:RHO,GAMMA.
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<Weights>)]
    pub weights: Weights,
    #[command(flatten)]
    pub run: PermutationRunArgs,
    #[command(flatten)]
    pub comparisons: ComparisonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: PermutationArgs) -> Result<(), Failure> {
    let data = load_arms(&args.data, &args.comparisons, Shape::Groups, |columns| columns)?;
    let plan = args.run.plan();
    let options = PermutationOptions {
        weights: args.weights,
        method: plan.method,
        permutations: plan.permutations,
        exact_limit: plan.exact_limit,
        seed: plan.seed,
        threads: plan.threads,
    };
    let analyse = |pair: &SurvData| Permutation::test(pair, &options, &|| {});
    let global = || Permutation::test(&data, &options, &|| {}).ok();
    if let Some(result) = run_comparisons(&data, &args.comparisons, analyse, |t| Some(t.p_value), global)? {
        args.run
            .note_drawn_seed(result.comparisons.iter().find_map(|c| c.result.as_ref().ok()?.seed));
        return emit_comparisons(&data.dropped, &result, |t| &t.warnings, &args.output);
    }
    let test = with_progress(&plan, |progress| Permutation::test(&data, &options, progress)).map_err(|e| match e {
        survkit::bootstrap::PermutationError::NoTest { .. } => Failure::analysis(e),
        _ => Failure::input(e),
    })?;
    args.run.note_drawn_seed(test.seed);
    report_to_stderr(&data, &test.warnings);
    emit(&args.output, &test.render(args.output.format))
}

/// Runs a permutation test with a progress bar on a terminal.
pub fn with_progress<T>(plan: &PermutationPlan, test: impl FnOnce(&(dyn Fn() + Sync)) -> T) -> T {
    let bar = progress_bar(plan.permutations as u64, "permutations");
    let result = test(&|| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    result
}
