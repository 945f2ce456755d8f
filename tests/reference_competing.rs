//! Competing risks against R: survival 3.5.3's `survfit(Surv(time, factor(status)) ~ g)`
//! (Aalen–Johansen estimates and infinitesimal-jackknife SEs), cmprsk 2.2.11's `cuminc`
//! (estimates, variances, Gray's test) and `crr` (Fine–Gray), from
//! `tests/reference/competing.json` (made by `tests/reference/make_competing_fixtures.R`).

mod common;

use common::*;
use serde_json::Value;
use survkit::Columns;
use survkit::competing::{Cif, CifOptions, CifVariance, CompetingData, FineGray, FineGrayOptions};

fn cases(kind: &str) -> Vec<Value> {
    let all = fixture("competing.json");
    let cases: Vec<Value> = all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect();
    assert!(!cases.is_empty(), "no {kind} cases");
    cases
}

fn load(case: &Value, group: Option<&str>) -> CompetingData {
    let mut columns = Columns::new("time", "status");
    if let Some(g) = group {
        columns = columns.group(g);
    }
    if let Some(s) = case["strata"].as_str() {
        columns = columns.strata(s);
    }
    if let Some(w) = case["weight"].as_str() {
        columns = columns.weight(w);
    }
    if let Some(e) = case["entry"].as_str() {
        columns = columns.entry(e);
    }
    CompetingData::read_csv(repo_path(case["file"].as_str().unwrap()), &columns, "0").unwrap()
}

#[test]
fn aalen_johansen_matches_survfit() {
    for case in cases("survfit") {
        let name = case["name"].as_str().unwrap();
        let data = load(&case, case["group"].as_str());
        let options = CifOptions {
            at: f64s(&case["at"]).into_iter().flatten().collect(),
            ..Default::default()
        };
        let fit = Cif::fit(&data, &options).unwrap();
        let states: Vec<&str> = case["states"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        for curve in case["curves"].as_array().unwrap() {
            let group = curve["group"].as_str().map(String::from);
            let time = f64s(&curve["time"]);
            let free = fit.event_free.iter().find(|c| c.group == group).unwrap();
            assert_eq!(free.time.len(), time.len(), "{name}: times");
            for (s, state) in curve["states"].as_array().unwrap().iter().enumerate() {
                let label = states[s];
                let (p, se, lower, upper) = if s == 0 {
                    (
                        free.probability.clone(),
                        free.se.clone(),
                        free.lower.clone(),
                        free.upper.clone(),
                    )
                } else {
                    let c = fit
                        .curves
                        .iter()
                        .find(|c| c.group == group && c.cause == label)
                        .unwrap();
                    (c.cif.clone(), c.se.clone(), c.lower.clone(), c.upper.clone())
                };
                let r_p = f64s(&state["pstate"]);
                for l in 0..time.len() {
                    let what = format!("{name} {group:?} state {label} t={}", time[l].unwrap());
                    assert_close(&format!("{what} time"), free.time[l], time[l].unwrap());
                    assert_close(&format!("{what} p"), p[l], r_p[l].unwrap());
                    assert_close_opt(&format!("{what} se"), se[l], &state["std_err"][l]);
                    assert_close_opt(&format!("{what} lower"), lower[l], &state["lower"][l]);
                    assert_close_opt(&format!("{what} upper"), upper[l], &state["upper"][l]);
                }
            }
        }
        for row in case["at_rows"].as_array().unwrap() {
            let group = row["group"].as_str().map(String::from);
            let t = row["time"].as_f64().unwrap();
            let what = format!("{name} {group:?} at {t}");
            let free = fit
                .event_free_at
                .iter()
                .find(|a| a.group == group && a.time == t)
                .unwrap();
            assert_close(
                &format!("{what} S"),
                free.probability,
                row["pstate"][0].as_f64().unwrap(),
            );
            assert_close_opt(&format!("{what} S se"), free.se, &row["std_err"][0]);
            for (s, label) in states.iter().enumerate().skip(1) {
                let a = fit
                    .at
                    .iter()
                    .find(|a| a.group == group && a.time == t && a.cause == *label)
                    .unwrap();
                assert_close(&format!("{what} F{label}"), a.cif, row["pstate"][s].as_f64().unwrap());
                assert_close_opt(&format!("{what} F{label} se"), a.se, &row["std_err"][s]);
            }
        }
    }
}

#[test]
fn cuminc_estimates_variances_and_gray_match_cmprsk() {
    for case in cases("cuminc") {
        let name = case["name"].as_str().unwrap();
        let data = load(&case, case["group"].as_str());
        let options = CifOptions {
            variance: CifVariance::Cuminc,
            rho: case["rho"].as_f64().unwrap(),
            ..Default::default()
        };
        let fit = Cif::fit(&data, &options).unwrap();
        for curve in case["curves"].as_array().unwrap() {
            let group = curve["group"].as_str().map(String::from);
            let cause = curve["cause"].as_str().unwrap();
            let ours = fit
                .curves
                .iter()
                .find(|c| c.group == group && c.cause == cause)
                .unwrap();
            let times = f64s(&curve["time"]);
            let (est, var) = (f64s(&curve["est"]), f64s(&curve["var"]));
            let mut compared = 0;
            for k in 0..times.len() {
                let (Some(t), Some(e), Some(v)) = (times[k], est[k], var[k]) else {
                    continue;
                };
                let what = format!("{name} {group:?} cause {cause} t={t}");
                let l = ours.time.partition_point(|&x| x <= t);
                let (f, se) = if l == 0 {
                    (0.0, 0.0)
                } else {
                    (ours.cif[l - 1], ours.se[l - 1].unwrap())
                };
                assert_close(&format!("{what} est"), f, e);
                assert_close(&format!("{what} var"), se * se, v);
                compared += 1;
            }
            assert!(compared > 0, "{name}: nothing compared");
        }
        for g in case["gray"].as_array().unwrap() {
            let cause = g["cause"].as_str().unwrap();
            let ours = fit.gray.iter().find(|t| t.cause == cause).unwrap();
            let what = format!("{name} Gray cause {cause}");
            assert_close_opt(&format!("{what} statistic"), ours.statistic, &g["statistic"]);
            assert_close_opt(&format!("{what} p"), ours.p_value, &g["p_value"]);
            assert_eq!(ours.df as f64, g["df"].as_f64().unwrap(), "{what} df");
        }
    }
}

/// The Newton iterations are crr's own (start, step, halving, stopping rule), so the estimates
/// agree to the reference tolerance of a closed-form computation, not only the 1e-6 of a fit.
#[test]
fn fine_gray_matches_crr() {
    for case in cases("crr") {
        let name = case["name"].as_str().unwrap();
        let strs = |key: &str| -> Vec<String> {
            case[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        let columns = Columns::new("time", "status")
            .covariates(strs("covariates"))
            .factors(strs("factors"));
        let data = CompetingData::read_csv(repo_path(case["file"].as_str().unwrap()), &columns, "0").unwrap();
        let cause = case["cause"].as_f64().unwrap().to_string();
        let fit = FineGray::fit(&data, &FineGrayOptions::new(cause)).unwrap();
        assert_eq!(fit.converged, case["converged"].as_bool().unwrap(), "{name}: converged");
        let (coef, se) = (f64s(&case["coef"]), f64s(&case["se"]));
        assert_eq!(fit.terms.len(), coef.len(), "{name}: terms");
        for (k, term) in fit.terms.iter().enumerate() {
            let what = format!("{name} {}", term.term);
            assert_close(&format!("{what} coef"), term.coef.unwrap(), coef[k].unwrap());
            assert_close(&format!("{what} se"), term.se.unwrap(), se[k].unwrap());
        }
        assert_close(&format!("{name} loglik"), fit.loglik, case["loglik"].as_f64().unwrap());
    }
}

#[test]
fn restricted_mean_time_lost_matches_integrated_survfit() {
    for case in cases("rmtl") {
        let name = case["name"].as_str().unwrap();
        let data = load(&case, case["group"].as_str());
        let options = CifOptions {
            tau: case["tau"].as_f64(),
            ..Default::default()
        };
        let fit = Cif::fit(&data, &options).unwrap();
        let arms = case["arms"].as_array().unwrap();
        assert_eq!(fit.rmtl.len(), arms.len(), "{name}");
        for arm in arms {
            let group = arm["group"].as_str().map(String::from);
            let cause = arm["cause"].as_str().unwrap();
            let ours = fit.rmtl.iter().find(|r| r.group == group && r.cause == cause).unwrap();
            let what = format!("{name} {group:?} cause {cause}");
            assert_close(&format!("{what} rmtl"), ours.rmtl, arm["rmtl"].as_f64().unwrap());
            assert_close_opt(&format!("{what} se"), ours.se, &arm["se"]);
        }
        for contrast in &fit.rmtl_contrasts {
            let pick = |g: &str| {
                let group = Some(g.to_string());
                fit.rmtl
                    .iter()
                    .find(|r| r.group == group && r.cause == contrast.cause)
                    .unwrap()
            };
            let (a, b) = (pick(&contrast.group), pick(&contrast.reference));
            assert_close("difference", contrast.difference, a.rmtl - b.rmtl);
            assert_close(
                "se",
                contrast.se.unwrap(),
                (a.se.unwrap().powi(2) + b.se.unwrap().powi(2)).sqrt(),
            );
        }
        assert_eq!(fit.rmtl_contrasts.len(), 2, "{name}: one contrast per cause");
    }
}
