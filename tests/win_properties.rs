//! Properties of the win statistics and CAFS that must hold for any data (proptest):
//! swapping the arms inverts the ratios and negates the net benefit; reordering the rows or
//! renaming the arms changes nothing.

use proptest::prelude::*;
use survkit::bootstrap::PermutationPlan;
use survkit::win::{Cafs, CafsOptions, WinOptions, WinStatistics};
use survkit::{Columns, SurvData};

/// (time, death, arm, score in half points) rows with plenty of ties; both arms present.
fn rows() -> impl Strategy<Value = Vec<(u32, bool, bool, u32)>> {
    prop::collection::vec((1u32..8, any::<bool>(), any::<bool>(), 0u32..8), 4..50)
        .prop_filter("both arms", |r| r.iter().any(|x| x.2) && r.iter().any(|x| !x.2))
}

fn csv(rows: &[(u32, bool, bool, u32)], labels: [&str; 2]) -> String {
    let mut s = String::from("t,d,arm,score\n");
    for (t, d, a, score) in rows {
        s.push_str(&format!(
            "{t},{},{},{}\n",
            u8::from(*d),
            labels[usize::from(*a)],
            f64::from(*score) / 2.0
        ));
    }
    s
}

fn load(text: &str, reference: &str) -> SurvData {
    let columns = Columns::new("t", "d")
        .group("arm")
        .reference("arm", reference)
        .covariates(["score"]);
    SurvData::from_csv_bytes("prop.csv", text.as_bytes(), &columns).unwrap()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

proptest! {
    #[test]
    fn swapping_arms_inverts(rows in rows(), threshold in prop::sample::select(vec![0.0, 0.5, 1.0])) {
        let text = csv(&rows, ["a", "b"]);
        let options = WinOptions { threshold, ..WinOptions::new("score") };
        let ab = WinStatistics::compute(&load(&text, "a"), &options).unwrap();
        let ba = WinStatistics::compute(&load(&text, "b"), &options).unwrap();
        prop_assert_eq!((ab.wins, ab.losses, ab.ties), (ba.losses, ba.wins, ba.ties));
        prop_assert!(close(ab.net_benefit.estimate, ba.net_benefit.estimate.map(|x| -x)));
        prop_assert!(close(ab.net_benefit.se, ba.net_benefit.se));
        prop_assert!(close(ab.net_benefit.p_value, ba.net_benefit.p_value));
        for (x, y) in [(&ab.win_ratio, &ba.win_ratio), (&ab.win_odds, &ba.win_odds)] {
            if x.estimate.is_some_and(|e| e > 0.0) && y.estimate.is_some_and(|e| e > 0.0) {
                prop_assert!(close(x.estimate, y.estimate.map(|e| 1.0 / e)));
                prop_assert!(close(x.lower, y.upper.map(|e| 1.0 / e)));
                prop_assert!(close(x.se, y.se));
                prop_assert!(close(x.p_value, y.p_value));
            }
        }
    }

    #[test]
    fn reordering_and_renaming_change_nothing(rows in rows(), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let options = WinOptions::new("score");
        let original = WinStatistics::compute(&load(&csv(&rows, ["a", "b"]), "a"), &options).unwrap();
        let moved = WinStatistics::compute(&load(&csv(&shuffled, ["zz", "c"]), "zz"), &options).unwrap();
        prop_assert_eq!((original.wins, original.losses, original.ties), (moved.wins, moved.losses, moved.ties));
        prop_assert_eq!(&original.levels, &moved.levels);
        for (x, y) in [
            (&original.win_ratio, &moved.win_ratio),
            (&original.win_odds, &moved.win_odds),
            (&original.net_benefit, &moved.net_benefit),
        ] {
            prop_assert!(close(x.estimate, y.estimate) && close(x.se, y.se) && close(x.p_value, y.p_value));
        }
        let cafs_options = CafsOptions {
            permutation: PermutationPlan { exact_limit: 2000, permutations: 100, ..PermutationPlan::default() },
            ..CafsOptions::new("score")
        };
        let c1 = Cafs::test(&load(&csv(&rows, ["a", "b"]), "a"), &cafs_options, &|| {}).unwrap();
        let c2 = Cafs::test(&load(&csv(&shuffled, ["zz", "c"]), "zz"), &cafs_options, &|| {}).unwrap();
        prop_assert_eq!(c1.statistic, c2.statistic);
        prop_assert_eq!(c1.finkelstein_schoenfeld.statistic, c2.finkelstein_schoenfeld.statistic);
        prop_assert!(close(c1.p_value, c2.p_value));
        prop_assert_eq!(c1.groups[0].mean_rank, c2.groups[0].mean_rank);
        if c1.seed.is_none() {
            prop_assert_eq!(c1.permutation_p_value, c2.permutation_p_value);
        }
        let mut s1 = c1.scores.clone();
        let mut s2 = c2.scores.clone();
        s1.sort_unstable();
        s2.sort_unstable();
        prop_assert_eq!(s1, s2);
    }
}
