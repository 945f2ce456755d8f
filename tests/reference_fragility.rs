//! Fragility analyses against R: `tests/reference/fragility.json`, written by
//! `tests/reference/make_fragility_fixtures.R` (R 4.2.2, survival 3.5.3): fisher.test,
//! chisq.test, a mid-p from dhyper, brute-force fragility and Walsh indices, and the greedy
//! status-flip search written out in R with survdiff and coxph.

mod common;

use common::{COX_REL_TOL, assert_close, assert_close_opt, assert_close_rel, fixture, repo_path};
use serde_json::Value;
use survkit::fragility::{ArmCounts, CountsFragility, CountsOptions, SurvivalFragility, SurvivalOptions, SurvivalTest};
use survkit::fragility::{Table2x2, chi_square, fisher_exact};
use survkit::{Columns, SurvData};

fn arm(v: &Value) -> ArmCounts {
    ArmCounts::new(v[0].as_u64().unwrap(), v[1].as_u64().unwrap()).unwrap()
}

#[test]
fn counts_p_values_match_r() {
    let fixture = fixture("fragility.json");
    for case in fixture["counts"].as_array().unwrap() {
        let table = Table2x2::new(arm(&case["treatment"]), arm(&case["control"]));
        let name = format!("{} vs {}", table.treatment, table.control);
        let (fisher, mid_p) = fisher_exact(&table);
        assert_close(&format!("{name} fisher"), fisher, case["fisher"].as_f64().unwrap());
        assert_close(&format!("{name} mid-p"), mid_p, case["mid_p"].as_f64().unwrap());
        let (x, p) = chi_square(&table, false);
        assert_close_opt(
            &format!("{name} chi-square"),
            x.is_finite().then_some(x),
            &case["chi_square_statistic"],
        );
        assert_close_opt(
            &format!("{name} chi-square p"),
            p.is_finite().then_some(p),
            &case["chi_square"],
        );
        let (y, py) = chi_square(&table, true);
        assert_close_opt(
            &format!("{name} Yates"),
            y.is_finite().then_some(y),
            &case["chi_square_yates_statistic"],
        );
        assert_close_opt(
            &format!("{name} Yates p"),
            py.is_finite().then_some(py),
            &case["chi_square_yates"],
        );
    }
}

#[test]
fn counts_fragility_indices_match_brute_force_in_r() {
    let fixture = fixture("fragility.json");
    let mut checked = 0;
    for case in fixture["counts"].as_array().unwrap() {
        let Some(expected) = case.get("fragility_index") else {
            continue;
        };
        if case["treatment"][1].as_u64().unwrap() + case["control"][1].as_u64().unwrap() > 100 {
            continue;
        }
        let result = CountsFragility::compute(
            arm(&case["treatment"]),
            arm(&case["control"]),
            &CountsOptions::default(),
        )
        .unwrap();
        let name = format!("{} vs {}", result.treatment, result.control);
        assert_eq!(result.fragility_index, expected.as_i64(), "{name} fragility index");
        assert_eq!(
            result.walsh_fragility_index,
            case["walsh_fragility_index"].as_u64(),
            "{name} Walsh index"
        );
        checked += 1;
    }
    assert!(checked >= 10);
}

fn load(case: &Value) -> SurvData {
    let columns = Columns::new(case["time"].as_str().unwrap(), case["event"].as_str().unwrap())
        .group(case["group"].as_str().unwrap());
    SurvData::read_csv(repo_path(case["file"].as_str().unwrap()), &columns).unwrap()
}

#[test]
fn survival_summary_and_status_flip_paths_match_r() {
    let fixture = fixture("fragility.json");
    for case in fixture["survival"].as_array().unwrap() {
        let data = load(case);
        let name = case["name"].as_str().unwrap();
        // R's coxph compares the second level with the first: make the second experimental
        let experimental = case["levels"][1].as_str().unwrap().to_string();
        for (test_name, expected) in case["status_flip"].as_object().unwrap() {
            let options = SurvivalOptions {
                test: test_name.parse::<SurvivalTest>().unwrap(),
                experimental: Some(experimental.clone()),
                ..Default::default()
            };
            let result = SurvivalFragility::compute(&data, &options).unwrap();
            let what = format!("{name} {test_name}");
            let s = &result.summary;
            let hr = s.hazard_ratio.unwrap();
            assert_close_rel(&format!("{what} HR"), hr.hr, case["hr"].as_f64().unwrap(), COX_REL_TOL);
            assert_close_rel(
                &format!("{what} lower"),
                hr.lower,
                case["hr_lower"].as_f64().unwrap(),
                COX_REL_TOL,
            );
            assert_close_rel(
                &format!("{what} upper"),
                hr.upper,
                case["hr_upper"].as_f64().unwrap(),
                COX_REL_TOL,
            );
            for (ours, key) in [
                (s.cox_wald_p, "cox_wald_p"),
                (s.cox_lr_p, "cox_lr_p"),
                (s.cox_score_p, "cox_score_p"),
            ] {
                assert_close_rel(
                    &format!("{what} {key}"),
                    ours.unwrap(),
                    case[key].as_f64().unwrap(),
                    COX_REL_TOL,
                );
            }
            assert_close(
                &format!("{what} log-rank p"),
                s.logrank_p.unwrap(),
                case["logrank_p"].as_f64().unwrap(),
            );
            let tol = if test_name == "logrank" { 1e-8 } else { COX_REL_TOL };
            assert_close_rel(
                &format!("{what} p"),
                result.p_value,
                expected["p_value"].as_f64().unwrap(),
                tol,
            );
            assert_eq!(
                result.fragility_index,
                expected["fragility_index"].as_i64(),
                "{what} index"
            );
            let path = expected["path"].as_array().unwrap();
            assert_eq!(result.path.len(), path.len(), "{what} path length");
            for (ours, r) in result.path.iter().zip(path) {
                assert_eq!(ours.line, r["line"].as_u64().unwrap(), "{what} step {} line", ours.step);
                assert_eq!(
                    ours.change,
                    r["change"].as_str().unwrap(),
                    "{what} step {} change",
                    ours.step
                );
                assert_close_rel(
                    &format!("{what} step {} p", ours.step),
                    ours.p_value.unwrap(),
                    r["p_value"].as_f64().unwrap(),
                    tol,
                );
            }
        }
    }
}
