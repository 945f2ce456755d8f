# Writes the rpact reference fixtures for survkit's trial design formulas (issue 19):
# events needed, sample size and power of a fixed (single-stage, kMax = 1) survival trial.
#
#   Rscript tests/reference/make_design_fixtures.R        (run from the repository root)
#
# Needs R with the packages rpact and jsonlite (Debian: r-cran-rpact r-cran-jsonlite).
#
# Writes : tests/reference/design.json
#
# Conventions
#   * allocationRatioPlanned is treatment:control (rpact's group 1 is the treatment arm; the
#     hazard ratio is lambda1 / lambda2), as survkit's --ratio a:b.
#   * the design is getDesignGroupSequential(kMax = 1, alpha, beta, sided) (twoSidedPower is
#     FALSE, rpact's default: a two-sided design's events use alpha / 2 in one tail).
#   * power: one-sided designs test in the direction of the hazard ratio
#     (directionUpper = hazardRatio > 1); two-sided power counts both tails, as rpact does.
#   * sample size: uniform accrual over accrualTime = c(0, a), followUpTime f, exponential
#     survival with control median m (lambda2 = log(2) / m), exponential dropout given as
#     dropoutRate1 = dropoutRate2 = q by dropoutTime t.
#   * "r_call" is the exact call; numbers with jsonlite digits = NA (15 significant digits).

source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(rpact))

design_call <- function(alpha, power, sided) {
  sprintf("getDesignGroupSequential(kMax = 1, alpha = %s, beta = %s, sided = %d)",
          alpha, 1 - power, sided)
}

cases <- list()

# events: Schoenfeld and Freedman, ratios 1:1, 2:1, 3:1, one- and two-sided
for (method in c("Schoenfeld", "Freedman")) for (ratio in c(1, 2, 3)) for (sided in c(1, 2))
  for (hr in c(0.408, 0.7, 1.5)) for (ap in list(c(0.05, 0.8), c(0.025, 0.9))) {
    alpha <- ap[1]; power <- ap[2]
    call <- sprintf(paste0("getSampleSizeSurvival(%s, typeOfComputation = '%s', hazardRatio = %s, ",
                           "allocationRatioPlanned = %s, lambda2 = log(2) / 12, ",
                           "accrualTime = c(0, 12), followUpTime = 12)"),
                    design_call(alpha, power, sided), method, hr, ratio)
    res <- eval(parse(text = call))
    cases[[length(cases) + 1]] <- list(
      kind = "events", method = tolower(method), hr = hr, alpha = alpha, power = power,
      ratio = ratio, sided = sided, r_call = call,
      events = num(res$eventsFixed),
      sample_size = num(res$nFixed),
      sample_size_treatment = num(res$nFixed1),
      sample_size_control = num(res$nFixed2))
  }

# sample size: accrual, follow-up, dropout, control median
for (method in c("Schoenfeld", "Freedman")) for (ratio in c(1, 2, 3)) for (sided in c(1, 2))
  for (setting in list(c(0.7, 18, 24, 12, 0, 12), c(0.408, 30, 12, 6, 0.1, 12),
                       c(0.75, 12, 36, 24, 0.05, 6))) {
    hr <- setting[1]; median <- setting[2]; accrual <- setting[3]; follow <- setting[4]
    dropout <- setting[5]; dropout_time <- setting[6]
    alpha <- 0.05; power <- 0.8
    call <- sprintf(paste0("getSampleSizeSurvival(%s, typeOfComputation = '%s', hazardRatio = %s, ",
                           "allocationRatioPlanned = %s, median2 = %s, accrualTime = c(0, %s), ",
                           "followUpTime = %s, dropoutRate1 = %s, dropoutRate2 = %s, dropoutTime = %s)"),
                    design_call(alpha, power, sided), method, hr, ratio, median, accrual, follow,
                    dropout, dropout, dropout_time)
    res <- eval(parse(text = call))
    cases[[length(cases) + 1]] <- list(
      kind = "sample_size", method = tolower(method), hr = hr, alpha = alpha, power = power,
      ratio = ratio, sided = sided, control_median = median, accrual_time = accrual,
      follow_up = follow, dropout_rate = dropout, dropout_time = dropout_time, r_call = call,
      events = num(res$eventsFixed),
      sample_size = num(res$nFixed),
      sample_size_treatment = num(res$nFixed1),
      sample_size_control = num(res$nFixed2),
      event_probability = num(res$omega),
      analysis_time = num(res$analysisTime[1, 1]))
  }

# power at a number of events
for (method in c("Schoenfeld", "Freedman")) for (ratio in c(1, 2, 3)) for (sided in c(1, 2))
  for (he in list(c(0.7, 100), c(0.408, 41), c(0.8, 300), c(1.3, 150))) {
    hr <- he[1]; events <- he[2]; alpha <- 0.05
    call <- sprintf(paste0("getPowerSurvival(getDesignGroupSequential(kMax = 1, alpha = %s, sided = %d), ",
                           "typeOfComputation = '%s', hazardRatio = %s, directionUpper = %s, ",
                           "allocationRatioPlanned = %s, maxNumberOfEvents = %s, ",
                           "maxNumberOfSubjects = 1000, lambda2 = log(2) / 12, accrualTime = c(0, 12))"),
                    alpha, sided, method, hr, hr > 1, ratio, events)
    res <- eval(parse(text = call))
    cases[[length(cases) + 1]] <- list(
      kind = "power", method = tolower(method), hr = hr, alpha = alpha, events = events,
      ratio = ratio, sided = sided, r_call = call, power = num(res$overallReject))
  }

x <- list(
  r_version = R.version.string,
  rpact_version = as.character(packageVersion("rpact")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  generated_by = "tests/reference/make_design_fixtures.R",
  cases = cases
)
write_json_pretty(x, file.path(ref_dir, "design.json"))
cat("wrote", file.path(ref_dir, "design.json"), "with", length(cases), "cases\n")
