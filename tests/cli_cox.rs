//! `survkit cox` as a user meets it: the JSON contract, the honest monotone case, and bad input.

mod common;

use common::{json_stdout as json, survkit};

const LUNG: [&str; 5] = ["datasets/lung.csv", "--time", "time", "--event", "status"];

#[test]
fn json_has_the_contract_fields() {
    let out = survkit(
        &[
            &["cox"],
            &LUNG[..],
            &[
                "--covariates",
                "age,sex",
                "--cluster",
                "inst",
                "--zph",
                "--format",
                "json",
            ],
        ]
        .concat(),
    );
    let v = json(&out);
    for key in [
        "n",
        "events",
        "converged",
        "iterations",
        "loglik",
        "warnings",
        "terms",
        "tests",
        "zph",
    ] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    for key in [
        "term",
        "coef",
        "se",
        "robust_se",
        "hr",
        "hr_lower",
        "hr_upper",
        "z",
        "p_value",
    ] {
        assert!(v["terms"][0].get(key).is_some(), "term lacks {key}");
    }
    for test in ["likelihood_ratio", "wald", "score"] {
        for key in ["statistic", "df", "p_value"] {
            assert!(v["tests"][test].get(key).is_some(), "{test} lacks {key}");
        }
    }
    assert!(v["zph"]["global"].get("chisq").is_some());
    assert_eq!(v["zph"]["terms"][0]["term"], "age");
}

#[test]
fn an_arm_without_events_is_flagged_not_printed_as_a_huge_hr() {
    let args = [
        "cox",
        "tests/reference/data/monotone.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "x",
    ];
    let v = json(&survkit(&[&args[..], &["--format", "json"]].concat()));
    assert!(v["terms"][0]["hr"].is_null());
    assert_eq!(v["terms"][0]["diverges_to"], "+infinity");
    assert!(v["warnings"][0].as_str().unwrap().contains("Firth"));
    let table = survkit(&args);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("not estimable"), "{text}");
    assert!(!text.contains("e+"), "{text}");
    let firth = json(&survkit(&[&args[..], &["--firth", "--format", "json"]].concat()));
    assert!((firth["terms"][0]["hr"].as_f64().unwrap() - 26.4566).abs() < 1e-3);
}

#[test]
fn score_test_is_shown_beside_the_log_rank_test() {
    let out = survkit(&[
        "cox",
        "tests/reference/data/als_small.csv",
        "--time",
        "time",
        "--event",
        "event",
        "--covariates",
        "arm",
        "--factors",
        "arm",
        "--reference",
        "arm=placebo",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Score test") && text.contains("Log-rank test"), "{text}");
    assert!(text.contains("arm=active"), "{text}");
}

#[test]
fn bad_covariates_get_clear_errors() {
    let cases: [(&[&str], &str); 5] = [
        (&["--covariates", "nope"], "no column named 'nope'"),
        (&["--covariates", "age", "--factors", "sex"], "not in --covariates"),
        (&["--covariates", "age,age2"], "no column named 'age2'"),
        (
            &["--covariates", "sex", "--ties", "exact", "--weight", "age"],
            "exact ties",
        ),
        (&["--covariates", "age", "--firth", "--ties", "efron"], "Breslow"),
    ];
    for (extra, fragment) in cases {
        let out = survkit(&[&["cox"], &LUNG[..], extra].concat());
        let message = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {message}");
        assert!(message.contains(fragment), "{extra:?}: {message}");
        assert!(out.stdout.is_empty());
    }
    let dir = tempfile::tempdir().unwrap();
    let constant = dir.path().join("constant.csv");
    std::fs::write(&constant, "t,s,x,y\n1,1,5,1\n2,0,5,2\n3,1,5,3\n").unwrap();
    let collinear = dir.path().join("collinear.csv");
    std::fs::write(&collinear, "t,s,x,y\n1,1,1,2\n2,0,2,4\n3,1,3,6\n4,1,5,10\n").unwrap();
    let text = dir.path().join("text.csv");
    std::fs::write(&text, "t,s,x\n1,1,1\n2,0,high\n").unwrap();
    for (file, covariates, fragment) in [
        (&constant, "x", "'x' has no variation"),
        (&collinear, "x,y", "'y' is a linear combination of x"),
        (&text, "x", "line 3, column 'x': value 'high'"),
    ] {
        let out = survkit(&[
            "cox",
            file.to_str().unwrap(),
            "--time",
            "t",
            "--event",
            "s",
            "--covariates",
            covariates,
        ]);
        let message = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{message}");
        assert!(message.contains(fragment), "{message}");
    }
}

#[test]
fn residuals_file_and_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("res.csv");
    let out = survkit(
        &[
            &["cox"],
            &LUNG[..],
            &[
                "--covariates",
                "age,sex",
                "--residuals",
                path.to_str().unwrap(),
                "--predict",
                "age=60,sex=1",
                "--format",
                "json",
            ],
        ]
        .concat(),
    );
    let v = json(&out);
    assert!(v["predictions"][0]["table"][0]["survival"].as_f64().unwrap() < 1.0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("line,time,event,martingale,deviance,score:age"));
    assert_eq!(text.lines().count(), 229);
}
