//! Hand-written inline SVG charts: a line chart (with optional filled bands
//! between two lines, and step lines) and a bar chart. No dependency and no
//! script: the page renders as soon as it is parsed, anywhere.

use std::fmt::Write as _;

use super::html::escape;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 42.0;

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

/// Axes in data units mapped onto the plot area.
struct Frame {
    x_min: f64,
    x_max: f64,
    y_max: f64,
}

impl Frame {
    fn new(x_min: f64, x_max: f64, y_max: f64) -> Self {
        let x_max = if x_max > x_min { x_max } else { x_min + 1.0 };
        Self {
            x_min,
            x_max,
            y_max: nice_ceiling(y_max),
        }
    }

    fn x(&self, value: f64) -> f64 {
        LEFT + (value - self.x_min) / (self.x_max - self.x_min) * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        HEIGHT - BOTTOM - value / self.y_max * (HEIGHT - TOP - BOTTOM)
    }
}

/// The smallest 1, 2 or 5 × 10^k at or above `value` (1 for nothing), so the
/// y axis ends on a round number.
fn nice_ceiling(value: f64) -> f64 {
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

fn open(out: &mut String, id: &str, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" font-size=\"12\" font-family=\"sans-serif\"><title>{}</title>",
        escape(title)
    );
}

fn axes(out: &mut String, frame: &Frame, x_label: &str, y_label: &str) {
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

fn legend(out: &mut String, entries: &[(&str, &str)]) {
    let mut x = WIDTH - RIGHT;
    for (name, color) in entries.iter().rev() {
        x -= 14.0 + 7.0 * name.chars().count() as f64 + 12.0;
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

fn no_data(out: &mut String) {
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
    let y_max = all().map(|p| p.1).fold(0.0, f64::max);
    let frame = Frame::new(x_min, x_max, y_max);
    axes(&mut out, &frame, x_label, y_label);
    for band in bands {
        let mut d = String::new();
        for (i, &(x, y)) in band.upper.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                frame.x(x),
                frame.y(y)
            );
        }
        for &(x, y) in band.lower.iter().rev() {
            let _ = write!(d, "L{:.1},{:.1}", frame.x(x), frame.y(y));
        }
        let _ = write!(
            out,
            "<path class=\"band\" d=\"{d}Z\" fill=\"{}\" stroke=\"none\"/>",
            band.color
        );
    }
    for line in lines {
        let mut d = String::new();
        for (i, &(x, y)) in line.points.iter().enumerate() {
            if i == 0 {
                let _ = write!(d, "M{:.1},{:.1}", frame.x(x), frame.y(y));
            } else if line.step {
                let _ = write!(d, "H{:.1}V{:.1}", frame.x(x), frame.y(y));
            } else {
                let _ = write!(d, "L{:.1},{:.1}", frame.x(x), frame.y(y));
            }
        }
        let _ = write!(
            out,
            "<path class=\"line\" data-series=\"{}\" data-points=\"{}\" d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            escape(line.name),
            line.points.len(),
            line.color
        );
    }
    let entries: Vec<(&str, &str)> = lines.iter().map(|l| (l.name, l.color)).collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
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
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_axis_ends_on_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(1.0), 1.0);
        assert_eq!(nice_ceiling(1.2), 2.0);
        assert_eq!(nice_ceiling(37.0), 50.0);
        assert_eq!(nice_ceiling(501.0), 1000.0);
        assert!((nice_ceiling(0.03) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn a_chart_without_data_says_so_instead_of_dividing_by_zero() {
        let svg = line_chart("c", "t", "x", "y", &[], &[]);
        assert!(svg.contains("no samples") && svg.ends_with("</svg>"));
        let svg = bar_chart("b", "t", "x", "y", "#000", &[]);
        assert!(svg.contains("no samples") && svg.ends_with("</svg>"));
    }

    #[test]
    fn points_map_onto_the_plot_area() {
        let svg = line_chart(
            "c",
            "t",
            "x",
            "y",
            &[Line {
                name: "n",
                color: "#000",
                points: vec![(0.0, 0.0), (10.0, 100.0)],
                step: false,
            }],
            &[],
        );
        // (0, 0) is the plot's bottom-left corner; (10, 100) its top-right.
        let start = format!("M{LEFT:.1},{:.1}", HEIGHT - BOTTOM);
        let end = format!("L{:.1},{TOP:.1}", WIDTH - RIGHT);
        assert!(svg.contains(&format!("d=\"{start}{end}\"")), "{svg}");
    }
}
