//! A [`Table`] from an Arrow [`RecordBatch`] (cargo feature `arrow`).
//!
//! The batch's columns become the table's columns, in order, under the same rules as a CSV
//! file read with [`Table::read_csv`], so the same data give the same fits whichever way they
//! arrive:
//!
//! | Arrow type | column |
//! |---|---|
//! | `Int8`…`Int64`, `UInt8`…`UInt64` | numeric (each value read as its decimal text is, as CSV is) |
//! | `Float16`, `Float32`, `Float64` | numeric; `Float16`/`Float32` widened exactly to `f64`, as Arrow's cast and R's `arrow` package widen them |
//! | `Boolean` | numeric, `true` = 1 and `false` = 0 (so `Surv(time, status)` takes a logical status, as R's does) |
//! | `Utf8`, `LargeUtf8`, `Utf8View` | text, read as a CSV field is |
//! | a `Dictionary` of strings, integers or floats | categorical (a factor, as R's `arrow` package reads a dictionary), even when every label is a number ([`Column::categorical`]) |
//! | `Null` | every value missing |
//!
//! - Missing values: a null, and NaN in a float column. A string cell is trimmed of spaces and
//!   is missing when it is empty, `NA`, `NaN`, `N/A` or `.`, as in CSV ([`crate::data`]).
//! - A string column whose every present value is a finite number is numeric, as the same
//!   text read from CSV is; write `factor(x)` in the formula to make it categorical.
//! - An infinite float (`inf`, `-inf`) is an error naming the record batch (or the row group
//!   of a Parquet file) and the row within it, both counting from 0, the column and the value:
//!   a survival time, weight or covariate must be finite. (A CSV column holding the text `inf`
//!   is read as text instead; an Arrow float column is numeric by its type, so it is refused
//!   rather than turned into labels.)
//! - Any other type (dates, timestamps, decimals, binary, lists, structs, ...) is an error
//!   naming the column and its Arrow type: cast it first (a date to days since an origin, a
//!   decimal to `Float64`).
//! - Column names are kept as they are; a name given to two columns is an error only when a
//!   model uses it, as for a CSV header ([`DataError::DuplicateColumn`]).
//! - Messages name a row by its record batch and its row within it, both from 0 ("record
//!   batch 0, row 13"); the numbers kept for the rows ([`Table::lines`], and in JSON the
//!   `lines` of the dropped rows) are each row's index plus 2, as if a header came first, as
//!   for every table built in memory, so that they equal a CSV file's lines for the same data.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use crate::data::{DataError, Rule};
use crate::table::{Column, RowLayout, Table};

impl Table {
    /// A table of the columns of an Arrow `RecordBatch`; `name` names it in messages. The
    /// types and missing values are read as the [module documentation](crate::arrow_input)
    /// says: the same data read from CSV give the same table and the same fits.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int32Array, RecordBatch, StringArray};
    /// use survkit::{Cox, KaplanMeier, Table};
    ///
    /// let batch = RecordBatch::try_from_iter([
    ///     ("time", Arc::new(Float64Array::from(vec![5.0, 8.0, 12.0, 20.0, 23.0, 30.0])) as ArrayRef),
    ///     ("died", Arc::new(BooleanArray::from(vec![true, false, true, true, false, true])) as ArrayRef),
    ///     ("age", Arc::new(Int32Array::from(vec![Some(61), Some(70), None, Some(55), Some(66), Some(58)])) as ArrayRef),
    ///     ("arm", Arc::new(StringArray::from(vec!["a", "b", "a", "b", "a", "b"])) as ArrayRef),
    /// ])?;
    /// let trial = Table::from_record_batch("trial", &batch)?;
    /// let km = KaplanMeier::new("Surv(time, died) ~ arm").fit(&trial)?;
    /// assert_eq!(km.curves.len(), 2);
    /// let cox = Cox::new("Surv(time, died) ~ age").fit(&trial)?;
    /// assert_eq!(cox.n, 5); // the row missing age is dropped
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_record_batch(name: &str, batch: &RecordBatch) -> Result<Table, DataError> {
        Table::from_record_batch_in(name, batch, RowLayout::RecordBatches([0].into()))
    }

    /// A table of the columns of `batch`, whose rows `layout` names in messages (the row
    /// groups of a Parquet file, the record batches of an Arrow file, joined into `batch`).
    pub(crate) fn from_record_batch_in(name: &str, batch: &RecordBatch, layout: RowLayout) -> Result<Table, DataError> {
        Table::from_record_batch_at(name, batch, layout, 2)
    }

    /// As [`Table::from_record_batch_in`] for a part of a file whose first row is numbered
    /// `first_line` (row `i` of the file is line `i + 2`).
    pub(crate) fn from_record_batch_at(
        name: &str,
        batch: &RecordBatch,
        layout: RowLayout,
        first_line: u64,
    ) -> Result<Table, DataError> {
        let schema = batch.schema();
        let columns = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, array)| {
                column(field.name(), array.as_ref()).map_err(|r| r.error(name, field.name(), &layout, first_line))
            })
            .collect::<Result<Vec<Column>, DataError>>()?;
        let n = batch.num_rows() as u64;
        let table = Table::from_columns(name, columns)?;
        Ok(Table::with_layout(
            table,
            (first_line..first_line + n).collect(),
            layout,
        ))
    }
}

/// Why a column cannot be read.
enum Refused {
    /// An infinite float in row `row` (from 0) of the array.
    Infinite { row: usize, value: f64 },
    /// A type that has no column.
    Type(DataType),
    /// A refused value or type in the values of a dictionary of type `dictionary`.
    InDictionary {
        refused: Box<Refused>,
        dictionary: DataType,
    },
}

impl Refused {
    /// The error about column `column` of `source`, whose rows `layout` names.
    fn error(self, source: &str, column: &str, layout: &RowLayout, first_line: u64) -> DataError {
        let invalid = |message: String| DataError::Invalid {
            file: source.to_string(),
            message,
        };
        match self {
            Refused::Infinite { row, value } => DataError::InvalidValue {
                file: source.to_string(),
                location: layout.locate(row as u64 + first_line),
                column: column.to_string(),
                value: value.to_string(),
                rule: Rule::NotFinite,
            },
            Refused::Type(data_type) => invalid(format!(
                "column '{column}' has the Arrow type {data_type}, which cannot be read: use integers, floats, \
                 booleans or strings (Utf8, LargeUtf8, Utf8View, or a dictionary of them); cast it first"
            )),
            Refused::InDictionary { refused, dictionary } => match *refused {
                Refused::Infinite { row, value } => invalid(format!(
                    "column '{column}': value {row} of its dictionary ({dictionary}), counting from 0, is {value}, \
                     not a finite number"
                )),
                other => match other.error(source, column, layout, first_line) {
                    DataError::Invalid { file, message } => DataError::Invalid {
                        file,
                        message: format!("{message} (in the values of its dictionary, {dictionary})"),
                    },
                    error => error,
                },
            },
        }
    }
}

/// One column of the batch, its cells read as the text a CSV file would hold.
fn column(name: &str, array: &dyn Array) -> Result<Column, Refused> {
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        return categorical(name, array, dictionary);
    }
    let n = array.len();
    let cells = match array.data_type() {
        DataType::Int8 => integers::<Int8Type>(array),
        DataType::Int16 => integers::<Int16Type>(array),
        DataType::Int32 => integers::<Int32Type>(array),
        DataType::Int64 => integers::<Int64Type>(array),
        DataType::UInt8 => integers::<UInt8Type>(array),
        DataType::UInt16 => integers::<UInt16Type>(array),
        DataType::UInt32 => integers::<UInt32Type>(array),
        DataType::UInt64 => integers::<UInt64Type>(array),
        DataType::Float16 => floats::<Float16Type>(array, |v| f64::from(v.to_f32())),
        DataType::Float32 => floats::<Float32Type>(array, f64::from),
        DataType::Float64 => floats::<Float64Type>(array, |v| v),
        DataType::Boolean => array.as_boolean_opt().map(|a| {
            Ok(Cells::Borrowed(
                a.iter().map(|v| v.map(|b| if b { "1" } else { "0" })).collect(),
            ))
        }),
        DataType::Null => Some(Ok(Cells::Borrowed(vec![None; n]))),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => strings(array).map(|c| Ok(Cells::Borrowed(c))),
        _ => None,
    };
    match cells {
        Some(Ok(Cells::Borrowed(cells))) => Ok(Column::labels(name, cells)),
        Some(Ok(Cells::Printed(printed))) => Ok(Column::labels(name, printed.cells())),
        Some(Ok(Cells::Numbers(numbers))) => Ok(Column::numeric(name, numbers)),
        Some(Err(Infinite { row, value })) => Err(Refused::Infinite { row, value }),
        None => Err(Refused::Type(array.data_type().clone())),
    }
}

/// The cells of one column: borrowed from the array (strings), printed as text (integers,
/// whose text keeps every digit for labels), or numbers (floats, NaN missing).
enum Cells<'a> {
    Borrowed(Vec<Option<&'a str>>),
    Printed(Printed),
    Numbers(Vec<f64>),
}

/// The first infinite value of a float column.
struct Infinite {
    row: usize,
    value: f64,
}

/// Numbers printed one after another into one buffer (no allocation per cell).
struct Printed {
    buffer: String,
    spans: Vec<Option<(usize, usize)>>,
}

impl Printed {
    fn with_capacity(n: usize) -> Printed {
        Printed {
            buffer: String::with_capacity(n * 4),
            spans: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, value: Option<impl std::fmt::Display>) {
        use std::fmt::Write;
        self.spans.push(value.map(|v| {
            let start = self.buffer.len();
            // writing to a String cannot fail
            let _ = write!(self.buffer, "{v}");
            (start, self.buffer.len())
        }));
    }

    fn cells(&self) -> Vec<Option<&str>> {
        self.spans
            .iter()
            .map(|span| span.and_then(|(start, end)| self.buffer.get(start..end)))
            .collect()
    }
}

fn integers<'a, T: ArrowPrimitiveType>(array: &dyn Array) -> Option<Result<Cells<'a>, Infinite>>
where
    T::Native: std::fmt::Display,
{
    let array = array.as_primitive_opt::<T>()?;
    let mut printed = Printed::with_capacity(array.len());
    for value in array.iter() {
        printed.push(value);
    }
    Some(Ok(Cells::Printed(printed)))
}

/// Floats widened to `f64`; NaN is missing, as in [`Column::numeric`].
fn floats<'a, T: ArrowPrimitiveType>(
    array: &dyn Array,
    widen: impl Fn(T::Native) -> f64,
) -> Option<Result<Cells<'a>, Infinite>> {
    let array = array.as_primitive_opt::<T>()?;
    let mut numbers = Vec::with_capacity(array.len());
    for (row, value) in array.iter().enumerate() {
        match value.map(&widen) {
            Some(value) if value.is_infinite() => return Some(Err(Infinite { row, value })),
            value => numbers.push(value.unwrap_or(f64::NAN)),
        }
    }
    Some(Ok(Cells::Numbers(numbers)))
}

fn strings(array: &dyn Array) -> Option<Vec<Option<&str>>> {
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string_opt::<i32>()?.iter().collect()),
        DataType::LargeUtf8 => Some(array.as_string_opt::<i64>()?.iter().collect()),
        DataType::Utf8View => Some(array.as_string_view_opt()?.iter().collect()),
        _ => None,
    }
}

/// A dictionary: a factor whatever its labels, each row's label its value read as a column of
/// the dictionary's value type is (strings as text, integers as their digits, floats as
/// numbers).
fn categorical(
    name: &str,
    array: &dyn Array,
    dictionary: &dyn arrow_array::AnyDictionaryArray,
) -> Result<Column, Refused> {
    let values = column(name, dictionary.values().as_ref()).map_err(|refused| Refused::InDictionary {
        refused: Box::new(refused),
        dictionary: array.data_type().clone(),
    })?;
    if values.is_empty() {
        // a valid dictionary with no values has only null keys (and normalized_keys panics)
        return Ok(Column::categorical(name, vec![None::<&str>; array.len()]));
    }
    let keys = dictionary.normalized_keys();
    let labels: Vec<Option<&str>> = (0..array.len())
        .map(|row| match array.is_null(row) {
            true => None,
            false => keys.get(row).and_then(|&key| values.text(key)),
        })
        .collect();
    Ok(Column::categorical(name, labels))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Int8Type;
    use arrow_array::{
        ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float16Array, Float32Array, Float64Array, Int64Array,
        LargeStringArray, NullArray, StringArray, StringViewArray, UInt64Array,
    };

    use super::*;
    use crate::table::ColumnKind;

    type F16 = <Float16Type as ArrowPrimitiveType>::Native;

    fn table(columns: Vec<(&str, ArrayRef)>) -> Result<Table, DataError> {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        Table::from_record_batch("batch", &batch)
    }

    fn numbers(t: &Table, column: &str) -> Vec<f64> {
        t.column(column).unwrap().numbers().unwrap().to_vec()
    }

    #[test]
    fn numbers_booleans_and_missing() {
        let t = table(vec![
            (
                "f64",
                Arc::new(Float64Array::from(vec![Some(1.5), None, Some(f64::NAN)])) as ArrayRef,
            ),
            ("f32", Arc::new(Float32Array::from(vec![0.1f32, 2.0, -3.25]))),
            (
                "f16",
                Arc::new(Float16Array::from(vec![
                    F16::from_f32(0.1),
                    F16::ONE,
                    F16::from_f32(2.0),
                ])),
            ),
            ("i64", Arc::new(Int64Array::from(vec![Some(-7), Some(0), None]))),
            ("u64", Arc::new(UInt64Array::from(vec![u64::MAX, 1, 2]))),
            (
                "bool",
                Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
            ),
            ("null", Arc::new(NullArray::new(3))),
        ])
        .unwrap();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.lines(), &[2, 3, 4]);
        let f64s = numbers(&t, "f64");
        assert_eq!(f64s[0], 1.5);
        assert!(f64s[1].is_nan() && f64s[2].is_nan());
        assert_eq!(t.column("f64").unwrap().n_missing(), 2);
        assert_eq!(numbers(&t, "f32"), vec![f64::from(0.1f32), 2.0, -3.25]);
        assert_eq!(numbers(&t, "f16"), vec![0.0999755859375, 1.0, 2.0]);
        assert_eq!(numbers(&t, "i64")[..2], [-7.0, 0.0]);
        // integers are read as their text is in CSV: u64::MAX parses to the nearest f64
        assert_eq!(t.column("u64").unwrap().text(0), Some("18446744073709551615"));
        assert_eq!(numbers(&t, "u64")[0], "18446744073709551615".parse::<f64>().unwrap());
        assert_eq!(numbers(&t, "bool")[..2], [1.0, 0.0]);
        assert_eq!(t.column("bool").unwrap().n_missing(), 1);
        assert_eq!(t.column("null").unwrap().n_missing(), 3);
    }

    #[test]
    fn strings_follow_the_csv_rules() {
        let t = table(vec![
            (
                "utf8",
                Arc::new(StringArray::from(vec![Some(" a "), Some("NA"), None])) as ArrayRef,
            ),
            ("large", Arc::new(LargeStringArray::from(vec!["x", ".", "y"]))),
            ("view", Arc::new(StringViewArray::from(vec!["1", "2.5", "N/A"]))),
        ])
        .unwrap();
        let utf8 = t.column("utf8").unwrap();
        assert_eq!(utf8.kind(), ColumnKind::Text);
        assert_eq!((utf8.text(0), utf8.text(1), utf8.text(2)), (Some("a"), None, None));
        assert_eq!(t.column("large").unwrap().n_missing(), 1);
        // numbers written as text make a numeric column, as in CSV
        assert_eq!(t.column("view").unwrap().kind(), ColumnKind::Numeric);
        assert_eq!(numbers(&t, "view")[..2], [1.0, 2.5]);
    }

    #[test]
    fn dictionaries_of_strings() {
        let keys = arrow_array::Int8Array::from(vec![Some(1), None, Some(0), Some(2), Some(1)]);
        let values = Arc::new(StringArray::from(vec![Some("ctrl"), Some("trt"), None]));
        let dict = DictionaryArray::<Int8Type>::try_new(keys, values).unwrap();
        let empty = DictionaryArray::<Int8Type>::try_new(
            arrow_array::Int8Array::from(vec![None; 5]),
            Arc::new(StringArray::from(Vec::<&str>::new())),
        )
        .unwrap();
        let t = table(vec![("arm", Arc::new(dict) as ArrayRef), ("none", Arc::new(empty))]).unwrap();
        let arm = t.column("arm").unwrap();
        let cells: Vec<Option<&str>> = (0..5).map(|row| arm.text(row)).collect();
        assert_eq!(cells, vec![Some("trt"), None, Some("ctrl"), None, Some("trt")]);
        assert_eq!(t.column("none").unwrap().n_missing(), 5);
    }

    #[test]
    fn infinite_values_and_other_types_are_errors() {
        let e = table(vec![(
            "age",
            Arc::new(Float64Array::from(vec![60.0, 70.0, f64::NEG_INFINITY])) as ArrayRef,
        )])
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "batch, record batch 0, row 2, column 'age': value '-inf' is not a finite number"
        );
        assert!(matches!(
            e,
            DataError::InvalidValue {
                location: crate::data::Location::RecordBatch { batch: 0, row: 2 },
                ..
            }
        ));
        let e = table(vec![(
            "w",
            Arc::new(Float32Array::from(vec![f32::INFINITY])) as ArrayRef,
        )])
        .unwrap_err();
        assert!(
            e.to_string().contains("record batch 0, row 0, column 'w': value 'inf'"),
            "{e}"
        );
        let e = table(vec![("entered", Arc::new(Date32Array::from(vec![18000])) as ArrayRef)]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("batch: column 'entered' has the Arrow type Date32, which cannot be read"),
            "{e}"
        );
        let keys = arrow_array::Int8Array::from(vec![0]);
        let dict = DictionaryArray::<Int8Type>::try_new(keys, Arc::new(Date32Array::from(vec![18000]))).unwrap();
        let e = table(vec![("d", Arc::new(dict) as ArrayRef)]).unwrap_err();
        assert!(
            e.to_string()
                .contains("the values of its dictionary, Dictionary(Int8, Date32)"),
            "{e}"
        );
        let keys = arrow_array::Int8Array::from(vec![0, 1]);
        let values = Arc::new(Float64Array::from(vec![1.5, f64::INFINITY]));
        let dict = DictionaryArray::<Int8Type>::try_new(keys, values).unwrap();
        let e = table(vec![("x", Arc::new(dict) as ArrayRef)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "batch: column 'x': value 1 of its dictionary (Dictionary(Int8, Float64)), counting from 0, is inf, \
             not a finite number"
        );
    }
}
