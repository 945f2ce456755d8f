//! RMST on a 690-row two-arm trial: per-arm RMST with contrasts (goal, issue 4: under 20 µs)
//! and the covariate-adjusted contrasts (goal: under 1 ms).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::{Columns, Rmst, RmstOptions, SurvData};

/// A deterministic 690-row trial: arm 0/1 alternating, age 40–80 and ECOG 0–2 from a fixed
/// linear congruential stream, exponential event times (days, whole numbers, so with ties)
/// whose rate depends on arm, age and ECOG, and uniform censoring over 3 years.
fn trial_csv() -> String {
    let mut seed: u64 = 20_240_404;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut csv = String::from("time,status,arm,age,ecog\n");
    for row in 0..690 {
        let arm = row % 2;
        let age = 40.0 + 40.0 * uniform();
        let ecog = (3.0 * uniform()).floor();
        let rate = 0.8f64.powi(arm) * (0.02 * (age - 60.0) + 0.3 * ecog).exp() / 500.0;
        let event = (-uniform().ln() / rate).ceil();
        let censor = (1095.0 * uniform()).ceil();
        let (time, status) = if event <= censor { (event, 1) } else { (censor, 0) };
        csv.push_str(&format!("{time},{status},{arm},{age:.1},{ecog}\n"));
    }
    csv
}

fn bench(c: &mut Criterion) {
    let columns = Columns::new("time", "status").group("arm").covariates(["age", "ecog"]);
    let data = SurvData::from_csv_bytes("trial_690.csv", trial_csv().as_bytes(), &columns).unwrap();
    let unadjusted = RmstOptions::default();
    let adjusted = RmstOptions {
        covariates: vec!["age".into(), "ecog".into()],
        ..Default::default()
    };
    let mut group = c.benchmark_group("rmst_690_rows");
    group.bench_function("two_arms", |b| {
        b.iter(|| Rmst::fit(black_box(&data), &unadjusted).unwrap())
    });
    group.bench_function("adjusted", |b| {
        b.iter(|| Rmst::fit(black_box(&data), &adjusted).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
