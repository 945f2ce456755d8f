//! Win statistics, CAFS and Finkelstein–Schoenfeld against the plain-R implementation in
//! tests/reference/make_win_fixtures.R (every pair compared explicitly there): counts exact,
//! everything else to the shared reference tolerance (1e-8 relative).

mod common;

use common::{assert_close, assert_close_opt, fixture, repo_path, str_field};
use serde_json::Value;
use survkit::bootstrap::PermutationPlan;
use survkit::win::{Cafs, CafsOptions, Direction, LaterScore, WinOptions, WinStatistics};
use survkit::{Columns, SurvData};

/// The scores after the first (the case's `later` list; none when absent).
fn later(case: &Value) -> Vec<LaterScore> {
    case["later"].as_array().map_or_else(Vec::new, |levels| {
        levels
            .iter()
            .map(|l| LaterScore {
                direction: direction(l),
                threshold: l["threshold"].as_f64().unwrap(),
                ..LaterScore::new(str_field(l, "column").unwrap())
            })
            .collect()
    })
}

fn load(case: &Value) -> SurvData {
    let scores: Vec<String> = std::iter::once(str_field(case, "score").unwrap().to_string())
        .chain(later(case).into_iter().map(|l| l.column))
        .collect();
    let mut columns = Columns::new(str_field(case, "time").unwrap(), str_field(case, "event").unwrap())
        .group(str_field(case, "group").unwrap())
        .reference(str_field(case, "group").unwrap(), str_field(case, "reference").unwrap())
        .covariates(scores.clone())
        .may_be_missing(scores);
    if let Some(strata) = str_field(case, "strata") {
        columns = columns.strata(strata);
    }
    SurvData::read_csv(repo_path(str_field(case, "file").unwrap()), &columns).unwrap()
}

fn direction(case: &Value) -> Direction {
    if case["lower_is_better"].as_bool().unwrap() {
        Direction::LowerIsBetter
    } else {
        Direction::HigherIsBetter
    }
}

fn count(v: &Value, key: &str) -> u64 {
    v[key].as_f64().unwrap() as u64
}

#[test]
fn win_statistics_match_r() {
    let cases = fixture("win.json");
    for case in cases["cases"].as_array().unwrap() {
        let name = str_field(case, "name").unwrap();
        let data = load(case);
        let options = WinOptions {
            direction: direction(case),
            threshold: case["threshold"].as_f64().unwrap(),
            later_scores: later(case),
            ..WinOptions::new(str_field(case, "score").unwrap())
        };
        let ours = WinStatistics::compute(&data, &options).unwrap();
        let r = &case["win"];
        assert_eq!(ours.pairs, count(r, "pairs"), "{name} pairs");
        assert_eq!(
            (ours.wins, ours.losses, ours.ties),
            (count(r, "wins"), count(r, "losses"), count(r, "ties")),
            "{name}"
        );
        assert_eq!(
            (
                ours.levels[0].wins,
                ours.levels[0].losses,
                ours.levels[1].wins,
                ours.levels[1].losses
            ),
            (
                count(r, "death_wins"),
                count(r, "death_losses"),
                count(r, "score_wins"),
                count(r, "score_losses")
            ),
            "{name} levels"
        );
        for (k, level) in ours.levels[2..].iter().enumerate() {
            assert_eq!(
                (level.wins, level.losses),
                (
                    r["later_wins"][k].as_u64().unwrap(),
                    r["later_losses"][k].as_u64().unwrap()
                ),
                "{name} level {}",
                level.level
            );
        }
        assert_eq!(ours.levels.len(), 2 + later(case).len(), "{name} levels");
        for (measure, e) in [
            ("win_ratio", &ours.win_ratio),
            ("win_odds", &ours.win_odds),
            ("net_benefit", &ours.net_benefit),
        ] {
            let rm = &r[measure];
            for (field, value) in [
                ("estimate", e.estimate),
                ("se", e.se),
                ("lower", e.lower),
                ("upper", e.upper),
                ("p_value", e.p_value),
            ] {
                assert_close_opt(&format!("{name} {measure} {field}"), value, &rm[field]);
            }
        }
    }
}

#[test]
fn cafs_and_finkelstein_schoenfeld_match_r() {
    let cases = fixture("win.json");
    for case in cases["cases"].as_array().unwrap() {
        let r = &case["cafs"];
        if r.is_null() {
            continue;
        }
        let name = str_field(case, "name").unwrap();
        let data = load(case);
        let options = CafsOptions {
            direction: direction(case),
            threshold: case["threshold"].as_f64().unwrap(),
            later_scores: later(case),
            permutation: PermutationPlan {
                exact_limit: 5000,
                permutations: 200,
                ..PermutationPlan::default()
            },
            ..CafsOptions::new(str_field(case, "score").unwrap())
        };
        let ours = Cafs::test(&data, &options, &|| {}).unwrap();
        let u: Vec<i64> = r["u"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as i64)
            .collect();
        assert_eq!(ours.scores, u, "{name} U");
        for (i, rank) in r["rank"].as_array().unwrap().iter().enumerate() {
            assert_close(&format!("{name} rank {i}"), ours.ranks[i], rank.as_f64().unwrap());
        }
        assert_close(
            &format!("{name} mean rank ref"),
            ours.groups[0].mean_rank,
            r["mean_rank_reference"].as_f64().unwrap(),
        );
        assert_close(
            &format!("{name} mean rank trt"),
            ours.groups[1].mean_rank,
            r["mean_rank_treated"].as_f64().unwrap(),
        );
        assert_close(&format!("{name} W"), ours.statistic, r["statistic"].as_f64().unwrap());
        assert_close_opt(&format!("{name} p"), ours.p_value, &r["p_value"]);
        let fs = &ours.finkelstein_schoenfeld;
        assert_close(
            &format!("{name} FS T"),
            fs.statistic,
            r["fs_statistic"].as_f64().unwrap(),
        );
        assert_close(
            &format!("{name} FS var"),
            fs.variance,
            r["fs_variance"].as_f64().unwrap(),
        );
        assert_close_opt(&format!("{name} FS z"), fs.z, &r["fs_z"]);
        assert_close_opt(&format!("{name} FS p"), fs.p_value, &r["fs_p_value"]);
        if let Some(p) = r.get("exact_permutation_p_value").and_then(Value::as_f64) {
            assert!(ours.seed.is_none(), "{name}: exact expected");
            assert_close(&format!("{name} exact permutation p"), ours.permutation_p_value, p);
        }
    }
}

/// Death, then ALSFRS-R beyond a 2-point margin, then any ALSFRS-R difference: the totals are
/// those of the margin-0 hierarchy, the margin only moving wins and losses to the third level.
#[test]
fn a_score_again_without_its_margin_gives_the_margin_zero_totals() {
    let file = repo_path("datasets/als/als_function_survival_synthetic.csv");
    let later = [LaterScore::new("alsfrs_change")];
    let columns =
        survkit::win::columns("time_weeks", "death", "arm", "alsfrs_change", &later).reference("arm", "placebo");
    let data = SurvData::read_csv(file, &columns).unwrap();
    let plain = WinStatistics::compute(&data, &WinOptions::new("alsfrs_change")).unwrap();
    let options = WinOptions {
        threshold: 2.0,
        later_scores: later.to_vec(),
        ..WinOptions::new("alsfrs_change")
    };
    let tiered = WinStatistics::compute(&data, &options).unwrap();
    assert_eq!(
        (tiered.wins, tiered.losses, tiered.ties),
        (plain.wins, plain.losses, plain.ties)
    );
    assert_eq!(tiered.win_ratio, plain.win_ratio);
    assert_eq!(tiered.levels.len(), 3);
    assert!(tiered.levels[2].wins > 0 && tiered.levels[1].wins < plain.levels[1].wins);
}

/// The bootstrap check: 2,000 replicates resampled within arms (and strata) give SEs within
/// 10% of the U-statistic SEs for all three measures, limits around the estimate, and the same
/// numbers on one thread as on two.
#[test]
fn bootstrap_agrees_with_the_u_statistic_variances() {
    use survkit::win::WinBootstrapOptions;
    let file = repo_path("datasets/als/als_function_survival_synthetic.csv");
    for strata in [None, Some("onset")] {
        let mut columns =
            survkit::win::columns("time_weeks", "death", "arm", "alsfrs_change", &[]).reference("arm", "placebo");
        if let Some(s) = strata {
            columns = columns.strata(s);
        }
        let data = SurvData::read_csv(&file, &columns).unwrap();
        let run = |threads| {
            let options = WinOptions {
                bootstrap: Some(WinBootstrapOptions {
                    replicates: 2000,
                    seed: 5,
                    threads,
                }),
                ..WinOptions::new("alsfrs_change")
            };
            WinStatistics::compute(&data, &options).unwrap()
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two, "{strata:?}: thread count changed the result");
        let b = one.bootstrap.as_ref().unwrap();
        for (name, boot, wald) in [
            ("win ratio", &b.win_ratio, &one.win_ratio),
            ("win odds", &b.win_odds, &one.win_odds),
            ("net benefit", &b.net_benefit, &one.net_benefit),
        ] {
            let ratio = boot.se.unwrap() / wald.se.unwrap();
            assert!((0.9..1.1).contains(&ratio), "{strata:?} {name}: bootstrap/U SE {ratio}");
            let estimate = wald.estimate.unwrap();
            assert!(
                boot.lower.unwrap() < estimate && estimate < boot.upper.unwrap(),
                "{strata:?} {name}"
            );
            assert_eq!(boot.degenerate, 0);
        }
    }
}
