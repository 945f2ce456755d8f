//! Counts streamed from a Parquet file (issue 20, item 2): `Counts::stream_parquet` gives the
//! Kaplan–Meier, log-rank and RMST results, dropped rows and errors that reading the whole file
//! as rows gives (`SurvData::read`), on random files of every column type the reader takes,
//! with missing values, refused values, R's 1/2 coding, TRUE/FALSE codes, delayed entry and
//! several row groups; and a row group longer than one batch names its rows right. The same
//! rows written as CSV give, counted in parallel parts (`Counts::from_rows`), what reading them
//! as rows gives.
#![cfg(feature = "parquet")]

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use common::write_parquet;
use proptest::prelude::*;
use survkit::competing::CifVariance;
use survkit::counts::Counts;
use survkit::{
    Cif, CifOptions, Columns, CompetingCounts, CompetingData, CompetingError, Format, KaplanMeier, KmOptions, LogRank,
    LogRankOptions, Render, SurvData, Table,
};

/// The Kaplan–Meier and log-rank JSON (and dropped rows) of the file read as rows and streamed,
/// or their errors' messages; and of its rows written as CSV, read as rows and counted in
/// parts (`Counts::from_rows`).
fn both(path: &Path, columns: &Columns) -> (Result<String, String>, Result<String, String>) {
    if let Ok(table) = Table::read(path) {
        let csv = Table::from_csv_bytes("trial.csv", table.to_csv().as_bytes()).unwrap();
        let (rows, counted) = both_of(
            || SurvData::from_table(&csv, columns),
            || Counts::from_rows(&csv, columns),
        );
        assert_eq!(rows, counted, "CSV");
    }
    both_of(
        || SurvData::read(path, columns),
        || Counts::stream_parquet(path, columns),
    )
}

/// As [`both`], for rows and counts read by the given functions.
fn both_of(
    read: impl FnOnce() -> Result<SurvData, survkit::DataError>,
    count: impl FnOnce() -> Result<Counts, survkit::DataError>,
) -> (Result<String, String>, Result<String, String>) {
    let results = |km: Result<KaplanMeier, String>, logrank: Option<LogRank>| {
        km.map(|km| {
            format!(
                "{}\n{:?}\n{}",
                km.render(Format::Json),
                km.dropped_rows,
                logrank.map(|t| t.render(Format::Json)).unwrap_or_default()
            )
        })
    };
    let km_options = KmOptions::default();
    let lr_options = LogRankOptions::default();
    let rows = read().map_err(|e| e.to_string()).and_then(|data| {
        let logrank = LogRank::test(&data, &lr_options).ok();
        results(KaplanMeier::fit(&data, &km_options).map_err(|e| e.to_string()), logrank)
    });
    let streamed = count().map_err(|e| e.to_string()).and_then(|counts| {
        let logrank = LogRank::test_counts(&counts, &lr_options).ok();
        results(
            KaplanMeier::fit_counts(&counts, &km_options).map_err(|e| e.to_string()),
            logrank,
        )
    });
    (rows, streamed)
}

/// How a random file writes its columns.
#[derive(Debug, Clone)]
struct Spec {
    n: usize,
    rows_per_group: usize,
    /// 0: floats, 1: integers
    time_type: u8,
    /// 0: integers 0/1, 1: integers 1/2, 2: booleans, 3: strings TRUE/FALSE, 4: strings 0/1
    event_type: u8,
    /// 0: strings, 1: dictionary of strings, 2: integers
    label_type: u8,
    strata: bool,
    entry: bool,
    /// Per mille of cells made missing, and of cells made invalid.
    missing: u32,
    invalid: u32,
    seed: u64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        1usize..160,
        1usize..40,
        0u8..2,
        0u8..5,
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(0u32), 0u32..80],
        prop_oneof![4 => Just(0u32), 1 => 0u32..20],
        any::<u64>(),
    )
        .prop_map(
            |(n, rows_per_group, time_type, event_type, label_type, strata, entry, missing, invalid, seed)| Spec {
                n,
                rows_per_group,
                time_type,
                event_type,
                label_type,
                strata,
                entry,
                missing,
                invalid,
                seed,
            },
        )
}

/// A small deterministic generator (splitmix64).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn per_mille(&mut self, p: u32) -> bool {
        self.below(1000) < u64::from(p)
    }
}

fn random_file(spec: &Spec, path: &Path) -> Columns {
    let mut d = Draw(spec.seed);
    let n = spec.n;
    let cell = |d: &mut Draw| -> (bool, bool) { (d.per_mille(spec.missing), d.per_mille(spec.invalid)) };
    // whole-number times in few values (ties), so that R's timefix has nothing to tie
    let mut exit = Vec::with_capacity(n);
    let mut enter = Vec::with_capacity(n);
    for _ in 0..n {
        let t = 1 + d.below(30) as i64;
        let e = d.below(t as u64) as i64 - i64::from(d.per_mille(100));
        exit.push(t);
        enter.push(e);
    }
    let mut time_missing = Vec::new();
    let mut time_bad = Vec::new();
    for _ in 0..n {
        let (m, b) = cell(&mut d);
        time_missing.push(m);
        time_bad.push(b);
    }
    let time: ArrayRef = match spec.time_type {
        0 => Arc::new(Float64Array::from_iter((0..n).map(|i| {
            match (time_missing[i], time_bad[i]) {
                (true, _) if i % 2 == 0 => None,
                (true, _) => Some(f64::NAN),
                (_, true) => Some(if i % 2 == 0 { -1.0 } else { f64::INFINITY }),
                _ => Some(exit[i] as f64),
            }
        }))),
        _ => Arc::new(Int64Array::from_iter((0..n).map(|i| {
            match (time_missing[i], time_bad[i]) {
                (true, _) => None,
                (_, true) => Some(-3),
                _ => Some(exit[i]),
            }
        }))),
    };
    let events: Vec<(bool, bool, bool)> = (0..n)
        .map(|_| {
            let (m, b) = cell(&mut d);
            (d.below(3) > 0, m, b)
        })
        .collect();
    let event: ArrayRef = match spec.event_type {
        0 | 1 => {
            let base = i32::from(spec.event_type);
            Arc::new(Int32Array::from_iter(events.iter().map(|&(e, m, b)| match (m, b) {
                (true, _) => None,
                (_, true) => Some(if base == 1 { 0 } else { 7 }),
                _ => Some(base + i32::from(e)),
            })))
        }
        2 => Arc::new(BooleanArray::from_iter(
            events.iter().map(|&(e, m, _)| (!m).then_some(e)),
        )),
        kind => Arc::new(StringArray::from_iter(events.iter().map(|&(e, m, b)| match (m, b) {
            (true, _) => Some("NA".to_string()),
            (_, true) if kind == 3 => Some("1".to_string()),
            (_, true) => Some("maybe".to_string()),
            _ if kind == 3 => Some(if e { "TRUE" } else { "F" }.to_string()),
            _ => Some(if e { " 1" } else { "0" }.to_string()),
        }))),
    };
    let labels = |d: &mut Draw, levels: &[&str]| -> ArrayRef {
        let picks: Vec<Option<usize>> = (0..n)
            .map(|_| (!d.per_mille(spec.missing)).then(|| d.below(levels.len() as u64) as usize))
            .collect();
        match spec.label_type {
            0 => Arc::new(StringArray::from_iter(picks.iter().map(|p| match p {
                Some(k) => Some(levels[*k].to_string()),
                None => Some(" NA ".to_string()),
            }))),
            1 => Arc::new(
                picks
                    .iter()
                    .map(|p| p.map(|k| levels[k]))
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
            _ => Arc::new(Int32Array::from_iter(
                picks.iter().map(|p| p.map(|k| 10 - 3 * k as i32)),
            )),
        }
    };
    let mut columns = vec![
        ("time", time),
        ("event", event),
        ("arm", labels(&mut d, &["b", "a", "c "])),
    ];
    let mut chosen = Columns::new("time", "event").group("arm");
    if spec.strata {
        columns.push(("site", labels(&mut d, &["x", "y"])));
        chosen = chosen.strata("site");
    }
    if spec.entry {
        columns.push(("start", Arc::new(Int64Array::from(enter)) as ArrayRef));
        chosen = chosen.entry("start");
    }
    columns.push((
        "unused",
        Arc::new(StringArray::from_iter((0..n).map(|_| Some("z")))) as ArrayRef,
    ));
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    write_parquet(path, &batch, spec.rows_per_group);
    chosen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn streaming_equals_reading_the_rows(spec in spec()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trial.parquet");
        let columns = random_file(&spec, &path);
        let (rows, streamed) = both(&path, &columns);
        prop_assert_eq!(rows, streamed);
    }
}

#[test]
fn strictness_references_and_event_values_follow_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trial.parquet");
    let spec = Spec {
        n: 120,
        rows_per_group: 25,
        time_type: 0,
        event_type: 0,
        label_type: 1,
        strata: true,
        entry: false,
        missing: 30,
        invalid: 0,
        seed: 7,
    };
    let columns = random_file(&spec, &path);
    for columns in [
        columns.clone().strict(true),
        columns.clone().reference("arm", "c"),
        columns.clone().reference("arm", "none"),
        columns.clone().event_value("0"),
        Columns::new("time", "unused"),
        Columns::new("time", "event").group("nothing"),
    ] {
        let (rows, streamed) = both(&path, &columns);
        assert_eq!(rows, streamed, "{columns:?}");
    }
    let weighted = Columns::new("time", "event").weight("time");
    let refused = Counts::stream_parquet(&path, &weighted).unwrap_err().to_string();
    assert!(refused.contains("counts carry no case weights"), "{refused}");
}

/// A row group of 150,000 rows is read in three batches: a bad value in the third is named by
/// its row within the row group, and rows dropped in each batch are listed in file order.
#[test]
fn rows_beyond_the_first_batch_are_named_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.parquet");
    let n = 150_000;
    let time = |bad: Option<usize>| -> ArrayRef {
        Arc::new(Float64Array::from_iter((0..n).map(|i| match i {
            _ if Some(i) == bad => Some(-2.0),
            70_000 | 140_001 => None,
            _ => Some((i % 97 + 1) as f64),
        })))
    };
    let event: ArrayRef = Arc::new(Int32Array::from_iter_values((0..n).map(|i| (i % 3 == 0) as i32)));
    let columns = Columns::new("time", "event");
    let batch = RecordBatch::try_from_iter([("time", time(None)), ("event", event.clone())]).unwrap();
    write_parquet(&path, &batch, n);
    let (rows, streamed) = both(&path, &columns);
    assert!(rows.is_ok());
    assert_eq!(rows, streamed);
    let counts = Counts::stream_parquet(&path, &columns).unwrap();
    assert_eq!(counts.dropped().count, 2);
    assert_eq!(counts.n_participants(), n as u64 - 2);

    let batch = RecordBatch::try_from_iter([("time", time(Some(140_000))), ("event", event)]).unwrap();
    write_parquet(&path, &batch, n);
    let message = Counts::stream_parquet(&path, &columns).unwrap_err().to_string();
    assert!(message.contains("row group 0, row 140000, column 'time'"), "{message}");
    let (rows, streamed) = both(&path, &columns);
    assert_eq!(rows, streamed);
}

/// A time or entry written −0 is the time 0 on every path: one time with the 0s beside it,
/// printed as `0.0` (a fuzz finding: the rows kept −0 and printed `-0.0`).
#[test]
fn a_time_written_minus_zero_is_zero() {
    let zeros = "time,status\n-0,1\n1,1\n1,2\n5,1\n";
    let entries = "time,status,entry\n1,1,-0\n2,0,0\n3,1,-0.0\n";
    for (csv, columns, zero_rows) in [
        (zeros, Columns::new("time", "status").event_value("2").strict(true), 1),
        (entries, Columns::new("time", "status").entry("entry"), 0),
    ] {
        let table = Table::from_csv_bytes("zero.csv", csv.as_bytes()).unwrap();
        let (rows, counted) = both_of(
            || SurvData::from_table(&table, &columns),
            || Counts::from_rows(&table, &columns),
        );
        assert_eq!(rows, counted, "{columns:?}");
        let json = rows.unwrap();
        assert!(!json.contains("-0.0"), "{json}");
        assert_eq!(json.matches("\"time\": 0.0").count(), zero_rows, "{json}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zero.parquet");
    let time: ArrayRef = Arc::new(Float64Array::from(vec![-0.0, 0.0, 1.0, 5.0]));
    let status: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 1, 2]));
    write_parquet(
        &path,
        &RecordBatch::try_from_iter([("time", time), ("status", status)]).unwrap(),
        2,
    );
    let (rows, streamed) = both(&path, &Columns::new("time", "status"));
    assert_eq!(rows, streamed);
    assert!(!rows.unwrap().contains("-0.0"));
}

/// The cumulative incidence JSON of a status column read as rows, streamed from Parquet and
/// counted from the same rows as CSV (issue 20), or their errors' messages.
fn cif_three_ways(path: &Path, columns: &Columns, censor: &str, options: &CifOptions) -> [Result<String, String>; 3] {
    let fit = |data: Result<Result<Cif, CompetingError>, survkit::DataError>| match data {
        Ok(Ok(cif)) => Ok(format!("{}\n{:?}", cif.render(Format::Json), cif.dropped_rows)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let rows = fit(CompetingData::read(path, columns, censor).map(|d| Cif::fit(&d, options)));
    let streamed = fit(CompetingCounts::stream_parquet(path, columns, censor).map(|c| Cif::fit_counts(&c, options)));
    let csv = match Table::read(path) {
        Ok(table) => {
            let csv = Table::from_csv_bytes("trial.csv", table.to_csv().as_bytes()).unwrap();
            let rows = fit(CompetingData::from_table(&csv, columns, censor).map(|d| Cif::fit(&d, options)));
            let counted = fit(CompetingCounts::from_rows(&csv, columns, censor).map(|c| Cif::fit_counts(&c, options)));
            assert_eq!(rows, counted, "CSV");
            counted
        }
        Err(_) => rows.clone(),
    };
    [rows, streamed, csv]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Every cause of the event column (0 censored; 1, 2, 7, text) is counted per time and
    /// gives the same curves, variances, Gray's tests and dropped rows as the rows.
    #[test]
    fn cumulative_incidence_from_counts_equals_the_rows(spec in spec(), cuminc in any::<bool>(), censor in prop_oneof![Just("0"), Just("F")]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trial.parquet");
        let mut columns = random_file(&spec, &path);
        columns.entry = None;
        let options = CifOptions {
            at: vec![0.5, 10.0, 29.0],
            variance: if cuminc { CifVariance::Cuminc } else { CifVariance::Survfit },
            ..CifOptions::default()
        };
        let [rows, streamed, csv] = cif_three_ways(&path, &columns, censor, &options);
        prop_assert_eq!(&rows, &streamed);
        if Table::read(&path).is_ok() {
            // written as CSV, every column becomes text or numbers alike
            prop_assert_eq!(rows.is_ok(), csv.is_ok(), "{:?} {:?}", rows, csv);
        }
    }
}

/// Counts refuse what they cannot carry: delayed entry and case weights are read as rows.
#[test]
fn competing_counts_refuse_entry_and_weights() {
    let table = Table::read_csv("datasets/mgus2_cr.csv").unwrap();
    for columns in [
        Columns::new("time", "status").entry("age"),
        Columns::new("time", "status").weight("age"),
    ] {
        let message = CompetingCounts::from_rows(&table, &columns, "0")
            .unwrap_err()
            .to_string();
        assert!(message.contains("read the rows instead"), "{message}");
    }
    let columns = Columns::new("time", "status").group("sex");
    let counts = CompetingCounts::from_rows(&table, &columns, "0").unwrap();
    let data = CompetingData::from_table(&table, &columns, "0").unwrap();
    let options = CifOptions {
        tau: Some(300.0),
        ..CifOptions::default()
    };
    let rows = Cif::fit(&data, &options).unwrap();
    let counted = Cif::fit_counts(&counts, &options).unwrap();
    assert_eq!(rows.render(Format::Json), counted.render(Format::Json));
    assert_eq!(counts.n_participants(), data.data().n_rows() as u64);
}

/// A competing-risks formula's counts (streamed from Parquet, or counted from a table's rows)
/// give the cumulative incidence of its rows, and are not taken where they cannot hold it.
#[test]
fn competing_formulas_are_counted_where_counts_hold_them() {
    use survkit::formula::Formula;
    use survkit::model::{Shape, competing_counts_frame, competing_frame_for, stream_competing_counts};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trial.parquet");
    let spec = Spec {
        n: 150,
        rows_per_group: 20,
        time_type: 1,
        event_type: 1,
        label_type: 0,
        strata: true,
        entry: false,
        missing: 30,
        invalid: 0,
        seed: 11,
    };
    random_file(&spec, &path);
    let table = Table::read(&path).unwrap();
    let options = CifOptions::default();
    let json = |cif: Cif| format!("{}\n{:?}", cif.render(Format::Json), cif.dropped_rows);
    let formula = Formula::parse("Surv(time, event) ~ arm + strata(site)").unwrap();
    let rows = competing_frame_for(&table, &formula, Shape::Groups, "0", |_| {}).unwrap();
    let rows = json(Cif::fit(&rows, &options).unwrap());
    let streamed = stream_competing_counts(&path, &formula, "0", |_| {}).unwrap().unwrap();
    assert_eq!(rows, json(Cif::fit_counts(&streamed, &options).unwrap()));
    let counted = competing_counts_frame(&table, &formula, "0", |_| {}).unwrap().unwrap();
    assert_eq!(rows, json(Cif::fit_counts(&counted, &options).unwrap()));
    // case weights: the rows
    let weighted = |c: &mut Columns| c.weight = Some("time".to_string());
    assert!(
        competing_counts_frame(&table, &formula, "0", weighted)
            .unwrap()
            .is_none()
    );
    assert!(
        stream_competing_counts(&path, &formula, "0", weighted)
            .unwrap()
            .is_none()
    );
}
