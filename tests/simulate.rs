//! `survkit simulate`: simulated power against Schoenfeld's formula, type I error at α under
//! the null, and the same bytes whatever the thread count.

mod common;

#[cfg(feature = "cli")]
use common::{json_stdout, survkit};
use survkit::Weights;
use survkit::design::{Allocation, EventsMethod, Sided, TestPlan, power};
use survkit::simulate::{AnalysisAt, Arm, PiecewiseHazard, SimulateOptions, Simulation, TrialDesign};

/// Monte Carlo tolerance: 4 SEs of a proportion.
const MC_SDS: f64 = 4.0;

fn two_arm(hr: &[f64], participants: usize, events: usize, breaks: Vec<f64>, rates: Vec<f64>) -> TrialDesign {
    let control = PiecewiseHazard::new(breaks, rates, "control").unwrap();
    let arms = vec![
        Arm {
            name: "control".into(),
            allocation: 1.0,
            hazard: control.clone(),
        },
        Arm {
            name: "treatment".into(),
            allocation: 1.0,
            hazard: control.scaled(hr, "treatment").unwrap(),
        },
    ];
    TrialDesign::new(arms, participants, 12.0, 0.01, AnalysisAt::Events(events)).unwrap()
}

fn options(trials: usize, seed: u64, threads: usize) -> SimulateOptions {
    SimulateOptions {
        trials: 0..trials,
        seed,
        threads,
        alpha: 0.05,
        weights: Weights::LogRank,
        maxcombo: None,
        rmst_tau: None,
        fragility: false,
        group_sequential: None,
    }
}

/// Near the null (HR 0.85, 1:1), where Schoenfeld's approximation is accurate, the simulated
/// log-rank power at D = 300 events is Schoenfeld's Φ(√D/2 · |log HR| − z_{0.975}) = 0.2925
/// within Monte Carlo error. (Far from the null or with unequal allocation the formula is
/// itself off: see the README's comparison at 10⁵ trials.)
#[test]
fn power_matches_schoenfeld() {
    let design = two_arm(&[0.85], 400, 300, Vec::new(), vec![0.06]);
    let sim = Simulation::run(&design, &options(8000, 11, 2)).unwrap();
    let plan = TestPlan::new(
        0.05,
        Sided::Two,
        Allocation::new(1.0, 1.0).unwrap(),
        EventsMethod::Schoenfeld,
    )
    .unwrap();
    let formula = power(&plan, 0.85, 300.0).unwrap().power;
    let se = (formula * (1.0 - formula) / sim.trials as f64).sqrt();
    assert!(
        (sim.logrank.share - formula).abs() < MC_SDS * se,
        "log-rank power {} vs Schoenfeld {formula} (SE {se})",
        sim.logrank.share
    );
    assert!((sim.cox_wald.share - formula).abs() < MC_SDS * se);
    assert_eq!(sim.events.unwrap().min, 300.0);
    let hr = &sim.hazard_ratios[0];
    assert!((hr.geometric_mean_hr.ln() - 0.85_f64.ln()).abs() < MC_SDS * hr.sd_log_hr / (sim.trials as f64).sqrt());
}

/// Under the null (HR 1, with a piecewise hazard), both tests reject at α = 0.05 within Monte
/// Carlo error.
#[test]
fn type_one_error_at_alpha() {
    let design = two_arm(&[1.0], 200, 120, vec![3.0], vec![0.1, 0.04]);
    let sim = Simulation::run(&design, &options(8000, 5, 2)).unwrap();
    let se = (0.05 * 0.95 / sim.trials as f64).sqrt();
    for (name, share) in [("log-rank", sim.logrank.share), ("Cox Wald", sim.cox_wald.share)] {
        assert!((share - 0.05).abs() < MC_SDS * se, "{name}: {share}");
    }
}

/// Under the null the RMST difference test (τ = 10) rejects at α within Monte Carlo error.
#[test]
fn rmst_type_one_error_at_alpha() {
    let design = two_arm(&[1.0], 200, 120, Vec::new(), vec![0.08]);
    let mut opts = options(6000, 12, 2);
    opts.rmst_tau = Some(10.0);
    let sim = Simulation::run(&design, &opts).unwrap();
    let se = (0.05 * 0.95 / sim.trials as f64).sqrt();
    let share = sim.rmst.unwrap().share;
    assert!((share - 0.05).abs() < MC_SDS * se, "RMST: {share}");
}

/// Under the null the MaxCombo test (default four weights) also rejects at α within Monte Carlo
/// error.
#[test]
fn maxcombo_type_one_error_at_alpha() {
    let design = two_arm(&[1.0], 150, 90, Vec::new(), vec![0.08]);
    let mut opts = options(2000, 8, 2);
    opts.maxcombo = Some(survkit::maxcombo::MaxComboOptions::default().weights);
    let sim = Simulation::run(&design, &opts).unwrap();
    let se = (0.05 * 0.95 / sim.trials as f64).sqrt();
    let share = sim.maxcombo.unwrap().share;
    assert!((share - 0.05).abs() < MC_SDS * se, "MaxCombo: {share}");
}

/// Same seed, same bytes with 1 and 3 threads; a delayed effect (HR 1 then 0.6 after time 4).
#[cfg(feature = "cli")]
#[test]
fn reproducible_whatever_the_threads() {
    let run = |threads: &str| {
        let out = survkit(&[
            "simulate",
            "--participants",
            "120",
            "--ratio",
            "2:1",
            "--control-median",
            "10",
            "--breaks",
            "4",
            "--hr",
            "1,0.6",
            "--accrual-time",
            "6",
            "--events",
            "60",
            "--trials",
            "300",
            "--seed",
            "42",
            "--threads",
            threads,
            "--format",
            "json",
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("3"));
    let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(json["trials"], 300);
    assert_eq!(json["design"]["arm_sizes"], serde_json::json!([40, 80]));
}

/// Shards 0..120 and 120..300 (saved, merged in either order) give the bytes of one run over
/// 0..300; overlapping shards are refused.
#[cfg(feature = "cli")]
#[test]
fn shards_merge_into_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let base = [
        "simulate",
        "--participants",
        "80",
        "--control-median",
        "10",
        "--hr",
        "0.7",
        "--accrual-time",
        "6",
        "--events",
        "40",
        "--seed",
        "9",
        "--format",
        "json",
    ];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        let out = survkit(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let whole = run(&["--trials", "300"]);
    let (a, b, c) = (path("a.json"), path("b.json"), path("c.json"));
    run(&["--replicate-range", "0..120", "--save-trials", &a]);
    run(&["--replicate-range", "120..300", "--save-trials", &b]);
    let merged = survkit(&["simulate", "--merge", &b, &a, "--format", "json"]);
    assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_eq!(merged.stdout, whole);
    run(&["--replicate-range", "100..200", "--save-trials", &c]);
    let overlap = survkit(&["simulate", "--merge", &a, &c]);
    assert_eq!(overlap.status.code(), Some(2));
    let unseeded = survkit(&[
        "simulate",
        "--participants",
        "80",
        "--control-median",
        "10",
        "--events",
        "40",
        "--replicate-range",
        "0..10",
    ]);
    assert_eq!(unseeded.status.code(), Some(2), "a shard needs --seed");
}

#[cfg(feature = "cli")]
#[test]
fn bad_settings_exit_2() {
    let out = survkit(&[
        "simulate",
        "--participants",
        "10",
        "--control-median",
        "10",
        "--events",
        "20",
        "--trials",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = survkit(&[
        "simulate",
        "--participants",
        "10",
        "--control-hazard",
        "0.1,0.2",
        "--events",
        "5",
        "--trials",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2), "two rates without a break");
    let out = survkit(&[
        "simulate",
        "--participants",
        "20",
        "--control-median",
        "5",
        "--events",
        "5",
        "--trials",
        "5",
        "--seed",
        "1",
        "--format",
        "json",
    ]);
    let json = json_stdout(&out);
    assert_eq!(json["seed"], 1);
}

/// The 100,000-trial check (issue 19), in release mode only (`cargo test --release --test
/// simulate -- --ignored`): near the null (HR 0.85, 1:1, 300 events) the log-rank test and the
/// Cox Wald, LR and score tests have Schoenfeld's power; under the null (HR 1, 120 events,
/// piecewise accrual) every analysis (log-rank, the three Cox tests, RMST difference,
/// MaxCombo, and the one-sided group-sequential O'Brien–Fleming test at α/2 with looks at 50%
/// and 75%) rejects at its level; all within 4 Monte Carlo SEs.
#[test]
#[ignore = "100,000 trials: run in release mode"]
fn hundred_thousand_trials() {
    use survkit::simulate::{Boundaries, BoundaryFamily, GroupSequential};
    const TRIALS: usize = 100_000;
    let within = |name: &str, share: f64, expected: f64| {
        let se = (expected * (1.0 - expected) / TRIALS as f64).sqrt();
        eprintln!(
            "{name}: {share:.5} vs {expected:.5} (SE {se:.5}, {:+.2} SE)",
            (share - expected) / se
        );
        assert!((share - expected).abs() < MC_SDS * se, "{name}: {share} vs {expected}");
    };
    let design = two_arm(&[0.85], 400, 300, Vec::new(), vec![0.06]);
    let sim = Simulation::run(&design, &options(TRIALS, 100, 2)).unwrap();
    let plan = TestPlan::new(
        0.05,
        Sided::Two,
        Allocation::new(1.0, 1.0).unwrap(),
        EventsMethod::Schoenfeld,
    )
    .unwrap();
    let formula = power(&plan, 0.85, 300.0).unwrap().power;
    for (name, share) in [
        ("power: log-rank", sim.logrank.share),
        ("power: Cox Wald", sim.cox_wald.share),
        ("power: Cox LR", sim.cox_lr.share),
        ("power: Cox score", sim.cox_score.share),
    ] {
        within(name, share, formula);
    }
    let design = two_arm(&[1.0], 200, 120, Vec::new(), vec![0.08])
        .with_accrual_periods(vec![4.0], vec![1.0, 2.0])
        .unwrap();
    let mut opts = options(TRIALS, 101, 2);
    opts.rmst_tau = Some(10.0);
    opts.maxcombo = Some(survkit::maxcombo::MaxComboOptions::default().weights);
    opts.group_sequential = Some(
        GroupSequential::new(
            &[0.5, 0.75],
            Boundaries::Family(BoundaryFamily::OBrienFleming),
            Sided::One,
            0.05,
        )
        .unwrap(),
    );
    let sim = Simulation::run(&design, &opts).unwrap();
    for (name, share) in [
        ("null: log-rank", sim.logrank.share),
        ("null: Cox Wald", sim.cox_wald.share),
        ("null: Cox LR", sim.cox_lr.share),
        ("null: Cox score", sim.cox_score.share),
        ("null: MaxCombo", sim.maxcombo.unwrap().share),
    ] {
        within(name, share, 0.05);
    }
    // The RMST difference's Wald test (survRM2's asymptotic variance) is known to reject too
    // often in small samples (Horiuchi & Hattori 2021; Ditzhaus et al. 2023): with 100 per arm
    // and 120 events it rejects 5.49% of null trials (SE 0.07%), 7 SE above 5%. This is the
    // method's property, not the simulation's: the bound below pins its size and the README
    // reports it.
    let rmst = sim.rmst.unwrap().share;
    eprintln!("null: RMST difference: {rmst:.5} (asymptotic test; known small-sample inflation)");
    assert!((0.05..0.06).contains(&rmst), "null: RMST difference: {rmst}");
    within(
        "null: group-sequential (one-sided)",
        sim.group_sequential.unwrap().reject.share,
        0.025,
    );
}
