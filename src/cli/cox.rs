//! `survkit cox`.

use clap::Args;
use survkit::cox::{ZphTransform, parse_pattern};
use survkit::model::Shape;
use survkit::{ConfType, Cox, CoxError, CoxOptions, Render, Ties};

use super::Failure;
use super::args::{DataArgs, OutputArgs, parse_with_from_str};
use super::run::{check_factors, emit, load_model, report_to_stderr, write_atomically};

#[derive(Debug, Args)]
pub struct CoxArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Covariates, e.g. age,sex,ph.ecog (numeric unless listed in --factors).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "COL,...",
        required_unless_present = "formula",
        conflicts_with = "formula"
    )]
    pub covariates: Vec<String>,
    /// Covariates to treat as categorical (treatment-coded dummies named COL=LEVEL).
    #[arg(long, value_delimiter = ',', value_name = "COL,...", conflicts_with = "formula")]
    pub factors: Vec<String>,
    /// Cluster column for robust (sandwich) variance grouped by cluster.
    #[arg(long, value_name = "COL", conflicts_with = "formula")]
    pub cluster: Option<String>,
    /// Robust (sandwich) variance with each row its own cluster (on by default with --cluster or
    /// non-integer weights, as in R).
    #[arg(long)]
    pub robust: bool,
    /// Tied event times: efron (default, as R; breslow with --firth), breslow or exact.
    #[arg(long, value_parser = parse_with_from_str::<Ties>)]
    pub ties: Option<Ties>,
    /// Firth's penalised likelihood (as R's coxphf): finite estimates when an arm has no events,
    /// with profile penalised-likelihood limits and p-values.
    #[arg(long)]
    pub firth: bool,
    /// Confidence intervals: wald (default) or profile (profile likelihood, beside the Wald ones).
    #[arg(long, default_value = "wald", value_parser = ["wald", "profile"])]
    pub ci: String,
    /// The proportional-hazards test (R's cox.zph); optional transform: km (default), rank,
    /// identity or log.
    #[arg(long, num_args = 0..=1, default_missing_value = "km", value_name = "TRANSFORM",
          value_parser = parse_with_from_str::<ZphTransform>)]
    pub zph: Option<ZphTransform>,
    /// Confidence level of the hazard-ratio intervals.
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Convergence tolerance on the relative change in log-likelihood.
    #[arg(long, default_value_t = 1e-9)]
    pub eps: f64,
    /// Maximum Newton–Raphson iterations.
    #[arg(long, default_value_t = 20)]
    pub max_iter: usize,
    /// Predicted survival for covariate values, e.g. --predict "age=60,sex=1" (repeatable).
    #[arg(long, value_name = "COL=VALUE,...")]
    pub predict: Vec<String>,
    /// Write martingale, deviance, score, dfbeta and (scaled) Schoenfeld residuals to this CSV.
    #[arg(long, value_name = "FILE")]
    pub residuals: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: CoxArgs) -> Result<(), Failure> {
    check_factors(&args.factors, &args.covariates)?;
    let data = load_model(&args.data, Shape::Regression, |columns| {
        let mut columns = columns.covariates(args.covariates.iter()).factors(args.factors.iter());
        columns.cluster.clone_from(&args.cluster);
        columns
    })?;
    let options = CoxOptions {
        ties: args
            .ties
            .unwrap_or(if args.firth { Ties::Breslow } else { Ties::Efron }),
        conf_level: args.conf_level,
        robust: args.robust.then_some(true),
        eps: args.eps,
        max_iter: args.max_iter,
        profile_ci: args.ci == "profile",
        firth: args.firth,
        zph: args.zph,
    };
    // the model's errors speak of the data: say which file
    let mut fit = Cox::fit(&data, &options).map_err(|e| {
        let status = match e {
            CoxError::NoEvents | CoxError::NoWeightedEvents | CoxError::FirthNotConverged { .. } => Failure::analysis,
            _ => Failure::input,
        };
        // the context carries the whole message; the error stays in the chain for the hint
        let message = format!("{}: {e}", data.source);
        status(anyhow::Error::new(e).context(message))
    })?;
    for text in &args.predict {
        let pattern = parse_pattern(text).map_err(Failure::input)?;
        let curves = fit.predict(&data, &pattern, ConfType::Log).map_err(Failure::input)?;
        fit.predictions.extend(curves);
    }
    report_to_stderr(&data, &fit.warnings);
    let text = fit.render(args.output.format);
    if let Some(path) = &args.residuals {
        let residuals = fit.residuals(&data).map_err(Failure::input)?;
        write_atomically(path, &survkit::output::residuals_csv(&residuals, &data)).map_err(Failure::input)?;
    }
    emit(&args.output, &text)
}
