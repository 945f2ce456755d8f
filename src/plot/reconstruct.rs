//! A reconstruction checked by eye: the cleaned digitised points of each arm as small markers
//! over the Kaplan–Meier step function of the reconstructed participants (see
//! [`crate::reconstruct`]), one colour per arm, with the reconstructed numbers at risk at the
//! time-axis breaks under the axis.
//!
//! # What is drawn
//! - The reconstructed S(t) as a right-continuous step function: horizontal until an event
//!   time, then a vertical drop (never a line between event times), up to the arm's last
//!   reconstructed follow-up time.
//! - Each cleaned digitised point (after sorting, lowering and adding (0, 1)) as a dot.
//! - Number at risk at each break t: reconstructed participants with time ≥ t.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{
    LINE_HEIGHT, MARGIN, MAX_LABEL_WIDTH, Panel, Scale, TICK_SIZE, Tick, draw_legend, draw_risk_table, draw_title,
    legend_height, panel_bottom, step_path, time_breaks,
};
use super::canvas::{Align, Canvas, Colour, Figure, GREY, fit_text, group_colour, text_width};
use super::{PlotError, PlotOptions};
use crate::reconstruct::{Point, Reconstruction};

/// One arm as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconstructArm {
    /// The arm's label.
    pub group: String,
    /// The cleaned digitised points, displayed time unit.
    pub digitised: Vec<Point>,
    /// The reconstructed Kaplan–Meier curve: (0, 1), then S at each distinct time (displayed unit).
    pub km: Vec<Point>,
    /// The last reconstructed follow-up time (displayed unit).
    pub end: f64,
    /// Reconstructed number at risk at each time-axis break.
    pub n_risk: Vec<usize>,
}

/// The digitised points over the reconstructed Kaplan–Meier curves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconstructFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// One entry per reconstructed arm.
    pub arms: Vec<ReconstructArm>,
    /// Time-axis breaks, in the displayed unit.
    pub ticks: Vec<Tick>,
    /// End of the time axis, in the displayed unit.
    pub xmax: f64,
}

impl ReconstructFigure {
    /// Lays out the digitised points and the reconstructed curves of `result`.
    pub fn build(result: &Reconstruction, layout: &PlotOptions) -> Result<ReconstructFigure, PlotError> {
        layout.check()?;
        if result.arms.is_empty() {
            return Err(PlotError::Analysis("no reconstructed arms to draw".into()));
        }
        let scale = layout.time_scale();
        let last = result
            .arms
            .iter()
            .flat_map(|a| a.time.iter().chain(a.digitised.iter().map(|p| &p.time)))
            .copied()
            .fold(0.0, f64::max)
            * scale;
        let (xmax, tick_values) = time_breaks(layout, last)?;
        let shown = |p: &Point| Point {
            time: p.time * scale,
            survival: p.survival,
        };
        let arms = result
            .arms
            .iter()
            .map(|a| ReconstructArm {
                group: a.group.clone(),
                digitised: a.digitised.iter().map(shown).collect(),
                km: a.km.iter().map(shown).collect(),
                end: a.time.iter().copied().fold(0.0, f64::max) * scale,
                n_risk: tick_values
                    .iter()
                    .map(|t| a.time.iter().filter(|x| **x * scale >= *t - 1e-9).count())
                    .collect(),
            })
            .collect();
        Ok(ReconstructFigure {
            layout: layout.clone(),
            arms,
            ticks: Tick::at(&tick_values),
            xmax,
        })
    }
}

impl Figure for ReconstructFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let entries: Vec<(String, Colour)> = self
            .arms
            .iter()
            .enumerate()
            .map(|(k, a)| (a.group.clone(), group_colour(k)))
            .collect();
        let y_ticks = Tick::at(&[0.0, 0.25, 0.5, 0.75, 1.0]);
        let label_width = entries
            .iter()
            .map(|(n, _)| text_width(n, TICK_SIZE))
            .max()
            .unwrap_or(0)
            .min(MAX_LABEL_WIDTH)
            + 12;
        let left = MARGIN + Panel::left_space(&y_ticks, true).max(label_width);
        let last_label = self.ticks.last().map_or(0, |t| text_width(&t.label, TICK_SIZE));
        let right = width - MARGIN - (last_label / 2).max(8);

        let mut top = draw_title(canvas, &self.layout, width)?;
        let header_left = if left > 120 { MARGIN } else { left };
        let header_width = width - MARGIN - header_left;
        draw_legend(canvas, None, &entries, (header_left, top), header_width)?;
        top += legend_height(None, &entries, header_width) + 4;
        canvas.text(
            &fit_text(
                "dots: digitised points; steps: Kaplan–Meier of the reconstructed data",
                TICK_SIZE,
                header_width,
            ),
            (header_left, top),
            TICK_SIZE,
            GREY,
            Align::Left,
        )?;
        top += LINE_HEIGHT + 6;

        let bottom = panel_bottom(height, top, Some(entries.len()))?;
        let panel = Panel {
            left,
            top,
            right,
            bottom,
            x: Scale::linear(0.0, self.xmax),
            y: Scale::linear(0.0, 1.0),
        };
        let y_title = self
            .layout
            .ylabel
            .clone()
            .unwrap_or_else(|| "Survival probability".to_string());
        panel.draw_axes(canvas, &self.ticks, &y_ticks, &self.layout.time_title(), &y_title)?;

        for (k, arm) in self.arms.iter().enumerate() {
            let colour = group_colour(k);
            let path = step_path(&arm.km, arm.end.min(self.xmax), |p| {
                (p.time, p.survival.clamp(0.0, 1.0))
            });
            canvas.line(path.iter().map(|(t, v)| panel.px(*t, *v)).collect(), colour, 2)?;
        }
        // the points over every curve, so no arm's line hides another arm's points
        for (k, arm) in self.arms.iter().enumerate() {
            let colour = group_colour(k);
            for p in arm.digitised.iter().filter(|p| p.time <= self.xmax) {
                canvas.dot(panel.px(p.time, p.survival.clamp(0.0, 1.0)), 3, colour, 0.55)?;
            }
        }

        let rows: Vec<(&str, Vec<f64>)> = self
            .arms
            .iter()
            .map(|arm| (arm.group.as_str(), arm.n_risk.iter().map(|n| *n as f64).collect()))
            .collect();
        draw_risk_table(canvas, &panel, "Number at risk (reconstructed)", &self.ticks, &rows)?;
        Ok(())
    }
}
