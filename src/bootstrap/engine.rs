//! The resampling engine: one reproducible random stream per replicate, resamples drawn as
//! frequencies over the sorted rows, replicates run in parallel and collected in replicate
//! order, and the jackknife.
//!
//! # Reproducibility
//! Replicate r draws from ChaCha8 (rand_chacha 0.10) seeded with `seed_from_u64(seed)` on
//! stream r (`set_stream(r)`): a named, portable generator whose output depends only on the
//! seed and r. Indices in [0, m) come from Lemire's multiply-and-reject method (Lemire 2019,
//! "Fast random integer generation in an interval"), exact and platform-independent. So replicate
//! r is the same resample whatever the thread count, machine, or which range of replicates a run
//! covers; results are collected in replicate order before any floating-point reduction.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;

/// The generator, as the output names it.
pub const GENERATOR: &str = "ChaCha8 (rand_chacha 0.10): seed_from_u64(seed), stream = replicate index";

/// The random stream of replicate `replicate`.
pub fn stream(seed: u64, replicate: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replicate);
    rng
}

/// A uniform integer in [0, m), m > 0, without bias: the high word of x·m for a 64-bit x,
/// redrawn while the low word falls below 2⁶⁴ mod m.
pub fn uniform_below(rng: &mut impl Rng, m: u64) -> u64 {
    let threshold = m.wrapping_neg() % m;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(m);
        if product as u64 >= threshold {
            return (product >> 64) as u64;
        }
    }
}

/// Fills `counts` (one per sorted position) with a case resample: n draws with replacement
/// from all positions, or, with `strata`, as many draws from each stratum's positions as it has.
pub fn draw_resample(rng: &mut impl Rng, strata: Option<&[Vec<usize>]>, counts: &mut [u32]) {
    counts.iter_mut().for_each(|c| *c = 0);
    match strata {
        Some(groups) => {
            for positions in groups.iter().filter(|p| !p.is_empty()) {
                let m = positions.len() as u64;
                for _ in 0..m {
                    counts[positions[uniform_below(rng, m) as usize]] += 1;
                }
            }
        }
        None => {
            let m = counts.len() as u64;
            for _ in 0..m {
                counts[uniform_below(rng, m) as usize] += 1;
            }
        }
    }
}

/// Randomly permutes `labels` in place (Fisher–Yates, from the last position down).
pub fn shuffle(rng: &mut impl Rng, labels: &mut [u32]) {
    for i in (1..labels.len()).rev() {
        let j = uniform_below(rng, i as u64 + 1) as usize;
        labels.swap(i, j);
    }
}

/// Why a parallel run gave no results.
#[derive(Debug)]
pub enum RunError {
    /// The thread pool could not start.
    Threads(String),
    /// The caller raised the stop flag (e.g. Ctrl-C in Python) before the run finished.
    Stopped,
}

/// Runs `work(workspace, index)` for every index of `range` on a pool of `threads` threads
/// (each thread's workspace made by `init`), returning the results in index order.
/// `progress` is told of each finished index; once `stop` is raised, no index starts and the
/// run ends with [`RunError::Stopped`].
pub fn in_parallel<W, T>(
    threads: usize,
    range: Range<usize>,
    progress: &(dyn Fn() + Sync),
    stop: &AtomicBool,
    init: impl Fn() -> W + Sync + Send,
    work: impl Fn(&mut W, usize) -> T + Sync + Send,
) -> Result<Vec<T>, RunError>
where
    T: Send,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads(format!("cannot start {threads} threads: {e}")))?;
    pool.install(|| {
        range
            .into_par_iter()
            .with_min_len(16)
            .map_init(init, |workspace, index| {
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let result = work(workspace, index);
                progress();
                Some(result)
            })
            .collect::<Option<Vec<T>>>()
    })
    .ok_or(RunError::Stopped)
}

/// A stop flag that is never raised, for runs nobody interrupts.
pub fn never() -> AtomicBool {
    AtomicBool::new(false)
}

/// Jackknife frequencies: every position once except `left_out`.
pub fn leave_one_out(counts: &mut [u32], left_out: usize) {
    counts.iter_mut().for_each(|c| *c = 1);
    counts[left_out] = 0;
}

/// A fresh seed for a run without one, below 2⁵³ so that every JSON reader keeps it exact.
pub fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(now);
    hasher.finish() >> 11
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_ends_once_its_stop_flag_is_raised() {
        let stop = AtomicBool::new(false);
        let squares = in_parallel(2, 0..100, &|| {}, &stop, || (), |_, i| i * i).unwrap();
        assert_eq!(squares[9], 81);
        // raised by the work itself halfway: no result, Stopped
        let run = in_parallel(
            2,
            0..100_000,
            &|| {},
            &stop,
            || (),
            |_, i| {
                if i == 50 {
                    stop.store(true, Ordering::Relaxed);
                }
                i
            },
        );
        assert!(matches!(run, Err(RunError::Stopped)));
    }
}
