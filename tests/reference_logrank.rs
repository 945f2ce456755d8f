//! The log-rank family against R survival's survdiff and a verified R implementation of the
//! other weights (fixtures from tests/reference/make_fixtures.R).

mod common;

use common::*;
use survkit::{Columns, LogRank, LogRankOptions, SurvData, Weights};

#[test]
fn logrank_family_matches_r() {
    let fixtures = fixture("logrank.json");
    let cases = fixtures["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = str_field(case, "name").unwrap();
        let mut columns = Columns::new(str_field(case, "time").unwrap(), str_field(case, "event").unwrap())
            .group(str_field(case, "group").unwrap());
        columns.strata = str_field(case, "strata").map(String::from);
        let data = SurvData::read_csv(repo_path(str_field(case, "file").unwrap()), &columns).unwrap();
        let options = LogRankOptions {
            weights: str_field(case, "weights").unwrap().parse::<Weights>().unwrap(),
            trend: case["trend"].as_bool().unwrap(),
        };
        let test = LogRank::test(&data, &options).unwrap();
        assert_close(
            &format!("{name}: statistic"),
            test.statistic,
            case["statistic"].as_f64().unwrap(),
        );
        assert_close(&format!("{name}: df"), test.df, case["df"].as_f64().unwrap());
        assert_close(&format!("{name}: p"), test.p_value, case["p_value"].as_f64().unwrap());
        let r_groups = case["groups"].as_array().unwrap();
        assert_eq!(test.groups.len(), r_groups.len(), "{name}: groups");
        for (g, (ours, r)) in test.groups.iter().zip(r_groups).enumerate() {
            let what = |field: &str| format!("{name} group {}: {field}", ours.group);
            assert_eq!(Some(ours.group.as_str()), str_field(r, "group"), "{name}");
            assert_eq!(ours.n as u64, r["n"].as_u64().unwrap(), "{}", what("n"));
            assert_close(&what("observed"), ours.observed, r["observed"].as_f64().unwrap());
            assert_close(&what("expected"), ours.expected, r["expected"].as_f64().unwrap());
            assert_close(&what("u"), ours.weighted_o_minus_e, case["u"][g].as_f64().unwrap());
            for (h, v) in test.variance[g].iter().enumerate() {
                assert_close(
                    &what(&format!("variance[{h}]")),
                    *v,
                    case["variance"][g][h].as_f64().unwrap(),
                );
            }
            if let Some(obs) = case.get("survdiff_obs").and_then(|o| o[g].as_f64()) {
                assert_close(&what("survdiff observed"), ours.weighted_observed, obs);
                assert_close(
                    &what("survdiff expected"),
                    ours.weighted_expected,
                    case["survdiff_exp"][g].as_f64().unwrap(),
                );
            }
        }
        assert_eq!(
            test.dropped_rows.count,
            case["dropped_rows"].as_array().map_or(0, Vec::len),
            "{name}: dropped rows"
        );
    }
}
