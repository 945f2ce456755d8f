//! k arms (issue 16): a six-arm, 6,000-participant trial, each arm against the reference with a
//! 10,000-replicate bootstrap of the Cox log-HR on that pair's rows (five comparisons, 50,000
//! Cox fits of 2,000 rows), 2 threads. Goal: under 5 s on 2 cores.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand_chacha::rand_core::Rng;
use survkit::bootstrap::{Bootstrap, BootstrapOptions, IntervalMethod, Statistic};
use survkit::comparisons::Comparisons;
use survkit::multiplicity::Adjustment;
use survkit::{Columns, SurvData};

/// Six arms of 1,000, hazard e^{−0.1 arm}/400, uniform censoring on [100, 1000], whole days.
fn six_arms() -> SurvData {
    let mut rng = survkit::bootstrap::engine::stream(6, 0);
    let mut uniform = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mut text = String::from("time,status,arm\n");
    for i in 0..6000 {
        let arm = i % 6;
        let rate = (-0.1 * arm as f64).exp() / 400.0;
        let (event, censor) = (-uniform().ln() / rate, 100.0 + uniform() * 900.0);
        let (time, status) = if event <= censor { (event, 1) } else { (censor, 0) };
        text.push_str(&format!("{},{status},A{arm}\n", time.ceil()));
    }
    SurvData::from_csv_bytes(
        "six arms",
        text.as_bytes(),
        &Columns::new("time", "status").group("arm"),
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let data = six_arms();
    let options = BootstrapOptions {
        statistic: Statistic::LogHr,
        replicates: 0..10_000,
        threads: 2,
        intervals: vec![IntervalMethod::Percentile],
        ..Default::default()
    };
    let mut group = c.benchmark_group("arms_6x1000");
    group.sample_size(10);
    group.bench_function("bootstrap_log_hr_10000_each_arm_vs_reference_2_threads", |b| {
        b.iter(|| {
            Comparisons::run(
                black_box(&data),
                None,
                Adjustment::Holm,
                |pair| Bootstrap::run(pair, &options),
                |boot| boot.estimate_p_value,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
