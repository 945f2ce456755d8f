//! Cox models with interaction terms fitted from a formula, against R's coxph
//! (tests/reference/make_formula_fixtures.R → tests/reference/formula.json).

mod common;

use common::{COX_REL_TOL, assert_close_rel, fixture};
use survkit::{Cox, Table};

#[test]
fn interactions_match_coxph() {
    let lung = Table::read_csv(common::repo_path("datasets/lung.csv")).unwrap();
    let cases = fixture("formula.json");
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let fit = Cox::new(case["formula"].as_str().unwrap()).fit(&lung).unwrap();
        let terms: Vec<&str> = fit.terms.iter().map(|t| t.term.as_str()).collect();
        let expected: Vec<&str> = case["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(terms, expected, "{name}");
        assert_eq!(fit.n as u64, case["n"].as_u64().unwrap(), "{name}");
        assert_eq!(fit.events, case["nevent"].as_f64().unwrap(), "{name}");
        for (k, term) in fit.terms.iter().enumerate() {
            let what = format!("{name} {}", term.term);
            assert_close_rel(
                &format!("{what} coef"),
                term.coef.unwrap(),
                case["coef"][k].as_f64().unwrap(),
                COX_REL_TOL,
            );
            assert_close_rel(
                &format!("{what} se"),
                term.se.unwrap(),
                case["se"][k].as_f64().unwrap(),
                COX_REL_TOL,
            );
        }
        for k in 0..2 {
            assert_close_rel(
                &format!("{name} loglik"),
                fit.loglik[k],
                case["loglik"][k].as_f64().unwrap(),
                COX_REL_TOL,
            );
        }
    }
}
