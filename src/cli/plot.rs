//! `survkit plot`.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args, Subcommand};
use survkit::bootstrap::PermutationPlan;
use survkit::bootstrap::{BootstrapOptions, IntervalMethod, Statistic};
use survkit::competing::CifOptions;
use survkit::fragility::{SurvivalOptions, SurvivalTest};
use survkit::model::Shape;
use survkit::multiplicity::Adjustment;
use survkit::plot::forest::ArmsOptions;
use survkit::plot::{
    BootstrapFigure, CafsFigure, CifFigure, CifLayout, CifPlotOptions, ForestFigure, FragilityFigure, ImageFormat,
    KmFigure, KmPlotOptions, LogLogFigure, PlotError, PlotOptions, ReconstructFigure, SchoenfeldFigure, SurvivalScale,
    TimeUnit, WinFigure, render,
};
use survkit::win::{CafsOptions, Direction, LaterScore, WinOptions};
use survkit::{ConfType, RmstOptions, Ties};

use super::Failure;
use super::args::{DataArgs, parse_with_from_str};
use super::bootstrap::{Resampled, default_threads};
use super::cif::{CensorArgs, load_competing};
use super::reconstruct::{ReconstructInputArgs, reconstruction};
use super::run::{check_factors, load_with, report_to_stderr, write_bytes_atomically};

/// `survkit plot FIGURE`: one subcommand per figure, each with only its own options.
#[derive(Debug, Args)]
pub struct PlotArgs {
    #[command(subcommand)]
    pub figure: PlotCommand,
}

/// The figures `survkit plot` draws.
#[derive(Debug, Subcommand)]
pub enum PlotCommand {
    /// Kaplan–Meier curves by group (or the cumulative hazard, or 1 − S).
    Km(KmFigureArgs),
    /// The Kaplan–Meier curves with the area under each up to τ shaded and each arm's RMST.
    Rmst(RmstFigureArgs),
    /// log(−log S(t)) against time on a log axis by group (parallel curves: proportional hazards).
    Loglog(FigureArgs),
    /// Scaled Schoenfeld residuals of a Cox model against time, one panel per model column.
    Schoenfeld(SchoenfeldFigureArgs),
    /// Cox hazard ratios with their confidence intervals, by model term or by subgroup.
    Forest(ForestFigureArgs),
    /// A histogram of the bootstrap replicates of a statistic, with its intervals.
    Bootstrap(BootstrapFigureArgs),
    /// The p-value path of the status-flip fragility analysis.
    Fragility(FragilityFigureArgs),
    /// The digitised points of a published figure over the Kaplan–Meier curves reconstructed from
    /// them (the inputs of `survkit reconstruct`, not a participant CSV).
    Reconstruct(ReconstructFigureArgs),
    /// Competing risks: the cumulative incidence of every cause by group.
    Cif(CifFigureArgs),
    /// The pairwise-outcome breakdown of the win statistics.
    Win(WinFigureArgs),
    /// The CAFS ranks by arm with their mean ranks.
    Cafs(CafsFigureArgs),
}

/// The participant data and the image every data figure takes.
#[derive(Debug, Args)]
pub struct FigureArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub image: ImageArgs,
}

/// The image to write and its layout.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image to write: .svg or .png.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub layout: LayoutArgs,
}

impl ImageArgs {
    /// The layout, once the output path is known to name an image format (checked before any work).
    fn layout(&self) -> Result<PlotOptions, Failure> {
        image_format(&self.output)?;
        Ok(self.layout.options())
    }
}

#[derive(Debug, Args)]
pub struct KmFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub km: KmPlotArgs,
}

#[derive(Debug, Args)]
pub struct RmstFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub km: KmPlotArgs,
    /// Truncation time τ in the data's unit (default: the largest τ the data support).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
}

/// The terms of a Cox model.
#[derive(Debug, Args)]
pub struct CoxTermsArgs {
    /// Cox model covariates, e.g. age,sex,ph.ecog (numeric unless listed in --factors).
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub covariates: Vec<String>,
    /// Covariates to treat as categorical (dummies named COL=LEVEL).
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub factors: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SchoenfeldFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub model: CoxTermsArgs,
}

#[derive(Debug, Args)]
pub struct ForestFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub model: CoxTermsArgs,
    /// One row per level of each of these columns, the Cox model of --group alone fitted within
    /// it (instead of one row per --covariates term).
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub subgroups: Vec<String>,
    /// One row per arm of --group against the reference arm (--reference COL=LEVEL, else the
    /// first level): the hazard ratio from one Cox model of the group, and a second block with
    /// the RMST difference up to --tau, each with its p and adjusted p.
    #[arg(long, conflicts_with_all = ["subgroups", "covariates", "factors"])]
    pub arms: bool,
    /// With --arms: how the p-values of the arms' comparisons are adjusted: holm, hochberg,
    /// bonferroni or none.
    #[arg(long, default_value = "none", requires = "arms", value_parser = parse_with_from_str::<Adjustment>)]
    pub adjust: Adjustment,
    /// With --arms: truncation time τ of the RMST, in the data's unit (default: the largest τ the
    /// data support).
    #[arg(long, value_name = "T", requires = "arms")]
    pub tau: Option<f64>,
}

/// The seed and threads of a resampling figure.
#[derive(Debug, Args)]
pub struct ResamplingArgs {
    /// Seed (fixed by default, so the figure is reproducible).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: all cores); the figure does not depend on them.
    #[arg(long)]
    pub threads: Option<usize>,
}

impl ResamplingArgs {
    fn threads(&self) -> usize {
        self.threads.unwrap_or_else(default_threads)
    }
}

/// The level of the confidence intervals.
#[derive(Debug, Args)]
pub struct ConfLevelArgs {
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
}

#[derive(Debug, Args)]
pub struct BootstrapFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    /// The statistic: log-hr, hr, logrank, rmst-diff, rmst-ratio, median-diff or survival-diff:T;
    /// on competing-risks data (with --cause) cif-diff:T or log-shr.
    #[arg(long, default_value = "log-hr", value_parser = parse_with_from_str::<Statistic>)]
    pub statistic: Statistic,
    /// The cause of interest, a value of the status column, for cif-diff:T and log-shr.
    #[arg(long, value_name = "K")]
    pub cause: Option<String>,
    #[command(flatten)]
    pub censor: CensorArgs,
    /// Number of replicates B.
    #[arg(long, default_value_t = 2000)]
    pub replicates: usize,
    #[command(flatten)]
    pub resampling: ResamplingArgs,
    /// Resample within each arm, keeping arm sizes fixed.
    #[arg(long)]
    pub stratify: bool,
    /// Intervals to mark: percentile, basic, normal, bca, a comma-separated list, or all.
    #[arg(long = "intervals", default_value = "percentile,bca", value_name = "METHOD,...")]
    pub intervals: String,
    #[command(flatten)]
    pub level: ConfLevelArgs,
    /// Firth's penalised likelihood for log-hr and hr (Breslow ties).
    #[arg(long)]
    pub firth: bool,
    /// The model of log-hr and hr.
    #[command(flatten)]
    pub model: CoxTermsArgs,
    /// Truncation time τ of rmst-diff and rmst-ratio, in the data's unit (default: the largest τ
    /// the data support).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// With more than two arms: draw arm A against arm B (the reference), e.g. Lev,Obs.
    #[arg(long, value_name = "A,B")]
    pub compare: Option<String>,
}

#[derive(Debug, Args)]
pub struct FragilityFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    /// The test: logrank, cox-wald, cox-lr or rmst.
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<SurvivalTest>)]
    pub test: SurvivalTest,
    /// Significance level (significant means p < α).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Truncation time τ of the rmst test, in the data's unit (default: the largest τ the data
    /// support).
    #[arg(long, value_name = "T")]
    pub tau: Option<f64>,
    /// With more than two arms: draw arm A against arm B (the reference), e.g. Lev,Obs.
    #[arg(long, value_name = "A,B")]
    pub compare: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReconstructFigureArgs {
    #[command(flatten)]
    pub inputs: ReconstructInputArgs,
    #[command(flatten)]
    pub image: ImageArgs,
}

#[derive(Debug, Args)]
pub struct CifFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub censor: CensorArgs,
    /// overlay (every curve on one panel: a colour per group, cause 1 solid, others dashed),
    /// stacked (a panel per group, the causes stacked as filled bands up to 1 − event-free) or
    /// side-by-side (a panel per group, a curve per cause).
    #[arg(long, default_value = "overlay", value_parser = parse_with_from_str::<CifLayout>)]
    pub layout: CifLayout,
    /// Pointwise confidence bands (overlay and side-by-side).
    #[arg(long)]
    pub ci: bool,
    /// Number still at risk (event-free and uncensored) per group at each time-axis break.
    #[arg(long)]
    pub risk_table: bool,
    #[command(flatten)]
    pub bands: BandArgs,
}

/// Options of the win and cafs figures (as `survkit win`; the reference arm is --reference COL=LEVEL).
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Numeric column with the function score.
    #[arg(long, value_name = "COL")]
    pub score: String,
    /// A lower score is better.
    #[arg(long)]
    pub lower_is_better: bool,
    /// Score differences of at most X are ties.
    #[arg(long, value_name = "X", default_value_t = 0.0)]
    pub threshold: f64,
    /// A further score, as `survkit win --then`: COL, COL:lower or COL:higher:X.
    #[arg(long = "then", value_name = "COL[:higher|lower[:X]]", value_parser = str::parse::<LaterScore>)]
    pub later_scores: Vec<LaterScore>,
}

impl ScoreArgs {
    fn direction(&self) -> Direction {
        if self.lower_is_better {
            Direction::LowerIsBetter
        } else {
            Direction::HigherIsBetter
        }
    }

    /// The data with the score columns.
    fn load(&self, data: &DataArgs) -> Result<survkit::SurvData, Failure> {
        let scores = survkit::win::score_columns(&self.score, &self.later_scores);
        load_with(data, |columns| {
            columns.covariates(scores.clone()).may_be_missing(scores)
        })
    }
}

#[derive(Debug, Args)]
pub struct WinFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub score: ScoreArgs,
    #[command(flatten)]
    pub level: ConfLevelArgs,
}

#[derive(Debug, Args)]
pub struct CafsFigureArgs {
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub score: ScoreArgs,
    #[command(flatten)]
    pub resampling: ResamplingArgs,
}

/// Size, titles and the time axis.
#[derive(Debug, Args)]
pub struct LayoutArgs {
    /// Image width in pixels.
    #[arg(long, default_value_t = survkit::plot::DEFAULT_SIZE.0)]
    pub width: u32,
    /// Image height in pixels [default: 640; forest: fitted to its rows].
    #[arg(long)]
    pub height: Option<u32>,
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
            height: self.height.unwrap_or(survkit::plot::DEFAULT_SIZE.1),
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

/// Confidence bands: their scale and level.
#[derive(Debug, Args)]
pub struct BandArgs {
    /// Scale of the pointwise confidence limits: log, log-log, plain, logit or arcsin.
    #[arg(long, default_value = "log", value_parser = parse_with_from_str::<ConfType>)]
    pub conf_type: ConfType,
    #[command(flatten)]
    pub level: ConfLevelArgs,
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
    #[command(flatten)]
    pub bands: BandArgs,
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
            conf_type: self.bands.conf_type,
            conf_level: self.bands.level.conf_level,
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

/// Writes a forest figure: at the height the user asked for, or else at the height its rows need.
fn write_forest(mut figure: ForestFigure, image: &ImageArgs) -> Result<(), Failure> {
    if image.layout.height.is_none() {
        figure.layout.height = figure.fitted_height();
    }
    let layout = figure.layout.clone();
    write_figure(&figure, image, &layout)
}

/// Renders a figure in the format the output path asks for and writes it whole.
fn write_figure(figure: &impl survkit::plot::Figure, image: &ImageArgs, layout: &PlotOptions) -> Result<(), Failure> {
    let bytes = render(figure, image_format(&image.output)?, layout.size()).map_err(plot_failure)?;
    write_bytes_atomically(&image.output, &bytes).map_err(Failure::input)
}

pub fn run(args: PlotArgs) -> Result<(), Failure> {
    match args.figure {
        PlotCommand::Km(args) => km(args),
        PlotCommand::Rmst(args) => rmst(args),
        PlotCommand::Loglog(args) => loglog(args),
        PlotCommand::Schoenfeld(args) => schoenfeld(args),
        PlotCommand::Forest(args) if args.arms => forest_arms(args),
        PlotCommand::Forest(args) if !args.subgroups.is_empty() => forest_subgroups(args),
        PlotCommand::Forest(args) => forest_terms(args),
        PlotCommand::Bootstrap(args) => bootstrap(args),
        PlotCommand::Fragility(args) => fragility(args),
        PlotCommand::Reconstruct(args) => reconstruct(args),
        PlotCommand::Cif(args) => cif(args),
        PlotCommand::Win(args) => win(args),
        PlotCommand::Cafs(args) => cafs(args),
    }
}

fn km(args: KmFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let km = args.km.options();
    let data = load_with(data, |columns| match (&data.group, km.annotate) {
        (Some(g), true) => columns.covariates([g]).factors([g]),
        _ => columns,
    })?;
    let figure = KmFigure::build(&data, &layout, &km).map_err(plot_failure)?;
    report_to_stderr(&data, &figure.fit.warnings);
    write_figure(&figure, image, &layout)
}

fn rmst(args: RmstFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let km = args.km.options();
    let data = load_with(data, |columns| columns)?;
    let rmst = RmstOptions {
        tau: args.tau,
        conf_level: km.conf_level,
        ..Default::default()
    };
    let figure = KmFigure::rmst(&data, &layout, &km, &rmst).map_err(plot_failure)?;
    report_to_stderr(&data, &figure.fit.warnings);
    write_figure(&figure, image, &layout)
}

fn loglog(args: FigureArgs) -> Result<(), Failure> {
    let layout = args.image.layout()?;
    let data = load_with(&args.data, |columns| columns)?;
    let figure = LogLogFigure::build(&data, &layout).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_figure(&figure, &args.image, &layout)
}

fn schoenfeld(args: SchoenfeldFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let model = &args.model;
    check_factors(&model.factors, &model.covariates)?;
    if model.covariates.is_empty() {
        return Err(Failure::input(anyhow!(
            "the schoenfeld plot needs the Cox model's covariates: name them with --covariates"
        )));
    }
    let data = load_with(data, |columns| {
        columns
            .covariates(model.covariates.iter())
            .factors(model.factors.iter())
    })?;
    let figure = SchoenfeldFigure::build(&data, &layout).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_figure(&figure, image, &layout)
}

fn forest_subgroups(args: ForestFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let Some(group) = data.group.clone() else {
        return Err(Failure::input(anyhow!(
            "--subgroups compares the arms of --group within each subgroup: name the group column with --group"
        )));
    };
    let mut factors = vec![group.clone()];
    factors.extend(args.subgroups.iter().filter(|s| **s != group).cloned());
    let data = load_with(data, |columns| {
        columns.covariates(factors.iter()).factors(factors.iter())
    })?;
    let figure = ForestFigure::subgroups(&data, &group, &args.subgroups, &layout).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_forest(figure, image)
}

fn forest_arms(args: ForestFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    if data.group.is_none() {
        return Err(Failure::input(anyhow!(
            "--arms compares the arms of --group with its reference: name the group column with --group"
        )));
    }
    let data = load_with(data, |columns| columns)?;
    let options = ArmsOptions {
        adjust: args.adjust,
        tau: args.tau,
    };
    let figure = ForestFigure::arms(&data, &layout, &options).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_forest(figure, image)
}

fn forest_terms(args: ForestFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    check_factors(&args.model.factors, &args.model.covariates)?;
    let mut covariates = args.model.covariates.clone();
    let mut factors = args.model.factors.clone();
    if let Some(g) = &data.group
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
    let data = load_with(data, |columns| {
        columns.covariates(covariates.iter()).factors(factors.iter())
    })?;
    let figure = ForestFigure::terms(&data, &layout).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_forest(figure, image)
}

fn bootstrap(args: BootstrapFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let model = &args.model;
    check_factors(&model.factors, &model.covariates)?;
    let loaded = Resampled::load(
        data,
        args.statistic,
        &args.cause,
        &args.censor,
        |columns| {
            columns
                .covariates(model.covariates.iter())
                .factors(model.factors.iter())
        },
        |data, model| one_pair(load_with(data, model)?, &args.compare),
    )?;
    let options = BootstrapOptions {
        statistic: args.statistic,
        replicates: 0..args.replicates,
        seed: args.resampling.seed,
        threads: args.resampling.threads(),
        stratify: args.stratify,
        intervals: IntervalMethod::parse_list(&args.intervals).map_err(|e| Failure::input(anyhow!(e)))?,
        conf_level: args.level.conf_level,
        tau: args.tau,
        ties: if args.firth { Ties::Breslow } else { Ties::Efron },
        firth: args.firth,
        ..Default::default()
    };
    let figure = BootstrapFigure::build(loaded.input(), &layout, &options).map_err(plot_failure)?;
    report_to_stderr(loaded.data(), &[]);
    write_figure(&figure, image, &layout)
}

fn fragility(args: FragilityFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data: data_args, image } = &args.figure;
    let layout = image.layout()?;
    let data = one_pair(load_with(data_args, |columns| columns)?, &args.compare)?;
    // --reference GROUP=LEVEL makes LEVEL the control arm, as `survkit fragility survival`;
    // with --compare A,B, B is
    let experimental = match &args.compare {
        Some(_) => survkit::comparisons::arm_of(&data),
        None => super::fragility::experimental_arm(data_args, &data),
    };
    let options = SurvivalOptions {
        test: args.test,
        tau: args.tau,
        alpha: args.alpha,
        experimental,
        ..Default::default()
    };
    let figure = FragilityFigure::build(&data, &layout, &options).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_figure(&figure, image, &layout)
}

fn cif(args: CifFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let plot = CifPlotOptions {
        ci: args.ci,
        risk_table: args.risk_table,
        arrangement: args.layout,
    };
    plot.check().map_err(Failure::input)?;
    let data = load_competing(data, &args.censor, Shape::Groups, |columns| columns)?;
    let options = CifOptions {
        conf_type: args.bands.conf_type,
        conf_level: args.bands.level.conf_level,
        ..Default::default()
    };
    let figure = CifFigure::build(&data, &layout, &options, &plot).map_err(plot_failure)?;
    report_to_stderr(data.data(), &figure.fit.warnings);
    write_figure(&figure, image, &layout)
}

fn win(args: WinFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let data = args.score.load(data)?;
    let options = WinOptions {
        direction: args.score.direction(),
        threshold: args.score.threshold,
        later_scores: args.score.later_scores.clone(),
        conf_level: args.level.conf_level,
        ..WinOptions::new(&args.score.score)
    };
    let figure = WinFigure::build(&data, &layout, &options).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_figure(&figure, image, &layout)
}

fn cafs(args: CafsFigureArgs) -> Result<(), Failure> {
    let FigureArgs { data, image } = &args.figure;
    let layout = image.layout()?;
    let data = args.score.load(data)?;
    let options = CafsOptions {
        direction: args.score.direction(),
        threshold: args.score.threshold,
        later_scores: args.score.later_scores.clone(),
        permutation: PermutationPlan {
            seed: args.resampling.seed,
            threads: args.resampling.threads(),
            ..PermutationPlan::default()
        },
        ..CafsOptions::new(&args.score.score)
    };
    let figure = CafsFigure::build(&data, &layout, &options).map_err(plot_failure)?;
    report_to_stderr(&data, &[]);
    write_figure(&figure, image, &layout)
}

/// `survkit plot reconstruct`: the digitised points of a published Kaplan–Meier figure over the
/// Kaplan–Meier curves of the participants reconstructed from them.
fn reconstruct(args: ReconstructFigureArgs) -> Result<(), Failure> {
    let layout = args.image.layout()?;
    let result = reconstruction(&args.inputs)?;
    for w in &result.warnings {
        eprintln!("warning: {w}");
    }
    let figure = ReconstructFigure::build(&result, &layout).map_err(plot_failure)?;
    write_figure(&figure, &args.image, &layout)
}

/// The rows of the pair `--compare A,B` names (arm A against reference B); without it, the data
/// as they are, refused with a pointer to `--compare` when the group has more than two arms (a
/// figure draws one comparison).
fn one_pair(data: survkit::SurvData, compare: &Option<String>) -> Result<survkit::SurvData, Failure> {
    let Some(text) = compare else {
        if let Some(group) = data.group.as_ref().filter(|g| g.n_levels() > 2) {
            return Err(Failure::input(anyhow!(
                "{}: group column '{}' has {} arms ({}); the figure draws one comparison: name it with --compare A,B (arm A against reference B)",
                data.source,
                group.name,
                group.n_levels(),
                group.levels.join(", ")
            )));
        }
        return Ok(data);
    };
    let (arm, reference) = super::args::parse_pair(text)?;
    let mut pairs = survkit::comparisons::pairs(&data, Some((&arm, &reference))).map_err(Failure::input)?;
    pairs
        .pop()
        .map(|(_, _, pair)| pair)
        .ok_or_else(|| Failure::input(anyhow!("no pair '{text}'")))
}
