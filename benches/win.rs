//! Win statistics and CAFS: the win ratio with its variance on 10,000 participants
//! (5,000 × 5,000 = 2.5 × 10⁷ treated–reference pairs; the CAFS scores of the same
//! 10,000 compare all 5 × 10⁷ pairs), and a 10,000-permutation CAFS test on 200 participants.
//! Goals (issue 18): under 1 s and under 2 s on 2 cores. Also the win ratio on a hierarchy with
//! a second score (every pair compared) and with a 1,000-replicate bootstrap check.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::bootstrap::PermutationMethod;
use survkit::bootstrap::PermutationPlan;
use survkit::win::{Cafs, CafsOptions, LaterScore, WinBootstrapOptions, WinOptions, WinStatistics};
use survkit::{Columns, SurvData};

/// A two-arm trial: weekly times up to 52, about a third deaths, integer scores; seeded LCG.
fn trial(n: usize) -> SurvData {
    let mut state = 2026u64;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let mut text = String::from("time,death,arm,score,second\n");
    for i in 0..n {
        let arm = i % 2;
        let time = 1 + next(52);
        let death = u8::from(next(3) == 0);
        let score = next(40) as i64 - 30 + 3 * arm as i64;
        let second = next(100) as i64 - 50;
        text.push_str(&format!("{time},{death},{arm},{score},{second}\n"));
    }
    let columns = Columns::new("time", "death")
        .group("arm")
        .covariates(["score", "second"]);
    SurvData::from_csv_bytes("bench", text.as_bytes(), &columns).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("win");
    group.sample_size(10);
    let large = trial(10_000);
    group.bench_function("win_ratio_10000_participants", |b| {
        b.iter(|| WinStatistics::compute(black_box(&large), &WinOptions::new("score")).unwrap())
    });
    let hierarchy = WinOptions {
        threshold: 5.0,
        later_scores: vec![LaterScore::new("second")],
        ..WinOptions::new("score")
    };
    group.bench_function("win_ratio_two_scores_10000_participants", |b| {
        b.iter(|| WinStatistics::compute(black_box(&large), &hierarchy).unwrap())
    });
    let trial_690 = trial(690);
    let bootstrapped = WinOptions {
        bootstrap: Some(WinBootstrapOptions {
            replicates: 1000,
            seed: 1,
            threads: 2,
        }),
        ..WinOptions::new("score")
    };
    group.bench_function("win_ratio_1000_bootstrap_replicates_690_participants_2_threads", |b| {
        b.iter(|| WinStatistics::compute(black_box(&trial_690), &bootstrapped).unwrap())
    });
    let pooled = CafsOptions {
        permutation: PermutationPlan {
            method: PermutationMethod::MonteCarlo,
            permutations: 1,
            ..PermutationPlan::default()
        },
        ..CafsOptions::new("score")
    };
    group.bench_function("cafs_scores_10000_participants", |b| {
        b.iter(|| Cafs::test(black_box(&large), &pooled, &|| {}).unwrap())
    });
    let small = trial(200);
    let options = CafsOptions {
        permutation: PermutationPlan {
            method: PermutationMethod::MonteCarlo,
            permutations: 10_000,
            threads: 2,
            ..PermutationPlan::default()
        },
        ..CafsOptions::new("score")
    };
    group.bench_function("cafs_10000_permutations_200_participants_2_threads", |b| {
        b.iter(|| Cafs::test(black_box(&small), &options, &|| {}).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
