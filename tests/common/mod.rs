//! Shared test helpers: the tolerances every reference comparison uses, in one place.
#![allow(dead_code)]

use serde_json::Value;

/// Relative tolerance against R where the algorithm is the same.
pub const REL_TOL: f64 = 1e-8;
/// Absolute tolerance for values near zero.
pub const ABS_TOL: f64 = 1e-10;

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

/// Reconstruction round trips (issue 8): largest |S_original − S_reconstructed| on any step.
pub const RECON_KM_TOL: f64 = 0.01;
/// Reconstruction round trips: |log HR reconstructed − log HR original|.
pub const RECON_LOG_HR_TOL: f64 = 0.05;
/// Reconstruction property tests: the curve is not compared where fewer are at risk.
pub const RECON_MIN_AT_RISK: usize = 10;
