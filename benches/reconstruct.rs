//! Reconstruction (issue 8 goal: a 2,000-participant arm from 500 digitised points in under
//! 10 ms), from cleaned points to the finished result with its quality report.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::reconstruct::{ArmInput, AtRisk, AtRiskTable, DigitisedCurve, Point, SurvivalScale};
use survkit::{Reconstruct, ReconstructOptions};

/// 2,000 participants, exponential survival S(t) = exp(−t/24) over 60 months with uniform
/// censoring: 250 drops digitised at both corners (500 points), at-risk counts every 6 months
/// up to 54.
fn arm() -> ArmInput {
    let n = 2000.0f64;
    let (horizon, mean) = (60.0f64, 24.0f64);
    let survival = |t: f64| (-t / mean).exp();
    // at risk: survivors not yet censored (censoring uniform over 0–120 months)
    let at_risk = |t: f64| (n * survival(t) * (1.0 - t / 120.0)).round() as u64;
    let mut raw = Vec::with_capacity(500);
    for k in 0..250 {
        let t = horizon * (k as f64 + 0.5) / 250.0;
        let before = if k == 0 {
            1.0
        } else {
            survival(horizon * (k as f64 - 0.5) / 250.0)
        };
        raw.push((
            2 * k as u64 + 1,
            Point {
                time: t,
                survival: before,
            },
        ));
        raw.push((
            2 * k as u64 + 2,
            Point {
                time: t,
                survival: survival(t),
            },
        ));
    }
    let rows = (0..10)
        .map(|i| {
            let time = 6.0 * i as f64;
            AtRisk {
                time,
                n_risk: if i == 0 { 2000 } else { at_risk(time) },
                line: i + 1,
            }
        })
        .collect();
    ArmInput {
        label: "A".into(),
        curve: DigitisedCurve::clean("bench.csv", &raw, SurvivalScale::Proportion),
        at_risk: AtRiskTable {
            source: "bench_risk.csv".into(),
            rows,
        },
        total_events: None,
        published_median: None,
    }
}

fn bench(c: &mut Criterion) {
    let arms = [arm()];
    let options = ReconstructOptions::default();
    let result = Reconstruct::run(&arms, &options).unwrap();
    assert_eq!(result.arms[0].n, 2000);
    c.bench_function("reconstruct_2000_participants_500_points", |b| {
        b.iter(|| Reconstruct::run(black_box(&arms), &options).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
