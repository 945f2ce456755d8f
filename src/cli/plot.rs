//! `survkit plot`.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use survkit::bootstrap::permutation::PermutationPlan;
use survkit::bootstrap::{BootstrapOptions, IntervalMethod, Statistic};
use survkit::competing::CifOptions;
use survkit::fragility::{SurvivalOptions, SurvivalTest};
use survkit::plot::{
    BootstrapFigure, CafsFigure, CifFigure, ForestFigure, FragilityFigure, ImageFormat, KmFigure, KmPlotOptions,
    LogLogFigure, PlotError, PlotKind, PlotOptions, ReconstructFigure, SchoenfeldFigure, SurvivalScale, TimeUnit,
    WinFigure, render,
};
use survkit::win::{CafsOptions, Direction, WinOptions};
use survkit::{ConfType, RmstOptions, Ties};

use super::Failure;
use super::args::{DataArgs, parse_with_from_str};
use super::bootstrap::default_threads;
use super::cif::{CensorArgs, load_competing};
use super::reconstruct::{ReconstructInputArgs, reconstruction};
use super::run::{check_factors, load_with, report_to_stderr, write_bytes_atomically};

#[derive(Debug, Args)]
pub struct PlotArgs {
    /// What to draw: km, loglog, schoenfeld, forest, rmst, bootstrap, fragility, reconstruct
    /// (`survkit plot reconstruct --help`: its own arguments, those of `survkit reconstruct`),
    /// cif, win (the pairwise breakdown of `survkit win`) or cafs (the CAFS ranks by arm).
    #[arg(value_parser = parse_with_from_str::<PlotKind>)]
    pub kind: PlotKind,
    #[command(flatten)]
    pub data: DataArgs,
    /// The image to write: .svg or .png.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub layout: LayoutArgs,
    #[command(flatten)]
    pub km: KmPlotArgs,
    /// rmst (and the RMST statistics and test of bootstrap and fragility): truncation time τ in
    /// the data's unit (default: the largest τ the data support).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// schoenfeld, forest, bootstrap (log-hr, hr): Cox model covariates, e.g. age,sex,ph.ecog (numeric unless listed
    /// in --factors).
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub covariates: Vec<String>,
    /// schoenfeld, forest, bootstrap: covariates to treat as categorical (dummies named COL=LEVEL).
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub factors: Vec<String>,
    /// forest: one row per level of each of these columns, the Cox model of --group alone
    /// fitted within it (instead of one row per --covariates term).
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub subgroups: Vec<String>,
    #[command(flatten)]
    pub bootstrap: BootstrapPlotArgs,
    #[command(flatten)]
    pub fragility: FragilityPlotArgs,
    /// cif: the status value of censored rows (--status/--event holds the causes).
    #[command(flatten)]
    pub censor: CensorArgs,
    #[command(flatten)]
    pub win: WinPlotArgs,
}

/// Options of the win and cafs figures (as `survkit win`; the reference arm is --reference COL=LEVEL).
#[derive(Debug, Args)]
pub struct WinPlotArgs {
    /// win, cafs: numeric column with the function score.
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// win, cafs: a lower score is better.
    #[arg(long)]
    pub lower_is_better: bool,
    /// win, cafs: score differences of at most X are ties.
    #[arg(long, value_name = "X", default_value_t = 0.0)]
    pub threshold: f64,
}

impl WinPlotArgs {
    fn direction(&self) -> Direction {
        if self.lower_is_better {
            Direction::LowerIsBetter
        } else {
            Direction::HigherIsBetter
        }
    }

    /// The data with the score column, and that column's name.
    fn load(&self, data: &DataArgs) -> Result<(survkit::SurvData, String), Failure> {
        let score = self.score.clone().ok_or_else(|| {
            Failure::input(anyhow!(
                "this figure compares a function score: name its column with --score"
            ))
        })?;
        let loaded = load_with(data, |columns| columns.covariates([&score]).may_be_missing([&score]))?;
        Ok((loaded, score))
    }
}

/// Options of the bootstrap histogram.
#[derive(Debug, Args)]
pub struct BootstrapPlotArgs {
    /// bootstrap: the statistic: log-hr, hr, logrank, rmst-diff, rmst-ratio, median-diff or
    /// survival-diff:T.
    #[arg(long, default_value = "log-hr", value_parser = parse_with_from_str::<Statistic>)]
    pub statistic: Statistic,
    /// bootstrap: number of replicates B.
    #[arg(long, default_value_t = 2000)]
    pub replicates: usize,
    /// bootstrap, cafs: seed (fixed by default, so the figure is reproducible).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// bootstrap, cafs: worker threads (default: all cores); the figure does not depend on them.
    #[arg(long)]
    pub threads: Option<usize>,
    /// bootstrap: resample within each arm, keeping arm sizes fixed.
    #[arg(long)]
    pub stratify: bool,
    /// bootstrap: intervals to mark: percentile, basic, normal, bca, a comma-separated list, or all.
    #[arg(long = "intervals", default_value = "percentile,bca", value_name = "METHOD,...")]
    pub intervals: String,
    /// bootstrap: Firth's penalised likelihood for log-hr and hr (Breslow ties).
    #[arg(long)]
    pub firth: bool,
}

/// Options of the fragility path.
#[derive(Debug, Args)]
pub struct FragilityPlotArgs {
    /// fragility: the test: logrank, cox-wald, cox-lr or rmst.
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<SurvivalTest>)]
    pub test: SurvivalTest,
    /// fragility: significance level (significant means p < α).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
}

/// Size, titles and the time axis.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    /// Image width in pixels.
    #[arg(long, default_value_t = survkit::plot::DEFAULT_SIZE.0)]
    pub width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = survkit::plot::DEFAULT_SIZE.1)]
    pub height: u32,
    /// Title above the figure.
    #[arg(long)]
    pub title: Option<String>,
    /// Title of the x axis.
    #[arg(long)]
    pub xlabel: Option<String>,
    /// Title of the y axis.
    #[arg(long)]
    pub ylabel: Option<String>,
    /// Unit of the time column: days, weeks, months or years.
    #[arg(long, default_value = "days", value_parser = parse_with_from_str::<TimeUnit>)]
    pub data_unit: TimeUnit,
    /// Unit shown on the time axis: days, weeks, months or years.
    #[arg(long, default_value = "days", value_parser = parse_with_from_str::<TimeUnit>)]
    pub time_unit: TimeUnit,
    /// End of the time axis, in --time-unit.
    #[arg(long, value_name = "T")]
    pub xmax: Option<f64>,
    /// Distance between time-axis breaks, in --time-unit.
    #[arg(long, value_name = "STEP")]
    pub break_every: Option<f64>,
}

impl LayoutArgs {
    pub fn options(&self) -> PlotOptions {
        PlotOptions {
            width: self.width,
            height: self.height,
            title: self.title.clone(),
            xlabel: self.xlabel.clone(),
            ylabel: self.ylabel.clone(),
            data_unit: self.data_unit,
            time_unit: self.time_unit,
            xmax: self.xmax,
            break_every: self.break_every,
        }
    }
}

/// Options of the Kaplan–Meier figure.
#[derive(Debug, Args)]
pub struct KmPlotArgs {
    /// Pointwise confidence bands.
    #[arg(long)]
    pub ci: bool,
    /// Dashed lines at each curve's median.
    #[arg(long)]
    pub median: bool,
    /// Number at risk at each time-axis break, under the axis.
    #[arg(long)]
    pub risk_table: bool,
    /// Log-rank test and Cox hazard ratios with their confidence intervals above the panel.
    #[arg(long)]
    pub annotate: bool,
    /// Plot the Nelson–Aalen cumulative hazard.
    #[arg(long)]
    pub cumhaz: bool,
    /// survival (S, default) or event (1 − S).
    #[arg(long, default_value = "survival", value_parser = ["survival", "event"])]
    pub fun: String,
    /// Scale of the pointwise confidence limits: log, log-log, plain, logit or arcsin.
    #[arg(long, default_value = "log", value_parser = parse_with_from_str::<ConfType>)]
    pub conf_type: ConfType,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
}

impl KmPlotArgs {
    fn options(&self) -> KmPlotOptions {
        KmPlotOptions {
            ci: self.ci,
            median: self.median,
            risk_table: self.risk_table,
            annotate: self.annotate,
            scale: if self.cumhaz {
                SurvivalScale::Cumhaz
            } else if self.fun == "event" {
                SurvivalScale::Event
            } else {
                SurvivalScale::Survival
            },
            conf_type: self.conf_type,
            conf_level: self.conf_level,
        }
    }
}

fn plot_failure(e: PlotError) -> Failure {
    if e.is_analysis_error() {
        Failure::analysis(e)
    } else {
        Failure::input(e)
    }
}

/// The image format an output path asks for (by its extension).
fn image_format(output: &std::path::Path) -> Result<ImageFormat, Failure> {
    ImageFormat::from_path(output)
        .ok_or_else(|| Failure::input(anyhow!("{}: the output must end in .svg or .png", output.display())))
}

pub fn run(args: PlotArgs) -> Result<(), Failure> {
    let format = image_format(&args.output)?;
    let layout = args.layout.options();
    let km = args.km.options();
    let group = args.data.group.clone();
    let bytes = match args.kind {
        PlotKind::Km => {
            let data = load_with(&args.data, |columns| match (&group, km.annotate) {
                (Some(g), true) => columns.covariates([g]).factors([g]),
                _ => columns,
            })?;
            let figure = KmFigure::build(&data, &layout, &km).map_err(plot_failure)?;
            report_to_stderr(&data, &figure.fit.warnings);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Rmst => {
            let data = load_with(&args.data, |columns| columns)?;
            let rmst = RmstOptions {
                tau: args.tau,
                conf_level: km.conf_level,
                ..Default::default()
            };
            let figure = KmFigure::rmst(&data, &layout, &km, &rmst).map_err(plot_failure)?;
            report_to_stderr(&data, &figure.fit.warnings);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Loglog => {
            let data = load_with(&args.data, |columns| columns)?;
            let figure = LogLogFigure::build(&data, &layout).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Bootstrap => {
            check_factors(&args.factors, &args.covariates)?;
            let data = load_with(&args.data, |columns| {
                columns.covariates(args.covariates.iter()).factors(args.factors.iter())
            })?;
            let b = &args.bootstrap;
            let options = BootstrapOptions {
                statistic: b.statistic,
                replicates: 0..b.replicates,
                seed: b.seed,
                threads: b.threads.unwrap_or_else(default_threads),
                stratify: b.stratify,
                intervals: IntervalMethod::parse_list(&b.intervals).map_err(|e| Failure::input(anyhow!(e)))?,
                conf_level: km.conf_level,
                tau: args.tau,
                ties: if b.firth { Ties::Breslow } else { Ties::Efron },
                firth: b.firth,
                ..Default::default()
            };
            let figure = BootstrapFigure::build(&data, &layout, &options).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Fragility => {
            let data = load_with(&args.data, |columns| columns)?;
            // --reference GROUP=LEVEL makes LEVEL the control arm, as `survkit fragility survival`
            let experimental = super::fragility::experimental_arm(&args.data, &data);
            let options = SurvivalOptions {
                test: args.fragility.test,
                tau: args.tau,
                alpha: args.fragility.alpha,
                experimental,
                ..Default::default()
            };
            let figure = FragilityFigure::build(&data, &layout, &options).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Cif => {
            let data = load_competing(&args.data, &args.censor, |columns| columns)?;
            let options = CifOptions {
                conf_type: km.conf_type,
                conf_level: km.conf_level,
                ..Default::default()
            };
            let figure = CifFigure::build(&data, &layout, &options, km.ci, km.risk_table).map_err(plot_failure)?;
            report_to_stderr(data.data(), &figure.fit.warnings);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Win => {
            let (data, score) = args.win.load(&args.data)?;
            let options = WinOptions {
                direction: args.win.direction(),
                threshold: args.win.threshold,
                conf_level: km.conf_level,
                ..WinOptions::new(score)
            };
            let figure = WinFigure::build(&data, &layout, &options).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Cafs => {
            let (data, score) = args.win.load(&args.data)?;
            let b = &args.bootstrap;
            let options = CafsOptions {
                direction: args.win.direction(),
                threshold: args.win.threshold,
                permutation: PermutationPlan {
                    seed: b.seed,
                    threads: b.threads.unwrap_or_else(default_threads),
                    ..PermutationPlan::default()
                },
                ..CafsOptions::new(score)
            };
            let figure = CafsFigure::build(&data, &layout, &options).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Reconstruct => {
            // `survkit plot reconstruct` is parsed apart (see `ReconstructPlotCli`); this path
            // is reached only through an unusual argument order
            return Err(Failure::input(anyhow!(
                "put 'reconstruct' right after 'plot': survkit plot reconstruct --curve [LABEL=]FILE --at-risk [LABEL=]FILE -o OUT.svg"
            )));
        }
        PlotKind::Schoenfeld => {
            check_factors(&args.factors, &args.covariates)?;
            if args.covariates.is_empty() {
                return Err(Failure::input(anyhow!(
                    "the schoenfeld plot needs the Cox model's covariates: name them with --covariates"
                )));
            }
            let data = load_with(&args.data, |columns| {
                columns.covariates(args.covariates.iter()).factors(args.factors.iter())
            })?;
            let figure = SchoenfeldFigure::build(&data, &layout).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Forest if !args.subgroups.is_empty() => {
            let Some(group) = group.clone() else {
                return Err(Failure::input(anyhow!(
                    "--subgroups compares the arms of --group within each subgroup: name the group column with --group"
                )));
            };
            let mut factors = vec![group.clone()];
            factors.extend(args.subgroups.iter().filter(|s| **s != group).cloned());
            let data = load_with(&args.data, |columns| {
                columns.covariates(factors.iter()).factors(factors.iter())
            })?;
            let figure = ForestFigure::subgroups(&data, &group, &args.subgroups, &layout).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
        PlotKind::Forest => {
            check_factors(&args.factors, &args.covariates)?;
            let mut covariates = args.covariates.clone();
            let mut factors = args.factors.clone();
            if let Some(g) = &group
                && !covariates.contains(g)
            {
                covariates.insert(0, g.clone());
                factors.insert(0, g.clone());
            }
            if covariates.is_empty() {
                return Err(Failure::input(anyhow!(
                    "the forest plot needs the Cox model's terms: name them with --covariates (or --group), or use --subgroups"
                )));
            }
            let data = load_with(&args.data, |columns| {
                columns.covariates(covariates.iter()).factors(factors.iter())
            })?;
            let figure = ForestFigure::terms(&data, &layout).map_err(plot_failure)?;
            report_to_stderr(&data, &[]);
            render(&figure, format, layout.size()).map_err(plot_failure)?
        }
    };
    write_bytes_atomically(&args.output, &bytes).map_err(Failure::input)
}

/// `survkit plot reconstruct`: the digitised points of a published Kaplan–Meier figure over the
/// Kaplan–Meier curves of the participants reconstructed from them. It reads the inputs of
/// `survkit reconstruct` instead of a participant CSV, so it has its own grammar.
#[derive(Debug, clap::Parser)]
#[command(name = "survkit plot reconstruct", version)]
pub struct ReconstructPlotCli {
    #[command(flatten)]
    pub inputs: ReconstructInputArgs,
    /// The image to write: .svg or .png.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub layout: LayoutArgs,
}

pub fn run_reconstruct(args: ReconstructPlotCli) -> Result<(), Failure> {
    let format = image_format(&args.output)?;
    let layout = args.layout.options();
    let result = reconstruction(&args.inputs)?;
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    let figure = ReconstructFigure::build(&result, &layout).map_err(plot_failure)?;
    let bytes = render(&figure, format, layout.size()).map_err(plot_failure)?;
    write_bytes_atomically(&args.output, &bytes).map_err(Failure::input)
}
