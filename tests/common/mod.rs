//! Shared test helpers: the tolerances every reference comparison uses, in one place.
#![allow(dead_code)]

use std::process::Output;

use serde_json::Value;

/// Relative tolerance against R where the algorithm is the same.
pub const REL_TOL: f64 = 1e-8;
/// Absolute tolerance for values near zero.
pub const ABS_TOL: f64 = 1e-10;

/// Relative tolerance of results from aggregated counts against the same rows (issue 20; the
/// counting is exact, so they agree to the last bit in practice).
pub const COUNTS_REL_TOL: f64 = 1e-12;

/// Whether `a` and `b` agree to the reference tolerance.
pub fn close(a: f64, b: f64) -> bool {
    let diff = (a - b).abs();
    diff <= ABS_TOL || diff <= REL_TOL * a.abs().max(b.abs())
}

/// Asserts agreement, naming what is compared.
pub fn assert_close(what: &str, ours: f64, r: f64) {
    assert!(
        close(ours, r),
        "{what}: survkit {ours:e} vs R {r:e} (diff {:e})",
        (ours - r).abs()
    );
}

/// Asserts that `ours` rounds to a number a publication prints as `printed`: they may differ by
/// half a unit in its last printed decimal (plus a hair for the binary representation).
pub fn assert_printed(what: &str, ours: f64, printed: &str) {
    let published: f64 = printed.parse().unwrap_or_else(|e| panic!("{what}: '{printed}': {e}"));
    let decimals = printed.split_once('.').map_or(0, |(_, frac)| frac.len());
    let half_unit = 0.5 * 10f64.powi(-(decimals as i32));
    assert!(
        (ours - published).abs() <= half_unit * (1.0 + 1e-9),
        "{what}: survkit {ours} does not round to the published {printed}"
    );
}

/// Compares an optional value with a JSON number or null (R's NA).
pub fn assert_close_opt(what: &str, ours: Option<f64>, r: &Value) {
    match (ours, r.as_f64()) {
        (Some(a), Some(b)) => assert_close(what, a, b),
        (None, None) => {}
        (a, _) => panic!("{what}: survkit {a:?} vs R {r}"),
    }
}

/// Reads a committed JSON fixture from `tests/reference/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A path relative to the repository root.
pub fn repo_path(relative: &str) -> String {
    format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"))
}

pub fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub fn f64s(v: &Value) -> Vec<Option<f64>> {
    v.as_array()
        .map(|a| a.iter().map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Runs the `survkit` binary from the repository root (built with the `cli` feature only).
#[cfg(feature = "cli")]
pub fn survkit(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_survkit"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("survkit runs")
}

/// The JSON a successful run printed (the run's stderr in the failure message otherwise).
pub fn json_stdout(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Monte Carlo tolerances of the bootstrap tests. A bootstrap SE from B replicates has relative
/// Monte Carlo SD ≈ 1/√(2B) (0.7% at B = 10,000; 1.6% at B = 2,000); two independent runs
/// differ by √2 of that. The bounds below are about 4 such SDs, plus, against the analytic SE,
/// the O(1/n) difference between the bootstrap and the delta-method SE.
pub const BOOT_SE_REL_TOL_VS_R: f64 = 0.04;
pub const BOOT_SE_REL_TOL_VS_ANALYTIC: f64 = 0.08;
/// Interval endpoints from two independent B = 10,000 runs: a 2.5% quantile has Monte Carlo SD
/// ≈ 0.027 SE, so two runs differ by about 0.04 SE; allow 4 SDs.
pub const BOOT_ENDPOINT_TOL_IN_SE: f64 = 0.16;

/// A generated two-arm trial of `n` rows (columns time, status, arm 0/1, x standard normal):
/// exponential event times with log-HR −0.4 for arm and 0.3 per unit of x, uniform censoring,
/// times rounded up to whole days (ties), as CSV text. Deterministic: ChaCha8 with `seed`.
pub fn generated_trial(n: usize, seed: u64) -> String {
    use rand_chacha::rand_core::Rng;
    let mut rng = survkit::bootstrap::engine::stream(seed, 0);
    let mut uniform = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let mut text = String::from("time,status,arm,x\n");
    for _ in 0..n {
        let arm = if uniform() < 0.5 { 0.0 } else { 1.0 };
        let x = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
        let rate = (-0.4 * arm + 0.3 * x).exp() / 400.0;
        let event_time = -uniform().ln() / rate;
        let censor = 100.0 + uniform() * 900.0;
        let (time, status) = if event_time <= censor {
            (event_time, 1)
        } else {
            (censor, 0)
        };
        text.push_str(&format!("{},{status},{arm},{x}\n", time.ceil()));
    }
    text
}
/// The jackknife acceleration against R: each influence value (n − 1)(t₀ − t₍ᵢ₎) is a difference
/// of two Cox fits converged to a relative log-likelihood change of 1e-9 (R's and survkit's
/// rule), multiplied by n − 1, so the Cox case agrees to about 1e-6 relative, not 1e-8.
pub const BOOT_ACCELERATION_REL_TOL: f64 = 1e-4;

/// Relative tolerance for Cox model results (an iterative fit, converged to R's criterion).
pub const COX_REL_TOL: f64 = 1e-6;

/// Asserts agreement to a given relative tolerance (absolute `ABS_TOL` near zero).
pub fn assert_close_rel(what: &str, ours: f64, r: f64, rel: f64) {
    let diff = (ours - r).abs();
    assert!(
        diff <= ABS_TOL || diff <= rel * ours.abs().max(r.abs()),
        "{what}: survkit {ours:e} vs R {r:e} (diff {diff:e})"
    );
}

/// Reconstruction round trips (issue 8): largest |S_original − S_reconstructed| on any step.
pub const RECON_KM_TOL: f64 = 0.01;
/// Reconstruction round trips: |log HR reconstructed − log HR original|.
pub const RECON_LOG_HR_TOL: f64 = 0.05;

/// The synthetic ALS function-and-survival set, and its columns as `survkit win`, `cafs`,
/// `plot win|cafs` and `report --score` take them.
pub const ALS_FUNCTION: &str = "datasets/als/als_function_survival_synthetic.csv";
pub const ALS_FUNCTION_COLUMNS: [&str; 8] = [
    "--time",
    "time_weeks",
    "--event",
    "death",
    "--group",
    "arm",
    "--score",
    "alsfrs_change",
];

/// Trial design formulas against rpact (issue 19): rpact integrates the event probability
/// numerically (`integrate`), so sample sizes agree to about 1e-9; the issue asks 1e-6.
pub const DESIGN_REL_TOL: f64 = 1e-6;

/// MaxCombo p-values against R (issue 19): both sides integrate a multivariate normal
/// probability numerically (survkit to ~1e-8, mvtnorm's GenzBretz to its reported ~1e-6).
pub const MAXCOMBO_P_ABS_TOL: f64 = 1e-4;

/// Group-sequential z boundaries and cumulative α spent against rpact's
/// `getDesignGroupSequential` (absolute; both sides integrate to about 1e-8).
pub const SEQUENTIAL_BOUNDARY_TOL: f64 = 1e-6;

/// Simulated proportions and means against a reference (rpact's simulation or a formula):
/// within this many combined Monte Carlo standard errors.
pub const MC_SDS: f64 = 4.0;

/// Writes `batch` as Parquet (Snappy, the parquet crate's default elsewhere) in row groups of
/// `rows_per_group` rows.
#[cfg(feature = "parquet")]
pub fn write_parquet(path: &std::path::Path, batch: &arrow_array::RecordBatch, rows_per_group: usize) {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}
