# Writes the plain-R reference fixtures for survkit's win statistics (win ratio, win odds,
# net benefit), the CAFS joint rank test and the Finkelstein–Schoenfeld test.
#
#   Rscript tests/reference/make_win_fixtures.R        (run from the repository root)
#
# Needs R with jsonlite (and survival, loaded by helpers.R but not used here). No package
# implements these statistics here: this script is an independent implementation that
# compares every pair explicitly (an n1 x n0 matrix of outcomes), where survkit counts with
# sorting and a Fenwick tree.
#
# Inputs : datasets/als/als_function_survival_synthetic.csv
# Writes : tests/reference/data/win_small_*.csv   small seeded data sets with tied times,
#                                                 tied scores and simultaneous deaths
#          tests/reference/win.json               the cases
#
# The pairwise rule (as src/win/pairs.rs): a loses on death when it dies while b is still
# followed (t_a < t_b, or t_a == t_b with b censored); wins in the mirror case; otherwise
# the (oriented) scores decide when they differ by more than the threshold; else a tie (also
# when either score is missing).
#
# Variances: structural components (Sen 1960; DeLong et al. 1988) of the two-sample
# U-statistics p_w and p_l, var() with divisor n - 1, delta method for log WR and log WO.
# Strata: Dong et al. (2018) weights w_k = 1/(n1k + n0k).
# CAFS: U_i = wins - losses against all participants; wilcox.test(exact = FALSE,
# correct = TRUE) on U; exact permutation p by enumerating combn() for small n.
# Finkelstein–Schoenfeld: T = sum of the treated U, Var T = n1 n0 / (n (n - 1)) sum U^2.

source("tests/reference/helpers.R")

# outcome matrices of rows a (queries) against columns b: +2/-2 death win/loss,
# +1/-1 score win/loss, 0 tie
pair_matrix <- function(ta, da, sa, tb, db, sb, thr) {
  m <- matrix(0L, length(ta), length(tb))
  for (i in seq_along(ta)) {
    a_first <- da[i] == 1 & (ta[i] < tb | (ta[i] == tb & db == 0))
    b_first <- db == 1 & (tb < ta[i] | (tb == ta[i] & da[i] == 0))
    sw <- (sa[i] - sb) > thr
    sl <- (sb - sa[i]) > thr
    sw[is.na(sw)] <- FALSE           # a missing score: compared on death only
    sl[is.na(sl)] <- FALSE
    m[i, ] <- ifelse(a_first, -2L, ifelse(b_first, 2L, ifelse(sw, 1L, ifelse(sl, -1L, 0L))))
  }
  m
}

win_moments <- function(m) {
  W <- (m > 0) * 1; L <- (m < 0) * 1
  n1 <- nrow(m); n0 <- ncol(m)
  a <- rowMeans(W); b <- rowMeans(L); c <- colMeans(W); d <- colMeans(L)
  list(pw = mean(W), pl = mean(L),
       vw = var(a) / n1 + var(c) / n0,
       vl = var(b) / n1 + var(d) / n0,
       cv = cov(a, b) / n1 + cov(c, d) / n0)
}

wald <- function(est, se, log = FALSE, level = 0.95) {
  z <- qnorm(1 - (1 - level) / 2)
  if (log) {
    list(estimate = exp(est), se = se, lower = exp(est - z * se), upper = exp(est + z * se),
         p_value = 2 * pnorm(-abs(est / se)))
  } else {
    list(estimate = est, se = se, lower = est - z * se, upper = est + z * se,
         p_value = 2 * pnorm(-abs(est / se)))
  }
}

win_case <- function(d, arm, reference, score, lower, thr, strata = NULL, level = 0.95) {
  s <- if (lower) -d[[score]] else d[[score]]
  treated <- d[[arm]] != reference
  st <- if (is.null(strata)) rep("all", nrow(d)) else d[[strata]]
  counts <- c(wd = 0, ld = 0, ws = 0, ls = 0, pairs = 0)
  parts <- list(); weights <- c()
  for (k in sort(unique(st))) {
    i1 <- which(treated & st == k); i0 <- which(!treated & st == k)
    if (length(i1) == 0 || length(i0) == 0) next
    m <- pair_matrix(d$time[i1], d$death[i1], s[i1], d$time[i0], d$death[i0], s[i0], thr)
    counts <- counts + c(sum(m == 2), sum(m == -2), sum(m == 1), sum(m == -1), length(m))
    parts[[length(parts) + 1]] <- win_moments(m)
    weights <- c(weights, length(i1) * length(i0) / (length(i1) + length(i0)))
  }
  om <- weights / sum(weights)
  pw <- sum(om * sapply(parts, `[[`, "pw")); pl <- sum(om * sapply(parts, `[[`, "pl"))
  vw <- sum(om^2 * sapply(parts, `[[`, "vw")); vl <- sum(om^2 * sapply(parts, `[[`, "vl"))
  cv <- sum(om^2 * sapply(parts, `[[`, "cv"))
  theta <- pw + (1 - pw - pl) / 2
  vnb <- vw + vl - 2 * cv
  list(
    pairs = counts[["pairs"]], wins = counts[["wd"]] + counts[["ws"]],
    losses = counts[["ld"]] + counts[["ls"]],
    ties = counts[["pairs"]] - sum(counts[c("wd", "ld", "ws", "ls")]),
    death_wins = counts[["wd"]], death_losses = counts[["ld"]],
    score_wins = counts[["ws"]], score_losses = counts[["ls"]],
    p_win = pw, p_loss = pl, var_win = vw, var_loss = vl, cov = cv,
    win_ratio = wald(log(pw / pl), sqrt(vw / pw^2 + vl / pl^2 - 2 * cv / (pw * pl)), TRUE, level),
    win_odds = wald(log(theta / (1 - theta)), sqrt(vnb / 4) / (theta * (1 - theta)), TRUE, level),
    net_benefit = wald(pw - pl, sqrt(vnb), FALSE, level)
  )
}

cafs_case <- function(d, arm, reference, score, lower, thr) {
  s <- if (lower) -d[[score]] else d[[score]]
  m <- pair_matrix(d$time, d$death, s, d$time, d$death, s, thr)
  u <- rowSums(m > 0) - rowSums(m < 0)
  treated <- d[[arm]] != reference
  r <- rank(u)
  wt <- suppressWarnings(wilcox.test(u[treated], u[!treated], exact = FALSE, correct = TRUE))
  n <- length(u); n1 <- sum(treated); n0 <- n - n1
  fs_t <- sum(u[treated]); fs_v <- n1 * n0 / (n * (n - 1)) * sum(u^2)
  out <- list(
    u = arr(u), rank = arr(r),
    mean_rank_reference = mean(r[!treated]), mean_rank_treated = mean(r[treated]),
    statistic = unname(wt$statistic), p_value = wt$p.value,
    fs_statistic = fs_t, fs_variance = fs_v, fs_z = fs_t / sqrt(fs_v),
    fs_p_value = 2 * pnorm(-abs(fs_t / sqrt(fs_v)))
  )
  if (choose(n, n1) <= 5000) {
    obs <- abs(sum(r[treated]) - n1 * (n + 1) / 2)
    sums <- combn(n, n1, function(idx) sum(r[idx]))
    out$exact_permutation_p_value <- mean(abs(sums - n1 * (n + 1) / 2) >= obs - 1e-9)
  }
  out
}

cases <- list()
add <- function(name, file, args, win, cafs) {
  cases[[length(cases) + 1]] <<- c(list(name = name, file = file), args,
                                   list(win = win, cafs = cafs))
}

run_file <- function(name, file, time, death, arm, reference, score, lower = FALSE, thr = 0,
                     strata = NULL) {
  raw <- read.csv(file, stringsAsFactors = FALSE)
  d <- data.frame(time = raw[[time]], death = raw[[death]], raw[c(arm, score, strata)])
  args <- list(time = time, event = death, group = arm, reference = reference, score = score,
               lower_is_better = lower, threshold = thr, strata = strata)
  add(name, file, args, win_case(d, arm, reference, score, lower, thr, strata),
      if (is.null(strata)) cafs_case(d, arm, reference, score, lower, thr) else NULL)
}

als <- "datasets/als/als_function_survival_synthetic.csv"
run_file("als", als, "time_weeks", "death", "arm", "placebo", "alsfrs_change")
run_file("als_lower_threshold", als, "time_weeks", "death", "arm", "placebo", "alsfrs_change",
         lower = TRUE, thr = 2)
run_file("als_active_reference", als, "time_weeks", "death", "arm", "active", "alsfrs_change",
         thr = 1)
run_file("als_strata", als, "time_weeks", "death", "arm", "placebo", "alsfrs_change",
         strata = "onset")

# small seeded data sets: times 1-6 and scores in half points, so that ties of every kind
# occur (simultaneous deaths, censoring at a death time, equal scores)
set.seed(18)
for (k in 1:4) {
  n <- c(12, 14, 30, 60)[k]
  small <- data.frame(
    time = sample(1:6, n, replace = TRUE), status = rbinom(n, 1, 0.45),
    arm = rep(c("ctl", "trt"), length.out = n),
    score = sample(0:6, n, replace = TRUE) / 2,
    site = sample(c("s1", "s2"), n, replace = TRUE)
  )
  f <- file.path(data_dir, sprintf("win_small_%d.csv", k))
  write.csv(small, f, row.names = FALSE, quote = FALSE)
  run_file(sprintf("small_%d", k), f, "time", "status", "arm", "ctl", "score",
           thr = c(0, 0.5, 0, 1)[k])
  if (k >= 3) {
    run_file(sprintf("small_%d_strata", k), f, "time", "status", "arm", "ctl", "score",
             strata = "site")
  }
}

# missing scores (written as NA): those participants are compared on death only
set.seed(1805)
n <- 40
small <- data.frame(
  time = sample(1:6, n, replace = TRUE), status = rbinom(n, 1, 0.45),
  arm = rep(c("ctl", "trt"), length.out = n),
  score = ifelse(runif(n) < 0.2, NA, sample(0:6, n, replace = TRUE) / 2)
)
f <- file.path(data_dir, "win_small_missing.csv")
write.csv(small, f, row.names = FALSE, quote = FALSE)
run_file("small_missing_scores", f, "time", "status", "arm", "ctl", "score", thr = 0.5)

write_fixture(cases, file.path(ref_dir, "win.json"),
              "Rscript tests/reference/make_win_fixtures.R (plain R: pair matrices, var/cov, wilcox.test, combn)")
