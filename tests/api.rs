//! The library API as the README shows it: load, fit with options, print.

use survkit::{Columns, ConfType, KaplanMeier, KmOptions, LogRank, LogRankOptions, SurvData};

#[test]
fn readme_example_runs_in_three_lines() -> Result<(), Box<dyn std::error::Error>> {
    let path = format!("{}/datasets/lung.csv", env!("CARGO_MANIFEST_DIR"));
    let data = SurvData::read_csv(&path, &Columns::new("time", "status").group("sex"))?;
    let km = KaplanMeier::fit(
        &data,
        &KmOptions {
            conf_type: ConfType::LogLog,
            ..Default::default()
        },
    )?;
    let table = km.to_string();
    assert!(table.contains("median"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with('1') && l.contains("270")),
        "{table}"
    );
    let test = LogRank::test(&data, &LogRankOptions::default())?;
    assert!(
        test.to_string()
            .contains("Chisq = 10.33 on 1 degrees of freedom, p = 0.00131")
    );
    Ok(())
}
