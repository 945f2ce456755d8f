//! Thin PyO3 bindings over survkit: a table in (a CSV path, or columns the Python side has
//! already converted to float64 numbers or text labels), one analysis run, its JSON and text out.
//!
//! The Python package (`python/survkit/__init__.py`) does the conversions, the keyword options
//! and the result classes; every survkit error becomes a `ValueError` with the library's message.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use survkit::bootstrap::{BootstrapData, BootstrapReplicates, PermutationMethod, PermutationPlan};
use survkit::comparisons::Comparisons;
use survkit::competing::CifVariance;
use survkit::counts::{CountColumns, Counts};
use survkit::fragility::{ArmCounts, CountsFragility, CountsOptions, CountsTest, SurvivalFragility};
use survkit::model;
use survkit::multiplicity::Adjustment;
use survkit::win::{
    Cafs, CafsOptions, Direction, FragilityOptions as WinFragilityOptions, LaterScore, WinOptions, WinStatistics,
};
use survkit::{
    Cif, CifOptions, Column, CompetingData, ConfType, Cox, FineGray, FineGrayOptions, KaplanMeier, LogRank,
    Permutation, PermutationOptions, Render, Rmst, Statistic, SurvData, Table, Ties, Weights,
};

/// The command line's default thread count: every core.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A survkit error as a Python `ValueError`: its message, then each cause not already in it.
fn value_error(e: impl std::error::Error) -> PyErr {
    let mut message = e.to_string();
    let mut cause = e.source();
    let mut depth = 0;
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    PyValueError::new_err(message)
}

fn parse<T: std::str::FromStr>(what: &str, text: &str) -> PyResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>()
        .map_err(|e| PyValueError::new_err(format!("{what} '{text}': {e}")))
}

/// Runs `work` on a thread of its own with the GIL released, looking for Ctrl-C (Python's
/// signal handlers) every 50 ms: on an exception from them (KeyboardInterrupt) it raises the
/// work's stop flag, waits for the work to wind down (each worker finishes the replicate it is
/// on) and raises the exception.
fn interruptible<T: Send>(py: Python<'_>, work: impl FnOnce(&AtomicBool) -> T + Send) -> PyResult<T> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::channel();
        let stop = &stop;
        scope.spawn(move || {
            // the receiver is gone only after an interrupt, when the result is not wanted
            let _ = send.send(work(stop));
        });
        let mut receive = Some(receive);
        loop {
            // the receiver goes into the GIL-free wait and comes back (it is Send, not Sync)
            let waiting = receive.take();
            let (waited, back) = py.allow_threads(move || match waiting {
                Some(r) => (r.recv_timeout(std::time::Duration::from_millis(50)), Some(r)),
                None => (Err(std::sync::mpsc::RecvTimeoutError::Disconnected), None),
            });
            receive = back;
            match waited {
                Ok(result) => return Ok(result),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        stop.store(true, Ordering::Relaxed);
                        return Err(interrupt);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "the analysis thread ended without a result",
                    ));
                }
            }
        }
    })
}

/// A data table held by Rust (survkit's `Table`).
#[pyclass(module = "survkit._survkit", name = "Table", frozen)]
struct PyTable {
    table: Table,
}

#[pymethods]
impl PyTable {
    /// The table's source (the file path, or the name given).
    #[getter]
    fn source(&self) -> String {
        self.table.source().to_string()
    }
    /// The number of rows.
    #[getter]
    fn n_rows(&self) -> usize {
        self.table.n_rows()
    }
    /// The column names.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.table.names()
    }
}

/// Reads a data file as the command line does: Parquet (`.parquet`), Arrow IPC (`.arrow`,
/// `.feather`) or CSV (header row, one row per participant).
#[pyfunction]
fn read_csv(path: &str) -> PyResult<PyTable> {
    Table::read(path).map(|table| PyTable { table }).map_err(value_error)
}

/// Builds a table from columns: `(name, "numeric", bytes of native float64)`,
/// `(name, "labels", list of str or None)` (numeric when every label is a number, as in CSV)
/// or `(name, "categorical", list of str or None)` (a factor whatever its labels).
#[pyfunction]
fn from_columns(source: &str, columns: Vec<(String, String, Bound<'_, PyAny>)>) -> PyResult<PyTable> {
    let mut built = Vec::with_capacity(columns.len());
    for (name, kind, values) in columns {
        match kind.as_str() {
            "numeric" => {
                let bytes: &[u8] = values.extract()?;
                if !bytes.len().is_multiple_of(8) {
                    return Err(PyValueError::new_err(format!(
                        "column '{name}': the numeric buffer is not a whole number of float64 values"
                    )));
                }
                let numbers = bytes
                    .chunks_exact(8)
                    .map(|b| f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                    .collect();
                built.push(Column::numeric(name, numbers));
            }
            "labels" => {
                let labels: Vec<Option<String>> = values.extract()?;
                built.push(Column::labels(name, labels));
            }
            "categorical" => {
                let labels: Vec<Option<String>> = values.extract()?;
                built.push(Column::categorical(name, labels));
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "column '{name}': unknown column kind '{other}'"
                )));
            }
        }
    }
    Table::from_columns(source, built)
        .map(|table| PyTable { table })
        .map_err(value_error)
}

/// Builds a table from an Arrow C stream (the capsule of `__arrow_c_stream__()`, as polars
/// and pyarrow export it): numeric columns are read from the Arrow buffers, without a text
/// round trip; the batches of a chunked table are joined first.
#[pyfunction]
fn from_arrow_stream(py: Python<'_>, source: &str, capsule: &Bound<'_, PyCapsule>) -> PyResult<PyTable> {
    use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
    let named = capsule.name()?.map(|name| name.to_bytes() == b"arrow_array_stream");
    if named != Some(true) {
        return Err(PyValueError::new_err(
            "the data's __arrow_c_stream__() did not return an Arrow array stream capsule",
        ));
    }
    let stream = capsule.pointer() as *mut FFI_ArrowArrayStream;
    // SAFETY: the capsule is named "arrow_array_stream", so by the Arrow PyCapsule interface it
    // holds a valid ArrowArrayStream; from_raw moves the stream out and leaves a released one
    // behind, which the capsule's destructor then skips
    let reader = unsafe { RecordBatchStreamReader::from_raw(stream) }.map_err(value_error)?;
    let table = py.allow_threads(|| -> Result<Table, String> {
        let schema = arrow_array::RecordBatchReader::schema(&reader);
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
        let batch = arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| e.to_string())?;
        Table::from_record_batch(source, &batch).map_err(|e| e.to_string())
    });
    table.map(|table| PyTable { table }).map_err(PyValueError::new_err)
}

/// The fit behind a result, kept for the lookups that need it.
enum Fit {
    Cox(Box<survkit::CoxFit>),
    Km(Box<KaplanMeier>),
    Rmst(Box<Rmst>),
    Other,
}

/// A result: the JSON the command line prints with `--format json`, its text table, and the
/// fit for the lookups (errors name what exists).
#[pyclass(module = "survkit._survkit", name = "Fitted", frozen)]
struct Fitted {
    json: String,
    text: String,
    fit: Fit,
}

fn fitted<R: Render>(result: R, keep: impl FnOnce(R) -> Fit) -> Fitted {
    let json = result.json();
    let text = result.table();
    Fitted {
        json,
        text,
        fit: keep(result),
    }
}

fn wrong_kind(what: &str) -> PyErr {
    PyValueError::new_err(format!("{what} is not available for this kind of result"))
}

#[pymethods]
impl Fitted {
    /// The result as the command line's `--format json` prints it.
    #[getter]
    fn json(&self) -> &str {
        &self.json
    }
    /// The result as the command line's text table.
    #[getter]
    fn text(&self) -> &str {
        &self.text
    }
    /// A Cox term's `(hazard ratio, coef, p-value, lower, upper)`.
    fn cox_term(&self, term: &str) -> PyResult<(f64, f64, f64, f64, f64)> {
        let Fit::Cox(fit) = &self.fit else {
            return Err(wrong_kind("a Cox term"));
        };
        let hr = fit.hazard_ratio(term).map_err(value_error)?;
        let coef = fit.coef(term).map_err(value_error)?;
        let p = fit.p_value(term).map_err(value_error)?;
        let (lower, upper) = fit.conf_int(term).map_err(value_error)?;
        Ok((hr, coef, p, lower, upper))
    }
    /// A Kaplan–Meier curve's median with its limits, as JSON.
    fn km_median(&self, group: &str) -> PyResult<String> {
        let Fit::Km(fit) = &self.fit else {
            return Err(wrong_kind("a median"));
        };
        let median = fit.median(group).map_err(value_error)?;
        serde_json::to_string(median).map_err(value_error)
    }
    /// A Kaplan–Meier curve's S(t).
    fn km_survival_at(&self, group: &str, time: f64) -> PyResult<f64> {
        let Fit::Km(fit) = &self.fit else {
            return Err(wrong_kind("a survival probability"));
        };
        fit.survival_at(group, time).map_err(value_error)
    }
    /// The RMST difference of two arms, as JSON.
    fn rmst_difference(&self) -> PyResult<String> {
        let Fit::Rmst(fit) = &self.fit else {
            return Err(wrong_kind("an RMST difference"));
        };
        let difference = fit.difference().map_err(value_error)?;
        serde_json::to_string(difference).map_err(value_error)
    }
}

/// A Cox proportional-hazards fit (with the options of `survkit cox`).
#[pyfunction]
#[pyo3(signature = (table, formula, ties, conf_level, robust, firth, ci, zph, eps, max_iter))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn cox(
    py: Python<'_>,
    table: &PyTable,
    formula: &str,
    ties: &str,
    conf_level: f64,
    robust: Option<bool>,
    firth: bool,
    ci: &str,
    zph: Option<&str>,
    eps: f64,
    max_iter: usize,
) -> PyResult<Fitted> {
    let profile_ci = match ci {
        "wald" => false,
        "profile" => true,
        other => return Err(PyValueError::new_err(format!("ci '{other}': use wald or profile"))),
    };
    let options = survkit::CoxOptions {
        ties: parse::<Ties>("ties", ties)?,
        conf_level,
        robust,
        eps,
        max_iter,
        profile_ci,
        firth,
        zph: zph.map(|z| parse::<survkit::cox::ZphTransform>("zph", z)).transpose()?,
    };
    let fit = py
        .allow_threads(|| Cox::new(formula).options(options).fit(&table.table))
        .map_err(value_error)?;
    Ok(fitted(fit, |f| Fit::Cox(Box::new(f))))
}

/// The columns of a counts table, as the command line's `--counts` reads them: `(time,
/// n_event, n_censor, n_enter, group, stratum)`, the last three optional; a column literally
/// called `n_enter`, `group` or (where the analysis takes strata) `stratum` is used without
/// being named.
type CountNames = (String, String, String, Option<String>, Option<String>, Option<String>);

/// What an analysis of groups reads: participants' rows through a formula, or aggregated
/// counts (`survkit::counts`, as the command line's `--counts`).
enum Input<'a> {
    Rows(&'a str),
    Counts(Box<Counts>),
}

impl<'a> Input<'a> {
    /// The formula's rows, or else `table` read as counts with the columns `counts` names.
    fn of(table: &Table, formula: Option<&'a str>, counts: Option<CountNames>, takes_strata: bool) -> PyResult<Self> {
        match (formula, counts) {
            (Some(formula), None) => Ok(Input::Rows(formula)),
            (None, Some(names)) => counts_of(table, names, takes_strata).map(|c| Input::Counts(Box::new(c))),
            _ => Err(PyValueError::new_err(
                "give a formula or the columns of counts, not both",
            )),
        }
    }
}

/// Reads `table` as aggregated counts with the columns `names` gives.
fn counts_of(table: &Table, names: CountNames, takes_strata: bool) -> PyResult<Counts> {
    let (time, n_event, n_censor, n_enter, group, stratum) = names;
    let present = table.names();
    let given_or_present = |given: Option<String>, default: &str| {
        given.or_else(|| present.iter().any(|n| n == default).then(|| default.to_string()))
    };
    let columns = CountColumns {
        time,
        n_event,
        n_censor,
        n_enter: given_or_present(n_enter, "n_enter"),
        group: given_or_present(group, "group"),
        strata: match takes_strata {
            true => given_or_present(stratum, "stratum"),
            false => stratum,
        },
        ..CountColumns::default()
    };
    Counts::from_table(table, &columns).map_err(value_error)
}

/// Kaplan–Meier curves (with the options of `survkit km`) of the formula's rows or of counts.
#[pyfunction]
#[pyo3(signature = (table, formula, counts, conf_level, conf_type, quantiles, at, cumhaz))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn kaplan_meier(
    py: Python<'_>,
    table: &PyTable,
    formula: Option<&str>,
    counts: Option<CountNames>,
    conf_level: f64,
    conf_type: &str,
    quantiles: Vec<f64>,
    at: Vec<f64>,
    cumhaz: bool,
) -> PyResult<Fitted> {
    let options = survkit::KmOptions {
        conf_type: parse::<survkit::ConfType>("conf_type", conf_type)?,
        conf_level,
        quantiles,
        at,
        cumhaz,
    };
    let fit = match Input::of(&table.table, formula, counts, true)? {
        Input::Rows(formula) => py
            .allow_threads(|| KaplanMeier::new(formula).options(options).fit(&table.table))
            .map_err(value_error),
        Input::Counts(counts) => py
            .allow_threads(|| KaplanMeier::fit_counts(&counts, &options))
            .map_err(value_error),
    }?;
    Ok(fitted(fit, |f| Fit::Km(Box::new(f))))
}

/// The log-rank family test (with the options of `survkit logrank`) of the formula's rows or
/// of counts.
#[pyfunction]
#[pyo3(signature = (table, formula, counts, weights, trend))]
fn logrank(
    py: Python<'_>,
    table: &PyTable,
    formula: Option<&str>,
    counts: Option<CountNames>,
    weights: &str,
    trend: bool,
) -> PyResult<Fitted> {
    let options = survkit::LogRankOptions {
        weights: parse::<Weights>("weights", weights)?,
        trend,
    };
    let fit = match Input::of(&table.table, formula, counts, true)? {
        Input::Rows(formula) => py
            .allow_threads(|| LogRank::new(formula).options(options).fit(&table.table))
            .map_err(value_error),
        Input::Counts(counts) => py
            .allow_threads(|| LogRank::test_counts(&counts, &options))
            .map_err(value_error),
    }?;
    Ok(fitted(fit, |_| Fit::Other))
}

/// Restricted mean survival time per arm and the contrasts, of the formula's rows or of counts
/// (two arms, or one; counts take no strata).
#[pyfunction]
#[pyo3(signature = (table, formula, counts, tau, conf_level))]
fn rmst(
    py: Python<'_>,
    table: &PyTable,
    formula: Option<&str>,
    counts: Option<CountNames>,
    tau: Option<f64>,
    conf_level: f64,
) -> PyResult<Fitted> {
    let fit = match Input::of(&table.table, formula, counts, false)? {
        Input::Rows(formula) => {
            let mut model = Rmst::new(formula).conf_level(conf_level);
            if let Some(tau) = tau {
                model = model.tau(tau);
            }
            py.allow_threads(|| model.fit(&table.table)).map_err(value_error)
        }
        Input::Counts(counts) => {
            if let Some(group) = counts.group()
                && group.n_levels() > 2
            {
                return Err(PyValueError::new_err(format!(
                    "{}: group column '{}' has {} levels; from counts rmst compares two arms: keep two arms' rows in the GROUP BY",
                    table.table.source(),
                    group.name,
                    group.n_levels()
                )));
            }
            let options = survkit::RmstOptions {
                tau,
                conf_level,
                ..survkit::RmstOptions::default()
            };
            py.allow_threads(|| Rmst::fit_counts(&counts, &options))
                .map_err(value_error)
        }
    }?;
    Ok(fitted(fit, |f| Fit::Rmst(Box::new(f))))
}

/// The fragility index of a 2×2 table of counts.
#[pyfunction]
fn fragility_counts(treatment: (u64, u64), control: (u64, u64), test: &str, alpha: f64) -> PyResult<Fitted> {
    let treatment = ArmCounts::new(treatment.0, treatment.1).map_err(value_error)?;
    let control = ArmCounts::new(control.0, control.1).map_err(value_error)?;
    let options = CountsOptions {
        test: parse::<CountsTest>("test", test)?,
        alpha,
        ..CountsOptions::default()
    };
    let result = CountsFragility::compute(treatment, control, &options).map_err(value_error)?;
    Ok(fitted(result, |_| Fit::Other))
}

/// The data a bootstrap resamples, read as its statistic needs them (as the command line's
/// `--cause`): a status of causes with the cause of interest for `cif-diff:T` and `log-shr`,
/// single-event data otherwise.
enum Resampled {
    Survival(SurvData),
    Competing(CompetingData, String),
}

impl Resampled {
    fn load(
        table: &Table,
        formula: &str,
        statistic: Statistic,
        cause: Option<String>,
        censor_value: &str,
    ) -> PyResult<Resampled> {
        let shape = model::Shape::ArmAndModel;
        match (cause, statistic.needs_cause()) {
            (Some(cause), true) => Ok(Resampled::Competing(
                model::competing_frame(table, formula, shape, censor_value).map_err(value_error)?,
                cause,
            )),
            (None, false) => Ok(Resampled::Survival(
                model::frame(table, formula, shape).map_err(value_error)?,
            )),
            (None, true) => Err(PyValueError::new_err(format!(
                "{statistic} needs cause=K: the cause of interest, a value of the status column"
            ))),
            (Some(_), false) => Err(PyValueError::new_err(format!(
                "cause= applies to cif-diff:T and log-shr, not to {statistic}"
            ))),
        }
    }

    fn input(&self) -> BootstrapData<'_> {
        match self {
            Resampled::Survival(data) => BootstrapData::Survival(data),
            Resampled::Competing(data, cause) => BootstrapData::Competing { data, cause },
        }
    }
}

/// A seeded bootstrap of a statistic (the GIL released while it runs, Ctrl-C stops it), with
/// the options of `survkit bootstrap`: the replicates `first..end` (`--replicate-range`), their
/// summary, and with `save_replicates` the replicates as JSON (`--save-replicates`, for
/// [`bootstrap_merge`]).
#[pyfunction]
#[pyo3(signature = (table, formula, statistic, cause, censor_value, replicates, seed, threads, intervals, conf_level, alpha, tau, stratify, firth, weights, save_replicates))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn bootstrap(
    py: Python<'_>,
    table: &PyTable,
    formula: &str,
    statistic: &str,
    cause: Option<String>,
    censor_value: &str,
    replicates: (usize, usize),
    seed: u64,
    threads: Option<usize>,
    intervals: &str,
    conf_level: f64,
    alpha: f64,
    tau: Option<f64>,
    stratify: bool,
    firth: bool,
    weights: &str,
    save_replicates: bool,
) -> PyResult<(Fitted, Option<String>)> {
    use survkit::bootstrap::IntervalMethod;
    let options = survkit::BootstrapOptions {
        statistic: parse::<Statistic>("statistic", statistic)?,
        replicates: replicates.0..replicates.1,
        seed,
        threads: threads.unwrap_or_else(default_threads),
        stratify,
        intervals: IntervalMethod::parse_list(intervals).map_err(PyValueError::new_err)?,
        conf_level,
        alpha,
        tau,
        ties: if firth { Ties::Breslow } else { Ties::Efron },
        firth,
        weights: parse::<Weights>("weights", weights)?,
    };
    let data = Resampled::load(&table.table, formula, options.statistic, cause, censor_value)?;
    let run = interruptible(py, |stop| {
        BootstrapReplicates::run_until(data.input(), &options, &|| {}, stop)
    })?
    .map_err(value_error)?;
    let saved = save_replicates
        .then(|| serde_json::to_string(&run))
        .transpose()
        .map_err(value_error)?;
    Ok((fitted(run.summary(), |_| Fit::Other), saved))
}

/// Joins the replicates of adjacent ranges of one bootstrap (JSON texts from
/// [`bootstrap`]'s `save_replicates`) and summarises them, as `survkit bootstrap merge`.
#[pyfunction]
fn bootstrap_merge(py: Python<'_>, parts: Vec<String>) -> PyResult<Fitted> {
    let parts = parts
        .iter()
        .enumerate()
        .map(|(k, text)| {
            serde_json::from_str::<BootstrapReplicates>(text)
                .map_err(|e| PyValueError::new_err(format!("part {k}: not the replicates of a survkit bootstrap: {e}")))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let summary = py
        .allow_threads(|| BootstrapReplicates::merge(parts).map(|merged| merged.summary()))
        .map_err(value_error)?;
    Ok(fitted(summary, |_| Fit::Other))
}

/// A permutation test of the log-rank family (the GIL released while it runs).
#[pyfunction]
#[pyo3(signature = (table, formula, weights, method, permutations, exact_limit, seed, threads))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn permutation(
    py: Python<'_>,
    table: &PyTable,
    formula: &str,
    weights: &str,
    method: &str,
    permutations: usize,
    exact_limit: u64,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Fitted> {
    let options = PermutationOptions {
        weights: parse::<Weights>("weights", weights)?,
        method: parse::<PermutationMethod>("method", method)?,
        permutations,
        exact_limit,
        seed,
        threads: threads.unwrap_or_else(default_threads),
    };
    let data = model::frame(&table.table, formula, model::Shape::Groups).map_err(value_error)?;
    let fit = interruptible(py, |stop| Permutation::test_until(&data, &options, &|| {}, stop))?.map_err(value_error)?;
    Ok(fitted(fit, |_| Fit::Other))
}

/// The fragility of a survival comparison (with the options of `survkit fragility survival`).
#[pyfunction]
#[pyo3(signature = (table, formula, test, tau, method, alpha, experimental, what_if, influence))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn fragility_survival(
    py: Python<'_>,
    table: &PyTable,
    formula: &str,
    test: &str,
    tau: Option<f64>,
    method: &str,
    alpha: f64,
    experimental: Option<String>,
    what_if: bool,
    influence: bool,
) -> PyResult<Fitted> {
    use survkit::fragility::{SurvivalMethod, SurvivalOptions, SurvivalTest};
    let options = SurvivalOptions {
        test: parse::<SurvivalTest>("test", test)?,
        tau,
        method: parse::<SurvivalMethod>("method", method)?,
        alpha,
        experimental,
        what_if,
        influence,
    };
    let fit = py
        .allow_threads(|| SurvivalFragility::new(formula).options(options).fit(&table.table))
        .map_err(value_error)?;
    Ok(fitted(fit, |_| Fit::Other))
}

/// Cumulative incidence of every cause per group with Gray's tests (with the options of
/// `survkit cif`).
#[pyfunction]
#[pyo3(signature = (table, formula, censor_value, variance, conf_type, conf_level, at, tau, rho))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn cif(
    py: Python<'_>,
    table: &PyTable,
    formula: &str,
    censor_value: &str,
    variance: &str,
    conf_type: &str,
    conf_level: f64,
    at: Vec<f64>,
    tau: Option<f64>,
    rho: f64,
) -> PyResult<Fitted> {
    let options = CifOptions {
        variance: parse::<CifVariance>("variance", variance)?,
        conf_type: parse::<ConfType>("conf_type", conf_type)?,
        conf_level,
        at,
        rho,
        tau,
    };
    let fit = py
        .allow_threads(|| {
            Cif::new(formula)
                .censor_value(censor_value)
                .options(options)
                .fit(&table.table)
        })
        .map_err(value_error)?;
    Ok(fitted(fit, |_| Fit::Other))
}

/// The Fine–Gray subdistribution hazards model of one cause (with the options of `survkit
/// finegray`).
#[pyfunction]
#[pyo3(signature = (table, formula, cause, censor_value, conf_level, max_iter, gtol))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn finegray(
    py: Python<'_>,
    table: &PyTable,
    formula: &str,
    cause: &str,
    censor_value: &str,
    conf_level: f64,
    max_iter: usize,
    gtol: f64,
) -> PyResult<Fitted> {
    let options = FineGrayOptions {
        conf_level,
        max_iter,
        gtol,
        ..FineGrayOptions::new(cause)
    };
    let fit = py
        .allow_threads(|| {
            FineGray::new(formula, cause)
                .censor_value(censor_value)
                .options(options)
                .fit(&table.table)
        })
        .map_err(value_error)?;
    Ok(fitted(fit, |_| Fit::Other))
}

/// The status-flip fragility of Gray's test for one cause (with the options of `survkit
/// fragility competing`; `flips` a comma-separated list of kinds of change).
#[pyfunction]
#[pyo3(signature = (table, formula, cause, censor_value, alpha, rho, flips))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn fragility_competing(
    py: Python<'_>,
    table: &PyTable,
    formula: &str,
    cause: &str,
    censor_value: &str,
    alpha: f64,
    rho: f64,
    flips: &str,
) -> PyResult<Fitted> {
    use survkit::fragility::{GrayFlip, GrayFragility, GrayFragilityOptions};
    let options = GrayFragilityOptions {
        cause: cause.to_string(),
        alpha,
        rho,
        flips: flips
            .split(',')
            .map(|kind| parse::<GrayFlip>("flips", kind))
            .collect::<PyResult<Vec<_>>>()?,
    };
    let data =
        model::competing_frame(&table.table, formula, model::Shape::Groups, censor_value).map_err(value_error)?;
    let result = py
        .allow_threads(|| GrayFragility::compute(&data, &options))
        .map_err(value_error)?;
    Ok(fitted(result, |_| Fit::Other))
}

/// The participants of a pairwise comparison, as `survkit.win` and `survkit.cafs` name their
/// columns (a dict with every key; `None` where not given).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct PairwiseColumns {
    time: String,
    event: String,
    event_value: Option<String>,
    group: String,
    reference: Option<String>,
    score: String,
    /// Later scores as the command line's `--then` writes them (`COL[:higher|lower[:X]]`).
    then: Vec<String>,
    strata: Option<String>,
    strict: bool,
}

impl PairwiseColumns {
    /// The scores compared after the first.
    fn later(&self) -> PyResult<Vec<LaterScore>> {
        self.then
            .iter()
            .map(|text| text.parse::<LaterScore>().map_err(PyValueError::new_err))
            .collect()
    }

    /// Reads the participants from the table as `survkit win` and `survkit cafs` read their file.
    fn load(&self, table: &Table) -> PyResult<SurvData> {
        let mut columns = survkit::win::columns(&self.time, &self.event, &self.group, &self.score, &self.later()?)
            .strict(self.strict);
        columns.event_value.clone_from(&self.event_value);
        columns.strata.clone_from(&self.strata);
        if let Some(level) = &self.reference {
            columns = columns.reference(&self.group, level);
        }
        SurvData::from_table(table, &columns).map_err(value_error)
    }
}

fn direction(lower_is_better: bool) -> Direction {
    if lower_is_better {
        Direction::LowerIsBetter
    } else {
        Direction::HigherIsBetter
    }
}

/// With more than two arms, or a pair named by `compare` = (arm, reference): one analysis per
/// arm against the reference with `p_of`'s p-values adjusted, as the command line's
/// comparisons; `None` for a two-arm analysis.
fn per_arm<T, E>(
    py: Python<'_>,
    data: &SurvData,
    compare: Option<(String, String)>,
    adjust: Adjustment,
    analyse: impl Fn(&SurvData) -> Result<T, E> + Send + Sync,
    p_of: impl Fn(&T) -> Option<f64> + Send + Sync,
) -> PyResult<Option<Fitted>>
where
    T: Send,
    Comparisons<T>: Render,
    E: std::fmt::Display,
{
    if compare.is_none() && data.group.as_ref().is_none_or(|g| g.n_levels() <= 2) {
        return Ok(None);
    }
    let compare = compare
        .as_ref()
        .map(|(arm, reference)| (arm.as_str(), reference.as_str()));
    let result = py
        .allow_threads(|| Comparisons::run(data, compare, adjust, analyse, p_of))
        .map_err(value_error)?;
    Ok(Some(fitted(result, |_| Fit::Other)))
}

/// `(alpha, max_steps)` of the fragility search, when asked for.
fn win_fragility(fragility: Option<(f64, usize)>) -> Option<WinFragilityOptions> {
    fragility.map(|(alpha, max_steps)| WinFragilityOptions { alpha, max_steps })
}

/// Win ratio, win odds and net benefit (with the options of `survkit win`). With more than two
/// arms, or a pair named by `compare` = (arm, reference), one analysis per arm against the
/// reference with the win ratios' p-values adjusted, as the command line's comparisons.
#[pyfunction]
#[pyo3(signature = (table, columns, lower_is_better, threshold, conf_level, fragility, bootstrap, compare, adjust))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn win(
    py: Python<'_>,
    table: &PyTable,
    columns: PairwiseColumns,
    lower_is_better: bool,
    threshold: f64,
    conf_level: f64,
    fragility: Option<(f64, usize)>,
    bootstrap: Option<(usize, u64, Option<usize>)>,
    compare: Option<(String, String)>,
    adjust: &str,
) -> PyResult<Fitted> {
    let adjust = parse::<Adjustment>("adjust", adjust)?;
    let data = columns.load(&table.table)?;
    let options = WinOptions {
        later_scores: columns.later()?,
        score: columns.score,
        direction: direction(lower_is_better),
        threshold,
        conf_level,
        fragility: win_fragility(fragility),
        bootstrap: bootstrap.map(|(replicates, seed, threads)| survkit::win::WinBootstrapOptions {
            replicates,
            seed,
            threads: threads.unwrap_or_else(default_threads),
        }),
    };
    let analyse = |pair: &SurvData| WinStatistics::compute(pair, &options);
    if let Some(result) = per_arm(py, &data, compare, adjust, analyse, |w: &WinStatistics| {
        w.win_ratio.p_value
    })? {
        return Ok(result);
    }
    let result = py.allow_threads(|| analyse(&data)).map_err(value_error)?;
    Ok(fitted(result, |_| Fit::Other))
}

/// The CAFS joint rank test with the Finkelstein–Schoenfeld test (with the options of `survkit
/// cafs`; the GIL released while it runs); returns the result and each participant's pairwise
/// score and rank as the command line's `--ranks` CSV.
#[pyfunction]
#[pyo3(signature = (table, columns, lower_is_better, threshold, method, permutations, exact_limit, seed, threads, fragility, compare, adjust))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python function
fn cafs(
    py: Python<'_>,
    table: &PyTable,
    columns: PairwiseColumns,
    lower_is_better: bool,
    threshold: f64,
    method: &str,
    permutations: usize,
    exact_limit: u64,
    seed: u64,
    threads: Option<usize>,
    fragility: Option<(f64, usize)>,
    compare: Option<(String, String)>,
    adjust: &str,
) -> PyResult<(Fitted, String)> {
    let adjust = parse::<Adjustment>("adjust", adjust)?;
    let permutation = PermutationPlan {
        method: parse::<PermutationMethod>("method", method)?,
        permutations,
        exact_limit,
        seed,
        threads: threads.unwrap_or_else(default_threads),
    };
    let data = columns.load(&table.table)?;
    let options = CafsOptions {
        later_scores: columns.later()?,
        score: columns.score,
        direction: direction(lower_is_better),
        threshold,
        permutation,
        fragility: win_fragility(fragility),
    };
    let analyse = |pair: &SurvData| Cafs::test(pair, &options, &|| {});
    if let Some(result) = per_arm(py, &data, compare, adjust, analyse, |c: &Cafs| c.p_value)? {
        return Ok((result, String::new()));
    }
    let test = py.allow_threads(|| analyse(&data)).map_err(value_error)?;
    let ranks = survkit::output::cafs_ranks_csv(&test, &data);
    Ok((fitted(test, |_| Fit::Other), ranks))
}

/// Guyot et al.'s reconstruction of participant data from digitised curves. Each arm is
/// `(label, curve source, curve CSV bytes, at-risk source, at-risk CSV bytes, total events,
/// published median)`; returns the result and the reconstructed data as the command line's
/// `-o` CSV (`time,event,group`).
#[pyfunction]
#[pyo3(signature = (arms, percent, published_hr))]
#[allow(clippy::type_complexity)] // one tuple per arm, as the Python side builds it
fn reconstruct(
    arms: Vec<(String, String, Vec<u8>, String, Vec<u8>, Option<u64>, Option<f64>)>,
    percent: bool,
    published_hr: Vec<(String, f64)>,
) -> PyResult<(Fitted, String)> {
    use survkit::reconstruct::{ArmInput, AtRiskTable, DigitisedCurve, SurvivalScale};
    let scale = if percent {
        SurvivalScale::Percent
    } else {
        SurvivalScale::Auto
    };
    let inputs = arms
        .into_iter()
        .map(
            |(label, curve_source, curve, risk_source, risk, total_events, published_median)| {
                Ok(ArmInput {
                    label,
                    curve: DigitisedCurve::from_csv_bytes(&curve_source, &curve, scale).map_err(value_error)?,
                    at_risk: AtRiskTable::from_csv_bytes(&risk_source, &risk).map_err(value_error)?,
                    total_events,
                    published_median,
                })
            },
        )
        .collect::<PyResult<Vec<_>>>()?;
    let options = survkit::ReconstructOptions { published_hr };
    let result = survkit::Reconstruct::run(&inputs, &options).map_err(value_error)?;
    let ipd = survkit::output::ipd_csv(&result);
    Ok((fitted(result, |_| Fit::Other), ipd))
}

/// A Kaplan–Meier figure as SVG text or PNG bytes (as `survkit plot km`).
#[pyfunction]
#[pyo3(signature = (table, formula, conf_level, png, width, height, ci, risk_table, median, title))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python method
fn km_plot<'py>(
    py: Python<'py>,
    table: &PyTable,
    formula: &str,
    conf_level: f64,
    png: bool,
    width: u32,
    height: u32,
    ci: bool,
    risk_table: bool,
    median: bool,
    title: Option<String>,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    use survkit::plot::{ImageFormat, KmFigure, KmPlotOptions, PlotOptions, render};
    let layout = PlotOptions {
        width,
        height,
        title,
        ..PlotOptions::default()
    };
    let options = KmPlotOptions {
        ci,
        risk_table,
        median,
        conf_level,
        ..KmPlotOptions::default()
    };
    let format = if png { ImageFormat::Png } else { ImageFormat::Svg };
    let bytes = py
        .allow_threads(|| -> Result<Vec<u8>, String> {
            layout.check().map_err(|e| e.to_string())?;
            let data = survkit::model::frame(&table.table, formula, survkit::model::Shape::Groups)
                .map_err(|e| e.to_string())?;
            let figure = KmFigure::build(&data, &layout, &options).map_err(|e| e.to_string())?;
            render(&figure, format, layout.size()).map_err(|e| e.to_string())
        })
        .map_err(PyValueError::new_err)?;
    Ok(pyo3::types::PyBytes::new(py, &bytes))
}

/// A figure other than the Kaplan–Meier curves, as SVG text or PNG bytes, as `survkit plot
/// KIND` draws it: `forest` and `schoenfeld` (the Cox model of the formula), `loglog` and
/// `rmst` (the groups), `bootstrap` (its histogram; `options` statistic, cause, censor_value,
/// replicates, seed, threads), `fragility` (the path; `options` test, tau, alpha), `cif` (the
/// cumulative incidence; `options` censor_value, layout, ci, risk_table, conf_type,
/// conf_level). The figure's analysis runs with the GIL released.
#[pyfunction]
#[pyo3(signature = (kind, table, formula, png, width, height, title, options))]
#[allow(clippy::too_many_arguments)] // one per keyword option of the Python method
fn figure<'py>(
    py: Python<'py>,
    kind: &str,
    table: &PyTable,
    formula: &str,
    png: bool,
    width: u32,
    height: Option<u32>,
    title: Option<String>,
    options: &Bound<'py, pyo3::types::PyDict>,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    use survkit::plot::{
        BootstrapFigure, CifFigure, CifLayout, CifPlotOptions, ForestFigure, FragilityFigure, ImageFormat, KmFigure,
        KmPlotOptions, LogLogFigure, PlotOptions, SchoenfeldFigure, render,
    };
    fn option<'py, T: FromPyObject<'py>>(options: &Bound<'py, pyo3::types::PyDict>, key: &str) -> PyResult<Option<T>> {
        match options.get_item(key)? {
            Some(value) if !value.is_none() => value.extract().map(Some),
            _ => Ok(None),
        }
    }
    let layout = PlotOptions {
        width,
        height: height.unwrap_or(survkit::plot::DEFAULT_SIZE.1),
        title,
        ..PlotOptions::default()
    };
    let format = if png { ImageFormat::Png } else { ImageFormat::Svg };
    let frame = |shape| model::frame(&table.table, formula, shape).map_err(value_error);
    let size = layout.size();
    // the figure's analysis and drawing, as SVG or PNG bytes
    fn draw<F: survkit::plot::Figure>(
        figure: Result<F, survkit::plot::PlotError>,
        format: ImageFormat,
        size: (u32, u32),
    ) -> PyResult<Vec<u8>> {
        figure.and_then(|f| render(&f, format, size)).map_err(value_error)
    }
    layout.check().map_err(value_error)?;
    let bytes = match kind {
        "forest" => {
            let data = frame(model::Shape::Regression)?;
            // without a height, the height its rows need (as `survkit plot forest`)
            let fitted = |mut figure: ForestFigure| {
                if height.is_none() {
                    figure.layout.height = figure.fitted_height();
                }
                figure
            };
            py.allow_threads(|| {
                let figure = ForestFigure::terms(&data, &layout).map(fitted);
                let size = figure.as_ref().map_or(size, |f| f.layout.size());
                draw(figure, format, size)
            })?
        }
        "schoenfeld" => {
            let data = frame(model::Shape::Regression)?;
            py.allow_threads(|| draw(SchoenfeldFigure::build(&data, &layout), format, size))?
        }
        "loglog" => {
            let data = frame(model::Shape::Groups)?;
            py.allow_threads(|| draw(LogLogFigure::build(&data, &layout), format, size))?
        }
        "rmst" => {
            let data = frame(model::Shape::Groups)?;
            let rmst = survkit::RmstOptions {
                tau: option(options, "tau")?,
                conf_level: option(options, "conf_level")?.unwrap_or(0.95),
                ..Default::default()
            };
            let km = KmPlotOptions {
                conf_level: rmst.conf_level,
                ..KmPlotOptions::default()
            };
            py.allow_threads(|| draw(KmFigure::rmst(&data, &layout, &km, &rmst), format, size))?
        }
        "bootstrap" => {
            let statistic: Option<String> = option(options, "statistic")?;
            let statistic = parse::<Statistic>("statistic", statistic.as_deref().unwrap_or("log-hr"))?;
            let censor_value: Option<String> = option(options, "censor_value")?;
            let data = Resampled::load(
                &table.table,
                formula,
                statistic,
                option(options, "cause")?,
                censor_value.as_deref().unwrap_or("0"),
            )?;
            let bootstrap = survkit::BootstrapOptions {
                statistic,
                replicates: 0..option(options, "replicates")?.unwrap_or(2000),
                seed: option(options, "seed")?.unwrap_or(1),
                threads: option(options, "threads")?.unwrap_or_else(default_threads),
                ..Default::default()
            };
            py.allow_threads(|| draw(BootstrapFigure::build(data.input(), &layout, &bootstrap), format, size))?
        }
        "fragility" => {
            use survkit::fragility::{SurvivalOptions, SurvivalTest};
            let data = frame(model::Shape::Groups)?;
            let test: Option<String> = option(options, "test")?;
            let fragility = SurvivalOptions {
                test: parse::<SurvivalTest>("test", test.as_deref().unwrap_or("logrank"))?,
                tau: option(options, "tau")?,
                alpha: option(options, "alpha")?.unwrap_or(0.05),
                experimental: option(options, "experimental")?,
                ..Default::default()
            };
            py.allow_threads(|| draw(FragilityFigure::build(&data, &layout, &fragility), format, size))?
        }
        "cif" => {
            let censor_value: Option<String> = option(options, "censor_value")?;
            let data = model::competing_frame(
                &table.table,
                formula,
                model::Shape::Groups,
                censor_value.as_deref().unwrap_or("0"),
            )
            .map_err(value_error)?;
            let arrangement: Option<String> = option(options, "layout")?;
            let plot = CifPlotOptions {
                ci: option(options, "ci")?.unwrap_or(false),
                risk_table: option(options, "risk_table")?.unwrap_or(false),
                arrangement: parse::<CifLayout>("layout", arrangement.as_deref().unwrap_or("overlay"))?,
            };
            let conf_type: Option<String> = option(options, "conf_type")?;
            let cif = CifOptions {
                conf_type: parse::<ConfType>("conf_type", conf_type.as_deref().unwrap_or("log"))?,
                conf_level: option(options, "conf_level")?.unwrap_or(0.95),
                ..Default::default()
            };
            py.allow_threads(|| draw(CifFigure::build(&data, &layout, &cif, &plot), format, size))?
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown figure '{other}'; the figures are km, rmst, loglog, forest, schoenfeld, bootstrap, fragility and cif"
            )));
        }
    };
    Ok(pyo3::types::PyBytes::new(py, &bytes))
}

/// The compiled half of the `survkit` package.
#[pymodule]
fn _survkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTable>()?;
    m.add_function(wrap_pyfunction!(read_csv, m)?)?;
    m.add_function(wrap_pyfunction!(from_columns, m)?)?;
    m.add_function(wrap_pyfunction!(from_arrow_stream, m)?)?;
    m.add_function(wrap_pyfunction!(cox, m)?)?;
    m.add_class::<Fitted>()?;
    m.add_function(wrap_pyfunction!(kaplan_meier, m)?)?;
    m.add_function(wrap_pyfunction!(logrank, m)?)?;
    m.add_function(wrap_pyfunction!(rmst, m)?)?;
    m.add_function(wrap_pyfunction!(fragility_counts, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap_merge, m)?)?;
    m.add_function(wrap_pyfunction!(permutation, m)?)?;
    m.add_function(wrap_pyfunction!(fragility_survival, m)?)?;
    m.add_function(wrap_pyfunction!(km_plot, m)?)?;
    m.add_function(wrap_pyfunction!(figure, m)?)?;
    m.add_function(wrap_pyfunction!(reconstruct, m)?)?;
    m.add_function(wrap_pyfunction!(cif, m)?)?;
    m.add_function(wrap_pyfunction!(finegray, m)?)?;
    m.add_function(wrap_pyfunction!(fragility_competing, m)?)?;
    m.add_function(wrap_pyfunction!(win, m)?)?;
    m.add_function(wrap_pyfunction!(cafs, m)?)?;
    Ok(())
}
