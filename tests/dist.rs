//! The distribution helpers against values printed by R 4.2.2 (`print(x, digits = 17)`).
#![allow(clippy::excessive_precision)] // the digits are R's, kept as printed

mod common;

use common::assert_close;
use survkit::dist::{chisq_sf, normal_quantile, z_for_level};

#[test]
fn normal_quantiles_match_qnorm() {
    assert_close("qnorm(0.975)", normal_quantile(0.975), 1.9599639845400536);
    assert_close("qnorm(0.95)", z_for_level(0.9), 1.6448536269514715);
    assert_close("qnorm(0.995)", z_for_level(0.99), 2.5758293035488999);
}

#[test]
fn chisq_tails_match_pchisq_upper() {
    // pchisq(x, df, lower.tail = FALSE)
    assert_close(
        "pchisq(10.3267419548856, 1)",
        chisq_sf(10.3267419548856, 1.0),
        1.3111645203555116e-03,
    );
    assert_close(
        "pchisq(25.4037003457854, 3)",
        chisq_sf(25.4037003457854, 3.0),
        1.2712459390060682e-05,
    );
    assert_close("pchisq(80, 1)", chisq_sf(80.0, 1.0), 3.7440973842028994e-19);
    assert_close("pchisq(80, 4)", chisq_sf(80.0, 4.0), 1.7418252446695517e-16);
    assert_eq!(chisq_sf(0.0, 2.0), 1.0);
}
