//! k arms against a reference: one two-arm analysis per arm, on the rows of that arm and the
//! reference only, with the p-values adjusted for the number of comparisons.
//!
//! The reference is the group's first level (R's `relevel`; `Columns::reference` or
//! `--reference COL=LEVEL` chooses it). Each comparison's data keep only the rows of its two
//! arms, the group relevelled to (reference, arm), so each result is exactly the two-arm
//! analysis of that pair's rows. With a pair named ([`Comparisons::run`]'s `compare`), only that
//! pair is analysed. p-values are adjusted by [`crate::multiplicity::Adjustment`] (R's
//! `p.adjust`) over the comparisons that have one.

use serde::Serialize;
use serde::ser::SerializeMap;

use nalgebra::{DMatrix, DVector};

use crate::counts::Counts;
use crate::cox::{Cox, CoxFit, CoxOptions, Term, TestResult};
use crate::data::{DataError, Factor, SurvData};
use crate::multiplicity::Adjustment;
use crate::output::{Render, TextTable, csv_line, csv_num, opt};
use crate::platform::{Control, ControlsUsed, platform_pairs};
use crate::risk_set::Records;

/// One arm against the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison<T> {
    /// The arm (a level of the group column).
    pub arm: String,
    /// The reference arm.
    pub reference: String,
    /// Rows of the two arms.
    pub n: usize,
    /// In a platform trial, which control rows the comparison used and how many
    /// ([`crate::platform`]); `None` otherwise.
    pub controls: Option<ControlsUsed>,
    /// The two-arm analysis of the pair's rows, or why it could not be done.
    pub result: Result<T, String>,
    /// Its p-value; `None` when the analysis has none or failed.
    pub p_value: Option<f64>,
    /// The p-value adjusted over the comparisons.
    pub p_adjusted: Option<f64>,
}

/// Every arm against the reference, in level order.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparisons<T> {
    /// The group column.
    pub group_column: String,
    /// How the p-values were adjusted.
    pub adjust: Adjustment,
    /// One per comparison, in level order of the arm.
    pub comparisons: Vec<Comparison<T>>,
    /// The analysis of all arms together, where one exists (the k-sample test, every arm's
    /// RMST); `None` otherwise.
    pub global: Option<T>,
}

/// The arm of a comparison's data: its group's second level (the first is the reference), the
/// experimental arm of its two-arm analyses.
pub fn arm_of(pair: &SurvData) -> Option<String> {
    pair.group.as_ref().and_then(|g| g.levels.get(1).cloned())
}

/// The data of each comparison: (arm, reference, the pair's rows with the group relevelled to
/// (reference, arm)). `compare` = (arm, reference) restricts to that pair.
pub fn pairs(data: &SurvData, compare: Option<(&str, &str)>) -> Result<Vec<(String, String, SurvData)>, DataError> {
    let (group, wanted) = wanted_levels(&data.source, data.group.as_ref(), compare)?;
    Ok(wanted
        .into_iter()
        .map(|(a, r)| {
            let rows: Vec<usize> = (0..data.n_rows())
                .filter(|&i| group.codes[i] as usize == a || group.codes[i] as usize == r)
                .collect();
            let pair = relevelled_pair(data, group, a, r, &rows);
            (group.levels[a].clone(), group.levels[r].clone(), pair)
        })
        .collect())
}

/// As [`pairs`], for participants counted per (group, stratum, time): each pair's counts.
pub fn count_pairs(counts: &Counts, compare: Option<(&str, &str)>) -> Result<Vec<(String, String, Counts)>, DataError> {
    let (group, wanted) = wanted_levels(counts.source(), counts.group(), compare)?;
    Ok(wanted
        .into_iter()
        .filter_map(|(a, r)| {
            let pair = counts.relevelled_pair(a, r)?;
            Some((group.levels[a].clone(), group.levels[r].clone(), pair))
        })
        .collect())
}

/// The level codes (arm, reference) of one comparison.
pub(crate) type LevelPair = (usize, usize);

/// The group and the (arm, reference) level codes of each comparison: every other level
/// against the first, or the pair `compare` names.
pub(crate) fn wanted_levels<'a>(
    file: &str,
    group: Option<&'a Factor>,
    compare: Option<(&str, &str)>,
) -> Result<(&'a Factor, Vec<LevelPair>), DataError> {
    let invalid = |message: String| DataError::Invalid {
        file: file.to_string(),
        message,
    };
    let group = group.ok_or_else(|| invalid("comparing arms needs a group column".to_string()))?;
    let level = |name: &str| {
        group
            .levels
            .iter()
            .position(|l| l == name)
            .ok_or_else(|| DataError::UnknownLevel {
                file: file.to_string(),
                column: group.name.clone(),
                level: name.to_string(),
                available: group.levels.clone(),
            })
    };
    let wanted: Vec<(usize, usize)> = match compare {
        Some((arm, reference)) => {
            let (a, r) = (level(arm)?, level(reference)?);
            if a == r {
                return Err(invalid(format!(
                    "a comparison needs two different arms, got '{arm}' twice"
                )));
            }
            vec![(a, r)]
        }
        None if group.n_levels() > crate::logrank::MAX_GROUPS => {
            return Err(invalid(format!(
                "group column '{}' has {} levels; comparisons with a reference take at most {} arms (name one pair to compare)",
                group.name,
                group.n_levels(),
                crate::logrank::MAX_GROUPS
            )));
        }
        None => (1..group.n_levels()).map(|a| (a, 0)).collect(),
    };
    if wanted.is_empty() {
        return Err(invalid(format!(
            "group column '{}' has one level among the rows used: there is nothing to compare",
            group.name
        )));
    }
    Ok((group, wanted))
}

/// The rows `rows` (of arm level `arm` and reference level `reference` only), the group
/// relevelled to (reference, arm).
pub(crate) fn relevelled_pair(
    data: &SurvData,
    group: &Factor,
    arm: usize,
    reference: usize,
    rows: &[usize],
) -> SurvData {
    let mut pair = data.select_rows(rows);
    pair.group = Some(group.relevelled_pair(arm, reference, rows));
    pair
}

/// The arm terms of a Cox model fitted with the group as a factor (`COL=LEVEL` terms, as
/// R's `coxph(Surv ~ arm + ...)` gives them): one comparison per arm against the reference,
/// from the one model of all arms (not refitted per pair), with its Wald p-value adjusted.
pub fn cox_arms(fit: &CoxFit, data: &SurvData, adjust: Adjustment) -> Option<Comparisons<Term>> {
    let group = data.group.as_ref()?;
    let reference = group.levels.first()?;
    let mut comparisons: Vec<Comparison<Term>> = Vec::new();
    for (code, arm) in group.levels.iter().enumerate().skip(1) {
        let name = format!("{}={arm}", group.name);
        let term = fit.terms.iter().find(|t| t.term == name)?;
        comparisons.push(Comparison {
            arm: arm.clone(),
            reference: reference.clone(),
            n: group.codes.iter().filter(|&&c| c == 0 || c as usize == code).count(),
            controls: None,
            p_value: term.p_value,
            result: Ok(term.clone()),
            p_adjusted: None,
        });
    }
    let p: Vec<Option<f64>> = comparisons.iter().map(|c| c.p_value).collect();
    for (c, adjusted) in comparisons.iter_mut().zip(adjust.adjust(&p)) {
        c.p_adjusted = adjusted;
    }
    Some(Comparisons {
        group_column: group.name.clone(),
        adjust,
        comparisons,
        global: None,
    })
}

/// The joint tests of the arm terms of a Cox model that has other covariates: do the arms
/// differ, adjusted for the rest (k − 1 df)?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmTests {
    /// 2 (ℓ(full) − ℓ(without the arm)), R's `anova(coxph(~ covariates), coxph(~ arm +
    /// covariates))`.
    pub likelihood_ratio: TestResult,
    /// β_arm' V_arm⁻¹ β_arm with V_arm the arm terms' block of the model's variance (robust
    /// when the fit used it), as R's `car::linearHypothesis` or `survey::regTermTest`.
    pub wald: TestResult,
    /// U'I⁻¹U of the full model at (β_arm = 0, the other coefficients at the fit without the
    /// arm), as R's `coxph(..., init = c(0, ..., coef(reduced)), iter.max = 0)$score`.
    pub score: TestResult,
}

/// The joint LR and Wald tests of the arm terms (`COL=LEVEL`, the group as the first
/// covariate) of a Cox fit of `data` with other covariates; `None` without other covariates
/// (the model's own tests are then the arm's) or without estimates of every arm term.
pub fn cox_arm_tests(fit: &CoxFit, data: &SurvData, options: &CoxOptions) -> Option<ArmTests> {
    let group = data.group.as_ref()?;
    if data.covariates.len() < 2 {
        return None;
    }
    let prefix = format!("{}=", group.name);
    let arm: Vec<usize> = (0..fit.terms.len())
        .filter(|&k| fit.terms[k].term.starts_with(&prefix))
        .collect();
    // the arm's columns come first in the design, as the score test below needs
    if arm.iter().enumerate().any(|(i, &k)| i != k) {
        return None;
    }
    let beta: Option<Vec<f64>> = arm.iter().map(|&k| fit.terms[k].coef).collect();
    let beta = DVector::from_vec(beta?);
    let variance = fit.robust_variance.as_ref().unwrap_or(&fit.variance);
    let block = DMatrix::from_fn(arm.len(), arm.len(), |i, j| variance[arm[i]][arm[j]]);
    let wald = TestResult::quadratic(crate::linalg::quadratic_form(&block, &beta));
    let mut reduced = data.clone();
    reduced.covariates.remove(0);
    let without = Cox::fit(&reduced, options).ok();
    let df = arm.len() as f64;
    let likelihood_ratio = match &without {
        Some(without) => TestResult::chisq(2.0 * (fit.loglik[1] - without.loglik[1]), df),
        None => TestResult::chisq(f64::NAN, 0.0),
    };
    // the score test: U and I of the full model where the arm terms are 0 and the others the
    // reduced model's estimates (its design columns are the full design's after the arm's)
    let score = without
        .and_then(|without| {
            let others: Option<Vec<f64>> = without.terms.iter().map(|t| t.coef).collect();
            let mut beta = vec![0.0; arm.len()];
            beta.extend(others?);
            let design = crate::cox::Design::build(data).ok()?;
            (design.p == beta.len()).then_some(())?;
            let at = crate::cox::partial::Problem::new(data, &design, options.ties).evaluate(&beta, true);
            let p = beta.len();
            let information = DMatrix::from_row_slice(p, p, &at.information);
            let (q, _) = crate::linalg::quadratic_form(&information, &DVector::from_vec(at.score))?;
            Some(TestResult::chisq(q, df))
        })
        .unwrap_or_else(|| TestResult::chisq(f64::NAN, 0.0));
    Some(ArmTests {
        likelihood_ratio,
        wald,
        score,
    })
}

impl<T> Comparisons<T> {
    /// Runs `analyse` on each pair of [`pairs`] and adjusts the p-values `p_of` gives.
    pub fn run<E: std::fmt::Display>(
        data: &SurvData,
        compare: Option<(&str, &str)>,
        adjust: Adjustment,
        analyse: impl Fn(&SurvData) -> Result<T, E>,
        p_of: impl Fn(&T) -> Option<f64>,
    ) -> Result<Comparisons<T>, DataError> {
        let pairs = pairs(data, compare)?
            .into_iter()
            .map(|(arm, reference, pair)| (arm, reference, pair, None));
        Ok(Self::from_pairs(
            data.group.as_ref(),
            pairs,
            SurvData::n_rows,
            adjust,
            analyse,
            p_of,
        ))
    }

    /// As [`Comparisons::run`], for participants counted per (group, stratum, time): each
    /// pair's counts ([`count_pairs`]) analysed, with the results of the pairs' rows.
    pub fn run_counts<E: std::fmt::Display>(
        counts: &Counts,
        compare: Option<(&str, &str)>,
        adjust: Adjustment,
        analyse: impl Fn(&Counts) -> Result<T, E>,
        p_of: impl Fn(&T) -> Option<f64>,
    ) -> Result<Comparisons<T>, DataError> {
        let pairs = count_pairs(counts, compare)?
            .into_iter()
            .map(|(arm, reference, pair)| (arm, reference, pair, None));
        let n_of = |pair: &Counts| pair.n_participants() as usize;
        Ok(Self::from_pairs(counts.group(), pairs, n_of, adjust, analyse, p_of))
    }

    /// As [`Comparisons::run`] in a platform trial: each active arm against the control rows
    /// `control` chooses ([`platform_pairs`]), each comparison saying which it used.
    pub fn run_platform<E: std::fmt::Display>(
        data: &SurvData,
        compare: Option<(&str, &str)>,
        control: Control,
        adjust: Adjustment,
        analyse: impl Fn(&SurvData) -> Result<T, E>,
        p_of: impl Fn(&T) -> Option<f64>,
    ) -> Result<Comparisons<T>, DataError> {
        let pairs = platform_pairs(data, compare, control)?
            .into_iter()
            .map(|p| (p.arm, p.reference, p.data, Some(p.controls)));
        Ok(Self::from_pairs(
            data.group.as_ref(),
            pairs,
            SurvData::n_rows,
            adjust,
            analyse,
            p_of,
        ))
    }

    /// Analyses each pair's data (`n_of` its participants), adjusting the p-values.
    fn from_pairs<D, E: std::fmt::Display>(
        group: Option<&Factor>,
        pairs: impl Iterator<Item = (String, String, D, Option<ControlsUsed>)>,
        n_of: impl Fn(&D) -> usize,
        adjust: Adjustment,
        analyse: impl Fn(&D) -> Result<T, E>,
        p_of: impl Fn(&T) -> Option<f64>,
    ) -> Comparisons<T> {
        let mut comparisons: Vec<Comparison<T>> = pairs
            .map(|(arm, reference, pair, controls)| {
                let result = analyse(&pair).map_err(|e| e.to_string());
                Comparison {
                    p_value: result.as_ref().ok().and_then(&p_of),
                    arm,
                    reference,
                    n: n_of(&pair),
                    controls,
                    result,
                    p_adjusted: None,
                }
            })
            .collect();
        let p: Vec<Option<f64>> = comparisons.iter().map(|c| c.p_value).collect();
        for (c, adjusted) in comparisons.iter_mut().zip(adjust.adjust(&p)) {
            c.p_adjusted = adjusted;
        }
        Comparisons {
            group_column: group.map(|g| g.name.clone()).unwrap_or_default(),
            adjust,
            comparisons,
            global: None,
        }
    }
}

/// `{"arm", "reference", "n", ...the controls used (platform trials: "control", "n_control",
/// ...), ...the result's fields (or "error"), "p_value", "p_adjusted"}`.
impl<T: Serialize> Serialize for Comparison<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("arm", &self.arm)?;
        map.serialize_entry("reference", &self.reference)?;
        map.serialize_entry("n", &self.n)?;
        let mut taken: Vec<String> = ["p_value", "arm", "reference", "n"].map(String::from).to_vec();
        for (key, value) in self.controls.iter().flat_map(ControlsUsed::fields) {
            map.serialize_entry(key, &value)?;
            taken.push(key.to_string());
        }
        match &self.result {
            Ok(result) => {
                let value = serde_json::to_value(result).map_err(serde::ser::Error::custom)?;
                if let serde_json::Value::Object(fields) = value {
                    for (key, value) in fields {
                        if !taken.contains(&key) {
                            map.serialize_entry(&key, &value)?;
                        }
                    }
                }
            }
            Err(error) => map.serialize_entry("error", error)?,
        }
        map.serialize_entry("p_value", &self.p_value)?;
        map.serialize_entry("p_adjusted", &self.p_adjusted)?;
        map.end()
    }
}

impl<T: Serialize> Serialize for Comparisons<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("group_column", &self.group_column)?;
        map.serialize_entry("adjust", &self.adjust)?;
        map.serialize_entry("comparisons", &self.comparisons)?;
        if let Some(global) = &self.global {
            map.serialize_entry("global", global)?;
        }
        map.end()
    }
}

impl<T> Comparisons<T> {
    fn heading(&self, c: &Comparison<T>) -> String {
        format!(
            "{}={} vs {}={}",
            self.group_column, c.arm, self.group_column, c.reference
        )
    }

    /// The p-value of each comparison, adjusted and not, as a text table with a heading.
    pub fn summary_table(&self) -> String {
        let mut out = format!(
            "Comparisons of each arm with the reference ({})\n",
            self.adjustment_note()
        );
        let platform = self.is_platform();
        let mut table = if platform {
            TextTable::new(["comparison", "controls", "p", "p adjusted"])
        } else {
            TextTable::new(["comparison", "p", "p adjusted"])
        };
        for c in &self.comparisons {
            let mut row = vec![self.heading(c), opt(c.p_value), opt(c.p_adjusted)];
            if let Some(controls) = c.controls.as_ref().filter(|_| platform) {
                row.insert(1, format!("{} {}", controls.control.name(), controls.n_control));
            }
            table.row(row);
        }
        out.push_str(&table.render());
        out
    }

    /// The p-value of each comparison, adjusted and not, as CSV under a `#` note line.
    pub fn summary_csv(&self) -> String {
        let mut out = format!("# {}\n", self.adjustment_note());
        let platform = self.is_platform();
        let mut header = vec!["arm", "reference", "n"];
        if platform {
            header.extend(["control", "stratified_by_regimen", "n_control"]);
        }
        header.extend(["p_value", "p_adjusted"]);
        out.push_str(&csv_line(&header.into_iter().map(String::from).collect::<Vec<_>>()));
        for c in &self.comparisons {
            let mut row = vec![c.arm.clone(), c.reference.clone(), c.n.to_string()];
            if let Some(controls) = c.controls.as_ref().filter(|_| platform) {
                row.extend([
                    controls.control.name().to_string(),
                    controls.control.stratified().to_string(),
                    controls.n_control.to_string(),
                ]);
            }
            row.extend([csv_num(c.p_value), csv_num(c.p_adjusted)]);
            out.push_str(&csv_line(&row));
        }
        out
    }

    /// Whether every comparison says which platform controls it used.
    fn is_platform(&self) -> bool {
        !self.comparisons.is_empty() && self.comparisons.iter().all(|c| c.controls.is_some())
    }

    /// "p adjusted: holm over 2 comparisons" or "p unadjusted (2 comparisons)".
    pub fn adjustment_note(&self) -> String {
        let m = self.comparisons.iter().filter(|c| c.p_value.is_some()).count();
        let noun = if m == 1 { "comparison" } else { "comparisons" };
        match self.adjust {
            Adjustment::None => format!("p unadjusted ({m} {noun}; --adjust holm|hochberg|bonferroni adjusts them)"),
            method => format!("p adjusted: {method} over {m} {noun}"),
        }
    }
}

impl<T: Render> Render for Comparisons<T> {
    fn table(&self) -> String {
        let mut out = String::new();
        if let Some(global) = &self.global {
            out.push_str(&format!("== all arms of {} ==\n", self.group_column));
            out.push_str(&global.table());
            out.push('\n');
        }
        for c in &self.comparisons {
            out.push_str(&format!("== {} (n = {}) ==\n", self.heading(c), c.n));
            if let Some(controls) = &c.controls {
                out.push_str(&format!("controls: {}\n", controls.describe(&c.reference)));
            }
            match &c.result {
                Ok(result) => out.push_str(&result.table()),
                Err(error) => out.push_str(&format!("not computed: {error}\n")),
            }
            out.push('\n');
        }
        out.push_str(&self.summary_table());
        out
    }

    fn csv(&self) -> String {
        let mut out = self.summary_csv();
        if let Some(global) = &self.global {
            out.push_str(&format!("\n# all arms of {}\n", self.group_column));
            out.push_str(&global.csv());
        }
        for c in &self.comparisons {
            out.push_str(&format!("\n# {}\n", self.heading(c)));
            if let Some(controls) = &c.controls {
                out.push_str(&format!("# controls: {}\n", controls.describe(&c.reference)));
            }
            match &c.result {
                Ok(result) => out.push_str(&result.csv()),
                Err(error) => out.push_str(&format!("# not computed: {error}\n")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Columns;

    #[test]
    fn pairs_keep_their_rows_and_relevel() {
        let csv = b"t,s,g\n1,1,a\n2,0,b\n3,1,c\n4,1,a\n5,1,c\n";
        let data = SurvData::from_csv_bytes("x", csv, &Columns::new("t", "s").group("g")).unwrap();
        let all = pairs(&data, None).unwrap();
        assert_eq!(all.len(), 2);
        let (arm, reference, pair) = &all[1];
        assert_eq!((arm.as_str(), reference.as_str()), ("c", "a"));
        assert_eq!(pair.time, [1.0, 3.0, 4.0, 5.0]);
        assert_eq!(pair.lines, [2, 4, 5, 6]);
        let g = pair.group.as_ref().unwrap();
        assert_eq!(
            (g.levels.clone(), g.codes.clone()),
            (vec!["a".into(), "c".into()], vec![0, 1, 0, 1])
        );
        let one = pairs(&data, Some(("b", "c"))).unwrap();
        assert_eq!((one.len(), one[0].2.time.clone()), (1, vec![2.0, 3.0, 5.0]));
        assert!(pairs(&data, Some(("b", "b"))).is_err());
        assert!(pairs(&data, Some(("z", "a"))).unwrap_err().to_string().contains("'z'"));
    }
}
