//! Gray's test of equal cumulative incidence of one cause across groups, with strata.
//!
//! # Formulas
//! Gray (1988), "A class of K-sample tests for comparing the cumulative incidence of a
//! competing risk", Ann. Statist. 16:1141–1154. For group r at each distinct time, with
//! R_r = n_r (1 − F̂_r(t−)) / Ŝ_r(t−) the "subdistribution risk set", the score is
//!
//!   z_r = Σ_t W(t) [d_1r − R_r d_1 / Σ_s R_s],  W(t) = (1 − F̂(t−))^ρ
//!
//! (F̂ the pooled cumulative incidence), summed over strata, and the statistic is
//! z' V⁻¹ z on the first K − 1 groups, χ² with K − 1 degrees of freedom. The variance V is
//! Gray's, with its corrections for tied failures; this is a transcription of the Fortran
//! routine `crstm`/`crst` of `cmprsk::cuminc` (cmprsk 2.2), which counts rows (case weights
//! and delayed entry do not enter). The statistic is undefined (reported as missing) when V
//! is singular, where `cuminc` prints −1.

use nalgebra::{DMatrix, DVector};

use crate::data::SurvData;
use crate::risk_set::split_by_code;

/// The rows of Gray's test laid out once: per stratum, in time order, each row's time and its
/// group's index among the groups that have rows. The cause codes (0/1/2) are given per test,
/// so one layout serves every cause and every status-flipped variant of the data.
#[derive(Clone)]
pub(crate) struct GrayLayout {
    /// One entry per stratum (one in all without strata).
    pub strata: Vec<StratumRows>,
    /// The groups that have rows.
    pub n_groups: usize,
}

/// The rows of one stratum in time order (ties in file order).
#[derive(Clone)]
pub(crate) struct StratumRows {
    /// Row indices into the data.
    pub rows: Vec<usize>,
    pub time: Vec<f64>,
    pub group: Vec<usize>,
    /// How many participants each row stands for (1 for a participant's row).
    pub count: Vec<f64>,
}

impl GrayLayout {
    pub(crate) fn new(data: &SurvData) -> GrayLayout {
        Self::with_counts(data, |_| 1.0)
    }

    /// As [`GrayLayout::new`], row `i` standing for `count_of(i)` participants with its time,
    /// group and cause (rows merged per distinct time, group, stratum and cause).
    pub(crate) fn with_counts(data: &SurvData, count_of: impl Fn(usize) -> f64) -> GrayLayout {
        let n_levels = data.group.as_ref().map_or(1, |g| g.n_levels());
        let level_of = |i: usize| data.group.as_ref().map_or(0, |g| g.codes[i] as usize);
        let mut has_rows = vec![false; n_levels];
        for i in 0..data.n_rows() {
            has_rows[level_of(i)] = true;
        }
        let mut group_index = vec![usize::MAX; n_levels];
        let mut n_groups = 0;
        for (level, &used) in has_rows.iter().enumerate() {
            if used {
                group_index[level] = n_groups;
                n_groups += 1;
            }
        }
        let order = data.order_by_time();
        let strata_rows = match &data.strata {
            Some(strata) => split_by_code(order, strata.n_levels(), |i| strata.codes[i] as usize),
            None => vec![order.to_vec()],
        };
        let strata = strata_rows
            .into_iter()
            .map(|rows| StratumRows {
                time: rows.iter().map(|&i| data.time[i]).collect(),
                group: rows.iter().map(|&i| group_index[level_of(i)]).collect(),
                count: rows.iter().map(|&i| count_of(i)).collect(),
                rows,
            })
            .collect();
        GrayLayout { strata, n_groups }
    }

    /// Each stratum's 0/1/2 codes (censored / the cause tested / another cause) in layout order.
    pub(crate) fn codes(&self, code_of: impl Fn(usize) -> u8) -> Vec<Vec<u8>> {
        self.strata
            .iter()
            .map(|s| s.rows.iter().map(|&i| code_of(i)).collect())
            .collect()
    }

    /// Gray's statistic for the codes of each stratum (as [`GrayLayout::codes`] gives them);
    /// `None` when the variance is singular.
    pub(crate) fn statistic(&self, codes: &[&[u8]], rho: f64) -> Option<f64> {
        let strata: Vec<Stratum<'_>> = self
            .strata
            .iter()
            .zip(codes)
            .map(|(s, code)| Stratum {
                time: &s.time,
                code,
                group: &s.group,
                count: &s.count,
            })
            .collect();
        let (score, variance) = score_and_variance(&strata, self.n_groups, rho);
        quadratic_form(&score, &variance)
    }
}

/// The 0/1/2 code of Gray's test for cause `cause` (1-based) of a row whose cause code is `code`.
pub(crate) fn test_code(code: u32, cause: u32) -> u8 {
    match code {
        0 => 0,
        c if c == cause => 1,
        _ => 2,
    }
}

/// Rows of one stratum, sorted by time: time, 0/1/2 code (censored / this cause / another
/// cause), group index < `n_groups` and how many participants the row stands for.
struct Stratum<'a> {
    time: &'a [f64],
    code: &'a [u8],
    group: &'a [usize],
    count: &'a [f64],
}

/// Gray's score (first K − 1 groups) and its K−1 × K−1 variance, summed over strata.
fn score_and_variance(strata: &[Stratum<'_>], n_groups: usize, rho: f64) -> (Vec<f64>, DMatrix<f64>) {
    let ng1 = n_groups - 1;
    let mut score = vec![0.0; ng1];
    let mut variance = DMatrix::zeros(ng1, ng1);
    for stratum in strata {
        let (s, v) = one_stratum(stratum, n_groups, rho);
        for i in 0..ng1 {
            score[i] += s[i];
        }
        variance += v;
    }
    (score, variance)
}

/// `crst`: one stratum.
fn one_stratum(st: &Stratum<'_>, ng: usize, rho: f64) -> (Vec<f64>, DMatrix<f64>) {
    let n = st.time.len();
    let ng1 = ng - 1;
    let mut rs = vec![0.0f64; ng];
    for (&g, &count) in st.group.iter().zip(st.count) {
        rs[g] += count;
    }
    let mut s = vec![0.0; ng1];
    let mut v = DMatrix::<f64>::zeros(ng1, ng1);
    let mut f1m = vec![0.0; ng];
    let mut f1 = vec![0.0; ng];
    let mut skmm = vec![1.0; ng];
    let mut skm = vec![1.0; ng];
    let mut v3 = vec![0.0; ng];
    let mut v2 = DMatrix::<f64>::zeros(ng1, ng);
    let mut c = DMatrix::<f64>::zeros(ng, ng);
    let mut a = DMatrix::<f64>::zeros(ng, ng);
    let mut d = vec![[0.0f64; 3]; ng];
    let mut fm = 0.0;
    let mut ll = 0;
    while ll < n {
        let mut lu = ll;
        while lu + 1 < n && st.time[lu + 1] <= st.time[ll] {
            lu += 1;
        }
        for counts in d.iter_mut() {
            *counts = [0.0; 3];
        }
        for i in ll..=lu {
            d[st.group[i]][st.code[i] as usize] += st.count[i];
        }
        let nd1: f64 = d.iter().map(|x| x[1]).sum();
        let nd2: f64 = d.iter().map(|x| x[2]).sum();
        if nd1 > 0.0 || nd2 > 0.0 {
            let (mut tr, mut tq) = (0.0, 0.0);
            for i in 0..ng {
                if rs[i] <= 0.0 {
                    continue;
                }
                let td = d[i][1] + d[i][2];
                skm[i] = skmm[i] * (rs[i] - td) / rs[i];
                f1[i] = f1m[i] + (skmm[i] * d[i][1]) / rs[i];
                tr += rs[i] / skmm[i];
                tq += rs[i] * (1.0 - f1m[i]) / skmm[i];
            }
            let f = fm + nd1 / tr;
            let fb = (1.0 - fm).powf(rho);
            for i in 0..ng {
                for j in i..ng {
                    a[(i, j)] = 0.0;
                }
                if rs[i] <= 0.0 {
                    continue;
                }
                let t1 = rs[i] / skmm[i];
                a[(i, i)] = fb * t1 * (1.0 - t1 / tr);
                c[(i, i)] += a[(i, i)] * nd1 / (tr * (1.0 - fm));
                for j in i + 1..ng {
                    if rs[j] <= 0.0 {
                        continue;
                    }
                    a[(i, j)] = -fb * t1 * rs[j] / (skmm[j] * tr);
                    c[(i, j)] += a[(i, j)] * nd1 / (tr * (1.0 - fm));
                }
            }
            for i in 1..ng {
                for j in 0..i {
                    a[(i, j)] = a[(j, i)];
                    c[(i, j)] = c[(j, i)];
                }
            }
            for i in 0..ng1 {
                if rs[i] <= 0.0 {
                    continue;
                }
                s[i] += fb * (d[i][1] - nd1 * rs[i] * (1.0 - f1m[i]) / (skmm[i] * tq));
            }
            if nd1 > 0.0 {
                for k in 0..ng {
                    if rs[k] <= 0.0 {
                        continue;
                    }
                    let t4 = if skm[k] > 0.0 { 1.0 - (1.0 - f) / skm[k] } else { 1.0 };
                    let t5 = if nd1 > 1.0 {
                        1.0 - (nd1 - 1.0) / (tr * skmm[k] - 1.0)
                    } else {
                        1.0
                    };
                    let t3 = t5 * skmm[k] * nd1 / (tr * rs[k]);
                    v3[k] += t4 * t4 * t3;
                    for i in 0..ng1 {
                        let t1 = a[(i, k)] - t4 * c[(i, k)];
                        v2[(i, k)] += t1 * t4 * t3;
                        for j in 0..=i {
                            let t2 = a[(j, k)] - t4 * c[(j, k)];
                            v[(i, j)] += t1 * t2 * t3;
                        }
                    }
                }
            }
            if nd2 > 0.0 {
                for k in 0..ng {
                    if skm[k] <= 0.0 || d[k][2] <= 0.0 {
                        continue;
                    }
                    let t4 = (1.0 - f) / skm[k];
                    let t5 = if d[k][2] > 1.0 {
                        1.0 - (d[k][2] - 1.0) / (rs[k] - 1.0)
                    } else {
                        1.0
                    };
                    let t3 = t5 * (skmm[k] * skmm[k] * d[k][2]) / (rs[k] * rs[k]);
                    v3[k] += t4 * t4 * t3;
                    for i in 0..ng1 {
                        let t1 = t4 * c[(i, k)];
                        v2[(i, k)] -= t1 * t4 * t3;
                        for j in 0..=i {
                            let t2 = t4 * c[(j, k)];
                            v[(i, j)] += t1 * t2 * t3;
                        }
                    }
                }
            }
            fm = f;
        }
        if lu + 1 >= n {
            break;
        }
        for i in ll..=lu {
            rs[st.group[i]] -= st.count[i];
        }
        // as crst: the left-continuous estimates advance at every distinct time
        f1m.copy_from_slice(&f1);
        skmm.copy_from_slice(&skm);
        ll = lu + 1;
    }
    for i in 0..ng1 {
        for j in 0..=i {
            for k in 0..ng {
                v[(i, j)] += c[(i, k)] * c[(j, k)] * v3[k];
                v[(i, j)] += c[(i, k)] * v2[(j, k)];
                v[(i, j)] += c[(j, k)] * v2[(i, k)];
            }
        }
    }
    for i in 0..ng1 {
        for j in 0..i {
            v[(j, i)] = v[(i, j)];
        }
    }
    (s, v)
}

/// z' V⁻¹ z, or `None` when V is singular (R's `qr()` rank check, tolerance 1e-7).
fn quadratic_form(score: &[f64], variance: &DMatrix<f64>) -> Option<f64> {
    let k = score.len();
    let qr = variance.clone().col_piv_qr();
    let r = qr.r();
    let largest = (0..k).map(|i| r[(i, i)].abs()).fold(0.0, f64::max);
    if largest == 0.0 || (0..k).any(|i| r[(i, i)].abs() <= 1e-7 * largest) {
        return None;
    }
    let z = DVector::from_column_slice(score);
    let solved = qr.solve(&z)?;
    let statistic = z.dot(&solved);
    statistic.is_finite().then_some(statistic)
}
