"""survkit: survival analysis for clinical trials with R's numbers, from Python.

Every function takes an R-style formula, then the data (a pandas DataFrame, a polars
DataFrame or pyarrow Table, read through the Arrow PyCapsule interface, a CSV path, or anything
with ``.to_pandas()``), then keyword
options with the command line's names and defaults. Each returns a result whose ``to_dict()``
is exactly the JSON ``survkit <command> --format json`` prints for the same analysis, whose
``repr``/``str`` is the command line's text table, and whose ``summary`` is a pandas DataFrame.

Bad input (an unknown column, a formula typo, an empty table) raises ``ValueError`` with
survkit's message; data of the wrong type raises ``TypeError``.
"""

from __future__ import annotations

import html
import json
import os
import warnings as _warnings
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import pandas as pd

from . import _survkit

__all__ = [
    "Result",
    "Figure",
    "CoxResult",
    "KaplanMeierResult",
    "RmstResult",
    "LogRankResult",
    "BootstrapResult",
    "FragilityResult",
    "PermutationResult",
    "cox",
    "kaplan_meier",
    "logrank",
    "rmst",
    "kaplan_meier_counts",
    "logrank_counts",
    "rmst_counts",
    "fragility_counts",
    "bootstrap",
    "permutation",
    "fragility_survival",
    "reconstruct",
    "ReconstructResult",
    "CifResult",
    "FineGrayResult",
    "CompetingFragilityResult",
    "cif",
    "finegray",
    "fragility_competing",
    "WinResult",
    "CafsResult",
    "win",
    "cafs",
]

__version__ = "0.1.0"

Data = Union[pd.DataFrame, str, "os.PathLike[str]", Any]


# ---------------------------------------------------------------------------------------------
# data in


def _numeric(series: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for missing (bools as 0/1, nullable NA as NaN)."""
    if isinstance(series.dtype, np.dtype):
        # a plain numpy column has no NA besides NaN: no pandas missing-value pass
        return series.to_numpy(dtype="float64", copy=False)
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _labels(series: pd.Series) -> List[Optional[str]]:
    """A column as text labels, None where missing."""
    values = series.astype(object).tolist()
    return [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else str(v) for v in values]


def _is_numeric(series: pd.Series) -> bool:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    return bool(pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
    ))


def _table(data: Data) -> "_survkit.Table":
    """The data as survkit's table: a path is read by survkit itself (Parquet, Arrow IPC or
    CSV, by its extension, as the command line reads it); a polars or pyarrow
    table goes through the Arrow C stream; a pandas frame's columns become float64 numbers,
    categorical labels (factors) or text labels."""
    if isinstance(data, (str, os.PathLike)):
        return _survkit.read_csv(os.fspath(data))
    frame = data
    stream = getattr(data, "__arrow_c_stream__", None)
    if not isinstance(frame, pd.DataFrame) and callable(stream):
        # polars and pyarrow: the Arrow PyCapsule interface, numeric columns read from the
        # Arrow buffers (no pandas conversion); rows counted from 0 in messages
        kind = type(data).__name__
        if len(getattr(data, "columns", None) or getattr(data, "column_names", None) or []) == 0:
            raise ValueError(f"the {kind} has no columns")
        if len(data) == 0:
            raise ValueError(f"the {kind} has no rows")
        return _survkit.from_arrow_stream(kind, stream())
    if not isinstance(frame, pd.DataFrame):
        to_pandas = getattr(frame, "to_pandas", None)
        if to_pandas is None or not callable(to_pandas):
            raise TypeError(
                "data must be a pandas DataFrame, a CSV path (str or pathlib.Path), or a table with "
                f".to_pandas() (polars, pyarrow); got {type(data).__name__}"
            )
        frame = to_pandas()
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{type(data).__name__}.to_pandas() did not return a pandas DataFrame")
    if frame.shape[1] == 0:
        raise ValueError("the data frame has no columns")
    if frame.shape[0] == 0:
        raise ValueError("the data frame has no rows")
    names = [str(name) for name in frame.columns]
    if len(set(names)) != len(names):
        seen = set()
        dup = next(n for n in names if n in seen or seen.add(n))
        raise ValueError(f"the data frame has two columns named '{dup}'")
    columns = []
    for name, (_, series) in zip(names, frame.items()):
        if _is_numeric(series):
            values = np.ascontiguousarray(_numeric(series))
            infinite = np.flatnonzero(np.isinf(values))
            if infinite.size:
                row = int(infinite[0])
                raise ValueError(
                    f"column '{name}', row {row} (index {frame.index[row]!r}): the value "
                    f"{values[row]} is not finite"
                )
            columns.append((name, "numeric", values.tobytes()))
        elif isinstance(series.dtype, pd.CategoricalDtype):
            # a factor, as R takes a factor column, even when its labels are numbers
            columns.append((name, "categorical", _labels(series)))
        else:
            columns.append((name, "labels", _labels(series)))
    return _survkit.from_columns("data frame", columns)


# ---------------------------------------------------------------------------------------------
# results


class Result:
    """A survkit result: ``to_dict()`` is the command line's JSON, ``str()`` its text table."""

    #: the figures ``plot(kind)`` draws for this result, the first the default
    _figures: Tuple[str, ...] = ()

    def __init__(
        self,
        fitted: "_survkit.Fitted",
        source: Optional[Tuple["_survkit.Table", str]] = None,
        figure_options: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._fitted = fitted
        self._source = source
        self._figure_options = dict(figure_options or {})
        self._dict: Dict[str, Any] = json.loads(fitted.json)
        self.warnings: List[str] = self._warnings()
        for message in self.warnings:
            _warnings.warn(message, stacklevel=3)

    def _warnings(self) -> List[str]:
        """The result's warnings, as the command line reports them."""
        return [str(w) for w in self._dict.get("warnings") or []]

    def plot(
        self,
        kind: Optional[str] = None,
        width: int = 900,
        height: Optional[int] = None,
        title: Optional[str] = None,
        **options: Any,
    ) -> "Figure":
        """A figure of the analysis, as ``survkit plot KIND`` draws it (shown inline in Jupyter;
        ``.save("fig.png")``). Cox fits draw ``forest`` and ``schoenfeld``; Kaplan–Meier and
        log-rank results ``loglog`` (and ``km``, ``rmst`` for Kaplan–Meier); RMST results
        ``rmst``; bootstraps their ``bootstrap`` histogram; survival fragility its
        ``fragility`` path; cumulative incidence ``cif``. ``height`` defaults to 640 pixels
        (the forest plot: the height its rows need). ``options`` override the analysis's own
        (e.g. ``tau=365``)."""
        if not self._figures or self._source is None:
            raise ValueError(f"{type(self).__name__} draws no figure")
        kind = kind or self._figures[0]
        if kind not in self._figures:
            raise ValueError(
                f"unknown plot kind '{kind}'; {type(self).__name__} draws: {', '.join(self._figures)}"
            )
        table, formula = self._source
        merged = {**self._figure_options, **options}

        def draw(png: bool) -> bytes:
            rows = None if height is None else int(height)
            return _survkit.figure(kind, table, formula, png, int(width), rows, title, merged)

        figure = Figure(draw)
        figure.svg  # drawn now, so bad options fail here
        return figure

    def to_dict(self) -> Dict[str, Any]:
        """The result as a dict: ``json.loads`` of the command line's ``--format json`` output."""
        return json.loads(self._fitted.json)

    def to_json(self) -> str:
        """The command line's ``--format json`` output, byte for byte."""
        return self._fitted.json

    @property
    def summary(self) -> Optional[pd.DataFrame]:
        """The main table as a pandas DataFrame (None where the result has none)."""
        return None

    def __str__(self) -> str:
        return self._fitted.text

    def __repr__(self) -> str:
        return self._fitted.text

    def _repr_html_(self) -> str:
        """A notebook's view: the summary as an HTML table (the text table where there is no
        summary), then the warnings."""
        summary = self.summary
        if summary is None:
            body = "<pre>" + html.escape(self._fitted.text) + "</pre>"
        else:
            title = html.escape(self._fitted.text.strip().splitlines()[0]) if self._fitted.text.strip() else ""
            body = f"<p><b>{title}</b></p>" + summary.to_html(float_format=lambda x: f"{x:.4g}", na_rep="NA")
        if self.warnings:
            items = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
            body += f"<p>Warnings:</p><ul>{items}</ul>"
        return body


class CoxResult(Result):
    """A Cox proportional-hazards fit."""

    _figures = ("forest", "schoenfeld")

    def _term(self, term: str) -> Tuple[float, float, float, float, float]:
        return self._fitted.cox_term(term)

    def hazard_ratio(self, term: str) -> float:
        """exp(β) of a term: a covariate (``"age"``), a factor level (``"sex=2"``), or a two-level
        factor's column (``"sex"``). Raises ValueError naming the terms that exist."""
        return self._term(term)[0]

    def coef(self, term: str) -> float:
        """The coefficient β (log hazard ratio) of a term."""
        return self._term(term)[1]

    def p_value(self, term: str) -> float:
        """The Wald p-value of a term."""
        return self._term(term)[2]

    def conf_int(self, term: str) -> Tuple[float, float]:
        """The confidence limits of a term's hazard ratio, at the fit's level."""
        t = self._term(term)
        return (t[3], t[4])

    @property
    def summary(self) -> pd.DataFrame:
        """R's ``summary(coxph)`` table: coef, exp(coef), se(coef), z, Pr(>|z|), lower .95,
        upper .95, one row per term (NaN where not estimable)."""
        d = self._dict
        level = d.get("conf_level", 0.95)
        suffix = f"{level:g}".lstrip("0")
        rows = []
        for t in d["terms"]:
            rows.append({
                "coef": t.get("coef"),
                "exp(coef)": t.get("hr"),
                "se(coef)": t.get("se"),
                "z": t.get("z"),
                "Pr(>|z|)": t.get("p_value"),
                f"lower {suffix}": t.get("hr_lower"),
                f"upper {suffix}": t.get("hr_upper"),
            })
        frame = pd.DataFrame(rows, index=[t["term"] for t in d["terms"]], dtype="float64")
        return frame


def _curve_name(curve: Dict[str, Any]) -> str:
    group, stratum = curve.get("group"), curve.get("stratum")
    if group is not None and stratum is not None:
        return f"{group}, {stratum}"
    if group is not None:
        return str(group)
    if stratum is not None:
        return str(stratum)
    return "all"


class Figure:
    """A figure drawn by survkit: shown inline in Jupyter (SVG); ``save("km.png")`` or
    ``save("km.svg")`` writes it (the format from the extension); ``svg`` is the SVG text."""

    def __init__(self, draw: Any) -> None:
        self._draw = draw
        self._svg: Optional[str] = None

    @property
    def svg(self) -> str:
        """The figure as SVG text."""
        if self._svg is None:
            self._svg = bytes(self._draw(False)).decode("utf-8")
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return "<survkit figure (SVG; .save('figure.png') or .save('figure.svg') to write it)>"

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the figure to ``path``: PNG for ``.png``, SVG for ``.svg``."""
        path = os.fspath(path)
        suffix = os.path.splitext(path)[1].lower()
        if suffix == ".png":
            data = bytes(self._draw(True))
        elif suffix == ".svg":
            data = self.svg.encode("utf-8")
        else:
            raise ValueError(f"cannot tell the image format of '{path}': use a .png or .svg name")
        with open(path, "wb") as out:
            out.write(data)


class KaplanMeierResult(Result):
    """Kaplan–Meier curves."""

    _figures = ("km", "rmst", "loglog")

    def __init__(
        self, fitted: "_survkit.Fitted", table: Optional["_survkit.Table"], formula: str, conf_level: float
    ) -> None:
        # curves from counts (table None) draw no figure: the figures read participants' rows
        super().__init__(fitted, None if table is None else (table, formula), {"conf_level": conf_level})
        self._table, self._formula, self._conf_level = table, formula, conf_level

    def plot(
        self,
        kind: str = "km",
        ci: bool = False,
        risk_table: bool = False,
        median: bool = False,
        width: int = 900,
        height: int = 640,
        title: Optional[str] = None,
        **options: Any,
    ) -> Figure:
        """The curves as a figure (as ``survkit plot km``): ``ci`` pointwise bands,
        ``risk_table`` the number at risk under the axis, ``median`` the median lines;
        ``kind="rmst"`` shades the area up to τ (``tau=``), ``kind="loglog"`` draws
        log(−log S) against log t."""
        if kind != "km" or self._table is None:
            return super().plot(kind, width=width, height=height, title=title, **options)
        table, formula, level = self._table, self._formula, self._conf_level

        def draw(png: bool) -> bytes:
            return _survkit.km_plot(
                table, formula, level, png, int(width), int(height), bool(ci), bool(risk_table), bool(median), title
            )

        figure = Figure(draw)
        figure.svg  # drawn now, so bad options fail here
        return figure

    def _group(self, group: Optional[str]) -> str:
        if group is not None:
            return str(group)
        curves = self._dict["curves"]
        if len(curves) == 1:
            return _curve_name(curves[0])
        raise ValueError(
            "there are several curves; name one with group=: "
            + ", ".join(_curve_name(c) for c in curves)
        )

    def median(self, group: Optional[str] = None) -> Dict[str, Optional[float]]:
        """The median survival time of a curve with its limits: ``{"estimate", "lower",
        "upper"}``, None where not reached. ``group`` may be omitted for a single curve."""
        return json.loads(self._fitted.km_median(self._group(group)))

    def survival_at(self, t: float, group: Optional[str] = None) -> float:
        """S(t) of a curve (the last step at or before t); ValueError beyond the follow-up."""
        return self._fitted.km_survival_at(self._group(group), float(t))

    @property
    def summary(self) -> pd.DataFrame:
        """R's ``summary(survfit)`` columns: time, n.risk, n.event, survival, std.err, lower,
        upper; with a ``strata`` column first when there are several curves."""
        frames = []
        curves = self._dict["curves"]
        for curve in curves:
            frame = pd.DataFrame(curve["table"], columns=[
                "time", "n_risk", "n_event", "survival", "std_err", "lower", "upper"])
            frame.columns = ["time", "n.risk", "n.event", "survival", "std.err", "lower", "upper"]
            if len(curves) > 1:
                frame.insert(0, "strata", _curve_name(curve))
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


class LogRankResult(Result):
    """A log-rank family test."""

    _figures = ("loglog",)

    @property
    def summary(self) -> pd.DataFrame:
        """R's ``survdiff`` table: N, Observed, Expected, (O-E)^2/E, (O-E)^2/V per group."""
        rows = {}
        for g in self._dict["groups"]:
            o, e, v = g["observed"], g["expected"], g["variance"]
            rows[g["group"]] = {
                "N": g["n"],
                "Observed": o,
                "Expected": e,
                "(O-E)^2/E": (o - e) ** 2 / e if e else float("nan"),
                "(O-E)^2/V": (o - e) ** 2 / v if v else float("nan"),
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    @property
    def p_value(self) -> float:
        """The test's p-value."""
        return self._dict["p_value"]


class RmstResult(Result):
    """Restricted mean survival time per arm and the contrasts."""

    _figures = ("rmst",)

    def difference(self) -> Dict[str, Optional[float]]:
        """RMST(second arm) − RMST(first arm): ``{"estimate", "se", "lower", "upper",
        "p_value"}``; ValueError unless there are two arms."""
        return json.loads(self._fitted.rmst_difference())

    @property
    def summary(self) -> pd.DataFrame:
        """One row per arm: n, events, rmst, se, lower, upper."""
        arms = self._dict["arms"]
        return pd.DataFrame(
            [{k: a.get(k) for k in ("n", "events", "rmst", "se", "lower", "upper")} for a in arms],
            index=[a.get("group") for a in arms],
        )


class BootstrapResult(Result):
    """A bootstrap of a statistic; ``plot()`` draws the histogram of its replicates (rerun with
    the same seed, so the same replicates)."""

    _figures = ("bootstrap",)

    @property
    def summary(self) -> pd.DataFrame:
        """R's ``boot`` columns (original, bias, std. error) with each interval's limits, one
        row per interval method."""
        d = self._dict
        rows = {
            ci["method"]: {
                "original": d.get("estimate"), "bias": d.get("bias"), "std. error": d.get("se"),
                "lower": ci.get("lower"), "upper": ci.get("upper"),
            }
            for ci in d.get("ci") or []
        }
        return pd.DataFrame.from_dict(rows, orient="index", dtype="float64")


class PermutationResult(Result):
    """A permutation test of the log-rank family."""

    @property
    def p_value(self) -> float:
        """The permutation p-value (exact, or Monte Carlo (1 + hits)/(B + 1))."""
        return self._dict["p_value"]

    @property
    def summary(self) -> pd.DataFrame:
        """One row: the statistic, its df, the permutation and the asymptotic p-values."""
        d = self._dict
        return pd.DataFrame([{
            "Chisq": d.get("statistic"), "Df": d.get("df"), "p (permutation)": d.get("p_value"),
            "p (asymptotic)": d.get("asymptotic_p_value"), "permutations": d.get("permutations"),
            "method": d.get("method"),
        }])


class FragilityResult(Result):
    """The fragility of a comparison; for survival data ``plot()`` draws the path of status
    flips."""

    _figures = ("fragility",)

    @property
    def fragility_index(self) -> Optional[int]:
        """The (signed) fragility index: the fewest changes that flip significance."""
        return self._dict.get("fragility_index")

    @property
    def summary(self) -> pd.DataFrame:
        """The path to the flip, one row per step (the change made and the p-value after it)."""
        rows = []
        for step in self._dict.get("path") or []:
            row = {k: v for k, v in step.items() if not isinstance(v, dict)}
            for arm in ("treatment", "control"):
                if isinstance(step.get(arm), dict):
                    row[f"{arm} events"] = step[arm].get("events")
                    row[f"{arm} total"] = step[arm].get("total")
            rows.append(row)
        return pd.DataFrame(rows)


def _same_label(a: str, b: str) -> bool:
    """Two status labels name the same value: equal as text, or as numbers (``"1"`` is ``1.0``),
    as the command line compares them."""
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


class CifResult(Result):
    """Cumulative incidence (Aalen–Johansen) of every cause per group, with Gray's tests;
    ``plot()`` draws the curves as ``survkit plot cif``."""

    _figures = ("cif",)

    def plot(
        self,
        kind: str = "cif",
        layout: str = "overlay",
        ci: bool = False,
        risk_table: bool = False,
        width: int = 900,
        height: Optional[int] = None,
        title: Optional[str] = None,
        **options: Any,
    ) -> Figure:
        """The curves as a figure (as ``survkit plot cif``): ``layout`` ``"overlay"`` (every
        curve on one panel), ``"stacked"`` (a panel per group, the causes stacked up to 1 −
        event-free) or ``"side-by-side"`` (a panel per group, a curve per cause); ``ci``
        pointwise bands (not when stacked), ``risk_table`` the number at risk under the axis."""
        return super().plot(
            kind, width=width, height=height, title=title,
            layout=str(layout), ci=bool(ci), risk_table=bool(risk_table), **options,
        )

    @property
    def causes(self) -> List[str]:
        """The causes' labels, in R's ``factor()`` order."""
        return list(self._dict["causes"])

    def _curve(self, cause: Any, group: Optional[Any]) -> Dict[str, Any]:
        curves = self._dict["curves"]
        label = str(cause)
        causes = self._dict["causes"]
        if not any(_same_label(c, label) for c in causes):
            raise ValueError(f"there is no cause '{label}'; the causes are: {', '.join(causes)}")
        groups = list(dict.fromkeys(c.get("group") for c in curves))
        if group is None:
            if len(groups) > 1:
                raise ValueError("there are several groups; name one with group=: " + ", ".join(map(str, groups)))
            chosen = groups[0]
        else:
            chosen = next((g for g in groups if g is not None and _same_label(g, str(group))), None)
            if chosen is None:
                named = ", ".join(str(g) for g in groups if g is not None) or "none (no group column)"
                raise ValueError(f"there is no group '{group}'; the groups are: {named}")
        return next(c for c in curves if c.get("group") == chosen and _same_label(c["cause"], label))

    def cif_at(self, t: float, cause: Any, group: Optional[Any] = None) -> float:
        """The cumulative incidence of ``cause`` at time ``t`` in ``group`` (the last step at or
        before t; 0 before the first); ``group`` may be omitted when there is one. ValueError
        beyond the curve's last follow-up, or naming the causes or groups that exist."""
        t = float(t)
        if not np.isfinite(t) or t < 0:
            raise ValueError(f"time {t} is not a finite time ≥ 0")
        curve = self._curve(cause, group)
        times = curve["time"]
        last = times[-1] if times else 0.0
        if t > last:
            name = curve.get("group") or "all"
            raise ValueError(
                f"time {t:g} is beyond the last follow-up ({last:g}) of group '{name}', where the "
                "estimate is undefined"
            )
        k = int(np.searchsorted(np.asarray(times, dtype="float64"), t, side="right"))
        return 0.0 if k == 0 else float(curve["cif"][k - 1])

    @property
    def summary(self) -> pd.DataFrame:
        """The cumulative incidence per group × cause with its standard error and limits: at
        each time of ``at``, or at each curve's last time without ``at``. Columns group (with
        a group column), cause, time, n.risk, cif, se, lower, upper."""
        d = self._dict
        if d["at"]:
            rows = [dict(row) for row in d["at"]]
        else:
            rows = [
                {
                    "group": c.get("group"), "cause": c["cause"], "time": c["time"][-1],
                    "n_risk": c["n_risk"][-1], "cif": c["cif"][-1], "se": c["se"][-1],
                    "lower": c["lower"][-1], "upper": c["upper"][-1],
                }
                for c in d["curves"] if c["time"]
            ]
        frame = pd.DataFrame(rows, columns=["group", "cause", "time", "n_risk", "cif", "se", "lower", "upper"])
        frame = frame.rename(columns={"n_risk": "n.risk"})
        for column in ("se", "lower", "upper"):
            frame[column] = frame[column].astype("float64")
        if d.get("group_column") is None:
            frame = frame.drop(columns="group")
        return frame

    @property
    def gray(self) -> pd.DataFrame:
        """Gray's test of equal cumulative incidence across the groups, one row per cause:
        statistic, df, p_value (NaN where the variance is singular; no rows without groups)."""
        tests = self._dict["gray"]
        frame = pd.DataFrame(tests, columns=["cause", "statistic", "df", "p_value"])
        frame[["statistic", "p_value"]] = frame[["statistic", "p_value"]].astype("float64")
        return frame.set_index("cause")

    @property
    def time_lost(self) -> pd.DataFrame:
        """The restricted mean time lost to each cause up to τ per group (``rmtl``, se, lower,
        upper); only with ``cif(..., tau=T)``."""
        rows = self._dict.get("rmtl")
        if not rows:
            raise ValueError("the time lost to each cause needs τ: call survkit.cif(..., tau=T)")
        frame = pd.DataFrame(rows, columns=["group", "cause", "tau", "rmtl", "se", "lower", "upper"])
        if self._dict.get("group_column") is None:
            frame = frame.drop(columns="group")
        return frame

    @property
    def time_lost_contrasts(self) -> pd.DataFrame:
        """Each group's restricted mean time lost minus the first group's, per cause
        (difference, se, lower, upper, p_value); with τ and groups."""
        if not self._dict.get("rmtl"):
            raise ValueError("the time lost to each cause needs τ: call survkit.cif(..., tau=T)")
        return pd.DataFrame(
            self._dict.get("rmtl_contrasts") or [],
            columns=["cause", "group", "reference", "difference", "se", "lower", "upper", "p_value"],
        )


class FineGrayResult(Result):
    """A Fine–Gray subdistribution hazards model of one cause (R's ``cmprsk::crr``)."""

    def _term(self, term: str) -> Dict[str, Any]:
        terms = self._dict["terms"]
        exact = [t for t in terms if t["term"] == term]
        levels = [t for t in terms if t["term"].startswith(f"{term}=")]
        if exact or len(levels) == 1:
            return (exact or levels)[0]
        raise ValueError(
            f"the model has no term '{term}'; its terms are: {', '.join(t['term'] for t in terms)}"
        )

    def _estimate(self, term: str, key: str, what: str) -> float:
        t = self._term(term)
        value = t.get(key)
        if value is None:
            if t.get("diverges_to"):
                reason = f" (the pseudo-likelihood is monotone: it diverges to {t['diverges_to']})"
            elif not self._dict.get("converged", True):
                reason = " (the fit did not converge)"
            else:
                reason = ""
            raise ValueError(f"the {what} of term '{t['term']}' is not estimable{reason}")
        return float(value)

    def hazard_ratio(self, term: str) -> float:
        """The subdistribution hazard ratio exp(β) of a term: a covariate (``"age"``), a factor
        level (``"sex=M"``) or a two-level factor's column (``"sex"``). ValueError naming the
        terms that exist, or saying why a term has no estimate."""
        return self._estimate(term, "hr", "subdistribution hazard ratio")

    def coef(self, term: str) -> float:
        """The coefficient β (log subdistribution hazard ratio) of a term."""
        return self._estimate(term, "coef", "coefficient")

    def p_value(self, term: str) -> float:
        """The Wald p-value of a term (as ``summary.crr``)."""
        return self._estimate(term, "p_value", "p-value")

    def conf_int(self, term: str) -> Tuple[float, float]:
        """The confidence limits of a term's subdistribution hazard ratio, at the fit's level."""
        return (
            self._estimate(term, "lower", "lower confidence limit"),
            self._estimate(term, "upper", "upper confidence limit"),
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One row per term: coef, shr (exp(coef)), se, lower, upper (the sHR's limits), p;
        NaN where a term has no estimate."""
        terms = self._dict["terms"]
        rows = [
            {
                "coef": t.get("coef"), "shr": t.get("hr"), "se": t.get("se"),
                "lower": t.get("lower"), "upper": t.get("upper"), "p": t.get("p_value"),
            }
            for t in terms
        ]
        frame = pd.DataFrame(rows, index=[t["term"] for t in terms], dtype="float64")
        frame.index.name = "term"
        return frame


class CompetingFragilityResult(FragilityResult):
    """The status-flip fragility of Gray's test for one cause; ``summary`` is the path of
    changes, each with Gray's statistic and p-value after it."""

    _figures = ()

    @property
    def p_value(self) -> float:
        """Gray's test's p-value on the data as they are."""
        return self._dict["p_value"]


class _PairwiseResult(Result):
    """What win statistics and CAFS share: one analysis per arm against the reference when
    there are more than two arms, and the fragility search of ``fragility=True``."""

    def _warnings(self) -> List[str]:
        comparisons = self._dict.get("comparisons")
        if comparisons is None:
            return super()._warnings()
        found = []
        for c in comparisons:
            name = f"{c['arm']} vs {c['reference']}"
            if "error" in c:
                found.append(f"{name}: not computed: {c['error']}")
            found.extend(f"{name}: {w}" for w in c.get("warnings") or [])
        return found

    @property
    def arms(self) -> List[str]:
        """The arms compared with the reference (one for two arms)."""
        comparisons = self._dict.get("comparisons")
        if comparisons is None:
            return [self._dict["treated"]]
        return [c["arm"] for c in comparisons]

    def comparison(self, arm: Optional[Any] = None) -> Dict[str, Any]:
        """One arm's analysis against the reference, as its part of ``to_dict()``; ``arm`` may
        be omitted when one arm is compared. ValueError naming the arms, or saying why the
        comparison was not computed."""
        comparisons = self._dict.get("comparisons")
        if comparisons is None:
            comparisons = [{**self._dict, "arm": self._dict["treated"]}]
        if arm is None:
            if len(comparisons) > 1:
                raise ValueError(
                    f"this result compares {len(comparisons)} arms with the reference; name one with "
                    f"comparison(arm): {', '.join(c['arm'] for c in comparisons)}"
                )
            chosen = comparisons[0]
        else:
            chosen = next((c for c in comparisons if c["arm"] == str(arm)), None)
            if chosen is None:
                raise ValueError(f"no arm '{arm}' is compared; the arms are: {', '.join(self.arms)}")
        if "error" in chosen:
            raise ValueError(f"{chosen['arm']} vs {chosen['reference']} was not computed: {chosen['error']}")
        return chosen

    def _analysis(self) -> Dict[str, Any]:
        return self.comparison()


    @property
    def fragility(self) -> Optional[Dict[str, Any]]:
        """The fragility search (``alpha``, ``p_value``, ``significant``, ``index``, ``path``,
        ...) as the command line's JSON gives it; None without ``fragility=True``."""
        return self._analysis().get("fragility")

    @property
    def fragility_index(self) -> Optional[int]:
        """The fewest participants whose outcome must change for the test to cross alpha
        (negative for a non-significant result); None when not asked for or not reached."""
        return (self.fragility or {}).get("index")

    @property
    def fragility_path(self) -> pd.DataFrame:
        """The fragility search's path, one row per step: the participant's line and arm, the
        change, the score before and after, the p-value after the step."""
        if self.fragility is None:
            raise ValueError("no fragility search was run: call with fragility=True")
        return pd.DataFrame(
            self.fragility.get("path") or [],
            columns=["step", "line", "group", "change", "score_before", "score_after", "p_value"],
        )


_WIN_MEASURES = (("win ratio", "win_ratio"), ("win odds", "win_odds"), ("net benefit", "net_benefit"))


class WinResult(_PairwiseResult):
    """Win ratio, win odds and net benefit of the treated arm against the reference; with more
    than two arms (or ``compare=``), of each arm against the reference."""

    @property
    def win_ratio(self) -> Dict[str, Optional[float]]:
        """The win ratio p_w/p_l: ``{"estimate", "se", "lower", "upper", "p_value"}`` (se on
        the log scale; None where undefined, the warnings say why). With several arms, use
        ``comparison(arm)["win_ratio"]``."""
        return self._analysis()["win_ratio"]

    @property
    def win_odds(self) -> Dict[str, Optional[float]]:
        """The win odds (p_w + p_t/2)/(p_l + p_t/2), as ``win_ratio``."""
        return self._analysis()["win_odds"]

    @property
    def net_benefit(self) -> Dict[str, Optional[float]]:
        """The net benefit p_w − p_l, as ``win_ratio`` (se on the natural scale)."""
        return self._analysis()["net_benefit"]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per measure (win ratio, win odds, net benefit): estimate, se, lower, upper,
        p_value. With several arms, rows by (arm, measure) and a ``p_adjusted`` column (the
        win ratio's p-value adjusted over the comparisons); NaN where not computed."""
        columns = ["estimate", "se", "lower", "upper", "p_value"]
        comparisons = self._dict.get("comparisons")
        if comparisons is None:
            rows = [self._dict[key] for _, key in _WIN_MEASURES]
            return pd.DataFrame(rows, index=[name for name, _ in _WIN_MEASURES], columns=columns, dtype="float64")
        rows, index = [], []
        for c in comparisons:
            for name, key in _WIN_MEASURES:
                row = dict(c.get(key) or {})
                row["p_adjusted"] = c.get("p_adjusted") if key == "win_ratio" else None
                rows.append(row)
                index.append((c["arm"], name))
        return pd.DataFrame(
            rows, index=pd.MultiIndex.from_tuples(index, names=["arm", "measure"]),
            columns=[*columns, "p_adjusted"], dtype="float64",
        )


class CafsResult(_PairwiseResult):
    """The CAFS joint rank test of function and survival (Berry et al. 2013), with the
    Finkelstein–Schoenfeld test on the same pairwise scores."""

    def __init__(self, fitted: "_survkit.Fitted", ranks: str) -> None:
        super().__init__(fitted)
        self._ranks = ranks

    @property
    def p_value(self) -> Optional[float]:
        """The Wilcoxon rank-sum p-value of the CAFS ranks (normal approximation with the tie
        and continuity corrections, as R's ``wilcox.test(exact=FALSE)``); None when every
        pairwise score is equal. With several arms, use ``comparison(arm)["p_value"]``."""
        return self._analysis().get("p_value")

    @property
    def permutation_p_value(self) -> float:
        """The two-sided permutation p-value of the rank sum (exact, or Monte Carlo
        (1 + hits)/(B + 1))."""
        return self._analysis()["permutation_p_value"]

    @property
    def finkelstein_schoenfeld(self) -> Dict[str, Optional[float]]:
        """The Finkelstein–Schoenfeld test: ``{"statistic", "variance", "z", "p_value"}``."""
        return self._analysis()["finkelstein_schoenfeld"]

    @property
    def ranks(self) -> pd.DataFrame:
        """Each participant's line in the file, arm, time, death, pairwise score (wins −
        losses) and CAFS rank (1 = worst): the command line's ``--ranks`` CSV (two arms only)."""
        import io

        if not self._ranks:
            raise ValueError("the ranks are those of one two-arm analysis: this result compares several arms")

        return pd.read_csv(io.StringIO(self._ranks), dtype={"group": str})

    @property
    def summary(self) -> pd.DataFrame:
        """One row per arm (the reference first): n, mean CAFS rank, mean pairwise score. With
        several arms, rows by (comparison's arm, group), the rank-sum ``p_value`` and its
        ``p_adjusted`` on each comparison's rows; NaN where not computed."""
        comparisons = self._dict.get("comparisons")
        if comparisons is None:
            groups = self._dict["groups"]
            return pd.DataFrame(
                [{"n": g["n"], "mean_rank": g["mean_rank"], "mean_score": g["mean_score"]} for g in groups],
                index=pd.Index([g["group"] for g in groups], name="group"),
            )
        rows, index = [], []
        for c in comparisons:
            for g in c.get("groups") or [{"group": c["arm"]}]:
                rows.append({"n": g.get("n"), "mean_rank": g.get("mean_rank"), "mean_score": g.get("mean_score"),
                             "p_value": c.get("p_value"), "p_adjusted": c.get("p_adjusted")})
                index.append((c["arm"], g["group"]))
        return pd.DataFrame(
            rows, index=pd.MultiIndex.from_tuples(index, names=["arm", "group"]), dtype="float64",
        )


# ---------------------------------------------------------------------------------------------
# analyses


def cox(
    formula: str,
    data: Data,
    ties: Optional[str] = None,
    conf_level: float = 0.95,
    robust: Optional[bool] = None,
    firth: bool = False,
    ci: str = "wald",
    zph: Optional[str] = None,
    eps: float = 1e-9,
    max_iter: int = 20,
) -> CoxResult:
    """Cox proportional-hazards regression (R's ``coxph``), as ``survkit cox --formula``.

    Args:
        formula: e.g. ``"Surv(time, status) ~ age + factor(sex) + strata(inst)"``.
        data: a pandas or polars DataFrame, a pyarrow Table, a CSV path, or a table with
            ``.to_pandas()``.
        ties: ``"efron"`` (the default, as R; ``"breslow"`` with ``firth=True``), ``"breslow"``
            or ``"exact"``.
        conf_level: confidence level of the hazard-ratio limits.
        robust: robust (sandwich) variance; None = as R (on with ``cluster()`` or non-integer
            weights).
        firth: Firth's penalised likelihood (as R's coxphf).
        ci: ``"wald"`` limits, or ``"profile"`` (profile-likelihood limits beside the Wald ones).
        zph: the proportional-hazards test (R's ``cox.zph``) with this transform of time:
            ``"km"`` (R's default), ``"rank"``, ``"identity"`` or ``"log"``; None for no test.
        eps: convergence tolerance on the relative change in log-likelihood (R's default).
        max_iter: the most Newton–Raphson iterations (R's default 20).
    """
    if ties is None:
        ties = "breslow" if firth else "efron"
    table = _table(data)
    fitted = _survkit.cox(
        table, formula, str(ties), float(conf_level), robust, bool(firth), str(ci),
        None if zph is None else str(zph), float(eps), int(max_iter),
    )
    return CoxResult(fitted, (table, formula))


def kaplan_meier(
    formula: str,
    data: Data,
    conf_level: float = 0.95,
    conf_type: str = "log",
    quantiles: Optional[List[float]] = None,
    at: Optional[List[float]] = None,
    cumhaz: bool = False,
) -> KaplanMeierResult:
    """Kaplan–Meier curves (R's ``survfit``), as ``survkit km --formula``: ``~ 1`` for one curve,
    ``~ group`` for one per group, ``+ strata(x)`` per group and stratum.

    Args:
        conf_level: level of the pointwise limits and of the median's limits.
        conf_type: scale of the pointwise limits, as R's ``conf.type``: ``"log"`` (R's
            default), ``"log-log"``, ``"plain"``, ``"logit"`` or ``"arcsin"``.
        quantiles: survival-time quantiles to report besides the median (e.g. ``[0.25, 0.75]``).
        at: times at which to report S(t) with its limits and the number at risk.
        cumhaz: add the Nelson–Aalen cumulative hazard and its standard error to each row.
    """
    table = _table(data)
    fitted = _survkit.kaplan_meier(
        table, formula, None, float(conf_level), str(conf_type),
        [float(q) for q in quantiles or []], [float(t) for t in at or []], bool(cumhaz),
    )
    return KaplanMeierResult(fitted, table, formula, float(conf_level))


def logrank(formula: str, data: Data, weights: str = "logrank", trend: bool = False) -> LogRankResult:
    """The log-rank test (R's ``survdiff``) of ``Surv(time, status) ~ group`` (``+ strata(x)``
    stratified), as ``survkit logrank --formula``.

    Args:
        weights: ``"logrank"``, ``"gehan"``, ``"tarone-ware"``, ``"peto"``, ``"modified-peto"``,
            ``"fh:RHO,GAMMA"`` (Fleming–Harrington) or ``"mwlr:T"`` (modestly weighted, t* = T).
        trend: test for a trend across the ordered groups (scores 1, 2, ..., k).
    """
    table = _table(data)
    return LogRankResult(_survkit.logrank(table, formula, None, str(weights), bool(trend)), (table, formula))


def rmst(formula: str, data: Data, tau: Optional[float] = None, conf_level: float = 0.95) -> RmstResult:
    """Restricted mean survival time per arm and the contrasts (survRM2's ``rmst2``), as
    ``survkit rmst --formula``; ``tau`` defaults to the largest the data support."""
    table = _table(data)
    tau = None if tau is None else float(tau)
    return RmstResult(
        _survkit.rmst(table, formula, None, tau, float(conf_level)),
        (table, formula),
        {"tau": tau, "conf_level": float(conf_level)},
    )


def _count_columns(
    time: str, n_event: str, n_censor: str, n_enter: Optional[str], group: Optional[str], stratum: Optional[str]
) -> Tuple[str, str, str, Optional[str], Optional[str], Optional[str]]:
    optional = [None if name is None else str(name) for name in (n_enter, group, stratum)]
    return (str(time), str(n_event), str(n_censor), optional[0], optional[1], optional[2])


def kaplan_meier_counts(
    data: Data,
    group: Optional[str] = None,
    stratum: Optional[str] = None,
    time: str = "time",
    n_event: str = "n_event",
    n_censor: str = "n_censor",
    n_enter: Optional[str] = None,
    conf_level: float = 0.95,
    conf_type: str = "log",
    quantiles: Optional[List[float]] = None,
    at: Optional[List[float]] = None,
    cumhaz: bool = False,
) -> KaplanMeierResult:
    """Kaplan–Meier curves from aggregated counts, as ``survkit km --counts``: one row per
    (group, stratum, time) with the number of events (``n_event``), censorings (``n_censor``)
    and, for delayed entry, entries (``n_enter``) at that time, as one SQL ``GROUP BY`` makes
    them. The result equals ``kaplan_meier`` on the participants' rows the counts count
    (``Surv(time, event) ~ group + strata(stratum)``), to the last digit.

    Args:
        data: the counts: a pandas or polars DataFrame, a pyarrow Table or a path (CSV,
            Parquet, Arrow IPC).
        group, stratum, n_enter: the label and entry columns; a column literally called
            ``group``, ``stratum`` or ``n_enter`` is used without being named.
        time, n_event, n_censor: the columns of the times and counts (whole numbers ≥ 0).
        conf_level, conf_type, quantiles, at, cumhaz: as ``kaplan_meier``.
    """
    table = _table(data)
    columns = _count_columns(time, n_event, n_censor, n_enter, group, stratum)
    fitted = _survkit.kaplan_meier(
        table, None, columns, float(conf_level), str(conf_type),
        [float(q) for q in quantiles or []], [float(t) for t in at or []], bool(cumhaz),
    )
    return KaplanMeierResult(fitted, None, "", float(conf_level))


def logrank_counts(
    data: Data,
    group: Optional[str] = None,
    stratum: Optional[str] = None,
    time: str = "time",
    n_event: str = "n_event",
    n_censor: str = "n_censor",
    n_enter: Optional[str] = None,
    weights: str = "logrank",
    trend: bool = False,
) -> LogRankResult:
    """The log-rank family test from aggregated counts (columns as ``kaplan_meier_counts``), as
    ``survkit logrank --counts``: equal to ``logrank`` on the rows counted, each group's ``n``
    counting participants. ``weights`` and ``trend`` as ``logrank``."""
    table = _table(data)
    fitted = _survkit.logrank(
        table, None, _count_columns(time, n_event, n_censor, n_enter, group, stratum), str(weights), bool(trend)
    )
    return LogRankResult(fitted)


def rmst_counts(
    data: Data,
    group: Optional[str] = None,
    time: str = "time",
    n_event: str = "n_event",
    n_censor: str = "n_censor",
    n_enter: Optional[str] = None,
    tau: Optional[float] = None,
    conf_level: float = 0.95,
) -> RmstResult:
    """Restricted mean survival time of one or two arms from aggregated counts (columns as
    ``kaplan_meier_counts``), as ``survkit rmst --counts``: equal to ``rmst`` on the rows
    counted. RMST takes no strata: a ``stratum`` column is summed over."""
    table = _table(data)
    fitted = _survkit.rmst(
        table, None, _count_columns(time, n_event, n_censor, n_enter, group, None),
        None if tau is None else float(tau), float(conf_level),
    )
    return RmstResult(fitted)


def _arm(name: str, counts: Any) -> Tuple[int, int]:
    try:
        events, total = counts
        if int(events) != events or int(total) != total or events < 0 or total < 0:
            raise ValueError
        return int(events), int(total)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (events, total), two whole numbers ≥ 0; got {counts!r}") from None


def fragility_counts(
    treatment: Tuple[int, int],
    control: Tuple[int, int],
    test: str = "fisher",
    alpha: float = 0.05,
) -> FragilityResult:
    """The fragility index of a 2×2 table, as ``survkit fragility counts``: ``treatment`` and
    ``control`` are ``(events, total)``; ``test`` is fisher, mid-p, chi-square or
    chi-square-yates (as the command line names them)."""
    return FragilityResult(
        _survkit.fragility_counts(_arm("treatment", treatment), _arm("control", control), test, float(alpha))
    )


def bootstrap(
    formula: str,
    data: Data,
    statistic: str = "log-hr",
    replicates: int = 2000,
    seed: int = 1,
    threads: Optional[int] = None,
    ci: str = "percentile,bca",
    conf_level: float = 0.95,
    alpha: float = 0.05,
    tau: Optional[float] = None,
    stratify: bool = False,
    firth: bool = False,
    weights: str = "logrank",
    cause: Any = None,
    censor_value: Any = 0,
) -> BootstrapResult:
    """A seeded, parallel bootstrap of a statistic, as ``survkit bootstrap --formula``: the same
    seed gives the same numbers as the command line, whatever the thread count. The GIL is
    released while it runs, and Ctrl-C stops it.

    Args:
        formula: ``Surv(time, status) ~ arm`` (then the Cox statistics' covariates, factors
            allowed, and ``strata()``).
        statistic: ``"log-hr"``, ``"hr"``, ``"logrank"``, ``"rmst-diff"``, ``"rmst-ratio"``,
            ``"median-diff"`` or ``"survival-diff:T"``.
        replicates: the number of resamples B.
        seed: the seed; replicate r uses random stream r of it.
        threads: worker threads (default: every core); the result does not depend on them.
        ci: the intervals, a comma-separated list of ``percentile``, ``basic``, ``normal``,
            ``bca``, or ``all``.
        conf_level: the intervals' level.
        alpha: the significance level of the share of "significant" resamples.
        tau: τ for ``rmst-diff`` and ``rmst-ratio`` (default: survRM2's rule on the data).
        stratify: resample within each arm, keeping the arm sizes.
        firth: Firth's penalised Cox likelihood for ``log-hr`` and ``hr`` (finite when a
            resample has an arm without events).
        weights: the weights of the ``logrank`` statistic (as ``logrank(weights=...)``).
        cause: for ``"cif-diff:T"`` (the difference in cumulative incidence at T) and
            ``"log-shr"`` (the Fine–Gray log subdistribution hazard ratio), the cause of
            interest, a value of the status column (which then holds causes, as in ``cif``).
        censor_value: with ``cause``, the status value of censored rows.
    """
    if replicates < 1:
        raise ValueError(f"replicates must be ≥ 1; got {replicates}")
    table = _table(data)
    options = _bootstrap_options(
        statistic, seed, threads, ci, conf_level, alpha, tau, stratify, firth, weights, cause, censor_value
    )
    fitted, _ = _bootstrap_range(table, formula, (0, int(replicates)), False, options)
    return BootstrapResult(
        fitted,
        (table, formula),
        {
            "statistic": statistic, "replicates": int(replicates), "seed": int(seed), "threads": threads,
            "cause": options["cause"], "censor_value": options["censor_value"],
        },
    )


def _bootstrap_options(
    statistic: str, seed: int, threads: Optional[int], ci: str, conf_level: float, alpha: float,
    tau: Optional[float], stratify: bool, firth: bool, weights: str, cause: Any, censor_value: Any,
) -> Dict[str, Any]:
    """The keyword options of ``bootstrap`` checked and converted, for ``_bootstrap_range``."""
    if seed < 0:
        raise ValueError(f"seed must be ≥ 0; got {seed}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be ≥ 1; got {threads}")
    return {
        "statistic": str(statistic), "seed": int(seed), "threads": None if threads is None else int(threads),
        "ci": str(ci), "conf_level": float(conf_level), "alpha": float(alpha),
        "tau": None if tau is None else float(tau), "stratify": bool(stratify), "firth": bool(firth),
        "weights": str(weights), "cause": None if cause is None else str(cause), "censor_value": str(censor_value),
    }


def _bootstrap_range(
    table: "_survkit.Table", formula: str, replicates: Tuple[int, int], save: bool, options: Dict[str, Any]
) -> Tuple["_survkit.Fitted", Optional[str]]:
    """The replicates ``first..end`` of a bootstrap (``survkit bootstrap --replicate-range``):
    their summary, and with ``save`` the replicates as JSON (``--save-replicates``)."""
    o = options
    return _survkit.bootstrap(
        table, formula, o["statistic"], o["cause"], o["censor_value"], replicates, o["seed"], o["threads"],
        o["ci"], o["conf_level"], o["alpha"], o["tau"], o["stratify"], o["firth"], o["weights"], save,
    )


def _check_permutation_run(permutations: int, exact_limit: int, seed: int, threads: Optional[int]) -> None:
    """The options of a permutation test (``permutation``, ``cafs``) are in range."""
    if permutations < 1:
        raise ValueError(f"permutations must be ≥ 1; got {permutations}")
    if seed < 0 or exact_limit < 0:
        raise ValueError("seed and exact_limit must be ≥ 0")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be ≥ 1; got {threads}")


def permutation(
    formula: str,
    data: Data,
    weights: str = "logrank",
    method: str = "auto",
    permutations: int = 10_000,
    exact_limit: int = 1_000_000,
    seed: int = 1,
    threads: Optional[int] = None,
) -> PermutationResult:
    """A permutation test of ``Surv(time, status) ~ arm`` (``+ strata(x)``), as ``survkit
    permutation --formula``: exact when the assignments number at most ``exact_limit`` (method
    ``"auto"``), else ``permutations`` Monte Carlo draws from ``seed``. Unlike the command line,
    which draws a seed when none is given, the default seed is 1 so a call repeats itself; the
    same seed gives the command line's numbers whatever the thread count. The GIL is released
    while it runs."""
    _check_permutation_run(permutations, exact_limit, seed, threads)
    return PermutationResult(
        _survkit.permutation(
            _table(data), formula, weights, method, int(permutations), int(exact_limit), int(seed), threads
        )
    )


def fragility_survival(
    formula: str,
    data: Data,
    test: str = "logrank",
    tau: Optional[float] = None,
    method: str = "status",
    alpha: float = 0.05,
    experimental: Optional[str] = None,
    what_if: bool = False,
    influence: bool = False,
) -> FragilityResult:
    """The fragility of a comparison of two arms, ``Surv(time, status) ~ arm``, as ``survkit
    fragility survival --formula``.

    Args:
        test: ``"logrank"``, ``"cox-wald"``, ``"cox-lr"`` or ``"rmst"`` (the RMST difference).
        tau: τ for the RMST test (default: survRM2's rule on the original data).
        method: ``"status"`` (status flips), ``"sifi"`` (Bomze et al. 2020) or ``"all"``.
        alpha: significance level; significant means p < alpha.
        experimental: the experimental arm's level (default: the arm with HR < 1).
        what_if: add the results with k = −3..3 events moved between the arms.
        influence: add each participant's leave-one-out influence on the HR and p.
    """
    table = _table(data)
    tau = None if tau is None else float(tau)
    experimental = None if experimental is None else str(experimental)
    return FragilityResult(
        _survkit.fragility_survival(
            table, formula, str(test), tau, str(method), float(alpha), experimental, bool(what_if), bool(influence),
        ),
        (table, formula),
        {"test": str(test), "tau": tau, "alpha": float(alpha), "experimental": experimental},
    )


def cif(
    formula: str,
    data: Data,
    censor_value: Any = 0,
    at: Optional[List[float]] = None,
    tau: Optional[float] = None,
    variance: str = "survfit",
    conf_type: str = "log",
    conf_level: float = 0.95,
    rho: float = 0.0,
) -> CifResult:
    """Cumulative incidence of every cause (Aalen–Johansen) per group, with Gray's test of
    each cause across the groups (R's ``cmprsk::cuminc``), as ``survkit cif --formula``.

    The status column holds the censoring value and the causes: ``Surv(time, status) ~ group``
    (R's ``Surv(time, factor(status))`` too; ``~ 1`` for one group, ``+ strata(x)`` for Gray's
    test within strata). ``Surv(time, status == k)`` is refused: a status of causes has no
    event value.

    Args:
        censor_value: the status value of censored rows (a number or a label; ``1`` matches
            ``"1"`` and ``1.0``); every other value is a cause.
        at: times at which to report each cumulative incidence and the event-free probability.
        tau: with τ, the restricted mean time lost to each cause up to τ, with differences
            between the groups (``time_lost``, ``time_lost_contrasts``).
        variance: ``"survfit"`` (R survival's infinitesimal jackknife) or ``"cuminc"``
            (cmprsk's delta method).
        conf_type: scale of the pointwise limits: ``"log"``, ``"log-log"``, ``"plain"``,
            ``"logit"`` or ``"arcsin"``.
        conf_level: level of the pointwise limits.
        rho: Gray's test weight power ρ (cuminc's ``rho``).
    """
    table = _table(data)
    censor_value = str(censor_value)
    tau = None if tau is None else float(tau)
    fitted = _survkit.cif(
        table, formula, censor_value, str(variance), str(conf_type), float(conf_level),
        [float(t) for t in at or []], tau, float(rho),
    )
    return CifResult(
        fitted,
        (table, formula),
        {"censor_value": censor_value, "conf_type": str(conf_type), "conf_level": float(conf_level)},
    )


def finegray(
    formula: str,
    data: Data,
    cause: Any,
    censor_value: Any = 0,
    conf_level: float = 0.95,
    max_iter: int = 10,
    gtol: float = 1e-6,
) -> FineGrayResult:
    """The Fine–Gray subdistribution hazards model of ``cause`` (R's ``cmprsk::crr``), as
    ``survkit finegray --formula``: ``Surv(time, status) ~ age + factor(sex)`` (covariates as
    in ``cox``: factors, ``relevel``, interactions; no strata or clusters, as crr).

    Args:
        cause: the cause of interest, a value of the status column (``1`` matches ``"1"``).
        censor_value: the status value of censored rows; every other value is a cause.
        conf_level: level of the subdistribution hazard ratios' limits.
        max_iter: Newton iterations at most (crr's ``maxiter``).
        gtol: convergence tolerance (crr's ``gtol``).
    """
    table = _table(data)
    return FineGrayResult(
        _survkit.finegray(
            table, formula, str(cause), str(censor_value), float(conf_level), int(max_iter), float(gtol)
        )
    )


def fragility_competing(
    formula: str,
    data: Data,
    cause: Any,
    censor_value: Any = 0,
    alpha: float = 0.05,
    rho: float = 0.0,
    flips: Optional[Union[str, List[str]]] = None,
) -> CompetingFragilityResult:
    """The status-flip fragility of Gray's test for ``cause`` across the groups of
    ``Surv(time, status) ~ group`` (``+ strata(x)``), as ``survkit fragility competing
    --formula``: the fewest status changes that flip the test's significance.

    Args:
        cause: the cause of interest, a value of the status column.
        censor_value: the status value of censored rows; every other value is a cause.
        alpha: significance level; significant means p < alpha.
        rho: Gray's test weight power ρ.
        flips: the changes allowed, ``"cause-censor"`` (a failure from the cause ↔ censored),
            ``"between-causes"`` (↔ a failure from another cause), or both (the default); a
            list or a comma-separated string.
    """
    if flips is None:
        flips = "cause-censor,between-causes"
    elif not isinstance(flips, str):
        flips = ",".join(str(f) for f in flips)
    table = _table(data)
    return CompetingFragilityResult(
        _survkit.fragility_competing(
            table, formula, str(cause), str(censor_value), float(alpha), float(rho), str(flips)
        )
    )


def _pairwise_columns(
    time: str, event: str, group: str, score: str, then: Any, reference: Any, event_value: Any,
    strata: Optional[str], strict: bool,
) -> Dict[str, Any]:
    """The columns of ``win`` and ``cafs``, as the compiled half reads them."""
    if then is None:
        then = []
    elif isinstance(then, str):
        then = [then]
    return {
        "time": str(time), "event": str(event), "group": str(group), "score": str(score),
        "then": [str(level) for level in then],
        "reference": None if reference is None else str(reference),
        "event_value": None if event_value is None else str(event_value),
        "strata": None if strata is None else str(strata), "strict": bool(strict),
    }


def _pair(compare: Any) -> Optional[Tuple[str, str]]:
    """``compare=`` as ``(arm, reference)``: from ``"A,B"`` or a pair."""
    if compare is None:
        return None
    if isinstance(compare, str):
        arm, sep, against = compare.partition(",")
        if not sep:
            raise ValueError(f"compare expects two arms 'A,B' or (A, B); got {compare!r}")
        return (arm.strip(), against.strip())
    arm, against = compare
    return (str(arm), str(against))


def _fragility_search(fragility: bool, alpha: float, max_steps: int) -> Optional[Tuple[float, int]]:
    if max_steps < 0:
        raise ValueError(f"max_steps must be ≥ 0; got {max_steps}")
    return (float(alpha), int(max_steps)) if fragility else None


def win(
    data: Data,
    *,
    time: str,
    event: str,
    group: str,
    score: str,
    then: Any = None,
    reference: Any = None,
    lower_is_better: bool = False,
    threshold: float = 0.0,
    strata: Optional[str] = None,
    conf_level: float = 0.95,
    fragility: bool = False,
    alpha: float = 0.05,
    max_steps: int = 100,
    bootstrap: Optional[int] = None,
    seed: int = 1,
    threads: Optional[int] = None,
    compare: Any = None,
    adjust: str = "none",
    event_value: Any = None,
    strict: bool = False,
) -> WinResult:
    """Win ratio, win odds and net benefit (generalised pairwise comparisons), as ``survkit
    win``: every treated participant against every reference one, on death over their common
    follow-up first, then on the function score; U-statistic variances, Wald limits.

    Args:
        data: one row per participant (a pandas or polars DataFrame, a pyarrow Table, a CSV
            path, or a table with ``.to_pandas()``).
        time, event: the follow-up (exit) time and the death indicator (0/1, TRUE/FALSE, or 1/2).
        group: the arm labels.
        score: the numeric function score compared when death does not decide a pair; a
            participant without one (NaN, None) is compared on death only.
        then: later scores, each deciding the pairs the ones before leave tied, as the command
            line's ``--then``: ``"fvc"``, ``"fvc:lower"`` or ``"fvc:higher:5"`` (a margin of
            5), one string or a list of up to four.
        reference: the reference (control) arm; default the first level in R's factor order.
        lower_is_better: a lower score is better (default: higher is better).
        threshold: score differences of at most this much are ties.
        strata: pairs are formed within its strata, combined with Dong et al.'s (2018) weights.
        conf_level: level of the limits.
        fragility: also find the fewest participants whose outcome must change (death ↔ alive,
            or the score moved to the best or worst observed) for the win ratio's p-value to
            cross ``alpha``, in at most ``max_steps`` steps.
        bootstrap: also resample participants within arms (and strata) this many times:
            percentile intervals and SEs beside the U-statistic ones, from ``seed`` (default
            1; the command line draws one), the same whatever ``threads``.
        compare: only this pair, ``(arm, reference)`` or ``"arm,reference"``.
        adjust: with more than two arms, how the win ratios' p-values are adjusted over the
            comparisons: ``"none"``, ``"holm"``, ``"hochberg"`` or ``"bonferroni"``.
        event_value: rows whose event column equals this are deaths, all others censored.
        strict: fail on rows with missing values instead of dropping them.

    With more than two arms (or ``compare``), each arm is compared with the reference on the
    rows of the two arms, as the command line does; ``summary`` then has a row per arm and
    measure, and ``comparison(arm)`` gives one arm's analysis.
    """
    return WinResult(_survkit.win(
        _table(data), _pairwise_columns(time, event, group, score, then, reference, event_value, strata, strict),
        bool(lower_is_better), float(threshold), float(conf_level), _fragility_search(fragility, alpha, max_steps),
        None if bootstrap is None else (int(bootstrap), int(seed), threads), _pair(compare), str(adjust),
    ))


def cafs(
    data: Data,
    *,
    time: str,
    event: str,
    group: str,
    score: str,
    then: Any = None,
    reference: Any = None,
    lower_is_better: bool = False,
    threshold: float = 0.0,
    method: str = "auto",
    permutations: int = 10_000,
    exact_limit: int = 1_000_000,
    seed: int = 1,
    threads: Optional[int] = None,
    fragility: bool = False,
    alpha: float = 0.05,
    max_steps: int = 100,
    compare: Any = None,
    adjust: str = "none",
    event_value: Any = None,
    strict: bool = False,
) -> CafsResult:
    """The CAFS joint rank test of function and survival (Berry et al. 2013) and the
    Finkelstein–Schoenfeld test, as ``survkit cafs``: every participant against every other on
    death over their common follow-up, then on the score; the arms' ranks of wins − losses
    compared by the Wilcoxon rank-sum test, with an exact or Monte Carlo permutation p-value.

    The columns and ``then``, ``reference``, ``lower_is_better``, ``threshold``, ``fragility`` (of the
    rank-sum test), ``alpha``, ``max_steps``, ``event_value`` and ``strict`` are as in ``win``.
    ``method`` is ``"auto"`` (exact when the label assignments number at most
    ``exact_limit``), ``"exact"`` or ``"monte-carlo"`` (``permutations`` draws from ``seed``).
    Unlike the command line, which draws a seed when none is given, the default seed is 1 so a
    call repeats itself; the same seed gives the command line's numbers whatever the thread
    count (``threads``, default every core). The GIL is released while it runs. With more than
    two arms (or ``compare``), each arm against the reference on the two arms' rows, the
    rank-sum p-values adjusted by ``adjust``, as ``win`` and the command line do.
    """
    _check_permutation_run(permutations, exact_limit, seed, threads)
    fitted, ranks = _survkit.cafs(
        _table(data), _pairwise_columns(time, event, group, score, then, reference, event_value, None, strict),
        bool(lower_is_better), float(threshold), str(method), int(permutations), int(exact_limit), int(seed), threads,
        _fragility_search(fragility, alpha, max_steps), _pair(compare), str(adjust),
    )
    return CafsResult(fitted, ranks)


class ReconstructResult(Result):
    """Participant data rebuilt from digitised Kaplan–Meier curves (Guyot et al. 2012), with
    the quality report the command line prints."""

    def __init__(self, fitted: "_survkit.Fitted", ipd: str) -> None:
        super().__init__(fitted)
        self._ipd = ipd

    @property
    def data(self) -> pd.DataFrame:
        """The reconstructed participants (``time``, ``event``, ``group``): the command line's
        ``-o`` file, ready for ``survkit.cox("Surv(time, event) ~ group", result.data)``."""
        import io

        return pd.read_csv(io.StringIO(self._ipd), dtype={"group": str})

    def to_csv(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the reconstructed participants as the command line's ``-o`` CSV."""
        with open(os.fspath(path), "w", encoding="utf-8", newline="") as out:
            out.write(self._ipd)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per arm: n, events, censored, median, published median, the largest
        distance between the digitised and the reconstructed curve."""
        rows = {}
        for arm in self._dict["arms"]:
            rows[arm["group"]] = {
                "n": arm["n"],
                "events": arm["events"],
                "censored": arm["censored"],
                "median": arm.get("median"),
                "published median": arm.get("published_median"),
                "max |S diff|": arm["fit"]["max_abs_diff"],
            }
        return pd.DataFrame.from_dict(rows, orient="index")


def _csv_bytes(what: str, source: Any) -> Tuple[str, bytes]:
    """A digitised table as (name for messages, CSV bytes): a path is read, a DataFrame written."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        try:
            with open(path, "rb") as handle:
                return path, handle.read()
        except OSError as e:
            raise ValueError(f"{path}: cannot read the {what}: {e.strerror}") from None
    if isinstance(source, pd.DataFrame):
        return f"{what} data frame", source.to_csv(index=False).encode("utf-8")
    raise TypeError(f"the {what} must be a CSV path or a pandas DataFrame; got {type(source).__name__}")


def _per_arm(name: str, value: Any, labels: List[str]) -> Dict[str, Any]:
    """An option given per arm: a dict by label, or one value for a single arm."""
    if value is None:
        return {}
    if isinstance(value, dict):
        unknown = [k for k in value if k not in labels]
        if unknown:
            raise ValueError(f"{name}: no arm is labelled '{unknown[0]}' (the arms are {', '.join(labels)})")
        return dict(value)
    if len(labels) != 1:
        raise ValueError(f"{name}: with several arms, give a dict by arm label, e.g. {{'{labels[0]}': ...}}")
    return {labels[0]: value}


def reconstruct(
    curves: Any,
    at_risk: Any,
    total_events: Any = None,
    published_median: Any = None,
    published_hr: Any = None,
    percent: bool = False,
) -> ReconstructResult:
    """Rebuilds participant data from digitised Kaplan–Meier curves and their published
    numbers at risk (Guyot et al. 2012), as ``survkit reconstruct``.

    Args:
        curves: the digitised curve of each arm, ``{label: CSV path or DataFrame}`` with columns
            ``time,survival`` (the first arm is the reference of the hazard ratios); a single
            path or DataFrame for one arm (labelled by the file name).
        at_risk: the published numbers at risk, ``{label: CSV path or DataFrame}`` with columns
            ``time,n``; a single one for one arm.
        total_events: the published total events, ``{label: n}`` (or an int for one arm).
        published_median: published medians, shown beside the reconstructed ones.
        published_hr: published hazard ratios against the first arm, ``{label: HR}`` (or a
            number when there are two arms).
        percent: read survival as percentages (0–100) rather than deciding from the values.
    """
    if not isinstance(curves, dict):
        label = (
            os.path.splitext(os.path.basename(os.fspath(curves)))[0]
            if isinstance(curves, (str, os.PathLike)) else "arm"
        )
        curves = {label: curves}
    labels = [str(k) for k in curves]
    if not labels:
        raise ValueError("curves: no arms given")
    risks = at_risk if isinstance(at_risk, dict) else _per_arm("at_risk", at_risk, labels)
    totals = _per_arm("total_events", total_events, labels)
    medians = _per_arm("published_median", published_median, labels)
    if published_hr is not None and not isinstance(published_hr, dict):
        if len(labels) != 2:
            raise ValueError("published_hr: with other than two arms, give a dict {label: HR}")
        published_hr = {labels[1]: published_hr}
    hrs = [(str(k), float(v)) for k, v in (published_hr or {}).items()]
    arms = []
    for label in labels:
        if label not in risks:
            raise ValueError(f"at_risk: arm '{label}' has no at-risk table")
        curve_name, curve = _csv_bytes("digitised curve", curves[label])
        risk_name, risk = _csv_bytes("at-risk table", risks[label])
        total = totals.get(label)
        median = medians.get(label)
        arms.append((
            label, curve_name, curve, risk_name, risk,
            None if total is None else int(total),
            None if median is None else float(median),
        ))
    fitted, ipd = _survkit.reconstruct(arms, bool(percent), hrs)
    return ReconstructResult(fitted, ipd)
