# Builds datasets/als/als_function_survival_synthetic.csv: a SYNTHETIC ALS-like trial with
# survival and function (ALSFRS-R) together, for the win statistics and CAFS examples.
# It is NOT trial data: no participant in it exists, and no published result is imitated.
#
#   Rscript datasets/als/make_als_function_survival_synthetic.R   (from the repository root)
#
# Plain R (stats only). Deterministic: set.seed(20261201); R 4.2.2 used.
#
# Construction, 240 participants randomised 1:1 to placebo or active, 30% bulbar onset:
#   * death: exponential, hazard 0.0055/week on placebo (about 25% deaths in 52 weeks),
#     hazard ratio 0.7 for active and 1.5 for bulbar onset;
#   * follow-up: planned 40 to 52 weeks (staggered enrolment, uniform, whole weeks), and
#     dropout, exponential with hazard 0.002/week; time = first of death, dropout, end;
#     times in whole weeks (at least 1), so ties occur as in real visit-based data;
#   * ALSFRS-R: visits every 4 weeks; the participant's decline rate (points per 4 weeks)
#     is normal with mean 1.0 on placebo, 0.8 on active, times 1.2 for bulbar onset, SD 0.4,
#     floored at 0; alsfrs_change = -(rate x visits completed) + normal noise (SD 1.5), rounded
#     to whole points and kept within [-47, 3] (the scale runs 0-48, baseline taken as 47).
#     A participant followed under 4 weeks has only the baseline visit (change = rounded noise).
#   * FVC (% predicted), a second function score for hierarchies (death, ALSFRS-R, FVC): each
#     participant's decline per 4 weeks is 2.5 x their ALSFRS-R rate plus normal noise (SD 1),
#     floored at 0; fvc_change = -(FVC rate x visits) + normal noise (SD 4), rounded to whole
#     points. Drawn after everything above, so the other columns are as before it was added.
set.seed(20261201)
n <- 240
arm <- rep(c("placebo", "active"), each = n / 2)
onset <- ifelse(runif(n) < 0.3, "bulbar", "limb")
hazard <- 0.0055 * ifelse(arm == "active", 0.7, 1) * ifelse(onset == "bulbar", 1.5, 1)
death_time <- rexp(n, hazard)
planned <- sample(40:52, n, replace = TRUE)
dropout <- rexp(n, 0.002)
exit <- pmin(death_time, dropout, planned)
death <- as.integer(death_time <= pmin(dropout, planned))
time <- pmax(1, ceiling(exit))
time <- pmin(time, planned)
visits <- floor(time / 4)
rate <- pmax(0, rnorm(n, ifelse(arm == "active", 0.8, 1.0) * ifelse(onset == "bulbar", 1.2, 1), 0.4))
change <- round(-rate * visits + rnorm(n, 0, 1.5))
change <- pmin(3, pmax(-47, change))
fvc_rate <- pmax(0, 2.5 * rate + rnorm(n, 0, 1))
fvc_change <- round(-fvc_rate * visits + rnorm(n, 0, 4))
d <- data.frame(id = sprintf("S%03d", seq_len(n)), arm = arm, onset = onset,
                time_weeks = time, death = death, alsfrs_change = change,
                fvc_change = fvc_change)
write.csv(d, "datasets/als/als_function_survival_synthetic.csv", row.names = FALSE, quote = FALSE)
cat(sprintf("%d participants, %d deaths (placebo %d, active %d)\n", n, sum(death),
            sum(death[arm == "placebo"]), sum(death[arm == "active"])))
