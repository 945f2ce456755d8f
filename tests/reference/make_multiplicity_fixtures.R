# Writes the R reference fixture for survkit's multiplicity adjustment (p.adjust).
#
#   Rscript tests/reference/make_multiplicity_fixtures.R   (run from the repository root)
#
# Writes : tests/reference/multiplicity.json
#
# Forty p-value vectors of length 1 to 8 and 20 (uniform, squared or to the fourth power so
# that small values occur; every fifth rounded to 2 decimals so that ties occur; some with a
# repeated value), with R's p.adjust(p, method) for holm, hochberg and bonferroni.
# Numbers are written with 15 significant digits; survkit adjusts the written p.

source("tests/reference/helpers.R")

set.seed(20261202)
cases <- list()
for (k in 1:40) {
  m <- sample(c(1:8, 20), 1)
  p <- if (k %% 5 == 0) round(runif(m), 2) else runif(m)^sample(c(1, 2, 4), 1)
  if (k %% 7 == 0 && m > 2) p[2] <- p[1]
  p <- signif(p, 15)
  cases[[k]] <- list(
    p = arr(p),
    holm = arr(p.adjust(p, "holm")),
    hochberg = arr(p.adjust(p, "hochberg")),
    bonferroni = arr(p.adjust(p, "bonferroni")),
    r_call = "p.adjust(p, method)"
  )
}
write_fixture(cases, file.path(ref_dir, "multiplicity.json"), "tests/reference/make_multiplicity_fixtures.R")
