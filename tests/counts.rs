//! Aggregated counts as input (issue 20): `--counts` gives the JSON the participants' rows give.
//!
//! Each case aggregates a data set with a plain GROUP BY (group, stratum, time) written here in
//! Rust, runs `survkit km`, `logrank` and `rmst` on the raw file and on the counts, and compares
//! the JSON: every number to `COUNTS_REL_TOL` relative, every other value equal. The counts file
//! names its columns as the raw file does, so the JSON's column names agree too (the file name
//! appears in no JSON field). A property test does the same through the library on random
//! small data with ties, split rows, rows counting nobody and delayed entry.

mod common;

use proptest::prelude::*;
use survkit::counts::{CountColumns, Counts};
use survkit::maxcombo::{MaxCombo, MaxComboOptions};
use survkit::{Columns, KaplanMeier, KmOptions, LogRank, LogRankOptions, Rmst, RmstOptions, SurvData, Table, Weights};

/// The command line on raw files and their counts.
#[cfg(feature = "cli")]
mod cli {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use serde_json::Value;
    use survkit::Table;

    use crate::common::{self, COUNTS_REL_TOL, json_stdout as json, survkit};

    /// How a raw file is aggregated: its columns, and which status values are events.
    struct Raw<'a> {
        file: &'a str,
        time: &'a str,
        event: &'a str,
        event_values: &'a [&'a str],
        group: Option<&'a str>,
        strata: Option<&'a str>,
        entry: Option<&'a str>,
    }

    /// One count row's key: (group, stratum, time as written).
    type Key = (String, String, String);

    /// `SELECT group, stratum, time, SUM(event) AS n_event, SUM(1 - event) AS n_censor
    /// [, entries counted at the entry time AS n_enter] ... GROUP BY group, stratum, time`, as CSV
    /// with the raw file's column names.
    fn aggregate(table: &Table, raw: &Raw) -> String {
        let text = |column: &str, row: usize| table.column(column).unwrap().text(row).unwrap().to_string();
        let label = |column: Option<&str>, row: usize| column.map(|c| text(c, row)).unwrap_or_default();
        let mut counts: BTreeMap<Key, [u64; 3]> = BTreeMap::new();
        for row in 0..table.n_rows() {
            let key = |time: String| (label(raw.group, row), label(raw.strata, row), time);
            let event = raw.event_values.contains(&text(raw.event, row).as_str());
            counts.entry(key(text(raw.time, row))).or_default()[usize::from(!event)] += 1;
            if let Some(entry) = raw.entry {
                counts.entry(key(text(entry, row))).or_default()[2] += 1;
            }
        }
        let mut header: Vec<&str> = raw.group.into_iter().chain(raw.strata).collect();
        header.extend([raw.time, "n_event", "n_censor"]);
        if raw.entry.is_some() {
            header.push("n_enter");
        }
        let mut csv = header.join(",") + "\n";
        for ((group, stratum, time), [events, censored, entered]) in counts {
            let mut fields: Vec<String> = raw.group.map(|_| group).into_iter().collect();
            fields.extend(raw.strata.map(|_| stratum));
            fields.extend([time, events.to_string(), censored.to_string()]);
            if raw.entry.is_some() {
                fields.push(entered.to_string());
            }
            csv.push_str(&(fields.join(",") + "\n"));
        }
        csv
    }

    /// Writes the counts of `raw` to a file of its own and returns its path.
    fn counts_file(raw: &Raw, name: &str) -> PathBuf {
        let table = Table::read_csv(common::repo_path(raw.file)).unwrap();
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&path, aggregate(&table, raw)).unwrap();
        path
    }

    /// Asserts that two JSON values agree: numbers to `COUNTS_REL_TOL`, everything else exactly.
    fn assert_same(what: &str, raw: &Value, counts: &Value) {
        match (raw, counts) {
            (Value::Number(a), Value::Number(b)) => {
                let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                assert!(
                    a == b || (a - b).abs() <= COUNTS_REL_TOL * a.abs().max(b.abs()),
                    "{what}: rows {a:e}, counts {b:e}"
                );
            }
            (Value::Array(a), Value::Array(b)) => {
                assert_eq!(a.len(), b.len(), "{what}: lengths differ");
                for (k, (x, y)) in a.iter().zip(b).enumerate() {
                    assert_same(&format!("{what}[{k}]"), x, y);
                }
            }
            (Value::Object(a), Value::Object(b)) => {
                let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
                assert_eq!(keys(a), keys(b), "{what}: fields differ");
                for (key, x) in a {
                    assert_same(&format!("{what}.{key}"), x, &b[key]);
                }
            }
            _ => assert_eq!(raw, counts, "{what}"),
        }
    }

    /// The raw file's options (`--time`, `--event`, `--group`, `--strata`, `--entry`) and the
    /// counts file's (`--counts`, `--time`, `--group`, `--strata`, `--n-enter`).
    fn options(raw: &Raw, counts: Option<&PathBuf>) -> Vec<String> {
        let mut args: Vec<String> = match counts {
            Some(path) => vec![path.display().to_string(), "--counts".into()],
            None => vec![raw.file.into(), "--event".into(), raw.event.into()],
        };
        args.extend(["--time".into(), raw.time.into()]);
        for (flag, column) in [("--group", raw.group), ("--strata", raw.strata)] {
            if let Some(column) = column {
                args.extend([flag.into(), column.into()]);
            }
        }
        if let Some(entry) = raw.entry {
            let flag = if counts.is_some() { "--n-enter" } else { "--entry" };
            let column = if counts.is_some() { "n_enter" } else { entry };
            args.extend([flag.into(), column.into()]);
        }
        args
    }

    /// Runs `command` with `extra` on the raw file and on its counts and compares the JSON.
    fn assert_command_agrees(raw: &Raw, counts: &PathBuf, command: &str, extra: &[&str]) {
        let run = |file: Option<&PathBuf>| {
            let mut args: Vec<String> = vec![command.into()];
            args.extend(options(raw, file));
            args.extend(extra.iter().map(|s| s.to_string()));
            args.extend(["--format".into(), "json".into()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            json(&survkit(&args))
        };
        assert_same(
            &format!("{command} {extra:?} on {}", raw.file),
            &run(None),
            &run(Some(counts)),
        );
    }

    const LUNG: Raw = Raw {
        file: "datasets/lung.csv",
        time: "time",
        event: "status",
        event_values: &["2"],
        group: Some("sex"),
        strata: None,
        entry: None,
    };

    #[test]
    fn lung_by_sex_counts_give_the_rows_json() {
        let counts = counts_file(&LUNG, "lung_by_sex_counts.csv");
        let km = ["--quantiles", "0.25,0.5,0.75", "--at", "180,365,730", "--cumhaz"];
        assert_command_agrees(&LUNG, &counts, "km", &km);
        assert_command_agrees(&LUNG, &counts, "km", &["--conf-type", "log-log"]);
        for weights in [
            "logrank",
            "fh:1,1",
            "fh:0,1",
            "gehan",
            "tarone-ware",
            "peto",
            "modified-peto",
            "mwlr:365",
        ] {
            assert_command_agrees(&LUNG, &counts, "logrank", &["--weights", weights]);
        }
        assert_command_agrees(&LUNG, &counts, "logrank", &["--maxcombo"]);
        assert_command_agrees(&LUNG, &counts, "logrank", &["--maxcombo", "fh:0,0", "fh:1,1"]);
        assert_command_agrees(&LUNG, &counts, "rmst", &[]);
        assert_command_agrees(&LUNG, &counts, "rmst", &["--tau", "500", "--reference", "sex=2"]);
    }

    #[test]
    fn lung_counts_without_a_group_give_the_single_curve() {
        let raw = Raw { group: None, ..LUNG };
        let counts = counts_file(&raw, "lung_counts.csv");
        assert_command_agrees(&raw, &counts, "km", &["--at", "365"]);
        assert_command_agrees(&raw, &counts, "rmst", &["--tau", "730"]);
    }

    #[test]
    fn veteran_stratified_by_cell_type_counts_give_the_rows_json() {
        let raw = Raw {
            file: "datasets/veteran.csv",
            time: "time",
            event: "status",
            event_values: &["1"],
            group: Some("trt"),
            strata: Some("celltype"),
            entry: None,
        };
        let counts = counts_file(&raw, "veteran_counts.csv");
        assert_command_agrees(&raw, &counts, "km", &["--quantiles", "0.5"]);
        assert_command_agrees(&raw, &counts, "logrank", &[]);
        assert_command_agrees(&raw, &counts, "logrank", &["--weights", "fh:1,0"]);
        assert_command_agrees(&raw, &counts, "logrank", &["--maxcombo"]);
        // three and more groups: celltype as the group, the k-sample and trend tests
        let by_cell = Raw {
            group: Some("celltype"),
            strata: Some("trt"),
            ..raw
        };
        let counts = counts_file(&by_cell, "veteran_by_cell_counts.csv");
        assert_command_agrees(&by_cell, &counts, "logrank", &[]);
        assert_command_agrees(&by_cell, &counts, "logrank", &["--trend", "--weights", "fh:0,1"]);
        // each arm against the reference, from each pair's counts
        assert_command_agrees(&by_cell, &counts, "logrank", &["--adjust", "holm"]);
        assert_command_agrees(&by_cell, &counts, "logrank", &["--compare", "large,adeno"]);
        let unstratified = Raw {
            strata: None,
            ..by_cell
        };
        let counts = counts_file(&unstratified, "veteran_cells_counts.csv");
        assert_command_agrees(
            &unstratified,
            &counts,
            "rmst",
            &["--tau", "200", "--adjust", "hochberg"],
        );
    }

    #[test]
    fn channing_delayed_entry_counts_give_the_rows_json() {
        let raw = Raw {
            file: "datasets/channing.csv",
            time: "exit",
            event: "cens",
            event_values: &["1"],
            group: Some("sex"),
            strata: None,
            entry: Some("entry"),
        };
        let counts = counts_file(&raw, "channing_counts.csv");
        assert_command_agrees(&raw, &counts, "km", &["--at", "800,1000", "--cumhaz"]);
        assert_command_agrees(&raw, &counts, "logrank", &["--weights", "fh:1,1"]);
        // the warning about the curve falling to 0 with later entries counts the same participants
        let out = survkit(&[
            "km",
            counts.to_str().unwrap(),
            "--counts",
            "--time",
            "exit",
            "--group",
            "sex",
            "--n-enter",
            "n_enter",
            "--format",
            "json",
        ]);
        let warnings = json(&out)["warnings"].to_string();
        assert!(warnings.contains("94 participants enter later"), "{warnings}");
    }

    /// Runs survkit on `csv` (written to a file named `name`) and returns its exit status, stdout
    /// and stderr.
    fn run_on(name: &str, csv: &str, args: &[&str]) -> (Option<i32>, String, String) {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&path, csv).unwrap();
        let path = path.display().to_string();
        let mut all = vec![args[0], path.as_str(), "--counts"];
        all.extend(&args[1..]);
        let out = survkit(&all);
        let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    }

    /// `cif --counts`: counts per (group, stratum, time, status), split over several rows and
    /// with a row counting nobody, give the rows' cumulative incidence, Gray's tests (within
    /// strata), RMTL and both variances bit for bit; bad counts are refused.
    #[test]
    fn cif_counts_give_the_rows_json() {
        let table = Table::read_csv("datasets/mgus2_cr.csv").unwrap();
        let text = |column: &str, row: usize| table.column(column).unwrap().text(row).map(str::to_string);
        let mut counts: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
        for row in 0..table.n_rows() {
            let key = ["sex", "agegrp", "time", "status"].map(|c| text(c, row));
            if let [Some(g), Some(s), Some(t), Some(st)] = key {
                *counts.entry((g, s, t, st)).or_default() += 1;
            }
        }
        let mut csv = String::from("sex,agegrp,time,status,n\n");
        for ((g, s, t, st), n) in &counts {
            // a GROUP BY over partitions may leave a key on two rows
            let half = n / 2;
            csv.push_str(&format!("{g},{s},{t},{st},{}\n", n - half));
            if half > 0 {
                csv.push_str(&format!("{g},{s},{t},{st},{half}\n"));
            }
        }
        csv.push_str("F,c75+,5,0,0\n");
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mgus2_cif_counts.csv");
        std::fs::write(&path, &csv).unwrap();
        let path = path.display().to_string();
        for extra in [&["--tau", "200", "--at", "100,300"][..], &["--variance", "cuminc"]] {
            let columns = [
                "--time", "time", "--status", "status", "--group", "sex", "--strata", "agegrp",
            ];
            let mut raw = vec!["cif", "datasets/mgus2_cr.csv", "--format", "json"];
            raw.extend(columns);
            raw.extend(extra);
            let mut counted = vec!["cif", path.as_str(), "--counts", "--format", "json"];
            counted.extend(columns);
            counted.extend(extra);
            assert_eq!(json(&survkit(&raw)), json(&survkit(&counted)), "{extra:?}");
        }
        for (bad, line) in [("1.5", 2), ("-1", 2)] {
            let csv = format!("time,status,n\n3,1,{bad}\n4,0,2\n");
            let (status, stdout, stderr) = run_on("bad_cif_counts.csv", &csv, &["cif"]);
            assert_eq!(status, Some(2), "{stderr}");
            assert!(stdout.is_empty());
            assert!(
                stderr.contains(&format!("line {line}, column 'n'")) && stderr.contains(bad),
                "{stderr}"
            );
        }
        let (status, _, stderr) = run_on("zero_cif_counts.csv", "time,status,n\n3,1,0\n", &["cif"]);
        assert!(status == Some(2) && stderr.contains("counts nobody"), "{stderr}");
    }

    /// Columns called `group`, `stratum` and `n_enter` are read as such without options, as
    /// the contract of `--counts` names them; an option naming them gives the same result.
    /// `rmst` takes no strata: it sums the rows over the stratum column.
    #[test]
    fn optional_columns_are_read_under_their_own_names() {
        let csv = "group,stratum,time,n_event,n_censor\na,s1,1,1,3\na,s2,5,1,2\nb,s1,2,1,0\nb,s2,4,2,3\nb,s1,6,1,1\n";
        for command in ["km", "logrank", "rmst"] {
            let (code, plain, err) = run_on("default_names.csv", csv, &[command, "--format", "json"]);
            assert_eq!(code, Some(0), "{command}: {err}");
            let named: &[&str] = match command {
                "rmst" => &["--group", "group", "--format", "json"],
                _ => &["--group", "group", "--strata", "stratum", "--format", "json"],
            };
            let (_, explicit, _) = run_on("default_names.csv", csv, &[&[command][..], named].concat());
            assert_eq!(plain, explicit, "{command}");
        }
        let (_, logrank, _) = run_on("default_names.csv", csv, &["logrank", "--format", "json"]);
        let logrank: serde_json::Value = serde_json::from_str(&logrank).unwrap();
        assert_eq!(logrank["groups"].as_array().map(Vec::len), Some(2), "{logrank}");
    }

    #[test]
    fn bad_counts_are_refused_naming_file_line_column_and_value() {
        let cases = [
            (
                "negative.csv",
                "time,n_event,n_censor\n1,2,0\n2,-1,3\n",
                ["line 3", "column 'n_event'", "'-1'", "whole numbers"],
            ),
            (
                "fraction.csv",
                "time,n_event,n_censor\n1,2,0\n2,1,2.5\n",
                ["line 3", "column 'n_censor'", "'2.5'", "whole numbers"],
            ),
            (
                "text.csv",
                "time,n_event,n_censor\n1,two,0\n",
                ["line 2", "column 'n_event'", "'two'", "whole numbers"],
            ),
            (
                "time.csv",
                "time,n_event,n_censor\n-1,1,0\n",
                ["line 2", "column 'time'", "'-1'", "negative"],
            ),
            (
                "entries.csv",
                "time,n_event,n_censor,n_enter\n0,0,0,1\n1,1,1,1\n",
                ["line 3", "column 'n_event'", "2 participants leave", "only 1 entered"],
            ),
        ];
        for (name, csv, expected) in cases {
            let mut args = vec!["km"];
            if name == "entries.csv" {
                args.extend(["--n-enter", "n_enter"]);
            }
            let (status, stdout, stderr) = run_on(name, csv, &args);
            assert_eq!(status, Some(2), "{name}: {stderr}");
            assert!(stdout.is_empty(), "{name}: partial output {stdout}");
            assert!(stderr.contains(name), "{name}: {stderr}");
            for e in expected {
                assert!(stderr.contains(e), "{name}: lacks {e}: {stderr}");
            }
        }
    }

    #[test]
    fn counts_without_participants_or_columns_are_refused() {
        let cases = [
            ("zeros.csv", "time,n_event,n_censor\n1,0,0\n2,0,0\n", "counts nobody"),
            ("header.csv", "time,n_event,n_censor\n", "no data rows"),
            (
                "columns.csv",
                "time,events,n_censor\n1,1,0\n",
                "no column named 'n_event'",
            ),
            (
                "unbalanced.csv",
                "time,n_event,n_censor,n_enter\n0,0,0,3\n1,1,1,0\n",
                "3 participants enter",
            ),
        ];
        for (name, csv, expected) in cases {
            let (status, stdout, stderr) = run_on(
                name,
                csv,
                &["logrank", "--n-enter", "n_enter"][..if name == "unbalanced.csv" { 3 } else { 1 }],
            );
            assert_eq!(status, Some(2), "{name}: {stderr}");
            assert!(
                stdout.is_empty() && stderr.contains(name) && stderr.contains(expected),
                "{name}: {stderr}"
            );
        }
    }

    #[test]
    fn options_that_need_participants_rows_are_refused() {
        let csv = "arm,time,n_event,n_censor\na,1,1,0\nb,2,1,1\nc,3,0,1\na,4,1,0\n";
        let refused: [&[&str]; 4] = [
            &["km", "--event", "status"],
            &["km", "--weight", "w"],
            &["rmst", "--group", "arm", "--covariates", "age"],
            &["logrank", "--group", "arm", "--regimen", "substudy"],
        ];
        for args in refused {
            let (status, stdout, stderr) = run_on("three_arms.csv", csv, args);
            assert_eq!(status, Some(2), "{args:?}: {stderr}");
            assert!(stdout.is_empty(), "{args:?}");
        }
        let (status, _, stderr) = run_on("three_arms.csv", csv, &["logrank", "--group", "arm", "--regimen", "s"]);
        assert!(status == Some(2) && stderr.contains("regimen"), "{stderr}");
        // each arm against the reference: from the counts of each pair
        let (status, stdout, stderr) = run_on(
            "three_arms.csv",
            csv,
            &["logrank", "--group", "arm", "--compare", "c,a"],
        );
        assert_eq!(status, Some(0), "{stderr}");
        assert!(stdout.contains("c vs a") || stdout.contains("\"c\""), "{stdout}");
    }
}

/// (time, event, group, stratum, entry offset) rows with many ties; entry = time − offset when
/// the data have entries.
fn rows() -> impl Strategy<Value = Vec<(u8, bool, u8, u8, u8)>> {
    prop::collection::vec((1u8..12, any::<bool>(), 0u8..2, 0u8..2, 1u8..6), 1..50)
}

/// The rows as CSV (time `t / 4`, so times are not all whole; a time shifted by 1e-12 now and
/// then, which timefix ties).
fn rows_csv(rows: &[(u8, bool, u8, u8, u8)]) -> String {
    let mut csv = String::from("t,s,g,h,e\n");
    for (k, (t, s, g, h, off)) in rows.iter().enumerate() {
        let noise = if k % 7 == 3 { 1e-12 } else { 0.0 };
        let time = f64::from(*t) / 4.0 + noise;
        let entry = f64::from(*t) / 4.0 - f64::from(*off) / 8.0;
        csv.push_str(&format!("{time},{},g{g},{h},{entry}\n", u8::from(*s)));
    }
    csv
}

/// The counts of `csv`: each participant adds a count row of its own (as a GROUP BY over
/// partitions may leave several), and a row counting nobody is added; the file is read as
/// Counts would be.
fn counts_csv(table: &Table, entries: bool) -> String {
    let text = |c: &str, r: usize| table.column(c).unwrap().text(r).unwrap().to_string();
    let mut csv = String::from("g,h,t,n_event,n_censor,n_enter\ng9,0,7,0,0,0\n");
    for r in (0..table.n_rows()).rev() {
        let event = text("s", r) == "1";
        csv.push_str(&format!(
            "{},{},{},{},{},0\n",
            text("g", r),
            text("h", r),
            text("t", r),
            u8::from(event),
            u8::from(!event)
        ));
        if entries {
            csv.push_str(&format!("{},{},{},0,0,1\n", text("g", r), text("h", r), text("e", r)));
        }
    }
    csv
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn counts_give_the_rows_results(rows in rows(), strata in any::<bool>(), entries in any::<bool>()) {
        let csv = rows_csv(&rows);
        let table = Table::from_csv_bytes("rows.csv", csv.as_bytes()).unwrap();
        let mut columns = Columns::new("t", "s").group("g");
        let mut count_columns = CountColumns::default().time("t").group("g");
        if strata {
            columns = columns.strata("h");
            count_columns = count_columns.strata("h");
        }
        if entries {
            columns = columns.entry("e");
            count_columns = count_columns.n_enter("n_enter");
        }
        let data = SurvData::from_table(&table, &columns).unwrap();
        let counts_text = counts_csv(&table, entries);
        let counts = Counts::from_csv_bytes("counts.csv", counts_text.as_bytes(), &count_columns).unwrap();
        prop_assert_eq!(counts.n_participants(), rows.len() as u64);
        let value = |v: &dyn erased::Json| v.json();
        let km = KmOptions { quantiles: vec![0.25, 0.5], at: vec![1.0, 2.0], cumhaz: true, ..KmOptions::default() };
        let fit = KaplanMeier::fit(&data, &km).map_err(|e| e.to_string());
        prop_assert!(fit.is_ok());
        prop_assert_eq!(value(&fit), value(&KaplanMeier::fit_counts(&counts, &km).map_err(|e| e.to_string())));
        for weights in [Weights::LogRank, Weights::FlemingHarrington { rho: 1.0, gamma: 1.0 }, Weights::Peto] {
            let options = LogRankOptions { weights, trend: false };
            prop_assert_eq!(
                value(&LogRank::test(&data, &options).map_err(|e| e.to_string())),
                value(&LogRank::test_counts(&counts, &options).map_err(|e| e.to_string()))
            );
        }
        let maxcombo = MaxComboOptions::default();
        prop_assert_eq!(
            value(&MaxCombo::test(&data, &maxcombo).map_err(|e| e.to_string())),
            value(&MaxCombo::test_counts(&counts, &maxcombo).map_err(|e| e.to_string()))
        );
        for tau in [None, Some(1.5)] {
            let options = RmstOptions { tau, ..RmstOptions::default() };
            prop_assert_eq!(
                value(&Rmst::fit(&data, &options).map_err(|e| e.to_string())),
                value(&Rmst::fit_counts(&counts, &options).map_err(|e| e.to_string()))
            );
        }
    }
}

/// Results and errors as JSON, for comparing whole results (bit for bit) or their messages.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for Result<T, String> {
        fn json(&self) -> serde_json::Value {
            match self {
                Ok(value) => serde_json::to_value(value).unwrap(),
                Err(message) => serde_json::Value::String(message.replace("counts.csv", "rows.csv")),
            }
        }
    }
}

/// Each arm against the reference from counts gives the comparisons of the pairs' rows: the
/// log-rank test and RMST per pair, with Holm's adjustment, on veteran's four cell types.
#[test]
fn comparisons_from_counts_equal_the_rows() {
    use survkit::comparisons::Comparisons;
    use survkit::multiplicity::Adjustment;
    let table = Table::read_csv("datasets/veteran.csv").unwrap();
    for columns in [
        Columns::new("time", "status").group("celltype"),
        Columns::new("time", "status").group("celltype").strata("trt"),
    ] {
        let data = SurvData::from_table(&table, &columns).unwrap();
        let counts = Counts::from_rows(&table, &columns).unwrap();
        let options = LogRankOptions::default();
        let p_of = |t: &LogRank| Some(t.p_value);
        for compare in [None, Some(("large", "adeno"))] {
            let rows = Comparisons::run(&data, compare, Adjustment::Holm, |p| LogRank::test(p, &options), p_of);
            let counted = Comparisons::run_counts(
                &counts,
                compare,
                Adjustment::Holm,
                |p| LogRank::test_counts(p, &options),
                p_of,
            );
            let (rows, counted) = (rows.unwrap(), counted.unwrap());
            assert_eq!(rows.comparisons.len(), if compare.is_some() { 1 } else { 3 });
            assert_eq!(
                serde_json::to_value(&rows).unwrap(),
                serde_json::to_value(&counted).unwrap()
            );
        }
        if columns.strata.is_none() {
            let options = RmstOptions {
                tau: Some(200.0),
                ..RmstOptions::default()
            };
            let p_of = |r: &Rmst| r.contrasts.first().and_then(|c| c.difference.p_value);
            let rows = Comparisons::run(&data, None, Adjustment::Holm, |p| Rmst::fit(p, &options), p_of).unwrap();
            let counted =
                Comparisons::run_counts(&counts, None, Adjustment::Holm, |p| Rmst::fit_counts(p, &options), p_of)
                    .unwrap();
            assert_eq!(
                serde_json::to_value(&rows).unwrap(),
                serde_json::to_value(&counted).unwrap()
            );
            let all = serde_json::to_value(Rmst::fit(&data, &options).unwrap()).unwrap();
            assert_eq!(
                all,
                serde_json::to_value(Rmst::fit_counts(&counts, &options).unwrap()).unwrap()
            );
        }
    }
}
