//! Simulation throughput: event-driven two-arm trials of 690 participants (2:1, control median
//! 24, HR 0.7, 18 months' accrual, dropout hazard 0.005, analysis at 278 events) with the
//! log-rank test and the Cox fit, with 1 and 2 threads.
//! Goal (issue 19): 100,000 trials in under 10 s on 2 cores. Criterion times 10,000 trials per
//! iteration (100,000 would make each of its ten samples several seconds long); the time for
//! 100,000 is ten times that, the trials being independent.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use survkit::Weights;
use survkit::simulate::{AnalysisAt, Arm, PiecewiseHazard, SimulateOptions, Simulation, TrialDesign};

const TRIALS: usize = 10_000;

fn bench(c: &mut Criterion) {
    let control = PiecewiseHazard::constant(std::f64::consts::LN_2 / 24.0, "control").unwrap();
    let arms = vec![
        Arm {
            name: "control".into(),
            allocation: 1.0,
            hazard: control.clone(),
        },
        Arm {
            name: "treatment".into(),
            allocation: 2.0,
            hazard: control.scaled(&[0.7], "treatment").unwrap(),
        },
    ];
    let design = TrialDesign::new(arms, 690, 18.0, 0.005, AnalysisAt::Events(278)).unwrap();
    let mut group = c.benchmark_group("simulate_690_participants");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TRIALS as u64));
    for threads in [1, 2] {
        let options = SimulateOptions {
            trials: 0..TRIALS,
            seed: 1,
            threads,
            alpha: 0.05,
            weights: Weights::LogRank,
            maxcombo: None,
            rmst_tau: None,
            fragility: false,
            group_sequential: None,
        };
        group.bench_function(format!("{TRIALS}_trials_{threads}_threads"), |b| {
            b.iter(|| Simulation::run(black_box(&design), &options).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
