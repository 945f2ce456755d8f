//! Solving with symmetric positive semi-definite matrices (information and variance matrices)
//! without ever failing on singular or non-finite input.
//!
//! # Algorithm (R survival's `cholesky2.c`, `chsolve2.c`, `chinv2.c`)
//! A = L D L' with unit lower-triangular L. A pivot below `toler` × (largest diagonal entry), or
//! a non-finite pivot, marks its column singular: its row of D is zero, a solve gives that
//! coordinate no step, and the generalised inverse has a zero row and column there (R's `coxph`
//! then reports the coefficient as `NA`). R's `coxph` uses `toler.chol = .Machine$double.eps^0.75`.
//!
//! Every entry is checked first: a non-finite matrix or right-hand side is refused
//! ([`NonFinite`]) instead of being factorised, so no caller can loop or panic on NaN.

use nalgebra::{DMatrix, DVector};

/// R's `toler.chol`: `.Machine$double.eps^0.75`.
pub(crate) const TOLER_CHOL: f64 = 1.8189894035458565e-12;

/// The input held a NaN or an infinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NonFinite;

/// The L D L' factorisation of a symmetric positive semi-definite matrix.
#[derive(Debug, Clone)]
pub(crate) struct Ldl {
    n: usize,
    /// Row-major: L below the diagonal, D on it (0 for a singular column).
    factor: Vec<f64>,
}

impl Ldl {
    /// Factorises `a` (only its lower triangle is read) with R's tolerance.
    pub(crate) fn new(a: &DMatrix<f64>) -> Result<Ldl, NonFinite> {
        Ldl::with_tolerance(a, TOLER_CHOL)
    }

    pub(crate) fn with_tolerance(a: &DMatrix<f64>, toler: f64) -> Result<Ldl, NonFinite> {
        let n = a.nrows().min(a.ncols());
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v = a[(i, j)];
                if !v.is_finite() {
                    return Err(NonFinite);
                }
                m[i * n + j] = v;
            }
        }
        let largest = (0..n).map(|i| m[i * n + i]).fold(0.0, f64::max);
        let eps = if largest == 0.0 { toler } else { largest * toler };
        for i in 0..n {
            let pivot = m[i * n + i];
            if !pivot.is_finite() || pivot < eps {
                m[i * n + i] = 0.0;
                continue;
            }
            for j in i + 1..n {
                let temp = m[j * n + i] / pivot;
                m[j * n + i] = temp;
                m[j * n + j] -= temp * temp * pivot;
                for k in j + 1..n {
                    m[k * n + j] -= temp * m[k * n + i];
                }
            }
        }
        Ok(Ldl { n, factor: m })
    }

    /// Whether column `j` was found singular.
    pub(crate) fn is_singular(&self, j: usize) -> bool {
        self.factor[j * self.n + j] == 0.0
    }

    /// The number of non-singular columns.
    pub(crate) fn rank(&self) -> usize {
        (0..self.n).filter(|j| !self.is_singular(*j)).count()
    }

    /// x with A x = b, singular coordinates set to 0 (R's `chsolve2`).
    pub(crate) fn solve(&self, b: &[f64]) -> Result<Vec<f64>, NonFinite> {
        if b.len() != self.n || b.iter().any(|v| !v.is_finite()) {
            return Err(NonFinite);
        }
        let n = self.n;
        let m = &self.factor;
        let mut y = b.to_vec();
        for i in 0..n {
            let mut temp = y[i];
            for j in 0..i {
                temp -= y[j] * m[i * n + j];
            }
            y[i] = temp;
        }
        for i in (0..n).rev() {
            if m[i * n + i] == 0.0 {
                y[i] = 0.0;
            } else {
                let mut temp = y[i] / m[i * n + i];
                for j in i + 1..n {
                    temp -= y[j] * m[j * n + i];
                }
                y[i] = temp;
            }
        }
        Ok(y)
    }

    /// The generalised inverse, with zero rows and columns at singular columns (R's `chinv2`).
    pub(crate) fn inverse(&self) -> DMatrix<f64> {
        let n = self.n;
        let mut inverse = DMatrix::zeros(n, n);
        for k in 0..n {
            if self.is_singular(k) {
                continue;
            }
            let mut unit = vec![0.0; n];
            unit[k] = 1.0;
            // a unit vector is finite: solve cannot refuse it
            let column = self.solve(&unit).unwrap_or_default();
            for (i, v) in column.iter().enumerate() {
                inverse[(i, k)] = *v;
            }
        }
        // exact symmetry, as R copies one triangle onto the other
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (inverse[(i, j)] + inverse[(j, i)]);
                inverse[(i, j)] = v;
                inverse[(j, i)] = v;
            }
        }
        inverse
    }
}

/// x with A x = b (see [`Ldl::solve`]).
pub(crate) fn solve(a: &DMatrix<f64>, b: &DVector<f64>) -> Result<DVector<f64>, NonFinite> {
    let x = Ldl::new(a)?.solve(b.as_slice())?;
    Ok(DVector::from_vec(x))
}

/// The generalised inverse of A; `None` when A is not finite.
pub(crate) fn inverse(a: &DMatrix<f64>) -> Result<DMatrix<f64>, NonFinite> {
    Ok(Ldl::new(a)?.inverse())
}

/// b'A⁻b and the rank of A: the quadratic form of a chi-square test; `None` when not finite.
pub(crate) fn quadratic_form(a: &DMatrix<f64>, b: &DVector<f64>) -> Option<(f64, usize)> {
    let ldl = Ldl::new(a).ok()?;
    let x = ldl.solve(b.as_slice()).ok()?;
    let q: f64 = x.iter().zip(b.iter()).map(|(x, b)| x * b).sum();
    q.is_finite().then_some((q, ldl.rank()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_positive_definite_system() {
        let a = DMatrix::from_row_slice(2, 2, &[4.0, 2.0, 2.0, 3.0]);
        let x = solve(&a, &DVector::from_vec(vec![2.0, 1.0])).unwrap();
        // 4x + 2y = 2, 2x + 3y = 1 → x = 0.5, y = 0
        assert!((x[0] - 0.5).abs() < 1e-15 && x[1].abs() < 1e-15);
        let inv = inverse(&a).unwrap();
        let identity = &a * &inv;
        assert!((identity - DMatrix::identity(2, 2)).norm() < 1e-14);
    }

    #[test]
    fn a_singular_column_gets_no_step_and_no_variance() {
        // the second column repeats the first: R's cholesky2 keeps the first
        let a = DMatrix::from_row_slice(3, 3, &[2.0, 2.0, 0.0, 2.0, 2.0, 0.0, 0.0, 0.0, 5.0]);
        let ldl = Ldl::new(&a).unwrap();
        assert!(!ldl.is_singular(0) && ldl.is_singular(1) && !ldl.is_singular(2));
        assert_eq!(ldl.rank(), 2);
        let x = ldl.solve(&[4.0, 4.0, 10.0]).unwrap();
        assert_eq!(x, vec![2.0, 0.0, 2.0]);
        let inv = ldl.inverse();
        assert_eq!(inv[(1, 1)], 0.0);
        assert_eq!(inv[(0, 1)], 0.0);
        assert!((inv[(0, 0)] - 0.5).abs() < 1e-15);
    }

    #[test]
    fn a_zero_matrix_is_singular_everywhere() {
        let ldl = Ldl::new(&DMatrix::zeros(2, 2)).unwrap();
        assert_eq!(ldl.rank(), 0);
        assert_eq!(ldl.solve(&[1.0, 1.0]).unwrap(), vec![0.0, 0.0]);
    }

    #[test]
    fn non_finite_input_is_refused_not_factorised() {
        let a = DMatrix::from_row_slice(2, 2, &[f64::NAN, 0.0, 0.0, 1.0]);
        assert_eq!(Ldl::new(&a).err(), Some(NonFinite));
        let b = DMatrix::identity(2, 2);
        assert!(solve(&b, &DVector::from_vec(vec![f64::INFINITY, 0.0])).is_err());
        assert!(quadratic_form(&b, &DVector::from_vec(vec![1.0, f64::NAN])).is_none());
    }
}
