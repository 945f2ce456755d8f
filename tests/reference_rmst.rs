//! RMST against survRM2 1.0-4 (`tests/reference/survRM2/`, copied from the project's shared
//! reference set) and R survival's `print(survfit, rmean = τ)` (`tests/reference/rmst.json`,
//! from `tests/reference/make_rmst_fixtures.R`).

mod common;

use common::*;
use serde_json::Value;
use survkit::rmst::{AdjustedModel, ContrastEstimate};
use survkit::{Columns, Rmst, RmstOptions, SurvData};

/// The survRM2 cases: file, group column, reference level (survRM2's arm 0), covariates.
const SURVRM2_CASES: [(&str, &str, &str, &[&str]); 2] = [
    ("lung", "sex", "2", &["age", "ph.ecog"]),
    ("veteran", "trt", "1", &["age", "karno", "diagtime"]),
];

fn survrm2(name: &str) -> Value {
    fixture(&format!("survRM2/{name}.json"))
}

fn load(case: &str, group: &str, reference: &str, covariates: &[&str]) -> SurvData {
    let columns = Columns::new("time", "status")
        .group(group)
        .reference(group, reference)
        .covariates(covariates.iter().copied());
    SurvData::read_csv(repo_path(&format!("datasets/{case}.csv")), &columns).unwrap()
}

fn tau_option(result: &Value) -> Option<f64> {
    result["tau_requested"].as_f64()
}

fn check(what: &str, ours: f64, r: &Value) {
    assert_close(what, ours, r.as_f64().unwrap_or_else(|| panic!("{what}: {r}")));
}

/// survRM2's names for (estimate, lower, upper, p); the R survival fixtures use survkit's own.
const SURVRM2_FIELDS: [&str; 4] = ["est", "lower", "upper", "p"];
const SURVKIT_FIELDS: [&str; 4] = ["estimate", "lower", "upper", "p_value"];

fn check_contrast(what: &str, ours: &ContrastEstimate, r: &Value, names: [&str; 4]) {
    let values = [ours.estimate, ours.lower, ours.upper, ours.p_value];
    for (field, value) in names.into_iter().zip(values) {
        assert_close_opt(&format!("{what} {field}"), value, &r[field]);
    }
}

#[test]
fn unadjusted_rmst_matches_survrm2() {
    for (case, group, reference, _) in SURVRM2_CASES {
        let data = load(case, group, reference, &[]);
        let fixture = survrm2(&format!("rmst_{case}"));
        for (key, result) in fixture["results"].as_object().unwrap() {
            let options = RmstOptions {
                tau: tau_option(result),
                ..Default::default()
            };
            let fit = Rmst::fit(&data, &options).unwrap();
            let what = |s: &str| format!("{case} {key}: {s}");
            check(&what("tau"), fit.tau, &result["tau"]);
            assert_eq!(fit.arms.len(), 2);
            for (ours, arm) in [(&fit.arms[1], "arm1"), (&fit.arms[0], "arm0")] {
                let r = &result[arm];
                assert_eq!(ours.n as u64, r["n"].as_u64().unwrap());
                assert_eq!(ours.events as u64, r["events"].as_u64().unwrap());
                for (field, value) in [
                    ("rmst", ours.rmst),
                    ("rmst_se", ours.se),
                    ("rmst_lower", ours.lower),
                    ("rmst_upper", ours.upper),
                    ("rmtl", ours.rmtl),
                    ("rmtl_se", ours.se),
                    ("rmtl_lower", ours.rmtl_lower),
                    ("rmtl_upper", ours.rmtl_upper),
                ] {
                    check(&what(&format!("{arm} {field}")), value, &r[field]);
                }
            }
            let contrast = &fit.contrasts[0];
            assert_eq!(
                (contrast.group.as_str(), contrast.reference.as_str()),
                (fit.arms[1].group.as_deref().unwrap(), reference)
            );
            check_contrast(
                &what("difference"),
                &contrast.difference,
                &result["difference"],
                SURVRM2_FIELDS,
            );
            check(
                &what("difference se"),
                contrast.difference.se.unwrap(),
                &result["difference_se_derived"],
            );
            check_contrast(&what("ratio"), &contrast.ratio, &result["ratio"], SURVRM2_FIELDS);
            check_contrast(
                &what("rmtl_ratio"),
                &contrast.rmtl_ratio,
                &result["rmtl_ratio"],
                SURVRM2_FIELDS,
            );
        }
    }
}

#[test]
fn adjusted_rmst_matches_survrm2() {
    for (case, group, reference, covariates) in SURVRM2_CASES {
        let data = load(case, group, reference, covariates);
        let fixture = survrm2(&format!("rmst_adj_{case}"));
        assert_eq!(data.n_rows() as u64, fixture["n"].as_u64().unwrap());
        for (key, result) in fixture["results"].as_object().unwrap() {
            let options = RmstOptions {
                tau: tau_option(result),
                covariates: covariates.iter().map(|c| c.to_string()).collect(),
                ..Default::default()
            };
            let fit = Rmst::fit(&data, &options).unwrap();
            let what = |s: &str| format!("{case} adjusted {key}: {s}");
            check(&what("tau"), fit.tau, &result["tau"]);
            let adjusted = fit.adjusted.as_ref().unwrap();
            check_contrast(
                &what("difference"),
                &adjusted.difference,
                &result["difference"],
                SURVRM2_FIELDS,
            );
            check_contrast(&what("ratio"), &adjusted.ratio, &result["ratio"], SURVRM2_FIELDS);
            check_contrast(
                &what("rmtl_ratio"),
                &adjusted.rmtl_ratio,
                &result["rmtl_ratio"],
                SURVRM2_FIELDS,
            );
            for (model, name) in AdjustedModel::ALL
                .into_iter()
                .zip(["difference", "ratio", "rmtl_ratio"])
            {
                let r = &result["models"][name];
                let rows: Vec<_> = adjusted.coefficients.iter().filter(|c| c.model == model).collect();
                assert_eq!(rows.len(), r["terms"].as_array().unwrap().len());
                for (j, c) in rows.iter().enumerate() {
                    let what = |field: &str| what(&format!("{name} {} {field}", r["terms"][j]));
                    check(&what("coef"), c.coef, &r["coef"][j]);
                    check(&what("se"), c.se, &r["se"][j]);
                    check(&what("z"), c.z, &r["z"][j]);
                    // survRM2's p is 1 - pchisq(z², 1), so 0 below about 1e-16: ABS_TOL covers it.
                    check(&what("p"), c.p_value, &r["p"][j]);
                    if model == AdjustedModel::Difference {
                        check(&what("lower"), c.lower, &r["lower"][j]);
                        check(&what("upper"), c.upper, &r["upper"][j]);
                    } else {
                        check(&what("exp_coef"), c.exp_coef.unwrap(), &r["exp_coef"][j]);
                        check(&what("lower"), c.exp_lower.unwrap(), &r["lower"][j]);
                        check(&what("upper"), c.exp_upper.unwrap(), &r["upper"][j]);
                    }
                }
            }
        }
    }
}

#[test]
fn rmst_matches_r_survival_rmean() {
    let fixtures = fixture("rmst.json");
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 14);
    for case in cases {
        let name = str_field(case, "name").unwrap();
        let mut columns = Columns::new(str_field(case, "time").unwrap(), str_field(case, "event").unwrap());
        columns.group = str_field(case, "group").map(String::from);
        let data = SurvData::read_csv(repo_path(str_field(case, "file").unwrap()), &columns).unwrap();
        let options = RmstOptions {
            tau: case["tau"].as_f64(),
            conf_level: case["conf_level"].as_f64().unwrap(),
            allow_tau_beyond_data: case["allow_tau_beyond_data"].as_bool().unwrap(),
            ..Default::default()
        };
        let fit = Rmst::fit(&data, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r_arms = case["arms"].as_array().unwrap();
        assert_eq!(fit.arms.len(), r_arms.len(), "{name}: arms");
        for (ours, r) in fit.arms.iter().zip(r_arms) {
            let what = |field: &str| format!("{name} group {:?}: {field}", ours.group);
            assert_eq!(ours.group.as_deref(), str_field(r, "group"), "{name}");
            assert_eq!(ours.n as u64, r["n"].as_u64().unwrap(), "{}", what("n"));
            assert_eq!(ours.events as u64, r["events"].as_u64().unwrap(), "{}", what("events"));
            for (field, value) in [
                ("rmst", ours.rmst),
                ("se", ours.se),
                ("lower", ours.lower),
                ("upper", ours.upper),
                ("rmtl", ours.rmtl),
            ] {
                assert_close_opt(&what(field), Some(value), &r[field]);
            }
        }
        let r_contrasts = case["contrasts"].as_array().unwrap();
        assert_eq!(fit.contrasts.len(), r_contrasts.len(), "{name}: contrasts");
        for (ours, r) in fit.contrasts.iter().zip(r_contrasts) {
            assert_eq!(Some(ours.group.as_str()), str_field(r, "group"));
            assert_eq!(Some(ours.reference.as_str()), str_field(r, "reference"));
            let what = |measure: &str| format!("{name} {} vs {}: {measure}", ours.group, ours.reference);
            for (measure, estimate) in [
                ("difference", &ours.difference),
                ("ratio", &ours.ratio),
                ("rmtl_ratio", &ours.rmtl_ratio),
            ] {
                let mut expected = r[measure].clone();
                if expected["se"].as_f64() == Some(0.0) {
                    // Without variance R's formula gives p = 0 (or NaN); survkit reports none.
                    expected["p_value"] = Value::Null;
                }
                check_contrast(&what(measure), estimate, &expected, SURVKIT_FIELDS);
                assert_close_opt(&what(&format!("{measure} se")), estimate.se, &r[measure]["se"]);
            }
        }
    }
}
