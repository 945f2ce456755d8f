//! log(−log S(t)) against log t by group: parallel curves support proportional hazards
//! (under PH, log(−log S₁) − log(−log S₀) = β at every t). As R's
//! `plot(survfit(...), fun = "cloglog")`: steps on a logarithmic time axis, times ≤ 0 and
//! S ∈ {0, 1} left out.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{MARGIN, Panel, Scale, Tick, draw_legend, draw_title, legend_height, nice_step};
use super::canvas::{Canvas, Colour, Figure, group_colour};
use super::{PlotError, PlotOptions, curve_name};
use crate::data::SurvData;
use crate::km::{KaplanMeier, KmOptions};

/// One curve's points (time in the displayed unit, log(−log S)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLogCurve {
    /// The curve's name: its group level, with its stratum when there is one.
    pub curve: String,
    /// (time, log(−log S(t))) at each event time with 0 < S(t) < 1.
    pub points: Vec<(f64, f64)>,
}

/// The log(−log S) figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLogFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// The group column; `None` for a single curve.
    pub group_column: Option<String>,
    /// One curve per group (and stratum).
    pub curves: Vec<LogLogCurve>,
}

impl LogLogFigure {
    /// Fits the Kaplan–Meier curves of `data` and keeps the points that have a log(−log S).
    pub fn build(data: &SurvData, layout: &PlotOptions) -> Result<LogLogFigure, PlotError> {
        layout.check()?;
        let fit = KaplanMeier::fit(data, &KmOptions::default()).map_err(|e| PlotError::Data(e.to_string()))?;
        let scale = layout.time_scale();
        let curves: Vec<LogLogCurve> = fit
            .curves
            .iter()
            .map(|c| LogLogCurve {
                curve: curve_name(c.group.as_deref(), c.stratum.as_deref()),
                points: c
                    .table
                    .iter()
                    .filter(|r| r.n_event > 0.0 && r.survival > 0.0 && r.survival < 1.0 && r.time > 0.0)
                    .filter(|r| layout.xmax.is_none_or(|x| r.time * scale <= x))
                    .map(|r| (r.time * scale, (-r.survival.ln()).ln()))
                    .collect(),
            })
            .collect();
        if curves.iter().all(|c| c.points.is_empty()) {
            return Err(PlotError::Analysis(
                "no curve has an event time with 0 < S(t) < 1, so there is nothing to draw".into(),
            ));
        }
        Ok(LogLogFigure {
            layout: layout.clone(),
            group_column: fit.group_column,
            curves,
        })
    }
}

/// Breaks 1, 2, 5 × 10ᵏ inside [min, max].
pub(super) fn log_breaks(min: f64, max: f64) -> Vec<f64> {
    let mut values = Vec::new();
    let mut power = 10f64.powf(min.log10().floor());
    while power <= max {
        for m in [1.0, 2.0, 5.0] {
            let v = m * power;
            if v >= min && v <= max {
                values.push(v);
            }
        }
        power *= 10.0;
    }
    values
}

impl Figure for LogLogFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let all = || self.curves.iter().flat_map(|c| c.points.iter());
        let (tmin, tmax) = all().fold((f64::INFINITY, 0.0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (ymin, ymax) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let tmax = self.layout.xmax.unwrap_or(tmax).max(tmin * 1.5);
        let step = nice_step(((ymax - ymin).max(0.5)) / 5.0);
        let (ylo, yhi) = ((ymin / step).floor() * step, (ymax / step).ceil() * step);
        let y_values: Vec<f64> = (0..=((yhi - ylo) / step).round() as usize)
            .map(|k| ylo + k as f64 * step)
            .collect();
        let y_ticks = Tick::at(&y_values);
        let x_ticks = Tick::at(&log_breaks(tmin, tmax));
        let entries: Vec<(String, Colour)> = self
            .curves
            .iter()
            .enumerate()
            .map(|(k, c)| (c.curve.clone(), group_colour(k)))
            .collect();
        let left = MARGIN + Panel::left_space(&y_ticks, true);
        let mut top = draw_title(canvas, &self.layout, width)?;
        let lead = self.group_column.as_deref().map(|g| format!("{g}:"));
        let legend_width = width - MARGIN - left;
        if entries.len() > 1 {
            draw_legend(canvas, lead.as_deref(), &entries, (left, top), legend_width)?;
            top += legend_height(lead.as_deref(), &entries, legend_width) + 10;
        }
        let panel = Panel {
            left,
            top,
            right: width - MARGIN - 16,
            bottom: height - MARGIN - Panel::bottom_space(true),
            x: Scale::log(tmin, tmax),
            y: Scale::linear(ylo, yhi),
        };
        let x_title = self
            .layout
            .xlabel
            .clone()
            .unwrap_or_else(|| format!("Time ({}, log scale)", self.layout.time_unit.name()));
        let y_title = self
            .layout
            .ylabel
            .clone()
            .unwrap_or_else(|| "log(−log S(t))".to_string());
        panel.draw_axes(canvas, &x_ticks, &y_ticks, &x_title, &y_title)?;
        for (k, curve) in self.curves.iter().enumerate() {
            let mut path: Vec<(i32, i32)> = Vec::new();
            for (t, v) in &curve.points {
                if let Some(&(_, y)) = path.last() {
                    path.push((panel.x_px(*t), y));
                }
                path.push(panel.px(*t, *v));
            }
            canvas.line(path, group_colour(k), 2)?;
        }
        Ok(())
    }
}
