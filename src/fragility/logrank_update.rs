//! The two-group log-rank statistic under changes of event status, updated in O(1) per change.
//!
//! # Formula
//! With distinct times t_j, n_j at risk and d_j events in all, n₁ⱼ at risk and d₁ⱼ events in
//! arm 1 (Mantel 1966; as [`crate::logrank`]):
//!
//! U = Σ_j (d₁ⱼ − d_j n₁ⱼ / n_j),  V = Σ_j d_j (n_j − d_j)/(n_j − 1) · (n₁ⱼ/n_j)(1 − n₁ⱼ/n_j),
//! χ² = U²/V on 1 df.
//!
//! Flipping a participant's event indicator at their own time leaves every risk set as it was
//! (n_j and n₁ⱼ count people still followed, event or not); only d_j and d₁ⱼ at that one time
//! change. So a candidate flip costs one time's contribution, not a new pass over the data: this
//! is what makes the status-flip fragility index fast on large trials.

use crate::data::SurvData;
use crate::dist::chisq_sf;

/// Per-time counts and the current U and V.
#[derive(Debug, Clone)]
pub struct LogRankState {
    /// The time index of each row.
    time_index: Vec<usize>,
    n_risk: Vec<f64>,
    n_risk_arm: Vec<f64>,
    n_event: Vec<f64>,
    n_event_arm: Vec<f64>,
    /// Whether each row is in arm 1 (the arm whose observed − expected is U).
    in_arm: Vec<bool>,
    u: f64,
    v: f64,
}

/// The contribution (U_j, V_j) of one time.
fn contribution(n: f64, n_arm: f64, d: f64, d_arm: f64) -> (f64, f64) {
    if d == 0.0 {
        return (0.0, 0.0);
    }
    let share = n_arm / n;
    let v = if n > 1.0 {
        d * (n - d) / (n - 1.0) * share * (1.0 - share)
    } else {
        0.0
    };
    (d_arm - d * share, v)
}

/// One row's event status changed: its time index, whether it is in arm 1 and the change in
/// events (+1 censored → event, −1 event → censored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flip {
    pub row: usize,
    pub delta: i8,
}

impl LogRankState {
    /// The state for `data` (no strata, entry times or weights), arm 1 being the rows with
    /// `in_arm`.
    pub fn new(data: &SurvData, in_arm: Vec<bool>) -> LogRankState {
        let order = data.order_by_time();
        let mut time_index = vec![0; data.n_rows()];
        let mut times: Vec<f64> = Vec::new();
        for &i in order {
            if times.last() != Some(&data.time[i]) {
                times.push(data.time[i]);
            }
            time_index[i] = times.len() - 1;
        }
        let m = times.len();
        let (mut n_risk, mut n_risk_arm) = (vec![0.0; m], vec![0.0; m]);
        let (mut n_event, mut n_event_arm) = (vec![0.0; m], vec![0.0; m]);
        for i in 0..data.n_rows() {
            let j = time_index[i];
            n_risk[j] += 1.0;
            if in_arm[i] {
                n_risk_arm[j] += 1.0;
            }
            if data.event[i] {
                n_event[j] += 1.0;
                if in_arm[i] {
                    n_event_arm[j] += 1.0;
                }
            }
        }
        // at risk at t_j: everyone whose time is ≥ t_j
        for j in (0..m.saturating_sub(1)).rev() {
            n_risk[j] += n_risk[j + 1];
            n_risk_arm[j] += n_risk_arm[j + 1];
        }
        let mut state = LogRankState {
            time_index,
            n_risk,
            n_risk_arm,
            n_event,
            n_event_arm,
            in_arm,
            u: 0.0,
            v: 0.0,
        };
        state.resum();
        state
    }

    fn resum(&mut self) {
        let (mut u, mut v) = (0.0, 0.0);
        for j in 0..self.n_risk.len() {
            let (uj, vj) = contribution(self.n_risk[j], self.n_risk_arm[j], self.n_event[j], self.n_event_arm[j]);
            u += uj;
            v += vj;
        }
        self.u = u;
        self.v = v;
    }

    /// U and V after `flips` (each row at most once), without changing the state.
    pub fn u_v_after(&self, flips: &[Flip]) -> (f64, f64) {
        let (mut u, mut v) = (self.u, self.v);
        for (k, flip) in flips.iter().enumerate() {
            let j = self.time_index[flip.row];
            // each time once, with every flip at that time
            if flips[..k].iter().any(|f| self.time_index[f.row] == j) {
                continue;
            }
            let (mut d, mut d_arm) = (self.n_event[j], self.n_event_arm[j]);
            for other in flips[k..].iter().filter(|f| self.time_index[f.row] == j) {
                d += f64::from(other.delta);
                if self.in_arm[other.row] {
                    d_arm += f64::from(other.delta);
                }
            }
            let (n, n_arm) = (self.n_risk[j], self.n_risk_arm[j]);
            let (u_old, v_old) = contribution(n, n_arm, self.n_event[j], self.n_event_arm[j]);
            let (u_new, v_new) = contribution(n, n_arm, d, d_arm);
            u += u_new - u_old;
            v += v_new - v_old;
        }
        (u, v)
    }

    /// The log-rank p-value after `flips`.
    pub fn p_after(&self, flips: &[Flip]) -> f64 {
        let (u, v) = self.u_v_after(flips);
        p_from(u, v)
    }

    /// Applies a flip (and re-sums, so rounding does not drift over many steps).
    pub fn apply(&mut self, flip: Flip) {
        let j = self.time_index[flip.row];
        self.n_event[j] += f64::from(flip.delta);
        if self.in_arm[flip.row] {
            self.n_event_arm[j] += f64::from(flip.delta);
        }
        self.resum();
    }

    /// The time index of a row (rows with the same index, arm and status are interchangeable).
    pub fn time_index(&self, row: usize) -> usize {
        self.time_index[row]
    }
}

/// χ² = U²/V on 1 df; 1 when V is 0 (no information).
pub fn p_from(u: f64, v: f64) -> f64 {
    if v > 0.0 { chisq_sf(u * u / v, 1.0) } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::data::Columns;
    use crate::logrank::{LogRank, LogRankOptions};

    proptest! {
        /// The O(1) update agrees with the full log-rank test after any one or two flips.
        #[test]
        fn incremental_logrank_matches_the_full_test(
            rows in proptest::collection::vec((1u32..20, any::<bool>(), any::<bool>()), 4..40),
            first in 0usize..40, second in 0usize..40,
        ) {
            let mut csv = String::from("time,status,arm\n");
            for (t, e, g) in &rows {
                csv.push_str(&format!("{t},{},{}\n", u8::from(*e), u8::from(*g)));
            }
            let columns = Columns::new("time", "status").group("arm");
            let data = SurvData::from_csv_bytes("p.csv", csv.as_bytes(), &columns).unwrap();
            prop_assume!(data.group.as_ref().unwrap().n_levels() == 2);
            let n = data.n_rows();
            let (i, j) = (first % n, second % n);
            let flips: Vec<usize> = if i == j { vec![i] } else { vec![i, j] };
            let in_arm: Vec<bool> = data.group.as_ref().unwrap().codes.iter().map(|c| *c == 1).collect();
            let state = LogRankState::new(&data, in_arm);
            let ours = state.p_after(&flips.iter().map(|&r| Flip { row: r, delta: if data.event[r] { -1 } else { 1 } }).collect::<Vec<_>>());
            let mut flipped = data.clone();
            for &r in &flips {
                flipped.event[r] = !flipped.event[r];
            }
            // no events, or an arm never at risk after the flips: no test to compare with
            let full = LogRank::test(&flipped, &LogRankOptions::default()).ok().filter(|f| f.p_value.is_finite());
            prop_assume!(full.is_some());
            let full = full.unwrap();
            prop_assert!((ours - full.p_value).abs() < 1e-9, "{} vs {}", ours, full.p_value);
        }
    }
}
