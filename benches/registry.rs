//! Registry scale (issue 20): Kaplan–Meier by arm and the stratified log-rank test on 10⁸ rows
//! (time, event, arm, stratum) in a Parquet file, each counted in one streaming pass (as
//! `survkit km` and `survkit logrank` run them); and the cumulative incidence by arm with Gray's
//! test stratified (`survkit cif`).
//! Goal: under 10 s on 2 cores, peak memory under 1 GB (the README gives both, with R's
//! survfit and survdiff on the same rows: `Rscript benches/r/registry_1e8.R DIR N`).
//!
//! The file is written once to `$TMPDIR/survkit-bench/registry_1e8.parquet` (100 row groups of
//! 10⁶ rows, Snappy, arm and stratum as dictionaries of strings), beside the four columns as
//! raw 32-bit integers for R (`raw_1e8/*.bin`). `SURVKIT_REGISTRY_ROWS` sets another size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, DictionaryArray, Float64Array, Int8Array, RecordBatch, StringArray};
use criterion::{Criterion, criterion_group, criterion_main};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use survkit::counts::Counts;
use survkit::{Cif, CifOptions, Columns, CompetingCounts, KaplanMeier, KmOptions, LogRank, LogRankOptions};

const ROWS_PER_GROUP: usize = 1_000_000;

/// Writes `n` rows: arm 0/1 (hazard ratio 0.8), ten strata (hazards rising 5% a stratum),
/// exponential times with a median near 3 years and uniform censoring over 10 years, both in
/// whole days; from a fixed xorshift stream.
fn write_registry(path: &Path, raw: &Path, n: usize) {
    let mut state: u64 = 0x2026_1202_9E37_79B9;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    std::fs::create_dir_all(raw).unwrap();
    let mut raw_files: Vec<BufWriter<File>> = ["time", "event", "arm", "stratum"]
        .iter()
        .map(|c| BufWriter::new(File::create(raw.join(format!("{c}.bin"))).unwrap()))
        .collect();
    let arms = Arc::new(StringArray::from(vec!["active", "placebo"]));
    let strata = Arc::new(StringArray::from_iter_values((1..=10).map(|k| format!("site{k:02}"))));
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .build();
    let mut writer: Option<ArrowWriter<File>> = None;
    for start in (0..n).step_by(ROWS_PER_GROUP) {
        let m = ROWS_PER_GROUP.min(n - start);
        let (mut time, mut event, mut arm, mut stratum) = (
            Vec::with_capacity(m),
            Vec::with_capacity(m),
            Vec::with_capacity(m),
            Vec::with_capacity(m),
        );
        for _ in 0..m {
            let a = (uniform() < 0.5) as i8;
            let s = (uniform() * 10.0) as i8;
            let rate = (if a == 0 { 0.8 } else { 1.0 }) * (1.0 + 0.05 * f64::from(s)) / 1500.0;
            let t = (-uniform().ln() / rate).ceil();
            let c = (30.0 + uniform() * 3620.0).ceil();
            time.push(t.min(c));
            event.push((t <= c) as i8);
            arm.push(a);
            stratum.push(s);
        }
        let raw_columns: [Vec<i32>; 4] = [
            time.iter().map(|&t| t as i32).collect(),
            event.iter().map(|&e| i32::from(e)).collect(),
            arm.iter().map(|&a| i32::from(a)).collect(),
            stratum.iter().map(|&s| i32::from(s)).collect(),
        ];
        for (file, values) in raw_files.iter_mut().zip(&raw_columns) {
            for v in values {
                file.write_all(&v.to_le_bytes()).unwrap();
            }
        }
        let dictionary = |keys: Vec<i8>, values: &Arc<StringArray>| -> ArrayRef {
            Arc::new(DictionaryArray::<Int8Type>::try_new(Int8Array::from(keys), values.clone()).unwrap())
        };
        let batch = RecordBatch::try_from_iter([
            ("time", Arc::new(Float64Array::from(time)) as ArrayRef),
            ("event", Arc::new(Int8Array::from(event)) as ArrayRef),
            ("arm", dictionary(arm, &arms)),
            ("stratum", dictionary(stratum, &strata)),
        ])
        .unwrap();
        let writer = writer.get_or_insert_with(|| {
            ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(properties.clone())).unwrap()
        });
        writer.write(&batch).unwrap();
        writer.flush().unwrap();
    }
    writer.unwrap().close().unwrap();
    for mut file in raw_files {
        file.flush().unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("SURVKIT_REGISTRY_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000_000);
    let dir = std::env::temp_dir().join("survkit-bench");
    let label = if n == 100_000_000 {
        "1e8".to_string()
    } else {
        n.to_string()
    };
    let path = dir.join(format!("registry_{label}.parquet"));
    if !path.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let partial = dir.join(format!("registry_{label}.parquet.partial"));
        write_registry(&partial, &dir.join(format!("raw_{label}")), n);
        std::fs::rename(&partial, &path).unwrap();
    }
    let by_arm = Columns::new("time", "event").group("arm");
    let stratified = by_arm.clone().strata("stratum");
    let mut group = c.benchmark_group(format!("registry_{label}"));
    group.sample_size(10);
    group.bench_function("km_by_arm", |b| {
        b.iter(|| {
            let counts = Counts::stream_parquet(&path, &by_arm).unwrap();
            KaplanMeier::fit_counts(&counts, &KmOptions::default()).unwrap()
        })
    });
    group.bench_function("stratified_logrank", |b| {
        b.iter(|| {
            let counts = Counts::stream_parquet(&path, &stratified).unwrap();
            LogRank::test_counts(&counts, &LogRankOptions::default())
                .unwrap()
                .statistic
        })
    });
    // the event column as a status with one cause: Aalen–Johansen by arm with its jackknife
    // standard errors, and Gray's test stratified by stratum
    group.bench_function("cif_by_arm_stratified_gray", |b| {
        b.iter(|| {
            let counts = CompetingCounts::stream_parquet(&path, &stratified, "0").unwrap();
            Cif::fit_counts(&counts, &CifOptions::default()).unwrap().gray.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
