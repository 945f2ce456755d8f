//! Cases small enough to derive by hand; every expected value is worked out in the comments.

mod common;

use common::assert_close;
use survkit::{Columns, KaplanMeier, KmOptions, LogRank, LogRankOptions, SurvData, Weights};

fn data(csv: &str, columns: &Columns) -> SurvData {
    SurvData::from_csv_bytes("hand.csv", csv.as_bytes(), columns).unwrap()
}

/// Times 1, 2, 2+, 3, 4, 4, 5+, 6 (+ = censored).
const EIGHT: &str = "t,s\n1,1\n2,1\n2,0\n3,1\n4,1\n4,1\n5,0\n6,1\n";

#[test]
fn kaplan_meier_by_hand() {
    let fit = KaplanMeier::fit(&data(EIGHT, &Columns::new("t", "s")), &KmOptions::default()).unwrap();
    let rows = &fit.curves[0].table;
    // t=1: 8 at risk, 1 event: S = 7/8
    // t=2: 7 at risk, 1 event, 1 censored: S = 7/8 · 6/7 = 3/4
    // t=3: 5 at risk, 1 event: S = 3/4 · 4/5 = 3/5
    // t=4: 4 at risk, 2 events: S = 3/5 · 2/4 = 3/10
    // t=5: 2 at risk, censored: S = 3/10
    // t=6: 1 at risk, 1 event: S = 0
    let expected_s = [7.0 / 8.0, 0.75, 0.6, 0.3, 0.3, 0.0];
    let expected_n = [8.0, 7.0, 5.0, 4.0, 2.0, 1.0];
    for (j, row) in rows.iter().enumerate() {
        assert_close(&format!("S at {}", row.time), row.survival, expected_s[j]);
        assert_close(&format!("n at {}", row.time), row.n_risk, expected_n[j]);
    }
    // Greenwood at t=3: Σ d/(n(n−d)) = 1/(8·7) + 1/(7·6) + 1/(5·4) = 0.017857 + 0.023810 + 0.05
    let var_log: f64 = 1.0 / 56.0 + 1.0 / 42.0 + 1.0 / 20.0;
    assert_close("SE at 3", rows[2].std_err.unwrap(), 0.6 * var_log.sqrt());
    // S reaches 0 at t=6: its Greenwood term is infinite, so SE and the log-scale limits are undefined
    assert_eq!(rows[5].std_err, None);
    assert_eq!(rows[5].lower, None);
    // median: S first ≤ 0.5 at t=4
    assert_eq!(fit.curves[0].median.estimate, Some(4.0));
}

#[test]
fn median_on_a_flat_stretch_is_its_midpoint() {
    // 4 participants, events at 1 and 2, censored at 5 and 7: S = 3/4, 1/2, 1/2, 1/2.
    // S equals 0.5 exactly from t=2 until follow-up ends at 7: median = (2 + 7)/2.
    let fit = KaplanMeier::fit(
        &data("t,s\n1,1\n2,1\n5,0\n7,0\n", &Columns::new("t", "s")),
        &KmOptions::default(),
    )
    .unwrap();
    assert_eq!(fit.curves[0].median.estimate, Some(4.5));
    // an event at 6 after the flat: the flat ends at 6, median = (2 + 6)/2
    let fit = KaplanMeier::fit(
        &data("t,s\n1,1\n2,1\n5,0\n6,1\n7,0\n8,0\n", &Columns::new("t", "s")),
        &KmOptions::default(),
    )
    .unwrap();
    // S: 5/6, 4/6, 4/6 (5+), 4/6·2/3 = 4/9 at 6 — not flat at 0.5, so the median is 6
    assert_eq!(fit.curves[0].median.estimate, Some(6.0));
}

#[test]
fn delayed_entry_counts_only_those_already_entered() {
    // (entry, exit]: (0,2], (0,4], (3,5], (3,6]; events at 2, 5 and 6, censored at 4.
    // t=2: at risk (0,2], (0,4] → 2 (the others enter at 3): S = 1/2
    // t=4: at risk (0,4], (3,5], (3,6] → 3, censored
    // t=5: at risk (3,5], (3,6] → 2, event: S = 1/2 · 1/2 = 1/4
    let csv = "e,t,s\n0,2,1\n0,4,0\n3,5,1\n3,6,1\n";
    let fit = KaplanMeier::fit(&data(csv, &Columns::new("t", "s").entry("e")), &KmOptions::default()).unwrap();
    let rows = &fit.curves[0].table;
    let n: Vec<f64> = rows.iter().map(|r| r.n_risk).collect();
    let s: Vec<f64> = rows.iter().map(|r| r.survival).collect();
    assert_eq!(n, vec![2.0, 3.0, 2.0, 1.0]);
    assert_eq!(s, vec![0.5, 0.5, 0.25, 0.0]);
}

#[test]
fn integer_weights_equal_repeated_rows() {
    let weighted = data("t,s,w\n1,1,2\n2,0,1\n3,1,3\n", &Columns::new("t", "s").weight("w"));
    let repeated = data("t,s\n1,1\n1,1\n2,0\n3,1\n3,1\n3,1\n", &Columns::new("t", "s"));
    let a = KaplanMeier::fit(&weighted, &KmOptions::default()).unwrap();
    let b = KaplanMeier::fit(&repeated, &KmOptions::default()).unwrap();
    assert_eq!(a.curves[0].table, b.curves[0].table);
}

#[test]
fn logrank_by_hand() {
    // Group a: 1, 3+;  group b: 2, 4.
    // t=1: n=4 (a 2, b 2), d=1 in a: E_a = 1·2/4 = 0.5, V = 1·3/3 · (2/4)(1 − 2/4) = 0.25
    // t=2: n=3 (a 1, b 2), d=1 in b: E_a = 1/3, V = 1·2/2 · (1/3)(2/3) = 2/9
    // t=4: n=1 (b 1), d=1: E_a = 0, V = 0
    // O_a − E_a = 1 − 5/6 = 1/6; V = 1/4 + 2/9 = 17/36; χ² = (1/36)/(17/36) = 1/17
    let d = data(
        "t,s,g\n1,1,a\n3,0,a\n2,1,b\n4,1,b\n",
        &Columns::new("t", "s").group("g"),
    );
    let test = LogRank::test(&d, &LogRankOptions::default()).unwrap();
    assert_close("E_a", test.groups[0].expected, 5.0 / 6.0);
    assert_close("V", test.variance[0][0], 17.0 / 36.0);
    assert_close("chisq", test.statistic, 1.0 / 17.0);
    assert_eq!(test.df, 1.0);
    // Gehan weights n_j: U_a = 4(1 − 0.5) + 3(0 − 1/3) = 1; V = 16·0.25 + 9·2/9 = 6; χ² = 1/6
    let gehan = LogRank::test(
        &d,
        &LogRankOptions {
            weights: Weights::Gehan,
            trend: false,
        },
    )
    .unwrap();
    assert_close("Gehan chisq", gehan.statistic, 1.0 / 6.0);
}

#[test]
fn stratified_logrank_sums_over_strata() {
    // Two copies of the same stratum: U and V double, so χ² doubles.
    let one = data(
        "t,s,g\n1,1,a\n3,0,a\n2,1,b\n4,1,b\n",
        &Columns::new("t", "s").group("g"),
    );
    let two = data(
        "t,s,g,k\n1,1,a,x\n3,0,a,x\n2,1,b,x\n4,1,b,x\n1,1,a,y\n3,0,a,y\n2,1,b,y\n4,1,b,y\n",
        &Columns::new("t", "s").group("g").strata("k"),
    );
    let a = LogRank::test(&one, &LogRankOptions::default()).unwrap();
    let b = LogRank::test(&two, &LogRankOptions::default()).unwrap();
    assert_close("stratified chisq", b.statistic, 2.0 * a.statistic);
}

#[test]
fn timefix_ties_rounding_noise() {
    // 0.1 + 0.2 is not 0.3 in floating point; R's timefix makes them one time.
    let csv = format!("t,s\n{},1\n0.3,1\n1,0\n", 0.1 + 0.2);
    let fit = KaplanMeier::fit(&data(&csv, &Columns::new("t", "s")), &KmOptions::default()).unwrap();
    assert_eq!(fit.curves[0].table.len(), 2);
    assert_eq!(fit.curves[0].table[0].n_event, 2.0);
    assert_eq!(fit.curves[0].table[0].time, 0.3);
    assert!(!fit.warnings.is_empty());
}

#[test]
fn levels_follow_r_factor_order() {
    let d = data(
        "t,s,g\n1,1,10\n2,1,9\n3,1,10\n4,0,9.5\n",
        &Columns::new("t", "s").group("g"),
    );
    assert_eq!(d.group.as_ref().unwrap().levels, vec!["9", "9.5", "10"]);
    let d = data("t,s,g\n1,1,b\n2,1,B\n3,1,a\n", &Columns::new("t", "s").group("g"));
    assert_eq!(d.group.as_ref().unwrap().levels, vec!["B", "a", "b"]);
    let d = data("t,s,g\n1,1,1\n2,1,1.0\n3,1,2\n", &Columns::new("t", "s").group("g"));
    assert_eq!(d.group.as_ref().unwrap().levels, vec!["1", "2"]);
}
