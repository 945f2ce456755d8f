# Writes the reference fixtures for survkit's MaxCombo test and modestly weighted log-rank test
# (issue 19): an R implementation of the combination of weighted log-rank statistics, with the
# p-value from mvtnorm::pmvnorm.
#
#   Rscript tests/reference/make_maxcombo_fixtures.R        (run from the repository root)
#
# Needs R with the packages survival, mvtnorm and jsonlite
# (Debian: r-cran-survival r-cran-mvtnorm r-cran-jsonlite).
#
# Writes : tests/reference/maxcombo.json
#
# Conventions
#   * two groups; U counts the excess events of the second level of factor(group).
#   * within each stratum, at each distinct event time t_j of the pooled data: n_j at risk,
#     d_j events, n_2j and d_2j in the second group, p = n_2j / n_j,
#       S(t_j-) = prod_{t_i < t_j} (1 - d_i / n_i)          left-continuous pooled KM
#       FH(rho, gamma): w_j = S(t_j-)^rho (1 - S(t_j-))^gamma
#       mwlr:t*       : w_j = 1 / max(S(t_j-), S(t*)), S(t*) = summary(survfit(Surv ~ 1),
#                       times = t*)$surv within the stratum (Magirr & Burman 2019)
#       U_a  += w_aj (d_2j - d_j p)
#       C_ab += w_aj w_bj d_j (n_j - d_j) / (n_j - 1) p (1 - p)    (0 if n_j = 1)
#     The single-weight U and C_aa are checked against survdiff for FH(0,0) and FH(1,0).
#   * Z_a = U_a / sqrt(C_aa), R = cov2cor(C), statistic max |Z_a|,
#     p = 1 - pmvnorm(-z, z, corr = R, algorithm = GenzBretz(maxpts = 2e7, abseps = 1e-6)) after
#     set.seed(1); its error estimate is recorded as p_value_error (below 2e-5, checked).
#     The default four statistics are linearly dependent (FH(0,0) = FH(1,0) + FH(0,1), since
#     S + (1 - S) = 1), so R is singular: GenzBretz handles that; Miwa's algorithm cannot.

source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(mvtnorm))

combo <- function(time, event, group, strata = NULL, weights) {
  group <- factor(group)
  stopifnot(nlevels(group) == 2)
  if (is.null(strata)) strata <- rep(1L, length(time))
  m <- length(weights)
  u <- numeric(m); C <- matrix(0, m, m)
  for (s in unique(strata)) {
    ix <- strata == s
    tt <- time[ix]; ee <- event[ix]; gg <- as.integer(group[ix])
    s_star <- sapply(weights, function(w) {
      if (!startsWith(w, "mwlr:")) return(NA)
      ts <- as.numeric(substring(w, 6))
      summary(survfit(Surv(tt, ee) ~ 1), times = ts, extend = TRUE)$surv
    })
    S <- 1
    for (tj in sort(unique(tt[ee == 1]))) {
      risk <- tt >= tj
      nj <- sum(risk); dj <- sum(tt == tj & ee == 1)
      n2 <- sum(risk & gg == 2); d2 <- sum(tt == tj & ee == 1 & gg == 2)
      p <- n2 / nj
      w <- sapply(seq_len(m), function(a) {
        if (startsWith(weights[a], "fh:")) {
          rg <- as.numeric(strsplit(substring(weights[a], 4), ",")[[1]])
          S^rg[1] * (1 - S)^rg[2]
        } else {
          1 / max(S, s_star[a])
        }
      })
      u <- u + w * (d2 - dj * p)
      if (nj > 1) C <- C + outer(w, w) * dj * (nj - dj) / (nj - 1) * p * (1 - p)
      S <- S * (1 - dj / nj)
    }
  }
  z <- u / sqrt(diag(C))
  R <- cov2cor(C)
  zmax <- max(abs(z))
  if (m == 1) {
    inside <- 1 - 2 * pnorm(-zmax)    # one statistic: its own two-sided p-value
  } else {
    set.seed(1)
    inside <- pmvnorm(lower = rep(-zmax, m), upper = rep(zmax, m), corr = R,
                      algorithm = GenzBretz(maxpts = 2e7, abseps = 1e-6))
    error <- attr(inside, "error")
    stopifnot(error < 2e-5)
  }
  list(u = u, variance = diag(C), z = z, correlation = mat(R), statistic = zmax,
       p_value = 1 - as.numeric(inside), p_value_error = if (m == 1) 0 else error)
}

# survdiff check of the single-weight statistics (FH(0,0) and FH(1,0), no strata)
check_survdiff <- function(d, time, event, group, res, weights) {
  for (rho in c(0, 1)) {
    a <- match(sprintf("fh:%d,0", rho), weights)
    if (is.na(a)) next
    sd <- survdiff(Surv(d[[time]], d$.event) ~ d[[group]], rho = rho)
    stopifnot(abs(sd$chisq - res$z[a]^2) < TOL * max(1, sd$chisq))
  }
}

DEFAULT <- c("fh:0,0", "fh:0,1", "fh:1,0", "fh:1,1")
case <- function(name, file, time, event, group, strata = NULL, weights = DEFAULT) {
  d <- read.csv(file)
  d$.event <- eval(parse(text = event_expr(d, event)), d)
  d <- d[complete.cases(d[, c(time, event, group, strata)]), ]
  res <- combo(d[[time]], d$.event, d[[group]], if (is.null(strata)) NULL else d[[strata]], weights)
  if (is.null(strata)) check_survdiff(d, time, event, group, res, weights)
  c(list(name = name, file = file, time = time, event = event, group = group,
         strata = strata, weights = I(weights),
         r_call = "set.seed(1); 1 - pmvnorm(-z, z, corr = R, algorithm = GenzBretz(maxpts = 2e7, abseps = 1e-6))"),
    lapply(res[c("u", "variance", "z")], arr), res[c("correlation", "statistic", "p_value", "p_value_error")])
}

cases <- list(
  case("lung_sex", "datasets/lung.csv", "time", "status", "sex"),
  case("veteran_trt", "datasets/veteran.csv", "time", "status", "trt"),
  case("veteran_trt_strata_celltype", "datasets/veteran.csv", "time", "status", "trt", strata = "celltype"),
  case("lung_sex_fh_mwlr", "datasets/lung.csv", "time", "status", "sex",
       weights = c("fh:0,0", "fh:0,1", "mwlr:200")),
  case("veteran_trt_two", "datasets/veteran.csv", "time", "status", "trt", weights = c("fh:0,0", "fh:0,1")),
  case("lung_mwlr_only", "datasets/lung.csv", "time", "status", "sex", weights = c("mwlr:365"))
)

x <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  mvtnorm_version = as.character(packageVersion("mvtnorm")),
  generated_by = "tests/reference/make_maxcombo_fixtures.R",
  cases = cases
)
write_json_pretty(x, file.path(ref_dir, "maxcombo.json"))
cat("wrote", file.path(ref_dir, "maxcombo.json"), "with", length(cases), "cases\n")
