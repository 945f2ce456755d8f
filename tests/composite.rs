//! Composite endpoints (`survkit::composite`): counts checked by hand on a small file, the
//! errors for impossible rows, and the rule (time = the first present time, status = its
//! component) under proptest.

use proptest::prelude::*;
use survkit::competing::{Cif, CifOptions};
use survkit::composite::{Composite, CompositeOptions};
use survkit::{Column, CompetingData, DataError, Table};

/// Ten rows of two arms. Line by line (the header is line 1):
///
/// | line | arm | death | pav | last | outcome, and why |
/// |---|---|---|---|---|---|
/// |  2 | a | 10   |     | 12   | death at 10: the only event, before last seen |
/// |  3 | a |      | 4   | 9    | pav at 4: the only event |
/// |  4 | a | 8    | 3   | 8    | pav at 3: PAV (3) came before death (8); the death is recorded but not first |
/// |  5 | a |      |     | 15   | censored at 15: no event |
/// |  6 | a | 7    | 7   | 7    | death at 7: a tie, death is listed first (counted as a tie) |
/// |  7 | b |      |     |      | dropped: no event and no last follow-up |
/// |  8 | b | 5    |     |      | death at 5: the event time is enough without a last follow-up |
/// |  9 | b |      | 6   | 6    | pav at 6: an event on the last day seen is allowed |
/// | 10 | b |      |     | 20.5 | censored at 20.5 |
/// | 11 | b | 0    |     | 3    | death at 0: a zero time is a time |
///
/// Totals: death 4 (lines 2, 6, 8, 11), pav 3 (3, 4, 9), censored 2 (5, 10), dropped 1 (7),
/// ties 1 (6), 10 rows read, 9 kept. By arm: a: death 2, pav 2, censored 1;
/// b: death 2, pav 1, censored 1 (and the dropped row).
const HAND: &[u8] = b"arm,death_time,pav_time,last_seen
a,10,,12
a,,4,9
a,8,3,8
a,,,15
a,7,7,7
b,,,
b,5,,
b,,6,6
b,,,20.5
b,0,,3
";

fn als_options() -> CompositeOptions {
    CompositeOptions::new("last_seen")
        .component("death", "death_time")
        .component("pav", "pav_time")
}

fn build(csv: &[u8]) -> Result<Composite, DataError> {
    Composite::build(&Table::from_csv_bytes("hand.csv", csv)?, &als_options())
}

#[test]
fn hand_counted_small_file() {
    let composite = build(HAND).unwrap();
    let table = composite.table();
    let column = |name: &str| {
        let c = table.column(name).unwrap();
        (0..c.len())
            .map(|row| c.text(row).unwrap_or("NA").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(column("time"), ["10", "4", "3", "15", "7", "5", "6", "20.5", "0"]);
    assert_eq!(
        column("status"),
        ["death", "pav", "pav", "0", "death", "death", "pav", "0", "death"]
    );
    // every original column is kept, the dropped row (line 7) left out
    assert_eq!(column("arm"), ["a", "a", "a", "a", "a", "b", "b", "b", "b"]);
    assert_eq!(column("last_seen")[5], "NA");
    assert_eq!(table.lines(), [2, 3, 4, 5, 6, 8, 9, 10, 11]);

    let summary = composite.summary();
    let first: Vec<(&str, usize)> = summary
        .components
        .iter()
        .map(|c| (c.label.as_str(), c.first_events))
        .collect();
    assert_eq!(first, [("death", 4), ("pav", 3)]);
    assert_eq!(
        (summary.n_rows, summary.n_kept, summary.n_events, summary.n_censored),
        (10, 9, 7, 2)
    );
    assert_eq!(
        (summary.dropped_rows.count, &summary.dropped_rows.lines[..]),
        (1, &[7][..])
    );
    assert_eq!(summary.dropped_rows.by_column[0].column, "last_seen");
    assert_eq!((summary.ties.count, &summary.ties.lines[..]), (1, &[6][..]));
    assert_eq!(
        summary.warnings,
        [
            "1 row has two or more components at the first event time (line 6); the component listed first was taken (priority: death > pav)"
        ]
    );

    // the first events of each kind per arm, as the competing-risks analyses count them
    let competing = CompetingData::from_table(table, &composite.columns().group("arm"), &summary.censor_value).unwrap();
    assert_eq!(competing.causes(), ["death", "pav"]);
    let fit = Cif::fit(&competing, &CifOptions::default()).unwrap();
    let per_arm: Vec<(Option<&str>, &str, f64)> = fit
        .curves
        .iter()
        .map(|c| (c.group.as_deref(), c.cause.as_str(), c.events))
        .collect();
    assert_eq!(
        per_arm,
        [
            (Some("a"), "death", 2.0),
            (Some("a"), "pav", 2.0),
            (Some("b"), "death", 2.0),
            (Some("b"), "pav", 1.0)
        ]
    );
}

#[test]
fn the_csv_written_reads_back_as_the_same_columns() {
    let composite = build(HAND).unwrap();
    let text = composite.table().to_csv();
    assert!(text.starts_with("arm,death_time,pav_time,last_seen,time,status\na,10,NA,12,10,death\n"));
    let read = Table::from_csv_bytes("out.csv", text.as_bytes()).unwrap();
    assert_eq!(read.columns(), composite.table().columns());
}

#[test]
fn event_column_and_names_and_censoring_value() {
    let options = als_options()
        .time_name("t_first")
        .status_name("first")
        .event_name("any")
        .censor_value("censored");
    let composite = Composite::build(&Table::from_csv_bytes("hand.csv", HAND).unwrap(), &options).unwrap();
    let table = composite.table();
    assert_eq!(
        table.names()[4..],
        ["t_first".to_string(), "first".into(), "any".into()]
    );
    assert_eq!(
        table.column("any").unwrap().numbers().unwrap(),
        [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0]
    );
    assert_eq!(table.column("first").unwrap().text(3), Some("censored"));
    let competing = CompetingData::from_table(table, &composite.columns(), "censored").unwrap();
    assert_eq!(competing.cause_codes(), [1, 2, 2, 0, 1, 1, 2, 0, 1]);
}

#[test]
fn impossible_rows_name_file_line_column_and_value() {
    let message = |csv: &str| build(csv.as_bytes()).unwrap_err().to_string();
    let after = "is after the censoring time";
    let cannot = "an event cannot come after the last follow-up";
    let negative = "is negative: survival times must be ≥ 0";
    // the third line of a file whose second is a good row; any component after the
    // censoring time is refused, not only the first event
    for (third, expected) in [
        (
            "a,,13,12.5",
            format!("column 'pav_time': value '13' {after} 12.5 (column 'last_seen'): {cannot}"),
        ),
        (
            "a,4,20,12",
            format!("column 'pav_time': value '20' {after} 12 (column 'last_seen'): {cannot}"),
        ),
        ("a,,-1,12", format!("column 'pav_time': value '-1' {negative}")),
        ("a,,,-2", format!("column 'last_seen': value '-2' {negative}")),
        (
            "a,1O,,12",
            "column 'death_time': value '1O' is not a finite number".to_string(),
        ),
        (
            "a,inf,,12",
            "column 'death_time': value 'inf' is not a finite number".to_string(),
        ),
    ] {
        let csv = format!("arm,death_time,pav_time,last_seen\na,10,,12\n{third}\n");
        assert_eq!(message(&csv), format!("hand.csv, line 3, {expected}"));
    }
    assert!(message("arm,death_time,pav_time,last_seen\nb,,,\n").contains("every row has a missing value"));
    assert!(message("arm,death_time,pav_time,last_seen\n").contains("no data rows"));
    assert!(message("arm,death_time,last_seen\na,1,2\n").contains("no column named 'pav_time'"));
    assert!(message("arm,death_time,pav_time,last_seen,last_seen\na,1,2,3,4\n").contains("more than once"));
}

/// One row: each component's time (None: did not happen) and the censoring time.
type Row = (Vec<Option<f64>>, Option<f64>);

fn row(k: usize) -> impl Strategy<Value = Row> {
    // whole numbers 0..6 make ties common; the quarter steps give other orders
    let time = prop_oneof![
        (0u8..6).prop_map(f64::from),
        (0u32..40).prop_map(|q| f64::from(q) / 4.0)
    ];
    (
        prop::collection::vec(prop::option::of(time), k),
        prop::option::of(0u32..20),
    )
        .prop_map(|(events, extra)| {
            let latest = events.iter().flatten().copied().fold(0.0, f64::max);
            // the censoring time is at or after every event (an impossible row is another test)
            (events, extra.map(|e| latest + f64::from(e) / 2.0))
        })
}

fn rows() -> impl Strategy<Value = (usize, Vec<Row>)> {
    (1usize..5).prop_flat_map(|k| (Just(k), prop::collection::vec(row(k), 1..40)))
}

proptest! {
    #[test]
    fn time_is_the_first_present_time_and_status_its_component((k, rows) in rows()) {
        let labels: Vec<String> = (0..k).map(|c| format!("cause{c}")).collect();
        let mut columns: Vec<Column> = (0..k)
            .map(|c| Column::numeric(format!("t{c}"), rows.iter().map(|r| r.0[c].unwrap_or(f64::NAN)).collect()))
            .collect();
        columns.push(Column::numeric("last", rows.iter().map(|r| r.1.unwrap_or(f64::NAN)).collect()));
        let mut options = CompositeOptions::new("last");
        for (c, label) in labels.iter().enumerate() {
            options = options.component(label, format!("t{c}"));
        }
        let outcome = Composite::build(&Table::from_columns("mem", columns).unwrap(), &options);

        let followed: Vec<usize> =
            (0..rows.len()).filter(|&i| rows[i].0.iter().any(Option::is_some) || rows[i].1.is_some()).collect();
        if followed.is_empty() {
            let all_dropped = matches!(outcome, Err(DataError::AllDropped { .. }));
            prop_assert!(all_dropped);
            return Ok(());
        }
        let composite = outcome.unwrap();
        let table = composite.table();
        let time = table.column("time").unwrap().numbers().unwrap();
        let status = table.column("status").unwrap();
        prop_assert_eq!(time.len(), followed.len());
        let mut ties = 0;
        for (out, &i) in followed.iter().enumerate() {
            let (events, censor) = &rows[i];
            // the minimum over the present component times and the censoring time
            let minimum = events.iter().flatten().chain(censor).copied().fold(f64::INFINITY, f64::min);
            prop_assert_eq!(time[out], minimum);
            let first = events.iter().position(|t| *t == Some(minimum));
            let expected = first.map_or("0", |c| labels[c].as_str());
            prop_assert_eq!(status.text(out), Some(expected));
            if events.iter().filter(|t| **t == Some(minimum)).count() > 1 {
                ties += 1;
            }
        }
        let summary = composite.summary();
        prop_assert_eq!(summary.ties.count, ties);
        prop_assert_eq!(summary.dropped_rows.count, rows.len() - followed.len());
        let firsts: usize = summary.components.iter().map(|c| c.first_events).sum();
        prop_assert_eq!(firsts + summary.n_censored, followed.len());
    }
}
