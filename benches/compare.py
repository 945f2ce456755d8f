#!/usr/bin/env python3
"""Times Cox log-HR bootstrap replicates on the same 690-row two-arm trial with survkit, R
(survival's coxph in a bootstrap loop) and lifelines (CoxPHFitter in a loop), and prints
replicates per second and the ratios.

    python3 benches/compare.py [--survkit PATH] [--threads N]

Needs a release build of survkit (cargo build --release); R with survival (Rscript) and
lifelines (pip install lifelines) are timed when present and skipped otherwise. The CSV is
generated here (Python's random module, seeded), so every program reads the same file.
"""

import argparse
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time


def write_trial(path, n=690, seed=5):
    """Exponential event times, log-HR -0.4 for arm, uniform censoring, whole days (ties)."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("time,status,arm\n")
        for _ in range(n):
            arm = 0 if rng.random() < 0.5 else 1
            rate = math.exp(-0.4 * arm) / 400.0
            event = rng.expovariate(rate)
            censor = 100.0 + rng.random() * 900.0
            time_, status = (event, 1) if event <= censor else (censor, 0)
            f.write(f"{math.ceil(time_)},{status},{arm}\n")


def time_survkit(binary, csv, replicates, threads):
    args = [binary, "bootstrap", csv, "--time", "time", "--event", "status", "--group", "arm",
            "--statistic", "log-hr", "--replicates", str(replicates), "--seed", "1",
            "--ci", "percentile", "--threads", str(threads), "--format", "json"]
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return replicates / (time.perf_counter() - start)


R_LOOP = r"""
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1]); B <- as.integer(commandArgs(TRUE)[2]); n <- nrow(d)
set.seed(1)
start <- proc.time()[["elapsed"]]
est <- numeric(B)
for (b in seq_len(B)) {
  i <- sample.int(n, n, replace = TRUE)
  est[b] <- coef(coxph(Surv(time, status) ~ arm, data = d[i, ], ties = "efron"))[[1]]
}
cat(B / (proc.time()[["elapsed"]] - start), "\n")
"""

LIFELINES_LOOP = r"""
import sys, time, warnings
import numpy as np, pandas as pd
from lifelines import CoxPHFitter
warnings.simplefilter("ignore")
d = pd.read_csv(sys.argv[1]); B = int(sys.argv[2]); n = len(d)
rng = np.random.default_rng(1)
start = time.perf_counter()
for _ in range(B):
    sample = d.iloc[rng.integers(0, n, n)]
    CoxPHFitter().fit(sample, duration_col="time", event_col="status")
print(B / (time.perf_counter() - start))
"""


def time_script(command, script, csv, replicates, suffix):
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(command + [f.name, csv, str(replicates)], check=True,
                             capture_output=True, text=True).stdout
        return float(out.split()[-1])
    finally:
        os.unlink(f.name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--survkit", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "survkit"))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "trial.csv")
        write_trial(csv)
        rates = {}
        rates[f"survkit ({args.threads} threads)"] = time_survkit(args.survkit, csv, 20000, args.threads)
        rates["survkit (1 thread)"] = time_survkit(args.survkit, csv, 10000, 1)
        if shutil.which("Rscript"):
            rates["R survival coxph loop"] = time_script(["Rscript"], R_LOOP, csv, 500, ".R")
        else:
            print("Rscript not found: R skipped", file=sys.stderr)
        try:
            import lifelines  # noqa: F401
            rates["lifelines CoxPHFitter loop"] = time_script([sys.executable], LIFELINES_LOOP, csv, 50, ".py")
        except ImportError:
            print("lifelines not installed: skipped (pip install lifelines)", file=sys.stderr)
    best = rates[f"survkit ({args.threads} threads)"]
    print(f"{'program':32} {'replicates/s':>14} {'survkit is faster by':>22}")
    for name, rate in rates.items():
        print(f"{name:32} {rate:14.1f} {best / rate:21.1f}x")


if __name__ == "__main__":
    main()
