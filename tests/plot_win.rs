//! The pairwise-breakdown figure of the win statistics: its numbers come from the analysis,
//! and it draws as valid SVG through `survkit plot win`.

mod common;

use survkit::plot::{ImageFormat, PlotOptions, WinFigure, render};
use survkit::win::WinOptions;
use survkit::{Columns, SurvData};

const ALS: &str = "datasets/als/als_function_survival_synthetic.csv";

#[test]
fn bars_are_the_pairwise_counts() {
    let columns = Columns::new("time_weeks", "death")
        .group("arm")
        .reference("arm", "placebo")
        .covariates(["alsfrs_change"]);
    let data = SurvData::read_csv(common::repo_path(ALS), &columns).unwrap();
    let figure = WinFigure::build(&data, &PlotOptions::default(), &WinOptions::new("alsfrs_change")).unwrap();
    let pairs: Vec<u64> = figure.bars.iter().map(|b| b.pairs).collect();
    assert_eq!(pairs, vec![2735, 1622, 5302, 4203, 538]);
    let total: f64 = figure.bars.iter().map(|b| b.percent).sum();
    assert!((total - 100.0).abs() < 1e-9);
    let svg = String::from_utf8(render(&figure, ImageFormat::Svg, (900, 640)).unwrap()).unwrap();
    roxmltree::Document::parse(&svg).expect("SVG parses");
    assert!(svg.contains("decided on death") && svg.contains("Win ratio 1.380"));
}

/// `survkit plot win` on the ALS set with the given score arguments, written to `out`.
fn plot(score: &[&str], out: &str) -> std::process::Output {
    let mut args = vec![
        "plot",
        "win",
        ALS,
        "--time",
        "time_weeks",
        "--event",
        "death",
        "--group",
        "arm",
        "--reference",
        "arm=placebo",
    ];
    args.extend(score);
    args.extend(["-o", out]);
    common::survkit(&args)
}

#[test]
fn cli_writes_the_figure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("win.svg");
    let run = plot(&["--score", "alsfrs_change"], out.to_str().unwrap());
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().contains("placebo wins"));
    // without --score: bad usage
    assert_eq!(plot(&[], "x.svg").status.code(), Some(2));
}
