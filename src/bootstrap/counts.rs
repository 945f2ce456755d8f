//! The rows sorted once by time, and the counting every replicate repeats over them with
//! integer frequencies: per-arm Kaplan–Meier counts and the log-rank family's U and V.
//!
//! A resample is a vector of frequencies f_k ≥ 0 over the sorted positions k (row k drawn f_k
//! times), so a replicate needs no sort: one forward pass over the positions, with n_j and d_j
//! the sums of f_k over those at risk and with an event at t_j. With every f_k = 1 these are
//! the counts of [`crate::risk_set`], and the results equal [`crate::LogRank::test`] and
//! [`crate::rmst::area_under_km`] on the data (tested).

use crate::competing::CompetingData;
use crate::data::SurvData;
use crate::logrank::{Weights, quadratic_form};
use crate::risk_set::RiskTable;

/// Times, events and arm codes in time order (ties in row order), with each arm's positions.
#[derive(Debug, Clone)]
pub struct Sorted {
    /// The row of the data at each sorted position.
    pub order: Vec<usize>,
    pub time: Vec<f64>,
    pub event: Vec<bool>,
    /// The arm (group level code) at each position; 0 without a group column.
    pub arm: Vec<u32>,
    pub n_arms: usize,
    /// The sorted positions of each arm, in order.
    pub arm_positions: Vec<Vec<usize>>,
    /// The cause of failure at each position (0 censored; on single-event data 1 for an
    /// event).
    pub cause: Vec<u32>,
}

impl Sorted {
    pub fn new(data: &SurvData) -> Sorted {
        let order = data.order_by_time();
        let arm: Vec<u32> = order
            .iter()
            .map(|&i| data.group.as_ref().map_or(0, |g| g.codes[i]))
            .collect();
        let n_arms = data.group.as_ref().map_or(1, |g| g.n_levels());
        let mut arm_positions = vec![Vec::new(); n_arms];
        for (k, a) in arm.iter().enumerate() {
            arm_positions[*a as usize].push(k);
        }
        Sorted {
            cause: order.iter().map(|&i| u32::from(data.event[i])).collect(),
            time: order.iter().map(|&i| data.time[i]).collect(),
            event: order.iter().map(|&i| data.event[i]).collect(),
            order: order.to_vec(),
            arm,
            n_arms,
            arm_positions,
        }
    }

    /// Competing-risks data in time order, with the cause of each row.
    pub fn with_causes(data: &CompetingData) -> Sorted {
        let mut sorted = Sorted::new(data.data());
        sorted.cause = sorted.order.iter().map(|&i| data.cause_of(i)).collect();
        sorted
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// Events per arm in a resample.
    pub fn events_by_arm(&self, counts: &[u32]) -> Vec<u64> {
        let mut events = vec![0u64; self.n_arms];
        for k in 0..self.len() {
            if self.event[k] {
                events[self.arm[k] as usize] += u64::from(counts[k]);
            }
        }
        events
    }

    /// Each arm's counts at the distinct times where the resample has anyone of that arm
    /// (one-group [`RiskTable`]s, refilled in place).
    pub fn arm_tables(&self, counts: &[u32], tables: &mut Vec<RiskTable>) {
        tables.resize_with(self.n_arms, || RiskTable {
            time: Vec::new(),
            n_groups: 1,
            n_risk: Vec::new(),
            n_event: Vec::new(),
            n_censor: Vec::new(),
        });
        let mut at_risk = vec![0.0; self.n_arms];
        for table in tables.iter_mut() {
            table.time.clear();
            table.n_risk.clear();
            table.n_event.clear();
            table.n_censor.clear();
        }
        for k in 0..self.len() {
            at_risk[self.arm[k] as usize] += f64::from(counts[k]);
        }
        let (mut events, mut censored) = (vec![0.0; self.n_arms], vec![0.0; self.n_arms]);
        let mut pos = 0;
        while pos < self.len() {
            let t = self.time[pos];
            events.iter_mut().for_each(|v| *v = 0.0);
            censored.iter_mut().for_each(|v| *v = 0.0);
            while pos < self.len() && self.time[pos] == t {
                let (a, c) = (self.arm[pos] as usize, f64::from(counts[pos]));
                if self.event[pos] {
                    events[a] += c;
                } else {
                    censored[a] += c;
                }
                pos += 1;
            }
            for (a, table) in tables.iter_mut().enumerate() {
                if events[a] + censored[a] > 0.0 {
                    table.time.push(t);
                    table.n_risk.push(at_risk[a]);
                    table.n_event.push(events[a]);
                    table.n_censor.push(censored[a]);
                    at_risk[a] -= events[a] + censored[a];
                }
            }
        }
    }

    /// Each arm's Aalen–Johansen cumulative incidence of `cause` at `t` in a resample:
    /// F(t) = Σ_{t_j ≤ t} S(t_j−) d_cause,j / n_j with S the Kaplan–Meier estimate of being
    /// free of every cause (events before censorings at a tied time, as `survfit`); `None` for
    /// an arm absent from the resample.
    pub fn cif_at(&self, counts: &[u32], cause: u32, t: f64) -> Vec<Option<f64>> {
        let mut at_risk = vec![0.0; self.n_arms];
        for k in 0..self.len() {
            at_risk[self.arm[k] as usize] += f64::from(counts[k]);
        }
        let present: Vec<bool> = at_risk.iter().map(|&n| n > 0.0).collect();
        let (mut free, mut cif) = (vec![1.0; self.n_arms], vec![0.0; self.n_arms]);
        let (mut failed, mut of_cause, mut left) =
            (vec![0.0; self.n_arms], vec![0.0; self.n_arms], vec![0.0; self.n_arms]);
        let mut pos = 0;
        while pos < self.len() && self.time[pos] <= t {
            let time = self.time[pos];
            for v in [&mut failed, &mut of_cause, &mut left] {
                v.iter_mut().for_each(|x| *x = 0.0);
            }
            while pos < self.len() && self.time[pos] == time {
                let (a, c) = (self.arm[pos] as usize, f64::from(counts[pos]));
                left[a] += c;
                if self.cause[pos] > 0 {
                    failed[a] += c;
                    if self.cause[pos] == cause {
                        of_cause[a] += c;
                    }
                }
                pos += 1;
            }
            for a in 0..self.n_arms {
                if failed[a] > 0.0 {
                    cif[a] += free[a] * of_cause[a] / at_risk[a];
                    free[a] *= 1.0 - failed[a] / at_risk[a];
                }
                at_risk[a] -= left[a];
            }
        }
        (0..self.n_arms).map(|a| present[a].then_some(cif[a])).collect()
    }

    /// The log-rank family χ² with its degrees of freedom for arm labels `labels` (by sorted
    /// position) and frequencies `counts`; `None` when no test is possible (no events, or fewer
    /// than two arms with a positive expected count). Formulas as [`crate::logrank`]:
    /// U_g = Σ_j w_j (d_gj − d_j n_gj/n_j), V_gh = Σ_j w_j² d_j (n_j − d_j)/(n_j − 1)
    /// (n_gj/n_j)(δ_gh − n_hj/n_j), χ² = U'V⁻U over the arms with expected > 0 but the first.
    pub fn logrank(
        &self,
        counts: &[u32],
        labels: &[u32],
        weights: Weights,
        scratch: &mut LogRankScratch,
    ) -> Option<(f64, f64)> {
        let k = self.n_arms;
        scratch.reset(k);
        let LogRankScratch {
            at_risk,
            events,
            expected,
            u,
            v,
        } = scratch;
        for pos in 0..self.len() {
            at_risk[labels[pos] as usize] += f64::from(counts[pos]);
        }
        let (mut km_left, mut peto) = (1.0_f64, 1.0);
        let mut pos = 0;
        while pos < self.len() {
            let t = self.time[pos];
            events.iter_mut().for_each(|e| *e = 0.0);
            let start = pos;
            while pos < self.len() && self.time[pos] == t {
                if self.event[pos] {
                    events[labels[pos] as usize] += f64::from(counts[pos]);
                }
                pos += 1;
            }
            let n: f64 = at_risk.iter().sum();
            let d: f64 = events.iter().sum();
            if d > 0.0 {
                let (w, peto_here) = weights.at(n, d, km_left, peto);
                for g in 0..k {
                    let e = d * at_risk[g] / n;
                    expected[g] += e;
                    u[g] += w * (events[g] - e);
                }
                if n > 1.0 {
                    let factor = w * w * d * (n - d) / (n - 1.0);
                    for g in 0..k {
                        let pg = at_risk[g] / n;
                        for h in 0..k {
                            let delta = if g == h { 1.0 } else { 0.0 };
                            v[g * k + h] += factor * pg * (delta - at_risk[h] / n);
                        }
                    }
                }
                if weights.updates_km(t) {
                    km_left *= 1.0 - d / n;
                }
                peto = peto_here;
            }
            for q in start..pos {
                at_risk[labels[q] as usize] -= f64::from(counts[q]);
            }
        }
        let kept: Vec<usize> = (0..k).filter(|g| expected[*g] > 0.0).collect();
        if kept.len() < 2 {
            return None;
        }
        let (chisq, df) = quadratic_form(u, |g, h| v[g * k + h], &kept[1..]);
        (chisq.is_finite() && df > 0.0).then_some((chisq, df))
    }
}

/// Buffers for [`Sorted::logrank`], reused across replicates.
#[derive(Debug, Clone, Default)]
pub struct LogRankScratch {
    at_risk: Vec<f64>,
    events: Vec<f64>,
    expected: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
}

impl LogRankScratch {
    fn reset(&mut self, k: usize) {
        for buffer in [&mut self.at_risk, &mut self.events, &mut self.expected, &mut self.u] {
            buffer.clear();
            buffer.resize(k, 0.0);
        }
        self.v.clear();
        self.v.resize(k * k, 0.0);
    }
}
