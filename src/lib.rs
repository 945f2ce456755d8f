//! survkit: reanalyse survival data from clinical trials and see how fragile the results are.
//!
//! Read a table once, then fit models chosen at fit time with R's formula syntax:
//!
//! ```
//! use survkit::{Cox, KaplanMeier, Table};
//!
//! let lung = Table::read_csv("datasets/lung.csv")?;
//! let age_sex = Cox::new("Surv(time, status) ~ age + sex").fit(&lung)?;
//! let age = Cox::new("Surv(time, status) ~ age").fit(&lung)?;
//! println!("{age_sex}\n{age}");
//! println!("{}", KaplanMeier::new("Surv(time, status) ~ sex").fit(&lung)?);
//! println!("hazard ratio for sex: {:.3}", age_sex.hazard_ratio("sex")?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! See [`formula`] for the grammar, [`model`] for how a formula maps onto the data, [`table`]
//! for in-memory columns, and `lookup` for the accessors (`hazard_ratio`, `survival_at`,
//! `median`, `difference`). The estimators also take the data of one analysis directly:
//!
//! ```no_run
//! use survkit::{Columns, KaplanMeier, KmOptions, LogRank, LogRankOptions, SurvData};
//!
//! let data = SurvData::read_csv("datasets/lung.csv", &Columns::new("time", "status").group("sex"))?;
//! println!("{}", KaplanMeier::fit(&data, &KmOptions::default())?);
//! println!("{}", LogRank::test(&data, &LogRankOptions::default())?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Kaplan–Meier, the log-rank family and RMST also take aggregated counts per (group, stratum,
//! time), as one SQL `GROUP BY` makes them, and give the rows' results: see [`counts`].
//!
//! Every result derives `Serialize` (the JSON contract of the CLI) and displays as a table.
//! The library never prints and never exits.
//!
//! Cargo features (both default): `plot`, the figures (`survkit::plot`) and the HTML report
//! (`survkit::report`); `cli`, the `survkit` command (implies `plot`). Without them
//! (`default-features = false`) the statistics build without clap, indicatif, anyhow, plotters
//! or png. The feature `arrow` (not default) adds `Table::from_record_batch`.

// The numeric kernels index several arrays in step (x[j], s1[j], s2[j * p + l]); iterator
// chains would hide the formulas they transcribe.
#![allow(clippy::needless_range_loop)]
#![warn(missing_docs)]

pub mod bootstrap;
pub mod comparisons;
pub mod competing;
pub mod composite;
pub(crate) mod conf_int;
pub mod counts;
pub mod cox;
pub mod data;
pub mod design;
pub mod dist;
pub mod formula;
pub mod fragility;
pub mod km;
mod linalg;
pub mod logrank;
pub(crate) mod lookup;
pub mod maxcombo;
pub mod model;
pub mod multiplicity;
pub(crate) mod mvnorm;
pub(crate) mod nelson_aalen;
pub mod numbers;
pub mod output;
pub mod platform;
#[cfg(feature = "plot")]
pub mod plot;
pub(crate) mod quantile;
pub mod reconstruct;
#[cfg(feature = "plot")]
pub mod report;
pub(crate) mod risk_set;
pub mod rmst;
pub mod simulate;
pub mod table;
pub(crate) mod timefix;
pub mod win;

pub use bootstrap::{Bootstrap, BootstrapError, BootstrapOptions, Permutation, PermutationOptions, Statistic};
pub use competing::{Cif, CifOptions, CompetingCounts, CompetingData, CompetingError, FineGray, FineGrayOptions};
pub use conf_int::ConfType;
pub use cox::{Cox, CoxError, CoxFit, CoxOptions, Ties};
pub use data::{Columns, Covariate, DataError, DroppedRows, Factor, Location, Rule, SurvData};
pub use formula::{Formula, FormulaError};
pub use fragility::SurvivalFragility;
pub use km::{KaplanMeier, KmCurve, KmError, KmOptions};
pub use logrank::{LogRank, LogRankError, LogRankOptions, Weights};
pub use lookup::LookupError;
pub use model::{
    BootstrapModel, CifModel, CoxModel, FineGrayModel, FragilityModel, KmModel, LogRankModel, ModelError,
    PermutationModel, RmstModel,
};
pub use output::{Format, Render};
pub use reconstruct::{Reconstruct, ReconstructError, ReconstructOptions, Reconstruction};
pub use rmst::{Rmst, RmstError, RmstOptions};
pub use table::{Column, ColumnKind, Table};
pub use win::{Cafs, CafsOptions, WinError, WinOptions, WinStatistics};
#[cfg(feature = "arrow")]
pub mod arrow_input;
#[cfg(feature = "parquet")]
pub mod columnar;
