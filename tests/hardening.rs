//! Regressions from the robustness audit (issue 12): every command on hostile and degenerate
//! input gives a clear error or a flagged non-estimate, never a panic, a hang or a number that
//! is not an estimate.

mod common;

use std::process::Output;

use common::{json_stdout as json, survkit};

const THREE_ROWS: &str = "tests/data/hardening/overflow_three_rows.csv";
const UNBALANCED: &str = "tests/data/hardening/unbalanced_no_events.csv";

/// The run ended by itself, without a panic.
fn no_panic(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "panicked: {stderr}");
    assert!(
        out.status.code().is_some_and(|c| c <= 2),
        "status {:?}: {stderr}",
        out.status
    );
    stderr
}

/// Exit status 2 with a message containing every one of `needles`.
fn input_error(out: &Output, needles: &[&str]) {
    let stderr = no_panic(out);
    assert_eq!(out.status.code(), Some(2), "expected status 2: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "error lacks '{n}': {stderr}");
    }
}

#[test]
fn cox_with_overflowing_covariates_does_not_panic_and_flags_what_is_not_estimable() {
    // x'β overflowed exp() and reached the SVD with NaN ("Singular value was NaN")
    let out = survkit(&[
        "cox",
        THREE_ROWS,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "arm,age",
        "--factors",
        "arm",
        "--format",
        "json",
    ]);
    let v = json(&out);
    // arm B's only row is censored before the only event: no information at all
    assert_eq!(v["terms"][0]["not_identifiable"], true);
    assert!(v["terms"][0]["coef"].is_null());
    // the event is the youngest at risk: monotone likelihood in age
    assert_eq!(v["terms"][1]["diverges_to"], "-infinity");
    assert!(v["terms"][1]["hr"].is_null());
    assert!(v["variance"][1][1].is_null());
}

#[test]
fn an_arm_without_events_is_flagged_whatever_the_arm_sizes() {
    // 2 events among 2 against none among 60: was HR 7.957e17, se 0, "converged"
    for format in ["json", "table"] {
        let out = survkit(&[
            "cox",
            UNBALANCED,
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "arm",
            "--factors",
            "arm",
            "--format",
            format,
        ]);
        no_panic(&out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("e17"), "{stdout}");
        if format == "json" {
            let v = json(&out);
            assert_eq!(v["terms"][0]["diverges_to"], "+infinity");
            assert!(v["terms"][0]["se"].is_null());
            assert!(v["tests"]["wald"]["statistic"].is_null());
            assert!(v["variance"][0][0].is_null());
        } else {
            assert!(stdout.contains("not estimable"), "{stdout}");
        }
    }
}

#[test]
fn a_covariate_constant_within_strata_is_not_identifiable_not_infinite() {
    let out = survkit(&[
        "cox",
        "datasets/lung.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "sex",
        "--strata",
        "sex",
        "--format",
        "json",
    ]);
    let v = json(&out);
    assert_eq!(v["terms"][0]["not_identifiable"], true);
    assert!(v["terms"][0].get("diverges_to").is_none());
    assert!(v["tests"]["likelihood_ratio"]["p_value"].is_null());
}

#[test]
fn a_factor_with_many_sparse_levels_returns() {
    // lung's age as a factor: 40 dummies, several levels without events; looped inside the SVD
    let out = survkit(&[
        "cox",
        "datasets/lung.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age",
        "--factors",
        "age",
        "--format",
        "json",
    ]);
    let v = json(&out);
    let flagged = v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t.get("diverges_to").is_some())
        .count();
    assert!(flagged > 0);
}

#[test]
fn meaningless_convergence_options_are_refused() {
    for (option, value) in [("--eps", "1e-50"), ("--max-iter", "0")] {
        let out = survkit(&[
            "cox",
            "datasets/lung.csv",
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "sex",
            option,
            value,
        ]);
        input_error(&out, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.len() < 300, "{stderr}");
    }
}
