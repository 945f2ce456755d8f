//! The pairwise-outcome breakdown of the win statistics: the share of treated–reference pairs
//! the treated arm wins and loses at each level of the hierarchy (death, then each score) and
//! the share tied, as bars, with the win ratio above the panel.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{
    LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, draw_footnote, draw_header_line, draw_legend, draw_title,
    nice_step, panel_bottom,
};
use super::canvas::{Align, BLACK, Canvas, Colour, Figure, GREY, PALETTE};
use super::{PlotError, PlotOptions};
use crate::data::SurvData;
use crate::output::{num, opt, p_equals};
use crate::win::{WinError, WinOptions, WinStatistics};

/// One bar: a share of the pairs, in percent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// "death", "score", a later score's column, or "ties".
    pub level: String,
    /// Position of its level on the axis (0 = death; the ties last).
    pub slot: usize,
    /// "wins", "losses" or "ties" (from the treated arm's side).
    pub outcome: String,
    /// Pairs in this bar.
    pub pairs: u64,
    /// Share of all pairs, in percent.
    pub percent: f64,
}

/// The breakdown figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// The treated arm's label.
    pub treated: String,
    /// The reference arm's label.
    pub reference: String,
    /// The numeric column holding the function score.
    pub score_column: String,
    /// Treated–reference pairs compared.
    pub pairs: u64,
    /// The axis labels of the levels, in order: "decided on death", "decided on" each score,
    /// "tied".
    pub levels: Vec<String>,
    /// The scores in the order they decide.
    pub scores: Vec<String>,
    /// Wins and losses at each level (death, then each score), then the ties.
    pub bars: Vec<Bar>,
    /// The win ratio line shown above the panel.
    pub summary: String,
}

impl WinFigure {
    /// Computes the win statistics of `data` and lays out their breakdown.
    pub fn build(data: &SurvData, layout: &PlotOptions, options: &WinOptions) -> Result<Self, PlotError> {
        layout.check()?;
        let result = WinStatistics::compute(data, options).map_err(|e| match e {
            WinError::NotTwoArms { .. } | WinError::NoPairs { .. } => PlotError::Analysis(e.to_string()),
            _ => PlotError::Option(e.to_string()),
        })?;
        Ok(Self::from_result(&result, layout))
    }

    /// The breakdown of win statistics already computed.
    pub fn from_result(result: &WinStatistics, layout: &PlotOptions) -> WinFigure {
        let percent = |x: u64| 100.0 * x as f64 / result.pairs.max(1) as f64;
        let mut bars = Vec::new();
        for (slot, level) in result.levels.iter().enumerate() {
            for (outcome, pairs) in [("wins", level.wins), ("losses", level.losses)] {
                bars.push(Bar {
                    level: level.level.clone(),
                    slot,
                    outcome: outcome.into(),
                    pairs,
                    percent: percent(pairs),
                });
            }
        }
        bars.push(Bar {
            level: "ties".into(),
            slot: result.levels.len(),
            outcome: "ties".into(),
            pairs: result.ties,
            percent: percent(result.ties),
        });
        let scores: Vec<String> = std::iter::once(result.score_column.clone())
            .chain(result.later_scores.iter().map(|l| l.column.clone()))
            .collect();
        let levels: Vec<String> = std::iter::once("decided on death".to_string())
            .chain(scores.iter().map(|s| format!("decided on {s}")))
            .chain(std::iter::once("tied".to_string()))
            .collect();
        let wr = &result.win_ratio;
        let level = num(100.0 * result.conf_level);
        let p = wr.p_value.map_or_else(|| "p = NA".to_string(), p_equals);
        let summary = format!(
            "Win ratio {} ({level}% CI {} to {}), {p}; net benefit {}",
            opt(wr.estimate),
            opt(wr.lower),
            opt(wr.upper),
            opt(result.net_benefit.estimate)
        );
        WinFigure {
            layout: layout.clone(),
            treated: result.treated.clone(),
            reference: result.reference.clone(),
            score_column: result.score_column.clone(),
            pairs: result.pairs,
            levels,
            scores,
            bars,
            summary,
        }
    }

    fn colour(outcome: &str) -> Colour {
        match outcome {
            "wins" => PALETTE[0],
            "losses" => PALETTE[1],
            _ => GREY,
        }
    }
}

impl Figure for WinFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let mut top = draw_title(canvas, &self.layout, width)?;
        draw_header_line(canvas, &self.summary, top, width)?;
        top += LINE_HEIGHT + 4;
        let entries = vec![
            (format!("{} wins", self.treated), Self::colour("wins")),
            (format!("{} wins", self.reference), Self::colour("losses")),
            ("tie".to_string(), Self::colour("ties")),
        ];
        top += draw_legend(canvas, None, &entries, (MARGIN, top), width - 2 * MARGIN)?;
        top += 8;
        let highest = self.bars.iter().map(|b| b.percent).fold(0.0, f64::max).max(1.0);
        let step = nice_step(highest / 5.0);
        let y_max = (highest / step).ceil() * step;
        let y_values: Vec<f64> = (0..=((y_max / step).round() as usize))
            .map(|k| k as f64 * step)
            .collect();
        let y_ticks = Tick::at(&y_values);
        let y_title = self.layout.ylabel.clone().unwrap_or_else(|| "Pairs (%)".into());
        let left = MARGIN + Panel::left_space(&y_ticks, true);
        let right = width - MARGIN - 10;
        let bottom = panel_bottom(height, top + LINE_HEIGHT, None)? - LINE_HEIGHT;
        if right - left < 150 {
            return Err(PlotError::Size(
                "the image is too narrow for the pairwise breakdown; make it wider".into(),
            ));
        }
        let levels = &self.levels;
        let panel = Panel {
            left,
            top: top + LINE_HEIGHT,
            right,
            bottom,
            x: Scale::linear(0.0, levels.len() as f64),
            y: Scale::linear(0.0, y_max),
        };
        let x_ticks: Vec<Tick> = levels
            .iter()
            .enumerate()
            .map(|(k, label)| Tick {
                value: k as f64 + 0.5,
                label: label.clone(),
            })
            .collect();
        let x_title = self
            .layout
            .xlabel
            .clone()
            .unwrap_or_else(|| "Level of the hierarchy".into());
        panel.draw_axes(canvas, &x_ticks, &y_ticks, &x_title, &y_title)?;
        for k in 0..levels.len() {
            let bars: Vec<&Bar> = self.bars.iter().filter(|b| b.slot == k).collect();
            let slot = 0.7 / bars.len() as f64;
            for (j, bar) in bars.iter().enumerate() {
                let x0 = k as f64 + 0.15 + j as f64 * slot;
                let (a, b) = (panel.px(x0 + 0.04, bar.percent), panel.px(x0 + slot - 0.04, 0.0));
                canvas.rect(a, b, Self::colour(&bar.outcome), 0.85)?;
                canvas.text(
                    &format!("{}%", num(bar.percent)),
                    ((a.0 + b.0) / 2, a.1 - LINE_HEIGHT + 2),
                    TICK_SIZE,
                    BLACK,
                    Align::Centre,
                )?;
            }
        }
        let footnote = format!(
            "{} pairs of one {} and one {} participant; death over the common follow-up first, then {}",
            self.pairs,
            self.treated,
            self.reference,
            self.scores.join(", then ")
        );
        draw_footnote(canvas, &footnote, (width, height))?;
        Ok(())
    }
}
