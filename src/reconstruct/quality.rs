//! How well reconstructed data reproduce the published figure.
//!
//! # Measures
//! - Curve: for each digitised point (t, S), the vertical distance to the drawn step function
//!   of the reconstructed Kaplan–Meier estimate Ŝ, whose graph at t covers [Ŝ(t), Ŝ(t−)]
//!   (a point on a vertical segment is on the curve): e = 0 inside that range, otherwise the
//!   distance to its nearer end. Reported: RMSE √(Σe²/K) and max |e| (Guyot et al. 2012 compare
//!   the same way, at the digitised points).
//! - Numbers at risk: the reconstructed count #{T_i ≥ τ} at each published time τ.
//! - Events, the median (R's `quantile.survfit` rule, [`crate::km`]) and, with two or more
//!   arms, the Cox hazard ratio of each arm against the first (Efron ties, [`crate::cox`]),
//!   beside the published values.

use serde::Serialize;

use super::ArmResult;
use super::digitised::{AtRisk, Point};
use crate::data::{Covariate, DroppedRows, Factor, SurvData};
use crate::{Cox, CoxOptions, KaplanMeier, KmOptions};

/// A published number at risk against the reconstructed one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AtRiskCheck {
    /// The published time.
    pub time: f64,
    /// The published number at risk.
    pub published: u64,
    /// Reconstructed participants still at risk, #{T_i ≥ time}.
    pub reconstructed: u64,
}

/// The reconstructed curve against the digitised points.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CurveFit {
    /// Digitised points compared (after cleaning).
    pub points: usize,
    /// Root mean squared vertical distance √(Σe²/K) of the points to the reconstructed curve.
    pub rmse: f64,
    /// Largest vertical distance of a point to the reconstructed curve.
    pub max_abs_diff: f64,
    /// The time of the largest difference.
    pub max_at_time: f64,
}

/// The hazard ratio of one arm against the reference arm, from the reconstructed data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardRatio {
    /// The arm's label.
    pub group: String,
    /// The reference arm's label (the first arm).
    pub reference: String,
    /// Cox log hazard ratio (Efron ties); `None` when not estimable.
    pub log_hr: Option<f64>,
    /// Hazard ratio exp(log_hr).
    pub hr: Option<f64>,
    /// Lower 95% Wald limit of the HR.
    pub lower: Option<f64>,
    /// Upper 95% Wald limit of the HR.
    pub upper: Option<f64>,
    /// Two-sided Wald p-value.
    pub p_value: Option<f64>,
    /// The published hazard ratio, when given.
    pub published: Option<f64>,
}

/// #{T_i ≥ τ} for each published time τ; `time` sorted.
pub fn at_risk_checks(table: &[AtRisk], time: &[f64]) -> Vec<AtRiskCheck> {
    table
        .iter()
        .map(|row| AtRiskCheck {
            time: row.time,
            published: row.n_risk,
            reconstructed: (time.len() - time.partition_point(|t| *t < row.time)) as u64,
        })
        .collect()
}

/// The distances of the digitised points to the step function through `km` ((0, 1) first,
/// then S at each distinct time, sorted).
pub fn curve_fit(digitised: &[Point], km: &[Point]) -> CurveFit {
    let mut fit = CurveFit {
        points: digitised.len(),
        ..Default::default()
    };
    let mut sum = 0.0;
    for p in digitised {
        let at = km.partition_point(|q| q.time <= p.time);
        let before = km.partition_point(|q| q.time < p.time);
        let value = |k: usize| if k == 0 { 1.0 } else { km[k - 1].survival };
        let (low, high) = (value(at), value(before));
        let e = if p.survival < low {
            low - p.survival
        } else if p.survival > high {
            p.survival - high
        } else {
            0.0
        };
        sum += e * e;
        if e > fit.max_abs_diff {
            fit.max_abs_diff = e;
            fit.max_at_time = p.time;
        }
    }
    if !digitised.is_empty() {
        fit.rmse = (sum / digitised.len() as f64).sqrt();
    }
    fit
}

/// The reconstructed arms as survival data: one row per participant, `group` a factor with
/// the arms in the given order (the first the reference).
pub fn as_surv_data(arms: &[ArmResult]) -> SurvData {
    let n: usize = arms.iter().map(|a| a.time.len()).sum();
    let mut codes = Vec::with_capacity(n);
    let (mut time, mut event) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (code, arm) in arms.iter().enumerate() {
        time.extend_from_slice(&arm.time);
        event.extend_from_slice(&arm.event);
        codes.extend(std::iter::repeat_n(code as u32, arm.time.len()));
    }
    let group = Factor {
        name: "group".into(),
        levels: arms.iter().map(|a| a.group.clone()).collect(),
        codes,
    };
    SurvData {
        source: "reconstructed data".into(),
        time_column: "time".into(),
        time,
        event,
        entry: None,
        weight: None,
        group: Some(group.clone()),
        strata: None,
        cluster: None,
        regimen: None,
        covariates: vec![Covariate::Factor(group)],
        lines: (2..n as u64 + 2).collect(),
        dropped: DroppedRows::default(),
        times_tied_by_timefix: 0,
        order_cache: std::sync::OnceLock::new(),
    }
}

/// Fills each arm's reconstructed curve, curve fit and median, and returns the hazard ratios
/// against the first arm; analyses that cannot be done become warnings.
pub fn assess(arms: &mut [ArmResult], published_hr: &[(String, f64)], warnings: &mut Vec<String>) -> Vec<HazardRatio> {
    let data = as_surv_data(arms);
    match KaplanMeier::fit(&data, &KmOptions::default()) {
        Ok(km) => {
            for curve in km.curves {
                let Some(arm) = arms.iter_mut().find(|a| Some(&a.group) == curve.group.as_ref()) else {
                    continue;
                };
                arm.km = std::iter::once(Point {
                    time: 0.0,
                    survival: 1.0,
                })
                .chain(curve.table.iter().map(|r| Point {
                    time: r.time,
                    survival: r.survival,
                }))
                .collect();
                arm.median = curve.median.estimate;
                arm.fit = curve_fit(&arm.digitised, &arm.km);
            }
        }
        Err(e) => warnings.push(format!("Kaplan–Meier of the reconstructed data: {e}")),
    }
    if arms.len() < 2 {
        return Vec::new();
    }
    let fit = match Cox::fit(&data, &CoxOptions::default()) {
        Ok(fit) => fit,
        Err(e) => {
            warnings.push(format!("Cox model of the reconstructed data: {e}"));
            return Vec::new();
        }
    };
    warnings.extend(
        fit.warnings
            .iter()
            .map(|w| format!("Cox model of the reconstructed data: {w}")),
    );
    arms[1..]
        .iter()
        .zip(&fit.terms)
        .map(|(arm, term)| HazardRatio {
            group: arm.group.clone(),
            reference: arms[0].group.clone(),
            log_hr: term.coef,
            hr: term.hr,
            lower: term.hr_lower,
            upper: term.hr_upper,
            p_value: term.p_value,
            published: published_hr.iter().find(|(l, _)| *l == arm.group).map(|(_, hr)| *hr),
        })
        .collect()
}
