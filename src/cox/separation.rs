//! Coefficients that the data make infinite, found before any fitting.
//!
//! # Rule (Bryson & Johnson 1981, "The incidence of monotone likelihood in the Cox model")
//! The partial likelihood is monotone in a direction γ when at every event time the event's
//! γ'x is the largest in its risk set. For a covariate with two values (an arm, a factor level's
//! dummy) that is the familiar case: one side has no events while it is at risk at some event
//! time. Then the coefficient runs to +∞ (the other side has no events) or −∞ (its own side has
//! none), whatever the arm sizes, other covariates or strata. A factor whose reference level has
//! no events sends every one of its dummies to +∞.
//!
//! Newton–Raphson cannot be trusted to show this: with unbalanced arms (2 events among 2
//! against none among 60) its first step reaches β ≈ 41, where the information underflows to
//! 0 and R's divergence rule (|I⁻¹U| still large) sees a zero step. The rule here reads the data.
//! A side that is never at risk at any event time carries no information at all: that
//! coefficient is not identifiable, which the singular information matrix reports.

use std::fmt;

use serde::Serialize;

use super::design::Design;
use crate::data::SurvData;

/// Where a coefficient runs when the likelihood is monotone in it: its estimate is not a
/// number. Written `+infinity` / `-infinity` in every output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Divergence {
    /// The coefficient runs to +∞ (hazard ratio to infinity).
    #[serde(rename = "+infinity")]
    PlusInfinity,
    /// The coefficient runs to −∞ (hazard ratio to 0).
    #[serde(rename = "-infinity")]
    MinusInfinity,
}

impl Divergence {
    /// `+∞` when `upward`, else `−∞`.
    pub fn towards(upward: bool) -> Divergence {
        if upward {
            Divergence::PlusInfinity
        } else {
            Divergence::MinusInfinity
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Divergence::PlusInfinity => "+infinity",
            Divergence::MinusInfinity => "-infinity",
        })
    }
}

/// For each design column, the direction the data send it to infinity, if they do.
pub(crate) fn infinite_by_data(data: &SurvData, design: &Design) -> Vec<Option<Divergence>> {
    let (n, p) = (design.n, design.p);
    // event times per stratum, sorted, to ask whether a row is at risk at some event time
    let n_strata = data.strata.as_ref().map_or(1, |s| s.n_levels());
    let mut event_times: Vec<Vec<f64>> = vec![Vec::new(); n_strata];
    for i in (0..n).filter(|i| data.counts_as_event(*i)) {
        event_times[data.stratum_of(i)].push(data.time[i]);
    }
    for times in &mut event_times {
        times.sort_by(f64::total_cmp);
    }
    // at risk at an event time t: entry < t ≤ exit
    let at_risk_at_an_event = |i: usize| {
        let times = &event_times[data.stratum_of(i)];
        let after_entry = times.partition_point(|t| *t <= data.entry_of(i));
        times.get(after_entry).is_some_and(|t| *t <= data.time[i])
    };
    // (events, rows at risk at an event time) on each side of a split of the rows
    let side = |in_side: &dyn Fn(usize) -> bool| {
        let rows = (0..n).filter(|i| in_side(*i));
        let events = rows.clone().filter(|i| data.counts_as_event(*i)).count();
        let exposed = rows.filter(|i| at_risk_at_an_event(*i)).any(|_| true);
        (events, exposed)
    };
    let mut result = vec![None; p];
    for j in 0..p {
        let value = |i: usize| design.x[i * p + j];
        let low = (0..n).map(value).fold(f64::INFINITY, f64::min);
        let high = (0..n).map(value).fold(f64::NEG_INFINITY, f64::max);
        if (0..n).any(|i| value(i) != low && value(i) != high) {
            continue; // more than two values: the fit and R's rule decide
        }
        let (high_events, high_exposed) = side(&|i| value(i) == high);
        let (low_events, low_exposed) = side(&|i| value(i) == low);
        result[j] = if high_events == 0 && high_exposed {
            Some(Divergence::MinusInfinity)
        } else if low_events == 0 && low_exposed {
            Some(Divergence::PlusInfinity)
        } else {
            None
        };
    }
    // a factor's reference level (every dummy of the factor 0) without events
    let mut start = 0;
    while start < p {
        let source = &design.sources[start];
        let end = (start..p).find(|j| design.sources[*j] != *source).unwrap_or(p);
        let is_factor = design.names[start] != *source;
        if is_factor && end - start > 1 {
            let reference = |i: usize| (start..end).all(|j| design.x[i * p + j] == 0.0);
            let (events, exposed) = side(&reference);
            if events == 0 && exposed {
                for slot in &mut result[start..end] {
                    slot.get_or_insert(Divergence::PlusInfinity);
                }
            }
        }
        start = end;
    }
    result
}

/// Whether the partial likelihood keeps rising along `direction` (Bryson & Johnson 1981): at
/// every event time the event's d'x is the largest in its risk set (up to rounding), strictly
/// above some member at one event time at least. A fit that stopped at such a β has no
/// maximum to report, whatever its step sizes and information say. Checked for right-censored
/// data (risk set: exit ≥ t, within the stratum) and for delayed entry (entry < t ≤ exit).
pub(crate) fn monotone_along(data: &SurvData, design: &Design, direction: &[f64]) -> bool {
    if direction.iter().all(|d| *d == 0.0) {
        return false;
    }
    let (n, p) = (design.n, design.p);
    let score: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| direction[j] * design.x[i * p + j]).sum())
        .collect();
    if score.iter().any(|s| !s.is_finite()) {
        return false;
    }
    let tolerance = 1e-9 * score.iter().fold(1.0_f64, |m, s| m.max(s.abs()));
    if let Some(entry) = &data.entry {
        return monotone_with_entry(data, entry, &score, tolerance);
    }
    let mut order: Vec<usize> = (0..n).collect();
    // by stratum, then exit time descending: the risk set of a time is everything before it
    order.sort_by(|&a, &b| {
        data.stratum_of(a)
            .cmp(&data.stratum_of(b))
            .then(data.time[b].total_cmp(&data.time[a]))
    });
    let mut strict = false;
    let mut start = 0;
    while start < n {
        let stratum = data.stratum_of(order[start]);
        // the largest and lowest scores of the risk set so far (the stratum's rows from its
        // latest exit time down to the current one)
        let (mut largest, mut lowest) = (f64::NEG_INFINITY, f64::INFINITY);
        let mut k = start;
        while k < n && data.stratum_of(order[k]) == stratum {
            let t = data.time[order[k]];
            let end = (k..n)
                .find(|&m| data.stratum_of(order[m]) != stratum || data.time[order[m]] != t)
                .unwrap_or(n);
            for &i in &order[k..end] {
                largest = largest.max(score[i]);
                lowest = lowest.min(score[i]);
            }
            for &i in order[k..end].iter().filter(|i| data.counts_as_event(**i)) {
                if score[i] < largest - tolerance {
                    return false;
                }
            }
            // some member of an event's risk set strictly below the event
            if order[k..end].iter().any(|i| data.counts_as_event(*i)) {
                let event_score = order[k..end]
                    .iter()
                    .filter(|i| data.counts_as_event(**i))
                    .map(|i| score[*i])
                    .fold(f64::INFINITY, f64::min);
                strict |= lowest < event_score - tolerance;
            }
            k = end;
        }
        start = k;
    }
    strict
}

/// [`monotone_along`] for delayed entry: the risk sets entry < t ≤ exit are not nested, so
/// they are swept in time order within each stratum, holding the scores of those at risk in an
/// ordered multiset (O(n log n)).
fn monotone_with_entry(data: &SurvData, entry: &[f64], score: &[f64], tolerance: f64) -> bool {
    use std::collections::BTreeMap;
    let n = score.len();
    // a total order on the scores (all finite here) as integer keys
    let key = |x: f64| {
        let bits = x.to_bits() as i64;
        bits ^ (((bits >> 63) as u64) >> 1) as i64
    };
    let by = |times: &[f64]| {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            data.stratum_of(a)
                .cmp(&data.stratum_of(b))
                .then(times[a].total_cmp(&times[b]))
        });
        order
    };
    let (entering, exiting) = (by(entry), by(&data.time));
    // the events in the same (stratum, exit time) order
    let events: Vec<usize> = exiting.iter().copied().filter(|&i| data.counts_as_event(i)).collect();
    let (mut next_in, mut next_out) = (0, 0);
    let mut at_risk: BTreeMap<i64, (f64, usize)> = BTreeMap::new();
    let mut stratum = usize::MAX;
    let mut strict = false;
    let mut k = 0;
    while k < events.len() {
        let (s, t) = (data.stratum_of(events[k]), data.time[events[k]]);
        if s != stratum {
            at_risk.clear();
            stratum = s;
            // skip the rows of earlier strata
            while next_in < n && data.stratum_of(entering[next_in]) < s {
                next_in += 1;
            }
            while next_out < n && data.stratum_of(exiting[next_out]) < s {
                next_out += 1;
            }
        }
        // in: entered before t; out: left before t (exit < t)
        while next_in < n && data.stratum_of(entering[next_in]) == s && entry[entering[next_in]] < t {
            let i = entering[next_in];
            at_risk.entry(key(score[i])).or_insert((score[i], 0)).1 += 1;
            next_in += 1;
        }
        while next_out < n && data.stratum_of(exiting[next_out]) == s && data.time[exiting[next_out]] < t {
            let i = exiting[next_out];
            // rows that left before they entered this sweep (entry ≥ t) were never added
            if entry[i] < t
                && let Some(slot) = at_risk.get_mut(&key(score[i]))
            {
                slot.1 -= 1;
                if slot.1 == 0 {
                    at_risk.remove(&key(score[i]));
                }
            }
            next_out += 1;
        }
        let end = (k..events.len())
            .find(|&m| data.stratum_of(events[m]) != s || data.time[events[m]] != t)
            .unwrap_or(events.len());
        let (Some((_, (lowest, _))), Some((_, (largest, _)))) = (at_risk.first_key_value(), at_risk.last_key_value())
        else {
            return false;
        };
        let event_lowest = events[k..end].iter().map(|&i| score[i]).fold(f64::INFINITY, f64::min);
        if event_lowest < largest - tolerance {
            return false;
        }
        strict |= *lowest < event_lowest - tolerance;
        k = end;
    }
    strict
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::data::Columns;

    /// Bryson & Johnson's condition read off each risk set directly (O(n · events)).
    fn brute_force(data: &SurvData, entry: &[f64], score: &[f64], tolerance: f64) -> bool {
        let n = score.len();
        let mut strict = false;
        for e in (0..n).filter(|&i| data.counts_as_event(i)) {
            let t = data.time[e];
            let risk: Vec<usize> = (0..n)
                .filter(|&i| data.stratum_of(i) == data.stratum_of(e) && entry[i] < t && data.time[i] >= t)
                .collect();
            let largest = risk.iter().map(|&i| score[i]).fold(f64::NEG_INFINITY, f64::max);
            let lowest = risk.iter().map(|&i| score[i]).fold(f64::INFINITY, f64::min);
            if score[e] < largest - tolerance {
                return false;
            }
            strict |= lowest < score[e] - tolerance;
        }
        strict
    }

    proptest! {
        /// The sweep over delayed-entry risk sets agrees with reading each risk set.
        #[test]
        fn the_entry_sweep_reads_every_risk_set(
            rows in prop::collection::vec((0u8..6, 1u8..6, any::<bool>(), -3i8..4, 0u8..2), 2..25),
        ) {
            let mut csv = String::from("entry,time,status,x,s\n");
            for (entry, length, event, x, s) in &rows {
                csv.push_str(&format!("{entry},{},{},{x},{s}\n", entry + length, u8::from(*event)));
            }
            let columns = Columns::new("time", "status").entry("entry").covariates(["x"]).strata("s");
            let data = SurvData::from_csv_bytes("entry.csv", csv.as_bytes(), &columns).unwrap();
            let score: Vec<f64> = rows.iter().map(|r| f64::from(r.3)).collect();
            let entry = data.entry.clone().unwrap();
            prop_assert_eq!(
                monotone_with_entry(&data, &entry, &score, 1e-9),
                brute_force(&data, &entry, &score, 1e-9)
            );
        }
    }
}
