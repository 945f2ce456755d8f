//! Firth-penalised Cox fits against R's coxphf 1.13.4 (tests/reference/coxphf/).

mod common;

use common::{fixture, repo_path};
use serde_json::Value;
use survkit::cox::Divergence;
use survkit::{Columns, Cox, CoxOptions, SurvData, Ties};

/// The tolerance for Firth results.
const FIRTH_TOL: f64 = 1e-5;

fn near(what: &str, ours: f64, reference: f64) {
    let diff = (ours - reference).abs();
    assert!(
        diff <= FIRTH_TOL * reference.abs().max(1.0),
        "{what}: survkit {ours:e} vs coxphf {reference:e}"
    );
}

fn check(reference: &Value, file: &str, time: &str, event: &str, event_value: Option<&str>) {
    let terms: Vec<&str> = reference["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let mut columns = Columns::new(time, event).covariates(terms.iter().copied());
    if let Some(v) = event_value {
        columns = columns.event_value(v);
    }
    let data = SurvData::read_csv(repo_path(file), &columns).unwrap();
    let options = CoxOptions {
        ties: Ties::Breslow,
        firth: true,
        ..Default::default()
    };
    let fit = Cox::fit(&data, &options).unwrap();
    assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
    for (j, term) in fit.terms.iter().enumerate() {
        assert_eq!(term.term, terms[j]);
        let r = |key: &str| reference[key][j].as_f64().unwrap();
        near(&format!("{file} {}: coef", term.term), term.coef.unwrap(), r("coef"));
        near(&format!("{file} {}: se", term.term), term.se.unwrap(), r("se"));
        near(&format!("{file} {}: hr", term.term), term.hr.unwrap().ln(), r("coef"));
        near(
            &format!("{file} {}: lower", term.term),
            term.hr_lower.unwrap().ln(),
            r("ci_lower_coef"),
        );
        near(
            &format!("{file} {}: upper", term.term),
            term.hr_upper.unwrap().ln(),
            r("ci_upper_coef"),
        );
        near(&format!("{file} {}: p", term.term), term.p_value.unwrap(), r("p_value"));
    }
    let loglik = &reference["loglik_penalized"];
    near("null penalised loglik", fit.loglik[0], loglik["null"].as_f64().unwrap());
    near("penalised loglik", fit.loglik[1], loglik["fitted"].as_f64().unwrap());
    near(
        "penalised LR test",
        fit.tests.likelihood_ratio.statistic.unwrap(),
        reference["lr_test"]["chisq"].as_f64().unwrap(),
    );
}

#[test]
fn firth_matches_coxphf_on_lung() {
    check(
        &fixture("coxphf/firth_lung.json"),
        "datasets/lung.csv",
        "time",
        "status",
        None,
    );
}

#[test]
fn firth_matches_coxphf_on_veteran() {
    check(
        &fixture("coxphf/firth_veteran.json"),
        "datasets/veteran.csv",
        "time",
        "status",
        None,
    );
}

#[test]
fn firth_gives_a_finite_estimate_where_ml_diverges() {
    let reference = fixture("coxphf/firth_monotone.json");
    check(&reference, "tests/reference/data/monotone.csv", "time", "status", None);
    // the same data by maximum likelihood: flagged, no number printed as an estimate
    let data = SurvData::read_csv(
        repo_path("tests/reference/data/monotone.csv"),
        &Columns::new("time", "status").covariates(["x"]),
    )
    .unwrap();
    let ml = Cox::fit(&data, &CoxOptions::default()).unwrap();
    assert_eq!(ml.terms[0].hr, None);
    assert_eq!(ml.terms[0].diverges_to, Some(Divergence::PlusInfinity));
    assert!(ml.warnings[0].contains("no events in x = 0"), "{}", ml.warnings[0]);
}
