//! The pairwise-breakdown figure of the win statistics: its numbers come from the analysis,
//! and it draws as valid SVG through `survkit plot win`.

mod common;

use survkit::plot::{CafsFigure, ImageFormat, PlotOptions, WinFigure, render};
use survkit::win::{CafsOptions, WinOptions};
use survkit::{Columns, SurvData};

const ALS: &str = common::ALS_FUNCTION;

fn als() -> SurvData {
    let columns = Columns::new("time_weeks", "death")
        .group("arm")
        .reference("arm", "placebo")
        .covariates(["alsfrs_change"]);
    SurvData::read_csv(common::repo_path(ALS), &columns).unwrap()
}

#[test]
fn bars_are_the_pairwise_counts() {
    let data = als();
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
    let mut args = vec!["plot", "win", ALS];
    args.extend(&common::ALS_FUNCTION_COLUMNS[..6]);
    args.extend(["--reference", "arm=placebo"]);
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

#[test]
fn cafs_figure_has_every_rank() {
    let data = als();
    let figure = CafsFigure::build(&data, &PlotOptions::default(), &CafsOptions::new("alsfrs_change")).unwrap();
    assert_eq!(figure.arms[0].group, "placebo");
    assert_eq!((figure.arms[0].ranks.len(), figure.arms[1].ranks.len()), (120, 120));
    // the ranks are 1..=240 with ties averaged: they sum to 240·241/2
    let total: f64 = figure.arms.iter().flat_map(|a| &a.ranks).sum();
    assert_eq!(total, 240.0 * 241.0 / 2.0);
    let svg = String::from_utf8(render(&figure, ImageFormat::Svg, (900, 640)).unwrap()).unwrap();
    roxmltree::Document::parse(&svg).expect("SVG parses");
    assert!(svg.contains("mean rank 111.1"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cafs.png");
    let mut args = vec!["plot", "cafs", ALS];
    args.extend(common::ALS_FUNCTION_COLUMNS);
    args.extend(["-o", out.to_str().unwrap()]);
    let run = common::survkit(&args);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
}
