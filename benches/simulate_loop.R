# The R loop that benches/simulate.rs is compared with in the README: the same trials
# (690 participants, 2:1, control median 24, HR 0.7, uniform accrual over 18, dropout hazard
# 0.005, analysis at the 278th event) analysed by survdiff and coxph.
#   Rscript benches/simulate_loop.R [trials]        (default 1000)
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
trials <- if (length(args)) as.integer(args[1]) else 1000L
set.seed(1)
one_trial <- function() {
  arm <- rep(c(0, 1), c(230, 460))
  entry <- runif(690, 0, 18)
  event <- rexp(690, log(2) / 24 * ifelse(arm == 1, 0.7, 1))
  dropout <- rexp(690, 0.005)
  is_event <- event <= dropout
  tau <- sort((entry + event)[is_event])[278]
  keep <- entry < tau
  status <- is_event & entry + event <= tau
  time <- ifelse(status, event, pmin(dropout, tau - entry))
  d <- data.frame(time = time[keep], status = status[keep], arm = arm[keep])
  lr <- survdiff(Surv(time, status) ~ arm, data = d)
  fit <- coxph(Surv(time, status) ~ arm, data = d)
  c(pchisq(lr$chisq, 1, lower.tail = FALSE), coef(fit))
}
elapsed <- system.time(res <- replicate(trials, one_trial()))[["elapsed"]]
cat(sprintf("%d trials in %.2f s (%.0f trials/s); log-rank power %.4f\n",
            trials, elapsed, trials / elapsed, mean(res[1, ] < 0.05)))
