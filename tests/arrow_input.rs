//! A table built from an Arrow `RecordBatch` gives exactly what the same data read from CSV
//! give: the same table, and byte for byte the same fits (feature `arrow`).

use std::sync::Arc;

use arrow_array::types::{Int8Type, Int16Type};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float32Array, Float64Array, Int16Array, Int32Array,
    Int64Array, RecordBatch, StringArray, StringViewArray, UInt8Array,
};
use survkit::{ColumnKind, Cox, DataError, KaplanMeier, LogRank, Table};

fn lung_csv() -> Table {
    let path = format!("{}/datasets/lung.csv", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(path).unwrap();
    Table::from_csv_bytes("lung", &bytes).unwrap()
}

/// A column of the CSV table as whole numbers (every lung value is one).
fn whole<T: TryFrom<i64>>(table: &Table, column: &str) -> Vec<Option<T>> {
    let values = table.column(column).unwrap().numbers().unwrap();
    values
        .iter()
        .map(|v| {
            (!v.is_nan()).then(|| {
                assert_eq!(v.fract(), 0.0, "{column}: {v}");
                T::try_from(*v as i64).ok().unwrap()
            })
        })
        .collect()
}

fn floats(table: &Table, column: &str) -> Vec<Option<f64>> {
    let values = table.column(column).unwrap().numbers().unwrap();
    values.iter().map(|v| (!v.is_nan()).then_some(*v)).collect()
}

/// lung.csv as a batch of many Arrow types: integers of several widths, floats, strings of
/// numbers, nulls where the file has NA.
fn lung_batch(csv: &Table) -> RecordBatch {
    let sex = StringArray::from(sex_labels(csv));
    let ecog: Vec<Option<f32>> = whole::<i16>(csv, "ph.ecog")
        .into_iter()
        .map(|v| v.map(f32::from))
        .collect();
    RecordBatch::try_from_iter([
        ("inst", Arc::new(Float64Array::from(floats(csv, "inst"))) as ArrayRef),
        ("time", Arc::new(Int32Array::from(whole::<i32>(csv, "time")))),
        ("status", Arc::new(Int64Array::from(whole::<i64>(csv, "status")))),
        ("age", Arc::new(UInt8Array::from(whole::<u8>(csv, "age")))),
        ("sex", Arc::new(sex)),
        ("ph.ecog", Arc::new(Float32Array::from(ecog))),
        ("ph.karno", Arc::new(Int16Array::from(whole::<i16>(csv, "ph.karno")))),
        ("pat.karno", Arc::new(Float64Array::from(floats(csv, "pat.karno")))),
        ("meal.cal", Arc::new(Int32Array::from(whole::<i32>(csv, "meal.cal")))),
        ("wt.loss", Arc::new(Float64Array::from(floats(csv, "wt.loss")))),
    ])
    .unwrap()
}

/// The same cells, kinds and values (NaN where missing, which `==` on a table cannot see as
/// equal); a difference is shown by column and row, the table being too long to print.
fn assert_same_table(arrow: &Table, csv: &Table) {
    assert_eq!(arrow.source(), csv.source());
    assert_eq!(arrow.names(), csv.names());
    assert_eq!(arrow.lines(), csv.lines());
    let bits = |c: &survkit::Column| c.numbers().map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>());
    for (a, c) in arrow.columns().iter().zip(csv.columns()) {
        let row = (0..c.len()).find(|&row| a.text(row) != c.text(row));
        assert_eq!(row.map(|r| (r, a.text(r), c.text(r))), None, "column '{}'", c.name());
        assert_eq!((a.kind(), bits(a)), (c.kind(), bits(c)), "column '{}'", c.name());
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

/// Byte-for-byte the same JSON from both tables: Cox for each of `cox`, Kaplan–Meier and
/// log-rank for each of `groups`.
fn assert_same_fits(arrow: &Table, csv: &Table, cox: &[&str], groups: &[&str]) {
    for formula in cox {
        let model = Cox::new(*formula);
        assert_eq!(
            json(&model.fit(arrow).unwrap()),
            json(&model.fit(csv).unwrap()),
            "{formula}"
        );
    }
    for formula in groups {
        let km = KaplanMeier::new(*formula);
        assert_eq!(json(&km.fit(arrow).unwrap()), json(&km.fit(csv).unwrap()), "{formula}");
        let test = LogRank::new(*formula);
        assert_eq!(
            json(&test.fit(arrow).unwrap()),
            json(&test.fit(csv).unwrap()),
            "{formula}"
        );
    }
}

/// lung's sex as text labels ("1", "2").
fn sex_labels(csv: &Table) -> Vec<Option<String>> {
    whole::<i64>(csv, "sex")
        .into_iter()
        .map(|v| v.map(|v| v.to_string()))
        .collect()
}

#[test]
fn a_dictionary_is_a_factor_whatever_its_labels() {
    // R's arrow package reads a dictionary as a factor: `~ sex` on it is `~ factor(sex)` on
    // the CSV, although its labels are numbers
    let csv = lung_csv();
    let labels = sex_labels(&csv);
    let sex: DictionaryArray<Int16Type> = labels.iter().map(|v| v.as_deref()).collect();
    let batch = RecordBatch::try_from_iter([
        (
            "time",
            Arc::new(Int32Array::from(whole::<i32>(&csv, "time"))) as ArrayRef,
        ),
        ("status", Arc::new(Int64Array::from(whole::<i64>(&csv, "status")))),
        ("sex", Arc::new(sex)),
    ])
    .unwrap();
    let arrow = Table::from_record_batch("lung", &batch).unwrap();
    assert_eq!(arrow.column("sex").unwrap().kind(), ColumnKind::Text);
    let on_arrow = Cox::new("Surv(time, status) ~ sex").fit(&arrow).unwrap();
    let on_csv = Cox::new("Surv(time, status) ~ factor(sex)").fit(&csv).unwrap();
    assert_eq!(json(&on_arrow.terms), json(&on_csv.terms));
}

#[test]
fn lung_from_arrow_is_lung_from_csv() {
    let csv = lung_csv();
    let arrow = Table::from_record_batch("lung", &lung_batch(&csv)).unwrap();
    assert_same_table(&arrow, &csv);
    assert_same_fits(
        &arrow,
        &csv,
        &[
            "Surv(time, status) ~ age + sex",
            "Surv(time, status) ~ age + ph.ecog + factor(sex)",
            "Surv(time, status) ~ wt.loss + strata(sex)",
        ],
        &["Surv(time, status) ~ sex"],
    );
}

/// Any table as a batch: numeric columns as `Float64`, text columns as `Utf8View`.
fn plain_batch(csv: &Table) -> RecordBatch {
    let columns = csv.columns().iter().map(|c| {
        let array: ArrayRef = match c.kind() {
            ColumnKind::Numeric => Arc::new(Float64Array::from(floats(csv, c.name()))),
            ColumnKind::Text => Arc::new(StringViewArray::from(
                (0..c.len()).map(|r| c.text(r)).collect::<Vec<_>>(),
            )),
        };
        (c.name(), array)
    });
    RecordBatch::try_from_iter(columns).unwrap()
}

#[test]
fn decimals_and_text_give_the_csv_fits() {
    for (file, formulas) in [
        (
            "ovarian",
            ["Surv(futime, fustat) ~ age + rx", "Surv(futime, fustat) ~ rx"],
        ),
        (
            "veteran",
            [
                "Surv(time, status) ~ karno + celltype + trt",
                "Surv(time, status) ~ celltype",
            ],
        ),
    ] {
        let path = format!("{}/datasets/{file}.csv", env!("CARGO_MANIFEST_DIR"));
        let csv = Table::from_csv_bytes(file, &std::fs::read(path).unwrap()).unwrap();
        let arrow = Table::from_record_batch(file, &plain_batch(&csv)).unwrap();
        let cox = Cox::new(formulas[0]);
        assert_eq!(json(&cox.fit(&arrow).unwrap()), json(&cox.fit(&csv).unwrap()), "{file}");
        let km = KaplanMeier::new(formulas[1]);
        assert_eq!(json(&km.fit(&arrow).unwrap()), json(&km.fit(&csv).unwrap()), "{file}");
        let test = LogRank::new(formulas[1]);
        assert_eq!(
            json(&test.fit(&arrow).unwrap()),
            json(&test.fit(&csv).unwrap()),
            "{file}"
        );
    }
}

#[test]
fn nulls_drop_rows_only_where_used() {
    let arrow = Table::from_record_batch("lung", &lung_batch(&lung_csv())).unwrap();
    // meal.cal has 47 nulls, unused here: no row dropped
    let fit = Cox::new("Surv(time, status) ~ age + sex").fit(&arrow).unwrap();
    assert_eq!((fit.n, fit.dropped_rows.count), (228, 0));
    let fit = Cox::new("Surv(time, status) ~ age + meal.cal").fit(&arrow).unwrap();
    assert_eq!((fit.n, fit.dropped_rows.count), (181, 47));
    assert_eq!(fit.dropped_rows.by_column[0].column, "meal.cal");
    assert_eq!(fit.dropped_rows.by_column[0].count, 47);
}

#[test]
fn boolean_status_is_an_event_indicator() {
    let csv = lung_csv();
    let died: BooleanArray = whole::<i64>(&csv, "status").iter().map(|s| s.map(|s| s == 2)).collect();
    let time = Arc::new(Int32Array::from(whole::<i32>(&csv, "time"))) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("time", time),
        ("status", Arc::new(died)),
        ("age", Arc::new(Float64Array::from(floats(&csv, "age")))),
        ("sex", Arc::new(Float64Array::from(floats(&csv, "sex")))),
    ])
    .unwrap();
    let arrow = Table::from_record_batch("lung", &batch).unwrap();
    assert_same_fits(
        &arrow,
        &csv,
        &["Surv(time, status) ~ age + sex"],
        &["Surv(time, status) ~ sex"],
    );
}

#[test]
fn dictionary_labels_are_groups() {
    let keys = arrow_array::Int8Array::from(vec![0, 1, 0, 1, 0, 1, 0, 1]);
    let values = Arc::new(StringArray::from(vec!["control", "treated"]));
    let arm = DictionaryArray::<Int8Type>::try_new(keys, values).unwrap();
    let batch = RecordBatch::try_from_iter([
        (
            "time",
            Arc::new(Int32Array::from(vec![3, 5, 6, 8, 10, 12, 14, 20])) as ArrayRef,
        ),
        ("status", Arc::new(Int32Array::from(vec![1, 1, 1, 0, 1, 1, 0, 1]))),
        ("arm", Arc::new(arm)),
    ])
    .unwrap();
    let arrow = Table::from_record_batch("trial", &batch).unwrap();
    let csv = Table::from_csv_bytes(
        "trial",
        b"time,status,arm\n3,1,control\n5,1,treated\n6,1,control\n8,0,treated\n10,1,control\n12,1,treated\n14,0,control\n20,1,treated\n",
    )
    .unwrap();
    assert_eq!(arrow, csv);
    let formula = "Surv(time, status) ~ arm";
    assert_same_fits(&arrow, &csv, &[formula], &[formula]);
}

#[test]
fn duplicate_names_fail_only_when_used_as_in_csv() {
    let batch = RecordBatch::try_from_iter([
        ("time", Arc::new(Int32Array::from(vec![3, 5, 6, 8])) as ArrayRef),
        ("status", Arc::new(Int32Array::from(vec![1, 1, 0, 1]))),
        ("x", Arc::new(Int32Array::from(vec![1, 2, 3, 4]))),
        ("x", Arc::new(Int32Array::from(vec![4, 3, 2, 1]))),
    ])
    .unwrap();
    let arrow = Table::from_record_batch("dup", &batch).unwrap();
    let csv = Table::from_csv_bytes("dup", b"time,status,x,x\n3,1,1,4\n5,1,2,3\n6,0,3,2\n8,1,4,1\n").unwrap();
    assert_eq!(arrow, csv);
    assert!(KaplanMeier::new("Surv(time, status) ~ 1").fit(&arrow).is_ok());
    let a = Cox::new("Surv(time, status) ~ x").fit(&arrow).unwrap_err();
    let c = Cox::new("Surv(time, status) ~ x").fit(&csv).unwrap_err();
    assert_eq!(a.to_string(), c.to_string());
    assert_eq!(a.to_string(), "dup: the header names column 'x' more than once");
}

#[test]
fn infinite_values_and_unsupported_types_name_the_column() {
    let batch = RecordBatch::try_from_iter([
        (
            "time",
            Arc::new(Float64Array::from(vec![3.0, f64::INFINITY])) as ArrayRef,
        ),
        ("status", Arc::new(Int32Array::from(vec![1, 1]))),
    ])
    .unwrap();
    let e = Table::from_record_batch("trial", &batch).unwrap_err();
    assert!(matches!(e, DataError::InvalidValue { .. }));
    assert_eq!(
        e.to_string(),
        "trial, record batch 0, row 1, column 'time': value 'inf' is not a finite number"
    );
    let batch = RecordBatch::try_from_iter([
        ("time", Arc::new(Float64Array::from(vec![3.0, 4.0])) as ArrayRef),
        ("randomised", Arc::new(Date32Array::from(vec![19000, 19001]))),
    ])
    .unwrap();
    let e = Table::from_record_batch("trial", &batch).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("trial: column 'randomised' has the Arrow type Date32, which cannot be read"),
        "{e}"
    );
}
