"""Kaplan–Meier, log-rank and RMST from aggregated counts (``survkit.*_counts``): equal to the
command line's ``--counts`` JSON for the same counts file, and to the analysis of the
participants' rows the counts count.

The CLI comparisons are skipped without ``target/release/survkit`` (see ``_support``).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import survkit
from _support import DATASETS, cli_json, needs_cli


def count(rows, time, event_is, group=None, stratum=None, entry=None, names=None):
    """The GROUP BY of ``survkit::counts`` on a pandas frame: one row per (group, stratum,
    time) with n_event, n_censor (and n_enter), the label columns renamed by ``names``."""
    labels = [c for c in (group, stratum) if c is not None]
    rows = rows.dropna(subset=[*labels, time] + ([entry] if entry else []))
    exits = rows.assign(time_=rows[time], n_event=event_is(rows).astype(int))
    exits = exits.assign(n_censor=1 - exits["n_event"], n_enter=0)
    parts = [exits[[*labels, "time_", "n_event", "n_censor", "n_enter"]]]
    if entry is not None:
        parts.append(rows.assign(time_=rows[entry], n_event=0, n_censor=0, n_enter=1)[
            [*labels, "time_", "n_event", "n_censor", "n_enter"]])
    table = pd.concat(parts).groupby([*labels, "time_"]).sum().reset_index()
    table = table.rename(columns={"time_": "time", **(names or {})})
    return table if entry is not None else table.drop(columns="n_enter")


def lung_counts():
    lung = pd.read_csv(DATASETS / "lung.csv")
    return lung, count(lung, "time", lambda r: r["status"] == 2, group="sex")


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def test_counts_give_the_rows_results():
    lung, counts = lung_counts()
    formula = "Surv(time, status) ~ sex"
    assert survkit.kaplan_meier_counts(counts, group="sex").to_dict() == survkit.kaplan_meier(formula, lung).to_dict()
    assert survkit.logrank_counts(counts, group="sex").to_dict() == survkit.logrank(formula, lung).to_dict()
    assert survkit.rmst_counts(counts, group="sex", tau=365).to_dict() == survkit.rmst(formula, lung, tau=365).to_dict()
    options = {"conf_type": "log-log", "quantiles": [0.25, 0.75], "at": [180, 365], "cumhaz": True,
               "conf_level": 0.9}
    assert (survkit.kaplan_meier_counts(counts, group="sex", **options).to_dict()
            == survkit.kaplan_meier(formula, lung, **options).to_dict())
    fh = survkit.logrank_counts(counts, group="sex", weights="fh:1,0")
    assert fh.to_dict() == survkit.logrank(formula, lung, weights="fh:1,0").to_dict()


def test_strata_entries_and_trend_give_the_rows_results():
    veteran = pd.read_csv(DATASETS / "veteran.csv")
    counts = count(veteran, "time", lambda r: r["status"] == 1, group="trt", stratum="celltype")
    stratified = "Surv(time, status) ~ trt + strata(celltype)"
    assert (survkit.logrank_counts(counts, group="trt", stratum="celltype").to_dict()
            == survkit.logrank(stratified, veteran).to_dict())
    assert (survkit.kaplan_meier_counts(counts, group="trt", stratum="celltype").to_dict()
            == survkit.kaplan_meier(stratified, veteran).to_dict())
    by_cell = count(veteran, "time", lambda r: r["status"] == 1, group="celltype")
    trend = survkit.logrank_counts(by_cell, group="celltype", weights="gehan", trend=True)
    assert trend.to_dict() == survkit.logrank("Surv(time, status) ~ celltype", veteran, weights="gehan",
                                              trend=True).to_dict()
    channing = pd.read_csv(DATASETS / "channing.csv")
    entered = count(channing, "exit", lambda r: r["cens"] == 1, group="sex", entry="entry")
    delayed = "Surv(entry, exit, cens) ~ sex"
    assert (quietly(survkit.kaplan_meier_counts, entered, group="sex", n_enter="n_enter").to_dict()
            == quietly(survkit.kaplan_meier, delayed, channing).to_dict())
    assert (survkit.logrank_counts(entered, group="sex").to_dict()
            == quietly(survkit.logrank, delayed, channing).to_dict())


@needs_cli
def test_counts_equal_the_cli(tmp_path):
    veteran = pd.read_csv(DATASETS / "veteran.csv")
    # columns literally called group and stratum are used without being named, as the CLI does
    counts = count(veteran, "time", lambda r: r["status"] == 1, group="trt", stratum="celltype",
                   names={"trt": "group", "celltype": "stratum"})
    path = tmp_path / "counts.csv"
    counts.to_csv(path, index=False)
    assert survkit.kaplan_meier_counts(path).to_dict() == cli_json("km", "--counts", str(path))
    assert survkit.logrank_counts(str(path)).to_dict() == cli_json("logrank", "--counts", str(path))
    # rmst takes no strata: the stratum column is summed over
    assert survkit.rmst_counts(path, tau=300).to_dict() == cli_json("rmst", "--counts", "--tau", "300", str(path))
    renamed = counts.rename(columns={"time": "day", "n_event": "deaths", "n_censor": "lost", "group": "arm"})
    renamed.to_parquet(tmp_path / "counts.parquet")
    flags = ["--time", "day", "--n-event", "deaths", "--n-censor", "lost", "--group", "arm"]
    names = {"time": "day", "n_event": "deaths", "n_censor": "lost", "group": "arm"}
    parquet = str(tmp_path / "counts.parquet")
    assert survkit.kaplan_meier_counts(parquet, **names).to_dict() == cli_json("km", "--counts", *flags, parquet)
    assert (survkit.logrank_counts(renamed, **names, weights="tarone-ware").to_dict()
            == cli_json("logrank", "--counts", *flags, "--weights", "tarone-ware", parquet))


def test_bad_counts_are_refused():
    lung, counts = lung_counts()
    with pytest.raises(ValueError, match="not a count"):
        survkit.kaplan_meier_counts(counts.assign(n_event=counts["n_event"] + 0.5), group="sex")
    with pytest.raises(ValueError, match="deaths"):
        survkit.logrank_counts(counts, group="sex", n_event="deaths")
    three = count(pd.read_csv(DATASETS / "veteran.csv"), "time", lambda r: r["status"] == 1, group="celltype")
    with pytest.raises(ValueError, match="4 levels"):
        survkit.rmst_counts(three, group="celltype")
    with pytest.raises(ValueError, match="draws no figure"):
        survkit.kaplan_meier_counts(counts, group="sex").plot()
    km = survkit.kaplan_meier_counts(counts, group="sex")
    assert km.median("1")["estimate"] == survkit.kaplan_meier("Surv(time, status) ~ sex", lung).median("1")["estimate"]
    assert np.isfinite(km.survival_at(365, group="2"))
