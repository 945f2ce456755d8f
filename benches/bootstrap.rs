//! Bootstrap throughput: Cox log-HR replicates per second on a generated 690-row two-arm trial
//! (Efron ties), with 1 and 2 threads, and the RMST difference for comparison.
//! Goal (issue 5): 50,000 Cox log-HR replicates per second with 2 threads.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use survkit::bootstrap::{BootstrapOptions, BootstrapReplicates, IntervalMethod, Statistic};
use survkit::{Columns, SurvData};

const REPLICATES: usize = 2000;

fn bench(c: &mut Criterion) {
    let text = common::generated_trial(690, 5);
    let data =
        SurvData::from_csv_bytes("bench", text.as_bytes(), &Columns::new("time", "status").group("arm")).unwrap();
    let mut group = c.benchmark_group("bootstrap_690_rows");
    group.sample_size(10);
    group.throughput(Throughput::Elements(REPLICATES as u64));
    for (statistic, name) in [(Statistic::LogHr, "log_hr"), (Statistic::RmstDiff, "rmst_diff")] {
        for threads in [1, 2] {
            let options = BootstrapOptions {
                statistic,
                replicates: 0..REPLICATES,
                threads,
                intervals: vec![IntervalMethod::Percentile],
                ..Default::default()
            };
            group.bench_function(format!("{name}_{REPLICATES}_replicates_{threads}_threads"), |b| {
                b.iter(|| BootstrapReplicates::run(black_box(&data), &options, &|| {}).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
