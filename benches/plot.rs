//! Figures: a Kaplan–Meier plot with risk table for 100,000 rows, from loaded data to the
//! encoded SVG and PNG (goal, issue 7: under 200 ms), and the full HTML report for 690 rows,
//! with its Cox log-HR bootstrap of 2,000 replicates (all cores) and the status-flip fragility
//! path (goal: under 2 s).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::plot::{ImageFormat, KmFigure, KmPlotOptions, PlotOptions, render};
use survkit::report::{Report, ReportSpec};
use survkit::{Columns, SurvData};

/// A deterministic two-arm trial of `rows` rows: exponential event times (days, whole numbers,
/// so with ties) with hazard ratio 0.8, uniform censoring over 3 years, from a fixed linear
/// congruential stream.
fn trial_csv(rows: usize) -> String {
    let mut seed: u64 = 20_240_707;
    let mut uniform = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut csv = String::from("time,status,arm,age\n");
    for row in 0..rows {
        let arm = row % 2;
        let age = 40.0 + 40.0 * uniform();
        let rate = 0.8f64.powi(arm as i32) * (0.02 * (age - 60.0)).exp() / 500.0;
        let event = (-uniform().ln() / rate).ceil();
        let censor = (1095.0 * uniform()).ceil();
        let (time, status) = if event <= censor { (event, 1) } else { (censor, 0) };
        csv.push_str(&format!("{time},{status},{arm},{age:.1}\n"));
    }
    csv
}

fn bench(c: &mut Criterion) {
    let columns = Columns::new("time", "status").group("arm");
    let data = SurvData::from_csv_bytes("trial.csv", trial_csv(100_000).as_bytes(), &columns).unwrap();
    let options = KmPlotOptions {
        risk_table: true,
        ci: true,
        ..Default::default()
    };
    let layout = PlotOptions::default();
    let mut group = c.benchmark_group("plot_100000_rows");
    group.sample_size(20);
    for (name, format) in [
        ("km_risk_table_svg", ImageFormat::Svg),
        ("km_risk_table_png", ImageFormat::Png),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let figure = KmFigure::build(black_box(&data), &layout, &options).unwrap();
                render(&figure, format, layout.size()).unwrap()
            })
        });
    }
    group.finish();

    let csv = trial_csv(690);
    let load = |columns: Columns| SurvData::from_csv_bytes("trial.csv", csv.as_bytes(), &columns).unwrap();
    let base = Columns::new("time", "status").group("arm");
    let (plain, cox, rmst) = (
        load(base.clone()),
        load(base.clone().covariates(["arm", "age"]).factors(["arm"])),
        load(base.covariates(["age"])),
    );
    let spec = ReportSpec {
        file: "trial.csv".into(),
        time: "time".into(),
        event: "status".into(),
        group: "arm".into(),
        reference: None,
        covariates: vec!["age".into()],
        tau: None,
    };
    let mut group = c.benchmark_group("report_690_rows");
    group.sample_size(20);
    group.bench_function("html_with_2000_bootstrap_replicates", |b| {
        b.iter(|| Report::build(&spec, black_box(&plain), &cox, &rmst).html())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
