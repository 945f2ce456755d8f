//! The MaxCombo test: the largest of several standardised weighted log-rank statistics, with
//! its p-value from their joint normal distribution.
//!
//! # Formulas
//! For two groups and weight functions w⁽¹⁾, …, w⁽ᵐ⁾ (by default the Fleming–Harrington
//! FH(0,0), FH(0,1), FH(1,0), FH(1,1); Lin et al. 2020, "Alternative analysis methods for time
//! to event endpoints under nonproportional hazards", Stat. Biopharm. Res. 12:187–198), with the
//! notation of [`crate::logrank`] and group 2 (the second level) as the compared group, at each
//! event time t_j of each stratum:
//! - U_a = Σ_j w⁽ᵃ⁾_j (d_2j − d_j n_2j/n_j)
//! - C_ab = Σ_j w⁽ᵃ⁾_j w⁽ᵇ⁾_j d_j (n_j − d_j)/(n_j − 1) · (n_2j/n_j)(1 − n_2j/n_j)
//!
//! summed over strata; C_aa is the variance of U_a and C_ab their covariance under the null
//! (Karrison 2016, "Versatile tests for comparing survival curves based on weighted log-rank
//! statistics", Stata J. 16:678–690). Z_a = U_a/√C_aa, the correlation R_ab = C_ab/√(C_aa C_bb),
//! and the statistic is Z_max = max_a |Z_a| with the two-sided p-value
//! p = 1 − P(|Z_a| ≤ Z_max for all a), Z ~ N(0, R), computed by `crate::mvnorm` to an
//! absolute error below 1e-6 (reported).

use nalgebra::DMatrix;
use serde::Serialize;
use thiserror::Error;

use crate::counts::Counts;
use crate::data::{DroppedRows, SurvData};
use crate::dist::two_sided_p;
use crate::logrank::{LogRankError, Weights, tested_group};
use crate::mvnorm::rectangle_probability;
use crate::risk_set::{Records, RiskTable, split_by_code};

/// The integration error asked of the multivariate normal probability.
const P_ABS_ERROR: f64 = 1e-6;

/// Options for [`MaxCombo::test`].
#[derive(Debug, Clone, PartialEq)]
pub struct MaxComboOptions {
    /// The weighted log-rank statistics combined.
    pub weights: Vec<Weights>,
    /// Seed of the random shifts of the lattice rule that integrates the joint normal.
    pub seed: u64,
}

impl Default for MaxComboOptions {
    fn default() -> Self {
        let fh = |rho, gamma| Weights::FlemingHarrington { rho, gamma };
        MaxComboOptions {
            weights: vec![fh(0.0, 0.0), fh(0.0, 1.0), fh(1.0, 0.0), fh(1.0, 1.0)],
            seed: 1,
        }
    }
}

/// What can go wrong in a MaxCombo test.
#[derive(Debug, Error, PartialEq)]
pub enum MaxComboError {
    /// The data cannot be tested (e.g. no group column, case weights, one level, no events).
    #[error(transparent)]
    Data(#[from] LogRankError),
    /// The group column does not have exactly two levels among the rows used.
    #[error("{file}: the MaxCombo test compares two groups; column '{column}' has {levels}")]
    NotTwoGroups {
        /// The input file.
        file: String,
        /// The group column.
        column: String,
        /// Its number of levels among the rows used.
        levels: usize,
    },
    /// The options name no weight function.
    #[error("the MaxCombo test needs at least one weight function")]
    NoWeights,
    /// A statistic's variance is 0 (its weights are 0 at every event time).
    #[error("{file}: the {weights} statistic has no variance (its weights are 0 at every event time)")]
    NoVariance {
        /// The input file.
        file: String,
        /// The weight function.
        weights: Weights,
    },
    /// The correlation matrix of the statistics is singular (two give the same test).
    #[error(
        "{file}: the statistics' correlation matrix is singular (two weight functions give the same test); drop one"
    )]
    Singular {
        /// The input file.
        file: String,
    },
    /// More than 21 weight functions were named (the number given).
    #[error("the MaxCombo test combines at most 21 statistics, got {0}")]
    TooMany(usize),
}

/// One weighted log-rank statistic of the combination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComboStatistic {
    /// The weight function of this statistic.
    pub weights: Weights,
    /// U, weighted observed − expected events in the second group.
    pub u: f64,
    /// Var(U) under the null, C_aa.
    pub variance: f64,
    /// Standardised statistic Z = U/√Var(U).
    pub z: f64,
    /// Two-sided p-value of this statistic alone.
    pub p_value: f64,
}

/// The result of the MaxCombo test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaxCombo {
    /// max_a |Z_a|.
    pub statistic: f64,
    /// Two-sided p-value 1 − P(|Z_a| ≤ Z_max for all a), Z ~ N(0, R).
    pub p_value: f64,
    /// Bound on the absolute integration error of `p_value` (3.5 standard errors).
    pub p_value_error: f64,
    /// The statistics combined, in the order of the options' weights.
    pub statistics: Vec<ComboStatistic>,
    /// Correlation matrix of the Z statistics, in the order of `statistics`.
    pub correlation: Vec<Vec<f64>>,
    /// The group column.
    pub group_column: String,
    /// The two levels; U counts the second's excess events.
    pub groups: Vec<String>,
    /// The strata column; `None` without strata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strata_column: Option<String>,
    /// Seed of the random shifts of the lattice rule for the p-value.
    pub seed: u64,
    /// Rows left out of the analysis, and why.
    pub dropped_rows: DroppedRows,
    /// Warnings (e.g. an integration error bound above 1e-6).
    pub warnings: Vec<String>,
}

impl MaxCombo {
    /// Runs the MaxCombo test of the two levels of the group column, stratified by the strata
    /// column when there is one.
    ///
    /// ```
    /// use survkit::maxcombo::{MaxCombo, MaxComboOptions};
    /// use survkit::{Columns, SurvData};
    ///
    /// let columns = Columns::new("time", "status").group("sex");
    /// let data = SurvData::read_csv("datasets/lung.csv", &columns)?;
    /// let test = MaxCombo::test(&data, &MaxComboOptions::default())?;
    /// assert!((test.statistic - 3.56569087291055).abs() < 1e-8); // FH(1,0), as tests/reference
    /// assert!((test.p_value - 0.000983808).abs() < 2e-6); // R: mvtnorm::pmvnorm
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn test(data: &SurvData, options: &MaxComboOptions) -> Result<MaxCombo, MaxComboError> {
        Self::test_records(data, options)
    }

    /// As [`MaxCombo::test`], from participants counted per (group, stratum, time): the same
    /// result as from their rows.
    ///
    /// ```
    /// use survkit::counts::Counts;
    /// use survkit::maxcombo::{MaxCombo, MaxComboOptions};
    /// use survkit::{Columns, Table};
    ///
    /// let table = Table::read_csv("datasets/lung.csv")?;
    /// let counts = Counts::from_rows(&table, &Columns::new("time", "status").group("sex"))?;
    /// let test = MaxCombo::test_counts(&counts, &MaxComboOptions::default())?;
    /// assert!((test.statistic - 3.56569087291055).abs() < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn test_counts(counts: &Counts, options: &MaxComboOptions) -> Result<MaxCombo, MaxComboError> {
        Self::test_records(counts, options)
    }

    fn test_records(data: &impl Records, options: &MaxComboOptions) -> Result<MaxCombo, MaxComboError> {
        let file = || data.source().to_string();
        let group = tested_group(data)?;
        if group.n_levels() != 2 {
            return Err(MaxComboError::NotTwoGroups {
                file: file(),
                column: group.name.clone(),
                levels: group.n_levels(),
            });
        }
        let m = options.weights.len();
        if m == 0 {
            return Err(MaxComboError::NoWeights);
        }
        if m > 21 {
            return Err(MaxComboError::TooMany(m));
        }
        let n_strata = data.strata().map_or(1, |s| s.n_levels());
        let mut u = vec![0.0; m];
        let mut cov = DMatrix::zeros(m, m);
        for rows in split_by_code(data.order_by_time(), n_strata, |i| data.stratum_of(i)) {
            let table = data.risk_table(&rows, 2, |i| group.codes[i] as usize);
            accumulate(&table, &options.weights, &mut u, &mut cov);
        }
        if let Some(a) = (0..m).find(|a| cov[(*a, *a)].is_nan() || cov[(*a, *a)] <= 0.0) {
            return Err(MaxComboError::NoVariance {
                file: file(),
                weights: options.weights[a],
            });
        }
        let combined = combine(&u, &cov, options.seed).ok_or_else(|| MaxComboError::Singular { file: file() })?;
        let statistics: Vec<ComboStatistic> = (0..m)
            .map(|a| {
                let z = combined.z[a];
                ComboStatistic {
                    weights: options.weights[a],
                    u: u[a],
                    variance: cov[(a, a)],
                    z,
                    p_value: two_sided_p(z),
                }
            })
            .collect();
        let corr = &combined.correlation;
        let mut warnings = Vec::new();
        if combined.p_value_error > P_ABS_ERROR {
            warnings.push(format!(
                "the p-value's integration error bound {:.1e} is above the {P_ABS_ERROR:.0e} asked for",
                combined.p_value_error
            ));
        }
        Ok(MaxCombo {
            statistic: combined.statistic,
            p_value: combined.p_value,
            p_value_error: combined.p_value_error,
            statistics,
            correlation: (0..m).map(|a| (0..m).map(|b| corr[(a, b)]).collect()).collect(),
            group_column: group.name.clone(),
            groups: group.levels.clone(),
            strata_column: data.strata().map(|s| s.name.clone()),
            seed: options.seed,
            dropped_rows: data.dropped().clone(),
            warnings,
        })
    }
}

/// The combination of statistics U with covariance C.
pub(crate) struct Combined {
    pub z: Vec<f64>,
    pub correlation: DMatrix<f64>,
    /// max |Z_a|.
    pub statistic: f64,
    pub p_value: f64,
    pub p_value_error: f64,
}

/// Z, R, max |Z| and its p-value (see the module formulas); `None` when a variance is not
/// positive or R is not positive semi-definite.
pub(crate) fn combine(u: &[f64], cov: &DMatrix<f64>, seed: u64) -> Option<Combined> {
    let m = u.len();
    if (0..m).any(|a| cov[(a, a)].is_nan() || cov[(a, a)] <= 0.0) {
        return None;
    }
    let sd: Vec<f64> = (0..m).map(|a| cov[(a, a)].sqrt()).collect();
    let correlation = DMatrix::from_fn(m, m, |a, b| if a == b { 1.0 } else { cov[(a, b)] / (sd[a] * sd[b]) });
    let z: Vec<f64> = (0..m).map(|a| u[a] / sd[a]).collect();
    let statistic = z.iter().map(|z| z.abs()).fold(0.0, f64::max);
    let inside = rectangle_probability(
        &vec![-statistic; m],
        &vec![statistic; m],
        &correlation,
        P_ABS_ERROR,
        seed,
    )?;
    Some(Combined {
        z,
        correlation,
        statistic,
        p_value: (1.0 - inside.value).clamp(0.0, 1.0),
        p_value_error: inside.error,
    })
}

/// Adds one stratum's U_a and C_ab (see the module formulas).
pub(crate) fn accumulate(table: &RiskTable, weights: &[Weights], u: &mut [f64], cov: &mut DMatrix<f64>) {
    let m = weights.len();
    let mut km_left = vec![1.0; m];
    let mut peto = vec![1.0; m];
    let mut w = vec![0.0; m];
    for j in 0..table.len() {
        let n = RiskTable::total(&table.n_risk, 2, j);
        let d = RiskTable::total(&table.n_event, 2, j);
        if d == 0.0 {
            continue;
        }
        let n2 = table.n_risk[2 * j + 1];
        let d2 = table.n_event[2 * j + 1];
        let p2 = n2 / n;
        let factor = if n > 1.0 {
            d * (n - d) / (n - 1.0) * p2 * (1.0 - p2)
        } else {
            0.0
        };
        for a in 0..m {
            let (weight, peto_here) = weights[a].at(n, d, km_left[a], peto[a]);
            w[a] = weight;
            u[a] += weight * (d2 - d * p2);
            if weights[a].updates_km(table.time[j]) {
                km_left[a] *= 1.0 - d / n;
            }
            peto[a] = peto_here;
        }
        for a in 0..m {
            for b in 0..m {
                cov[(a, b)] += w[a] * w[b] * factor;
            }
        }
    }
}
