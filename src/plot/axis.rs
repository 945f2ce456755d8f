//! Time units, axis breaks and plotting panels (data coordinates → pixels).

use std::str::FromStr;

use serde::Serialize;

use super::canvas::{Align, BLACK, Canvas, Colour, GREY, LIGHT_GREY, fit_text, group_colour, text_width};
use super::{PlotError, PlotOptions};
use crate::output::num;
use plotters::prelude::DrawingBackend;

/// A unit of time. Conversions use 1 week = 7 days, 1 year = 365.25 days, 1 month = 1/12 year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Days (the default).
    #[default]
    Days,
    /// Weeks of 7 days.
    Weeks,
    /// Months of 365.25/12 days.
    Months,
    /// Years of 365.25 days.
    Years,
}

impl TimeUnit {
    /// Length of one unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
            TimeUnit::Months => 365.25 / 12.0,
            TimeUnit::Years => 365.25,
        }
    }
    /// The unit's name in the plural, lowercase ("days", "weeks", "months", "years").
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
            TimeUnit::Months => "months",
            TimeUnit::Years => "years",
        }
    }
    /// Break steps that read naturally in this unit, smallest first (repeated by powers of ten
    /// beyond the list).
    fn natural_steps(self) -> &'static [f64] {
        match self {
            TimeUnit::Days => &[
                1.0, 2.0, 5.0, 7.0, 10.0, 14.0, 20.0, 28.0, 30.0, 50.0, 60.0, 90.0, 100.0, 180.0, 200.0, 250.0, 365.0,
                500.0,
            ],
            TimeUnit::Weeks => &[1.0, 2.0, 4.0, 8.0, 13.0, 26.0, 52.0, 104.0],
            TimeUnit::Months => &[1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 36.0, 60.0],
            TimeUnit::Years => &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0],
        }
    }
}

impl FromStr for TimeUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "days" => Ok(TimeUnit::Days),
            "weeks" => Ok(TimeUnit::Weeks),
            "months" => Ok(TimeUnit::Months),
            "years" => Ok(TimeUnit::Years),
            _ => Err(format!("unknown time unit '{s}'; use days, weeks, months or years")),
        }
    }
}

/// The step between breaks covering [0, max] with at most `max_breaks` intervals: the smallest
/// natural step of the unit (or 1, 2, 5 × 10ᵏ beyond its list) that fits.
pub fn time_step(max: f64, max_breaks: usize, unit: TimeUnit) -> f64 {
    let max_breaks = max_breaks.max(1) as f64;
    if max <= 0.0 {
        return 1.0;
    }
    if let Some(step) = unit.natural_steps().iter().find(|s| max / **s <= max_breaks) {
        return *step;
    }
    nice_step(max / max_breaks)
}

/// The smallest 1, 2 or 5 × 10ᵏ at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// 0, step, 2 step, … up to `max` (inclusive, allowing rounding).
pub fn breaks(max: f64, step: f64) -> Vec<f64> {
    let count = (max / step + 1e-9).floor() as usize;
    (0..=count).map(|k| k as f64 * step).collect()
}

/// The most breaks a time axis gets.
const MAX_BREAKS: usize = 60;

/// About one break per this many pixels of panel width.
const PIXELS_PER_BREAK: f64 = 90.0;

/// The end of a time axis and its breaks (displayed unit) for data ending at `last`: the
/// layout's `xmax` or `last`, broken every `break_every` or at the unit's natural step that
/// gives about one break per `PIXELS_PER_BREAK` pixels; more than 60 breaks is an error.
pub fn time_breaks(layout: &PlotOptions, last: f64) -> Result<(f64, Vec<f64>), PlotError> {
    let xmax = layout.xmax.unwrap_or(last).max(f64::MIN_POSITIVE);
    let max_breaks = ((layout.width as f64 - 260.0) / PIXELS_PER_BREAK).clamp(2.0, MAX_BREAKS as f64) as usize;
    let step = layout
        .break_every
        .unwrap_or_else(|| time_step(xmax, max_breaks, layout.time_unit));
    // counted before any break is made: a tiny step would ask for terabytes
    let count = (xmax / step).floor() + 1.0;
    if !(count.is_finite() && count <= MAX_BREAKS as f64) {
        let shown = crate::numbers::shown;
        return Err(match layout.break_every {
            Some(_) => PlotError::BreakStep(format!(
                "a break every {} gives {} breaks up to {}; at most {MAX_BREAKS}: choose a larger step",
                shown(step),
                shown(count),
                shown(xmax)
            )),
            None => PlotError::Data(format!(
                "the time axis up to {} cannot be divided into at most {MAX_BREAKS} breaks",
                shown(xmax)
            )),
        });
    }
    Ok((xmax, breaks(xmax, step)))
}

/// A right-continuous step path through `points` (each giving its (time, value)) up to `end`:
/// horizontal to the next time, then vertical.
pub fn step_path<P>(points: &[P], end: f64, at: impl Fn(&P) -> (f64, f64)) -> Vec<(f64, f64)> {
    let mut path: Vec<(f64, f64)> = Vec::with_capacity(2 * points.len() + 1);
    for point in points {
        let (time, value) = at(point);
        if time > end {
            break;
        }
        if let Some(&(_, previous)) = path.last() {
            path.push((time, previous));
        }
        path.push((time, value));
    }
    if let Some(&(t, v)) = path.last()
        && t < end
    {
        path.push((end, v));
    }
    path.dedup();
    path
}

/// A tick value for people: no trailing zeros, no "-0".
pub fn tick_label(value: f64) -> String {
    let rounded = (value * 1e6).round() / 1e6;
    let text = format!("{rounded}");
    if text == "-0" { "0".to_string() } else { text }
}

/// A linear or logarithmic mapping from data values to [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The data value mapped to 0.
    pub min: f64,
    /// The data value mapped to 1.
    pub max: f64,
    /// Whether the mapping is logarithmic (`min` and `max` then > 0).
    pub log: bool,
}

impl Scale {
    /// A linear mapping of [`min`, `max`] onto [0, 1].
    pub fn linear(min: f64, max: f64) -> Scale {
        Scale { min, max, log: false }
    }
    /// A logarithmic mapping of [`min`, `max`] (both > 0) onto [0, 1].
    pub fn log(min: f64, max: f64) -> Scale {
        Scale { min, max, log: true }
    }
    fn fraction(&self, v: f64) -> f64 {
        if self.log {
            (v.ln() - self.min.ln()) / (self.max.ln() - self.min.ln())
        } else {
            (v - self.min) / (self.max - self.min)
        }
    }
}

/// A tick: where, and what it says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    /// The tick's position, in data units.
    pub value: f64,
    /// The text printed at the tick.
    pub label: String,
}

impl Tick {
    /// One tick at each value, labelled with [`tick_label`].
    pub fn at(values: &[f64]) -> Vec<Tick> {
        values
            .iter()
            .map(|v| Tick {
                value: *v,
                label: tick_label(*v),
            })
            .collect()
    }
}

/// Font sizes and spacing shared by every figure.
pub const TITLE_SIZE: f64 = 20.0;
/// Axis-title font size, in pixels.
pub const LABEL_SIZE: f64 = 16.0;
/// Tick-label and table font size, in pixels.
pub const TICK_SIZE: f64 = 14.0;
/// Height of one line of text (legend row, risk-table row), in pixels.
pub const LINE_HEIGHT: i32 = 20;
/// Space between the image edge and its content, in pixels.
pub const MARGIN: i32 = 12;
/// The widest a group label may be in a legend or number-at-risk table.
pub const MAX_LABEL_WIDTH: i32 = 200;
const TICK_LENGTH: i32 = 5;

/// A plotting panel: a pixel rectangle with its x and y scales.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Panel {
    /// Pixel column of the panel's left edge.
    pub left: i32,
    /// Pixel row of the panel's top edge.
    pub top: i32,
    /// Pixel column of the panel's right edge.
    pub right: i32,
    /// Pixel row of the panel's bottom edge.
    pub bottom: i32,
    /// Scale of the horizontal axis.
    pub x: Scale,
    /// Scale of the vertical axis.
    pub y: Scale,
}

impl Panel {
    /// The pixel column of data value `x`.
    pub fn x_px(&self, x: f64) -> i32 {
        self.left + (self.x.fraction(x) * (self.right - self.left) as f64).round() as i32
    }
    /// The pixel row of data value `y` (rows grow downwards).
    pub fn y_px(&self, y: f64) -> i32 {
        self.bottom - (self.y.fraction(y) * (self.bottom - self.top) as f64).round() as i32
    }
    /// The pixel position of the data point (`x`, `y`).
    pub fn px(&self, x: f64, y: f64) -> (i32, i32) {
        (self.x_px(x), self.y_px(y))
    }

    /// Light grid lines, the axes with ticks and tick labels, and the axis titles.
    pub fn draw_axes<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        x_ticks: &[Tick],
        y_ticks: &[Tick],
        x_title: &str,
        y_title: &str,
    ) -> Result<(), PlotError> {
        for tick in y_ticks {
            let y = self.y_px(tick.value);
            canvas.line(vec![(self.left, y), (self.right, y)], LIGHT_GREY, 1)?;
            canvas.line(vec![(self.left - TICK_LENGTH, y), (self.left, y)], BLACK, 1)?;
            canvas.text(
                &tick.label,
                (self.left - TICK_LENGTH - 3, y - (TICK_SIZE * 0.45) as i32),
                TICK_SIZE,
                BLACK,
                Align::Right,
            )?;
        }
        for tick in x_ticks {
            let x = self.x_px(tick.value);
            canvas.line(vec![(x, self.bottom), (x, self.bottom + TICK_LENGTH)], BLACK, 1)?;
            canvas.text(
                &tick.label,
                (x, self.bottom + TICK_LENGTH + 2),
                TICK_SIZE,
                BLACK,
                Align::Centre,
            )?;
        }
        canvas.line(
            vec![
                (self.left, self.top),
                (self.left, self.bottom),
                (self.right, self.bottom),
            ],
            BLACK,
            1,
        )?;
        if !x_title.is_empty() {
            let centre = (self.left + self.right) / 2;
            canvas.text(
                x_title,
                (centre, self.bottom + TICK_LENGTH + LINE_HEIGHT + 2),
                LABEL_SIZE,
                BLACK,
                Align::Centre,
            )?;
        }
        if !y_title.is_empty() {
            let widest = y_ticks
                .iter()
                .map(|t| text_width(&t.label, TICK_SIZE))
                .max()
                .unwrap_or(0);
            let x = self.left - TICK_LENGTH - 6 - widest - LINE_HEIGHT;
            canvas.vertical_text(y_title, (x, (self.top + self.bottom) / 2), LABEL_SIZE, BLACK)?;
        }
        Ok(())
    }

    /// Pixels needed left of a panel for tick labels and a y-axis title.
    pub fn left_space(y_ticks: &[Tick], has_title: bool) -> i32 {
        let widest = y_ticks
            .iter()
            .map(|t| text_width(&t.label, TICK_SIZE))
            .max()
            .unwrap_or(0);
        TICK_LENGTH + 6 + widest + if has_title { LINE_HEIGHT + 4 } else { 0 }
    }

    /// Pixels needed below a panel for tick labels and an x-axis title.
    pub fn bottom_space(has_title: bool) -> i32 {
        TICK_LENGTH + LINE_HEIGHT + if has_title { LINE_HEIGHT + 4 } else { 0 }
    }
}

/// Draws the layout's title, if any, centred at the top of an image `width` pixels wide; returns
/// where the content below it starts.
pub fn draw_title<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    layout: &PlotOptions,
    width: i32,
) -> Result<i32, PlotError> {
    let mut top = MARGIN;
    if let Some(title) = &layout.title {
        canvas.text(title, (width / 2, top), TITLE_SIZE, BLACK, Align::Centre)?;
        top += LINE_HEIGHT + 10;
    }
    Ok(top)
}

/// One line of text across the top of the figure at `top` (shortened to fit the width), e.g.
/// the test result above a panel.
pub fn draw_header_line<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    text: &str,
    top: i32,
    width: i32,
) -> Result<(), PlotError> {
    let size = LABEL_SIZE - 2.0;
    canvas.text(
        &fit_text(text, size, width - 2 * MARGIN),
        (MARGIN, top),
        size,
        BLACK,
        Align::Left,
    )
}

/// A grey footnote on the last line of a figure `width` × `height` pixels.
pub fn draw_footnote<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    text: &str,
    (width, height): (i32, i32),
) -> Result<(), PlotError> {
    canvas.text(
        &fit_text(text, TICK_SIZE, width - 2 * MARGIN),
        (MARGIN, height - MARGIN - LINE_HEIGHT + 4),
        TICK_SIZE,
        GREY,
        Align::Left,
    )
}

/// The bottom edge of a panel whose top is at `top` in an image `height` pixels tall, leaving
/// room below for the x axis and, with `risk_rows`, a number-at-risk table of that many rows;
/// an error asking for a taller image when under 80 pixels would be left for the panel.
pub fn panel_bottom(height: i32, top: i32, risk_rows: Option<usize>) -> Result<i32, PlotError> {
    let table_height = risk_rows.map_or(0, |rows| LINE_HEIGHT + 6 + LINE_HEIGHT * rows as i32);
    let bottom = height - MARGIN - table_height - Panel::bottom_space(true);
    if bottom - top < 80 {
        return Err(PlotError::Size(format!(
            "the image is too small for this figure; make it at least {} pixels high",
            height + 80 - (bottom - top)
        )));
    }
    Ok(bottom)
}

/// A number-at-risk table under `panel`: `title`, then one row per group (label and its counts,
/// each centred under its tick) in the group's colour.
pub fn draw_risk_table<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    panel: &Panel,
    title: &str,
    ticks: &[Tick],
    rows: &[(&str, Vec<f64>)],
) -> Result<(), PlotError> {
    let mut y = panel.bottom + Panel::bottom_space(true) + 4;
    canvas.text(title, (MARGIN, y), TICK_SIZE, BLACK, Align::Left)?;
    y += LINE_HEIGHT + 2;
    for (k, (label, counts)) in rows.iter().enumerate() {
        let colour = group_colour(k);
        let label = fit_text(label, TICK_SIZE, MAX_LABEL_WIDTH);
        canvas.text(&label, (MARGIN, y), TICK_SIZE, colour, Align::Left)?;
        for (tick, n) in ticks.iter().zip(counts) {
            canvas.text(&num(*n), (panel.x_px(tick.value), y), TICK_SIZE, colour, Align::Centre)?;
        }
        y += LINE_HEIGHT;
    }
    Ok(())
}

/// Legend entries laid out in rows across `width` pixels from `(left, top)`; returns the
/// height used. Each entry is a colour swatch and its label; a `lead` text (e.g. the group
/// column) starts the first row.
pub fn draw_legend<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    lead: Option<&str>,
    entries: &[(String, Colour)],
    (left, top): (i32, i32),
    width: i32,
) -> Result<i32, PlotError> {
    let rows = legend_rows(lead, entries, width);
    for (r, row) in rows.iter().enumerate() {
        let y = top + r as i32 * LINE_HEIGHT;
        for item in row {
            let x = left + item.x;
            match item.entry {
                Some(k) => {
                    let (label, colour) = &entries[k];
                    canvas.line(vec![(x, y + 9), (x + 22, y + 9)], *colour, 3)?;
                    canvas.text(label, (x + 28, y + 1), LABEL_SIZE - 2.0, BLACK, Align::Left)?;
                }
                None => canvas.text(lead.unwrap_or(""), (x, y + 1), LABEL_SIZE - 2.0, GREY, Align::Left)?,
            }
        }
    }
    Ok(rows.len() as i32 * LINE_HEIGHT)
}

struct LegendItem {
    x: i32,
    /// `None` for the lead text.
    entry: Option<usize>,
}

fn legend_rows(lead: Option<&str>, entries: &[(String, Colour)], width: i32) -> Vec<Vec<LegendItem>> {
    let size = LABEL_SIZE - 2.0;
    let mut rows: Vec<Vec<LegendItem>> = vec![Vec::new()];
    let mut x = 0;
    if let Some(lead) = lead {
        rows[0].push(LegendItem { x: 0, entry: None });
        x = text_width(lead, size) + 12;
    }
    for (k, (label, _)) in entries.iter().enumerate() {
        let item_width = 28 + text_width(label, size) + 20;
        if x > 0 && x + item_width > width {
            rows.push(Vec::new());
            x = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push(LegendItem { x, entry: Some(k) });
        }
        x += item_width;
    }
    rows
}

/// Height a legend will take (see [`draw_legend`]).
pub fn legend_height(lead: Option<&str>, entries: &[(String, Colour)], width: i32) -> i32 {
    legend_rows(lead, entries, width).len() as i32 * LINE_HEIGHT
}

/// What stands above a curves-over-time panel and beside it.
pub struct Header<'a> {
    /// Legend entries (drawn when there is more than one), after the `lead` text.
    pub entries: &'a [(String, Colour)],
    /// Text before the legend entries (e.g. the grouping column's name).
    pub lead: Option<&'a str>,
    /// Lines of text under the legend.
    pub annotation: &'a [String],
    /// A number-at-risk table of one row per entry goes under the panel.
    pub risk_table: bool,
}

/// Draws the title, legend and annotation of a curves-over-time figure and returns its panel:
/// on the left, room for the y ticks and (with a risk table) the row labels; on the right,
/// room for half the last x tick label; below, room for the axis and the risk table.
pub fn framed_panel<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    layout: &PlotOptions,
    (width, height): (i32, i32),
    header: &Header<'_>,
    (x_ticks, y_ticks): (&[Tick], &[Tick]),
    (x, y): (Scale, Scale),
) -> Result<Panel, PlotError> {
    let label_width = if header.risk_table {
        header
            .entries
            .iter()
            .map(|(n, _)| text_width(n, TICK_SIZE))
            .max()
            .unwrap_or(0)
            .min(MAX_LABEL_WIDTH)
            + 12
            // the counts at time 0 are centred on the panel's left edge: room for half of one
            // of up to four digits, so "Lev+5FU" and "304" do not touch
            + text_width("0000", TICK_SIZE) / 2
    } else {
        0
    };
    let left = MARGIN + Panel::left_space(y_ticks, true).max(label_width);
    let last_label = x_ticks.last().map_or(0, |t| text_width(&t.label, TICK_SIZE));
    let right = width - MARGIN - (last_label / 2).max(8);

    let mut top = draw_title(canvas, layout, width)?;
    // above the panel, unless long risk-table labels pushed the panel far right
    let header_left = if left > 120 { MARGIN } else { left };
    let header_width = width - MARGIN - header_left;
    if header.entries.len() > 1 {
        draw_legend(canvas, header.lead, header.entries, (header_left, top), header_width)?;
        top += legend_height(header.lead, header.entries, header_width) + 4;
    }
    for line in header.annotation {
        canvas.text(
            &fit_text(line, TICK_SIZE, header_width),
            (header_left, top),
            TICK_SIZE,
            BLACK,
            Align::Left,
        )?;
        top += LINE_HEIGHT;
    }
    top += 6;
    let bottom = panel_bottom(height, top, header.risk_table.then_some(header.entries.len()))?;
    Ok(Panel {
        left,
        top,
        right,
        bottom,
        x,
        y,
    })
}

/// A confidence band between the step paths of `lower` and `upper` (each point's value) of
/// `steps` (time, value, lower, upper) up to `end`, clamped to [0, `ymax`], filled at `alpha`.
pub fn draw_band<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    panel: &Panel,
    steps: &[(f64, f64, f64, f64)],
    (end, ymax): (f64, f64),
    colour: Colour,
    alpha: f64,
) -> Result<(), PlotError> {
    let clamp = |v: f64| v.clamp(0.0, ymax);
    let upper = step_path(steps, end, |p| (p.0, clamp(p.3)));
    let mut lower = step_path(steps, end, |p| (p.0, clamp(p.2)));
    lower.reverse();
    let band: Vec<(i32, i32)> = upper
        .iter()
        .chain(lower.iter())
        .map(|(t, v)| panel.px(*t, *v))
        .collect();
    canvas.polygon(band, colour, alpha)
}
