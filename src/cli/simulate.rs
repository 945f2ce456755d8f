//! `survkit simulate`: event-driven randomised trials with piecewise-exponential hazards.

use anyhow::anyhow;
use clap::Args;
use std::path::{Path, PathBuf};
use survkit::Render;
use survkit::Weights;
use survkit::bootstrap::engine::fresh_seed;
use survkit::maxcombo::MaxComboOptions;

use survkit::design::Sided;
use survkit::simulate::{
    AnalysisAt, Arm, Boundaries, GroupSequential, PiecewiseHazard, SimulateOptions, SimulationTrials, TrialDesign,
};

use super::Failure;
use super::args::{OutputArgs, parse_with_from_str};
use super::bootstrap::parse_range;
use super::run::{emit, write_atomically};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Merge trial files saved by --save-trials over adjacent --replicate-range shards into
    /// the result of one run over the whole range (no design options then).
    #[arg(long, num_args = 1.., value_name = "FILE", conflicts_with = "replicate_range")]
    pub merge: Vec<PathBuf>,
    /// Participants per trial.
    #[arg(long, value_name = "N", required_unless_present = "merge")]
    pub participants: Option<usize>,
    /// Allocation treatment:control, or T1:T2:...:control for several treatment arms.
    #[arg(long, default_value = "1:1", value_name = "A:B")]
    pub ratio: String,
    /// Control median survival (exponential), instead of --control-hazard.
    #[arg(long, conflicts_with = "control_hazard", required_unless_present_any = ["control_hazard", "merge"])]
    pub control_median: Option<f64>,
    /// Control event hazard: one rate, or one per piece of --breaks (piecewise exponential).
    #[arg(long, value_delimiter = ',', value_name = "RATE,...")]
    pub control_hazard: Option<Vec<f64>>,
    /// Times where the hazards change (shared by every arm).
    #[arg(long, value_delimiter = ',', value_name = "T,...")]
    pub breaks: Vec<f64>,
    /// Hazard ratio of a treatment arm vs control: one, or one per piece (delayed or crossing
    /// effects). Repeat once per treatment arm, in --ratio order; default 1 (the null).
    #[arg(long, value_name = "HR,...")]
    pub hr: Vec<String>,
    /// Length of the accrual period (uniform entry unless --accrual-rates).
    #[arg(long, default_value_t = 0.0)]
    pub accrual_time: f64,
    /// Times where the accrual intensity changes, inside (0, --accrual-time).
    #[arg(long, value_delimiter = ',', value_name = "T,...", requires = "accrual_rates")]
    pub accrual_breaks: Vec<f64>,
    /// Relative accrual intensity in each period of --accrual-breaks (one more than the
    /// breaks; e.g. 20,40: twice as many enter per unit of time after the break).
    #[arg(long, value_delimiter = ',', value_name = "RATE,...")]
    pub accrual_rates: Option<Vec<f64>>,
    /// Dropout hazard (exponential), the same in every arm.
    #[arg(long, default_value_t = 0.0)]
    pub dropout_hazard: f64,
    /// Analyse at the calendar time of this many events.
    #[arg(long, conflicts_with = "analysis_time", required_unless_present_any = ["analysis_time", "merge"])]
    pub events: Option<usize>,
    /// Analyse at this calendar time instead.
    #[arg(long)]
    pub analysis_time: Option<f64>,
    /// Simulated trials.
    #[arg(long, default_value_t = 10_000)]
    pub trials: usize,
    /// Run only trials A..B of the run (a shard; same seed and settings in every shard).
    #[arg(long, value_name = "A..B")]
    pub replicate_range: Option<String>,
    /// Write every trial's outcome to this file (JSON), for --merge.
    #[arg(long, value_name = "FILE")]
    pub save_trials: Option<PathBuf>,
    /// Seed (default: a fresh one, printed in the output).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (the result does not depend on them).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Two-sided significance level.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Log-rank weights (as `survkit logrank --weights`).
    #[arg(long, default_value = "logrank", value_parser = parse_with_from_str::<Weights>)]
    pub weights: Weights,
    /// Also the MaxCombo test (two arms): the listed weights (at most 4), default fh:0,0
    /// fh:0,1 fh:1,0 fh:1,1.
    #[arg(long, num_args = 0.., value_name = "WEIGHTS", value_parser = parse_with_from_str::<Weights>)]
    pub maxcombo: Option<Vec<Weights>>,
    /// Also the RMST difference (two arms) up to this τ, Wald test.
    #[arg(long, value_name = "TAU")]
    pub rmst_tau: Option<f64>,
    /// Also the log-rank status-flip fragility index of each significant trial (two arms).
    #[arg(long)]
    pub fragility: bool,
    /// Interim looks of the group-sequential log-rank test, at these fractions of --events
    /// (two arms); the final look is at --events.
    #[arg(long, value_delimiter = ',', value_name = "T,...", requires = "boundaries")]
    pub interim: Option<Vec<f64>>,
    /// Efficacy boundaries of every look: z:C1,C2,..., nominal:A1,A2,... (nominal levels), or
    /// of | pocock | asof | asp (computed as rpact's getDesignGroupSequential, at most 3 looks).
    #[arg(long, value_name = "SPEC", requires = "interim", value_parser = parse_with_from_str::<Boundaries>)]
    pub boundaries: Option<Boundaries>,
    /// Sides of the group-sequential test: 1 (efficacy of the treatment, at α/2) or 2 (|Z|, at α).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2), requires = "interim")]
    pub sided: u8,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn numbers(text: &str, what: &str) -> Result<Vec<f64>, Failure> {
    text.split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| Failure::input(anyhow!("{what}: '{v}' is not a number")))
        })
        .collect()
}

fn design(args: &SimulateArgs) -> Result<TrialDesign, Failure> {
    let allocation = numbers(&args.ratio.replace(':', ","), "the allocation ratio")?;
    if allocation.len() < 2 {
        return Err(Failure::input(anyhow!(
            "the allocation ratio '{}' needs two or more parts",
            args.ratio
        )));
    }
    let control_rates = match (&args.control_hazard, args.control_median) {
        (Some(rates), _) => rates.clone(),
        (None, Some(median)) if median > 0.0 && median.is_finite() => vec![std::f64::consts::LN_2 / median],
        (None, Some(median)) => return Err(Failure::input(anyhow!("the control median {median} must be positive"))),
        (None, None) => return Err(Failure::input(anyhow!("a control median or hazard is needed"))),
    };
    // one rate: the same in every piece
    let control_rates = if control_rates.len() == 1 {
        vec![control_rates[0]; args.breaks.len() + 1]
    } else {
        control_rates
    };
    let control = PiecewiseHazard::new(args.breaks.clone(), control_rates, "control").map_err(Failure::input)?;
    let treatments = allocation.len() - 1;
    if !args.hr.is_empty() && args.hr.len() != treatments {
        return Err(Failure::input(anyhow!(
            "{} hazard ratios for {treatments} treatment arms",
            args.hr.len()
        )));
    }
    let control_share = allocation[treatments];
    let mut arms = vec![Arm {
        name: "control".to_string(),
        allocation: control_share,
        hazard: control.clone(),
    }];
    for (t, share) in allocation[..treatments].iter().enumerate() {
        let name = if treatments == 1 {
            "treatment".to_string()
        } else {
            format!("treatment{}", t + 1)
        };
        let ratios = match args.hr.get(t) {
            Some(text) => numbers(text, "a hazard ratio")?,
            None => vec![1.0],
        };
        let hazard = control.scaled(&ratios, &name).map_err(Failure::input)?;
        arms.push(Arm {
            name,
            allocation: *share,
            hazard,
        });
    }
    let analysis = match (args.events, args.analysis_time) {
        (Some(d), _) => AnalysisAt::Events(d),
        (None, Some(t)) => AnalysisAt::Time(t),
        (None, None) => {
            return Err(Failure::input(anyhow!(
                "a target number of events or an analysis time is needed"
            )));
        }
    };
    let design = TrialDesign::new(
        arms,
        args.participants.unwrap_or(0),
        args.accrual_time,
        args.dropout_hazard,
        analysis,
    )
    .map_err(Failure::input)?;
    match &args.accrual_rates {
        Some(rates) => design
            .with_accrual_periods(args.accrual_breaks.clone(), rates.clone())
            .map_err(Failure::input),
        None => Ok(design),
    }
}

pub fn run(args: SimulateArgs) -> Result<(), Failure> {
    let trials = if args.merge.is_empty() {
        let design = design(&args)?;
        let trials = match &args.replicate_range {
            Some(_) if args.seed.is_none() => {
                return Err(Failure::input(anyhow!("shards of one run need its seed: add --seed")));
            }
            Some(text) => parse_range(text).map_err(Failure::input)?,
            None => 0..args.trials,
        };
        SimulationTrials::run(&design, &options(&args, trials)?).map_err(Failure::input)?
    } else {
        let parts = args
            .merge
            .iter()
            .map(|path| read_trials(path))
            .collect::<Result<Vec<_>, _>>()?;
        SimulationTrials::merge(parts).map_err(Failure::input)?
    };
    if let Some(path) = &args.save_trials {
        let text = serde_json::to_string(&trials).map_err(Failure::analysis)?;
        write_atomically(path, &(text + "\n")).map_err(Failure::input)?;
    }
    let simulation = trials.summary();
    for w in &simulation.warnings {
        eprintln!("warning: {w}");
    }
    emit(&args.output, &simulation.render(args.output.format))
}

fn read_trials(path: &Path) -> Result<SimulationTrials, Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure::input(anyhow!("{}: cannot read: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::input(anyhow!(
            "{}: not a trial file written by survkit simulate --save-trials: {e}",
            path.display()
        ))
    })
}

fn options(args: &SimulateArgs, trials: std::ops::Range<usize>) -> Result<SimulateOptions, Failure> {
    let group_sequential = match (&args.interim, &args.boundaries) {
        (Some(interims), Some(boundaries)) => {
            let sided = if args.sided == 1 { Sided::One } else { Sided::Two };
            Some(GroupSequential::new(interims, boundaries.clone(), sided, args.alpha).map_err(Failure::input)?)
        }
        _ => None,
    };
    Ok(SimulateOptions {
        group_sequential,
        trials,
        seed: args.seed.unwrap_or_else(fresh_seed),
        threads: args.threads,
        alpha: args.alpha,
        weights: args.weights,
        maxcombo: args.maxcombo.clone().map(|w| {
            if w.is_empty() {
                MaxComboOptions::default().weights
            } else {
                w
            }
        }),
        rmst_tau: args.rmst_tau,
        fragility: args.fragility,
    })
}
