# Writes tests/reference/fragility.json: R reference values for survkit's fragility analyses.
#
#   Rscript tests/reference/make_fragility_fixtures.R      (from the repository root)
#
# Needs R with survival and jsonlite (R 4.2.2 Patched, survival 3.5.3, jsonlite used).
#
# counts: for each 2x2 table (treatment a/n1, control c/n2; the matrix rows are the arms, the
#   columns event / non-event):
#     fisher      fisher.test(x)$p.value
#     mid_p       from dhyper with fisher.test's own ordering and relative tolerance 1e-7:
#                 sum(d[d < d_obs / (1 + 1e-7)]) + 0.5 * sum(d within that tolerance of d_obs)
#     chi_square, chi_square_yates: chisq.test(x, correct = FALSE / TRUE) statistic and p
#                 (NaN, written null, when a margin is 0)
#   and for the small tables the fragility index by brute force in R (every table at
#   |dt| + |dc| = s, s = 1, 2, ...; fisher.test each), and Walsh's index (add events to the
#   arm with fewer events until p >= alpha).
# survival: the greedy status-flip search written out in R with survdiff / coxph (Efron):
#   each step flips the not-yet-flipped row whose flip moves p furthest towards alpha
#   (which.max / which.min: the first row among equals), until p crosses alpha. Lines are
#   data row + 1 (the header is line 1). Also coxph and survdiff on the original data.
# Numbers: jsonlite digits = NA (15 significant digits); NA/NaN are null.
# survival, jsonlite, C collation: see helpers.R. The JSON is written below with
# writeLines(toJSON(...)), not helpers.R's write_json_pretty (write_json, useBytes = TRUE):
# this file has non-ASCII text ("→"), which the two would write differently in a
# non-UTF-8 locale.
source("tests/reference/helpers.R")
alpha <- 0.05

p_fisher <- function(a, n1, c, n2) fisher.test(matrix(c(a, c, n1 - a, n2 - c), 2))$p.value
mid_p <- function(a, n1, c, n2) {
  m <- a + c; n <- n1 + n2 - m; k <- n1
  lo <- max(0, k - n); hi <- min(k, m)
  d <- dhyper(lo:hi, m, n, k, log = TRUE)
  d <- exp(d - max(d)); d <- d / sum(d)
  obs <- d[a - lo + 1]; rel <- 1 + 1e-7
  equal <- d <= obs * rel & d * rel >= obs
  below <- d <= obs * rel & !equal
  sum(d[below]) + 0.5 * sum(d[equal])
}
chisq <- function(a, n1, c, n2, correct) {
  r <- suppressWarnings(chisq.test(matrix(c(a, c, n1 - a, n2 - c), 2), correct = correct))
  list(statistic = unname(r$statistic), p = r$p.value)
}
brute_fi <- function(a, n1, c, n2) {
  sig <- p_fisher(a, n1, c, n2) < alpha
  for (s in 1:(n1 + n2)) {
    found <- FALSE; any <- FALSE
    for (dt in -s:s) for (dc in unique(c(s - abs(dt), -(s - abs(dt))))) {
      if (a + dt < 0 || a + dt > n1 || c + dc < 0 || c + dc > n2) next
      any <- TRUE
      if ((p_fisher(a + dt, n1, c + dc, n2) < alpha) != sig) found <- TRUE
    }
    if (found) return(if (sig) s else -s)
    if (!any) return(NA)
  }
  NA
}
walsh_fi <- function(a, n1, c, n2) {
  if (p_fisher(a, n1, c, n2) >= alpha) return(NA)
  treat <- (a < c) || (a == c && a / n1 <= c / n2)
  room <- if (treat) n1 - a else n2 - c
  for (k in seq_len(room)) {
    p <- if (treat) p_fisher(a + k, n1, c, n2) else p_fisher(a, n1, c + k, n2)
    if (p >= alpha) return(k)
  }
  NA
}

tables <- list(
  c(1, 59, 4, 41), c(1, 59, 5, 41), c(0, 59, 4, 41), c(10, 100, 25, 100), c(5, 50, 15, 50),
  c(0, 10, 6, 10), c(3, 10, 3, 10), c(2, 20, 9, 21), c(7, 30, 1, 30), c(0, 5, 0, 7),
  c(12, 40, 20, 38), c(1, 3, 3, 3),
  # 4,000 patients: statrs 0.19's fishers_exact overflows here
  c(180, 2000, 230, 2000), c(100, 2000, 160, 2000), c(1500, 2000, 1490, 2000),
  c(40, 1500, 70, 2500)
)
counts <- lapply(tables, function(t) {
  a <- t[1]; n1 <- t[2]; c <- t[3]; n2 <- t[4]
  x <- chisq(a, n1, c, n2, FALSE); y <- chisq(a, n1, c, n2, TRUE)
  small <- n1 + n2 <= 100
  list(treatment = c(a, n1), control = c(c, n2),
       r_call = sprintf("fisher.test(matrix(c(%d, %d, %d, %d), 2))", a, c, n1 - a, n2 - c),
       fisher = p_fisher(a, n1, c, n2), mid_p = mid_p(a, n1, c, n2),
       chi_square_statistic = x$statistic, chi_square = x$p,
       chi_square_yates_statistic = y$statistic, chi_square_yates = y$p,
       fragility_index = if (small) brute_fi(a, n1, c, n2) else NULL,
       walsh_fragility_index = if (small) walsh_fi(a, n1, c, n2) else NULL)
})

greedy <- function(d, test) {
  pval <- function(dd) {
    if (test == "logrank") {
      return(pchisq(survdiff(Surv(time, status) ~ group, data = dd)$chisq, 1, lower.tail = FALSE))
    }
    fit <- suppressWarnings(coxph(Surv(time, status) ~ group, data = dd))
    s <- summary(fit)
    if (test == "cox-wald") s$coefficients[1, 5] else s$logtest[["pvalue"]]
  }
  p0 <- pval(d); sig <- p0 < alpha
  flipped <- rep(FALSE, nrow(d)); steps <- list()
  repeat {
    ps <- sapply(seq_len(nrow(d)), function(i) {
      if (flipped[i]) return(NA)
      dd <- d; dd$status[i] <- 1 - dd$status[i]; pval(dd)
    })
    i <- if (sig) which.max(ps) else which.min(ps)
    change <- if (d$status[i] == 1) "event → censored" else "censored → event"
    d$status[i] <- 1 - d$status[i]; flipped[i] <- TRUE
    steps[[length(steps) + 1]] <- list(line = i + 1, change = change, p_value = ps[i])
    if ((ps[i] < alpha) != sig || all(flipped)) break
  }
  list(p_value = p0, fragility_index = if (sig) length(steps) else -length(steps), path = steps)
}

survival_case <- function(name, file, time, event, group, tests) {
  raw <- read.csv(file)
  d <- data.frame(time = raw[[time]], status = raw[[event]], group = factor(raw[[group]]))
  fit <- coxph(Surv(time, status) ~ group, data = d)
  s <- summary(fit)
  list(name = name, file = file, time = time, event = event, group = group,
       levels = levels(d$group),
       r_call = "coxph(Surv(time, status) ~ group, data = d); survdiff(Surv(time, status) ~ group, data = d)",
       hr = unname(exp(coef(fit))), hr_lower = s$conf.int[1, 3], hr_upper = s$conf.int[1, 4],
       cox_wald_p = s$coefficients[1, 5], cox_lr_p = s$logtest[["pvalue"]],
       cox_score_p = s$sctest[["pvalue"]],
       logrank_p = pchisq(survdiff(Surv(time, status) ~ group, data = d)$chisq, 1, lower.tail = FALSE),
       status_flip = setNames(lapply(tests, function(t) greedy(d, t)), tests))
}
cases <- list(
  survival_case("ovarian", "datasets/ovarian.csv", "futime", "fustat", "rx", c("logrank", "cox-wald", "cox-lr")),
  survival_case("aml", "datasets/aml.csv", "time", "status", "x", c("logrank", "cox-wald", "cox-lr"))
)
if (file.exists("datasets/als/rescue_als_ole_synthetic.csv")) {
  cases[[length(cases) + 1]] <- survival_case("rescue_als_ole_synthetic", "datasets/als/rescue_als_ole_synthetic.csv",
                                              "time", "status", "arm", c("logrank", "cox-wald", "cox-lr"))
}

out <- list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")),
            generated_by = "tests/reference/make_fragility_fixtures.R", alpha = alpha,
            counts = counts, survival = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           "tests/reference/fragility.json")
