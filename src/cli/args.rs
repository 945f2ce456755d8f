//! The command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use survkit::Format;

/// Reanalyse survival data from clinical trials: Kaplan–Meier, log-rank family, and more.
#[derive(Debug, Parser)]
#[command(name = "survkit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Kaplan–Meier curves with Greenwood standard errors, confidence limits, quantiles,
    /// and the Nelson–Aalen cumulative hazard.
    Km(super::km::KmArgs),
    /// Log-rank family tests: k-sample, stratified, trend; logrank, Gehan, Tarone–Ware,
    /// Peto–Peto, modified Peto and Fleming–Harrington weights.
    Logrank(super::logrank::LogrankArgs),
    /// Cox proportional hazards: Efron, Breslow or exact ties, strata, clusters, robust
    /// variance, likelihood-ratio, Wald and score tests.
    Cox(super::cox::CoxArgs),
    /// Restricted mean survival time per arm with contrasts (difference, ratio, RMTL ratio),
    /// survRM2's τ rules, and covariate-adjusted contrasts.
    Rmst(super::rmst::RmstArgs),
    /// Bootstrap of a statistic (Cox log-HR, log-rank, RMST, median, survival at T): SE, bias,
    /// percentile/basic/normal/BCa intervals, share of significant replicates; reproducible
    /// with a seed whatever the thread count; `merge` joins shards.
    Bootstrap(super::bootstrap::BootstrapArgs),
    /// Permutation log-rank family test: exact enumeration of label assignments, or Monte Carlo.
    Permutation(super::permutation::PermutationArgs),
    /// Fragility: how many patients a result hangs on, for 2×2 counts and survival data.
    Fragility(super::fragility::FragilityArgs),
    /// Reconstruct participant data from a published Kaplan–Meier figure (Guyot et al. 2012):
    /// digitised curves and numbers at risk in, a time,event,group CSV and a quality report out.
    Reconstruct(super::reconstruct::ReconstructArgs),
    /// Figures as SVG or PNG, one subcommand per figure (`survkit plot FIGURE --help`: its options).
    Plot(Box<super::plot::PlotArgs>),
    /// One self-contained HTML (or Markdown) reanalysis report with the commands reproducing it.
    Report(super::report::ReportArgs),
    /// Competing risks: Aalen–Johansen cumulative incidence of each cause per group with
    /// survfit's or cuminc's standard errors, the event-free probability, and Gray's test.
    Cif(super::cif::CifArgs),
    /// Composite endpoint: time to the first of several events (death, assisted ventilation,
    /// ...) and which it was, as a CSV that `cif` and `finegray` read; impossible rows refused.
    Composite(super::composite::CompositeArgs),
    /// Fine–Gray subdistribution hazards regression for one cause (as cmprsk::crr), with
    /// crr's sandwich standard errors, Wald limits and p-values.
    Finegray(super::finegray::FineGrayArgs),
    /// Win ratio, win odds and net benefit (generalised pairwise comparisons: death over the
    /// common follow-up, then a function score), with U-statistic intervals; stratified.
    Win(super::win::WinArgs),
    /// CAFS joint rank test of function and survival (Berry et al. 2013) with exact or Monte
    /// Carlo permutation p-value, and the Finkelstein–Schoenfeld test.
    Cafs(super::cafs::CafsArgs),
    /// Trial design: events, power, minimum detectable hazard ratio and sample size of a
    /// survival trial (Schoenfeld, Freedman; as rpact), 3+3 dose-escalation characteristics.
    Design(super::design::DesignArgs),
    /// Simulate event-driven randomised trials (piecewise-exponential hazards, accrual,
    /// dropout): power or type I error of the log-rank and Cox Wald tests with Monte Carlo SEs,
    /// the HR estimate's distribution, duration, events; reproducible with a seed.
    Simulate(super::simulate::SimulateArgs),
}

/// Where the data are and which columns to use.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data file, one row per participant: CSV with a header row, or Parquet (`.parquet`) or
    /// Arrow IPC (`.arrow`, `.feather`), chosen by extension.
    pub file: PathBuf,
    /// The model in R's syntax, instead of the column options (km, logrank, cox, rmst), e.g.
    /// "Surv(time, status) ~ age + factor(sex) + strata(inst)".
    #[arg(long, value_name = "FORMULA",
          conflicts_with_all = ["time", "event", "group", "strata", "entry", "event_value", "reference"])]
    pub formula: Option<String>,
    /// Column holding the follow-up (exit) time (with --counts: the time of each count,
    /// default `time`).
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Column holding the event indicator: 0/1, TRUE/FALSE, or 1/2 (1 = censored, 2 = event);
    /// for competing risks (`cif`, `finegray`) the status: censoring value or cause.
    #[arg(long, value_name = "COL", visible_alias = "status")]
    pub event: Option<String>,
    /// Column with the group (arm) labels.
    #[arg(long, value_name = "COL")]
    pub group: Option<String>,
    /// Column with stratum labels.
    #[arg(long, value_name = "COL")]
    pub strata: Option<String>,
    /// Column with the entry time, for delayed entry (left truncation).
    #[arg(long, value_name = "COL")]
    pub entry: Option<String>,
    /// Column with case weights.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Rows whose event column equals V are events, all others censored.
    #[arg(long, value_name = "V")]
    pub event_value: Option<String>,
    /// Reference level of a label column, e.g. --reference sex=2 (repeatable).
    #[arg(long, value_name = "COL=LEVEL")]
    pub reference: Vec<String>,
    /// Fail on rows with missing values instead of dropping them.
    #[arg(long)]
    pub strict: bool,
}

/// `--counts`: the file holds aggregated counts per (group, stratum, time) instead of one row
/// per participant (km, logrank and rmst).
#[derive(Debug, Args)]
pub struct CountArgs {
    /// The file holds counts, one row per (group, stratum, time): columns time, n_event,
    /// n_censor and optionally n_enter (delayed entry), with --group and --strata naming the
    /// label columns; the result is the one the participants' rows give.
    #[arg(long, conflicts_with_all = ["formula", "event", "entry", "weight", "event_value"])]
    pub counts: bool,
    /// With --counts: the column of events at each time (default n_event).
    #[arg(long, value_name = "COL", requires = "counts")]
    pub n_event: Option<String>,
    /// With --counts: the column of censorings at each time (default n_censor).
    #[arg(long, value_name = "COL", requires = "counts")]
    pub n_censor: Option<String>,
    /// With --counts: the column of participants entering at each time, at risk from just
    /// after it (delayed entry; none by default).
    #[arg(long, value_name = "COL", requires = "counts")]
    pub n_enter: Option<String>,
}

/// How to write the result.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format: table, json or csv.
    #[arg(long, default_value = "table", value_parser = parse_format)]
    pub format: Format,
    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Parses any `FromStr` option value (formats, CI types, weights) for clap.
pub fn parse_with_from_str<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// k arms against a reference: which comparisons, and how their p-values are adjusted.
#[derive(Debug, Args, Clone)]
pub struct ComparisonArgs {
    /// Compare only arm A against arm B (B the reference of this comparison), e.g. Lev,Obs.
    #[arg(long, value_name = "A,B")]
    pub compare: Option<String>,
    /// Adjust the p-values of the comparisons of more than two arms: holm, hochberg,
    /// bonferroni or none (R's p.adjust).
    #[arg(long, default_value = "none", value_parser = parse_with_from_str::<survkit::multiplicity::Adjustment>)]
    pub adjust: survkit::multiplicity::Adjustment,
    /// Regimen (sub-study) column of a platform trial: each active arm of --group belongs to
    /// one regimen, the reference (e.g. placebo) to any.
    #[arg(long, value_name = "COL")]
    pub regimen: Option<String>,
    /// The controls of each active arm (with --regimen): concurrent (the reference rows of its
    /// own regimen) or pooled (of every regimen; add --strata COL with the regimen column to
    /// stratify by regimen).
    #[arg(long, value_enum, requires = "regimen")]
    pub control: Option<ControlArg>,
}

impl ComparisonArgs {
    /// Whether the options ask for each arm against the reference (or name regimens).
    pub fn any(&self) -> bool {
        self.compare.is_some() || self.regimen.is_some() || self.adjust != survkit::multiplicity::Adjustment::None
    }
}

/// `--control`: which reference rows an active arm of a platform trial is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ControlArg {
    /// The reference rows of the arm's own regimen (the default).
    Concurrent,
    /// The reference rows of every regimen.
    Pooled,
}

impl ComparisonArgs {
    /// `Some(pair)` when the analysis runs per comparison: a group with more than two levels,
    /// or `--compare` given (the pair, arm first); `None` for today's two-arm analysis.
    pub fn wanted(&self, data: &survkit::SurvData) -> Result<Option<Option<(String, String)>>, super::Failure> {
        let pair = self.pair()?;
        let levels = data.group.as_ref().map_or(0, |g| g.n_levels());
        Ok((pair.is_some() || levels > 2 || data.regimen.is_some()).then_some(pair))
    }

    /// The platform control rule, when the data have a regimen column: `--control` (default
    /// concurrent), stratified by regimen when the strata column is the regimen column.
    pub fn control(&self, data: &survkit::SurvData) -> Option<survkit::platform::Control> {
        let regimen = data.regimen.as_ref()?;
        Some(match self.control.unwrap_or(ControlArg::Concurrent) {
            ControlArg::Concurrent => survkit::platform::Control::Concurrent,
            ControlArg::Pooled => survkit::platform::Control::Pooled {
                stratified: data.strata.as_ref().is_some_and(|s| s.name == regimen.name),
            },
        })
    }

    /// Adds the regimen column to the columns read.
    pub fn columns(&self, columns: survkit::Columns) -> survkit::Columns {
        match &self.regimen {
            Some(regimen) => columns.regimen(regimen),
            None => columns,
        }
    }

    /// The pair `--compare A,B` names (arm A, reference B).
    pub fn pair(&self) -> Result<Option<(String, String)>, super::Failure> {
        self.compare.as_deref().map(parse_pair).transpose()
    }
}

/// `--compare A,B`: (arm A, reference B).
pub fn parse_pair(text: &str) -> Result<(String, String), super::Failure> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| super::Failure::input(anyhow::anyhow!("--compare expects two arms A,B, got '{text}'")))?;
    Ok((a.trim().to_string(), b.trim().to_string()))
}
