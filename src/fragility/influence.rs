//! Leave-one-out (jackknife) influence of each participant on the hazard ratio and the p-value.
//!
//! # Definition
//! For each participant i, the Cox hazard ratio (experimental vs control, Efron ties) HR₍₋ᵢ₎ and
//! the test's p-value p₍₋ᵢ₎ without that participant. Influence is |log HR₍₋ᵢ₎ − log HR|
//! (the jackknife's leave-one-out change; Efron & Stein 1981), and the participants whose removal
//! alone moves the result across α are listed. The refits run in parallel, collected in row order.

use rayon::prelude::*;
use serde::Serialize;

use super::counts::is_significant;
use super::trial::Trial;
use crate::cox::{Cox, CoxOptions};

/// How many of the most influential participants are listed.
pub const MOST_INFLUENTIAL: usize = 10;

/// One participant left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOut {
    pub line: u64,
    pub group: String,
    pub time: f64,
    pub event: bool,
    /// The hazard ratio without this participant (`null` if not estimable).
    pub hr: Option<f64>,
    /// log HR₍₋ᵢ₎ − log HR.
    pub change_log_hr: Option<f64>,
    pub p_value: Option<f64>,
}

/// The leave-one-out analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influence {
    pub hr: Option<f64>,
    pub p_value: f64,
    /// The participants with the largest |change in log HR|, largest first.
    pub most_influential: Vec<LeaveOneOut>,
    /// Every participant whose removal alone moves the result across α, in file order.
    pub changes_significance: Vec<LeaveOneOut>,
    /// The range of the leave-one-out hazard ratios and p-values.
    pub hr_range: [Option<f64>; 2],
    pub p_range: [Option<f64>; 2],
}

/// The hazard ratio of the experimental arm against the control arm.
fn hazard_ratio(trial: &Trial, data: &crate::data::SurvData) -> Option<f64> {
    let hr = Cox::fit(data, &CoxOptions::default()).ok()?.terms[0].hr?;
    Some(if trial.experimental == 0 { 1.0 / hr } else { hr })
}

pub fn influence(trial: &Trial, p_value: f64) -> Influence {
    let rows = trial.rows();
    let hr = hazard_ratio(trial, &trial.data);
    let significant = is_significant(p_value, trial.alpha);
    let left_out: Vec<LeaveOneOut> = (0..rows.len())
        .into_par_iter()
        .map(|i| {
            let kept: Vec<_> = rows
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, r)| *r)
                .collect();
            let data = trial.with_rows(&kept);
            let hr_i = hazard_ratio(trial, &data);
            LeaveOneOut {
                line: trial.data.lines[i],
                group: trial.level(rows[i].3).to_string(),
                time: rows[i].1,
                event: rows[i].2,
                hr: hr_i,
                change_log_hr: hr_i.zip(hr).map(|(a, b)| a.ln() - b.ln()),
                p_value: trial.p_value(&data),
            }
        })
        .collect();
    let range = |values: Vec<f64>| {
        let min = values.iter().copied().reduce(f64::min);
        let max = values.iter().copied().reduce(f64::max);
        [min, max]
    };
    let mut ranked: Vec<&LeaveOneOut> = left_out.iter().filter(|r| r.change_log_hr.is_some()).collect();
    ranked.sort_by(|a, b| {
        let key = |r: &LeaveOneOut| r.change_log_hr.map_or(0.0, f64::abs);
        key(b).total_cmp(&key(a))
    });
    Influence {
        hr,
        p_value,
        most_influential: ranked.into_iter().take(MOST_INFLUENTIAL).cloned().collect(),
        changes_significance: left_out
            .iter()
            .filter(|r| r.p_value.is_some_and(|p| is_significant(p, trial.alpha) != significant))
            .cloned()
            .collect(),
        hr_range: range(left_out.iter().filter_map(|r| r.hr).collect()),
        p_range: range(left_out.iter().filter_map(|r| r.p_value).collect()),
    }
}
