//! The distribution of the CAFS ranks by arm: one row per arm, each participant a dot at
//! their rank (spread vertically so that equal ranks stay visible), the arm's mean rank as a
//! bar, and the rank-sum and permutation p-values above the panel.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{
    LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, breaks, draw_footnote, draw_header_line, draw_title, nice_step,
    panel_bottom,
};
use super::canvas::{Align, BLACK, Canvas, Figure, PALETTE};
use super::{PlotError, PlotOptions};
use crate::data::SurvData;
use crate::output::{num, p_equals, pvalue};
use crate::win::{Cafs, CafsOptions, WinError};

/// One arm's ranks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CafsArm {
    /// The arm's label.
    pub group: String,
    /// The arm's mean CAFS rank (the bar).
    pub mean_rank: f64,
    /// The CAFS ranks of the arm's participants, in row order.
    pub ranks: Vec<f64>,
}

/// The CAFS rank figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CafsFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// Participants ranked (both arms).
    pub n: usize,
    /// Reference arm first.
    pub arms: Vec<CafsArm>,
    /// The test line shown above the panel.
    pub summary: String,
}

impl CafsFigure {
    /// Runs the CAFS test on `data` and lays out its ranks.
    pub fn build(data: &SurvData, layout: &PlotOptions, options: &CafsOptions) -> Result<Self, PlotError> {
        layout.check()?;
        let result = Cafs::test(data, options, &|| {}).map_err(|e| match e {
            WinError::NotTwoArms { .. } | WinError::NoPairs { .. } => PlotError::Analysis(e.to_string()),
            _ => PlotError::Option(e.to_string()),
        })?;
        Ok(Self::from_result(&result, layout))
    }

    /// The ranks of a CAFS test already run.
    pub fn from_result(result: &Cafs, layout: &PlotOptions) -> CafsFigure {
        let arms = (0..2u8)
            .map(|a| CafsArm {
                group: result.groups[usize::from(a)].group.clone(),
                mean_rank: result.groups[usize::from(a)].mean_rank,
                ranks: result
                    .ranks
                    .iter()
                    .zip(&result.arm)
                    .filter(|(_, arm)| **arm == a)
                    .map(|(r, _)| *r)
                    .collect(),
            })
            .collect();
        let p = result.p_value.map_or_else(|| "p = NA".to_string(), p_equals);
        let summary = format!(
            "CAFS rank-sum W = {}, {p}; permutation p = {}; Finkelstein–Schoenfeld {}",
            num(result.statistic),
            pvalue(result.permutation_p_value),
            result
                .finkelstein_schoenfeld
                .p_value
                .map_or_else(|| "p = NA".to_string(), p_equals)
        );
        CafsFigure {
            layout: layout.clone(),
            n: result.ranks.len(),
            arms,
            summary,
        }
    }
}

/// A vertical offset in (−0.3, 0.3) for the k-th dot: the golden-ratio sequence, so that the
/// same data give the same picture.
fn spread(k: usize) -> f64 {
    ((k as f64 * 0.618_033_988_749_895).fract() - 0.5) * 0.6
}

impl Figure for CafsFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let mut top = draw_title(canvas, &self.layout, width)?;
        draw_header_line(canvas, &self.summary, top, width)?;
        top += LINE_HEIGHT + 12;
        let y_ticks: Vec<Tick> = self
            .arms
            .iter()
            .enumerate()
            .map(|(k, arm)| Tick {
                value: k as f64 + 0.5,
                label: arm.group.clone(),
            })
            .collect();
        let left = MARGIN + Panel::left_space(&y_ticks, false);
        let right = width - MARGIN - 10;
        let bottom = panel_bottom(height, top, None)? - LINE_HEIGHT;
        if right - left < 150 {
            return Err(PlotError::Size(
                "the image is too narrow for the CAFS ranks; make it wider".into(),
            ));
        }
        let n = self.n.max(1) as f64;
        let panel = Panel {
            left,
            top,
            right,
            bottom,
            x: Scale::linear(0.5, n + 0.5),
            y: Scale::linear(0.0, self.arms.len() as f64),
        };
        let step = nice_step(n / ((right - left) / 80).max(2) as f64).max(1.0);
        let mut x_values = breaks(n, step);
        x_values.retain(|x| *x >= 1.0);
        x_values.insert(0, 1.0);
        x_values.dedup();
        let x_title = self
            .layout
            .xlabel
            .clone()
            .unwrap_or_else(|| "CAFS rank (1 = worst: earliest death or lowest score)".into());
        panel.draw_axes(canvas, &Tick::at(&x_values), &y_ticks, &x_title, "")?;
        for (k, arm) in self.arms.iter().enumerate() {
            let colour = PALETTE[k];
            let centre = k as f64 + 0.5;
            for (j, rank) in arm.ranks.iter().enumerate() {
                canvas.dot(panel.px(*rank, centre + spread(j)), 3, colour, 0.55)?;
            }
            let (x, y0, y1) = (
                panel.x_px(arm.mean_rank),
                panel.y_px(centre - 0.4),
                panel.y_px(centre + 0.4),
            );
            canvas.line(vec![(x, y0), (x, y1)], BLACK, 3)?;
            canvas.text(
                &format!("mean rank {}", num(arm.mean_rank)),
                (x + 6, y1),
                TICK_SIZE,
                BLACK,
                Align::Left,
            )?;
        }
        let footnote = format!(
            "{} participants ranked by wins − losses against everyone: death over the common follow-up first, then the score",
            self.n
        );
        draw_footnote(canvas, &footnote, (width, height))?;
        Ok(())
    }
}
