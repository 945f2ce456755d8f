# Builds datasets/als/composite_example.csv: a SYNTHETIC ALS-like two-arm trial whose outcome
# is the composite "death or permanent assisted ventilation (PAV)", for `survkit composite`.
# It is NOT trial data: no participant in it exists, and no published result is imitated.
#
#   Rscript datasets/als/make_composite_example.R   (from the repository root)
#
# Plain R (stats only). Deterministic: set.seed(20260416); R 4.2.2 used.
#
# Construction, 120 participants randomised 1:1 to placebo or active:
#   * PAV: exponential, hazard 0.0012/day on placebo, hazard ratio 0.7 for active;
#   * death: exponential, hazard 0.0010/day on placebo, hazard ratio 0.8 for active; a death
#     after PAV is still recorded (it is observed), a PAV after death cannot happen;
#   * follow-up: planned 300 to 400 days (staggered enrolment, uniform, whole days), and
#     dropout, exponential with hazard 0.0005/day; times in whole days (at least 1);
#   * death_time, pav_time: the day of the event when it happened during follow-up, empty
#     otherwise; last_seen: the last day of follow-up (the day of death for those who died).
set.seed(20260416)
n <- 120
arm <- rep(c("placebo", "active"), each = n / 2)
pav <- ceiling(rexp(n, 0.0012 * ifelse(arm == "active", 0.7, 1)))
death <- ceiling(rexp(n, 0.0010 * ifelse(arm == "active", 0.8, 1)))
planned <- sample(300:400, n, replace = TRUE)
dropout <- ceiling(rexp(n, 0.0005))
end <- pmin(planned, dropout)
died <- death <= end
last_seen <- ifelse(died, death, end)
pav_seen <- pav <= last_seen
d <- data.frame(id = sprintf("C%03d", seq_len(n)), arm = arm,
                death_time = ifelse(died, death, NA),
                pav_time = ifelse(pav_seen, pav, NA),
                last_seen = last_seen)
write.csv(d, "datasets/als/composite_example.csv", row.names = FALSE, quote = FALSE, na = "")
first_pav <- pav_seen & (!died | pav < death)
cat(sprintf("%d participants: %d deaths first, %d PAV first, %d ties, %d censored\n", n,
            sum(died & (!pav_seen | death < pav)), sum(first_pav),
            sum(died & pav_seen & death == pav), sum(!died & !pav_seen)))
