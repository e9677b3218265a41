//! report.html's per-label graphs, as JMeter's listeners draw them: the
//! Response Time Graph (each label's mean response time over the run) and
//! the Aggregate Graph (a group of bars per label: mean, median, 90 %,
//! 95 % and 99 % lines).

use crate::Report;
use crate::svg::{GroupedBars, Line, grouped_bar_chart, legend_fits, line_chart};

/// Colours for labels, cycled when there are more labels.
pub const LABEL_COLORS: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// The colour of the label in aggregate row `slot`.
pub fn label_color(slot: usize) -> &'static str {
    LABEL_COLORS[slot % LABEL_COLORS.len()]
}

/// Each label's mean response time per second, one line per label; `None`
/// when the run has a single label (the main response-time graph already
/// shows it).
pub fn response_time_by_label(report: &Report) -> Option<String> {
    let rows = report.rows();
    if rows.len() < 2 {
        return None;
    }
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(slot, row)| Line {
            name: &row.label,
            color: label_color(slot),
            points: report
                .time_series()
                .iter()
                .filter_map(|p| Some((p.t as f64, (*p.mean_ms_by_label.get(slot)?)?)))
                .collect(),
            step: false,
        })
        .collect();
    Some(line_chart(
        "chart-response-time-by-label",
        "Response time over time, per label (mean of each second)",
        "seconds",
        "ms",
        &lines,
        &[],
    ))
}

/// Series of the aggregate graph, in bar order.
const AGGREGATE_SERIES: [(&str, &str); 5] = [
    ("mean", "#08519c"),
    ("median", "#4292c6"),
    ("90% line", "#fd8d3c"),
    ("95% line", "#e6550d"),
    ("99% line", "#a50f15"),
];

/// Mean, median and the 90/95/99 % lines of every label and TOTAL.
pub fn aggregate_graph(report: &Report) -> String {
    let groups = report
        .rows()
        .iter()
        .chain([report.total()])
        .map(|row| {
            (
                row.label.as_str(),
                vec![
                    row.average_ms,
                    row.median_ms,
                    row.p90_ms,
                    row.p95_ms,
                    row.p99_ms,
                ],
            )
        })
        .collect();
    grouped_bar_chart(
        "chart-aggregate",
        "Aggregate graph: mean, median and 90/95/99 % lines per label",
        "ms",
        &GroupedBars {
            series: &AGGREGATE_SERIES,
            groups,
        },
    )
}

/// An HTML legend of the labels' colours, for charts whose legend does not
/// fit inside the SVG; `None` when it does.
pub fn html_legend(report: &Report) -> Option<String> {
    let entries: Vec<(&str, &str)> = report
        .rows()
        .iter()
        .enumerate()
        .map(|(slot, row)| (row.label.as_str(), label_color(slot)))
        .collect();
    if legend_fits(&entries) {
        return None;
    }
    let mut html = String::from("<ul class=\"legend\">");
    for (name, color) in entries {
        html.push_str(&format!(
            "<li><span style=\"background:{color}\"></span>{}</li>",
            crate::svg::escape(name)
        ));
    }
    html.push_str("</ul>");
    Some(html)
}
