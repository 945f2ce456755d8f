//! Forest plots: Cox hazard ratios with their Wald confidence intervals on a log axis, one row
//! per model column, or one row per level of each subgroup column (the model of the group
//! alone, fitted within the subgroup, with its n and events), a vertical line at HR = 1 and a
//! column of "HR (95% CI)" text. A row whose hazard ratio is not estimable (monotone
//! likelihood: `diverges_to`; no events or a single arm in the subgroup) says "not estimable"
//! and has no interval.

use plotters::prelude::DrawingBackend;
use serde::Serialize;

use super::axis::{LINE_HEIGHT, MARGIN, Panel, Scale, TICK_SIZE, Tick, draw_title};
use super::canvas::{Align, BLACK, Canvas, Figure, GREY, PALETTE, fit_text, text_width};
use super::loglog::log_breaks;
use super::{PlotError, PlotOptions};
use crate::data::{Covariate, Factor, SurvData};
use crate::output::num;
use crate::{Cox, CoxFit, CoxOptions};

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

/// The rows `rows` of a factor, its unused levels dropped (order kept).
fn factor_subset(factor: &Factor, rows: &[usize]) -> Factor {
    let mut used = vec![false; factor.levels.len()];
    for &i in rows {
        used[factor.codes[i] as usize] = true;
    }
    let mut new_code = vec![0u32; factor.levels.len()];
    let mut levels = Vec::new();
    for (k, level) in factor.levels.iter().enumerate() {
        if used[k] {
            new_code[k] = levels.len() as u32;
            levels.push(level.clone());
        }
    }
    Factor {
        name: factor.name.clone(),
        levels,
        codes: rows.iter().map(|&i| new_code[factor.codes[i] as usize]).collect(),
    }
}

/// The rows `rows` of `data` with only the covariate `keep`.
fn subset(data: &SurvData, rows: &[usize], keep: &str) -> SurvData {
    let pick = |v: &Vec<f64>| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    SurvData {
        source: data.source.clone(),
        time_column: data.time_column.clone(),
        time: pick(&data.time),
        event: rows.iter().map(|&i| data.event[i]).collect(),
        entry: data.entry.as_ref().map(pick),
        weight: data.weight.as_ref().map(pick),
        group: data.group.as_ref().map(|f| factor_subset(f, rows)),
        strata: data.strata.as_ref().map(|f| factor_subset(f, rows)),
        cluster: data.cluster.as_ref().map(|f| factor_subset(f, rows)),
        covariates: data
            .covariates
            .iter()
            .filter(|c| c.name() == keep)
            .map(|c| match c {
                Covariate::Numeric { name, values } => Covariate::Numeric {
                    name: name.clone(),
                    values: pick(values),
                },
                Covariate::Factor(f) => Covariate::Factor(factor_subset(f, rows)),
            })
            .collect(),
        lines: rows.iter().map(|&i| data.lines[i]).collect(),
        dropped: data.dropped.clone(),
        times_tied_by_timefix: 0,
        order_cache: std::sync::OnceLock::new(),
    }
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
        })
    }
}

impl Figure for ForestFigure {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, (width, height): (u32, u32)) -> Result<(), PlotError> {
        let (width, height) = (width as i32, height as i32);
        let size = TICK_SIZE;
        let gap = 18;
        let mut top = draw_title(canvas, &self.layout, width)?;
        let level = format!("{}", (self.conf_level * 100.0).round());
        let hr_title = format!("HR ({level}% CI)");
        let texts: Vec<String> = self.rows.iter().map(ForestRow::text).collect();
        let widest = |items: &mut dyn Iterator<Item = String>, title: &str| {
            items
                .map(|t| text_width(&t, size))
                .fold(text_width(title, size), i32::max)
        };
        let label_w = widest(&mut self.rows.iter().map(|r| r.label.clone()), &self.label_title).min(width / 3);
        let n_w = widest(&mut self.rows.iter().filter_map(|r| r.n).map(|n| n.to_string()), "n");
        let ev_w = widest(&mut self.rows.iter().filter_map(|r| r.events).map(num), "Events");
        let hr_w = widest(&mut texts.iter().cloned(), &hr_title);
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
        let hr_x = width - MARGIN - hr_w;
        let panel_left = x + 8;
        let panel_right = hr_x - gap - 8;
        if panel_right - panel_left < 80 {
            return Err(PlotError::Size(format!(
                "the image is too narrow for the forest plot's columns; make it at least {} pixels wide",
                width + 80 - (panel_right - panel_left)
            )));
        }
        // Header line.
        canvas.text(&self.label_title, (label_x, top), size, GREY, Align::Left)?;
        if self.counts {
            canvas.text("n", (n_x, top), size, GREY, Align::Right)?;
            canvas.text("Events", (ev_x, top), size, GREY, Align::Right)?;
        }
        canvas.text(&hr_title, (hr_x, top), size, GREY, Align::Left)?;
        top += LINE_HEIGHT + 6;
        let bottom_space = Panel::bottom_space(true) + if self.comparison.is_some() { LINE_HEIGHT } else { 0 };
        let available = height - MARGIN - bottom_space - top;
        let row_h = (available / self.rows.len().max(1) as i32).clamp(1, 30);
        let panel_bottom = top + row_h * self.rows.len() as i32 + 6;
        // The log axis: every interval and 1, at most 1/100 to 100.
        let (mut lo, mut hi) = (1.0f64, 1.0f64);
        for row in &self.rows {
            if let Some((_, l, h)) = row.interval() {
                lo = lo.min(l);
                hi = hi.max(h);
            }
        }
        let (lo, hi) = ((lo / 1.15).max(0.01), (hi * 1.15).min(100.0));
        let mut values = log_breaks(lo, hi);
        if values.len() < 3 {
            values = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
                .into_iter()
                .filter(|v| *v >= lo && *v <= hi)
                .collect();
        }
        let x_ticks = Tick::at(&values);
        let panel = Panel {
            left: panel_left,
            top,
            right: panel_right,
            bottom: panel_bottom,
            x: Scale::log(lo, hi),
            y: Scale::linear(0.0, 1.0),
        };
        let x_title = self
            .layout
            .xlabel
            .clone()
            .unwrap_or_else(|| "Hazard ratio (log scale)".to_string());
        let one = panel.x_px(1.0);
        canvas.dashed((one, panel.top), (one, panel.bottom), GREY)?;
        panel.draw_axes(canvas, &x_ticks, &[], &x_title, "")?;
        if let Some(comparison) = &self.comparison {
            let text = fit_text(comparison, size, panel_right - panel_left);
            canvas.text(
                &text,
                (
                    (panel_left + panel_right) / 2,
                    panel_bottom + bottom_space - LINE_HEIGHT + 4,
                ),
                size,
                GREY,
                Align::Centre,
            )?;
        }
        let colour = PALETTE[0];
        for (k, row) in self.rows.iter().enumerate() {
            let y_top = top + k as i32 * row_h + (row_h - LINE_HEIGHT) / 2 + 2;
            let y_mid = top + k as i32 * row_h + row_h / 2;
            let label = fit_text(&row.label, size, label_w);
            canvas.text(
                &label,
                (label_x, y_top),
                size,
                if row.heading { GREY } else { BLACK },
                Align::Left,
            )?;
            if row.heading {
                continue;
            }
            if let Some(n) = row.n {
                canvas.text(&n.to_string(), (n_x, y_top), size, BLACK, Align::Right)?;
            }
            if let Some(events) = row.events {
                canvas.text(&num(events), (ev_x, y_top), size, BLACK, Align::Right)?;
            }
            canvas.text(
                &texts[k],
                (hr_x, y_top),
                size,
                if row.interval().is_some() { BLACK } else { GREY },
                Align::Left,
            )?;
            if let Some((hr, l, h)) = row.interval() {
                let clamp = |v: f64| v.clamp(lo, hi);
                canvas.line(
                    vec![(panel.x_px(clamp(l)), y_mid), (panel.x_px(clamp(h)), y_mid)],
                    colour,
                    2,
                )?;
                if hr >= lo && hr <= hi {
                    let x = panel.x_px(hr);
                    canvas.rect((x - 4, y_mid - 4), (x + 4, y_mid + 4), colour, 1.0)?;
                }
            }
        }
        Ok(())
    }
}
