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

use crate::data::{DroppedRows, Factor, SurvData};

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
        Self::build_weighted(data, rows, n_groups, group_of, |i| data.weight_of(i))
    }

    /// As [`RiskTable::build`], with `weight_of(row)` in place of the case weights (e.g. the
    /// number of participants a merged row stands for).
    pub(crate) fn build_weighted(
        data: &SurvData,
        rows: &[usize],
        n_groups: usize,
        group_of: impl Fn(usize) -> usize,
        weight_of: impl Fn(usize) -> f64,
    ) -> RiskTable {
        let by_entry: Vec<usize> = match &data.entry {
            Some(entry) => {
                let mut order = rows.to_vec();
                order.sort_by(|a, b| entry[*a].total_cmp(&entry[*b]));
                order
            }
            None => Vec::new(),
        };
        let exit = |k: usize| {
            let i = rows[k];
            let w = weight_of(i);
            let (events, censored) = if data.event[i] { (w, 0.0) } else { (0.0, w) };
            Exits {
                time: data.time[i],
                group: group_of(i),
                events,
                censored,
            }
        };
        let entry = |k: usize| {
            let i = by_entry[k];
            (data.entry_of(i), group_of(i), weight_of(i))
        };
        RiskTable::tally(n_groups, rows.len(), exit, by_entry.len(), entry)
    }

    /// The counting itself, from the last time backwards: `exit(k)` for k < `n_exits` gives
    /// exits sorted by time, `entry(k)` for k < `n_entries` gives (entry time, group, how many)
    /// sorted by entry time. Those entering at e are at risk at times t > e. Every exit record
    /// adds its events and censorings to its time's row; a record with no exits must not be
    /// passed (it would add a time to the table).
    pub(crate) fn tally(
        n_groups: usize,
        n_exits: usize,
        exit: impl Fn(usize) -> Exits,
        n_entries: usize,
        entry: impl Fn(usize) -> (f64, usize, f64),
    ) -> RiskTable {
        let k = n_groups;
        let mut time = Vec::new();
        let (mut n_risk, mut n_event, mut n_censor) = (Vec::new(), Vec::new(), Vec::new());
        let mut at_risk = vec![0.0; k];
        let mut exit_pos = n_exits;
        let mut entry_pos = n_entries;
        while exit_pos > 0 {
            let t = exit(exit_pos - 1).time;
            let base = n_event.len();
            n_event.resize(base + k, 0.0);
            n_censor.resize(base + k, 0.0);
            while exit_pos > 0 && exit(exit_pos - 1).time == t {
                let Exits {
                    group: g,
                    events,
                    censored,
                    ..
                } = exit(exit_pos - 1);
                at_risk[g] += events + censored;
                n_event[base + g] += events;
                n_censor[base + g] += censored;
                exit_pos -= 1;
            }
            while entry_pos > 0 && entry(entry_pos - 1).0 >= t {
                let (_, g, count) = entry(entry_pos - 1);
                at_risk[g] -= count;
                entry_pos -= 1;
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

/// The exits of one record at one time: a participant's row (one event or one censoring, of
/// its case weight) or a row of aggregated counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Exits {
    pub time: f64,
    pub group: usize,
    pub events: f64,
    pub censored: f64,
}

/// Splits `order` (row indices sorted by time) into one list per code, keeping the order.
pub fn split_by_code(order: &[usize], n_codes: usize, code_of: impl Fn(usize) -> usize) -> Vec<Vec<usize>> {
    let mut parts = vec![Vec::new(); n_codes];
    for &i in order {
        parts[code_of(i)].push(i);
    }
    parts
}

/// What the count-based estimators (Kaplan–Meier, the log-rank family, RMST) read from their
/// input: records in time order, each with a group and a stratum code, counted into
/// [`RiskTable`]s. A record is a participant's row ([`SurvData`]) or a row of aggregated
/// counts ([`crate::counts::Counts`]); both give the same tables for the same participants.
pub(crate) trait Records {
    /// Where the records came from (the file path), for messages.
    fn source(&self) -> &str;
    /// Group labels, one code per record.
    fn group(&self) -> Option<&Factor>;
    /// Stratum labels, one code per record.
    fn strata(&self) -> Option<&Factor>;
    /// Rows left out when the input was read.
    fn dropped(&self) -> &DroppedRows;
    /// How many time values the timefix rule moved.
    fn times_tied_by_timefix(&self) -> usize;
    /// Whether the input has case weights.
    fn has_weights(&self) -> bool;
    /// Whether some case weight is not a whole number.
    fn has_fractional_weights(&self) -> bool;
    /// Whether the input has entry times (delayed entry).
    fn has_entry(&self) -> bool;
    /// Whether any record has an event.
    fn has_events(&self) -> bool;
    /// The records sorted by time.
    fn order_by_time(&self) -> &[usize];
    /// The participants who leave the risk set in `record` (1 for a row).
    fn participants(&self, record: usize) -> usize;
    /// The participants of `record` who enter at or after `t`.
    fn entering_from(&self, record: usize, t: f64) -> usize;
    /// Counts `records` (sorted by time) split by `group_of(record)` < `n_groups`.
    fn risk_table(&self, records: &[usize], n_groups: usize, group_of: impl Fn(usize) -> usize) -> RiskTable;

    /// The stratum code of `record` (0 without strata).
    fn stratum_of(&self, record: usize) -> usize {
        self.strata().map_or(0, |s| s.codes[record] as usize)
    }
}

impl Records for SurvData {
    fn source(&self) -> &str {
        &self.source
    }
    fn group(&self) -> Option<&Factor> {
        self.group.as_ref()
    }
    fn strata(&self) -> Option<&Factor> {
        self.strata.as_ref()
    }
    fn dropped(&self) -> &DroppedRows {
        &self.dropped
    }
    fn times_tied_by_timefix(&self) -> usize {
        self.times_tied_by_timefix
    }
    fn has_weights(&self) -> bool {
        self.weight.is_some()
    }
    fn has_fractional_weights(&self) -> bool {
        self.weight.as_ref().is_some_and(|w| w.iter().any(|w| w.fract() != 0.0))
    }
    fn has_entry(&self) -> bool {
        self.entry.is_some()
    }
    fn has_events(&self) -> bool {
        self.event.iter().any(|e| *e)
    }
    fn order_by_time(&self) -> &[usize] {
        SurvData::order_by_time(self)
    }
    fn participants(&self, _record: usize) -> usize {
        1
    }
    fn entering_from(&self, record: usize, t: f64) -> usize {
        usize::from(self.entry_of(record) >= t)
    }
    fn risk_table(&self, records: &[usize], n_groups: usize, group_of: impl Fn(usize) -> usize) -> RiskTable {
        RiskTable::build(self, records, n_groups, group_of)
    }
}
