# Writes the rpact reference fixtures for survkit simulate's group-sequential log-rank test
# (issue 19): the efficacy boundaries of getDesignGroupSequential and the stopping
# probabilities, expected events and study duration of getSimulationSurvival.
#
#   Rscript tests/reference/make_sequential_fixtures.R     (run from the repository root;
#                                                           about a minute)
#
# Needs R with the packages rpact and jsonlite (Debian: r-cran-rpact r-cran-jsonlite).
#
# Writes : tests/reference/sequential.json
#
# Conventions
#   * boundaries: criticalValues (z) and the cumulative alpha spent (alphaSpent) of
#     getDesignGroupSequential(kMax, alpha, sided, informationRates, typeOfDesign) for the
#     types "OF" (O'Brien-Fleming), "P" (Pocock), "asOF" and "asP" (Lan-DeMets spending);
#     one-sided cases at alpha = 0.025, two-sided at alpha = 0.05 (survkit's --sided 1 or 2
#     with --alpha 0.05).
#   * simulation: getSimulationSurvival with an exponential control arm (lambda2 = log(2) /
#     median), a hazard ratio, 1:1 allocation, accrual over accrualTime (with
#     accrualIntensity when piecewise), no dropout, looks at plannedEvents, the one-sided
#     log-rank test of the treatment's benefit (directionUpper = FALSE). Recorded:
#     rejectPerStage (the probability of stopping for efficacy at each look), overallReject,
#     expectedNumberOfEvents, studyDuration (the expected calendar time of the stopping look)
#     and the number of iterations, which sets rpact's own Monte Carlo error.
#   * "r_call" is the exact call; numbers with jsonlite digits = NA (15 significant digits).

source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(rpact))

cases <- list()

designs <- list(c(0.5, 0.75, 1), c(1 / 3, 2 / 3, 1), c(0.6, 1), c(0.25, 0.5, 0.75, 1))
for (rates in designs) for (type in c("OF", "P", "asOF", "asP")) for (sided in c(1, 2)) {
  alpha <- if (sided == 1) 0.025 else 0.05
  call <- sprintf("getDesignGroupSequential(kMax = %d, alpha = %s, sided = %d, informationRates = c(%s), typeOfDesign = '%s')",
                  length(rates), alpha, sided, paste(format(rates, digits = 17), collapse = ", "), type)
  d <- eval(parse(text = call))
  cases[[length(cases) + 1]] <- list(
    kind = "boundaries", type = type, sided = sided, alpha = alpha,
    information_rates = arr(rates), r_call = call,
    critical_values = arr(d$criticalValues), alpha_spent = arr(d$alphaSpent))
}

simulation <- function(name, hr, accrual_time, accrual_intensity, seed) {
  design <- "getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, informationRates = c(0.5, 0.75, 1), typeOfDesign = 'OF')"
  call <- sprintf(paste0("getSimulationSurvival(%s, lambda2 = log(2) / 12, hazardRatio = %s, ",
                         "accrualTime = c(%s), %smaxNumberOfSubjects = 400, ",
                         "plannedEvents = c(100, 150, 200), directionUpper = FALSE, ",
                         "maxNumberOfIterations = 50000, seed = %d)"),
                  design, hr, paste(accrual_time, collapse = ", "),
                  if (is.null(accrual_intensity)) "" else
                    sprintf("accrualIntensity = c(%s), ", paste(accrual_intensity, collapse = ", ")),
                  seed)
  s <- eval(parse(text = call))
  list(kind = "simulation", name = name, hr = hr, control_median = 12, participants = 400,
       accrual_time = arr(accrual_time), accrual_intensity = arr(accrual_intensity),
       planned_events = arr(c(100, 150, 200)), type = "OF", sided = 1, alpha = 0.025,
       iterations = 50000, r_call = call,
       reject_per_stage = arr(s$rejectPerStage[, 1]), overall_reject = num(s$overallReject),
       expected_events = num(s$expectedNumberOfEvents), study_duration = num(s$studyDuration))
}
cases[[length(cases) + 1]] <- simulation("of_hr0.7_uniform", 0.7, c(0, 12), NULL, 1)
cases[[length(cases) + 1]] <- simulation("of_null_uniform", 1, c(0, 12), NULL, 2)
cases[[length(cases) + 1]] <- simulation("of_hr0.7_piecewise_accrual", 0.7, c(0, 6, 12), c(20, 46.6666666666667), 3)

x <- list(
  r_version = R.version.string,
  rpact_version = as.character(packageVersion("rpact")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  generated_by = "tests/reference/make_sequential_fixtures.R",
  cases = cases
)
write_json_pretty(x, file.path(ref_dir, "sequential.json"))
cat("wrote", file.path(ref_dir, "sequential.json"), "with", length(cases), "cases\n")
