//! Reading a 1,000,000-row CSV and computing Kaplan–Meier and the log-rank test by group.
//! Goal (issue 2): under 1 s on 2 cores, under 300 MB of memory.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::{Columns, KaplanMeier, KmOptions, LogRank, LogRankOptions, SurvData};

/// Writes `n` rows of a two-arm trial: exponential times (rate 1 vs 0.8, days, one decimal,
/// so there are many ties), uniform censoring, from a fixed xorshift stream.
pub fn write_trial(path: &std::path::Path, n: usize) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "id,time,status,arm").unwrap();
    for id in 0..n {
        let arm = if uniform() < 0.5 { "placebo" } else { "active" };
        let rate = if arm == "placebo" { 1.0 / 365.0 } else { 0.8 / 365.0 };
        let event_time = -uniform().ln() / rate;
        let censor_time = uniform() * 1500.0;
        let (time, status) = if event_time <= censor_time {
            (event_time, 1)
        } else {
            (censor_time, 0)
        };
        writeln!(out, "{id},{time:.1},{status},{arm}").unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join("survkit-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trial_1m.csv");
    if !path.exists() {
        write_trial(&path, 1_000_000);
    }
    let columns = Columns::new("time", "status").group("arm");
    let mut group = c.benchmark_group("1m_rows");
    group.sample_size(10);
    group.bench_function("read_csv", |b| b.iter(|| SurvData::read_csv(&path, &columns).unwrap()));
    let data = SurvData::read_csv(&path, &columns).unwrap();
    group.bench_function("km_by_group", |b| {
        b.iter(|| KaplanMeier::fit(black_box(&data), &KmOptions::default()).unwrap())
    });
    group.bench_function("logrank", |b| {
        b.iter(|| LogRank::test(black_box(&data), &LogRankOptions::default()).unwrap())
    });
    // what `survkit km` and `survkit logrank` do since issue 20: the rows counted in parallel
    // parts instead of held (Counts::from_rows), then the estimators from the counts
    group.bench_function("read_count_km_logrank", |b| {
        b.iter(|| {
            let table = survkit::Table::read_csv(&path).unwrap();
            let counts = survkit::counts::Counts::from_rows(&table, &columns).unwrap();
            let km = KaplanMeier::fit_counts(&counts, &KmOptions::default()).unwrap();
            let test = LogRank::test_counts(&counts, &LogRankOptions::default()).unwrap();
            (km.curves.len(), test.statistic)
        })
    });
    group.bench_function("read_km_logrank", |b| {
        b.iter(|| {
            let data = SurvData::read_csv(&path, &columns).unwrap();
            let km = KaplanMeier::fit(&data, &KmOptions::default()).unwrap();
            let test = LogRank::test(&data, &LogRankOptions::default()).unwrap();
            (km.curves.len(), test.statistic)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
