//! The U-statistic standard errors of the win statistics against the bootstrap: resampling
//! participants within arms with the engine's seeded streams, the bootstrap SE of log WR,
//! log WO and NB on the synthetic ALS trial agrees with the analytic SE.
//!
//! B = 2,000: the bootstrap SE's relative Monte Carlo SD is about 1/√(2B) = 1.6%, and the
//! bootstrap and delta-method SEs differ by O(1/n); the bound is the shared 8%.

mod common;

use survkit::bootstrap::engine::{stream, uniform_below};
use survkit::data::{Covariate, Factor};
use survkit::win::{WinOptions, WinStatistics};
use survkit::{Columns, SurvData};

fn resample(data: &SurvData, rows: &[usize]) -> SurvData {
    let group = data.group.as_ref().unwrap();
    let Covariate::Numeric { name, values } = &data.covariates[0] else {
        panic!("numeric score")
    };
    SurvData {
        time: rows.iter().map(|&i| data.time[i]).collect(),
        event: rows.iter().map(|&i| data.event[i]).collect(),
        group: Some(Factor {
            name: group.name.clone(),
            levels: group.levels.clone(),
            codes: rows.iter().map(|&i| group.codes[i]).collect(),
        }),
        covariates: vec![Covariate::Numeric {
            name: name.clone(),
            values: rows.iter().map(|&i| values[i]).collect(),
        }],
        lines: rows.iter().map(|&i| data.lines[i]).collect(),
        order_cache: std::sync::OnceLock::new(),
        ..data.clone()
    }
}

#[test]
fn analytic_se_matches_bootstrap() {
    let columns = Columns::new("time_weeks", "death")
        .group("arm")
        .reference("arm", "placebo")
        .covariates(["alsfrs_change"]);
    let data = SurvData::read_csv(
        common::repo_path("datasets/als/als_function_survival_synthetic.csv"),
        &columns,
    )
    .unwrap();
    let options = WinOptions::new("alsfrs_change");
    let full = WinStatistics::compute(&data, &options).unwrap();
    let codes = &data.group.as_ref().unwrap().codes;
    let arms: Vec<Vec<usize>> = (0..2u32)
        .map(|g| (0..data.n_rows()).filter(|&i| codes[i] == g).collect())
        .collect();
    let replicates = 2000;
    let mut draws: [Vec<f64>; 3] = Default::default();
    for r in 0..replicates {
        let mut rng = stream(20261201, r);
        let rows: Vec<usize> = arms
            .iter()
            .flat_map(|arm| {
                (0..arm.len())
                    .map(|_| arm[uniform_below(&mut rng, arm.len() as u64) as usize])
                    .collect::<Vec<_>>()
            })
            .collect();
        let w = WinStatistics::compute(&resample(&data, &rows), &options).unwrap();
        draws[0].push(w.win_ratio.estimate.unwrap().ln());
        draws[1].push(w.win_odds.estimate.unwrap().ln());
        draws[2].push(w.net_benefit.estimate.unwrap());
    }
    let sd = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
    };
    for (k, (name, analytic)) in [
        ("log win ratio", full.win_ratio.se),
        ("log win odds", full.win_odds.se),
        ("net benefit", full.net_benefit.se),
    ]
    .into_iter()
    .enumerate()
    {
        let boot = sd(&draws[k]);
        let analytic = analytic.unwrap();
        assert!(
            (boot / analytic - 1.0).abs() < common::BOOT_SE_REL_TOL_VS_ANALYTIC,
            "{name}: bootstrap SE {boot} vs analytic {analytic}"
        );
        eprintln!("{name}: bootstrap SE {boot:.5}, analytic {analytic:.5}");
    }
}
