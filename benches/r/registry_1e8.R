# Issue 20: R on the registry-scale benchmark's data (benches/registry.rs), side by side with
# `survkit km` and `survkit logrank` on the Parquet file. R has no Parquet reader here (the
# arrow package is not in Debian), so the benchmark also writes the
# four columns as raw 32-bit integers, which readBin reads in seconds; only survfit and survdiff
# are timed: Kaplan–Meier by arm, the log-rank test by arm stratified by stratum.
# Usage: Rscript benches/r/registry_1e8.R DIR N   (DIR: the bench's raw_1e8 folder; N rows,
# the first N of the file)
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; n <- as.numeric(args[2])
suppressPackageStartupMessages(library(survival))
col <- function(name) readBin(file.path(dir, paste0(name, ".bin")), "integer", n = n, size = 4)
d <- data.frame(time = col("time"), event = col("event"),
                arm = factor(col("arm"), labels = c("active", "placebo")),
                stratum = factor(sprintf("site%02d", col("stratum") + 1)))
gc(reset = TRUE)
t_km <- system.time(km <- survfit(Surv(time, event) ~ arm, data = d))[["elapsed"]]
t_lr <- system.time(lr <- survdiff(Surv(time, event) ~ arm + strata(stratum), data = d))[["elapsed"]]
mem <- sum(gc()[, 6])  # max used, Mb (Ncells + Vcells)
cat(sprintf("R %s survival %s, n = %.0f: survfit %.2f s, survdiff %.2f s, peak R heap %.0f MB, chisq %.6f\n",
            getRversion(), packageVersion("survival"), n, t_km, t_lr, mem, lr$chisq))
