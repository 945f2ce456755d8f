//! The command line's words for a library error: the library speaks of data and models, the
//! command line adds which option to change.

use survkit::bootstrap::PermutationError;
use survkit::fragility::SurvivalError;
use survkit::plot::PlotError;
use survkit::{BootstrapError, CoxError, DataError, LogRankError, Rule};

/// The option that answers `error`, when there is one.
pub fn hint(error: &anyhow::Error) -> Option<&'static str> {
    error.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<DataError>() {
            return data(e);
        }
        if let Some(e) = cause.downcast_ref::<CoxError>() {
            return cox(e);
        }
        if let Some(e) = cause.downcast_ref::<BootstrapError>() {
            return match e {
                BootstrapError::NoGroup { .. } => Some(GROUP),
                BootstrapError::Cox(e) => cox(e),
                _ => None,
            };
        }
        if let Some(e) = cause.downcast_ref::<LogRankError>() {
            return match e {
                LogRankError::NoGroup { .. } => Some(GROUP),
                LogRankError::Weighted { .. } => Some("drop --weight"),
                _ => None,
            };
        }
        if let Some(e) = cause.downcast_ref::<PermutationError>() {
            return match e {
                PermutationError::NoGroup { .. } => Some(GROUP),
                PermutationError::TooMany { .. } => Some("use --method monte-carlo"),
                _ => None,
            };
        }
        if let Some(e) = cause.downcast_ref::<PlotError>() {
            return match e {
                PlotError::BreakStep(_) => Some("choose a larger --break-every"),
                PlotError::AxisLimit(_) => Some("give --xmax a time greater than 0"),
                PlotError::Size(_) => Some("set a larger --width or --height"),
                _ => None,
            };
        }
        match cause.downcast_ref::<SurvivalError>() {
            Some(SurvivalError::NoGroup { .. }) => Some(GROUP),
            _ => None,
        }
    })
}

const GROUP: &str = "name the group column with --group (or give a --formula with the arm on its right)";

fn cox(e: &CoxError) -> Option<&'static str> {
    match e {
        CoxError::NoCovariates => Some("name them with --covariates (or give a --formula)"),
        CoxError::WeightedExact => Some("use --ties efron or --ties breslow"),
        CoxError::FirthTies => Some("use --ties breslow with --firth"),
        _ => None,
    }
}

fn data(e: &DataError) -> Option<&'static str> {
    match e {
        DataError::Missing { .. } => Some("without --strict, the rows with missing values are dropped and counted"),
        DataError::InvalidValue {
            rule: Rule::NotEventCode | Rule::ZeroBesideTwo,
            ..
        } => Some("pick the event value with --event-value"),
        DataError::InvalidValue {
            rule: Rule::NotNumeric, ..
        } => Some("list the column in --factors to treat it as categorical"),
        _ => None,
    }
}
