# Writes the R reference fixtures for survkit's competing-risks analyses: Aalen–Johansen
# cumulative incidence with survfit's (infinitesimal-jackknife) standard errors, cmprsk's
# cuminc estimates, variances and Gray's test, and cmprsk's crr (Fine–Gray) fits.
#
#   Rscript tests/reference/make_competing_fixtures.R     (run from the repository root)
#
# Needs R with survival (3.5.3 used), cmprsk (2.2.11 used) and jsonlite
# (Debian: r-cran-survival r-cran-cmprsk r-cran-jsonlite).
#
# Writes : datasets/mgus2_cr.csv                     survival's mgus2 as competing risks
#          tests/reference/data/als_composite.csv     a small hand-made ALS-like composite
#          tests/reference/competing.json             the cases
#
# Conventions
#   * status: 0 = censored, 1 and 2 = causes; R reads it as factor(status) (survfit) or with
#     cencode = 0 (cuminc, crr).
#   * "r_data" builds `d`; "r_call" is the exact call.
#   * survfit cases: for every group, at every time of fit$time, pstate and std.err of the
#     states "(s0)" (event-free), "1", "2", and the log-scale 95% limits; `at` rows come from
#     summary(fit, times = at, extend = TRUE).
#   * cuminc cases: for every group × cause, the estimate and variance at every distinct
#     time of the data (timepoints()), and the Tests matrix (Gray's statistic, p, df).
#   * crr cases: coef and sqrt(diag(var)); the same fit by finegray() + coxph(ties =
#     "breslow", weights = fgwt) is recorded beside it.
#   * numbers: jsonlite digits = NA (15 significant digits); NA/NaN/Inf are null.

source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(cmprsk))

# --- data -------------------------------------------------------------------------------
# mgus2 (survival): progression to a plasma cell malignancy (1) competes with death before
# progression (2); the time is the first of the two, in months (survival's compete vignette).
m <- survival::mgus2
mg <- data.frame(
  id = m$id,
  time = ifelse(m$pstat == 0, m$futime, m$ptime),
  status = ifelse(m$pstat == 0, 2 * m$death, 1),
  sex = as.character(m$sex),
  age = m$age,
  hgb = m$hgb,
  mspike = m$mspike,
  agegrp = ifelse(m$age < 60, "a<60", ifelse(m$age < 75, "b60-74", "c75+")),
  w = 0.5 + (m$id %% 4) / 2
)
write.csv(mg, "datasets/mgus2_cr.csv", row.names = FALSE, na = "")

# A small ALS-like composite: death (1) and permanent assisted ventilation or tracheostomy
# (2) in two arms; times in whole months, so causes tie with each other and with censoring.
als <- data.frame(
  id = 1:40,
  time = c(3, 5, 5, 6, 8, 8, 8, 10, 11, 12, 12, 14, 15, 15, 17, 18, 18, 20, 22, 24,
           2, 4, 5, 5, 7, 7, 9, 9, 9, 12, 13, 13, 14, 16, 16, 18, 19, 21, 24, 24),
  status = c(1, 2, 1, 0, 1, 2, 0, 1, 2, 1, 1, 0, 2, 2, 1, 0, 1, 2, 1, 0,
             2, 1, 2, 1, 1, 0, 1, 2, 2, 0, 1, 1, 2, 0, 1, 2, 0, 1, 0, 0),
  arm = rep(c("active", "placebo"), each = 20),
  site = rep(c("A", "B"), 20),
  age = c(61, 55, 70, 48, 66, 59, 52, 73, 64, 58, 69, 50, 62, 67, 57, 60, 71, 54, 63, 65,
          68, 53, 60, 72, 56, 49, 66, 61, 74, 58, 51, 64, 69, 55, 62, 70, 57, 59, 63, 67),
  entry = c(0, 0, 1, 0, 2, 0, 0, 1, 0, 3, 0, 0, 1, 0, 0, 2, 0, 0, 4, 0,
            0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 3, 0, 0, 2, 0, 0, 1, 0, 0, 5)
)
write.csv(als, file.path(data_dir, "als_composite.csv"), row.names = FALSE, na = "")

# --- survfit (Aalen–Johansen, infinitesimal jackknife) -------------------------------------
aj_case <- function(name, file, r_data, r_call, group, at, weight = NULL, entry = NULL) {
  d <- eval(parse(text = r_data))
  fit <- eval(parse(text = r_call))
  states <- fit$states
  strata <- if (is.null(fit$strata)) list(all = seq_along(fit$time)) else {
    ends <- cumsum(fit$strata)
    starts <- c(1, head(ends, -1) + 1)
    setNames(lapply(seq_along(ends), function(k) starts[k]:ends[k]),
             sub(".*=", "", names(fit$strata)))
  }
  curves <- lapply(names(strata), function(g) {
    idx <- strata[[g]]
    list(group = if (is.null(group)) NULL else g,
         time = arr(fit$time[idx]),
         n_risk = arr(fit$n.risk[idx, 1]),
         states = lapply(seq_along(states), function(s) list(
           state = states[s],
           pstate = arr(fit$pstate[idx, s]),
           std_err = arr(fit$std.err[idx, s]),
           lower = arr(fit$lower[idx, s]),
           upper = arr(fit$upper[idx, s]))))
  })
  sm <- summary(fit, times = at, extend = TRUE)
  sgroup <- if (is.null(sm$strata)) rep("all", length(sm$time)) else sub(".*=", "", as.character(sm$strata))
  at_rows <- lapply(seq_along(sm$time), function(i) list(
    group = if (is.null(group)) NULL else sgroup[i], time = sm$time[i],
    pstate = arr(sm$pstate[i, ]), std_err = arr(sm$std.err[i, ])))
  list(name = name, kind = "survfit", file = file, time = "time", status = "status",
       group = group, weight = weight, entry = entry, at = arr(at),
       r_data = r_data, r_call = r_call, states = states, curves = curves, at_rows = at_rows)
}

# --- cuminc (estimates, variances, Gray's test) -------------------------------------------
cuminc_case <- function(name, file, r_data, r_call, group, strata = NULL, rho = 0) {
  d <- eval(parse(text = r_data))
  fit <- eval(parse(text = r_call))
  tests <- fit$Tests
  curves_only <- fit[setdiff(names(fit), "Tests")]
  times <- sort(unique(d$time))
  tp <- timepoints(curves_only, times)
  curves <- lapply(rownames(tp$est), function(nm) {
    parts <- strsplit(nm, " ")[[1]]
    list(group = if (is.null(group)) NULL else paste(head(parts, -1), collapse = " "),
         cause = tail(parts, 1),
         time = arr(times), est = arr(tp$est[nm, ]), var = arr(tp$var[nm, ]))
  })
  gray <- if (is.null(tests)) list() else lapply(rownames(tests), function(k) list(
    cause = k, statistic = num(tests[k, "stat"]), p_value = num(tests[k, "pv"]),
    df = num(tests[k, "df"])))
  list(name = name, kind = "cuminc", file = file, time = "time", status = "status",
       group = group, strata = strata, rho = rho, r_data = r_data, r_call = r_call,
       curves = curves, gray = gray)
}

# --- crr (Fine–Gray) ---------------------------------------------------------------------
crr_case <- function(name, file, r_data, covariates, factors, cause, cov_expr) {
  d <- eval(parse(text = r_data))
  x <- eval(parse(text = cov_expr))
  r_call <- sprintf("crr(d$time, d$status, cov1 = %s, failcode = %d, cencode = 0)", cov_expr, cause)
  fit <- eval(parse(text = r_call))
  fg_call <- sprintf(
    "coxph(Surv(fgstart, fgstop, fgstatus) ~ %s, data = finegray(Surv(time, factor(status)) ~ ., data = d[, c('time', 'status', %s)], etype = '%d'), weights = fgwt, ties = 'breslow')",
    paste(covariates, collapse = " + "), paste(sprintf("'%s'", covariates), collapse = ", "), cause)
  fg <- eval(parse(text = fg_call))
  list(name = name, kind = "crr", file = file, time = "time", status = "status",
       cause = cause, covariates = I(covariates), factors = I(factors),
       r_data = r_data, r_call = r_call, terms = names(fit$coef),
       coef = arr(fit$coef), se = arr(sqrt(diag(fit$var))),
       converged = fit$converged, loglik = num(fit$loglik),
       finegray_call = fg_call, finegray_coef = arr(coef(fg)), finegray_se = arr(sqrt(diag(vcov(fg)))))
}

# --- restricted mean time lost per cause (∫₀^τ F_k), SE from survfit's influence -----------
# se = sqrt(Σ_i (w_i ∫₀^τ U_i(t) dt)²) with U_i = influence.pstate (the infinitesimal jackknife
# of survfit's std.err, integrated over the step function as the estimate is).
rmtl_case <- function(name, file, r_data, r_call, group, tau) {
  d <- eval(parse(text = r_data))
  fit <- eval(parse(text = r_call))
  states <- fit$states
  groups <- sort(unique(d[[group]]))
  infl <- fit$influence.pstate
  ends <- cumsum(fit$strata)
  starts <- c(1, head(ends, -1) + 1)
  arms <- lapply(seq_along(groups), function(k) {
    idx <- starts[k]:ends[k]
    tt <- fit$time[idx]
    keep <- tt <= tau
    width <- diff(c(tt[keep], tau))
    inf_k <- infl[[k]]
    lapply(2:length(states), function(s) {
      est <- sum(fit$pstate[idx, s][keep] * width)
      u <- inf_k[, 1 + which(keep), s, drop = FALSE]
      u <- matrix(u, nrow = dim(inf_k)[1])
      se <- sqrt(sum((u %*% width)^2))
      list(group = groups[k], cause = states[s], rmtl = est, se = se)
    })
  })
  list(name = name, kind = "rmtl", file = file, time = "time", status = "status",
       group = group, tau = tau, r_data = r_data, r_call = r_call, arms = unlist(arms, recursive = FALSE))
}

mg_data <- "read.csv('datasets/mgus2_cr.csv')"
mg_cc <- "subset(read.csv('datasets/mgus2_cr.csv'), !is.na(hgb))"
als_file <- "tests/reference/data/als_composite.csv"
als_data <- sprintf("read.csv('%s')", als_file)

cases <- list(
  aj_case("mgus2 by sex", "datasets/mgus2_cr.csv", mg_data,
          "survfit(Surv(time, factor(status)) ~ sex, data = d)", "sex", c(12, 60, 120, 240, 400)),
  aj_case("mgus2 overall", "datasets/mgus2_cr.csv", mg_data,
          "survfit(Surv(time, factor(status)) ~ 1, data = d)", NULL, c(0.5, 100, 1000)),
  aj_case("mgus2 weighted by age group", "datasets/mgus2_cr.csv", mg_data,
          "survfit(Surv(time, factor(status)) ~ agegrp, data = d, weights = w)", "agegrp",
          c(24, 120), weight = "w"),
  aj_case("als by arm", als_file, als_data,
          "survfit(Surv(time, factor(status)) ~ arm, data = d)", "arm", c(6, 12, 24)),
  aj_case("als delayed entry", als_file, als_data,
          "survfit(Surv(entry, time, factor(status)) ~ arm, data = d, id = id)", "arm",
          c(6, 12), entry = "entry"),
  cuminc_case("mgus2 cuminc by sex", "datasets/mgus2_cr.csv", mg_data,
              "cuminc(d$time, d$status, d$sex, cencode = 0)", "sex"),
  cuminc_case("mgus2 cuminc by age group, strata sex", "datasets/mgus2_cr.csv", mg_data,
              "cuminc(d$time, d$status, d$agegrp, d$sex, cencode = 0)", "agegrp", strata = "sex"),
  cuminc_case("mgus2 cuminc by age group, rho 1", "datasets/mgus2_cr.csv", mg_data,
              "cuminc(d$time, d$status, d$agegrp, rho = 1, cencode = 0)", "agegrp", rho = 1),
  cuminc_case("als cuminc by arm", als_file, als_data,
              "cuminc(d$time, d$status, d$arm, cencode = 0)", "arm"),
  cuminc_case("als cuminc by arm, strata site", als_file, als_data,
              "cuminc(d$time, d$status, d$arm, d$site, cencode = 0)", "arm", strata = "site"),
  rmtl_case("mgus2 rmtl by sex", "datasets/mgus2_cr.csv", mg_data,
            "survfit(Surv(time, factor(status)) ~ sex, data = d, influence = TRUE)", "sex", 240),
  rmtl_case("als rmtl by arm", als_file, als_data,
            "survfit(Surv(time, factor(status)) ~ arm, data = d, influence = TRUE)", "arm", 18),
  crr_case("mgus2 crr progression", "datasets/mgus2_cr.csv", mg_cc, c("sex", "age", "hgb"), "sex", 1,
           "cbind(sexM = as.numeric(d$sex == 'M'), age = d$age, hgb = d$hgb)"),
  crr_case("mgus2 crr death", "datasets/mgus2_cr.csv", mg_cc, c("sex", "age", "hgb"), "sex", 2,
           "cbind(sexM = as.numeric(d$sex == 'M'), age = d$age, hgb = d$hgb)"),
  crr_case("als crr death", als_file, als_data, c("arm", "age"), "arm", 1,
           "cbind(armplacebo = as.numeric(d$arm == 'placebo'), age = d$age)")
)

x <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  cmprsk_version = as.character(packageVersion("cmprsk")),
  generated_by = "tests/reference/make_competing_fixtures.R",
  cases = cases
)
write_json_pretty(x, file.path(ref_dir, "competing.json"))
cat("wrote", file.path(ref_dir, "competing.json"), "with", length(cases), "cases\n")
