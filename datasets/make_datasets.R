# Regenerates the CSV files in datasets/ from the R packages they come from.
# Run from the repository root:  Rscript datasets/make_datasets.R
# Needs the R packages survival and boot (Debian: r-cran-survival, r-cran-boot).
#
# Every file is written with write.csv(x, row.names = FALSE, na = ""), so
# factors become their text labels and missing values become empty fields.
# lung.csv and veteran.csv were copied from the project's reference data; this
# script only checks that they are identical to what write.csv gives for
# survival::lung and survival::veteran.

suppressPackageStartupMessages({
  library(survival)
  library(boot)
})

stopifnot(dir.exists("datasets"))

out <- function(x, name) {
  path <- file.path("datasets", name)
  write.csv(x, path, row.names = FALSE, na = "")
  cat(sprintf("%-22s %5d rows  %2d columns\n", path, nrow(x), ncol(x)))
}

# boot also has a data set called 'aml' (a different one); always name the package.
out(survival::ovarian, "ovarian.csv")
out(survival::aml,     "aml.csv")
out(survival::rats,    "rats.csv")
out(survival::flchain, "flchain.csv")
# colon: the death records (etype 2) of the adjuvant colon cancer trial, one row per patient,
# three arms (rx: Obs, Lev, Lev+5FU); the recurrence records are left out.
colon <- survival::colon
out(colon[colon$etype == 2, setdiff(names(colon), "etype")], "colon.csv")
# Channing House: 5 rows have exit <= entry (4 with time 0, 1 data error with entry 959 > exit 912).
# R's Surv(entry, exit, cens) turns them into NA; survkit refuses entry >= exit, so the shipped
# file leaves them out (457 rows). See datasets/README.md.
channing <- boot::channing
out(channing[channing$exit > channing$entry, ], "channing.csv")

same_as <- function(x, name) {
  tmp <- tempfile(fileext = ".csv")
  write.csv(x, tmp, row.names = FALSE, na = "")
  ok <- identical(readLines(tmp), readLines(file.path("datasets", name)))
  cat(sprintf("datasets/%s identical to write.csv output: %s\n", name, ok))
  stopifnot(ok)
}
same_as(survival::lung, "lung.csv")
same_as(survival::veteran, "veteran.csv")

cat("R:", R.version.string, " survival", as.character(packageVersion("survival")),
    " boot", as.character(packageVersion("boot")), "\n")
