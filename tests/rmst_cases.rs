//! RMST by hand, at its edges (clear errors and warnings), and properties that must hold for
//! any data (proptest).

use proptest::prelude::*;
use survkit::rmst::RmstError;
use survkit::{Columns, Rmst, RmstOptions, SurvData};

mod common;
use common::assert_close;

fn data(csv: &str, columns: &Columns) -> SurvData {
    SurvData::from_csv_bytes("cases.csv", csv.as_bytes(), columns).unwrap()
}

fn by_group(csv: &str) -> SurvData {
    data(csv, &Columns::new("t", "s").group("g"))
}

fn fit_at(data: &SurvData, tau: Option<f64>) -> Result<Rmst, RmstError> {
    Rmst::fit(
        data,
        &RmstOptions {
            tau,
            ..Default::default()
        },
    )
}

/// Times 1 (event), 2 (event), 3 (censored), 4 (event): S = 3/4 on [1, 2), 1/2 on [2, 4), 0 after.
const FOUR: &str = "t,s\n1,1\n2,1\n3,0\n4,1\n";

#[test]
fn four_rows_by_hand() {
    let data = data(FOUR, &Columns::new("t", "s"));
    // τ = 4: RMST = 1 + 3/4 + 1/2 + 1/2 = 2.75. Var = A_1² d_1/(n_1(n_1−d_1)) + A_2² d_2/(n_2(n_2−d_2))
    // with A_1 = ∫_1^4 S = 1.75, A_2 = ∫_2^4 S = 1 (the event at 4 has n = d: no term):
    // 1.75²/12 + 1/6 = 27/64.
    let fit = fit_at(&data, Some(4.0)).unwrap();
    let arm = &fit.arms[0];
    assert_close("RMST(4)", arm.rmst, 2.75);
    assert_close("Var RMST(4)", arm.se * arm.se, 27.0 / 64.0);
    assert_close("RMTL(4)", arm.rmtl, 1.25);
    // τ = 2, an event time: the event at 2 adds no area, and A_2 = 0.
    // RMST = 1 + 3/4 = 1.75, Var = 0.75²/12 = 3/64.
    let at_event = fit_at(&data, Some(2.0)).unwrap();
    assert_close("RMST(2)", at_event.arms[0].rmst, 1.75);
    assert_close("Var RMST(2)", at_event.arms[0].se.powi(2), 3.0 / 64.0);
    // The default τ: the data end in an event, so the longest follow-up, 4.
    assert_eq!(fit_at(&data, None).unwrap().tau, 4.0);
}

#[test]
fn rmst_is_continuous_at_an_event_time() {
    let data = data(FOUR, &Columns::new("t", "s"));
    let at = fit_at(&data, Some(2.0)).unwrap();
    let before = fit_at(&data, Some(2.0 - 1e-9)).unwrap();
    // Just before 2, S = 3/4: RMST(2) − RMST(2 − ε) = ε · 3/4.
    assert!((at.arms[0].rmst - before.arms[0].rmst - 0.75e-9).abs() < 1e-12);
    assert!((at.arms[0].se - before.arms[0].se).abs() < 1e-8);
}

#[test]
fn what_happens_at_tau_does_not_change_rmst() {
    // Ties at τ = 5: two events and a censoring; making them all censored changes nothing up to τ.
    let events = "t,s\n1,1\n2,0\n3,1\n5,1\n5,1\n5,0\n6,1\n";
    let censored = "t,s\n1,1\n2,0\n3,1\n5,0\n5,0\n5,0\n6,1\n";
    let columns = Columns::new("t", "s");
    let a = fit_at(&data(events, &columns), Some(5.0)).unwrap();
    let b = fit_at(&data(censored, &columns), Some(5.0)).unwrap();
    assert_eq!(a.arms[0].rmst, b.arms[0].rmst);
    assert_eq!(a.arms[0].se, b.arms[0].se);
    assert_eq!(a.arms[0].events_to_tau, 4);
}

#[test]
fn an_arm_without_events_has_rmst_tau_and_undefined_rmtl_ratios() {
    let data = by_group("t,s,g\n1,1,a\n2,1,a\n4,1,a\n5,0,a\n3,0,b\n6,0,b\n7,0,b\n");
    let fit = fit_at(&data, Some(5.0)).unwrap();
    let b = &fit.arms[1];
    assert_eq!((b.rmst, b.se, b.rmtl), (5.0, 0.0, 0.0));
    let contrast = &fit.contrasts[0];
    assert_eq!(contrast.rmtl_ratio.estimate, Some(0.0));
    assert_eq!((contrast.rmtl_ratio.lower, contrast.rmtl_ratio.p_value), (None, None));
    assert!(contrast.difference.p_value.is_some(), "arm a has variance");
    assert!(
        fit.warnings
            .iter()
            .any(|w| w.contains("group b has no events up to τ = 5") && w.contains("RMTL ratios")),
        "{:?}",
        fit.warnings
    );
}

#[test]
fn an_arm_censored_before_tau_is_an_error_naming_the_largest_tau() {
    // Arm b is censored at 2, 3 and 4: its curve is unknown after 4, so τ ≤ 4.
    let data = by_group("t,s,g\n1,1,a\n3,1,a\n6,1,a\n10,1,a\n2,0,b\n3,0,b\n4,0,b\n");
    let error = fit_at(&data, Some(6.0)).unwrap_err();
    assert!(matches!(error, RmstError::TauBeyondData { largest: 4.0, .. }));
    let message = error.to_string();
    for part in [
        "τ = 6 is beyond what the data support",
        "the largest allowed τ is 4",
        "group b ends with a censored time at 4",
        "group a ends with an event at 10",
        "survRM2",
    ] {
        assert!(message.contains(part), "{message}");
    }
    assert_eq!(fit_at(&data, None).unwrap().tau, 4.0);
    assert_eq!(fit_at(&data, Some(4.0)).unwrap().tau, 4.0);
    // For resampling with τ fixed, the caller may carry the curves forward instead.
    let carried = Rmst::fit(
        &data,
        &RmstOptions {
            tau: Some(6.0),
            allow_tau_beyond_data: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(carried.arms[1].rmst, 6.0);
    assert!(carried.warnings.iter().any(|w| w.contains("carried forward")));
}

#[test]
fn survrm2_tau_cases() {
    // Case 1: both arms end in an event → the longer follow-up.
    let both_events = by_group("t,s,g\n1,1,a\n5,1,a\n2,1,b\n9,1,b\n");
    assert_eq!(fit_at(&both_events, None).unwrap().tau, 9.0);
    // Case 2: the shorter arm ends in an event, the longer censored → the longer's time.
    let shorter_event = by_group("t,s,g\n1,1,a\n5,1,a\n2,1,b\n9,0,b\n");
    assert_eq!(fit_at(&shorter_event, None).unwrap().tau, 9.0);
    // Case 3: the shorter arm ends censored, the longer in an event → the shorter's time.
    let shorter_censored = by_group("t,s,g\n1,1,a\n5,0,a\n2,1,b\n9,1,b\n");
    assert_eq!(fit_at(&shorter_censored, None).unwrap().tau, 5.0);
    // Case 4: both censored → the shorter's time.
    let both_censored = by_group("t,s,g\n1,1,a\n5,0,a\n2,1,b\n9,0,b\n");
    assert_eq!(fit_at(&both_censored, None).unwrap().tau, 5.0);
    // A tie of an event and a censoring at an arm's last time counts as censored (survRM2's min).
    let mixed_last = by_group("t,s,g\n1,1,a\n5,1,a\n5,0,a\n2,1,b\n9,1,b\n");
    assert_eq!(fit_at(&mixed_last, None).unwrap().tau, 5.0);
}

#[test]
fn a_single_participant_arm_is_warned_about() {
    let data = by_group("t,s,g\n1,1,a\n2,1,a\n3,0,a\n4,1,a\n2,1,b\n");
    let fit = fit_at(&data, Some(3.0)).unwrap();
    assert_eq!((fit.arms[1].n, fit.arms[1].rmst, fit.arms[1].se), (1, 2.0, 0.0));
    assert!(
        fit.warnings
            .iter()
            .any(|w| w.contains("group b has a single participant"))
    );
}

#[test]
fn tau_before_every_event_gives_rmst_tau() {
    let data = data(FOUR, &Columns::new("t", "s"));
    let fit = fit_at(&data, Some(0.5)).unwrap();
    assert_eq!((fit.arms[0].rmst, fit.arms[0].se), (0.5, 0.0));
    assert!(fit.warnings.iter().any(|w| w.contains("no events up to τ = 0.5")));
}

#[test]
fn bad_options_and_unsupported_data_are_errors() {
    let data = data(FOUR, &Columns::new("t", "s"));
    for tau in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let message = fit_at(&data, Some(tau)).unwrap_err().to_string();
        assert!(message.contains("must be a finite time greater than 0"), "{message}");
    }
    let level = Rmst::fit(
        &data,
        &RmstOptions {
            conf_level: 1.5,
            ..Default::default()
        },
    );
    assert!(matches!(level, Err(RmstError::Option(_))));
    let weighted =
        SurvData::from_csv_bytes("w.csv", b"t,s,w\n1,1,2\n2,0,1\n", &Columns::new("t", "s").weight("w")).unwrap();
    assert!(
        fit_at(&weighted, None)
            .unwrap_err()
            .to_string()
            .contains("case weights")
    );
}

#[test]
fn adjusted_contrasts_need_two_arms_and_numeric_covariates() {
    let two = "t,s,g,x,f\n1,1,a,1,u\n2,1,b,2,v\n3,0,b,3,u\n4,1,a,4,v\n";
    let three = "t,s,g,x,f\n1,1,a,1,u\n2,1,b,2,v\n3,0,c,3,u\n4,1,a,4,v\n";
    let adjust = |csv: &str, columns: Columns, covariates: &[&str]| {
        let data = data(csv, &columns);
        Rmst::fit(
            &data,
            &RmstOptions {
                tau: Some(2.0),
                covariates: covariates.iter().map(|c| c.to_string()).collect(),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string()
    };
    let three = adjust(three, Columns::new("t", "s").group("g").covariates(["x"]), &["x"]);
    assert!(
        three.contains("compares two arms") && three.contains("3 levels"),
        "{three}"
    );
    let no_group = adjust(two, Columns::new("t", "s").covariates(["x"]), &["x"]);
    assert!(no_group.contains("needs a group column"), "{no_group}");
    let factor = adjust(
        two,
        Columns::new("t", "s").group("g").covariates(["f"]).factors(["f"]),
        &["f"],
    );
    assert!(factor.contains("'f' is categorical"), "{factor}");
    let missing = adjust(two, Columns::new("t", "s").group("g"), &["x"]);
    assert!(missing.contains("no covariate column 'x'"), "{missing}");
}

#[test]
fn collinear_covariates_are_an_analysis_error() {
    let mut csv = String::from("t,s,g,x,y\n");
    for i in 0..20 {
        csv.push_str(&format!("{},{},{},{i},{}\n", 1 + i % 7, i % 3 % 2, i % 2, 2 * i));
    }
    let data = data(&csv, &Columns::new("t", "s").group("g").covariates(["x", "y"]));
    let error = Rmst::fit(
        &data,
        &RmstOptions {
            covariates: vec!["x".into(), "y".into()],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(error.is_analysis_error(), "{error}");
    assert!(error.to_string().contains("collinear"), "{error}");
}

/// (time, event, group) rows with plenty of ties.
fn rows() -> impl Strategy<Value = Vec<(u32, bool, u8)>> {
    prop::collection::vec((1u32..40, any::<bool>(), 0u8..3), 2..60)
}

fn csv(rows: &[(u32, bool, u8)]) -> String {
    let mut s = String::from("t,s,g\n");
    for (t, e, g) in rows {
        s.push_str(&format!("{t},{},{g}\n", u8::from(*e)));
    }
    s
}

proptest! {
    #[test]
    fn rmst_lies_in_0_tau_and_rmst_plus_rmtl_is_tau(rows in rows(), fraction in 0.01f64..=1.0) {
        let data = by_group(&csv(&rows));
        let largest = fit_at(&data, None).unwrap().tau;
        let tau = largest * fraction;
        let fit = fit_at(&data, Some(tau)).unwrap();
        for arm in &fit.arms {
            prop_assert!(arm.rmst >= 0.0 && arm.rmst <= tau * (1.0 + 1e-12));
            prop_assert!((arm.rmst + arm.rmtl - tau).abs() <= 1e-12 * tau);
            prop_assert!(arm.se >= 0.0);
            prop_assert!(arm.lower <= arm.rmst && arm.rmst <= arm.upper);
        }
    }

    #[test]
    fn rmst_and_its_variance_grow_with_tau(rows in rows(), a in 0.01f64..=1.0, b in 0.01f64..=1.0) {
        let data = by_group(&csv(&rows));
        let largest = fit_at(&data, None).unwrap().tau;
        let (low, high) = (largest * a.min(b), largest * a.max(b));
        let (short, long) = (fit_at(&data, Some(low)).unwrap(), fit_at(&data, Some(high)).unwrap());
        for (s, l) in short.arms.iter().zip(&long.arms) {
            prop_assert!(s.rmst <= l.rmst + 1e-9);
            prop_assert!(s.se <= l.se + 1e-9);
            // The extra area is at most the extra time.
            prop_assert!(l.rmst - s.rmst <= high - low + 1e-9);
        }
    }

    #[test]
    fn row_order_changes_nothing(rows in rows()) {
        let forward = fit_at(&by_group(&csv(&rows)), None).unwrap();
        let reversed: Vec<_> = rows.iter().rev().copied().collect();
        let backward = fit_at(&by_group(&csv(&reversed)), None).unwrap();
        prop_assert_eq!(forward.tau, backward.tau);
        for (f, b) in forward.arms.iter().zip(&backward.arms) {
            prop_assert_eq!(f.rmst, b.rmst);
            prop_assert_eq!(f.se, b.se);
        }
    }
}
