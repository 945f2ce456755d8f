//! Models chosen at fit time: a formula in R's syntax and a [`Table`] give the data of one
//! analysis, and builders fit the estimators from them.
//!
//! ```
//! use survkit::{Cox, KaplanMeier, Table, Ties};
//! let lung = Table::read_csv("datasets/lung.csv")?;
//! let fit = Cox::new("Surv(time, status) ~ age + sex").ties(Ties::Breslow).fit(&lung)?;
//! let km = KaplanMeier::new("Surv(time, status) ~ sex").fit(&lung)?;
//! assert!(fit.hazard_ratio("sex")? < 1.0);
//! assert_eq!(km.curves.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How a formula maps onto the data (R's model frame)
//! - `Surv(time, status)`: follow-up and event columns (event coding as [`crate::data`]);
//!   `Surv(entry, exit, status)` adds delayed entry; `status == v` makes `v` the event value.
//! - Cox: every variable term is a covariate; `factor(x)`, `relevel(x, ref = "a")` and text
//!   columns are categorical (R makes a character column a factor); `strata(x)` stratifies the
//!   baseline hazard; `cluster(x)` gives the robust variance grouped by `x`.
//! - Kaplan–Meier and log-rank (survfit, survdiff): at most one variable term, the group;
//!   `strata(x)` the strata.
//! - RMST: the first variable term is the arm; further numeric terms are the covariates of the
//!   adjusted contrasts (Tian et al. 2014).
//! - Competing risks ([`Cif::new`], [`FineGray::new`], the bootstrap with a cause): the status
//!   holds a censoring value (default `0`) and the causes, written `Surv(time, status)` or as
//!   R's multi-state `Surv(time, factor(status))`; cumulative incidence takes the group and
//!   `strata(x)` (Gray's test within strata), Fine–Gray the covariates as Cox, without strata
//!   or clusters. Other estimators refuse `factor(status)`.
//! - Rows missing a column the model uses are dropped and counted (R's `na.omit` on the model
//!   frame); missing values elsewhere drop nothing.
//! - Interactions in Cox: `x:z` is the product column (named `x:z` as R names it). A factor in
//!   an interaction is coded as R codes it: by contrasts, one column per non-reference level
//!   (`sex=2:age`), when the term without the factor is in the model (`age + factor(sex):age`),
//!   else by one indicator per level (`sex=1:age`, `sex=2:age`). Kaplan–Meier, log-rank and
//!   RMST take no interactions.

use thiserror::Error;

use crate::bootstrap::{
    Bootstrap, BootstrapData, BootstrapError, BootstrapOptions, Permutation, PermutationError, PermutationOptions,
    Statistic,
};
use crate::competing::{Cif, CifOptions, CompetingCounts, CompetingData, CompetingError, FineGray, FineGrayOptions};
use crate::cox::{Cox, CoxError, CoxFit, CoxOptions, Ties};
use crate::data::{Columns, Covariate, DataError, SurvData};
use crate::formula::{Formula, FormulaError, Term, Variable};
use crate::fragility::{SurvivalError, SurvivalFragility, SurvivalOptions};
use crate::km::{KaplanMeier, KmError, KmOptions};
use crate::logrank::{LogRank, LogRankError, LogRankOptions};
use crate::rmst::{Rmst, RmstError, RmstOptions};
use crate::table::{ColumnKind, Table};

/// Why a model could not be fitted from a formula and a table.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The formula does not parse.
    #[error("{0}")]
    Formula(#[from] FormulaError),
    #[error("{file}: the formula names column '{column}', which the data do not have; the columns are: {}", available.join(", "))]
    /// The formula names a column the table does not have.
    UnknownColumn {
        /// The table's source (file path or name).
        file: String,
        /// The column named.
        column: String,
        /// The table's columns.
        available: Vec<String>,
    },
    /// The formula has a term the estimator does not take (e.g. an interaction in a
    /// Kaplan–Meier formula).
    #[error("{model} does not take {what} in its formula")]
    Unsupported {
        /// The estimator.
        model: &'static str,
        /// The term or construct refused.
        what: String,
    },
    /// The model's columns could not be read as survival data.
    #[error("{0}")]
    Data(#[from] DataError),
    /// The Cox fit failed.
    #[error("{0}")]
    Cox(#[from] CoxError),
    /// The Kaplan–Meier fit failed.
    #[error("{0}")]
    KaplanMeier(#[from] KmError),
    /// The log-rank test failed.
    #[error("{0}")]
    LogRank(#[from] LogRankError),
    /// The RMST analysis failed.
    #[error("{0}")]
    Rmst(#[from] RmstError),
    /// The bootstrap failed.
    #[error("{0}")]
    Bootstrap(#[from] BootstrapError),
    /// The permutation test failed.
    #[error("{0}")]
    Permutation(#[from] PermutationError),
    /// The survival fragility analysis failed.
    #[error("{0}")]
    Fragility(#[from] SurvivalError),
    /// The competing-risks analysis failed.
    #[error("{0}")]
    Competing(#[from] CompetingError),
}

/// How an estimator reads the right-hand side of a formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Cox regression: every variable term is a covariate.
    Regression,
    /// Kaplan–Meier, log-rank: one variable term, the group.
    Groups,
    /// RMST: the arm, then numeric covariates of the adjusted contrasts.
    ArmAndCovariates,
    /// The bootstrap: the arm, then covariates of its Cox model (categorical ones too).
    ArmAndModel,
}

impl Shape {
    fn model(self) -> &'static str {
        match self {
            Shape::Regression => "the Cox model",
            Shape::Groups => "this estimator (Kaplan–Meier, log-rank, cumulative incidence)",
            Shape::ArmAndCovariates => "RMST",
            Shape::ArmAndModel => "the bootstrap",
        }
    }
}

/// The column spec a formula describes for `shape`, checked against the table's columns.
pub fn columns_for(formula: &Formula, table: &Table, shape: Shape) -> Result<Columns, ModelError> {
    for column in formula.columns() {
        if table.column(column).is_none() {
            return Err(ModelError::UnknownColumn {
                file: table.source().to_string(),
                column: column.to_string(),
                available: table.names(),
            });
        }
    }
    let r = &formula.response;
    if r.status_factor {
        return Err(ModelError::Unsupported {
            model: shape.model(),
            what: format!(
                "a status of causes 'factor({})' (competing risks: cumulative incidence or Fine–Gray, or 'Surv({}, {} == k)' for cause k alone)",
                r.status, r.time, r.status
            ),
        });
    }
    let mut columns = Columns::new(&r.time, &r.status);
    columns.entry.clone_from(&r.entry);
    columns.event_value.clone_from(&r.event_value);
    let unsupported = |what: String| ModelError::Unsupported {
        model: shape.model(),
        what,
    };
    let is_categorical =
        |v: &Variable| v.factor || table.column(&v.column).is_some_and(|c| c.kind() == ColumnKind::Text);
    let mut variables = 0;
    for term in &formula.terms {
        match term {
            Term::Variable(v) => {
                variables += 1;
                if let Some(level) = &v.reference {
                    columns = columns.reference(&v.column, level);
                }
                match shape {
                    Shape::Groups | Shape::ArmAndCovariates | Shape::ArmAndModel if variables == 1 => {
                        columns.group = Some(v.column.clone());
                    }
                    Shape::Groups => {
                        return Err(unsupported(format!(
                            "more than one group term ('{term}'); combine the columns into one group column"
                        )));
                    }
                    Shape::ArmAndCovariates if is_categorical(v) => {
                        return Err(unsupported(format!(
                            "the categorical covariate '{term}': the adjusted RMST takes numeric covariates (code its levels as 0/1 columns)"
                        )));
                    }
                    Shape::ArmAndCovariates => columns.covariates.push(v.column.clone()),
                    Shape::ArmAndModel => {
                        columns.covariates.push(v.column.clone());
                        if is_categorical(v) {
                            columns.factors.push(v.column.clone());
                        }
                    }
                    Shape::Regression => {
                        if !columns.covariates.contains(&v.column) {
                            columns.covariates.push(v.column.clone());
                        }
                        if is_categorical(v) && !columns.factors.contains(&v.column) {
                            columns.factors.push(v.column.clone());
                        }
                    }
                }
            }
            Term::Interaction(parts) if shape == Shape::Regression => {
                for v in parts {
                    if let Some(level) = &v.reference {
                        columns = columns.reference(&v.column, level);
                    }
                    if !columns.covariates.contains(&v.column) {
                        columns.covariates.push(v.column.clone());
                    }
                    if is_categorical(v) && !columns.factors.contains(&v.column) {
                        columns.factors.push(v.column.clone());
                    }
                }
            }
            Term::Interaction(_) => {
                return Err(unsupported(format!("the interaction '{term}' (not supported yet)")));
            }
            Term::Strata(column) => columns.strata = Some(column.clone()),
            Term::Cluster(column) if shape == Shape::Regression => columns.cluster = Some(column.clone()),
            Term::Cluster(_) => return Err(unsupported(format!("'{term}'"))),
        }
    }
    Ok(columns)
}

/// Whether a formula's estimator, read as `shape` says, needs only counts per (group, stratum,
/// time): no covariates beside the group, no clusters.
pub fn counted(formula: &Formula, shape: Shape) -> bool {
    let variables = formula.terms.iter().filter(|t| !matches!(t, Term::Strata(_))).count();
    shape != Shape::Regression && shape != Shape::ArmAndModel && variables <= 1
}

/// The counts a formula's count-based estimator needs (Kaplan–Meier, the log-rank family,
/// RMST without covariates) from the rows of `table`, counted in parallel parts
/// ([`crate::counts::Counts::from_rows`]); `adjust` sets what a formula does not say. `None`
/// when the analysis needs the rows themselves (case weights, covariates, clusters,
/// regimens): read them with [`frame_for`].
pub fn counts_frame(
    table: &Table,
    formula: &Formula,
    shape: Shape,
    adjust: impl FnOnce(&mut Columns),
) -> Result<Option<crate::counts::Counts>, ModelError> {
    match counted_columns(formula, table, shape, adjust)? {
        Some(columns) => Ok(Some(crate::counts::Counts::from_rows(table, &columns)?)),
        None => Ok(None),
    }
}

/// The columns a formula reads from `table` (adjusted), when counts suffice for them.
fn counted_columns(
    formula: &Formula,
    table: &Table,
    shape: Shape,
    adjust: impl FnOnce(&mut Columns),
) -> Result<Option<Columns>, ModelError> {
    let mut columns = columns_for(formula, table, shape)?;
    adjust(&mut columns);
    Ok(counts_suffice(&columns).then_some(columns))
}

/// As [`counts_frame`] for a Parquet file, read in one streaming pass
/// ([`crate::counts::Counts::stream_parquet`], memory bounded by the number of distinct
/// times); `None` also when the file is not Parquet (by its extension) or has no rows.
#[cfg(feature = "parquet")]
pub fn stream_counts(
    path: impl AsRef<std::path::Path>,
    formula: &Formula,
    shape: Shape,
    adjust: impl FnOnce(&mut Columns),
) -> Result<Option<crate::counts::Counts>, ModelError> {
    if !crate::table::is_parquet(path.as_ref()) {
        return Ok(None);
    }
    let Some(head) = crate::counts::parquet_head(path.as_ref())? else {
        return Ok(None);
    };
    match counted_columns(formula, &head, shape, adjust)? {
        Some(columns) => Ok(Some(crate::counts::Counts::stream_parquet(path, &columns)?)),
        None => Ok(None),
    }
}

/// Whether counts per (group, stratum, time) hold all that the columns ask of the rows.
pub fn counts_suffice(columns: &Columns) -> bool {
    columns.weight.is_none()
        && columns.cluster.is_none()
        && columns.regimen.is_none()
        && columns.covariates.is_empty()
        && columns.factors.is_empty()
}

/// The data of one analysis: the formula's columns of `table`, rows with a missing value in
/// one of them dropped and counted.
pub fn frame(table: &Table, formula: &str, shape: Shape) -> Result<SurvData, ModelError> {
    frame_for(table, &Formula::parse(formula)?, shape, |_| {})
}

/// As [`frame`] for a parsed formula; `adjust` sets what a formula does not say (case
/// weights, strictness about missing values).
pub fn frame_for(
    table: &Table,
    formula: &Formula,
    shape: Shape,
    adjust: impl FnOnce(&mut Columns),
) -> Result<SurvData, ModelError> {
    let mut columns = columns_for(formula, table, shape)?;
    adjust(&mut columns);
    let mut data = SurvData::from_table(table, &columns)?;
    if shape == Shape::Regression {
        data.covariates = regression_covariates(&data, formula)?;
    }
    Ok(data)
}

/// Competing-risks data from a formula whose status holds a censoring value and causes
/// (`Surv(time, status)` or R's `Surv(time, factor(status))`), read as `shape` says.
pub fn competing_frame(
    table: &Table,
    formula: &str,
    shape: Shape,
    censor_value: &str,
) -> Result<CompetingData, ModelError> {
    competing_frame_for(table, &Formula::parse(formula)?, shape, censor_value, |_| {})
}

/// As [`competing_frame`] for a parsed formula; `adjust` sets what a formula does not say.
pub fn competing_frame_for(
    table: &Table,
    formula: &Formula,
    shape: Shape,
    censor_value: &str,
    adjust: impl FnOnce(&mut Columns),
) -> Result<CompetingData, ModelError> {
    let (formula, columns) = competing_columns(formula, table, shape, censor_value, adjust)?;
    let mut data = CompetingData::from_table(table, &columns, censor_value)?;
    if shape == Shape::Regression {
        *data.covariates_mut() = regression_covariates(data.data(), &formula)?;
    }
    Ok(data)
}

/// The columns a competing-risks formula reads from `table` (adjusted), and the formula with
/// its status read as causes.
fn competing_columns(
    formula: &Formula,
    table: &Table,
    shape: Shape,
    censor_value: &str,
    adjust: impl FnOnce(&mut Columns),
) -> Result<(Formula, Columns), ModelError> {
    let mut formula = formula.clone();
    let r = &formula.response;
    if let Some(value) = &r.event_value {
        return Err(ModelError::Unsupported {
            model: "competing risks",
            what: format!(
                "'{} == {value}': a status of causes has no event value (the censoring value is '{censor_value}')",
                r.status
            ),
        });
    }
    formula.response.status_factor = false;
    let mut columns = columns_for(&formula, table, shape)?;
    adjust(&mut columns);
    Ok((formula, columns))
}

/// The participants of a competing-risks formula's cumulative incidence counted per (group,
/// stratum, time, cause) from the rows of `table` ([`CompetingCounts::from_rows`]); `None`
/// when counts do not hold the analysis (case weights, entry times, covariates): read the
/// rows with [`competing_frame_for`].
pub fn competing_counts_frame(
    table: &Table,
    formula: &Formula,
    censor_value: &str,
    adjust: impl FnOnce(&mut Columns),
) -> Result<Option<CompetingCounts>, ModelError> {
    let (_, columns) = competing_columns(formula, table, Shape::Groups, censor_value, adjust)?;
    match crate::competing::counts::counts_suffice(&columns) {
        true => Ok(Some(CompetingCounts::from_rows(table, &columns, censor_value)?)),
        false => Ok(None),
    }
}

/// As [`competing_counts_frame`] for a Parquet file, read in one streaming pass
/// ([`CompetingCounts::stream_parquet`]); `None` also when the file is not Parquet (by its
/// extension) or has no rows.
#[cfg(feature = "parquet")]
pub fn stream_competing_counts(
    path: impl AsRef<std::path::Path>,
    formula: &Formula,
    censor_value: &str,
    adjust: impl FnOnce(&mut Columns),
) -> Result<Option<CompetingCounts>, ModelError> {
    if !crate::table::is_parquet(path.as_ref()) {
        return Ok(None);
    }
    let Some(head) = crate::counts::parquet_head(path.as_ref())? else {
        return Ok(None);
    };
    let (_, columns) = competing_columns(formula, &head, Shape::Groups, censor_value, adjust)?;
    match crate::competing::counts::counts_suffice(&columns) {
        true => Ok(Some(CompetingCounts::stream_parquet(path, &columns, censor_value)?)),
        false => Ok(None),
    }
}

/// The covariates of a regression formula in R's term order (main effects, then interactions
/// by degree): interactions become numeric product columns named as R names them (`age:sex`;
/// a factor contributes one column per non-reference level, `sex=2:age`), and columns read
/// only for an interaction are not covariates themselves.
fn regression_covariates(data: &SurvData, formula: &Formula) -> Result<Vec<Covariate>, ModelError> {
    let mains: Vec<&str> = formula
        .terms
        .iter()
        .filter_map(|t| match t {
            Term::Variable(v) => Some(v.column.as_str()),
            _ => None,
        })
        .collect();
    let mut covariates: Vec<Covariate> = mains
        .iter()
        .filter_map(|column| data.covariate(column).cloned())
        .collect();
    let mut interactions: Vec<&Vec<Variable>> = formula
        .terms
        .iter()
        .filter_map(|t| match t {
            Term::Interaction(parts) => Some(parts),
            _ => None,
        })
        .collect();
    interactions.sort_by_key(|parts| parts.len());
    let n = data.n_rows();
    for parts in interactions {
        let mut products: Vec<(Vec<String>, Vec<f64>)> = vec![(Vec::new(), vec![1.0; n])];
        for v in parts {
            let Some(covariate) = data.covariate(&v.column) else {
                continue;
            };
            products = match covariate {
                Covariate::Numeric { name, values } => products
                    .into_iter()
                    .map(|(mut names, product)| {
                        names.push(name.clone());
                        (names, product.iter().zip(values).map(|(a, b)| a * b).collect())
                    })
                    .collect(),
                Covariate::Factor(factor) => {
                    // R's rule (Chambers & Hastie 1992, §5.3.1): a factor is coded by contrasts
                    // when the term without it is in the model, else by one indicator per level
                    let margin: Vec<&str> = parts
                        .iter()
                        .filter(|p| p.column != v.column)
                        .map(|p| p.column.as_str())
                        .collect();
                    let contrasts = formula.terms.iter().any(|t| match t {
                        Term::Variable(m) => margin == [m.column.as_str()],
                        Term::Interaction(ms) => {
                            ms.len() == margin.len() && ms.iter().all(|m| margin.contains(&m.column.as_str()))
                        }
                        _ => false,
                    });
                    let first = if contrasts { 1 } else { 0 };
                    let mut next = Vec::new();
                    for (names, product) in &products {
                        for (level_index, level) in factor.levels.iter().enumerate().skip(first) {
                            let mut names = names.clone();
                            names.push(format!("{}={level}", factor.name));
                            let values = product
                                .iter()
                                .zip(&factor.codes)
                                .map(|(a, c)| if *c as usize == level_index { *a } else { 0.0 })
                                .collect();
                            next.push((names, values));
                        }
                    }
                    next
                }
            };
        }
        covariates.extend(products.into_iter().map(|(names, values)| Covariate::Numeric {
            name: names.join(":"),
            values,
        }));
    }
    Ok(covariates)
}

/// A Cox model to fit: the formula and the options, checked when [`CoxModel::fit`] runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxModel {
    formula: String,
    options: CoxOptions,
}

impl Cox {
    /// A Cox model with this formula, e.g. `"Surv(time, status) ~ age + factor(sex) + strata(inst)"`,
    /// and R's default options (Efron ties, 95% limits).
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> CoxModel {
        CoxModel {
            formula: formula.into(),
            options: CoxOptions::default(),
        }
    }
}

impl CoxModel {
    /// How tied event times are handled.
    pub fn ties(mut self, ties: Ties) -> Self {
        self.options.ties = ties;
        self
    }
    /// The confidence level of the hazard-ratio limits.
    pub fn conf_level(mut self, level: f64) -> Self {
        self.options.conf_level = level;
        self
    }
    /// Robust (sandwich) variance on or off (by default as R: on with `cluster()`).
    pub fn robust(mut self, robust: bool) -> Self {
        self.options.robust = Some(robust);
        self
    }
    /// Firth's penalised likelihood (needs Breslow ties).
    pub fn firth(mut self, firth: bool) -> Self {
        self.options.firth = firth;
        self
    }
    /// Every option at once.
    pub fn options(mut self, options: CoxOptions) -> Self {
        self.options = options;
        self
    }
    /// Fits the model to `table`; the formula and options are checked here.
    pub fn fit(&self, table: &Table) -> Result<CoxFit, ModelError> {
        let data = frame(table, &self.formula, Shape::Regression)?;
        Ok(Cox::fit(&data, &self.options)?)
    }
}

/// A Kaplan–Meier estimate to compute: the formula and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct KmModel {
    formula: String,
    options: KmOptions,
}

impl KaplanMeier {
    /// Kaplan–Meier curves for this formula: `Surv(time, status) ~ 1` for one curve, `~ sex`
    /// for one per group, `+ strata(x)` for one per group and stratum.
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> KmModel {
        KmModel {
            formula: formula.into(),
            options: KmOptions::default(),
        }
    }
}

impl KmModel {
    /// Every option at once.
    pub fn options(mut self, options: KmOptions) -> Self {
        self.options = options;
        self
    }
    /// The confidence level of the pointwise limits.
    pub fn conf_level(mut self, level: f64) -> Self {
        self.options.conf_level = level;
        self
    }
    /// Computes the curves from `table`.
    pub fn fit(&self, table: &Table) -> Result<KaplanMeier, ModelError> {
        let data = frame(table, &self.formula, Shape::Groups)?;
        Ok(KaplanMeier::fit(&data, &self.options)?)
    }
}

/// A log-rank family test to run: the formula and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRankModel {
    formula: String,
    options: LogRankOptions,
}

impl LogRank {
    /// The test comparing the groups of `Surv(time, status) ~ group` (`+ strata(x)` stratified).
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> LogRankModel {
        LogRankModel {
            formula: formula.into(),
            options: LogRankOptions::default(),
        }
    }
}

impl LogRankModel {
    /// Every option at once.
    pub fn options(mut self, options: LogRankOptions) -> Self {
        self.options = options;
        self
    }
    /// Runs the test on `table`.
    pub fn fit(&self, table: &Table) -> Result<LogRank, ModelError> {
        let data = frame(table, &self.formula, Shape::Groups)?;
        Ok(LogRank::test(&data, &self.options)?)
    }
}

/// An RMST analysis to run: the formula and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct RmstModel {
    formula: String,
    options: RmstOptions,
}

impl Rmst {
    /// RMST per arm of `Surv(time, status) ~ arm`; further numeric terms
    /// (`~ arm + age`) are the covariates of the adjusted contrasts.
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> RmstModel {
        RmstModel {
            formula: formula.into(),
            options: RmstOptions::default(),
        }
    }
}

impl RmstModel {
    /// The truncation time τ (default: the largest the data support).
    pub fn tau(mut self, tau: f64) -> Self {
        self.options.tau = Some(tau);
        self
    }
    /// The confidence level of every interval.
    pub fn conf_level(mut self, level: f64) -> Self {
        self.options.conf_level = level;
        self
    }
    /// Every option at once (the covariates come from the formula).
    pub fn options(mut self, options: RmstOptions) -> Self {
        self.options = options;
        self
    }
    /// Computes the RMSTs from `table`.
    pub fn fit(&self, table: &Table) -> Result<Rmst, ModelError> {
        let formula = Formula::parse(&self.formula)?;
        let columns = columns_for(&formula, table, Shape::ArmAndCovariates)?;
        let data = SurvData::from_table(table, &columns)?;
        let options = RmstOptions {
            covariates: columns.covariates,
            ..self.options.clone()
        };
        Ok(Rmst::fit(&data, &options)?)
    }
}

/// A bootstrap to run: the formula (`Surv(time, status) ~ arm + age + strata(site)`: the arm,
/// then the covariates of the Cox statistics) and the options (statistic, replicates, seed).
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapModel {
    formula: String,
    options: BootstrapOptions,
    /// The cause of interest and the censoring value, for competing-risks statistics.
    cause: Option<String>,
    censor_value: String,
}

impl Bootstrap {
    /// A bootstrap of this formula with the default options (log HR, 2000 replicates, seed 1).
    ///
    /// ```
    /// use survkit::{Bootstrap, Statistic, Table};
    /// let lung = Table::read_csv("datasets/lung.csv")?;
    /// let boot = Bootstrap::new("Surv(time, status) ~ sex + age")
    ///     .statistic(Statistic::LogHr)
    ///     .replicates(200)
    ///     .seed(7)
    ///     .fit(&lung)?;
    /// assert!(boot.estimate < 0.0); // women (sex 2) fare better
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> BootstrapModel {
        BootstrapModel {
            formula: formula.into(),
            options: BootstrapOptions::default(),
            cause: None,
            censor_value: "0".to_string(),
        }
    }
}

impl BootstrapModel {
    /// The statistic to resample.
    pub fn statistic(mut self, statistic: Statistic) -> Self {
        self.options.statistic = statistic;
        self
    }
    /// The number of replicates B (replicates 0..B of the seed's streams).
    pub fn replicates(mut self, replicates: usize) -> Self {
        self.options.replicates = 0..replicates;
        self
    }
    /// The seed of the replicates' random streams.
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }
    /// Every option at once.
    pub fn options(mut self, options: BootstrapOptions) -> Self {
        self.options = options;
        self
    }
    /// The cause of interest of `cif-diff:T` and `log-shr`: the status then holds a censoring
    /// value and causes.
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }
    /// The status value of censored rows with [`BootstrapModel::cause`] (default `0`).
    pub fn censor_value(mut self, value: impl Into<String>) -> Self {
        self.censor_value = value.into();
        self
    }
    /// Runs the bootstrap on `table`; the formula and options are checked here.
    pub fn fit(&self, table: &Table) -> Result<Bootstrap, ModelError> {
        match &self.cause {
            Some(cause) => {
                let data = competing_frame(table, &self.formula, Shape::ArmAndModel, &self.censor_value)?;
                Ok(Bootstrap::run(
                    BootstrapData::Competing { data: &data, cause },
                    &self.options,
                )?)
            }
            None => {
                let data = frame(table, &self.formula, Shape::ArmAndModel)?;
                Ok(Bootstrap::run(&data, &self.options)?)
            }
        }
    }
}

/// A permutation test to run: the formula (`Surv(time, status) ~ arm + strata(site)`) and the
/// options.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationModel {
    formula: String,
    options: PermutationOptions,
}

impl Permutation {
    /// A permutation log-rank test of this formula (exact when the assignments are few enough,
    /// else Monte Carlo).
    ///
    /// ```
    /// use survkit::{Permutation, Table};
    /// let lung = Table::read_csv("datasets/lung.csv")?;
    /// let test = Permutation::new("Surv(time, status) ~ sex").fit(&lung)?;
    /// assert!(test.p_value < 0.01);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> PermutationModel {
        PermutationModel {
            formula: formula.into(),
            options: PermutationOptions::default(),
        }
    }
}

impl PermutationModel {
    /// Every option at once.
    pub fn options(mut self, options: PermutationOptions) -> Self {
        self.options = options;
        self
    }
    /// Runs the test on `table`; the formula and options are checked here.
    pub fn fit(&self, table: &Table) -> Result<Permutation, ModelError> {
        let data = frame(table, &self.formula, Shape::Groups)?;
        Ok(Permutation::test(&data, &self.options, &|| {})?)
    }
}

/// A fragility analysis of survival data to run: the formula (`Surv(time, status) ~ arm`, the
/// reference level first or named with `relevel`) and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct FragilityModel {
    formula: String,
    options: SurvivalOptions,
}

impl SurvivalFragility {
    /// The fragility of the log-rank test (by default) of this formula.
    ///
    /// ```
    /// use survkit::Table;
    /// use survkit::fragility::SurvivalFragility;
    /// let lung = Table::read_csv("datasets/lung.csv")?;
    /// let fragility = SurvivalFragility::new("Surv(time, status) ~ sex").fit(&lung)?;
    /// assert!(fragility.p_value < 0.05);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> FragilityModel {
        FragilityModel {
            formula: formula.into(),
            options: SurvivalOptions::default(),
        }
    }
}

impl FragilityModel {
    /// Every option at once.
    pub fn options(mut self, options: SurvivalOptions) -> Self {
        self.options = options;
        self
    }
    /// Computes the fragility on `table`; the formula and options are checked here.
    pub fn fit(&self, table: &Table) -> Result<SurvivalFragility, ModelError> {
        let data = frame(table, &self.formula, Shape::Groups)?;
        Ok(SurvivalFragility::compute(&data, &self.options)?)
    }
}

/// A cumulative incidence analysis to run: the formula, the censoring value and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct CifModel {
    formula: String,
    censor_value: String,
    options: CifOptions,
}

impl Cif {
    /// Cumulative incidence of every cause per group of `Surv(time, status) ~ group` (R's
    /// `Surv(time, factor(status))` too; `~ 1` for one group, `+ strata(x)` for Gray's test
    /// within strata); the status holds the censoring value (default `0`) and the causes.
    ///
    /// ```
    /// use survkit::{Cif, Table};
    /// let mgus = Table::read_csv("datasets/mgus2_cr.csv")?;
    /// let cif = Cif::new("Surv(time, factor(status)) ~ sex").at(&[120.0]).fit(&mgus)?;
    /// // R: cmprsk::cuminc(time, status, sex)$Tests["1", "stat"], Gray's test for cause 1
    /// assert!((cif.gray[0].statistic.ok_or("singular")? - 1.19450782507551).abs() < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>) -> CifModel {
        CifModel {
            formula: formula.into(),
            censor_value: "0".to_string(),
            options: CifOptions::default(),
        }
    }
}

impl CifModel {
    /// The status value of censored rows (default `0`); every other value is a cause.
    pub fn censor_value(mut self, value: impl Into<String>) -> Self {
        self.censor_value = value.into();
        self
    }
    /// Times at which to report each cumulative incidence.
    pub fn at(mut self, times: &[f64]) -> Self {
        self.options.at = times.to_vec();
        self
    }
    /// Restricted mean time lost to each cause up to τ, with differences between groups.
    pub fn tau(mut self, tau: f64) -> Self {
        self.options.tau = Some(tau);
        self
    }
    /// Every option at once.
    pub fn options(mut self, options: CifOptions) -> Self {
        self.options = options;
        self
    }
    /// Computes the curves and Gray's tests from `table`.
    pub fn fit(&self, table: &Table) -> Result<Cif, ModelError> {
        let data = competing_frame(table, &self.formula, Shape::Groups, &self.censor_value)?;
        Ok(Cif::fit(&data, &self.options)?)
    }
}

/// A Fine–Gray model to fit: the formula, the cause of interest, the censoring value and the
/// options.
#[derive(Debug, Clone, PartialEq)]
pub struct FineGrayModel {
    formula: String,
    censor_value: String,
    options: FineGrayOptions,
}

impl FineGray {
    /// The Fine–Gray model of `Surv(time, status) ~ covariates` (R's `Surv(time,
    /// factor(status))` too) for `cause`, a value of the status column; covariates as in
    /// [`Cox::new`] (factors, `relevel`, interactions), without strata or clusters (`crr` has
    /// neither).
    ///
    /// ```
    /// use survkit::{FineGray, Table};
    /// let mgus = Table::read_csv("datasets/mgus2_cr.csv")?;
    /// let fit = FineGray::new("Surv(time, status) ~ age", "1").fit(&mgus)?;
    /// // R: cmprsk::crr(time, status, cbind(age), failcode = 1)$coef
    /// assert!((fit.terms[0].coef.ok_or("no estimate")? - -0.0166515588829689).abs() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::new_ret_no_self)] // the contract: `Estimator::new(formula)` gives its builder
    pub fn new(formula: impl Into<String>, cause: impl Into<String>) -> FineGrayModel {
        FineGrayModel {
            formula: formula.into(),
            censor_value: "0".to_string(),
            options: FineGrayOptions::new(cause),
        }
    }
}

impl FineGrayModel {
    /// The status value of censored rows (default `0`); every other value is a cause.
    pub fn censor_value(mut self, value: impl Into<String>) -> Self {
        self.censor_value = value.into();
        self
    }
    /// The confidence level of the subdistribution hazard-ratio limits.
    pub fn conf_level(mut self, level: f64) -> Self {
        self.options.conf_level = level;
        self
    }
    /// Every option at once (the cause included).
    pub fn options(mut self, options: FineGrayOptions) -> Self {
        self.options = options;
        self
    }
    /// Fits the model to `table`.
    pub fn fit(&self, table: &Table) -> Result<FineGray, ModelError> {
        let data = competing_frame(table, &self.formula, Shape::Regression, &self.censor_value)?;
        Ok(FineGray::fit(&data, &self.options)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    fn lung() -> Table {
        Table::read_csv("datasets/lung.csv").unwrap()
    }

    /// Formula spellings build exactly the data the column options build.
    #[test]
    fn formula_matches_column_options() {
        let table = lung();
        let cases = [
            (
                "Surv(time, status) ~ age + factor(ph.ecog) + strata(inst)",
                Shape::Regression,
                Columns::new("time", "status")
                    .covariates(["age", "ph.ecog"])
                    .factors(["ph.ecog"])
                    .strata("inst"),
            ),
            (
                "Surv(time, status == 2) ~ relevel(sex, ref = 2) + cluster(inst)",
                Shape::Regression,
                Columns::new("time", "status")
                    .event_value("2")
                    .covariates(["sex"])
                    .factors(["sex"])
                    .reference("sex", "2")
                    .cluster("inst"),
            ),
            (
                "Surv(time, status) ~ sex + strata(ph.ecog)",
                Shape::Groups,
                Columns::new("time", "status").group("sex").strata("ph.ecog"),
            ),
            ("Surv(time, status) ~ 1", Shape::Groups, Columns::new("time", "status")),
            (
                "Surv(time, status) ~ sex + age",
                Shape::ArmAndCovariates,
                Columns::new("time", "status").group("sex").covariates(["age"]),
            ),
        ];
        for (formula, shape, columns) in cases {
            let from_formula = frame(&table, formula, shape).unwrap();
            let from_columns = SurvData::read_csv("datasets/lung.csv", &columns).unwrap();
            assert_eq!(from_formula, from_columns, "{formula}");
        }
    }

    #[test]
    fn missing_values_drop_only_rows_the_model_uses() {
        let table = lung();
        let with_ecog = frame(&table, "Surv(time, status) ~ ph.ecog", Shape::Regression).unwrap();
        let age_only = frame(&table, "Surv(time, status) ~ age", Shape::Regression).unwrap();
        assert_eq!((with_ecog.dropped.count, with_ecog.n_rows()), (1, 227));
        assert_eq!((age_only.dropped.count, age_only.n_rows()), (0, 228));
    }

    #[test]
    fn text_columns_are_factors_in_cox() {
        let table = Table::from_columns(
            "mem",
            vec![
                Column::numeric("t", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
                Column::numeric("s", vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0]),
                Column::labels(
                    "arm",
                    vec![Some("b"), Some("a"), Some("b"), Some("a"), Some("a"), Some("b")],
                ),
            ],
        )
        .unwrap();
        let fit = Cox::new("Surv(t, s) ~ arm").fit(&table).unwrap();
        assert_eq!(fit.terms[0].term, "arm=b");
    }

    #[test]
    fn model_errors_speak_of_the_formula() {
        let table = lung();
        let e = Cox::new("Surv(time, status) ~ agee").fit(&table).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("datasets/lung.csv: the formula names column 'agee', which the data do not have; the columns are: inst, time, status, age"),
            "{e}"
        );
        let e = Cox::new("Surv(time, status ~ age").fit(&table).unwrap_err();
        assert!(e.to_string().starts_with("expected ')'"), "{e}");
        let e = KaplanMeier::new("Surv(time, status) ~ age:sex")
            .fit(&table)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "this estimator (Kaplan–Meier, log-rank, cumulative incidence) does not take the interaction 'age:sex' (not supported yet) in its formula"
        );
        let e = KaplanMeier::new("Surv(time, status) ~ sex + ph.ecog")
            .fit(&table)
            .unwrap_err();
        assert!(e.to_string().contains("more than one group term ('ph.ecog')"), "{e}");
        let e = LogRank::new("Surv(time, status) ~ sex + cluster(inst)")
            .fit(&table)
            .unwrap_err();
        assert!(e.to_string().contains("'cluster(inst)'"), "{e}");
        let e = Rmst::new("Surv(time, status) ~ sex + factor(ph.ecog)")
            .fit(&table)
            .unwrap_err();
        assert!(e.to_string().contains("takes numeric covariates"), "{e}");
        let e = Cox::new("Surv(time, status) ~ age")
            .conf_level(1.5)
            .fit(&table)
            .unwrap_err();
        assert!(matches!(e, ModelError::Cox(CoxError::Option(_))), "{e}");
    }

    /// Competing risks from a formula: the same fits as from the data read with columns, R's
    /// `factor(status)` accepted, and what a status of causes cannot do refused.
    #[test]
    fn competing_risks_builders() {
        let table = Table::read_csv("datasets/mgus2_cr.csv").unwrap();
        let read = |columns: &Columns| CompetingData::read_csv("datasets/mgus2_cr.csv", columns, "0").unwrap();
        let by_sex = read(&Columns::new("time", "status").group("sex"));
        let options = CifOptions {
            at: vec![60.0],
            ..Default::default()
        };
        let direct = Cif::fit(&by_sex, &options).unwrap();
        for formula in ["Surv(time, status) ~ sex", "Surv(time, factor(status)) ~ sex"] {
            assert_eq!(Cif::new(formula).at(&[60.0]).fit(&table).unwrap(), direct, "{formula}");
        }
        let fg = FineGray::new("Surv(time, factor(status)) ~ age + sex", "2")
            .fit(&table)
            .unwrap();
        let columns = Columns::new("time", "status")
            .covariates(["age", "sex"])
            .factors(["sex"]);
        assert_eq!(fg, FineGray::fit(&read(&columns), &FineGrayOptions::new("2")).unwrap());
        assert_eq!(fg.terms[1].term, "sex=M");
        let boot = Bootstrap::new("Surv(time, status) ~ sex")
            .statistic(Statistic::CifDiff(60.0))
            .cause("1")
            .replicates(20)
            .fit(&table)
            .unwrap();
        let at = |g: &str| {
            direct
                .at
                .iter()
                .find(|a| a.group.as_deref() == Some(g) && a.cause == "1")
                .unwrap()
                .cif
        };
        assert!((boot.estimate - (at("M") - at("F"))).abs() < 1e-14);

        let refused = |e: ModelError, text: &str| assert!(e.to_string().contains(text), "{e}");
        refused(
            Cox::new("Surv(time, factor(status)) ~ age").fit(&table).unwrap_err(),
            "competing risks: cumulative incidence or Fine–Gray, or 'Surv(time, status == k)'",
        );
        refused(
            Cif::new("Surv(time, status == 1) ~ sex").fit(&table).unwrap_err(),
            "a status of causes has no event value",
        );
        refused(
            FineGray::new("Surv(time, status) ~ age + strata(sex)", "1")
                .fit(&table)
                .unwrap_err(),
            "crr's Fine–Gray fit has no strata or clusters (column 'sex')",
        );
        refused(
            FineGray::new("Surv(time, status) ~ age", "3").fit(&table).unwrap_err(),
            "there is no cause '3'",
        );
    }

    /// One table serves several models, each equal to the fit of the data read for it.
    #[test]
    fn builders_match_the_data_fits() {
        let table = lung();
        let read = |columns: &Columns| SurvData::read_csv("datasets/lung.csv", columns).unwrap();
        let cox = Cox::new("Surv(time, status) ~ age + sex")
            .ties(Ties::Breslow)
            .fit(&table)
            .unwrap();
        let options = CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        };
        let data = read(&Columns::new("time", "status").covariates(["age", "sex"]));
        assert_eq!(cox, Cox::fit(&data, &options).unwrap());

        let groups = read(&Columns::new("time", "status").group("sex"));
        let km = KaplanMeier::new("Surv(time, status) ~ sex").fit(&table).unwrap();
        assert_eq!(km, KaplanMeier::fit(&groups, &KmOptions::default()).unwrap());
        let lr = LogRank::new("Surv(time, status) ~ sex").fit(&table).unwrap();
        assert_eq!(lr, LogRank::test(&groups, &LogRankOptions::default()).unwrap());
        let rmst = Rmst::new("Surv(time, status) ~ sex").tau(365.0).fit(&table).unwrap();
        let options = RmstOptions {
            tau: Some(365.0),
            ..RmstOptions::default()
        };
        assert_eq!(rmst, Rmst::fit(&groups, &options).unwrap());
    }
}
