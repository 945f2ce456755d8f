//! Forest plots: Cox hazard ratios with their Wald confidence intervals on a log axis, one row
//! per model column, or one row per level of each subgroup column (the model of the group
//! alone, fitted within the subgroup, with its n and events), a vertical line at HR = 1 and a
//! column of "HR (95% CI)" text. A row whose hazard ratio is not estimable (monotone
//! likelihood: `diverges_to`; no events or a single arm in the subgroup) says "not estimable"
//! and has no interval.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, draw_title, nice_step};
use super::canvas::{Align, BLACK, Canvas, Figure, GREY, PALETTE, fit_text, text_width};
use super::loglog::log_breaks;
use super::{PlotError, PlotOptions};
use crate::data::{Covariate, SurvData};
use crate::multiplicity::Adjustment;
use crate::output::{num, pvalue};
use crate::{Cox, CoxFit, CoxOptions, Rmst, RmstOptions};

/// The text of a row without an interval.
pub const NOT_ESTIMABLE: &str = "not estimable";

/// One line of the forest plot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForestRow {
    /// The row's text: a model column, a subgroup level, or a subgroup column's heading.
    pub label: String,
    /// A subgroup column's heading line (no estimate).
    pub heading: bool,
    /// Participants in the subgroup; `None` on a model-column row and a heading.
    pub n: Option<usize>,
    /// Events in the subgroup; `None` on a model-column row and a heading.
    pub events: Option<f64>,
    /// Hazard ratio exp(β̂); `None` when not estimable and on a heading.
    pub hr: Option<f64>,
    /// Lower Wald confidence limit of the hazard ratio; `None` with `hr`.
    pub lower: Option<f64>,
    /// Upper Wald confidence limit of the hazard ratio; `None` with `hr`.
    pub upper: Option<f64>,
    /// Wald p-value of the hazard ratio (arms figure only); `None` when not estimable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// `p_value` adjusted for the arms' comparisons (arms figure only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_adjusted: Option<f64>,
}

impl ForestRow {
    fn interval(&self) -> Option<(f64, f64, f64)> {
        match (self.hr, self.lower, self.upper) {
            (Some(hr), Some(lo), Some(hi)) if hr.is_finite() && lo > 0.0 && hi.is_finite() => Some((hr, lo, hi)),
            _ => None,
        }
    }

    /// "0.59 (0.42–0.82)" or "not estimable"; empty for headings.
    pub fn text(&self) -> String {
        if self.heading {
            return String::new();
        }
        match self.interval() {
            Some((hr, lo, hi)) => format!("{} ({}–{})", num(hr), num(lo), num(hi)),
            None => NOT_ESTIMABLE.to_string(),
        }
    }
}

/// The forest figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForestFigure {
    /// Size, titles and time axis of the figure.
    pub layout: PlotOptions,
    /// Confidence level of the intervals (e.g. 0.95).
    pub conf_level: f64,
    /// The heading of the label column ("Term" or "Subgroup").
    pub label_title: String,
    /// What the hazard ratios compare (subgroups: "sex 2 vs 1").
    pub comparison: Option<String>,
    /// Whether the rows carry n and events.
    pub counts: bool,
    /// The lines of the plot, top to bottom.
    pub rows: Vec<ForestRow>,
    /// Arms against the reference ([`ForestFigure::arms`]): the RMST block and the adjustment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arms: Option<ArmsBlock>,
}

/// Options of [`ForestFigure::arms`]; start from `ArmsOptions::default()`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ArmsOptions {
    /// How the p-values of the k − 1 comparisons are adjusted (each block on its own).
    pub adjust: Adjustment,
    /// Truncation time τ of the RMST, in the data's unit; `None` for the largest τ the data
    /// support (survRM2's default).
    pub tau: Option<f64>,
}

/// One arm's RMST difference from the reference arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RmstDifferenceRow {
    /// The arm's level.
    pub label: String,
    /// RMST(arm) − RMST(reference), in the data's time unit; `None` when not estimable.
    pub difference: Option<f64>,
    /// Lower Wald confidence limit; `None` with `difference`.
    pub lower: Option<f64>,
    /// Upper Wald confidence limit; `None` with `difference`.
    pub upper: Option<f64>,
    /// Wald p-value; `None` when the difference has no standard error.
    pub p_value: Option<f64>,
    /// `p_value` adjusted for the arms' comparisons.
    pub p_adjusted: Option<f64>,
}

impl RmstDifferenceRow {
    fn interval(&self) -> Option<(f64, f64, f64)> {
        match (self.difference, self.lower, self.upper) {
            (Some(d), Some(lo), Some(hi)) if d.is_finite() && lo.is_finite() && hi.is_finite() => Some((d, lo, hi)),
            _ => None,
        }
    }
}

/// What the arms figure adds to the hazard ratios: the comparison, the RMST differences and the
/// adjustment of the p-values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmsBlock {
    /// The group column.
    pub group: String,
    /// The reference arm (the group's first level).
    pub reference: String,
    /// The truncation time τ of the RMST, in the data's unit.
    pub tau: f64,
    /// Each non-reference arm's RMST difference, in level order.
    pub rmst: Vec<RmstDifferenceRow>,
    /// How the p-values were adjusted.
    pub adjustment: Adjustment,
    /// The number of arms compared with the reference, k − 1 (a comparison without a p-value
    /// is left out of its block's adjustment, as `p.adjust` leaves out `NA`).
    pub comparisons: usize,
}

fn cox(data: &SurvData) -> Result<CoxFit, String> {
    Cox::fit(data, &CoxOptions::default()).map_err(|e| e.to_string())
}

/// The hazard ratio of a term, or none when it is not estimable.
fn estimate(term: &crate::cox::Term) -> (Option<f64>, Option<f64>, Option<f64>) {
    if term.diverges_to.is_some() {
        return (None, None, None);
    }
    (term.hr, term.hr_lower, term.hr_upper)
}

/// The rows `rows` of `data` with only the covariate `keep`, every factor's unused levels
/// dropped.
fn subset(data: &SurvData, rows: &[usize], keep: &str) -> SurvData {
    let mut part = data.select_rows(rows);
    part.covariates.retain(|c| c.name() == keep);
    part.times_tied_by_timefix = 0;
    let covariate_factors = part.covariates.iter_mut().filter_map(|c| match c {
        Covariate::Factor(f) => Some(f),
        Covariate::Numeric { .. } => None,
    });
    [&mut part.group, &mut part.strata, &mut part.cluster]
        .into_iter()
        .flatten()
        .chain(covariate_factors)
        .for_each(|factor| *factor = factor.present_levels());
    part
}

impl ForestFigure {
    /// One row per column of the Cox model of `data`'s covariates.
    pub fn terms(data: &SurvData, layout: &PlotOptions) -> Result<ForestFigure, PlotError> {
        layout.check()?;
        let fit = Cox::fit(data, &CoxOptions::default()).map_err(|e| PlotError::Data(e.to_string()))?;
        let rows = fit
            .terms
            .iter()
            .map(|term| {
                let (hr, lower, upper) = estimate(term);
                ForestRow {
                    label: term.term.clone(),
                    heading: false,
                    n: None,
                    events: None,
                    hr,
                    lower,
                    upper,
                    p_value: None,
                    p_adjusted: None,
                }
            })
            .collect();
        Ok(ForestFigure {
            layout: layout.clone(),
            conf_level: fit.conf_level,
            label_title: "Term".into(),
            comparison: None,
            counts: false,
            rows,
            arms: None,
        })
    }

    /// Each arm of `data`'s group against the reference arm (the group's first level): the
    /// hazard ratio from one Cox model of the group as a factor (R's `coxph(Surv(time, status) ~
    /// group)`, Efron ties) with its Wald interval and p, and the RMST difference up to τ (as
    /// [`Rmst::fit`]: survRM2's `rmst2` contrasts) with its Wald interval and p; each block's
    /// p-values adjusted by `options.adjust` over the k − 1 comparisons (R's `p.adjust`). An arm
    /// whose hazard ratio cannot be estimated (no events, monotone likelihood) reads "not
    /// estimable", and its missing p does not count in m.
    ///
    /// ```
    /// use survkit::multiplicity::Adjustment;
    /// use survkit::plot::{ForestFigure, PlotOptions, forest::ArmsOptions};
    /// use survkit::{Columns, SurvData};
    ///
    /// let columns = Columns::new("time", "status").group("rx").reference("rx", "Obs");
    /// let data = SurvData::read_csv("datasets/colon.csv", &columns)?;
    /// let options = ArmsOptions { adjust: Adjustment::Holm, ..Default::default() };
    /// let figure = ForestFigure::arms(&data, &PlotOptions::default(), &options)?;
    /// // R: coxph(Surv(time, status) ~ rx, colon[colon$etype == 2, ]): Lev+5FU HR 0.690, p 0.0017
    /// assert_eq!(figure.rows[1].text(), "0.6896 (0.5464–0.8703)");
    /// let holm = Adjustment::Holm.adjust(&[figure.rows[0].p_value, figure.rows[1].p_value]);
    /// assert_eq!(figure.rows[1].p_adjusted, holm[1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn arms(data: &SurvData, layout: &PlotOptions, options: &ArmsOptions) -> Result<ForestFigure, PlotError> {
        layout.check()?;
        let Some(group) = &data.group else {
            return Err(PlotError::Option(
                "the forest plot of arms compares the levels of a group column: the data have none".into(),
            ));
        };
        if group.n_levels() < 2 {
            return Err(PlotError::Analysis(format!(
                "the group column '{}' has a single level: there is no arm to compare with the reference",
                group.name
            )));
        }
        let rmst_options = RmstOptions {
            tau: options.tau,
            ..Default::default()
        };
        let rmst = Rmst::fit(data, &rmst_options).map_err(|e| PlotError::Data(e.to_string()))?;
        let mut model = data.clone();
        model.covariates = vec![Covariate::Factor(group.clone())];
        let cox_options = CoxOptions::default();
        // A model that cannot be fitted (e.g. no events at all) leaves every arm not estimable.
        let terms = Cox::fit(&model, &cox_options).map(|fit| fit.terms).unwrap_or_default();
        let arms = &group.levels[1..];
        let mut rows: Vec<ForestRow> = arms
            .iter()
            .enumerate()
            .map(|(k, arm)| {
                let term = terms.get(k);
                let (hr, lower, upper) = term.map_or((None, None, None), estimate);
                ForestRow {
                    label: arm.clone(),
                    heading: false,
                    n: None,
                    events: None,
                    hr,
                    lower,
                    upper,
                    p_value: term
                        .filter(|t| hr.is_some() && t.diverges_to.is_none())
                        .and_then(|t| t.p_value),
                    p_adjusted: None,
                }
            })
            .collect();
        let hr_p: Vec<Option<f64>> = rows.iter().map(|r| r.p_value).collect();
        for (row, adjusted) in rows.iter_mut().zip(options.adjust.adjust(&hr_p)) {
            row.p_adjusted = adjusted;
        }
        let mut differences: Vec<RmstDifferenceRow> = rmst
            .contrasts
            .iter()
            .map(|c| RmstDifferenceRow {
                label: c.group.clone(),
                difference: c.difference.estimate,
                lower: c.difference.lower,
                upper: c.difference.upper,
                p_value: c.difference.p_value,
                p_adjusted: None,
            })
            .collect();
        let rmst_p: Vec<Option<f64>> = differences.iter().map(|d| d.p_value).collect();
        for (row, adjusted) in differences.iter_mut().zip(options.adjust.adjust(&rmst_p)) {
            row.p_adjusted = adjusted;
        }
        let comparisons = arms.len();
        Ok(ForestFigure {
            layout: layout.clone(),
            conf_level: cox_options.conf_level,
            label_title: "Arm".into(),
            comparison: Some(format!("{}: each arm vs {}", group.name, group.levels[0])),
            counts: false,
            rows,
            arms: Some(ArmsBlock {
                group: group.name.clone(),
                reference: group.levels[0].clone(),
                tau: rmst.tau,
                rmst: differences,
                adjustment: options.adjust,
                comparisons,
            }),
        })
    }

    /// The Cox model of the factor covariate `group` alone: overall, then within each level of
    /// each of the `subgroups` columns (factor covariates of `data`).
    pub fn subgroups(
        data: &SurvData,
        group: &str,
        subgroups: &[String],
        layout: &PlotOptions,
    ) -> Result<ForestFigure, PlotError> {
        layout.check()?;
        let Some(Covariate::Factor(group_factor)) = data.covariates.iter().find(|c| c.name() == group) else {
            return Err(PlotError::Option(format!(
                "the group column '{group}' must be loaded as a factor covariate"
            )));
        };
        if group_factor.n_levels() < 2 {
            return Err(PlotError::Analysis(format!(
                "the group column '{group}' has a single level"
            )));
        }
        let mut rows = Vec::new();
        let push = |rows: &mut Vec<ForestRow>, label: String, part: &SurvData| {
            let n = part.n_rows();
            let events = part
                .event
                .iter()
                .enumerate()
                .filter(|(_, e)| **e)
                .map(|(i, _)| part.weight_of(i))
                .sum::<f64>();
            let fitted = cox(part);
            let terms = fitted.as_ref().map(|f| f.terms.clone()).unwrap_or_default();
            let many = group_factor.n_levels() > 2;
            if terms.is_empty() || !many {
                let (hr, lower, upper) = terms.first().map_or((None, None, None), estimate);
                rows.push(ForestRow {
                    label,
                    heading: false,
                    n: Some(n),
                    events: Some(events),
                    hr,
                    lower,
                    upper,
                    p_value: None,
                    p_adjusted: None,
                });
            } else {
                for term in &terms {
                    let (hr, lower, upper) = estimate(term);
                    rows.push(ForestRow {
                        label: format!("{label}: {}", term.term),
                        heading: false,
                        n: Some(n),
                        events: Some(events),
                        hr,
                        lower,
                        upper,
                        p_value: None,
                        p_adjusted: None,
                    });
                }
            }
        };
        let all: Vec<usize> = (0..data.n_rows()).collect();
        push(&mut rows, "All".into(), &subset(data, &all, group));
        for column in subgroups {
            let Some(Covariate::Factor(factor)) = data.covariates.iter().find(|c| c.name() == column) else {
                return Err(PlotError::Option(format!(
                    "the subgroup column '{column}' must be loaded as a factor covariate"
                )));
            };
            rows.push(ForestRow {
                label: column.clone(),
                heading: true,
                n: None,
                events: None,
                hr: None,
                lower: None,
                upper: None,
                p_value: None,
                p_adjusted: None,
            });
            for (k, level) in factor.levels.iter().enumerate() {
                let members: Vec<usize> = (0..data.n_rows()).filter(|&i| factor.codes[i] as usize == k).collect();
                if members.is_empty() {
                    continue;
                }
                push(&mut rows, format!("  {level}"), &subset(data, &members, group));
            }
        }
        let comparison = (group_factor.n_levels() == 2)
            .then(|| format!("{group} {} vs {}", group_factor.levels[1], group_factor.levels[0]));
        Ok(ForestFigure {
            layout: layout.clone(),
            conf_level: CoxOptions::default().conf_level,
            label_title: "Subgroup".into(),
            comparison,
            counts: true,
            rows,
            arms: None,
        })
    }
}

/// Height of a row when the figure sizes itself to its rows (and the most a row gets otherwise).
pub const ROW_HEIGHT: i32 = 30;

/// Space between the header line of a block and its first row.
const HEADER_HEIGHT: i32 = LINE_HEIGHT + 6;

/// One line of a block as drawn.
struct Line {
    label: String,
    heading: bool,
    n: Option<usize>,
    events: Option<f64>,
    text: String,
    interval: Option<(f64, f64, f64)>,
    p_value: Option<f64>,
    p_adjusted: Option<f64>,
}

/// Rows sharing one axis: the hazard ratios (log axis, line at 1) or the RMST differences
/// (linear axis, line at 0).
struct Block {
    estimate_title: String,
    x_title: String,
    log: bool,
    lines: Vec<Line>,
}

/// "300.0 (109.9–490.1)" or "not estimable".
fn interval_text(interval: Option<(f64, f64, f64)>) -> String {
    match interval {
        Some((estimate, lo, hi)) => format!("{} ({}–{})", num(estimate), num(lo), num(hi)),
        None => NOT_ESTIMABLE.to_string(),
    }
}

impl ForestFigure {
    fn blocks(&self) -> Vec<Block> {
        let level = format!("{}", (self.conf_level * 100.0).round());
        let lines = self
            .rows
            .iter()
            .map(|row| Line {
                label: row.label.clone(),
                heading: row.heading,
                n: row.n,
                events: row.events,
                text: row.text(),
                interval: row.interval(),
                p_value: row.p_value,
                p_adjusted: row.p_adjusted,
            })
            .collect();
        let mut blocks = vec![Block {
            estimate_title: format!("HR ({level}% CI)"),
            x_title: self
                .layout
                .xlabel
                .clone()
                .unwrap_or_else(|| "Hazard ratio (log scale)".to_string()),
            log: true,
            lines,
        }];
        if let Some(arms) = &self.arms {
            let scale = self.layout.time_scale();
            let unit = self.layout.time_unit.name();
            let lines = arms
                .rmst
                .iter()
                .map(|row| {
                    let interval = row.interval().map(|(d, lo, hi)| (d * scale, lo * scale, hi * scale));
                    Line {
                        label: row.label.clone(),
                        heading: false,
                        n: None,
                        events: None,
                        text: interval_text(interval),
                        interval,
                        p_value: row.p_value,
                        p_adjusted: row.p_adjusted,
                    }
                })
                .collect();
            blocks.push(Block {
                estimate_title: format!("RMST difference ({level}% CI)"),
                x_title: format!("RMST difference to τ = {} ({unit})", num(arms.tau * scale)),
                log: false,
                lines,
            });
        }
        blocks
    }

    /// The lines of grey text under the panels.
    fn footnotes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self.comparison.iter().cloned().collect();
        if let Some(arms) = &self.arms {
            let adjustment = match arms.adjustment {
                Adjustment::None => "p unadjusted".to_string(),
                method => {
                    // the m each block's adjustment used: comparisons with a p-value
                    let hr = self.rows.iter().filter(|r| r.p_value.is_some()).count();
                    let rmst = arms.rmst.iter().filter(|r| r.p_value.is_some()).count();
                    let counted = if hr == rmst {
                        format!("{hr} comparisons, in each block")
                    } else {
                        format!("{hr} HR and {rmst} RMST comparisons with a p-value")
                    };
                    format!("p adjusted: {} ({counted})", adjustment_name(method))
                }
            };
            notes.push(format!(
                "HR from one Cox model of {}; Wald intervals and p; {adjustment}",
                arms.group
            ));
        }
        notes
    }

    /// The height of everything but the rows: title, each block's header line and axis, the
    /// footnotes and the bottom margin.
    fn fixed_height(&self, blocks: usize) -> i32 {
        let title = if self.layout.title.is_some() {
            LINE_HEIGHT + 10
        } else {
            0
        };
        let blocks = blocks as i32;
        MARGIN
            + title
            + blocks * (HEADER_HEIGHT + Panel::bottom_space(true))
            + (blocks - 1).max(0) * BLOCK_GAP
            + self.footnotes().len() as i32 * LINE_HEIGHT
            + MARGIN
    }

    /// The image height that gives every row [`ROW_HEIGHT`] pixels, with the title, the header
    /// lines, the axes and the footnotes (at least 150, at most 10000 pixels): the height to
    /// draw at when the caller does not choose one, so that a few rows leave no blank space.
    pub fn fitted_height(&self) -> u32 {
        let blocks = self.blocks();
        let rows: usize = blocks.iter().map(|b| b.lines.len()).sum();
        let height = self.fixed_height(blocks.len()) + rows as i32 * ROW_HEIGHT + blocks.len() as i32 * 6;
        height.clamp(150, 10_000) as u32
    }

    /// The image size with [`ForestFigure::fitted_height`]: (the layout's width, the fitted height).
    pub fn fitted_size(&self) -> (u32, u32) {
        (self.layout.width, self.fitted_height())
    }
}

/// The name of an adjustment in a sentence.
fn adjustment_name(adjustment: Adjustment) -> &'static str {
    match adjustment {
        Adjustment::None => "none",
        Adjustment::Bonferroni => "Bonferroni",
        Adjustment::Holm => "Holm",
        Adjustment::Hochberg => "Hochberg",
    }
}

/// Space between two blocks (under the first block's axis title).
const BLOCK_GAP: i32 = 12;

impl Figure for ForestFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let size = TICK_SIZE;
        let gap = 18;
        let blocks = self.blocks();
        let mut top = draw_title(canvas, &self.layout, width)?;
        let widest = |items: &mut dyn Iterator<Item = String>, title: &str| {
            items
                .map(|t| text_width(&t, size))
                .fold(text_width(title, size), i32::max)
        };
        let lines = || blocks.iter().flat_map(|b| b.lines.iter());
        let label_w = widest(&mut lines().map(|l| l.label.clone()), &self.label_title).min(width / 3);
        let n_w = widest(&mut lines().filter_map(|l| l.n).map(|n| n.to_string()), "n");
        let ev_w = widest(&mut lines().filter_map(|l| l.events).map(num), "Events");
        let text_w = blocks
            .iter()
            .map(|b| widest(&mut b.lines.iter().map(|l| l.text.clone()), &b.estimate_title))
            .max()
            .unwrap_or(0);
        let label_x = MARGIN;
        let mut x = label_x + label_w + gap;
        let (n_x, ev_x) = if self.counts {
            let n_right = x + n_w;
            let ev_right = n_right + gap + ev_w;
            x = ev_right + gap;
            (n_right, ev_right)
        } else {
            (0, 0)
        };
        let p_columns = self.arms.as_ref().map(|arms| {
            let p_texts = |adjusted: bool| {
                lines()
                    .filter_map(move |l| if adjusted { l.p_adjusted } else { l.p_value })
                    .map(pvalue)
            };
            let p_w = widest(&mut p_texts(false), "p");
            let adjusted_w = (arms.adjustment != Adjustment::None).then(|| widest(&mut p_texts(true), "p adj."));
            (p_w, adjusted_w)
        });
        let (text_x, p_x, adjusted_x) = match p_columns {
            Some((p_w, adjusted_w)) => {
                let adjusted_x = adjusted_w.map(|_| width - MARGIN);
                let p_x = adjusted_w.map_or(width - MARGIN, |w| width - MARGIN - w - gap);
                (p_x - p_w - gap - text_w, Some(p_x), adjusted_x)
            }
            None => (width - MARGIN - text_w, None, None),
        };
        let panel_left = x + 8;
        let panel_right = text_x - gap - 8;
        if panel_right - panel_left < 80 {
            return Err(PlotError::Size(format!(
                "the image is too narrow for the forest plot's columns; make it at least {} pixels wide",
                width + 80 - (panel_right - panel_left)
            )));
        }
        let n_rows: usize = blocks.iter().map(|b| b.lines.len()).sum();
        let row_h = ((height - self.fixed_height(blocks.len())) / n_rows.max(1) as i32).clamp(1, ROW_HEIGHT);
        let mut panel_bottom = top;
        for (b, block) in blocks.iter().enumerate() {
            if b > 0 {
                top = panel_bottom + Panel::bottom_space(true) + BLOCK_GAP;
            }
            canvas.text(&self.label_title, (label_x, top), size, GREY, Align::Left)?;
            if self.counts {
                canvas.text("n", (n_x, top), size, GREY, Align::Right)?;
                canvas.text("Events", (ev_x, top), size, GREY, Align::Right)?;
            }
            canvas.text(&block.estimate_title, (text_x, top), size, GREY, Align::Left)?;
            for (x, title) in [(p_x, "p"), (adjusted_x, "p adj.")] {
                if let Some(x) = x {
                    canvas.text(title, (x, top), size, GREY, Align::Right)?;
                }
            }
            top += HEADER_HEIGHT;
            panel_bottom = top + row_h * block.lines.len() as i32 + 6;
            let (panel, x_ticks, null) = block_panel(block, (panel_left, top, panel_right, panel_bottom));
            let (lo, hi) = (panel.x.min, panel.x.max);
            let null_x = panel.x_px(null);
            canvas.dashed((null_x, panel.top), (null_x, panel.bottom), GREY)?;
            panel.draw_axes(canvas, &x_ticks, &[], &block.x_title, "")?;
            let colour = PALETTE[0];
            for (k, line) in block.lines.iter().enumerate() {
                let y_top = top + k as i32 * row_h + (row_h - LINE_HEIGHT) / 2 + 2;
                let y_mid = top + k as i32 * row_h + row_h / 2;
                let label = fit_text(&line.label, size, label_w);
                let label_colour = if line.heading { GREY } else { BLACK };
                canvas.text(&label, (label_x, y_top), size, label_colour, Align::Left)?;
                if line.heading {
                    continue;
                }
                if let Some(n) = line.n {
                    canvas.text(&n.to_string(), (n_x, y_top), size, BLACK, Align::Right)?;
                }
                if let Some(events) = line.events {
                    canvas.text(&num(events), (ev_x, y_top), size, BLACK, Align::Right)?;
                }
                let text_colour = if line.interval.is_some() { BLACK } else { GREY };
                canvas.text(&line.text, (text_x, y_top), size, text_colour, Align::Left)?;
                for (x, p) in [(p_x, line.p_value), (adjusted_x, line.p_adjusted)] {
                    if let Some(x) = x {
                        let text = p.map_or_else(|| "–".to_string(), pvalue);
                        canvas.text(&text, (x, y_top), size, BLACK, Align::Right)?;
                    }
                }
                if let Some((estimate, l, h)) = line.interval {
                    let clamp = |v: f64| v.clamp(lo, hi);
                    canvas.line(
                        vec![(panel.x_px(clamp(l)), y_mid), (panel.x_px(clamp(h)), y_mid)],
                        colour,
                        2,
                    )?;
                    if estimate >= lo && estimate <= hi {
                        let x = panel.x_px(estimate);
                        canvas.rect((x - 4, y_mid - 4), (x + 4, y_mid + 4), colour, 1.0)?;
                    }
                }
            }
        }
        let mut y = panel_bottom + Panel::bottom_space(true) + 4;
        // the first note (what is compared) under the panel, the others across the figure
        for (k, note) in self.footnotes().iter().enumerate() {
            let (centre, room) = if k == 0 {
                ((panel_left + panel_right) / 2, panel_right - panel_left)
            } else {
                (width / 2, width - 2 * MARGIN)
            };
            canvas.text(&fit_text(note, size, room), (centre, y), size, GREY, Align::Centre)?;
            y += LINE_HEIGHT;
        }
        Ok(())
    }
}

/// The panel of a block in the pixel rectangle (left, top, right, bottom), its ticks and the
/// value of no difference. Hazard ratios: a log axis over every interval and 1, at most 1/100
/// to 100. Differences: a linear axis over every interval and 0, widened to whole ticks.
fn block_panel(block: &Block, (left, top, right, bottom): (i32, i32, i32, i32)) -> (Panel, Vec<Tick>, f64) {
    let null: f64 = if block.log { 1.0 } else { 0.0 };
    let (mut lo, mut hi) = (null, null);
    for (_, l, h) in block.lines.iter().filter_map(|l| l.interval) {
        lo = lo.min(l);
        hi = hi.max(h);
    }
    let (x, ticks) = if block.log {
        let (lo, hi) = ((lo / 1.15).max(0.01), (hi * 1.15).min(100.0));
        (Scale::log(lo, hi), log_ticks(lo, hi))
    } else {
        // no interval at all (every arm not estimable): an axis from −1 to 1 around the line at 0
        let (lo, hi) = if hi > lo { (lo, hi) } else { (-1.0, 1.0) };
        let step = nice_step((hi - lo) / 5.0);
        let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        let count = ((hi - lo) / step).round() as usize;
        (
            Scale::linear(lo, hi),
            (0..=count).map(|k| lo + k as f64 * step).collect(),
        )
    };
    let panel = Panel {
        left,
        top,
        right,
        bottom,
        x,
        y: Scale::linear(0.0, 1.0),
    };
    (panel, Tick::at(&ticks), null)
}

/// Breaks of a log axis from `lo` to `hi`: 1, 2, 5 × 10ᵏ, or finer when those give fewer than 3.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let values = log_breaks(lo, hi);
    if values.len() >= 3 {
        return values;
    }
    [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
        .into_iter()
        .filter(|v| *v >= lo && *v <= hi)
        .collect()
}
