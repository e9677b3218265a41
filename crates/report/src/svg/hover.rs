//! Values on hover without a script: invisible full-height columns over a
//! chart, each holding a `<title>` that the browser shows as a tooltip when
//! the pointer rests on it.

use std::fmt::Write as _;

use super::{BOTTOM, Frame, HEIGHT, TOP, escape};

/// At most this many columns per chart: a long run's per-second series is
/// thinned (each kept column then covers its neighbours too) so the page
/// stays small.
const MAX_SPANS: usize = 1200;

/// An x range, in data units, and what hovering over it shows.
pub(crate) struct HoverSpan {
    pub from: f64,
    pub to: f64,
    pub text: String,
}

/// Draws the spans as transparent columns (on top, so they catch the
/// pointer; they paint nothing).
pub(crate) fn hover_spans(out: &mut String, frame: &Frame, spans: &[HoverSpan]) {
    if spans.is_empty() {
        return;
    }
    let group = spans.len().div_ceil(MAX_SPANS);
    for chunk in spans.chunks(group) {
        let shown = &chunk[chunk.len() / 2];
        let (from, to) = (chunk[0].from, chunk[chunk.len() - 1].to);
        let (x0, x1) = (frame.x(from), frame.x(to));
        // A single point's span has no width: give it a few pixels.
        let (x0, width) = if x1 - x0 < 4.0 {
            ((x0 + x1) / 2.0 - 2.0, 4.0)
        } else {
            (x0, x1 - x0)
        };
        let _ = write!(
            out,
            "<rect class=\"hover\" x=\"{x0:.1}\" y=\"{TOP}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"transparent\"><title>{}</title></rect>",
            HEIGHT - TOP - BOTTOM,
            escape(&shown.text)
        );
    }
}

/// A value for reading: whole numbers as such, others with up to three
/// decimals (one from 100 up), without trailing zeros.
pub(crate) fn short_number(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    if (value - value.round()).abs() < 1e-9 {
        return format!("{}", value.round() as i64);
    }
    let text = if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    };
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_short() {
        assert_eq!(short_number(12.0), "12");
        assert_eq!(short_number(0.41234), "0.412");
        assert_eq!(short_number(0.5), "0.5");
        assert_eq!(short_number(1234.56), "1234.6");
        assert_eq!(short_number(f64::NAN), "–");
    }

    #[test]
    fn each_span_is_a_transparent_column_with_its_text_and_long_series_are_thinned() {
        let frame = Frame::new(0.0, 10.0, 1.0);
        let mut out = String::new();
        let span = |x: f64| HoverSpan {
            from: x,
            to: x + 1.0,
            text: format!("t {x} <ms>"),
        };
        hover_spans(&mut out, &frame, &[span(0.0), span(1.0)]);
        assert_eq!(out.matches("<rect class=\"hover\"").count(), 2);
        assert!(out.contains("<title>t 0 &lt;ms&gt;</title>"), "{out}");
        let many: Vec<HoverSpan> = (0..5000).map(|i| span(f64::from(i))).collect();
        let mut out = String::new();
        hover_spans(&mut out, &frame, &many);
        assert!(out.matches("<rect").count() <= MAX_SPANS);
    }
}
