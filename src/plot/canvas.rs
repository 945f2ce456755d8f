//! Drawing primitives over plotters' SVG and bitmap backends, with the bundled font.
//!
//! survkit lays its figures out itself (panels, ticks, legends, tables) and uses plotters only
//! to draw lines, polygons and text, so that positions are exact and identical in both formats.
//! Text is measured with DejaVu Sans, embedded in the crate: PNG output never looks for system
//! fonts, and SVG output names "DejaVu Sans, sans-serif" with the same measurements.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform, RGBAColor};

use super::PlotError;

/// The font family name: the registry key of the embedded font and the SVG `font-family`.
pub const FONT_FAMILY: &str = "DejaVu Sans, sans-serif";

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font once per process.
pub fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(PlotError::Draw("the embedded font could not be loaded".into()))
    }
}

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size, FontStyle::Normal)
}

/// Width in pixels of `text` at font size `size`.
pub fn text_width(text: &str, size: f64) -> i32 {
    font(size).box_size(text).map_or(0, |(w, _)| w as i32)
}

/// `text` cut with an ellipsis to fit `max_width` pixels: a binary search over the number of
/// characters kept, after cutting to as many as could fit at all (no glyph of the embedded font
/// is narrower than a tenth of the font size), so a label of any length costs O(log n) layouts.
pub fn fit_text(text: &str, size: f64, max_width: i32) -> String {
    let could_fit = (f64::from(max_width.max(0)) / (0.1 * size.max(1.0))).ceil() as usize + 1;
    let chars: Vec<char> = text.chars().take(could_fit + 1).collect();
    if chars.len() <= could_fit && text_width(text, size) <= max_width {
        return text.to_string();
    }
    let with_ellipsis = |k: usize| chars[..k].iter().collect::<String>() + "…";
    // the largest k whose cut fits: fits(lo) holds or lo = 0
    let (mut lo, mut hi) = (0, chars.len().min(could_fit));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(&with_ellipsis(mid), size) <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    with_ellipsis(lo)
}

/// A colour as "#rrggbb".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    fn rgba(self, alpha: f64) -> RGBAColor {
        RGBColor(self.0, self.1, self.2).mix(alpha)
    }
}

/// Black, for axes and text.
pub const BLACK: Colour = Colour(0, 0, 0);
/// Mid grey, for secondary text (legend lead, annotations, footnotes).
pub const GREY: Colour = Colour(0x77, 0x77, 0x77);
/// Light grey, for grid lines.
pub const LIGHT_GREY: Colour = Colour(0xdd, 0xdd, 0xdd);

/// The Okabe–Ito palette (Okabe & Ito 2008), colour-blind safe, ordered for white paper
/// (yellow last: it is faint on white).
pub const PALETTE: [Colour; 8] = [
    Colour(0x00, 0x72, 0xB2),
    Colour(0xD5, 0x5E, 0x00),
    Colour(0x00, 0x9E, 0x73),
    Colour(0xCC, 0x79, 0xA7),
    Colour(0xE6, 0x9F, 0x00),
    Colour(0x56, 0xB4, 0xE9),
    Colour(0x00, 0x00, 0x00),
    Colour(0xF0, 0xE4, 0x42),
];

/// The colour of group `index`.
pub fn group_colour(index: usize) -> Colour {
    PALETTE[index % PALETTE.len()]
}

/// Horizontal text alignment.
#[derive(Debug, Clone, Copy)]
pub enum Align {
    /// Aligned on its left edge.
    Left,
    /// Centred.
    Centre,
    /// Aligned on its right edge.
    Right,
}

/// A drawing surface: one figure on one backend.
pub struct Canvas<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
}

fn drawn<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, PlotError> {
    result.map_err(|e| PlotError::Draw(e.to_string()))
}

impl<'a, DB: DrawingBackend> Canvas<'a, DB> {
    /// A canvas drawing on `area`.
    pub fn new(area: &'a DrawingArea<DB, Shift>) -> Self {
        Canvas { area }
    }

    /// A polyline.
    pub fn line(&self, points: Vec<(i32, i32)>, colour: Colour, width: u32) -> Result<(), PlotError> {
        let style = ShapeStyle::from(colour.rgba(1.0)).stroke_width(width);
        drawn(self.area.draw(&PathElement::new(points, style)))
    }

    /// A dashed straight segment.
    pub fn dashed(&self, from: (i32, i32), to: (i32, i32), colour: Colour) -> Result<(), PlotError> {
        let (dx, dy) = ((to.0 - from.0) as f64, (to.1 - from.1) as f64);
        let length = dx.hypot(dy);
        let dashes = (length / 8.0).ceil() as i32;
        for k in (0..dashes).step_by(2) {
            let at = |f: f64| {
                let f = f.min(1.0);
                (from.0 + (dx * f).round() as i32, from.1 + (dy * f).round() as i32)
            };
            let (a, b) = (k as f64 / dashes as f64, (k + 1) as f64 / dashes as f64);
            self.line(vec![at(a), at(b)], colour, 1)?;
        }
        Ok(())
    }

    /// A filled polygon with opacity `alpha`.
    pub fn polygon(&self, points: Vec<(i32, i32)>, colour: Colour, alpha: f64) -> Result<(), PlotError> {
        drawn(self.area.draw(&Polygon::new(points, colour.rgba(alpha).filled())))
    }

    /// A filled rectangle.
    pub fn rect(&self, corner: (i32, i32), opposite: (i32, i32), colour: Colour, alpha: f64) -> Result<(), PlotError> {
        drawn(
            self.area
                .draw(&Rectangle::new([corner, opposite], colour.rgba(alpha).filled())),
        )
    }

    /// A rectangle outline.
    pub fn frame(&self, corner: (i32, i32), opposite: (i32, i32), colour: Colour) -> Result<(), PlotError> {
        drawn(
            self.area
                .draw(&Rectangle::new([corner, opposite], colour.rgba(1.0).stroke_width(1))),
        )
    }

    /// A filled circle.
    pub fn dot(&self, centre: (i32, i32), radius: i32, colour: Colour, alpha: f64) -> Result<(), PlotError> {
        drawn(
            self.area
                .draw(&Circle::new(centre, radius, colour.rgba(alpha).filled())),
        )
    }

    /// Text whose top edge is at `at.1`, aligned horizontally at `at.0`.
    pub fn text(&self, text: &str, at: (i32, i32), size: f64, colour: Colour, align: Align) -> Result<(), PlotError> {
        let h_pos = match align {
            Align::Left => HPos::Left,
            Align::Centre => HPos::Center,
            Align::Right => HPos::Right,
        };
        let rgba = colour.rgba(1.0);
        let style = TextStyle::from(font(size)).color(&rgba).pos(Pos::new(h_pos, VPos::Top));
        drawn(self.area.draw_text(text, &style, at))
    }

    /// Text rotated a quarter turn anticlockwise, centred on `at`.
    pub fn vertical_text(&self, text: &str, at: (i32, i32), size: f64, colour: Colour) -> Result<(), PlotError> {
        let rgba = colour.rgba(1.0);
        let style = TextStyle::from(font(size).transform(FontTransform::Rotate270))
            .color(&rgba)
            .pos(Pos::new(HPos::Center, VPos::Top));
        drawn(self.area.draw_text(text, &style, at))
    }
}

/// Something that draws itself on a canvas of a given size.
pub trait Figure {
    /// Draws the figure on `canvas`, laid out for an image of `size` (width, height) pixels.
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>, size: (u32, u32)) -> Result<(), PlotError>;
}

/// An image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Scalable vector graphics (text).
    Svg,
    /// Portable network graphics (RGB, 8 bits per channel).
    Png,
}

impl ImageFormat {
    /// The format named by a file's extension (`.svg` or `.png`, any case).
    pub fn from_path(path: &std::path::Path) -> Option<ImageFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(ImageFormat::Svg),
            "png" => Some(ImageFormat::Png),
            _ => None,
        }
    }
}

/// Refuses image sizes outside 200×150 to 10000×10000 pixels.
pub fn check_size(size: (u32, u32)) -> Result<(), PlotError> {
    if size.0 < 200 || size.1 < 150 || size.0 > 10_000 || size.1 > 10_000 {
        return Err(PlotError::Size(format!(
            "image size {}×{} must be between 200×150 and 10000×10000 pixels",
            size.0, size.1
        )));
    }
    Ok(())
}

/// Draws `figure` and encodes it: SVG text or PNG bytes.
pub fn render(figure: &impl Figure, format: ImageFormat, size: (u32, u32)) -> Result<Vec<u8>, PlotError> {
    register_font()?;
    check_size(size)?;
    match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                drawn(root.fill(&WHITE))?;
                figure.draw(&Canvas::new(&root), size)?;
                drawn(root.present())?;
            }
            Ok(svg.into_bytes())
        }
        ImageFormat::Png => {
            let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
                drawn(root.fill(&WHITE))?;
                figure.draw(&Canvas::new(&root), size)?;
                drawn(root.present())?;
            }
            let mut png_bytes = Vec::new();
            let mut encoder = png::Encoder::new(&mut png_bytes, size.0, size.1);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = drawn(encoder.write_header())?;
            drawn(writer.write_image_data(&pixels))?;
            drawn(writer.finish())?;
            Ok(png_bytes)
        }
    }
}
