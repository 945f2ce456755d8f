//! Kaplan–Meier curves: steps by group, confidence bands, censoring ticks, median lines, a
//! number-at-risk table aligned with the time-axis ticks, log-rank and hazard-ratio annotation;
//! also 1 − S, the Nelson–Aalen cumulative hazard, and the area under each curve up to τ (RMST).
//!
//! # What is drawn
//! - S(t) as a right-continuous step function: horizontal until an event time, then a vertical
//!   drop (never a line between event times). Censoring ticks at times with censored rows.
//! - Bands: the pointwise limits of [`crate::km`] as steps (limits of S mapped through the
//!   same function: 1 − S, or −log S for the cumulative hazard, as R's `plot.survfit`).
//! - Number at risk at each break t: those with exit time ≥ t, as R's `summary(fit, times = t)`
//!   counts ([`crate::km::SurvivalAt::n_risk`]).
//! - Annotation: the log-rank test and, for every non-reference group, the Cox hazard ratio
//!   with its Wald interval (when the data carry the group as a factor covariate).

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{
    Header, Scale, TICK_SIZE, Tick, breaks, draw_band, draw_risk_table, framed_panel, nice_step, step_path, time_breaks,
};
use super::canvas::{Align, BLACK, Canvas, Colour, Figure, GREY, group_colour};
use super::{PlotError, PlotOptions, curve_name};
use crate::conf_int::ConfType;
use crate::data::SurvData;
use crate::km::{KaplanMeier, KmCurve, KmOptions};
use crate::logrank::{LogRank, LogRankOptions};
use crate::output::{num, p_equals};
use crate::{Cox, CoxOptions, Rmst, RmstOptions};

/// The function of the survival curve on the y axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SurvivalScale {
    /// S(t), the survival probability.
    #[default]
    Survival,
    /// 1 − S(t), the cumulative incidence of the event.
    Event,
    /// The Nelson–Aalen cumulative hazard.
    Cumhaz,
}

/// What to draw on a Kaplan–Meier figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmPlotOptions {
    /// Draw the pointwise confidence bands.
    pub ci: bool,
    /// Draw dashed lines to each curve's median survival time.
    pub median: bool,
    /// Draw the number-at-risk table under the panel.
    pub risk_table: bool,
    /// Annotate the log-rank test and the Cox hazard ratios above the panel.
    pub annotate: bool,
    /// The function of S(t) on the y axis.
    pub scale: SurvivalScale,
    /// Transformation of the pointwise confidence limits (as R's `conf.type`).
    pub conf_type: ConfType,
    /// Confidence level of the bands (e.g. 0.95).
    pub conf_level: f64,
}

impl Default for KmPlotOptions {
    fn default() -> Self {
        KmPlotOptions {
            ci: false,
            median: false,
            risk_table: false,
            annotate: false,
            scale: SurvivalScale::Survival,
            conf_type: ConfType::Log,
            conf_level: 0.95,
        }
    }
}

/// One row of the number-at-risk table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRisk {
    /// The curve's name: its group level, with its stratum when there is one.
    pub curve: String,
    /// At each time-axis break.
    pub n_risk: Vec<f64>,
}

/// A Kaplan–Meier figure with everything it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// What is drawn.
    pub options: KmPlotOptions,
    /// The Kaplan–Meier fit, with the counts at the time-axis breaks.
    pub fit: KaplanMeier,
    /// Time-axis breaks, in the displayed unit.
    pub ticks: Vec<Tick>,
    /// End of the time axis, in the displayed unit.
    pub xmax: f64,
    /// Number at risk of each curve at each time-axis break.
    pub at_risk: Vec<AtRisk>,
    /// Lines of text above the panel (tests, hazard ratios, RMST).
    pub annotation: Vec<String>,
    /// Shade the area under each curve up to this time (displayed unit): the RMST figure.
    pub shade_to: Option<f64>,
}

impl KmFigure {
    /// Fits the curves and the counts at risk at the time-axis breaks.
    pub fn build(data: &SurvData, layout: &PlotOptions, options: &KmPlotOptions) -> Result<KmFigure, PlotError> {
        layout.check()?;
        let scale = layout.time_scale();
        let last = data.time.iter().copied().fold(0.0, f64::max) * scale;
        let (xmax, tick_values) = time_breaks(layout, last)?;
        let km_options = KmOptions {
            conf_type: options.conf_type,
            conf_level: options.conf_level,
            at: tick_values.iter().map(|t| t / scale).collect(),
            cumhaz: options.scale == SurvivalScale::Cumhaz,
            ..Default::default()
        };
        let fit = KaplanMeier::fit(data, &km_options).map_err(|e| PlotError::Data(e.to_string()))?;
        let at_risk = fit
            .curves
            .iter()
            .map(|c| AtRisk {
                curve: name(c),
                n_risk: c.at.iter().map(|a| a.n_risk).collect(),
            })
            .collect();
        let annotation = if options.annotate { annotate(data)? } else { Vec::new() };
        Ok(KmFigure {
            layout: layout.clone(),
            options: options.clone(),
            fit,
            ticks: Tick::at(&tick_values),
            xmax,
            at_risk,
            annotation,
            shade_to: None,
        })
    }

    fn y_title(&self) -> String {
        self.layout.ylabel.clone().unwrap_or_else(|| {
            match self.options.scale {
                SurvivalScale::Survival => "Survival probability",
                SurvivalScale::Event => "Cumulative incidence (1 − S)",
                SurvivalScale::Cumhaz => "Cumulative hazard",
            }
            .to_string()
        })
    }

    /// The plotted value for a survival probability.
    fn transform(&self, s: f64) -> f64 {
        match self.options.scale {
            SurvivalScale::Survival => s,
            SurvivalScale::Event => 1.0 - s,
            SurvivalScale::Cumhaz => {
                if s > 0.0 {
                    -s.ln()
                } else {
                    f64::INFINITY
                }
            }
        }
    }

    /// The curve's steps up to the axis end: (time, value, lower, upper) at 0 and every row.
    fn steps(&self, curve: &KmCurve) -> Vec<(f64, f64, f64, f64)> {
        let scale = self.layout.time_scale();
        let start = self.transform(1.0);
        let mut points = vec![(0.0, start, start, start)];
        for row in &curve.table {
            let t = row.time * scale;
            if t > self.xmax {
                break;
            }
            let value = match (self.options.scale, row.cumhaz) {
                (SurvivalScale::Cumhaz, Some(h)) => h,
                _ => self.transform(row.survival),
            };
            let a = self.transform(row.lower.unwrap_or(row.survival));
            let b = self.transform(row.upper.unwrap_or(row.survival));
            points.push((t, value, a.min(b), a.max(b)));
        }
        points
    }

    fn y_range(&self) -> (f64, Vec<f64>) {
        if self.options.scale != SurvivalScale::Cumhaz {
            return (1.0, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        }
        let top = self
            .fit
            .curves
            .iter()
            .flat_map(|c| self.steps(c))
            .map(|(_, v, _, hi)| if self.options.ci { v.max(hi) } else { v })
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(0.1);
        let step = nice_step(top / 5.0);
        let top = (top / step).ceil() * step;
        (top, breaks(top, step))
    }
}

fn name(curve: &KmCurve) -> String {
    curve_name(curve.group.as_deref(), curve.stratum.as_deref())
}

/// Log-rank test and Cox hazard ratios of each group against the first.
fn annotate(data: &SurvData) -> Result<Vec<String>, PlotError> {
    let Some(group) = &data.group else {
        return Ok(Vec::new());
    };
    if group.n_levels() < 2 {
        return Ok(Vec::new());
    }
    let logrank = LogRank::test(data, &LogRankOptions::default()).map_err(|e| PlotError::Analysis(e.to_string()))?;
    let mut lines = vec![format!(
        "Log-rank χ² = {} on {} df, {}",
        num(logrank.statistic),
        num(logrank.df),
        p_equals(logrank.p_value)
    )];
    let has_group_covariate = data.covariates.iter().any(|c| c.name() == group.name);
    if has_group_covariate && data.strata.is_none() {
        let fit = Cox::fit(data, &CoxOptions::default()).map_err(|e| PlotError::Analysis(e.to_string()))?;
        let reference = &group.levels[0];
        for term in &fit.terms {
            let level = term.term.split_once('=').map_or(term.term.as_str(), |(_, l)| l);
            let text = match (term.hr, term.hr_lower, term.hr_upper) {
                (Some(hr), Some(lo), Some(hi)) => format!(
                    "HR {level} vs {reference} = {} (95% CI {}–{})",
                    num(hr),
                    num(lo),
                    num(hi)
                ),
                _ => format!("HR {level} vs {reference}: not estimable (an arm without events)"),
            };
            lines.push(text);
        }
    }
    Ok(lines)
}

impl Figure for KmFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let entries: Vec<(String, Colour)> = self
            .fit
            .curves
            .iter()
            .enumerate()
            .map(|(k, c)| (name(c), group_colour(k)))
            .collect();
        let (ymax, y_values) = self.y_range();
        let y_ticks = Tick::at(&y_values);
        let lead = self.fit.group_column.as_deref().map(|g| format!("{g}:"));
        let header = Header {
            entries: &entries,
            lead: lead.as_deref(),
            annotation: &self.annotation,
            risk_table: self.options.risk_table,
        };
        let panel = framed_panel(
            canvas,
            &self.layout,
            (width, height),
            &header,
            (&self.ticks, &y_ticks),
            (Scale::linear(0.0, self.xmax), Scale::linear(0.0, ymax)),
        )?;
        panel.draw_axes(
            canvas,
            &self.ticks,
            &y_ticks,
            &self.layout.time_title(),
            &self.y_title(),
        )?;

        for (k, curve) in self.fit.curves.iter().enumerate() {
            let colour = group_colour(k);
            let scale = self.layout.time_scale();
            let steps = self.steps(curve);
            // a curve ends at its last follow-up time, or at the axis end
            let curve_end = curve.table.last().map_or(0.0, |r| r.time * scale).min(self.xmax);
            let clamp = |v: f64| v.clamp(0.0, ymax);
            if let Some(tau) = self.shade_to {
                let mut area = vec![panel.px(0.0, 0.0)];
                area.extend(
                    step_path(&steps, tau, |p| (p.0, clamp(p.1)))
                        .iter()
                        .map(|(t, v)| panel.px(*t, *v)),
                );
                area.push(panel.px(tau, 0.0));
                canvas.polygon(area, colour, 0.15)?;
            }
            if self.options.ci {
                draw_band(canvas, &panel, &steps, (curve_end, ymax), colour, 0.18)?;
            }
            let path = step_path(&steps, curve_end, |p| (p.0, clamp(p.1)));
            canvas.line(path.iter().map(|(t, v)| panel.px(*t, *v)).collect(), colour, 2)?;
            for (row, step) in curve.table.iter().zip(&steps[1..]) {
                if row.n_censor > 0.0 && step.1.is_finite() {
                    let (x, y) = panel.px(step.0, clamp(step.1));
                    canvas.line(vec![(x, y - 5), (x, y + 5)], colour, 1)?;
                }
            }
            if self.options.median
                && let Some(median) = curve.median.estimate
                && median * scale <= self.xmax
                && self.options.scale != SurvivalScale::Cumhaz
            {
                let m = median * scale;
                let half = self.transform(0.5);
                canvas.dashed(panel.px(0.0, half), panel.px(m, half), GREY)?;
                canvas.dashed(panel.px(m, half), panel.px(m, 0.0), colour)?;
            }
        }
        if let Some(tau) = self.shade_to {
            canvas.dashed(panel.px(tau, 0.0), panel.px(tau, ymax), BLACK)?;
            canvas.text("τ", (panel.x_px(tau) + 4, panel.top), TICK_SIZE, BLACK, Align::Left)?;
        }

        if self.options.risk_table {
            let rows: Vec<(&str, Vec<f64>)> = self
                .at_risk
                .iter()
                .map(|r| (r.curve.as_str(), r.n_risk.clone()))
                .collect();
            draw_risk_table(canvas, &panel, "Number at risk", &self.ticks, &rows)?;
        }
        Ok(())
    }
}

impl KmFigure {
    /// The Kaplan–Meier curves with the area under each up to τ shaded, and each arm's RMST
    /// (see [`crate::rmst`]) above the panel.
    pub fn rmst(
        data: &SurvData,
        layout: &PlotOptions,
        options: &KmPlotOptions,
        rmst_options: &RmstOptions,
    ) -> Result<KmFigure, PlotError> {
        let fit = Rmst::fit(data, rmst_options).map_err(|e| PlotError::Data(e.to_string()))?;
        let mut figure = KmFigure::build(data, layout, options)?;
        let scale = layout.time_scale();
        figure.shade_to = Some(fit.tau * scale);
        let level = (fit.conf_level * 100.0).round();
        for arm in &fit.arms {
            figure.annotation.push(format!(
                "{}: RMST to τ = {} is {} ({level}% CI {}–{})",
                arm.group.as_deref().unwrap_or("all"),
                num(fit.tau),
                num(arm.rmst),
                num(arm.lower),
                num(arm.upper)
            ));
        }
        for contrast in &fit.contrasts {
            if let (Some(d), Some(lo), Some(hi)) = (
                contrast.difference.estimate,
                contrast.difference.lower,
                contrast.difference.upper,
            ) {
                figure.annotation.push(format!(
                    "difference {} − {} = {} ({level}% CI {}–{})",
                    contrast.group,
                    contrast.reference,
                    num(d),
                    num(lo),
                    num(hi)
                ));
            }
        }
        Ok(figure)
    }
}
