//! The group-sequential log-rank test of `survkit simulate` against rpact 3.3.4
//! (tests/reference/sequential.json, made by tests/reference/make_sequential_fixtures.R):
//! boundaries and α spent of `getDesignGroupSequential` to 1e-6, and the stopping probabilities,
//! expected events and study duration of `getSimulationSurvival` (50,000 iterations) within
//! Monte Carlo error of 20,000 simulated trials.

mod common;

use common::{MC_SDS, SEQUENTIAL_BOUNDARY_TOL, fixture};
use serde_json::Value;
use survkit::Weights;
use survkit::design::Sided;
use survkit::simulate::{
    AnalysisAt, Arm, Boundaries, BoundaryFamily, GroupSequential, MAX_COMPUTED_LOOKS, PiecewiseHazard, SimulateOptions,
    Simulation, TrialDesign,
};

const TRIALS: usize = 20_000;

fn numbers(case: &Value, key: &str) -> Vec<f64> {
    case[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {case}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn sided(case: &Value) -> Sided {
    if case["sided"] == 1 { Sided::One } else { Sided::Two }
}

fn cases(kind: &str) -> Vec<Value> {
    let all = fixture("sequential.json");
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect()
}

/// O'Brien–Fleming, Pocock and both Lan–DeMets spending families, one- and two-sided, two and
/// three looks: every boundary and every cumulative α spent to 1e-6 (the four-look cases of the
/// fixture are refused: computed boundaries allow at most three looks).
#[test]
fn boundaries_match_rpact() {
    let cases = cases("boundaries");
    assert_eq!(cases.len(), 32);
    for case in &cases {
        let rates = numbers(case, "information_rates");
        let family: BoundaryFamily = case["type"].as_str().unwrap().parse().unwrap();
        // survkit's α is two-sided; a one-sided design spends α/2
        let made = GroupSequential::new(&rates[..rates.len() - 1], Boundaries::Family(family), sided(case), 0.05);
        if rates.len() > MAX_COMPUTED_LOOKS {
            assert!(made.is_err());
            continue;
        }
        let gs = made.unwrap();
        let spent = gs.cumulative_null_crossing().unwrap();
        for (k, (expected, alpha)) in numbers(case, "critical_values")
            .iter()
            .zip(numbers(case, "alpha_spent"))
            .enumerate()
        {
            let got = gs.boundaries()[k];
            assert!(
                (got - expected).abs() < SEQUENTIAL_BOUNDARY_TOL,
                "{}: look {k}: {got} vs {expected}",
                case["r_call"]
            );
            assert!(
                (spent[k] - alpha).abs() < SEQUENTIAL_BOUNDARY_TOL,
                "{}: α spent by look {k}: {} vs {alpha}",
                case["r_call"],
                spent[k]
            );
        }
    }
}

fn design(case: &Value) -> TrialDesign {
    let control = PiecewiseHazard::constant(
        std::f64::consts::LN_2 / case["control_median"].as_f64().unwrap(),
        "control",
    )
    .unwrap();
    let hr = case["hr"].as_f64().unwrap();
    let arms = vec![
        Arm {
            name: "control".into(),
            allocation: 1.0,
            hazard: control.clone(),
        },
        Arm {
            name: "treatment".into(),
            allocation: 1.0,
            hazard: control.scaled(&[hr], "treatment").unwrap(),
        },
    ];
    let accrual = numbers(case, "accrual_time");
    let planned = numbers(case, "planned_events");
    let participants = case["participants"].as_u64().unwrap() as usize;
    let target = planned[planned.len() - 1] as usize;
    let design = TrialDesign::new(
        arms,
        participants,
        accrual[accrual.len() - 1],
        0.0,
        AnalysisAt::Events(target),
    )
    .unwrap();
    let intensity = numbers(case, "accrual_intensity");
    if intensity.is_empty() {
        design
    } else {
        design
            .with_accrual_periods(accrual[1..accrual.len() - 1].to_vec(), intensity)
            .unwrap()
    }
}

/// rpact's simulation of a three-look one-sided O'Brien–Fleming design (looks at 100, 150 and
/// 200 events of 400 participants, control median 12, accrual over 12): under HR 0.7 with
/// uniform and with piecewise accrual (20 then 46.67 a month), and under the null. Each
/// stage's stopping probability, the overall rejection, the expected events and the expected
/// duration agree within 4 combined Monte Carlo SEs (rpact's 50,000 iterations and these
/// 20,000 trials).
#[test]
fn simulated_stopping_matches_rpact() {
    for case in cases("simulation") {
        let design = design(&case);
        let planned = numbers(&case, "planned_events");
        let target = planned[planned.len() - 1];
        let fractions: Vec<f64> = planned[..planned.len() - 1].iter().map(|d| d / target).collect();
        let gs = GroupSequential::new(
            &fractions,
            Boundaries::Family(BoundaryFamily::OBrienFleming),
            Sided::One,
            0.05,
        )
        .unwrap();
        let options = SimulateOptions {
            trials: 0..TRIALS,
            seed: 19,
            threads: 2,
            alpha: 0.05,
            weights: Weights::LogRank,
            maxcombo: None,
            rmst_tau: None,
            fragility: false,
            group_sequential: Some(gs),
        };
        let sim = Simulation::run(&design, &options).unwrap();
        let summary = sim.group_sequential.unwrap();
        let r_iterations = case["iterations"].as_f64().unwrap();
        let share_se = |p: f64| (p * (1.0 - p) * (1.0 / TRIALS as f64 + 1.0 / r_iterations)).sqrt();
        let name = case["name"].as_str().unwrap();
        let expected_stops = numbers(&case, "reject_per_stage");
        for (look, expected) in summary.looks.iter().zip(&expected_stops) {
            let se = share_se(*expected);
            assert!(
                (look.stop.share - expected).abs() < MC_SDS * se,
                "{name}: look {}: {} vs rpact {expected} (SE {se})",
                look.look,
                look.stop.share
            );
        }
        let overall = case["overall_reject"].as_f64().unwrap();
        assert!(
            (summary.reject.share - overall).abs() < MC_SDS * share_se(overall),
            "{name}: {} vs {overall}",
            summary.reject.share
        );
        let mean_se = |sd: f64| sd * (1.0 / TRIALS as f64 + 1.0 / r_iterations).sqrt();
        let events = summary.events.unwrap();
        let expected_events = case["expected_events"].as_f64().unwrap();
        assert!(
            (summary.expected_events - expected_events).abs() < MC_SDS * mean_se(events.sd).max(1e-9),
            "{name}: expected events {} vs {expected_events}",
            summary.expected_events
        );
        let duration = summary.duration.unwrap();
        let expected_duration = case["study_duration"].as_f64().unwrap();
        assert!(
            (summary.expected_duration - expected_duration).abs() < MC_SDS * mean_se(duration.sd),
            "{name}: expected duration {} vs {expected_duration}",
            summary.expected_duration
        );
        eprintln!(
            "{name}: stops {:?} vs rpact {expected_stops:?}; reject {} vs {overall}; events {} vs {expected_events}; duration {} vs {expected_duration}",
            summary.looks.iter().map(|l| l.stop.share).collect::<Vec<_>>(),
            summary.reject.share,
            summary.expected_events,
            summary.expected_duration
        );
    }
}
