//! Parquet and Arrow IPC files on the command line: every command that reads data gives, on the
//! same data written as Parquet (several row groups, Snappy) or Arrow IPC (file and stream
//! formats, several record batches), byte for byte the JSON it gives on the CSV file; bad values
//! are named by row group (or record batch), row and column; a truncated or corrupt file is
//! refused with exit status 2 and no output, never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use common::{repo_path, write_parquet};
use survkit::{ColumnKind, Table};

fn survkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_survkit"))
        .args(args)
        .output()
        .expect("run survkit")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A CSV table as one record batch: whole-number columns as `Int64`, other numbers as
/// `Float64`, text as `Utf8`, except the columns in `dictionaries`, written as dictionaries of
/// strings; missing values as nulls.
fn batch_of(table: &Table, dictionaries: &[&str]) -> RecordBatch {
    let columns = table.columns().iter().map(|c| {
        let cells: Vec<Option<&str>> = (0..c.len()).map(|row| c.text(row)).collect();
        let array: ArrayRef = match (c.kind(), c.numbers()) {
            _ if dictionaries.contains(&c.name()) => {
                Arc::new(cells.into_iter().collect::<DictionaryArray<Int32Type>>())
            }
            (ColumnKind::Numeric, Some(values)) if values.iter().all(|v| v.is_nan() || v.fract() == 0.0) => Arc::new(
                Int64Array::from_iter(values.iter().map(|v| (!v.is_nan()).then_some(*v as i64))),
            ),
            (ColumnKind::Numeric, Some(values)) => Arc::new(Float64Array::from_iter(
                values.iter().map(|v| (!v.is_nan()).then_some(*v)),
            )),
            _ => Arc::new(StringArray::from(cells)),
        };
        (c.name().to_string(), array)
    });
    RecordBatch::try_from_iter(columns).unwrap()
}

/// `batch` cut into record batches of `rows_per_batch` rows.
fn slices(batch: &RecordBatch, rows_per_batch: usize) -> Vec<RecordBatch> {
    (0..batch.num_rows())
        .step_by(rows_per_batch)
        .map(|start| batch.slice(start, rows_per_batch.min(batch.num_rows() - start)))
        .collect()
}

/// Writes `batch` as an Arrow IPC file (Feather v2), in record batches of `rows_per_batch` rows.
fn write_ipc_file(path: &Path, batch: &RecordBatch, rows_per_batch: usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    for part in slices(batch, rows_per_batch) {
        writer.write(&part).unwrap();
    }
    writer.finish().unwrap();
}

/// Writes `batch` in the Arrow IPC stream format, in record batches of `rows_per_batch` rows.
fn write_ipc_stream(path: &Path, batch: &RecordBatch, rows_per_batch: usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(file, &batch.schema()).unwrap();
    for part in slices(batch, rows_per_batch) {
        writer.write(&part).unwrap();
    }
    writer.finish().unwrap();
}

/// The data set `name` (datasets/NAME.csv) written as Parquet, an Arrow IPC file (`.arrow` and
/// `.feather`) and an Arrow IPC stream, in `dir`.
fn columnar_copies(dir: &Path, name: &str, dictionaries: &[&str]) -> Vec<PathBuf> {
    let csv = Table::read_csv(repo_path(&format!("datasets/{name}.csv"))).unwrap();
    let batch = batch_of(&csv, dictionaries);
    let paths: Vec<PathBuf> = ["parquet", "arrow", "feather", "stream.arrow"]
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .collect();
    write_parquet(&paths[0], &batch, 50);
    write_ipc_file(&paths[1], &batch, 100);
    write_ipc_file(&paths[2], &batch, 1000);
    write_ipc_stream(&paths[3], &batch, 64);
    paths
}

/// The JSON a command prints, with the data file's path replaced by `FILE`.
fn json_of(file: &str, args: &[&str]) -> String {
    let out = survkit(&[&[args[0], file], &args[1..], &["--format", "json"]].concat());
    assert!(out.status.success(), "{file} {args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().replace(file, "FILE")
}

#[test]
fn every_estimator_gives_the_csv_json_on_parquet_and_arrow() {
    let dir = tempfile::tempdir().unwrap();
    let lung = repo_path("datasets/lung.csv");
    let commands: [&[&str]; 5] = [
        &["km", "--time", "time", "--event", "status", "--group", "sex"],
        &["logrank", "--time", "time", "--event", "status", "--group", "sex"],
        // ph.ecog has one missing value: the dropped row's number is the same in every format
        &[
            "cox",
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "age,sex,ph.ecog",
        ],
        &[
            "rmst", "--time", "time", "--event", "status", "--group", "sex", "--tau", "700",
        ],
        &["cox", "--formula", "Surv(time, status) ~ age + strata(inst)"],
    ];
    for copy in columnar_copies(dir.path(), "lung", &[]) {
        let copy = copy.display().to_string();
        for args in commands {
            assert_eq!(json_of(&copy, args), json_of(&lung, args), "{copy} {args:?}");
        }
    }
    // competing risks, with a dictionary column as the group and decimals as Float64
    let mgus = repo_path("datasets/mgus2_cr.csv");
    let args: &[&str] = &["cif", "--time", "time", "--event", "status", "--group", "agegrp"];
    for copy in columnar_copies(dir.path(), "mgus2_cr", &["agegrp"]) {
        let copy = copy.display().to_string();
        assert_eq!(json_of(&copy, args), json_of(&mgus, args), "{copy}");
        let cox = &[
            "cox",
            "--time",
            "time",
            "--event",
            "status",
            "--event-value",
            "2",
            "--covariates",
            "hgb,age",
        ];
        assert_eq!(json_of(&copy, cox), json_of(&mgus, cox), "{copy}");
    }
}

#[test]
fn dropped_rows_are_named_by_row_group_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let paths = columnar_copies(dir.path(), "lung", &[]);
    let args = ["--time", "time", "--event", "status", "--covariates", "ph.ecog"];
    // line 15 of lung.csv is row 13: row group 0 (of 50 rows), record batch 0 (of 100)
    let out = survkit(&[&["cox", &paths[0].display().to_string()], &args[..]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 row dropped for missing values (ph.ecog: 1); row group 0, row 13"),
        "{}",
        stderr(&out)
    );
    let out = survkit(&[&["cox", &paths[1].display().to_string()], &args[..]].concat());
    assert!(stderr(&out).contains("; record batch 0, row 13"), "{}", stderr(&out));
    // meal.cal: 47 missing, the first ten listed across row groups (lines 4, 6, ..., 45, 52
    // of the CSV file)
    let file = paths[0].display().to_string();
    let out = survkit(&[
        "cox",
        &file,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "meal.cal",
        "--strict",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains(&format!(
            "{file}: 47 rows dropped for missing values (meal.cal: 47); row group 0, rows 2, 4, 11, 12, 15, 22, 24, 32, 43; row group 1, row 0, … (strict reading"
        )),
        "{message}"
    );
    let csv = repo_path("datasets/lung.csv");
    let out = survkit(&[
        "cox",
        &csv,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "meal.cal",
        "--strict",
    ]);
    assert!(
        stderr(&out).contains("lines 4, 6, 13, 14, 17, 24, 26, 34, 45, 52, …"),
        "{}",
        stderr(&out)
    );
}

/// The columns of [`trial`], as column options.
const TRIAL: [&str; 6] = ["--time", "time", "--event", "status", "--group", "arm"];

/// A small trial as one batch: `time` as given, status, arm as a dictionary.
fn trial(time: ArrayRef) -> RecordBatch {
    let n = time.len();
    let status = Int32Array::from_iter_values((0..n).map(|i| (i % 3 != 0) as i32));
    let arm: DictionaryArray<Int32Type> = (0..n).map(|i| if i % 2 == 0 { "control" } else { "treated" }).collect();
    RecordBatch::try_from_iter([
        ("time", time),
        ("status", Arc::new(status) as ArrayRef),
        ("arm", Arc::new(arm) as ArrayRef),
    ])
    .unwrap()
}

fn times(n: usize) -> Vec<f64> {
    (1..=n).map(|t| t as f64).collect()
}

/// Runs `km` on `file` writing to an output file: the exit status, stderr, and whether the
/// output file exists.
fn km_to_file(dir: &Path, file: &Path) -> (Option<i32>, String, bool) {
    let output = dir.join("out.json");
    let _ = std::fs::remove_file(&output);
    let (file, output_name) = (file.display().to_string(), output.display().to_string());
    let out = survkit(&[&["km", &file][..], &TRIAL, &["--format", "json", "-o", &output_name]].concat());
    (out.status.code(), stderr(&out), output.exists())
}

/// The message of `km` refusing `time` written as Parquet to `path` in row groups of 10 rows
/// (exit status 2, no output file).
fn refused_times(dir: &Path, path: &Path, time: Vec<f64>) -> String {
    write_parquet(path, &trial(Arc::new(Float64Array::from(time))), 10);
    let (code, message, written) = km_to_file(dir, path);
    assert_eq!((code, written), (Some(2), false), "{message}");
    message
}

#[test]
fn bad_values_name_the_row_group_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trial.parquet");
    let file = path.display().to_string();

    // an infinite time in row group 2 (rows 20-29), row 7
    let mut time = times(40);
    time[27] = f64::INFINITY;
    let message = refused_times(dir.path(), &path, time);
    assert!(
        message.contains(&format!(
            "{file}, row group 2, row 7, column 'time': value 'inf' is not a finite number"
        )),
        "{message}"
    );

    // a negative time: refused by the survival rules, named the same way
    let mut time = times(40);
    time[13] = -3.0;
    let message = refused_times(dir.path(), &path, time);
    assert!(
        message.contains(&format!(
            "{file}, row group 1, row 3, column 'time': value '-3' is negative"
        )),
        "{message}"
    );

    // a null time drops its row, named by row group and row (with --strict, an error)
    let mut time: Vec<Option<f64>> = times(40).into_iter().map(Some).collect();
    time[35] = None;
    write_parquet(&path, &trial(Arc::new(Float64Array::from(time))), 10);
    let out = survkit(&[&["km", &file][..], &TRIAL].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 row dropped for missing values (time: 1); row group 3, row 5"),
        "{}",
        stderr(&out)
    );
    let out = survkit(&["km", &file, "--time", "time", "--event", "status", "--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("row group 3, row 5 (strict reading"),
        "{}",
        stderr(&out)
    );

    // a date column: read only when used (km streams the columns it uses from a Parquet
    // file); used, refused, naming the column and its type
    let batch = trial(Arc::new(Float64Array::from(times(4))));
    let batch = RecordBatch::try_from_iter(
        batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .zip(batch.columns().iter().cloned())
            .chain([(
                "randomised".to_string(),
                Arc::new(Date32Array::from(vec![19000; 4])) as ArrayRef,
            )]),
    )
    .unwrap();
    write_parquet(&path, &batch, 10);
    let (code, message, written) = km_to_file(dir.path(), &path);
    assert_eq!((code, written), (Some(0), true), "{message}");
    let out = survkit(&["km", &file, "--time", "randomised", "--event", "status"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "{file}: column 'randomised' has the Arrow type Date32, which cannot be read"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn truncated_and_corrupt_files_are_refused_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let batch = trial(Arc::new(Float64Array::from(times(300))));
    let parquet = dir.path().join("trial.parquet");
    let arrow = dir.path().join("trial.arrow");
    let stream = dir.path().join("stream.arrow");
    write_parquet(&parquet, &batch, 100);
    write_ipc_file(&arrow, &batch, 100);
    write_ipc_stream(&stream, &batch, 100);

    // a truncated Parquet file: a clear message, exit status 2, no output file
    let bytes = std::fs::read(&parquet).unwrap();
    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let (code, message, written) = km_to_file(dir.path(), &truncated);
    assert_eq!((code, written), (Some(2), false), "{message}");
    assert!(
        message.contains(&format!(
            "{}: not a Parquet file (it does not begin and end with 'PAR1', and the file has {} bytes); is it truncated?",
            truncated.display(),
            bytes.len() / 2
        )),
        "{message}"
    );
    // a CSV file named .parquet
    let (code, message, _) = {
        let fake = dir.path().join("fake.parquet");
        std::fs::write(&fake, "time,status\n1,1\n").unwrap();
        km_to_file(dir.path(), &fake)
    };
    assert_eq!(code, Some(2), "{message}");
    assert!(message.contains("not a Parquet file"), "{message}");

    // every cut and many flipped bytes of each format: refused or read, never a panic
    for (original, name) in [
        (&parquet, "cut.parquet"),
        (&arrow, "cut.arrow"),
        (&stream, "cut.feather"),
    ] {
        let bytes = std::fs::read(original).unwrap();
        let damaged = dir.path().join(name);
        let step = (bytes.len() / 40).max(1);
        let mut versions: Vec<Vec<u8>> = (0..bytes.len()).step_by(step).map(|n| bytes[..n].to_vec()).collect();
        for at in (0..bytes.len()).step_by(step / 2 + 1) {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x5a;
            versions.push(flipped);
        }
        for version in versions {
            std::fs::write(&damaged, &version).unwrap();
            let (code, message, written) = km_to_file(dir.path(), &damaged);
            assert!(
                !message.contains("panicked"),
                "{name}, {} bytes: {message}",
                version.len()
            );
            match code {
                Some(0) => assert!(written),
                Some(1 | 2) => assert!(
                    !written && message.contains(&damaged.display().to_string()),
                    "{message}"
                ),
                other => panic!("{name}: exit status {other:?}: {message}"),
            }
        }
    }
}
