//! How numbers are written: counts in JSON ([`count`]), numbers in tables ([`num`]) and in
//! messages (`shown`, and `clipped` for values from the input). The estimators use these too,
//! so they live apart from the renderers of [`crate::output`].

/// Serializes a count stored as `f64` as an integer when it is whole (weighted counts keep
/// their fraction).
pub fn count<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

/// A number for a message: as written when that is short, in scientific notation otherwise
/// (never a 303-digit integer).
pub(crate) fn shown(x: f64) -> String {
    let plain = format!("{x}");
    if plain.len() <= 16 { plain } else { format!("{x:e}") }
}

/// A value from the input for a message: at most 100 characters, the rest elided.
pub(crate) fn clipped(value: &str) -> String {
    const LIMIT: usize = 100;
    match value.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}… ({} characters)", &value[..cut], value.chars().count()),
        None => value.to_string(),
    }
}

/// A number for people: whole numbers as integers, others to 4 significant digits; `NA`
/// when not finite.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "NA".to_string();
    }
    // −0 (e.g. a standard error computed as −0.0) shows as 0
    let x = x + 0.0;
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    format!("{x:.decimals$}")
}
