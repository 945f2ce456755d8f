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
# the (oriented) scores decide when they differ by more than the threshold, the first score
# first, then each later score with its own threshold; else a tie (also when a score is
# missing).
#
# Variances: structural components (Sen 1960; DeLong et al. 1988) of the two-sample
# U-statistics p_w and p_l, var() with divisor n - 1, delta method for log WR and log WO.
# Strata: Dong et al. (2018) weights w_k = 1/(n1k + n0k).
# CAFS: U_i = wins - losses against all participants; wilcox.test(exact = FALSE,
# correct = TRUE) on U; exact permutation p by enumerating combn() for small n.
# Finkelstein–Schoenfeld: T = sum of the treated U, Var T = n1 n0 / (n (n - 1)) sum U^2.

source("tests/reference/helpers.R")

# outcome matrices of rows a (queries) against columns b: +100/-100 death win/loss,
# +k/-k win/loss on the k-th score, 0 tie; sa, sb have one column per score, thr one entry
pair_matrix <- function(ta, da, sa, tb, db, sb, thr) {
  sa <- as.matrix(sa); sb <- as.matrix(sb)
  m <- matrix(0L, length(ta), length(tb))
  for (i in seq_along(ta)) {
    a_first <- da[i] == 1 & (ta[i] < tb | (ta[i] == tb & db == 0))
    b_first <- db == 1 & (tb < ta[i] | (tb == ta[i] & da[i] == 0))
    code <- ifelse(a_first, -100L, ifelse(b_first, 100L, 0L))
    for (k in seq_len(ncol(sa))) {
      sw <- (sa[i, k] - sb[, k]) > thr[k]
      sl <- (sb[, k] - sa[i, k]) > thr[k]
      sw[is.na(sw)] <- FALSE         # a missing score: this level leaves the pair tied
      sl[is.na(sl)] <- FALSE
      code <- ifelse(code != 0L, code, ifelse(sw, k, ifelse(sl, -k, 0L)))
    }
    m[i, ] <- code
  }
  m
}

# the scores of d oriented (higher is better), one column each
oriented <- function(d, score, lower) {
  sapply(seq_along(score), function(k) if (lower[k]) -d[[score[k]]] else d[[score[k]]])
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
  s <- oriented(d, score, lower)
  treated <- d[[arm]] != reference
  st <- if (is.null(strata)) rep("all", nrow(d)) else d[[strata]]
  counts <- c(wd = 0, ld = 0, ws = 0, ls = 0, pairs = 0)
  later <- matrix(0, 2, length(score))
  parts <- list(); weights <- c()
  for (k in sort(unique(st))) {
    i1 <- which(treated & st == k); i0 <- which(!treated & st == k)
    if (length(i1) == 0 || length(i0) == 0) next
    m <- pair_matrix(d$time[i1], d$death[i1], s[i1, , drop = FALSE], d$time[i0], d$death[i0],
                     s[i0, , drop = FALSE], thr)
    counts <- counts + c(sum(m == 100), sum(m == -100), sum(m == 1), sum(m == -1), length(m))
    later <- later + rbind(sapply(seq_along(score), function(j) sum(m == j)),
                           sapply(seq_along(score), function(j) sum(m == -j)))
    parts[[length(parts) + 1]] <- win_moments(m)
    weights <- c(weights, length(i1) * length(i0) / (length(i1) + length(i0)))
  }
  om <- weights / sum(weights)
  pw <- sum(om * sapply(parts, `[[`, "pw")); pl <- sum(om * sapply(parts, `[[`, "pl"))
  vw <- sum(om^2 * sapply(parts, `[[`, "vw")); vl <- sum(om^2 * sapply(parts, `[[`, "vl"))
  cv <- sum(om^2 * sapply(parts, `[[`, "cv"))
  theta <- pw + (1 - pw - pl) / 2
  vnb <- vw + vl - 2 * cv
  later_wins <- sum(later[1, -1]); later_losses <- sum(later[2, -1])
  out <- list(
    pairs = counts[["pairs"]], wins = counts[["wd"]] + counts[["ws"]] + later_wins,
    losses = counts[["ld"]] + counts[["ls"]] + later_losses,
    ties = counts[["pairs"]] - sum(counts[c("wd", "ld", "ws", "ls")]) - later_wins - later_losses,
    death_wins = counts[["wd"]], death_losses = counts[["ld"]],
    score_wins = counts[["ws"]], score_losses = counts[["ls"]],
    p_win = pw, p_loss = pl, var_win = vw, var_loss = vl, cov = cv,
    win_ratio = wald(log(pw / pl), sqrt(vw / pw^2 + vl / pl^2 - 2 * cv / (pw * pl)), TRUE, level),
    win_odds = wald(log(theta / (1 - theta)), sqrt(vnb / 4) / (theta * (1 - theta)), TRUE, level),
    net_benefit = wald(pw - pl, sqrt(vnb), FALSE, level)
  )
  if (length(score) > 1) {
    out$later_wins <- arr(later[1, -1]); out$later_losses <- arr(later[2, -1])
  }
  out
}

cafs_case <- function(d, arm, reference, score, lower, thr) {
  s <- oriented(d, score, lower)
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

# score, lower and thr: the first score, then any later ones (the `later` list of the case)
run_file <- function(name, file, time, death, arm, reference, score, lower = FALSE, thr = 0,
                     strata = NULL) {
  raw <- read.csv(file, stringsAsFactors = FALSE)
  d <- data.frame(time = raw[[time]], death = raw[[death]], raw[c(arm, score, strata)])
  lower <- rep_len(lower, length(score)); thr <- rep_len(thr, length(score))
  args <- list(time = time, event = death, group = arm, reference = reference, score = score[1],
               lower_is_better = lower[1], threshold = thr[1], strata = strata)
  if (length(score) > 1) {
    args$later <- lapply(2:length(score), function(k)
      list(column = score[k], lower_is_better = lower[k], threshold = thr[k]))
  }
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
# hierarchies: death, ALSFRS-R change with a 2-point margin, then FVC change (5 points), and
# the same with strata; death, FVC first, then ALSFRS-R (no margins)
run_file("als_hierarchy", als, "time_weeks", "death", "arm", "placebo",
         c("alsfrs_change", "fvc_change"), thr = c(2, 5))
run_file("als_hierarchy_strata", als, "time_weeks", "death", "arm", "placebo",
         c("alsfrs_change", "fvc_change"), thr = c(2, 5), strata = "onset")
run_file("als_hierarchy_fvc_first", als, "time_weeks", "death", "arm", "placebo",
         c("fvc_change", "alsfrs_change"))

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
