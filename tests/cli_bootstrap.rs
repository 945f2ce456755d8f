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

/// `survkit bootstrap FILE` of competing-risks data (status, by sex), 60 replicates, JSON.
fn competing_bootstrap(file: &str, extra: &[&str]) -> Output {
    let base = [
        "bootstrap",
        file,
        "--time",
        "time",
        "--status",
        "status",
        "--group",
        "sex",
        "--seed",
        "3",
        "--replicates",
        "60",
        "--ci",
        "percentile",
        "--format",
        "json",
    ];
    survkit(&base.iter().chain(extra).copied().collect::<Vec<_>>())
}

#[test]
fn competing_risks_statistics_from_the_command_line() {
    let run = |extra: &[&str]| competing_bootstrap("datasets/mgus2_cr.csv", extra);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["--statistic", "cif-diff:120", "--cause", "1"]))).unwrap();
    assert_eq!(v["statistic"], "cif-diff:120");
    // survkit cif --at 120: F_M(120) − F_F(120) for cause 1 (cmprsk cuminc, tests/reference)
    assert!((v["estimate"].as_f64().unwrap() - -0.0185754237277692).abs() < 1e-12);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["--statistic", "log-shr", "--cause", "2"]))).unwrap();
    // crr(time, status, cov1 = sex == "M", failcode = 2)$coef
    assert!((v["estimate"].as_f64().unwrap() - 0.232769273631963).abs() < 1e-6);
    assert!(v["share_significant"].is_object() || v["share_significant"].is_number());
    // without --cause, and --cause with a single-event statistic: exit 2, saying what to do
    let out = run(&["--statistic", "log-shr"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("log-shr needs --cause K"));
    let out = run(&["--statistic", "log-hr", "--cause", "1"]);
    assert_eq!(out.status.code(), Some(2));
    // a missing status drops its row, and says so; a time that is not a number names its line
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let file = |text: &str| {
        std::fs::write(&path, text).unwrap();
        competing_bootstrap(path.to_str().unwrap(), &["--statistic", "cif-diff:3", "--cause", "1"])
    };
    let out = file("time,status,sex\n1,1,F\n2,2,M\n3,,M\n4,1,F\n5,0,M\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 row dropped"));
    let out = file("time,status,sex\n1,1,F\n2,2,M\noops,1,M\n");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 4") && stderr.contains("oops"), "{stderr}");
}
