"""survkit.spark in local mode against survkit on one machine, on the same rows (issue 20).

    python python/benches/spark_overhead.py [--rows 1000000] [--partitions 8] [--master local[2]]
        [--repeat 3] [--bootstrap-rows 2000] [--replicates 2000]

Data: a synthetic two-arm trial (times in whole days up to 900, so about 900 distinct times per
arm; age and a score as covariates; 3 strata) written as Parquet in --partitions files, read
back by Spark. Prints, for Kaplan–Meier by arm, the stratified log-rank test and a Cox model
(Efron ties, arm + age + score, strata):

  * the one-machine time: survkit on the pandas frame already in memory, and the same after
    reading the Parquet file with pandas (what a one-machine user would run);
  * the Spark time, split into where it goes: the GROUP BY job (cluster work plus collecting the
    counts to the driver) and survkit's finish on the driver for the counts analyses; for Cox,
    the first pass (rows left out, means, status values), each iteration's aggregation job and
    the driver's combination in time order;
  * the session start (JVM, SparkContext), paid once per application;
  * a bootstrap of the log hazard ratio (--replicates replicates of the first --bootstrap-rows
    rows): survkit.bootstrap on every core against survkit.spark.bootstrap with 2 tasks.

Every timing is the median of --repeat runs after one warm-up run (the JVM compiles the
aggregation code on its first runs).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import survkit
import survkit.spark as sparkkit


def trial(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, rows)
    age = rng.normal(60, 10, rows).round(1)
    score = rng.normal(0, 1, rows)
    rate = 0.002 * np.exp(-0.4 * arm + 0.02 * (age - 60) + 0.3 * score)
    event = np.ceil(rng.exponential(1 / rate))
    censor = rng.integers(30, 900, rows)
    return pd.DataFrame({
        "time": np.minimum(event, censor).astype(float), "status": (event <= censor).astype(int),
        "arm": arm, "stratum": rng.choice(["a", "b", "c"], rows), "age": age, "score": score,
    })


def median_time(fn, repeat, runs=None):
    """The median time of ``repeat`` runs of ``fn`` after a warm-up run, and the last result;
    the times themselves are appended to ``runs`` when given."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    if runs is not None:
        runs.extend(times)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bootstrap-rows", type=int, default=2000)
    parser.add_argument("--replicates", type=int, default=2000)
    args = parser.parse_args()

    frame = trial(args.rows)
    folder = tempfile.mkdtemp(prefix="survkit-spark-bench-")
    path = f"{folder}/trial.parquet"
    print(f"data: {len(frame):,} rows, {int(frame['status'].sum()):,} events, "
          f"{frame['time'].nunique()} distinct times; Parquet in {args.partitions} partitions; {args.master}")

    # the bootstrap's tasks import survkit: the executors run this interpreter
    os.environ["PYSPARK_PYTHON"] = sys.executable
    start = time.perf_counter()
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(args.master).appName("survkit-bench")
        .config("spark.sql.shuffle.partitions", "4").config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.range(1).count()
    print(f"session start (JVM, SparkContext, first job): {time.perf_counter() - start:.2f} s")
    spark.createDataFrame(frame).repartition(args.partitions).write.parquet(path)
    df = spark.read.parquet(path)
    # the same analyses on 1,000 rows: what a Spark job costs whatever the data
    spark.createDataFrame(frame.head(1000)).repartition(args.partitions).write.parquet(path + ".small")
    small = spark.read.parquet(path + ".small")

    def one_machine(fn):
        in_memory, _ = median_time(lambda: fn(frame), args.repeat)
        from_file, _ = median_time(lambda: fn(pd.read_parquet(path)), args.repeat)
        return in_memory, from_file

    km = "Surv(time, status) ~ arm"
    logrank = "Surv(time, status) ~ arm + strata(stratum)"
    cox = "Surv(time, status) ~ arm + age + score + strata(stratum)"
    rows = {
        "Kaplan-Meier": (lambda data: survkit.kaplan_meier(km, data), {"group": "arm"},
                         survkit.kaplan_meier_counts, {"group": "arm"}),
        "log-rank": (lambda data: survkit.logrank(logrank, data), {"group": "arm", "stratum": "stratum"},
                     survkit.logrank_counts, {"group": "arm", "stratum": "stratum"}),
    }
    fixed_costs = {}
    print()
    print(f"{'analysis':14} {'one machine':>12} {'+ read':>9} {'spark':>9} {'GROUP BY':>9} {'finish':>9} {'ratio':>7}")
    for name, (local, grouping, finish, finish_options) in rows.items():
        in_memory, from_file = one_machine(local)
        group_by, counts = median_time(lambda: sparkkit.counts(df, "time", "status", **grouping), args.repeat)
        finishing, _ = median_time(lambda: finish(counts, **finish_options), args.repeat)
        fixed, _ = median_time(lambda: sparkkit.counts(small, "time", "status", **grouping), args.repeat)
        fixed_costs[name] = fixed
        total = group_by + finishing
        print(f"{name:14} {in_memory:11.3f}s {from_file:8.3f}s {total:8.3f}s {group_by:8.3f}s {finishing:8.3f}s "
              f"{total / from_file:6.1f}x")

    print("the same GROUP BY on 1,000 rows: " + ", ".join(f"{k} {v:.3f} s" for k, v in fixed_costs.items()))
    in_memory, from_file = one_machine(lambda data: survkit.cox(cox, data))
    runs = []
    spark_total, fit = median_time(lambda: sparkkit.cox(df, cox), args.repeat, runs)
    _, small_fit = median_time(lambda: sparkkit.cox(small, cox), args.repeat)
    expected = survkit.cox(cox, frame)
    worst = max(abs(fit.coef(t) - expected.coef(t)) / max(1.0, abs(expected.coef(t))) for t in fit.names)
    t = fit.timings
    print(f"{'Cox':14} {in_memory:11.3f}s {from_file:8.3f}s {spark_total:8.3f}s {'':>9} {'':>9} "
          f"{spark_total / from_file:6.1f}x")
    print()
    print(f"Cox on Spark ({fit.iterations} iterations, {len(t['aggregations'])} aggregations; largest "
          f"coefficient difference from survkit.cox {worst:.1e}):")
    print(f"  first pass (rows left out, means, status values): {t['prepare']:.3f} s")
    print("  aggregation job per evaluation:  " + ", ".join(f"{a:.3f}" for a in t["aggregations"]) + " s")
    print("  driver combination per evaluation: " + ", ".join(f"{d:.4f}" for d in t["driver"]) + " s")
    print(f"  the rest (caching, variance, tests): "
          f"{t['total'] - t['prepare'] - sum(t['aggregations']) - sum(t['driver']):.3f} s")
    print("  whole fit, each run: " + ", ".join(f"{r:.3f}" for r in runs) + " s")
    s = small_fit.timings
    print(f"the same Cox on 1,000 rows: first pass {s['prepare']:.3f} s, aggregation jobs "
          + ", ".join(f"{a:.3f}" for a in s["aggregations"]) + " s (the fixed cost of a Spark job: planning, "
          "code generation for each β, scheduling, collecting)")
    sample = frame.head(args.bootstrap_rows)
    formula = "Surv(time, status) ~ arm + age"
    boot = {"replicates": args.replicates, "seed": 1}
    one, _ = median_time(lambda: survkit.bootstrap(formula, sample, **boot), args.repeat)
    spread, _ = median_time(lambda: sparkkit.bootstrap(sample, formula, **boot, tasks=2, spark=spark), args.repeat)
    print()
    print(f"bootstrap of the log HR, {args.replicates} replicates of {len(sample):,} rows: survkit on 2 threads "
          f"{one:.3f} s, survkit.spark with 2 tasks of 1 thread {spread:.3f} s ({spread / one:.2f}x)")
    spark.stop()


if __name__ == "__main__":
    main()
