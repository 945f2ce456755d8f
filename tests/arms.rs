//! k arms against a reference (issue 16): each comparison equals the two-arm analysis of that
//! pair's rows alone (random trials of 3 to 6 arms), the global tests of colon's three arms and
//! veteran's four cell types match R (`survdiff`, `coxph`), and the command line's JSON carries
//! one comparison per arm with adjusted p-values while two-arm output keeps its shape.

mod common;

use common::*;
use proptest::prelude::*;
use survkit::comparisons::{Comparisons, pairs};
use survkit::multiplicity::Adjustment;
use survkit::{Columns, Cox, CoxOptions, LogRank, LogRankOptions, Rmst, RmstOptions, SurvData};

/// A trial of `arms` arms as CSV, arms named a0, a1, ... in row order of a seeded stream.
fn k_arm_trial(n: usize, arms: usize, seed: u64) -> String {
    use rand_chacha::rand_core::Rng;
    let mut rng = survkit::bootstrap::engine::stream(seed, 0);
    let mut uniform = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mut text = String::from("time,status,arm\n");
    for _ in 0..n {
        let arm = ((uniform() * arms as f64) as usize).min(arms - 1);
        let rate = (-0.2 * arm as f64).exp() / 300.0;
        let (event, censor) = (-uniform().ln() / rate, 50.0 + uniform() * 700.0);
        let (time, status) = if event <= censor {
            (event.ceil(), 1)
        } else {
            (censor.ceil(), 0)
        };
        text.push_str(&format!("{time},{status},a{arm}\n"));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Each comparison (log-rank, Cox, RMST at a common τ) is the analysis of the CSV of that
    /// pair's rows alone, read afresh.
    #[test]
    fn each_comparison_is_the_two_arm_analysis_of_its_rows(arms in 3usize..=6, seed in 0u64..1000) {
        let csv = k_arm_trial(40 * arms, arms, seed);
        let columns = Columns::new("time", "status").group("arm");
        let data = SurvData::from_csv_bytes("trial", csv.as_bytes(), &columns).unwrap();
        let tau = Some(50.0);
        let fit = |d: &SurvData| {
            let lr = LogRank::test(d, &LogRankOptions::default()).ok().map(|t| t.p_value);
            let rmst = Rmst::fit(d, &RmstOptions { tau, ..Default::default() }).ok().map(|r| r.contrasts[0].difference.estimate);
            let mut with_arm = d.clone();
            with_arm.covariates.insert(0, survkit::data::Covariate::Factor(d.group.clone().unwrap()));
            let cox = Cox::fit(&with_arm, &CoxOptions::default()).ok().map(|f| f.terms[0].coef);
            (lr, rmst, cox)
        };
        for (arm, reference, pair) in pairs(&data, None).unwrap() {
            let mut rows = String::from("time,status,arm\n");
            for line in csv.lines().skip(1) {
                let label = line.rsplit(',').next().unwrap();
                if label == arm || label == reference {
                    rows.push_str(line);
                    rows.push('\n');
                }
            }
            let alone = SurvData::from_csv_bytes(
                "pair",
                rows.as_bytes(),
                &Columns::new("time", "status").group("arm").reference("arm", &reference),
            )
            .unwrap();
            prop_assert_eq!(fit(&pair), fit(&alone), "{} vs {}", arm, reference);
        }
        // the adjusted p-values are p.adjust's of the comparisons' p
        let run = Comparisons::run(&data, None, Adjustment::Holm, |d| LogRank::test(d, &LogRankOptions::default()), |t| Some(t.p_value)).unwrap();
        let p: Vec<Option<f64>> = run.comparisons.iter().map(|c| c.p_value).collect();
        let adjusted: Vec<Option<f64>> = run.comparisons.iter().map(|c| c.p_adjusted).collect();
        prop_assert_eq!(adjusted, Adjustment::Holm.adjust(&p));
        prop_assert_eq!(run.comparisons.len(), arms - 1);
    }
}

/// colon's three arms and veteran's four cell types: the k-sample log-rank χ² (survdiff) and
/// the Cox model of the arm (coefficients, Wald p, LR/Wald/score tests on k − 1 df) against R.
#[test]
fn global_tests_match_r() {
    let cases = fixture("arms.json")["cases"].as_array().unwrap().clone();
    for case in cases.iter().filter(|c| c.get("arm_lr").is_none()) {
        let group = str_field(case, "group").unwrap();
        let columns = Columns::new("time", "status")
            .group(group)
            .reference(group, str_field(case, "reference").unwrap());
        let data = SurvData::read_csv(repo_path(str_field(case, "file").unwrap()), &columns).unwrap();
        let lr = LogRank::test(&data, &LogRankOptions::default()).unwrap();
        assert_close("log-rank χ²", lr.statistic, case["logrank_chisq"].as_f64().unwrap());
        assert_eq!(lr.df, case["logrank_df"].as_f64().unwrap());
        let mut with_arm = data.clone();
        with_arm
            .covariates
            .insert(0, survkit::data::Covariate::Factor(data.group.clone().unwrap()));
        let fit = Cox::fit(&with_arm, &CoxOptions::default()).unwrap();
        for (k, term) in fit.terms.iter().enumerate() {
            assert_eq!(term.term, case["terms"][k].as_str().unwrap());
            assert_close_rel(
                "coef",
                term.coef.unwrap(),
                case["coef"][k].as_f64().unwrap(),
                COX_REL_TOL,
            );
            assert_close_rel("se", term.se.unwrap(), case["se"][k].as_f64().unwrap(), COX_REL_TOL);
            assert_close_rel("p", term.p_value.unwrap(), case["p"][k].as_f64().unwrap(), 1e-5);
        }
        for (name, test) in [
            ("lr", &fit.tests.likelihood_ratio),
            ("wald", &fit.tests.wald),
            ("score", &fit.tests.score),
        ] {
            assert_close_rel(name, test.statistic.unwrap(), case[name].as_f64().unwrap(), COX_REL_TOL);
            assert_eq!(test.df, case["df"].as_f64().unwrap());
        }
    }
}

#[cfg(feature = "cli")]
#[test]
fn command_line_comparisons() {
    let colon =
        "datasets/colon.csv --time time --event status --group rx --reference rx=Obs --format json --adjust holm";
    let run = |command: &str| {
        let line = format!("{command} {colon}");
        json_stdout(&survkit(&line.split_whitespace().collect::<Vec<_>>()))
    };
    for command in [
        "bootstrap --statistic rmst-diff --replicates 50 --seed 1",
        "permutation --permutations 200 --seed 1",
        "fragility survival",
        "rmst",
        "cox",
    ] {
        let v = run(command);
        let comparisons = v["comparisons"].as_array().unwrap_or_else(|| panic!("{command}: {v}"));
        let arms: Vec<&str> = comparisons.iter().map(|c| c["arm"].as_str().unwrap()).collect();
        assert_eq!(arms, ["Lev", "Lev+5FU"], "{command}");
        assert_eq!(v["adjust"], "holm", "{command}");
        let p: Vec<Option<f64>> = comparisons.iter().map(|c| c["p_value"].as_f64()).collect();
        let adjusted: Vec<Option<f64>> = comparisons.iter().map(|c| c["p_adjusted"].as_f64()).collect();
        assert_eq!(adjusted, Adjustment::Holm.adjust(&p), "{command}");
        assert!(comparisons.iter().all(|c| c["reference"] == "Obs"), "{command}");
    }
    // --compare restricts to one pair; two arms keep today's shape
    let v = json_stdout(&survkit(
        &"rmst datasets/colon.csv --time time --event status --group rx --compare Lev+5FU,Lev --format json"
            .split_whitespace()
            .collect::<Vec<_>>(),
    ));
    assert_eq!(v["comparisons"].as_array().unwrap().len(), 1);
    assert_eq!(v["comparisons"][0]["reference"], "Lev");
    assert!(v.get("global").is_none());
    let v = json_stdout(&survkit(
        &"rmst datasets/lung.csv --time time --event status --group sex --format json"
            .split_whitespace()
            .collect::<Vec<_>>(),
    ));
    assert!(v.get("comparisons").is_none() && v.get("contrasts").is_some());
    // an unknown arm names the levels
    let out = survkit(
        &"rmst datasets/colon.csv --time time --event status --group rx --compare Foo,Obs"
            .split_whitespace()
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Foo"));
}

/// A figure draws one comparison: with more than two arms it asks for `--compare A,B`, and
/// with it draws that pair (the fragility path ends at the index `fragility survival` reports).
#[cfg(feature = "cli")]
#[test]
fn figures_draw_one_named_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("f.png");
    let base = "datasets/colon.csv --time time --event status --group rx";
    let run = |command: &str, extra: &[&str]| {
        let line = format!("{command} {base}");
        let mut args: Vec<&str> = line.split_whitespace().collect();
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-o", png.to_str().unwrap()]);
        survkit(&args)
    };
    for command in ["plot fragility", "plot bootstrap --replicates 50 --seed 1"] {
        let out = run(command, &[]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--compare A,B"),
            "{command}"
        );
        let out = run(command, &["--compare", "Lev+5FU,Obs"]);
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    }
}

/// The arms together in a Cox model with other covariates (colon: rx adjusted for age and
/// nodes): the joint LR and Wald tests on k − 1 df equal R's nested-model LR and Wald of the
/// arm terms' block.
#[test]
fn joint_arm_tests_with_covariates_match_r() {
    let cases = fixture("arms.json")["cases"].as_array().unwrap().clone();
    let case = cases.iter().find(|c| c.get("arm_lr").is_some()).unwrap();
    let columns = Columns::new("time", "status")
        .group("rx")
        .reference("rx", "Obs")
        .covariates(["age", "nodes"]);
    let mut data = SurvData::read_csv(repo_path("datasets/colon.csv"), &columns).unwrap();
    data.covariates
        .insert(0, survkit::data::Covariate::Factor(data.group.clone().unwrap()));
    let options = CoxOptions::default();
    let fit = Cox::fit(&data, &options).unwrap();
    let tests = survkit::comparisons::cox_arm_tests(&fit, &data, &options).unwrap();
    assert_close_rel(
        "LR",
        tests.likelihood_ratio.statistic.unwrap(),
        case["arm_lr"].as_f64().unwrap(),
        COX_REL_TOL,
    );
    assert_close_rel(
        "Wald",
        tests.wald.statistic.unwrap(),
        case["arm_wald"].as_f64().unwrap(),
        COX_REL_TOL,
    );
    assert_close_rel(
        "score",
        tests.score.statistic.unwrap(),
        case["arm_score"].as_f64().unwrap(),
        COX_REL_TOL,
    );
    assert_eq!(
        (tests.likelihood_ratio.df, tests.wald.df, tests.score.df),
        (2.0, 2.0, 2.0)
    );
}

/// `win` with more than two arms: each arm against the reference, each equal to `win` on a file
/// of that pair's rows alone, the win ratios' p-values adjusted.
#[cfg(feature = "cli")]
#[test]
fn win_statistics_per_comparison() {
    let adjusted =
        each_comparison_is_its_pair_alone("win", "", &["wins", "losses", "ties", "win_ratio", "net_benefit"]);
    let p: Vec<Option<f64>> = adjusted.iter().map(|c| c["p_value"].as_f64()).collect();
    let adjusted: Vec<Option<f64>> = adjusted.iter().map(|c| c["p_adjusted"].as_f64()).collect();
    assert_eq!(adjusted, Adjustment::Holm.adjust(&p));
}

/// CAFS on colon's three arms: each arm against Obs is `survkit cafs` on the pair's rows (the
/// same seed, so the same Monte Carlo permutation p-value).
#[cfg(feature = "cli")]
#[test]
fn cafs_per_comparison() {
    let keys = [
        "groups",
        "statistic",
        "p_value",
        "permutation_p_value",
        "finkelstein_schoenfeld",
    ];
    each_comparison_is_its_pair_alone("cafs", "--seed 7 --permutations 500", &keys);
}

/// Runs `command` on colon's three arms (nodes, lower is better) with Holm's adjustment and
/// checks each comparison's `keys` against the command on that pair's rows alone; returns the
/// comparisons.
#[cfg(feature = "cli")]
fn each_comparison_is_its_pair_alone(command: &str, extra: &str, keys: &[&str]) -> Vec<serde_json::Value> {
    let base = "--time time --event status --group rx --reference Obs --score nodes --lower-is-better --format json";
    let run = |file: &str, more: &str| {
        let line = format!("{command} {file} {base} {extra} {more}");
        json_stdout(&survkit(&line.split_whitespace().collect::<Vec<_>>()))
    };
    let all = run("datasets/colon.csv", "--adjust holm");
    let comparisons = all["comparisons"].as_array().unwrap().clone();
    assert_eq!(comparisons.len(), 2);
    let text = std::fs::read_to_string(repo_path("datasets/colon.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for c in &comparisons {
        let arm = c["arm"].as_str().unwrap();
        let keep = |line: &str| {
            line.split(',')
                .nth(2)
                .is_some_and(|rx| rx == format!("\"{arm}\"") || rx == "\"Obs\"")
        };
        let rows: Vec<&str> = text
            .lines()
            .take(1)
            .chain(text.lines().skip(1).filter(|l| keep(l)))
            .collect();
        let path = dir.path().join("pair.csv");
        std::fs::write(&path, rows.join("\n") + "\n").unwrap();
        let alone = run(path.to_str().unwrap(), "");
        for key in keys {
            assert!(!c[key].is_null(), "{command} {arm}: no {key}");
            assert_eq!(c[key], alone[key], "{command} {arm}: {key}");
        }
    }
    comparisons
}
