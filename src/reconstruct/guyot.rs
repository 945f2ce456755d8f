//! The reconstruction algorithm of Guyot, Ades, Ouwens & Welton (2012), "Enhanced secondary
//! analysis of survival data: reconstructing the data from published Kaplan–Meier survival
//! curves", BMC Medical Research Methodology 12:9.
//!
//! # Algorithm
//! Digitised points (t_k, S_k), k = 0 … m−1, start at (0, 1); the at-risk table gives n_i at
//! times τ_0 = 0 < τ_1 < … < τ_{I−1}. Each τ_i is added to the points (with the step value
//! S(τ_i) when no point lies there), so interval i holds the points with τ_i ≤ t_k < τ_{i+1}.
//! Starting from n̂ = n_i at τ_i and the last reconstructed survival Ŝ_last:
//!
//! - c_i censorings are spread evenly over (τ_i, τ_{i+1}): at τ_i + j(τ_{i+1} − τ_i)/(c_i + 1),
//!   j = 1 … c_i; cen_k of them fall in [t_k, t_{k+1});
//! - at each point, events d_k = round(n̂_k (1 − S_k / Ŝ_last)) (the drop in the curve since the
//!   last event, on the current risk set), Ŝ ← Ŝ_last (1 − d_k / n̂_k), n̂_{k+1} = n̂_k − d_k − cen_k.
//!
//! c_i starts at round(n_i S(τ_{i+1}) / S(τ_i) − n_{i+1}) and is corrected by the miss,
//! c_i ← c_i + (n̂(τ_{i+1}) − n_{i+1}), until n̂(τ_{i+1}) = n_{i+1}. In the last interval
//! (after τ_{I−1}) the censoring rate per unit time so far is carried on up to the last point,
//! and when the total number of events is given, c is corrected the same way until the
//! events add up to it (a total below the events the curve implies before the last at-risk
//! time cannot be met and is reported and not used). Whoever is still at risk after the last
//! point is censored there.
//!
//! Departures from the published R code, so that the reconstructed data reproduce the table
//! exactly and follow the curve where few are at risk:
//! - the at-risk times are points of the grid; when the correction cycles instead of
//!   converging, every c_i from 0 to n_i is tried;
//! - the evenly spread reconstruction is only the starting point: the events and censorings
//!   of each interval are then refitted to the drops of the curve (`risk_sets.rs`), so that the
//!   reconstructed risk set at a large step is the one the step implies, and the table is
//!   reproduced whenever some whole numbers of events and censorings do;
//! - the c_k censorings the refit puts in (t_k, t_{k+1}) are spread evenly there, at
//!   t_k + j(t_{k+1} − t_k)/(c_k + 1), j = 1 … c_k (never at an event time or an at-risk time).

use super::digitised::{AtRisk, Point};
use super::risk_sets::{self, Interval, Unfitted};

/// Iterations of the censoring correction before falling back to trying every count.
const MAX_CORRECTIONS: usize = 50;

/// Reconstructed participants of one arm and what the algorithm had to give up on.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconstructed {
    /// Follow-up times, sorted.
    pub time: Vec<f64>,
    pub event: Vec<bool>,
    /// Messages about at-risk counts or totals that could not be reproduced.
    pub warnings: Vec<String>,
}

/// The working arrays over the grid of points.
struct Grid<'a> {
    time: &'a [f64],
    survival: &'a [f64],
    n_hat: Vec<i64>,
    events: Vec<i64>,
    censored: Vec<i64>,
    /// σ_t ([`risk_sets::time_error`]).
    time_error: f64,
    /// Intervals too large for the risk-set fit, which kept Guyot's pass.
    over_budget: usize,
}

impl Grid<'_> {
    /// One pass over grid points `from..to`, starting with `n_start` at risk, after the last
    /// event's survival `km_last`, with `n_censor` censorings spread over (a, b). Returns the
    /// number at risk after the interval and the survival after its last event.
    #[allow(clippy::too_many_arguments)]
    fn pass(
        &mut self,
        from: usize,
        to: usize,
        n_start: i64,
        mut km_last: f64,
        n_censor: i64,
        a: f64,
        b: f64,
    ) -> (i64, f64) {
        self.censored[from..to].fill(0);
        if n_censor > 0 && b > a {
            for j in 1..=n_censor {
                let c = a + j as f64 * (b - a) / (n_censor + 1) as f64;
                let k = self.time.partition_point(|t| *t <= c) - 1;
                self.censored[k.clamp(from, to - 1)] += 1;
            }
        }
        self.n_hat[from] = n_start;
        for k in from..to {
            let n = self.n_hat[k];
            let d = if k == 0 || n <= 0 || km_last <= 0.0 {
                0
            } else {
                ((n as f64) * (1.0 - self.survival[k] / km_last))
                    .round()
                    .clamp(0.0, n as f64) as i64
            };
            self.events[k] = d;
            if d > 0 {
                km_last *= 1.0 - d as f64 / n as f64;
            }
            let c = self.censored[k].min(n - d).max(0);
            self.censored[k] = c;
            self.n_hat[k + 1] = n - d - c;
        }
        (self.n_hat[to], km_last)
    }

    /// Refits the events and censorings of grid points `from..to`, after [`Grid::pass`] has
    /// spread the censorings evenly, to the drops of the curve ([`risk_sets::fit`]), ending at
    /// `target` at risk when given. Returns the number at risk after the interval and the
    /// survival after its last event; `planned` (the pass's) when no fit is found, the pass then
    /// being kept.
    fn refit(
        &mut self,
        (from, to): (usize, usize),
        span: (f64, f64),
        km_start: f64,
        target: Option<i64>,
        planned: (i64, f64),
    ) -> (i64, f64) {
        let fitted = risk_sets::fit(&Interval {
            time: &self.time[from..to],
            survival: &self.survival[from..to],
            plan: &self.n_hat[from..to],
            plan_censored: &self.censored[from..to],
            span,
            n_censor: self.censored[from..to].iter().sum(),
            n_start: self.n_hat[from],
            km_start,
            target,
            origin: from == 0,
            time_error: self.time_error,
        });
        let fitted = match fitted {
            Ok(fitted) => fitted,
            Err(why) => {
                self.over_budget += usize::from(why == Unfitted::OverBudget);
                return planned;
            }
        };
        self.events[from..to].copy_from_slice(&fitted.events);
        self.censored[from..to].copy_from_slice(&fitted.censored);
        for k in from..to {
            self.n_hat[k + 1] = self.n_hat[k] - self.events[k] - self.censored[k];
        }
        (fitted.n_end, fitted.km_end)
    }
}

/// Counts up to which [`solve`] tries every count when Guyot's correction fails; above it,
/// bisection.
const FULL_SCAN_MAX: i64 = 2_000;

/// Finds a count c in 0..=max with miss(c) = 0, where a positive miss asks for more
/// censoring: Guyot's correction c ← c + miss(c) from `start`, then, if that cycles or stops
/// short, every count in turn (bisection above [`FULL_SCAN_MAX`]). Returns the count with the smallest miss (exact when one is).
fn solve(start: i64, max: i64, mut miss: impl FnMut(i64) -> i64) -> (i64, i64) {
    let mut tried: Vec<(i64, i64)> = Vec::new();
    let mut c = start.clamp(0, max);
    for _ in 0..MAX_CORRECTIONS {
        let m = miss(c);
        tried.push((c, m));
        if m == 0 {
            return (c, 0);
        }
        let next = (c + m).clamp(0, max);
        if tried.iter().any(|(t, _)| *t == next) {
            break;
        }
        c = next;
    }
    if max <= FULL_SCAN_MAX {
        for c in 0..=max {
            if !tried.iter().any(|(t, _)| *t == c) {
                let m = miss(c);
                tried.push((c, m));
                if m == 0 {
                    return (c, 0);
                }
            }
        }
    } else {
        // every count in turn costs O(max) passes of O(max) each (151,220 at risk ran for
        // minutes, found by fuzzing): bisect on the sign of the miss instead, which falls as
        // the count grows (more censoring leaves fewer at risk)
        let (mut low, mut high) = (0, max);
        let (miss_low, miss_high) = (miss(low), miss(high));
        tried.push((low, miss_low));
        tried.push((high, miss_high));
        if miss_low == 0 {
            return (low, 0);
        }
        if miss_high == 0 {
            return (high, 0);
        }
        if miss_low.signum() != miss_high.signum() {
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                let m = miss(middle);
                tried.push((middle, m));
                if m == 0 {
                    return (middle, 0);
                }
                if m.signum() == miss_low.signum() {
                    low = middle;
                } else {
                    high = middle;
                }
            }
        }
    }
    tried.into_iter().min_by_key(|(c, m)| (m.abs(), *c)).unwrap_or((0, 0))
}

/// Reconstructs one arm. `points` are cleaned (start at (0, 1), sorted, non-increasing);
/// `at_risk` is checked (starts at 0, times increasing, counts not increasing) and ends no
/// later than the last point. `label` names the arm in messages.
pub fn reconstruct(label: &str, points: &[Point], at_risk: &[AtRisk], total_events: Option<u64>) -> Reconstructed {
    let mut warnings = Vec::new();
    let (time, survival) = grid(points, at_risk);
    let m = time.len();
    let lower: Vec<usize> = at_risk.iter().map(|r| time.partition_point(|t| *t < r.time)).collect();
    let mut g = Grid {
        time: &time,
        survival: &survival,
        n_hat: vec![0; m + 1],
        events: vec![0; m],
        censored: vec![0; m],
        time_error: risk_sets::time_error(&time),
        over_budget: 0,
    };
    let last = at_risk.len() - 1;
    let mut n_start = at_risk[0].n_risk as i64;
    let mut km_last = 1.0;
    let mut censored_before = 0i64;
    for i in 0..last {
        let (from, to) = (lower[i], lower[i + 1]);
        let (a, b) = (at_risk[i].time, at_risk[i + 1].time);
        let target = at_risk[i + 1].n_risk as i64;
        let start = if survival[from] > 0.0 {
            (n_start as f64 * survival[to] / survival[from] - target as f64).round() as i64
        } else {
            n_start - target
        };
        let (n_censor, _) = solve(start, n_start, |c| {
            g.pass(from, to, n_start, km_last, c, a, b).0 - target
        });
        let planned = g.pass(from, to, n_start, km_last, n_censor, a, b);
        let (n_end, km) = g.refit((from, to), (a, b), km_last, Some(target), planned);
        if n_end != target {
            let why = if n_end < target {
                "the curve's drops leave fewer at risk than published, even without censoring"
            } else {
                "no whole number of censorings reproduces it"
            };
            warnings.push(format!(
                "arm {label}: {target} at risk at time {b} (published) could not be reproduced ({why}); the reconstruction has {n_end}"
            ));
        }
        censored_before += g.censored[from..to].iter().sum::<i64>();
        n_start = n_end;
        km_last = km;
    }
    let from = lower[last];
    let (a, b) = (at_risk[last].time, time[m - 1]);
    let span_before = at_risk[last].time - at_risk[0].time;
    let start = if last > 0 && span_before > 0.0 {
        ((censored_before as f64 * (b - a) / span_before).round() as i64).min(n_start)
    } else {
        0
    };
    g.pass(from, m, n_start, km_last, start, a, b);
    let before: i64 = g.events[..from].iter().sum();
    let total = total_events.map(|t| t as i64);
    let n_censor = match total {
        Some(total) if before > total => {
            warnings.push(format!(
                "arm {label}: the curve's drops imply {before} events before time {a} (the last at-risk time), more than the published total of {total}; the total was not used (the censoring rate so far was carried on instead)"
            ));
            start
        }
        Some(total) => {
            solve(start, n_start, |c| {
                g.pass(from, m, n_start, km_last, c, a, b);
                g.events[from..].iter().sum::<i64>() + before - total
            })
            .0
        }
        None => start,
    };
    let planned = g.pass(from, m, n_start, km_last, n_censor, a, b);
    g.refit((from, m), (a, b), km_last, None, planned);
    if let Some(total) = total.filter(|t| before <= *t) {
        let miss = g.events.iter().sum::<i64>() - total;
        if miss != 0 {
            warnings.push(format!(
                "arm {label}: the total of {total} events could not be reproduced; the reconstruction has {} (the curve after time {a} implies {})",
                total + miss,
                if miss > 0 { "more" } else { "fewer" }
            ));
        }
    }
    if g.over_budget > 0 {
        warnings.push(format!(
            "arm {label}: {} interval(s) between published at-risk times were too large for the risk-set fit (numbers at risk in the tens of thousands); Guyot's pass was kept there, so its events may sit less exactly under the curve's drops",
            g.over_budget
        ));
    }
    let mut ipd: Vec<(f64, bool)> = Vec::with_capacity(at_risk[0].n_risk as usize);
    for k in 0..m {
        ipd.extend(std::iter::repeat_n((time[k], true), g.events[k] as usize));
        if k + 1 < m {
            let (t0, t1) = (time[k], time[k + 1]);
            let c = g.censored[k];
            ipd.extend((1..=c).map(|j| (t0 + j as f64 * (t1 - t0) / (c + 1) as f64, false)));
        }
    }
    ipd.extend(std::iter::repeat_n((time[m - 1], false), g.n_hat[m].max(0) as usize));
    ipd.sort_by(|x, y| x.0.total_cmp(&y.0));
    Reconstructed {
        time: ipd.iter().map(|p| p.0).collect(),
        event: ipd.iter().map(|p| p.1).collect(),
        warnings,
    }
}

/// The points with every at-risk time added (at the step value S(τ) = S of the last point at
/// or before τ) unless a point already lies there.
fn grid(points: &[Point], at_risk: &[AtRisk]) -> (Vec<f64>, Vec<f64>) {
    let mut time = Vec::with_capacity(points.len() + at_risk.len());
    let mut survival = Vec::with_capacity(points.len() + at_risk.len());
    let mut next = 0;
    for p in points {
        while next < at_risk.len() && at_risk[next].time < p.time {
            time.push(at_risk[next].time);
            survival.push(survival.last().copied().unwrap_or(1.0));
            next += 1;
        }
        if next < at_risk.len() && at_risk[next].time == p.time {
            next += 1;
        }
        time.push(p.time);
        survival.push(p.survival);
    }
    (time, survival)
}
