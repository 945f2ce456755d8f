//! Cumulative incidence curves of competing causes (Aalen–Johansen), side by side on one
//! panel: one colour per group, a solid line for the first cause and dashed lines for the
//! others, optional pointwise bands, the number at risk (event-free and uncensored) at each
//! time-axis break and Gray's tests above the panel.
//!
//! # What is drawn
//! - F_k(t) from [`crate::competing::Cif`] as a right-continuous step function from 0.
//! - Number at risk at each break t: those with exit time ≥ t in the group, as the
//!   cumulative incidence's `at` rows count them.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{
    Header, Scale, Tick, breaks, draw_band, draw_risk_table, framed_panel, nice_step, step_path, time_breaks,
};
use super::canvas::{Canvas, Colour, Figure, group_colour};
use super::{PlotError, PlotOptions};
use crate::competing::{Cif, CifCurve, CifOptions, CompetingData};
use crate::output::{num, p_equals};

/// A cumulative incidence figure with everything it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// Whether the pointwise confidence bands are drawn.
    pub ci: bool,
    /// Whether the number-at-risk table is drawn under the panel.
    pub risk_table: bool,
    /// The cumulative incidence fit, with the counts at the time-axis breaks.
    pub fit: Cif,
    /// Time-axis breaks, in the displayed unit.
    pub ticks: Vec<Tick>,
    /// End of the time axis, in the displayed unit.
    pub xmax: f64,
    /// Number at risk per group at each break.
    pub at_risk: Vec<(String, Vec<f64>)>,
    /// Lines of text above the panel: the line styles of the causes, then Gray's tests.
    pub annotation: Vec<String>,
}

impl CifFigure {
    /// Fits the cumulative incidence of each cause by group and the numbers at risk at the
    /// time-axis breaks; `ci` and `risk_table` say whether the bands and the table are drawn.
    pub fn build(
        data: &CompetingData,
        layout: &PlotOptions,
        options: &CifOptions,
        ci: bool,
        risk_table: bool,
    ) -> Result<CifFigure, PlotError> {
        layout.check()?;
        let scale = layout.time_scale();
        let last = data.data().time.iter().copied().fold(0.0, f64::max) * scale;
        let (xmax, tick_values) = time_breaks(layout, last)?;
        let options = CifOptions {
            at: tick_values.iter().map(|t| t / scale).collect(),
            ..options.clone()
        };
        let fit = Cif::fit(data, &options).map_err(|e| PlotError::Option(e.to_string()))?;
        let first_cause = fit.causes.first().cloned().unwrap_or_default();
        let at_risk = fit
            .curves
            .iter()
            .filter(|c| c.cause == first_cause)
            .map(|c| {
                let counts = fit
                    .at
                    .iter()
                    .filter(|a| a.group == c.group && a.cause == first_cause)
                    .map(|a| a.n_risk)
                    .collect();
                (group_name(c), counts)
            })
            .collect();
        let mut annotation = vec![line_styles(&fit.causes)];
        for g in &fit.gray {
            if let (Some(statistic), Some(p)) = (g.statistic, g.p_value) {
                annotation.push(format!(
                    "Gray's test, cause {}: χ² = {} on {} df, {}",
                    g.cause,
                    num(statistic),
                    g.df,
                    p_equals(p)
                ));
            }
        }
        Ok(CifFigure {
            layout: layout.clone(),
            ci,
            risk_table,
            fit,
            ticks: Tick::at(&tick_values),
            xmax,
            at_risk,
            annotation,
        })
    }

    fn group_index(&self, curve: &CifCurve) -> usize {
        self.at_risk
            .iter()
            .position(|(name, _)| *name == group_name(curve))
            .unwrap_or(0)
    }

    fn steps(&self, curve: &CifCurve) -> Vec<(f64, f64, f64, f64)> {
        let scale = self.layout.time_scale();
        let mut points = vec![(0.0, 0.0, 0.0, 0.0)];
        for l in 0..curve.time.len() {
            let t = curve.time[l] * scale;
            if t > self.xmax {
                break;
            }
            let f = curve.cif[l];
            points.push((t, f, curve.lower[l].unwrap_or(f), curve.upper[l].unwrap_or(f)));
        }
        points
    }

    fn y_range(&self) -> (f64, Vec<f64>) {
        let top = self
            .fit
            .curves
            .iter()
            .flat_map(|c| self.steps(c))
            .map(|(_, f, _, hi)| if self.ci { f.max(hi) } else { f })
            .fold(0.0, f64::max)
            .clamp(0.05, 1.0);
        let step = nice_step(top / 5.0);
        let top = ((top / step).ceil() * step).min(1.0);
        (top, breaks(top, step))
    }
}

fn group_name(curve: &CifCurve) -> String {
    curve.group.clone().unwrap_or_else(|| "all".to_string())
}

/// "solid: cause 1; dashed: cause 2".
fn line_styles(causes: &[String]) -> String {
    let mut parts = Vec::new();
    if let Some(first) = causes.first() {
        parts.push(format!("solid: cause {first}"));
    }
    if causes.len() > 1 {
        parts.push(format!("dashed: cause {}", causes[1..].join(", ")));
    }
    parts.join("; ")
}

impl Figure for CifFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let entries: Vec<(String, Colour)> = self
            .at_risk
            .iter()
            .enumerate()
            .map(|(k, (name, _))| (name.clone(), group_colour(k)))
            .collect();
        let (ymax, y_values) = self.y_range();
        let y_ticks = Tick::at(&y_values);
        let lead = self.fit.group_column.as_deref().map(|g| format!("{g}:"));
        let header = Header {
            entries: &entries,
            lead: lead.as_deref(),
            annotation: &self.annotation,
            risk_table: self.risk_table,
        };
        let panel = framed_panel(
            canvas,
            &self.layout,
            (width, height),
            &header,
            (&self.ticks, &y_ticks),
            (Scale::linear(0.0, self.xmax), Scale::linear(0.0, ymax)),
        )?;
        let y_title = self
            .layout
            .ylabel
            .clone()
            .unwrap_or_else(|| "Cumulative incidence".to_string());
        panel.draw_axes(canvas, &self.ticks, &y_ticks, &self.layout.time_title(), &y_title)?;
        let scale = self.layout.time_scale();
        for curve in &self.fit.curves {
            let colour = group_colour(self.group_index(curve));
            let steps = self.steps(curve);
            let curve_end = curve.time.last().map_or(0.0, |t| t * scale).min(self.xmax);
            let clamp = |v: f64| v.clamp(0.0, ymax);
            if self.ci {
                draw_band(canvas, &panel, &steps, (curve_end, ymax), colour, 0.15)?;
            }
            let path: Vec<(i32, i32)> = step_path(&steps, curve_end, |p| (p.0, clamp(p.1)))
                .iter()
                .map(|(t, v)| panel.px(*t, *v))
                .collect();
            if curve.cause == self.fit.causes[0] {
                canvas.line(path, colour, 2)?;
            } else {
                for pair in path.windows(2) {
                    if pair[0] != pair[1] {
                        canvas.dashed(pair[0], pair[1], colour)?;
                    }
                }
            }
        }
        if self.risk_table {
            let rows: Vec<(&str, Vec<f64>)> = self.at_risk.iter().map(|(n, c)| (n.as_str(), c.clone())).collect();
            draw_risk_table(canvas, &panel, "Number at risk", &self.ticks, &rows)?;
        }
        Ok(())
    }
}
