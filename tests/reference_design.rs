//! Events, sample size and power against rpact 3.3.4 (tests/reference/design.json, made by
//! tests/reference/make_design_fixtures.R), and the CLI's JSON contract.

mod common;

use common::{DESIGN_REL_TOL, assert_close_rel, fixture};
#[cfg(feature = "cli")]
use common::{json_stdout, survkit};
use serde_json::Value;
use survkit::design::{
    Accrual, Allocation, ControlHazard, EventsMethod, Sided, TestPlan, events_needed, power, sample_size,
};

fn f(case: &Value, key: &str) -> f64 {
    case[key].as_f64().unwrap_or_else(|| panic!("{key} in {case}"))
}

fn plan(case: &Value) -> TestPlan {
    let method: EventsMethod = case["method"].as_str().unwrap().parse().unwrap();
    let sided = if f(case, "sided") == 1.0 {
        Sided::One
    } else {
        Sided::Two
    };
    TestPlan::new(
        f(case, "alpha"),
        sided,
        Allocation::new(f(case, "ratio"), 1.0).unwrap(),
        method,
    )
    .unwrap()
}

fn cases(kind: &str) -> Vec<Value> {
    let all = fixture("design.json");
    let cases: Vec<Value> = all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect();
    assert!(cases.len() >= 24, "{kind}: {} cases", cases.len());
    cases
}

#[test]
fn events_match_rpact() {
    for case in cases("events") {
        let call = case["r_call"].as_str().unwrap();
        let e = events_needed(&plan(&case), f(&case, "hr"), f(&case, "power")).unwrap();
        assert_close_rel(call, e.events, f(&case, "events"), DESIGN_REL_TOL);
    }
}

#[test]
fn sample_sizes_match_rpact() {
    for case in cases("sample_size") {
        let call = case["r_call"].as_str().unwrap();
        let accrual = Accrual {
            accrual_time: f(&case, "accrual_time"),
            follow_up: f(&case, "follow_up"),
            dropout_rate: f(&case, "dropout_rate"),
            dropout_time: f(&case, "dropout_time"),
        };
        let control = ControlHazard::Median(f(&case, "control_median"));
        let s = sample_size(&plan(&case), f(&case, "hr"), f(&case, "power"), control, &accrual).unwrap();
        for (what, ours) in [
            ("events", s.events),
            ("sample_size", s.sample_size),
            ("sample_size_treatment", s.sample_size_treatment),
            ("sample_size_control", s.sample_size_control),
            ("event_probability", s.event_probability),
            ("analysis_time", s.analysis_time),
        ] {
            assert_close_rel(&format!("{what}: {call}"), ours, f(&case, what), DESIGN_REL_TOL);
        }
    }
}

#[test]
fn power_matches_rpact() {
    for case in cases("power") {
        let call = case["r_call"].as_str().unwrap();
        let p = power(&plan(&case), f(&case, "hr"), f(&case, "events")).unwrap();
        assert_close_rel(call, p.power, f(&case, "power"), DESIGN_REL_TOL);
    }
}

/// The contract: `{"events": x, "events_ceiling": n}` and `{"power": x}`.
#[cfg(feature = "cli")]
#[test]
fn cli_contract() {
    let out = survkit(&[
        "design",
        "events",
        "--hr",
        "0.7",
        "--alpha",
        "0.05",
        "--power",
        "0.8",
        "--ratio",
        "2:1",
        "--sided",
        "2",
        "--method",
        "schoenfeld",
        "--format",
        "json",
    ]);
    let json = json_stdout(&out);
    assert_close_rel(
        "events",
        json["events"].as_f64().unwrap(),
        277.635492615778,
        DESIGN_REL_TOL,
    );
    assert_eq!(json["events_ceiling"], 278);

    let out = survkit(&[
        "design", "power", "--hr", "0.7", "--events", "100", "--alpha", "0.05", "--ratio", "1:1", "--format", "json",
    ]);
    assert_close_rel(
        "power",
        json_stdout(&out)["power"].as_f64().unwrap(),
        0.430006309080426,
        DESIGN_REL_TOL,
    );

    let out = survkit(&["design", "events", "--hr", "1", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let out = survkit(&["design", "events", "--hr", "0.7", "--ratio", "2:x"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `survkit design three-plus-three`: probabilities sum to one, and the JSON carries each dose.
#[cfg(feature = "cli")]
#[test]
fn three_plus_three_cli() {
    let out = survkit(&[
        "design",
        "three-plus-three",
        "--dlt",
        "0.05,0.1,0.25,0.4",
        "--format",
        "json",
    ]);
    let json = json_stdout(&out);
    let doses = json["doses"].as_array().unwrap();
    assert_eq!(doses.len(), 4);
    let total: f64 =
        doses.iter().map(|d| d["p_select"].as_f64().unwrap()).sum::<f64>() + json["p_no_mtd"].as_f64().unwrap();
    assert!((total - 1.0).abs() < 1e-12);
    let out = survkit(&["design", "three-plus-three", "--dlt", "0.05,1.5"]);
    assert_eq!(out.status.code(), Some(2));
}
