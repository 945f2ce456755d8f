# Writes the R `boot` reference for survkit's bootstrap: B = 10,000 ordinary (case) bootstrap
# replicates on lung (arm = sex, reference sex = 1) of
#   * the Cox log hazard ratio, coef(coxph(Surv(time, status) ~ factor(sex), ties = "efron")),
#   * the RMST difference up to tau = 965 (survRM2's default on lung), from
#     summary(survfit(Surv(time, status) ~ sex), rmean = 965)$table[, "rmean"],
# with boot.ci's normal, basic, percentile and BCa intervals (BCa both with boot's default
# empirical influence values and with the jackknife, empinf(type = "jack"), which is what
# survkit uses), the replicates' mean, bias and SD.
#
#   Rscript tests/reference/make_bootstrap_fixtures.R        (run from the repository root)
#
# Needs R with survival, boot and jsonlite (Debian: r-cran-survival r-cran-boot r-cran-jsonlite).
# R's random numbers differ from survkit's, so the Rust test compares within Monte Carlo error;
# the jackknife acceleration is deterministic and compared exactly.
#
# Writes: tests/reference/bootstrap.json

# survival, jsonlite, C collation, repo-root check: see helpers.R. The JSON is written below
# with toJSON's default na/null (not helpers.R's write_json_pretty, which writes NA and NULL
# as null), as before.
source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(boot))

lung_data <- read.csv("datasets/lung.csv")
d <- data.frame(time = lung_data$time, status = as.integer(lung_data$status == 2), sex = lung_data$sex)
tau <- 965
B <- 10000
set.seed(20240501)

log_hr <- function(data, i) {
  coef(coxph(Surv(time, status) ~ factor(sex), data = data[i, ], ties = "efron"))[[1]]
}
rmst_diff <- function(data, i) {
  fit <- survfit(Surv(time, status) ~ sex, data = data[i, ])
  rmean <- summary(fit, rmean = tau)$table[, "rmean"]
  rmean[[2]] - rmean[[1]]
}

calls <- list(
  list(statistic = "log-hr", fun = log_hr,
       r_call = "boot(d, log_hr, R = 10000); log_hr <- function(data, i) coef(coxph(Surv(time, status) ~ factor(sex), data = data[i, ], ties = 'efron'))[[1]]"),
  list(statistic = "rmst-diff", fun = rmst_diff,
       r_call = "boot(d, rmst_diff, R = 10000); rmst_diff <- function(data, i) diff(summary(survfit(Surv(time, status) ~ sex, data = data[i, ]), rmean = 965)$table[, 'rmean'])")
)

cases <- lapply(calls, function(case) {
  b <- boot(d, case$fun, R = B)
  jack <- empinf(b, type = "jack")
  ci <- boot.ci(b, conf = 0.95, type = c("norm", "basic", "perc", "bca"))
  ci_jack <- boot.ci(b, conf = 0.95, type = "bca", L = jack)
  t <- b$t[, 1]
  list(
    statistic = case$statistic,
    r_call = case$r_call,
    replicates = B,
    estimate = b$t0[[1]],
    mean = mean(t),
    bias = mean(t) - b$t0[[1]],
    se = sd(t),
    acceleration_jackknife = sum(jack^3) / (6 * sum(jack^2)^1.5),
    ci = list(
      normal = ci$normal[2:3],
      basic = ci$basic[4:5],
      percentile = ci$percent[4:5],
      bca_default = ci$bca[4:5],
      bca_jackknife = ci_jack$bca[4:5]
    )
  )
})

out <- list(
  r_version = R.version.string,
  boot_version = as.character(packageVersion("boot")),
  survival_version = as.character(packageVersion("survival")),
  generated_by = "tests/reference/make_bootstrap_fixtures.R",
  r_data = "lung <- read.csv('datasets/lung.csv'); d <- data.frame(time = lung$time, status = as.integer(lung$status == 2), sex = lung$sex); set.seed(20240501)",
  tau = tau,
  cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "tests/reference/bootstrap.json")
