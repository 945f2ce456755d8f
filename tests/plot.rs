//! Figures: every kind renders to valid SVG and PNG of the requested size, twice to the same
//! bytes, and the SVG matches its committed golden file in `tests/golden/`.
//!
//! After an intended change of a figure, regenerate the goldens and review the diff:
//! `SURVKIT_UPDATE_GOLDEN=1 cargo test --release --test plot`.

mod common;

use std::path::PathBuf;

use common::survkit;

use survkit::bootstrap::{BootstrapOptions, Statistic};
use survkit::competing::{CifOptions, CompetingData};
use survkit::fragility::SurvivalOptions;
use survkit::multiplicity::Adjustment;
use survkit::plot::forest::ArmsOptions;
use survkit::plot::{
    BootstrapFigure, CifFigure, CifLayout, CifPlotOptions, Figure, ForestFigure, FragilityFigure, ImageFormat,
    KmFigure, KmPlotOptions, LogLogFigure, PlotOptions, SchoenfeldFigure, SurvivalScale, TimeUnit, render,
};
use survkit::{Columns, RmstOptions, SurvData};

fn lung(extra: impl FnOnce(Columns) -> Columns) -> SurvData {
    let columns = Columns::new("time", "status").group("sex");
    SurvData::read_csv(manifest("datasets/lung.csv"), &extra(columns)).expect("lung loads")
}

fn manifest(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Renders `figure` in both formats and checks them; compares the SVG with `golden`.
fn check(figure: &impl Figure, size: (u32, u32), golden: &str) {
    let svg = render(figure, ImageFormat::Svg, size).expect("renders SVG");
    assert_eq!(
        svg,
        render(figure, ImageFormat::Svg, size).unwrap(),
        "{golden}: SVG differs between runs"
    );
    let text = String::from_utf8(svg).expect("SVG is UTF-8");
    let document = roxmltree::Document::parse(&text).expect("SVG parses as XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some(size.0.to_string().as_str()));
    assert_eq!(root.attribute("height"), Some(size.1.to_string().as_str()));

    let png = render(figure, ImageFormat::Png, size).expect("renders PNG");
    assert_eq!(
        png,
        render(figure, ImageFormat::Png, size).unwrap(),
        "{golden}: PNG differs between runs"
    );
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().expect("PNG decodes");
    assert_eq!((reader.info().width, reader.info().height), size);

    let path = manifest(&format!("tests/golden/{golden}.svg"));
    if std::env::var_os("SURVKIT_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).expect("writes golden");
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{}: missing golden; run with SURVKIT_UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == text,
        "{golden}: the SVG differs from {}; if intended, rerun with SURVKIT_UPDATE_GOLDEN=1 and review the diff",
        path.display()
    );
}

#[test]
fn km_with_risk_table_matches_golden() {
    let data = lung(|c| c.covariates(["sex"]).factors(["sex"]));
    let options = KmPlotOptions {
        ci: true,
        median: true,
        risk_table: true,
        annotate: true,
        ..Default::default()
    };
    let figure = KmFigure::build(&data, &PlotOptions::default(), &options).unwrap();
    check(&figure, (900, 640), "km_lung");
}

#[test]
fn km_at_risk_counts_are_rs_summary_times() {
    // R: summary(survfit(Surv(time, status) ~ sex, lung), times = c(0, 180, 360, 540, 720, 900))$n.risk
    let figure = KmFigure::build(&lung(|c| c), &PlotOptions::default(), &KmPlotOptions::default()).unwrap();
    let ticks: Vec<f64> = figure.ticks.iter().map(|t| t.value).collect();
    assert_eq!(ticks, [0.0, 180.0, 360.0, 540.0, 720.0, 900.0]);
    assert_eq!(figure.at_risk[0].n_risk, [138.0, 89.0, 37.0, 17.0, 7.0, 2.0]);
    assert_eq!(figure.at_risk[1].n_risk, [90.0, 71.0, 33.0, 16.0, 7.0, 1.0]);
}

#[test]
fn km_in_months_event_and_cumhaz_scales() {
    let data = lung(|c| c);
    let layout = PlotOptions {
        time_unit: TimeUnit::Months,
        ..Default::default()
    };
    for (scale, golden) in [
        (SurvivalScale::Event, "km_event_months"),
        (SurvivalScale::Cumhaz, "km_cumhaz_months"),
    ] {
        let options = KmPlotOptions {
            scale,
            ci: true,
            risk_table: true,
            ..Default::default()
        };
        let figure = KmFigure::build(&data, &layout, &options).unwrap();
        let ticks: Vec<f64> = figure.ticks.iter().map(|t| t.value).collect();
        assert_eq!(ticks, [0.0, 6.0, 12.0, 18.0, 24.0, 30.0]);
        check(&figure, (900, 640), golden);
    }
}

/// Runs `survkit plot KIND datasets/lung.csv --time time --event status` with more arguments.
fn plot_lung(kind: &str, extra: &[&str]) -> std::process::Output {
    let base = ["plot", kind, "datasets/lung.csv", "--time", "time", "--event", "status"];
    survkit(&[&base[..], extra].concat())
}

#[test]
fn cli_writes_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["km.svg", "km.png"] {
        let out = dir.path().join(name);
        let output = plot_lung(
            "km",
            &[
                "--group",
                "sex",
                "--risk-table",
                "--annotate",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(std::fs::metadata(&out).unwrap().len() > 1000);
    }
}

#[test]
fn cli_refuses_unknown_extension() {
    let output = plot_lung("km", &["-o", "x.jpg"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(".svg or .png"));
}

/// `survkit plot` has one subcommand per figure, each taking only its own options.
#[test]
fn each_figure_takes_only_its_own_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.svg");
    let out = out.to_str().unwrap();
    for (kind, foreign) in [
        ("km", &["--replicates", "10"][..]),
        ("km", &["--tau", "100"]),
        ("loglog", &["--ci"]),
        ("bootstrap", &["--risk-table"]),
        ("fragility", &["--statistic", "hr"]),
        ("schoenfeld", &["--subgroups", "ph.ecog"]),
        ("forest", &["--alpha", "0.1"]),
    ] {
        let output = plot_lung(kind, &[foreign, &["-o", out]].concat());
        assert_eq!(output.status.code(), Some(2), "plot {kind} {foreign:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("unexpected argument '{}'", foreign[0])),
            "{stderr}"
        );
        assert!(!std::path::Path::new(out).exists());
    }
    let help = survkit(&["plot", "bootstrap", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--replicates") && help.contains("--covariates"), "{help}");
    assert!(
        !help.contains("--risk-table") && !help.contains("--alpha") && !help.contains("--subgroups"),
        "{help}"
    );
    let unknown = plot_lung("pie", &["-o", out]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn bootstrap_histogram_matches_golden() {
    let data = lung(|c| c);
    let options = BootstrapOptions {
        statistic: Statistic::LogHr,
        replicates: 0..200,
        seed: 1,
        ..Default::default()
    };
    let figure = BootstrapFigure::build(&data, &PlotOptions::default(), &options).unwrap();
    assert_eq!(figure.replicates, 200);
    assert_eq!(figure.bins.iter().map(|b| b.count).sum::<usize>(), figure.used);
    assert_eq!(figure.used + figure.degenerate_excluded, 200);
    // R: coxph(Surv(time, status) ~ sex, lung): coef −0.531.
    assert_eq!((figure.estimate * 1000.0).round(), -531.0);
    assert_eq!(figure.intervals.len(), 2);
    assert_eq!(
        figure.footnote(),
        ["B = 200 replicates (seed 1), 200 in the histogram; no degenerate replicates"]
    );
    check(&figure, (900, 640), "bootstrap_lung");
    // The same figure from the command line, in both formats.
    let dir = tempfile::tempdir().unwrap();
    for name in ["bootstrap.svg", "bootstrap.png"] {
        let out = dir.path().join(name);
        let output = plot_lung(
            "bootstrap",
            &[
                "--group",
                "sex",
                "--statistic",
                "log-hr",
                "--replicates",
                "200",
                "--seed",
                "1",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        if name.ends_with(".svg") {
            let golden = std::fs::read_to_string(manifest("tests/golden/bootstrap_lung.svg")).unwrap();
            assert_eq!(
                std::fs::read_to_string(&out).unwrap(),
                golden,
                "CLI and library figures differ"
            );
        }
    }
}

#[test]
fn fragility_path_matches_golden() {
    let data = lung(|c| c);
    let figure = FragilityFigure::build(&data, &PlotOptions::default(), &SurvivalOptions::default()).unwrap();
    // survkit fragility survival datasets/lung.csv --time time --event status --group sex: index 13.
    assert_eq!(figure.fragility_index, Some(13));
    assert_eq!(figure.points.len(), 14);
    assert_eq!(figure.crossing, Some(13));
    assert!(figure.points[12].p_value < 0.05 && figure.points[13].p_value >= 0.05);
    check(&figure, (900, 640), "fragility_lung");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fragility.png");
    let output = plot_lung(
        "fragility",
        &["--group", "sex", "--test", "logrank", "-o", out.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = plot_lung("fragility", &["-o", "x.svg"]);
    assert_eq!(output.status.code(), Some(2), "no group: bad input");
}

#[test]
fn rmst_and_loglog_match_goldens() {
    let data = lung(|c| c);
    let options = KmPlotOptions {
        risk_table: true,
        ..Default::default()
    };
    let rmst = RmstOptions {
        tau: Some(730.0),
        ..Default::default()
    };
    let figure = KmFigure::rmst(&data, &PlotOptions::default(), &options, &rmst).unwrap();
    assert_eq!(figure.shade_to, Some(730.0));
    check(&figure, (900, 640), "rmst_lung");
    let veteran = SurvData::read_csv(
        manifest("datasets/veteran.csv"),
        &Columns::new("time", "status").group("celltype"),
    )
    .unwrap();
    let figure = LogLogFigure::build(&veteran, &PlotOptions::default()).unwrap();
    assert_eq!(figure.curves.len(), 4);
    check(&figure, (900, 640), "loglog_veteran");
}

#[test]
fn schoenfeld_matches_golden_and_rs_cox_zph() {
    let data = SurvData::read_csv(
        manifest("datasets/lung.csv"),
        &Columns::new("time", "status").covariates(["age", "sex"]),
    )
    .unwrap();
    let figure = SchoenfeldFigure::build(&data, &PlotOptions::default()).unwrap();
    // R: cox.zph(coxph(Surv(time, status) ~ age + sex, lung)): p 0.65 (age), 0.11 (sex), 0.25.
    let p: Vec<f64> = figure.panels.iter().map(|p| (p.zph_p_value * 100.0).round()).collect();
    assert_eq!(p, [65.0, 11.0]);
    assert_eq!((figure.global_p_value * 100.0).round(), 25.0);
    assert_eq!(figure.panels[0].points.len(), 165);
    check(&figure, (900, 640), "schoenfeld_lung");
}

#[test]
fn forest_by_terms_and_by_subgroup_match_goldens() {
    let data = SurvData::read_csv(
        manifest("datasets/lung.csv"),
        &Columns::new("time", "status").covariates(["age", "sex", "ph.ecog"]),
    )
    .unwrap();
    let figure = ForestFigure::terms(&data, &PlotOptions::default()).unwrap();
    // R: coxph(Surv(time, status) ~ age + sex + ph.ecog, lung): sex HR 0.575 (0.414–0.799).
    assert_eq!(figure.rows[1].text(), "0.5754 (0.4142–0.7994)");
    check(&figure, figure.fitted_size(), "forest_lung_terms");
    let data = SurvData::read_csv(
        manifest("datasets/lung.csv"),
        &Columns::new("time", "status")
            .covariates(["sex", "ph.ecog"])
            .factors(["sex", "ph.ecog"]),
    )
    .unwrap();
    let figure = ForestFigure::subgroups(&data, "sex", &["ph.ecog".to_string()], &PlotOptions::default()).unwrap();
    let labels: Vec<&str> = figure.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["All", "ph.ecog", "  0", "  1", "  2", "  3"]);
    // One patient with ph.ecog 3: a single arm, no hazard ratio.
    assert_eq!(figure.rows[5].text(), "not estimable");
    assert_eq!((figure.rows[5].n, figure.rows[5].events), (Some(1), Some(1.0)));
    check(&figure, figure.fitted_size(), "forest_lung_subgroups");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("forest.png");
    let output = plot_lung(
        "forest",
        &["--group", "sex", "--subgroups", "ph.ecog", "-o", out.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The height of a PNG file.
fn png_height(path: &std::path::Path) -> u32 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    decoder.read_info().expect("PNG decodes").info().height
}

#[test]
fn a_forest_plot_sizes_itself_to_its_rows_unless_given_a_height() {
    let data = SurvData::read_csv(
        manifest("datasets/lung.csv"),
        &Columns::new("time", "status").covariates(["age", "sex", "ph.ecog"]),
    )
    .unwrap();
    let figure = ForestFigure::terms(&data, &PlotOptions::default()).unwrap();
    assert_eq!(figure.rows.len(), 3);
    // three rows of 30 pixels, a header line, the axis and the margins: no blank two thirds
    assert!(figure.fitted_height() < 250, "{}", figure.fitted_height());
    let dir = tempfile::tempdir().unwrap();
    let fitted = dir.path().join("fitted.png");
    let terms = ["--covariates", "age,sex,ph.ecog"];
    let output = plot_lung("forest", &[&terms[..], &["-o", fitted.to_str().unwrap()]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(png_height(&fitted), figure.fitted_height());
    let given = dir.path().join("given.png");
    let output = plot_lung(
        "forest",
        &[&terms[..], &["--height", "500", "-o", given.to_str().unwrap()]].concat(),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(png_height(&given), 500);
}

/// colon (survival::colon, death records) with rx releveled so Obs is the reference.
fn colon_by_rx() -> SurvData {
    let columns = Columns::new("time", "status").group("rx").reference("rx", "Obs");
    SurvData::read_csv(manifest("datasets/colon.csv"), &columns).expect("colon loads")
}

/// The JSON of `survkit COMMAND datasets/colon.csv --time time --event status ...`.
fn colon_json(command: &str, extra: &[&str]) -> serde_json::Value {
    let base = [command, "datasets/colon.csv", "--time", "time", "--event", "status"];
    let output = survkit(&[&base[..], extra, &["--format", "json"]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The numbers a row draws equal the JSON's `keys`, to the last bit.
fn assert_drawn(label: &str, drawn: &[Option<f64>; 4], json: &serde_json::Value, keys: [&str; 4]) {
    for (ours, key) in drawn.iter().zip(keys) {
        assert_eq!(*ours, json[key].as_f64(), "{label} {key}");
    }
}

#[test]
fn forest_of_arms_draws_the_cox_and_rmst_numbers_with_holm_p() {
    let options = ArmsOptions {
        adjust: Adjustment::Holm,
        ..Default::default()
    };
    let figure = ForestFigure::arms(&colon_by_rx(), &PlotOptions::default(), &options).unwrap();
    let labels: Vec<&str> = figure.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["Lev", "Lev+5FU"]);
    let cox = colon_json(
        "cox",
        &["--covariates", "rx", "--factors", "rx", "--reference", "rx=Obs"],
    );
    for (row, term) in figure.rows.iter().zip(cox["terms"].as_array().unwrap()) {
        assert_eq!(term["term"], format!("rx={}", row.label));
        let drawn = [row.hr, row.lower, row.upper, row.p_value];
        assert_drawn(&row.label, &drawn, term, ["hr", "hr_lower", "hr_upper", "p_value"]);
    }
    let wald: Vec<Option<f64>> = figure.rows.iter().map(|r| r.p_value).collect();
    let holm: Vec<Option<f64>> = figure.rows.iter().map(|r| r.p_adjusted).collect();
    assert_eq!(holm, Adjustment::Holm.adjust(&wald));
    let arms = figure.arms.as_ref().unwrap();
    assert_eq!((arms.reference.as_str(), arms.comparisons), ("Obs", 2));
    // three arms: the fit of all arms is the comparisons' "global"
    let rmst = colon_json("rmst", &["--group", "rx", "--reference", "rx=Obs"])["global"].clone();
    assert_eq!(rmst["tau"].as_f64(), Some(arms.tau));
    for (row, contrast) in arms.rmst.iter().zip(rmst["contrasts"].as_array().unwrap()) {
        assert_eq!(contrast["group"], row.label.as_str());
        let drawn = [row.difference, row.lower, row.upper, row.p_value];
        assert_drawn(
            &row.label,
            &drawn,
            &contrast["difference"],
            ["estimate", "lower", "upper", "p_value"],
        );
    }
    let rmst_p: Vec<Option<f64>> = arms.rmst.iter().map(|r| r.p_value).collect();
    let rmst_holm: Vec<Option<f64>> = arms.rmst.iter().map(|r| r.p_adjusted).collect();
    assert_eq!(rmst_holm, Adjustment::Holm.adjust(&rmst_p));
    check(&figure, figure.fitted_size(), "forest_colon_arms");
    assert!(figure.fitted_height() < 400, "{}", figure.fitted_height());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("arms.svg");
    let base = [
        "plot",
        "forest",
        "datasets/colon.csv",
        "--time",
        "time",
        "--event",
        "status",
    ];
    let arms_args = ["--group", "rx", "--reference", "rx=Obs", "--arms", "--adjust", "holm"];
    let output = survkit(&[&base[..], &arms_args, &["-o", out.to_str().unwrap()]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let svg = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        svg,
        std::fs::read_to_string(manifest("tests/golden/forest_colon_arms.svg")).unwrap()
    );
    assert!(svg.contains("p adjusted: Holm (2 comparisons"));
}

#[test]
fn forest_of_arms_says_not_estimable_for_an_arm_without_events() {
    let mut data = colon_by_rx();
    let group = data.group.clone().unwrap();
    for (event, code) in data.event.iter_mut().zip(&group.codes) {
        if group.levels[*code as usize] == "Lev" {
            *event = false;
        }
    }
    let figure = ForestFigure::arms(&data, &PlotOptions::default(), &ArmsOptions::default()).unwrap();
    assert_eq!(figure.rows[0].text(), "not estimable");
    assert_eq!((figure.rows[0].p_value, figure.rows[0].p_adjusted), (None, None));
    assert!(figure.rows[1].hr.is_some());
    render(&figure, ImageFormat::Png, figure.fitted_size()).expect("draws");
    // a single arm: an error, not a panic
    data.group = Some(survkit::data::Factor {
        name: "rx".into(),
        levels: vec!["all".into()],
        codes: vec![0; data.n_rows()],
    });
    assert!(ForestFigure::arms(&data, &PlotOptions::default(), &ArmsOptions::default()).is_err());
}

/// Runs `survkit report` on lung by sex with more arguments.
fn report_lung(extra: &[&str]) {
    let base = [
        "report",
        "datasets/lung.csv",
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "sex",
    ];
    let output = survkit(&[&base[..], extra].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn report_is_one_self_contained_page_with_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    report_lung(&["--covariates", "age", "--tau", "730", "-o", html.to_str().unwrap()]);
    let page = std::fs::read_to_string(&html).unwrap();
    for needle in [
        "<svg",
        "Number at risk",
        "survkit km datasets/lung.csv",
        "survkit logrank",
        "Likelihood ratio test",
        "Proportional-hazards test",
        "RMST difference",
        "survkit bootstrap datasets/lung.csv --time time --event status --group sex --statistic log-hr --replicates 2000 --seed 1 --covariates age",
        "survkit plot bootstrap datasets/lung.csv",
        "B = 2000 replicates (seed 1)",
        "survkit fragility survival datasets/lung.csv --time time --event status --group sex",
        "survkit plot fragility datasets/lung.csv",
        "status-flip fragility index",
    ] {
        assert!(page.contains(needle), "report lacks {needle}");
    }
    for forbidden in ["<script", "<link", "src=", "href=", "<?xml", "not yet available"] {
        assert!(!page.contains(forbidden), "report contains {forbidden}");
    }
    assert_eq!(page.matches("<svg").count(), 3, "KM, bootstrap and fragility figures");
    let md = dir.path().join("report.md");
    report_lung(&["--format", "md", "-o", md.to_str().unwrap()]);
    let markdown = std::fs::read_to_string(&md).unwrap();
    for name in ["km", "bootstrap", "fragility"] {
        assert!(
            markdown.contains(&format!("](report-{name}.svg)")),
            "markdown lacks the {name} figure"
        );
        let svg = std::fs::read_to_string(dir.path().join(format!("report-{name}.svg"))).unwrap();
        roxmltree::Document::parse(&svg).expect("figure parses");
    }
}

#[test]
fn reconstruct_matches_golden() {
    // digitised from lung by sex as tests/reconstruct_roundtrip.rs samples curves (seed 8)
    use survkit::plot::ReconstructFigure;
    use survkit::reconstruct::{ArmInput, AtRiskTable, DigitisedCurve, SurvivalScale as Percent};
    use survkit::{Reconstruct, ReconstructOptions};
    let arms: Vec<ArmInput> = [("Male", "male", 112), ("Female", "female", 53)]
        .iter()
        .map(|(label, file, events)| ArmInput {
            label: label.to_string(),
            curve: DigitisedCurve::read_csv(
                manifest(&format!("tests/reference/data/lung_{file}_curve.csv")),
                Percent::Auto,
            )
            .unwrap(),
            at_risk: AtRiskTable::read_csv(manifest(&format!("tests/reference/data/lung_{file}_risk.csv"))).unwrap(),
            total_events: Some(*events),
            published_median: None,
        })
        .collect();
    let result = Reconstruct::run(&arms, &ReconstructOptions::default()).unwrap();
    let figure = ReconstructFigure::build(&result, &PlotOptions::default()).unwrap();
    // the reconstructed numbers at risk reproduce the published table at its times
    assert_eq!(figure.arms[0].n_risk, [138, 89, 37, 17, 7, 2]);
    assert_eq!(figure.arms[1].n_risk, [90, 71, 33, 16, 7, 1]);
    check(&figure, (900, 640), "reconstruct_lung");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recon.png");
    let d = "tests/reference/data";
    let curves = [
        format!("--curve=Male={d}/lung_male_curve.csv"),
        format!("--curve=Female={d}/lung_female_curve.csv"),
        format!("--at-risk=Male={d}/lung_male_risk.csv"),
        format!("--at-risk=Female={d}/lung_female_risk.csv"),
    ];
    let out_arg = out.display().to_string();
    let mut args = vec!["plot", "reconstruct"];
    args.extend(curves.iter().map(String::as_str));
    args.extend([
        "--total-events",
        "Male=112",
        "--total-events",
        "Female=53",
        "-o",
        &out_arg,
    ]);
    let output = survkit(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(std::fs::metadata(&out).unwrap().len() > 1000);
}

/// mgus2 as competing risks (progression 1, death before progression 2) by sex.
fn mgus2_cr() -> CompetingData {
    let columns = Columns::new("time", "status").group("sex");
    CompetingData::read_csv(manifest("datasets/mgus2_cr.csv"), &columns, "0").expect("mgus2_cr loads")
}

#[test]
fn cif_overlay_matches_golden() {
    let layout = PlotOptions {
        data_unit: TimeUnit::Months,
        time_unit: TimeUnit::Years,
        ..Default::default()
    };
    let figure = CifFigure::build(
        &mgus2_cr(),
        &layout,
        &CifOptions::default(),
        &CifPlotOptions {
            ci: true,
            risk_table: true,
            ..Default::default()
        },
    )
    .unwrap();
    check(&figure, (900, 640), "cif_mgus2_overlay");
}

#[test]
fn cif_stacked_and_side_by_side_match_goldens() {
    let layout = PlotOptions {
        data_unit: TimeUnit::Months,
        time_unit: TimeUnit::Years,
        ..Default::default()
    };
    for (arrangement, ci, golden) in [
        (CifLayout::Stacked, false, "cif_mgus2_stacked"),
        (CifLayout::SideBySide, true, "cif_mgus2_side_by_side"),
    ] {
        let plot = CifPlotOptions {
            ci,
            risk_table: true,
            arrangement,
        };
        let figure = CifFigure::build(&mgus2_cr(), &layout, &CifOptions::default(), &plot).unwrap();
        let ticks: Vec<f64> = figure.ticks.iter().map(|t| t.value).collect();
        assert_eq!(ticks, [0.0, 10.0, 20.0, 30.0]);
        check(&figure, (900, 640), golden);
    }
    // bands on stacked incidences are refused before the data are read
    let output = survkit(&[
        "plot",
        "cif",
        "datasets/mgus2_cr.csv",
        "--time",
        "time",
        "--status",
        "status",
        "--layout",
        "stacked",
        "--ci",
        "-o",
        "never-written.svg",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stacked"));
}
