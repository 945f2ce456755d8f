//! Cumulative incidence curves of competing causes (Aalen–Johansen), in one of three
//! layouts ([`CifLayout`]):
//! - overlay: every curve on one panel, one colour per group, a solid line for the first
//!   cause and dashed lines for the others;
//! - stacked: one panel per group, the causes stacked as filled bands (cause 1 from 0 to F_1,
//!   cause 2 from F_1 to F_1 + F_2, …) and the event-free probability filling the rest up to 1;
//! - side-by-side: one panel per group with each cause's curve in its own colour.
//!
//! Each with optional pointwise bands (not when stacked), the number at risk (event-free and
//! uncensored) at each time-axis break and Gray's tests above the panels.
//!
//! # What is drawn
//! - F_k(t) from [`crate::competing::Cif`] as a right-continuous step function from 0.
//! - Stacked: Σ_{j ≤ k} F_j(t) for each cause k; since Σ_k F_k(t) + S(t) = 1 for the
//!   Aalen–Johansen estimator, the band above the last cause is the event-free S(t).
//! - Number at risk at each break t: those with exit time ≥ t in the group, as the
//!   cumulative incidence's `at` rows count them.

use std::str::FromStr;

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{
    Header, LABEL_SIZE, LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, breaks, draw_band, draw_legend,
    draw_risk_table, draw_title, framed_panel, legend_height, nice_step, panel_bottom, step_path, time_breaks,
};
use super::canvas::{Align, BLACK, Canvas, Colour, Figure, GREY, fit_text, group_colour, text_width};
use super::{PlotError, PlotOptions};
use crate::competing::{Cif, CifCurve, CifOptions, CompetingData};
use crate::output::{num, p_equals};

/// How the cumulative incidence curves are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CifLayout {
    /// Every curve on one panel: a colour per group, solid for the first cause, dashed for the
    /// others.
    #[default]
    Overlay,
    /// One panel per group, the causes stacked as filled bands and the event-free
    /// probability above them, up to 1.
    Stacked,
    /// One panel per group, a curve per cause in the cause's colour.
    SideBySide,
}

impl CifLayout {
    /// The layout's name: "overlay", "stacked" or "side-by-side".
    pub fn name(self) -> &'static str {
        match self {
            CifLayout::Overlay => "overlay",
            CifLayout::Stacked => "stacked",
            CifLayout::SideBySide => "side-by-side",
        }
    }
}

impl FromStr for CifLayout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "overlay" => Ok(CifLayout::Overlay),
            "stacked" => Ok(CifLayout::Stacked),
            "side-by-side" => Ok(CifLayout::SideBySide),
            _ => Err(format!("unknown layout '{s}'; use overlay, stacked or side-by-side")),
        }
    }
}

/// What the cumulative incidence figure shows besides the curves, and how it lays them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CifPlotOptions {
    /// Pointwise confidence bands (overlay and side-by-side only).
    pub ci: bool,
    /// The number at risk at each time-axis break, under the panels.
    pub risk_table: bool,
    /// Overlay, stacked or side-by-side.
    pub arrangement: CifLayout,
}

impl CifPlotOptions {
    /// Refuses bands on stacked incidences: a band around a sum of curves is not the sum of
    /// their bands.
    pub fn check(&self) -> Result<(), PlotError> {
        if self.ci && self.arrangement == CifLayout::Stacked {
            return Err(PlotError::Option(
                "confidence bands are not drawn on stacked cumulative incidences; use the overlay or side-by-side layout for bands".into(),
            ));
        }
        Ok(())
    }
}

/// A cumulative incidence figure with everything it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// Whether the pointwise confidence bands are drawn.
    pub ci: bool,
    /// Whether the number-at-risk table is drawn under the panel.
    pub risk_table: bool,
    /// Overlay, stacked or side-by-side.
    pub arrangement: CifLayout,
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
    /// time-axis breaks; `plot` says whether the bands and the table are drawn, and how the
    /// curves are laid out (with one panel per group, the breaks are as many as a panel's
    /// width takes).
    pub fn build(
        data: &CompetingData,
        layout: &PlotOptions,
        options: &CifOptions,
        plot: &CifPlotOptions,
    ) -> Result<CifFigure, PlotError> {
        layout.check()?;
        plot.check()?;
        let scale = layout.time_scale();
        let last = data.data().time.iter().copied().fold(0.0, f64::max) * scale;
        let panels = match plot.arrangement {
            CifLayout::Overlay => 1,
            _ => data.data().group.as_ref().map_or(1, |g| g.n_levels().max(1)),
        };
        // the breaks of a panel as wide as one of `panels` side by side
        let breaks_layout = PlotOptions {
            width: 260 + layout.width.saturating_sub(100) / panels as u32,
            ..layout.clone()
        };
        let (xmax, tick_values) = time_breaks(if panels > 1 { &breaks_layout } else { layout }, last)?;
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
        let mut annotation = match plot.arrangement {
            CifLayout::Overlay => vec![line_styles(&fit.causes)],
            CifLayout::Stacked => {
                vec![
                    "Stacked: each band's height is its cause's cumulative incidence; grey above them: event-free"
                        .into(),
                ]
            }
            CifLayout::SideBySide => Vec::new(),
        };
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
            ci: plot.ci,
            risk_table: plot.risk_table,
            arrangement: plot.arrangement,
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
        if self.arrangement == CifLayout::Stacked {
            return (1.0, breaks(1.0, 0.2));
        }
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
        let size = (width as i32, height as i32);
        match self.arrangement {
            CifLayout::Overlay => self.draw_overlay(canvas, size),
            CifLayout::Stacked | CifLayout::SideBySide => self.draw_panels(canvas, size),
        }
    }
}

impl CifFigure {
    fn draw_overlay<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        (width, height): (i32, i32),
    ) -> Result<(), PlotError> {
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
        for curve in &self.fit.curves {
            let colour = group_colour(self.group_index(curve));
            let path = self.curve_path(canvas, &panel, curve, colour, ymax)?;
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

/// Space between two panels beyond the next panel's tick labels, in pixels.
const PANEL_GAP: i32 = 16;

impl CifFigure {
    /// The curves of the group named `name`, in cause order.
    fn group_curves(&self, name: &str) -> Vec<&CifCurve> {
        self.fit.curves.iter().filter(|c| group_name(c) == name).collect()
    }

    /// The cumulative incidences of `curves` stacked: at each time one of them steps (up to
    /// the end of the time axis), (time, [F_1, F_1 + F_2, …]).
    fn stacked(&self, curves: &[&CifCurve]) -> Vec<(f64, Vec<f64>)> {
        let steps: Vec<Vec<(f64, f64, f64, f64)>> = curves.iter().map(|c| self.steps(c)).collect();
        let mut times: Vec<f64> = steps.iter().flatten().map(|p| p.0).collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        times
            .iter()
            .map(|&t| {
                let mut total = 0.0;
                let sums = steps
                    .iter()
                    .map(|s| {
                        let k = s.partition_point(|p| p.0 <= t);
                        total += k.checked_sub(1).map_or(0.0, |i| s[i].1);
                        total
                    })
                    .collect();
                (t, sums)
            })
            .collect()
    }

    /// One panel per group side by side: the legend of the causes, Gray's tests, then the
    /// panels with the group above each and its number at risk under it.
    fn draw_panels<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        (width, height): (i32, i32),
    ) -> Result<(), PlotError> {
        let stacked = self.arrangement == CifLayout::Stacked;
        let mut entries: Vec<(String, Colour)> = self
            .fit
            .causes
            .iter()
            .enumerate()
            .map(|(k, cause)| (format!("cause {cause}"), group_colour(k)))
            .collect();
        if stacked {
            entries.push(("event-free".to_string(), GREY));
        }
        let mut top = draw_title(canvas, &self.layout, width)?;
        let header_width = width - 2 * MARGIN;
        draw_legend(canvas, None, &entries, (MARGIN, top), header_width)?;
        top += legend_height(None, &entries, header_width) + 4;
        for line in &self.annotation {
            canvas.text(
                &fit_text(line, TICK_SIZE, header_width),
                (MARGIN, top),
                TICK_SIZE,
                BLACK,
                Align::Left,
            )?;
            top += LINE_HEIGHT;
        }
        top += 6;
        let title_top = top;
        top += LINE_HEIGHT + 4;
        let bottom = panel_bottom(height, top, self.risk_table.then_some(1))?;

        let (ymax, y_values) = self.y_range();
        let y_ticks = Tick::at(&y_values);
        let first_left = MARGIN + Panel::left_space(&y_ticks, true);
        let last_label = self.ticks.last().map_or(0, |t| text_width(&t.label, TICK_SIZE));
        let gap = Panel::left_space(&y_ticks, false) + last_label / 2 + PANEL_GAP;
        let right_end = width - MARGIN - (last_label / 2).max(8);
        let n = self.at_risk.len().max(1) as i32;
        let panel_width = (right_end - first_left - (n - 1) * gap) / n;
        if panel_width < 80 {
            return Err(PlotError::Size(format!(
                "the image is too narrow for {n} panels; make it at least {} pixels wide",
                width + n * (80 - panel_width)
            )));
        }
        let y_title = self
            .layout
            .ylabel
            .clone()
            .unwrap_or_else(|| "Cumulative incidence".to_string());
        let scale = self.layout.time_scale();
        for (g, (name, counts)) in self.at_risk.iter().enumerate() {
            let left = first_left + g as i32 * (panel_width + gap);
            let panel = Panel {
                left,
                top,
                right: left + panel_width,
                bottom,
                x: Scale::linear(0.0, self.xmax),
                y: Scale::linear(0.0, ymax),
            };
            let heading = match &self.fit.group_column {
                Some(column) => format!("{column}: {name}"),
                None => name.clone(),
            };
            canvas.text(
                &fit_text(&heading, LABEL_SIZE, panel_width),
                ((panel.left + panel.right) / 2, title_top),
                LABEL_SIZE,
                BLACK,
                Align::Centre,
            )?;
            panel.draw_axes(
                canvas,
                &self.ticks,
                &y_ticks,
                &self.layout.time_title(),
                if g == 0 { &y_title } else { "" },
            )?;
            let curves = self.group_curves(name);
            let curve_end = curves
                .iter()
                .filter_map(|c| c.time.last())
                .fold(0.0, |end: f64, t| end.max(t * scale))
                .min(self.xmax);
            if stacked {
                self.draw_stacked(canvas, &panel, &curves, curve_end)?;
            } else {
                self.draw_causes(canvas, &panel, &curves, ymax)?;
            }
            if self.risk_table {
                let y = bottom + Panel::bottom_space(true) + 4;
                if g == 0 {
                    canvas.text("Number at risk", (MARGIN, y), TICK_SIZE, BLACK, Align::Left)?;
                }
                for (tick, n_risk) in self.ticks.iter().zip(counts) {
                    canvas.text(
                        &num(*n_risk),
                        (panel.x_px(tick.value), y + LINE_HEIGHT + 2),
                        TICK_SIZE,
                        BLACK,
                        Align::Centre,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The causes of one group stacked as filled bands, each edged with its cause's colour,
    /// and the event-free probability above them in grey.
    fn draw_stacked<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        panel: &Panel,
        curves: &[&CifCurve],
        end: f64,
    ) -> Result<(), PlotError> {
        let stack = self.stacked(curves);
        let band = |k: usize| -> Vec<(f64, f64, f64, f64)> {
            stack
                .iter()
                .map(|(t, sums)| {
                    let below = k.checked_sub(1).map_or(0.0, |j| sums[j]);
                    let above = sums.get(k).copied().unwrap_or(1.0);
                    (*t, above, below, above)
                })
                .collect()
        };
        for k in 0..=curves.len() {
            let colour = if k < curves.len() { group_colour(k) } else { GREY };
            let alpha = if k < curves.len() { 0.55 } else { 0.15 };
            draw_band(canvas, panel, &band(k), (end, 1.0), colour, alpha)?;
        }
        for k in 0..curves.len() {
            let path: Vec<(i32, i32)> = step_path(&band(k), end, |p| (p.0, p.1.clamp(0.0, 1.0)))
                .iter()
                .map(|(t, v)| panel.px(*t, *v))
                .collect();
            canvas.line(path, group_colour(k), 1)?;
        }
        Ok(())
    }

    /// Each cause's curve of one group in the cause's colour, with its band when asked.
    fn draw_causes<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        panel: &Panel,
        curves: &[&CifCurve],
        ymax: f64,
    ) -> Result<(), PlotError> {
        for (k, curve) in curves.iter().enumerate() {
            let path = self.curve_path(canvas, panel, curve, group_colour(k), ymax)?;
            canvas.line(path, group_colour(k), 2)?;
        }
        Ok(())
    }

    /// Draws the band of `curve` when asked and returns the pixels of its step path, clamped
    /// to [0, `ymax`] and ending with its follow-up (or the time axis).
    fn curve_path<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        panel: &Panel,
        curve: &CifCurve,
        colour: Colour,
        ymax: f64,
    ) -> Result<Vec<(i32, i32)>, PlotError> {
        let scale = self.layout.time_scale();
        let steps = self.steps(curve);
        let curve_end = curve.time.last().map_or(0.0, |t| t * scale).min(self.xmax);
        if self.ci {
            draw_band(canvas, panel, &steps, (curve_end, ymax), colour, 0.15)?;
        }
        Ok(step_path(&steps, curve_end, |p| (p.0, p.1.clamp(0.0, ymax)))
            .iter()
            .map(|(t, v)| panel.px(*t, *v))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Columns;

    fn mgus2(plot: &CifPlotOptions) -> CifFigure {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/mgus2_cr.csv");
        let data = CompetingData::read_csv(file, &Columns::new("time", "status").group("sex"), "0").unwrap();
        CifFigure::build(&data, &PlotOptions::default(), &CifOptions::default(), plot).unwrap()
    }

    #[test]
    fn stacked_causes_reach_one_minus_event_free() {
        let figure = mgus2(&CifPlotOptions {
            arrangement: CifLayout::Stacked,
            ..Default::default()
        });
        for (name, _) in &figure.at_risk {
            let curves = figure.group_curves(name);
            assert_eq!(curves.len(), 2);
            let event_free = figure
                .fit
                .event_free
                .iter()
                .find(|e| e.group.as_deref() == Some(name.as_str()))
                .unwrap();
            let stack = figure.stacked(&curves);
            assert!(stack.len() > 100);
            for (t, sums) in &stack {
                assert!(sums[0] <= sums[1]);
                let l = event_free.time.partition_point(|u| u <= t);
                let s = l.checked_sub(1).map_or(1.0, |i| event_free.probability[i]);
                assert!(
                    (sums[1] - (1.0 - s)).abs() < 1e-12,
                    "{name} at {t}: {} vs 1 - {s}",
                    sums[1]
                );
            }
        }
    }

    #[test]
    fn bands_are_refused_when_stacked() {
        let plot = CifPlotOptions {
            ci: true,
            arrangement: CifLayout::Stacked,
            ..Default::default()
        };
        assert!(matches!(plot.check(), Err(PlotError::Option(_))));
        assert_eq!("side-by-side".parse::<CifLayout>(), Ok(CifLayout::SideBySide));
        assert!("stack".parse::<CifLayout>().is_err());
    }

    #[test]
    fn a_narrow_image_is_refused_with_the_width_it_needs() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/mgus2_cr.csv");
        let data = CompetingData::read_csv(file, &Columns::new("time", "status").group("agegrp"), "0").unwrap();
        let layout = PlotOptions {
            width: 300,
            ..Default::default()
        };
        let plot = CifPlotOptions {
            arrangement: CifLayout::SideBySide,
            ..Default::default()
        };
        let figure = CifFigure::build(&data, &layout, &CifOptions::default(), &plot).unwrap();
        let error = crate::plot::render(&figure, crate::plot::ImageFormat::Svg, layout.size()).unwrap_err();
        assert!(
            matches!(error, PlotError::Size(ref m) if m.contains("pixels wide")),
            "{error}"
        );
    }
}
