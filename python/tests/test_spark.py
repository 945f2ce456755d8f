"""survkit.spark in PySpark's local mode (``local[2]``) on Parquet files written in several
partitions: the counts exactly, Kaplan–Meier, log-rank and RMST ``to_dict()`` equal to survkit's
on the same rows collected, Cox to 1e-9 of ``survkit.cox`` (and of ``survkit cox --weight``),
and the bootstrap spread over tasks equal to the one-machine bootstrap with the same seed.

Skipped, saying why, without PySpark or Java; an error instead when SURVKIT_REQUIRE_SPARK=1
(as CI sets it).
"""

import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import survkit
from _support import CLI, DATASETS, ROOT, needs_cli

REQUIRED = os.environ.get("SURVKIT_REQUIRE_SPARK") == "1"


def _missing() -> str:
    """Why Spark cannot run here ('' when it can)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install 'survkit[spark]')"
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else shutil.which("java")
    if not java or not os.path.exists(java):
        return "Java is not installed (PySpark needs Java 17+)"
    return ""


if _missing():
    if REQUIRED:
        raise RuntimeError(f"SURVKIT_REQUIRE_SPARK=1 but {_missing()}")
    pytest.skip(_missing(), allow_module_level=True)

import survkit.spark as sparkkit  # noqa: E402

#: Cox on the cluster against survkit.cox on one machine: relative difference (absolute below 1)
COX_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # the bootstrap's tasks import survkit: the executors run this interpreter
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("survkit-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def synthetic(n=20000, seed=20):
    """A trial: two arms, three strata, days with many ties, numeric covariates, case weights and
    delayed entry."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    stratum = rng.choice(["north", "south", "west"], n)
    age = rng.normal(60, 10, n).round(1)
    score = rng.normal(0, 1, n)
    hazard = 0.002 * np.exp(-0.4 * arm + 0.02 * (age - 60) + 0.3 * score)
    event_time = np.ceil(rng.exponential(1 / hazard))
    censor_time = rng.integers(30, 900, n)
    time = np.minimum(event_time, censor_time)
    entry = np.floor(rng.uniform(0, 1, n) * np.minimum(time, 60) * (rng.uniform(size=n) < 0.3))
    return pd.DataFrame({
        "time": time.astype(float), "status": (event_time <= censor_time).astype(int), "arm": arm,
        "stratum": stratum, "age": age, "score": score, "entry": entry,
        "weight": rng.choice([0.5, 1.0, 1.5, 2.0], n),
    })


@pytest.fixture(scope="module")
def tables(spark, tmp_path_factory):
    """Each dataset written as Parquet in 4 partitions and read back: (Spark DataFrame, the rows
    collected in the DataFrame's order)."""
    folder = tmp_path_factory.mktemp("parquet")
    channing = pd.read_csv(DATASETS / "channing.csv")
    frames = {
        "lung": pd.read_csv(DATASETS / "lung.csv"),
        "veteran": pd.read_csv(DATASETS / "veteran.csv"),
        "channing": channing.assign(male=(channing["sex"] == "Male").astype(int)),
        "synthetic": synthetic(),
    }
    read = {}
    for name, frame in frames.items():
        path = str(folder / f"{name}.parquet")
        spark.createDataFrame(frame).repartition(4).write.parquet(path)
        df = spark.read.parquet(path)
        assert df.rdd.getNumPartitions() > 1
        read[name] = (df, df.toPandas())
    return read


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def test_label_columns_named_as_count_columns_are_refused(tables):
    df, _ = tables["veteran"]
    with pytest.raises(ValueError, match="rename it first"):
        sparkkit.kaplan_meier(df.withColumnRenamed("celltype", "stratum"), group="stratum")
    with pytest.raises(ValueError, match="rename it first"):
        sparkkit.logrank(df.withColumnRenamed("trt", "n_event"), group="n_event")


def test_counts_are_the_group_by(tables):
    df, rows = tables["veteran"]
    counts = sparkkit.counts(df, "time", "status", group="trt", stratum="celltype")
    rows = rows.assign(n_event=rows["status"], n_censor=1 - rows["status"])
    expected = rows.groupby(["trt", "celltype", "time"])[["n_event", "n_censor"]].sum().reset_index()
    assert counts.to_dict("list") == expected.astype({"time": float}).to_dict("list")
    df, rows = tables["channing"]
    entered = sparkkit.counts(df, "exit", "cens", group="sex", entry="entry")
    assert entered["n_enter"].sum() == len(rows) == entered["n_event"].sum() + entered["n_censor"].sum()


@pytest.mark.parametrize("dataset,options,formula", [
    ("lung", {"time": "time", "event": "status", "group": "sex"}, "Surv(time, status) ~ sex"),
    ("lung", {"time": "time", "event": "status"}, "Surv(time, status) ~ 1"),
    ("veteran", {"group": "trt", "stratum": "celltype"}, "Surv(time, status) ~ trt + strata(celltype)"),
    ("channing", {"time": "exit", "event": "cens", "group": "sex", "entry": "entry"},
     "Surv(entry, exit, cens) ~ sex"),
    ("synthetic", {"group": "arm", "stratum": "stratum"}, "Surv(time, status) ~ arm + strata(stratum)"),
])
def test_kaplan_meier_and_logrank_equal_survkit(tables, dataset, options, formula):
    df, rows = tables[dataset]
    on_spark = quietly(sparkkit.kaplan_meier, df, **options, at=[100, 200], cumhaz=True)
    assert on_spark.to_dict() == quietly(survkit.kaplan_meier, formula, rows, at=[100, 200], cumhaz=True).to_dict()
    if "group" in options:
        for weights in ("logrank", "fh:0,1"):
            test = quietly(sparkkit.logrank, df, **options, weights=weights)
            assert test.to_dict() == quietly(survkit.logrank, formula, rows, weights=weights).to_dict()


@pytest.mark.parametrize("dataset,options,formula,tau", [
    ("lung", {"time": "time", "event": "status", "group": "sex"}, "Surv(time, status) ~ sex", None),
    ("synthetic", {"group": "arm"}, "Surv(time, status) ~ arm", 500.0),
])
def test_rmst_equals_survkit(tables, dataset, options, formula, tau):
    df, rows = tables[dataset]
    assert sparkkit.rmst(df, **options, tau=tau).to_dict() == survkit.rmst(formula, rows, tau=tau).to_dict()


MODEL_BASED = ("coef", "se", "hr", "hr_lower", "hr_upper", "z", "p_value")


def differences(fit, expected, keys=MODEL_BASED, tests=("likelihood_ratio", "wald", "score")):
    """The largest relative difference (absolute where the value is below 1) between a Spark
    Cox fit and survkit's JSON, over the terms' ``keys``, the variance, the log likelihoods and
    the global ``tests``."""
    worst = 0.0

    def compare(a, b):
        nonlocal worst
        worst = max(worst, abs(a - b) / max(1.0, abs(b)))

    ours = fit.to_dict()
    assert [t["term"] for t in ours["terms"]] == [t["term"] for t in expected["terms"]]
    for mine, theirs in zip(ours["terms"], expected["terms"]):
        for key in keys:
            compare(mine[key], theirs[key])
    for mine, theirs in zip(np.ravel(ours["variance"]), np.ravel(expected["variance"])):
        compare(mine, theirs)
    for mine, theirs in zip(ours["loglik"], expected["loglik"]):
        compare(mine, theirs)
    for test in tests:
        compare(ours["tests"][test]["statistic"], expected["tests"][test]["statistic"])
        compare(ours["tests"][test]["p_value"], expected["tests"][test]["p_value"])
        assert ours["tests"][test]["df"] == expected["tests"][test]["df"]
    assert (ours["n"], ours["events"], ours["iterations"], ours["converged"]) == (
        expected["n"], expected["events"], expected["iterations"], expected["converged"])
    return worst


@pytest.mark.parametrize("dataset,formula,ties", [
    ("lung", "Surv(time, status) ~ age + sex + ph.ecog", "efron"),
    ("lung", "Surv(time, status) ~ age + sex + ph.ecog", "breslow"),
    ("veteran", "Surv(time, status) ~ trt + karno + age + strata(celltype)", "efron"),
    ("channing", "Surv(entry, exit, cens) ~ male", "efron"),
    # factors: a text column, factor() of text and of numbers (levels 0..3 of a float column)
    ("channing", "Surv(entry, exit, cens) ~ sex", "breslow"),
    ("veteran", "Surv(time, status) ~ trt + factor(celltype) + karno", "efron"),
    ("lung", "Surv(time, status) ~ age + factor(ph.ecog) + strata(sex)", "efron"),
    ("synthetic", "Surv(time, status) ~ factor(stratum) + arm + score", "efron"),
    ("synthetic", "Surv(entry, time, status) ~ arm + age + score + strata(stratum)", "efron"),
    ("synthetic", "Surv(time, status) ~ arm + age + score", "breslow"),
])
def test_cox_equals_survkit(tables, dataset, formula, ties):
    df, rows = tables[dataset]
    fit = quietly(sparkkit.cox, df, formula, ties=ties)
    expected = quietly(survkit.cox, formula, rows, ties=ties).to_dict()
    assert differences(fit, expected) <= COX_TOLERANCE
    assert len(fit.timings["aggregations"]) == fit.iterations + 1
    term = fit.names[0]
    assert fit.hazard_ratio(term) == np.exp(fit.coef(term))
    assert list(fit.summary().index) == fit.names


@needs_cli
def test_weighted_cox_equals_the_cli(tables, tmp_path):
    df, rows = tables["synthetic"]
    path = tmp_path / "synthetic.csv"
    rows.to_csv(path, index=False)
    formula = "Surv(time, status) ~ arm + age + strata(stratum)"
    out = subprocess.run(
        [str(CLI), "cox", "--formula", formula, "--weight", "weight", "--format", "json", str(path)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    import json

    expected = json.loads(out.stdout)
    fit = sparkkit.cox(df, formula, weights="weight")
    # fractional weights: survkit's limits, z, p and Wald test use the robust variance, which
    # survkit.spark does not compute; the model-based ones agree
    assert differences(fit, expected, ("coef", "se", "hr"), ("likelihood_ratio", "score")) <= COX_TOLERANCE


def test_cox_refuses_what_it_does_not_fit(tables):
    df, _ = tables["veteran"]
    with pytest.raises(ValueError, match="interactions"):
        sparkkit.cox(df, "Surv(time, status) ~ trt * karno")
    with pytest.raises(ValueError, match="no column 'cell'"):
        sparkkit.cox(df, "Surv(time, status) ~ trt + cell")
    with pytest.raises(ValueError, match="same value"):
        sparkkit.cox(df.where("trt = 1"), "Surv(time, status) ~ trt + karno")
    with pytest.raises(ValueError, match="efron and breslow"):
        sparkkit.cox(df, "Surv(time, status) ~ trt", ties="exact")
    fit = sparkkit.cox(df, time="time", event="status", covariates=["trt", "karno"], strata="celltype")
    assert abs(fit.coef("karno") - survkit.cox("Surv(time, status) ~ trt + karno + strata(celltype)",
                                                tables["veteran"][1]).coef("karno")) < 1e-12
    by_arm = sparkkit.cox(df, time="time", event="status", covariates=["trt", "karno"], factors=["trt"])
    assert by_arm.names == ["trt=2", "karno"]
    with pytest.raises(ValueError, match="no term 'age'"):
        fit.coef("age")


def test_bootstrap_over_tasks_equals_one_machine(spark, tables):
    df, rows = tables["lung"]
    formula = "Surv(time, status) ~ sex + age"
    spread = sparkkit.bootstrap(df, formula, replicates=120, seed=7, tasks=3)
    assert spread.to_dict() == survkit.bootstrap(formula, rows, replicates=120, seed=7).to_dict()
    options = {"statistic": "rmst-diff", "tau": 365, "ci": "all", "stratify": True}
    spread = quietly(sparkkit.bootstrap, rows, "Surv(time, status) ~ sex", replicates=80, seed=3, tasks=4,
                     spark=spark, **options)
    one = quietly(survkit.bootstrap, "Surv(time, status) ~ sex", rows, replicates=80, seed=3, **options)
    assert spread.to_dict() == one.to_dict()
