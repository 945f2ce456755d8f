//! The Cox score and information against finite differences of the log-likelihood (proptest),
//! for the partial likelihood under each tie method and for Firth's penalised likelihood.

use proptest::prelude::*;

use super::{Design, Ties, firth, partial::Problem};
use crate::data::{Columns, SurvData};

/// A row: time, event, x1, x2.
type Row = (u8, bool, f64, f64);
/// ℓ, U and I at β.
type Values<'a> = &'a dyn Fn(&[f64]) -> (f64, Vec<f64>, Vec<f64>);

/// Rows with ties, and a β.
fn case() -> impl Strategy<Value = (Vec<Row>, [f64; 2])> {
    (
        prop::collection::vec((1u8..12, any::<bool>(), -2.0..2.0f64, -1.0..1.0f64), 6..30),
        [-1.0..1.0f64, -1.0..1.0f64],
    )
}

fn data(rows: &[Row]) -> Option<SurvData> {
    let mut csv = String::from("t,s,x1,x2\n");
    for (t, e, a, b) in rows {
        csv.push_str(&format!("{t},{},{a},{b}\n", u8::from(*e)));
    }
    let columns = Columns::new("t", "s").covariates(["x1", "x2"]);
    let data = SurvData::from_csv_bytes("prop.csv", csv.as_bytes(), &columns).ok()?;
    data.event.iter().any(|e| *e).then_some(data)
}

fn check(values: Values<'_>, beta: &[f64], exact_hessian: bool) -> Result<(), TestCaseError> {
    let h = 1e-5;
    let (_, score, information) = values(beta);
    for j in 0..2 {
        let mut up = beta.to_vec();
        let mut down = beta.to_vec();
        up[j] += h;
        down[j] -= h;
        let (l_up, u_up, _) = values(&up);
        let (l_down, u_down, _) = values(&down);
        if !(l_up.is_finite() && l_down.is_finite()) {
            continue; // ℓ* is undefined where I is singular
        }
        let gradient = (l_up - l_down) / (2.0 * h);
        prop_assert!(
            (gradient - score[j]).abs() <= 1e-5 * (1.0 + score[j].abs()),
            "U[{j}]: {} vs {gradient}",
            score[j]
        );
        if exact_hessian {
            for l in 0..2 {
                let second = -(u_up[l] - u_down[l]) / (2.0 * h);
                let i = information[l * 2 + j];
                prop_assert!(
                    (second - i).abs() <= 1e-5 * (1.0 + i.abs()),
                    "I[{l},{j}]: {i} vs {second}"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn score_and_information_are_the_derivatives_of_the_partial_likelihood((rows, beta) in case()) {
        let built = data(&rows).and_then(|data| Design::build(&data).ok().map(|design| (data, design)));
        prop_assume!(built.is_some());
        let (data, design) = built.unwrap();
        for ties in [Ties::Efron, Ties::Breslow, Ties::Exact] {
            let problem = Problem::new(&data, &design, ties);
            let values = |b: &[f64]| {
                let e = problem.evaluate(b, true);
                (e.loglik, e.score, e.information)
            };
            check(&values, &beta, true)?;
        }
    }

    #[test]
    fn firth_score_is_the_gradient_of_the_penalised_likelihood((rows, beta) in case()) {
        let built = data(&rows).and_then(|data| Design::build(&data).ok().map(|design| (data, design)));
        prop_assume!(built.is_some());
        let (data, design) = built.unwrap();
        let problem = Problem::new(&data, &design, Ties::Breslow);
        let values = |b: &[f64]| {
            let e = firth::penalized(&problem, b);
            (e.loglik, e.score, e.information)
        };
        // ℓ* = ℓ + ½ log|I| is finite only where I is positive definite, and a finite difference
        // only approximates its gradient where |I| is not close to 0 (log|I| is steep there)
        let (loglik, _, information) = values(&beta);
        let determinant = information[0] * information[3] - information[1] * information[2];
        prop_assume!(loglik.is_finite() && determinant >= 1e-2 && data.event.iter().filter(|e| **e).count() >= 4);
        check(&values, &beta, false)?;
    }
}
