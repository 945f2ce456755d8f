//! Properties that must hold for any data (proptest).

use proptest::prelude::*;
use survkit::{Columns, KaplanMeier, KmOptions, LogRank, LogRankOptions, SurvData};

/// (time, event, group) rows with plenty of ties.
fn rows() -> impl Strategy<Value = Vec<(u32, bool, u8)>> {
    prop::collection::vec((1u32..40, any::<bool>(), 0u8..3), 2..60)
}

fn csv(rows: &[(u32, bool, u8)]) -> String {
    let mut s = String::from("t,s,g,c\n");
    for (t, e, g) in rows {
        s.push_str(&format!("{t},{},{g},same\n", u8::from(*e)));
    }
    s
}

fn load(text: &str, columns: &Columns) -> SurvData {
    SurvData::from_csv_bytes("prop.csv", text.as_bytes(), columns).unwrap()
}

proptest! {
    #[test]
    fn survival_is_a_non_increasing_probability(rows in rows()) {
        let fit = KaplanMeier::fit(&load(&csv(&rows), &Columns::new("t", "s").group("g")), &KmOptions::default()).unwrap();
        for curve in &fit.curves {
            let mut previous = 1.0;
            for row in &curve.table {
                prop_assert!((0.0..=1.0).contains(&row.survival));
                prop_assert!(row.survival <= previous);
                previous = row.survival;
                if let (Some(lo), Some(hi)) = (row.lower, row.upper) {
                    prop_assert!(lo <= row.survival + 1e-12 && row.survival <= hi + 1e-12);
                }
            }
        }
    }

    #[test]
    fn at_risk_counts_are_consistent(rows in rows()) {
        let fit = KaplanMeier::fit(&load(&csv(&rows), &Columns::new("t", "s").group("g")), &KmOptions::default()).unwrap();
        for curve in &fit.curves {
            let table = &curve.table;
            prop_assert_eq!(table[0].n_risk, curve.n as f64);
            for pair in table.windows(2) {
                prop_assert_eq!(pair[1].n_risk, pair[0].n_risk - pair[0].n_event - pair[0].n_censor);
            }
            let last = table.last().unwrap();
            prop_assert_eq!(last.n_risk, last.n_event + last.n_censor);
        }
    }

    #[test]
    fn row_order_changes_nothing(rows in rows(), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        // a deterministic shuffle driven by the seed
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let columns = Columns::new("t", "s").group("g");
        let a = KaplanMeier::fit(&load(&csv(&rows), &columns), &KmOptions::default()).unwrap();
        let b = KaplanMeier::fit(&load(&csv(&shuffled), &columns), &KmOptions::default()).unwrap();
        prop_assert_eq!(&a.curves, &b.curves);
        let groups = a.curves.len();
        if groups >= 2 && rows.iter().any(|r| r.1) {
            let x = LogRank::test(&load(&csv(&rows), &columns), &LogRankOptions::default());
            let y = LogRank::test(&load(&csv(&shuffled), &columns), &LogRankOptions::default());
            if let (Ok(x), Ok(y)) = (x, y) {
                prop_assert!((x.statistic - y.statistic).abs() <= 1e-9 * x.statistic.abs().max(1.0));
            }
        }
    }

    #[test]
    fn a_constant_group_or_stratum_changes_nothing(rows in rows()) {
        let text = csv(&rows);
        let plain = KaplanMeier::fit(&load(&text, &Columns::new("t", "s")), &KmOptions::default()).unwrap();
        let grouped = KaplanMeier::fit(&load(&text, &Columns::new("t", "s").group("c")), &KmOptions::default()).unwrap();
        prop_assert_eq!(&plain.curves[0].table, &grouped.curves[0].table);
        prop_assert_eq!(&plain.curves[0].median, &grouped.curves[0].median);
        let unstratified = LogRank::test(&load(&text, &Columns::new("t", "s").group("g")), &LogRankOptions::default());
        let stratified = LogRank::test(&load(&text, &Columns::new("t", "s").group("g").strata("c")), &LogRankOptions::default());
        match (unstratified, stratified) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a.statistic, b.statistic),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert!(false, "stratifying by a constant changed whether the test runs"),
        }
    }
}
