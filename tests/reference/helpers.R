# Shared code of the scripts that write survkit's R reference fixtures
# (make_fixtures.R, make_cox_fixtures.R, make_rmst_fixtures.R,
# make_fragility_fixtures.R, make_bootstrap_fixtures.R). Each script starts with
#
#   source("tests/reference/helpers.R")     (paths are relative to the repository root)
#
# Provides
#   * the packages survival and jsonlite, loaded quietly
#   * LC_COLLATE = "C", so text levels sort in byte order as survkit sorts them
#   * a check that the script runs from the repository root
#   * ref_dir ("tests/reference") and data_dir ("tests/reference/data", created if missing)
#   * TOL = 1e-10, the tolerance of the scripts' own cross-checks
#   * fin(x)   numeric vector with every non-finite value (NA, NaN, Inf) as NA (JSON null)
#   * arr(x)   fin(x) written as a JSON array even when it has length 1
#   * num(x)   one number: fin(x), checked to have length 1, names dropped
#   * mat(m)   a matrix as a list of rows, each a JSON array
#   * event_expr(d, col)  the R text of the 0/1 event indicator of a status column:
#              the bare name for a 0/1 column, "col == 2" for a 1/2 column
#   * write_json_pretty(x, path)  the JSON style of the fixtures: auto_unbox, digits = NA
#              (15 significant digits), NA and NULL as null, pretty-printed
#   * write_fixture(cases, path, generated_by)  writes {r_version, survival_version,
#              generated_by, cases} with write_json_pretty and reports the number of cases

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

invisible(Sys.setlocale("LC_COLLATE", "C"))   # deterministic sorting of text levels
stopifnot(file.exists("datasets/lung.csv"))  # must run from the repo root

ref_dir  <- "tests/reference"
data_dir <- file.path(ref_dir, "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

TOL <- 1e-10

fin <- function(x) {               # non-finite -> NA (written as null)
  x <- as.numeric(x)
  x[!is.finite(x)] <- NA
  x
}
arr <- function(x) I(fin(x))       # always a JSON array, even of length 1
num <- function(x) { x <- fin(x); stopifnot(length(x) == 1); unname(x) }
mat <- function(m) {               # list of rows, each a JSON array
  m <- as.matrix(m)
  lapply(seq_len(nrow(m)), function(i) arr(m[i, ]))
}

# R expression (as text) for the 0/1 event indicator of a status column
event_expr <- function(d, col) {
  v <- d[[col]]
  v <- v[!is.na(v)]
  if (all(v %in% c(0, 1))) return(col)
  if (all(v %in% c(1, 2))) return(sprintf("%s == 2", col))
  stop("status column ", col, " is neither 0/1 nor 1/2 coded")
}

write_json_pretty <- function(x, path) {
  jsonlite::write_json(x, path, auto_unbox = TRUE, digits = NA,
                       null = "null", na = "null", pretty = TRUE)
}

write_fixture <- function(cases, path, generated_by) {
  x <- list(
    r_version = R.version.string,
    survival_version = as.character(packageVersion("survival")),
    generated_by = generated_by,
    cases = cases
  )
  write_json_pretty(x, path)
  cat("wrote", path, "with", length(cases), "cases\n")
}
