//! Baseline cumulative hazard and predicted survival curves from a Cox fit.
//!
//! # Formulas (Tsiatis 1981; R survival's `survfit.coxph` and `agsurv`)
//! For covariates x₀ (centred as the fit centres them) with r₀ = exp(x₀'β̂), at each event time
//! the hazard increment is dΛ₀ = Σ_k m/S₀ₖ over Efron's sub-steps (one Breslow step, m = D, for
//! Breslow and exact fits), with variance term Σ_k m/S₀ₖ², and C(t) = Σ dΛ₀ x̄ accumulates the
//! risk-set means. Then
//!
//! - Λ(t | x₀) = r₀ Λ₀(t),  S(t | x₀) = exp(−Λ(t | x₀))  (R's default `stype = 2`)
//! - Var Λ(t | x₀) = r₀² [Σ m/S₀ₖ² + q(t)' V q(t)],  q(t) = x₀ Λ₀(t) − C(t),
//!
//! with V the model-based variance of β̂. Limits are those of [`crate::conf_int`] with
//! SE(log S) = SE Λ.

use serde::Serialize;

use super::partial::Problem;
use super::residuals::event_times;
use super::{CoxError, CoxFit};
use crate::conf_int::{ConfType, finite};
use crate::data::{Covariate, SurvData};
use crate::dist::z_for_level;
use crate::numbers::count;
use crate::risk_set::{RiskTable, split_by_code};

/// One time of a predicted curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictRow {
    pub time: f64,
    #[serde(serialize_with = "count")]
    pub n_risk: f64,
    #[serde(serialize_with = "count")]
    pub n_event: f64,
    #[serde(serialize_with = "count")]
    pub n_censor: f64,
    pub survival: f64,
    pub std_err: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub cumhaz: f64,
    pub std_cumhaz: Option<f64>,
}

/// A predicted survival curve for one covariate pattern (and stratum).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The covariate values as given.
    pub covariates: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stratum: Option<String>,
    pub conf_type: ConfType,
    pub table: Vec<PredictRow>,
}

/// Parses "age=60,sex=1" into name/value pairs.
pub fn parse_pattern(text: &str) -> Result<Vec<(String, String)>, CoxError> {
    let pattern: Vec<(String, String)> = text
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| CoxError::Option(format!("a prediction expects COL=VALUE pairs, got '{pair}'")))
        })
        .collect::<Result<_, _>>()?;
    for (k, (column, _)) in pattern.iter().enumerate() {
        if pattern[..k].iter().any(|(c, _)| c == column) {
            return Err(CoxError::Option(format!(
                "the prediction '{text}' gives '{column}' twice; one curve takes one value per covariate"
            )));
        }
    }
    Ok(pattern)
}

impl CoxFit {
    /// Predicted survival for the covariate values `pattern`, one curve per stratum.
    pub fn predict(
        &self,
        data: &SurvData,
        pattern: &[(String, String)],
        conf_type: ConfType,
    ) -> Result<Vec<Prediction>, CoxError> {
        let x0 = design_row(data, pattern)?;
        let problem = Problem::new(data, &self.design, self.ties);
        let p = problem.p();
        // centre x₀ as the problem centres the design
        let centre: Vec<f64> = (0..p)
            .map(|j| (0..data.n_rows()).map(|i| self.design.x[i * p + j]).sum::<f64>() / data.n_rows() as f64)
            .collect();
        let x0: Vec<f64> = x0.iter().zip(&centre).map(|(x, c)| x - c).collect();
        let r0 = x0.iter().zip(&self.beta).map(|(x, b)| x * b).sum::<f64>().exp();
        let eta = problem.eta(&self.beta);
        let z = z_for_level(self.conf_level);
        let n_strata = data.strata.as_ref().map_or(1, |s| s.n_levels());
        let counts_by_stratum = split_by_code(data.order_by_time(), n_strata, |i| data.stratum_of(i));
        let mut curves = Vec::new();
        for (s, stratum) in problem.strata.iter().enumerate() {
            let events = event_times(&problem, stratum, &eta);
            let counts = RiskTable::build(data, &counts_by_stratum[s], 1, |_| 0);
            let (mut cumhaz, mut variance) = (0.0, 0.0);
            let mut c = vec![0.0; p];
            let mut next_event = 0;
            let mut table = Vec::with_capacity(counts.len());
            for j in 0..counts.len() {
                let t = counts.time[j];
                if next_event < events.time.len() && events.time[next_event] == t {
                    cumhaz += events.hazard[next_event];
                    variance += events.hazard_variance[next_event];
                    for k in 0..p {
                        c[k] += events.hazard_x[next_event * p + k];
                    }
                    next_event += 1;
                }
                let q: Vec<f64> = (0..p).map(|k| x0[k] * cumhaz - c[k]).collect();
                let mut quad = 0.0;
                for a in 0..p {
                    for b in 0..p {
                        quad += q[a] * self.variance[a][b] * q[b];
                    }
                }
                let se_cumhaz = r0 * (variance + quad).sqrt();
                let survival = (-r0 * cumhaz).exp();
                let (lower, upper) = conf_type.limits(survival, se_cumhaz, z);
                table.push(PredictRow {
                    time: t,
                    n_risk: counts.n_risk[j],
                    n_event: counts.n_event[j],
                    n_censor: counts.n_censor[j],
                    survival,
                    std_err: finite(survival * se_cumhaz),
                    lower,
                    upper,
                    cumhaz: r0 * cumhaz,
                    std_cumhaz: finite(se_cumhaz),
                });
            }
            curves.push(Prediction {
                covariates: pattern.to_vec(),
                stratum: data.strata.as_ref().map(|f| f.levels[s].clone()),
                conf_type,
                table,
            });
        }
        Ok(curves)
    }
}

/// The design row for a covariate pattern: numbers for numeric covariates, dummies for factors.
fn design_row(data: &SurvData, pattern: &[(String, String)]) -> Result<Vec<f64>, CoxError> {
    let value_of = |name: &str| -> Result<&str, CoxError> {
        pattern
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| CoxError::Option(format!("the prediction gives no value for covariate '{name}'")))
    };
    for (name, _) in pattern {
        if data.covariate(name).is_none() {
            return Err(CoxError::Option(format!(
                "the prediction names '{name}', which is not a covariate of the model"
            )));
        }
    }
    let mut row = Vec::new();
    for covariate in &data.covariates {
        match covariate {
            Covariate::Numeric { name, .. } => {
                let text = value_of(name)?;
                let value = text.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    CoxError::Option(format!("prediction: '{text}' is not a number for covariate '{name}'"))
                })?;
                row.push(value);
            }
            Covariate::Factor(factor) => {
                let text = value_of(&factor.name)?;
                let level = factor.levels.iter().position(|l| l == text).ok_or_else(|| {
                    CoxError::Option(format!(
                        "prediction: '{text}' is not a level of '{}' (levels: {})",
                        factor.name,
                        factor.levels.join(", ")
                    ))
                })?;
                row.extend((1..factor.n_levels()).map(|l| if l == level { 1.0 } else { 0.0 }));
            }
        }
    }
    Ok(row)
}
