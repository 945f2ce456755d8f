"""Function and survival from Python (issue 18): win statistics and the CAFS test against the
command line's JSON, text and ranks, pandas input, more than two arms, and bad input."""

import subprocess
import warnings

import pandas as pd
import pytest

import survkit
from _support import CLI, DATASETS, cli_json, needs_cli

ALS = DATASETS / "als" / "als_function_survival_synthetic.csv"
COLUMNS = {"time": "time_weeks", "event": "death", "group": "arm", "score": "alsfrs_change"}
FLAGS = ["--time", "time_weeks", "--event", "death", "--group", "arm", "--score", "alsfrs_change"]


def quiet(call):
    """Runs an analysis whose warnings the test does not look at."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


@pytest.fixture(scope="module")
def three_arms(tmp_path_factory):
    """The ALS data with the active arm split by onset: placebo, active and active_bulbar."""
    frame = pd.read_csv(ALS)
    bulbar = (frame["arm"] == "active") & (frame["onset"] == "bulbar")
    frame.loc[bulbar, "arm"] = "active_bulbar"
    path = tmp_path_factory.mktemp("win") / "als_three_arms.csv"
    frame.to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------------------------
# the package's to_dict() is the CLI's JSON for the same analysis

CASES = [
    (survkit.win, {}, ["win"]),
    (survkit.win, {"lower_is_better": True, "threshold": 2}, ["win", "--lower-is-better", "--threshold", "2"]),
    (survkit.win, {"strata": "onset", "reference": "placebo", "conf_level": 0.9},
     ["win", "--strata", "onset", "--reference", "placebo", "--conf-level", "0.9"]),
    (survkit.win, {"fragility": True, "alpha": 0.05}, ["win", "--fragility", "--alpha", "0.05"]),
    (survkit.win, {"threshold": 2, "then": "fvc_change:higher:5"},
     ["win", "--threshold", "2", "--then", "fvc_change:higher:5"]),
    (survkit.win, {"then": ["fvc_change:lower", "alsfrs_change"], "strata": "onset"},
     ["win", "--then", "fvc_change:lower", "--then", "alsfrs_change", "--strata", "onset"]),
    (survkit.win, {"bootstrap": 300, "seed": 3, "threads": 1}, ["win", "--bootstrap", "300", "--seed", "3"]),
    (survkit.cafs, {"seed": 7}, ["cafs", "--seed", "7"]),
    (survkit.cafs, {"seed": 7, "then": ["fvc_change"]}, ["cafs", "--seed", "7", "--then", "fvc_change"]),
    (survkit.cafs, {"lower_is_better": True, "threshold": 1, "permutations": 500, "seed": 3, "threads": 1,
                    "fragility": True},
     ["cafs", "--lower-is-better", "--threshold", "1", "--permutations", "500", "--seed", "3", "--fragility"]),
]


@needs_cli
@pytest.mark.parametrize("fn,options,command", CASES)
def test_equals_cli_json(fn, options, command):
    ours = quiet(lambda: fn(ALS, **COLUMNS, **options))
    assert ours.to_dict() == cli_json(*command, str(ALS), *FLAGS)


@needs_cli
@pytest.mark.parametrize("options,flags", [
    ({"reference": "placebo", "adjust": "holm"}, ["--reference", "placebo", "--adjust", "holm"]),
    ({"compare": "active_bulbar,active"}, ["--compare", "active_bulbar,active"]),
    ({"compare": ("active", "placebo"), "strata": "onset"}, ["--compare", "active,placebo", "--strata", "onset"]),
])
def test_arms_equal_cli_json(three_arms, options, flags):
    ours = quiet(lambda: survkit.win(three_arms, **COLUMNS, **options))
    assert ours.to_dict() == cli_json("win", str(three_arms), *FLAGS, *flags)


@needs_cli
@pytest.mark.parametrize("options,flags", [
    ({"reference": "placebo", "adjust": "holm"}, ["--reference", "placebo", "--adjust", "holm"]),
    ({"compare": "active_bulbar,placebo"}, ["--compare", "active_bulbar,placebo"]),
])
def test_cafs_arms_equal_cli_json(three_arms, options, flags):
    ours = quiet(lambda: survkit.cafs(three_arms, **COLUMNS, **options, seed=5, permutations=300))
    assert ours.to_dict() == cli_json(
        "cafs", str(three_arms), *FLAGS, *flags, "--seed", "5", "--permutations", "300"
    )
    assert set(ours.arms) <= {"active", "active_bulbar"}
    for arm in ours.arms:
        assert ours.comparison(arm)["p_value"] == ours.summary.loc[(arm, "placebo"), "p_value"]
    with pytest.raises(ValueError, match="several arms"):
        ours.ranks


@needs_cli
@pytest.mark.parametrize("fn,options,flags", [(survkit.win, {}, []), (survkit.cafs, {"seed": 7}, ["--seed", "7"])])
def test_text_and_json_bytes_equal_cli(fn, options, flags):
    fit = fn(ALS, **COLUMNS, **options)
    args = [str(CLI), fn.__name__, str(ALS), *FLAGS, *flags]
    assert str(fit) == subprocess.run(args, capture_output=True, text=True, check=True).stdout
    json_text = subprocess.run([*args, "--format", "json"], capture_output=True, text=True, check=True).stdout
    assert fit.to_json() == json_text


@needs_cli
def test_cafs_ranks_equal_cli_file(tmp_path):
    path = tmp_path / "ranks.csv"
    subprocess.run([str(CLI), "cafs", str(ALS), *FLAGS, "--seed", "7", "--ranks", str(path)],
                   capture_output=True, check=True)
    ranks = survkit.cafs(ALS, **COLUMNS, seed=7).ranks
    pd.testing.assert_frame_equal(ranks, pd.read_csv(path, dtype={"group": str}))
    assert list(ranks.columns) == ["line", "group", "time", "death", "score", "rank"]


# ---------------------------------------------------------------------------------------------
# the accessors and tables


def test_win_accessors_and_summary():
    fit = survkit.win(ALS, **COLUMNS)
    d = fit.to_dict()
    assert (d["reference"], d["treated"], fit.arms) == ("active", "placebo", ["placebo"])
    assert fit.win_ratio == d["win_ratio"]
    assert abs(fit.win_ratio["estimate"] - 5825 / 8037) < 1e-15
    assert fit.net_benefit["estimate"] == pytest.approx((5825 - 8037) / 14400, abs=1e-15)
    summary = fit.summary
    assert list(summary.index) == ["win ratio", "win odds", "net benefit"]
    assert list(summary.columns) == ["estimate", "se", "lower", "upper", "p_value"]
    assert summary.loc["win odds", "upper"] == d["win_odds"]["upper"]
    assert fit.comparison() == fit.comparison("placebo")
    assert fit.fragility is None and fit.fragility_index is None
    with pytest.raises(ValueError, match="fragility=True"):
        fit.fragility_path


def test_win_fragility_path():
    fit = survkit.win(ALS, **COLUMNS, fragility=True)
    assert fit.fragility_index == 1
    path = fit.fragility_path
    assert (path.loc[0, "line"], path.loc[0, "change"]) == (55, "death-to-alive")


def test_win_reference_turns_the_estimates_over():
    default = survkit.win(ALS, **COLUMNS).win_ratio["estimate"]
    turned = survkit.win(ALS, **COLUMNS, reference="placebo").win_ratio["estimate"]
    assert turned == pytest.approx(1 / default, rel=1e-14)


def test_win_several_arms(three_arms):
    fit = quiet(lambda: survkit.win(three_arms, **COLUMNS, reference="placebo", adjust="holm"))
    assert fit.arms == ["active", "active_bulbar"]
    summary = fit.summary
    assert summary.index.names == ["arm", "measure"]
    assert summary.shape == (6, 6)
    first = fit.comparison("active")
    assert summary.loc[("active", "win ratio"), "p_adjusted"] == first["p_adjusted"]
    assert pd.isna(summary.loc[("active", "net benefit"), "p_adjusted"])
    assert summary.loc[("active_bulbar", "win odds"), "estimate"] == fit.comparison("active_bulbar")["win_odds"]["estimate"]
    with pytest.raises(ValueError, match="active, active_bulbar"):
        fit.win_ratio
    with pytest.raises(ValueError, match="no arm 'placebo'"):
        fit.comparison("placebo")


def test_cafs_accessors_and_summary():
    fit = survkit.cafs(ALS, **COLUMNS, seed=7)
    d = fit.to_dict()
    assert fit.p_value == d["p_value"] and fit.permutation_p_value == d["permutation_p_value"]
    assert fit.finkelstein_schoenfeld["statistic"] == -2212
    summary = fit.summary
    assert list(summary.index) == ["active", "placebo"]
    assert list(summary["n"]) == [120, 120]
    assert summary.loc["active", "mean_rank"] == 129.8625
    ranks = fit.ranks
    assert ranks.groupby("group")["rank"].mean().to_dict() == pytest.approx(summary["mean_rank"].to_dict())
    # the result does not depend on the thread count
    assert survkit.cafs(ALS, **COLUMNS, seed=7, threads=1).to_dict() == d


def test_data_frames_give_the_file_numbers():
    frame = pd.read_csv(ALS)
    for fn, options in [(survkit.win, {"strata": "onset"}), (survkit.cafs, {"seed": 2, "permutations": 300})]:
        assert fn(frame, **COLUMNS, **options).to_dict() == fn(ALS, **COLUMNS, **options).to_dict()


def test_polars_gives_the_file_numbers():
    polars = pytest.importorskip("polars")
    frame = polars.read_csv(ALS)
    assert survkit.win(frame, **COLUMNS).to_dict() == survkit.win(ALS, **COLUMNS).to_dict()


def test_missing_scores_are_compared_on_death_and_warned():
    frame = pd.read_csv(ALS)
    frame.loc[[0, 5], "alsfrs_change"] = None
    with pytest.warns(UserWarning, match="2 participants have no score"):
        fit = survkit.win(frame, **COLUMNS)
    assert fit.to_dict()["n_reference"] + fit.to_dict()["n_treated"] == len(frame)


# ---------------------------------------------------------------------------------------------
# bad input


def test_bad_column_names_the_columns():
    with pytest.raises(ValueError, match=r"no column named 'alsfrs_chang'.*alsfrs_change"):
        survkit.win(ALS, **{**COLUMNS, "score": "alsfrs_chang"})
    with pytest.raises(ValueError, match="no column named 'group'"):
        survkit.cafs(pd.read_csv(ALS), **{**COLUMNS, "group": "group"})


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="tie margin"):
        survkit.win(ALS, **COLUMNS, threshold=-1)
    with pytest.raises(ValueError, match="unknown adjustment"):
        survkit.win(ALS, **COLUMNS, adjust="sidak")
    with pytest.raises(ValueError, match="no level|'nobody'"):
        survkit.win(ALS, **COLUMNS, reference="nobody")
    with pytest.raises(ValueError, match="compare expects"):
        survkit.win(ALS, **COLUMNS, compare="active")
    with pytest.raises(ValueError, match="unknown method"):
        survkit.cafs(ALS, **COLUMNS, method="bootstrap")
    with pytest.raises(ValueError, match="permutations must be"):
        survkit.cafs(ALS, **COLUMNS, permutations=0)
    with pytest.raises(TypeError):
        survkit.win(ALS, "time_weeks", "death", "arm", "alsfrs_change")


def test_one_arm_is_refused():
    frame = pd.read_csv(ALS)
    placebo = frame[frame["arm"] == "placebo"]
    with pytest.raises(ValueError, match="1 level"):
        survkit.cafs(placebo, **COLUMNS)
