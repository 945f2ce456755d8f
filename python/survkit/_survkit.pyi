"""Type stubs of the compiled half of survkit (PyO3); use the functions in ``survkit``."""

from typing import Dict, List, Optional, Sequence, Tuple, Union

class Table:
    @property
    def source(self) -> str: ...
    @property
    def n_rows(self) -> int: ...
    @property
    def names(self) -> List[str]: ...

class Fitted:
    @property
    def json(self) -> str: ...
    @property
    def text(self) -> str: ...
    def cox_term(self, term: str) -> Tuple[float, float, float, float, float]: ...
    def km_median(self, group: str) -> str: ...
    def km_survival_at(self, group: str, time: float) -> float: ...
    def rmst_difference(self) -> str: ...

def read_csv(path: str) -> Table: ...
def from_columns(source: str, columns: Sequence[Tuple[str, str, Union[bytes, List[Optional[str]]]]]) -> Table: ...
def cox(
    table: Table,
    formula: str,
    ties: str,
    conf_level: float,
    robust: Optional[bool],
    firth: bool,
    ci: str,
    zph: Optional[str],
    eps: float,
    max_iter: int,
) -> Fitted: ...
# counts: (time, n_event, n_censor, n_enter, group, stratum), read instead of a formula's rows
CountNames = Tuple[str, str, str, Optional[str], Optional[str], Optional[str]]

def kaplan_meier(
    table: Table,
    formula: Optional[str],
    counts: Optional[CountNames],
    conf_level: float,
    conf_type: str,
    quantiles: Sequence[float],
    at: Sequence[float],
    cumhaz: bool,
) -> Fitted: ...
def logrank(
    table: Table, formula: Optional[str], counts: Optional[CountNames], weights: str, trend: bool
) -> Fitted: ...
def rmst(
    table: Table, formula: Optional[str], counts: Optional[CountNames], tau: Optional[float], conf_level: float
) -> Fitted: ...
def fragility_counts(treatment: Tuple[int, int], control: Tuple[int, int], test: str, alpha: float) -> Fitted: ...
def bootstrap(
    table: Table,
    formula: str,
    statistic: str,
    cause: Optional[str],
    censor_value: str,
    replicates: Tuple[int, int],
    seed: int,
    threads: Optional[int],
    intervals: str,
    conf_level: float,
    alpha: float,
    tau: Optional[float],
    stratify: bool,
    firth: bool,
    weights: str,
    save_replicates: bool,
) -> Tuple[Fitted, Optional[str]]: ...
def bootstrap_merge(parts: Sequence[str]) -> Fitted: ...
def permutation(
    table: Table,
    formula: str,
    weights: str,
    method: str,
    permutations: int,
    exact_limit: int,
    seed: int,
    threads: Optional[int],
) -> Fitted: ...
def fragility_survival(
    table: Table,
    formula: str,
    test: str,
    tau: Optional[float],
    method: str,
    alpha: float,
    experimental: Optional[str],
    what_if: bool,
    influence: bool,
) -> Fitted: ...
def km_plot(
    table: Table,
    formula: str,
    conf_level: float,
    png: bool,
    width: int,
    height: int,
    ci: bool,
    risk_table: bool,
    median: bool,
    title: Optional[str],
) -> bytes: ...
def from_arrow_stream(source: str, capsule: object) -> Table: ...
def reconstruct(
    arms: Sequence[Tuple[str, str, bytes, str, bytes, Optional[int], Optional[float]]],
    percent: bool,
    published_hr: Sequence[Tuple[str, float]],
) -> Tuple[Fitted, str]: ...
def figure(
    kind: str,
    table: Table,
    formula: str,
    png: bool,
    width: int,
    height: Optional[int],
    title: Optional[str],
    options: dict,
) -> bytes: ...
def cif(
    table: Table,
    formula: str,
    censor_value: str,
    variance: str,
    conf_type: str,
    conf_level: float,
    at: Sequence[float],
    tau: Optional[float],
    rho: float,
) -> Fitted: ...
def finegray(
    table: Table,
    formula: str,
    cause: str,
    censor_value: str,
    conf_level: float,
    max_iter: int,
    gtol: float,
) -> Fitted: ...
def fragility_competing(
    table: Table,
    formula: str,
    cause: str,
    censor_value: str,
    alpha: float,
    rho: float,
    flips: str,
) -> Fitted: ...
def win(
    table: Table,
    columns: Dict[str, Union[str, bool, None, List[str]]],
    lower_is_better: bool,
    threshold: float,
    conf_level: float,
    fragility: Optional[Tuple[float, int]],
    bootstrap: Optional[Tuple[int, int, Optional[int]]],
    compare: Optional[Tuple[str, str]],
    adjust: str,
) -> Fitted: ...
def cafs(
    table: Table,
    columns: Dict[str, Union[str, bool, None, List[str]]],
    lower_is_better: bool,
    threshold: float,
    method: str,
    permutations: int,
    exact_limit: int,
    seed: int,
    threads: Optional[int],
    fragility: Optional[Tuple[float, int]],
    compare: Optional[Tuple[str, str]],
    adjust: str,
) -> Tuple[Fitted, str]: ...
