# Writes the R reference fixture for the competing-risks statistics of survkit's bootstrap:
# on given resamples of the rows, the difference in cumulative incidence of a cause at a time
# (cmprsk::cuminc + timepoints) and the Fine–Gray log subdistribution hazard ratio of the arm
# (cmprsk::crr). survkit's bootstrap draws its own resamples; the fixture checks that the
# statistic it computes on a resample (a frequency per row) is R's on those rows.
#
#   Rscript tests/reference/make_competing_bootstrap_fixtures.R   (run from the repository root)
#
# Needs R with survival, cmprsk (2.2.11 used) and jsonlite.
#
# Writes : tests/reference/competing_bootstrap.json
#
# Conventions
#   * "rows": the resample, as 1-based indices of the data rows of the CSV file (repeats
#     allowed), drawn by sample(n, n, replace = TRUE) after set.seed(seed); the first case of
#     each data set is the original data (rows 1..n).
#   * "cif_diff": F_arm(at) - F_reference(at) for the cause, from timepoints(cuminc(...), at);
#     the reference arm is the first level in C-locale order.
#   * "log_shr", "se": crr(time, status, cov1 = arm indicator, failcode = cause)$coef and its
#     sandwich SE; null when crr does not converge.

source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(cmprsk))

cases <- list()
add_cases <- function(file, group, cause, at, seeds) {
  d <- read.csv(file, stringsAsFactors = FALSE)
  n <- nrow(d)
  levels <- sort(unique(d[[group]]))
  draws <- c(list(seq_len(n)), lapply(seeds, function(s) { set.seed(s); sample(n, n, replace = TRUE) }))
  for (k in seq_along(draws)) {
    rows <- draws[[k]]
    r <- d[rows, ]
    arm <- as.numeric(r[[group]] == levels[2])
    ci <- cuminc(r$time, r$status, r[[group]], cencode = 0)
    tp <- timepoints(ci, at)$est
    diff <- tp[paste(levels[2], cause), 1] - tp[paste(levels[1], cause), 1]
    fit <- tryCatch(crr(r$time, r$status, cov1 = cbind(arm), failcode = cause, cencode = 0),
                    error = function(e) NULL)
    ok <- !is.null(fit) && isTRUE(fit$converged)
    cases[[length(cases) + 1]] <<- list(
      cmprsk_version = as.character(packageVersion("cmprsk")),
      file = file, group = group, cause = as.character(cause), at = at,
      seed = if (k == 1) NA else seeds[k - 1],
      rows = rows,
      cif_diff = num(diff),
      log_shr = if (ok) num(fit$coef) else NA,
      se = if (ok) num(sqrt(diag(fit$var))) else NA,
      r_call = sprintf("cuminc(time, status, %s, cencode = 0); crr(time, status, cov1 = cbind(%s == '%s'), failcode = %s, cencode = 0)",
                       group, group, levels[2], cause)
    )
  }
}

add_cases("datasets/mgus2_cr.csv", "sex", 1, 120, c(11, 12, 13))
add_cases("datasets/mgus2_cr.csv", "sex", 2, 60, c(21, 22))
add_cases("tests/reference/data/als_composite.csv", "arm", 1, 12, c(31, 32, 33))

write_fixture(cases, file.path(ref_dir, "competing_bootstrap.json"),
              "tests/reference/make_competing_bootstrap_fixtures.R")
