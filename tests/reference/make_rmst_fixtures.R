# Writes the R `survival` reference fixtures for survkit's restricted mean survival time:
# per-curve RMST and its standard error from print(survfit(...), rmean = tau), i.e. the
# columns `rmean` and `se(rmean)` of summary(fit, rmean = tau)$table.
#
#   Rscript tests/reference/make_rmst_fixtures.R        (run from the repository root)
#
# Needs R with the packages survival and jsonlite
# (Debian: r-base-core r-cran-survival r-cran-jsonlite).
#
# Inputs : datasets/*.csv (read with read.csv, exactly as the Rust tests read them)
# Writes : tests/reference/data/rmst_edge.csv   hand-made edge cases (see below)
#          tests/reference/rmst.json            the cases
#
# Conventions (as make_fixtures.R)
#   * event: a status column coded 0/1 is used as is; lung's 1/2 coding means status == 2.
#   * group levels: R's factor() order (sorted unique values); the first level is the
#     reference of the contrasts.
#   * contrasts (other level vs the first) are computed here from R's rmean and se(rmean)
#     with the formulas of survRM2's rmst2 (Uno et al. 2014), written out below; survRM2
#     itself is not installed.
#   * "r_data" builds `d`; "r_call" is the exact call whose $table gives rmean and se(rmean).
#   * numbers: jsonlite digits = NA (15 significant digits); NA/NaN/Inf are null.

# survival, jsonlite, C collation, ref_dir, data_dir, fin, write_json_pretty: see helpers.R
source("tests/reference/helpers.R")

# rmst_edge.csv: one participant in group "a" (an event at 3); group "b" has no events
# (censored at 4, 6, 8, 9); group "c" has ties at 5 (two events and a censoring) and ends
# censored at 7. survRM2's rule allows tau up to 7 (c ends censored at 7; b at 9).
edge <- data.frame(
  time   = c(3,  4, 6, 8, 9,  1, 2, 2, 3, 5, 5, 5, 6, 7),
  status = c(1,  0, 0, 0, 0,  1, 1, 0, 1, 1, 1, 0, 1, 0),
  g      = c("a", "b", "b", "b", "b", "c", "c", "c", "c", "c", "c", "c", "c", "c")
)
write.csv(edge, file.path(data_dir, "rmst_edge.csv"), row.names = FALSE, na = "")

# Wald contrast with p = 2 * pnorm(-|est/se|); `log = TRUE` gives a ratio from its log.
wald <- function(est, se, log = FALSE, level = 0.95) {
  z <- qnorm(1 - (1 - level) / 2)
  out <- list(estimate = est, se = se, lower = est - z * se, upper = est + z * se,
              p_value = 2 * pnorm(-abs(est / se)))
  if (log) {
    out$estimate <- exp(out$estimate)
    out$lower <- exp(out$lower)
    out$upper <- exp(out$upper)
  }
  lapply(out, fin)
}

make_case <- function(name, file, time, event, group, tau, r_data, formula_text,
                      allow_beyond = FALSE, note = "") {
  d <- eval(parse(text = r_data))
  fit <- eval(parse(text = sprintf("survfit(%s, data = d)", formula_text)))
  tab <- summary(fit, rmean = tau)$table
  if (is.null(dim(tab))) tab <- matrix(tab, nrow = 1, dimnames = list(NULL, names(tab)))
  levels <- if (is.null(group)) list(NULL) else as.character(sort(unique(d$g)))
  level <- 0.95
  z <- qnorm(1 - (1 - level) / 2)
  arms <- lapply(seq_len(nrow(tab)), function(k) {
    rmean <- tab[k, "rmean"]
    se <- tab[k, "se(rmean)"]
    list(group = if (is.null(group)) NULL else levels[[k]],
         n = tab[k, "records"], events = tab[k, "events"],
         rmst = fin(rmean), se = fin(se),
         lower = fin(rmean - z * se), upper = fin(rmean + z * se),
         rmtl = fin(tau - rmean))
  })
  contrasts <- list()
  if (nrow(tab) > 1) {
    r0 <- tab[1, "rmean"]; v0 <- tab[1, "se(rmean)"]^2
    for (k in 2:nrow(tab)) {
      r1 <- tab[k, "rmean"]; v1 <- tab[k, "se(rmean)"]^2
      l1 <- tau - r1; l0 <- tau - r0
      contrasts[[k - 1]] <- list(
        group = levels[[k]], reference = levels[[1]],
        difference = wald(r1 - r0, sqrt(v1 + v0)),
        ratio = wald(log(r1) - log(r0), sqrt(v1 / r1^2 + v0 / r0^2), log = TRUE),
        rmtl_ratio = wald(log(l1) - log(l0), sqrt(v1 / l1^2 + v0 / l0^2), log = TRUE))
    }
  }
  list(name = name, file = file, time = time, event = event, group = group,
       levels = if (is.null(group)) list() else levels, tau = tau,
       allow_tau_beyond_data = allow_beyond, conf_level = level, note = note,
       r_data = r_data,
       r_call = sprintf("summary(survfit(%s, data = d), rmean = %s)$table",
                        formula_text, format(tau)),
       arms = arms, contrasts = contrasts)
}

lung_data <- "within(read.csv('datasets/lung.csv'), { g <- sex; status <- as.numeric(status == 2) })"
vet_trt <- "within(read.csv('datasets/veteran.csv'), g <- trt)"
vet_cell <- "within(read.csv('datasets/veteran.csv'), g <- celltype)"
ovarian <- "within(read.csv('datasets/ovarian.csv'), { time <- futime; status <- fustat; g <- rx })"
aml <- "within(read.csv('datasets/aml.csv'), g <- x)"
rats <- "within(read.csv('datasets/rats.csv'), g <- rx)"
edge_data <- "read.csv('tests/reference/data/rmst_edge.csv')"
by_g <- "Surv(time, status) ~ g"

cases <- list(
  make_case("lung_sex_365", "datasets/lung.csv", "time", "status", "sex", 365, lung_data, by_g),
  make_case("lung_sex_730", "datasets/lung.csv", "time", "status", "sex", 730, lung_data, by_g),
  make_case("lung_sex_965", "datasets/lung.csv", "time", "status", "sex", 965, lung_data, by_g,
            note = "965 is survRM2's default tau for lung by sex"),
  make_case("lung_sex_1022_beyond", "datasets/lung.csv", "time", "status", "sex", 1022, lung_data, by_g,
            allow_beyond = TRUE,
            note = "tau beyond sex=2's last (censored) time 965: the last S is carried forward"),
  make_case("lung_all_500", "datasets/lung.csv", "time", "status", NULL, 500, lung_data,
            "Surv(time, status) ~ 1", note = "a single curve"),
  make_case("veteran_trt_400", "datasets/veteran.csv", "time", "status", "trt", 400, vet_trt, by_g),
  make_case("veteran_trt_999", "datasets/veteran.csv", "time", "status", "trt", 999, vet_trt, by_g,
            note = "both arms end in an event; 999 is the longest follow-up"),
  make_case("veteran_celltype_200", "datasets/veteran.csv", "time", "status", "celltype", 200, vet_cell, by_g,
            note = "four groups: contrasts of each against adeno (the first level)"),
  make_case("ovarian_rx_638", "datasets/ovarian.csv", "futime", "fustat", "rx", 638, ovarian, by_g,
            note = "tau equal to an event time (638, rx = 2)"),
  make_case("aml_x_45", "datasets/aml.csv", "time", "status", "x", 45, aml, by_g,
            note = "ties at tau: a censoring (Maintained) and an event (Nonmaintained) at 45"),
  make_case("aml_x_5", "datasets/aml.csv", "time", "status", "x", 5, aml, by_g,
            note = "tau at the first time of all (two tied events, Nonmaintained), before Maintained's first time; R refuses a tau below the smallest time, survRM2 and survkit give RMST = tau"),
  make_case("rats_rx_102", "datasets/rats.csv", "time", "status", "rx", 102, rats, by_g,
            note = "heavy ties at tau = 102 (24 censorings and 2 events)"),
  make_case("edge_5", "tests/reference/data/rmst_edge.csv", "time", "status", "g", 5, edge_data, by_g,
            note = "a single participant (a), an arm without events (b), ties at tau (c)"),
  make_case("edge_7", "tests/reference/data/rmst_edge.csv", "time", "status", "g", 7, edge_data, by_g,
            note = "tau = 7, the largest survRM2's rule allows")
)

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  generated_by = "tests/reference/make_rmst_fixtures.R",
  cases = cases
)
write_json_pretty(out, file.path(ref_dir, "rmst.json"))
