//! `survkit bootstrap` and `survkit permutation` as a user meets them: the JSON contract, the
//! seed echoed (and drawn and printed without --seed), shards merged from files into exactly
//! the one-run output, clean stdout, and the exact permutation test.

mod common;

use std::process::Output;

use common::survkit;

fn bootstrap_lung(extra: &[&str]) -> Output {
    let base = [
        "bootstrap",
        "datasets/lung.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "sex",
        "--statistic",
        "log-hr",
        "--format",
        "json",
    ];
    survkit(&base.iter().chain(extra).copied().collect::<Vec<_>>())
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn json_has_the_contract_fields_and_echoes_the_seed() {
    let text = stdout(&bootstrap_lung(&["--seed", "42", "--replicates", "200", "--ci", "all"]));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in [
        "statistic",
        "estimate",
        "replicates",
        "seed",
        "mean",
        "bias",
        "se",
        "ci",
        "degenerate",
        "share_significant",
        "dropped_rows",
        "warnings",
    ] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    assert_eq!(v["statistic"], "log-hr");
    assert_eq!(v["seed"], 42);
    assert_eq!(v["replicates"], 200);
    assert_eq!(v["ci"].as_array().unwrap().len(), 4);
    for key in ["method", "lower", "upper"] {
        assert!(v["ci"][0].get(key).is_some(), "ci lacks {key}");
    }
    for key in ["count", "treatment"] {
        assert!(v["degenerate"].get(key).is_some(), "degenerate lacks {key}");
    }
}

#[test]
fn a_drawn_seed_is_printed_and_repeats_the_run() {
    let out = bootstrap_lung(&["--replicates", "50", "--ci", "percentile"]);
    let first = stdout(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let seed = stderr
        .lines()
        .find_map(|l| l.strip_prefix("seed: "))
        .and_then(|l| l.split_whitespace().next())
        .expect("the drawn seed is printed on stderr");
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["seed"].to_string(), seed);
    let again = stdout(&bootstrap_lung(&[
        "--replicates",
        "50",
        "--ci",
        "percentile",
        "--seed",
        seed,
    ]));
    assert_eq!(first, again);
}

#[test]
fn merged_shard_files_give_the_one_run_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let common = ["--seed", "9", "--ci", "all", "--statistic", "rmst-diff", "--stratify"];
    let with = |extra: &[&str]| -> Vec<String> { common.iter().chain(extra).map(|s| s.to_string()).collect() };
    let run = |extra: Vec<String>| {
        let mut args: Vec<&str> = vec!["bootstrap", "datasets/lung.csv", "--time", "time", "--event", "status"];
        args.extend(["--group", "sex", "--format", "json"]);
        args.extend(extra.iter().map(String::as_str));
        stdout(&survkit(&args))
    };
    let single = run(with(&["--replicates", "300", "--threads", "1"]));
    run(with(&[
        "--replicate-range",
        "0..120",
        "--threads",
        "2",
        "--save-replicates",
        &path("a.json"),
    ]));
    run(with(&[
        "--replicate-range",
        "120..300",
        "--threads",
        "2",
        "--save-replicates",
        &path("b.json"),
    ]));
    let merged = stdout(&survkit(&[
        "bootstrap",
        "merge",
        &path("b.json"),
        &path("a.json"),
        "--format",
        "json",
    ]));
    assert_eq!(merged, single);
    let alone = survkit(&["bootstrap", "merge", &path("b.json")]);
    assert!(alone.status.success(), "one shard alone is a valid (smaller) ensemble");
    let missing = survkit(&["bootstrap", "merge", &path("nothing.json")]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn permutation_exact_on_a_tiny_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.csv");
    std::fs::write(&file, "time,status,arm\n1,1,A\n2,1,A\n3,1,B\n4,1,B\n").unwrap();
    let out = survkit(&[
        "permutation",
        file.to_str().unwrap(),
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "arm",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["method"], "exact");
    assert_eq!(v["permutations"], 6);
    assert_eq!(v["as_extreme"], 2);
    assert!(v.get("seed").is_none());
    assert!(out.stderr.is_empty(), "no seed drawn for an exact test");
}
