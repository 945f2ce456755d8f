//! The bodies of survkit's cargo-fuzz targets (issue 12), kept in a library so that a crash
//! can be replayed without libFuzzer and the targets stay one line each.
//!
//! Every target asserts that survkit returns `Ok` or `Err` and never panics; `small_trial`
//! also checks what is printed: no non-finite number shown as an estimate, every p-value in
//! [0, 1], every confidence interval around its estimate, no coefficient of a diverging term.

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use survkit::bootstrap::{BootstrapOptions, IntervalMethod, PermutationMethod, PermutationOptions, Statistic};
use survkit::counts::Counts;
use survkit::formula::Formula;
use survkit::fragility::{
    ArmCounts, CountsFragility, CountsOptions, CountsTest, SurvivalFragility, SurvivalMethod, SurvivalOptions,
    SurvivalTest,
};
use survkit::reconstruct::{ArmInput, AtRiskTable, DigitisedCurve, Reconstruct, SurvivalScale};
use survkit::table::{Column, Table};
use survkit::{
    Bootstrap, Cif, CifOptions, Columns, CompetingCounts, CompetingData, Cox, CoxOptions, KaplanMeier, KmOptions,
    LogRank, LogRankOptions, Permutation, Render, Rmst, RmstOptions, SurvData, Ties, Weights,
};

/// Arbitrary bytes as a CSV file, read with several column specifications.
pub fn csv_reader(bytes: &[u8]) {
    let specs = [
        Columns::new("time", "status"),
        Columns::new("time", "status").group("arm"),
        Columns::new("time", "status")
            .group("arm")
            .strata("site")
            .entry("entry")
            .weight("w"),
        Columns::new("time", "status")
            .covariates(["age", "arm"])
            .factors(["arm"])
            .reference("arm", "B"),
        Columns::new("time", "status").event_value("2").strict(true),
        Columns::new("time", "status")
            .covariates(["age"])
            .may_be_missing(["age"])
            .cluster("site"),
        Columns::new("a", "b"),
    ];
    let table = Table::from_csv_bytes("fuzz.csv", bytes);
    if let Ok(table) = &table {
        for columns in &specs[..2] {
            same_cif_as_counted(CompetingData::from_table(table, columns, "0"), || {
                CompetingCounts::from_rows(table, columns, "0")
            });
        }
    }
    for columns in &specs {
        if let Ok(table) = &table {
            same_as_counted(
                SurvData::from_table(table, columns),
                || Counts::from_rows(table, columns),
                columns,
            );
        }
        if let Ok(data) = SurvData::from_csv_bytes("fuzz.csv", bytes, columns) {
            let n = data.n_rows();
            assert_eq!(data.time.len(), n);
            assert_eq!(data.event.len(), n);
            assert!(
                data.time.iter().all(|t| t.is_finite()),
                "a non-finite time was accepted"
            );
            let _ = data.order_by_time();
            let _ = data.dropped.to_string();
        }
    }
}

/// Arbitrary bytes as a Parquet file, streamed into counts (issue 20) and read as rows: the same
/// Kaplan–Meier JSON, dropped rows or error, wherever both can read the file (a whole read
/// also refuses unused columns it cannot read, which the stream never decodes).
pub fn parquet_stream(bytes: &[u8]) {
    // survkit catches panics of the parquet crate on corrupt files (an error naming the file);
    // libFuzzer's hook would abort on them even so. A panic that escapes survkit still ends the
    // run: libFuzzer aborts on any panic leaving the target.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            eprintln!("panic (caught if inside the parquet crate): {info}")
        }))
    });
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("fuzz.parquet");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let specs = [
        Columns::new("time", "status"),
        Columns::new("time", "status").group("arm").strata("site"),
        Columns::new("exit", "status").entry("entry").group("arm"),
        Columns::new("time", "status").event_value("2").strict(true),
    ];
    for columns in &specs {
        let streamed = Counts::stream_parquet(&path, columns);
        match Table::read(&path) {
            Ok(_) => {
                if columns.entry.is_none() && columns.event_value.is_none() {
                    same_cif_as_counted(CompetingData::read(&path, columns, "0"), || {
                        CompetingCounts::stream_parquet(&path, columns, "0")
                    });
                }
                same_as_counted(SurvData::read(&path, columns), || streamed, columns)
            }
            // the whole read refused the file: the stream may still read the used columns
            Err(_) => {
                if let Ok(counts) = streamed {
                    let _ = KaplanMeier::fit_counts(&counts, &KmOptions::default());
                }
            }
        }
    }
}

/// Rows read as a table and the same rows counted give the same Kaplan–Meier JSON and dropped
/// rows, or the same error (when counts can hold the analysis).
fn same_as_counted(
    rows: Result<SurvData, survkit::DataError>,
    counted: impl FnOnce() -> Result<Counts, survkit::DataError>,
    columns: &Columns,
) {
    if !survkit::model::counts_suffice(columns) {
        return;
    }
    let km = |fit: Result<KaplanMeier, survkit::KmError>| match fit {
        Ok(km) => Ok((km.render(survkit::Format::Json), km.dropped_rows.to_string())),
        Err(e) => Err(e.to_string()),
    };
    let from_rows = rows
        .map_err(|e| e.to_string())
        .and_then(|data| km(KaplanMeier::fit(&data, &KmOptions::default())));
    let from_counts = counted()
        .map_err(|e| e.to_string())
        .and_then(|counts| km(KaplanMeier::fit_counts(&counts, &KmOptions::default())));
    // an entry equal to its exit only after timefix ties is worded differently (documented)
    if let (Err(a), Err(b)) = (&from_rows, &from_counts)
        && a.contains("were tied")
        && b.contains("everyone enters before leaving")
    {
        return;
    }
    assert_eq!(from_rows, from_counts, "{columns:?}");
}

/// A status read as rows and counted per (group, stratum, time, cause) give the same
/// cumulative incidence JSON (with Gray's tests and dropped rows), or the same error.
fn same_cif_as_counted(
    rows: Result<CompetingData, survkit::DataError>,
    counted: impl FnOnce() -> Result<CompetingCounts, survkit::DataError>,
) {
    let options = CifOptions::default();
    let json = |fit: Result<Cif, survkit::CompetingError>| match fit {
        Ok(cif) => Ok((cif.render(survkit::Format::Json), cif.dropped_rows.to_string())),
        Err(e) => Err(e.to_string()),
    };
    let from_rows = rows
        .map_err(|e| e.to_string())
        .and_then(|data| json(Cif::fit(&data, &options)));
    let from_counts = counted()
        .map_err(|e| e.to_string())
        .and_then(|counts| json(Cif::fit_counts(&counts, &options)));
    assert_eq!(from_rows, from_counts);
}

/// Arbitrary bytes split into a digitised curve and a numbers-at-risk table (at the first NUL
/// byte), read, and reconstructed when both are readable.
pub fn digitised_reader(bytes: &[u8]) {
    let (curve_bytes, risk_bytes) = match bytes.iter().position(|&b| b == 0) {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &b"time,n\n0,10\n"[..]),
    };
    let mut curves = Vec::new();
    for scale in [SurvivalScale::Auto, SurvivalScale::Proportion, SurvivalScale::Percent] {
        if let Ok(curve) = DigitisedCurve::from_csv_bytes("curve.csv", curve_bytes, scale) {
            let _ = curve.last_time();
            curves.push(curve);
        }
    }
    let at_risk = AtRiskTable::from_csv_bytes("risk.csv", risk_bytes);
    if let Ok(table) = &at_risk {
        let _ = table.check();
    }
    if let (Some(curve), Ok(at_risk)) = (curves.into_iter().next(), at_risk) {
        let arm = ArmInput {
            label: "A".into(),
            curve,
            at_risk,
            total_events: None,
            published_median: None,
        };
        if let Ok(result) = Reconstruct::run(&[arm], &Default::default()) {
            for text in [result.table(), result.json(), result.csv()] {
                check_text(&text, "reconstruct");
            }
        }
    }
}

/// Arbitrary text as a model formula. A formula that parses must print as a formula that parses
/// back to itself; an error must display (with its caret) without panicking. Parsed formulas
/// are then fitted to a small table, so the model-building code sees every shape the parser
/// accepts: unknown columns, a column used twice, strata of a factor, interactions.
pub fn formula(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let formula = match Formula::parse(&text) {
        Ok(formula) => formula,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    let printed = formula.to_string();
    // `x*z*w` prints expanded (as R's terms() does), so a formula near the parser's length
    // limit (10,000 bytes) can print longer than it; the round trip holds below the limit
    if printed.len() <= 10_000 {
        let reparsed = Formula::parse(&printed)
            .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
        assert_eq!(
            reparsed, formula,
            "{text:?} printed as {printed:?}, which parses differently"
        );
    }
    let _ = formula.columns();
    let table = formula_table();
    if let Ok(fit) = survkit::Cox::new(printed.as_str()).fit(&table) {
        check_render(&fit, "cox (formula)");
    }
    if let Ok(km) = survkit::KaplanMeier::new(printed.as_str()).fit(&table) {
        check_render(&km, "km (formula)");
    }
    if let Ok(test) = survkit::LogRank::new(printed.as_str()).fit(&table) {
        check_render(&test, "logrank (formula)");
    }
    if let Ok(rmst) = survkit::Rmst::new(printed.as_str()).tau(8.0).fit(&table) {
        check_render(&rmst, "rmst (formula)");
    }
}

/// Twelve rows with the column names a fuzzed formula is likely to use.
fn formula_table() -> Table {
    let time = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0];
    let status = vec![1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 0.0];
    let entry = vec![0.0, 0.5, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 3.0, 0.0, 0.0];
    let age = vec![60.0, 52.0, 71.0, 45.0, 66.0, 58.0, 49.0, 73.0, 62.0, 55.0, 68.0, 50.0];
    let x = vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
    let arm: Vec<Option<&str>> = ["A", "B", "C"].iter().cycle().take(12).map(|s| Some(*s)).collect();
    let sex: Vec<Option<&str>> = ["m", "f", "f", "m"].iter().cycle().take(12).map(|s| Some(*s)).collect();
    let site: Vec<Option<&str>> = vec![Some("1"), None, Some("2"), Some("1"), Some("2"), Some("1")]
        .into_iter()
        .cycle()
        .take(12)
        .collect();
    let columns = vec![
        Column::numeric("time", time),
        Column::numeric("status", status),
        Column::numeric("entry", entry),
        Column::numeric("age", age),
        Column::numeric("x", x),
        Column::labels("arm", arm),
        Column::labels("sex", sex),
        Column::labels("site", site),
    ];
    Table::from_columns("formula.csv", columns).expect("a valid fixed table")
}

/// One participant of a generated trial.
#[derive(Debug, Arbitrary)]
pub struct Row {
    time: u16,
    event: bool,
    arm: u8,
    covariate: i8,
    weight: u8,
    entry: u8,
}

/// A small trial and the options it is analysed with.
#[derive(Debug, Arbitrary)]
pub struct Trial {
    rows: Vec<Row>,
    arms: u8,
    time_scale: u8,
    weighted: bool,
    delayed_entry: bool,
    tau: u16,
    long_label: bool,
    counts: [u8; 4],
    /// Picks the options of the slower analyses (one per input keeps the target fast).
    choice: u8,
}

impl Trial {
    /// The trial as CSV: `time,status,arm,x,w,entry`, at most 40 rows, 2–4 arms.
    pub fn csv(&self) -> String {
        let arms = 2 + usize::from(self.arms % 3);
        let scale = [1.0, 0.01, 100.0, 1e-6][usize::from(self.time_scale % 4)];
        let mut out = String::from("time,status,arm,x,w,entry\n");
        for row in self.rows.iter().take(40) {
            let time = (f64::from(row.time % 1000) + 1.0) * scale;
            let arm = ["A", "B", "C", "D"][usize::from(row.arm) % arms];
            let arm = if self.long_label && arm == "A" {
                "A".repeat(300)
            } else {
                arm.to_string()
            };
            let weight = [1.0, 0.0, 0.5, 2.0][usize::from(row.weight % 4)];
            let entry = time * f64::from(row.entry % 4) / 4.0;
            out.push_str(&format!(
                "{time},{},{arm},{},{weight},{entry}\n",
                u8::from(row.event),
                row.covariate % 50
            ));
        }
        out
    }
}

/// Builds a trial from fuzz bytes and runs it through every estimator and renderer.
pub fn small_trial(bytes: &[u8]) {
    let mut u = Unstructured::new(bytes);
    let Ok(trial) = Trial::arbitrary(&mut u) else {
        return;
    };
    // SURVKIT_FUZZ_SHOW=1 shows the trial as a file with its options (libFuzzer aborts on a
    // panic, so it is printed before the run), to turn a crash into a plain test
    if std::env::var_os("SURVKIT_FUZZ_SHOW").is_some() {
        eprintln!(
            "trial (weighted {}, delayed entry {}, τ byte {}, counts {:?}, choice {}):\n{}",
            trial.weighted,
            trial.delayed_entry,
            trial.tau,
            trial.counts,
            trial.choice,
            trial.csv()
        );
    }
    run_trial(&trial);
}

/// Runs every estimator on the trial and checks what each prints.
pub fn run_trial(trial: &Trial) {
    let csv = trial.csv();
    let mut columns = Columns::new("time", "status").group("arm");
    if trial.weighted {
        columns = columns.weight("w");
    }
    if trial.delayed_entry {
        columns = columns.entry("entry");
    }
    let tau = (trial.tau > 0).then(|| f64::from(trial.tau % 1000) + 0.5);
    counts(trial.counts);
    let Ok(data) = SurvData::from_csv_bytes("trial.csv", csv.as_bytes(), &columns) else {
        return;
    };
    if let Ok(km) = KaplanMeier::fit(
        &data,
        &KmOptions {
            quantiles: vec![0.25, 0.75],
            at: vec![1.0, 50.0],
            cumhaz: true,
            ..Default::default()
        },
    ) {
        check_render(&km, "km");
    }
    for weights in [
        Weights::LogRank,
        Weights::Gehan,
        Weights::Peto,
        Weights::FlemingHarrington { rho: 1.0, gamma: 1.0 },
        Weights::ModestlyWeighted { t_star: 10.0 },
    ] {
        for trend in [false, true] {
            if let Ok(test) = LogRank::test(&data, &LogRankOptions { weights, trend }) {
                check_render(&test, "logrank");
            }
        }
    }
    let with_covariate = columns.clone().covariates(["arm", "x"]).factors(["arm"]);
    if let Ok(cox_data) = SurvData::from_csv_bytes("trial.csv", csv.as_bytes(), &with_covariate) {
        for (ties, firth, profile_ci) in [
            (Ties::Efron, false, true),
            (Ties::Breslow, false, false),
            (Ties::Breslow, true, false),
        ] {
            let options = CoxOptions {
                ties,
                firth,
                profile_ci,
                ..Default::default()
            };
            if let Ok(fit) = Cox::fit(&cox_data, &options) {
                check_render(&fit, if firth { "cox (firth)" } else { "cox" });
            }
        }
        for tau in [None, tau] {
            let options = RmstOptions {
                tau,
                covariates: vec!["x".into()],
                ..Default::default()
            };
            if let Ok(rmst) = Rmst::fit(&cox_data, &options) {
                check_render(&rmst, "rmst");
            }
        }
    }
    if let Ok(rmst) = Rmst::fit(
        &data,
        &RmstOptions {
            tau,
            ..Default::default()
        },
    ) {
        check_render(&rmst, "rmst");
    }
    let choice = usize::from(trial.choice);
    let test = [
        SurvivalTest::LogRank,
        SurvivalTest::CoxWald,
        SurvivalTest::CoxLr,
        SurvivalTest::Rmst,
    ][choice % 4];
    let method = [SurvivalMethod::Status, SurvivalMethod::Sifi, SurvivalMethod::All][choice / 4 % 3];
    let options = SurvivalOptions {
        test,
        tau,
        method,
        influence: choice & 16 != 0,
        what_if: choice & 32 != 0,
        ..Default::default()
    };
    if let Ok(fragility) = SurvivalFragility::compute(&data, &options) {
        check_render(&fragility, "fragility");
    }
    let statistic = [
        Statistic::LogHr,
        Statistic::Hr,
        Statistic::LogRank,
        Statistic::RmstDiff,
        Statistic::RmstRatio,
        Statistic::MedianDiff,
        Statistic::SurvivalDiff(10.0),
    ][choice % 7];
    let options = BootstrapOptions {
        statistic,
        replicates: 0..8,
        seed: 3,
        threads: 1,
        stratify: choice & 64 != 0,
        intervals: IntervalMethod::ALL.to_vec(),
        tau,
        firth: choice & 128 != 0 && statistic.is_cox(),
        ties: if choice & 128 != 0 { Ties::Breslow } else { Ties::Efron },
        ..Default::default()
    };
    if let Ok(boot) = Bootstrap::run(&data, &options) {
        check_render(&boot, "bootstrap");
    }
    let options = PermutationOptions {
        method: PermutationMethod::Auto,
        permutations: 20,
        exact_limit: 200,
        seed: 5,
        threads: 1,
        ..Default::default()
    };
    if let Ok(permutation) = Permutation::test(&data, &options, &|| {}) {
        check_render(&permutation, "permutation");
    }
}

/// Counts fragility on a small 2×2 table.
fn counts(cells: [u8; 4]) {
    let arm = |events: u8, total: u8| ArmCounts::new(u64::from(events % 64), u64::from(total % 64));
    let (Ok(treatment), Ok(control)) = (arm(cells[0], cells[1]), arm(cells[2], cells[3])) else {
        return;
    };
    for test in [CountsTest::Fisher, CountsTest::ChiSquare, CountsTest::MidP] {
        let options = CountsOptions {
            test,
            q: Some(0.5),
            ..Default::default()
        };
        if let Ok(result) = CountsFragility::compute(treatment, control, &options) {
            check_render(&result, "counts");
        }
    }
}

/// Renders a result in every format and checks each.
pub fn check_render<R: Render>(result: &R, what: &str) {
    let json = result.json();
    let value: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{what}: invalid JSON ({e}):\n{json}"));
    check_json(&value, what, "");
    check_text(&result.table(), what);
    check_text(&result.csv(), what);
}

/// No `inf`/`NaN` in text output (magnitudes are checked on the JSON's point estimates, where
/// an extreme profile limit or an echoed input value is told apart from an estimate).
pub fn check_text(text: &str, what: &str) {
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+')) {
        let bare = token.trim_start_matches(['-', '+']);
        assert!(
            // "-infinity" (a diverging term) and "Inf" (an unbounded profile limit) are flags
            !matches!(bare, "inf" | "NaN" | "nan"),
            "{what}: '{token}' printed:\n{text}"
        );
    }
}

const ESTIMATES: [&str; 5] = ["estimate", "survival", "rmst", "coef", "hr"];

/// Checks the JSON contract: p-values in [0, 1], intervals around their estimates, diverging
/// terms without coefficients, no absurd hazard ratios.
pub fn check_json(value: &Value, what: &str, path: &str) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_json(item, what, &format!("{path}[{i}]"));
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let here = format!("{path}.{key}");
                if (key == "p_value" || key.ends_with("_p_value") || key.ends_with("_p"))
                    && let Some(p) = item.as_f64()
                {
                    assert!((0.0..=1.0).contains(&p), "{what}: {here} = {p} is not a probability");
                }
                // point estimates only: a profile (penalised) limit may legitimately be extreme,
                // and so may Firth's penalised estimate on a handful of rows (3 rows, arm and a
                // covariate that trade off: the penalised likelihood peaks at HR 2e12, checked
                // in R by maximising ℓ + ½ log|I|)
                if what != "permutation"
                    && what != "cox (firth)"
                    // a main effect beside its interaction with age is the effect at age 0:
                    // coxph gives HR 1.4e22 for sex in `age:sex + sex*x` on the formula table
                    && what != "cox (formula)"
                    && (key == "hr" || key == "estimate" && path.ends_with("ratio"))
                    && let Some(x) = item.as_f64()
                {
                    // an extreme but honest estimate is uncertain (coxph: HR 1.1e14 with
                    // se(coef) 31.7 for an arm nearly confounded with x on four rows); the
                    // last iterate of a diverging fit is not (HR 8e17 with se 0, HR 2.3e10
                    // with z = 8 on a ridge)
                    // (a ratio's `se` is on the log scale, as a hazard ratio's: the adjusted RMTL
                    // ratio of 1.9e11 with se 9.0 on four rows, arm nearly confounded with x, is
                    // the IPCW regression's own extrapolation, with its own wide interval)
                    let se = map.get("se").and_then(Value::as_f64);
                    // (|log| < 4 se, not 3: weighted Efron Cox on 29 rows, the arm confounded
                    // with x, has a true maximum at HR 1.96e10, se(coef) 6.21, z = 3.8, as
                    // coxph gives it; R's profile log-likelihood falls on both sides of 23.7.
                    // The diverging iterates found so far had z of 9 to 240)
                    let honest = se.is_some_and(|se| x.ln().abs() < 4.0 * se);
                    assert!(
                        x.abs() < 1e10 || honest,
                        "{what}: {here} = {x} (se {se:?}) is not an estimate"
                    );
                }
                check_json(item, what, &here);
            }
            if map.contains_key("diverges_to") {
                for key in ["coef", "hr", "se"] {
                    assert!(
                        map.get(key).is_none_or(Value::is_null),
                        "{what}: {path} diverges but prints {key} = {}",
                        map[key]
                    );
                }
            }
            let number = |k: &str| map.get(k).and_then(Value::as_f64);
            if let (Some(lower), Some(upper)) = (number("lower"), number("upper"))
                && let Some(estimate) = ESTIMATES.iter().find_map(|k| number(k))
            {
                check_interval(estimate, lower, upper, what, path);
            }
            for key in ESTIMATES.iter().chain(&["rmtl"]) {
                if let (Some(estimate), Some(lower), Some(upper)) = (
                    number(key),
                    number(&format!("{key}_lower")),
                    number(&format!("{key}_upper")),
                ) {
                    check_interval(estimate, lower, upper, what, path);
                }
            }
        }
        _ => {}
    }
}

fn check_interval(estimate: f64, lower: f64, upper: f64, what: &str, path: &str) {
    let slack = 1e-7 * estimate.abs().max(1.0);
    assert!(
        lower <= estimate + slack && estimate <= upper + slack,
        "{what}: {path} interval [{lower}, {upper}] does not contain its estimate {estimate}"
    );
}
