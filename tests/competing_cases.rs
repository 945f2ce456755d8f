//! Competing risks: a hand-derived case with ties between causes, the one-cause property
//! (Aalen–Johansen = 1 − Kaplan–Meier), and the `survkit cif` command-line contract.

mod common;

use common::*;
use proptest::prelude::*;
use survkit::competing::{Cif, CifOptions, CifVariance, CompetingData};
use survkit::{Columns, KaplanMeier, KmOptions};

/// Six rows: a cause-1 failure at 1; at 2 a cause-1 failure, a cause-2 failure and a
/// censoring (ties between causes and with censoring); a cause-2 failure at 3; censored at 4.
const TIES: &[u8] = b"t,s\n1,1\n2,1\n2,2\n2,0\n3,2\n4,0\n";

fn ties() -> CompetingData {
    CompetingData::from_csv_bytes("ties.csv", TIES, &Columns::new("t", "s"), "0").unwrap()
}

#[test]
fn hand_derived_ties_between_causes() {
    // By hand: n = 6, 5, 2, 1 at t = 1, 2, 3, 4.
    //   t=1: F1 = 1/6, S = 5/6
    //   t=2: F1 = 1/6 + (5/6)(1/5) = 1/3, F2 = (5/6)(1/5) = 1/6, S = (5/6)(3/5) = 1/2
    //   t=3: F2 = 1/6 + (1/2)(1/2) = 5/12, S = 1/4;  F1 + F2 + S = 1
    // Infinitesimal jackknife at t=1: U_i = (1/6)(dN_i1 − 1/6), Σ U_i² = (25 + 5)/36² = 5/216
    // (the binomial p(1 − p)/n). cuminc at t=1 (cinc with f = 1/6, fkn = 5/6):
    // (1.44/36)(1 + 1/36 − 2/6) = 1/36. The later variances are the exact fractions that R
    // prints (survfit 1/27, 5/216, 11/216; cuminc 41/900, 13/450, 1/12).
    let fit = Cif::fit(&ties(), &CifOptions::default()).unwrap();
    let f1 = &fit.curves[0];
    let f2 = &fit.curves[1];
    let s = &fit.event_free[0];
    assert_eq!(f1.time, [1.0, 2.0, 3.0, 4.0]);
    let want_f1 = [1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0];
    let want_f2 = [0.0, 1.0 / 6.0, 5.0 / 12.0, 5.0 / 12.0];
    let want_s = [5.0 / 6.0, 0.5, 0.25, 0.25];
    for l in 0..4 {
        assert_close("F1", f1.cif[l], want_f1[l]);
        assert_close("F2", f2.cif[l], want_f2[l]);
        assert_close("S", s.probability[l], want_s[l]);
        assert_close("sum", f1.cif[l] + f2.cif[l] + s.probability[l], 1.0);
    }
    let var = |c: &survkit::competing::CifCurve, l: usize| c.se[l].unwrap().powi(2);
    assert_close("IJ var F1(1)", var(f1, 0), 5.0 / 216.0);
    assert_close("IJ var F1(2)", var(f1, 1), 1.0 / 27.0);
    assert_close("IJ var F2(2)", var(f2, 1), 5.0 / 216.0);
    assert_close("IJ var F2(3)", var(f2, 2), 11.0 / 216.0);
    assert_close("IJ var S(2)", s.se[1].unwrap().powi(2), 1.0 / 24.0);
    let options = CifOptions {
        variance: CifVariance::Cuminc,
        ..Default::default()
    };
    let fit = Cif::fit(&ties(), &options).unwrap();
    assert_close("cuminc var F1(1)", var(&fit.curves[0], 0), 1.0 / 36.0);
    assert_close("cuminc var F1(2)", var(&fit.curves[0], 1), 41.0 / 900.0);
    assert_close("cuminc var F2(2)", var(&fit.curves[1], 1), 13.0 / 450.0);
    assert_close("cuminc var F2(3)", var(&fit.curves[1], 2), 1.0 / 12.0);
}

fn rows() -> impl Strategy<Value = Vec<(u32, bool, u8, u8)>> {
    prop::collection::vec((1u32..30, any::<bool>(), 0u8..2, 1u8..4), 2..50)
}

proptest! {
    /// With one cause the cumulative incidence is 1 − Kaplan–Meier and the event-free
    /// probability is the Kaplan–Meier curve, weighted or not.
    #[test]
    fn one_cause_is_one_minus_kaplan_meier(rows in rows(), weighted in any::<bool>()) {
        let mut text = String::from("t,s,g,w\n");
        for (t, e, g, w) in &rows {
            text.push_str(&format!("{t},{},{g},{}\n", u8::from(*e), if weighted { *w as f64 / 2.0 } else { 1.0 }));
        }
        prop_assume!(rows.iter().any(|r| r.1));
        let columns = Columns::new("t", "s").group("g").weight("w");
        let competing = CompetingData::from_csv_bytes("p.csv", text.as_bytes(), &columns, "0").unwrap();
        let cif = Cif::fit(&competing, &CifOptions::default()).unwrap();
        let km = KaplanMeier::fit(competing.data(), &KmOptions::default()).unwrap();
        for curve in &km.curves {
            let f = cif.curves.iter().find(|c| c.group == curve.group).unwrap();
            let s = cif.event_free.iter().find(|c| c.group == curve.group).unwrap();
            prop_assert_eq!(f.time.len(), curve.table.len());
            for (l, row) in curve.table.iter().enumerate() {
                prop_assert!((f.cif[l] - (1.0 - row.survival)).abs() <= 1e-12);
                prop_assert!((s.probability[l] - row.survival).abs() <= 1e-12);
            }
        }
    }
}

#[cfg(feature = "cli")]
#[test]
fn cif_json_contract() {
    let out = survkit(&[
        "cif",
        "tests/reference/data/als_composite.csv",
        "--time",
        "time",
        "--status",
        "status",
        "--group",
        "arm",
        "--at",
        "6,12",
        "--format",
        "json",
    ]);
    let json = json_stdout(&out);
    let curve = &json["curves"][0];
    for key in ["group", "cause", "time", "cif", "se", "lower", "upper"] {
        assert!(curve.get(key).is_some(), "curves[].{key}");
    }
    assert_eq!(json["curves"].as_array().unwrap().len(), 4);
    let at = &json["at"][0];
    for key in ["group", "cause", "time", "cif", "se"] {
        assert!(at.get(key).is_some(), "at[].{key}");
    }
    assert_eq!(json["at"].as_array().unwrap().len(), 8);
    let gray = &json["gray"][0];
    for key in ["cause", "statistic", "df", "p_value"] {
        assert!(gray.get(key).is_some(), "gray[].{key}");
    }
}

#[cfg(feature = "cli")]
#[test]
fn cif_labels_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.csv");
    std::fs::write(&path, "t,s\n1,death\n2,cens\n3,pav\n4,death\n").unwrap();
    let path = path.to_str().unwrap();
    let out = survkit(&[
        "cif",
        path,
        "--time",
        "t",
        "--status",
        "s",
        "--censor-value",
        "cens",
        "--format",
        "json",
    ]);
    let json = json_stdout(&out);
    let causes: Vec<&str> = json["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(causes, ["death", "pav"]);
    let out = survkit(&["cif", path, "--time", "t", "--status", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let out = survkit(&[
        "cif",
        path,
        "--time",
        "t",
        "--status",
        "s",
        "--censor-value",
        "x",
        "--variance",
        "bogus",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(feature = "cli")]
#[test]
fn finegray_json_contract() {
    let out = survkit(&[
        "finegray",
        "datasets/mgus2_cr.csv",
        "--time",
        "time",
        "--status",
        "status",
        "--cause",
        "1",
        "--covariates",
        "sex,age",
        "--factors",
        "sex",
        "--format",
        "json",
    ]);
    let json = json_stdout(&out);
    let terms = json["terms"].as_array().unwrap();
    assert_eq!(terms.len(), 2);
    assert_eq!(terms[0]["term"], "sex=M");
    for key in ["term", "coef", "se", "hr", "lower", "upper", "p_value"] {
        assert!(terms[0].get(key).is_some(), "terms[].{key}");
    }
    let out = survkit(&[
        "finegray",
        "datasets/mgus2_cr.csv",
        "--time",
        "time",
        "--status",
        "status",
        "--cause",
        "7",
        "--covariates",
        "age",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(feature = "cli")]
#[test]
fn cif_figure_is_a_reproducible_svg() {
    let dir = tempfile::tempdir().unwrap();
    let draw = |name: &str| {
        let path = dir.path().join(name);
        let out = survkit(&[
            "plot",
            "cif",
            "tests/reference/data/als_composite.csv",
            "--time",
            "time",
            "--status",
            "status",
            "--group",
            "arm",
            "--risk-table",
            "--ci",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read_to_string(path).unwrap()
    };
    let first = draw("a.svg");
    assert_eq!(first, draw("b.svg"));
    let svg = roxmltree::Document::parse(&first).unwrap();
    let text: String = svg.descendants().filter_map(|n| n.text()).collect();
    assert!(text.contains("Gray"), "Gray's tests are annotated");
    assert!(text.contains("Number at risk"));
}

#[cfg(feature = "cli")]
#[test]
fn cif_refusals_name_the_problem() {
    let file = "tests/reference/data/als_composite.csv";
    let base = ["cif", file, "--time", "time", "--status", "status", "--group", "arm"];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        survkit(&args)
    };
    // τ beyond an arm's follow-up: an analysis that cannot be done (exit 1)
    let out = run(&["--tau", "100"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("beyond the follow-up"));
    // cuminc's variance counts rows: refused with delayed entry (exit 2)
    let out = run(&["--entry", "entry", "--variance", "cuminc"]);
    assert_eq!(out.status.code(), Some(2));
    // --event-value has no meaning for a status with causes
    let out = run(&["--event-value", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--censor-value"));
    // with delayed entry Gray's test is not computed, and a warning says why
    let out = run(&["--entry", "entry", "--format", "json"]);
    let json = json_stdout(&out);
    assert!(json["gray"].as_array().unwrap().is_empty());
    assert!(json["warnings"].to_string().contains("Gray's test is not computed"));
    // CSV: every step, the event-free probability as its own cause
    let out = run(&["--format", "csv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("group,cause,time,n_risk,n_event,estimate,se,lower,upper"));
    assert!(text.contains(",event-free,"));
}

/// `--formula` on the competing-risks commands gives what the column options give, R's
/// `factor(status)` included; what Fine–Gray cannot take (strata) is refused, not ignored.
#[cfg(feature = "cli")]
#[test]
fn formulas_on_the_command_line() {
    // the words of `line` (no quoting), then `formula` as one argument when given
    let run = |line: &str, formula: Option<&str>| {
        let mut args: Vec<&str> = line.split_whitespace().collect();
        if let Some(formula) = formula {
            args.extend(["--formula", formula]);
        }
        survkit(&args)
    };
    let json = |line: &str, formula| json_stdout(&run(line, formula));
    let file = "datasets/mgus2_cr.csv";
    let by_columns = json(
        &format!(
            "finegray {file} --time time --status status --cause 1 --covariates age,sex --factors sex --format json"
        ),
        None,
    );
    let by_formula = json(
        &format!("finegray {file} --cause 1 --format json"),
        Some("Surv(time, factor(status)) ~ age + sex"),
    );
    assert_eq!(by_columns["terms"], by_formula["terms"]);
    let by_columns = json(
        &format!("cif {file} --time time --status status --group sex --at 60 --format json"),
        None,
    );
    let by_formula = json(
        &format!("cif {file} --at 60 --format json"),
        Some("Surv(time, status) ~ sex"),
    );
    assert_eq!(by_columns["at"], by_formula["at"]);
    assert_eq!(by_columns["gray"], by_formula["gray"]);
    for out in [
        run(
            &format!("finegray {file} --cause 1"),
            Some("Surv(time, status) ~ age + strata(sex)"),
        ),
        run(
            &format!("finegray {file} --time time --status status --cause 1 --covariates age --strata sex"),
            None,
        ),
    ] {
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no strata or clusters (column 'sex')"));
    }
}
