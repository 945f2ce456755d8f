# Cox models with interaction terms, fitted by R's coxph from a formula, for survkit's
# formula-built Cox fits (tests/reference_formula.rs). Run from the repository root:
#
#   Rscript tests/reference/make_formula_fixtures.R
#
# Each case records the formula as survkit writes it (`formula`), the R call, and R's
# coefficients in R's order with survkit's term names (`terms`: factor(sex)2 is sex=2).

# survival, jsonlite, C collation, ref_dir, data_dir, TOL, fin/arr/num/mat, event_expr,
# write_fixture: see the header of helpers.R
source("tests/reference/helpers.R")

lung <- read.csv("datasets/lung.csv")

case <- function(name, formula, r_formula, terms) {
  fit <- coxph(as.formula(r_formula), data = lung, ties = "efron")
  stopifnot(length(coef(fit)) == length(terms))
  list(
    name = name,
    formula = formula,
    call = sprintf("coxph(%s, data = lung, ties = \"efron\")", r_formula),
    r_names = I(names(coef(fit))),
    terms = I(terms),
    coef = arr(coef(fit)),
    se = arr(sqrt(diag(vcov(fit)))),
    loglik = arr(fit$loglik),
    n = fit$n,
    nevent = fit$nevent
  )
}

cases <- list(
  case("numeric_star", "Surv(time, status) ~ age*ph.karno",
       "Surv(time, status) ~ age*ph.karno", c("age", "ph.karno", "age:ph.karno")),
  case("factor_star_numeric", "Surv(time, status) ~ factor(sex)*age",
       "Surv(time, status) ~ factor(sex)*age", c("sex=2", "age", "sex=2:age")),
  case("factor_without_margin", "Surv(time, status) ~ factor(sex) + factor(sex):age",
       "Surv(time, status) ~ factor(sex) + factor(sex):age", c("sex=2", "sex=1:age", "sex=2:age")),
  case("interaction_only_strata", "Surv(time, status) ~ age:wt.loss + strata(inst)",
       "Surv(time, status) ~ age:wt.loss + strata(inst)", c("age:wt.loss"))
)

write_fixture(cases, file.path(ref_dir, "formula.json"), "tests/reference/make_formula_fixtures.R")
