//! Exact operating characteristics of the 3+3 dose-escalation design, by enumerating every
//! path of cohorts.
//!
//! # Rules (the traditional 3+3, Storer 1989; Korn et al. 1994, with the MTD confirmed on six)
//! Participants are treated in cohorts of three, starting at the lowest dose; each has a
//! dose-limiting toxicity (DLT) at dose k with probability p_k, independently.
//! 1. 0/3 DLTs at dose k: escalate to k + 1.
//! 2. 1/3: three more at dose k; 1/6 escalates, 2 or more of 6 makes dose k too toxic.
//! 3. 2 or more of 3: dose k is too toxic.
//! 4. When dose k is too toxic the MTD is sought below it: if dose k − 1 had six participants
//!    (1/6) it is the MTD; if it had three (0/3), three more are treated there, and with at
//!    most 1 DLT of the six it is the MTD, otherwise it too is too toxic and the rule repeats
//!    at k − 2. Dose 1 too toxic: no MTD (the trial stops for toxicity).
//! 5. Escalating past the highest dose: the highest dose is the MTD, confirmed by three more
//!    participants if it had only three (2 or more DLTs among the six make it too toxic, and
//!    rule 4 applies from there).
//!
//! Every path is a sequence of binomial cohort outcomes; its probability is the product of
//! Bin(3, p_k) probabilities, and the expected numbers of participants and DLTs per dose are
//! sums over paths. Since whether a participant is treated never depends on their own outcome,
//! E[DLTs at k] = p_k E[participants at k] (Wald's identity), which the tests check.

use serde::Serialize;

use super::DesignError;

/// Doses enumerated at most (12 doses make about 5 × 10⁵ paths; each dose more, about 2.5×).
pub const MAX_DOSES: usize = 12;

/// One dose's operating characteristics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseCharacteristics {
    /// Dose level, 1 = lowest.
    pub dose: usize,
    /// Probability p_k of a DLT at this dose.
    pub dlt_probability: f64,
    /// Probability that this dose is declared the MTD.
    pub p_select: f64,
    /// Expected number of participants treated at this dose.
    pub expected_participants: f64,
    /// Expected number of DLTs at this dose, p_k × expected participants.
    pub expected_dlts: f64,
}

/// The operating characteristics of the 3+3 design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreePlusThree {
    /// Each dose's characteristics, lowest first.
    pub doses: Vec<DoseCharacteristics>,
    /// Probability that even the lowest dose is too toxic: no MTD.
    pub p_no_mtd: f64,
    /// Expected number of participants in the trial.
    pub expected_participants: f64,
    /// Expected number of DLTs in the trial.
    pub expected_dlts: f64,
    /// Number of distinct cohort paths enumerated.
    pub paths: u64,
}

/// Accumulates path probabilities.
struct Tally {
    dlt: Vec<f64>,
    select: Vec<f64>,
    no_mtd: f64,
    participants: Vec<f64>,
    dlts: Vec<f64>,
    paths: u64,
}

/// P(Bin(3, p) = x).
fn binomial3(p: f64, x: usize) -> f64 {
    let q = 1.0 - p;
    match x {
        0 => q * q * q,
        1 => 3.0 * p * q * q,
        2 => 3.0 * p * p * q,
        _ => p * p * p,
    }
}

/// One path's state: participants and DLTs so far at each dose.
#[derive(Clone)]
struct Path {
    probability: f64,
    participants: Vec<u32>,
    dlts: Vec<u32>,
}

impl Path {
    /// The path with one more cohort at `dose` with `x` DLTs.
    fn cohort(&self, dose: usize, x: usize, p: f64) -> Path {
        let mut next = self.clone();
        next.probability *= binomial3(p, x);
        next.participants[dose] += 3;
        next.dlts[dose] += x as u32;
        next
    }
}

impl Tally {
    fn finish(&mut self, path: &Path, selected: Option<usize>) {
        match selected {
            Some(k) => self.select[k] += path.probability,
            None => self.no_mtd += path.probability,
        }
        for k in 0..self.dlt.len() {
            self.participants[k] += path.probability * f64::from(path.participants[k]);
            self.dlts[k] += path.probability * f64::from(path.dlts[k]);
        }
        self.paths += 1;
    }

    /// Rule 1–3 and 5: a first cohort at `dose` (== number of doses: past the top).
    fn escalate(&mut self, path: Path, dose: usize) {
        let n = self.dlt.len();
        if dose == n {
            self.confirm(path, n - 1);
            return;
        }
        let p = self.dlt[dose];
        for x in 0..4 {
            let after = path.cohort(dose, x, p);
            match x {
                0 => self.escalate(after, dose + 1),
                1 => {
                    for y in 0..4 {
                        let six = after.cohort(dose, y, p);
                        if y == 0 {
                            self.escalate(six, dose + 1);
                        } else {
                            self.too_toxic(six, dose);
                        }
                    }
                }
                _ => self.too_toxic(after, dose),
            }
        }
    }

    /// Rule 4: `dose` is too toxic; look below it.
    fn too_toxic(&mut self, path: Path, dose: usize) {
        if dose == 0 {
            self.finish(&path, None);
        } else {
            self.confirm(path, dose - 1);
        }
    }

    /// Declares `dose` the MTD if it has six participants with at most one DLT, treating
    /// three more first when it has three.
    fn confirm(&mut self, path: Path, dose: usize) {
        if path.participants[dose] >= 6 {
            if path.dlts[dose] <= 1 {
                self.finish(&path, Some(dose));
            } else {
                self.too_toxic(path, dose);
            }
            return;
        }
        let p = self.dlt[dose];
        for y in 0..4 {
            self.confirm(path.cohort(dose, y, p), dose);
        }
    }
}

/// The exact operating characteristics for DLT probabilities `dlt` (lowest dose first).
///
/// ```
/// use survkit::design::three_plus_three;
///
/// // Dose 1 never toxic, dose 2 always: 3 at dose 1, 3 (all DLTs) at dose 2, 3 more at dose 1.
/// let oc = three_plus_three(&[0.0, 1.0])?;
/// assert!((oc.doses[0].p_select - 1.0).abs() < 1e-12);
/// assert!((oc.expected_participants - 9.0).abs() < 1e-12);
/// assert!((oc.expected_dlts - 3.0).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn three_plus_three(dlt: &[f64]) -> Result<ThreePlusThree, DesignError> {
    if dlt.is_empty() || dlt.len() > MAX_DOSES {
        return Err(DesignError::Setting {
            what: "the number of doses",
            value: dlt.len() as f64,
            rule: "between 1 and 12",
        });
    }
    if let Some(p) = dlt.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(DesignError::Setting {
            what: "a DLT probability",
            value: *p,
            rule: "in [0, 1]",
        });
    }
    let n = dlt.len();
    let mut tally = Tally {
        dlt: dlt.to_vec(),
        select: vec![0.0; n],
        no_mtd: 0.0,
        participants: vec![0.0; n],
        dlts: vec![0.0; n],
        paths: 0,
    };
    let start = Path {
        probability: 1.0,
        participants: vec![0; n],
        dlts: vec![0; n],
    };
    tally.escalate(start, 0);
    let doses = (0..n)
        .map(|k| DoseCharacteristics {
            dose: k + 1,
            dlt_probability: dlt[k],
            p_select: tally.select[k],
            expected_participants: tally.participants[k],
            expected_dlts: tally.dlts[k],
        })
        .collect();
    Ok(ThreePlusThree {
        doses,
        p_no_mtd: tally.no_mtd,
        expected_participants: tally.participants.iter().sum(),
        expected_dlts: tally.dlts.iter().sum(),
        paths: tally.paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bootstrap::engine::stream;
    use rand_chacha::rand_core::Rng;

    /// One dose with p = 0.2 (q = 0.8), by hand:
    /// - 0/3 (q³ = 0.512): past the top with three, so three more; MTD if ≤ 1 DLT among those
    ///   three (P(Bin(3, .2) ≤ 1) = 0.896): 0.512 · 0.896 = 0.458752;
    /// - 1/3 (3pq² = 0.384): three more; 0 DLTs (0.512) escalates past the top with six: MTD,
    ///   0.384 · 0.512 = 0.196608;
    /// - so P(MTD = 1) = 0.65536 and P(no MTD) = 0.34464;
    /// - six participants unless the first cohort has 2 or more DLTs (P = 0.104):
    ///   E[N] = 3 + 3 · 0.896 = 5.688, E[DLTs] = 0.2 · 5.688 = 1.1376.
    #[test]
    fn one_dose_by_hand() {
        let oc = three_plus_three(&[0.2]).unwrap();
        assert!((oc.doses[0].p_select - 0.65536).abs() < 1e-12);
        assert!((oc.p_no_mtd - 0.34464).abs() < 1e-12);
        assert!((oc.expected_participants - 5.688).abs() < 1e-12);
        assert!((oc.expected_dlts - 1.1376).abs() < 1e-12);
    }

    /// Probabilities sum to 1 and E[DLTs at k] = p_k E[participants at k].
    #[test]
    fn consistent() {
        let dlt = [0.05, 0.1, 0.25, 0.4];
        let oc = three_plus_three(&dlt).unwrap();
        let total: f64 = oc.doses.iter().map(|d| d.p_select).sum::<f64>() + oc.p_no_mtd;
        assert!((total - 1.0).abs() < 1e-12);
        for d in &oc.doses {
            assert!((d.expected_dlts - d.dlt_probability * d.expected_participants).abs() < 1e-12);
        }
        // 0/3, 0/3, 3/3, then three more at dose 2 (0/3): MTD dose 2 after 12 participants
        let certain = three_plus_three(&[0.0, 0.0, 1.0]).unwrap();
        assert_eq!(certain.doses[1].p_select, 1.0);
        assert_eq!(certain.expected_participants, 12.0);
    }

    /// The rules run on random outcomes, for the simulation check.
    fn simulate_once(dlt: &[f64], uniform: &mut impl FnMut() -> f64) -> (Option<usize>, Vec<u32>, Vec<u32>) {
        let n = dlt.len();
        let (mut participants, mut dlts) = (vec![0u32; n], vec![0u32; n]);
        let mut cohort = |dose: usize, participants: &mut Vec<u32>, dlts: &mut Vec<u32>| {
            let x = (0..3).filter(|_| uniform() < dlt[dose]).count() as u32;
            participants[dose] += 3;
            dlts[dose] += x;
        };
        let mut dose = 0;
        // escalation
        let mut too_toxic = loop {
            if dose == n {
                break None;
            }
            cohort(dose, &mut participants, &mut dlts);
            if dlts[dose] == 1 {
                cohort(dose, &mut participants, &mut dlts);
            }
            if dlts[dose] <= 1 {
                dose += 1;
            } else {
                break Some(dose);
            }
        };
        // confirmation below the toxic dose (or at the top)
        loop {
            let candidate = match too_toxic {
                None => n - 1,
                Some(0) => return (None, participants, dlts),
                Some(k) => k - 1,
            };
            if participants[candidate] < 6 {
                cohort(candidate, &mut participants, &mut dlts);
            }
            if dlts[candidate] <= 1 {
                return (Some(candidate), participants, dlts);
            }
            too_toxic = Some(candidate);
        }
    }

    /// 10⁶ simulated trials agree with the enumeration within 4.5 Monte Carlo SEs.
    #[test]
    fn simulation_agrees() {
        let dlt = [0.05, 0.1, 0.25, 0.4];
        let oc = three_plus_three(&dlt).unwrap();
        let runs = 1_000_000;
        let mut rng = stream(19, 0);
        let mut uniform = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let mut select = [0.0; 5];
        let mut participants = 0.0;
        let mut participants_sq = 0.0;
        for _ in 0..runs {
            let (mtd, n, _) = simulate_once(&dlt, &mut uniform);
            select[mtd.map_or(4, |k| k)] += 1.0;
            let total = f64::from(n.iter().sum::<u32>());
            participants += total;
            participants_sq += total * total;
        }
        let runs = runs as f64;
        for k in 0..5 {
            let exact = if k < 4 { oc.doses[k].p_select } else { oc.p_no_mtd };
            let se = (exact * (1.0 - exact) / runs).sqrt();
            assert!(
                (select[k] / runs - exact).abs() < 4.5 * se,
                "dose {k}: {} vs {exact}",
                select[k] / runs
            );
        }
        let mean = participants / runs;
        let se = ((participants_sq / runs - mean * mean) / runs).sqrt();
        assert!((mean - oc.expected_participants).abs() < 4.5 * se);
    }
}
