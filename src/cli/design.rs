//! `survkit design`: events, power, detectable hazard ratio and sample size of a survival
//! trial.

use clap::{Args, Subcommand};
use survkit::Render;
use survkit::design::{
    Accrual, Allocation, ControlHazard, DesignError, EventsMethod, Sided, TestPlan, detectable_hr, events_needed,
    power, sample_size, three_plus_three,
};

use super::Failure;
use super::args::{OutputArgs, parse_with_from_str};
use super::run::emit;

#[derive(Debug, Args)]
pub struct DesignArgs {
    #[command(subcommand)]
    pub command: DesignCommand,
}

#[derive(Debug, Subcommand)]
pub enum DesignCommand {
    /// Events needed to detect a hazard ratio (Schoenfeld or Freedman), as rpact's eventsFixed.
    Events(EventsArgs),
    /// Power of a given number of events to detect a hazard ratio.
    Power(PowerArgs),
    /// The minimum detectable hazard ratio (and the critical one) at a number of events.
    DetectableHr(DetectableHrArgs),
    /// Participants needed with uniform accrual, follow-up, dropout and a control median or
    /// hazard (exponential survival), as rpact's getSampleSizeSurvival.
    SampleSize(SampleSizeArgs),
    /// Exact operating characteristics of the 3+3 dose escalation (by enumeration): P(each
    /// dose is the MTD), P(no MTD), expected participants and DLTs.
    ThreePlusThree(ThreePlusThreeArgs),
}

#[derive(Debug, Args)]
pub struct ThreePlusThreeArgs {
    /// DLT probability at each dose, lowest first, e.g. 0.05,0.1,0.25,0.4.
    #[arg(long, value_delimiter = ',', required = true, value_name = "P,...")]
    pub dlt: Vec<f64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The planned test shared by every design command.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Significance level α (split between the tails when two-sided).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// One- or two-sided test: 1 or 2.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub sided: u8,
    /// Allocation ratio treatment:control, e.g. 2:1.
    #[arg(long, default_value = "1:1", value_name = "A:B")]
    pub ratio: String,
    /// Approximation: schoenfeld or freedman.
    #[arg(long, default_value = "schoenfeld", value_parser = parse_with_from_str::<EventsMethod>)]
    pub method: EventsMethod,
}

impl PlanArgs {
    fn plan(&self) -> Result<TestPlan, Failure> {
        let allocation: Allocation = self.ratio.parse().map_err(Failure::input)?;
        let sided = if self.sided == 1 { Sided::One } else { Sided::Two };
        TestPlan::new(self.alpha, sided, allocation, self.method).map_err(Failure::input)
    }
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Hazard ratio treatment vs control to detect.
    #[arg(long)]
    pub hr: f64,
    /// Power 1 − β.
    #[arg(long, default_value_t = 0.8)]
    pub power: f64,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct PowerArgs {
    /// Hazard ratio treatment vs control.
    #[arg(long)]
    pub hr: f64,
    /// Number of events at the analysis.
    #[arg(long)]
    pub events: f64,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct DetectableHrArgs {
    /// Number of events at the analysis.
    #[arg(long)]
    pub events: f64,
    /// Power 1 − β.
    #[arg(long, default_value_t = 0.8)]
    pub power: f64,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SampleSizeArgs {
    /// Hazard ratio treatment vs control to detect.
    #[arg(long)]
    pub hr: f64,
    /// Power 1 − β.
    #[arg(long, default_value_t = 0.8)]
    pub power: f64,
    /// Length of the uniform accrual period.
    #[arg(long)]
    pub accrual_time: f64,
    /// Follow-up after the last participant enters.
    #[arg(long)]
    pub follow_up: f64,
    /// Median survival on control (exponential survival).
    #[arg(long, conflicts_with = "control_hazard", required_unless_present = "control_hazard")]
    pub control_median: Option<f64>,
    /// Event hazard on control, instead of --control-median.
    #[arg(long)]
    pub control_hazard: Option<f64>,
    /// Share of participants lost to follow-up by --dropout-time (exponential dropout).
    #[arg(long, default_value_t = 0.0)]
    pub dropout_rate: f64,
    /// The time by which --dropout-rate are lost.
    #[arg(long, default_value_t = 12.0)]
    pub dropout_time: f64,
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn done<R: Render>(result: Result<R, DesignError>, output: &OutputArgs) -> Result<(), Failure> {
    let result = result.map_err(Failure::input)?;
    emit(output, &result.render(output.format))
}

pub fn run(args: DesignArgs) -> Result<(), Failure> {
    match args.command {
        DesignCommand::Events(a) => done(events_needed(&a.plan.plan()?, a.hr, a.power), &a.output),
        DesignCommand::Power(a) => done(power(&a.plan.plan()?, a.hr, a.events), &a.output),
        DesignCommand::ThreePlusThree(a) => done(three_plus_three(&a.dlt), &a.output),
        DesignCommand::DetectableHr(a) => done(detectable_hr(&a.plan.plan()?, a.events, a.power), &a.output),
        DesignCommand::SampleSize(a) => {
            let control = match (a.control_median, a.control_hazard) {
                (Some(m), _) => ControlHazard::Median(m),
                (None, Some(h)) => ControlHazard::Hazard(h),
                (None, None) => return Err(Failure::input(anyhow::anyhow!("a control median or hazard is needed"))),
            };
            let accrual = Accrual {
                accrual_time: a.accrual_time,
                follow_up: a.follow_up,
                dropout_rate: a.dropout_rate,
                dropout_time: a.dropout_time,
            };
            done(
                sample_size(&a.plan.plan()?, a.hr, a.power, control, &accrual),
                &a.output,
            )
        }
    }
}
