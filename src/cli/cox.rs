//! `survkit cox`.

use clap::Args;
use survkit::comparisons::{ArmTests, Comparisons, cox_arm_tests, cox_arms};
use survkit::cox::{Term, TestResult, ZphTransform, parse_pattern};
use survkit::data::Covariate;
use survkit::model::Shape;
use survkit::output::{num, pvalue};
use survkit::{ConfType, Cox, CoxError, CoxFit, CoxOptions, Format, Render, SurvData, Ties};

use super::Failure;
use super::args::{ComparisonArgs, DataArgs, OutputArgs, parse_with_from_str};
use super::run::{
    check_factors, emit, emit_comparisons, load_arms, report_to_stderr, run_comparisons, write_atomically,
};

#[derive(Debug, Args)]
pub struct CoxArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Covariates, e.g. age,sex,ph.ecog (numeric unless listed in --factors).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "COL,...",
        required_unless_present_any = ["formula", "group"],
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
    /// With --group: --adjust the p-values of the arms' terms (more than two arms: one model of
    /// all arms); --compare one pair or --regimen a platform's controls: one model per
    /// comparison, on its rows.
    #[command(flatten)]
    pub comparisons: ComparisonArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: CoxArgs) -> Result<(), Failure> {
    check_factors(&args.factors, &args.covariates)?;
    let mut data = load_arms(&args.data, &args.comparisons, Shape::Regression, |columns| {
        let mut columns = columns.covariates(args.covariates.iter()).factors(args.factors.iter());
        columns.cluster.clone_from(&args.cluster);
        columns
    })?;
    // --group: the arm, a factor before the covariates (R's coxph(Surv ~ arm + ...))
    if let Some(group) = data.group.clone()
        && data.covariate(&group.name).is_none()
    {
        data.covariates.insert(0, Covariate::Factor(group));
    }
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
    // one pair, or a platform's comparisons: one model per comparison on its rows, the arm its
    // two-level factor
    if data.group.is_some() && (args.comparisons.compare.is_some() || data.regimen.is_some()) {
        let analyse = |pair: &SurvData| {
            let mut pair = pair.clone();
            if let (Some(group), Some(Covariate::Factor(arm))) = (&pair.group, pair.covariates.first_mut()) {
                *arm = group.clone();
            }
            Cox::fit(&pair, &options)
        };
        let p_of = |fit: &CoxFit| fit.terms.first().and_then(|t| t.p_value);
        if let Some(result) = run_comparisons(&data, &args.comparisons, analyse, p_of, || None)? {
            return emit_comparisons(&data.dropped, &result, |f| &f.warnings, &args.output);
        }
    }
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
    let arms = data
        .group
        .as_ref()
        .filter(|g| g.n_levels() > 2)
        .and_then(|_| cox_arms(&fit, &data, args.comparisons.adjust));
    let text = match &arms {
        None => fit.render(args.output.format),
        Some(arms) => {
            let tests = cox_arm_tests(&fit, &data, &options);
            with_arms(&fit, arms, tests.as_ref(), args.output.format)
        }
    };
    if let Some(path) = &args.residuals {
        let residuals = fit.residuals(&data).map_err(Failure::input)?;
        write_atomically(path, &survkit::output::residuals_csv(&residuals, &data)).map_err(Failure::input)?;
    }
    emit(&args.output, &text)
}

/// The fit with each arm's comparison with the reference: `"adjust"`, `"comparisons"` and
/// (with other covariates) `"arm_tests"` added to the JSON, the same after the text and the CSV.
fn with_arms(fit: &CoxFit, arms: &Comparisons<Term>, tests: Option<&ArmTests>, format: Format) -> String {
    let lines = |render: &dyn Fn(&str, &TestResult) -> String| {
        tests.map_or_else(String::new, |t| {
            render("likelihood ratio", &t.likelihood_ratio) + &render("Wald", &t.wald) + &render("score", &t.score)
        })
    };
    match format {
        Format::Json => {
            let mut value = serde_json::to_value(fit).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.insert("adjust".into(), serde_json::json!(arms.adjust));
                object.insert(
                    "comparisons".into(),
                    serde_json::to_value(&arms.comparisons).unwrap_or_default(),
                );
                if let Some(tests) = tests {
                    object.insert("arm_tests".into(), serde_json::to_value(tests).unwrap_or_default());
                }
            }
            serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
        }
        Format::Table => {
            let heading = if tests.is_some() {
                "\nThe arms together, adjusted for the other covariates:\n"
            } else {
                ""
            };
            let line = |name: &str, t: &TestResult| match (t.statistic, t.p_value) {
                (Some(x), Some(p)) => format!("{name} test = {} on {} df, p = {}\n", num(x), t.df, pvalue(p)),
                _ => format!("{name} test: not available\n"),
            };
            format!("{}\n{}{heading}{}", fit.table(), arms.summary_table(), lines(&line))
        }
        Format::Csv => {
            let header = if tests.is_some() {
                "\n# the arms together, adjusted for the other covariates\ntest,statistic,df,p_value\n"
            } else {
                ""
            };
            let line = |name: &str, t: &TestResult| {
                let v = |x: Option<f64>| x.map_or_else(String::new, |x| x.to_string());
                format!("{name},{},{},{}\n", v(t.statistic), t.df, v(t.p_value))
            };
            format!("{}\n{}{header}{}", fit.csv(), arms.summary_csv(), lines(&line))
        }
    }
}
