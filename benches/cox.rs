//! Cox fits: 1 and 10 covariates on 690 and on 100,000 rows.
//! Goals (issue 3): 1 covariate on 690 rows under 50 µs; 10 covariates on 100,000 rows under 100 ms.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use survkit::{Columns, Cox, CoxOptions, SurvData};

/// A trial of `n` rows with `p` covariates: arm (0/1) and p − 1 standard normal covariates,
/// exponential event times with log-HR −0.3 for arm and 0.1 per covariate, uniform censoring,
/// times rounded to whole days (ties). Deterministic (xorshift).
fn trial(n: usize, p: usize) -> SurvData {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut text = String::from("time,status");
    let names: Vec<String> = (0..p)
        .map(|j| if j == 0 { "arm".into() } else { format!("x{j}") })
        .collect();
    for name in &names {
        text.push(',');
        text.push_str(name);
    }
    text.push('\n');
    for _ in 0..n {
        let mut x = vec![if uniform() < 0.5 { 0.0 } else { 1.0 }];
        for _ in 1..p {
            // Box–Muller
            x.push((-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos());
        }
        let lp: f64 = -0.3 * x[0] + x[1..].iter().map(|v| 0.1 * v).sum::<f64>();
        let event_time = -uniform().ln() / (lp.exp() / 365.0);
        let censor = uniform() * 900.0;
        let (time, status) = if event_time <= censor {
            (event_time, 1)
        } else {
            (censor, 0)
        };
        text.push_str(&format!("{},{status}", time.ceil()));
        for v in &x {
            text.push_str(&format!(",{v}"));
        }
        text.push('\n');
    }
    SurvData::from_csv_bytes(
        "bench",
        text.as_bytes(),
        &Columns::new("time", "status").covariates(names),
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("cox");
    for (n, p) in [(690, 1), (690, 10), (100_000, 1), (100_000, 10)] {
        let data = trial(n, p);
        if n > 10_000 {
            group.sample_size(10);
        }
        group.bench_function(format!("efron_{n}_rows_{p}_covariates"), |b| {
            b.iter(|| Cox::fit(black_box(&data), &CoxOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
