//! Cox models against R survival's coxph (fixtures from tests/reference/make_cox_fixtures.R).

mod common;

use common::*;
use serde_json::Value;
use survkit::cox::Divergence;
use survkit::{Columns, Cox, CoxFit, CoxOptions, SurvData, Ties};

/// Iterative fits: 1e-6 relative (the tolerance for Newton–Raphson results).
const COX_TOL: f64 = 1e-6;

fn close_cox(what: &str, ours: f64, r: f64) {
    let diff = (ours - r).abs();
    assert!(
        diff <= 1e-9 || diff <= COX_TOL * ours.abs().max(r.abs()),
        "{what}: survkit {ours:e} vs R {r:e}"
    );
}

fn close_cox_opt(what: &str, ours: Option<f64>, r: &Value) {
    match (ours, r.as_f64()) {
        (Some(a), Some(b)) => close_cox(what, a, b),
        (None, None) => {}
        _ => panic!("{what}: survkit {ours:?} vs R {r}"),
    }
}

pub fn load_case(case: &Value) -> SurvData {
    let strs = |key: &str| -> Vec<String> {
        case[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let mut columns = Columns::new(str_field(case, "time").unwrap(), str_field(case, "event").unwrap())
        .covariates(strs("covariates"))
        .factors(strs("factors"));
    columns.entry = str_field(case, "entry").map(String::from);
    columns.weight = str_field(case, "weight").map(String::from);
    columns.strata = str_field(case, "strata").map(String::from);
    columns.cluster = str_field(case, "cluster").map(String::from);
    if let Some(refs) = case["references"].as_object() {
        for (column, level) in refs {
            columns = columns.reference(column, level.as_str().unwrap());
        }
    }
    SurvData::read_csv(repo_path(str_field(case, "file").unwrap()), &columns).unwrap()
}

pub fn fit_case(case: &Value) -> CoxFit {
    let data = load_case(case);
    let options = CoxOptions {
        ties: str_field(case, "ties").unwrap().parse::<Ties>().unwrap(),
        robust: case["robust"].as_bool(),
        ..Default::default()
    };
    Cox::fit(&data, &options).unwrap()
}

fn is_monotone(case: &Value) -> bool {
    str_field(case, "name").unwrap().starts_with("monotone")
}

#[test]
fn cox_matches_r_coxph() {
    let fixtures = fixture("cox.json");
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let name = str_field(case, "name").unwrap();
        let fit = fit_case(case);
        assert_eq!(fit.n as u64, case["n"].as_u64().unwrap(), "{name}: n");
        let r_events = case["weighted_events"].as_f64().or(case["events"].as_f64()).unwrap();
        assert_close(&format!("{name}: events"), fit.events, r_events);
        assert_eq!(
            fit.dropped_rows.count,
            case["dropped_rows"].as_array().unwrap().len(),
            "{name}: dropped"
        );
        close_cox(
            &format!("{name}: null loglik"),
            fit.loglik[0],
            case["loglik"][0].as_f64().unwrap(),
        );
        close_cox(
            &format!("{name}: loglik"),
            fit.loglik[1],
            case["loglik"][1].as_f64().unwrap(),
        );
        let tests = &case["tests"];
        for (label, ours) in [
            ("likelihood_ratio", &fit.tests.likelihood_ratio),
            ("score", &fit.tests.score),
        ] {
            close_cox_opt(
                &format!("{name}: {label} statistic"),
                ours.statistic,
                &tests[label]["statistic"],
            );
            close_cox_opt(&format!("{name}: {label} p"), ours.p_value, &tests[label]["p_value"]);
            assert_eq!(ours.df, tests[label]["df"].as_f64().unwrap(), "{name}: {label} df");
        }
        if let Some(robust) = tests.get("robust_score") {
            let ours = fit.tests.robust_score.as_ref().expect("robust score test");
            close_cox_opt(&format!("{name}: robust score"), ours.statistic, &robust["statistic"]);
        }
        let r_terms = case["terms"].as_array().unwrap();
        assert_eq!(fit.terms.len(), r_terms.len(), "{name}: terms");
        if is_monotone(case) {
            // R stops at a huge finite coefficient and warns; survkit reports it as not estimable.
            assert!(fit.terms[0].coef.is_none() && fit.terms[0].diverges_to == Some(Divergence::PlusInfinity));
            assert!(
                fit.warnings.iter().any(|w| w.contains("not estimable")),
                "{name}: {:?}",
                fit.warnings
            );
            assert!(fit.tests.wald.statistic.is_none());
            continue;
        }
        close_cox_opt(
            &format!("{name}: wald"),
            fit.tests.wald.statistic,
            &tests["wald"]["statistic"],
        );
        for (ours, r) in fit.terms.iter().zip(r_terms) {
            let what = |field: &str| format!("{name} {}: {field}", ours.term);
            assert_eq!(Some(ours.term.as_str()), str_field(r, "term"), "{name}");
            close_cox_opt(&what("coef"), ours.coef, &r["coef"]);
            close_cox_opt(&what("se"), ours.se, &r["se"]);
            close_cox_opt(&what("robust_se"), ours.robust_se, &r["robust_se"]);
            close_cox_opt(&what("z"), ours.z, &r["z"]);
            close_cox_opt(&what("p"), ours.p_value, &r["p_value"]);
            close_cox_opt(&what("hr"), ours.hr, &r["hr"]);
            close_cox_opt(&what("hr_lower"), ours.hr_lower, &r["hr_lower"]);
            close_cox_opt(&what("hr_upper"), ours.hr_upper, &r["hr_upper"]);
        }
        let variance = if case["robust"].as_bool() == Some(true) {
            fit.robust_variance.as_ref().unwrap()
        } else {
            &fit.variance
        };
        for (a, row) in variance.iter().enumerate() {
            for (b, v) in row.iter().enumerate() {
                close_cox(
                    &format!("{name}: var[{a},{b}]"),
                    *v,
                    case["var"][a][b].as_f64().unwrap(),
                );
            }
        }
    }
}

#[test]
fn profile_likelihood_limits_match_r() {
    let fixtures = fixture("cox.json");
    let mut checked = 0;
    for case in fixtures["cases"].as_array().unwrap() {
        let Some(r_limits) = case.get("profile_ci").and_then(Value::as_array) else {
            continue;
        };
        let name = str_field(case, "name").unwrap();
        let data = load_case(case);
        let options = CoxOptions {
            ties: str_field(case, "ties").unwrap().parse::<Ties>().unwrap(),
            robust: case["robust"].as_bool(),
            profile_ci: true,
            ..Default::default()
        };
        let fit = Cox::fit(&data, &options).unwrap();
        for (term, r) in fit.terms.iter().zip(r_limits) {
            let profile = term.profile.as_ref().expect("profile limits");
            let what = |side: &str| format!("{name} {}: profile {side}", term.term);
            close_cox_opt(&what("lower"), profile.hr_lower.map(f64::ln), &r["lower"]);
            close_cox_opt(&what("upper"), profile.hr_upper.map(f64::ln), &r["upper"]);
        }
        checked += 1;
    }
    assert!(checked >= 8);
}

#[test]
fn proportional_hazards_test_matches_cox_zph() {
    let fixtures = fixture("cox.json");
    let mut checked = 0;
    for case in fixtures["cases"].as_array().unwrap() {
        let Some(blocks) = case.get("zph_transforms").and_then(Value::as_array) else {
            continue;
        };
        let name = str_field(case, "name").unwrap();
        let data = load_case(case);
        for block in blocks {
            let transform = str_field(block, "transform").unwrap();
            let options = CoxOptions {
                ties: str_field(case, "ties").unwrap().parse::<Ties>().unwrap(),
                zph: Some(transform.parse().unwrap()),
                ..Default::default()
            };
            let zph = Cox::fit(&data, &options).unwrap().zph.unwrap();
            for (ours, r) in zph.terms.iter().zip(block["terms"].as_array().unwrap()) {
                let what = format!("{name} zph {transform} {}", ours.term);
                assert_eq!(Some(ours.term.as_str()), str_field(r, "term"), "{what}");
                close_cox(&format!("{what}: chisq"), ours.chisq, r["chisq"].as_f64().unwrap());
                close_cox(&format!("{what}: p"), ours.p_value, r["p_value"].as_f64().unwrap());
                assert_eq!(ours.df, r["df"].as_f64().unwrap(), "{what}: df");
            }
            let global = &block["global"];
            close_cox(
                &format!("{name} zph {transform} global"),
                zph.global.chisq,
                global["chisq"].as_f64().unwrap(),
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked}");
}

#[test]
fn residuals_match_r() {
    let fixtures = fixture("cox.json");
    let mut checked = 0;
    for case in fixtures["cases"].as_array().unwrap() {
        let Some(r) = case.get("residuals") else {
            continue;
        };
        let name = str_field(case, "name").unwrap();
        let data = load_case(case);
        let fit = fit_case(case);
        let res = fit.residuals(&data).unwrap();
        let p = fit.terms.len();
        for (i, v) in res.martingale.iter().enumerate() {
            close_cox(
                &format!("{name} martingale[{i}]"),
                *v,
                r["martingale"][i].as_f64().unwrap(),
            );
            close_cox(
                &format!("{name} deviance[{i}]"),
                res.deviance[i],
                r["deviance"][i].as_f64().unwrap(),
            );
            for j in 0..p {
                close_cox(
                    &format!("{name} score[{i},{j}]"),
                    res.score[i * p + j],
                    r["score"][i][j].as_f64().unwrap(),
                );
                close_cox(
                    &format!("{name} dfbeta[{i},{j}]"),
                    res.dfbeta[i * p + j],
                    r["dfbeta"][i][j].as_f64().unwrap(),
                );
            }
        }
        for (key, ours) in [
            ("schoenfeld", &res.schoenfeld),
            ("scaled_schoenfeld", &res.scaled_schoenfeld),
        ] {
            let block = &r[key];
            assert_eq!(ours.rows.len(), block["time"].as_array().unwrap().len(), "{name} {key}");
            for (e, row) in ours.rows.iter().enumerate() {
                assert_eq!(
                    data.lines[*row] - 1,
                    block["rows"][e].as_u64().unwrap(),
                    "{name} {key} row {e}"
                );
                for j in 0..p {
                    close_cox(
                        &format!("{name} {key}[{e},{j}]"),
                        ours.values[e * p + j],
                        block["values"][e][j].as_f64().unwrap(),
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 5, "{checked}");
}

#[test]
fn predicted_survival_matches_survfit_coxph() {
    let fixtures = fixture("cox.json");
    let mut checked = 0;
    for case in fixtures["cases"].as_array().unwrap() {
        let Some(predictions) = case.get("predict").and_then(Value::as_array) else {
            continue;
        };
        let name = str_field(case, "name").unwrap();
        let data = load_case(case);
        let fit = fit_case(case);
        for r in predictions {
            let pattern: Vec<(String, String)> = r["newdata"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), String::from)))
                .collect();
            let curves = fit.predict(&data, &pattern, survkit::ConfType::Log).unwrap();
            let table = &curves[0].table;
            assert_eq!(table.len(), r["time"].as_array().unwrap().len(), "{name}: rows");
            for (j, row) in table.iter().enumerate() {
                let what = |f: &str| format!("{name} predict t = {}: {f}", row.time);
                close_cox(&what("time"), row.time, r["time"][j].as_f64().unwrap());
                close_cox(&what("n_risk"), row.n_risk, r["n_risk"][j].as_f64().unwrap());
                close_cox(&what("surv"), row.survival, r["surv"][j].as_f64().unwrap());
                close_cox(&what("cumhaz"), row.cumhaz, r["cumhaz"][j].as_f64().unwrap());
                close_cox_opt(&what("std_err"), row.std_err, &r["std_err"][j]);
                close_cox_opt(&what("std_cumhaz"), row.std_cumhaz, &r["std_cumhaz"][j]);
                close_cox_opt(&what("lower"), row.lower, &r["lower"][j]);
                close_cox_opt(&what("upper"), row.upper, &r["upper"][j]);
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
}
