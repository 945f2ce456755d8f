//! Therneau & Grambsch (2000), appendix E, test data 1: closed-form Breslow and Efron results.
//!
//! Rows (time, status, x): (1,1,1) (1,0,1) (6,1,1) (6,1,0) (8,0,0) (9,1,0), with r = exp(β).
//! Risk sets: at t=1 everyone (3 with x=1, 3 with x=0), 3r + 3; at t=6 {6,6,8,9}, r + 3, with
//! two tied deaths (x = 1 and x = 0); at t=9 {9}, 1.
//!
//! Breslow: ℓ = 2β − log(3r+3) − 2 log(r+3), U = (6 + 3r − r²)/((r+1)(r+3)),
//! I = r/(r+1)² + 6r/(r+3)², so β̂ = log((3 + √33)/2).
//! Efron: the second death at t=6 sees r + 3 − (r + 1)/2 = (r + 5)/2:
//! ℓ = 2β − log(3r+3) − log(r+3) − log((r+5)/2), U = 2 − r/(r+1) − r/(r+3) − r/(r+5),
//! I = r/(r+1)² + 3r/(r+3)² + 5r/(r+5)².

mod common;

use common::assert_close;
use survkit::{Columns, Cox, CoxOptions, SurvData, Ties};

fn data() -> SurvData {
    let csv = "time,status,x\n1,1,1\n1,0,1\n6,1,1\n6,1,0\n8,0,0\n9,1,0\n";
    SurvData::from_csv_bytes(
        "appendix-e.csv",
        csv.as_bytes(),
        &Columns::new("time", "status").covariates(["x"]),
    )
    .unwrap()
}

fn fit(ties: Ties) -> survkit::CoxFit {
    Cox::fit(
        &data(),
        &CoxOptions {
            ties,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn breslow_closed_form() {
    let fit = fit(Ties::Breslow);
    let beta = ((3.0 + 33f64.sqrt()) / 2.0).ln();
    let r = beta.exp();
    assert_close("beta", fit.terms[0].coef.unwrap(), beta);
    let loglik = 2.0 * beta - (3.0 * r + 3.0).ln() - 2.0 * (r + 3.0).ln();
    assert_close("loglik", fit.loglik[1], loglik);
    assert_close("null loglik", fit.loglik[0], -(6f64.ln()) - 2.0 * 4f64.ln());
    let information = r / (r + 1.0).powi(2) + 6.0 * r / (r + 3.0).powi(2);
    assert_close("variance", fit.variance[0][0], 1.0 / information);
    // score test at β = 0: U(0) = 8/8 = 1, I(0) = 1/4 + 6/16 = 5/8
    assert_close("score test", fit.tests.score.statistic.unwrap(), 1.6);
}

#[test]
fn efron_closed_form() {
    let fit = fit(Ties::Efron);
    let score = |b: f64| {
        let r = b.exp();
        2.0 - r / (r + 1.0) - r / (r + 3.0) - r / (r + 5.0)
    };
    // solve U(β) = 0 by bisection (U decreases in β)
    let (mut lo, mut hi) = (0.0, 5.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if score(mid) > 0.0 { lo = mid } else { hi = mid }
    }
    let beta: f64 = (lo + hi) / 2.0;
    let r = beta.exp();
    assert_close("beta", fit.terms[0].coef.unwrap(), beta);
    let loglik = 2.0 * beta - (3.0 * r + 3.0).ln() - (r + 3.0).ln() - ((r + 5.0) / 2.0).ln();
    assert_close("loglik", fit.loglik[1], loglik);
    let information = r / (r + 1.0).powi(2) + 3.0 * r / (r + 3.0).powi(2) + 5.0 * r / (r + 5.0).powi(2);
    assert_close("variance", fit.variance[0][0], 1.0 / information);
}

#[test]
fn score_residuals_sum_to_zero_and_martingales_to_zero() {
    for ties in [Ties::Breslow, Ties::Efron] {
        let data = data();
        let fit = Cox::fit(
            &data,
            &CoxOptions {
                ties,
                ..Default::default()
            },
        )
        .unwrap();
        let res = fit.residuals(&data).unwrap();
        assert!(res.score.iter().sum::<f64>().abs() < 1e-8);
        assert!(res.martingale.iter().sum::<f64>().abs() < 1e-8);
    }
}
