//! Platform trials: which control rows each active arm is compared with.
//!
//! A platform trial runs several regimens (sub-studies) under one master protocol. Each regimen
//! randomises its own participants between its active arms and placebo (HEALEY ALS: 3:1 active
//! to placebo within each regimen), and the placebo participants of all regimens may be shared.
//! survkit reads a platform as one group column whose control level (the reference, e.g.
//! `placebo`) occurs in the regimens and whose active levels belong to one regimen each (label
//! them per regimen, e.g. `C: CNM-Au8 30 mg`), plus a regimen column
//! ([`crate::data::Columns::regimen`]).
//!
//! The comparison of an active arm with the control level takes the arm's rows and
//! - [`Control::Concurrent`]: the control rows of the arm's own regimen, randomised alongside
//!   it, so the comparison is randomised;
//! - [`Control::Pooled`]: the control rows of every regimen, as HEALEY's pooled-placebo analyses
//!   did; more controls, but those of other regimens were not randomised against this arm.
//!   Stratified by regimen, the pair's strata are the regimens (R's
//!   `Surv(time, status) ~ arm + strata(regimen)`), so the log-rank test and Cox model compare
//!   within regimens.
//!
//! Inconsistent data are refused: an active arm with rows in two regimens, a regimen without
//! control rows under concurrent controls, a strata column other than the regimen.

use serde::Serialize;

use crate::comparisons::{relevelled_pair, wanted_levels};
use crate::data::{DataError, Factor, SurvData};

/// Which control rows each active arm is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Control {
    /// The control rows of the arm's own regimen.
    #[default]
    Concurrent,
    /// The control rows of every regimen; `stratified` makes the regimen the pair's strata.
    Pooled {
        /// Stratify the comparison by regimen (R's `strata(regimen)`).
        stratified: bool,
    },
}

impl Control {
    /// "concurrent" or "pooled".
    pub fn name(self) -> &'static str {
        match self {
            Control::Concurrent => "concurrent",
            Control::Pooled { .. } => "pooled",
        }
    }

    /// Whether the comparison is stratified by regimen.
    pub fn stratified(self) -> bool {
        matches!(self, Control::Pooled { stratified: true })
    }
}

/// The controls one comparison used.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlsUsed {
    /// The rule that chose them.
    pub control: Control,
    /// The regimen column.
    pub regimen_column: String,
    /// The regimen the active arm belongs to.
    pub regimen: String,
    /// How many control rows the comparison used.
    pub n_control: usize,
    /// The control rows used from each regimen that gave some, in level order.
    pub by_regimen: Vec<(String, usize)>,
}

impl ControlsUsed {
    /// "concurrent: 41 placebo of regimen C" or "pooled: 164 placebo (A 62, B 61, C 41),
    /// stratified by regimen".
    pub fn describe(&self, reference: &str) -> String {
        match self.control {
            Control::Concurrent => format!(
                "concurrent: {} {reference} of {} {}",
                self.n_control, self.regimen_column, self.regimen
            ),
            Control::Pooled { stratified } => {
                let parts: Vec<String> = self.by_regimen.iter().map(|(r, n)| format!("{r} {n}")).collect();
                format!(
                    "pooled: {} {reference} ({} {}){}",
                    self.n_control,
                    self.regimen_column,
                    parts.join(", "),
                    if stratified {
                        format!(", stratified by {}", self.regimen_column)
                    } else {
                        String::new()
                    }
                )
            }
        }
    }
}

impl ControlsUsed {
    /// The JSON fields, in order: `"control"`, `"stratified_by_regimen"`, `"regimen_column"`,
    /// `"regimen"`, `"n_control"`, `"n_control_by_regimen"` (an object, regimen → rows).
    pub fn fields(&self) -> Vec<(&'static str, serde_json::Value)> {
        let by_regimen: serde_json::Map<String, serde_json::Value> = self
            .by_regimen
            .iter()
            .map(|(r, n)| (r.clone(), serde_json::Value::from(*n)))
            .collect();
        vec![
            ("control", self.control.name().into()),
            ("stratified_by_regimen", self.control.stratified().into()),
            ("regimen_column", self.regimen_column.clone().into()),
            ("regimen", self.regimen.clone().into()),
            ("n_control", self.n_control.into()),
            ("n_control_by_regimen", by_regimen.into()),
        ]
    }
}

/// The fields of [`ControlsUsed::fields`].
impl Serialize for ControlsUsed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.fields() {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

/// One active arm against the control level, with the controls the rule chose.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformPair {
    /// The active arm.
    pub arm: String,
    /// The control level.
    pub reference: String,
    /// The arm's rows and the chosen control rows, the group relevelled to (control, arm) and,
    /// stratified, the regimens as strata.
    pub data: SurvData,
    /// Which controls, and how many.
    pub controls: ControlsUsed,
}

/// Each active arm against the control level (the group's reference, or `compare` =
/// (arm, control)), with control rows as `control` says. Needs the data's regimen column.
pub fn platform_pairs(
    data: &SurvData,
    compare: Option<(&str, &str)>,
    control: Control,
) -> Result<Vec<PlatformPair>, DataError> {
    let invalid = |message: String| DataError::Invalid {
        file: data.source.clone(),
        message,
    };
    let (group, wanted) = wanted_levels(&data.source, data.group.as_ref(), compare)?;
    let regimen = data
        .regimen
        .as_ref()
        .ok_or_else(|| invalid("concurrent or pooled controls need a regimen column".to_string()))?;
    if let Some(strata) = data.strata.as_ref() {
        match control {
            Control::Pooled { stratified: true } if strata.name != regimen.name => {
                return Err(invalid(format!(
                    "pooled controls stratified by regimen '{}' replace the strata, but strata column '{}' is also given",
                    regimen.name, strata.name
                )));
            }
            Control::Concurrent if strata.name == regimen.name => {
                return Err(invalid(format!(
                    "concurrent controls come from the arm's own regimen, a single stratum of '{}': stratifying by it does nothing (stratify pooled controls instead)",
                    regimen.name
                )));
            }
            _ => {}
        }
    }
    wanted
        .into_iter()
        .map(|(arm, reference)| {
            let arm_regimen = regimen_of(data, group, regimen, arm)?;
            let rows: Vec<usize> = (0..data.n_rows())
                .filter(|&i| {
                    let code = group.codes[i] as usize;
                    code == arm
                        || (code == reference
                            && (matches!(control, Control::Pooled { .. })
                                || regimen.codes[i] as usize == arm_regimen))
                })
                .collect();
            let mut by_regimen = vec![0usize; regimen.n_levels()];
            for &i in rows.iter().filter(|&&i| group.codes[i] as usize == reference) {
                by_regimen[regimen.codes[i] as usize] += 1;
            }
            let n_control: usize = by_regimen.iter().sum();
            if n_control == 0 {
                return Err(invalid(format!(
                    "{} '{}' has no '{}' rows, so arm '{}' has no concurrent controls (pooled controls take the '{}' rows of every {})",
                    regimen.name,
                    regimen.levels[arm_regimen],
                    group.levels[reference],
                    group.levels[arm],
                    group.levels[reference],
                    regimen.name
                )));
            }
            let mut pair = relevelled_pair(data, group, arm, reference, &rows);
            if control.stratified() {
                pair.strata = pair.regimen.as_ref().map(Factor::present_levels);
            }
            Ok(PlatformPair {
                arm: group.levels[arm].clone(),
                reference: group.levels[reference].clone(),
                data: pair,
                controls: ControlsUsed {
                    control,
                    regimen_column: regimen.name.clone(),
                    regimen: regimen.levels[arm_regimen].clone(),
                    n_control,
                    by_regimen: regimen
                        .levels
                        .iter()
                        .zip(by_regimen)
                        .filter(|(_, n)| *n > 0)
                        .map(|(level, n)| (level.clone(), n))
                        .collect(),
                },
            })
        })
        .collect()
}

/// The one regimen (level code) of the active arm `arm`; refused when its rows span two.
fn regimen_of(data: &SurvData, group: &Factor, regimen: &Factor, arm: usize) -> Result<usize, DataError> {
    let mut rows = (0..data.n_rows()).filter(|&i| group.codes[i] as usize == arm);
    let first = rows.next().ok_or_else(|| DataError::Invalid {
        file: data.source.clone(),
        message: format!("arm '{}' has no rows", group.levels[arm]),
    })?;
    let code = regimen.codes[first];
    match rows.find(|&i| regimen.codes[i] != code) {
        None => Ok(code as usize),
        Some(other) => Err(DataError::Invalid {
            file: data.source.clone(),
            message: format!(
                "arm '{}' has rows in {} '{}' (line {}) and '{}' (line {}); in a platform each active arm belongs to one regimen: label the arms per regimen (e.g. '{}: {}')",
                group.levels[arm],
                regimen.name,
                regimen.label(first),
                data.lines[first],
                regimen.label(other),
                data.lines[other],
                regimen.label(other),
                group.levels[arm]
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Columns;

    // regimens A (a1 and 2 placebo), B (b1 and 1 placebo), C (c1, no placebo)
    const CSV: &[u8] =
        b"t,s,arm,reg\n1,1,placebo,A\n2,0,a1,A\n3,1,placebo,A\n4,1,b1,B\n5,1,placebo,B\n6,0,c1,C\n7,1,a1,A\n";

    fn data() -> SurvData {
        let columns = Columns::new("t", "s")
            .group("arm")
            .regimen("reg")
            .reference("arm", "placebo");
        SurvData::from_csv_bytes("p.csv", CSV, &columns).unwrap()
    }

    #[test]
    fn concurrent_and_pooled_rows() {
        let data = data();
        let one = platform_pairs(&data, Some(("a1", "placebo")), Control::Concurrent).unwrap();
        assert_eq!(one[0].data.lines, [2, 3, 4, 8]);
        assert_eq!((one[0].controls.n_control, one[0].controls.regimen.as_str()), (2, "A"));
        let pooled = platform_pairs(&data, None, Control::Pooled { stratified: true }).unwrap();
        assert_eq!(pooled.len(), 3);
        assert_eq!(pooled[1].arm, "b1");
        assert_eq!(pooled[1].data.lines, [2, 4, 5, 6]);
        assert_eq!(
            pooled[1].controls.by_regimen,
            [("A".to_string(), 2), ("B".to_string(), 1)]
        );
        let strata = pooled[1].data.strata.as_ref().unwrap();
        assert_eq!(
            (strata.levels.clone(), strata.codes.clone()),
            (vec!["A".into(), "B".into()], vec![0, 0, 1, 1])
        );
        // c1's regimen has no placebo: pooled only
        assert!(pooled[2].data.lines.contains(&7));
        let err = platform_pairs(&data, None, Control::Concurrent)
            .unwrap_err()
            .to_string();
        assert!(err.contains("reg 'C' has no 'placebo' rows"), "{err}");
    }

    #[test]
    fn refuses_an_arm_in_two_regimens() {
        let csv = b"t,s,arm,reg\n1,1,placebo,A\n2,0,x,A\n3,1,placebo,B\n4,1,x,B\n";
        let columns = Columns::new("t", "s")
            .group("arm")
            .regimen("reg")
            .reference("arm", "placebo");
        let data = SurvData::from_csv_bytes("p.csv", csv, &columns).unwrap();
        let err = platform_pairs(&data, None, Control::Pooled { stratified: false })
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("arm 'x' has rows in reg 'A' (line 3) and 'B' (line 5)"),
            "{err}"
        );
    }
}
