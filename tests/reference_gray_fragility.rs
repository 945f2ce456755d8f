//! The status-flip fragility of Gray's test against R: for each path survkit's greedy search
//! finds (mgus2 by sex, with ρ = 1, by age group within sex; the ALS-like composite by arm, with
//! changes to censoring only, within site, at α = 0.2), `tests/reference/gray_fragility.json`
//! (made by `tests/reference/make_gray_fragility_fixtures.R`, R 4.2.2, cmprsk 2.2.11) applies
//! the same changes in order and recomputes `cmprsk::cuminc(...)$Tests` after each one. survkit's
//! path must be the fixture's, change by change, with every step's statistic and p-value equal
//! to cuminc's on the changed data (to `REL_TOL`, 1e-8 relative), and R's p-values must cross α
//! at the last step and at no earlier one.

mod common;

use common::*;
use serde_json::Value;
use survkit::Columns;
use survkit::competing::CompetingData;
use survkit::fragility::{GrayFlip, GrayFragility, GrayFragilityOptions};

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("{v} is not text"))
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

#[test]
fn gray_fragility_paths_match_cuminc() {
    let fixture = fixture("gray_fragility.json");
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = text(&case["name"]);
        let mut columns = Columns::new(text(&case["time"]), text(&case["status"])).group(text(&case["group"]));
        if let Some(strata) = case["strata"].as_str() {
            columns = columns.strata(strata);
        }
        let data = CompetingData::read_csv(repo_path(text(&case["file"])), &columns, "0").unwrap();
        let options = GrayFragilityOptions {
            cause: text(&case["cause"]).to_string(),
            alpha: number(&case["alpha"]),
            rho: number(&case["rho"]),
            flips: case["flips"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| text(f).parse::<GrayFlip>().unwrap())
                .collect(),
        };
        let result = GrayFragility::compute(&data, &options).unwrap();
        assert_close(
            &format!("{name}: statistic"),
            result.statistic,
            number(&case["statistic"]),
        );
        assert_close(&format!("{name}: p"), result.p_value, number(&case["p_value"]));
        assert_eq!(result.df as f64, number(&case["df"]), "{name}: df");
        let steps = case["steps"].as_array().unwrap();
        assert_eq!(result.path.len(), steps.len(), "{name}: path length");
        let sign = if result.significant { 1 } else { -1 };
        assert_eq!(result.fragility_index, Some(sign * steps.len() as i64), "{name}");
        for (ours, r) in result.path.iter().zip(steps) {
            let what = format!("{name}, step {}", ours.step);
            assert_eq!(ours.line, r["line"].as_u64().unwrap(), "{what}: line");
            assert_eq!(ours.group, text(&r["group"]), "{what}: group");
            assert_eq!(ours.time, number(&r["time"]), "{what}: time");
            assert_eq!(
                (ours.from.as_str(), ours.to.as_str()),
                (text(&r["from"]), text(&r["to"])),
                "{what}"
            );
            assert_close_opt(&format!("{what}: statistic"), ours.statistic, &r["statistic"]);
            assert_close_opt(&format!("{what}: p"), ours.p_value, &r["p_value"]);
        }
        // R's own p-values: the last step crosses α, no earlier one does
        let alpha = options.alpha;
        let significant = number(&case["p_value"]) < alpha;
        let last = steps.len() - 1;
        for (k, r) in steps.iter().enumerate() {
            let crossed = (number(&r["p_value"]) < alpha) != significant;
            assert_eq!(crossed, k == last, "{name}: R's p after step {} crosses α", k + 1);
        }
    }
}

/// The index of 3 on the ALS-like data at α = 0.2 is confirmed by the search over every pair,
/// and the 3 on mgus2 within sex (562,330 pairs over 1,384 rows) is reported as an upper bound.
#[test]
fn pair_confirmation_is_reported() {
    let als = CompetingData::read_csv(
        repo_path("tests/reference/data/als_composite.csv"),
        &Columns::new("time", "status").group("arm"),
        "0",
    )
    .unwrap();
    let options = GrayFragilityOptions {
        alpha: 0.2,
        ..GrayFragilityOptions::new("1")
    };
    let result = GrayFragility::compute(&als, &options).unwrap();
    assert_eq!(result.fragility_index, Some(-3));
    assert!(result.minimum_confirmed, "{}", result.note);
    let mgus = CompetingData::read_csv(
        repo_path("datasets/mgus2_cr.csv"),
        &Columns::new("time", "status").group("agegrp").strata("sex"),
        "0",
    )
    .unwrap();
    let result = GrayFragility::compute(&mgus, &GrayFragilityOptions::new("1")).unwrap();
    assert_eq!(result.fragility_index, Some(-3));
    assert!(!result.minimum_confirmed);
    assert!(result.note.contains("upper bound"), "{}", result.note);
}
