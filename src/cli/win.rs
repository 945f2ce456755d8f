//! `survkit win`, and the data arguments it shares with `survkit cafs`.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use survkit::win::{Direction, FragilityOptions, LaterScore, WinBootstrapOptions, WinError, WinOptions, WinStatistics};
use survkit::{Columns, Render, SurvData};

use super::Failure;
use super::args::{ComparisonArgs, OutputArgs};
use super::run::{emit, emit_comparisons, report_to_stderr, run_comparisons};

/// One row per participant: follow-up, death, arm and the function score.
#[derive(Debug, Args)]
pub struct PairwiseDataArgs {
    /// Data file, one row per participant: CSV with a header row, or Parquet (`.parquet`) or
    /// Arrow IPC (`.arrow`, `.feather`), chosen by extension.
    pub file: PathBuf,
    /// Column holding the follow-up (exit) time.
    #[arg(long, value_name = "COL")]
    pub time: String,
    /// Column holding the death indicator: 0/1, TRUE/FALSE, or 1/2 (1 = censored, 2 = death).
    #[arg(long, value_name = "COL")]
    pub event: String,
    /// Rows whose event column equals V are deaths, all others censored.
    #[arg(long, value_name = "V")]
    pub event_value: Option<String>,
    /// Column with the arm labels (exactly two arms).
    #[arg(long, value_name = "COL")]
    pub group: String,
    /// The reference (control) arm; the other arm is compared with it. Default: the first
    /// level in R's factor order.
    #[arg(long, value_name = "LEVEL")]
    pub reference: Option<String>,
    /// Numeric column with the function score compared when death does not decide a pair;
    /// a participant without a score (empty or NA) is compared on death only.
    #[arg(long, value_name = "COL")]
    pub score: String,
    /// A lower score is better (default: higher is better).
    #[arg(long)]
    pub lower_is_better: bool,
    /// Score differences of at most X are ties.
    #[arg(long, value_name = "X", default_value_t = 0.0)]
    pub threshold: f64,
    /// A further score compared, in the order given, on the pairs that death and the scores
    /// before it leave tied: COL, COL:lower (lower is better) or COL:higher:X (differences of
    /// at most X are ties). Up to four, e.g. --then fvc_change:higher:5.
    #[arg(long = "then", value_name = "COL[:higher|lower[:X]]", value_parser = str::parse::<LaterScore>)]
    pub later_scores: Vec<LaterScore>,
    /// Fail on rows with missing values instead of dropping them.
    #[arg(long)]
    pub strict: bool,
}

impl PairwiseDataArgs {
    pub fn direction(&self) -> Direction {
        if self.lower_is_better {
            Direction::LowerIsBetter
        } else {
            Direction::HigherIsBetter
        }
    }

    /// Reads the file with the scores as numeric covariates and `strata` when given, `extra`
    /// adding columns (a platform's regimen).
    pub fn load(&self, strata: Option<&str>, extra: impl FnOnce(Columns) -> Columns) -> Result<SurvData, Failure> {
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(Failure::input(anyhow!(
                "--threshold must be a number ≥ 0, got {}",
                self.threshold
            )));
        }
        let mut columns = survkit::win::columns(&self.time, &self.event, &self.group, &self.score, &self.later_scores)
            .strict(self.strict);
        columns.event_value.clone_from(&self.event_value);
        if let Some(level) = &self.reference {
            columns = columns.reference(&self.group, level);
        }
        if let Some(s) = strata {
            columns = columns.strata(s);
        }
        let scores = survkit::win::score_columns(&self.score, &self.later_scores);
        SurvData::read(&self.file, &extra(columns)).map_err(|e| match e {
            // a score is numeric by its meaning: no factor() to suggest
            survkit::DataError::InvalidValue {
                file,
                location,
                column,
                value,
                rule: survkit::Rule::NotNumeric,
            } if scores.contains(&column) => Failure::input(anyhow!(
                "{file}, {location}, column '{column}': value '{}' is not a number, and a function score must be numeric",
                value.chars().take(60).collect::<String>()
            )),
            e => Failure::input(e),
        })
    }
}

/// Input problems exit 2; a group column without exactly two arms, or strata without a pair,
/// are properties of the data the analysis cannot work with, so they exit 1 like other
/// impossible analyses.
pub fn failure(e: WinError) -> Failure {
    match e {
        WinError::NotTwoArms { .. } | WinError::NoPairs { .. } => Failure::analysis(e),
        _ => Failure::input(e),
    }
}

/// The fragility search (shared by `win` and `cafs`).
#[derive(Debug, Args)]
pub struct FragilityArgs {
    /// Also find the fewest participants whose outcome must change (death ↔ alive, or the
    /// score moved to the best or worst observed) for the test to cross --alpha, with the path.
    #[arg(long)]
    pub fragility: bool,
    /// Significance level of the fragility search.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// The most steps of the fragility search.
    #[arg(long, default_value_t = 100)]
    pub max_steps: usize,
}

impl FragilityArgs {
    pub fn options(&self) -> Option<FragilityOptions> {
        self.fragility.then_some(FragilityOptions {
            alpha: self.alpha,
            max_steps: self.max_steps,
        })
    }
}

#[derive(Debug, Args)]
pub struct WinArgs {
    #[command(flatten)]
    pub data: PairwiseDataArgs,
    /// Column with stratum labels: pairs are formed within strata and combined with the
    /// weights of Dong et al. (2018).
    #[arg(long, value_name = "COL")]
    pub strata: Option<String>,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    #[command(flatten)]
    pub fragility: FragilityArgs,
    /// Also bootstrap the three measures with B replicates (participants resampled within
    /// arms and strata): percentile intervals and SEs beside the U-statistic ones.
    #[arg(long, value_name = "B")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap; without one, a seed is drawn and printed.
    #[arg(long, value_name = "S", requires = "bootstrap")]
    pub seed: Option<u64>,
    /// Worker threads of the bootstrap (default: all cores); the result does not depend on them.
    #[arg(long, value_name = "N", requires = "bootstrap")]
    pub threads: Option<usize>,
    /// More than two arms: each against the reference (--compare one pair, --adjust the win
    /// ratios' p-values, --regimen a platform's controls).
    #[command(flatten)]
    pub comparisons: ComparisonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: WinArgs) -> Result<(), Failure> {
    let data = args
        .data
        .load(args.strata.as_deref(), |columns| args.comparisons.columns(columns))?;
    let options = WinOptions {
        score: args.data.score.clone(),
        direction: args.data.direction(),
        threshold: args.data.threshold,
        later_scores: args.data.later_scores.clone(),
        conf_level: args.conf_level,
        fragility: args.fragility.options(),
        bootstrap: args.bootstrap.map(|replicates| WinBootstrapOptions {
            replicates,
            seed: args.seed.unwrap_or_else(survkit::bootstrap::engine::fresh_seed),
            threads: args.threads.unwrap_or_else(super::bootstrap::default_threads),
        }),
    };
    if let (Some(b), None) = (&options.bootstrap, args.seed) {
        eprintln!("seed: {} (drawn; pass --seed {} to repeat this run)", b.seed, b.seed);
    }
    let analyse = |pair: &SurvData| WinStatistics::compute(pair, &options);
    let p_of = |w: &WinStatistics| w.win_ratio.p_value;
    if let Some(result) = run_comparisons(&data, &args.comparisons, analyse, p_of, || None)? {
        return emit_comparisons(&data.dropped, &result, |w| &w.warnings, &args.output);
    }
    let result = WinStatistics::compute(&data, &options).map_err(failure)?;
    report_to_stderr(&data, &result.warnings);
    emit(&args.output, &result.render(args.output.format))
}
