//! The MaxCombo test and the modestly weighted log-rank test against an R implementation with
//! mvtnorm::pmvnorm (tests/reference/maxcombo.json, made by
//! tests/reference/make_maxcombo_fixtures.R).

mod common;

use common::*;
use survkit::maxcombo::{MaxCombo, MaxComboOptions};
use survkit::{Columns, LogRank, LogRankOptions, SurvData, Weights};

fn data(case: &serde_json::Value) -> SurvData {
    let mut columns = Columns::new(str_field(case, "time").unwrap(), str_field(case, "event").unwrap())
        .group(str_field(case, "group").unwrap());
    columns.strata = str_field(case, "strata").map(String::from);
    SurvData::read_csv(repo_path(str_field(case, "file").unwrap()), &columns).unwrap()
}

fn weights(case: &serde_json::Value) -> Vec<Weights> {
    case["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn maxcombo_matches_r() {
    let fixtures = fixture("maxcombo.json");
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let name = str_field(case, "name").unwrap();
        let options = MaxComboOptions {
            weights: weights(case),
            ..MaxComboOptions::default()
        };
        let test = MaxCombo::test(&data(case), &options).unwrap();
        for (a, s) in test.statistics.iter().enumerate() {
            let what = |field: &str| format!("{name} {}: {field}", s.weights);
            assert_close(&what("u"), s.u, case["u"][a].as_f64().unwrap());
            assert_close(&what("variance"), s.variance, case["variance"][a].as_f64().unwrap());
            assert_close(&what("z"), s.z, case["z"][a].as_f64().unwrap());
            for (b, r) in test.correlation[a].iter().enumerate() {
                assert_close(&what("correlation"), *r, case["correlation"][a][b].as_f64().unwrap());
            }
        }
        assert_close(
            &format!("{name}: statistic"),
            test.statistic,
            case["statistic"].as_f64().unwrap(),
        );
        let r_p = case["p_value"].as_f64().unwrap();
        assert!(
            (test.p_value - r_p).abs() < MAXCOMBO_P_ABS_TOL,
            "{name}: p survkit {} vs R {r_p}",
            test.p_value
        );
        assert!(test.p_value_error < 1e-6, "{name}: error bound {}", test.p_value_error);
    }
}

/// One modestly weighted statistic through `survkit logrank --weights mwlr:T`: χ² = z².
#[test]
fn modestly_weighted_logrank_matches_r() {
    let fixtures = fixture("maxcombo.json");
    let case = fixtures["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| str_field(c, "name") == Some("lung_mwlr_only"))
        .unwrap();
    let options = LogRankOptions {
        weights: "mwlr:365".parse().unwrap(),
        trend: false,
    };
    let test = LogRank::test(&data(case), &options).unwrap();
    let z = case["z"][0].as_f64().unwrap();
    assert_close("mwlr:365 chi-square", test.statistic, z * z);
    assert_close("mwlr:365 p", test.p_value, case["p_value"].as_f64().unwrap());
}

#[cfg(feature = "cli")]
#[test]
fn maxcombo_cli() {
    let out = survkit(&[
        "logrank",
        "datasets/veteran.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "trt",
        "--format",
        "json",
        "--maxcombo",
        "fh:0,0",
        "fh:0,1",
    ]);
    let json = json_stdout(&out);
    assert_eq!(json["statistics"].as_array().unwrap().len(), 2);
    let out = survkit(&[
        "logrank",
        "datasets/veteran.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "celltype",
        "--maxcombo",
    ]);
    assert_eq!(out.status.code(), Some(2), "four groups");
}
