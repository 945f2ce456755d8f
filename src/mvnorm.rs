//! The probability that a multivariate normal vector lies in a rectangle.
//!
//! # Method
//! Genz's separation of variables (Genz 1992, "Numerical computation of multivariate normal
//! probabilities", J. Comput. Graph. Stat. 1:141–149; Genz & Bretz 2009, §4.1), as mvtnorm's
//! `pmvnorm(algorithm = GenzBretz())`. With R = L Lᵀ (Cholesky) and bounds a ≤ X ≤ b, the
//! probability is the integral over w ∈ [0, 1]^{m−1} of f(w) = Π_i (e_i − d_i), where
//! d_i = Φ((a_i − Σ_{j<i} l_ij y_j)/l_ii), e_i likewise with b_i, and
//! y_j = Φ⁻¹(d_j + w_j (e_j − d_j)).
//!
//! For m ≤ 4 (also with a singular correlation matrix) the probability is computed
//! deterministically instead, as nested integrals in the
//! y variables: P = ∫ φ(y₁) ∫ φ(y₂) … [Φ(u_m) − Φ(l_m)] dy…, each y_i over its interval
//! [(a_i − Σ_{j<i} l_ij y_j)/l_ii, (b_i − …)/l_ii] cut to [−9, 9] (the mass outside is below
//! 2.3e-19), each level by adaptive Gauss–Kronrod (7–15 points, bisecting the subinterval of
//! largest |K15 − G7| until the sum is below 1e-8 or 200 subintervals). The reported error is
//! the outermost level's Σ|K15 − G7| plus 1e-8 per inner level, an estimate in the sense of
//! QUADPACK's (not a proven bound).
//!
//! Above 4 dimensions the integral is computed by a randomised rank-1 lattice rule: the Richtmyer generator
//! z_j = frac(√p_j) (p_j the j-th prime), points frac(k z + Δ) for k = 1..N, the tent
//! (baker's) transform x ↦ |2x − 1| to periodise f, and S = 12 independent uniform shifts Δ
//! drawn from ChaCha8 (the bootstrap engine's stream, so a seed gives the same value on every
//! machine). The estimate is the mean of the S shift means; its error bound is 3.5 standard
//! errors of that mean (a Monte Carlo error bound across shifts, as Genz's code reports). N
//! doubles (starting at 1,009) until the bound is below the requested absolute error or
//! N exceeds 2²⁰.

use nalgebra::DMatrix;
use rand_chacha::rand_core::Rng;

use crate::bootstrap::engine::stream;
use crate::dist::{normal_cdf, normal_quantile};

/// Independent random shifts of the lattice.
const SHIFTS: usize = 12;
/// Error bound = this many standard errors of the mean over shifts.
const ERROR_SDS: f64 = 3.5;
/// Lattice sizes stop growing after this many points per shift.
const MAX_POINTS: usize = 1 << 20;
/// Richtmyer generators √p for the first primes, enough for 20 dimensions.
const PRIMES: [f64; 20] = [
    2.0, 3.0, 5.0, 7.0, 11.0, 13.0, 17.0, 19.0, 23.0, 29.0, 31.0, 37.0, 41.0, 43.0, 47.0, 53.0, 59.0, 61.0, 67.0, 71.0,
];

/// Dimensions up to which the nested deterministic quadrature is used.
const NESTED_MAX_DIMS: usize = 4;
/// Absolute tolerance of each level of the nested quadrature.
const NESTED_TOL: f64 = 1e-8;
/// Subintervals per adaptive integral at most.
const NESTED_MAX_INTERVALS: usize = 200;
/// Where the standard normal density is cut.
const Y_LIMIT: f64 = 9.0;

/// Gauss–Kronrod 15-point abscissae (non-negative half) and weights, and the weights of the
/// embedded 7-point Gauss rule at the odd-indexed abscissae (QUADPACK's qk15).
#[allow(clippy::excessive_precision)] // QUADPACK's constants as published
const XGK: [f64; 8] = [
    0.991455371120812639206854697526329,
    0.949107912342758524526189684047851,
    0.864864423359769072789712788640926,
    0.741531185599394439863864773280788,
    0.586087235467691130294144845693013,
    0.405845151377397166906606412076961,
    0.207784955007898467600689403773245,
    0.0,
];
#[allow(clippy::excessive_precision)] // QUADPACK's constants as published
const WGK: [f64; 8] = [
    0.022935322010529224963732008058970,
    0.063092092629978553290700663189204,
    0.104790010322250183839876322541518,
    0.140653259715525918745189590510238,
    0.169004726639267902826583426598550,
    0.190350578064785409913256402421014,
    0.204432940075298892414161999234649,
    0.209482141084727828012999174891714,
];
#[allow(clippy::excessive_precision)] // QUADPACK's constants as published
const WG: [f64; 4] = [
    0.129484966168869693270611432679082,
    0.279705391489276667901467771423780,
    0.381830050505118944950369775488975,
    0.417959183673469387755102040816327,
];

/// (K15, |K15 − G7|) of f over [a, b].
fn kronrod(a: f64, b: f64, f: &mut impl FnMut(f64) -> f64) -> (f64, f64) {
    let center = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let mid = f(center);
    let (mut k, mut g) = (WGK[7] * mid, WG[3] * mid);
    for i in 0..7 {
        let pair = f(center - half * XGK[i]) + f(center + half * XGK[i]);
        k += WGK[i] * pair;
        if i % 2 == 1 {
            g += WG[i / 2] * pair;
        }
    }
    (k * half, ((k - g) * half).abs())
}

/// Globally adaptive Gauss–Kronrod: (integral, error estimate).
fn adaptive(a: f64, b: f64, f: &mut impl FnMut(f64) -> f64) -> (f64, f64) {
    let (value, error) = kronrod(a, b, f);
    let mut pieces = vec![(a, b, value, error)];
    loop {
        let total_error: f64 = pieces.iter().map(|p| p.3).sum();
        if total_error <= NESTED_TOL || pieces.len() >= NESTED_MAX_INTERVALS {
            return (pieces.iter().map(|p| p.2).sum(), total_error);
        }
        let worst = (0..pieces.len())
            .max_by(|x, y| pieces[*x].3.total_cmp(&pieces[*y].3))
            .unwrap_or(0);
        let (lo, hi, _, _) = pieces.swap_remove(worst);
        let mid = 0.5 * (lo + hi);
        let (v1, e1) = kronrod(lo, mid, f);
        let (v2, e2) = kronrod(mid, hi, f);
        pieces.push((lo, mid, v1, e1));
        pieces.push((mid, hi, v2, e2));
    }
}

/// The standard normal density.
fn density(y: f64) -> f64 {
    (-0.5 * y * y).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// A probability with its error bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MvnProbability {
    pub value: f64,
    /// 3.5 standard errors over the random shifts (0 when computed exactly, m ≤ 1).
    pub error: f64,
    /// Lattice points per shift used.
    pub points: usize,
}

/// P(lower ≤ X ≤ upper) for X ~ N(0, corr); `None` when `corr` is not positive semi-definite
/// (not positive definite, above 4 dimensions) or has more than 21 dimensions. Infinite
/// bounds are allowed.
pub fn rectangle_probability(
    lower: &[f64],
    upper: &[f64],
    corr: &DMatrix<f64>,
    abs_error: f64,
    seed: u64,
) -> Option<MvnProbability> {
    let m = lower.len();
    if m == 0 || m > PRIMES.len() + 1 || upper.len() != m || corr.nrows() != m || corr.ncols() != m {
        return None;
    }
    if m <= NESTED_MAX_DIMS {
        return nested_probability(lower, upper, corr);
    }
    let chol = corr.clone().cholesky()?.unpack();
    let integrand = Integrand {
        chol: &chol,
        lower,
        upper,
    };
    let dims = m - 1;
    let generator: Vec<f64> = PRIMES[..dims].iter().map(|p| p.sqrt().fract()).collect();
    let shifts: Vec<Vec<f64>> = (0..SHIFTS)
        .map(|s| {
            let mut rng = stream(seed, s as u64);
            (0..dims)
                .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
                .collect()
        })
        .collect();
    let mut w = vec![0.0; dims];
    let mut y = vec![0.0; dims];
    let mut points = 1009;
    loop {
        let means: Vec<f64> = shifts
            .iter()
            .map(|shift| {
                let mut sum = 0.0;
                for k in 1..=points {
                    for j in 0..dims {
                        let x = (k as f64 * generator[j] + shift[j]).fract();
                        w[j] = (2.0 * x - 1.0).abs();
                    }
                    sum += integrand.eval(&w, &mut y);
                }
                sum / points as f64
            })
            .collect();
        let mean = means.iter().sum::<f64>() / SHIFTS as f64;
        let variance = means.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (SHIFTS * (SHIFTS - 1)) as f64;
        let error = ERROR_SDS * variance.sqrt();
        if error <= abs_error || points * 2 > MAX_POINTS {
            return Some(MvnProbability {
                value: mean.clamp(0.0, 1.0),
                error,
                points,
            });
        }
        points *= 2;
    }
}

/// The nested quadrature of [`rectangle_probability`] for m ≤ 4, on a correlation matrix that
/// may be singular: a variable whose Cholesky pivot vanishes (it is a linear combination of
/// earlier ones, as FH(0,0) = FH(1,0) + FH(0,1) is) adds no integration variable; its bounds
/// instead cut the interval of the last y it depends on (Genz & Bretz 2009, §5.2).
fn nested_probability(lower: &[f64], upper: &[f64], corr: &DMatrix<f64>) -> Option<MvnProbability> {
    let (chol, pivots) = semidefinite_cholesky(corr)?;
    let m = lower.len();
    // constraints[t]: the variables whose last non-zero Cholesky column is pivots[t]
    let mut constraints = vec![Vec::new(); pivots.len()];
    for i in 0..m {
        let last = pivots.iter().rposition(|k| *k <= i && chol[(i, *k)] != 0.0)?;
        constraints[last].push(i);
    }
    let nested = Nested {
        chol: &chol,
        lower,
        upper,
        pivots: &pivots,
        constraints: &constraints,
    };
    let mut y = vec![0.0; m];
    let mut evaluations = 0;
    let (value, error) = nested.level(0, &mut y, &mut evaluations);
    Some(MvnProbability {
        value: value.clamp(0.0, 1.0),
        error: error + NESTED_TOL * pivots.len().saturating_sub(2) as f64,
        points: evaluations,
    })
}

/// Cholesky factor L (R = L Lᵀ) of a positive semi-definite matrix and the columns with a
/// positive pivot; a pivot below 1e-10 of its diagonal counts as zero (its column stays 0).
/// `None` when the matrix is not positive semi-definite.
fn semidefinite_cholesky(corr: &DMatrix<f64>) -> Option<(DMatrix<f64>, Vec<usize>)> {
    let m = corr.nrows();
    let mut chol = DMatrix::zeros(m, m);
    let mut pivots = Vec::new();
    for j in 0..m {
        let residual = corr[(j, j)] - (0..j).map(|k| chol[(j, k)] * chol[(j, k)]).sum::<f64>();
        if residual < -1e-8 * corr[(j, j)] {
            return None;
        }
        if residual <= 1e-10 * corr[(j, j)] {
            continue;
        }
        let pivot = residual.sqrt();
        chol[(j, j)] = pivot;
        for i in j + 1..m {
            let dot: f64 = (0..j).map(|k| chol[(i, k)] * chol[(j, k)]).sum();
            chol[(i, j)] = (corr[(i, j)] - dot) / pivot;
        }
        pivots.push(j);
    }
    (!pivots.is_empty()).then_some((chol, pivots))
}

struct Nested<'a> {
    chol: &'a DMatrix<f64>,
    lower: &'a [f64],
    upper: &'a [f64],
    pivots: &'a [usize],
    constraints: &'a [Vec<usize>],
}

impl Nested<'_> {
    /// The interval of y at level t (column k = pivots[t]) given the earlier y: the
    /// intersection over its constraints i of a_i ≤ Σ_{j<k} l_ij y_j + l_ik y ≤ b_i, cut to
    /// ±[`Y_LIMIT`].
    fn interval(&self, t: usize, y: &[f64]) -> (f64, f64) {
        let k = self.pivots[t];
        let (mut lo, mut hi) = (-Y_LIMIT, Y_LIMIT);
        for &i in &self.constraints[t] {
            let shift: f64 = (0..k).map(|j| self.chol[(i, j)] * y[j]).sum();
            let slope = self.chol[(i, k)];
            let (a, b) = ((self.lower[i] - shift) / slope, (self.upper[i] - shift) / slope);
            let (a, b) = if slope > 0.0 { (a, b) } else { (b, a) };
            lo = lo.max(a);
            hi = hi.min(b);
        }
        (lo, hi)
    }

    /// ∫ over the y of levels t, t + 1, … given the earlier ones: (value, error estimate of
    /// this level).
    fn level(&self, t: usize, y: &mut [f64], evaluations: &mut usize) -> (f64, f64) {
        let (lo, hi) = self.interval(t, y);
        if lo >= hi {
            return (0.0, 0.0);
        }
        if t + 1 == self.pivots.len() {
            *evaluations += 1;
            return (normal_cdf(hi) - normal_cdf(lo), 0.0);
        }
        let k = self.pivots[t];
        let mut f = |v: f64| {
            y[k] = v;
            density(v) * self.level(t + 1, y, evaluations).0
        };
        adaptive(lo, hi, &mut f)
    }
}

/// Genz's transformed integrand.
struct Integrand<'a> {
    chol: &'a DMatrix<f64>,
    lower: &'a [f64],
    upper: &'a [f64],
}

impl Integrand<'_> {
    /// f(w) = Π_i (e_i − d_i); `y` holds the y_j as they are made.
    fn eval(&self, w: &[f64], y: &mut [f64]) -> f64 {
        let m = self.lower.len();
        let mut product = 1.0;
        for i in 0..m {
            let shift: f64 = (0..i).map(|j| self.chol[(i, j)] * y[j]).sum();
            let scale = self.chol[(i, i)];
            let d = normal_cdf((self.lower[i] - shift) / scale);
            let e = normal_cdf((self.upper[i] - shift) / scale);
            let width = e - d;
            product *= width;
            if product <= 0.0 {
                return 0.0;
            }
            if i < w.len() {
                let u = (d + w[i] * width).clamp(1e-300, 1.0 - 1e-16);
                y[i] = normal_quantile(u);
            }
        }
        product
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn equicorrelated(m: usize, rho: f64) -> DMatrix<f64> {
        DMatrix::from_fn(m, m, |i, j| if i == j { 1.0 } else { rho })
    }

    /// Independent components: the product of the marginal probabilities.
    #[test]
    fn independent_is_a_product() {
        let p = rectangle_probability(&[-1.0, -2.0, -0.5], &[1.0, 2.0, 3.0], &equicorrelated(3, 0.0), 1e-8, 1).unwrap();
        let exact = (normal_cdf(1.0) - normal_cdf(-1.0))
            * (normal_cdf(2.0) - normal_cdf(-2.0))
            * (normal_cdf(3.0) - normal_cdf(-0.5));
        assert!((p.value - exact).abs() < 1e-9, "{} vs {exact}", p.value);
    }

    /// Orthant of two components with correlation ρ: 1/4 + asin(ρ)/(2π) (Sheppard 1899).
    #[test]
    fn bivariate_orthant() {
        for rho in [-0.5, 0.3, 0.9] {
            let inf = f64::INFINITY;
            let p = rectangle_probability(&[0.0, 0.0], &[inf, inf], &equicorrelated(2, rho), 1e-7, 3).unwrap();
            let exact = 0.25 + rho.asin() / std::f64::consts::TAU;
            assert!((p.value - exact).abs() < 1e-6, "rho {rho}: {} vs {exact}", p.value);
            assert!(p.error < 1e-6);
        }
    }

    /// Orthant of three equicorrelated components: 1/8 + 3 asin(ρ)/(4π).
    #[test]
    fn trivariate_orthant() {
        let inf = f64::INFINITY;
        let rho: f64 = 0.8;
        let p = rectangle_probability(&[0.0; 3], &[inf; 3], &equicorrelated(3, rho), 1e-7, 5).unwrap();
        let exact = 0.125 + 3.0 * rho.asin() / (4.0 * std::f64::consts::PI);
        assert!((p.value - exact).abs() < 1e-5, "{} vs {exact}", p.value);
    }

    /// X₃ = (X₁ + X₂)/√2 with X₁, X₂ independent: the singular 3-dimensional problem equals
    /// the 2-dimensional one with the extra linear constraint; by symmetry, P(X₁ > 0, X₂ > 0,
    /// X₃ > 0) = P(X₁ > 0, X₂ > 0) = 1/4.
    #[test]
    fn singular_correlation() {
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let r = DMatrix::from_row_slice(3, 3, &[1.0, 0.0, h, 0.0, 1.0, h, h, h, 1.0]);
        let inf = f64::INFINITY;
        let p = rectangle_probability(&[0.0; 3], &[inf; 3], &r, 1e-7, 1).unwrap();
        assert!((p.value - 0.25).abs() < 1e-8, "{}", p.value);
        // P(|X₁| ≤ 1, |X₂| ≤ 1, |X₃| ≤ 1) by a fine midpoint rule over (x₁, x₂)
        let q = rectangle_probability(&[-1.0; 3], &[1.0; 3], &r, 1e-7, 1).unwrap();
        let steps = 2000;
        let width = 2.0 / steps as f64;
        let mut brute = 0.0;
        for i in 0..steps {
            for j in 0..steps {
                let (x1, x2) = (-1.0 + (i as f64 + 0.5) * width, -1.0 + (j as f64 + 0.5) * width);
                if ((x1 + x2) * h).abs() <= 1.0 {
                    brute += density(x1) * density(x2) * width * width;
                }
            }
        }
        assert!((q.value - brute).abs() < 1e-4, "{} vs {brute}", q.value);
    }

    /// The lattice rule (m > 4): the orthant of m equicorrelated components with ρ = 1/2 has
    /// probability 1/(m + 1); same seed, same bits.
    #[test]
    fn lattice_orthant_and_reproducible() {
        let r = equicorrelated(5, 0.5);
        let inf = f64::INFINITY;
        let a = rectangle_probability(&[0.0; 5], &[inf; 5], &r, 1e-5, 42).unwrap();
        assert!((a.value - 1.0 / 6.0).abs() < a.error.max(1e-6) * 2.0, "{a:?}");
        let b = rectangle_probability(&[0.0; 5], &[inf; 5], &r, 1e-5, 42).unwrap();
        assert_eq!(a, b);
    }
}
