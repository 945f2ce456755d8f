//! The command line as a user meets it: output formats, the JSON contract, and bad input
//! (clear message naming file/line/column/value, exit status 2, no partial output).

mod common;

use std::process::{Command, Output, Stdio};

use common::{json_stdout, survkit};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes `content` to a temporary CSV and returns its path (kept alive by the TempDir).
fn temp_csv(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

const LUNG: [&str; 5] = ["datasets/lung.csv", "--time", "time", "--event", "status"];

#[test]
fn km_json_has_the_contract_fields() {
    let out = survkit(&[&["km"], &LUNG[..], &["--group", "sex", "--format", "json"]].concat());
    let v = json_stdout(&out);
    let curve = &v["curves"][0];
    for key in ["group", "n", "events", "median", "table"] {
        assert!(curve.get(key).is_some(), "curve lacks {key}");
    }
    for key in ["estimate", "lower", "upper"] {
        assert!(curve["median"].get(key).is_some(), "median lacks {key}");
    }
    let row = &curve["table"][0];
    for key in [
        "time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper",
    ] {
        assert!(row.get(key).is_some(), "table row lacks {key}");
    }
    assert!(v.get("dropped_rows").is_some());
    assert_eq!(curve["median"]["estimate"].as_f64(), Some(270.0));
}

#[test]
fn logrank_json_has_the_contract_fields() {
    let out = survkit(&[&["logrank"], &LUNG[..], &["--group", "sex", "--format", "json"]].concat());
    let v = json_stdout(&out);
    for key in ["statistic", "df", "p_value", "weights", "groups", "dropped_rows"] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    for key in ["group", "n", "observed", "expected"] {
        assert!(v["groups"][0].get(key).is_some(), "group lacks {key}");
    }
    assert_eq!(v["weights"], "logrank");
}

#[test]
fn dropped_rows_are_reported_in_every_format_and_on_stderr() {
    let args = [&["km"], &LUNG[..], &["--group", "ph.ecog"]].concat();
    let table = survkit(&args);
    assert!(table.status.success());
    assert!(stdout(&table).contains("1 row dropped for missing values (ph.ecog: 1); line 15"));
    assert!(stderr(&table).contains("1 row dropped"));
    let json = survkit(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["dropped_rows"]["count"], 1);
    assert_eq!(v["dropped_rows"]["lines"][0], 15);
    let csv = survkit(&[&args[..], &["--format", "csv"]].concat());
    assert!(stdout(&csv).starts_with("# 1 row dropped"));
    let strict = survkit(&[&args[..], &["--strict"]].concat());
    assert_eq!(strict.status.code(), Some(2));
    assert!(stderr(&strict).contains("--strict"));
}

#[test]
fn csv_output_parses_with_comment_lines_skipped() {
    let out = survkit(&[&["km"], &LUNG[..], &["--group", "sex", "--format", "csv", "--cumhaz"]].concat());
    assert!(out.status.success());
    let text = stdout(&out);
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "group");
    assert!(header.iter().any(|h| h == "cumhaz"));
    assert_eq!(reader.records().count(), 206);
}

#[test]
fn r_event_codings_agree() {
    let dir = tempfile::tempdir().unwrap();
    let coded12 = temp_csv(&dir, "a.csv", b"t,s,g\n1,2,a\n2,1,a\n3,2,b\n4,2,b\n5,1,b\n");
    let coded01 = temp_csv(&dir, "b.csv", b"t,s,g\n1,1,a\n2,0,a\n3,1,b\n4,1,b\n5,0,b\n");
    let logical = temp_csv(&dir, "c.csv", b"t,s,g\n1,true,a\n2,FALSE,a\n3,T,b\n4,TRUE,b\n5,f,b\n");
    let text = temp_csv(
        &dir,
        "d.csv",
        b"t,s,g\n1,dead,a\n2,alive,a\n3,dead,b\n4,dead,b\n5,alive,b\n",
    );
    let run = |file: &str, extra: &[&str]| {
        let out = survkit(&[&["km", file, "--time", "t", "--event", "s", "--format", "json"], extra].concat());
        let v = json_stdout(&out);
        v["curves"].clone()
    };
    let reference = run(&coded01, &[]);
    assert_eq!(run(&coded12, &[]), reference);
    assert_eq!(run(&logical, &[]), reference);
    assert_eq!(run(&text, &["--event-value", "dead"]), reference);
}

#[test]
fn reference_level_reorders_groups() {
    let out = survkit(
        &[
            &["logrank"],
            &LUNG[..],
            &["--group", "sex", "--reference", "sex=2", "--format", "json"],
        ]
        .concat(),
    );
    let v = json_stdout(&out);
    assert_eq!(v["groups"][0]["group"], "2");
    let bad = survkit(&[&["logrank"], &LUNG[..], &["--group", "sex", "--reference", "sex=3"]].concat());
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("no level '3'"), "{}", stderr(&bad));
}

/// Each bad input: exit status 2, a message with the expected fragments, nothing on stdout.
fn assert_bad_input(args: &[&str], fragments: &[&str]) {
    let out = survkit(args);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {message}");
    assert!(out.stdout.is_empty(), "{args:?} wrote output");
    for f in fragments {
        assert!(message.contains(f), "{args:?}: message lacks '{f}': {message}");
    }
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn bad_input_gets_a_clear_error_and_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(String, Vec<&str>, Vec<&str>)> = vec![
        (
            temp_csv(&dir, "neg.csv", b"t,s\n1,1\n-2,0\n"),
            vec![],
            vec!["line 3", "column 't'", "'-2'", "negative"],
        ),
        (
            temp_csv(&dir, "text.csv", b"t,s\n1,1\nabc,0\n"),
            vec![],
            vec!["line 3", "column 't'", "'abc'", "not a finite number"],
        ),
        (
            temp_csv(&dir, "ev.csv", b"t,s\n1,1\n2,3\n"),
            vec![],
            vec!["line 3", "column 's'", "'3'", "--event-value"],
        ),
        (
            temp_csv(&dir, "mix.csv", b"t,s\n1,0\n2,2\n"),
            vec![],
            vec!["line 2", "'0'", "1/2"],
        ),
        (temp_csv(&dir, "empty.csv", b""), vec![], vec!["empty"]),
        (temp_csv(&dir, "header.csv", b"t,s\n"), vec![], vec!["no data rows"]),
        (
            temp_csv(&dir, "ragged.csv", b"t,s\n1,1\n2,0,5\n"),
            vec![],
            vec!["line 3", "3 fields", "header has 2"],
        ),
        (
            temp_csv(&dir, "binary.csv", b"t,s\n1,1\n\xff\xfe,0\n"),
            vec![],
            vec!["line 3", "UTF-8"],
        ),
        (
            temp_csv(&dir, "entry.csv", b"t,s,e\n5,1,1\n3,0,3\n"),
            vec!["--entry", "e"],
            vec!["line 3", "column 'e'", "entry must be < time"],
        ),
        (
            temp_csv(&dir, "w.csv", b"t,s,w\n5,1,1\n3,0,-1\n"),
            vec!["--weight", "w"],
            vec!["line 3", "column 'w'", "negative"],
        ),
    ];
    for (file, extra, fragments) in &cases {
        let args = [&["km", file.as_str(), "--time", "t", "--event", "s"], &extra[..]].concat();
        assert_bad_input(&args, &[&[file.as_str()], &fragments[..]].concat());
    }
    assert_bad_input(
        &["km", "datasets/lung.csv", "--time", "tme", "--event", "status"],
        &["no column named 'tme'", "inst, time, status"],
    );
    assert_bad_input(
        &["km", "no/such/file.csv", "--time", "t", "--event", "s"],
        &["no/such/file.csv", "cannot read"],
    );
    assert_bad_input(
        &[&["km"], &LUNG[..], &["--conf-level", "95"]].concat(),
        &["strictly between 0 and 1"],
    );
    assert_bad_input(&[&["km"], &LUNG[..], &["--conf-type", "logg"]].concat(), &["log-log"]);
    assert_bad_input(
        &[&["logrank"], &LUNG[..], &["--weights", "fh:1"]].concat(),
        &["fh:RHO,GAMMA"],
    );
    let one = temp_csv(&dir, "one.csv", b"t,s,g\n1,1,a\n2,0,a\n");
    assert_bad_input(
        &["logrank", &one, "--time", "t", "--event", "s", "--group", "g"],
        &["one level ('a')", "at least two"],
    );
}

#[test]
fn output_file_is_written_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json").display().to_string();
    let ok = survkit(&[&["km"], &LUNG[..], &["--format", "json", "-o", &target]].concat());
    assert!(ok.status.success());
    assert!(std::fs::read_to_string(&target).unwrap().contains("\"curves\""));
    let failed_target = dir.path().join("never.json").display().to_string();
    let bad = survkit(&[
        "km",
        "datasets/lung.csv",
        "--time",
        "nope",
        "--event",
        "status",
        "-o",
        &failed_target,
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!std::path::Path::new(&failed_target).exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_survkit"))
        .args([&["km"], &LUNG[..], &["--format", "csv"]].concat())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn same_input_gives_identical_bytes() {
    let args = [&["km"], &LUNG[..], &["--group", "sex", "--format", "json", "--cumhaz"]].concat();
    assert_eq!(survkit(&args).stdout, survkit(&args).stdout);
}

/// The library's message speaks of the model; the command line adds the option that answers it.
#[test]
fn errors_name_the_option_in_a_hint() {
    let lung = |command: &'static str, more: &[&'static str]| [&[command][..], &LUNG[..], more].concat();
    let cases = [
        (
            lung("logrank", &[]),
            "names no group",
            "hint: name the group column with --group",
        ),
        (
            vec!["cox", "datasets/lung.csv", "--formula", "Surv(time, status) ~ 1"],
            "needs at least one term",
            "hint: name them with --covariates",
        ),
        (
            lung("cox", &["--covariates", "age", "--firth", "--ties", "efron"]),
            "use Breslow ties",
            "hint: use --ties breslow",
        ),
        // a data error read through a formula (the model's error wraps the data's)
        (
            vec!["cox", "tests/data/bad_event.csv", "--formula", "Surv(t, s) ~ x"],
            "is not an event code",
            "hint: pick the event value with --event-value",
        ),
    ];
    for (args, library, hint) in cases {
        assert_bad_input(&args, &[library, hint]);
        let message = stderr(&survkit(&args));
        let first = message.lines().next().unwrap_or_default();
        assert!(
            !first.contains("--"),
            "{args:?}: the library's message names a flag: {first}"
        );
        assert_eq!(
            first.matches(library).count(),
            1,
            "{args:?}: the message is repeated: {first}"
        );
    }
}

#[test]
fn fragility_competing_json_and_bad_input() {
    let out = survkit(&[
        "fragility",
        "competing",
        "tests/reference/data/als_composite.csv",
        "--time",
        "time",
        "--status",
        "status",
        "--group",
        "arm",
        "--cause",
        "1",
        "--format",
        "json",
    ]);
    let v = json_stdout(&out);
    for key in [
        "cause",
        "status_column",
        "group_column",
        "censor_value",
        "n",
        "groups",
        "flips",
        "rho",
        "alpha",
        "statistic",
        "df",
        "p_value",
        "significant",
        "fragility_index",
        "fragility_quotient",
        "minimum_confirmed",
        "note",
        "path",
        "dropped_rows",
        "warnings",
    ] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    for key in [
        "step",
        "line",
        "group",
        "time",
        "flip",
        "from",
        "to",
        "statistic",
        "p_value",
    ] {
        assert!(v["path"][0].get(key).is_some(), "path step lacks {key}");
    }
    for key in ["group", "n", "events", "competing", "censored"] {
        assert!(v["groups"][0].get(key).is_some(), "group lacks {key}");
    }
    assert_eq!(v["fragility_index"], -5);
    assert_eq!(v["flips"], serde_json::json!(["cause-censor", "between-causes"]));
    assert_eq!(v["path"][0]["line"], 23);
    assert_eq!(v["path"][0]["flip"], "between-causes");

    let dir = tempfile::tempdir().unwrap();
    fn run<'a>(file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        [
            &[
                "fragility",
                "competing",
                file,
                "--time",
                "t",
                "--status",
                "s",
                "--group",
                "g",
            ][..],
            extra,
        ]
        .concat()
    }
    let negative = temp_csv(&dir, "negative.csv", b"t,s,g\n1,1,a\n-2,1,b\n3,2,b\n");
    assert_bad_input(
        &run(&negative, &["--cause", "1"]),
        &[&negative, "line 3", "column 't'", "'-2'", "negative"],
    );
    let missing = temp_csv(&dir, "missing.csv", b"t,s,g\n1,1,a\n2,,b\n3,2,b\n");
    assert_bad_input(
        &run(&missing, &["--cause", "1", "--strict"]),
        &[&missing, "line 3", "s: "],
    );
    let good = temp_csv(&dir, "good.csv", b"t,s,g\n1,1,a\n2,1,b\n3,2,b\n");
    assert_bad_input(&run(&good, &["--cause", "9"]), &["no cause '9'", "1, 2"]);
    assert_bad_input(&run(&good, &["--cause", "1", "--flips", "foo"]), &["cause-censor"]);
    assert_bad_input(
        &run(&good, &["--cause", "1", "--alpha", "2"]),
        &["strictly between 0 and 1"],
    );
    // valid input on which Gray's test is undefined (no failures from cause 2 in arm a): status 1
    let undefined = survkit(&run(&good, &["--cause", "2"]));
    assert_eq!(undefined.status.code(), Some(1), "{}", stderr(&undefined));
    assert!(stderr(&undefined).contains("Gray's test cannot be computed"));
}
