//! Scaled Schoenfeld residuals against time, one panel per model column: the graphical side of
//! the proportional-hazards test (R's `plot(cox.zph(fit))`). Under proportional hazards the
//! residuals of a column scatter evenly around its coefficient β̂ (Grambsch & Therneau 1994:
//! E[scaled residual at t] ≈ β(t)), so a trend in the smooth suggests a time-varying effect.
//!
//! # What is drawn
//! - Points: the scaled Schoenfeld residuals β̂ + d · V rᵢ of each event ([`crate::cox`]
//!   residuals), at the event time in the displayed unit (plain time; `cox.zph` tests with
//!   the Kaplan–Meier transform of time, the plot keeps the time axis readable).
//! - A smooth: local linear regression with tricube weights over the nearest
//!   [`SMOOTH_SPAN`] = 2/3 of the events (lowess's default span, without its robustness
//!   iterations), evaluated at [`SMOOTH_POINTS`] times across the range.
//! - Its band: ± 2 standard errors of the smooth, σ̂ · √(Σ lᵢ²) with lᵢ the local linear
//!   weights and σ̂² = RSS / (n − tr L) from the smooth at the events.
//! - A dashed horizontal line at β̂, and the `cox.zph` p-value of the column's term (default
//!   `km` transform) in the panel title.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, breaks, draw_title, nice_step, time_step};
use super::canvas::{Align, BLACK, Canvas, Figure, GREY, PALETTE, fit_text};
use super::{PlotError, PlotOptions};
use crate::data::SurvData;
use crate::output::{num, p_equals};
use crate::{Cox, CoxOptions};

/// Share of the events in each local fit of the smooth.
pub const SMOOTH_SPAN: f64 = 2.0 / 3.0;
/// Number of times the smooth is evaluated at.
pub const SMOOTH_POINTS: usize = 80;

/// One point of the smooth with its ± 2 SE band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmoothPoint {
    /// Time, in the displayed unit.
    pub time: f64,
    /// The smooth's value.
    pub fit: f64,
    /// The smooth minus 2 standard errors.
    pub lower: f64,
    /// The smooth plus 2 standard errors.
    pub upper: f64,
}

/// One model column's panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoenfeldPanel {
    /// The model column (e.g. "age", "ph.ecog=1").
    pub column: String,
    /// The covariate the column comes from, whose `cox.zph` test is shown.
    pub term: String,
    /// Degrees of freedom of the term's `cox.zph` test.
    pub zph_df: f64,
    /// p-value of the term's `cox.zph` test.
    pub zph_p_value: f64,
    /// The fitted coefficient β̂.
    pub coef: f64,
    /// (time in the displayed unit, scaled Schoenfeld residual), by time.
    pub points: Vec<(f64, f64)>,
    /// The smooth with its band, at [`SMOOTH_POINTS`] times.
    pub smooth: Vec<SmoothPoint>,
}

/// The scaled Schoenfeld residual figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoenfeldFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// One panel per model column.
    pub panels: Vec<SchoenfeldPanel>,
    /// The `cox.zph` global test p-value.
    pub global_p_value: f64,
}

impl SchoenfeldFigure {
    /// Fits the Cox model of `data`'s covariates with the proportional-hazards test and
    /// collects the scaled Schoenfeld residuals of each model column.
    pub fn build(data: &SurvData, layout: &PlotOptions) -> Result<SchoenfeldFigure, PlotError> {
        layout.check()?;
        let options = CoxOptions {
            zph: Some(Default::default()),
            ..Default::default()
        };
        let fit = Cox::fit(data, &options).map_err(|e| PlotError::Data(e.to_string()))?;
        if let Some(term) = fit.terms.iter().find(|t| t.diverges_to.is_some()) {
            return Err(PlotError::Analysis(format!(
                "the coefficient of {} is not estimable (monotone likelihood), so its residuals mean nothing",
                term.term
            )));
        }
        let zph = fit
            .zph
            .as_ref()
            .ok_or_else(|| PlotError::Analysis("the proportional-hazards test was not computed".into()))?;
        let residuals = fit.residuals(data).map_err(|e| PlotError::Analysis(e.to_string()))?;
        let sch = &residuals.scaled_schoenfeld;
        let p = residuals.terms.len();
        let scale = layout.time_scale();
        let mut panels = Vec::with_capacity(p);
        for (j, column) in residuals.terms.iter().enumerate() {
            let zph_term = zph
                .terms
                .iter()
                .find(|z| z.term == *column || column.starts_with(&format!("{}=", z.term)))
                .ok_or_else(|| PlotError::Analysis(format!("no proportional-hazards test for {column}")))?;
            let mut points: Vec<(f64, f64)> = sch
                .time
                .iter()
                .enumerate()
                .map(|(e, t)| (t * scale, sch.values[e * p + j]))
                .filter(|(t, v)| v.is_finite() && layout.xmax.is_none_or(|x| *t <= x))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let coef = fit.terms[j].coef.unwrap_or(f64::NAN);
            panels.push(SchoenfeldPanel {
                column: column.clone(),
                term: zph_term.term.clone(),
                zph_df: zph_term.df,
                zph_p_value: zph_term.p_value,
                coef,
                smooth: smooth(&points),
                points,
            });
        }
        if panels.iter().all(|panel| panel.points.is_empty()) {
            return Err(PlotError::Analysis("no event times to draw".into()));
        }
        Ok(SchoenfeldFigure {
            layout: layout.clone(),
            panels,
            global_p_value: zph.global.p_value,
        })
    }
}

/// The local linear weights lᵢ of the fit at `x0` over sorted points `xs`.
fn local_weights(xs: &[f64], x0: f64, q: usize, distances: &mut Vec<f64>) -> Vec<f64> {
    distances.clear();
    distances.extend(xs.iter().map(|x| (x - x0).abs()));
    let k = q.min(xs.len()) - 1;
    let h = *distances.select_nth_unstable_by(k, f64::total_cmp).1;
    // Slightly wider than the q-th distance so that the q nearest points all count.
    let h = (h * 1.000_001).max(1e-12);
    let w: Vec<f64> = xs
        .iter()
        .map(|x| {
            let u = (x - x0).abs() / h;
            if u < 1.0 { (1.0 - u * u * u).powi(3) } else { 0.0 }
        })
        .collect();
    let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for (x, wi) in xs.iter().zip(&w) {
        let d = x - x0;
        s0 += wi;
        s1 += wi * d;
        s2 += wi * d * d;
    }
    let det = s0 * s2 - s1 * s1;
    if det.abs() <= 1e-12 * s0 * s2.max(1e-300) || det <= 0.0 {
        return w.iter().map(|wi| wi / s0).collect();
    }
    xs.iter()
        .zip(&w)
        .map(|(x, wi)| wi * (s2 - (x - x0) * s1) / det)
        .collect()
}

/// The local linear smooth of `points` (sorted by x) with its ± 2 SE band.
fn smooth(points: &[(f64, f64)]) -> Vec<SmoothPoint> {
    let n = points.len();
    if n < 3 {
        return Vec::new();
    }
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let q = ((SMOOTH_SPAN * n as f64).ceil() as usize).clamp(3, n);
    let mut distances = Vec::with_capacity(n);
    let fit_at = |x0: f64, distances: &mut Vec<f64>| {
        let l = local_weights(&xs, x0, q, distances);
        let fit: f64 = l.iter().zip(&ys).map(|(li, y)| li * y).sum();
        (fit, l)
    };
    let (mut rss, mut trace) = (0.0, 0.0);
    for (i, x) in xs.iter().enumerate() {
        let (fit, l) = fit_at(*x, &mut distances);
        rss += (ys[i] - fit).powi(2);
        trace += l[i];
    }
    let sigma = (rss / (n as f64 - trace).max(1.0)).sqrt();
    let (lo, hi) = (xs[0], xs[n - 1]);
    (0..SMOOTH_POINTS)
        .map(|k| {
            let x0 = lo + (hi - lo) * k as f64 / (SMOOTH_POINTS - 1) as f64;
            let (fit, l) = fit_at(x0, &mut distances);
            let se = sigma * l.iter().map(|li| li * li).sum::<f64>().sqrt();
            SmoothPoint {
                time: x0,
                fit,
                lower: fit - 2.0 * se,
                upper: fit + 2.0 * se,
            }
        })
        .collect()
}

/// Ticks covering [lo, hi] with about `count` intervals; returns the rounded range too.
fn value_ticks(lo: f64, hi: f64, count: f64) -> (f64, f64, Vec<Tick>) {
    let step = nice_step(((hi - lo).max(1e-9)) / count);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let values: Vec<f64> = (0..=((hi - lo) / step).round() as usize)
        .map(|k| lo + k as f64 * step)
        .collect();
    (lo, hi, Tick::at(&values))
}

impl Figure for SchoenfeldFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let k = self.panels.len().max(1);
        let cols = if k <= 3 { k } else { (k as f64).sqrt().ceil() as usize };
        let rows = k.div_ceil(cols);
        let top = draw_title(canvas, &self.layout, width)?;
        let footnote = format!(
            "Points: scaled Schoenfeld residuals. Line: local linear smooth (tricube, span 2/3) ± 2 SE. Dashed: fitted coefficient. Global PH test {}.",
            p_equals(self.global_p_value)
        );
        let footnote = fit_text(&footnote, TICK_SIZE - 2.0, width - 2 * MARGIN);
        let bottom = height - MARGIN - LINE_HEIGHT;
        canvas.text(&footnote, (MARGIN, bottom + 4), TICK_SIZE - 2.0, GREY, Align::Left)?;
        let cell_w = (width - 2 * MARGIN) / cols as i32;
        let cell_h = (bottom - top) / rows as i32;
        let tmax_all = self
            .panels
            .iter()
            .flat_map(|p| p.points.iter().map(|q| q.0))
            .fold(0.0f64, f64::max);
        let tmax = self.layout.xmax.unwrap_or(tmax_all).max(1e-9);
        let x_title = self.layout.time_title();
        for (n, panel) in self.panels.iter().enumerate() {
            let (row, col) = ((n / cols) as i32, (n % cols) as i32);
            let (cell_left, cell_top) = (MARGIN + col * cell_w, top + row * cell_h);
            let values = panel
                .points
                .iter()
                .map(|p| p.1)
                .chain(panel.smooth.iter().flat_map(|s| [s.lower, s.upper]))
                .chain(std::iter::once(panel.coef).filter(|c| c.is_finite()));
            let (ymin, ymax) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
            let (ymin, ymax) = if ymin.is_finite() { (ymin, ymax) } else { (-1.0, 1.0) };
            let (ylo, yhi, y_ticks) = value_ticks(ymin, ymax, 5.0);
            let y_title = self
                .layout
                .ylabel
                .clone()
                .unwrap_or_else(|| format!("β(t) for {}", panel.column));
            let left = cell_left + Panel::left_space(&y_ticks, true) + 4;
            let right = cell_left + cell_w - 16;
            let x_step = self
                .layout
                .break_every
                .unwrap_or_else(|| time_step(tmax, ((right - left) / 70).max(2) as usize, self.layout.time_unit));
            let x_ticks = Tick::at(&breaks(tmax, x_step));
            let test = if panel.zph_df > 1.0 {
                format!(
                    "PH test for {} ({} df): {}",
                    panel.term,
                    num(panel.zph_df),
                    p_equals(panel.zph_p_value)
                )
            } else {
                format!("PH test {}", p_equals(panel.zph_p_value))
            };
            let heading = fit_text(&format!("{}: {}", panel.column, test), TICK_SIZE + 1.0, cell_w - 8);
            canvas.text(
                &heading,
                (cell_left + cell_w / 2, cell_top + 2),
                TICK_SIZE + 1.0,
                BLACK,
                Align::Centre,
            )?;
            let frame = Panel {
                left,
                top: cell_top + LINE_HEIGHT + 10,
                right,
                bottom: cell_top + cell_h - Panel::bottom_space(true) - 8,
                x: Scale::linear(0.0, tmax),
                y: Scale::linear(ylo, yhi),
            };
            frame.draw_axes(canvas, &x_ticks, &y_ticks, &x_title, &y_title)?;
            let colour = PALETTE[0];
            let smooth_colour = PALETTE[1];
            if !panel.smooth.is_empty() {
                let mut band: Vec<(i32, i32)> = panel.smooth.iter().map(|s| frame.px(s.time, s.upper)).collect();
                band.extend(panel.smooth.iter().rev().map(|s| frame.px(s.time, s.lower)));
                canvas.polygon(band, smooth_colour, 0.18)?;
            }
            for (t, v) in &panel.points {
                canvas.dot(frame.px(*t, *v), 2, colour, 0.55)?;
            }
            if panel.coef.is_finite() {
                let y = frame.y_px(panel.coef);
                canvas.dashed((frame.left, y), (frame.right, y), BLACK)?;
            }
            if !panel.smooth.is_empty() {
                let line: Vec<(i32, i32)> = panel.smooth.iter().map(|s| frame.px(s.time, s.fit)).collect();
                canvas.line(line, smooth_colour, 2)?;
            }
        }
        Ok(())
    }
}
