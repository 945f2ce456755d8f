//! Fragility of a 2×2 comparison: events out of patients in a treatment and a control arm.
//!
//! # Tests
//! For the table (a/n₁ treatment events, c/n₂ control events), N = n₁ + n₂, m = a + c events:
//!
//! - **Fisher's exact test**, two-sided as R's `fisher.test`: with the hypergeometric
//!   probabilities P(x) = C(m, x) C(N − m, n₁ − x) / C(N, n₁) over the support
//!   max(0, n₁ − (N − m)) ≤ x ≤ min(n₁, m), p = Σ P(x) over the tables with
//!   P(x) ≤ P(a) (1 + 10⁻⁷). The probabilities are built in log space from the ratio
//!   P(x + 1)/P(x) = (m − x)(n₁ − x) / ((x + 1)(N − m − n₁ + x + 1)) and scaled by their maximum,
//!   so tables of many thousands of patients neither overflow nor underflow.
//! - **mid-p**: the same ordering, counting the tables as probable as the observed one (within
//!   the same relative tolerance) by half: p = Σ_{P(x) < P(a)} P(x) + ½ Σ_{P(x) = P(a)} P(x)
//!   (Lancaster 1961; the minimum-likelihood two-sided mid-p of Hirji 2006, §2.6).
//! - **Pearson's chi-square** on 1 df, Σ (O − E)²/E, and with Yates's continuity correction
//!   Σ (|O − E| − min(½, |O − E|))²/E, both as R's `chisq.test` (undefined, NaN, when a row or
//!   column total is 0).
//!
//! # Fragility
//! - **Fragility index, signed**: the fewest patients whose outcome must flip (event ↔ non-event,
//!   in either arm and either direction) for the result to cross α (significant means p < α);
//!   positive when the result is significant, negative (reverse fragility, Khan et al. 2020)
//!   when it is not. Found by searching every table |Δa| + |Δc| = s for s = 1, 2, … (the exact
//!   minimum). Every table at the minimum is reported; the path goes to the one with the fewest
//!   event → non-event flips, then the most extreme p.
//! - **Walsh's rule** (Walsh et al. 2014): for a significant result only, add events (flip
//!   non-events) in the arm with fewer events until p ≥ α; undefined, with the reason, when the
//!   result is not significant or the arm runs out of non-events.
//! - **Fragility quotient**: FI / N (Ahmed, Fowler & McCredie 2016), signed as FI.
//! - **Incidence fragility index** (Baer, Gaba & Wells 2021): the same search allowing only
//!   sufficiently likely modifications: a patient may flip to the opposite outcome only when
//!   the observed proportion of that outcome in their arm is ≥ q.
//! - **Loss to follow-up**: patients lost from each arm have unknown outcomes. The fewest lost
//!   patients who, added back with outcomes chosen adversely, overturn the result; and over every
//!   way of completing the table (all lost patients added, i events among the lost of one arm and
//!   j among the other) the share that overturns it, counted per table and per patient-level
//!   assignment (each of the 2^(lost) outcome patterns equally likely).
//!
//! References: Walsh M, Srinathan SK, McAuley DF, et al. The statistical significance of
//! randomized controlled trial results is frequently fragile: a case for a Fragility Index.
//! J Clin Epidemiol 2014;67:622–628. Ahmed W, Fowler RA, McCredie VA. Does sample size matter
//! when interpreting the fragility index? Crit Care Med 2016;44:e1142–e1143. Khan MS, Fonarow
//! GC, Friede T, et al. Application of the reverse fragility index to statistically nonsignificant
//! randomized clinical trial results. JAMA Netw Open 2020;3:e2012469. Baer BR, Gaba M, Wells MT.
//! Fragility indices for only sufficiently likely modifications. PNAS 2021;118:e2105254118.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use thiserror::Error;

use crate::dist::chisq_sf;

/// R's relative tolerance for "as probable as the observed table" in `fisher.test`.
const FISHER_REL_ERR: f64 = 1e-7;
/// The most lost patients (both arms together) whose outcomes are enumerated.
pub const MAX_LOST: u64 = 40;

/// The test whose significance is examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountsTest {
    /// Fisher's exact test, two-sided as R's `fisher.test`.
    #[default]
    Fisher,
    /// The two-sided mid-p of Fisher's ordering (Lancaster 1961; Hirji 2006).
    MidP,
    /// Pearson's chi-square on 1 df, as R's `chisq.test(correct = FALSE)`.
    ChiSquare,
    /// Pearson's chi-square with Yates's continuity correction, as R's `chisq.test`.
    ChiSquareYates,
}

impl fmt::Display for CountsTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CountsTest::Fisher => "fisher",
            CountsTest::MidP => "mid-p",
            CountsTest::ChiSquare => "chi-square",
            CountsTest::ChiSquareYates => "chi-square-yates",
        })
    }
}

impl FromStr for CountsTest {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fisher" => Ok(CountsTest::Fisher),
            "mid-p" | "midp" => Ok(CountsTest::MidP),
            "chi-square" | "chisq" => Ok(CountsTest::ChiSquare),
            "chi-square-yates" | "chisq-yates" => Ok(CountsTest::ChiSquareYates),
            _ => Err(format!(
                "unknown test '{s}'; use fisher, mid-p, chi-square or chi-square-yates"
            )),
        }
    }
}

/// Events out of patients in one arm, written `EVENTS/TOTAL`: at most as many events as
/// patients, and between 1 and `MAX_PATIENTS` patients (checked by [`ArmCounts::new`]).
///
/// ```
/// use survkit::fragility::ArmCounts;
/// let placebo = ArmCounts::new(4, 41)?;
/// assert_eq!((placebo.events(), placebo.non_events()), (4, 37));
/// assert!(ArmCounts::new(5, 3).is_err());
/// # Ok::<(), survkit::fragility::CountsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArmCounts {
    events: u64,
    total: u64,
}

impl ArmCounts {
    /// `events` among `total` patients; an error unless `events ≤ total` and
    /// `1 ≤ total ≤ MAX_PATIENTS`.
    pub fn new(events: u64, total: u64) -> Result<ArmCounts, CountsError> {
        if total == 0 {
            return Err(CountsError::Counts(format!(
                "{events}/{total}: an arm needs at least one patient"
            )));
        }
        if events > total {
            return Err(CountsError::Counts(format!(
                "{events}/{total}: the events ({events}) exceed the patients ({total})"
            )));
        }
        if total > MAX_PATIENTS {
            return Err(CountsError::Counts(format!(
                "{events}/{total}: at most {MAX_PATIENTS} patients in an arm"
            )));
        }
        Ok(ArmCounts { events, total })
    }
    /// The patients with the event.
    pub fn events(&self) -> u64 {
        self.events
    }
    /// The patients in the arm.
    pub fn total(&self) -> u64 {
        self.total
    }
    /// The patients without the event.
    pub fn non_events(&self) -> u64 {
        self.total - self.events
    }
    fn proportion(&self) -> f64 {
        self.events as f64 / self.total as f64
    }
}

impl fmt::Display for ArmCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.events, self.total)
    }
}

impl FromStr for ArmCounts {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected EVENTS/TOTAL with whole numbers, e.g. 1/59, got '{s}'");
        let (events, total) = s.split_once('/').ok_or_else(bad)?;
        let events: u64 = events.trim().parse().map_err(|_| bad())?;
        let total: u64 = total.trim().parse().map_err(|_| bad())?;
        ArmCounts::new(events, total).map_err(|e| match e {
            CountsError::Counts(reason) => reason,
            other => other.to_string(),
        })
    }
}

/// A 2×2 table: events and patients in each arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Table2x2 {
    /// Events and patients in the treatment arm.
    pub treatment: ArmCounts,
    /// Events and patients in the control arm.
    pub control: ArmCounts,
}

impl Table2x2 {
    /// The table of the two arms' counts.
    pub fn new(treatment: ArmCounts, control: ArmCounts) -> Self {
        Table2x2 { treatment, control }
    }
    /// How many tables Fisher's test sums over: the possible treatment-arm event counts with
    /// the margins fixed.
    fn support(&self) -> u64 {
        let events = self.treatment.events + self.control.events;
        let non_events = self.total() - events;
        let n1 = self.treatment.total;
        n1.min(events) - n1.saturating_sub(non_events) + 1
    }

    /// The patients in both arms.
    pub fn total(&self) -> u64 {
        self.treatment.total + self.control.total
    }
    /// The table's p-value under `test`.
    ///
    /// ```
    /// use survkit::fragility::{ArmCounts, CountsTest, Table2x2};
    /// let healey = Table2x2::new(ArmCounts::new(1, 59)?, ArmCounts::new(4, 41)?);
    /// assert!((healey.p_value(CountsTest::Fisher) - 0.156).abs() < 0.001);
    /// # Ok::<(), survkit::fragility::CountsError>(())
    /// ```
    pub fn p_value(&self, test: CountsTest) -> f64 {
        p_value(test, self)
    }
    /// The table with `dt` more events in the treatment arm and `dc` more in the control arm
    /// (negative for fewer), patients unchanged; `None` outside 0..=total.
    fn shifted(&self, dt: i64, dc: i64) -> Option<Table2x2> {
        let shift = |arm: ArmCounts, d: i64| {
            let events = arm.events as i64 + d;
            (0..=arm.total as i64).contains(&events).then_some(ArmCounts {
                events: events as u64,
                total: arm.total,
            })
        };
        Some(Table2x2::new(shift(self.treatment, dt)?, shift(self.control, dc)?))
    }
}

/// The four p-values of one table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CountsPValues {
    pub fisher: f64,
    pub mid_p: f64,
    pub chi_square: f64,
    pub chi_square_yates: f64,
}

impl CountsPValues {
    /// Fisher's and the mid-p value are NaN (not computed; JSON null) beyond
    /// `MAX_PATIENTS_EXACT` patients.
    pub fn of(table: &Table2x2) -> Self {
        let (fisher, mid_p) = if table.total() <= MAX_PATIENTS_EXACT {
            fisher_exact(table)
        } else {
            (f64::NAN, f64::NAN)
        };
        CountsPValues {
            fisher,
            mid_p,
            chi_square: chi_square(table, false).1,
            chi_square_yates: chi_square(table, true).1,
        }
    }
}

/// Two-sided Fisher exact p-value and mid-p (see the module formulas).
pub fn fisher_exact(table: &Table2x2) -> (f64, f64) {
    let (a, n1) = (table.treatment.events, table.treatment.total);
    let events = a + table.control.events;
    let non_events = table.total() - events;
    let lo = n1.saturating_sub(non_events);
    let hi = n1.min(events);
    let mut log_weight = Vec::with_capacity((hi - lo + 1) as usize);
    let mut current = 0.0;
    log_weight.push(current);
    for x in lo..hi {
        let (x, m, k, n) = (x as f64, events as f64, n1 as f64, non_events as f64);
        current += ((m - x) * (k - x)).ln() - ((x + 1.0) * (n - k + x + 1.0)).ln();
        log_weight.push(current);
    }
    let max = log_weight.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weight: Vec<f64> = log_weight.iter().map(|w| (w - max).exp()).collect();
    let total: f64 = weight.iter().sum();
    let observed = weight[(a - lo) as usize];
    let (mut below, mut equal) = (0.0, 0.0);
    for w in &weight {
        if *w <= observed * (1.0 + FISHER_REL_ERR) {
            if *w * (1.0 + FISHER_REL_ERR) >= observed {
                equal += w;
            } else {
                below += w;
            }
        }
    }
    (
        ((below + equal) / total).min(1.0),
        ((below + 0.5 * equal) / total).min(1.0),
    )
}

/// Pearson's chi-square statistic and p-value on 1 df, with or without Yates's correction, as
/// R's `chisq.test`; NaN when a row or column total is 0.
pub fn chi_square(table: &Table2x2, yates: bool) -> (f64, f64) {
    let (t, c) = (table.treatment, table.control);
    let n = table.total() as f64;
    let events = (t.events + c.events) as f64;
    let cells = [
        (t.events as f64, t.total as f64, events),
        (t.non_events() as f64, t.total as f64, n - events),
        (c.events as f64, c.total as f64, events),
        (c.non_events() as f64, c.total as f64, n - events),
    ];
    let expected = |row: f64, column: f64| row * column / n;
    let correction = if yates {
        cells
            .iter()
            .map(|(o, r, col)| (o - expected(*r, *col)).abs())
            .fold(0.5_f64, f64::min)
    } else {
        0.0
    };
    let statistic: f64 = cells
        .iter()
        .map(|(o, r, col)| {
            let e = expected(*r, *col);
            ((o - e).abs() - correction).powi(2) / e
        })
        .sum();
    if statistic.is_finite() {
        (statistic, chisq_sf(statistic, 1.0))
    } else {
        (f64::NAN, f64::NAN)
    }
}

/// The p-value of `table` under `test`.
pub(crate) fn p_value(test: CountsTest, table: &Table2x2) -> f64 {
    match test {
        CountsTest::Fisher => fisher_exact(table).0,
        CountsTest::MidP => fisher_exact(table).1,
        CountsTest::ChiSquare => chi_square(table, false).1,
        CountsTest::ChiSquareYates => chi_square(table, true).1,
    }
}

/// Significant means p < α; an undefined p-value is not significant.
pub fn is_significant(p: f64, alpha: f64) -> bool {
    p < alpha
}

/// Patients lost to follow-up in each arm, written `TREATMENT/CONTROL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lost {
    /// Patients lost in the treatment arm.
    pub treatment: u64,
    /// Patients lost in the control arm.
    pub control: u64,
}

impl FromStr for Lost {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected LOST_TREATMENT/LOST_CONTROL with whole numbers, e.g. 3/2, got '{s}'");
        let (t, c) = s.split_once('/').ok_or_else(bad)?;
        Ok(Lost {
            treatment: t.trim().parse().map_err(|_| bad())?,
            control: c.trim().parse().map_err(|_| bad())?,
        })
    }
}

/// Options for [`CountsFragility::compute`]; start from `CountsOptions::default()`.
#[derive(Debug, Clone, PartialEq)]
pub struct CountsOptions {
    /// The test whose significance is examined.
    pub test: CountsTest,
    /// Significance level, in (0, 1).
    pub alpha: f64,
    /// Incidence fragility index threshold q in [0, 1] (Baer, Gaba & Wells 2021).
    pub q: Option<f64>,
    /// Patients lost to follow-up in each arm.
    pub lost: Option<Lost>,
}

impl Default for CountsOptions {
    fn default() -> Self {
        CountsOptions {
            test: CountsTest::Fisher,
            alpha: 0.05,
            q: None,
            lost: None,
        }
    }
}

/// Why a fragility analysis of counts cannot be done.
#[derive(Debug, Error, PartialEq)]
pub enum CountsError {
    /// An option is out of range (α, q, lost patients, table too large for the test).
    #[error("invalid option: {0}")]
    Option(String),
    /// Counts that are not events among patients.
    #[error("{0}")]
    Counts(String),
}

/// Checks a significance level.
pub fn check_alpha(alpha: f64) -> Result<(), String> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(format!("α = {alpha} must be strictly between 0 and 1"))
    }
}

impl CountsOptions {
    /// Checks the options once, so the computation need not.
    pub fn check(&self) -> Result<(), CountsError> {
        check_alpha(self.alpha).map_err(CountsError::Option)?;
        if let Some(q) = self.q
            && !(0.0..=1.0).contains(&q)
        {
            return Err(CountsError::Option(format!("q = {q} must be between 0 and 1")));
        }
        if let Some(lost) = self.lost
            && lost.treatment + lost.control > MAX_LOST
        {
            return Err(CountsError::Option(format!(
                "{}/{} lost patients: at most {MAX_LOST} lost patients in all can be enumerated",
                lost.treatment, lost.control
            )));
        }
        Ok(())
    }
}

/// One table on the way from the observed one to the first that crosses α.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountsStep {
    /// 0 for the observed table.
    pub step: usize,
    /// What changed at this step, e.g. "control: non-event → event".
    pub change: String,
    pub treatment: ArmCounts,
    pub control: ArmCounts,
    pub p_value: f64,
}

/// A table at the minimal number of flips that crosses α.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinimalTable {
    pub treatment: ArmCounts,
    pub control: ArmCounts,
    pub p_value: f64,
}

/// Which flips a search may use: (treatment, control) × (non-event → event, event → non-event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AllowedFlips {
    pub treatment_to_event: bool,
    pub treatment_to_non_event: bool,
    pub control_to_event: bool,
    pub control_to_non_event: bool,
}

impl AllowedFlips {
    const ALL: AllowedFlips = AllowedFlips {
        treatment_to_event: true,
        treatment_to_non_event: true,
        control_to_event: true,
        control_to_non_event: true,
    };
    fn permits(&self, dt: i64, dc: i64) -> bool {
        let ok = |d: i64, up: bool, down: bool| d == 0 || (d > 0 && up) || (d < 0 && down);
        ok(dt, self.treatment_to_event, self.treatment_to_non_event)
            && ok(dc, self.control_to_event, self.control_to_non_event)
    }
    fn any(&self) -> bool {
        self.treatment_to_event || self.treatment_to_non_event || self.control_to_event || self.control_to_non_event
    }
}

/// The incidence fragility index for one q.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidenceFragility {
    pub q: f64,
    /// Signed as the fragility index; `null` when no sufficiently likely flips cross α.
    pub fragility_index: Option<i64>,
    pub allowed: AllowedFlips,
    /// Why the index is undefined, when it is.
    pub note: Option<String>,
    pub path: Vec<CountsStep>,
}

/// Fragility to the unknown outcomes of patients lost to follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostFollowUp {
    pub lost: Lost,
    /// The fewest lost patients who, added back with adverse outcomes, overturn the result.
    pub minimum_patients: Option<u64>,
    /// The table they give, e.g. treatment 1/60 (one lost patient added without an event).
    pub minimum_table: Option<Table2x2>,
    pub minimum_p_value: Option<f64>,
    /// Completed tables (all lost patients added): how many, and how many overturn the result.
    pub completed_tables: u64,
    pub overturning_tables: u64,
    pub share_of_tables: f64,
    /// The share of the 2^(lost) patient-level outcome patterns that overturn the result.
    pub share_of_assignments: f64,
    /// The smallest and largest p-values over the completed tables.
    pub smallest_p_value: f64,
    pub largest_p_value: f64,
}

/// The fragility analysis of a 2×2 table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountsFragility {
    /// The test examined.
    pub test: CountsTest,
    /// Events and patients in the treatment arm.
    pub treatment: ArmCounts,
    /// Events and patients in the control arm.
    pub control: ArmCounts,
    /// The test's p-value on the observed table (NaN when undefined).
    pub p_value: f64,
    /// The significance level α.
    pub alpha: f64,
    /// Whether p < α.
    pub significant: bool,
    /// All four tests on the observed table.
    pub p_values: CountsPValues,
    /// Signed: positive for a significant result, negative (reverse) for a non-significant one.
    pub fragility_index: Option<i64>,
    /// Why the index is undefined (no flip crosses α, or the search stopped); `None` when defined.
    pub fragility_index_note: Option<String>,
    /// Walsh's index: events added in the arm with fewer events until p ≥ α; `None` if undefined.
    pub walsh_fragility_index: Option<u64>,
    /// Why Walsh's index is undefined (not significant, arm out of non-events, search stopped).
    pub walsh_note: Option<String>,
    /// FI / N, signed as the index.
    pub fragility_quotient: Option<f64>,
    /// The observed table, then one table per flip, to the preferred table at the minimum.
    pub path: Vec<CountsStep>,
    /// Every table reached with the fewest flips that crosses α, the one on the path first.
    pub minimal_tables: Vec<MinimalTable>,
    /// The incidence fragility index (Baer, Gaba & Wells 2021), when q is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidence: Option<IncidenceFragility>,
    /// The fragility to patients lost to follow-up, when lost patients are given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_to_follow_up: Option<LostFollowUp>,
    /// Warnings (e.g. an undefined p-value).
    pub warnings: Vec<String>,
}

/// The most patients an arm may have: counts stay exact in double precision.
pub const MAX_PATIENTS: u64 = 1_000_000_000_000;
/// The most patients in all for Fisher's and the mid-p test, which hold one weight per table
/// of their support.
const MAX_PATIENTS_EXACT: u64 = 10_000_000;

/// A bound on the work of a search, in units of one term of a test's sum: a chi-square test
/// costs 1, Fisher's and the mid-p test one term per table of their support. A search that
/// spends it stops and says so, so no table makes a search run unbounded.
struct Work(std::cell::Cell<u64>);

/// About a second of searching.
const WORK_LIMIT: u64 = 20_000_000;

impl Work {
    fn new() -> Work {
        Work(std::cell::Cell::new(WORK_LIMIT))
    }

    /// Spends `cost`; `None` once the work is spent.
    fn charge(&self, cost: u64) -> Option<()> {
        let left = self.0.get().checked_sub(cost)?;
        self.0.set(left);
        Some(())
    }

    /// The p-value of `table`, or `None` once the work is spent.
    fn p_value(&self, test: CountsTest, table: &Table2x2) -> Option<f64> {
        let cost = match test {
            CountsTest::Fisher | CountsTest::MidP => table.support() + 1,
            _ => 1,
        };
        self.charge(cost)?;
        Some(p_value(test, table))
    }
}

/// Every shift (dt, dc) with the fewest flips |dt| + |dc| that crosses α, with its p-value,
/// the preferred first: fewest event → non-event flips (events missed are the usual worry, and
/// Walsh's rule adds events), then the most extreme p (smallest when gaining significance,
/// largest when losing it), then enumeration order.
/// `Err(s)` when the work limit stopped the search at s flips.
fn minimum_flips(
    table: &Table2x2,
    options: &CountsOptions,
    allowed: AllowedFlips,
) -> Result<Vec<(i64, i64, f64)>, i64> {
    let work = Work::new();
    let significant = is_significant(p_value(options.test, table), options.alpha);
    let max_flips = table.total() as i64;
    for s in 1..=max_flips {
        let mut found: Vec<(i64, i64, f64)> = Vec::new();
        let mut any_table = false;
        for dt in -s..=s {
            let rest = s - dt.abs();
            let dcs: &[i64] = if rest == 0 { &[0] } else { &[rest, -rest] };
            for &dc in dcs {
                // every candidate costs, evaluated or not: the loops are bounded too
                work.charge(1).ok_or(s)?;
                if !allowed.permits(dt, dc) {
                    continue;
                }
                let Some(shifted) = table.shifted(dt, dc) else {
                    continue;
                };
                any_table = true;
                let p = work.p_value(options.test, &shifted).ok_or(s)?;
                if is_significant(p, options.alpha) != significant {
                    found.push((dt, dc, p));
                }
            }
        }
        if !found.is_empty() {
            let removals = |(dt, dc, _): &(i64, i64, f64)| (-dt).max(0) + (-dc).max(0);
            found.sort_by(|a, b| {
                let extreme = if significant {
                    b.2.total_cmp(&a.2)
                } else {
                    a.2.total_cmp(&b.2)
                };
                removals(a).cmp(&removals(b)).then(extreme)
            });
            return Ok(found);
        }
        if !any_table {
            return Ok(Vec::new());
        }
    }
    Ok(Vec::new())
}

/// The note for a search the work limit stopped.
fn search_stopped(flips: i64) -> String {
    format!(
        "the search stopped at {flips} flips without crossing α: the table is too large to search further (work limit)"
    )
}

/// The tables from `table` to the one shifted by (dt, dc), one flip at a time (treatment
/// first).
fn path_to(table: &Table2x2, test: CountsTest, dt: i64, dc: i64) -> Vec<CountsStep> {
    let mut steps = vec![CountsStep {
        step: 0,
        change: "observed".to_string(),
        treatment: table.treatment,
        control: table.control,
        p_value: p_value(test, table),
    }];
    let (mut t, mut c) = (0i64, 0i64);
    let moves = std::iter::repeat_n(("treatment", dt.signum(), 0), dt.unsigned_abs() as usize).chain(
        std::iter::repeat_n(("control", 0, dc.signum()), dc.unsigned_abs() as usize),
    );
    for (arm, step_t, step_c) in moves {
        t += step_t;
        c += step_c;
        let direction = if step_t + step_c > 0 {
            "non-event → event"
        } else {
            "event → non-event"
        };
        if let Some(shifted) = table.shifted(t, c) {
            steps.push(CountsStep {
                step: steps.len(),
                change: format!("{arm}: {direction}"),
                treatment: shifted.treatment,
                control: shifted.control,
                p_value: p_value(test, &shifted),
            });
        }
    }
    steps
}

impl CountsFragility {
    /// Every fragility measure of the table (treatment, control) under `options`.
    ///
    /// ```
    /// use survkit::fragility::{ArmCounts, CountsFragility, CountsOptions};
    ///
    /// let healey = CountsFragility::compute(ArmCounts::new(1, 59)?, ArmCounts::new(4, 41)?, &CountsOptions::default())?;
    /// assert_eq!(healey.fragility_index, Some(-1)); // one more placebo event: p = 0.041
    /// # Ok::<(), survkit::fragility::CountsError>(())
    /// ```
    pub fn compute(treatment: ArmCounts, control: ArmCounts, options: &CountsOptions) -> Result<Self, CountsError> {
        options.check()?;
        let table = Table2x2::new(treatment, control);
        let exact = matches!(options.test, CountsTest::Fisher | CountsTest::MidP);
        if exact && table.total() > MAX_PATIENTS_EXACT {
            return Err(CountsError::Option(format!(
                "the {} test sums over up to {} tables here; it is limited to {MAX_PATIENTS_EXACT} patients in all (the chi-square test has no such limit)",
                options.test,
                table.support()
            )));
        }
        let p = p_value(options.test, &table);
        let significant = is_significant(p, options.alpha);
        let sign = if significant { 1 } else { -1 };
        let n = table.total() as f64;
        let mut warnings = Vec::new();
        if p.is_nan() {
            warnings.push(format!(
                "the {} test is undefined for this table (a row or column total is 0); undefined p-values count as not significant",
                options.test
            ));
        }
        let search = minimum_flips(&table, options, AllowedFlips::ALL);
        let minimal = search.clone().unwrap_or_default();
        let (fragility_index, fragility_index_note, path) = match (minimal.first().copied(), search) {
            (Some((dt, dc, _)), _) => (
                Some(sign * (dt.abs() + dc.abs())),
                None,
                path_to(&table, options.test, dt, dc),
            ),
            (None, Err(flips)) => (None, Some(search_stopped(flips)), path_to(&table, options.test, 0, 0)),
            (None, Ok(_)) => (
                None,
                Some("no change of outcomes moves the result across α".to_string()),
                path_to(&table, options.test, 0, 0),
            ),
        };
        let (walsh_fragility_index, walsh_note) = walsh(&table, options, significant);
        let incidence = options.q.map(|q| incidence(&table, options, q, sign));
        let lost_to_follow_up = match options.lost {
            Some(lost) => {
                let (result, note) = lost_follow_up(&table, options, lost, significant)?;
                warnings.extend(note);
                Some(result)
            }
            None => None,
        };
        Ok(CountsFragility {
            test: options.test,
            treatment,
            control,
            p_value: p,
            alpha: options.alpha,
            significant,
            p_values: CountsPValues::of(&table),
            fragility_index,
            fragility_index_note,
            walsh_fragility_index,
            walsh_note,
            fragility_quotient: fragility_index.map(|fi| fi as f64 / n),
            path,
            minimal_tables: minimal
                .iter()
                .filter_map(|(dt, dc, p)| {
                    table.shifted(*dt, *dc).map(|t| MinimalTable {
                        treatment: t.treatment,
                        control: t.control,
                        p_value: *p,
                    })
                })
                .collect(),
            incidence,
            lost_to_follow_up,
            warnings,
        })
    }
}

/// Walsh et al.'s rule: add events to the arm with fewer events (on a tie, the arm with the
/// lower event proportion; then the treatment arm) until p ≥ α.
fn walsh(table: &Table2x2, options: &CountsOptions, significant: bool) -> (Option<u64>, Option<String>) {
    if !significant {
        return (
            None,
            Some(
                "Walsh's rule is defined for significant results only (p ≥ α here); see the signed fragility index"
                    .into(),
            ),
        );
    }
    let (t, c) = (table.treatment, table.control);
    let treatment_arm = (t.events, t.proportion()) <= (c.events, c.proportion());
    let (arm, name) = if treatment_arm {
        (t, "treatment")
    } else {
        (c, "control")
    };
    let work = Work::new();
    for added in 1..=arm.non_events() as i64 {
        let shifted = if treatment_arm {
            table.shifted(added, 0)
        } else {
            table.shifted(0, added)
        };
        if work.charge(1).is_none() {
            return (None, Some(search_stopped(added)));
        }
        let Some(shifted) = shifted else {
            continue;
        };
        let Some(p) = work.p_value(options.test, &shifted) else {
            return (None, Some(search_stopped(added)));
        };
        if !is_significant(p, options.alpha) {
            return (Some(added as u64), None);
        }
    }
    (
        None,
        Some(format!(
            "adding events to every one of the {} non-events of the {name} arm (the arm with fewer events) never brings p to α or above",
            arm.non_events()
        )),
    )
}

fn incidence(table: &Table2x2, options: &CountsOptions, q: f64, sign: i64) -> IncidenceFragility {
    let (t, c) = (table.treatment, table.control);
    let allowed = AllowedFlips {
        treatment_to_event: t.proportion() >= q,
        treatment_to_non_event: 1.0 - t.proportion() >= q,
        control_to_event: c.proportion() >= q,
        control_to_non_event: 1.0 - c.proportion() >= q,
    };
    let search = if allowed.any() {
        minimum_flips(table, options, allowed).map(|found| found.first().copied())
    } else {
        Ok(None)
    };
    match search {
        Err(flips) => IncidenceFragility {
            q,
            fragility_index: None,
            allowed,
            note: Some(search_stopped(flips)),
            path: Vec::new(),
        },
        Ok(Some((dt, dc, _))) => IncidenceFragility {
            q,
            fragility_index: Some(sign * (dt.abs() + dc.abs())),
            allowed,
            note: None,
            path: path_to(table, options.test, dt, dc),
        },
        Ok(None) => IncidenceFragility {
            q,
            fragility_index: None,
            allowed,
            note: Some(format!(
                "no sufficiently likely flips (observed proportion of the new outcome ≥ q = {q}) move the result across α"
            )),
            path: Vec::new(),
        },
    }
}

/// ln C(n, k).
fn ln_choose(n: u64, k: u64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// The fragility to the lost patients' outcomes, and a note when the search for the fewest of
/// them stopped at the work limit; an error when even the completed tables are too much work
/// (Fisher's test on a huge table, once per completed table).
fn lost_follow_up(
    table: &Table2x2,
    options: &CountsOptions,
    lost: Lost,
    significant: bool,
) -> Result<(LostFollowUp, Option<String>), CountsError> {
    let work = Work::new();
    let with_lost = |te: u64, tn: u64, ce: u64, cn: u64| {
        Table2x2::new(
            ArmCounts {
                events: table.treatment.events + te,
                total: table.treatment.total + te + tn,
            },
            ArmCounts {
                events: table.control.events + ce,
                total: table.control.total + ce + cn,
            },
        )
    };
    let overturns = |p: f64| is_significant(p, options.alpha) != significant;
    let (mut overturning, mut share_of_assignments) = (0u64, 0.0);
    let (mut smallest, mut largest) = (f64::INFINITY, f64::NEG_INFINITY);
    let ln_patterns = (lost.treatment + lost.control) as f64 * std::f64::consts::LN_2;
    for i in 0..=lost.treatment {
        for j in 0..=lost.control {
            let completed = with_lost(i, lost.treatment - i, j, lost.control - j);
            let p = work.p_value(options.test, &completed).ok_or_else(|| {
                CountsError::Option(format!(
                    "the {} test on each way of completing a table of {} patients with {} lost ones is too much work (about a second at most); the chi-square test is quicker",
                    options.test,
                    table.total(),
                    lost.treatment + lost.control
                ))
            })?;
            smallest = smallest.min(p);
            largest = largest.max(p);
            if overturns(p) {
                overturning += 1;
                share_of_assignments += (ln_choose(lost.treatment, i) + ln_choose(lost.control, j) - ln_patterns).exp();
            }
        }
    }
    // fewest lost patients added back: every split of k patients into (te, tn, ce, cn)
    let mut minimum: Option<(u64, Table2x2, f64)> = None;
    let mut note = None;
    'search: for k in 1..=lost.treatment + lost.control {
        let mut best: Option<(Table2x2, f64)> = None;
        for from_treatment in k.saturating_sub(lost.control)..=k.min(lost.treatment) {
            let from_control = k - from_treatment;
            for te in 0..=from_treatment {
                for ce in 0..=from_control {
                    let candidate = with_lost(te, from_treatment - te, ce, from_control - ce);
                    let Some(p) = work.p_value(options.test, &candidate) else {
                        note = Some(format!(
                            "the search for the fewest lost patients who overturn the result stopped at {k} patients: the table is too large to search further (work limit)"
                        ));
                        break 'search;
                    };
                    let more_extreme = best.is_none_or(|(_, q)| if significant { p > q } else { p < q });
                    if overturns(p) && more_extreme {
                        best = Some((candidate, p));
                    }
                }
            }
        }
        if let Some((candidate, p)) = best {
            minimum = Some((k, candidate, p));
            break 'search;
        }
    }
    let completed = (lost.treatment + 1) * (lost.control + 1);
    let result = LostFollowUp {
        lost,
        minimum_patients: minimum.map(|m| m.0),
        minimum_table: minimum.map(|m| m.1),
        minimum_p_value: minimum.map(|m| m.2),
        completed_tables: completed,
        overturning_tables: overturning,
        share_of_tables: overturning as f64 / completed as f64,
        share_of_assignments,
        smallest_p_value: smallest,
        largest_p_value: largest,
    };
    Ok((result, note))
}
