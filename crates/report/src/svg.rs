//! Hand-written inline SVG charts: a line chart (with optional filled bands
//! between two lines, and step lines), a bar chart, overlaid histograms and
//! grouped horizontal bars. No dependency and no script: a page renders as
//! soon as it is parsed, anywhere. Values show on hover through SVG
//! `<title>` elements (see `hover.rs`), which browsers display as tooltips. Public so other result pages (`storefront compare`, experiments)
//! draw with the same primitives: [`open`] a chart, map data with a
//! [`Frame`], draw [`axes`] and a [`legend`], then close it with `</svg>`.

use std::fmt::Write as _;

mod grouped_bars;
mod hover;

pub use grouped_bars::{GroupedBars, grouped_bar_chart};
use hover::{HoverSpan, hover_spans, short_number};

/// Chart size in SVG user units (and CSS pixels).
pub const WIDTH: f64 = 900.0;
pub const HEIGHT: f64 = 300.0;
/// Margins around the plot area: room for tick labels, axis names, legend.
pub const LEFT: f64 = 64.0;
pub const RIGHT: f64 = 16.0;
pub const TOP: f64 = 28.0;
pub const BOTTOM: f64 = 42.0;

/// Text safe inside HTML or SVG elements and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A line to draw: `(x, y)` points in data units.
pub struct Line<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub points: Vec<(f64, f64)>,
    /// Draw as a staircase (a value holds until the next point), for counts
    /// such as active users.
    pub step: bool,
}

/// A filled area between two lines with the same x values.
pub struct Band<'a> {
    pub color: &'a str,
    pub lower: &'a [(f64, f64)],
    pub upper: &'a [(f64, f64)],
}

/// One bar from `from` to `to` on the x axis.
pub struct Bar {
    pub from: f64,
    pub to: f64,
    pub value: f64,
}

/// Axes in data units mapped onto the plot area. The y axis starts at 0 and
/// ends on a round number at or above the largest value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    x_min: f64,
    x_max: f64,
    y_max: f64,
}

impl Frame {
    /// An empty x range is widened to one unit, so nothing divides by zero.
    pub fn new(x_min: f64, x_max: f64, y_max: f64) -> Self {
        let x_max = if x_max > x_min { x_max } else { x_min + 1.0 };
        Self {
            x_min,
            x_max,
            y_max: nice_ceiling(y_max),
        }
    }

    /// The SVG x coordinate of a data value.
    pub fn x(&self, value: f64) -> f64 {
        LEFT + (value - self.x_min) / (self.x_max - self.x_min) * (WIDTH - LEFT - RIGHT)
    }

    /// The SVG y coordinate of a data value.
    pub fn y(&self, value: f64) -> f64 {
        HEIGHT - BOTTOM - value / self.y_max * (HEIGHT - TOP - BOTTOM)
    }

    /// An empty path drawn in this frame's data units.
    pub fn path(&self) -> Path<'_> {
        Path {
            frame: self,
            d: String::new(),
        }
    }
}

/// A path's `d` attribute, built point by point: the first point moves
/// there, each later one draws a line (or a step) to it. Every chart draws
/// its lines, bands and bars through this one type.
pub struct Path<'f> {
    frame: &'f Frame,
    d: String,
}

impl Path<'_> {
    /// A straight line to the data point (x, y); the start if it is the first.
    pub fn to(&mut self, x: f64, y: f64) {
        let (x, y) = (self.frame.x(x), self.frame.y(y));
        self.to_pixel(x, y);
    }

    /// A horizontal then vertical line to the data point (x, y): a step.
    pub fn step_to(&mut self, x: f64, y: f64) {
        if self.d.is_empty() {
            return self.to(x, y);
        }
        let _ = write!(self.d, "H{:.1}V{:.1}", self.frame.x(x), self.frame.y(y));
    }

    /// A straight line to (x, y) in SVG coordinates.
    pub fn to_pixel(&mut self, x: f64, y: f64) {
        let command = if self.d.is_empty() { "M" } else { "L" };
        let _ = write!(self.d, "{command}{x:.1},{y:.1}");
    }

    /// The path as drawn so far.
    pub fn open(self) -> String {
        self.d
    }

    /// The path closed back to its start (a filled area).
    pub fn closed(mut self) -> String {
        self.d.push('Z');
        self.d
    }
}

/// The smallest 1, 2 or 5 × 10^k at or above `value` (1 for nothing), so the
/// y axis ends on a round number.
pub fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= value)
        .unwrap_or(10.0 * magnitude)
}

/// A number for an axis label: whole numbers without decimals.
fn tick_label(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.2}")
    }
}

/// Starts a chart: the `<svg>` element with its `<title>`.
pub fn open(out: &mut String, id: &str, title: &str) {
    open_sized(out, id, title, HEIGHT);
}

/// Starts a chart of another height than [`HEIGHT`].
fn open_sized(out: &mut String, id: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" font-size=\"12\" font-family=\"sans-serif\"><title>{}</title>",
        escape(title)
    );
}

/// Grid lines, tick labels and axis names for `frame`.
pub fn axes(out: &mut String, frame: &Frame, x_label: &str, y_label: &str) {
    let (x0, x1) = (LEFT, WIDTH - RIGHT);
    let (y0, y1) = (HEIGHT - BOTTOM, TOP);
    for i in 0..=4 {
        let value = frame.y_max * f64::from(i) / 4.0;
        let y = frame.y(value);
        let _ = write!(
            out,
            "<line x1=\"{x0}\" y1=\"{y:.1}\" x2=\"{x1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 6.0,
            y + 4.0,
            tick_label(value)
        );
    }
    // About six x ticks on round values (1, 2 or 5 × 10^k apart).
    let step = nice_ceiling((frame.x_max - frame.x_min) / 6.0);
    let mut value = (frame.x_min / step).ceil() * step;
    while value <= frame.x_max + step * 1e-9 {
        let x = frame.x(value);
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y0 + 16.0,
            tick_label(value)
        );
        value += step;
    }
    let _ = write!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#888\"/><line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"#888\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text x=\"{x0}\" y=\"{:.1}\">{}</text>",
        (x0 + x1) / 2.0,
        HEIGHT - 6.0,
        escape(x_label),
        TOP - 12.0,
        escape(y_label)
    );
}

/// Roughly how wide a legend entry is drawn.
fn legend_entry_width(name: &str) -> f64 {
    14.0 + 7.0 * name.chars().count() as f64 + 12.0
}

/// Whether `entries` fit in the one legend row above the plot.
pub fn legend_fits(entries: &[(&str, &str)]) -> bool {
    entries
        .iter()
        .map(|(name, _)| legend_entry_width(name))
        .sum::<f64>()
        <= WIDTH - RIGHT
}

/// One coloured square and name per `(name, color)` entry, right-aligned
/// above the plot. Entries that do not fit in that row (many long labels)
/// are not drawn at all rather than run off the chart: the page then gives
/// an HTML legend instead ([`legend_fits`]), and each name is in the
/// hover text anyway.
pub fn legend(out: &mut String, entries: &[(&str, &str)]) {
    if !legend_fits(entries) {
        return;
    }
    let mut x = WIDTH - RIGHT;
    for (name, color) in entries.iter().rev() {
        x -= legend_entry_width(name);
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            TOP - 22.0,
            x + 14.0,
            TOP - 12.0,
            escape(name)
        );
    }
}

/// Ends a chart that has nothing to draw with a "no samples" note (closes
/// the `<svg>`).
pub fn no_data(out: &mut String) {
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"empty\">no samples</text></svg>",
        WIDTH / 2.0,
        HEIGHT / 2.0
    );
}

/// A line chart of `lines` over `bands`, with a legend of the lines.
pub fn line_chart(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Line],
    bands: &[Band],
) -> String {
    let mut out = String::new();
    open(&mut out, id, title);
    let all = || lines.iter().flat_map(|line| line.points.iter());
    let Some(x_min) = all().map(|p| p.0).reduce(f64::min) else {
        no_data(&mut out);
        return out;
    };
    let x_max = all().map(|p| p.0).fold(x_min, f64::max);
    // Bands count too: an interval's top must not leave the plot.
    let band_top = bands.iter().flat_map(|b| b.upper.iter()).map(|p| p.1);
    let y_max = all().map(|p| p.1).chain(band_top).fold(0.0, f64::max);
    let frame = Frame::new(x_min, x_max, y_max);
    axes(&mut out, &frame, x_label, y_label);
    for band in bands {
        let mut path = frame.path();
        for &(x, y) in band.upper.iter().chain(band.lower.iter().rev()) {
            path.to(x, y);
        }
        let _ = write!(
            out,
            "<path class=\"band\" d=\"{}\" fill=\"{}\" stroke=\"none\"/>",
            path.closed(),
            band.color
        );
    }
    for line in lines {
        let mut path = frame.path();
        for &(x, y) in &line.points {
            if line.step {
                path.step_to(x, y);
            } else {
                path.to(x, y);
            }
        }
        let d = path.open();
        let _ = write!(
            out,
            "<path class=\"line\" data-series=\"{}\" data-points=\"{}\" d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            escape(line.name),
            line.points.len(),
            line.color
        );
    }
    hover_spans(&mut out, &frame, &line_hovers(lines, x_label, y_label));
    let entries: Vec<(&str, &str)> = lines.iter().map(|l| (l.name, l.color)).collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

/// One hover span per x value of the lines, reaching halfway to its
/// neighbours, naming every line's value there.
fn line_hovers(lines: &[Line], x_label: &str, y_label: &str) -> Vec<HoverSpan> {
    let mut xs: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut spans = Vec::with_capacity(xs.len());
    for (i, &x) in xs.iter().enumerate() {
        let from = if i == 0 { x } else { (xs[i - 1] + x) / 2.0 };
        let to = xs.get(i + 1).map_or(x, |next| (x + next) / 2.0);
        let mut text = format!("{x_label} {}", short_number(x));
        for line in lines {
            let at = line.points.partition_point(|p| p.0 < x);
            if let Some(&(px, y)) = line.points.get(at)
                && px == x
            {
                let _ = write!(text, "\n{}: {} {y_label}", line.name, short_number(y));
            }
        }
        spans.push(HoverSpan { from, to, text });
    }
    spans
}

/// A bar chart; each bar spans its own x range.
pub fn bar_chart(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    color: &str,
    bars: &[Bar],
) -> String {
    let mut out = String::new();
    open(&mut out, id, title);
    let (Some(first), Some(last)) = (bars.first(), bars.last()) else {
        no_data(&mut out);
        return out;
    };
    let y_max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let frame = Frame::new(first.from, last.to, y_max);
    axes(&mut out, &frame, x_label, y_label);
    for bar in bars.iter().filter(|b| b.value > 0.0) {
        let (x0, x1) = (frame.x(bar.from), frame.x(bar.to));
        let y = frame.y(bar.value);
        let _ = write!(
            out,
            "<rect class=\"bar\" data-value=\"{}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"/>",
            bar.value,
            (x1 - x0 - 1.0).max(1.0),
            HEIGHT - BOTTOM - y
        );
    }
    let spans: Vec<HoverSpan> = bars
        .iter()
        .map(|bar| HoverSpan {
            from: bar.from,
            to: bar.to,
            text: format!(
                "{} to {} {x_label}: {} {y_label}",
                short_number(bar.from),
                short_number(bar.to),
                short_number(bar.value)
            ),
        })
        .collect();
    hover_spans(&mut out, &frame, &spans);
    out.push_str("</svg>");
    out
}

/// One series of an overlaid histogram chart.
pub struct Histogram<'a> {
    pub name: &'a str,
    pub color: &'a str,
    /// Bins in ascending order of `from`; gaps between them are drawn at 0.
    pub bars: Vec<Bar>,
}

/// Histograms drawn over one another on shared axes, each as a translucent
/// filled outline, so every series stays visible where they overlap (solid
/// bars would hide all but the last). Callers wanting to compare shapes of
/// different-sized samples pass fractions, not counts.
pub fn histogram_chart(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    histograms: &[Histogram],
) -> String {
    let mut out = String::new();
    open(&mut out, id, title);
    let all = || histograms.iter().flat_map(|h| h.bars.iter());
    let Some(x_min) = all().map(|b| b.from).reduce(f64::min) else {
        no_data(&mut out);
        return out;
    };
    let x_max = all().map(|b| b.to).fold(x_min, f64::max);
    let y_max = all().map(|b| b.value).fold(0.0, f64::max);
    let frame = Frame::new(x_min, x_max, y_max);
    axes(&mut out, &frame, x_label, y_label);
    let base = frame.y(0.0);
    for histogram in histograms {
        let mut path = frame.path();
        for bar in &histogram.bars {
            let (x0, x1, y) = (frame.x(bar.from), frame.x(bar.to), frame.y(bar.value));
            for (x, y) in [(x0, base), (x0, y), (x1, y), (x1, base)] {
                path.to_pixel(x, y);
            }
        }
        let d = path.open();
        let _ = write!(
            out,
            "<path class=\"histogram\" data-series=\"{}\" data-bins=\"{}\" d=\"{d}\" fill=\"{}\" fill-opacity=\"0.3\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            escape(histogram.name),
            histogram.bars.len(),
            histogram.color,
            histogram.color
        );
    }
    hover_spans(
        &mut out,
        &frame,
        &histogram_hovers(histograms, x_label, y_label),
    );
    let entries: Vec<(&str, &str)> = histograms.iter().map(|h| (h.name, h.color)).collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

/// One hover span per bin of the first histogram that has bins (overlaid
/// histograms share their bins), naming each series' value in it.
fn histogram_hovers(histograms: &[Histogram], x_label: &str, y_label: &str) -> Vec<HoverSpan> {
    let Some(first) = histograms.iter().find(|h| !h.bars.is_empty()) else {
        return Vec::new();
    };
    first
        .bars
        .iter()
        .map(|bin| {
            let mut text = format!(
                "{} to {} {x_label}",
                short_number(bin.from),
                short_number(bin.to)
            );
            for h in histograms {
                let value = h
                    .bars
                    .iter()
                    .find(|b| b.from == bin.from)
                    .map_or(0.0, |b| b.value);
                let _ = write!(text, "\n{}: {} {y_label}", h.name, short_number(value));
            }
            HoverSpan {
                from: bin.from,
                to: bin.to,
                text,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
