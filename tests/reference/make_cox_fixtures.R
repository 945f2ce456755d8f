# Writes the R `survival` reference fixtures for survkit's Cox proportional
# hazards model (issue 3), so that the Rust tests need no R at run time.
#
#   Rscript tests/reference/make_cox_fixtures.R      (run from the repository root)
#
# Needs R with the packages survival and jsonlite
# (Debian: r-base-core r-cran-survival r-cran-jsonlite).
#
# Inputs : datasets/*.csv, read with read.csv exactly as the Rust code reads them
# Writes : tests/reference/data/lung_intweights.csv  lung + integer case weight w
#          tests/reference/data/monotone.csv         monotone likelihood (infinite coef)
#          tests/reference/data/als_small.csv        small two-arm trial, 5 events
#          tests/reference/cox.json                  coxph cases
#
# Conventions (see tests/reference/README.md, section "cox.json"):
#   * event indicator: a 0/1 status column is used as is; one coded 1/2 means
#     event = (status == 2).  "event_rule" is the R expression used in Surv().
#   * categorical covariates are R factors built explicitly with
#     factor(x, levels = ...), levels in survkit's order (numbers numerically,
#     text in C-locale byte order), with the reference level moved to the front
#     when a case overrides it.  Dummies are treatment coded, named "col=level".
#   * rows with a missing value in any column the model uses are dropped by
#     coxph (na.omit); "dropped_rows" lists them (1-based CSV data rows).
#   * Every non-finite number (NA, NaN, Inf) is written as JSON null.
#   * Numbers are written with jsonlite digits = NA (15 significant digits):
#     compare with a relative tolerance of about 1e-12, not exactly.

# survival, jsonlite, C collation, ref_dir, data_dir, TOL, fin/arr/num/mat, event_expr,
# write_fixture: see the header of helpers.R
source("tests/reference/helpers.R")

# ---------------------------------------------------------------------------
# Derived / hand-made data files
# ---------------------------------------------------------------------------

# lung_intweights.csv: datasets/lung.csv plus an integer case-weight column
#   w = 1 + (i - 1) %% 3   with i = 1-based data-row number: 1, 2, 3, 1, 2, 3, ...
lung <- read.csv("datasets/lung.csv")
lung$w <- 1 + (seq_len(nrow(lung)) - 1) %% 3
write.csv(lung, file.path(data_dir, "lung_intweights.csv"), row.names = FALSE, na = "")

# monotone.csv: the monotone-likelihood example of ../shared/reference/README.md
# (also used there for coxphf).  All 5 events are in the x = 1 group and every
# x = 1 subject fails or is censored before any x = 0 subject leaves the risk
# set early, so the partial likelihood keeps increasing in beta: the ML
# estimate is +infinity.
monotone <- data.frame(time   = 1:12,
                       status = c(1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0),
                       x      = c(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0))
write.csv(monotone, file.path(data_dir, "monotone.csv"), row.names = FALSE, na = "")

# als_small.csv: a deterministic, made-up small ALS-like trial over 24 weeks
# (168 days).  41 placebo rows (first in the file) with 4 events at days 21,
# 56, 98 and 140; 59 active rows with 1 event at day 84.  Everyone else is
# censored at day 168.  arm is text; the reference level is "placebo"
# (not the first in byte order, so the case uses --reference arm=placebo).
als <- data.frame(
  time  = c(21, 56, 98, 140, rep(168, 37), 84, rep(168, 58)),
  event = c(1, 1, 1, 1, rep(0, 37), 1, rep(0, 58)),
  arm   = c(rep("placebo", 41), rep("active", 59)))
stopifnot(nrow(als) == 100, sum(als$arm == "active") == 59,
          sum(als$event[als$arm == "active"]) == 1,
          sum(als$event[als$arm == "placebo"]) == 4)
write.csv(als, file.path(data_dir, "als_small.csv"), row.names = FALSE, na = "")

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

test3 <- function(v) list(statistic = num(v[1]), df = num(v[2]), p_value = num(v[3]))
q <- function(s) paste0('"', s, '"')
rvec <- function(v) {
  if (is.character(v)) paste0("c(", paste(q(v), collapse = ", "), ")")
  else paste0("c(", paste(format(v, digits = 15), collapse = ", "), ")")
}

# survkit's level order: numbers numerically, text in C-locale byte order
level_order <- function(x) {
  u <- unique(x[!is.na(x)])
  if (is.numeric(u)) sort(u) else sort(u, method = "radix")
}

# Evaluate an expression, collecting (and muffling) its warnings
with_warnings <- function(expr) {
  warns <- character(0)
  val <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = val, warnings = warns)
}

# cox.zph table -> list(terms = [...], global = {...})
zph_block <- function(z, rename) {
  tab <- z$table
  rn <- rownames(tab)
  g <- which(rn == "GLOBAL")
  stopifnot(length(g) == 1, g == nrow(tab))
  list(terms = lapply(seq_len(g - 1), function(i)
         list(term = rename(rn[i]), chisq = num(tab[i, "chisq"]),
              df = num(tab[i, "df"]), p_value = num(tab[i, "p"]))),
       global = list(chisq = num(tab[g, "chisq"]), df = num(tab[g, "df"]),
                     p_value = num(tab[g, "p"])))
}

# Profile-likelihood CI of each coefficient (log-HR scale).
#   lp_j(b) = max over the other coefficients of the log partial likelihood
#             with coefficient j fixed at b, i.e. the fitted loglik of
#             coxph(y ~ X[, -j] + offset(b * X[, j]) [+ strata(s)],
#                   weights = w, ties = <same>, control = tight)
#   with y = fit$y, X = model.matrix(fit) (rows used by the fit).
#   Limits: roots of 2 (lmax - lp_j(b)) = qchisq(level, 1) on each side of the
#   estimate (uniroot, tol 1e-10).  lmax is the loglik of the full model
#   refitted with the same tight control.  A side whose limit does not exist
#   (the statistic stays below the cutoff up to 50 log-HR units beyond the
#   estimate: monotone likelihood) is null.
PROFILE_CTL <- coxph.control(eps = 1e-11, iter.max = 100)
PROFILE_METHOD <- paste(
  "lp_j(b) = fitted loglik of coxph(y ~ X[, -j] + offset(b * X[, j]) [+ strata(s)],",
  "weights = w, ties = <same>, control = coxph.control(eps = 1e-11, iter.max = 100))",
  "with y = fit$y, X = model.matrix(fit); limits solve 2 * (lmax - lp_j(b)) =",
  "qchisq(0.95, 1) by uniroot(tol = 1e-10) on each side of the estimate;",
  "lmax = loglik of the full model refitted with the same control;",
  "null if the statistic stays below the cutoff up to 50 beyond the estimate")
profile_ci <- function(fit, st, w, level = 0.95) {
  y <- fit$y
  X <- model.matrix(fit)
  p <- ncol(X)
  ties <- fit$method
  has_st <- !is.null(st)
  has_w <- !is.null(w)
  ww <- if (has_w) w else rep(1, nrow(X))
  stv <- if (has_st) st else rep(1, nrow(X))
  full <- suppressWarnings(
    coxph(y ~ X + strata(stv), weights = ww, ties = ties, control = PROFILE_CTL))
  lmax <- tail(full$loglik, 1)
  cut <- qchisq(level, 1)
  lp <- function(j, b) {
    xj <- X[, j]
    f <- if (p == 1) {
      suppressWarnings(coxph(y ~ offset(b * xj) + strata(stv), weights = ww,
                             ties = ties, control = PROFILE_CTL))
    } else {
      Xo <- X[, -j, drop = FALSE]
      suppressWarnings(coxph(y ~ Xo + offset(b * xj) + strata(stv), weights = ww,
                             ties = ties, control = PROFILE_CTL))
    }
    tail(f$loglik, 1)
  }
  est <- coef(fit)
  se <- sqrt(diag(fit$naive.var %||% fit$var))
  out <- lapply(seq_len(p), function(j) {
    g <- function(b) 2 * (lmax - lp(j, b)) - cut
    lim <- c(NA_real_, NA_real_)
    for (side in c(-1, 1)) {
      h <- min(se[j], 1)
      if (!is.finite(h) || h <= 0) h <- 1
      inner <- est[j]
      found <- FALSE
      repeat {
        b <- est[j] + side * h
        if (g(b) > 0) { found <- TRUE; break }
        inner <- b
        if (h > 50) break
        h <- 2 * h
      }
      if (found) {
        r <- uniroot(g, sort(c(inner, b)), tol = 1e-10, maxiter = 1000)
        lim[(side + 3) / 2] <- r$root
      }
    }
    list(lower = num(lim[1]), upper = num(lim[2]))
  })
  list(lmax = lmax, limits = out)
}
`%||%` <- function(a, b) if (is.null(a)) b else a

# ---------------------------------------------------------------------------
# One Cox case
# ---------------------------------------------------------------------------
#   covariates: column names in formula order; factors: those that are
#   categorical; references: list(col = level) overriding the first level.
#   extras: zph = c(transforms), residuals = TRUE, profile = TRUE,
#   predict = list of newdata lists, baseline = TRUE, survdiff = TRUE.
cox_case <- function(name, file, time, event, covariates, factors = character(0),
                     references = list(), entry = NULL, weight = NULL, strata = NULL,
                     cluster = NULL, robust = NULL, ties = "efron",
                     zph = NULL, residuals = FALSE, profile = FALSE,
                     predict = NULL, baseline = FALSE, survdiff = FALSE,
                     note = NULL) {
  d <- read.csv(file)
  ev <- event_expr(d, event)

  # --- data: factors with explicit levels --------------------------------
  r_data <- sprintf('d <- read.csv("%s")', file)
  levels_out <- list()
  refs_out <- list()
  for (f in factors) {
    lv <- level_order(d[[f]])
    ref <- references[[f]]
    if (!is.null(ref)) {
      stopifnot(as.character(ref) %in% as.character(lv))
      lv <- c(lv[as.character(lv) == as.character(ref)],
              lv[as.character(lv) != as.character(ref)])
    }
    levels_out[[f]] <- I(as.character(level_order(d[[f]])))   # survkit's default order
    d[[f]] <- factor(d[[f]], levels = lv)
    r_data <- paste0(r_data, sprintf("; d$%s <- factor(d$%s, levels = %s)", f, f, rvec(lv)))
    refs_out[[f]] <- as.character(lv[1])
  }

  # --- the call ------------------------------------------------------------
  surv_txt <- if (is.null(entry)) sprintf("Surv(%s, %s)", time, ev)
              else sprintf("Surv(%s, %s, %s)", entry, time, ev)
  rhs <- paste(covariates, collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, sprintf(" + strata(%s)", strata))
  if (!is.null(cluster)) rhs <- paste0(rhs, sprintf(" + cluster(%s)", cluster))
  r_call <- sprintf('coxph(%s ~ %s, data = d%s%s, ties = "%s")', surv_txt, rhs,
                    if (is.null(weight)) "" else sprintf(", weights = %s", weight),
                    if (is.null(robust)) "" else sprintf(", robust = %s", robust),
                    ties)
  t0 <- proc.time()[["elapsed"]]
  res <- with_warnings(eval(parse(text = r_call)))
  fit <- res$value
  elapsed <- proc.time()[["elapsed"]] - t0
  s <- summary(fit)

  # --- rows used -----------------------------------------------------------
  dropped <- if (is.null(fit$na.action)) integer(0) else sort(as.integer(fit$na.action))
  used_cols <- c(time, event, entry, weight, strata, cluster, covariates)
  cc <- which(!complete.cases(d[, used_cols, drop = FALSE]))
  stopifnot(identical(as.integer(cc), dropped))
  rows_used <- setdiff(seq_len(nrow(d)), dropped)
  dd <- d[rows_used, , drop = FALSE]
  stopifnot(fit$n == nrow(dd))

  # --- term names: R "colLevel" -> survkit "col=Level" ----------------------
  r_names <- character(0); sk_names <- character(0)
  for (cv in covariates) {
    if (cv %in% factors) {
      lv <- levels(d[[cv]])[-1]
      r_names <- c(r_names, paste0(cv, lv))
      sk_names <- c(sk_names, paste0(cv, "=", lv))
    } else {
      r_names <- c(r_names, cv)
      sk_names <- c(sk_names, cv)
    }
  }
  stopifnot(identical(names(coef(fit)), r_names))
  rename <- function(x) { i <- match(x, r_names); ifelse(is.na(i), x, sk_names[i]) }

  robust_used <- !is.null(fit$naive.var)
  co <- s$coefficients
  ci <- s$conf.int
  terms <- lapply(seq_along(r_names), function(i) list(
    term = sk_names[i],
    coef = num(co[i, "coef"]),
    se = num(co[i, "se(coef)"]),
    robust_se = if (robust_used) num(co[i, "robust se"]) else NULL,
    z = num(co[i, "z"]),
    p_value = num(co[i, "Pr(>|z|)"]),
    hr = num(ci[i, "exp(coef)"]),
    hr_lower = num(ci[i, "lower .95"]),
    hr_upper = num(ci[i, "upper .95"])))
  # the limits must use the SE R reports as "the" SE (robust when robust)
  se_used <- sqrt(diag(fit$var))
  stopifnot(isTRUE(all.equal(unname(ci[, "lower .95"]),
                             unname(exp(coef(fit) - qnorm(0.975) * se_used)), tolerance = TOL)))

  # wald: summary() rounds the statistic to 2 decimals, so take fit$wald.test
  wald <- s$waldtest
  wald[1] <- as.vector(fit$wald.test)
  stopifnot(isTRUE(all.equal(unname(wald[3]), unname(pchisq(wald[1], wald[2], lower.tail = FALSE)),
                             tolerance = TOL)))
  tests <- list(likelihood_ratio = test3(s$logtest), wald = test3(wald),
                score = test3(s$sctest))
  if (!is.null(s$robscore)) tests$robust_score <- test3(s$robscore)

  wvec <- if (is.null(weight)) NULL else dd[[weight]]
  case <- list(
    name = name, file = file, time = time, event = event,
    entry = entry, weight = weight, strata = strata, cluster = cluster,
    covariates = I(covariates), factors = I(factors),
    references = if (length(refs_out)) refs_out else setNames(list(), character(0)),
    levels = if (length(levels_out)) levels_out else setNames(list(), character(0)),
    ties = ties, event_rule = ev, robust = robust_used, note = note,
    r_data = r_data, r_call = r_call,
    n = num(fit$n), events = num(fit$nevent),
    weighted_events = if (is.null(weight)) NULL else
      num(sum(wvec * as.numeric(fit$y[, ncol(fit$y)]))),
    dropped_rows = I(dropped),
    iterations = num(fit$iter),
    warnings = I(res$warnings),
    loglik = arr(fit$loglik),
    terms = terms,
    var = mat(fit$var),
    naive_var = if (robust_used) mat(fit$naive.var) else NULL,
    tests = tests,
    means = arr(fit$means)
  )
  stopifnot(length(fit$loglik) == 2)

  # --- survdiff (score test = log-rank for one binary covariate) -----------
  if (survdiff) {
    stopifnot(length(covariates) == 1)
    sd_call <- sprintf("survdiff(%s ~ %s, data = d)", surv_txt, covariates)
    sdf <- eval(parse(text = sd_call))
    df <- sum(sdf$exp > 0) - 1
    case$survdiff <- list(r_call = sd_call, chisq = num(sdf$chisq), df = df,
                          p_value = num(pchisq(sdf$chisq, df, lower.tail = FALSE)))
  }

  # --- cox.zph ---------------------------------------------------------------
  if (!is.null(zph)) {
    blocks <- lapply(zph, function(tr) {
      zt <- cox.zph(fit, transform = tr, terms = TRUE)
      zc <- cox.zph(fit, transform = tr, terms = FALSE)
      b <- c(list(transform = tr), zph_block(zt, identity))
      b$by_coefficient <- zph_block(zc, rename)
      b
    })
    first <- blocks[[1]]
    case$zph <- list(transform = first$transform, terms = first$terms, global = first$global)
    case$zph_by_coefficient <- c(list(transform = first$transform), first$by_coefficient)
    case$zph_transforms <- blocks
  }

  # --- residuals -------------------------------------------------------------
  if (residuals) {
    # R sorts by (strata, stop time, -status) (a stable order()) and returns
    # one Schoenfeld row per event in that order.  "rows" maps them back to
    # 1-based CSV data rows.
    y <- fit$y
    ny <- ncol(y)
    stv <- if (is.null(strata)) rep(0, nrow(dd)) else as.numeric(factor(dd[[strata]]))
    ord <- order(stv, y[, ny - 1], -y[, ny])
    ev_ord <- ord[y[ord, ny] == 1]
    sch <- residuals(fit, type = "schoenfeld")
    ssch <- residuals(fit, type = "scaledsch")
    sch <- as.matrix(sch); ssch <- as.matrix(ssch)
    if (ncol(sch) != length(r_names)) { sch <- t(sch); ssch <- t(ssch) }
    sch_time <- as.numeric(rownames(sch) %||% names(residuals(fit, type = "schoenfeld")))
    stopifnot(isTRUE(all.equal(sch_time, as.numeric(y[ev_ord, ny - 1]), tolerance = 0)))
    # check the row mapping: Schoenfeld residual = x_row - (weighted mean at t),
    # the mean being shared by all events tied at t (also with Efron), so
    # residual - x_row must be constant within each (stratum, time) group
    Xm <- model.matrix(fit)
    cen <- sch - Xm[ev_ord, , drop = FALSE]
    grp <- paste(stv[ev_ord], y[ev_ord, ny - 1])
    for (g in unique(grp)) {
      k <- which(grp == g)
      stopifnot(max(abs(sweep(cen[k, , drop = FALSE], 2, cen[k[1], ]))) < 1e-9)
    }
    case$residuals <- list(
      martingale = arr(residuals(fit, type = "martingale")),
      deviance = arr(residuals(fit, type = "deviance")),
      score = mat(matrix(residuals(fit, type = "score"), ncol = length(r_names))),
      schoenfeld = list(time = arr(sch_time), rows = I(rows_used[ev_ord]),
                        values = mat(sch)),
      scaled_schoenfeld = list(time = arr(sch_time), rows = I(rows_used[ev_ord]),
                               values = mat(ssch)),
      dfbeta = mat(matrix(residuals(fit, type = "dfbeta"), ncol = length(r_names))))
  }

  # --- profile-likelihood CIs -----------------------------------------------
  if (profile) {
    st <- if (is.null(strata)) NULL else dd[[strata]]
    pr <- profile_ci(fit, st, wvec)
    case$profile_ci <- lapply(seq_along(sk_names), function(j)
      list(term = sk_names[j], lower = pr$limits[[j]]$lower, upper = pr$limits[[j]]$upper))
    case$profile_loglik_max <- num(pr$lmax)
    case$profile_ci_method <- PROFILE_METHOD
  }

  # --- predicted survival curves --------------------------------------------
  if (!is.null(predict)) {
    ctype <- c(exact = 1, breslow = 1, efron = 2)[[fit$method]]
    case$predict <- lapply(predict, function(nd) {
      nd_txt <- paste0("data.frame(",
                       paste(sprintf("%s = %s", names(nd),
                                     sapply(nd, function(v) if (is.character(v)) q(v)
                                                            else format(v, digits = 15))),
                             collapse = ", "), ")")
      p_call <- sprintf('survfit(fit, newdata = %s, conf.type = "log")', nd_txt)
      sf <- eval(parse(text = p_call))
      sf2 <- survfit(fit, newdata = eval(parse(text = nd_txt)), conf.type = "log",
                     ctype = ctype)
      stopifnot(identical(sf$cumhaz, sf2$cumhaz))
      se_s <- if (isTRUE(sf$logse)) sf$std.err * sf$surv else sf$std.err
      list(newdata = nd, r_call = p_call, ctype = ctype,
           efron_adjusted = (ctype == 2), stype = 2,
           time = arr(sf$time), n_risk = arr(sf$n.risk), n_event = arr(sf$n.event),
           surv = arr(sf$surv), std_err = arr(se_s), lower = arr(sf$lower),
           upper = arr(sf$upper), cumhaz = arr(sf$cumhaz), std_cumhaz = arr(sf$std.chaz))
    })
  }

  # --- baseline cumulative hazard ---------------------------------------------
  if (baseline) {
    bh <- basehaz(fit, centered = FALSE)
    case$baseline <- list(
      r_call = "basehaz(fit, centered = FALSE)",
      efron_adjusted = (fit$method == "efron"),
      time = arr(bh$time), cumhaz = arr(bh$hazard),
      strata = if (is.null(bh$strata)) NULL else I(sub("^[^=]*=", "", as.character(bh$strata))))
  }

  cat(sprintf("  %-40s n=%5d events=%4d iter=%2d  %.2fs%s\n", name, fit$n, fit$nevent,
              fit$iter, elapsed,
              if (length(res$warnings)) paste0("  WARNING: ", res$warnings[1]) else ""))
  case
}

# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

LUNG <- "datasets/lung.csv"
VET  <- "datasets/veteran.csv"
OVA  <- "datasets/ovarian.csv"
AML  <- "datasets/aml.csv"
RATS <- "datasets/rats.csv"
FLC  <- "datasets/flchain.csv"
CHAN <- "datasets/channing.csv"
LUNG_AES <- c("age", "sex", "ph.ecog")
PRED_LUNG <- list(list(age = 60, sex = 1, ph.ecog = 1))

cases <- list(
  # --- lung: three covariates, all three tie methods --------------------------
  cox_case("lung_age_sex_ecog_efron", LUNG, "time", "status", LUNG_AES, ties = "efron",
           zph = c("km", "rank", "identity", "log"), residuals = TRUE, profile = TRUE,
           predict = PRED_LUNG, baseline = TRUE,
           note = "1 row with missing ph.ecog dropped"),
  cox_case("lung_age_sex_ecog_breslow", LUNG, "time", "status", LUNG_AES, ties = "breslow",
           zph = "km", residuals = TRUE, profile = TRUE, predict = PRED_LUNG, baseline = TRUE,
           note = "1 row with missing ph.ecog dropped"),
  cox_case("lung_age_sex_ecog_exact", LUNG, "time", "status", LUNG_AES, ties = "exact",
           predict = PRED_LUNG,
           note = paste("1 row with missing ph.ecog dropped; R gives no score,",
                        "Schoenfeld or dfbeta residuals (and so no robust variance)",
                        "for ties = exact")),
  # --- lung: one binary covariate: score test = log-rank ------------------------
  cox_case("lung_sex_efron", LUNG, "time", "status", "sex", ties = "efron",
           survdiff = TRUE, profile = TRUE,
           note = "single binary covariate: compare tests$score with survdiff"),
  cox_case("lung_sex_breslow", LUNG, "time", "status", "sex", ties = "breslow",
           survdiff = TRUE, profile = TRUE,
           note = paste("single binary covariate, Breslow: the score test is the",
                        "log-rank test except for the tie correction of the variance")),
  # --- lung: strata, cluster ------------------------------------------------------
  cox_case("lung_age_sex_ecog_strata_inst_efron", LUNG, "time", "status", LUNG_AES,
           strata = "inst", ties = "efron", zph = "km", residuals = TRUE, profile = TRUE,
           baseline = TRUE,
           note = "rows with missing inst or ph.ecog dropped; 18 strata"),
  cox_case("lung_age_sex_ecog_strata_inst_breslow", LUNG, "time", "status", LUNG_AES,
           strata = "inst", ties = "breslow",
           note = paste("rows with missing inst or ph.ecog dropped; 18 strata; no two",
                        "events share a time within an institution, so this equals the",
                        "Efron fit")),
  cox_case("lung_age_sex_cluster_inst_efron", LUNG, "time", "status", c("age", "sex"),
           cluster = "inst", ties = "efron",
           note = paste("robust (sandwich) variance grouped by inst (cluster() implies",
                        "robust = TRUE); row with missing inst dropped")),
  cox_case("lung_age_sex_cluster_inst_breslow", LUNG, "time", "status", c("age", "sex"),
           cluster = "inst", ties = "breslow",
           note = "robust variance grouped by inst; row with missing inst dropped"),
  # --- lung: case weights ------------------------------------------------------------
  cox_case("lung_intweights_age_sex_efron", file.path(data_dir, "lung_intweights.csv"),
           "time", "status", c("age", "sex"), weight = "w", ties = "efron",
           residuals = TRUE, profile = TRUE, baseline = TRUE,
           note = paste("integer case weights w = 1 + (i - 1) %% 3; coxph's default",
                        "variance with weights is the model-based (weighted information)",
                        "one; events = unweighted count (fit$nevent), weighted_events =",
                        "sum of w over events")),
  cox_case("lung_intweights_age_sex_efron_robust", file.path(data_dir, "lung_intweights.csv"),
           "time", "status", c("age", "sex"), weight = "w", robust = TRUE, ties = "efron",
           note = paste("integer case weights, robust = TRUE without cluster: sandwich",
                        "variance with each row its own cluster")),
  cox_case("lung_weighted_age_sex_efron", file.path(data_dir, "lung_weighted.csv"),
           "time", "status", c("age", "sex"), weight = "w", ties = "efron",
           note = paste("non-integer case weights w = 1 + ((i - 1) %% 3) * 0.5; with",
                        "non-integer weights coxph's default is robust = TRUE (sandwich",
                        "variance, each row its own cluster), so robust_se is present")),
  cox_case("lung_weighted_age_sex_efron_model_based", file.path(data_dir, "lung_weighted.csv"),
           "time", "status", c("age", "sex"), weight = "w", robust = FALSE, ties = "efron",
           note = "non-integer case weights, robust = FALSE: model-based variance"),
  # --- veteran: categorical covariate -----------------------------------------------
  cox_case("veteran_trt_celltype_karno_efron", VET, "time", "status",
           c("trt", "celltype", "karno"), factors = "celltype", ties = "efron",
           zph = c("km", "rank"), residuals = TRUE, profile = TRUE, baseline = TRUE,
           predict = list(list(trt = 1, celltype = "large", karno = 60)),
           note = "celltype text, reference adeno (first in byte order); trt numeric 1/2"),
  cox_case("veteran_trt_celltype_karno_breslow", VET, "time", "status",
           c("trt", "celltype", "karno"), factors = "celltype", ties = "breslow",
           note = "celltype text, reference adeno"),
  cox_case("veteran_trt_celltype_karno_efron_ref_squamous", VET, "time", "status",
           c("trt", "celltype", "karno"), factors = "celltype",
           references = list(celltype = "squamous"), ties = "efron", zph = "km",
           note = "--reference celltype=squamous; dummies for adeno, large, smallcell"),
  cox_case("veteran_trt_karno_strata_celltype_efron", VET, "time", "status",
           c("trt", "karno"), strata = "celltype", ties = "efron", zph = "km",
           residuals = TRUE, baseline = TRUE,
           note = "4 strata in byte order adeno, large, smallcell, squamous"),
  cox_case("veteran_trt_karno_strata_celltype_breslow", VET, "time", "status",
           c("trt", "karno"), strata = "celltype", ties = "breslow",
           note = "4 strata; tied times within strata, so Breslow differs from Efron"),
  # --- ovarian -----------------------------------------------------------------------------
  cox_case("ovarian_rx_age_efron", OVA, "futime", "fustat", c("rx", "age"), ties = "efron",
           profile = TRUE),
  cox_case("ovarian_rx_age_breslow", OVA, "futime", "fustat", c("rx", "age"), ties = "breslow"),
  cox_case("ovarian_rx_age_exact", OVA, "futime", "fustat", c("rx", "age"), ties = "exact",
           note = "no tied event times, so exact = breslow = efron up to convergence"),
  # --- aml: text factor ---------------------------------------------------------------------
  cox_case("aml_x_efron", AML, "time", "status", "x", factors = "x", ties = "efron",
           survdiff = TRUE, note = "x text, reference Maintained"),
  cox_case("aml_x_breslow", AML, "time", "status", "x", factors = "x", ties = "breslow",
           survdiff = TRUE),
  cox_case("aml_x_exact", AML, "time", "status", "x", factors = "x", ties = "exact",
           survdiff = TRUE),
  # --- rats: heavy ties, litters as clusters -------------------------------------------------
  cox_case("rats_rx_cluster_litter_efron", RATS, "time", "status", "rx", cluster = "litter",
           ties = "efron", note = "ties-heavy; robust variance grouped by litter"),
  cox_case("rats_rx_cluster_litter_breslow", RATS, "time", "status", "rx", cluster = "litter",
           ties = "breslow", note = "ties-heavy; robust variance grouped by litter"),
  cox_case("rats_rx_efron", RATS, "time", "status", "rx", ties = "efron",
           note = "ties-heavy, no cluster (compare with rats_rx_exact)"),
  cox_case("rats_rx_exact", RATS, "time", "status", "rx", ties = "exact",
           note = paste("ties-heavy; no cluster: coxph stops with 'dfbeta residuals are",
                        "not available for the exact method' when cluster(litter) is",
                        "added, so R has no robust variance for exact ties")),
  cox_case("rats_rx_strata_sex_efron", RATS, "time", "status", "rx", strata = "sex",
           ties = "efron", residuals = TRUE,
           note = "ties-heavy with strata (sex text f/m, strata in byte order f, m)"),
  cox_case("rats_rx_strata_sex_breslow", RATS, "time", "status", "rx", strata = "sex",
           ties = "breslow", note = "ties-heavy with strata"),
  # --- flchain: > 5000 rows -----------------------------------------------------------------
  cox_case("flchain_age_sex_kappa_lambda_efron", FLC, "futime", "death",
           c("age", "sex", "kappa", "lambda"), factors = "sex", ties = "efron",
           note = "7874 rows; sex text F/M, reference F; futime 0 occurs"),
  cox_case("flchain_age_sex_kappa_lambda_breslow", FLC, "futime", "death",
           c("age", "sex", "kappa", "lambda"), factors = "sex", ties = "breslow",
           note = "7874 rows; sex text F/M, reference F"),
  # --- channing: delayed entry -------------------------------------------------------------
  cox_case("channing_sex_entry_efron", CHAN, "exit", "cens", "sex", factors = "sex",
           entry = "entry", ties = "efron", baseline = TRUE, profile = TRUE,
           note = "delayed entry Surv(entry, exit, cens), ages in months; sex reference Female"),
  cox_case("channing_sex_entry_breslow", CHAN, "exit", "cens", "sex", factors = "sex",
           entry = "entry", ties = "breslow",
           note = "delayed entry; sex reference Female"),
  # --- monotone likelihood ---------------------------------------------------------------------
  cox_case("monotone_x_efron", file.path(data_dir, "monotone.csv"), "time", "status", "x",
           ties = "efron", profile = TRUE, survdiff = TRUE,
           note = paste("monotone likelihood: the ML estimate is +infinity; coxph stops",
                        "at a large finite coef with a warning (recorded in warnings);",
                        "upper profile limit is infinite (null)")),
  cox_case("monotone_x_breslow", file.path(data_dir, "monotone.csv"), "time", "status", "x",
           ties = "breslow", profile = TRUE,
           note = "monotone likelihood, Breslow (no tied times, same as Efron)"),
  # --- small ALS-like trial ------------------------------------------------------------------
  cox_case("als_small_arm_efron", file.path(data_dir, "als_small.csv"), "time", "event",
           "arm", factors = "arm", references = list(arm = "placebo"), ties = "efron",
           survdiff = TRUE, profile = TRUE,
           note = paste("59 active (1 event) vs 41 placebo (4 events), censored at",
                        "168 days; --reference arm=placebo; term arm=active")),
  cox_case("als_small_arm_breslow", file.path(data_dir, "als_small.csv"), "time", "event",
           "arm", factors = "arm", references = list(arm = "placebo"), ties = "breslow",
           survdiff = TRUE, profile = TRUE,
           note = "as als_small_arm_efron with Breslow ties (no tied event times)")
)

write_fixture(cases, file.path(ref_dir, "cox.json"), "tests/reference/make_cox_fixtures.R")
