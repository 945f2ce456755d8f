//! Publication-quality figures as SVG or PNG: Kaplan–Meier curves with a number-at-risk
//! table, log(−log S) curves, scaled Schoenfeld residuals, forest plots, RMST areas, bootstrap
//! histograms, fragility p-value paths and reconstructed Kaplan–Meier curves over the digitised
//! points of a published figure; competing-risks cumulative incidence curves.
//!
//! Each kind builds a figure value from the data (every number it shows, serialisable), then
//! [`render`] draws it. Layout is computed by survkit in pixels with the embedded DejaVu Sans
//! metrics, so the same input gives byte-identical files, and legends, annotations and the
//! risk table sit outside the plotting panel where they cannot cover a curve.
//!
//! ```
//! use survkit::plot::{ImageFormat, KmFigure, KmPlotOptions, PlotOptions, render};
//! use survkit::{Columns, SurvData};
//!
//! let columns = Columns::new("time", "status").group("sex");
//! let data = SurvData::read_csv("datasets/lung.csv", &columns)?;
//! let options = KmPlotOptions { risk_table: true, ..Default::default() };
//! let figure = KmFigure::build(&data, &PlotOptions::default(), &options)?;
//! assert_eq!((figure.at_risk[0].n_risk[0], figure.at_risk[1].n_risk[0]), (138.0, 90.0));
//! let svg = String::from_utf8(render(&figure, ImageFormat::Svg, (800, 600))?)?;
//! assert!(svg.starts_with("<svg"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod axis;
pub mod bootstrap;
pub mod cafs;
pub mod canvas;
pub mod cif;
pub mod forest;
pub mod fragility;
pub mod km;
pub mod loglog;
pub mod reconstruct;
pub mod schoenfeld;
pub mod win;

use serde::Serialize;
use thiserror::Error;

pub use axis::TimeUnit;
pub use bootstrap::BootstrapFigure;
pub use cafs::CafsFigure;
pub use canvas::{Figure, ImageFormat, render};
pub use cif::{CifFigure, CifLayout, CifPlotOptions};
pub use forest::ForestFigure;
pub use fragility::FragilityFigure;
pub use km::{KmFigure, KmPlotOptions, SurvivalScale};
pub use loglog::LogLogFigure;
pub use reconstruct::ReconstructFigure;
pub use schoenfeld::SchoenfeldFigure;
pub use win::WinFigure;

/// Default image size in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (900, 640);

/// What every figure shares: size, titles and the time axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlotOptions {
    /// Image width in pixels (200 to 10000).
    pub width: u32,
    /// Image height in pixels (150 to 10000).
    pub height: u32,
    /// Title above the figure; `None` for no title.
    pub title: Option<String>,
    /// Axis titles; `None` for each kind's default.
    pub xlabel: Option<String>,
    /// The vertical axis title; `None` for the kind's default.
    pub ylabel: Option<String>,
    /// The unit of the data's time column.
    pub data_unit: TimeUnit,
    /// The unit shown on the time axis.
    pub time_unit: TimeUnit,
    /// End of the time axis, in `time_unit` (default: the last follow-up time).
    pub xmax: Option<f64>,
    /// Distance between time-axis breaks, in `time_unit` (default: a natural step of the unit
    /// giving about one break per 90 pixels).
    pub break_every: Option<f64>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            width: DEFAULT_SIZE.0,
            height: DEFAULT_SIZE.1,
            title: None,
            xlabel: None,
            ylabel: None,
            data_unit: TimeUnit::Days,
            time_unit: TimeUnit::Days,
            xmax: None,
            break_every: None,
        }
    }
}

impl PlotOptions {
    /// Checks the options once, so the figures need not.
    pub fn check(&self) -> Result<(), PlotError> {
        if let Some(x) = self.xmax
            && !(x.is_finite() && x > 0.0)
        {
            return Err(PlotError::AxisLimit(format!(
                "the axis limit {x} must be a time greater than 0"
            )));
        }
        if let Some(b) = self.break_every
            && !(b.is_finite() && b > 0.0)
        {
            return Err(PlotError::BreakStep(format!(
                "the step between breaks {b} must be greater than 0"
            )));
        }
        canvas::check_size((self.width, self.height))
    }

    /// Factor from data time to displayed time.
    pub fn time_scale(&self) -> f64 {
        self.data_unit.days() / self.time_unit.days()
    }

    /// The time-axis title: `xlabel` or "Time (unit)".
    pub fn time_title(&self) -> String {
        self.xlabel
            .clone()
            .unwrap_or_else(|| format!("Time ({})", self.time_unit.name()))
    }

    /// The image size in pixels, (width, height).
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

/// Why a figure cannot be built or drawn.
#[derive(Debug, Error, PartialEq)]
pub enum PlotError {
    /// An option is out of range (size, axis limit, break step, ...).
    #[error("invalid option: {0}")]
    Option(String),
    /// The image is too small for the figure (or its size is out of range).
    #[error("invalid option: {0}")]
    Size(String),
    /// The step between axis breaks is not positive or gives too many breaks.
    #[error("invalid option: {0}")]
    BreakStep(String),
    /// The time axis limit is not a positive time.
    #[error("invalid option: {0}")]
    AxisLimit(String),
    /// The data (or the estimator on them) refused: the message says why, in its own words.
    #[error("{0}")]
    Data(String),
    /// The analysis of valid data cannot give the figure (e.g. nothing to draw, not two arms).
    #[error("{0}")]
    Analysis(String),
    /// The drawing backend or the image encoder failed.
    #[error("drawing failed: {0}")]
    Draw(String),
}

impl PlotError {
    /// Whether the error is about the analysis of valid input (rather than bad input or options).
    pub fn is_analysis_error(&self) -> bool {
        matches!(self, PlotError::Analysis(_) | PlotError::Draw(_))
    }
}

/// The display name of a curve: its group level, with its stratum when there is one.
fn curve_name(group: Option<&str>, stratum: Option<&str>) -> String {
    match (group, stratum) {
        (Some(g), Some(s)) => format!("{g}, {s}"),
        (Some(g), None) => g.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => "all".to_string(),
    }
}
