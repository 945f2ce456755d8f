//! Fragility paths: the p-value after each participant modified by the status-flip fragility
//! analysis (step 0 is the original data), on a log axis, with α as a dashed horizontal line and
//! the step where significance changes (the fragility index) highlighted and described.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{
    LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, draw_footnote, draw_header_line, draw_title, nice_step,
    tick_label,
};
use super::canvas::{Align, Canvas, Figure, PALETTE};
use super::{PlotError, PlotOptions};
use crate::data::SurvData;
use crate::fragility::{SurvivalFragility, SurvivalMethod, SurvivalOptions};
use crate::output::num;

/// One point of the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathPoint {
    /// Participants modified so far (0 for the original data).
    pub step: usize,
    /// The p-value after this step.
    pub p_value: f64,
    /// What changed at this step ("original data" at step 0).
    pub change: String,
}

/// The fragility figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FragilityFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// The test, e.g. "logrank".
    pub test: String,
    /// Significance level (the dashed line; significant means p < α).
    pub alpha: f64,
    /// The experimental arm's label.
    pub experimental: String,
    /// The control arm's label.
    pub control: String,
    /// The group column.
    pub group_column: String,
    /// The status-flip fragility index (signed); `None` when the path does not cross α.
    pub fragility_index: Option<i64>,
    /// Whether the index is known to be the minimum rather than a greedy upper bound.
    pub minimum_confirmed: bool,
    /// The original p-value, then one point per step of the path.
    pub points: Vec<PathPoint>,
    /// The step at which significance changes, if the path reaches it.
    pub crossing: Option<usize>,
}

impl FragilityFigure {
    /// Runs the status-flip fragility analysis of `data` (`options.method` is set to status).
    pub fn build(data: &SurvData, layout: &PlotOptions, options: &SurvivalOptions) -> Result<Self, PlotError> {
        layout.check()?;
        let options = SurvivalOptions {
            method: SurvivalMethod::Status,
            what_if: false,
            influence: false,
            ..options.clone()
        };
        let result = SurvivalFragility::compute(data, &options).map_err(|e| {
            if e.is_analysis_error() {
                PlotError::Analysis(e.to_string())
            } else {
                PlotError::Data(e.to_string())
            }
        })?;
        Ok(Self::from_result(&result, layout))
    }

    /// The path of a status-flip analysis already computed.
    pub fn from_result(result: &SurvivalFragility, layout: &PlotOptions) -> FragilityFigure {
        let mut points = vec![PathPoint {
            step: 0,
            p_value: result.p_value,
            change: "original data".into(),
        }];
        for step in &result.path {
            if let Some(p) = step.p_value.filter(|p| p.is_finite()) {
                points.push(PathPoint {
                    step: step.step,
                    p_value: p,
                    change: format!(
                        "line {}, {} {}, time {}: {}",
                        step.line,
                        result.group_column,
                        step.group,
                        num(step.time),
                        step.change
                    ),
                });
            }
        }
        let significant = |p: f64| p < result.alpha;
        let crossing = points
            .iter()
            .find(|pt| significant(pt.p_value) != result.significant)
            .map(|pt| pt.step);
        FragilityFigure {
            layout: layout.clone(),
            test: result.test.to_string(),
            alpha: result.alpha,
            experimental: result.experimental.clone(),
            control: result.control.clone(),
            group_column: result.group_column.clone(),
            fragility_index: result.fragility_index,
            minimum_confirmed: result.status.as_ref().is_some_and(|s| s.minimum_confirmed),
            points,
            crossing,
        }
    }

    /// The line under the figure: the index and what it compares.
    pub fn footnote(&self) -> String {
        let index = match self.fragility_index {
            Some(fi) => format!(
                "status-flip fragility index {fi}{}",
                if self.minimum_confirmed {
                    ""
                } else {
                    " (greedy upper bound)"
                }
            ),
            None => "the path does not change significance".into(),
        };
        format!(
            "{index}; {} test, {} {} (experimental) vs {} (control)",
            self.test, self.group_column, self.experimental, self.control
        )
    }
}

/// "0.001", or "1e-8" below 10⁻⁴.
fn p_label(v: f64) -> String {
    if v >= 1e-4 {
        tick_label(v)
    } else {
        format!("1e{}", v.log10().round() as i32)
    }
}

impl Figure for FragilityFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let mut top = draw_title(canvas, &self.layout, width)?;
        // The crossing step, described above the panel.
        let crossing = self.crossing.and_then(|s| self.points.iter().find(|p| p.step == s));
        let header = match crossing {
            Some(pt) => format!("Step {} crosses α: {}; p = {}", pt.step, pt.change, num(pt.p_value)),
            None => format!("No step crosses α = {}", tick_label(self.alpha)),
        };
        draw_header_line(canvas, &header, top, width)?;
        top += LINE_HEIGHT + 12;
        // Log p axis over whole decades covering the path and α.
        let p_min = self
            .points
            .iter()
            .map(|p| p.p_value)
            .fold(self.alpha, f64::min)
            .max(1e-300);
        let p_max = self
            .points
            .iter()
            .map(|p| p.p_value)
            .fold(self.alpha, f64::max)
            .min(1.0);
        let lo_exp = p_min.log10().floor() as i32;
        let mut hi_exp = (p_max.log10().ceil() as i32).min(0);
        if hi_exp <= lo_exp {
            hi_exp = lo_exp + 1;
        }
        let every = ((hi_exp - lo_exp) as usize).div_ceil(8).max(1);
        let y_values: Vec<f64> = (lo_exp..=hi_exp).step_by(every).map(|e| 10f64.powi(e)).collect();
        let y_ticks: Vec<Tick> = y_values
            .iter()
            .map(|v| Tick {
                value: *v,
                label: p_label(*v),
            })
            .collect();
        let y_title = self
            .layout
            .ylabel
            .clone()
            .unwrap_or_else(|| "p-value (log scale)".into());
        let left = MARGIN + Panel::left_space(&y_ticks, true);
        let right = width - MARGIN - 10;
        let bottom = height - MARGIN - Panel::bottom_space(true) - LINE_HEIGHT;
        if bottom - top < 60 || right - left < 120 {
            return Err(PlotError::Size(
                "the image is too small for the fragility path; make it wider or taller".into(),
            ));
        }
        let last = self.points.last().map_or(1, |p| p.step).max(1) as f64;
        let x_step = nice_step(last / ((right - left) / 60).max(2) as f64).max(1.0);
        let x_values: Vec<f64> = (0..=((last / x_step).floor() as usize))
            .map(|k| k as f64 * x_step)
            .collect();
        let panel = Panel {
            left,
            top,
            right,
            bottom,
            x: Scale::linear(-0.5, last + 0.5),
            y: Scale::log(10f64.powi(lo_exp), 10f64.powi(hi_exp)),
        };
        let x_title = self
            .layout
            .xlabel
            .clone()
            .unwrap_or_else(|| "Participants modified (step)".into());
        panel.draw_axes(canvas, &Tick::at(&x_values), &y_ticks, &x_title, &y_title)?;
        // α
        let alpha_colour = PALETTE[1];
        let ya = panel.y_px(self.alpha);
        canvas.dashed((panel.left, ya), (panel.right, ya), alpha_colour)?;
        canvas.dashed((panel.left, ya + 1), (panel.right, ya + 1), alpha_colour)?;
        // At the left, away from the crossing: above the line when the path starts below it.
        let starts_below = self.points.first().is_some_and(|p| p.p_value < self.alpha);
        canvas.text(
            &format!("α = {}", tick_label(self.alpha)),
            (panel.left + 6, if starts_below { ya - LINE_HEIGHT } else { ya + 6 }),
            TICK_SIZE,
            alpha_colour,
            Align::Left,
        )?;
        // The path.
        let colour = PALETTE[0];
        let pixels: Vec<(i32, i32)> = self.points.iter().map(|p| panel.px(p.step as f64, p.p_value)).collect();
        canvas.line(pixels.clone(), colour, 2)?;
        for (point, px) in self.points.iter().zip(&pixels) {
            if Some(point.step) == self.crossing {
                canvas.dot(*px, 8, alpha_colour, 0.35)?;
                canvas.dot(*px, 5, alpha_colour, 1.0)?;
            } else {
                canvas.dot(*px, 3, colour, 1.0)?;
            }
        }
        draw_footnote(canvas, &self.footnote(), (width, height))?;
        Ok(())
    }
}
