//! The running sums of a Cox likelihood pass: Σ r, Σ r x, Σ r x x' over a risk set, on the
//! stack for a fixed number of covariates or on the heap for any; and Σ log S₀ kept as the
//! logarithm of a running product.

/// Σ log x_k kept as the logarithm of a running product, with the binary exponent split off
/// after every factor so the product never overflows: one `ln` at the end instead of one per
/// term (the sum of many log S₀ dominates a Cox evaluation otherwise). Rounding adds about
/// 1e-16 per factor, far below the 1e-9 convergence tolerance.
#[derive(Debug, Clone, Copy)]
pub(super) struct LogSum {
    mantissa: f64,
    exponent: i64,
    /// Terms that are not normal numbers, summed directly.
    direct: f64,
}

impl Default for LogSum {
    fn default() -> Self {
        LogSum {
            mantissa: 1.0,
            exponent: 0,
            direct: 0.0,
        }
    }
}

impl LogSum {
    pub(super) fn add(&mut self, x: f64) {
        if !x.is_normal() || x < 0.0 {
            self.direct += x.ln();
            return;
        }
        let product = self.mantissa * x;
        let bits = product.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        if biased == 0 || biased == 0x7ff {
            self.direct += x.ln();
            return;
        }
        self.exponent += biased - 1023;
        self.mantissa = f64::from_bits((bits & !(0x7ff << 52)) | (1023 << 52));
    }

    pub(super) fn value(&self) -> f64 {
        self.mantissa.ln() + self.exponent as f64 * std::f64::consts::LN_2 + self.direct
    }
}

/// Running sums Σ r, Σ r x, Σ r x x' (upper triangle), on the stack for `P` covariates or
/// on the heap for any number (`P = 0`).
pub(super) trait Moments: Clone {
    /// The number of covariates when fixed at compile time, else 0.
    const DIM: usize;
    fn has_second(&self) -> bool;
    fn s1_mut(&mut self, j: usize) -> &mut f64;
    fn s2_mut(&mut self, j: usize, l: usize) -> &mut f64;
    fn new(p: usize, with_second: bool) -> Self;
    fn clear(&mut self);
    fn merge(&mut self, other: &Self);
    fn add(&mut self, r: f64, x: &[f64], p: usize);
    fn s0(&self) -> f64;
    fn s1(&self, j: usize) -> f64;
    fn s2(&self, j: usize, l: usize) -> f64;
}

/// Stack storage for exactly `P` covariates.
#[derive(Clone, Copy)]
pub(super) struct FixedMoments<const P: usize> {
    s0: f64,
    s1: [f64; P],
    s2: [[f64; P]; P],
    with_second: bool,
}

impl<const P: usize> Moments for FixedMoments<P> {
    const DIM: usize = P;
    fn has_second(&self) -> bool {
        self.with_second
    }
    #[inline(always)]
    fn s1_mut(&mut self, j: usize) -> &mut f64 {
        &mut self.s1[j]
    }
    #[inline(always)]
    fn s2_mut(&mut self, j: usize, l: usize) -> &mut f64 {
        &mut self.s2[j][l]
    }
    fn new(_p: usize, with_second: bool) -> Self {
        FixedMoments {
            s0: 0.0,
            s1: [0.0; P],
            s2: [[0.0; P]; P],
            with_second,
        }
    }
    #[inline(always)]
    fn clear(&mut self) {
        *self = Self::new(P, self.with_second);
    }
    #[inline(always)]
    fn merge(&mut self, other: &Self) {
        self.s0 += other.s0;
        for j in 0..P {
            self.s1[j] += other.s1[j];
            if self.with_second {
                for l in j..P {
                    self.s2[j][l] += other.s2[j][l];
                }
            }
        }
    }
    #[inline(always)]
    fn add(&mut self, r: f64, x: &[f64], _p: usize) {
        self.s0 += r;
        for j in 0..P {
            let rx = r * x[j];
            self.s1[j] += rx;
            if self.with_second {
                for l in j..P {
                    self.s2[j][l] += rx * x[l];
                }
            }
        }
    }
    #[inline(always)]
    fn s0(&self) -> f64 {
        self.s0
    }
    #[inline(always)]
    fn s1(&self, j: usize) -> f64 {
        self.s1[j]
    }
    #[inline(always)]
    fn s2(&self, j: usize, l: usize) -> f64 {
        self.s2[j][l]
    }
}

/// Heap storage for any number of covariates.
#[derive(Clone)]
pub(super) struct DynamicMoments {
    p: usize,
    s0: f64,
    s1: Vec<f64>,
    s2: Vec<f64>,
    with_second: bool,
}

impl Moments for DynamicMoments {
    const DIM: usize = 0;
    fn has_second(&self) -> bool {
        self.with_second
    }
    fn s1_mut(&mut self, j: usize) -> &mut f64 {
        &mut self.s1[j]
    }
    fn s2_mut(&mut self, j: usize, l: usize) -> &mut f64 {
        &mut self.s2[j * self.p + l]
    }
    fn new(p: usize, with_second: bool) -> Self {
        DynamicMoments {
            p,
            s0: 0.0,
            s1: vec![0.0; p],
            s2: if with_second { vec![0.0; p * p] } else { Vec::new() },
            with_second,
        }
    }
    fn clear(&mut self) {
        self.s0 = 0.0;
        self.s1.iter_mut().for_each(|v| *v = 0.0);
        self.s2.iter_mut().for_each(|v| *v = 0.0);
    }
    fn merge(&mut self, other: &Self) {
        self.s0 += other.s0;
        for (a, b) in self.s1.iter_mut().zip(&other.s1) {
            *a += b;
        }
        for (a, b) in self.s2.iter_mut().zip(&other.s2) {
            *a += b;
        }
    }
    fn add(&mut self, r: f64, x: &[f64], p: usize) {
        self.s0 += r;
        for j in 0..p {
            let rx = r * x[j];
            self.s1[j] += rx;
            if self.with_second {
                for l in j..p {
                    self.s2[j * p + l] += rx * x[l];
                }
            }
        }
    }
    fn s0(&self) -> f64 {
        self.s0
    }
    fn s1(&self, j: usize) -> f64 {
        self.s1[j]
    }
    fn s2(&self, j: usize, l: usize) -> f64 {
        self.s2[j * self.p + l]
    }
}
