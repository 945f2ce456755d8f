//! `survkit win` and `survkit cafs` from the command line: the JSON contract, formats,
//! reproducibility whatever the thread count, and exit codes.

mod common;

use common::{json_stdout, survkit};

const ALS: &str = common::ALS_FUNCTION;

fn args<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![command, ALS];
    v.extend(common::ALS_FUNCTION_COLUMNS);
    v.extend(["--reference", "placebo"]);
    v.extend(extra);
    v
}

#[test]
fn win_json_contract() {
    let v = json_stdout(&survkit(&args("win", &["--format", "json"])));
    for key in ["wins", "losses", "ties"] {
        assert!(v[key].is_u64(), "{key}");
    }
    assert_eq!(
        v["wins"].as_u64().unwrap() + v["losses"].as_u64().unwrap() + v["ties"].as_u64().unwrap(),
        120 * 120
    );
    for measure in ["win_ratio", "win_odds", "net_benefit"] {
        for field in ["estimate", "lower", "upper", "p_value"] {
            assert!(v[measure][field].is_f64(), "{measure}.{field}");
        }
    }
    assert_eq!(v["treated"], "active");
}

#[test]
fn win_table_and_csv() {
    let out = survkit(&args("win", &["--threshold", "2", "--lower-is-better"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("win ratio") && text.contains("lower is better"), "{text}");
    let out = survkit(&args("win", &["--format", "csv"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("measure,estimate,se,lower,upper,p_value"), "{text}");
}

#[test]
fn cafs_json_contract_and_threads() {
    let run = |threads: &str| {
        survkit(&args(
            "cafs",
            &[
                "--format",
                "json",
                "--seed",
                "7",
                "--permutations",
                "2000",
                "--threads",
                threads,
            ],
        ))
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(one.stdout, two.stdout, "same seed, different thread count");
    let v = json_stdout(&one);
    assert_eq!(v["groups"][0]["group"], "placebo");
    for key in ["group", "n", "mean_rank"] {
        assert!(!v["groups"][1][key].is_null(), "{key}");
    }
    for key in ["statistic", "p_value", "permutation_p_value"] {
        assert!(v[key].is_f64(), "{key}");
    }
    assert_eq!(v["seed"], 7);
}

#[test]
fn exit_codes() {
    // four arms: each against the reference (issue 16), not an error any more
    let out = survkit(&[
        "win",
        "datasets/lung.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "ph.ecog",
        "--score",
        "age",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Comparisons of each arm with the reference"));
    // unknown score column, negative threshold: bad input → exit 2
    let mut unknown = args("win", &[]);
    unknown[9] = "nope";
    let out = survkit(&unknown);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
    let out = survkit(&args("cafs", &["--threshold=-1"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("threshold"));
}

/// The fragility path's change, applied to the file by hand, does cross α.
#[test]
fn win_fragility_path_crosses_alpha() {
    let v = json_stdout(&survkit(&args("win", &["--format", "json", "--fragility"])));
    let f = &v["fragility"];
    assert!(f["significant"].as_bool().unwrap());
    let path = f["path"].as_array().unwrap();
    assert_eq!(f["index"].as_i64().unwrap(), path.len() as i64);
    let text = std::fs::read_to_string(common::repo_path(ALS)).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for step in path {
        let line = step["line"].as_u64().unwrap() as usize;
        let mut fields: Vec<String> = lines[line - 1].split(',').map(String::from).collect();
        match step["change"].as_str().unwrap() {
            "death-to-alive" => fields[4] = "0".into(),
            "alive-to-death" => fields[4] = "1".into(),
            _ => fields[5] = step["score_after"].as_f64().unwrap().to_string(),
        }
        lines[line - 1] = fields.join(",");
    }
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("changed.csv");
    std::fs::write(&changed, lines.join("\n") + "\n").unwrap();
    let mut rerun = args("win", &["--format", "json"]);
    let changed_path = changed.to_str().unwrap();
    rerun[1] = changed_path;
    let after = json_stdout(&survkit(&rerun));
    let p = after["win_ratio"]["p_value"].as_f64().unwrap();
    assert!(p >= 0.05, "p after the path: {p}");
    let last = path.last().unwrap()["p_value"].as_f64().unwrap();
    assert!((p - last).abs() < 1e-12, "{p} vs {last}");
}

/// The command-line flags reach the analysis: the counts equal the R fixture's for the same
/// options (lower is better with a margin of 2; strata by onset).
#[test]
fn flags_match_the_r_fixture() {
    let fixture = common::fixture("win.json");
    let case = |name: &str| {
        fixture["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["win"]
            .clone()
    };
    let lower = json_stdout(&survkit(&args(
        "win",
        &["--format", "json", "--lower-is-better", "--threshold", "2"],
    )));
    let r = case("als_lower_threshold");
    assert_eq!((&lower["wins"], &lower["losses"]), (&r["wins"], &r["losses"]));
    let strata = json_stdout(&survkit(&args("win", &["--format", "json", "--strata", "onset"])));
    let r = case("als_strata");
    assert_eq!(
        (&strata["wins"], &strata["losses"], &strata["pairs"]),
        (&r["wins"], &r["losses"], &r["pairs"])
    );
    common::assert_close(
        "stratified win ratio",
        strata["win_ratio"]["estimate"].as_f64().unwrap(),
        r["win_ratio"]["estimate"].as_f64().unwrap(),
    );
    let csv = survkit(&args("cafs", &["--format", "csv", "--seed", "3"]));
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("group,n,mean_rank"), "{text}");
    assert_eq!(text.lines().count(), 3);
}

/// `--ranks` writes every participant's pairwise score and CAFS rank: R's values, row by row.
#[test]
fn cafs_ranks_file_matches_r() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ranks.csv");
    let out = survkit(&args(
        "cafs",
        &[
            "--seed",
            "1",
            "--permutations",
            "100",
            "--ranks",
            path.to_str().unwrap(),
        ],
    ));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fixture = common::fixture("win.json");
    let r = &fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "als")
        .unwrap()["cafs"];
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 240);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row[4].parse::<f64>().unwrap(),
            r["u"][i].as_f64().unwrap(),
            "U of row {i}"
        );
        assert_eq!(
            row[5].parse::<f64>().unwrap(),
            r["rank"][i].as_f64().unwrap(),
            "rank of row {i}"
        );
    }
}

/// A score that is not a number is refused as a score (exit 2, the file, line, column and
/// value), without suggesting factor(); a bad time keeps the time's own message.
#[test]
fn a_text_score_is_refused_as_a_score() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, "time,death,arm,s,t\n1,1,a,1,x\n2,0,b,2,2\n").unwrap();
    let path = file.to_str().unwrap();
    for later in [vec!["--then", "t"], vec![]] {
        let score = if later.is_empty() { "t" } else { "s" };
        let mut args = vec![
            "win", path, "--time", "time", "--event", "death", "--group", "arm", "--score", score,
        ];
        args.extend(later);
        let out = survkit(&args);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("line 2, column 't': value 'x' is not a number, and a function score must be numeric"),
            "{stderr}"
        );
        assert!(!stderr.contains("factor"), "{stderr}");
    }
}
