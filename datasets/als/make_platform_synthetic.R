# Builds datasets/als/platform_synthetic.csv: a SYNTHETIC three-regimen platform trial with a
# shared placebo, for `survkit ... --regimen regimen --control concurrent|pooled`.
# It is NOT trial data: no participant in it exists. Only regimen C's arm sizes and its two
# published event counts are taken from the HEALEY ALS Platform Trial (Berry JD, Maragakis N,
# Macklin EA, et al. JAMA 2025;333(13):1138-1149, doi:10.1001/jama.2024.27643):
#   CNM-Au8 30 mg n = 59 with 1 death or permanent assisted ventilation (PAV) in 24 weeks,
#   CNM-Au8 60 mg n = 61, regimen-specific placebo n = 41 with 4 deaths or PAV (3:3:2, i.e.
#   3:1 active to placebo); 123 placebo participants of the other regimens were pooled with
#   them for the trial's analyses (164 placebo in all).
#
#   Rscript datasets/als/make_platform_synthetic.R   (from the repository root)
#
# Plain R (stats only). Deterministic: set.seed(20250217); R 4.2.2 used.
#
# Construction (everything not listed above is chosen, not published):
#   * regimens A and B hold the other 123 placebo participants (62 and 61), each 3:1 with one
#     active arm ("A: active" 186, "B: active" 183), so the pooled placebo is 41 + 123 = 164;
#   * events (death or PAV) within 24 weeks (168 days), exactly: C 30 mg 1, C placebo 4 (both
#     published), C 60 mg 4, A active 9, A placebo 3, B active 10, B placebo 2 (chosen: the
#     pooled placebo then has 9 of 164);
#   * event days uniform on 14-167; of the others, 8% leave early (censored on a day uniform on
#     28-167), the rest are censored at day 168 (end of the 24 weeks);
#   * age: normal, mean 58, SD 11, rounded, kept within 25-85.
set.seed(20250217)
arms <- data.frame(
  regimen = c("A", "A", "B", "B", "C", "C", "C"),
  arm = c("A: active", "placebo", "B: active", "placebo", "C: CNM-Au8 30 mg", "C: CNM-Au8 60 mg", "placebo"),
  n = c(186, 62, 183, 61, 59, 61, 41),
  events = c(9, 3, 10, 2, 1, 4, 4)
)
rows <- do.call(rbind, lapply(seq_len(nrow(arms)), function(k) {
  n <- arms$n[k]
  event <- sample(c(rep(1, arms$events[k]), rep(0, n - arms$events[k])))
  early <- event == 0 & runif(n) < 0.08
  time <- ifelse(event == 1, sample(14:167, n, replace = TRUE),
                 ifelse(early, sample(28:167, n, replace = TRUE), 168))
  data.frame(regimen = arms$regimen[k], arm = arms$arm[k], time = time, status = event)
}))
rows <- rows[order(rows$regimen, runif(nrow(rows))), ]
rows$age <- pmin(85, pmax(25, round(rnorm(nrow(rows), 58, 11))))
rows$id <- sprintf("P%03d", seq_len(nrow(rows)))
rows <- rows[, c("id", "regimen", "arm", "time", "status", "age")]
write.csv(rows, "datasets/als/platform_synthetic.csv", row.names = FALSE, quote = FALSE)
print(aggregate(cbind(n = 1, events = status) ~ regimen + arm, data = rows, FUN = sum))
