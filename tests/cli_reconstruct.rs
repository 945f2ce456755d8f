//! `survkit reconstruct` as a user meets it: the IPD file the other commands read, the JSON
//! contract, corrections reported, and bad input (exit status 2, a message naming the file and
//! line, no output file).

mod common;

use std::path::Path;
use std::process::Output;

use common::{json_stdout, survkit};

const CURVE_A: &str = "time,surv\n0,100\n2,100\n2,90\n5,90\n5,70\n8,72\n8,50\n12,50\n12,30\n15,30\n";
const RISK_A: &str = "0,10\n5,7\n10,4\n";
const CURVE_B: &str = "0,1\n3,1\n3,0.8\n9,0.8\n9,0.6\n15,0.6\n";
const RISK_B: &str = "time,n\n0,10\n5,8\n10,6\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Runs reconstruct on arm A (curve and at-risk text given) and the good arm B.
fn two_arms(curve_a: &str, risk_a: &str, extra: &[&str]) -> (Output, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let (a, ar) = (write(dir.path(), "a.csv", curve_a), write(dir.path(), "ar.csv", risk_a));
    let (b, br) = (write(dir.path(), "b.csv", CURVE_B), write(dir.path(), "br.csv", RISK_B));
    let ipd = dir.path().join("ipd.csv").display().to_string();
    let (ca, cb) = (format!("A={a}"), format!("B={b}"));
    let (ra, rb) = (format!("A={ar}"), format!("B={br}"));
    let mut args = vec![
        "reconstruct",
        "--curve",
        &ca,
        "--at-risk",
        &ra,
        "--curve",
        &cb,
        "--at-risk",
        &rb,
        "-o",
        &ipd,
    ];
    args.extend_from_slice(extra);
    (survkit(&args), dir, ipd)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn writes_ipd_the_other_commands_read() {
    let (out, _dir, ipd) = two_arms(CURVE_A, RISK_A, &["--format", "json", "--published-hr", "0.5"]);
    let v = json_stdout(&out);
    for key in ["arms", "hazard_ratios", "warnings"] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    let arm = &v["arms"][0];
    for key in [
        "group",
        "n",
        "events",
        "at_risk",
        "fit",
        "median",
        "digitised",
        "km",
        "corrections",
    ] {
        assert!(arm.get(key).is_some(), "arm lacks {key}");
    }
    assert_eq!(arm["n"], 10);
    for row in arm["at_risk"].as_array().unwrap() {
        assert_eq!(row["published"], row["reconstructed"]);
    }
    assert_eq!(v["hazard_ratios"][0]["published"], 0.5);
    let text = std::fs::read_to_string(&ipd).unwrap();
    assert!(text.starts_with("time,event,group\n"));
    assert_eq!(text.lines().count(), 21);
    let km = survkit(&["km", &ipd, "--time", "time", "--event", "event", "--group", "group"]);
    assert!(km.status.success(), "{}", stderr(&km));
    let cox = survkit(&[
        "cox",
        &ipd,
        "--time",
        "time",
        "--event",
        "event",
        "--covariates",
        "group",
        "--factors",
        "group",
    ]);
    assert!(cox.status.success(), "{}", stderr(&cox));
}

#[test]
fn non_monotone_points_are_corrected_and_reported() {
    let (out, _dir, _) = two_arms(CURVE_A, RISK_A, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let corrections = v["arms"][0]["corrections"].as_array().unwrap();
    assert!(
        corrections
            .iter()
            .any(|c| c["rule"] == "lowered" && c["line"] == 7 && c["new_survival"] == 0.7)
    );
    assert!(stderr(&out).contains("lowered to it"), "{}", stderr(&out));
    assert!(stderr(&out).contains("percentages"));
}

/// Bad input: exit status 2, the message names what is wrong, and no IPD file is left.
fn refused(out: &Output, ipd: &str, expected: &[&str]) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    for text in expected {
        assert!(stderr(out).contains(text), "missing '{text}' in: {}", stderr(out));
    }
    assert!(!Path::new(ipd).exists(), "a partial output file was written");
}

#[test]
fn increasing_at_risk_counts_are_refused() {
    let (out, _dir, ipd) = two_arms(CURVE_A, "0,10\n5,7\n10,8\n", &[]);
    refused(&out, &ipd, &["ar.csv, line 3", "cannot increase"]);
}

#[test]
fn at_risk_time_beyond_the_curve_is_refused() {
    let (out, _dir, ipd) = two_arms(CURVE_A, "0,10\n5,7\n20,2\n", &[]);
    refused(&out, &ipd, &["ar.csv, line 3", "after the last digitised point"]);
}

#[test]
fn at_risk_table_must_start_at_zero() {
    let (out, _dir, ipd) = two_arms(CURVE_A, "1,10\n5,7\n", &[]);
    refused(&out, &ipd, &["start at time 0"]);
}

#[test]
fn a_value_that_is_not_a_number_names_line_and_column() {
    let (out, _dir, ipd) = two_arms("0,1\n2,abc\n", RISK_A, &[]);
    refused(&out, &ipd, &["a.csv, line 2, column 2", "'abc'"]);
}

#[test]
fn more_events_than_participants_are_refused() {
    let (out, _dir, ipd) = two_arms(CURVE_A, RISK_A, &["--total-events", "A=11"]);
    refused(&out, &ipd, &["more than the 10 participants"]);
}

#[test]
fn fewer_events_than_the_curve_implies_is_reported() {
    let (out, _dir, _) = two_arms(CURVE_A, RISK_A, &["--total-events", "A=2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("more than the published total of 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn several_arms_need_labels() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", CURVE_A);
    let r = write(dir.path(), "r.csv", RISK_A);
    let ipd = dir.path().join("ipd.csv").display().to_string();
    let out = survkit(&["reconstruct", "--curve", &a, "--curve", &a, "--at-risk", &r, "-o", &ipd]);
    refused(&out, &ipd, &["label each one"]);
}
