//! `survkit bootstrap` and `survkit bootstrap merge`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::anyhow;
use clap::{ArgMatches, Args, FromArgMatches, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use survkit::bootstrap::{BootstrapData, BootstrapOptions, BootstrapReplicates, IntervalMethod, Statistic, engine};
use survkit::model::Shape;
use survkit::{Bootstrap, Columns, CompetingData, Render, SurvData, Ties, Weights};

use super::Failure;
use super::args::{ComparisonArgs, DataArgs, OutputArgs, parse_with_from_str};
use super::cif::{CensorArgs, load_competing};
use super::run::{emit, emit_comparisons, load_arms, report_to_stderr, run_comparisons, write_atomically};

/// `survkit bootstrap FILE ...` runs a bootstrap; `survkit bootstrap merge FILES...` merges
/// shards. (clap's derive cannot make a flattened group optional beside a subcommand, so this
/// one type is wired by hand.)
#[derive(Debug)]
pub enum BootstrapArgs {
    Run(Box<RunArgs>),
    Merge(MergeArgs),
}

#[derive(Debug, Subcommand)]
pub enum BootstrapCommand {
    /// Merge replicate files of adjacent replicate ranges (from --save-replicates) into the
    /// result one run over the whole range gives.
    Merge(MergeArgs),
}

impl FromArgMatches for BootstrapArgs {
    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        if matches.subcommand_name().is_some() {
            let BootstrapCommand::Merge(merge) = BootstrapCommand::from_arg_matches_mut(matches)?;
            Ok(BootstrapArgs::Merge(merge))
        } else {
            Ok(BootstrapArgs::Run(Box::new(RunArgs::from_arg_matches_mut(matches)?)))
        }
    }
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut matches.clone())
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for BootstrapArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        BootstrapCommand::augment_subcommands(RunArgs::augment_args(command))
            .args_conflicts_with_subcommands(true)
            .subcommand_negates_reqs(true)
    }
    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Replicate files written by --save-replicates.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Also write the merged replicates to this file.
    #[arg(long, value_name = "FILE")]
    pub save_replicates: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The statistic: log-hr, hr, logrank, rmst-diff, rmst-ratio, median-diff or survival-diff:T;
    /// on competing-risks data (with --cause) cif-diff:T or log-shr.
    #[arg(long, value_parser = parse_with_from_str::<Statistic>)]
    pub statistic: Statistic,
    /// The cause of interest, a value of the status column, for cif-diff:T and log-shr (the
    /// status then holds a censoring value and one or more causes).
    #[arg(long, value_name = "K")]
    pub cause: Option<String>,
    #[command(flatten)]
    pub censor: CensorArgs,
    /// Covariates of the Cox model (log-hr, hr), e.g. age,ph.ecog.
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub covariates: Vec<String>,
    /// Covariates to treat as categorical.
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub factors: Vec<String>,
    /// τ for rmst-diff and rmst-ratio (default: survRM2's rule on the original data).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// Number of replicates B.
    #[arg(long, default_value_t = 2000)]
    pub replicates: usize,
    /// Run only replicates A..B of the ensemble (a shard, for merging), e.g. 0..50000.
    #[arg(long, value_name = "A..B")]
    pub replicate_range: Option<String>,
    /// Seed; without one, a seed is drawn and printed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); the result does not depend on them.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Resample within each arm, keeping arm sizes fixed.
    #[arg(long)]
    pub stratify: bool,
    /// Intervals: percentile, basic, normal, bca, a comma-separated list, or all.
    #[arg(long, default_value = "percentile,bca", value_name = "METHOD,...")]
    pub ci: String,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Significance level for the share of significant replicates.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Ties of the Cox model: efron (default; breslow with --firth) or breslow.
    #[arg(long, value_parser = parse_with_from_str::<Ties>)]
    pub ties: Option<Ties>,
    /// Firth's penalised likelihood for log-hr and hr: finite when a resample has an arm
    /// without events.
    #[arg(long)]
    pub firth: bool,
    /// Weights of the logrank statistic: logrank, gehan, tarone-ware, peto, modified-peto or fh:RHO,GAMMA.
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<Weights>)]
    pub weights: Weights,
    /// Write every replicate to this file (JSON), for `survkit bootstrap merge`.
    #[arg(long, value_name = "FILE")]
    pub save_replicates: Option<PathBuf>,
    #[command(flatten)]
    pub comparisons: ComparisonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: BootstrapArgs) -> Result<(), Failure> {
    match args {
        BootstrapArgs::Merge(merge) => run_merge(merge),
        BootstrapArgs::Run(run) => run_bootstrap(*run),
    }
}

fn run_bootstrap(args: RunArgs) -> Result<(), Failure> {
    for factor in &args.factors {
        if !args.covariates.contains(factor) {
            return Err(Failure::input(anyhow!(
                "--factors names '{factor}', which is not in --covariates"
            )));
        }
    }
    let model = |columns: survkit::Columns| columns.covariates(args.covariates.iter()).factors(args.factors.iter());
    let loaded = Resampled::load(
        &args.data,
        args.statistic,
        &args.cause,
        &args.censor,
        model,
        |data, model| load_arms(data, &args.comparisons, Shape::ArmAndModel, model),
    )?;
    let replicates = match &args.replicate_range {
        Some(text) => parse_range(text).map_err(Failure::input)?,
        None => 0..args.replicates,
    };
    let seed = args.seed.unwrap_or_else(|| {
        let seed = engine::fresh_seed();
        eprintln!("seed: {seed} (drawn; pass --seed {seed} to repeat this run)");
        seed
    });
    let options = BootstrapOptions {
        statistic: args.statistic,
        replicates,
        seed,
        threads: args.threads.unwrap_or_else(default_threads),
        stratify: args.stratify,
        intervals: IntervalMethod::parse_list(&args.ci).map_err(|e| Failure::input(anyhow!(e)))?,
        conf_level: args.conf_level,
        alpha: args.alpha,
        tau: args.tau,
        ties: args
            .ties
            .unwrap_or(if args.firth { Ties::Breslow } else { Ties::Efron }),
        firth: args.firth,
        weights: args.weights,
    };
    if args.comparisons.regimen.is_some()
        && (matches!(loaded, Resampled::Competing(..)) || options.statistic == Statistic::LogRank)
    {
        return Err(Failure::input(anyhow!(
            "--regimen (platform controls) is not available for {} yet",
            options.statistic
        )));
    }
    if matches!(loaded, Resampled::Competing(..)) && args.comparisons.compare.is_some() {
        return Err(Failure::input(anyhow!(
            "--compare is not available for cif-diff:T and log-shr yet; keep the two arms' rows in the file"
        )));
    }
    if let Resampled::Survival(data) = &loaded
        && options.statistic != Statistic::LogRank
    {
        if args.save_replicates.is_some() && args.comparisons.wanted(data)?.is_some() {
            return Err(Failure::input(anyhow!(
                "--save-replicates keeps the replicates of two arms: with more, run each pair with --compare A,B and --replicate-range"
            )));
        }
        let analyse = |pair: &SurvData| BootstrapReplicates::run(pair, &options, &|| {}).map(|r| r.summary());
        let p_of = |b: &Bootstrap| b.estimate_p_value;
        if let Some(result) = run_comparisons(data, &args.comparisons, analyse, p_of, || None)? {
            return emit_comparisons(&data.dropped, &result, |b| &b.warnings, &args.output);
        }
    }
    let bar = progress_bar(options.replicates.len() as u64, "replicates");
    let result = BootstrapReplicates::run(loaded.input(), &options, &|| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let replicates = result.map_err(|e| {
        if e.is_analysis_error() {
            Failure::analysis(e)
        } else {
            Failure::input(e)
        }
    })?;
    if let Some(path) = &args.save_replicates {
        save(path, &replicates)?;
    }
    let summary = replicates.summary();
    report_to_stderr(loaded.data(), &summary.warnings);
    emit(&args.output, &summary.render(args.output.format))
}

/// The data a bootstrap resamples, read as the statistic needs them: with a status of causes
/// and the cause of interest for cif-diff:T and log-shr, as single-event data otherwise.
pub enum Resampled {
    Survival(SurvData),
    Competing(CompetingData, String),
}

impl Resampled {
    /// Reads the data; `plain` reads single-event data with the model's columns added.
    pub fn load(
        args: &DataArgs,
        statistic: Statistic,
        cause: &Option<String>,
        censor: &CensorArgs,
        model: impl Fn(Columns) -> Columns,
        plain: impl FnOnce(&DataArgs, &dyn Fn(Columns) -> Columns) -> Result<SurvData, Failure>,
    ) -> Result<Resampled, Failure> {
        match (cause, statistic.needs_cause()) {
            (Some(cause), true) => Ok(Resampled::Competing(
                load_competing(args, censor, Shape::ArmAndModel, &model)?,
                cause.clone(),
            )),
            (None, false) => Ok(Resampled::Survival(plain(args, &model)?)),
            (None, true) => Err(Failure::input(anyhow!(
                "{statistic} needs --cause K: the cause of interest, a value of --status"
            ))),
            (Some(_), false) => Err(Failure::input(anyhow!(
                "--cause applies to cif-diff:T and log-shr, not to {statistic}"
            ))),
        }
    }

    pub fn input(&self) -> BootstrapData<'_> {
        match self {
            Resampled::Survival(data) => BootstrapData::Survival(data),
            Resampled::Competing(data, cause) => BootstrapData::Competing { data, cause },
        }
    }

    pub fn data(&self) -> &SurvData {
        match self {
            Resampled::Survival(data) => data,
            Resampled::Competing(data, _) => data.data(),
        }
    }
}

fn run_merge(args: MergeArgs) -> Result<(), Failure> {
    let parts = args
        .files
        .iter()
        .map(|path| {
            super::run::remember_input(path);
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(anyhow!("{}: cannot read: {e}", path.display())))?;
            serde_json::from_str::<BootstrapReplicates>(&text).map_err(|e| {
                Failure::input(anyhow!(
                    "{}: not a replicate file written by --save-replicates: {e}",
                    path.display()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let merged = BootstrapReplicates::merge(parts).map_err(Failure::input)?;
    if let Some(path) = &args.save_replicates {
        save(path, &merged)?;
    }
    let summary = merged.summary();
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    emit(&args.output, &summary.render(args.output.format))
}

fn save(path: &std::path::Path, replicates: &BootstrapReplicates) -> Result<(), Failure> {
    let text = serde_json::to_string(replicates).map_err(Failure::analysis)?;
    write_atomically(path, &(text + "\n")).map_err(Failure::input)
}

/// "A..B" with A < B.
pub(super) fn parse_range(text: &str) -> anyhow::Result<std::ops::Range<usize>> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| anyhow!("--replicate-range expects A..B (e.g. 0..50000), got '{text}'"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<usize>()
            .map_err(|_| anyhow!("--replicate-range expects whole numbers A..B, got '{text}'"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if a >= b {
        return Err(anyhow!("--replicate-range {text} is empty: A must be below B"));
    }
    Ok(a..b)
}

pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A progress bar on stderr, only when stderr is a terminal (so piped output stays clean).
pub fn progress_bar(total: u64, what: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what}, {{per_sec}}, {{eta}} left");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    Some(bar)
}
