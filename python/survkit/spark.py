"""survkit on a Spark DataFrame: the cluster aggregates, survkit finishes (``pip install
'survkit[spark]'``; PySpark is imported only when a function here is called).

What runs where:

- ``counts``, ``kaplan_meier``, ``logrank``, ``rmst``: one Spark SQL ``GROUP BY`` (group,
  stratum, time, status) counts the participants of each status at each time (and, with delayed
  entry, those entering at each time) on the cluster; the driver turns the status counts into
  events and censorings by survkit's own event coding (0/1, TRUE/FALSE, or 1/2 with 2 = event)
  and hands the counts to ``survkit.kaplan_meier_counts`` etc. Counts are whole numbers, so the
  results equal those of the rows counted bit for bit (see ``survkit.counts`` in the Rust docs).
- ``cox``: one pass for the rows left out, the means and the factors' levels (two with
  factors), then one aggregation over the rows per Newton–Raphson iteration, by (stratum,
  time), of the risk-set sums at the current β, on the driver combined in time order into the
  partial likelihood, its score and information (Breslow or Efron ties), with survkit's own
  iteration (start at 0, step halving, R's convergence rule, at most ``max_iter`` iterations).
- ``bootstrap``: the rows are collected to the driver once and broadcast; each Spark task runs
  survkit's bootstrap over a range of replicates (replicate r always draws from random stream r
  of the seed), and the driver merges the ranges as ``survkit bootstrap merge`` does, so the
  result equals ``survkit.bootstrap`` on the collected rows with the same seed. The executors
  need survkit installed (in local mode, the driver's Python).

Rows with a missing value (null or NaN) in a used column are left out on the cluster, as survkit
leaves them out of participants' rows; a warning gives their number.
"""

from __future__ import annotations

import math
import re
import warnings as _warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

import survkit
from survkit import _survkit

__all__ = ["counts", "kaplan_meier", "logrank", "rmst", "cox", "CoxFit", "bootstrap"]


def _functions() -> Any:
    """``pyspark.sql.functions``, or an ImportError saying how to install PySpark."""
    try:
        from pyspark.sql import functions
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "survkit.spark needs PySpark: pip install 'survkit[spark]' (or pip install pyspark; Java 17+)"
        ) from e
    return functions


def _column(name: str) -> Any:
    """A column by its name, read literally (``ph.ecog`` is a column, not a struct field)."""
    return _functions().col("`" + name.replace("`", "``") + "`")


def _complete(df: Any, names: Sequence[str]) -> Any:
    """The condition that every used column has a value (not null, and not NaN where numeric)."""
    F = _functions()
    from pyspark.sql.types import NumericType

    types = {field.name: field.dataType for field in df.schema.fields}
    condition = F.lit(True)
    for name in names:
        present = _column(name).isNotNull()
        if isinstance(types.get(name), NumericType):
            present = present & ~F.isnan(_column(name).cast("double"))
        condition = condition & present
    return F.coalesce(condition, F.lit(False))


def _warn_missing(missing: int, names: Sequence[str]) -> None:
    if missing:
        _warnings.warn(
            f"{missing} rows with a missing value in {', '.join(names)} were left out", stacklevel=4
        )


def _event_coding(values: Sequence[Any], column: str) -> Dict[Any, bool]:
    """Each status value's meaning by survkit's rule for a column read without an event value:
    1/2 coding (2 = event) when a 2 is present, else 1 or TRUE is an event; 0/1, TRUE/FALSE, or
    1/2, never TRUE/FALSE beside numbers, never 0 beside 2."""
    logical = [v for v in values if isinstance(v, (bool, np.bool_))]
    if logical and len(logical) != len(values):
        raise ValueError(f"column '{column}' mixes TRUE/FALSE with numeric event codes")
    if logical:
        return {v: bool(v) for v in values}
    numbers = {}
    for v in values:
        number = float(v) if not isinstance(v, str) else _parse_code(v, column)
        if number not in (0.0, 1.0, 2.0):
            raise ValueError(
                f"column '{column}': the value {v!r} is not an event code: use 0/1, TRUE/FALSE or 1/2 "
                "(1 = censored, 2 = event)"
            )
        numbers[v] = number
    if 2.0 in numbers.values():
        if 0.0 in numbers.values():
            raise ValueError(
                f"column '{column}': 0 appears in a column that also holds 2: the coding must be 0/1 or 1/2"
            )
        return {v: n == 2.0 for v, n in numbers.items()}
    return {v: n == 1.0 for v, n in numbers.items()}


def _parse_code(text: str, column: str) -> float:
    upper = text.strip().upper()
    if upper in ("TRUE", "T"):
        return 1.0
    if upper in ("FALSE", "F"):
        return 0.0
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"column '{column}': the value {text!r} is not an event code") from None


# ---------------------------------------------------------------------------------------------
# counts: Kaplan–Meier, log-rank, RMST


def counts(
    df: Any,
    time: str,
    event: str,
    group: Optional[str] = None,
    stratum: Optional[str] = None,
    entry: Optional[str] = None,
) -> pd.DataFrame:
    """The aggregated counts of a Spark DataFrame with one row per participant, made on the
    cluster by one ``GROUP BY``::

        SELECT group, stratum, time, status, COUNT(*) FROM df GROUP BY group, stratum, time, status
        [UNION ALL the entries: SELECT group, stratum, entry, COUNT(*) ... GROUP BY group, stratum, entry]

    collected to the driver as a pandas DataFrame with the columns ``group`` and ``stratum``
    (under their own names, when given), ``time``, ``n_event``, ``n_censor`` and, with
    ``entry``, ``n_enter``: the input of ``survkit.kaplan_meier_counts``, ``logrank_counts`` and
    ``rmst_counts``. The status column is read as survkit reads it (0/1, TRUE/FALSE, or 1/2 with
    2 = event), from the distinct values the cluster reports.
    """
    F = _functions()
    labels = [c for c in (group, stratum) if c is not None]
    used = [*labels, time, event] + ([entry] if entry is not None else [])
    complete = _complete(df, used).alias("complete")
    keys = [_column(c).alias(f"label{k}") for k, c in enumerate(labels)]
    key_names = [f"label{k}" for k in range(len(labels))]
    exits = df.select(*keys, _column(time).cast("double").alias("time"), _column(event).alias("status"),
                      F.lit(False).alias("is_entry"), complete)
    if entry is not None:
        status_type = exits.schema["status"].dataType
        entries = df.select(*keys, _column(entry).cast("double").alias("time"),
                            F.lit(None).cast(status_type).alias("status"), F.lit(True).alias("is_entry"), complete)
        exits = exits.unionByName(entries)
    grouped = exits.groupBy(*key_names, "time", "status", "is_entry", "complete").agg(F.count(F.lit(1)).alias("n"))
    table = grouped.toPandas()
    # rows missing a used value were grouped apart: count them (once, by their exits) and drop them
    _warn_missing(int(table.loc[~table["complete"] & ~table["is_entry"], "n"].sum()), used)
    table = table[table["complete"]].rename(columns=dict(zip(key_names, labels)))
    exit_rows = table[~table["is_entry"]]
    coding = _event_coding(list(pd.unique(exit_rows["status"])), event)
    is_event = exit_rows["status"].map(coding).astype(bool)
    frame = exit_rows.assign(
        n_event=np.where(is_event, exit_rows["n"], 0), n_censor=np.where(is_event, 0, exit_rows["n"])
    )
    if entry is not None:
        entered = table[table["is_entry"]].assign(n_event=0, n_censor=0, n_enter=lambda t: t["n"])
        frame = pd.concat([frame.assign(n_enter=0), entered], ignore_index=True)
    columns = [*labels, "time", "n_event", "n_censor"] + (["n_enter"] if entry is not None else [])
    count_columns = columns[len(labels) + 1:]
    summed = frame.groupby([*labels, "time"], sort=True)[count_columns].sum()
    return summed.reset_index()[columns].astype({c: "int64" for c in count_columns})


def _counted(
    df: Any, time: str, event: str, group: Optional[str], stratum: Optional[str], entry: Optional[str]
) -> Tuple[pd.DataFrame, Dict[str, Optional[str]]]:
    """The counts and the column options of the ``*_counts`` functions that read them."""
    if group is not None and group == stratum:
        raise ValueError(f"column '{group}' is both the group and the stratum")
    # the counts' own columns, and the names the *_counts functions read without being told
    taken = {"time", "n_event", "n_censor", "n_enter"}
    taken |= {name for name, given in (("group", group), ("stratum", stratum)) if given is None}
    for label in (group, stratum):
        if label in taken:
            raise ValueError(
                f"a label column called '{label}' would be read as another column of the counts: "
                f"rename it first (df.withColumnRenamed('{label}', ...))"
            )
    table = counts(df, time, event, group, stratum, entry)
    names = {"group": group, "stratum": stratum, "n_enter": "n_enter" if entry is not None else None}
    return table, names


def kaplan_meier(
    df: Any,
    time: str = "time",
    event: str = "status",
    group: Optional[str] = None,
    stratum: Optional[str] = None,
    entry: Optional[str] = None,
    conf_level: float = 0.95,
    conf_type: str = "log",
    quantiles: Optional[List[float]] = None,
    at: Optional[List[float]] = None,
    cumhaz: bool = False,
) -> "survkit.KaplanMeierResult":
    """Kaplan–Meier curves of a Spark DataFrame: the counts on the cluster (``counts``), the
    curves by ``survkit.kaplan_meier_counts`` on the driver; ``to_dict()`` equals
    ``survkit.kaplan_meier("Surv(time, event) ~ group + strata(stratum)", rows)`` (with
    ``entry``: ``Surv(entry, time, event)``) on the same rows collected. Options as
    ``survkit.kaplan_meier``."""
    table, names = _counted(df, time, event, group, stratum, entry)
    return survkit.kaplan_meier_counts(
        table, **names, conf_level=conf_level, conf_type=conf_type, quantiles=quantiles, at=at, cumhaz=cumhaz
    )


def logrank(
    df: Any,
    time: str = "time",
    event: str = "status",
    group: Optional[str] = None,
    stratum: Optional[str] = None,
    entry: Optional[str] = None,
    weights: str = "logrank",
    trend: bool = False,
) -> "survkit.LogRankResult":
    """The log-rank family test of a Spark DataFrame's groups (stratified by ``stratum``): the
    counts on the cluster, the test by ``survkit.logrank_counts``; equal to ``survkit.logrank``
    on the rows collected. ``weights`` and ``trend`` as ``survkit.logrank``."""
    if group is None:
        raise ValueError("the log-rank test compares groups: name the group column with group=")
    table, names = _counted(df, time, event, group, stratum, entry)
    return survkit.logrank_counts(table, **names, weights=weights, trend=trend)


def rmst(
    df: Any,
    time: str = "time",
    event: str = "status",
    group: Optional[str] = None,
    entry: Optional[str] = None,
    tau: Optional[float] = None,
    conf_level: float = 0.95,
) -> "survkit.RmstResult":
    """Restricted mean survival time of one or two arms of a Spark DataFrame: the counts on the
    cluster, the estimate by ``survkit.rmst_counts``; equal to ``survkit.rmst`` on the rows
    collected. ``tau`` and ``conf_level`` as ``survkit.rmst``."""
    table, names = _counted(df, time, event, group, None, entry)
    names.pop("stratum")
    return survkit.rmst_counts(table, **names, tau=tau, conf_level=conf_level)


# ---------------------------------------------------------------------------------------------
# Cox proportional hazards: one aggregation per Newton iteration

_SURV = re.compile(r"^\s*Surv\s*\((?P<args>[^()]*)\)\s*~(?P<terms>.*)$")
_NAME = re.compile(r"^`[^`]+`$|^[A-Za-z._][A-Za-z0-9._]*$")
_STRATA = re.compile(r"^strata\s*\(\s*(?P<column>[^()]+?)\s*\)$")


_FACTOR = re.compile(r"^factor\s*\(\s*(?P<column>[^()]+?)\s*\)$")


def _parse_formula(formula: str) -> Tuple[Optional[str], str, str, List[str], List[str], Optional[str]]:
    """(entry, time, status, covariates, factors, stratum) of ``Surv([entry,] time, status) ~ x
    + factor(y) + strata(s)``; anything else is refused, naming what is supported."""
    match = _SURV.match(formula)
    if match is None:
        raise ValueError(
            f"formula '{formula}': survkit.spark.cox reads Surv(time, status) ~ x + factor(y) + strata(s) "
            "(or Surv(entry, time, status))"
        )
    args = [a.strip().strip("`") for a in match["args"].split(",")]
    if len(args) not in (2, 3) or not all(args):
        raise ValueError(f"formula '{formula}': Surv() takes (time, status) or (entry, time, status)")
    entry = args[0] if len(args) == 3 else None
    time, status = args[-2], args[-1]
    covariates, factors, stratum = [], [], None
    for raw in match["terms"].split("+"):
        term = raw.strip()
        strata, factor = _STRATA.match(term), _FACTOR.match(term)
        if strata is not None:
            if stratum is not None:
                raise ValueError(f"formula '{formula}': one strata() term is supported; combine the columns")
            stratum = strata["column"].strip("`")
        elif factor is not None:
            covariates.append(factor["column"].strip("`"))
            factors.append(covariates[-1])
        elif _NAME.match(term):
            covariates.append(term.strip("`"))
        else:
            raise ValueError(
                f"formula '{formula}': the term '{term}' is not supported by survkit.spark.cox, which "
                "takes covariates, factor() and strata(); fit the collected rows with survkit.cox for "
                "interactions, relevel(), cluster() or offsets"
            )
    if not covariates:
        raise ValueError(f"formula '{formula}': the model has no covariates")
    return entry, time, status, covariates, factors, stratum


def _label(value: Any) -> str:
    """A value's text as survkit reads a number from a data frame (Rust's shortest round-trip
    decimal, whole numbers without a point) or a text label (trimmed)."""
    if isinstance(value, str):
        return value.strip()
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return np.format_float_positional(number, unique=True, trim="-")


def _as_number(label: str) -> Optional[float]:
    try:
        return float(label)
    except ValueError:
        return None


def _levels(values: Sequence[Any]) -> List[List[Any]]:
    """A factor's levels as R's ``factor()`` orders them (survkit's ``LabelCollector``):
    numerically when every label is a number, labels that are the same number one level;
    otherwise by byte order. Each level is the list of the column's values it holds."""
    labels: Dict[str, List[Any]] = {}
    for value in values:
        labels.setdefault(_label(value), []).append(value)
    numbers = {label: _as_number(label) for label in labels}
    if all(n is not None for n in numbers.values()):
        ordered = sorted(labels, key=lambda label: numbers[label])
        levels: List[List[Any]] = []
        for k, label in enumerate(ordered):
            if k and numbers[label] == numbers[ordered[k - 1]]:
                levels[-1].extend(labels[label])
            else:
                levels.append([label, *labels[label]])
        return levels
    return [[label, *labels[label]] for label in sorted(labels, key=lambda label: label.encode("utf-8"))]


#: R's ``toler.chol`` (``.Machine$double.eps^0.75``), as survkit's ``linalg``.
_TOLER_CHOL = 1.8189894035458565e-12


class _Ldl:
    """A = L D L' of a symmetric positive semi-definite matrix with R's ``cholesky2`` rule: a
    pivot below toler × the largest diagonal entry marks its column singular (no step, no
    variance there), as survkit's ``linalg::Ldl``."""

    def __init__(self, a: np.ndarray) -> None:
        n = a.shape[0]
        m = np.tril(np.array(a, dtype="float64"))
        if not np.all(np.isfinite(m)):
            raise FloatingPointError("the information matrix is not finite")
        largest = max(0.0, float(np.max(np.diag(m)))) if n else 0.0
        eps = _TOLER_CHOL if largest == 0.0 else largest * _TOLER_CHOL
        for i in range(n):
            pivot = m[i, i]
            if not math.isfinite(pivot) or pivot < eps:
                m[i, i] = 0.0
                continue
            for j in range(i + 1, n):
                temp = m[j, i] / pivot
                m[j, i] = temp
                m[j, j] -= temp * temp * pivot
                for k in range(j + 1, n):
                    m[k, j] -= temp * m[k, i]
        self.factor = m

    def singular(self, j: int) -> bool:
        return bool(self.factor[j, j] == 0.0)

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x with A x = b, singular coordinates 0 (R's ``chsolve2``)."""
        if not np.all(np.isfinite(b)):
            raise FloatingPointError("the score is not finite")
        m, n = self.factor, len(b)
        y = np.array(b, dtype="float64")
        for i in range(n):
            y[i] = y[i] - sum(y[j] * m[i, j] for j in range(i))
        for i in reversed(range(n)):
            if m[i, i] == 0.0:
                y[i] = 0.0
            else:
                y[i] = y[i] / m[i, i] - sum(y[j] * m[j, i] for j in range(i + 1, n))
        return y

    def inverse(self) -> np.ndarray:
        """The generalised inverse: zero rows and columns where singular (R's ``chinv2``)."""
        n = self.factor.shape[0]
        inverse = np.zeros((n, n))
        for k in range(n):
            if not self.singular(k):
                unit = np.zeros(n)
                unit[k] = 1.0
                inverse[:, k] = self.solve(unit)
        return (inverse + inverse.T) / 2.0


class _Evaluation:
    """ℓ(β), U(β) and I(β)."""

    def __init__(self, loglik: float, score: np.ndarray, information: np.ndarray) -> None:
        self.loglik, self.score, self.information = loglik, score, information


class _CoxProblem:
    """The rows of a Cox model on the cluster, and the partial likelihood at β by one
    aggregation.

    # Formulas (as survkit's ``cox/partial.rs``, R's ``coxfit6.c``/``agfit4.c``)
    With centred covariates x, risk scores r_i = w_i exp(coxsafe(x_i'β)) and, per stratum and
    distinct time t, S_k(t) = Σ_{exit ≥ t} r x^{⊗k} − Σ_{entry ≥ t} r x^{⊗k} (k = 0, 1, 2), the
    events' sums E_k, d events of positive weight and total weight D: Breslow ℓ += Σ w x'β −
    D log S₀; Efron, for j = 0..d−1 with f = j/d and m = D/d, ℓ −= m log(S₀ − f E₀), U −= m
    (S₁ − f E₁)/(S₀ − f E₀), I += m [(S₂ − f E₂)/(S₀ − f E₀) − mean mean'].

    The cluster computes, per (stratum, time, exit or entry), Σ r x^{⊗k} over the rows and over
    the events, d, D and Σ w x over the events; the driver sums the rows of times tied by R's
    ``timefix`` rule, accumulates S_k from the latest time down, and adds each event time's
    terms (vectorised with numpy).
    """

    def __init__(
        self, df: Any, entry: Optional[str], time: str, status: str, covariates: List[str], factors: List[str],
        stratum: Optional[str], weights: Optional[str], ties: str,
    ) -> None:
        F = _functions()
        from pyspark.sql.types import BooleanType, NumericType

        if ties not in ("efron", "breslow"):
            raise ValueError(f"ties '{ties}': survkit.spark.cox supports efron and breslow")
        self.ties = ties
        types = {field.name: field.dataType for field in df.schema.fields}
        for column in [c for c in (time, status, entry, weights, stratum) if c is not None] + covariates:
            if column not in types:
                raise ValueError(f"there is no column '{column}'; the columns are: {', '.join(types)}")
        # a column of text is a factor unless every label is a number, as survkit reads a frame
        numeric_type = {c: isinstance(types[c], (NumericType, BooleanType)) for c in covariates}
        labelled = [c for c in covariates if c in factors or not numeric_type[c]]
        used = [time, *covariates, status] + [c for c in (entry, weights, stratum) if c is not None]
        # one pass: the rows left out for a missing value, n, the numeric covariates' means and
        # spread, the labels of the others, the status values and the weights' range
        complete = _complete(df, used)

        def kept(value: Any) -> Any:
            return F.when(complete, value)

        def spread(name: str, x: Any) -> List[Any]:
            x = kept(x)
            return [F.sum(x).alias(f"sum_{name}"), F.min(x).alias(f"min_{name}"), F.max(x).alias(f"max_{name}")]

        aggregates = [
            F.sum(F.when(complete, 0).otherwise(1)).alias("missing"),
            F.sum(F.when(complete, 1).otherwise(0)).alias("n"),
            F.collect_set(kept(_column(status))).alias("status"),
        ]
        for k, c in enumerate(covariates):
            if c in labelled:
                aggregates.append(F.collect_set(kept(_column(c))).alias(f"labels{k}"))
            else:
                aggregates += spread(str(k), _column(c).cast("double"))
        if weights is not None:
            aggregates.append(F.min(kept(_column(weights).cast("double"))).alias("min_weight"))
        first = df.agg(*aggregates).collect()[0]
        _warn_missing(int(first["missing"] or 0), used)
        df = df.where(complete)
        self.n = int(first["n"] or 0)
        if self.n == 0:
            raise ValueError("no rows with every used value")
        if weights is not None and first["min_weight"] < 0:
            raise ValueError(f"column '{weights}' has a negative case weight")
        # the design: (name, expression, summary of its spread or None until a second pass)
        design: List[Tuple[str, Any, Optional[Tuple[float, float, float]]]] = []
        for k, c in enumerate(covariates):
            if c not in labelled:
                summary = (first[f"sum_{k}"], first[f"min_{k}"], first[f"max_{k}"])
                design.append((c, _column(c).cast("double"), summary))
                continue
            values = list(first[f"labels{k}"])
            if c not in factors and all(_as_number(_label(v)) is not None for v in values):
                design.append((c, F.trim(_column(c)).cast("double"), None))
                continue
            levels = _levels(values)
            if len(levels) < 2:
                raise ValueError(f"factor '{c}' has one level ({levels[0][0] if levels else ''}) on every row")
            value = F.trim(_column(c)) if not numeric_type[c] else _column(c)
            for level in levels[1:]:
                design.append((f"{c}={level[0]}", value.isin(level[1:]).cast("double"), None))
        pending = [j for j, (_, _, summary) in enumerate(design) if summary is None]
        if pending:
            second = df.agg(*[a for j in pending for a in spread(str(j), design[j][1])]).collect()[0]
            for j in pending:
                design[j] = (design[j][0], design[j][1], (second[f"sum_{j}"], second[f"min_{j}"], second[f"max_{j}"]))
        for name, _, (_, low, high) in design:
            if low == high:
                raise ValueError(f"covariate '{name}' has the same value ({low:g}) on every row")
        self.names, self.p = [name for name, _, _ in design], len(design)
        self.means = [summary[0] / self.n for _, _, summary in design]
        coding = _event_coding(list(first["status"]), status)
        events = [v for v, is_event in coding.items() if is_event]
        is_event = _column(status).isin(events) if events else F.lit(False)
        weight = _column(weights).cast("double") if weights is not None else F.lit(1.0)
        centred = [(x - F.lit(m)).alias(f"x{j}") for j, ((_, x, _), m) in enumerate(zip(design, self.means))]
        strat = [_column(stratum).alias("stratum")] if stratum is not None else [F.lit(0).alias("stratum")]
        exits = df.select(*strat, _column(time).cast("double").alias("t"), F.lit(False).alias("is_entry"),
                          is_event.alias("event"), weight.alias("w"), *centred)
        if entry is not None:
            entries = df.select(*strat, _column(entry).cast("double").alias("t"), F.lit(True).alias("is_entry"),
                                F.lit(False).alias("event"), weight.alias("w"), *centred)
            exits = exits.unionByName(entries)
        self.rows = exits
        self.pairs = [(j, l) for j in range(self.p) for l in range(j, self.p)]
        self.events = 0.0

    def _sums(self, beta: np.ndarray) -> pd.DataFrame:
        """One aggregation: per (stratum, time, exit or entry) the risk-set and event sums at β."""
        F = _functions()
        p = self.p
        eta = F.lit(0.0)
        for j in range(p):
            eta = eta + F.col(f"x{j}") * F.lit(float(beta[j]))
        safe = F.least(F.greatest(eta, F.lit(-200.0)), F.lit(22.0))
        risk = F.when(F.col("w") == 0.0, F.lit(0.0)).otherwise(F.col("w") * F.exp(safe))
        event = F.col("event")
        x = [F.col(f"x{j}") for j in range(p)]

        def both(name: str, value: Any) -> List[Any]:
            return [F.sum(value).alias(name), F.sum(F.when(event, value).otherwise(0.0)).alias("e_" + name)]

        sums = both("s0", risk)
        for j in range(p):
            sums += both(f"s1_{j}", risk * x[j])
        for j, l in self.pairs:
            sums += both(f"s2_{j}_{l}", risk * x[j] * x[l])
        positive = event & (F.col("w") > 0.0)
        sums += [
            F.sum(F.when(positive, 1).otherwise(0)).alias("d"),
            F.sum(F.when(event, F.col("w")).otherwise(0.0)).alias("event_weight"),
            F.sum(F.when(safe != eta, 1).otherwise(0)).alias("clamped"),
            F.sum(F.when(event, F.col("w") * safe).otherwise(0.0)).alias("event_eta"),
        ]
        sums += [F.sum(F.when(event, F.col("w") * x[j]).otherwise(0.0)).alias(f"event_x{j}") for j in range(p)]
        return self.rows.groupBy("stratum", "t", "is_entry").agg(*sums).toPandas()

    def _fix_times(self, table: pd.DataFrame) -> np.ndarray:
        """The times tied by R's ``timefix`` rule (survkit's ``timefix``): each run of distinct
        times closer than √ε (absolute, or relative to their mean magnitude) becomes its
        smallest member."""
        unique = np.unique(table["t"].to_numpy(dtype="float64"))
        unique = unique[np.isfinite(unique)]
        if len(unique) < 2:
            return table["t"].to_numpy(dtype="float64")
        tolerance = 1.4901161193847656e-08
        mean_abs = sum(abs(float(v)) for v in unique) / len(unique)
        gaps = np.diff(unique)
        tied = (gaps <= tolerance) | (gaps / mean_abs <= tolerance)
        cuts = np.concatenate([[unique[0]], unique[1:][~tied]])
        values = table["t"].to_numpy(dtype="float64")
        return cuts[np.maximum(np.searchsorted(cuts, values, side="right") - 1, 0)]

    def _combine(self, table: pd.DataFrame, beta: np.ndarray) -> _Evaluation:
        """ℓ, U and I at β from the sums of one aggregation (``_sums``), on the driver."""
        p, pairs = self.p, self.pairs
        table = table.assign(t=self._fix_times(table))
        self.events = float(table["event_weight"].sum())
        loglik, score, packed = 0.0, np.zeros(p), np.zeros(len(pairs))
        s1_names = [f"s1_{j}" for j in range(p)]
        s2_names = [f"s2_{j}_{l}" for j, l in pairs]
        for _, rows in table.groupby("stratum", sort=False, dropna=False):
            event_x = rows[[f"event_x{j}" for j in range(p)]].sum().to_numpy()
            score += event_x
            if rows["clamped"].sum() > 0:
                loglik += float(rows["event_eta"].sum())
            else:
                loglik += float(event_x @ beta)
            # per distinct time, latest first: exits add to the risk set, entries leave it
            sign = np.where(rows["is_entry"].to_numpy(), -1.0, 1.0)[:, None]
            columns = ["s0", *s1_names, *s2_names]
            signed = pd.DataFrame(rows[columns].to_numpy() * sign, columns=columns)
            signed["t"] = rows["t"].to_numpy()
            exits = rows[~rows["is_entry"]]
            at_time = signed.groupby("t").sum()
            events = exits.groupby("t")[["e_s0", *["e_" + c for c in s1_names], *["e_" + c for c in s2_names],
                                         "d", "event_weight"]].sum()
            at_time = at_time.join(events, how="left").fillna(0.0).sort_index(ascending=False)
            cumulative = at_time[columns].cumsum().to_numpy()
            d = at_time["d"].to_numpy()
            with_events = d > 0
            if not with_events.any():
                continue
            s = cumulative[with_events]
            e = at_time[["e_s0", *["e_" + c for c in s1_names], *["e_" + c for c in s2_names]]].to_numpy()[with_events]
            d = d[with_events]
            weight = at_time["event_weight"].to_numpy()[with_events]
            steps = d.astype("int64") if self.ties == "efron" else np.ones(len(d), dtype="int64")
            mean_weight = weight / steps
            per_death = 1.0 / d
            step_loglik, step_score, step_info = _efron_terms(s, e, steps, mean_weight, per_death, p, len(pairs))
            loglik -= step_loglik
            score -= step_score
            packed += step_info
        information = np.zeros((p, p))
        for k, (j, l) in enumerate(pairs):
            information[j, l] = information[l, j] = packed[k]
        return _Evaluation(loglik, score, information)


def _efron_terms(
    s: np.ndarray, e: np.ndarray, steps: np.ndarray, mean_weight: np.ndarray, per_death: np.ndarray,
    p: int, q: int, chunk: int = 65536,
) -> Tuple[float, np.ndarray, np.ndarray]:
    """Σ m log S₀ₖ, Σ m S₁ₖ/S₀ₖ and Σ m (S₂ₖ/S₀ₖ − mean mean') over every event time and Efron
    sub-step k (one step per time for Breslow), S_k = S − (k/d) E; S and E hold s0, s1 (p) and
    the packed upper triangle of s2 (q) per time. In chunks of sub-steps, to bound memory."""
    pairs = [(j, l) for j in range(p) for l in range(j, p)]
    first = [j for j, _ in pairs]
    second = [l for _, l in pairs]
    loglik, score, info = 0.0, np.zeros(p), np.zeros(q)
    time_of = np.repeat(np.arange(len(steps)), steps)
    start = np.repeat(np.cumsum(steps) - steps, steps)
    k = np.arange(len(time_of)) - start
    for begin in range(0, len(time_of), chunk):
        which = time_of[begin:begin + chunk]
        f = (k[begin:begin + chunk] * per_death[which])[:, None]
        sums = s[which] - f * e[which]
        s0 = sums[:, 0]
        m = mean_weight[which]
        mean = sums[:, 1:1 + p] / s0[:, None]
        loglik += float(np.sum(m * np.log(s0)))
        score += (m[:, None] * mean).sum(axis=0)
        second_moment = sums[:, 1 + p:] / s0[:, None] - mean[:, first] * mean[:, second]
        info += (m[:, None] * second_moment).sum(axis=0)
    return loglik, score, info


def _newton(
    objective: Any, p: int, eps: float, max_iter: int
) -> Tuple[np.ndarray, _Evaluation, _Evaluation, int, bool]:
    """survkit's Newton–Raphson (``cox/newton.rs``, R's ``coxfit6.c``): from β = 0, β ← β +
    I⁻¹U; converged when |1 − ℓ_old/ℓ_new| ≤ eps and the last step was not halved; a step that
    lowers ℓ is halved towards the last accepted β; at most ``max_iter`` iterations. Returns
    (β, evaluation at β, evaluation at 0, iterations, converged)."""

    def step(beta: np.ndarray, at: _Evaluation) -> Optional[np.ndarray]:
        try:
            delta = _Ldl(at.information).solve(at.score)
        except FloatingPointError:
            return None
        following = beta + delta
        return following if np.all(np.isfinite(following)) else None

    at_start = objective(np.zeros(p))
    beta = np.zeros(p)
    loglik_old = at_start.loglik
    halving, converged, iterations = False, False, 0
    last, accepted = at_start, at_start
    new_beta = step(beta, at_start) if math.isfinite(at_start.loglik) else None
    if new_beta is None:
        return beta, at_start, at_start, iterations, converged
    for iteration in range(1, max_iter + 1):
        iterations = iteration
        current = objective(new_beta)
        if not halving and abs(1.0 - loglik_old / current.loglik) <= eps:
            last, converged = current, True
            break
        worse = current.loglik < loglik_old or not math.isfinite(current.loglik)
        if iteration == max_iter:
            if worse:
                return beta, accepted, at_start, iterations, False
            last = current
            break
        if worse:
            halving = True
            new_beta = (new_beta + beta) / 2.0
        else:
            halving = False
            loglik_old = current.loglik
            accepted = current
            beta = new_beta.copy()
            following = step(beta, current)
            if following is None:
                return beta, current, at_start, iterations, False
            new_beta = following
        last = current
    return new_beta, last, at_start, iterations, converged


def _chisq_sf(statistic: float, df: int) -> float:
    """P(χ²_df > statistic) for a whole df ≥ 1, in closed form: e^{−x/2} Σ (x/2)^i/i! for even
    df; erfc(√(x/2)) plus the half-integer terms for odd df."""
    if not math.isfinite(statistic):
        return float("nan") if math.isnan(statistic) else 0.0
    if statistic <= 0.0:
        return 1.0
    half = statistic / 2.0
    if df % 2 == 0:
        term, total = math.exp(-half), 0.0
        for i in range(df // 2):
            if i:
                term *= half / i
            total += term
        return min(total, 1.0)
    total = math.erfc(math.sqrt(half))
    term = math.exp(-half) * math.sqrt(half) / math.gamma(1.5)
    for i in range((df - 1) // 2):
        if i:
            term *= half / (i + 0.5)
        total += term
    return min(total, 1.0)


def _quadratic_form(a: np.ndarray, b: np.ndarray) -> Tuple[float, int]:
    """b'A⁻b and the rank of A (survkit's ``linalg::quadratic_form``)."""
    ldl = _Ldl(a)
    x = ldl.solve(b)
    return float(np.dot(x, b)), sum(1 for j in range(len(b)) if not ldl.singular(j))


class CoxFit:
    """A Cox model fitted on a Spark DataFrame: the estimates and model-based variance of R's
    ``coxph`` (and ``survkit.cox``): ``coef``, ``se``, ``var``, ``hazard_ratio``, ``conf_int``,
    ``p_value``, ``loglik`` = [ℓ(0), ℓ(β̂)], ``tests`` (likelihood ratio, Wald, score),
    ``summary()`` as R's ``summary(coxph)`` table, ``to_dict()`` with the keys of
    ``survkit.cox(...).to_dict()`` that it has, and ``timings``: the seconds of each aggregation
    on the cluster and of the driver's work."""

    def __init__(
        self, names: List[str], beta: np.ndarray, variance: np.ndarray, loglik: Tuple[float, float],
        tests: Dict[str, Dict[str, Optional[float]]], n: int, events: float, iterations: int, converged: bool,
        ties: str, conf_level: float, warnings: List[str], timings: Dict[str, Any],
    ) -> None:
        self.names, self.var = list(names), variance
        self._beta = beta
        self.loglik = [float(loglik[0]), float(loglik[1])]
        self.tests = tests
        self.n, self.events, self.iterations, self.converged = n, events, iterations, converged
        self.ties, self.conf_level, self.warnings, self.timings = ties, conf_level, warnings, timings

    def _index(self, term: str) -> int:
        if term not in self.names:
            raise ValueError(f"the model has no term '{term}'; its terms are: {', '.join(self.names)}")
        return self.names.index(term)

    def coef(self, term: str) -> float:
        """The coefficient β (log hazard ratio) of a term."""
        return float(self._beta[self._index(term)])

    def se(self, term: str) -> float:
        """The model-based standard error of a term's coefficient."""
        return math.sqrt(self.var[self._index(term), self._index(term)])

    def hazard_ratio(self, term: str) -> float:
        """exp(β) of a term."""
        return math.exp(self.coef(term))

    def p_value(self, term: str) -> float:
        """The Wald p-value of a term."""
        return math.erfc(abs(self.coef(term) / self.se(term)) / math.sqrt(2.0))

    def conf_int(self, term: str) -> Tuple[float, float]:
        """The Wald limits of a term's hazard ratio at the fit's level."""
        from statistics import NormalDist

        z = NormalDist().inv_cdf((1.0 + self.conf_level) / 2.0)
        b, se = self.coef(term), self.se(term)
        return math.exp(b - z * se), math.exp(b + z * se)

    def to_dict(self) -> Dict[str, Any]:
        """The fit with the keys of ``survkit.cox(...).to_dict()`` that it has (``terms``,
        ``loglik``, ``tests``, ``variance``, ``n``, ``events``, ``iterations``, ``converged``,
        ``ties``, ``conf_level``, ``warnings``)."""
        terms = []
        for term in self.names:
            b, se = self.coef(term), self.se(term)
            lower, upper = self.conf_int(term)
            terms.append({
                "term": term, "coef": b, "se": se, "hr": math.exp(b), "hr_lower": lower, "hr_upper": upper,
                "z": b / se, "p_value": self.p_value(term),
            })
        return {
            "n": self.n, "events": self.events, "ties": self.ties, "conf_level": self.conf_level,
            "converged": self.converged, "iterations": self.iterations, "loglik": list(self.loglik),
            "warnings": list(self.warnings), "terms": terms, "tests": self.tests,
            "variance": self.var.tolist(),
        }

    def summary(self) -> pd.DataFrame:
        """R's ``summary(coxph)`` table: coef, exp(coef), se(coef), z, Pr(>|z|) and the hazard
        ratio's limits, one row per term."""
        suffix = f"{self.conf_level:g}".lstrip("0")
        rows = []
        for t in self.to_dict()["terms"]:
            rows.append({
                "coef": t["coef"], "exp(coef)": t["hr"], "se(coef)": t["se"], "z": t["z"],
                "Pr(>|z|)": t["p_value"], f"lower {suffix}": t["hr_lower"], f"upper {suffix}": t["hr_upper"],
            })
        return pd.DataFrame(rows, index=self.names, dtype="float64")

    def __repr__(self) -> str:
        header = (
            f"Cox proportional hazards on Spark (ties: {self.ties}); n = {self.n}, events = {self.events:g}, "
            f"{self.iterations} iterations{'' if self.converged else ' (not converged)'}"
        )
        return header + "\n" + self.summary().to_string(float_format=lambda v: f"{v:.4g}")


def cox(
    df: Any,
    formula: Optional[str] = None,
    *,
    time: Optional[str] = None,
    event: Optional[str] = None,
    covariates: Optional[Sequence[str]] = None,
    factors: Sequence[str] = (),
    entry: Optional[str] = None,
    strata: Optional[str] = None,
    weights: Optional[str] = None,
    ties: str = "efron",
    conf_level: float = 0.95,
    eps: float = 1e-9,
    max_iter: int = 20,
    cache: bool = True,
) -> CoxFit:
    """Cox proportional hazards on a Spark DataFrame, with one distributed aggregation per
    Newton–Raphson iteration: the coefficients and variance of ``survkit.cox`` (and so R's
    ``coxph``) on the same rows.

    The model is either a ``formula`` (``"Surv(time, status) ~ age + factor(ecog) +
    strata(inst)"``, ``Surv(entry, time, status)`` for delayed entry) or ``time``, ``event``,
    ``covariates`` and optionally ``factors`` (the covariates read as factors), ``entry`` and
    ``strata``. Covariates are numeric columns, ``factor()`` columns and text columns (a factor
    unless every label is a number, as survkit reads a data frame): a factor gives one 0/1
    column ``COL=LEVEL`` per level after the reference (the first in R's ``factor()`` order:
    numeric when every label is a number, else byte order), its levels found on the cluster.
    Interactions, ``relevel()``, ``cluster()`` and exact ties are refused. ``weights`` names a
    column of case weights (≥ 0); the variance is the model-based one (survkit and R use the
    robust one for fractional weights).

    On the cluster, per iteration, by (stratum, time): Σ w e^{x'β}, Σ w x e^{x'β}, Σ w x x'
    e^{x'β} over the rows leaving (and, with ``entry``, entering) at that time and over the
    events, the events' number and weight; on the driver, those sums accumulated from the
    latest time down give ℓ, U and I (Breslow or Efron ties) and survkit's Newton step: start at
    β = 0, halve a step that lowers ℓ, stop when |1 − ℓ_old/ℓ_new| ≤ ``eps`` after a full step,
    at most ``max_iter`` iterations. Covariates are centred at their means first (as survkit
    and R do), and times within √ε are tied as R's ``timefix``. ``cache`` keeps the prepared
    rows in the executors' memory across iterations.
    """
    import time as clock

    started = clock.perf_counter()
    if formula is not None:
        if any(v is not None for v in (time, event, covariates, entry, strata)) or factors:
            raise ValueError(
                "give either a formula or time=, event=, covariates= (factors=, entry=, strata=), not both"
            )
        entry, time, event, covariates, factors, strata = _parse_formula(formula)
    else:
        if time is None or event is None or not covariates:
            raise ValueError("give a formula, or time=, event= and covariates=")
        unknown = [f for f in factors if f not in covariates]
        if unknown:
            raise ValueError(f"factors names '{unknown[0]}', which is not in covariates")
    if not (0.0 < conf_level < 1.0):
        raise ValueError(f"conf_level must be between 0 and 1; got {conf_level}")
    if not (1e-14 <= eps < 1.0) or not (1 <= max_iter <= 1000):
        raise ValueError("eps must be in [1e-14, 1) and max_iter in 1..1000")
    problem = _CoxProblem(df, entry, time, event, [str(c) for c in covariates], [str(f) for f in factors],
                          strata, weights, ties)
    names = problem.names
    if cache:
        problem.rows = problem.rows.persist()
    prepared = clock.perf_counter()
    evaluations: List[Tuple[float, float]] = []

    def objective(beta: np.ndarray) -> _Evaluation:
        at = clock.perf_counter()
        table = problem._sums(beta)
        aggregated = clock.perf_counter()
        result = problem._combine(table, beta)
        evaluations.append((aggregated - at, clock.perf_counter() - aggregated))
        return result

    try:
        beta, at_beta, at_start, iterations, converged = _newton(objective, len(names), float(eps), int(max_iter))
    finally:
        if cache:
            problem.rows.unpersist()
    p = len(names)
    warnings = []
    if not converged:
        warnings.append(f"the fit did not converge in {iterations} iterations; the estimates may be unreliable")
    try:
        variance = _Ldl(at_beta.information).inverse()
        start_ldl = _Ldl(at_start.information)
    except FloatingPointError:
        raise ValueError("the likelihood overflows: the covariates' values are too large (rescale them)") from None
    unidentified = [start_ldl.singular(j) for j in range(p)]
    # R's divergence rule (survkit's newton::diverging): ℓ has converged, yet the next step is large
    next_step = variance @ at_beta.score
    rule_eps = max(float(eps), 1e-14)
    for j in range(p):
        size = abs(next_step[j])
        if math.isfinite(size) and size > rule_eps and size > math.sqrt(rule_eps) * max(1.0, abs(beta[j])):
            warnings.append(f"the coefficient of {names[j]} may be infinite (monotone likelihood)")
    for j in (j for j in range(p) if unidentified[j]):
        warnings.append(f"the data hold no information on {names[j]}: its coefficient is not identifiable")
        variance[j, :] = variance[:, j] = float("nan")
    df_model = p - sum(unidentified)
    lr = 2.0 * (at_beta.loglik - at_start.loglik)
    if abs(lr) <= 1e-9 * max(abs(at_start.loglik), 1.0):
        lr = 0.0
    wald, _ = _quadratic_form(np.nan_to_num(variance), beta)
    score, _ = _quadratic_form(at_start.information, at_start.score)

    def test(statistic: float) -> Dict[str, Optional[float]]:
        return {"statistic": statistic, "df": df_model, "p_value": _chisq_sf(statistic, df_model)}

    tests = {"likelihood_ratio": test(lr), "wald": test(wald), "score": test(score)}
    timings = {
        "prepare": prepared - started,
        "aggregations": [a for a, _ in evaluations],
        "driver": [d for _, d in evaluations],
        "total": clock.perf_counter() - started,
    }
    return CoxFit(
        names, beta, variance, (at_start.loglik, at_beta.loglik), tests, problem.n, problem.events,
        iterations, converged, ties, float(conf_level), warnings, timings,
    )


# ---------------------------------------------------------------------------------------------
# bootstrap over Spark tasks


def bootstrap(
    data: Any,
    formula: str,
    statistic: str = "log-hr",
    replicates: int = 2000,
    seed: int = 1,
    tasks: int = 2,
    spark: Any = None,
    threads: int = 1,
    **options: Any,
) -> "survkit.BootstrapResult":
    """A bootstrap spread over Spark tasks by replicate range, merged as ``survkit bootstrap
    merge`` merges ``--replicate-range`` runs: the result equals ``survkit.bootstrap(formula,
    rows, statistic, replicates, seed, **options)`` on one machine.

    ``data`` is a Spark DataFrame (collected to the driver in its order: the resampling draws
    rows by position, so sort it first for a result that does not depend on the partitioning)
    or a pandas DataFrame (then ``spark`` is the SparkSession, by default the active one). The
    rows go to the tasks as one broadcast variable; task k runs replicates
    ``k·B/tasks .. (k+1)·B/tasks`` with ``threads`` threads (replicate r draws from random
    stream r of the seed, whatever the range or thread count). Every task computes the estimate
    and, for BCa limits, the jackknife on the full data (the merge checks that they agree).
    ``options``: those of ``survkit.bootstrap`` (ci, conf_level, alpha, tau, stratify, firth,
    weights, cause, censor_value). The executors need survkit installed.
    """
    if replicates < 1 or tasks < 1:
        raise ValueError(f"replicates and tasks must be ≥ 1; got {replicates} and {tasks}")
    if isinstance(data, pd.DataFrame):
        frame = data
        if spark is None:
            from pyspark.sql import SparkSession

            spark = SparkSession.getActiveSession()
            if spark is None:
                raise ValueError("no active SparkSession: pass spark=")
    else:
        _functions()
        frame, spark = data.toPandas(), data.sparkSession
    run = survkit._bootstrap_options(
        statistic, seed, threads, options.pop("ci", "percentile,bca"), options.pop("conf_level", 0.95),
        options.pop("alpha", 0.05), options.pop("tau", None), options.pop("stratify", False),
        options.pop("firth", False), options.pop("weights", "logrank"), options.pop("cause", None),
        options.pop("censor_value", 0),
    )
    if options:
        raise TypeError(f"unknown options: {', '.join(sorted(options))}")
    tasks = min(int(tasks), int(replicates))
    bounds = [replicates * k // tasks for k in range(tasks + 1)]
    ranges = [(bounds[k], bounds[k + 1]) for k in range(tasks)]
    shared = spark.sparkContext.broadcast(frame)

    def shard(bounds: Tuple[int, int]) -> str:
        try:
            import survkit as on_executor
        except ImportError as e:
            raise ImportError(
                "survkit is not installed for the Python the Spark executors run; in local mode, set "
                "PYSPARK_PYTHON to the driver's Python (sys.executable) before the session starts"
            ) from e

        table = on_executor._table(shared.value)
        _, saved = on_executor._bootstrap_range(table, formula, bounds, True, run)
        return saved

    try:
        parts = spark.sparkContext.parallelize(ranges, len(ranges)).map(shard).collect()
    finally:
        shared.unpersist()
    fitted = _survkit.bootstrap_merge(parts)
    return survkit.BootstrapResult(fitted)
