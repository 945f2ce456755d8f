//! The Cox partial log-likelihood, its score vector and information matrix.
//!
//! # Formulas
//! With risk scores r_i = w_i exp(x_i'β) and, at a distinct event time t with d events of total
//! weight D, the risk-set sums S₀ = Σ r_i, S₁ = Σ r_i x_i, S₂ = Σ r_i x_i x_i' over those at risk
//! (entry < t ≤ exit, in the same stratum) and E₀, E₁, E₂ the same sums over the d events:
//!
//! - Breslow (1974): ℓ += Σ_events w_i x_i'β − D log S₀;
//!   U += Σ_events w_i x_i − D S₁/S₀;  I += D (S₂/S₀ − S₁S₁'/S₀²).
//! - Efron (1977): for k = 0, …, d − 1 with f = k/d, S₀ₖ = S₀ − f E₀ (and likewise S₁ₖ, S₂ₖ)
//!   and mean weight m = D/d: ℓ −= m log S₀ₖ; U −= m S₁ₖ/S₀ₖ;
//!   I += m (S₂ₖ/S₀ₖ − S₁ₖS₁ₖ'/S₀ₖ²).
//!
//! As R survival's `coxfit6.c` / `agfit4.c`: one backward pass over rows sorted by exit time,
//! adding each row to the risk-set sums at its exit and removing it at its entry, so the cost
//! is O(n p²) per evaluation with no rescans of the risk set.

use super::design::Design;
use crate::data::SurvData;
use crate::risk_set::split_by_code;

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    #[default]
    Efron,
    Breslow,
    Exact,
}

impl std::str::FromStr for Ties {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "efron" => Ok(Ties::Efron),
            "breslow" => Ok(Ties::Breslow),
            "exact" => Ok(Ties::Exact),
            _ => Err(format!("unknown ties method '{s}'; use efron, breslow or exact")),
        }
    }
}

impl std::fmt::Display for Ties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ties::Efron => "efron",
            Ties::Breslow => "breslow",
            Ties::Exact => "exact",
        })
    }
}

/// The rows of one stratum in the orders the backward pass needs.
#[derive(Debug, Clone)]
pub struct Stratum {
    /// Rows by exit time, latest first.
    pub by_exit: Vec<usize>,
    /// Rows by entry time, latest first (empty without delayed entry).
    pub by_entry: Vec<usize>,
    /// The rows' values laid out contiguously in `by_exit` order, for the hot loop.
    sorted: Sorted,
    /// Under [`Problem::set_frequency`], the same layout holding only the rows drawn.
    resample: Option<Sorted>,
}

impl Stratum {
    /// Lays out one stratum's rows (given latest exit first, and latest entry first) for the
    /// backward pass.
    fn new(data: &SurvData, centred: &Design, by_exit: Vec<usize>, by_entry: Vec<usize>, ties: Ties) -> Stratum {
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
    fn active(&self) -> &Sorted {
        self.resample.as_ref().unwrap_or(&self.sorted)
    }
}

/// Exit times, events, weights and covariates in `by_exit` order; entry removals as positions
/// in that order.
/// Within a time, events come first, so each distinct time is a run `start..end` whose first
/// `n_events` rows are its events.
#[derive(Debug, Clone, Default)]
struct Sorted {
    time: Vec<f64>,
    weight: Vec<f64>,
    x: Vec<f64>,
    entry_position: Vec<usize>,
    entry_time: Vec<f64>,
    groups: Vec<TimeGroup>,
    /// Σ w x over the events: the events' own part of U, and of ℓ as its product with β.
    /// It does not depend on β, so it is summed once per set of weights.
    event_x: Vec<f64>,
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
struct TimeGroup {
    start: usize,
    end: usize,
    /// Event rows (`start..start + n_events`).
    n_events: usize,
    /// Events with positive weight (counted with their frequencies): d, and their total
    /// weight D.
    d: usize,
    event_weight: f64,
    /// Terms in the denominator: d for Efron, 1 for Breslow; each weighs D/steps, and the
    /// k-th removes the fraction k/d of the events' sums.
    steps: usize,
    mean_weight: f64,
    per_death: f64,
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
    fn keep_drawn(
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

    /// r_k = w_k exp(x_k'β) for every row, once per pattern when the rows have few.
    #[inline(always)]
    fn risk_scores(&self, beta: &[f64], p: usize, risk: &mut Vec<f64>, pattern_risk: &mut Vec<f64>) {
        let score = |row: &[f64]| {
            let mut eta = 0.0;
            for j in 0..p {
                eta += row[j] * beta[j];
            }
            eta.exp()
        };
        risk.clear();
        // a row left out of a bootstrap resample needs no exp() (and gives 0, not 0 × ∞)
        match &self.patterns {
            Some(patterns) => {
                pattern_risk.clear();
                pattern_risk.extend(patterns.x.chunks_exact(p).map(score));
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
    }
}

/// Everything the likelihood needs, fixed across iterations.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    pub data: &'a SurvData,
    /// Covariates centred at their means (the likelihood is unchanged; exp() stays in range).
    pub design: Design,
    pub strata: Vec<Stratum>,
    pub ties: Ties,
    /// Per-row frequency weights multiplying the case weights (the bootstrap's resamples);
    /// `None` means 1.
    pub frequency: Option<Vec<f64>>,
}

/// Receives each event time and its contribution to U and I during a [`Problem::sweep`].
pub type TimeCallback<'c> = &'c mut dyn FnMut(f64, &Evaluation);

/// ℓ(β), U(β) and I(β) (row-major p × p).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub loglik: f64,
    pub score: Vec<f64>,
    pub information: Vec<f64>,
}

impl<'a> Problem<'a> {
    pub fn new(data: &'a SurvData, design: &Design, ties: Ties) -> Problem<'a> {
        let mut centred = design.clone();
        let (n, p) = (design.n, design.p);
        for j in 0..p {
            let mean = (0..n).map(|i| design.x[i * p + j]).sum::<f64>() / n as f64;
            for i in 0..n {
                centred.x[i * p + j] -= mean;
            }
        }
        // latest time first; within a time, events before censorings (a stable partition)
        let ascending = data.order_by_time();
        let mut by_exit = Vec::with_capacity(n);
        let mut run_end = ascending.len();
        while run_end > 0 {
            let t = data.time[ascending[run_end - 1]];
            let mut run_start = run_end - 1;
            while run_start > 0 && data.time[ascending[run_start - 1]] == t {
                run_start -= 1;
            }
            let run = &ascending[run_start..run_end];
            by_exit.extend(run.iter().filter(|&&i| data.event[i]));
            by_exit.extend(run.iter().filter(|&&i| !data.event[i]));
            run_end = run_start;
        }
        let by_entry = data.entry.as_ref().map(|entry| {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|a, b| entry[*b].total_cmp(&entry[*a]).then(b.cmp(a)));
            order
        });
        let strata = match &data.strata {
            None => vec![Stratum::new(
                data,
                &centred,
                by_exit,
                by_entry.unwrap_or_default(),
                ties,
            )],
            Some(factor) => {
                let split = |rows: &[usize]| split_by_code(rows, factor.n_levels(), |i| factor.codes[i] as usize);
                let entries = by_entry
                    .as_deref()
                    .map_or_else(|| vec![Vec::new(); factor.n_levels()], split);
                split(&by_exit)
                    .into_iter()
                    .zip(entries)
                    .map(|(exits, entries)| Stratum::new(data, &centred, exits, entries, ties))
                    .collect()
            }
        };
        Problem {
            data,
            design: centred,
            strata,
            ties,
            frequency: None,
        }
    }

    pub fn p(&self) -> usize {
        self.design.p
    }

    /// The weight of row i: case weight × frequency weight.
    pub fn weight(&self, i: usize) -> f64 {
        self.data.weight_of(i) * self.frequency.as_ref().map_or(1.0, |f| f[i])
    }

    /// The linear predictor x_i'β on the centred scale.
    pub fn eta(&self, beta: &[f64]) -> Vec<f64> {
        (0..self.design.n)
            .map(|i| self.design.row(i).iter().zip(beta).map(|(x, b)| x * b).sum())
            .collect()
    }

    /// ℓ, U and (when `with_information`) I at β.
    pub fn evaluate(&self, beta: &[f64], with_information: bool) -> Evaluation {
        if self.ties == Ties::Exact {
            return super::exact::evaluate(self, beta, with_information);
        }
        self.sweep(beta, with_information, None)
    }

    /// The log-rank statistic (Mantel–Haenszel, stratified by the model's strata) comparing the
    /// two values of a model with one two-valued covariate and no weights or frequencies; `None`
    /// otherwise.
    /// U = Σ (d₁ − d n₁/n), V = Σ d (n − d)/(n − 1) (n₁/n)(1 − n₁/n), χ² = U²/V.
    pub fn two_group_logrank(&self) -> Option<f64> {
        if self.p() != 1 || self.data.weight.is_some() || self.frequency.is_some() {
            return None;
        }
        let first = self.design.x.first().copied()?;
        let second = self.design.x.iter().copied().find(|v| *v != first)?;
        if self.design.x.iter().any(|v| *v != first && *v != second) {
            return None;
        }
        let (mut u, mut v) = (0.0, 0.0);
        for stratum in &self.strata {
            let sorted = &stratum.sorted;
            let in_group = |k: usize| usize::from(sorted.x[k] == second);
            // at risk, and of them in the second group
            let (mut n, mut n1) = (0usize, 0usize);
            let mut entry_pos = 0;
            for group in &sorted.groups {
                n += group.end - group.start;
                n1 += (group.start..group.end).map(in_group).sum::<usize>();
                let t = sorted.time[group.start];
                while entry_pos < sorted.entry_time.len() && sorted.entry_time[entry_pos] >= t {
                    n -= 1;
                    n1 -= in_group(sorted.entry_position[entry_pos]);
                    entry_pos += 1;
                }
                if group.n_events > 0 {
                    let d = group.n_events as f64;
                    let d1 = (group.start..group.start + group.n_events).map(in_group).sum::<usize>() as f64;
                    let (n, n1) = (n as f64, n1 as f64);
                    u += d1 - d * n1 / n;
                    if n > 1.0 {
                        v += d * (n - d) / (n - 1.0) * (n1 / n) * (1.0 - n1 / n);
                    }
                }
            }
        }
        (v > 0.0).then(|| u * u / v)
    }

    /// Sets per-row frequencies (a bootstrap resample: row i drawn f_i times, a whole number).
    /// A row with frequency f counts as f copies of itself: its weight is multiplied by f, and
    /// under Efron's rule its event counts as f tied events (d = Σ f over a time's events), so
    /// the likelihood equals that of the data with the row repeated f times, as R's
    /// `coxph(data = data[i, ])` in a `boot` loop sees it.
    pub fn set_frequency(&mut self, frequency: Option<Vec<f64>>) {
        let (p, ties, data) = (self.p(), self.ties, self.data);
        for stratum in self.strata.iter_mut() {
            stratum.resample = frequency.as_ref().map(|f| {
                let mut resample = stratum.resample.take().unwrap_or_default();
                let by_exit = &stratum.by_exit;
                let (frequency, case_weight) = (|k: usize| f[by_exit[k]], |k: usize| data.weight_of(by_exit[k]));
                stratum
                    .sorted
                    .keep_drawn(p, ties, frequency, case_weight, &mut resample);
                resample
            });
        }
        self.frequency = frequency;
    }

    /// One backward pass with Breslow or Efron ties (exact ties are treated as Breslow here):
    /// ℓ, U and I at β. When `at_time` is given, each event time's contribution to U and I is
    /// handed to it as well (its `loglik` is not filled).
    pub fn sweep(&self, beta: &[f64], with_information: bool, at_time: Option<TimeCallback<'_>>) -> Evaluation {
        // compile the pass for the common small dimensions so its short loops unroll
        macro_rules! dispatch {
            ($($n:literal),*) => {
                match self.p() {
                    $($n => self.sweep_in::<FixedMoments<$n>>(beta, with_information, at_time),)*
                    _ => self.sweep_in::<DynamicMoments>(beta, with_information, at_time),
                }
            };
        }
        dispatch!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    }

    /// [`Problem::sweep`] with the risk-set sums kept in `M`.
    fn sweep_in<M: Moments>(
        &self,
        beta: &[f64],
        with_information: bool,
        mut at_time: Option<TimeCallback<'_>>,
    ) -> Evaluation {
        // a compile-time dimension lets the short loops below unroll
        let p = if M::DIM == 0 { self.p() } else { M::DIM };
        // U in `total.s1`, the upper triangle of I in `total.s2`
        let mut total = M::new(p, with_information);
        let mut loglik = 0.0;
        let mut log_denominators = LogSum::default();
        let mut sums = M::new(p, with_information);
        let mut events = M::new(p, with_information);
        let mut before = M::new(p, with_information);
        let (mut risk, mut pattern_risk) = (Vec::new(), Vec::new());
        for stratum in &self.strata {
            let sorted = stratum.active();
            sorted.risk_scores(beta, p, &mut risk, &mut pattern_risk);
            // the events' own terms: U += Σ w x, ℓ += Σ w x'β (per time when reporting times)
            if at_time.is_none() {
                for j in 0..p {
                    *total.s1_mut(j) += sorted.event_x[j];
                    loglik += sorted.event_x[j] * beta[j];
                }
            }
            sums.clear();
            let mut entry_pos = 0;
            for group in &sorted.groups {
                let t = sorted.time[group.start];
                events.clear();
                for k in group.start..group.start + group.n_events {
                    events.add(risk[k], &sorted.x[k * p..(k + 1) * p], p);
                }
                sums.merge(&events);
                for k in group.start + group.n_events..group.end {
                    sums.add(risk[k], &sorted.x[k * p..(k + 1) * p], p);
                }
                while entry_pos < sorted.entry_time.len() && sorted.entry_time[entry_pos] >= t {
                    let k = sorted.entry_position[entry_pos];
                    sums.add(-risk[k], &sorted.x[k * p..(k + 1) * p], p);
                    entry_pos += 1;
                }
                if group.d == 0 {
                    continue;
                }
                if at_time.is_some() {
                    before.clone_from(&total);
                    for k in group.start..group.start + group.n_events {
                        for j in 0..p {
                            let wx = sorted.weight[k] * sorted.x[k * p + j];
                            *total.s1_mut(j) += wx;
                            loglik += wx * beta[j];
                        }
                    }
                }
                let (mean_weight, per_death) = (group.mean_weight, group.per_death);
                // one division per sub-step: divisions dominate this loop otherwise
                for k in 0..group.steps {
                    let f = k as f64 * per_death;
                    let s0 = sums.s0() - f * events.s0();
                    let inverse = 1.0 / s0;
                    if mean_weight == 1.0 {
                        log_denominators.add(s0);
                    } else {
                        loglik -= mean_weight * s0.ln();
                    }
                    for j in 0..p {
                        let mean_j = (sums.s1(j) - f * events.s1(j)) * inverse;
                        *total.s1_mut(j) -= mean_weight * mean_j;
                        if with_information {
                            for l in j..p {
                                let mean_l = (sums.s1(l) - f * events.s1(l)) * inverse;
                                let s2 = sums.s2(j, l) - f * events.s2(j, l);
                                *total.s2_mut(j, l) += mean_weight * (s2 * inverse - mean_j * mean_l);
                            }
                        }
                    }
                }
                if let Some(callback) = at_time.as_mut() {
                    let (now, then) = (evaluation(&total, 0.0, p), evaluation(&before, 0.0, p));
                    let difference = Evaluation {
                        loglik: 0.0,
                        score: now.score.iter().zip(&then.score).map(|(a, b)| a - b).collect(),
                        information: now
                            .information
                            .iter()
                            .zip(&then.information)
                            .map(|(a, b)| a - b)
                            .collect(),
                    };
                    callback(t, &difference);
                }
            }
        }
        let mut result = evaluation(&total, loglik - log_denominators.value(), p);
        mirror_upper(&mut result.information, p);
        result
    }
}

/// An [`Evaluation`] from U in `m.s1` and the upper triangle of I in `m.s2` (zero when the sums
/// hold no second moments); the lower triangle is left at zero.
fn evaluation<M: Moments>(m: &M, loglik: f64, p: usize) -> Evaluation {
    let mut information = vec![0.0; p * p];
    if m.has_second() {
        for j in 0..p {
            for l in j..p {
                information[j * p + l] = m.s2(j, l);
            }
        }
    }
    Evaluation {
        loglik,
        score: (0..p).map(|j| m.s1(j)).collect(),
        information,
    }
}

/// Σ log x_k kept as the logarithm of a running product, with the binary exponent split off
/// after every factor so the product never overflows: one `ln` at the end instead of one per
/// term (the sum of many log S₀ dominates a Cox evaluation otherwise). Rounding adds about
/// 1e-16 per factor, far below the 1e-9 convergence tolerance.
#[derive(Debug, Clone, Copy)]
struct LogSum {
    mantissa: f64,
    exponent: i64,
    /// Terms that are not normal numbers, summed directly.
    direct: f64,
}

impl Default for LogSum {
    fn default() -> Self {
        LogSum {
            mantissa: 1.0,
            exponent: 0,
            direct: 0.0,
        }
    }
}

impl LogSum {
    fn add(&mut self, x: f64) {
        if !x.is_normal() || x < 0.0 {
            self.direct += x.ln();
            return;
        }
        let product = self.mantissa * x;
        let bits = product.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        if biased == 0 || biased == 0x7ff {
            self.direct += x.ln();
            return;
        }
        self.exponent += biased - 1023;
        self.mantissa = f64::from_bits((bits & !(0x7ff << 52)) | (1023 << 52));
    }

    fn value(&self) -> f64 {
        self.mantissa.ln() + self.exponent as f64 * std::f64::consts::LN_2 + self.direct
    }
}

/// Copies the upper triangle of a row-major p × p matrix to the lower.
pub fn mirror_upper(m: &mut [f64], p: usize) {
    for j in 0..p {
        for l in 0..j {
            m[j * p + l] = m[l * p + j];
        }
    }
}

/// Running sums Σ r, Σ r x, Σ r x x' (upper triangle), on the stack for `P` covariates or
/// on the heap for any number (`P = 0`).
trait Moments: Clone {
    /// The number of covariates when fixed at compile time, else 0.
    const DIM: usize;
    fn has_second(&self) -> bool;
    fn s1_mut(&mut self, j: usize) -> &mut f64;
    fn s2_mut(&mut self, j: usize, l: usize) -> &mut f64;
    fn new(p: usize, with_second: bool) -> Self;
    fn clear(&mut self);
    fn merge(&mut self, other: &Self);
    fn add(&mut self, r: f64, x: &[f64], p: usize);
    fn s0(&self) -> f64;
    fn s1(&self, j: usize) -> f64;
    fn s2(&self, j: usize, l: usize) -> f64;
}

/// Stack storage for exactly `P` covariates.
#[derive(Clone, Copy)]
struct FixedMoments<const P: usize> {
    s0: f64,
    s1: [f64; P],
    s2: [[f64; P]; P],
    with_second: bool,
}

impl<const P: usize> Moments for FixedMoments<P> {
    const DIM: usize = P;
    fn has_second(&self) -> bool {
        self.with_second
    }
    #[inline(always)]
    fn s1_mut(&mut self, j: usize) -> &mut f64 {
        &mut self.s1[j]
    }
    #[inline(always)]
    fn s2_mut(&mut self, j: usize, l: usize) -> &mut f64 {
        &mut self.s2[j][l]
    }
    fn new(_p: usize, with_second: bool) -> Self {
        FixedMoments {
            s0: 0.0,
            s1: [0.0; P],
            s2: [[0.0; P]; P],
            with_second,
        }
    }
    #[inline(always)]
    fn clear(&mut self) {
        *self = Self::new(P, self.with_second);
    }
    #[inline(always)]
    fn merge(&mut self, other: &Self) {
        self.s0 += other.s0;
        for j in 0..P {
            self.s1[j] += other.s1[j];
            if self.with_second {
                for l in j..P {
                    self.s2[j][l] += other.s2[j][l];
                }
            }
        }
    }
    #[inline(always)]
    fn add(&mut self, r: f64, x: &[f64], _p: usize) {
        self.s0 += r;
        for j in 0..P {
            let rx = r * x[j];
            self.s1[j] += rx;
            if self.with_second {
                for l in j..P {
                    self.s2[j][l] += rx * x[l];
                }
            }
        }
    }
    #[inline(always)]
    fn s0(&self) -> f64 {
        self.s0
    }
    #[inline(always)]
    fn s1(&self, j: usize) -> f64 {
        self.s1[j]
    }
    #[inline(always)]
    fn s2(&self, j: usize, l: usize) -> f64 {
        self.s2[j][l]
    }
}

/// Heap storage for any number of covariates.
#[derive(Clone)]
struct DynamicMoments {
    p: usize,
    s0: f64,
    s1: Vec<f64>,
    s2: Vec<f64>,
    with_second: bool,
}

impl Moments for DynamicMoments {
    const DIM: usize = 0;
    fn has_second(&self) -> bool {
        self.with_second
    }
    fn s1_mut(&mut self, j: usize) -> &mut f64 {
        &mut self.s1[j]
    }
    fn s2_mut(&mut self, j: usize, l: usize) -> &mut f64 {
        &mut self.s2[j * self.p + l]
    }
    fn new(p: usize, with_second: bool) -> Self {
        DynamicMoments {
            p,
            s0: 0.0,
            s1: vec![0.0; p],
            s2: if with_second { vec![0.0; p * p] } else { Vec::new() },
            with_second,
        }
    }
    fn clear(&mut self) {
        self.s0 = 0.0;
        self.s1.iter_mut().for_each(|v| *v = 0.0);
        self.s2.iter_mut().for_each(|v| *v = 0.0);
    }
    fn merge(&mut self, other: &Self) {
        self.s0 += other.s0;
        for (a, b) in self.s1.iter_mut().zip(&other.s1) {
            *a += b;
        }
        for (a, b) in self.s2.iter_mut().zip(&other.s2) {
            *a += b;
        }
    }
    fn add(&mut self, r: f64, x: &[f64], p: usize) {
        self.s0 += r;
        for j in 0..p {
            let rx = r * x[j];
            self.s1[j] += rx;
            if self.with_second {
                for l in j..p {
                    self.s2[j * p + l] += rx * x[l];
                }
            }
        }
    }
    fn s0(&self) -> f64 {
        self.s0
    }
    fn s1(&self, j: usize) -> f64 {
        self.s1[j]
    }
    fn s2(&self, j: usize, l: usize) -> f64 {
        self.s2[j * self.p + l]
    }
}
