"""survkit from Python against lifelines, in one run on the same data (issue 14's goals).

    python python/benches/vs_lifelines.py [--replicates 10000] [--lifelines-replicates 50]

Data: the first 690 rows of datasets/flchain.csv (futime, death, age, sex as 0/1). Prints:
  * a Cox fit (Efron ties, age + sex): survkit.cox vs lifelines CoxPHFitter().fit, median of
    repeated runs, and the ratio (goal: survkit >= 100x faster);
  * a log-HR bootstrap: survkit.bootstrap with --replicates replicates vs lifelines refitting
    resampled data in a Python loop (timed on --lifelines-replicates, per replicate), and the
    ratio of per-replicate times (goal: >= 1000x);
  * the overhead of the Python call: the whole survkit.cox call vs the extension's fit alone on
    a table built beforehand (the difference is the DataFrame conversion and the JSON parse).
"""

import argparse
import pathlib
import statistics
import time

import numpy as np
import pandas as pd

import survkit
from survkit import _survkit

ROOT = pathlib.Path(__file__).resolve().parents[2]


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--lifelines-replicates", type=int, default=50)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    frame = pd.read_csv(ROOT / "datasets" / "flchain.csv").head(690)
    frame = pd.DataFrame({
        "futime": frame["futime"].astype(float),
        "death": frame["death"].astype(int),
        "age": frame["age"].astype(float),
        "sex": (frame["sex"] == "M").astype(int),
    })
    formula = "Surv(futime, death) ~ sex + age"
    print(f"data: {len(frame)} rows, {int(frame['death'].sum())} events")

    survkit_fit = best_of(lambda: survkit.cox(formula, frame), 200)
    table = survkit._table(frame)
    core_fit = best_of(lambda: _survkit.cox(table, formula, "efron", 0.95, None, False, "wald", None, 1e-9, 20), 200)
    convert = best_of(lambda: survkit._table(frame), 200)
    print(f"survkit.cox: {survkit_fit * 1e3:.3f} ms per call "
          f"(extension fit alone {core_fit * 1e3:.3f} ms; DataFrame conversion {convert * 1e3:.3f} ms)")

    try:
        import lifelines
    except ImportError:
        print("lifelines is not installed: no comparison")
        lifelines = None
    if lifelines is not None:
        lf = lambda d: lifelines.CoxPHFitter().fit(d, "futime", "death")  # noqa: E731
        lifelines_fit = best_of(lambda: lf(frame), 20)
        print(f"lifelines CoxPHFitter().fit: {lifelines_fit * 1e3:.2f} ms per call; "
              f"survkit is {lifelines_fit / survkit_fit:.0f}x faster (goal >= 100x)")
        a = survkit.cox(formula, frame)
        b = lf(frame)
        print(f"  coef(sex): survkit {a.coef('sex'):.10f}, lifelines {b.params_['sex']:.10f}")

    start = time.perf_counter()
    boot = survkit.bootstrap(formula, frame, replicates=args.replicates, seed=1, threads=args.threads)
    boot_time = time.perf_counter() - start
    per_boot = boot_time / args.replicates
    print(f"survkit.bootstrap: {args.replicates} replicates in {boot_time:.3f} s "
          f"({args.replicates / boot_time:,.0f} replicates/s; SE {boot.to_dict().get('se')})")
    if lifelines is not None:
        rng = np.random.default_rng(1)
        n = len(frame)
        start = time.perf_counter()
        for _ in range(args.lifelines_replicates):
            sample = frame.iloc[rng.integers(0, n, n)].reset_index(drop=True)
            lifelines.CoxPHFitter().fit(sample, "futime", "death").params_["sex"]
        per_lifelines = (time.perf_counter() - start) / args.lifelines_replicates
        print(f"lifelines loop: {1 / per_lifelines:.1f} replicates/s "
              f"(10,000 would take {per_lifelines * 1e4:.0f} s); survkit is "
              f"{per_lifelines / per_boot:.0f}x faster per replicate (goal >= 1000x)")


if __name__ == "__main__":
    main()
