//! The survival-inferred fragility index (SIFI) of Bomze et al. (2020).
//!
//! # Definition
//! Repeatedly reassign one participant between the arms, recomputing the test each time, until
//! significance changes; the SIFI is the number of reassignments. For a significant result the
//! participant is, in Bomze et al.'s four variants,
//!
//! - `move-best`: the best responder of the experimental arm (the longest follow-up; among equal
//!   times a censored participant before one with an event) moved to the control arm;
//! - `move-worst`: the worst responder of the control arm (the earliest event) moved to the
//!   experimental arm;
//! - `clone-best` / `clone-worst`: the same participant copied into the other arm, the original
//!   staying where it was (each participant copied at most once).
//!
//! For a non-significant result the mirror image is applied (the best of the control arm and the
//! worst of the experimental arm towards the experimental arm's benefit) and the index is
//! negative. Among equal candidates the earliest row goes first. The index is `null`, with the
//! reason, when the arm runs out of candidates first.
//!
//! Bomze D, Asher N, Hasson SP, et al. Survival-inferred fragility index of phase 3 clinical
//! trials evaluating immune checkpoint inhibitors. JAMA Netw Open 2020;3(10):e2017675.

use serde::Serialize;

use super::counts::is_significant;
use super::survival::SurvivalStep;
use super::trial::Trial;

/// One of the four SIFI variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SifiVariant {
    MoveBest,
    MoveWorst,
    CloneBest,
    CloneWorst,
}

impl SifiVariant {
    pub const ALL: [SifiVariant; 4] = [
        SifiVariant::MoveBest,
        SifiVariant::MoveWorst,
        SifiVariant::CloneBest,
        SifiVariant::CloneWorst,
    ];
    fn is_clone(self) -> bool {
        matches!(self, SifiVariant::CloneBest | SifiVariant::CloneWorst)
    }
    fn takes_best(self) -> bool {
        matches!(self, SifiVariant::MoveBest | SifiVariant::CloneBest)
    }
}

/// One variant's index and path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SifiResult {
    pub variant: SifiVariant,
    /// What each step does, in words.
    pub description: String,
    /// Signed: positive for a significant result, negative for a non-significant one.
    pub fragility_index: Option<i64>,
    pub note: Option<String>,
    pub path: Vec<SurvivalStep>,
}

/// The SIFI of one variant.
pub fn sifi(trial: &Trial, variant: SifiVariant, significant: bool) -> SifiResult {
    let (experimental, control) = (trial.experimental, trial.control());
    // the donor arm gives its best (or worst) participant to the other arm
    let donor = match (variant.takes_best(), significant) {
        (true, true) | (false, false) => experimental,
        (true, false) | (false, true) => control,
    };
    let receiver = 1 - donor;
    let (donor_name, receiver_name) = (trial.level(donor).to_string(), trial.level(receiver).to_string());
    let who = if variant.takes_best() {
        "the best responder (longest follow-up)"
    } else {
        "the worst responder (earliest event)"
    };
    let action = if variant.is_clone() { "copy" } else { "move" };
    let description = format!("{action} {who} of arm {donor_name} into arm {receiver_name}");
    let mut rows = trial.rows();
    let mut used = vec![false; rows.len()];
    let mut path = Vec::new();
    loop {
        // candidates: original rows still in the donor arm, not yet used
        let candidate = (0..used.len())
            .filter(|&i| !used[i] && rows[i].3 == donor && (variant.takes_best() || rows[i].2))
            .min_by(|&a, &b| {
                let (ra, rb) = (&rows[a], &rows[b]);
                if variant.takes_best() {
                    rb.1.total_cmp(&ra.1).then(ra.2.cmp(&rb.2)).then(a.cmp(&b))
                } else {
                    ra.1.total_cmp(&rb.1).then(a.cmp(&b))
                }
            });
        let Some(i) = candidate else {
            return SifiResult {
                variant,
                description,
                fragility_index: None,
                note: Some(format!(
                    "arm {donor_name} ran out of candidates after {} steps without crossing α",
                    path.len()
                )),
                path,
            };
        };
        used[i] = true;
        if variant.is_clone() {
            let copy = (rows[i].0, rows[i].1, rows[i].2, receiver);
            rows.push(copy);
        } else {
            rows[i].3 = receiver;
        }
        let p = trial.p_value(&trial.with_rows(&rows));
        path.push(SurvivalStep {
            step: path.len() + 1,
            line: trial.data.lines[rows[i].0],
            group: donor_name.clone(),
            time: rows[i].1,
            change: format!(
                "{} to arm {receiver_name}",
                if variant.is_clone() { "copied" } else { "moved" }
            ),
            p_value: p,
        });
        if p.is_some_and(|p| is_significant(p, trial.alpha) != significant) {
            let k = path.len() as i64;
            return SifiResult {
                variant,
                description,
                fragility_index: Some(if significant { k } else { -k }),
                note: None,
                path,
            };
        }
    }
}
