//! Honest output on random small trials (issue 12): every estimator either gives finite
//! numbers or flags what it cannot estimate, never both; every p-value lies in [0, 1]; every
//! interval contains its estimate. Checked on the serialised results (the JSON contract), so a
//! field added later is checked too.

use proptest::prelude::*;
use serde_json::Value;
use survkit::bootstrap::{PermutationMethod, PermutationPlan};
use survkit::competing::{Cif, CifOptions, CompetingData, FineGray, FineGrayOptions};
use survkit::fragility::{ArmCounts, CountsFragility, CountsOptions, SurvivalFragility, SurvivalOptions, SurvivalTest};
use survkit::maxcombo::{MaxCombo, MaxComboOptions};
use survkit::win::{Cafs, CafsOptions, WinOptions, WinStatistics};
use survkit::{
    Bootstrap, BootstrapOptions, Columns, Cox, CoxOptions, KaplanMeier, KmOptions, LogRank, LogRankOptions,
    Permutation, PermutationOptions, Rmst, RmstOptions, Statistic, SurvData, Ties,
};

/// Small two-arm trials, often degenerate: few rows, heavy ties, an arm without events, very
/// unbalanced arms.
fn trial() -> impl Strategy<Value = Vec<(u32, bool, bool, u8)>> {
    (
        prop::collection::vec((1u32..15, any::<bool>(), any::<bool>(), 20u8..80), 2..40),
        any::<bool>(),
    )
        .prop_map(|(mut rows, silence_b)| {
            if silence_b {
                for row in rows.iter_mut().filter(|r| r.2) {
                    row.1 = false; // arm B without events
                }
            }
            rows
        })
}

/// The trial as CSV text; with `causes`, an event's status is its cause (1 or 2, by age).
fn csv(rows: &[(u32, bool, bool, u8)], causes: bool) -> String {
    let mut text = String::from("time,status,arm,age\n");
    for (t, e, b, age) in rows {
        let status = match (*e, causes) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 1 + age % 2,
        };
        text.push_str(&format!("{t},{status},{},{age}\n", if *b { "B" } else { "A" }));
    }
    text
}

fn load(rows: &[(u32, bool, bool, u8)]) -> Option<SurvData> {
    let columns = Columns::new("time", "status")
        .group("arm")
        .covariates(["arm", "age"])
        .factors(["arm"]);
    SurvData::from_csv_bytes("trial.csv", csv(rows, false).as_bytes(), &columns).ok()
}

/// Walks a serialised result and checks every p-value, every interval and every flag. Within a
/// fit reported as not converged (`"converged": false`, with its warning), every term may be
/// without an estimate: the flag is the fit's.
fn check(value: &Value, path: &str, unconverged: bool) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            let unconverged = unconverged || map.get("converged") == Some(&Value::Bool(false));
            for (key, v) in map {
                let p_like = key == "p_value" || key.ends_with("_p_value") || key == "p_adjusted";
                if p_like
                    && let Some(p) = v.as_f64()
                    && !(0.0..=1.0).contains(&p)
                {
                    return Err(format!("{path}.{key} = {p} is not a probability"));
                }
            }
            for (estimate, lower, upper) in [("estimate", "lower", "upper"), ("hr", "hr_lower", "hr_upper")] {
                if let (Some(e), Some(lo), Some(hi)) = (
                    map.get(estimate).and_then(Value::as_f64),
                    map.get(lower).and_then(Value::as_f64),
                    map.get(upper).and_then(Value::as_f64),
                ) {
                    let slack = 1e-9 * e.abs().max(1.0);
                    if !(lo <= e + slack && e <= hi + slack) {
                        return Err(format!("{path}: {estimate} {e} outside [{lo}, {hi}]"));
                    }
                }
            }
            // a flagged coefficient has no estimate, and a missing estimate has a flag
            // (a hazard-ratio term; the adjusted RMST's coefficients carry their model's note)
            if map.contains_key("term") && map.contains_key("coef") && map.contains_key("hr") {
                let flagged = map.get("diverges_to").is_some_and(|d| !d.is_null())
                    || map.get("not_identifiable") == Some(&Value::Bool(true));
                let estimated = map["coef"].is_number();
                if flagged == estimated && (estimated || !unconverged) {
                    return Err(format!("{path}: coef {} with flag {flagged}", map["coef"]));
                }
                if flagged && (map["hr"].is_number() || map["se"].is_number()) {
                    return Err(format!("{path}: a flagged term prints a hazard ratio or SE"));
                }
            }
            for (key, v) in map {
                check(v, &format!("{path}.{key}"), unconverged)?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(k, v)| check(v, &format!("{path}[{k}]"), unconverged)),
        _ => Ok(()),
    }
}

/// A result passes the checks above; an error must speak of the data, in words, not of
/// command-line flags.
fn checked<T: serde::Serialize, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> Result<(), TestCaseError> {
    match result {
        Ok(fit) => {
            let json = serde_json::to_value(&fit).map_err(|e| TestCaseError::fail(e.to_string()))?;
            check(&json, what, false).map_err(TestCaseError::fail)
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                message.len() > 10 && !message.contains("--"),
                "{what}: error '{message}'"
            );
            Ok(())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_estimator_is_honest_on_small_trials(rows in trial()) {
        let data = load(&rows);
        prop_assume!(data.is_some());
        let data = data.unwrap();
        checked(KaplanMeier::fit(&data, &KmOptions::default()), "km")?;
        checked(LogRank::test(&data, &LogRankOptions::default()), "logrank")?;
        checked(Cox::fit(&data, &CoxOptions::default()), "cox")?;
        checked(Cox::fit(&data, &CoxOptions { profile_ci: true, ..CoxOptions::default() }), "cox profile")?;
        checked(Rmst::fit(&data, &RmstOptions::default()), "rmst")?;
        for test in [SurvivalTest::LogRank, SurvivalTest::CoxWald, SurvivalTest::Rmst] {
            let options = SurvivalOptions { test, ..SurvivalOptions::default() };
            checked(SurvivalFragility::compute(&data, &options), "fragility")?;
        }
    }

    #[test]
    fn count_fragility_is_honest(a in 0u64..30, n1 in 1u64..30, c in 0u64..30, n0 in 1u64..30) {
        prop_assume!(a <= n1 && c <= n0);
        let (treatment, control) = (ArmCounts::new(a, n1).unwrap(), ArmCounts::new(c, n0).unwrap());
        checked(CountsFragility::compute(treatment, control, &CountsOptions::default()), "counts")?;
    }

    #[test]
    fn the_other_estimators_are_honest_on_small_trials(rows in trial(), seed in 0u64..1000) {
        let data = load(&rows);
        prop_assume!(data.is_some());
        let data = data.unwrap();
        let firth = CoxOptions { firth: true, ties: Ties::Breslow, ..CoxOptions::default() };
        checked(Cox::fit(&data, &firth), "cox (firth)")?;
        checked(Rmst::fit(&data, &RmstOptions { covariates: vec!["age".into()], ..Default::default() }), "adjusted rmst")?;
        checked(WinStatistics::compute(&data, &WinOptions::new("age")), "win")?;
        let plan = PermutationPlan { method: PermutationMethod::MonteCarlo, permutations: 100, seed, ..Default::default() };
        checked(Cafs::test(&data, &CafsOptions { permutation: plan, ..CafsOptions::new("age") }, &|| {}), "cafs")?;
        // the arms alone: the resampling tests and MaxCombo take no covariates
        let arms = SurvData::from_csv_bytes("trial.csv", csv(&rows, false).as_bytes(), &Columns::new("time", "status").group("arm")).unwrap();
        checked(MaxCombo::test(&arms, &MaxComboOptions::default()), "maxcombo")?;
        for statistic in [Statistic::LogHr, Statistic::RmstDiff, Statistic::MedianDiff, Statistic::LogRank] {
            let options = BootstrapOptions { statistic, replicates: 0..40, seed, threads: 1, ..BootstrapOptions::default() };
            checked(Bootstrap::run(&arms, &options), "bootstrap")?;
        }
        let permutation = PermutationOptions { method: PermutationMethod::MonteCarlo, permutations: 100, seed, ..Default::default() };
        checked(Permutation::test(&arms, &permutation, &|| {}), "permutation")?;
        // competing causes: the cumulative incidence, Gray's test and Fine–Gray
        let columns = Columns::new("time", "status").group("arm").covariates(["age"]);
        let competing = CompetingData::from_csv_bytes("trial.csv", csv(&rows, true).as_bytes(), &columns, "0");
        if let Ok(competing) = competing {
            checked(Cif::fit(&competing, &CifOptions::default()), "cif")?;
            checked(FineGray::fit(&competing, &FineGrayOptions::new("1")), "fine-gray")?;
        }
    }
}
