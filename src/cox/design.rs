//! The design matrix of a Cox model: numeric covariates as they are, categorical ones as
//! treatment-coded dummies named `COL=LEVEL` against the reference (first) level.

use nalgebra::DMatrix;

use super::CoxError;
use crate::data::{Covariate, SurvData};
use crate::numbers::shown;

/// The most coefficients a model may have (each Newton step is O(n p²) and O(p³)).
const MAX_COEFFICIENTS: usize = 100;

/// The largest covariate magnitude a fit accepts: its square and sums over a million rows stay
/// far inside double precision.
const MAX_COVARIATE: f64 = 1e100;

/// Covariate values, row-major (`n × p`), with the names of the columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// The coefficient names: the column, or `COL=LEVEL` for a factor's dummy.
    pub names: Vec<String>,
    /// For each design column, the data column it came from.
    pub sources: Vec<String>,
    /// Number of rows.
    pub n: usize,
    /// Number of design columns (coefficients).
    pub p: usize,
    /// The covariate values, row-major, n × p.
    pub x: Vec<f64>,
}

impl Design {
    /// The covariate values of row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.p..(i + 1) * self.p]
    }

    /// Builds the design from the data's covariates, in the order they were requested.
    pub fn build(data: &SurvData) -> Result<Design, CoxError> {
        let n = data.n_rows();
        let mut names = Vec::new();
        let mut sources = Vec::new();
        let mut columns: Vec<Vec<f64>> = Vec::new();
        for covariate in &data.covariates {
            match covariate {
                Covariate::Numeric { name, values } => {
                    // x² must stay finite in the information matrix, with room for the sums
                    if let Some(huge) = values.iter().find(|v| v.abs() > MAX_COVARIATE) {
                        return Err(CoxError::HugeValue {
                            column: name.clone(),
                            value: shown(*huge),
                        });
                    }
                    let first = values[0];
                    if values.iter().all(|v| *v == first) {
                        return Err(CoxError::NoVariation {
                            column: name.clone(),
                            value: shown(first),
                        });
                    }
                    names.push(name.clone());
                    sources.push(name.clone());
                    columns.push(values.clone());
                }
                Covariate::Factor(factor) => {
                    if factor.n_levels() < 2 {
                        return Err(CoxError::NoVariation {
                            column: factor.name.clone(),
                            value: factor.levels.first().cloned().unwrap_or_default(),
                        });
                    }
                    for (level_index, level) in factor.levels.iter().enumerate().skip(1) {
                        names.push(format!("{}={}", factor.name, level));
                        sources.push(factor.name.clone());
                        columns.push(
                            factor
                                .codes
                                .iter()
                                .map(|c| if *c as usize == level_index { 1.0 } else { 0.0 })
                                .collect(),
                        );
                    }
                }
            }
        }
        if columns.is_empty() {
            return Err(CoxError::NoCovariates);
        }
        if columns.len() > MAX_COEFFICIENTS {
            return Err(CoxError::TooManyCoefficients {
                count: columns.len(),
                limit: MAX_COEFFICIENTS,
            });
        }
        let p = columns.len();
        let mut x = vec![0.0; n * p];
        for (j, column) in columns.iter().enumerate() {
            for (i, v) in column.iter().enumerate() {
                x[i * p + j] = *v;
            }
        }
        let design = Design {
            names,
            sources,
            n,
            p,
            x,
        };
        design.check_collinearity()?;
        Ok(design)
    }

    /// Refuses columns that are exact linear combinations of the others (and the intercept,
    /// which the partial likelihood cannot identify), naming them.
    fn check_collinearity(&self) -> Result<(), CoxError> {
        if self.p == 1 {
            return Ok(()); // a single column with variation cannot be collinear
        }
        // Centered, scaled columns; Gram–Schmidt finds the first dependent one.
        let means: Vec<f64> = (0..self.p)
            .map(|j| (0..self.n).map(|k| self.x[k * self.p + j]).sum::<f64>() / self.n as f64)
            .collect();
        let centered = DMatrix::from_fn(self.n, self.p, |i, j| self.x[i * self.p + j] - means[j]);
        let mut basis: Vec<nalgebra::DVector<f64>> = Vec::new();
        for j in 0..self.p {
            let column = centered.column(j).into_owned();
            let norm = column.norm();
            let mut residual = column.clone();
            for b in &basis {
                let projection = b.dot(&residual);
                residual -= b * projection;
            }
            if residual.norm() <= 1e-9 * norm.max(f64::MIN_POSITIVE) {
                return Err(CoxError::Collinear {
                    column: self.names[j].clone(),
                    others: self.names[..j].to_vec(),
                });
            }
            let unit = &residual / residual.norm();
            basis.push(unit);
        }
        Ok(())
    }
}
