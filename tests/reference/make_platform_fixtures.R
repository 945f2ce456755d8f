# Writes the R reference fixture for survkit's platform-trial comparisons: regimen C's 30 mg arm
# of the synthetic platform (datasets/als/platform_synthetic.csv) against placebo, with
# concurrent placebo (regimen C's own), pooled placebo (every regimen's), and pooled placebo
# stratified by regimen: survdiff chi-square and coxph (efron) coefficient of the arm.
#
#   Rscript tests/reference/make_platform_fixtures.R   (run from the repository root)
#
# Writes : tests/reference/platform.json

source("tests/reference/helpers.R")

d <- read.csv("datasets/als/platform_synthetic.csv", stringsAsFactors = FALSE)
arm <- "C: CNM-Au8 30 mg"
fits <- function(p, stratified) {
  p$a <- as.numeric(p$arm == arm)
  f <- if (stratified) Surv(time, status) ~ a + strata(regimen) else Surv(time, status) ~ a
  list(
    n = nrow(p),
    logrank_chisq = num(survdiff(f, data = p)$chisq),
    coef = num(coef(coxph(f, data = p, ties = "efron"))),
    r_call = paste(deparse(f), "on", if (stratified) "pooled placebo" else "these rows")
  )
}
concurrent <- d[d$arm == arm | (d$arm == "placebo" & d$regimen == "C"), ]
pooled <- d[d$arm %in% c(arm, "placebo"), ]
cases <- list(
  c(list(control = "concurrent", stratified = FALSE), fits(concurrent, FALSE)),
  c(list(control = "pooled", stratified = FALSE), fits(pooled, FALSE)),
  c(list(control = "pooled", stratified = TRUE), fits(pooled, TRUE))
)
write_fixture(cases, file.path(ref_dir, "platform.json"), "tests/reference/make_platform_fixtures.R")
