//! The status-flip survival fragility index with the log-rank test on generated two-arm trials
//! of 690 participants (RESTORE-ALS's planned size; goal, issue 6: under 1 s) and 10,000
//! (goal: under 30 s). The generated trials have a modest effect, so the index is large and the
//! greedy search takes many steps.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::fragility::{SurvivalFragility, SurvivalOptions};
use survkit::{Columns, SurvData};

/// A deterministic trial: arm 0/1 alternating, exponential event times (days, whole numbers,
/// so with ties) with hazard ratio 0.75, uniform censoring over 3 years.
fn trial_csv(n: usize) -> String {
    let mut seed: u64 = 20_250_312;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut csv = String::from("time,status,arm\n");
    for row in 0..n {
        let arm = row % 2;
        let rate = 0.75f64.powi(arm as i32) / 700.0;
        let event = (-uniform().ln() / rate).ceil();
        let censor = (1095.0 * uniform()).ceil();
        let (time, status) = if event <= censor { (event, 1) } else { (censor, 0) };
        csv.push_str(&format!("{time},{status},{arm}\n"));
    }
    csv
}

fn bench(c: &mut Criterion) {
    let columns = Columns::new("time", "status").group("arm");
    let mut group = c.benchmark_group("status_flip_logrank");
    group.sample_size(10);
    for n in [690, 10_000] {
        let data = SurvData::from_csv_bytes("trial.csv", trial_csv(n).as_bytes(), &columns).unwrap();
        let index = SurvivalFragility::compute(&data, &SurvivalOptions::default())
            .unwrap()
            .fragility_index;
        eprintln!("n = {n}: status-flip index {index:?}");
        group.bench_function(format!("n_{n}"), |b| {
            b.iter(|| SurvivalFragility::compute(black_box(&data), &SurvivalOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
