//! Cumulative incidence with variances and Gray's test on 1,000,000 rows, 2 causes, 3 groups.
//! Goal (issue 17): under 0.5 s from the loaded data.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::Columns;
use survkit::competing::{Cif, CifOptions, CifVariance, CompetingData};

/// Writes `n` rows of a three-arm trial with two competing causes: exponential cause-specific
/// times (days, one decimal, so there are many ties), uniform censoring, from a fixed xorshift
/// stream. Also read by the R timing in the README.
pub fn write_competing_trial(path: &std::path::Path, n: usize) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "id,time,status,arm").unwrap();
    let arms = ["placebo", "low", "high"];
    for id in 0..n {
        let arm = ((uniform() * 3.0) as usize).min(2);
        let rate1 = [1.0, 0.85, 0.7][arm] / 730.0;
        let rate2 = 0.5 / 730.0;
        let t1 = -uniform().ln() / rate1;
        let t2 = -uniform().ln() / rate2;
        let censor = uniform() * 1500.0;
        let (time, status) = if t1.min(t2) > censor {
            (censor, 0)
        } else if t1 <= t2 {
            (t1, 1)
        } else {
            (t2, 2)
        };
        writeln!(out, "{id},{time:.1},{status},{}", arms[arm]).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join("survkit-bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("competing_1m.csv");
    if !path.exists() {
        write_competing_trial(&path, 1_000_000);
    }
    let columns = Columns::new("time", "status").group("arm");
    let data = CompetingData::read_csv(&path, &columns, "0").unwrap();
    let mut group = c.benchmark_group("competing_1m_rows");
    group.sample_size(10);
    group.bench_function("cif_survfit_se_and_gray", |b| {
        b.iter(|| Cif::fit(black_box(&data), &CifOptions::default()).unwrap())
    });
    let cuminc = CifOptions {
        variance: CifVariance::Cuminc,
        ..Default::default()
    };
    group.bench_function("cif_cuminc_var_and_gray", |b| {
        b.iter(|| Cif::fit(black_box(&data), &cuminc).unwrap())
    });
    group.bench_function("read_csv", |b| {
        b.iter(|| CompetingData::read_csv(&path, &columns, "0").unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
