//! The command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use survkit::{ConfType, Format, Weights};

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
    Km(KmArgs),
    /// Log-rank family tests: k-sample, stratified, trend; logrank, Gehan, Tarone–Ware,
    /// Peto–Peto, modified Peto and Fleming–Harrington weights.
    Logrank(LogrankArgs),
}

/// Where the data are and which columns to use.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// CSV file with a header row and one row per participant.
    pub file: PathBuf,
    /// Column holding the follow-up (exit) time.
    #[arg(long, value_name = "COL")]
    pub time: String,
    /// Column holding the event indicator: 0/1, TRUE/FALSE, or 1/2 (1 = censored, 2 = event).
    #[arg(long, value_name = "COL")]
    pub event: String,
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

#[derive(Debug, Args)]
pub struct KmArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Scale of the pointwise confidence limits: log, log-log, plain, logit or arcsin.
    #[arg(long, default_value = "log", value_parser = parse_conf_type)]
    pub conf_type: ConfType,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Quantiles of survival time to report, e.g. 0.25,0.5,0.75.
    #[arg(long, value_delimiter = ',', value_name = "P,...")]
    pub quantiles: Vec<f64>,
    /// Times at which to report survival, e.g. 180,365.
    #[arg(long, value_delimiter = ',', value_name = "T,...")]
    pub at: Vec<f64>,
    /// Add the Nelson–Aalen cumulative hazard and its standard error.
    #[arg(long)]
    pub cumhaz: bool,
    /// In table format, also print every step of every curve.
    #[arg(long)]
    pub steps: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct LogrankArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Weights: logrank, gehan, tarone-ware, peto, modified-peto or fh:RHO,GAMMA.
    #[arg(long, default_value = "logrank", value_parser = parse_weights)]
    pub weights: Weights,
    /// Test for a trend across the ordered groups (scores 1, 2, ..., k in level order).
    #[arg(long)]
    pub trend: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn parse_conf_type(s: &str) -> Result<ConfType, String> {
    s.parse()
}

fn parse_weights(s: &str) -> Result<Weights, String> {
    s.parse()
}
