//! The experiment's charts: mean and p99 against each numeric factor, one
//! line per request label over its 95 % band, and throughput.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use storefront_report::TOTAL_LABEL;
use storefront_report::svg::{self, Frame, escape};

use crate::analysis::{Analysis, CombinationSummary};
use crate::plan::{Plan, slug};

const COLORS: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// A chart and the name of its SVG file.
pub(super) struct Chart {
    pub(super) file: String,
    pub(super) title: String,
    pub(super) svg: String,
}

/// The request labels of a chart's combinations: every label but `TOTAL`,
/// which only repeats them; `TOTAL` alone if there is nothing else.
fn chart_labels<'a>(summaries: &[&'a CombinationSummary]) -> Vec<&'a str> {
    let mut labels: Vec<&str> = Vec::new();
    for summary in summaries {
        for label in &summary.labels {
            if label.label != TOTAL_LABEL && !labels.contains(&label.label.as_str()) {
                labels.push(&label.label);
            }
        }
    }
    if labels.is_empty() {
        labels.push(TOTAL_LABEL);
    }
    labels
}

/// A point with its interval: (x, y, low, high).
type Point = (f64, f64, f64, f64);

/// Per numeric factor, and per setting of the other factors: mean and p99
/// latency against the factor with 95 % bootstrap bands, one line per
/// request label; then throughput against the factor with its range over
/// the repetitions, one line per setting of the other factors.
pub(super) fn charts(plan: &Plan, analysis: &Analysis) -> Vec<Chart> {
    let mut charts = Vec::new();
    for (fi, factor) in plan.definition.factors.iter().enumerate() {
        if !factor.is_numeric() {
            continue;
        }
        let base = slug(&factor.name);
        // The other factors' setting -> its combinations, with x values.
        let mut groups: BTreeMap<String, Vec<(f64, &CombinationSummary)>> = BTreeMap::new();
        for (combination, summary) in plan.combinations.iter().zip(&analysis.combinations) {
            if let Some(x) = plan.numeric_level(fi, combination) {
                groups
                    .entry(others_name(summary, fi))
                    .or_default()
                    .push((x, summary));
            }
        }
        let mut rate: BTreeMap<String, Vec<Point>> = BTreeMap::new();
        for (others, members) in &groups {
            let summaries: Vec<&CombinationSummary> = members.iter().map(|m| m.1).collect();
            let mut mean: BTreeMap<String, Vec<Point>> = BTreeMap::new();
            let mut p99: BTreeMap<String, Vec<Point>> = BTreeMap::new();
            for label in chart_labels(&summaries) {
                for (x, summary) in members {
                    let Some(stats) = summary.labels.iter().find(|l| l.label == label) else {
                        continue;
                    };
                    let Some(ci) = stats.intervals else { continue };
                    if let Some(m) = stats.mean {
                        mean.entry(label.to_owned()).or_default().push((
                            *x,
                            m,
                            ci.mean.low,
                            ci.mean.high,
                        ));
                    }
                    if let Some(p) = stats.p99 {
                        p99.entry(label.to_owned()).or_default().push((
                            *x,
                            p,
                            ci.p99.low,
                            ci.p99.high,
                        ));
                    }
                }
            }
            for (x, summary) in members {
                if let (Some(m), Some(lo), Some(hi)) = (
                    summary.throughput_mean,
                    summary.throughput_min,
                    summary.throughput_max,
                ) {
                    let name = if others.is_empty() {
                        "all requests".to_owned()
                    } else {
                        others.clone()
                    };
                    rate.entry(name).or_default().push((*x, m, lo, hi));
                }
            }
            let (suffix, title_suffix) = if others.is_empty() {
                (String::new(), String::new())
            } else {
                (format!("-{}", slug(others)), format!(" ({others})"))
            };
            for (kind, series, title, y_label) in [
                ("mean", mean, "Mean latency", "mean latency (ms), 95 % CI"),
                (
                    "p99",
                    p99,
                    "99th percentile latency",
                    "p99 latency (ms), 95 % CI",
                ),
            ] {
                let title = format!("{title} against {}{title_suffix}", factor.name);
                charts.push(Chart {
                    file: format!("{kind}-vs-{base}{suffix}.svg"),
                    svg: band_chart(
                        &format!("{kind}-{base}{suffix}"),
                        &title,
                        &factor.name,
                        y_label,
                        series,
                    ),
                    title,
                });
            }
        }
        let title = format!("Throughput against {}", factor.name);
        charts.push(Chart {
            file: format!("throughput-vs-{base}.svg"),
            svg: band_chart(
                &format!("throughput-{base}"),
                &title,
                &factor.name,
                "requests/s (range over runs)",
                rate,
            ),
            title,
        });
    }
    charts
}

/// The other factors' levels of a combination, `cache=on`.
fn others_name(summary: &CombinationSummary, factor: usize) -> String {
    summary
        .levels
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != factor)
        .map(|(_, (f, l))| format!("{f}={l}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lines with a marker on every point (levels are few) over tinted bands
/// of their intervals.
fn band_chart(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: BTreeMap<String, Vec<Point>>,
) -> String {
    let mut out = String::new();
    svg::open(&mut out, id, title);
    let all = || series.values().flatten();
    let Some(x_min) = all().map(|p| p.0).reduce(f64::min) else {
        svg::no_data(&mut out);
        return out;
    };
    let x_max = all().map(|p| p.0).fold(x_min, f64::max);
    let y_max = all().map(|p| p.1.max(p.3)).fold(0.0, f64::max);
    let frame = Frame::new(x_min, x_max, y_max);
    svg::axes(&mut out, &frame, x_label, y_label);
    let mut legend = Vec::new();
    for (i, (name, points)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mut points = points.clone();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The interval: along its upper ends, back along its lower ones.
        let mut band = frame.path();
        for p in &points {
            band.to(p.0, p.3);
        }
        for p in points.iter().rev() {
            band.to(p.0, p.2);
        }
        let band = band.closed();
        let _ = write!(
            out,
            "<path class=\"band\" d=\"{band}\" fill=\"{color}\" fill-opacity=\"0.2\" stroke=\"none\"/>"
        );
        let mut line = frame.path();
        for p in &points {
            line.to(p.0, p.1);
        }
        let line = line.open();
        let _ = write!(
            out,
            "<path class=\"line\" data-series=\"{}\" data-points=\"{}\" d=\"{line}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"/>",
            escape(name),
            points.len()
        );
        for p in &points {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"><title>{}: {:.2} [{:.2}, {:.2}]</title></circle>",
                frame.x(p.0),
                frame.y(p.1),
                escape(name),
                p.1,
                p.2,
                p.3
            );
        }
        legend.push((name.as_str(), color));
    }
    svg::legend(&mut out, &legend);
    out.push_str("</svg>");
    out
}
