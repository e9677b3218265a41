//! The experiment's result files: `summary.json` (every figure),
//! `experiment.md` (tables and verdicts), `experiment.html` (one
//! self-contained page: charts, tables, failed cells, links to each cell's
//! report and each comparison) and the charts as standalone SVG files in
//! `plots/`, for documents.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use storefront_compare::LabelStats;
use storefront_report::TOTAL_LABEL;
use storefront_report::svg::{self, Band, Line, escape};

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

/// The labels worth a line: every label, but `TOTAL` only when it is the
/// only one (it would repeat a single label).
fn plotted_labels(labels: &[LabelStats]) -> impl Iterator<Item = &LabelStats> {
    let single = labels.iter().filter(|l| l.label != TOTAL_LABEL).count() <= 1;
    labels.iter().filter(move |l| {
        if single {
            l.label == TOTAL_LABEL
        } else {
            l.label != TOTAL_LABEL
        }
    })
}

/// Per numeric factor: mean latency and p99 with their 95 % bootstrap
/// bands, and throughput with the range over repetitions; one line per
/// request label and setting of the other factors.
fn charts(plan: &Plan, analysis: &Analysis) -> Vec<Chart> {
    let mut charts = Vec::new();
    for (fi, factor) in plan.definition.factors.iter().enumerate() {
        if !factor.is_numeric() {
            continue;
        }
        // series name -> (x, y, low, high) points
        let mut mean: BTreeMap<String, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
        let mut p99: BTreeMap<String, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
        let mut rate: BTreeMap<String, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
        for (combination, summary) in plan.combinations.iter().zip(&analysis.combinations) {
            let Some(x) = plan.numeric_level(fi, combination) else {
                continue;
            };
            let others = others_name(summary, fi);
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
                rate.entry(name).or_default().push((x, m, lo, hi));
            }
            for label in plotted_labels(&summary.labels) {
                let name = if others.is_empty() {
                    label.label.clone()
                } else {
                    format!("{}, {others}", label.label)
                };
                if let (Some(m), Some(ci)) = (label.mean, label.intervals) {
                    mean.entry(name.clone())
                        .or_default()
                        .push((x, m, ci.mean.low, ci.mean.high));
                }
                if let (Some(p), Some(ci)) = (label.p99, label.intervals) {
                    p99.entry(name)
                        .or_default()
                        .push((x, f64::from(p), ci.p99.low, ci.p99.high));
                }
            }
        }
        let base = slug(&factor.name);
        for (kind, series, y_label) in [
            ("mean", mean, "mean latency (ms), 95 % CI"),
            ("p99", p99, "p99 latency (ms), 95 % CI"),
            ("throughput", rate, "requests/s (range over runs)"),
        ] {
            let title = format!("{} against {}", kind_title(kind), factor.name);
            charts.push(Chart {
                file: format!("{kind}-vs-{base}.svg"),
                svg: band_chart(
                    &format!("{kind}-{base}"),
                    &title,
                    &factor.name,
                    y_label,
                    series,
                ),
            });
        }
    }
    charts
}

fn kind_title(kind: &str) -> &'static str {
    match kind {
        "mean" => "Mean latency",
        "p99" => "99th percentile latency",
        _ => "Throughput",
    }
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

fn band_chart(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: BTreeMap<String, Vec<(f64, f64, f64, f64)>>,
) -> String {
    let mut lines = Vec::new();
    let mut bounds = Vec::new();
    for (i, (name, mut points)) in series.into_iter().enumerate() {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let color = COLORS[i % COLORS.len()];
        let lower: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.2)).collect();
        let upper: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.3)).collect();
        lines.push((name, color, points.iter().map(|p| (p.0, p.1)).collect()));
        bounds.push((color, lower, upper));
    }
    let lines: Vec<Line> = lines
        .iter()
        .map(
            |(name, color, points): &(String, &str, Vec<(f64, f64)>)| Line {
                name,
                color,
                points: points.clone(),
                step: false,
            },
        )
        .collect();
    let tints: Vec<String> = bounds
        .iter()
        .map(|(color, _, _)| format!("{color}33"))
        .collect();
    let bands: Vec<Band> = bounds
        .iter()
        .zip(&tints)
        .map(|((_, lower, upper), tint)| Band {
            color: tint,
            lower,
            upper,
        })
        .collect();
    svg::line_chart(id, title, x_label, y_label, &lines, &bands)
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
                pair.p_adjusted
                    .map_or_else(|| "–".into(), |p| format!("{p:.3}")),
                pair.effect_size
                    .map_or_else(|| "–".into(), |d| format!("{d:.2}")),
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
    "Effect size",
    "Verdict",
];

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
        state.created,
        state.updated,
        if state.quick { " (--quick)" } else { "" },
        state.count(CellStatus::Done),
        state.count(CellStatus::Failed),
        state.count(CellStatus::Pending),
    );
    let _ = writeln!(
        out,
        "Latency in ms; intervals are 95 % bootstrap intervals ({} resamples) over the pooled runs of each combination, first {} s of each run left out.\n",
        analysis.compare_options.bootstrap_resamples,
        analysis.compare_options.warmup.as_secs_f64()
    );
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
        escape(&state.created),
        escape(&state.updated),
        if state.quick { " (--quick)" } else { "" },
        state.count(CellStatus::Done),
        state.count(CellStatus::Failed),
        state.count(CellStatus::Pending),
        escape(&state.fingerprint),
    );
    for chart in charts {
        out.push_str(&chart.svg);
    }
    let _ = write!(
        out,
        "<h2>Figures</h2><p>Latency in ms; 95 % bootstrap intervals ({} resamples) over the pooled runs of each combination; the first {} s of each run left out.</p>",
        analysis.compare_options.bootstrap_resamples,
        analysis.compare_options.warmup.as_secs_f64()
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
