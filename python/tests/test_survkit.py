"""survkit's Python package against the command line, R's fixtures, and bad input.

The CLI comparisons call ``target/release/survkit`` (``cargo build --release`` at the repository
root; set SURVKIT_CLI to use another binary) and are skipped, saying so, when it is missing
(an error instead when SURVKIT_REQUIRE_CLI is set, as CI does).
"""

import json
import math
import os
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest

import survkit
from _support import CLI, DATASETS, REFERENCE, ROOT, cli_json, close, needs_cli

LUNG = DATASETS / "lung.csv"


# (a) ------------------------------------------------------------------------------------------
# the package's to_dict() is the CLI's JSON for the same analysis, exactly

CASES = [
    ("km", "Surv(time, status) ~ sex", "lung.csv", {}, []),
    ("km", "Surv(time, status) ~ 1", "lung.csv", {"conf_level": 0.9}, ["--conf-level", "0.9"]),
    ("km", "Surv(time, status) ~ trt", "veteran.csv", {}, []),
    ("km", "Surv(time, status) ~ sex", "lung.csv",
     {"conf_type": "log-log", "quantiles": [0.25, 0.75], "at": [180, 365], "cumhaz": True},
     ["--conf-type", "log-log", "--quantiles", "0.25,0.75", "--at", "180,365", "--cumhaz"]),
    ("logrank", "Surv(time, status) ~ sex", "lung.csv", {}, []),
    ("logrank", "Surv(time, status) ~ trt + strata(celltype)", "veteran.csv", {}, []),
    ("logrank", "Surv(time, status) ~ sex", "lung.csv", {"weights": "fh:1,0"}, ["--weights", "fh:1,0"]),
    ("logrank", "Surv(time, status) ~ celltype", "veteran.csv", {"weights": "gehan", "trend": True},
     ["--weights", "gehan", "--trend"]),
    ("cox", "Surv(time, status) ~ age + sex", "lung.csv", {}, []),
    ("cox", "Surv(time, status) ~ age + sex + ph.ecog", "lung.csv", {"ties": "breslow"}, ["--ties", "breslow"]),
    ("cox", "Surv(time, status) ~ age + factor(sex)", "lung.csv", {"robust": True}, ["--robust"]),
    ("cox", "Surv(futime, fustat) ~ rx + age", "ovarian.csv", {}, []),
    ("cox", "Surv(time, status) ~ age + sex", "lung.csv", {"ci": "profile", "zph": "rank"},
     ["--ci", "profile", "--zph", "rank"]),
    ("cox", "Surv(time, status) ~ age + sex", "lung.csv", {"eps": 1e-6, "max_iter": 3, "firth": True},
     ["--eps", "1e-6", "--max-iter", "3", "--firth"]),
    ("cox", "Surv(time, status) ~ trt + factor(celltype) + karno", "veteran.csv", {}, []),
    ("rmst", "Surv(time, status) ~ sex", "lung.csv", {}, []),
    ("rmst", "Surv(time, status) ~ sex", "lung.csv", {"tau": 365.0}, ["--tau", "365"]),
    ("rmst", "Surv(futime, fustat) ~ rx", "ovarian.csv", {"tau": 700.0}, ["--tau", "700"]),
    # every other bundled two-state dataset (mgus2_cr.csv has competing causes: issue 17)
    ("km", "Surv(time, status) ~ x", "aml.csv", {}, []),
    ("logrank", "Surv(time, status) ~ x", "aml.csv", {}, []),
    ("cox", "Surv(time, status) ~ x", "aml.csv", {}, []),
    ("cox", "Surv(time, status) ~ rx + sex + cluster(litter)", "rats.csv", {}, []),
    ("logrank", "Surv(time, status) ~ rx + strata(sex)", "rats.csv", {}, []),
    ("km", "Surv(entry, exit, cens) ~ sex", "channing.csv", {}, []),
    ("cox", "Surv(entry, exit, cens) ~ sex", "channing.csv", {}, []),
    ("cox", "Surv(futime, death) ~ age + sex + kappa + strata(chapter)", "flchain.csv", {}, []),
    ("rmst", "Surv(futime, death) ~ sex", "flchain.csv", {"tau": 3650.0}, ["--tau", "3650"]),
    ("km", "Surv(time, status) ~ sex", "lung.csv", {"at": [180, 365]},
     ["--at", "180,365"]),
]

FUNCTIONS = {"km": survkit.kaplan_meier, "logrank": survkit.logrank, "cox": survkit.cox, "rmst": survkit.rmst}


@needs_cli
@pytest.mark.parametrize("command,formula,dataset,options,flags", CASES)
def test_equals_cli_json(command, formula, dataset, options, flags):
    path = DATASETS / dataset
    expected = cli_json(command, "--formula", formula, *flags, str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = FUNCTIONS[command](formula, str(path), **options)
    assert result.to_dict() == expected


@needs_cli
def test_json_bytes_equal_cli():
    out = subprocess.run(
        [str(CLI), "cox", "--formula", "Surv(time, status) ~ age + sex", "--format", "json", str(LUNG)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    assert survkit.cox("Surv(time, status) ~ age + sex", LUNG).to_json() == out.stdout


@needs_cli
def test_text_equals_cli_table():
    out = subprocess.run(
        [str(CLI), "km", "--formula", "Surv(time, status) ~ sex", str(LUNG)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    assert str(survkit.kaplan_meier("Surv(time, status) ~ sex", LUNG)) == out.stdout


@needs_cli
@pytest.mark.parametrize("treatment,control,test,flags", [
    ((1, 59), (4, 41), "fisher", []),
    ((10, 100), (25, 100), "fisher", []),
    ((10, 100), (25, 100), "chi-square", ["--test", "chi-square"]),
])
def test_fragility_counts_equals_cli(treatment, control, test, flags):
    expected = cli_json(
        "fragility", "counts", "--treatment", f"{treatment[0]}/{treatment[1]}",
        "--control", f"{control[0]}/{control[1]}", *flags,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert survkit.fragility_counts(treatment=treatment, control=control, test=test).to_dict() == expected


@needs_cli
def test_bootstrap_equals_cli_whatever_the_threads():
    formula = "Surv(time, status) ~ sex + age"
    expected = cli_json("bootstrap", "--formula", formula, "--statistic", "log-hr", "--replicates", "200", "--seed", "7", str(LUNG))
    for threads in (1, 2):
        result = survkit.bootstrap(formula, LUNG, replicates=200, seed=7, threads=threads)
        assert result.to_dict() == expected
    flags = ["--statistic", "rmst-diff", "--tau", "365", "--ci", "all", "--conf-level", "0.9", "--stratify",
             "--alpha", "0.1", "--replicates", "300", "--seed", "3"]
    expected = cli_json("bootstrap", "--formula", "Surv(time, status) ~ sex", *flags, str(LUNG))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = survkit.bootstrap("Surv(time, status) ~ sex", LUNG, statistic="rmst-diff", tau=365, ci="all",
                                 conf_level=0.9, stratify=True, alpha=0.1, replicates=300, seed=3)
    assert ours.to_dict() == expected
    flags = ["--statistic", "logrank", "--weights", "fh:0,1", "--replicates", "200", "--seed", "5"]
    expected = cli_json("bootstrap", "--formula", "Surv(time, status) ~ sex", *flags, str(LUNG))
    ours = survkit.bootstrap("Surv(time, status) ~ sex", LUNG, statistic="logrank", weights="fh:0,1",
                             replicates=200, seed=5)
    assert ours.to_dict() == expected


@needs_cli
@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_ctrl_c_stops_a_long_bootstrap_or_permutation():
    import signal
    import threading
    import time

    runs = [
        lambda: survkit.bootstrap("Surv(time, status) ~ sex", LUNG, replicates=5_000_000, threads=2),
        lambda: survkit.permutation(
            "Surv(time, status) ~ sex", LUNG, method="monte-carlo", permutations=50_000_000, threads=2
        ),
    ]
    for run in runs:
        timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
        start = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            run()
        # minutes of work, stopped within moments of the signal
        assert time.perf_counter() - start < 5
    # and the next call runs as usual
    assert survkit.bootstrap("Surv(time, status) ~ sex", LUNG, replicates=2000).to_dict()["used"] == 2000


CURVE_A = "time,surv\n0,100\n2,100\n2,90\n5,90\n5,70\n8,72\n8,50\n12,50\n12,30\n15,30\n"
RISK_A = "time,n\n0,10\n5,7\n10,4\n"
CURVE_B = "time,survival\n0,1\n3,1\n3,0.8\n9,0.8\n9,0.6\n15,0.6\n"
RISK_B = "time,n\n0,10\n5,8\n10,6\n"


@needs_cli
def test_reconstruct_equals_cli(tmp_path):
    files = {}
    for name, text in [("a", CURVE_A), ("ar", RISK_A), ("b", CURVE_B), ("br", RISK_B)]:
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_text(text)
    ipd = tmp_path / "ipd.csv"
    out = subprocess.run(
        [str(CLI), "reconstruct", "--curve", f"A={files['a']}", "--at-risk", f"A={files['ar']}",
         "--curve", f"B={files['b']}", "--at-risk", f"B={files['br']}", "--total-events", "B=4",
         "--published-hr", "B=0.5", "-o", str(ipd), "--format", "json"],
        capture_output=True, text=True, check=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = survkit.reconstruct(
            {"A": files["a"], "B": str(files["b"])},
            {"A": files["ar"], "B": files["br"]},
            total_events={"B": 4},
            published_hr=0.5,
        )
    assert result.to_dict() == json.loads(out.stdout)
    written = tmp_path / "again.csv"
    result.to_csv(written)
    assert written.read_text() == ipd.read_text()
    data = result.data
    assert list(data.columns) == ["time", "event", "group"] and len(data) == 20
    # data frames in, the same participants out; a Cox fit on them runs as on any trial
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        framed = survkit.reconstruct(
            {"A": pd.read_csv(files["a"]), "B": pd.read_csv(files["b"])},
            {"A": pd.read_csv(files["ar"]), "B": pd.read_csv(files["br"])},
            total_events={"B": 4},
        )
    assert framed.data.equals(data)
    assert any("read as percentages" in w for w in framed.warnings)
    assert survkit.cox("Surv(time, event) ~ group", framed.data).hazard_ratio("group") > 0
    assert list(framed.summary.index) == ["A", "B"]
    with pytest.raises(ValueError, match="no arm is labelled 'C'"):
        survkit.reconstruct({"A": files["a"]}, {"A": files["ar"]}, total_events={"C": 3})
    with pytest.raises(ValueError, match="line"):
        survkit.reconstruct({"A": pd.DataFrame({"time": [0, 1], "surv": ["x", 0.5]})}, {"A": files["ar"]})


def test_permutation_and_fragility_survival_equal_cli():
    formula = "Surv(time, status) ~ sex"
    expected = cli_json("permutation", "--formula", formula, "--seed", "3", "--permutations", "2000", str(LUNG))
    for threads in (1, 2):
        assert survkit.permutation(formula, LUNG, permutations=2000, seed=3, threads=threads).to_dict() == expected
    expected = cli_json("fragility", "survival", "--formula", formula, str(LUNG))
    assert survkit.fragility_survival(formula, LUNG).to_dict() == expected
    flags = ["--test", "cox-lr", "--method", "all", "--what-if", "--alpha", "0.01"]
    expected = cli_json("fragility", "survival", "--formula", formula, *flags, str(LUNG))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = survkit.fragility_survival(formula, LUNG, test="cox-lr", method="all", what_if=True, alpha=0.01)
    assert ours.to_dict() == expected


# (b) ------------------------------------------------------------------------------------------
# R's fixtures (tests/reference/, computed by the committed R scripts)

def fixture(name, case):
    cases = json.loads((REFERENCE / name).read_text())["cases"]
    return next(c for c in cases if c["name"] == case)


@pytest.mark.parametrize("case,formula,ties", [
    ("lung_age_sex_ecog_efron", "Surv(time, status) ~ age + sex + ph.ecog", "efron"),
    ("lung_age_sex_ecog_breslow", "Surv(time, status) ~ age + sex + ph.ecog", "breslow"),
    ("ovarian_rx_age_efron", "Surv(futime, fustat) ~ rx + age", "efron"),
])
def test_cox_matches_r(case, formula, ties):
    ref = fixture("cox.json", case)
    data = ROOT / ref["file"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = survkit.cox(formula, data, ties=ties)
    for term in ref["terms"]:
        assert close(fit.coef(term["term"]), term["coef"], 1e-6)
        assert close(fit.hazard_ratio(term["term"]), term["hr"], 1e-6)
        assert close(fit.p_value(term["term"]), term["p_value"], 1e-6)
        lower, upper = fit.conf_int(term["term"])
        assert close(lower, term["hr_lower"], 1e-6) and close(upper, term["hr_upper"], 1e-6)
        row = fit.summary.loc[term["term"]]
        assert close(row["se(coef)"], term["se"], 1e-6)
    assert fit.to_dict()["n"] == ref["n"]


def test_km_matches_r():
    ref = fixture("km.json", "lung_sex_log")
    km = survkit.kaplan_meier("Surv(time, status) ~ sex", LUNG)
    for curve in ref["curves"]:
        mine = km.summary[km.summary["strata"] == curve["group"]]
        np.testing.assert_allclose(mine["time"], curve["time"], rtol=1e-8)
        np.testing.assert_allclose(mine["survival"], curve["surv"], rtol=1e-8)
        for t, s in zip(curve["time"], curve["surv"]):
            assert close(km.survival_at(t, group=curve["group"]), s, 1e-8)


# (c) ------------------------------------------------------------------------------------------
# a DataFrame gives what the CSV gives; column types as R would read them

def test_dataframe_equals_csv_path():
    frame = pd.read_csv(LUNG)
    for fn, formula in [
        (survkit.cox, "Surv(time, status) ~ age + sex"),
        (survkit.kaplan_meier, "Surv(time, status) ~ sex"),
        (survkit.logrank, "Surv(time, status) ~ sex"),
        (survkit.rmst, "Surv(time, status) ~ sex"),
    ]:
        assert fn(formula, frame).to_dict() == fn(formula, str(LUNG)).to_dict()
        assert fn(formula, frame).to_dict() == fn(formula, LUNG).to_dict()  # pathlib.Path


def test_string_categorical_nullable_and_nan_columns():
    csv = pd.read_csv(DATASETS / "veteran.csv")
    as_text = csv.copy()
    as_text["celltype"] = as_text["celltype"].astype("string")
    as_cat = csv.copy()
    as_cat["celltype"] = as_cat["celltype"].astype("category")
    formula = "Surv(time, status) ~ trt + factor(celltype) + karno"
    expected = survkit.cox(formula, DATASETS / "veteran.csv").to_dict()
    assert survkit.cox(formula, as_text).to_dict() == expected
    assert survkit.cox(formula, as_cat).to_dict() == expected

    # nullable Int64 with NA, and NaN in a float column, are missing (rows dropped, as R's na.omit)
    lung = pd.read_csv(LUNG)
    nullable = lung.copy()
    nullable["ph.ecog"] = nullable["ph.ecog"].astype("Int64")
    assert nullable["ph.ecog"].isna().sum() == 1
    formula = "Surv(time, status) ~ age + sex + ph.ecog"
    a = survkit.cox(formula, nullable).to_dict()
    b = survkit.cox(formula, lung).to_dict()
    assert a == b and a["n"] == 227
    ref = fixture("cox.json", "lung_age_sex_ecog_efron")
    assert close(survkit.cox(formula, nullable).coef("ph.ecog"), ref["terms"][2]["coef"], 1e-6)

    # booleans are 0/1; a text status column with None is missing
    flagged = lung.copy()
    flagged["female"] = flagged["sex"] == 2
    assert close(
        survkit.cox("Surv(time, status) ~ female", flagged).coef("female"),
        survkit.cox("Surv(time, status) ~ sex", lung).coef("sex"), 1e-12,
    )


def test_to_pandas_objects_are_accepted():
    class Wrapped:  # stands for a polars DataFrame or a pyarrow Table
        def __init__(self, frame):
            self.frame = frame

        def to_pandas(self):
            return self.frame

    frame = pd.read_csv(LUNG)
    formula = "Surv(time, status) ~ sex"
    assert survkit.logrank(formula, Wrapped(frame)).to_dict() == survkit.logrank(formula, frame).to_dict()


def test_parquet_and_feather_paths_read_as_the_csv(tmp_path):
    """A Parquet or Feather file written by pyarrow (several row groups, Snappy and LZ4) gives
    the CSV file's fit, as the command line does."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.feather
    import pyarrow.parquet

    frame = pd.read_csv(LUNG)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    parquet = tmp_path / "lung.parquet"
    pyarrow.parquet.write_table(table, parquet, row_group_size=50, compression="snappy")
    feather = tmp_path / "lung.feather"
    pyarrow.feather.write_feather(table, feather, compression="lz4")
    formula = "Surv(time, status) ~ age + sex"
    expected = survkit.cox(formula, LUNG).to_dict()
    for path in (parquet, feather, str(parquet)):
        assert survkit.cox(formula, path).to_dict() == expected
    km = survkit.kaplan_meier("Surv(time, status) ~ sex", parquet).to_dict()
    assert km == survkit.kaplan_meier("Surv(time, status) ~ sex", LUNG).to_dict()


def test_pyarrow_and_polars_when_installed():
    formula = "Surv(time, status) ~ age + sex"
    expected = survkit.cox(formula, LUNG).to_dict()
    tested = 0
    try:
        import pyarrow as pa
        assert survkit.cox(formula, pa.Table.from_pandas(pd.read_csv(LUNG))).to_dict() == expected
        tested += 1
    except ImportError:
        pass
    try:
        import polars as pl
        assert survkit.cox(formula, pl.read_csv(LUNG, null_values="NA")).to_dict() == expected
        tested += 1
    except ImportError:
        pass
    if not tested:
        pytest.skip("neither pyarrow nor polars is installed")


def test_categorical_columns_are_factors_whatever_their_labels():
    # R takes a factor column as a factor; so does survkit for a pandas category, a polars
    # Categorical and an Arrow dictionary, even when the labels are numbers
    lung = pd.read_csv(LUNG)
    expected = survkit.cox("Surv(time, status) ~ age + factor(sex)", lung).to_dict()
    as_cat = lung.assign(sex=lung["sex"].astype("category"))
    assert survkit.cox("Surv(time, status) ~ age + sex", as_cat).to_dict() == expected
    tested = 0
    try:
        import pyarrow as pa
        table = pa.Table.from_pandas(as_cat, preserve_index=False)
        assert pa.types.is_dictionary(table.schema.field("sex").type)
        assert survkit.cox("Surv(time, status) ~ age + sex", table).to_dict() == expected
        # a table in several chunks is one table
        plain = pa.Table.from_pandas(lung, preserve_index=False)
        chunked = pa.concat_tables([plain.slice(0, 100), plain.slice(100)])
        formula = "Surv(time, status) ~ age + sex"
        assert survkit.cox(formula, chunked).to_dict() == survkit.cox(formula, LUNG).to_dict()
        tested += 1
    except ImportError:
        pass
    try:
        import polars as pl
        frame = pl.read_csv(LUNG, null_values="NA").with_columns(pl.col("sex").cast(pl.String).cast(pl.Categorical))
        assert survkit.cox("Surv(time, status) ~ age + sex", frame).to_dict() == expected
        with pytest.raises(ValueError, match=r"row 1\b.*inf"):
            survkit.cox("Surv(time, status) ~ 1", pl.DataFrame({"time": [1.0, float("inf")], "status": [1, 1]}))
        with pytest.raises(ValueError, match="no rows"):
            survkit.cox("Surv(time, status) ~ x", pl.DataFrame({"time": [], "status": [], "x": []}))
        tested += 1
    except ImportError:
        pass
    if not tested:
        pytest.skip("neither pyarrow nor polars is installed")


# results: accessors, summaries, display -----------------------------------------------------

def test_accessors_and_display():
    fit = survkit.cox("Surv(time, status) ~ age + factor(sex)", LUNG)
    assert fit.hazard_ratio("sex") == fit.hazard_ratio("sex=2")
    assert list(fit.summary.columns) == ["coef", "exp(coef)", "se(coef)", "z", "Pr(>|z|)", "lower .95", "upper .95"]
    assert repr(fit).startswith("Cox proportional hazards")
    page = fit._repr_html_()
    assert page.startswith("<p><b>Cox proportional hazards") and "<table" in page and "sex=2" in page
    assert survkit.fragility_counts((1, 59), (4, 41))._repr_html_().count("<table") == 1
    assert "&gt;" not in repr(fit)
    assert fit.warnings == []

    km = survkit.kaplan_meier("Surv(time, status) ~ sex", LUNG)
    assert km.median("1")["estimate"] == 270.0
    assert list(km.summary.columns) == ["strata", "time", "n.risk", "n.event", "survival", "std.err", "lower", "upper"]
    one = survkit.kaplan_meier("Surv(time, status) ~ 1", LUNG)
    assert one.median()["estimate"] == 310.0
    assert 0 < one.survival_at(365) < 1

    r = survkit.rmst("Surv(time, status) ~ sex", LUNG, tau=365)
    d = r.difference()
    assert d["estimate"] > 0 and d["lower"] < d["estimate"] < d["upper"]
    assert list(r.summary.index) == ["1", "2"]

    lr = survkit.logrank("Surv(time, status) ~ sex", LUNG)
    assert close(lr.summary["Observed"].sum(), lr.summary["Expected"].sum(), 1e-12)


@needs_cli
def test_km_plot_equals_cli(tmp_path):
    km = survkit.kaplan_meier("Surv(time, status) ~ sex", pd.read_csv(LUNG))
    figure = km.plot(ci=True, risk_table=True)
    assert figure._repr_svg_().startswith("<svg")
    out = tmp_path / "cli.svg"
    subprocess.run(
        [str(CLI), "plot", "km", "--time", "time", "--event", "status", "--group", "sex", "--ci", "--risk-table",
         "--output", str(out), str(LUNG)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    assert figure.svg == out.read_text()
    figure.save(tmp_path / "km.png")
    assert (tmp_path / "km.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="png or .svg"):
        figure.save(tmp_path / "km.gif")
    with pytest.raises(ValueError):
        km.plot(width=10)


def test_lookup_errors_name_what_exists():
    fit = survkit.cox("Surv(time, status) ~ age + factor(ph.ecog)", LUNG)
    with pytest.raises(ValueError, match="its terms are: age, ph.ecog=1, ph.ecog=2, ph.ecog=3"):
        fit.hazard_ratio("ph.ecog")
    km = survkit.kaplan_meier("Surv(time, status) ~ sex", LUNG)
    with pytest.raises(ValueError, match="the curves are: 1, 2"):
        km.median("3")
    with pytest.raises(ValueError, match="several curves"):
        km.median()
    with pytest.raises(ValueError, match="beyond the last follow-up"):
        km.survival_at(5000, group="1")


def test_warnings_are_issued_and_kept():
    # a model whose likelihood is monotone: every event in one arm
    frame = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6, 7, 8], "status": [1, 1, 1, 1, 0, 0, 0, 0],
                          "arm": [1, 1, 1, 1, 0, 0, 0, 0]})
    with pytest.warns(UserWarning):
        fit = survkit.cox("Surv(time, status) ~ arm", frame)
    assert fit.warnings and fit.warnings == fit.to_dict()["warnings"]


# (d) ------------------------------------------------------------------------------------------
# bad input: a clear ValueError (TypeError for the wrong kind of object), never a crash

def test_unknown_column():
    with pytest.raises(ValueError, match="the formula names column 'agee'.*the columns are: .*age"):
        survkit.cox("Surv(time, status) ~ agee", LUNG)
    with pytest.raises(ValueError, match="'agee'"):
        survkit.cox("Surv(time, status) ~ agee", pd.read_csv(LUNG))


def test_formula_typo_has_position():
    with pytest.raises(ValueError) as info:
        survkit.cox("Surv(time, status) ~ age +", LUNG)
    message = str(info.value)
    assert any(ch.isdigit() for ch in message), message
    with pytest.raises(ValueError):
        survkit.kaplan_meier("Surv(time status) ~ sex", LUNG)


def test_wrong_type():
    with pytest.raises(TypeError, match="pandas DataFrame"):
        survkit.cox("Surv(time, status) ~ age", [1, 2, 3])
    with pytest.raises(TypeError, match="pandas DataFrame"):
        survkit.kaplan_meier("Surv(time, status) ~ 1", {"time": [1], "status": [1]})


def test_empty_frame():
    with pytest.raises(ValueError, match="no rows"):
        survkit.cox("Surv(time, status) ~ age", pd.DataFrame({"time": [], "status": [], "age": []}))
    with pytest.raises(ValueError, match="no columns"):
        survkit.cox("Surv(time, status) ~ age", pd.DataFrame())


def test_infinite_values_and_dates():
    frame = pd.read_csv(LUNG)
    frame["age"] = frame["age"].astype(float)
    frame.loc[3, "age"] = np.inf
    with pytest.raises(ValueError, match="column 'age', row 3.*not finite"):
        survkit.cox("Surv(time, status) ~ age", frame)
    # dates are text, as a CSV file's dates are: fine unused, an error naming the column if used
    frame = pd.read_csv(LUNG)
    frame["when"] = pd.Timestamp("2020-01-01")
    assert survkit.cox("Surv(time, status) ~ age", frame).to_dict() == survkit.cox("Surv(time, status) ~ age", LUNG).to_dict()
    with pytest.raises(ValueError, match="when"):
        survkit.cox("Surv(time, status) ~ age + when", frame)


def test_missing_file_and_bad_options():
    with pytest.raises(ValueError, match="no_such.csv"):
        survkit.cox("Surv(time, status) ~ age", "no_such.csv")
    with pytest.raises(ValueError, match="ties"):
        survkit.cox("Surv(time, status) ~ age", LUNG, ties="eforn")
    with pytest.raises(ValueError):
        survkit.fragility_counts(treatment=(60, 59), control=(4, 41))
    with pytest.raises(ValueError):
        survkit.fragility_counts(treatment=(1,), control=(4, 41))
    with pytest.raises(ValueError):
        survkit.rmst("Surv(time, status) ~ sex", LUNG, tau=-1)


# (e) ------------------------------------------------------------------------------------------
# side by side with lifelines, when it is installed

def test_lifelines_side_by_side():
    lifelines = pytest.importorskip("lifelines")
    frame = pd.read_csv(LUNG)[["time", "status", "age", "sex"]].copy()
    frame["event"] = (frame["status"] == 2).astype(int)
    # lifelines stops at a looser tolerance by default; converge fully to compare the estimates
    cph = lifelines.CoxPHFitter().fit(
        frame[["time", "event", "age", "sex"]], "time", "event", fit_options={"precision": 1e-12, "r_precision": 1e-14}
    )
    fit = survkit.cox("Surv(time, status) ~ age + sex", frame)
    for term in ("age", "sex"):
        assert close(fit.coef(term), cph.params_[term], 1e-6)
        assert close(fit.summary.loc[term, "se(coef)"], cph.standard_errors_[term], 1e-6)
    kmf = lifelines.KaplanMeierFitter().fit(frame["time"], frame["event"])
    km = survkit.kaplan_meier("Surv(time, status) ~ 1", frame)
    for t, s in kmf.survival_function_.iloc[:, 0].items():
        if t <= km.summary["time"].max():
            assert abs(km.survival_at(t) - s) <= 1e-10


def test_lifelines_logrank_side_by_side():
    lifelines = pytest.importorskip("lifelines")
    from lifelines.statistics import logrank_test

    frame = pd.read_csv(LUNG)
    event = frame["status"] == 2
    men, women = frame["sex"] == 1, frame["sex"] == 2
    theirs = logrank_test(frame["time"][men], frame["time"][women], event[men], event[women])
    ours = survkit.logrank("Surv(time, status) ~ sex", frame)
    assert close(ours.to_dict()["statistic"], theirs.test_statistic, 1e-10)
    assert close(ours.p_value, theirs.p_value, 1e-8)


def test_lifelines_rmst_variance_is_not_that_of_the_mean():
    # documented in python/README.md: lifelines' RMST "variance" is that of min(T, tau) for one
    # participant (lifelines #1682); survkit's is survRM2's, the variance of the estimate
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import restricted_mean_survival_time

    frame = pd.read_csv(LUNG)
    kmf = lifelines.KaplanMeierFitter().fit(frame["time"], frame["status"] == 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's quad on the step function
        mean, variance = restricted_mean_survival_time(kmf, t=365, return_variance=True)
    arm = survkit.rmst("Surv(time, status) ~ 1", frame, tau=365).to_dict()["arms"][0]
    assert close(arm["rmst"], mean, 1e-10)
    assert abs(arm["se"] - 7.7989) < 1e-3 and abs(math.sqrt(variance) - 116.105) < 1e-2


def test_lifelines_nelson_aalen_and_log_log_limits_side_by_side():
    lifelines = pytest.importorskip("lifelines")
    frame = pd.read_csv(LUNG)
    event = frame["status"] == 2
    km = survkit.kaplan_meier("Surv(time, status) ~ 1", frame, conf_type="log-log", cumhaz=True)
    rows = pd.DataFrame(km.to_dict()["curves"][0]["table"]).set_index("time")
    naf = lifelines.NelsonAalenFitter(nelson_aalen_smoothing=False).fit(frame["time"], event)
    theirs = naf.cumulative_hazard_.iloc[:, 0]
    for t, h in theirs.items():
        if t in rows.index and rows.loc[t, "n_event"] > 0:
            assert close(rows.loc[t, "cumhaz"], h, 1e-10)
    kmf = lifelines.KaplanMeierFitter().fit(frame["time"], event)
    limits = kmf.confidence_interval_survival_function_
    for t in rows.index[rows["n_event"] > 0][:-1]:
        assert close(rows.loc[t, "lower"], limits.loc[t].iloc[0], 1e-6)
        assert close(rows.loc[t, "upper"], limits.loc[t].iloc[1], 1e-6)


FIGURES = [
    ("forest", lambda: survkit.cox("Surv(time, status) ~ age + sex", LUNG).plot("forest"), ["--covariates", "age,sex"]),
    ("schoenfeld", lambda: survkit.cox("Surv(time, status) ~ age + sex", LUNG).plot("schoenfeld"),
     ["--covariates", "age,sex"]),
    ("loglog", lambda: survkit.logrank("Surv(time, status) ~ sex", LUNG).plot(), ["--group", "sex"]),
    ("rmst", lambda: survkit.rmst("Surv(time, status) ~ sex", LUNG, tau=365).plot(), ["--group", "sex", "--tau", "365"]),
    ("rmst", lambda: survkit.kaplan_meier("Surv(time, status) ~ sex", LUNG).plot("rmst", tau=365),
     ["--group", "sex", "--tau", "365"]),
    ("bootstrap", lambda: survkit.bootstrap("Surv(time, status) ~ sex", LUNG, replicates=500, seed=4).plot(),
     ["--group", "sex", "--replicates", "500", "--seed", "4"]),
    ("fragility", lambda: survkit.fragility_survival("Surv(time, status) ~ sex", LUNG).plot(), ["--group", "sex"]),
]


@needs_cli
@pytest.mark.parametrize("kind,draw,flags", FIGURES)
def test_figures_equal_the_cli_plots(kind, draw, flags, tmp_path):
    out = tmp_path / f"{kind}.svg"
    subprocess.run(
        [str(CLI), "plot", kind, str(LUNG), "--time", "time", "--event", "status", *flags, "-o", str(out)],
        check=True, capture_output=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = draw()
    assert figure.svg == out.read_text()
    figure.save(tmp_path / "figure.png")
    assert (tmp_path / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_result_names_the_figures_it_draws():
    with pytest.raises(ValueError, match="CoxResult draws: forest, schoenfeld"):
        survkit.cox("Surv(time, status) ~ age", LUNG).plot("km")
    with pytest.raises(ValueError, match="draws no figure"):
        survkit.fragility_counts((1, 59), (4, 41)).plot()


def test_summaries_of_resampling_and_fragility():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = survkit.bootstrap("Surv(time, status) ~ sex", LUNG, replicates=300)
        perm = survkit.permutation("Surv(time, status) ~ sex", LUNG, permutations=300)
        flips = survkit.fragility_survival("Surv(time, status) ~ sex", LUNG)
    d = boot.to_dict()
    assert list(boot.summary.columns) == ["original", "bias", "std. error", "lower", "upper"]
    assert boot.summary.loc["percentile", "lower"] == d["ci"][0]["lower"]
    assert perm.summary.loc[0, "p (permutation)"] == perm.p_value == perm.to_dict()["p_value"]
    assert flips.fragility_index == len(flips.summary) == flips.to_dict()["fragility_index"]
    counts = survkit.fragility_counts((1, 59), (4, 41))
    assert counts.fragility_index == -1
    assert counts.summary.loc[1, "control events"] == 5
    assert abs(counts.summary.loc[1, "p_value"] - 0.04086302749778452) < 1e-15

