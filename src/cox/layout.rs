//! The rows of a Cox model laid out for the likelihood's backward pass: each stratum's rows
//! sorted by exit time (latest first, events before censorings within a time), their values
//! contiguous in that order, grouped by distinct time, with the entry removals as positions; the
//! parts of each time that depend only on the weights (d, D, Efron's steps, the events' Σ w x);
//! the distinct covariate rows when there are few; and, for a bootstrap resample, the same
//! layout over the drawn rows only.

use super::design::Design;
use super::ties::Ties;
use crate::data::SurvData;

/// The rows of one stratum in the orders the backward pass needs.
#[derive(Debug, Clone)]
pub struct Stratum {
    /// Rows by exit time, latest first.
    pub by_exit: Vec<usize>,
    /// Rows by entry time, latest first (empty without delayed entry).
    pub by_entry: Vec<usize>,
    /// The rows' values laid out contiguously in `by_exit` order, for the hot loop.
    pub(super) sorted: Sorted,
    /// Under [`super::partial::Problem::set_frequency`], the same layout holding only the rows drawn.
    pub(super) resample: Option<Sorted>,
}

impl Stratum {
    /// Lays out one stratum's rows (given latest exit first, and latest entry first) for the
    /// backward pass.
    pub(super) fn new(
        data: &SurvData,
        centred: &Design,
        by_exit: Vec<usize>,
        by_entry: Vec<usize>,
        ties: Ties,
    ) -> Stratum {
        let p = centred.p;
        let time: Vec<f64> = by_exit.iter().map(|&i| data.time[i]).collect();
        let event: Vec<bool> = by_exit.iter().map(|&i| data.event[i]).collect();
        let mut x = Vec::with_capacity(by_exit.len() * p);
        for &i in &by_exit {
            x.extend_from_slice(centred.row(i));
        }
        let mut groups = Vec::new();
        let mut start = 0;
        while start < time.len() {
            let end = start + time[start..].iter().take_while(|t| **t == time[start]).count();
            groups.push(TimeGroup {
                start,
                end,
                n_events: event[start..end].iter().take_while(|e| **e).count(),
                ..Default::default()
            });
            start = end;
        }
        let (entry_position, entry_time) = if by_entry.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            let mut position = vec![0usize; data.n_rows()];
            for (k, &i) in by_exit.iter().enumerate() {
                position[i] = k;
            }
            (
                by_entry.iter().map(|&i| position[i]).collect(),
                by_entry.iter().map(|&i| data.entry_of(i)).collect(),
            )
        };
        let mut sorted = Sorted {
            weight: by_exit.iter().map(|&i| data.weight_of(i)).collect(),
            patterns: Patterns::find(&x, p),
            time,
            x,
            entry_position,
            entry_time,
            groups,
            ..Default::default()
        };
        sorted.count_events(p, ties);
        Stratum {
            by_exit,
            by_entry,
            sorted,
            resample: None,
        }
    }

    /// The layout the likelihood sums over: the resample's rows when frequencies are set.
    pub(super) fn active(&self) -> &Sorted {
        self.resample.as_ref().unwrap_or(&self.sorted)
    }
}

/// Exit times, events, weights and covariates in `by_exit` order; entry removals as positions
/// in that order.
/// Within a time, events come first, so each distinct time is a run `start..end` whose first
/// `n_events` rows are its events.
#[derive(Debug, Clone, Default)]
pub(super) struct Sorted {
    pub(super) time: Vec<f64>,
    pub(super) weight: Vec<f64>,
    pub(super) x: Vec<f64>,
    pub(super) entry_position: Vec<usize>,
    pub(super) entry_time: Vec<f64>,
    pub(super) groups: Vec<TimeGroup>,
    /// Σ w x over the events: the events' own part of U, and of ℓ as its product with β.
    /// It does not depend on β, so it is summed once per set of weights.
    pub(super) event_x: Vec<f64>,
    /// The distinct covariate rows, when there are few (a treatment arm, a factor).
    patterns: Option<Patterns>,
}

/// Few distinct covariate rows: exp(x'β) is computed once per pattern instead of once per row.
#[derive(Debug, Clone, Default)]
struct Patterns {
    /// Each row's pattern.
    of_row: Vec<u32>,
    /// The patterns' covariates (k × p).
    x: Vec<f64>,
}

/// At most this many distinct covariate rows use [`Patterns`]; past it the search stops.
const MAX_PATTERNS: usize = 16;

impl Patterns {
    /// The distinct rows of `x` (n × p, bitwise equal), or `None` past [`MAX_PATTERNS`].
    fn find(x: &[f64], p: usize) -> Option<Patterns> {
        if p == 0 {
            return None;
        }
        let mut patterns = Patterns {
            of_row: Vec::with_capacity(x.len() / p),
            x: Vec::new(),
        };
        let same = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(u, v)| u.to_bits() == v.to_bits());
        for row in x.chunks_exact(p) {
            let k = match patterns.x.chunks_exact(p).position(|known| same(known, row)) {
                Some(k) => k,
                None if patterns.x.len() / p < MAX_PATTERNS => {
                    patterns.x.extend_from_slice(row);
                    patterns.x.len() / p - 1
                }
                None => return None,
            };
            patterns.of_row.push(k as u32);
        }
        Some(patterns)
    }
}

/// The rows sharing one exit time.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TimeGroup {
    pub(super) start: usize,
    pub(super) end: usize,
    /// Event rows (`start..start + n_events`).
    pub(super) n_events: usize,
    /// Events with positive weight (counted with their frequencies): d, and their total
    /// weight D.
    pub(super) d: usize,
    pub(super) event_weight: f64,
    /// Terms in the denominator: d for Efron, 1 for Breslow; each weighs D/steps, and the
    /// k-th removes the fraction k/d of the events' sums.
    pub(super) steps: usize,
    pub(super) mean_weight: f64,
    pub(super) per_death: f64,
}

impl TimeGroup {
    /// Sets d (events with positive weight, counted with their frequencies), D (their total
    /// weight) and the Efron or Breslow steps.
    fn set_events(&mut self, d: f64, event_weight: f64, ties: Ties) {
        self.d = d as usize;
        self.event_weight = event_weight;
        self.steps = if ties == Ties::Efron { self.d } else { self.d.min(1) };
        self.mean_weight = if self.d > 0 {
            event_weight / self.steps as f64
        } else {
            0.0
        };
        self.per_death = if self.d > 0 { 1.0 / d } else { 0.0 };
    }
}

impl Sorted {
    /// Lays out in `out` only the rows drawn (frequency f_k > 0, weight w_k f_k), keeping the
    /// order, the time groups (events first) and the entry removals: the likelihood sums skip
    /// the rows a resample leaves out, and add the others in the same order, so every sum is
    /// bitwise the one over all rows with zero weights.
    pub(super) fn keep_drawn(
        &self,
        p: usize,
        ties: Ties,
        frequency: impl Fn(usize) -> f64,
        case_weight: impl Fn(usize) -> f64,
        out: &mut Sorted,
    ) {
        // written by position into full-length buffers (reused across resamples), then cut
        let n = self.time.len();
        out.time.resize(n, 0.0);
        out.weight.resize(n, 0.0);
        out.x.resize(n * p, 0.0);
        out.groups.clear();
        out.entry_position.clear();
        out.entry_time.clear();
        out.event_x.clear();
        out.event_x.resize(p, 0.0);
        let mut of_row = out.patterns.take().map(|q| q.of_row).unwrap_or_default();
        of_row.resize(if self.patterns.is_some() { n } else { 0 }, 0);
        let mut position = vec![usize::MAX; if self.entry_time.is_empty() { 0 } else { n }];
        let mut m = 0;
        for g in &self.groups {
            let start = m;
            let (mut n_events, mut d, mut event_weight) = (0, 0.0, 0.0);
            for k in g.start..g.end {
                let f = frequency(k);
                if f <= 0.0 {
                    continue;
                }
                if let Some(slot) = position.get_mut(k) {
                    *slot = m;
                }
                let w = case_weight(k) * f;
                out.time[m] = self.time[k];
                out.weight[m] = w;
                for j in 0..p {
                    out.x[m * p + j] = self.x[k * p + j];
                }
                if let Some(patterns) = &self.patterns {
                    of_row[m] = patterns.of_row[k];
                }
                if k < g.start + g.n_events {
                    n_events += 1;
                    if w > 0.0 {
                        d += f;
                    }
                    event_weight += w;
                    for j in 0..p {
                        out.event_x[j] += w * self.x[k * p + j];
                    }
                }
                m += 1;
            }
            if m > start {
                let mut group = TimeGroup {
                    start,
                    end: m,
                    n_events,
                    ..Default::default()
                };
                group.set_events(d, event_weight, ties);
                out.groups.push(group);
            }
        }
        out.time.truncate(m);
        out.weight.truncate(m);
        out.x.truncate(m * p);
        of_row.truncate(m);
        for (&k, &t) in self.entry_position.iter().zip(&self.entry_time) {
            if position[k] != usize::MAX {
                out.entry_position.push(position[k]);
                out.entry_time.push(t);
            }
        }
        out.patterns = self.patterns.as_ref().map(|patterns| Patterns {
            of_row,
            x: patterns.x.clone(),
        });
    }

    /// Recomputes what depends on the weights: d, D and the Efron steps of each time, and
    /// Σ w x over the events.
    fn count_events(&mut self, p: usize, ties: Ties) {
        self.event_x = vec![0.0; p];
        for g in self.groups.iter_mut() {
            let (mut d, mut event_weight) = (0.0, 0.0);
            for k in g.start..g.start + g.n_events {
                let w = self.weight[k];
                if w > 0.0 {
                    d += 1.0;
                }
                event_weight += w;
                for j in 0..p {
                    self.event_x[j] += w * self.x[k * p + j];
                }
            }
            g.set_events(d, event_weight, ties);
        }
    }

    /// r_k = w_k exp(x_k'β) for every row, once per pattern when the rows have few. x'β is
    /// clamped to [−200, 22] as R's `coxsafe` does, so exp() neither overflows nor underflows
    /// when a coefficient runs off towards infinity; returns whether any row was clamped.
    #[inline(always)]
    pub(super) fn risk_scores(&self, beta: &[f64], p: usize, risk: &mut Vec<f64>, pattern_risk: &mut Vec<f64>) -> bool {
        let mut clamped = false;
        let mut score = |row: &[f64]| {
            let eta = linear_predictor(row, beta, p);
            let safe = coxsafe(eta);
            clamped |= safe != eta;
            safe.exp()
        };
        risk.clear();
        // a row left out of a bootstrap resample needs no exp() (and gives 0, not 0 × ∞)
        match &self.patterns {
            Some(patterns) => {
                pattern_risk.clear();
                pattern_risk.extend(patterns.x.chunks_exact(p).map(&mut score));
                risk.extend(
                    patterns
                        .of_row
                        .iter()
                        .zip(&self.weight)
                        .map(|(&k, &w)| if w == 0.0 { 0.0 } else { w * pattern_risk[k as usize] }),
                );
            }
            None => risk.extend(
                self.x
                    .chunks_exact(p)
                    .zip(&self.weight)
                    .map(|(row, &w)| if w == 0.0 { 0.0 } else { w * score(row) }),
            ),
        }
        clamped
    }

    /// Σ w_k coxsafe(x_k'β) over the events: the numerator of ℓ when some x'β was clamped
    /// (R's `coxfit6` adds the clamped value).
    pub(super) fn clamped_event_terms(&self, beta: &[f64], p: usize) -> f64 {
        self.groups
            .iter()
            .flat_map(|g| g.start..g.start + g.n_events)
            .map(|k| self.weight[k] * coxsafe(linear_predictor(&self.x[k * p..(k + 1) * p], beta, p)))
            .sum()
    }
}

/// x'β.
#[inline(always)]
fn linear_predictor(row: &[f64], beta: &[f64], p: usize) -> f64 {
    let mut eta = 0.0;
    for j in 0..p {
        eta += row[j] * beta[j];
    }
    eta
}

/// x'β bounded to [−200, 22], as R survival's `coxsafe.c`.
#[inline(always)]
fn coxsafe(eta: f64) -> f64 {
    eta.clamp(-200.0, 22.0)
}
