//! The proportional-hazards test of R survival ≥ 3.0's `cox.zph`.
//!
//! # Method (Grambsch & Therneau 1994; Therneau's 2019 reformulation in survival 3.0)
//! Extend the model with time-varying coefficients β + θ g(t), where g is a transform of event
//! time centred at its mean over events, and test θ = 0 by the score test at (β̂, 0). At each
//! event time with score contribution U_t and information contribution A_t (at β̂), the
//! augmented score is u_θ = Σ g(t) U_t and the augmented information is
//! [[Σ A_t, Σ g A_t], [Σ g A_t, Σ g² A_t]]. A term's statistic uses the rows and columns of β
//! and of that term's θs: χ² = u' I⁻¹ u with u = (0, u_θ,term), on as many df as the term has
//! columns; the global test uses all of θ.
//!
//! Transforms of time t: `km` 1 − S(t−) with S the pooled Kaplan–Meier estimate (the default),
//! `rank` the rank of t among all follow-up times, `identity` t, `log` log t. Exact ties are
//! treated as Breslow here, as R does.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::newton::solve;
use super::partial::Problem;
use crate::dist::chisq_sf;
use crate::numbers::count;

/// The transform of time in the proportional-hazards test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZphTransform {
    /// 1 − S(t−), S the pooled Kaplan–Meier estimate (R's default `transform = "km"`).
    #[default]
    Km,
    /// The rank of t among all follow-up times (`transform = "rank"`).
    Rank,
    /// Time itself (`transform = "identity"`).
    Identity,
    /// log t (`transform = "log"`).
    Log,
}

impl std::str::FromStr for ZphTransform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "km" => Ok(ZphTransform::Km),
            "rank" => Ok(ZphTransform::Rank),
            "identity" => Ok(ZphTransform::Identity),
            "log" => Ok(ZphTransform::Log),
            _ => Err(format!("unknown transform '{s}'; use km, rank, identity or log")),
        }
    }
}

/// One line of the test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZphTerm {
    pub term: String,
    pub chisq: f64,
    #[serde(serialize_with = "count")]
    pub df: f64,
    pub p_value: f64,
}

/// The global line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZphGlobal {
    pub chisq: f64,
    #[serde(serialize_with = "count")]
    pub df: f64,
    pub p_value: f64,
}

/// The proportional-hazards test per term and globally.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zph {
    pub transform: ZphTransform,
    pub terms: Vec<ZphTerm>,
    pub global: ZphGlobal,
}

/// g(t) for every row's exit time, before centring.
pub fn transformed_times(problem: &Problem<'_>, transform: ZphTransform) -> Vec<f64> {
    let data = problem.data;
    let times = &data.time;
    match transform {
        ZphTransform::Identity => times.clone(),
        ZphTransform::Log => times.iter().map(|t| t.ln()).collect(),
        ZphTransform::Rank => {
            let order = data.order_by_time();
            let mut ranks = vec![0.0; times.len()];
            let mut k = 0;
            while k < order.len() {
                let mut end = k;
                while end + 1 < order.len() && times[order[end + 1]] == times[order[k]] {
                    end += 1;
                }
                let average = (k + end) as f64 / 2.0 + 1.0;
                for &i in &order[k..=end] {
                    ranks[i] = average;
                }
                k = end + 1;
            }
            ranks
        }
        ZphTransform::Km => {
            // the pooled, unweighted Kaplan–Meier estimate, taken just before each time
            let mut unweighted = data.clone();
            unweighted.weight = None;
            unweighted.group = None;
            unweighted.strata = None;
            let order = unweighted.order_by_time();
            let table = crate::risk_set::RiskTable::build(&unweighted, order, 1, |_| 0);
            let mut survival_before = Vec::with_capacity(table.len());
            let mut s = 1.0;
            for j in 0..table.len() {
                survival_before.push(s);
                if table.n_event[j] > 0.0 {
                    s *= 1.0 - table.n_event[j] / table.n_risk[j];
                }
            }
            times
                .iter()
                .map(|t| {
                    let j = table.time.partition_point(|u| u < t);
                    1.0 - survival_before[j]
                })
                .collect()
        }
    }
}

/// The test at the fitted β (centred scale), grouping design columns into terms by source column.
pub fn test(problem: &Problem<'_>, beta: &[f64], transform: ZphTransform) -> Zph {
    let data = problem.data;
    let p = problem.p();
    let g_rows = transformed_times(problem, transform);
    let event_rows: Vec<usize> = (0..data.n_rows()).filter(|&i| data.event[i]).collect();
    let centre = event_rows.iter().map(|&i| g_rows[i]).sum::<f64>() / event_rows.len() as f64;
    // g depends on time only: look it up by time
    let mut by_time: Vec<(f64, f64)> = (0..data.n_rows()).map(|i| (data.time[i], g_rows[i] - centre)).collect();
    by_time.sort_by(|a, b| a.0.total_cmp(&b.0));
    let g_at = |t: f64| by_time[by_time.partition_point(|(u, _)| *u < t)].1;

    let mut u_theta = vec![0.0; p];
    let mut info = DMatrix::<f64>::zeros(2 * p, 2 * p);
    problem.sweep(
        beta,
        true,
        Some(&mut |t: f64, at: &super::partial::Evaluation| {
            let g = g_at(t);
            for j in 0..p {
                u_theta[j] += g * at.score[j];
                for l in 0..p {
                    // the sweep fills the upper triangle of A_t
                    let a = at.information[j.min(l) * p + j.max(l)];
                    info[(j, l)] += a;
                    info[(j, l + p)] += g * a;
                    info[(j + p, l)] += g * a;
                    info[(j + p, l + p)] += g * g * a;
                }
            }
        }),
    );
    let statistic = |theta_columns: &[usize]| -> f64 {
        let index: Vec<usize> = (0..p).chain(theta_columns.iter().map(|c| c + p)).collect();
        let sub = DMatrix::from_fn(index.len(), index.len(), |a, b| info[(index[a], index[b])]);
        let mut u = DVector::zeros(index.len());
        for (k, c) in theta_columns.iter().enumerate() {
            u[p + k] = u_theta[*c];
        }
        solve(&sub, &u).map_or(f64::NAN, |x| u.dot(&x))
    };
    let mut sources: Vec<&str> = Vec::new();
    for s in &problem.design.sources {
        if !sources.contains(&s.as_str()) {
            sources.push(s);
        }
    }
    let terms = sources
        .iter()
        .map(|source| {
            let columns: Vec<usize> = (0..p).filter(|&j| problem.design.sources[j] == *source).collect();
            let chisq = statistic(&columns);
            let df = columns.len() as f64;
            ZphTerm {
                term: source.to_string(),
                chisq,
                df,
                p_value: chisq_sf(chisq, df),
            }
        })
        .collect();
    let all: Vec<usize> = (0..p).collect();
    let chisq = statistic(&all);
    Zph {
        transform,
        terms,
        global: ZphGlobal {
            chisq,
            df: p as f64,
            p_value: chisq_sf(chisq, p as f64),
        },
    }
}
