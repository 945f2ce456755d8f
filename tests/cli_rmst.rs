//! `survkit rmst` as a user meets it: the JSON contract, every format, and a τ the data do not
//! support (exit status 2, the rule and the largest allowed τ in the message, no output).

mod common;

use std::process::Output;

use common::{json_stdout as json, survkit};

/// Runs `survkit rmst` on lung by sex (female, sex = 2, the reference) with extra arguments.
fn rmst_lung(extra: &[&str]) -> Output {
    let base = [
        "rmst",
        "datasets/lung.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "sex",
        "--reference",
        "sex=2",
    ];
    survkit(&[&base[..], extra].concat())
}

const ESTIMATE_FIELDS: [&str; 4] = ["estimate", "lower", "upper", "p_value"];

#[test]
fn json_has_the_contract_fields() {
    let v = json(&rmst_lung(&["--tau", "730", "--format", "json"]));
    assert_eq!(v["tau"], 730.0);
    for key in ["arms", "contrasts", "dropped_rows", "warnings"] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    assert!(v.get("adjusted").is_none(), "adjusted only with --covariates");
    let arm = &v["arms"][1];
    for key in [
        "group",
        "rmst",
        "se",
        "lower",
        "upper",
        "rmtl",
        "rmtl_lower",
        "rmtl_upper",
    ] {
        assert!(arm.get(key).is_some(), "arm lacks {key}");
    }
    assert_eq!(arm["group"], "1");
    assert!((arm["rmst"].as_f64().unwrap() - 311.117765899007).abs() < 1e-9);
    let contrast = &v["contrasts"][0];
    assert_eq!(
        (contrast["group"].as_str(), contrast["reference"].as_str()),
        (Some("1"), Some("2"))
    );
    for measure in ["difference", "ratio", "rmtl_ratio"] {
        for key in ESTIMATE_FIELDS {
            assert!(contrast[measure].get(key).is_some(), "{measure} lacks {key}");
        }
    }
}

#[test]
fn covariates_add_the_adjusted_contrasts() {
    let out = rmst_lung(&["--tau", "730", "--covariates", "age,ph.ecog", "--format", "json"]);
    let v = json(&out);
    let adjusted = &v["adjusted"];
    for measure in ["difference", "ratio", "rmtl_ratio"] {
        for key in ESTIMATE_FIELDS {
            assert!(adjusted[measure].get(key).is_some(), "adjusted {measure} lacks {key}");
        }
    }
    let coefficients = adjusted["coefficients"].as_array().unwrap();
    assert_eq!(coefficients.len(), 12, "3 models × 4 terms");
    assert_eq!(coefficients[1]["term"], "sex=1");
    assert!((adjusted["difference"]["estimate"].as_f64().unwrap() + 126.144643828924).abs() < 1e-8);
    assert_eq!(v["dropped_rows"]["count"], 1, "the row without ph.ecog");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 row dropped"));
}

#[test]
fn table_and_csv_show_the_same_result() {
    let table = rmst_lung(&["--tau", "730"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("Restricted mean survival time up to τ = 730 by sex"),
        "{text}"
    );
    assert!(text.contains("RMST difference") && text.contains("-123.6"), "{text}");
    let csv = rmst_lung(&["--format", "csv"]);
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.contains("# τ = 965: the default"), "{text}");
    assert!(text.contains("section,group,reference,term,n,events,estimate,se,lower,upper,p_value"));
    assert!(text.lines().any(|l| l.starts_with("difference,1,2,")), "{text}");
}

#[test]
fn tau_beyond_the_data_is_exit_2_with_the_rule_and_the_largest_tau() {
    let out = rmst_lung(&["--tau", "1000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let message = String::from_utf8_lossy(&out.stderr);
    for part in [
        "τ = 1000 is beyond what the data support",
        "the largest allowed τ is 965",
        "unless that last observation is an event",
        "group 2 ends with a censored time at 965",
    ] {
        assert!(message.contains(part), "{message}");
    }
    let zero = rmst_lung(&["--tau", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("greater than 0"));
}

#[test]
fn adjusting_three_arms_is_exit_2() {
    let out = survkit(&[
        "rmst",
        "datasets/veteran.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "celltype",
        "--covariates",
        "age",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has 4 levels"));
}
