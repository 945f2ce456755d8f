//! Kaplan–Meier and Nelson–Aalen against R survival (fixtures from tests/reference/make_fixtures.R).

mod common;

use common::*;
use serde_json::Value;
use survkit::{Columns, ConfType, KaplanMeier, KmOptions, SurvData};

fn columns_for(case: &Value) -> Columns {
    let mut columns = Columns::new(str_field(case, "time").unwrap(), str_field(case, "event").unwrap());
    columns.group = str_field(case, "group").map(String::from);
    columns.entry = str_field(case, "entry").map(String::from);
    columns.weight = str_field(case, "weight").map(String::from);
    columns
}

#[test]
fn kaplan_meier_matches_r_survfit() {
    let fixtures = fixture("km.json");
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = str_field(case, "name").unwrap();
        // R uses an infinitesimal-jackknife variance for non-integer weights; survkit keeps
        // Greenwood (documented). The estimates themselves must still agree.
        let variance_differs = name.ends_with("_ij");
        if name.starts_with("channing") {
            continue;
        }
        let data = SurvData::read_csv(repo_path(str_field(case, "file").unwrap()), &columns_for(case)).unwrap();
        let at: Vec<f64> = case["curves"][0]["at"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["time"].as_f64().unwrap())
            .collect();
        let options = KmOptions {
            conf_type: str_field(case, "conf_type").unwrap().parse::<ConfType>().unwrap(),
            conf_level: case["conf_level"].as_f64().unwrap(),
            quantiles: vec![0.1, 0.25, 0.5, 0.75],
            at,
            cumhaz: true,
        };
        let fit = KaplanMeier::fit(&data, &options).unwrap();
        let r_curves = case["curves"].as_array().unwrap();
        assert_eq!(fit.curves.len(), r_curves.len(), "{name}: number of curves");
        for (ours, r) in fit.curves.iter().zip(r_curves) {
            let label = format!("{name} group {:?}", ours.group);
            assert_eq!(ours.group.as_deref(), str_field(r, "group"), "{label}");
            assert_eq!(ours.n as u64, r["n"].as_u64().unwrap(), "{label}: n");
            assert_close(&format!("{label}: events"), ours.events, r["events"].as_f64().unwrap());
            let times = f64s(&r["time"]);
            assert_eq!(ours.table.len(), times.len(), "{label}: number of rows");
            for (j, row) in ours.table.iter().enumerate() {
                let at_row = |field: &str| r[field][j].clone();
                let what = |field: &str| format!("{label} row {j} (t = {}): {field}", row.time);
                assert_close(&what("time"), row.time, at_row("time").as_f64().unwrap());
                assert_close(&what("n_risk"), row.n_risk, at_row("n_risk").as_f64().unwrap());
                assert_close(&what("n_event"), row.n_event, at_row("n_event").as_f64().unwrap());
                assert_close(&what("n_censor"), row.n_censor, at_row("n_censor").as_f64().unwrap());
                assert_close(&what("surv"), row.survival, at_row("surv").as_f64().unwrap());
                assert_close_opt(&what("cumhaz"), row.cumhaz, &at_row("cumhaz"));
                if variance_differs {
                    continue;
                }
                assert_close_opt(&what("std_err"), row.std_err, &at_row("std_err"));
                assert_close_opt(&what("lower"), row.lower, &at_row("lower"));
                assert_close_opt(&what("upper"), row.upper, &at_row("upper"));
                assert_close_opt(&what("std_chaz"), row.std_cumhaz, &at_row("std_chaz"));
            }
            for (q, rq) in ours.quantiles.iter().zip(r["quantiles"].as_array().unwrap()) {
                let what = |field: &str| format!("{label} quantile {}: {field}", q.p);
                assert_close(&what("p"), q.p, rq["p"].as_f64().unwrap());
                assert_close_opt(&what("estimate"), q.estimate, &rq["estimate"]);
                if !variance_differs {
                    assert_close_opt(&what("lower"), q.lower, &rq["lower"]);
                    assert_close_opt(&what("upper"), q.upper, &rq["upper"]);
                }
            }
            for (a, ra) in ours.at.iter().zip(r["at"].as_array().unwrap()) {
                let what = |field: &str| format!("{label} at {}: {field}", a.time);
                assert_close(&what("n_risk"), a.n_risk, ra["n_risk"].as_f64().unwrap());
                assert_close(&what("surv"), a.survival, ra["surv"].as_f64().unwrap());
                if !variance_differs {
                    assert_close_opt(&what("std_err"), a.std_err, &ra["std_err"]);
                    assert_close_opt(&what("lower"), a.lower, &ra["lower"]);
                    assert_close_opt(&what("upper"), a.upper, &ra["upper"]);
                }
            }
        }
    }
}
