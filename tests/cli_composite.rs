//! `survkit composite` as a user meets it: the composite CSV that `survkit cif` reads, the
//! summary on standard error in every format, and bad input (exit status 2, a message naming
//! the file, line, column and value, no output file).

mod common;

use std::path::Path;
use std::process::Output;

use common::survkit;

const EXAMPLE: &str = "datasets/als/composite_example.csv";
const EVENTS: [&str; 4] = ["--events", "death:death_time,pav:pav_time", "--censor", "last_seen"];

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_example_builds_a_composite_that_cif_reads_by_arm() {
    let dir = tempfile::tempdir().unwrap();
    let out_csv = dir.path().join("composite.csv").display().to_string();
    let out = survkit(&[&["composite", EXAMPLE], &EVENTS[..], &["-o", &out_csv]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    // the counts make_composite_example.R prints: 31 deaths first, 26 PAV first, 63 censored
    let summary = stderr(&out);
    for row in [
        "death      death_time    31",
        "pav          pav_time    26",
        "censored    last_seen    63",
    ] {
        assert!(summary.contains(row), "{summary}");
    }
    let written = std::fs::read_to_string(&out_csv).unwrap();
    assert!(written.starts_with("id,arm,death_time,pav_time,last_seen,time,status\n"));
    assert_eq!(written.lines().count(), 121);

    let cif = survkit(&[
        "cif", &out_csv, "--time", "time", "--status", "status", "--group", "arm", "--format", "json",
    ]);
    assert!(cif.status.success(), "{}", stderr(&cif));
    let v: serde_json::Value = serde_json::from_slice(&cif.stdout).unwrap();
    assert_eq!(v["causes"], serde_json::json!(["death", "pav"]));
    let events: f64 = v["curves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["events"].as_f64().unwrap())
        .sum();
    assert_eq!(events, 57.0);
}

#[test]
fn stdout_without_output_file_and_summary_formats() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "small.csv",
        "arm,d,p,last\na,10,,12\na,7,7,7\nb,,,\nb,,,20\n",
    );
    let args = [
        "composite",
        &file,
        "--events",
        "death:d,p",
        "--censor",
        "last",
        "--event-name",
        "event",
    ];
    let out = survkit(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "arm,d,p,last,time,status,event\na,10,NA,12,10,death,1\na,7,7,7,7,death,1\nb,NA,NA,20,20,0,0\n"
    );
    let summary = stderr(&out);
    assert!(
        summary.contains("1 row dropped for missing values (last: 1); line 4"),
        "{summary}"
    );
    assert!(
        summary.contains("warning: 1 row has two or more components"),
        "{summary}"
    );

    let json = survkit(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&json.stderr).unwrap();
    assert_eq!(v["components"][1]["label"], "p"); // a column without a label is its own label
    assert_eq!((v["n_rows"].as_u64(), v["n_kept"].as_u64()), (Some(4), Some(3)));
    assert_eq!(
        (v["ties"]["count"].as_u64(), v["dropped_rows"]["count"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(1));

    let csv = survkit(&[&args[..], &["--format", "csv"]].concat());
    let text = stderr(&csv);
    assert!(text.starts_with("# 1 row dropped"), "{text}");
    assert!(
        text.contains(
            "outcome,column,rows\ndeath,d,2\np,p,0\ncensored,last,1\ndropped,last,1\nties,,1\nrows_read,,4\n"
        ),
        "{text}"
    );
}

#[test]
fn bad_rows_exit_2_with_line_and_column_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_csv = dir.path().join("out.csv");
    let cases = [
        (
            "a,,13,12\n",
            "line 3, column 'pav_time': value '13' is after the censoring time 12 (column 'last_seen')",
        ),
        ("a,-4,,12\n", "line 3, column 'death_time': value '-4' is negative"),
        (
            "a,ten,,12\n",
            "line 3, column 'death_time': value 'ten' is not a finite number",
        ),
    ];
    for (third, expected) in cases {
        let file = write(
            dir.path(),
            "bad.csv",
            &format!("arm,death_time,pav_time,last_seen\na,10,,12\n{third}"),
        );
        let out = survkit(&[&["composite", &file], &EVENTS[..], &["-o", out_csv.to_str().unwrap()]].concat());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{file}, {expected}")),
            "{}",
            stderr(&out)
        );
        assert!(!out_csv.exists());
        assert!(
            std::fs::read_dir(dir.path())
                .unwrap()
                .all(|e| !e.unwrap().file_name().to_string_lossy().contains("tmp"))
        );
    }
    let usage = survkit(
        &[
            &["composite", EXAMPLE],
            &["--events", "death:", "--censor", "last_seen"][..],
        ]
        .concat(),
    );
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("--events expects LABEL:COLUMN"));
    let clash = survkit(&[&["composite", EXAMPLE], &EVENTS[..], &["--time-name", "last_seen"]].concat());
    assert_eq!(clash.status.code(), Some(2));
    assert!(
        stderr(&clash).contains("already has a column 'last_seen'"),
        "{}",
        stderr(&clash)
    );
}
