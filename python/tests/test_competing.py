"""Competing risks from Python (issue 17): cumulative incidence with Gray's tests, Fine–Gray,
the competing-risks bootstrap and the fragility of Gray's test, against the command line's
JSON and figures, R's cmprsk (tests/reference/competing.json), and bad input."""

import json
import subprocess
import warnings

import pandas as pd
import pytest

import survkit
from _support import CLI, DATASETS, REFERENCE, cli_json, close, needs_cli

MGUS = DATASETS / "mgus2_cr.csv"
BY_SEX = "Surv(time, status) ~ sex"

with open(REFERENCE / "competing.json", encoding="utf-8") as handle:
    R = {case["name"]: case for case in json.load(handle)["cases"]}


def quiet(call):
    """Runs an analysis whose warnings the test does not look at."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


# ---------------------------------------------------------------------------------------------
# the package's to_dict() is the CLI's JSON for the same analysis

CASES = [
    (survkit.cif, BY_SEX, {}, ["cif"]),
    (survkit.cif, "Surv(time, factor(status)) ~ sex", {"at": [60, 120], "tau": 240},
     ["cif", "--at", "60,120", "--tau", "240"]),
    (survkit.cif, "Surv(time, status) ~ 1", {"variance": "cuminc", "conf_type": "log-log", "conf_level": 0.9},
     ["cif", "--variance", "cuminc", "--conf-type", "log-log", "--conf-level", "0.9"]),
    (survkit.cif, "Surv(time, status) ~ agegrp + strata(sex)", {"rho": 1, "at": [100]},
     ["cif", "--rho", "1", "--at", "100"]),
    (survkit.finegray, "Surv(time, status) ~ age", {"cause": 1}, ["finegray", "--cause", "1"]),
    (survkit.finegray, "Surv(time, status) ~ age + sex + hgb", {"cause": "2", "conf_level": 0.9},
     ["finegray", "--cause", "2", "--conf-level", "0.9"]),
    (survkit.fragility_competing, BY_SEX, {"cause": 1}, ["fragility", "competing", "--cause", "1"]),
    (survkit.fragility_competing, BY_SEX, {"cause": 2, "flips": ["cause-censor"], "alpha": 0.01},
     ["fragility", "competing", "--cause", "2", "--flips", "cause-censor", "--alpha", "0.01"]),
    (survkit.bootstrap, BY_SEX, {"statistic": "cif-diff:120", "cause": 1, "replicates": 200, "seed": 3},
     ["bootstrap", "--statistic", "cif-diff:120", "--cause", "1", "--replicates", "200", "--seed", "3"]),
    (survkit.bootstrap, BY_SEX, {"statistic": "log-shr", "cause": 2, "replicates": 50, "threads": 1},
     ["bootstrap", "--statistic", "log-shr", "--cause", "2", "--replicates", "50", "--seed", "1"]),
]


@needs_cli
@pytest.mark.parametrize("fn,formula,options,command", CASES)
def test_equals_cli_json(fn, formula, options, command):
    ours = quiet(lambda: fn(formula, MGUS, **options))
    assert ours.to_dict() == cli_json(*command, str(MGUS), "--formula", formula)


@needs_cli
def test_text_and_json_bytes_equal_cli():
    fit = survkit.cif(BY_SEX, MGUS, at=[120])
    args = [str(CLI), "cif", str(MGUS), "--formula", BY_SEX, "--at", "120"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    assert str(fit) == text
    json_text = subprocess.run([*args, "--format", "json"], capture_output=True, text=True, check=True).stdout
    assert fit.to_json() == json_text


# ---------------------------------------------------------------------------------------------
# R's numbers (tests/reference/competing.json, made by tests/reference/make_competing_fixtures.R)


def test_gray_matches_cuminc():
    for name, formula, rho in [
        ("mgus2 cuminc by sex", BY_SEX, 0),
        ("mgus2 cuminc by age group, strata sex", "Surv(time, status) ~ agegrp + strata(sex)", 0),
        ("mgus2 cuminc by age group, rho 1", "Surv(time, status) ~ agegrp", 1),
    ]:
        gray = survkit.cif(formula, MGUS, rho=rho).gray
        for test in R[name]["gray"]:
            assert close(gray.loc[test["cause"], "statistic"], test["statistic"], 1e-8), name
            assert close(gray.loc[test["cause"], "p_value"], test["p_value"], 1e-8), name
            assert gray.loc[test["cause"], "df"] == test["df"]
    # cmprsk::cuminc(time, status, sex)$Tests["1", "stat"]
    assert close(survkit.cif(BY_SEX, MGUS).gray.loc["1", "statistic"], 1.19450782507551, 1e-10)


def test_finegray_matches_crr():
    # crr(time, status, cbind(age), failcode = 1)$coef
    assert close(survkit.finegray("Surv(time, status) ~ age", MGUS, cause=1).coef("age"), -0.0166515588829689, 1e-8)
    for name in ["mgus2 crr progression", "mgus2 crr death"]:
        case = R[name]
        fit = survkit.finegray("Surv(time, status) ~ sex + age + hgb", MGUS, cause=case["cause"])
        for term, coef, se in zip(["sex=M", "age", "hgb"], case["coef"], case["se"]):
            assert close(fit.coef(term), coef, 1e-6), (name, term)
            assert close(fit.summary.loc[term, "se"], se, 1e-6), (name, term)


def test_time_lost_matches_survfit():
    case = R["mgus2 rmtl by sex"]
    lost = survkit.cif(BY_SEX, MGUS, tau=case["tau"]).time_lost.set_index(["group", "cause"])
    for arm in case["arms"]:
        assert close(lost.loc[(arm["group"], arm["cause"]), "rmtl"], arm["rmtl"], 1e-8)
        assert close(lost.loc[(arm["group"], arm["cause"]), "se"], arm["se"], 1e-6)


# ---------------------------------------------------------------------------------------------
# accessors and summaries


def test_cif_accessors_agree_with_the_json():
    fit = survkit.cif(BY_SEX, MGUS, at=[60, 120])
    d = fit.to_dict()
    assert fit.causes == ["1", "2"]
    summary = fit.summary
    assert list(summary.columns) == ["group", "cause", "time", "n.risk", "cif", "se", "lower", "upper"]
    assert len(summary) == len(d["at"]) == 8
    for row, at in zip(summary.itertuples(index=False), d["at"]):
        assert (row.group, row.cause, row.time, row.cif) == (at["group"], at["cause"], at["time"], at["cif"])
        # the curve read at the same time, cause and group given as numbers or labels
        assert fit.cif_at(at["time"], int(at["cause"]), at["group"]) == at["cif"]
    assert fit.cif_at(120.5, "1.0", "M") == fit.cif_at(120, 1, "M")
    assert fit.cif_at(0, 2, "F") == 0.0
    # without `at`: each curve's last time, as the text table's first section
    last = survkit.cif(BY_SEX, MGUS).summary
    for row, curve in zip(last.itertuples(index=False), d["curves"]):
        assert (row.time, row.cif, row.upper) == (curve["time"][-1], curve["cif"][-1], curve["upper"][-1])
    overall = survkit.cif("Surv(time, status) ~ 1", MGUS)
    assert "group" not in overall.summary.columns and overall.gray.empty
    assert overall.cif_at(100, 1) == overall.to_dict()["curves"][0]["cif"][99]
    assert "<table" in fit._repr_html_()


def test_time_lost_and_its_contrasts():
    fit = survkit.cif(BY_SEX, MGUS, tau=120)
    d = fit.to_dict()
    assert fit.time_lost["rmtl"].tolist() == [r["rmtl"] for r in d["rmtl"]]
    contrasts = fit.time_lost_contrasts
    assert contrasts["difference"].tolist() == [c["difference"] for c in d["rmtl_contrasts"]]
    assert contrasts.loc[0, "group"] == "M" and contrasts.loc[0, "reference"] == "F"


def test_finegray_accessors_agree_with_the_json():
    fit = survkit.finegray("Surv(time, status) ~ age + sex", MGUS, cause=1, conf_level=0.9)
    term = fit.to_dict()["terms"][1]
    assert term["term"] == "sex=M"
    assert list(fit.summary.columns) == ["coef", "shr", "se", "lower", "upper", "p"]
    assert fit.hazard_ratio("sex") == fit.hazard_ratio("sex=M") == term["hr"] == fit.summary.loc["sex=M", "shr"]
    assert fit.coef("sex") == term["coef"]
    assert fit.p_value("sex") == term["p_value"]
    assert fit.conf_int("sex") == (term["lower"], term["upper"])


def test_a_term_without_estimate_is_nan_or_an_error():
    # no failures from cause 1 in arm b: crr's pseudo-likelihood has no maximum
    data = pd.DataFrame({
        "t": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        "s": [1, 1, 2, 0, 1, 2, 2, 0, 2, 2],
        "arm": ["a"] * 5 + ["b"] * 5,
    })
    with pytest.warns(UserWarning):
        fit = survkit.finegray("Surv(t, s) ~ arm", data, cause=1)
    assert fit.summary.loc["arm=b"].isna().all()
    for accessor in (fit.hazard_ratio, fit.coef, fit.p_value, fit.conf_int):
        with pytest.raises(ValueError, match="of term 'arm=b' is not estimable"):
            accessor("arm")
    with pytest.raises(ValueError, match="no term 'age'; its terms are: arm=b"):
        fit.coef("age")


def test_fragility_path_and_bootstrap_summary():
    flips = survkit.fragility_competing(BY_SEX, MGUS, cause=1)
    d = flips.to_dict()
    assert flips.fragility_index == d["fragility_index"]
    assert abs(flips.fragility_index) == len(flips.summary) == len(d["path"])
    assert flips.summary["p_value"].tolist() == [step["p_value"] for step in d["path"]]
    assert flips.p_value == d["p_value"]
    boot = survkit.bootstrap(BY_SEX, MGUS, statistic="cif-diff:120", cause=1, replicates=100)
    at = survkit.cif(BY_SEX, MGUS, at=[120]).summary.set_index(["group", "cause"])["cif"]
    assert abs(boot.to_dict()["estimate"] - (at[("M", "1")] - at[("F", "1")])) < 1e-14
    assert boot.summary.loc["percentile", "original"] == boot.to_dict()["estimate"]


# ---------------------------------------------------------------------------------------------
# data: frames, labels, the censoring value and the cause as numbers or text


def test_string_labels_with_a_censoring_label():
    frame = pd.read_csv(MGUS)
    labelled = frame.assign(status=frame["status"].map({0: "censored", 1: "pcm", 2: "death"}))
    fit = survkit.cif(BY_SEX, labelled, censor_value="censored", at=[120])
    assert fit.causes == ["death", "pcm"]  # R's factor() order
    numeric = survkit.cif(BY_SEX, MGUS, at=[120])
    assert fit.gray.loc["pcm", "statistic"] == numeric.gray.loc["1", "statistic"]
    assert fit.cif_at(120, "pcm", "F") == numeric.cif_at(120, 1, "F")
    fg = survkit.finegray("Surv(time, status) ~ age", labelled, cause="pcm", censor_value="censored")
    assert fg.coef("age") == survkit.finegray("Surv(time, status) ~ age", MGUS, cause=1).coef("age")
    flips = survkit.fragility_competing(BY_SEX, labelled, cause="pcm", censor_value="censored")
    assert flips.fragility_index == survkit.fragility_competing(BY_SEX, MGUS, cause=1).fragility_index


def test_censor_value_and_cause_as_numbers_or_text():
    frame = pd.read_csv(MGUS)
    reference = survkit.cif(BY_SEX, MGUS, at=[120]).to_dict()
    floats = frame.assign(status=frame["status"].astype("float64"))
    texts = frame.assign(status=frame["status"].astype(str))
    for data, censor in [(frame, 0), (frame, "0"), (frame, 0.0), (floats, 0), (texts, "0"), (texts, 0)]:
        d = survkit.cif(BY_SEX, data, censor_value=censor, at=[120]).to_dict()
        assert d["at"] == reference["at"] and d["gray"] == reference["gray"], (data["status"].dtype, censor)
    coef = survkit.finegray("Surv(time, status) ~ age", MGUS, cause=1).coef("age")
    for cause in (1, "1", 1.0):
        assert survkit.finegray("Surv(time, status) ~ age", floats, cause=cause).coef("age") == coef


def test_polars_and_pyarrow_frames():
    frame = pd.read_csv(MGUS)
    reference = survkit.cif(BY_SEX, MGUS, at=[120]).to_dict()
    tried = 0
    for module, convert in [("polars", lambda pl: pl.from_pandas(frame)), ("pyarrow", lambda pa: pa.table(frame))]:
        try:
            lib = __import__(module)
        except ImportError:
            continue
        tried += 1
        data = convert(lib)
        assert survkit.cif(BY_SEX, data, at=[120]).to_dict() == reference, module
        assert survkit.finegray("Surv(time, status) ~ age", data, cause=1).to_dict()["terms"] == \
            survkit.finegray("Surv(time, status) ~ age", MGUS, cause=1).to_dict()["terms"], module
    if not tried:
        pytest.skip("neither polars nor pyarrow is installed")


# ---------------------------------------------------------------------------------------------
# figures: byte for byte the SVG of `survkit plot`

FIGURES = [
    ("cif", lambda: survkit.cif(BY_SEX, MGUS).plot(ci=True, risk_table=True), ["--ci", "--risk-table"]),
    ("cif", lambda: survkit.cif(BY_SEX, MGUS).plot(layout="stacked"), ["--layout", "stacked"]),
    ("cif", lambda: survkit.cif(BY_SEX, MGUS, conf_type="log-log").plot("cif", layout="side-by-side", ci=True),
     ["--layout", "side-by-side", "--ci", "--conf-type", "log-log"]),
    ("bootstrap",
     lambda: survkit.bootstrap(BY_SEX, MGUS, statistic="cif-diff:120", cause=1, replicates=200, seed=5).plot(),
     ["--statistic", "cif-diff:120", "--cause", "1", "--replicates", "200", "--seed", "5"]),
]


@needs_cli
@pytest.mark.parametrize("kind,draw,flags", FIGURES)
def test_figures_equal_the_cli_plots(kind, draw, flags, tmp_path):
    out = tmp_path / f"{kind}.svg"
    subprocess.run(
        [str(CLI), "plot", kind, str(MGUS), "--formula", BY_SEX, *flags, "-o", str(out)],
        check=True, capture_output=True,
    )
    figure = quiet(draw)
    assert figure.svg == out.read_text()
    figure.save(tmp_path / "figure.png")
    assert (tmp_path / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------
# bad input


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="'status == 1': a status of causes has no event value"):
        survkit.cif("Surv(time, status == 1) ~ sex", MGUS)
    with pytest.raises(ValueError, match="a status of causes has no event value"):
        survkit.finegray("Surv(time, status == 1) ~ age", MGUS, cause=1)
    with pytest.raises(ValueError, match="there is no cause '3'; the causes are: 1, 2"):
        survkit.finegray("Surv(time, status) ~ age", MGUS, cause=3)
    with pytest.raises(ValueError, match="there is no cause '3'; the causes are: 1, 2"):
        survkit.fragility_competing(BY_SEX, MGUS, cause=3)
    with pytest.raises(ValueError, match="there is no cause '3'; the causes are: 1, 2"):
        survkit.bootstrap(BY_SEX, MGUS, statistic="log-shr", cause=3, replicates=10)
    with pytest.raises(ValueError, match="log-shr needs cause=K"):
        survkit.bootstrap(BY_SEX, MGUS, statistic="log-shr", replicates=10)
    with pytest.raises(ValueError, match="cause= applies to cif-diff:T and log-shr, not to log-hr"):
        survkit.bootstrap(BY_SEX, MGUS, cause=1, replicates=10)
    with pytest.raises(ValueError, match="crr's Fine–Gray fit has no strata or clusters"):
        survkit.finegray("Surv(time, status) ~ age + strata(sex)", MGUS, cause=1)
    with pytest.raises(ValueError, match="unknown flip 'both'"):
        survkit.fragility_competing(BY_SEX, MGUS, cause=1, flips="both")
    fit = survkit.cif(BY_SEX, MGUS)
    with pytest.raises(ValueError, match="there is no cause '3'; the causes are: 1, 2"):
        fit.cif_at(10, 3, "F")
    with pytest.raises(ValueError, match="several groups; name one with group=: F, M"):
        fit.cif_at(10, 1)
    with pytest.raises(ValueError, match="there is no group 'X'; the groups are: F, M"):
        fit.cif_at(10, 1, "X")
    with pytest.raises(ValueError, match=r"beyond the last follow-up \(394\) of group 'F'"):
        fit.cif_at(1000, 1, "F")
    with pytest.raises(ValueError, match="needs τ"):
        fit.time_lost
    with pytest.raises(ValueError, match="bands are not drawn on stacked"):
        fit.plot(layout="stacked", ci=True)
    with pytest.raises(ValueError, match="unknown layout 'grid'"):
        fit.plot(layout="grid")
    with pytest.raises(ValueError, match="draws no figure"):
        survkit.fragility_competing(BY_SEX, MGUS, cause=1).plot()
    with pytest.raises(ValueError, match="variance 'delta'"):
        survkit.cif(BY_SEX, MGUS, variance="delta")
