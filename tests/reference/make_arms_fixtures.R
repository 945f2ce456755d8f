# Writes the R reference fixture for survkit's tests of k arms: the k-sample log-rank test and
# the Cox model of the arm as a factor (LR, Wald and score tests on k - 1 df, each arm's
# coefficient; the tests unrounded from fit$loglik, fit$wald.test and fit$score, as summary() rounds them) on colon (three arms) and veteran (four cell types).
#
#   Rscript tests/reference/make_arms_fixtures.R   (run from the repository root)
#
# Writes : tests/reference/arms.json

source("tests/reference/helpers.R")

cases <- list()
add <- function(file, group, reference, event) {
  d <- read.csv(file, stringsAsFactors = FALSE)
  d$g <- relevel(factor(d[[group]]), ref = reference)
  d$e <- eval(parse(text = event), d)
  lr <- survdiff(Surv(time, e) ~ g, data = d)
  fit <- coxph(Surv(time, e) ~ g, data = d, ties = "efron")
  s <- summary(fit)
  cases[[length(cases) + 1]] <<- list(
    file = file, group = group, reference = reference, event = event,
    logrank_chisq = num(lr$chisq), logrank_df = length(lr$n) - 1,
    terms = sub("^g", paste0(group, "="), names(coef(fit))),
    coef = arr(coef(fit)), se = arr(sqrt(diag(fit$var))), p = arr(s$coefficients[, "Pr(>|z|)"]),
    lr = num(2 * diff(fit$loglik)), wald = num(fit$wald.test), score = num(fit$score),
    df = num(s$logtest["df"]),
    r_call = sprintf("survdiff(Surv(time, %s) ~ relevel(factor(%s), '%s')); coxph(..., ties = 'efron')", event, group, reference)
  )
}
add("datasets/colon.csv", "rx", "Obs", "status")
# the arms together, adjusted for age and nodes: the LR test (anova of the nested fits) and the
# Wald test of the arm terms' block of the variance
d <- read.csv("datasets/colon.csv", stringsAsFactors = FALSE)
d <- d[complete.cases(d[, c("time", "status", "rx", "age", "nodes")]), ]
d$rx <- relevel(factor(d$rx), ref = "Obs")
full <- coxph(Surv(time, status) ~ rx + age + nodes, data = d, ties = "efron")
reduced <- coxph(Surv(time, status) ~ age + nodes, data = d, ties = "efron")
b <- coef(full)[1:2]; V <- vcov(full)[1:2, 1:2]
at <- coxph(Surv(time, status) ~ rx + age + nodes, data = d, ties = "efron",
            init = c(0, 0, coef(reduced)), control = coxph.control(iter.max = 0))
cases[[length(cases) + 1]] <- list(
  file = "datasets/colon.csv", group = "rx", reference = "Obs", covariates = c("age", "nodes"),
  arm_lr = num(2 * (full$loglik[2] - reduced$loglik[2])), arm_wald = num(t(b) %*% solve(V, b)),
  arm_score = num(at$score), df = 2,
  r_call = "anova(coxph(~ age + nodes), coxph(~ rx + age + nodes)); t(b) %*% solve(vcov[rx, rx], b); coxph(~ rx + age + nodes, init = c(0, 0, coef(reduced)), iter.max = 0)$score"
)
add("datasets/veteran.csv", "celltype", "squamous", "status")
write_fixture(cases, file.path(ref_dir, "arms.json"), "tests/reference/make_arms_fixtures.R")
