//! Platform trials (issue 16, item 3): which control rows each active arm is compared with.
//! A hand-checked small platform, properties on random platforms (a concurrent comparison is
//! the two-arm analysis of its rows read alone; pooled controls of a one-regimen platform are
//! its concurrent controls; unstratified pooled controls are the plain reference rows), the
//! command line's JSON and its refusals (exit 2).

mod common;

use common::*;
use proptest::prelude::*;
use survkit::comparisons::pairs;
use survkit::platform::{Control, platform_pairs};
use survkit::{Columns, Cox, CoxOptions, LogRank, LogRankOptions, Rmst, RmstOptions, SurvData};

const SMALL: &str = "tests/data/platform_small.csv";

fn columns() -> Columns {
    Columns::new("time", "status")
        .group("arm")
        .regimen("regimen")
        .reference("arm", "placebo")
}

/// tests/data/platform_small.csv, by hand: placebo rows per regimen A 2 (lines 2, 3), B 1
/// (line 7), C 2 (lines 11, 15): 5 in all. Arms in level order: A: drug (3 rows), B: drug (3),
/// C: high (2), C: low (2).
/// Concurrent: n = 3+2, 3+1, 2+2, 2+2 with 2, 1, 2, 2 controls. Pooled: 5 controls each
/// (A 2, B 1, C 2), n = 8, 8, 7, 7.
#[test]
fn small_platform_counts_by_hand() {
    let data = SurvData::read_csv(repo_path(SMALL), &columns()).unwrap();
    let concurrent = platform_pairs(&data, None, Control::Concurrent).unwrap();
    let got: Vec<(&str, usize, usize, &str)> = concurrent
        .iter()
        .map(|p| {
            (
                p.arm.as_str(),
                p.data.n_rows(),
                p.controls.n_control,
                p.controls.regimen.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("A: drug", 5, 2, "A"),
            ("B: drug", 4, 1, "B"),
            ("C: high", 4, 2, "C"),
            ("C: low", 4, 2, "C")
        ]
    );
    assert_eq!(concurrent[1].data.lines, [7, 8, 9, 10]);
    let pooled = platform_pairs(&data, None, Control::Pooled { stratified: true }).unwrap();
    let by_regimen = vec![("A".to_string(), 2), ("B".to_string(), 1), ("C".to_string(), 2)];
    for (p, n) in pooled.iter().zip([8, 8, 7, 7]) {
        assert_eq!((p.data.n_rows(), p.controls.n_control), (n, 5), "{}", p.arm);
        assert_eq!(p.controls.by_regimen, by_regimen);
        assert_eq!(p.data.strata.as_ref().unwrap().levels, ["A", "B", "C"]);
    }
    assert_eq!(pooled[0].data.lines, [2, 3, 4, 5, 6, 7, 11, 15]);
}

/// A platform as CSV: `regimens` regimens, each with one or two active arms ("R1: d1") and
/// placebo about 1 in 4, from a seeded stream.
fn platform(n: usize, regimens: usize, seed: u64) -> String {
    use rand_chacha::rand_core::Rng;
    let mut rng = survkit::bootstrap::engine::stream(seed, 0);
    let mut uniform = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mut text = String::from("time,status,arm,regimen\n");
    for i in 0..n {
        // every regimen has a placebo row and an active row
        let regimen = i % regimens;
        let doses = 1 + regimen % 2;
        let arm = if i < 2 * regimens {
            if i < regimens { 0 } else { 1 }
        } else if uniform() < 0.25 {
            0
        } else {
            1 + ((uniform() * doses as f64) as usize).min(doses - 1)
        };
        let label = if arm == 0 {
            "placebo".to_string()
        } else {
            format!("R{regimen}: d{arm}")
        };
        let rate = (-0.3 * arm as f64 + 0.1 * regimen as f64).exp() / 200.0;
        let (event, censor) = (-uniform().ln() / rate, 30.0 + uniform() * 300.0);
        let (time, status) = if event <= censor {
            (event.ceil(), 1)
        } else {
            (censor.ceil(), 0)
        };
        text.push_str(&format!("{time},{status},{label},R{regimen}\n"));
    }
    text
}

/// Log-rank p, RMST difference at τ = 30 and the Cox coefficient of the arm.
fn analyses(d: &SurvData) -> (Option<f64>, Option<Option<f64>>, Option<Option<f64>>) {
    let lr = LogRank::test(d, &LogRankOptions::default()).ok().map(|t| t.p_value);
    let options = RmstOptions {
        tau: Some(30.0),
        ..Default::default()
    };
    let rmst = Rmst::fit(d, &options).ok().map(|r| r.contrasts[0].difference.estimate);
    let mut with_arm = d.clone();
    if let Some(group) = d.group.clone() {
        with_arm.covariates.insert(0, survkit::data::Covariate::Factor(group));
    }
    let cox = Cox::fit(&with_arm, &CoxOptions::default())
        .ok()
        .map(|f| f.terms[0].coef);
    (lr, rmst, cox)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Each concurrent comparison is the two-arm analysis of the CSV of its rows alone (the
    /// arm's and its regimen's placebo rows), read afresh.
    #[test]
    fn concurrent_is_the_analysis_of_its_rows(regimens in 2usize..=4, seed in 0u64..1000) {
        let csv = platform(60 * regimens, regimens, seed);
        let data = SurvData::from_csv_bytes("platform", csv.as_bytes(), &columns()).unwrap();
        for pair in platform_pairs(&data, None, Control::Concurrent).unwrap() {
            let mut rows = String::from("time,status,arm,regimen\n");
            for line in csv.lines().skip(1) {
                let fields: Vec<&str> = line.split(',').collect();
                if fields[2] == pair.arm || (fields[2] == "placebo" && fields[3] == pair.controls.regimen) {
                    rows.push_str(line);
                    rows.push('\n');
                }
            }
            let alone = SurvData::from_csv_bytes(
                "pair",
                rows.as_bytes(),
                &Columns::new("time", "status").group("arm").reference("arm", "placebo"),
            )
            .unwrap();
            prop_assert_eq!(pair.controls.n_control, rows.matches(",placebo,").count());
            prop_assert_eq!(analyses(&pair.data), analyses(&alone), "{}", pair.arm);
        }
    }

    /// With one regimen, pooled controls (stratified or not: one stratum) are the concurrent ones;
    /// with
    /// several, unstratified pooled controls are every reference row (plain pairs).
    #[test]
    fn pooled_one_regimen_is_concurrent(seed in 0u64..1000) {
        let csv = platform(80, 1, seed);
        let data = SurvData::from_csv_bytes("platform", csv.as_bytes(), &columns()).unwrap();
        let concurrent = platform_pairs(&data, None, Control::Concurrent).unwrap();
        for stratified in [false, true] {
            let pooled = platform_pairs(&data, None, Control::Pooled { stratified }).unwrap();
            prop_assert_eq!(pooled.len(), concurrent.len());
            for (p, c) in pooled.iter().zip(&concurrent) {
                prop_assert_eq!(&p.data.lines, &c.data.lines);
                prop_assert_eq!(p.controls.n_control, c.controls.n_control);
                // RMST takes no strata: log-rank and Cox only when stratified
                let (ours, theirs) = (analyses(&p.data), analyses(&c.data));
                prop_assert_eq!((ours.0, ours.2), (theirs.0, theirs.2));
                if !stratified {
                    prop_assert_eq!(ours.1, theirs.1);
                }
            }
        }
        let csv = platform(180, 3, seed);
        let data = SurvData::from_csv_bytes("platform", csv.as_bytes(), &columns()).unwrap();
        let pooled = platform_pairs(&data, None, Control::Pooled { stratified: false }).unwrap();
        for (p, (arm, _, plain)) in pooled.iter().zip(pairs(&data, None).unwrap()) {
            prop_assert_eq!(&p.arm, &arm);
            prop_assert_eq!(&p.data, &plain);
        }
    }
}

/// `survkit permutation FILE` of arm against placebo with `extra` options.
#[cfg(feature = "cli")]
fn permutation(file: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "permutation",
        file,
        "--time",
        "time",
        "--status",
        "status",
        "--group",
        "arm",
    ];
    args.extend_from_slice(&["--reference", "arm=placebo", "--seed", "1"]);
    args.extend_from_slice(extra);
    survkit(&args)
}

#[cfg(feature = "cli")]
#[test]
fn cli_json_says_which_controls() {
    let small = repo_path(SMALL);
    for (control, n_control) in [("concurrent", [2, 1, 2, 2]), ("pooled", [5, 5, 5, 5])] {
        let out = permutation(
            &small,
            &["--regimen", "regimen", "--control", control, "--format", "json"],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json = json_stdout(&out);
        let comparisons = json["comparisons"].as_array().unwrap();
        let got: Vec<u64> = comparisons.iter().map(|c| c["n_control"].as_u64().unwrap()).collect();
        assert_eq!(got, n_control);
        assert!(comparisons.iter().all(|c| c["control"] == control));
        assert!(json.get("global").is_none());
    }
    // concurrent is the default; the table states the controls
    let out = permutation(&small, &["--regimen", "regimen", "--compare", "B: drug,placebo"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("controls: concurrent: 1 placebo of regimen B"), "{text}");
}

#[cfg(feature = "cli")]
#[test]
fn cli_refusals_exit_2() {
    let dir = std::env::temp_dir().join(format!("survkit-platform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    // x is in regimens A and B; regimen B has no placebo
    let two = write(
        "two.csv",
        "time,status,arm,regimen\n1,1,placebo,A\n2,0,x,A\n3,1,placebo,B\n4,1,x,B\n",
    );
    let none = write(
        "none.csv",
        "time,status,arm,regimen\n1,1,placebo,A\n2,0,a,A\n3,1,b,B\n4,1,b,B\n",
    );
    let cases: [(&str, &[&str], &str); 4] = [
        (
            &two,
            &["--regimen", "regimen"],
            "arm 'x' has rows in regimen 'A' (line 3) and 'B' (line 5)",
        ),
        (
            &none,
            &["--regimen", "regimen"],
            "regimen 'B' has no 'placebo' rows, so arm 'b' has no concurrent controls",
        ),
        (&none, &["--control", "pooled"], "--regimen"),
        (
            &two,
            &["--regimen", "regimen", "--strata", "regimen"],
            "concurrent controls come from the arm's own regimen",
        ),
    ];
    for (file, extra, message) in cases {
        let out = permutation(file, extra);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regimen C's 30 mg arm of the synthetic platform against concurrent, pooled and pooled
/// stratified-by-regimen placebo: `survkit logrank` and `survkit cox` equal R's `survdiff` and
/// `coxph` on the same rows (tests/reference/make_platform_fixtures.R). Stratifying the pooled
/// comparison by regimen gives the concurrent one back: the other regimens' strata hold placebo
/// only.
#[cfg(feature = "cli")]
#[test]
fn logrank_and_cox_per_control_rule_match_r() {
    let file = repo_path("datasets/als/platform_synthetic.csv");
    for case in fixture("platform.json")["cases"].as_array().unwrap() {
        let control = case["control"].as_str().unwrap();
        let mut args = vec![
            "--time",
            "time",
            "--event",
            "status",
            "--group",
            "arm",
            "--reference",
            "arm=placebo",
            "--regimen",
            "regimen",
            "--control",
            control,
            "--compare",
            "C: CNM-Au8 30 mg,placebo",
            "--format",
            "json",
        ];
        if case["stratified"].as_bool().unwrap() {
            args.extend(["--strata", "regimen"]);
        }
        let run = |command: &str| {
            let mut all = vec![command, file.as_str()];
            all.extend(&args);
            json_stdout(&survkit(&all))["comparisons"][0].clone()
        };
        let logrank = run("logrank");
        assert_eq!(logrank["n"].as_u64(), case["n"].as_u64());
        assert_close(
            "log-rank χ²",
            logrank["statistic"].as_f64().unwrap(),
            case["logrank_chisq"].as_f64().unwrap(),
        );
        let cox = run("cox");
        let coef = cox["terms"][0]["coef"].as_f64().unwrap();
        assert_close_rel("Cox coefficient", coef, case["coef"].as_f64().unwrap(), COX_REL_TOL);
    }
}
