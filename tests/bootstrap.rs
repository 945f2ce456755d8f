//! The bootstrap and permutation engine: reproducibility (generator pinned, thread-count
//! invariance, merged shards equal one run), estimates equal to the library's own fits,
//! degenerate replicates, bootstrap SEs against analytic SEs and against R's `boot`, and
//! exact permutation p-values derived by hand.

mod common;

use common::{
    BOOT_ACCELERATION_REL_TOL, BOOT_ENDPOINT_TOL_IN_SE, BOOT_SE_REL_TOL_VS_ANALYTIC, BOOT_SE_REL_TOL_VS_R, COX_REL_TOL,
    assert_close, assert_close_rel, fixture, generated_trial, repo_path,
};
use rand_chacha::rand_core::Rng;
use survkit::bootstrap::{
    Bootstrap, BootstrapData, BootstrapOptions, BootstrapReplicates, IntervalMethod, Permutation, PermutationMethod,
    PermutationOptions, Statistic, engine,
};
use survkit::cox::Ties;
use survkit::{
    Cif, CifOptions, Columns, CompetingData, Cox, CoxOptions, FineGray, FineGrayOptions, KaplanMeier, KmOptions,
    LogRank, LogRankOptions, Rmst, RmstOptions, SurvData, Weights,
};

fn lung(columns: Columns) -> SurvData {
    SurvData::read_csv(repo_path("datasets/lung.csv"), &columns).unwrap()
}

fn lung_by_sex() -> SurvData {
    lung(Columns::new("time", "status").group("sex"))
}

fn options(statistic: Statistic, replicates: usize) -> BootstrapOptions {
    BootstrapOptions {
        statistic,
        replicates: 0..replicates,
        seed: 20240501,
        intervals: IntervalMethod::ALL.to_vec(),
        ..Default::default()
    }
}

fn json(b: &Bootstrap) -> String {
    serde_json::to_string(b).unwrap()
}

/// The generator's first outputs, pinned: ChaCha8 via seed_from_u64 with the replicate index
/// as stream. A change here would change every published bootstrap result.
#[test]
fn generator_first_outputs_are_pinned() {
    let mut rng = engine::stream(20240501, 0);
    let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
    let mut rng = engine::stream(20240501, 1);
    let other_stream = rng.next_u64();
    let mut rng = engine::stream(20240501, 0);
    let draws: Vec<u64> = (0..5).map(|_| engine::uniform_below(&mut rng, 690)).collect();
    assert_eq!(first, PINNED_STREAM_0);
    assert_eq!(other_stream, PINNED_STREAM_1);
    assert_eq!(draws, PINNED_DRAWS);
}

const PINNED_STREAM_0: [u64; 3] = [5541882034671307475, 15300542726639118315, 5497727679797082843];
const PINNED_STREAM_1: u64 = 2475289090825437380;
const PINNED_DRAWS: [u64; 5] = [207, 572, 205, 565, 386];

#[test]
fn uniform_draws_cover_the_range_evenly() {
    let mut rng = engine::stream(1, 0);
    let mut counts = [0usize; 7];
    for _ in 0..70_000 {
        counts[engine::uniform_below(&mut rng, 7) as usize] += 1;
    }
    // each count is Binomial(70000, 1/7): mean 10000, SD ≈ 93
    assert!(
        counts.iter().all(|c| (*c as f64 - 10_000.0).abs() < 500.0),
        "{counts:?}"
    );
}

#[test]
fn same_json_for_1_2_and_8_threads() {
    let data = lung_by_sex();
    for statistic in [Statistic::LogHr, Statistic::RmstDiff, Statistic::LogRank] {
        let run = |threads| {
            let o = BootstrapOptions {
                threads,
                stratify: statistic == Statistic::RmstDiff,
                ..options(statistic, 300)
            };
            json(&Bootstrap::run(&data, &o).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2), "{statistic}: 1 vs 2 threads");
        assert_eq!(one, run(8), "{statistic}: 1 vs 8 threads");
    }
}

#[test]
fn merged_shards_equal_one_run() {
    let data = lung_by_sex();
    let whole = options(Statistic::LogHr, 400);
    let single = BootstrapReplicates::run(&data, &whole, &|| {}).unwrap();
    let shard = |range: std::ops::Range<usize>| {
        let o = BootstrapOptions {
            replicates: range,
            threads: 2,
            ..whole.clone()
        };
        let part = BootstrapReplicates::run(&data, &o, &|| {}).unwrap();
        // through the --save-replicates file format
        serde_json::from_str::<BootstrapReplicates>(&serde_json::to_string(&part).unwrap()).unwrap()
    };
    let merged = BootstrapReplicates::merge(vec![shard(250..400), shard(0..100), shard(100..250)]).unwrap();
    assert_eq!(merged, single);
    assert_eq!(json(&merged.summary()), json(&single.summary()));
    // a gap is refused
    let gap = BootstrapReplicates::merge(vec![shard(0..100), shard(250..400)]);
    assert!(gap.unwrap_err().to_string().contains("leave a gap"));
}

#[test]
fn estimates_equal_the_library_fits() {
    let data = lung_by_sex();
    let estimate = |statistic| {
        let o = BootstrapOptions {
            intervals: vec![IntervalMethod::Percentile],
            ..options(statistic, 2)
        };
        Bootstrap::run(&data, &o).unwrap()
    };
    let cox_data = lung(
        Columns::new("time", "status")
            .group("sex")
            .covariates(["sex"])
            .factors(["sex"]),
    );
    let cox = Cox::fit(&cox_data, &CoxOptions::default()).unwrap();
    let log_hr = estimate(Statistic::LogHr);
    assert_close("log-hr", log_hr.estimate, cox.terms[0].coef.unwrap());
    assert_close(
        "log-hr p",
        log_hr.estimate_p_value.unwrap(),
        cox.terms[0].p_value.unwrap(),
    );
    assert_close("hr", estimate(Statistic::Hr).estimate, cox.terms[0].hr.unwrap());

    let logrank = LogRank::test(&data, &LogRankOptions::default()).unwrap();
    assert_close("logrank", estimate(Statistic::LogRank).estimate, logrank.statistic);

    let rmst = Rmst::fit(&data, &RmstOptions::default()).unwrap();
    assert_close(
        "rmst-diff",
        estimate(Statistic::RmstDiff).estimate,
        rmst.contrasts[0].difference.estimate.unwrap(),
    );
    assert_close(
        "rmst-ratio",
        estimate(Statistic::RmstRatio).estimate,
        rmst.contrasts[0].ratio.estimate.unwrap(),
    );

    let km = KaplanMeier::fit(
        &data,
        &KmOptions {
            at: vec![365.0],
            ..Default::default()
        },
    )
    .unwrap();
    let median = |g: usize| km.curves[g].median.estimate.unwrap();
    assert_close(
        "median-diff",
        estimate(Statistic::MedianDiff).estimate,
        median(1) - median(0),
    );
    let at = |g: usize| km.curves[g].at[0].survival;
    assert_close(
        "survival-diff",
        estimate(Statistic::SurvivalDiff(365.0)).estimate,
        at(1) - at(0),
    );
}

/// A Cox replicate is the fit to the resampled rows themselves, each row repeated as often as
/// it was drawn, as R's `boot` with `coxph(data = data[i, ])` computes it: with Efron's rule a
/// row drawn twice ties with itself, so frequencies are copies, not case weights.
fn check_replicates_against_resampled_rows(data: &SurvData, replicates: usize) {
    let o = BootstrapOptions {
        intervals: vec![IntervalMethod::Percentile],
        ..options(Statistic::LogHr, replicates)
    };
    let run = BootstrapReplicates::run(data, &o, &|| {}).unwrap();
    let order = data.order_by_time().to_vec();
    let group = data.group.as_ref().unwrap();
    for (r, replicate) in run.replicates.iter().enumerate() {
        let mut counts = vec![0; order.len()];
        engine::draw_resample(&mut engine::stream(o.seed, r as u64), None, &mut counts);
        let mut rows = String::from("time,status,entry,arm\n");
        for (k, &i) in order.iter().enumerate() {
            let level = &group.levels[group.codes[i] as usize];
            let line = format!(
                "{},{},{},{level}\n",
                data.time[i],
                u8::from(data.event[i]),
                data.entry_of(i)
            );
            rows.push_str(&line.repeat(counts[k] as usize));
        }
        let mut columns = Columns::new("time", "status").covariates(["arm"]).factors(["arm"]);
        if data.entry.is_some() {
            columns = columns.entry("entry");
        }
        let resample = SurvData::from_csv_bytes("resample", rows.as_bytes(), &columns).unwrap();
        let fit = Cox::fit(&resample, &CoxOptions::default()).unwrap();
        // both are Newton–Raphson fits stopped by a tolerance: the iterative-fit tolerance
        assert_close_rel(
            &format!("replicate {r}"),
            replicate.value.unwrap(),
            fit.terms[0].coef.unwrap(),
            COX_REL_TOL,
        );
    }
}

#[test]
fn cox_replicates_equal_fits_to_the_resampled_rows() {
    check_replicates_against_resampled_rows(&lung_by_sex(), 12);
}

/// The same with delayed entry (Channing House), where the drawn rows' entries must be kept.
#[test]
fn cox_replicates_with_delayed_entry_equal_fits_to_the_resampled_rows() {
    let columns = Columns::new("exit", "cens").entry("entry").group("sex");
    let data = SurvData::read_csv(repo_path("datasets/channing.csv"), &columns).unwrap();
    check_replicates_against_resampled_rows(&data, 8);
}

#[test]
fn logrank_kernel_equals_the_library_test_for_every_weight_and_k_groups() {
    let veteran = SurvData::read_csv(
        repo_path("datasets/veteran.csv"),
        &Columns::new("time", "status").group("celltype"),
    )
    .unwrap();
    for weights in [
        "logrank",
        "gehan",
        "tarone-ware",
        "peto",
        "modified-peto",
        "fh:1,0",
        "fh:0.5,2",
    ] {
        let weights: Weights = weights.parse().unwrap();
        let library = LogRank::test(&veteran, &LogRankOptions { weights, trend: false }).unwrap();
        let o = BootstrapOptions {
            weights,
            intervals: vec![IntervalMethod::Percentile],
            ..options(Statistic::LogRank, 2)
        };
        let ours = Bootstrap::run(&veteran, &o).unwrap();
        assert_close(&format!("{weights} chi-square"), ours.estimate, library.statistic);
        assert_close(&format!("{weights} p"), ours.estimate_p_value.unwrap(), library.p_value);
    }
}

#[test]
fn covariate_adjusted_log_hr_equals_cox_fit() {
    let columns = Columns::new("time", "status")
        .group("sex")
        .covariates(["age", "ph.ecog"]);
    let data = lung(columns);
    let o = BootstrapOptions {
        intervals: vec![IntervalMethod::Percentile],
        ..options(Statistic::LogHr, 20)
    };
    let ours = Bootstrap::run(&data, &o).unwrap();
    let cox_data = lung(
        Columns::new("time", "status")
            .covariates(["sex", "age", "ph.ecog"])
            .factors(["sex"]),
    );
    let cox = Cox::fit(&cox_data, &CoxOptions::default()).unwrap();
    assert_close("adjusted log-hr", ours.estimate, cox.terms[0].coef.unwrap());
    assert_eq!(ours.dropped_rows.count, 1);
}

/// A small trial like CNM-Au8 30 mg in HEALEY ALS: 1 event among 59 treated, 4 among 41 on
/// placebo. A resample of the treated arm has no event with probability (1 − 1/59)^59 ≈ 0.365
/// (within arms), where the ML hazard ratio is infinite.
fn als_like() -> SurvData {
    let mut text = String::from("time,status,arm\n");
    for i in 0..59 {
        text.push_str(&format!("{},{},treated\n", 20 + i, u8::from(i == 10)));
    }
    for i in 0..41 {
        text.push_str(&format!("{},{},placebo\n", 25 + i, u8::from(i % 10 == 3)));
    }
    let columns = Columns::new("time", "status").group("arm").reference("arm", "placebo");
    SurvData::from_csv_bytes("als_like", text.as_bytes(), &columns).unwrap()
}

#[test]
fn degenerate_replicates_are_counted_excluded_or_firth_fitted() {
    let data = als_like();
    let o = BootstrapOptions {
        stratify: true,
        threads: 2,
        ..options(Statistic::LogHr, 2000)
    };
    let ml = Bootstrap::run(&data, &o).unwrap();
    let share = ml.degenerate.count as f64 / 2000.0;
    // Binomial(2000, 0.365): SD ≈ 0.011
    assert!((share - 0.365).abs() < 0.045, "degenerate share {share}");
    assert_eq!(ml.degenerate.excluded, ml.degenerate.count);
    assert_eq!(ml.used, 2000 - ml.degenerate.count);
    assert!(ml.degenerate.treatment.starts_with("excluded"));
    assert!(ml.warnings.iter().any(|w| w.contains("degenerate")));
    assert!(
        ml.ci
            .iter()
            .find(|c| c.method == IntervalMethod::Bca)
            .unwrap()
            .lower
            .is_none()
    );
    let table = survkit::Render::table(&ml);
    assert!(table.contains(&format!("Degenerate replicates: {}", ml.degenerate.count)));
    let csv = survkit::Render::csv(&ml);
    assert!(csv.contains("degenerate treatment: excluded"));

    let firth = Bootstrap::run(
        &data,
        &BootstrapOptions {
            firth: true,
            ties: Ties::Breslow,
            ..o.clone()
        },
    )
    .unwrap();
    assert_eq!(
        firth.degenerate.count, ml.degenerate.count,
        "same resamples, same arms without events"
    );
    assert_eq!(firth.degenerate.excluded, 0);
    assert_eq!(firth.used, 2000);
    assert!(firth.degenerate.treatment.starts_with("kept"));
}

#[test]
fn bootstrap_se_matches_analytic_se_on_a_large_trial() {
    let text = generated_trial(4000, 11);
    let cox_columns = Columns::new("time", "status").group("arm").covariates(["x"]);
    let data = SurvData::from_csv_bytes("generated", text.as_bytes(), &cox_columns).unwrap();
    let o = BootstrapOptions {
        threads: 2,
        intervals: vec![IntervalMethod::Normal],
        ..options(Statistic::LogHr, 1500)
    };
    let boot = Bootstrap::run(&data, &o).unwrap();
    let fit = Cox::fit(
        &SurvData::from_csv_bytes(
            "generated",
            text.as_bytes(),
            &Columns::new("time", "status").covariates(["arm", "x"]).factors(["arm"]),
        )
        .unwrap(),
        &CoxOptions::default(),
    )
    .unwrap();
    let analytic = fit.terms[0].se.unwrap();
    let se = boot.se.unwrap();
    assert!(
        (se / analytic - 1.0).abs() < BOOT_SE_REL_TOL_VS_ANALYTIC,
        "Cox log-HR: bootstrap SE {se} vs analytic {analytic}"
    );

    let data = SurvData::from_csv_bytes(
        "generated",
        text.as_bytes(),
        &Columns::new("time", "status").group("arm"),
    )
    .unwrap();
    let boot = Bootstrap::run(
        &data,
        &BootstrapOptions {
            statistic: Statistic::RmstDiff,
            tau: Some(800.0),
            ..o
        },
    )
    .unwrap();
    let rmst = Rmst::fit(
        &data,
        &RmstOptions {
            tau: Some(800.0),
            ..Default::default()
        },
    )
    .unwrap();
    let analytic = rmst.contrasts[0].difference.se.unwrap();
    let se = boot.se.unwrap();
    assert!(
        (se / analytic - 1.0).abs() < BOOT_SE_REL_TOL_VS_ANALYTIC,
        "RMST difference: bootstrap SE {se} vs analytic {analytic}"
    );
}

/// R 4.2.2, boot 1.3-28.1, survival 3.5.3: `tests/reference/make_bootstrap_fixtures.R`.
#[test]
fn agrees_with_r_boot_at_10000_replicates() {
    let reference = fixture("bootstrap.json");
    let data = lung_by_sex();
    for case in reference["cases"].as_array().unwrap() {
        let statistic: Statistic = case["statistic"].as_str().unwrap().parse().unwrap();
        let o = BootstrapOptions {
            threads: 2,
            ..options(statistic, 10_000)
        };
        let ours = Bootstrap::run(&data, &o).unwrap();
        let r = |key: &str| case[key].as_f64().unwrap();
        let what = |s: &str| format!("{statistic} {s}");
        assert_close(&what("estimate"), ours.estimate, r("estimate"));
        // deterministic: the jackknife acceleration (R's empinf(type = "jack"))
        let (a, a_r) = (ours.bca.unwrap().acceleration.unwrap(), r("acceleration_jackknife"));
        assert!(
            (a / a_r - 1.0).abs() < BOOT_ACCELERATION_REL_TOL,
            "{statistic}: acceleration {a} vs R {a_r}"
        );
        let se = ours.se.unwrap();
        assert!(
            (se / r("se") - 1.0).abs() < BOOT_SE_REL_TOL_VS_R,
            "{statistic}: SE {se} vs R {}",
            r("se")
        );
        for (method, key) in [
            (IntervalMethod::Percentile, "percentile"),
            (IntervalMethod::Basic, "basic"),
            (IntervalMethod::Normal, "normal"),
            (IntervalMethod::Bca, "bca_jackknife"),
        ] {
            let ci = ours.ci.iter().find(|c| c.method == method).unwrap();
            let limits = case["ci"][key].as_array().unwrap();
            for (ours, theirs) in [(ci.lower, &limits[0]), (ci.upper, &limits[1])] {
                let (a, b) = (ours.unwrap(), theirs.as_f64().unwrap());
                assert!(
                    (a - b).abs() < BOOT_ENDPOINT_TOL_IN_SE * se,
                    "{statistic} {key}: {a} vs R {b} (SE {se})"
                );
            }
        }
    }
}

fn tiny(arms: &str) -> SurvData {
    // four participants, events at times 1, 2, 3, 4; `arms` gives each one's arm
    let mut text = String::from("time,status,arm\n");
    for (t, arm) in arms.chars().enumerate() {
        text.push_str(&format!("{},1,{arm}\n", t + 1));
    }
    SurvData::from_csv_bytes("tiny", text.as_bytes(), &Columns::new("time", "status").group("arm")).unwrap()
}

/// Four events at times 1–4, two per arm: the C(4,2) = 6 assignments of arm A give
/// (U_A = Σ d_A − d n_A/n, V = Σ d (n−d)/(n−1) n_A/n (1 − n_A/n), χ² = U²/V):
///
/// | A     | U_A                     | V                    | χ²    |
/// |-------|-------------------------|----------------------|-------|
/// | {1,2} | 1/2 + 2/3 = 7/6         | 1/4 + 2/9 = 17/36    | 49/17 |
/// | {1,3} | 1/2 − 1/3 + 1/2 = 2/3   | 1/4 + 2/9 + 1/4      | 8/13  |
/// | {1,4} | 1/2 − 1/3 − 1/2 = −1/3  | 13/18                | 2/13  |
/// | {2,3} | −1/2 + 1/3 + 1/2 = 1/3  | 13/18                | 2/13  |
/// | {2,4} | −1/2 + 1/3 − 1/2 = −2/3 | 13/18                | 8/13  |
/// | {3,4} | −1/2 − 2/3 = −7/6       | 17/36                | 49/17 |
///
/// so p = 2/6 when A = {1,2} is observed and 4/6 when A = {1,3} is.
#[test]
fn exact_permutation_p_values_by_hand() {
    for (arms, statistic, p) in [
        ("AABB", 49.0 / 17.0, 2.0 / 6.0),
        ("ABAB", 8.0 / 13.0, 4.0 / 6.0),
        ("ABBA", 2.0 / 13.0, 1.0),
    ] {
        let test = Permutation::test(&tiny(arms), &PermutationOptions::default(), &|| {}).unwrap();
        assert_eq!(test.method, PermutationMethod::Exact);
        assert_eq!(test.permutations, 6);
        assert_close(&format!("{arms} chi-square"), test.statistic, statistic);
        assert_close(&format!("{arms} p"), test.p_value, p);
    }
}

/// Three arms, one participant each, events at 1, 2, 3: 3! = 6 assignments. Each is a
/// relabelling of the arms of the observed one (U = (2/3, 1/6, −5/6) in arm order), and χ²
/// does not depend on the arms' names, so all 6 are as extreme and p = 1.
#[test]
fn exact_permutation_with_three_arms() {
    let text = "time,status,arm\n1,1,A\n2,1,B\n3,1,C\n";
    let data =
        SurvData::from_csv_bytes("three", text.as_bytes(), &Columns::new("time", "status").group("arm")).unwrap();
    let test = Permutation::test(&data, &PermutationOptions::default(), &|| {}).unwrap();
    assert_eq!(test.permutations, 6);
    assert_eq!(test.as_extreme, 6);
    assert_eq!(test.p_value, 1.0);
}

#[test]
fn monte_carlo_permutation_is_reproducible_and_near_the_asymptotic_p() {
    let data = lung_by_sex();
    let run = |threads| {
        let o = PermutationOptions {
            permutations: 4000,
            seed: 99,
            threads,
            ..Default::default()
        };
        Permutation::test(&data, &o, &|| {}).unwrap()
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one.method, PermutationMethod::MonteCarlo);
    assert_eq!(one.p_value, (1 + one.as_extreme) as f64 / 4001.0);
    // asymptotic p = 0.00131; binomial SD at B = 4000 ≈ 0.00057
    assert!((one.p_value - one.asymptotic_p_value).abs() < 0.0025, "{}", one.p_value);
}

fn mgus2_by_sex() -> CompetingData {
    let columns = Columns::new("time", "status").group("sex");
    CompetingData::read_csv(repo_path("datasets/mgus2_cr.csv"), &columns, "0").unwrap()
}

/// cif-diff:T and log-shr on competing-risks data: the estimates are `survkit cif`'s and
/// `survkit finegray`'s, every replicate is the statistic of its resampled rows written out,
/// and the run is the same for any thread count and when merged from shards.
#[test]
fn competing_risks_statistics_estimates_replicates_threads_and_shards() {
    let data = mgus2_by_sex();
    let fit = Cif::fit(
        &data,
        &CifOptions {
            at: vec![120.0],
            ..Default::default()
        },
    )
    .unwrap();
    let at = |group: &str| {
        fit.at
            .iter()
            .find(|a| a.group.as_deref() == Some(group) && a.cause == "1")
            .unwrap()
            .cif
    };
    let cif = BootstrapOptions {
        intervals: vec![IntervalMethod::Percentile, IntervalMethod::Bca],
        ..options(Statistic::CifDiff(120.0), 200)
    };
    let input = BootstrapData::Competing {
        data: &data,
        cause: "1",
    };
    let run = BootstrapReplicates::run(input, &cif, &|| {}).unwrap();
    assert_close_rel("cif-diff estimate", run.estimate, at("M") - at("F"), 1e-12);
    assert_eq!(run.settings.cause.as_deref(), Some("1"));
    // replicate r is the statistic on its rows, resampled and refitted by the library
    let order = data.data().order_by_time().to_vec();
    for (r, replicate) in run.replicates.iter().enumerate().take(5) {
        let mut counts = vec![0; order.len()];
        engine::draw_resample(&mut engine::stream(cif.seed, r as u64), None, &mut counts);
        let mut csv = String::from("time,status,sex\n");
        for (k, &i) in order.iter().enumerate() {
            let sex = data.data().group.as_ref().unwrap().label(i);
            let line = format!("{},{},{sex}\n", data.data().time[i], data.cause_of(i));
            csv.push_str(&line.repeat(counts[k] as usize));
        }
        let columns = Columns::new("time", "status").group("sex");
        let resample = CompetingData::from_csv_bytes("resample", csv.as_bytes(), &columns, "0").unwrap();
        let options = CifOptions {
            at: vec![120.0],
            ..Default::default()
        };
        let refit = Cif::fit(&resample, &options).unwrap();
        let at = |group: &str| {
            refit
                .at
                .iter()
                .find(|a| a.group.as_deref() == Some(group) && a.cause == "1")
                .unwrap()
                .cif
        };
        assert_close_rel(
            &format!("replicate {r}"),
            replicate.value.unwrap(),
            at("M") - at("F"),
            1e-12,
        );
    }
    let shr = BootstrapOptions {
        intervals: vec![IntervalMethod::Percentile],
        ..options(Statistic::LogShr, 40)
    };
    let run = |threads, range: std::ops::Range<usize>| {
        let o = BootstrapOptions {
            threads,
            replicates: range,
            ..shr.clone()
        };
        BootstrapReplicates::run(input, &o, &|| {}).unwrap()
    };
    let one = run(1, 0..40);
    let with_arm = Columns::new("time", "status")
        .group("sex")
        .covariates(["sex"])
        .factors(["sex"]);
    let fg = FineGray::fit(
        &CompetingData::read_csv(repo_path("datasets/mgus2_cr.csv"), &with_arm, "0").unwrap(),
        &FineGrayOptions::new("1"),
    )
    .unwrap();
    assert_close_rel("log-shr estimate", one.estimate, fg.terms[0].coef.unwrap(), 1e-12);
    assert_eq!(one.estimate_p_value, fg.terms[0].p_value);
    assert_eq!(json(&one.summary()), json(&run(2, 0..40).summary()));
    let merged = BootstrapReplicates::merge(vec![run(2, 15..40), run(1, 0..15)]).unwrap();
    assert_eq!(merged, one);
    // a shard of another cause does not merge
    let other = BootstrapReplicates::run(
        BootstrapData::Competing {
            data: &data,
            cause: "2",
        },
        &BootstrapOptions {
            replicates: 15..40,
            ..shr.clone()
        },
        &|| {},
    )
    .unwrap();
    assert!(BootstrapReplicates::merge(vec![run(1, 0..15), other]).is_err());
}

#[test]
fn competing_risks_statistics_refuse_what_they_cannot_do() {
    let data = mgus2_by_sex();
    let message = |input: BootstrapData, statistic| {
        BootstrapReplicates::run(input, &options(statistic, 10), &|| {})
            .unwrap_err()
            .to_string()
    };
    let competing = |cause| BootstrapData::Competing { data: &data, cause };
    assert!(message(competing("3"), Statistic::LogShr).contains("there is no cause '3'; the causes are: 1, 2"));
    assert!(message(competing("1"), Statistic::LogHr).contains("cif-diff:T or log-shr, not log-hr"));
    let plain = lung_by_sex();
    assert!(message((&plain).into(), Statistic::CifDiff(100.0)).contains("one cause of competing-risks data"));
    // "1.0" names cause "1", and the settings write it as the data do
    let run = BootstrapReplicates::run(competing("1.0"), &options(Statistic::CifDiff(60.0), 10), &|| {}).unwrap();
    assert_eq!(run.settings.cause.as_deref(), Some("1"));
    let with_strata = Columns::new("time", "status").group("sex").strata("agegrp");
    let stratified = CompetingData::read_csv(repo_path("datasets/mgus2_cr.csv"), &with_strata, "0").unwrap();
    let input = BootstrapData::Competing {
        data: &stratified,
        cause: "1",
    };
    assert!(message(input, Statistic::LogShr).contains("does not take strata"));
}
