//! Numbers at risk, events and censorings at each distinct exit time, by group.
//!
//! The counting that every estimator here builds on. For rows with exit time T_i, entry time
//! E_i (−∞ without delayed entry), event indicator δ_i, case weight w_i and group g_i,
//! at each distinct exit time t:
//!
//! - n_risk(g, t) = Σ w_i over rows of group g with E_i < t ≤ T_i,
//! - n_event(g, t) = Σ w_i δ_i over rows of group g with T_i = t,
//! - n_censor(g, t) = Σ w_i (1 − δ_i) over rows of group g with T_i = t.
//!
//! The sums are accumulated from the last time backwards, as R survival's `survfitkm.c`
//! does, so weighted counts agree with R's to the last bit. One pass over rows already sorted
//! by time (and, with delayed entry, one sort by entry time).

use crate::data::SurvData;

/// Counts at each distinct exit time of a set of rows; group-major values are stored
/// time-major: the value for time index `t` and group `g` is at `t * n_groups + g`.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskTable {
    pub time: Vec<f64>,
    pub n_groups: usize,
    pub n_risk: Vec<f64>,
    pub n_event: Vec<f64>,
    pub n_censor: Vec<f64>,
}

impl RiskTable {
    /// Counts `rows` (indices into `data`, sorted by exit time) split by `group_of(row)`,
    /// which must be < `n_groups`.
    pub fn build(data: &SurvData, rows: &[usize], n_groups: usize, group_of: impl Fn(usize) -> usize) -> RiskTable {
        let k = n_groups;
        let by_entry: Option<Vec<usize>> = data.entry.as_ref().map(|entry| {
            let mut order = rows.to_vec();
            order.sort_by(|a, b| entry[*a].total_cmp(&entry[*b]));
            order
        });
        let mut time = Vec::new();
        let (mut n_risk, mut n_event, mut n_censor) = (Vec::new(), Vec::new(), Vec::new());
        let mut at_risk = vec![0.0; k];
        let mut exit_pos = rows.len();
        let mut entry_pos = rows.len();
        while exit_pos > 0 {
            let t = data.time[rows[exit_pos - 1]];
            let base = n_event.len();
            n_event.resize(base + k, 0.0);
            n_censor.resize(base + k, 0.0);
            while exit_pos > 0 && data.time[rows[exit_pos - 1]] == t {
                let i = rows[exit_pos - 1];
                let (g, w) = (group_of(i), data.weight_of(i));
                at_risk[g] += w;
                if data.event[i] {
                    n_event[base + g] += w;
                } else {
                    n_censor[base + g] += w;
                }
                exit_pos -= 1;
            }
            if let (Some(order), Some(entry)) = (&by_entry, &data.entry) {
                while entry_pos > 0 && entry[order[entry_pos - 1]] >= t {
                    let i = order[entry_pos - 1];
                    at_risk[group_of(i)] -= data.weight_of(i);
                    entry_pos -= 1;
                }
            }
            time.push(t);
            n_risk.extend_from_slice(&at_risk);
        }
        time.reverse();
        let reverse_blocks = |v: Vec<f64>| -> Vec<f64> { v.chunks(k).rev().flatten().copied().collect() };
        RiskTable {
            time,
            n_groups: k,
            n_risk: reverse_blocks(n_risk),
            n_event: reverse_blocks(n_event),
            n_censor: reverse_blocks(n_censor),
        }
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Sum over groups of a time-major array at time index `t`.
    pub fn total(values: &[f64], n_groups: usize, t: usize) -> f64 {
        values[t * n_groups..(t + 1) * n_groups].iter().sum()
    }
}

/// Splits `order` (row indices sorted by time) into one list per code, keeping the order.
pub fn split_by_code(order: &[usize], n_codes: usize, code_of: impl Fn(usize) -> usize) -> Vec<Vec<usize>> {
    let mut parts = vec![Vec::new(); n_codes];
    for &i in order {
        parts[code_of(i)].push(i);
    }
    parts
}
