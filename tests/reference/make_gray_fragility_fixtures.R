# Writes the R reference fixture for the status-flip fragility of Gray's test
# (`survkit fragility competing`, src/fragility/gray.rs).
#
#   Rscript tests/reference/make_gray_fragility_fixtures.R     (run from the repository root)
#
# Needs R with survival, cmprsk (2.2.11 used) and jsonlite
# (Debian: r-cran-survival r-cran-cmprsk r-cran-jsonlite).
#
# Reads  : datasets/mgus2_cr.csv, tests/reference/data/als_composite.csv
#          (both written by make_competing_fixtures.R)
# Writes : tests/reference/gray_fragility.json
#
# The paths are survkit's: each case lists the changes survkit's greedy search chose (the data
# row as its line in the CSV, header = line 1, and the status after the change), copied from
# `survkit fragility competing ... --format csv`. This script does not search; it applies the
# changes in order to the status column and after each one recomputes Gray's test with
# cmprsk::cuminc on the changed data, so the fixture holds the p-value of every step as R
# computes it, and whether the last step crosses α while no earlier one does.
#
# Conventions
#   * status: 0 = censored, 1 and 2 = causes (cencode = 0); a change sets one row's status.
#   * "r_data" builds `d`; "r_call" is the cuminc call, evaluated with `s` the changed status.
#   * statistic / p_value: cuminc(...)$Tests[cause, "stat"] and [cause, "pv"]; step 0 is the
#     original data.
#   * numbers: jsonlite digits = NA (15 significant digits); NA/NaN/Inf are null.

source("tests/reference/helpers.R")
suppressPackageStartupMessages(library(cmprsk))

mg_file <- "datasets/mgus2_cr.csv"
als_file <- "tests/reference/data/als_composite.csv"

# One case: `changes` is a list of c(line, status after).
gray_case <- function(name, file, group, cause, changes, strata = NULL, rho = 0, alpha = 0.05,
                      flips = c("cause-censor", "between-causes")) {
  r_data <- sprintf("read.csv('%s')", file)
  d <- eval(parse(text = r_data))
  r_call <- sprintf("cuminc(d$time, s, d$%s%s, rho = %s, cencode = 0)", group,
                    if (is.null(strata)) "" else sprintf(", d$%s", strata), format(rho))
  gray <- function(s) {
    tests <- eval(parse(text = r_call))$Tests
    k <- as.character(cause)
    c(statistic = tests[k, "stat"], p_value = tests[k, "pv"], df = tests[k, "df"])
  }
  s <- d$status
  original <- gray(s)
  steps <- list()
  for (i in seq_along(changes)) {
    line <- changes[[i]][1]
    row <- line - 1                       # read.csv keeps every row; the header is line 1
    from <- s[row]
    stopifnot(from != changes[[i]][2])
    s[row] <- changes[[i]][2]
    g <- gray(s)
    steps[[i]] <- list(step = i, line = line, time = d$time[row], group = d[[group]][row],
                       from = as.character(from), to = as.character(s[row]),
                       statistic = num(g["statistic"]), p_value = num(g["p_value"]))
  }
  p <- c(original["p_value"], sapply(steps, function(x) x$p_value))
  significant <- p < alpha
  # the path crosses α at its last step and not before
  stopifnot(all(significant[-length(p)] == significant[1]), significant[length(p)] != significant[1])
  list(name = name, file = file, time = "time", status = "status", group = group, strata = strata,
       cause = as.character(cause), rho = rho, alpha = alpha, flips = I(flips),
       r_data = r_data, r_call = r_call,
       statistic = num(original["statistic"]), p_value = num(original["p_value"]),
       df = num(original["df"]), steps = steps)
}

ch <- function(...) {                     # c(line, to), c(line, to), ... as a list
  x <- c(...)
  lapply(seq(1, length(x), by = 2), function(i) x[i:(i + 1)])
}

cases <- list(
  gray_case("mgus2 by sex, cause 1", mg_file, "sex", 1,
            ch(49, 1, 54, 1, 78, 1, 106, 1, 437, 1, 9, 1, 253, 1, 997, 2, 973, 2)),
  gray_case("mgus2 by sex, cause 1, rho 1", mg_file, "sex", 1,
            ch(9, 1, 39, 1, 298, 1, 559, 1, 832, 1, 54, 1, 49, 1, 1210, 1), rho = 1),
  gray_case("mgus2 by age group within sex, cause 1", mg_file, "agegrp", 1,
            ch(84, 0, 299, 2, 207, 2), strata = "sex"),
  gray_case("als by arm, cause 1", als_file, "arm", 1,
            ch(23, 2, 25, 2, 26, 2, 28, 2, 32, 2)),
  gray_case("als by arm, cause 1, cause-censor only", als_file, "arm", 1,
            ch(23, 0, 25, 0, 26, 0, 39, 0, 36, 0, 28, 0), flips = "cause-censor"),
  gray_case("als by arm within site, cause 2", als_file, "arm", 2,
            ch(22, 1, 24, 1, 29, 1, 30, 1, 37, 1), strata = "site"),
  gray_case("als by arm, cause 1, alpha 0.2", als_file, "arm", 1,
            ch(23, 2, 25, 2, 26, 2), alpha = 0.2)
)

x <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  cmprsk_version = as.character(packageVersion("cmprsk")),
  generated_by = "tests/reference/make_gray_fragility_fixtures.R",
  cases = cases
)
write_json_pretty(x, file.path(ref_dir, "gray_fragility.json"))
cat("wrote", file.path(ref_dir, "gray_fragility.json"), "with", length(cases), "cases\n")
