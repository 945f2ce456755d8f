//! Fitting the reconstructed numbers at risk to the drops of the digitised curve.
//!
//! Guyot et al. (2012) spread an interval's censorings evenly over it, so the reconstructed
//! number at risk n̂ at an event is off the true n by however unevenly the real censorings
//! fell. Events d = round(n̂(1 − S/Ŝ)) then keep the reconstructed curve only within half a
//! step, Ŝ/(2n̂), of the digitised one, and a risk set one too small can turn a drop to half
//! into a drop to zero. Yet the drops themselves say how many were at risk: the product-limit
//! step (Kaplan & Meier 1958) takes the curve from S to S(1 − d/n), so where few are at risk,
//! and the steps are large, the drop pins n down, and where many are, n̂ barely matters.
//!
//! # Formula
//! Within one interval [τ_i, τ_{i+1}) of the at-risk table, with grid points k = 0 … K−1 at
//! t_k with digitised survival S_k, choose events d_k ≥ 0 at t_k and censorings c_k ≥ 0 in
//! (t_k, t_{k+1}) (none when t_{k+1} = t_k) minimising
//!
//! Σ_k ρ(e_k) + Σ_{k≥1} w_k ((C_k − C̃_k)/s_k)²,
//!
//! with n_0 = n_i, n_{k+1} = n_k − d_k − c_k, Ŝ_k = Ŝ_{k−1}(1 − d_k/n_k), and n_K = n_{i+1}
//! when the table closes the interval (in the last interval the end is free and whoever is
//! left is censored at the last point).
//!
//! The first sum is the digitising error: e_k is the distance of (t_k, S_k) from the
//! reconstructed curve in units of the digitiser's error, vertically (Ŝ_k − S_k)/σ with
//! σ = 0.002 (a pixel of a 500-pixel survival axis), and
//!
//! ρ(e) = e² + W max(0, |e| − h)², h = 3, W = 10:
//!
//! least squares up to 3σ = 0.006, eleven times as steep beyond. The goal is a curve within
//! 0.01 of the true one at every step, and a click is within a pixel or two of it, so a miss
//! of more than about 3σ is a miss of that goal wherever it falls, while misses within it are
//! the digitiser's. A plain sum of squares trades many small misses for one large one (four
//! points 2σ off cost as much as one 4σ off), and so bent the fit, typically just before an
//! at-risk time, into a step more than 0.01 off; the steeper cost beyond h makes the fit
//! spread the error instead (simulated trials of the round-trip test, cases 0 … 99,999: KM
//! failures 21 → 14, none new; cases 100,000 … 199,999: 14 → 9, 9 fixed and 4 new).
//! One exception: when nobody has an event at t_k (a drop is moved whole), a point the curve
//! has still to come down to may lie on a drop at τ_{i+1} instead, and the point costs
//! min(ρ(e_k), ((τ_{i+1} − t_k)/σ_t)²), σ_t the error in time ([`time_error`]). Whoever has an event at an at-risk time is counted at risk there, yet
//! the digitiser's time error can put the drop just before it; only the horizontal distance
//! lets the drop return to τ_{i+1} and the table be reproduced.
//!
//! The second sum keeps the censorings near Guyot's evenly spread ones: C_k = Σ_{j<k} c_j are
//! the censorings before t_k, C̃_k Guyot's. When the interval's C censorings each fall
//! uniformly over it, C_k is Binomial(C, f_k), f_k = (t_k − τ_i)/(τ_{i+1} − τ_i), so
//! s_k = max(½, √(C f_k (1 − f_k))). The weight w_k = (t_k − t_{k−1})/(τ_{i+1} − τ_i) is the
//! share of the interval whose censorings lead to C_k, so that the penalty is the
//! time-averaged squared standardised deviation and counts once per interval however densely
//! the curve was digitised, while every digitised point is a measurement of its own. This is a
//! penalised least-squares fit of the censoring times to the curve: where the steps are large
//! the drops decide, where they are small Guyot's even spread does.
//!
//! # Solution
//! Dynamic programming over the number at risk (Viterbi 1967): the state at t_k is n_k, each
//! keeping its cheapest path and that path's Ŝ and events (so C_k = n_i − n_k − events); this
//! is a heuristic, as two paths reaching the same n_k with different Ŝ are not both kept. Events at t_k are d ∈ {g − 1, g, g + 1} around
//! Guyot's g = round(n_k(1 − S_k/Ŝ_{k−1})), so that a drop's rounding can give way to
//! reproduce the next number at risk; censorings take any n_{k+1} ≤ n_k − d_k, the cheapest
//! predecessor being a suffix minimum, so each step costs O(range of n). When no path reaches
//! n_{i+1} (more events before τ_{i+1} than n_i − n_{i+1}: typically a drop at τ_{i+1} itself
//! that the digitiser's time error put just before it), the fit is repeated with any
//! d ∈ [0, g + 1], letting such events move to a later point at the cost of their distance from
//! the curve; if still none does, the closest reachable count is returned.

/// The digitising error σ of a survival coordinate: one pixel of a 500-pixel axis.
const CLICK_SD: f64 = 0.002;

/// h: the vertical miss, in units of [`CLICK_SD`], beyond which a miss costs more than its
/// square (see the module documentation).
const LARGE_MISS: f64 = 3.0;

/// W: the extra weight of the square of a vertical miss's excess over [`LARGE_MISS`].
const LARGE_MISS_WEIGHT: f64 = 10.0;

/// At most this many (point, risk set) cells in one interval's table (two tables of i64).
const MAX_CELLS: f64 = 2e7;
/// At most this many (point, risk set, event count) steps in one interval's fit.
const MAX_WORK: f64 = 2e8;

/// The smallest spread s_k allowed for a risk set: half a participant.
const MIN_SPREAD: f64 = 0.5;

/// One interval of the at-risk table and Guyot's evenly spread reconstruction of it.
pub(super) struct Interval<'a> {
    /// t_k of the grid points in the interval.
    pub time: &'a [f64],
    /// S_k.
    pub survival: &'a [f64],
    /// Guyot's risk sets n̂_k (the lowest bounds the risk sets searched).
    pub plan: &'a [i64],
    /// Guyot's censorings in (t_k, t_{k+1}).
    pub plan_censored: &'a [i64],
    /// The interval's start and end, (τ_i, τ_{i+1}); the end is the last point in the last
    /// interval.
    pub span: (f64, f64),
    /// Guyot's number of censorings C in the interval.
    pub n_censor: i64,
    /// n_i, the number at risk at τ_i.
    pub n_start: i64,
    /// Ŝ before the interval.
    pub km_start: f64,
    /// n_{i+1}, when the table closes the interval.
    pub target: Option<i64>,
    /// Whether the first point is the origin (0, 1), where nobody has an event.
    pub origin: bool,
    /// σ_t, the digitiser's error in time ([`time_error`]).
    pub time_error: f64,
}

/// The fitted events and censorings of one interval.
pub(super) struct Fitted {
    /// d_k.
    pub events: Vec<i64>,
    /// c_k, censored in (t_k, t_{k+1}), the last in (t_{K−1}, τ_{i+1}).
    pub censored: Vec<i64>,
    /// The number at risk after the interval (left to censor at the last point when the
    /// interval is the last).
    pub n_end: i64,
    /// Ŝ after the interval.
    pub km_end: f64,
}

/// The cheapest paths into each number at risk, indexed by n − lo.
struct Layer {
    cost: Vec<f64>,
    km: Vec<f64>,
    /// Events so far in the interval.
    events: Vec<i64>,
}

impl Layer {
    fn empty(width: usize) -> Self {
        Layer {
            cost: vec![f64::INFINITY; width],
            km: vec![0.0; width],
            events: vec![0; width],
        }
    }
}

/// The cost of point k's distance, in pixels, from the reconstructed curve at Ŝ_k there:
/// vertical, e² + W max(0, |e| − h)², or, when nobody has an event at t_k, the curve still has
/// to come down to the point and the table closes the interval, the smaller of that and the
/// squared horizontal distance to the drop at τ_{i+1}.
fn miss(interval: &Interval, k: usize, km: f64, deferred: bool) -> f64 {
    let (t, s) = (interval.time[k], interval.survival[k]);
    let e = ((km - s) / CLICK_SD).abs();
    let excess = (e - LARGE_MISS).max(0.0);
    let vertical = e * e + LARGE_MISS_WEIGHT * excess * excess;
    if deferred && interval.target.is_some() && km > s && interval.time_error > 0.0 {
        let horizontal = ((interval.span.1 - t) / interval.time_error).powi(2);
        vertical.min(horizontal)
    } else {
        vertical
    }
}

/// σ_t, the digitiser's error in time: the median over the points of the time to the
/// nearest other point, min(t_k − t_{k−1}, t_{k+1} − t_k). Both corners of a step lie at the
/// same time, so where they were clicked each point's nearest neighbour is its partner and the
/// gap is the click error; where one point per step was digitised it is the spacing of the
/// points, within which the time of a drop is unknown anyway. 0 with fewer than two points.
pub(super) fn time_error(time: &[f64]) -> f64 {
    let m = time.len();
    if m < 2 {
        return 0.0;
    }
    let mut gaps: Vec<f64> = (0..m)
        .map(|k| {
            let before = if k > 0 { time[k] - time[k - 1] } else { f64::INFINITY };
            let after = if k + 1 < m {
                time[k + 1] - time[k]
            } else {
                f64::INFINITY
            };
            before.min(after)
        })
        .collect();
    gaps.sort_by(f64::total_cmp);
    let half = m / 2;
    if m % 2 == 1 {
        gaps[half]
    } else {
        0.5 * (gaps[half - 1] + gaps[half])
    }
}

/// Why an interval keeps Guyot's pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unfitted {
    /// No path of whole counts reaches the interval's end.
    NoPath,
    /// The table of risk sets is beyond the work budget.
    OverBudget,
}

/// Fits one interval (see the module documentation); an error only if no path survives, which
/// the second, wide, fit rules out (every count from 0 up is kept), or when the interval is
/// too large to fit within the work budget.
pub(super) fn fit(interval: &Interval) -> Result<Fitted, Unfitted> {
    let attempt = |wide: bool| {
        if over_budget(interval, wide) {
            Err(Unfitted::OverBudget)
        } else {
            fit_with(interval, wide).ok_or(Unfitted::NoPath)
        }
    };
    match (attempt(false), interval.target) {
        (Ok(fitted), Some(target)) if fitted.n_end < target => attempt(true),
        (Err(_), _) => attempt(true),
        (fitted, _) => fitted,
    }
}

/// The lowest and highest numbers at risk the fit's table holds.
fn table_rows(interval: &Interval, wide: bool) -> (i64, i64) {
    let lowest = interval.plan.iter().copied().min().unwrap_or(0);
    let lo = match interval.target {
        Some(target) if !wide => target.min(lowest).max(0),
        _ => 0,
    };
    (lo, interval.n_start.max(lo))
}

/// Whether the fit is beyond the work budget: the table holds points × width risk sets, each
/// tried with up to `choices` event counts (151,220 at risk ran for minutes, found by fuzzing).
fn over_budget(interval: &Interval, wide: bool) -> bool {
    let (lo, n_start) = table_rows(interval, wide);
    let choices = if wide { n_start.max(1) as f64 / 2.0 } else { 3.0 };
    let cells = interval.time.len() as f64 * (n_start - lo + 1) as f64;
    cells > MAX_CELLS || cells * choices > MAX_WORK
}

/// The fit with events d ∈ {g − 1, g, g + 1} at each point and risk sets no lower than the
/// lowest of n_{i+1} and Guyot's (the only ones a path to n_{i+1} needs), or, when `wide`, with
/// d ∈ [0, g + 1] and every risk set from 0. `None` when no path survives.
fn fit_with(interval: &Interval, wide: bool) -> Option<Fitted> {
    let points = interval.time.len();
    let (a, b) = interval.span;
    let spread: Vec<f64> = interval
        .time
        .iter()
        .map(|t| {
            let f = if b > a {
                ((t - a) / (b - a)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (interval.n_censor as f64 * f * (1.0 - f)).sqrt().max(MIN_SPREAD)
        })
        .collect();
    // w_k: the share of the interval in (t_{k−1}, t_k), whose censorings lead to n_k
    let weight: Vec<f64> = (0..points)
        .map(|k| {
            if k == 0 || b <= a {
                0.0
            } else {
                (interval.time[k] - interval.time[k - 1]) / (b - a)
            }
        })
        .collect();
    // Guyot's censorings before t_k
    let planned: Vec<i64> = std::iter::once(0)
        .chain(interval.plan_censored.iter().scan(0, |sum, c| {
            *sum += c;
            Some(*sum)
        }))
        .collect();
    let (lo, n_start) = table_rows(interval, wide);
    let width = (n_start - lo + 1) as usize;
    let at = |n: i64| (n - lo) as usize;
    let all: Vec<i64> = if wide { (0..=n_start + 1).collect() } else { Vec::new() };

    let mut before = Layer::empty(width);
    before.cost[at(n_start)] = 0.0;
    before.km[at(n_start)] = interval.km_start;
    // events[k][m − lo]: d_k of the cheapest path leaving t_k's events with m at risk;
    // kept[k][n − lo]: the m after t_{k−1}'s events of the cheapest path reaching n at t_k
    let mut events: Vec<Vec<i64>> = Vec::with_capacity(points);
    let mut kept: Vec<Vec<i64>> = Vec::with_capacity(points);
    kept.push(Vec::new());
    let mut after = Layer::empty(width);
    for k in 0..points {
        after.cost.fill(f64::INFINITY);
        let mut chosen = vec![0i64; width];
        for n in lo..=n_start {
            let cost = before.cost[at(n)];
            if !cost.is_finite() {
                continue;
            }
            let km = before.km[at(n)];
            let no_event = (k == 0 && interval.origin) || n == 0 || km <= 0.0;
            let guyot = if no_event {
                0
            } else {
                ((n as f64) * (1.0 - interval.survival[k] / km))
                    .round()
                    .clamp(0.0, n as f64) as i64
            };
            let choices: &[i64] = if no_event {
                &[0]
            } else if wide {
                &all[..=(guyot + 1) as usize]
            } else {
                &[guyot, guyot - 1, guyot + 1]
            };
            for &d in choices {
                if d < 0 || d > n || n - d < lo {
                    continue;
                }
                let km_after = if d == 0 { km } else { km * (1.0 - d as f64 / n as f64) };
                let total = cost + miss(interval, k, km_after, d == 0);
                let m = at(n - d);
                if total < after.cost[m] {
                    after.cost[m] = total;
                    after.km[m] = km_after;
                    after.events[m] = before.events[at(n)] + d;
                    chosen[m] = d;
                }
            }
        }
        events.push(chosen);
        if k + 1 == points {
            break;
        }
        let no_gap = interval.time[k + 1] <= interval.time[k];
        let mut from = vec![0i64; width];
        let (mut best, mut best_m) = (f64::INFINITY, n_start);
        for n in (lo..=n_start).rev() {
            if after.cost[at(n)] < best || no_gap {
                best = after.cost[at(n)];
                best_m = n;
            }
            let censored = n_start - n - after.events[at(best_m)];
            let off = (censored - planned[k + 1]) as f64 / spread[k + 1];
            before.cost[at(n)] = best + weight[k + 1] * off * off;
            before.km[at(n)] = after.km[at(best_m)];
            before.events[at(n)] = after.events[at(best_m)];
            from[at(n)] = best_m;
        }
        kept.push(from);
    }

    let cheapest = |range: &mut dyn Iterator<Item = i64>| {
        range
            .filter(|m| after.cost[at(*m)].is_finite())
            .min_by(|x, y| after.cost[at(*x)].total_cmp(&after.cost[at(*y)]))
    };
    let (last_m, n_end) = match interval.target {
        Some(target) => match cheapest(&mut (target.max(lo)..=n_start)) {
            Some(m) => (m, target),
            None => {
                let m = (lo..target.min(n_start + 1))
                    .rev()
                    .find(|m| after.cost[at(*m)].is_finite())?;
                (m, m)
            }
        },
        None => {
            let m = cheapest(&mut (lo..=n_start))?;
            (m, m)
        }
    };
    let km_end = after.km[at(last_m)];
    let mut fitted = Fitted {
        events: vec![0; points],
        censored: vec![0; points],
        n_end,
        km_end,
    };
    let mut m = last_m;
    fitted.censored[points - 1] = last_m - n_end;
    for k in (0..points).rev() {
        let d = events[k][at(m)];
        fitted.events[k] = d;
        let n = m + d;
        if k > 0 {
            m = kept[k][at(n)];
            fitted.censored[k - 1] = m - n;
        }
    }
    Some(fitted)
}
