//! Bootstrap intervals of the win statistics: a check on the U-statistic variances.
//!
//! # Resampling
//! Participants are drawn with replacement within each arm (and each stratum, when pairs are
//! formed within strata), so every replicate keeps the arms' sizes, as a two-sample bootstrap
//! of a U-statistic does (Efron & Tibshirani 1993, §8.3). Replicate r draws from the engine's
//! stream r ([`crate::bootstrap::engine`]): the same replicates whatever the thread count, in
//! replicate order before anything is summed.
//!
//! # What each replicate gives
//! p_w and p_l of the resample (Dong et al.'s weighted estimates with strata), then
//! log WR = ln(p_w/p_l), log WO = logit(θ) with θ = (1 + p_w − p_l)/2, and NB = p_w − p_l. A
//! replicate without a win or without a loss has no log WR (counted as degenerate for it).
//!
//! # Intervals
//! Percentile intervals (R's `boot.ci(type = "perc")` order statistics), back-transformed for
//! the two ratios, and the replicates' standard deviation: on the log scale for WR and WO, as
//! the Wald limits' SE, so the two can be set side by side.

use serde::Serialize;

use super::Participants;
use super::pairs::Outcome;
use super::stats::compare_arms;
use crate::bootstrap::engine;
use crate::bootstrap::intervals::{IntervalMethod, Summary};

/// How many replicates, from which seed, on how many threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WinBootstrapOptions {
    /// Replicates (at least 2).
    pub replicates: usize,
    /// Seed of the engine's streams.
    pub seed: u64,
    /// Threads (at least 1); the result does not depend on it.
    pub threads: usize,
}

/// One measure's bootstrap summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapMeasure {
    /// Standard deviation of the replicates (log scale for the win ratio and win odds).
    pub se: Option<f64>,
    /// Percentile limits on the measure's own scale.
    pub lower: Option<f64>,
    /// Upper percentile limit.
    pub upper: Option<f64>,
    /// Replicates where the measure does not exist (no win or no loss for the ratios).
    pub degenerate: usize,
}

/// The bootstrap check of [`super::WinStatistics`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinBootstrap {
    /// Replicates drawn.
    pub replicates: usize,
    /// Seed of the engine's streams.
    pub seed: u64,
    /// The generator.
    pub generator: String,
    /// Percentile intervals at this level.
    pub conf_level: f64,
    /// Win ratio: SE of log WR, limits of WR.
    pub win_ratio: BootstrapMeasure,
    /// Win odds: SE of log WO, limits of WO.
    pub win_odds: BootstrapMeasure,
    /// Net benefit.
    pub net_benefit: BootstrapMeasure,
}

/// (log WR, log WO, NB) of one resample.
fn measures(people: &Participants) -> [Option<f64>; 3] {
    let Ok(comparison) = compare_arms(people) else {
        return [None; 3];
    };
    let (pw, pl) = (comparison.combined.p_win, comparison.combined.p_loss);
    let finite = |x: f64| x.is_finite().then_some(x);
    let theta = (1.0 + pw - pl) / 2.0;
    [
        finite((pw / pl).ln()),
        finite((theta / (1.0 - theta)).ln()),
        finite(pw - pl),
    ]
}

/// The participants drawn `counts[i]` times each.
fn expand(people: &Participants, counts: &[u32]) -> Participants {
    let rows: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i, c as usize))
        .collect();
    Participants {
        outcomes: rows.iter().map(|&i| people.outcomes[i]).collect::<Vec<Outcome>>(),
        arm: rows.iter().map(|&i| people.arm[i]).collect(),
        stratum: rows.iter().map(|&i| people.stratum[i]).collect(),
        strata: people.strata.clone(),
        group_column: people.group_column.clone(),
        labels: people.labels.clone(),
        sign: people.sign,
        margins: people.margins.clone(),
        source: people.source.clone(),
    }
}

/// Runs the bootstrap of `people` (see the module documentation).
pub(crate) fn bootstrap(
    people: &Participants,
    options: &WinBootstrapOptions,
    conf_level: f64,
) -> Result<WinBootstrap, String> {
    if options.replicates < 2 {
        return Err(format!(
            "the bootstrap needs at least 2 replicates, got {}",
            options.replicates
        ));
    }
    if options.threads == 0 {
        return Err("threads must be at least 1".into());
    }
    let cells = people.strata.len() * 2;
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); cells];
    for i in 0..people.n() {
        groups[people.stratum[i] as usize * 2 + usize::from(people.arm[i])].push(i);
    }
    let never = engine::never();
    let replicates = engine::in_parallel(
        options.threads,
        0..options.replicates,
        &|| {},
        &never,
        || vec![0u32; people.n()],
        |counts, r| {
            let mut rng = engine::stream(options.seed, r as u64);
            engine::draw_resample(&mut rng, Some(&groups), counts);
            measures(&expand(people, counts))
        },
    )
    .map_err(|e| match e {
        engine::RunError::Threads(message) => message,
        engine::RunError::Stopped => "the bootstrap was stopped".to_string(),
    })?;
    let summary = |k: usize, exp: bool| {
        let mut values: Vec<f64> = replicates.iter().filter_map(|r| r[k]).collect();
        let degenerate = replicates.len() - values.len();
        if values.len() < 2 {
            return BootstrapMeasure {
                se: None,
                lower: None,
                upper: None,
                degenerate,
            };
        }
        values.sort_unstable_by(f64::total_cmp);
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let s = Summary {
            sorted: &values,
            estimate: mean,
            mean,
            sd,
            conf_level,
        };
        let (interval, _) = s.interval(IntervalMethod::Percentile, None);
        let scale = |x: Option<f64>| if exp { x.map(f64::exp) } else { x };
        BootstrapMeasure {
            se: sd.is_finite().then_some(sd),
            lower: scale(interval.lower),
            upper: scale(interval.upper),
            degenerate,
        }
    };
    Ok(WinBootstrap {
        replicates: options.replicates,
        seed: options.seed,
        generator: engine::GENERATOR.to_string(),
        conf_level,
        win_ratio: summary(0, true),
        win_odds: summary(1, true),
        net_benefit: summary(2, false),
    })
}
