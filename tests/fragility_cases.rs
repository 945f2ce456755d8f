//! Fragility: the published worked examples, Walsh et al.'s definition, brute-force checks of
//! the exact minimum on small tables (proptest), and the command line. (The incremental
//! log-rank update is checked against the full test beside it, in `fragility/logrank_update.rs`.)

mod common;

#[cfg(feature = "cli")]
use common::{json_stdout, survkit};

use proptest::prelude::*;
use survkit::fragility::{ArmCounts, CountsFragility, CountsOptions, CountsTest, Table2x2};

fn arm(events: u64, total: u64) -> ArmCounts {
    ArmCounts::new(events, total).unwrap()
}

/// HEALEY ALS Platform Trial, regimen C (CNM-Au8 30 mg): death or permanent assisted
/// ventilation in 1 of 59 treated and 4 of 41 on placebo. Fisher p = 0.156; one more placebo
/// event gives p = 0.041 (issue 6; the Alliance SAC statement of June 2023).
#[test]
fn healey_regimen_c() {
    let r = CountsFragility::compute(arm(1, 59), arm(4, 41), &CountsOptions::default()).unwrap();
    assert!((r.p_value - 0.156).abs() < 5e-4 && !r.significant);
    assert_eq!(r.fragility_index, Some(-1));
    assert_eq!(r.walsh_fragility_index, None);
    assert!(r.walsh_note.as_deref().unwrap().contains("significant results only"));
    assert_eq!(r.path.len(), 2);
    assert_eq!((r.path[1].treatment, r.path[1].control), (arm(1, 59), arm(5, 41)));
    assert_eq!(r.path[1].change, "control: non-event → event");
    assert!((r.path[1].p_value - 0.041).abs() < 5e-4);
    // one fewer treated event crosses too (0/59 vs 4/41, p = 0.026): listed as an alternative
    assert!(r.minimal_tables.iter().any(|t| t.treatment == arm(0, 59)));
    assert!((r.fragility_quotient.unwrap() + 0.01).abs() < 1e-12);
}

/// Walsh et al. 2014: for a significant result, add events to the arm with fewer events until
/// Fisher's two-sided p ≥ 0.05. 1/59 vs 5/41 (p = 0.041): one more treated event, 2/59 vs 5/41,
/// is no longer significant, so the index is 1. 5/50 vs 15/50 (p = 0.023): 6/50 vs 15/50 is
/// still significant and 7/50 vs 15/50 is not (both checked below), so the index is 2.
#[test]
fn walsh_definition() {
    let r = CountsFragility::compute(arm(1, 59), arm(5, 41), &CountsOptions::default()).unwrap();
    assert_eq!(r.walsh_fragility_index, Some(1));
    assert_eq!(r.fragility_index, Some(1));
    let table = |a, c| Table2x2::new(arm(a, 50), arm(c, 50));
    assert!(table(6, 15).p_value(CountsTest::Fisher) < 0.05);
    assert!(table(7, 15).p_value(CountsTest::Fisher) >= 0.05);
    let r = CountsFragility::compute(arm(5, 50), arm(15, 50), &CountsOptions::default()).unwrap();
    assert_eq!(r.walsh_fragility_index, Some(2));
    // 0/4 vs 4/4 (p = 0.029): one treated event, 1/4 vs 4/4, gives p = 0.14: index 1
    let r = CountsFragility::compute(arm(0, 4), arm(4, 4), &CountsOptions::default()).unwrap();
    assert_eq!(r.walsh_fragility_index, Some(1));
}

#[test]
fn incidence_index_respects_q() {
    // 1/59: flipping a treated non-event to an event needs an event proportion ≥ q
    let options = CountsOptions {
        q: Some(0.05),
        ..Default::default()
    };
    let r = CountsFragility::compute(arm(1, 59), arm(4, 41), &options).unwrap();
    let inc = r.incidence.unwrap();
    assert!(!inc.allowed.treatment_to_event); // 1/59 < 0.05
    assert!(inc.allowed.control_to_event); // 4/41 ≥ 0.05
    assert_eq!(inc.fragility_index, Some(-1));
    let options = CountsOptions {
        q: Some(0.99),
        ..Default::default()
    };
    let inc = CountsFragility::compute(arm(1, 59), arm(4, 41), &options)
        .unwrap()
        .incidence
        .unwrap();
    assert_eq!(inc.fragility_index, None);
    assert!(inc.note.is_some());
}

#[test]
fn lost_to_follow_up_counts_completions() {
    let options = CountsOptions {
        lost: Some(survkit::fragility::Lost {
            treatment: 3,
            control: 2,
        }),
        ..Default::default()
    };
    let l = CountsFragility::compute(arm(1, 59), arm(4, 41), &options)
        .unwrap()
        .lost_to_follow_up
        .unwrap();
    assert_eq!(l.completed_tables, 12);
    // 2 lost control patients with events: 1/59 vs 6/43, p = 0.0397 (< 0.05)
    assert_eq!(l.minimum_patients, Some(2));
    assert!(l.overturning_tables >= 1 && l.share_of_assignments > 0.0 && l.share_of_assignments < 1.0);
}

/// The fewest flips by brute force over every reachable table.
fn brute_force(t: Table2x2, alpha: f64) -> Option<i64> {
    let significant = t.p_value(CountsTest::Fisher) < alpha;
    let mut best: Option<u64> = None;
    for a in 0..=t.treatment.total() {
        for c in 0..=t.control.total() {
            let other = Table2x2::new(arm(a, t.treatment.total()), arm(c, t.control.total()));
            if (other.p_value(CountsTest::Fisher) < alpha) != significant {
                let cost = a.abs_diff(t.treatment.events()) + c.abs_diff(t.control.events());
                best = Some(best.map_or(cost, |b| b.min(cost)));
            }
        }
    }
    best.map(|b| if significant { b as i64 } else { -(b as i64) })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fragility_index_is_the_exact_minimum(n1 in 1u64..14, n2 in 1u64..14, a in 0u64..14, c in 0u64..14) {
        let (a, c) = (a.min(n1), c.min(n2));
        let r = CountsFragility::compute(arm(a, n1), arm(c, n2), &CountsOptions::default()).unwrap();
        let t = Table2x2::new(arm(a, n1), arm(c, n2));
        prop_assert_eq!(r.fragility_index, brute_force(t, 0.05));
        if let Some(k) = r.fragility_index {
            prop_assert_eq!(r.path.len() as i64 - 1, k.abs());
            let last = r.path.last().unwrap();
            prop_assert_ne!(last.p_value < 0.05, r.significant);
        }
    }

    #[test]
    fn fisher_p_is_a_probability_and_symmetric(n1 in 1u64..60, n2 in 1u64..60, a in 0u64..60, c in 0u64..60) {
        let (a, c) = (a.min(n1), c.min(n2));
        let p = Table2x2::new(arm(a, n1), arm(c, n2)).p_value(CountsTest::Fisher);
        let swapped = Table2x2::new(arm(c, n2), arm(a, n1)).p_value(CountsTest::Fisher);
        prop_assert!((0.0..=1.0).contains(&p));
        prop_assert!((p - swapped).abs() < 1e-12);
        let mid = Table2x2::new(arm(a, n1), arm(c, n2)).p_value(CountsTest::MidP);
        prop_assert!(mid <= p);
    }
}

#[cfg(feature = "cli")]
#[test]
fn cli_counts_json_contract() {
    let out = survkit(&[
        "fragility",
        "counts",
        "--treatment",
        "1/59",
        "--control",
        "4/41",
        "--format",
        "json",
    ]);
    let v = json_stdout(&out);
    for key in [
        "test",
        "p_value",
        "alpha",
        "significant",
        "fragility_index",
        "walsh_fragility_index",
        "fragility_quotient",
        "path",
    ] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    for key in ["step", "change", "p_value"] {
        assert!(v["path"][1].get(key).is_some(), "path step lacks {key}");
    }
    assert_eq!(v["fragility_index"], -1);
    let bad = survkit(&["fragility", "counts", "--treatment", "5/4", "--control", "4/41"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[cfg(feature = "cli")]
#[test]
fn cli_survival_json_contract() {
    let out = survkit(&[
        "fragility",
        "survival",
        "datasets/ovarian.csv",
        "--time",
        "futime",
        "--event",
        "fustat",
        "--group",
        "rx",
        "--method",
        "all",
        "--what-if",
        "--format",
        "json",
    ]);
    let v = json_stdout(&out);
    for key in [
        "test",
        "method",
        "p_value",
        "alpha",
        "significant",
        "fragility_index",
        "fragility_quotient",
        "path",
    ] {
        assert!(v.get(key).is_some(), "lacks {key}");
    }
    for key in ["step", "line", "change", "p_value"] {
        assert!(v["path"][0].get(key).is_some(), "path step lacks {key}");
    }
    assert_eq!(v["sifi"].as_array().unwrap().len(), 4);
    assert_eq!(v["what_if"].as_array().unwrap().len(), 7);
}

/// The worked example of the `fragilityindex` R package (Kipp Johnson; README on CRAN), which
/// implements Walsh et al. (2014): 15/40 vs 6/40 events gives Fisher p = 0.04060921; one more
/// event in the arm with fewer events, 15/40 vs 7/40, gives p = 0.07836101, so the fragility
/// index is 1.
#[test]
fn fragilityindex_package_worked_example() {
    let r = CountsFragility::compute(arm(15, 40), arm(6, 40), &CountsOptions::default()).unwrap();
    assert!((r.p_value - 0.04060921).abs() < 1e-8, "{}", r.p_value);
    assert!(r.significant);
    assert_eq!(r.walsh_fragility_index, Some(1));
    assert_eq!(r.fragility_index, Some(1));
    let after = Table2x2::new(arm(15, 40), arm(7, 40));
    assert!((after.p_value(CountsTest::Fisher) - 0.07836101).abs() < 1e-8);
}
