//! Accessors that answer questions about a fit: one hazard ratio, one survival probability,
//! one median, the RMST difference, each a typed value or an error naming what exists.
//!
//! ```
//! use survkit::{Cox, KaplanMeier, Rmst, Table};
//! let lung = Table::read_csv("datasets/lung.csv")?;
//! let cox = Cox::new("Surv(time, status) ~ age + factor(sex)").fit(&lung)?;
//! let hr = cox.hazard_ratio("sex")?; // the two-level factor's one term, `sex=2`
//! let (lower, upper) = cox.conf_int("sex=2")?;
//! assert!(lower < hr && hr < upper && cox.p_value("sex")? < 0.01);
//! let km = KaplanMeier::new("Surv(time, status) ~ sex").fit(&lung)?;
//! assert!(km.survival_at("2", 365.0)? > km.survival_at("1", 365.0)?);
//! assert_eq!(km.median("1")?.estimate, Some(270.0));
//! let rmst = Rmst::new("Surv(time, status) ~ sex").tau(365.0).fit(&lung)?;
//! assert!(rmst.difference()?.estimate.is_some_and(|d| d > 0.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use thiserror::Error;

use crate::cox::{CoxFit, Term};
use crate::km::{Estimate, KaplanMeier, KmCurve};
use crate::rmst::{ContrastEstimate, Rmst};

/// What an accessor could not answer.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LookupError {
    #[error("the model has no term '{name}'; its terms are: {}", available.join(", "))]
    /// The model has no term of that name.
    UnknownTerm {
        /// The name asked for.
        name: String,
        /// The model's terms.
        available: Vec<String>,
    },
    #[error("there is no curve '{name}'; the curves are: {}", available.join(", "))]
    /// The fit has no curve of that name.
    UnknownCurve {
        /// The name asked for.
        name: String,
        /// The fit's curves, named as [`KaplanMeier::curve`] takes them.
        available: Vec<String>,
    },
    #[error("the {what} of term '{term}' is not estimable{}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())]
    /// The term exists but the value asked for was not estimated (`None` in the fit).
    NotEstimable {
        /// The term.
        term: String,
        /// The value asked for ("hazard ratio", "p-value", ...).
        what: &'static str,
        /// Why, when known (monotone likelihood, no information in the data).
        reason: Option<String>,
    },
    #[error("time {time} is beyond the last follow-up ({last}) of curve '{curve}', where the estimate is undefined")]
    /// The time is after the curve's last time, where S(t) is undefined.
    BeyondFollowUp {
        /// The curve asked for.
        curve: String,
        /// The time asked for.
        time: f64,
        /// The curve's last time.
        last: f64,
    },
    #[error("time {time} is not a finite time ≥ 0")]
    /// The time is not finite or is negative.
    InvalidTime {
        /// The time asked for.
        time: f64,
    },
    #[error(
        "the difference is defined for two arms; this analysis has {arms} (read `contrasts` for each arm against the first)"
    )]
    /// A two-arm difference was asked of an analysis with another number of arms.
    NotTwoArms {
        /// The number of arms.
        arms: usize,
    },
}

impl CoxFit {
    /// The coefficient called `name`: a numeric covariate's name (`age`), a factor level's term
    /// (`sex=2`), or the column name of a two-level factor (`sex`, its only term).
    pub fn term(&self, name: &str) -> Result<&Term, LookupError> {
        if let Some(term) = self.terms.iter().find(|t| t.term == name) {
            return Ok(term);
        }
        let prefix = format!("{name}=");
        let mut levels = self.terms.iter().filter(|t| t.term.starts_with(&prefix));
        match (levels.next(), levels.next()) {
            (Some(term), None) => Ok(term),
            _ => Err(LookupError::UnknownTerm {
                name: name.to_string(),
                available: self.terms.iter().map(|t| t.term.clone()).collect(),
            }),
        }
    }

    fn estimated(
        &self,
        name: &str,
        what: &'static str,
        value: impl Fn(&Term) -> Option<f64>,
    ) -> Result<f64, LookupError> {
        let term = self.term(name)?;
        value(term).ok_or_else(|| LookupError::NotEstimable {
            term: term.term.clone(),
            what,
            reason: match (&term.diverges_to, term.not_identifiable) {
                (Some(direction), _) => Some(format!("the likelihood is monotone: it diverges to {direction}")),
                (None, true) => Some("the data hold no information on it".into()),
                _ => None,
            },
        })
    }

    /// The hazard ratio exp(β) of a term.
    pub fn hazard_ratio(&self, name: &str) -> Result<f64, LookupError> {
        self.estimated(name, "hazard ratio", |t| t.hr)
    }

    /// The coefficient β (log hazard ratio) of a term.
    pub fn coef(&self, name: &str) -> Result<f64, LookupError> {
        self.estimated(name, "coefficient", |t| t.coef)
    }

    /// The confidence limits of a term's hazard ratio, at the fit's level.
    pub fn conf_int(&self, name: &str) -> Result<(f64, f64), LookupError> {
        let lower = self.estimated(name, "lower confidence limit", |t| t.hr_lower)?;
        let upper = self.estimated(name, "upper confidence limit", |t| t.hr_upper)?;
        Ok((lower, upper))
    }

    /// The Wald test's p-value of a term.
    pub fn p_value(&self, name: &str) -> Result<f64, LookupError> {
        self.estimated(name, "p-value", |t| t.p_value)
    }
}

impl KaplanMeier {
    /// The curve of `group`: a group level (`"2"`), `"group, stratum"` levels with strata, a
    /// stratum level without groups, or `"all"` for a single curve.
    pub fn curve(&self, group: &str) -> Result<&KmCurve, LookupError> {
        let name = |c: &KmCurve| match (&c.group, &c.stratum) {
            (Some(g), Some(s)) => format!("{g}, {s}"),
            (Some(g), None) => g.clone(),
            (None, Some(s)) => s.clone(),
            (None, None) => "all".to_string(),
        };
        self.curves
            .iter()
            .find(|c| name(c) == group)
            .ok_or_else(|| LookupError::UnknownCurve {
                name: group.to_string(),
                available: self.curves.iter().map(name).collect(),
            })
    }

    /// S(t) of a curve: the estimate at the last step at or before `time` (1 before the first).
    pub fn survival_at(&self, group: &str, time: f64) -> Result<f64, LookupError> {
        if !time.is_finite() || time < 0.0 {
            return Err(LookupError::InvalidTime { time });
        }
        let curve = self.curve(group)?;
        let last = curve.table.last().map_or(0.0, |row| row.time);
        if time > last {
            return Err(LookupError::BeyondFollowUp {
                curve: group.to_string(),
                time,
                last,
            });
        }
        Ok(curve
            .table
            .iter()
            .take_while(|row| row.time <= time)
            .last()
            .map_or(1.0, |row| row.survival))
    }

    /// The median survival time of a curve with its confidence limits (`None` where not
    /// reached).
    pub fn median(&self, group: &str) -> Result<&Estimate, LookupError> {
        Ok(&self.curve(group)?.median)
    }
}

impl Rmst {
    /// RMST(second arm) − RMST(first arm) with its limits and p-value, for two arms.
    pub fn difference(&self) -> Result<&ContrastEstimate, LookupError> {
        match self.contrasts.as_slice() {
            [contrast] => Ok(&contrast.difference),
            _ => Err(LookupError::NotTwoArms { arms: self.arms.len() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cox, Table};

    #[test]
    fn errors_name_what_exists() {
        let lung = Table::read_csv("datasets/lung.csv").unwrap();
        let cox = Cox::new("Surv(time, status) ~ age + factor(ph.ecog)")
            .fit(&lung)
            .unwrap();
        assert_eq!(
            cox.hazard_ratio("ph.ecog").unwrap_err().to_string(),
            "the model has no term 'ph.ecog'; its terms are: age, ph.ecog=1, ph.ecog=2, ph.ecog=3"
        );
        assert_eq!(cox.coef("age").unwrap(), cox.terms[0].coef.unwrap());
        assert_eq!(cox.hazard_ratio("ph.ecog=2").unwrap(), cox.terms[2].hr.unwrap());

        let km = crate::KaplanMeier::new("Surv(time, status) ~ sex").fit(&lung).unwrap();
        assert_eq!(
            km.survival_at("3", 10.0).unwrap_err().to_string(),
            "there is no curve '3'; the curves are: 1, 2"
        );
        assert_eq!(km.survival_at("1", 0.0).unwrap(), 1.0);
        assert!(matches!(
            km.survival_at("1", 5000.0),
            Err(LookupError::BeyondFollowUp { .. })
        ));
        assert!(matches!(
            km.survival_at("1", f64::NAN),
            Err(LookupError::InvalidTime { .. })
        ));
        let all = crate::KaplanMeier::new("Surv(time, status) ~ 1").fit(&lung).unwrap();
        assert_eq!(all.median("all").unwrap().estimate, Some(310.0));

        let rmst = crate::Rmst::new("Surv(time, status) ~ ph.ecog").fit(&lung).unwrap();
        assert_eq!(
            rmst.difference().unwrap_err().to_string(),
            "the difference is defined for two arms; this analysis has 4 (read `contrasts` for each arm against the first)"
        );
    }
}
