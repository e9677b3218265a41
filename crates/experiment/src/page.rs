//! The experiment's result files: `summary.json` (every figure),
//! `experiment.md` (tables and verdicts), `experiment.html` (one
//! self-contained page: charts, tables, failed cells, links to each cell's
//! report and each comparison) and the charts as standalone SVG files in
//! `plots/`, for documents.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use storefront_compare::{format_p_value, format_signed};
use storefront_report::TOTAL_LABEL;
use storefront_report::svg::{self, Frame, escape};

use crate::ExperimentError;
use crate::analysis::{Analysis, CombinationSummary};
use crate::plan::{Plan, slug};
use crate::state::{CellStatus, State};

const COLORS: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// A chart and the name of its SVG file.
struct Chart {
    file: String,
    title: String,
    svg: String,
}

pub fn write_all(
    plan: &Plan,
    state: &State,
    analysis: &Analysis,
    out: &Path,
) -> Result<(), ExperimentError> {
    let charts = charts(plan, analysis);
    let plots = out.join("plots");
    // Plots of an earlier analysis (before a resume) would linger.
    let _ = std::fs::remove_dir_all(&plots);
    write(&plots, None)?;
    for chart in &charts {
        write(&plots.join(&chart.file), Some(&chart.svg))?;
    }
    let summary = serde_json::json!({
        "experiment": state.experiment,
        "description": state.description,
        "fingerprint": state.fingerprint,
        "git_revision": state.git_revision,
        "host": state.host,
        "created": state.created,
        "updated": state.updated,
        "cells_ran": { "first_start": state.ran().0, "last_end": state.ran().1 },
        "quick": state.quick,
        "cells": {
            "total": state.cells.len(),
            "done": state.count(CellStatus::Done),
            "failed": state.count(CellStatus::Failed),
            "pending": state.count(CellStatus::Pending),
        },
        "analysis": analysis,
    });
    write(
        &out.join("summary.json"),
        Some(&serde_json::to_string_pretty(&summary).unwrap_or_default()),
    )?;
    write(&out.join("experiment.md"), Some(&markdown(state, analysis)))?;
    write(
        &out.join("experiment.html"),
        Some(&html(state, analysis, &charts)),
    )?;
    Ok(())
}

/// Writes a file, or creates a folder when `text` is `None`.
fn write(path: &Path, text: Option<&str>) -> Result<(), ExperimentError> {
    let result = match text {
        Some(text) => std::fs::write(path, text),
        None => std::fs::create_dir_all(path),
    };
    result.map_err(|source| ExperimentError::Write {
        path: path.to_owned(),
        source,
    })
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
fn charts(plan: &Plan, analysis: &Analysis) -> Vec<Chart> {
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
                            f64::from(p),
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
        let mut band = String::new();
        for (j, p) in points.iter().enumerate() {
            let _ = write!(
                band,
                "{}{:.1},{:.1}",
                if j == 0 { "M" } else { "L" },
                frame.x(p.0),
                frame.y(p.3)
            );
        }
        for p in points.iter().rev() {
            let _ = write!(band, "L{:.1},{:.1}", frame.x(p.0), frame.y(p.2));
        }
        let _ = write!(
            out,
            "<path class=\"band\" d=\"{band}Z\" fill=\"{color}\" fill-opacity=\"0.2\" stroke=\"none\"/>"
        );
        let mut line = String::new();
        for (j, p) in points.iter().enumerate() {
            let _ = write!(
                line,
                "{}{:.1},{:.1}",
                if j == 0 { "M" } else { "L" },
                frame.x(p.0),
                frame.y(p.1)
            );
        }
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

fn fmt_ms(value: Option<f64>) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.2}"))
}

/// One row per combination and label: n, mean [CI], p99 [CI], errors.
fn figures_table(analysis: &Analysis) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for c in &analysis.combinations {
        let rate = c
            .throughput_mean
            .map_or_else(|| "–".into(), |r| format!("{r:.1}"));
        if c.labels.is_empty() {
            rows.push(vec![
                c.name.clone(),
                "–".into(),
                format!("{}", c.runs),
                rate,
                "–".into(),
                "no finished run".into(),
                "–".into(),
                "–".into(),
            ]);
            continue;
        }
        for label in &c.labels {
            let ci = label.intervals;
            rows.push(vec![
                c.name.clone(),
                label.label.clone(),
                format!("{}", c.runs),
                rate.clone(),
                format!("{}", label.n),
                format!(
                    "{} [{}, {}]",
                    fmt_ms(label.mean),
                    fmt_ms(ci.map(|c| c.mean.low)),
                    fmt_ms(ci.map(|c| c.mean.high))
                ),
                format!(
                    "{} [{}, {}]",
                    label.p99.map_or_else(|| "–".into(), |p| p.to_string()),
                    fmt_ms(ci.map(|c| c.p99.low)),
                    fmt_ms(ci.map(|c| c.p99.high))
                ),
                format!("{}", label.errors),
            ]);
        }
    }
    rows
}

const FIGURE_HEADERS: [&str; 8] = [
    "Combination",
    "Label",
    "Runs",
    "Req/s (mean)",
    "n",
    "Mean ms [95 % CI]",
    "p99 ms [95 % CI]",
    "Errors",
];

fn verdict_rows(analysis: &Analysis) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for comparison in &analysis.comparisons {
        for pair in &comparison.pairs {
            rows.push(vec![
                comparison.factor.clone(),
                format!("{} vs {}", pair.a, pair.b),
                pair.label.clone(),
                format_p_value(pair.p_adjusted),
                format_signed(pair.effect_size),
                pair.verdict.clone(),
            ]);
        }
    }
    rows
}

const VERDICT_HEADERS: [&str; 6] = [
    "Factor",
    "Pair",
    "Label",
    "p (Holm)",
    "Hedges g (B vs A)",
    "Verdict",
];

/// What the figures' intervals are, for both pages.
fn intervals_sentence(analysis: &Analysis) -> String {
    format!(
        "Latency in ms; intervals are 95 % bootstrap intervals ({} resamples) over the pooled runs of each combination, first {} s of each run left out.",
        analysis.compare_options.bootstrap_resamples,
        analysis.compare_options.warmup.as_secs_f64()
    )
}

fn markdown(state: &State, analysis: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Experiment `{}`\n", state.experiment);
    if let Some(description) = &state.description {
        let _ = writeln!(out, "{description}\n");
    }
    let _ = writeln!(
        out,
        "Revision {}, host {}, {} – {}{}. Cells: {} done, {} failed, {} not run.\n",
        state.git_revision.as_deref().unwrap_or("unknown"),
        state.host,
        state.ran().0,
        state.ran().1,
        if state.quick { " (--quick)" } else { "" },
        state.count(CellStatus::Done),
        state.count(CellStatus::Failed),
        state.count(CellStatus::Pending),
    );
    let _ = writeln!(out, "{}\n", intervals_sentence(analysis));
    md_table(&mut out, &FIGURE_HEADERS, &figures_table(analysis));
    let verdicts = verdict_rows(analysis);
    if !verdicts.is_empty() {
        let _ = writeln!(
            out,
            "\n## Levels compared (Welch and Mann–Whitney, Holm-corrected, α = {})\n",
            analysis.compare_options.alpha
        );
        md_table(&mut out, &VERDICT_HEADERS, &verdicts);
    }
    let failed: Vec<_> = state
        .cells
        .iter()
        .filter(|c| c.status == CellStatus::Failed)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\n## Failed cells\n");
        for cell in failed {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                cell.id,
                cell.error.as_deref().unwrap_or("").replace('\n', " ")
            );
        }
    }
    out
}

fn md_table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(headers.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

fn html_table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for header in headers {
        let _ = write!(out, "<th>{}</th>", escape(header));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn html(state: &State, analysis: &Analysis, charts: &[Chart]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Experiment {name}</title>\
<style>body{{font-family:sans-serif;margin:2em;max-width:1000px}}table{{border-collapse:collapse;margin:1em 0}}\
th,td{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#f4f4f4}}td:first-child,td:nth-child(2){{text-align:left}}\
.failed{{color:#b00}}svg{{max-width:100%;height:auto}}</style></head><body><h1>Experiment {name}</h1>",
        name = escape(&state.experiment)
    );
    if let Some(description) = &state.description {
        let _ = write!(out, "<p>{}</p>", escape(description));
    }
    let _ = write!(
        out,
        "<p id=\"meta\">Revision {}, host {}, {} – {}{}. Cells: <span id=\"done\">{}</span> done, <span id=\"failed\">{}</span> failed, <span id=\"pending\">{}</span> not run. Definition {}.</p>",
        escape(state.git_revision.as_deref().unwrap_or("unknown")),
        escape(&state.host),
        escape(state.ran().0),
        escape(state.ran().1),
        if state.quick { " (--quick)" } else { "" },
        state.count(CellStatus::Done),
        state.count(CellStatus::Failed),
        state.count(CellStatus::Pending),
        escape(&state.fingerprint),
    );
    for chart in charts {
        let _ = write!(out, "<h3>{}</h3>", escape(&chart.title));
        out.push_str(&chart.svg);
    }
    let _ = write!(
        out,
        "<h2>Figures</h2><p>{}</p>",
        escape(&intervals_sentence(analysis))
    );
    html_table(&mut out, &FIGURE_HEADERS, &figures_table(analysis));
    let verdicts = verdict_rows(analysis);
    if !verdicts.is_empty() {
        let _ = write!(
            out,
            "<h2>Levels compared</h2><p>Welch's t and Mann–Whitney U per pair of levels, Holm-corrected within each comparison, α = {}. Each comparison's own page shows the distributions:</p><ul>",
            analysis.compare_options.alpha
        );
        for comparison in &analysis.comparisons {
            let link = comparison.folder.join("compare.html");
            let holding: Vec<String> = comparison
                .holding
                .iter()
                .map(|(f, l)| format!("{f}={l}"))
                .collect();
            let _ = write!(
                out,
                "<li><a href=\"{}\">{}{}</a></li>",
                escape(&link.to_string_lossy()),
                escape(&comparison.factor),
                if holding.is_empty() {
                    String::new()
                } else {
                    escape(&format!(" with {}", holding.join(" ")))
                }
            );
        }
        out.push_str("</ul>");
        html_table(&mut out, &VERDICT_HEADERS, &verdicts);
    }
    out.push_str("<h2>Cells, in the order they ran</h2><table><thead><tr><th>Cell</th><th>Status</th><th>Attempts</th><th>Samples</th><th>Errors</th><th>Req/s</th><th>Note</th></tr></thead><tbody>");
    for cell in &state.cells {
        let status = match cell.status {
            CellStatus::Done => "done",
            CellStatus::Failed => "failed",
            CellStatus::Pending => "not run",
        };
        let name = if cell.status == CellStatus::Done {
            format!(
                "<a href=\"cells/{id}/report.html\">{id}</a>",
                id = escape(&cell.id)
            )
        } else {
            escape(&cell.id)
        };
        let _ = write!(
            out,
            "<tr class=\"{status}\"><td>{name}</td><td>{status}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td></tr>",
            cell.attempts,
            cell.samples,
            cell.errors,
            cell.throughput_per_sec,
            escape(cell.error.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table></body></html>\n");
    out
}
