//! What if k events had fallen in the other arm: the main results for k = −3..3.
//!
//! # Definition
//! Moving one event from the experimental arm to the control arm flips one experimental
//! participant from event to censored and one control participant from censored to event, each
//! at their own time, so both arms keep their size and the total number of events is unchanged.
//! k > 0 moves k events towards the control arm (the experimental arm looks better), k < 0 moves
//! |k| events the other way. Each move flips, in each arm, the participant whose flip changes the
//! log-rank observed − expected of the experimental arm, U, the most in that direction (earliest
//! row among equals), one participant at a time ([`super::logrank_update`]).

use serde::Serialize;

use super::logrank_update::{Flip, LogRankState};
use super::trial::{Summary, Trial};

/// The results with k events moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIfRow {
    /// Events moved from the experimental to the control arm (negative: the other way).
    pub k: i32,
    /// `null` when an arm has too few events or censored participants to move k.
    pub summary: Option<Summary>,
    /// The input lines of the participants whose status was flipped.
    pub lines: Vec<u64>,
    pub note: Option<String>,
}

/// The most events moved either way.
const MAX_MOVED: i32 = 3;

pub fn what_if(trial: &Trial) -> Vec<WhatIfRow> {
    (-MAX_MOVED..=MAX_MOVED).map(|k| row(trial, k)).collect()
}

fn row(trial: &Trial, k: i32) -> WhatIfRow {
    let data = &trial.data;
    let n = data.n_rows();
    let in_arm: Vec<bool> = (0..n).map(|i| trial.code(i) == trial.experimental).collect();
    let mut state = LogRankState::new(data, in_arm.clone());
    let mut events = data.event.clone();
    let mut flipped: Vec<usize> = Vec::new();
    // k > 0: experimental events → censored and control censored → events, both lowering U
    let lower_u = k > 0;
    for _ in 0..k.unsigned_abs() {
        for experimental_arm in [true, false] {
            // in the experimental arm a lower U comes from losing an event; in control from gaining one
            let from_event = experimental_arm == lower_u;
            let choice = (0..n)
                .filter(|&i| in_arm[i] == experimental_arm && events[i] == from_event && !flipped.contains(&i))
                .map(|i| {
                    let flip = Flip {
                        row: i,
                        delta: if from_event { -1 } else { 1 },
                    };
                    (i, flip, state.u_v_after(&[flip]).0)
                })
                .fold(None, |best: Option<(usize, Flip, f64)>, c| match best {
                    Some(b) if (lower_u && c.2 >= b.2) || (!lower_u && c.2 <= b.2) => Some(b),
                    _ => Some(c),
                });
            let Some((i, flip, _)) = choice else {
                let arm = trial.level(if experimental_arm {
                    trial.experimental
                } else {
                    trial.control()
                });
                let what = if from_event { "events" } else { "censored participants" };
                return WhatIfRow {
                    k,
                    summary: None,
                    lines: Vec::new(),
                    note: Some(format!("arm {arm} has too few {what} to move {} events", k.abs())),
                };
            };
            state.apply(flip);
            events[i] = !events[i];
            flipped.push(i);
        }
    }
    let modified = trial.with_flips(&events, &[]);
    WhatIfRow {
        k,
        summary: Some(trial.summary(&modified)),
        lines: flipped.iter().map(|&i| data.lines[i]).collect(),
        note: None,
    }
}
