//! Bootstrap histograms: the replicates of a statistic binned on a nice step, the original
//! estimate as a solid line, each interval (percentile, BCa, …) as dashed lines at its limits and
//! as a bracket in its own row above the bars, and a footnote with B, the seed and the count of
//! degenerate replicates (and how they were treated).

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{LABEL_SIZE, LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, draw_title, nice_step};
use super::canvas::{Align, BLACK, Canvas, Colour, Figure, GREY, PALETTE, fit_text, text_width};
use super::{PlotError, PlotOptions};
use crate::bootstrap::{BootstrapData, BootstrapOptions, BootstrapReplicates, Interval, IntervalMethod};
use crate::output::num;

/// One bar of the histogram: [lower, upper) and its count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// The bar's lower edge (included).
    pub lower: f64,
    /// The bar's upper edge (excluded).
    pub upper: f64,
    /// Replicates in the bar.
    pub count: usize,
}

/// The bootstrap figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// The statistic's name, e.g. "log-hr".
    pub statistic: String,
    /// The statistic in words.
    pub description: String,
    /// The statistic on the original data (the solid line).
    pub estimate: f64,
    /// The seed of the replicates.
    pub seed: u64,
    /// Confidence level of the intervals (e.g. 0.95).
    pub conf_level: f64,
    /// Replicates run.
    pub replicates: usize,
    /// Replicates in the histogram (finite and not excluded).
    pub used: usize,
    /// The histogram's bars, on a 1, 2 or 5 × 10ᵏ step, lowest first.
    pub bins: Vec<Bin>,
    /// The bootstrap intervals drawn (percentile, basic, normal, BCa), as in the bootstrap summary.
    pub intervals: Vec<Interval>,
    /// Degenerate replicates (see the bootstrap summary's `degenerate`).
    pub degenerate: usize,
    /// How many of them were left out of every summary.
    pub degenerate_excluded: usize,
    /// How degenerate replicates are treated, in words.
    pub degenerate_treatment: String,
}

fn method_name(method: IntervalMethod) -> &'static str {
    match method {
        IntervalMethod::Percentile => "Percentile",
        IntervalMethod::Basic => "Basic",
        IntervalMethod::Normal => "Normal",
        IntervalMethod::Bca => "BCa",
    }
}

fn interval_colour(k: usize) -> Colour {
    PALETTE[1 + k % (PALETTE.len() - 2)]
}

impl BootstrapFigure {
    /// Runs the bootstrap of `data` and bins its replicates.
    pub fn build<'a>(
        data: impl Into<BootstrapData<'a>>,
        layout: &PlotOptions,
        options: &BootstrapOptions,
    ) -> Result<Self, PlotError> {
        layout.check()?;
        let replicates = BootstrapReplicates::run(data, options, &|| {}).map_err(|e| {
            if e.is_analysis_error() {
                PlotError::Analysis(e.to_string())
            } else {
                PlotError::Data(e.to_string())
            }
        })?;
        Self::from_replicates(&replicates, layout)
    }

    /// Bins replicates already run.
    pub fn from_replicates(replicates: &BootstrapReplicates, layout: &PlotOptions) -> Result<Self, PlotError> {
        layout.check()?;
        let summary = replicates.summary();
        let mut values: Vec<f64> = replicates
            .replicates
            .iter()
            .filter_map(|r| r.value)
            .filter(|v| v.is_finite())
            .collect();
        values.sort_by(f64::total_cmp);
        if values.is_empty() {
            return Err(PlotError::Analysis(format!(
                "no replicate of {} could be computed ({} degenerate)",
                summary.settings.statistic, summary.degenerate.count
            )));
        }
        let (lo, hi) = (values[0], values[values.len() - 1]);
        let target = (values.len() as f64).sqrt().clamp(10.0, 40.0);
        let step = if hi > lo {
            nice_step((hi - lo) / target)
        } else {
            nice_step(lo.abs().max(1e-3) / 10.0)
        };
        let first = (lo / step).floor();
        let n_bins = (((hi / step).floor() - first) as usize + 1).max(1);
        let mut bins: Vec<Bin> = (0..n_bins)
            .map(|k| Bin {
                lower: (first + k as f64) * step,
                upper: (first + k as f64 + 1.0) * step,
                count: 0,
            })
            .collect();
        for v in &values {
            let k = (((v / step).floor() - first) as usize).min(n_bins - 1);
            bins[k].count += 1;
        }
        Ok(BootstrapFigure {
            layout: layout.clone(),
            statistic: summary.settings.statistic.to_string(),
            description: summary.settings.description.clone(),
            estimate: summary.estimate,
            seed: summary.settings.seed,
            conf_level: summary.settings.conf_level,
            replicates: summary.replicates,
            used: values.len(),
            bins,
            intervals: summary.ci.clone(),
            degenerate: summary.degenerate.count,
            degenerate_excluded: summary.degenerate.excluded,
            degenerate_treatment: summary.degenerate.treatment.clone(),
        })
    }

    /// "Percentile 95%: 0.12 to 0.34" for each interval.
    pub fn interval_texts(&self) -> Vec<String> {
        let level = format!("{}", (self.conf_level * 100.0).round());
        self.intervals
            .iter()
            .map(|i| {
                let limit = |v: Option<f64>| v.map_or("NA".to_string(), num);
                format!(
                    "{} {level}%: {} to {}",
                    method_name(i.method),
                    limit(i.lower),
                    limit(i.upper)
                )
            })
            .collect()
    }

    /// The footnote: replicates, seed, degenerate replicates (first line) and, when there are
    /// any, how they were treated (second line).
    pub fn footnote(&self) -> Vec<String> {
        let degenerate = match self.degenerate {
            0 => "no degenerate replicates".to_string(),
            count => format!(
                "{count} degenerate replicate{}, {} excluded",
                if count == 1 { "" } else { "s" },
                self.degenerate_excluded
            ),
        };
        let mut lines = vec![format!(
            "B = {} replicates (seed {}), {} in the histogram; {degenerate}",
            self.replicates, self.seed, self.used
        )];
        if self.degenerate > 0 {
            lines.push(format!("Degenerate replicates: {}", self.degenerate_treatment));
        }
        lines
    }
}

impl Figure for BootstrapFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let mut top = draw_title(canvas, &self.layout, width)?;
        // Legend: the estimate, then one entry per interval, in rows.
        let size = LABEL_SIZE - 2.0;
        let mut entries = vec![(format!("Estimate {}", num(self.estimate)), BLACK)];
        for (k, text) in self.interval_texts().into_iter().enumerate() {
            entries.push((text, interval_colour(k)));
        }
        let mut x = MARGIN;
        for (label, colour) in &entries {
            let w = 28 + text_width(label, size) + 20;
            if x > MARGIN && x + w > width - MARGIN {
                x = MARGIN;
                top += LINE_HEIGHT;
            }
            canvas.line(vec![(x, top + 9), (x + 22, top + 9)], *colour, 3)?;
            canvas.text(label, (x + 28, top + 1), size, BLACK, Align::Left)?;
            x += w;
        }
        top += LINE_HEIGHT + 8;
        // Interval brackets, one row each, above the panel.
        let strip = 14 * self.intervals.len() as i32;
        let strip_top = top;
        top += strip + 4;
        let max_count = self.bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
        let y_step = nice_step(max_count / 6.0).max(1.0);
        let y_max = (max_count / y_step).ceil() * y_step;
        let y_values: Vec<f64> = (0..=((y_max / y_step).round() as usize))
            .map(|k| k as f64 * y_step)
            .collect();
        let y_ticks = Tick::at(&y_values);
        let y_title = self.layout.ylabel.clone().unwrap_or_else(|| "Replicates".into());
        let left = MARGIN + Panel::left_space(&y_ticks, true);
        let right = width - MARGIN - 10;
        let footnote = self.footnote();
        let footnote_h = LINE_HEIGHT * footnote.len() as i32;
        let bottom = height - MARGIN - Panel::bottom_space(true) - footnote_h;
        if bottom - top < 60 || right - left < 120 {
            return Err(PlotError::Size(
                "the image is too small for the bootstrap histogram; make it wider or taller".into(),
            ));
        }
        // x range: the bars, the estimate and every interval limit.
        let mut x_lo = self.bins.first().map_or(self.estimate, |b| b.lower).min(self.estimate);
        let mut x_hi = self.bins.last().map_or(self.estimate, |b| b.upper).max(self.estimate);
        for i in &self.intervals {
            for v in [i.lower, i.upper].into_iter().flatten().filter(|v| v.is_finite()) {
                x_lo = x_lo.min(v);
                x_hi = x_hi.max(v);
            }
        }
        let pad = (x_hi - x_lo).max(1e-9) * 0.04;
        let (x_lo, x_hi) = (x_lo - pad, x_hi + pad);
        let max_ticks = ((right - left) / 90).max(2) as f64;
        let x_step = nice_step((x_hi - x_lo) / max_ticks);
        let x_values: Vec<f64> = ((x_lo / x_step).ceil() as i64..=(x_hi / x_step).floor() as i64)
            .map(|k| k as f64 * x_step)
            .collect();
        let x_ticks = Tick::at(&x_values);
        let panel = Panel {
            left,
            top,
            right,
            bottom,
            x: Scale::linear(x_lo, x_hi),
            y: Scale::linear(0.0, y_max),
        };
        let x_title = self.layout.xlabel.clone().unwrap_or_else(|| self.description.clone());
        let x_title = fit_text(&x_title, LABEL_SIZE, right - left);
        panel.draw_axes(canvas, &x_ticks, &y_ticks, &x_title, &y_title)?;
        let bar = PALETTE[0];
        for b in self.bins.iter().filter(|b| b.count > 0) {
            let (x0, y0) = panel.px(b.lower, b.count as f64);
            let (x1, y1) = panel.px(b.upper, 0.0);
            canvas.rect((x0, y0), (x1, y1 - 1), bar, 0.45)?;
            canvas.frame((x0, y0), (x1, y1 - 1), bar)?;
        }
        for (k, interval) in self.intervals.iter().enumerate() {
            let colour = interval_colour(k);
            let y = strip_top + 14 * k as i32 + 7;
            let limits: Vec<i32> = [interval.lower, interval.upper]
                .into_iter()
                .flatten()
                .filter(|v| v.is_finite())
                .map(|v| panel.x_px(v))
                .collect();
            for &x in &limits {
                canvas.dashed((x, panel.top), (x, panel.bottom), colour)?;
                canvas.line(vec![(x, y - 5), (x, y + 5)], colour, 2)?;
            }
            if let [a, b] = limits[..] {
                canvas.line(vec![(a, y), (b, y)], colour, 2)?;
            }
        }
        let e = panel.x_px(self.estimate);
        canvas.line(vec![(e, strip_top), (e, panel.bottom)], BLACK, 2)?;
        for (k, line) in footnote.iter().enumerate() {
            let line = fit_text(line, TICK_SIZE, width - 2 * MARGIN);
            let y = height - MARGIN - footnote_h + 4 + k as i32 * LINE_HEIGHT;
            canvas.text(&line, (MARGIN, y), TICK_SIZE, GREY, Align::Left)?;
        }
        Ok(())
    }
}
