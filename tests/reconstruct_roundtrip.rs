//! Round trips: participant data → Kaplan–Meier figure as a digitiser sees it → reconstructed
//! participant data (Guyot et al. 2012), compared with the original on real datasets and, as
//! a property, on simulated trials.
//!
//! The figure is "digitised" as a person clicking the step corners would: both corners of
//! every drop, the start and the end of the curve, each click off by up to ±0.002 in survival
//! (a pixel of a 500-pixel axis) and ±0.2 in time (the data are in whole days), from a fixed
//! seed. The at-risk table is printed at regular times.
//!
//! Checks (tolerances in `common`): the reconstructed numbers at risk equal the published ones
//! exactly; the reconstructed Kaplan–Meier curve is within `RECON_KM_TOL` of the original on
//! every step (evaluated halfway between consecutive distinct times of the original data, so
//! that the ±0.2 click error in time cannot put a step on the wrong side); the Cox log hazard
//! ratio is within `RECON_LOG_HR_TOL` of the original's. The checks are the same on the real
//! datasets and on the simulated trials, down to the last participant at risk.

mod common;

use common::{RECON_KM_TOL, RECON_LOG_HR_TOL, repo_path};
use proptest::prelude::*;
use survkit::reconstruct::{ArmInput, AtRiskTable, DigitisedCurve, SurvivalScale};
use survkit::{Columns, Cox, CoxOptions, Reconstruct, ReconstructOptions, Reconstruction, SurvData};

/// One arm's participants.
#[derive(Debug, Clone)]
struct Arm {
    label: String,
    time: Vec<f64>,
    event: Vec<bool>,
}

/// A fixed-seed uniform stream in (0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn within(&mut self, half_width: f64) -> f64 {
        (2.0 * self.next() - 1.0) * half_width
    }
}

/// (distinct time, S after it), sorted: the Kaplan–Meier estimate, computed here directly.
fn km(time: &[f64], event: &[bool]) -> Vec<(f64, f64)> {
    let mut rows: Vec<(f64, bool)> = time.iter().copied().zip(event.iter().copied()).collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut steps = Vec::new();
    let (mut at_risk, mut s, mut k) = (rows.len() as f64, 1.0, 0);
    while k < rows.len() {
        let t = rows[k].0;
        let (mut d, mut n) = (0.0, 0.0);
        while k < rows.len() && rows[k].0 == t {
            d += f64::from(u8::from(rows[k].1));
            n += 1.0;
            k += 1;
        }
        s *= 1.0 - d / at_risk;
        at_risk -= n;
        steps.push((t, s));
    }
    steps
}

fn survival_at(steps: &[(f64, f64)], t: f64) -> f64 {
    let k = steps.partition_point(|s| s.0 <= t);
    if k == 0 { 1.0 } else { steps[k - 1].1 }
}

/// The digitiser's CSV (header "x,Curve1"; percentages when `percent`) and the at-risk CSV.
fn figure(arm: &Arm, risk_every: f64, percent: bool, rng: &mut Lcg) -> (String, String) {
    let steps = km(&arm.time, &arm.event);
    let scale = if percent { 100.0 } else { 1.0 };
    let mut curve = String::from("x,Curve1\n");
    let mut click = |t: f64, s: f64| {
        let t = (t + rng.within(0.2)).max(0.0);
        let s = (s + rng.within(0.002)).clamp(0.0, 1.0);
        curve.push_str(&format!("{t},{}\n", s * scale));
    };
    click(0.0, 1.0);
    let mut before = 1.0;
    for &(t, s) in &steps {
        if s < before {
            click(t, before);
            click(t, s);
        }
        before = s;
    }
    let last = steps.last().map_or(0.0, |s| s.0);
    click(last, before);
    let mut risk = String::from("time,n.risk\n");
    let mut tau = 0.0;
    while tau < last - 0.5 {
        let n = arm.time.iter().filter(|t| **t >= tau).count();
        risk.push_str(&format!("{tau},{n}\n"));
        tau += risk_every;
    }
    (curve, risk)
}

fn reconstruct(arms: &[Arm], risk_every: f64, percent: bool, seed: u64) -> Reconstruction {
    let mut rng = Lcg(seed);
    let inputs: Vec<ArmInput> = arms
        .iter()
        .map(|arm| {
            let (curve, risk) = figure(arm, risk_every, percent, &mut rng);
            ArmInput {
                label: arm.label.clone(),
                curve: DigitisedCurve::from_csv_bytes("curve.csv", curve.as_bytes(), SurvivalScale::Auto).unwrap(),
                at_risk: AtRiskTable::from_csv_bytes("risk.csv", risk.as_bytes()).unwrap(),
                total_events: Some(arm.event.iter().filter(|e| **e).count() as u64),
                published_median: None,
            }
        })
        .collect();
    Reconstruct::run(&inputs, &ReconstructOptions::default()).unwrap()
}

/// Where the reconstructed Kaplan–Meier curve is furthest from the original, halfway between
/// consecutive distinct original times, when more than `RECON_KM_TOL` (down to the last
/// participant at risk): (difference, time, at risk), `None` when it is within everywhere;
/// and the at-risk mismatches.
fn compare(arm: &Arm, result: &Reconstruction) -> (Option<(f64, f64, usize)>, Vec<String>) {
    let rec = result.arms.iter().find(|a| a.group == arm.label).unwrap();
    let original = km(&arm.time, &arm.event);
    let rebuilt = km(&rec.time, &rec.event);
    let mut worst: Option<(f64, f64, usize)> = None;
    let mut worst_diff = RECON_KM_TOL;
    for pair in original.windows(2) {
        let t = 0.5 * (pair[0].0 + pair[1].0);
        let s = survival_at(&original, t);
        let diff = (s - survival_at(&rebuilt, t)).abs();
        if diff > worst_diff {
            worst_diff = diff;
            worst = Some((diff, t, arm.time.iter().filter(|x| **x > t).count()));
        }
    }
    let mismatches = rec
        .at_risk
        .iter()
        .filter(|r| r.published != r.reconstructed)
        .map(|r| format!("time {}", r.time))
        .collect();
    (worst, mismatches)
}

fn log_hr(data: &SurvData) -> f64 {
    Cox::fit(data, &CoxOptions::default()).unwrap().terms[0].coef.unwrap()
}

/// Reads a dataset's arms.
fn dataset(file: &str, time: &str, status: &str, group: &str) -> (Vec<Arm>, f64) {
    let columns = Columns::new(time, status).group(group).factors([group]);
    let data = SurvData::read_csv(repo_path(file), &columns).unwrap();
    let factor = data.group.as_ref().unwrap();
    let arms = factor
        .levels
        .iter()
        .enumerate()
        .map(|(code, level)| {
            let rows: Vec<usize> = (0..data.n_rows())
                .filter(|&i| factor.codes[i] as usize == code)
                .collect();
            Arm {
                label: level.clone(),
                time: rows.iter().map(|&i| data.time[i]).collect(),
                event: rows.iter().map(|&i| data.event[i]).collect(),
            }
        })
        .collect();
    (arms, log_hr(&data))
}

fn round_trip(file: &str, time: &str, status: &str, group: &str, risk_every: f64, percent: bool) {
    let (arms, original_log_hr) = dataset(file, time, status, group);
    let result = reconstruct(&arms, risk_every, percent, 20_120_201);
    for arm in &arms {
        let (worst, mismatches) = compare(arm, &result);
        assert!(
            worst.is_none(),
            "{file} {group}={}: KM differs by {worst:?} (difference, time, at risk)",
            arm.label
        );
        assert!(mismatches.is_empty(), "{file} {group}={}: {mismatches:?}", arm.label);
    }
    let rebuilt = result.hazard_ratios[0].log_hr.unwrap();
    assert!(
        (rebuilt - original_log_hr).abs() <= RECON_LOG_HR_TOL,
        "{file}: log HR {rebuilt} reconstructed vs {original_log_hr}"
    );
}

#[test]
fn lung_by_sex() {
    round_trip("datasets/lung.csv", "time", "status", "sex", 100.0, false);
}

#[test]
fn veteran_by_treatment_in_percent() {
    round_trip("datasets/veteran.csv", "time", "status", "trt", 50.0, true);
}

#[test]
fn rats_by_treatment() {
    round_trip("datasets/rats.csv", "time", "status", "rx", 10.0, false);
}

/// A two-arm trial: exponential event times (hazard ratio `hr`), uniform censoring, whole days.
fn trial(n: (usize, usize), hr: f64, censor_max: f64, seed: u64) -> Vec<Arm> {
    let mut rng = Lcg(seed);
    [("control", n.0, 1.0), ("active", n.1, hr)]
        .iter()
        .map(|&(label, n, rate)| {
            let mut time = Vec::with_capacity(n);
            let mut event = Vec::with_capacity(n);
            for _ in 0..n {
                let t = (-rng.next().ln() * 365.0 / rate).ceil();
                let c = (censor_max * rng.next()).ceil();
                time.push(t.min(c));
                event.push(t <= c);
            }
            Arm {
                label: label.to_string(),
                time,
                event,
            }
        })
        .collect()
}

/// The round trip of one simulated trial (`trial`): `Err` with what differed, the class first
/// ("KM", "at risk", "log HR"). Both arms must have an event.
fn simulated_round_trip(n: (usize, usize), hr: f64, censor_max: f64, seed: u64) -> Result<(), String> {
    let arms = trial(n, hr, censor_max, seed);
    let mut rows = String::from("time,event,group\n");
    for arm in &arms {
        for (t, e) in arm.time.iter().zip(&arm.event) {
            rows.push_str(&format!("{t},{},{}\n", u8::from(*e), arm.label));
        }
    }
    let columns = Columns::new("time", "event")
        .factors(["group"])
        .reference("group", "control");
    let original = log_hr(&SurvData::from_csv_bytes("trial.csv", rows.as_bytes(), &columns).unwrap());
    let result = reconstruct(&arms, 100.0, false, seed);
    for arm in &arms {
        let (worst, mismatches) = compare(arm, &result);
        if let Some(worst) = worst {
            return Err(format!(
                "KM: arm {} differs by {worst:?} (difference, time, at risk)",
                arm.label
            ));
        }
        if !mismatches.is_empty() {
            return Err(format!("at risk: arm {} not reproduced at {mismatches:?}", arm.label));
        }
    }
    let rebuilt = result.hazard_ratios[0].log_hr.unwrap();
    if (rebuilt - original).abs() > RECON_LOG_HR_TOL {
        return Err(format!("log HR: {rebuilt} vs {original}"));
    }
    Ok(())
}

/// Simulated trials found failing once, kept as fixed cases: (n0, n1, hr, censor_max, seed).
const SIMULATED_REGRESSIONS: [(usize, usize, f64, f64, u64); 1] = [
    // the refit swapped the active arm's event at day 377 for a censoring while the misses of
    // the digitised points were a plain sum of squares (0.0104 off at day 391, 24 at risk)
    (
        89,
        104,
        1.2224605442291392,
        1601.4585830967126,
        13_991_708_676_274_399_497,
    ),
];

#[test]
fn simulated_regressions_round_trip() {
    for (n0, n1, hr, censor_max, seed) in SIMULATED_REGRESSIONS {
        let outcome = simulated_round_trip((n0, n1), hr, censor_max, seed);
        assert_eq!(
            outcome,
            Ok(()),
            "n0 = {n0}, n1 = {n1}, hr = {hr}, censor_max = {censor_max}, seed = {seed}"
        );
    }
}

proptest! {
    // A fixed seed keeps CI reproducible: the strict tolerances fail on a few simulated trials
    // in 10,000 (measured by `simulated_trials_scan`), so random cases would fail a run now and
    // then; new cases are explored by the scan, not by chance in CI.
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_120_109),
        ..ProptestConfig::default()
    })]
    /// Simulated trials, tails of a handful at risk included, meet the same tolerances as the
    /// real datasets: no allowance where few are at risk, no at-risk count left unreproduced.
    #[test]
    fn simulated_trials_round_trip(
        n0 in 40usize..300,
        n1 in 40usize..300,
        hr in 0.4f64..1.5,
        censor_max in 500.0f64..2000.0,
        seed in any::<u64>(),
    ) {
        prop_assume!(trial((n0, n1), hr, censor_max, seed).iter().all(|a| a.event.iter().any(|e| *e)));
        let outcome = simulated_round_trip((n0, n1), hr, censor_max, seed);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

/// A long scan of simulated trials over the property test's ranges, reporting failures by
/// class; `SCAN_CASES` sets the number (default 20,000) and `SCAN_FROM` the first case.
/// Slow, so run on demand: `cargo test --release --test reconstruct_roundtrip -- --ignored`.
#[test]
#[ignore]
fn simulated_trials_scan() {
    use rayon::prelude::*;
    use std::collections::BTreeMap;
    let count = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (from, cases) = (count("SCAN_FROM", 0), count("SCAN_CASES", 20_000));
    let failures: Vec<(String, String)> = (from..from + cases)
        .into_par_iter()
        .filter_map(|case| {
            let mut rng = Lcg(case.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66);
            let n0 = 40 + (rng.next() * 260.0) as usize;
            let n1 = 40 + (rng.next() * 260.0) as usize;
            let hr = 0.4 + 1.1 * rng.next();
            let censor_max = 500.0 + 1500.0 * rng.next();
            let seed = (rng.next() * 2f64.powi(53)) as u64 ^ (case << 40);
            if !trial((n0, n1), hr, censor_max, seed)
                .iter()
                .all(|a| a.event.iter().any(|e| *e))
            {
                return None;
            }
            let case =
                format!("case {case}: n0 = {n0}, n1 = {n1}, hr = {hr}, censor_max = {censor_max}, seed = {seed}");
            match std::panic::catch_unwind(|| simulated_round_trip((n0, n1), hr, censor_max, seed)) {
                Ok(Ok(())) => None,
                Ok(Err(why)) => Some((why, case)),
                Err(_) => Some(("panic".to_string(), case)),
            }
        })
        .collect();
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    for (why, case) in &failures {
        eprintln!("{case}: {why}");
        *classes
            .entry(why.split(':').next().unwrap_or("").to_string())
            .or_default() += 1;
    }
    eprintln!("{cases} cases from {from}: {} failures {classes:?}", failures.len());
    assert!(failures.is_empty());
}
