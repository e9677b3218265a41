//! Grouped horizontal bars: one group per category (a label), one bar per
//! series (mean, median, p90, …) in each, as JMeter's Aggregate Graph.
//! Horizontal so that long label names stay readable on the left; the
//! chart grows taller with the number of groups.

use std::fmt::Write as _;

use super::hover::short_number;
use super::{BOTTOM, RIGHT, TOP, WIDTH, escape, legend, nice_ceiling, no_data, open_sized};

/// Room on the left for the category names.
const NAMES: f64 = 260.0;
/// Longest name drawn in full; longer ones are cut (the whole name is in
/// the hover text).
const NAME_CHARS: usize = 36;
const BAR: f64 = 7.0;
const GAP: f64 = 12.0;

/// The data of a grouped bar chart.
pub struct GroupedBars<'a> {
    /// `(name, color)` of each series, in the order of the values.
    pub series: &'a [(&'a str, &'a str)],
    /// Each category's name and one value per series.
    pub groups: Vec<(&'a str, Vec<f64>)>,
}

/// Draws `bars`; `unit` names the values' unit on the axis and in the
/// hover texts.
pub fn grouped_bar_chart(id: &str, title: &str, unit: &str, bars: &GroupedBars) -> String {
    let per_group = bars.series.len() as f64 * BAR + GAP;
    let height = TOP + bars.groups.len().max(1) as f64 * per_group + BOTTOM;
    let mut out = String::new();
    open_sized(&mut out, id, title, height);
    let values = || bars.groups.iter().flat_map(|(_, v)| v.iter().copied());
    if bars.groups.is_empty() || values().count() == 0 {
        no_data(&mut out);
        return out;
    }
    let max = nice_ceiling(values().filter(|v| v.is_finite()).fold(0.0, f64::max));
    let (x0, x1) = (NAMES, WIDTH - RIGHT);
    let x = |value: f64| x0 + value.max(0.0) / max * (x1 - x0);
    let bottom = height - BOTTOM;
    for i in 0..=4 {
        let value = max * f64::from(i) / 4.0;
        let at = x(value);
        let _ = write!(
            out,
            "<line x1=\"{at:.1}\" y1=\"{TOP}\" x2=\"{at:.1}\" y2=\"{bottom:.1}\" stroke=\"#e4e4e4\"/><text x=\"{at:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 16.0,
            short_number(value)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{x0}\" y1=\"{TOP}\" x2=\"{x0}\" y2=\"{bottom:.1}\" stroke=\"#888\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (x0 + x1) / 2.0,
        height - 6.0,
        escape(unit)
    );
    for (g, (name, group_values)) in bars.groups.iter().enumerate() {
        let top = TOP + g as f64 * per_group + GAP / 2.0;
        let shown: String = if name.chars().count() > NAME_CHARS {
            name.chars().take(NAME_CHARS - 1).chain(['…']).collect()
        } else {
            (*name).to_owned()
        };
        let _ = write!(
            out,
            "<text class=\"group\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            x0 - 6.0,
            top + per_group / 2.0 - GAP / 2.0 + 4.0,
            escape(name),
            escape(&shown)
        );
        for (s, ((series, color), value)) in bars.series.iter().zip(group_values).enumerate() {
            let y = top + s as f64 * BAR;
            let _ = write!(
                out,
                "<rect class=\"bar\" data-group=\"{}\" data-series=\"{}\" data-value=\"{value}\" x=\"{x0}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {} {} {}</title></rect>",
                escape(name),
                escape(series),
                (x(*value) - x0).max(0.5),
                BAR - 1.0,
                escape(name),
                escape(series),
                short_number(*value),
                escape(unit)
            );
        }
    }
    legend(&mut out, bars.series);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_group_gets_a_bar_per_series_with_its_value_on_hover() {
        let series = [("mean", "#111"), ("p99", "#222")];
        let long = "Product Catalog/Get products/products and more besides";
        let svg = grouped_bar_chart(
            "g",
            "Aggregate",
            "ms",
            &GroupedBars {
                series: &series,
                groups: vec![("query", vec![0.4, 1.2]), (long, vec![3.0, 9.5])],
            },
        );
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 4);
        assert!(svg.contains("<title>query: p99 1.2 ms</title>"), "{svg}");
        assert!(svg.contains(&format!("<title>{long}</title>")));
        assert!(svg.contains('…'), "a long name is cut where it is drawn");
        assert!(svg.ends_with("</svg>"));
        let empty = grouped_bar_chart(
            "e",
            "t",
            "ms",
            &GroupedBars {
                series: &series,
                groups: vec![],
            },
        );
        assert!(empty.contains("no samples"));
    }
}
