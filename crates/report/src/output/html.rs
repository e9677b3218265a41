//! `report.html`: one self-contained page (inline CSS and SVG, no scripts,
//! nothing fetched) with the run's details, the aggregate table and graphs.

use std::fmt::Write as _;

use super::cells::{COLUMNS, cells, resolution_note};
use super::label_charts::{aggregate_graph, html_legend, response_time_by_label};
use crate::Report;
use crate::svg::{Band, Bar, Line, bar_chart, escape, line_chart};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;font-size:14px}\
th,td{border:1px solid #ccc;padding:4px 8px}td{text-align:right}td.label{text-align:left}\
tr.total{font-weight:bold;background:#f3f3f3}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}\
dt{font-weight:bold}figure{margin:2em 0}figcaption{font-weight:bold;margin-bottom:4px}\
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}\
ul.legend span{display:inline-block;width:10px;height:10px;margin-right:6px}\
td.text{text-align:left}tr.fail td{background:#fde0dd;font-weight:bold}rect.hover:hover{fill:#000;fill-opacity:0.06}";

pub fn render(report: &Report) -> String {
    let mut page = String::new();
    let run = &report.run;
    let title = if run.scenario.is_empty() {
        "Load test report".to_owned()
    } else {
        format!("Load test report: {}", run.scenario)
    };
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    page.push_str("<dl id=\"run\">");
    for (name, value) in [
        ("Scenario", run.scenario.as_str()),
        (
            "Git revision",
            run.git_revision.as_deref().unwrap_or("unknown"),
        ),
        ("Host", run.host.as_str()),
        ("Started", run.started.as_str()),
        ("Ended", run.ended.as_str()),
    ] {
        let _ = write!(page, "<dt>{name}</dt><dd>{}</dd>", escape(value));
    }
    page.push_str("</dl>\n<h2>Aggregate report</h2>\n");
    push_table(&mut page, report);
    push_thresholds(&mut page, report);
    push_errors(&mut page, report);
    page.push_str(
        "<h2>Graphs</h2>\n<p class=\"note\">Hover over a graph to read its values.</p>\n",
    );
    for (caption, svg) in charts(report) {
        let _ = write!(
            page,
            "<figure><figcaption>{}</figcaption>\n{svg}\n</figure>\n",
            escape(caption)
        );
    }
    page.push_str("<h2 id=\"labels\">Per label</h2>\n");
    if let Some(svg) = response_time_by_label(report) {
        let legend = html_legend(report).unwrap_or_default();
        let _ = write!(
            page,
            "<figure><figcaption>Response time over time, per label (JMeter's Response Time Graph)</figcaption>\n{svg}\n{legend}</figure>\n"
        );
    }
    let _ = write!(
        page,
        "<figure><figcaption>Aggregate graph: mean, median, 90/95/99 % lines per label</figcaption>\n{}\n</figure>\n",
        aggregate_graph(report)
    );
    if !report.server().is_empty() {
        page.push_str(
            "<h2 id=\"server\">Server</h2>\n<p>Scraped from each service's <code>/metrics</code> \
             once a second during the run; time is on the client graphs' axis.</p>\n",
        );
        for (caption, svg) in server_charts(report) {
            let _ = write!(
                page,
                "<figure><figcaption>{}</figcaption>\n{svg}\n</figure>\n",
                escape(caption)
            );
        }
    }
    page.push_str("</body></html>\n");
    page
}

/// One colour per service, in the services' (alphabetical) order.
const SERVICE_COLORS: &[&str] = &["#08519c", "#31a354", "#e6550d", "#756bb1", "#636363"];

/// CPU, memory, request rate and writes per group commit over time, a line
/// per service.
fn server_charts(report: &Report) -> [(&'static str, String); 4] {
    let origin_ms = report
        .time_series()
        .first()
        .map(|p| p.epoch_ms)
        .or_else(|| {
            let firsts = report.server().values().filter_map(|s| s.samples.first());
            firsts.map(|s| s.epoch_ms).min()
        })
        .unwrap_or_default();
    let rates: Vec<(&str, Vec<crate::server::ServerRate>)> = report
        .server()
        .iter()
        .map(|(service, series)| (service.as_str(), series.rates()))
        .collect();
    let lines = |value: fn(&crate::server::ServerRate) -> Option<f64>| -> Vec<Line<'_>> {
        rates
            .iter()
            .zip(SERVICE_COLORS.iter().cycle())
            .map(|((service, rates), color)| Line {
                name: service,
                color,
                points: rates
                    .iter()
                    .filter_map(|r| Some(((r.epoch_ms - origin_ms) as f64 / 1000.0, value(r)?)))
                    .collect(),
                step: false,
            })
            .collect()
    };
    let chart = |id: &str, title: &str, unit: &str, value| {
        line_chart(id, title, "seconds", unit, &lines(value), &[])
    };
    [
        (
            "CPU per service (cores busy; 1 = one core all the time)",
            chart("chart-server-cpu", "CPU over time", "cores", |r| {
                Some(r.cpu_cores)
            }),
        ),
        (
            "Memory per service (resident set)",
            chart("chart-server-memory", "Memory over time", "MiB", |r| {
                Some(r.rss_bytes as f64 / (1024.0 * 1024.0))
            }),
        ),
        (
            "Requests served per second, per service",
            chart(
                "chart-server-requests",
                "Request rate over time",
                "requests/s",
                |r| Some(r.requests_per_sec),
            ),
        ),
        (
            "Writes per group commit (SQLite writers; none on PostgreSQL)",
            chart(
                "chart-server-commit-batch",
                "Commit batch size over time",
                "writes/commit",
                |r| r.writes_per_commit,
            ),
        ),
    ]
}

/// The aggregate table. Each cell carries its column's name in
/// `data-column`, so a reader (or a test) finds figures without relying on
/// positions.
fn push_table(page: &mut String, report: &Report) {
    page.push_str("<table id=\"aggregate\"><thead><tr>");
    for column in COLUMNS {
        let _ = write!(page, "<th>{}</th>", escape(column));
    }
    page.push_str("</tr></thead><tbody>\n");
    let rows = report.rows().iter().map(|row| (row, "row"));
    for (row, class) in rows.chain([(report.total(), "total")]) {
        let _ = write!(page, "<tr class=\"{class}\">");
        for (i, (column, cell)) in COLUMNS
            .iter()
            .zip(cells(row, report.resolution()))
            .enumerate()
        {
            let cell_class = if i == 0 { " class=\"label\"" } else { "" };
            let _ = write!(
                page,
                "<td{cell_class} data-column=\"{}\">{}</td>",
                escape(column),
                escape(&cell)
            );
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table>\n");
    let _ = writeln!(
        page,
        "<p class=\"note\">{}</p>",
        escape(resolution_note(report.resolution()))
    );
}

/// Each threshold with its observed figure and verdict; nothing when none
/// was set.
fn push_thresholds(page: &mut String, report: &Report) {
    if report.thresholds().is_empty() {
        return;
    }
    page.push_str(
        "<h2 id=\"thresholds\">Thresholds</h2>\n<table id=\"thresholds-table\"><thead><tr>\
         <th>Threshold</th><th>Observed</th><th>Verdict</th></tr></thead><tbody>\n",
    );
    for t in report.thresholds() {
        let (class, verdict) = if t.passed {
            ("pass", "pass")
        } else {
            ("fail", "FAIL")
        };
        let _ = writeln!(
            page,
            "<tr class=\"{class}\"><td class=\"text\"><code>{}</code></td><td>{}</td><td class=\"text\">{verdict}</td></tr>",
            escape(&t.expr),
            escape(&t.observed_text())
        );
    }
    page.push_str("</tbody></table>\n");
}

/// Failures by response code and message; a sentence when there are none.
fn push_errors(page: &mut String, report: &Report) {
    page.push_str("<h2 id=\"errors\">Errors</h2>\n");
    if report.errors().is_empty() {
        page.push_str("<p>No failed samples.</p>\n");
        return;
    }
    page.push_str(
        "<table id=\"errors-by-code\"><thead><tr><th>Response code</th><th>Message</th>\
         <th>Count</th><th>% of errors</th><th>% of samples</th><th>Labels</th></tr></thead><tbody>\n",
    );
    for row in report.errors() {
        let _ = writeln!(
            page,
            "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{:.2}%</td><td>{:.2}%</td><td class=\"text\">{}</td></tr>",
            escape(&row.code),
            escape(&row.message),
            row.count,
            row.percent_of_errors,
            row.percent_of_samples,
            escape(&row.labels.join(", "))
        );
    }
    page.push_str("</tbody></table>\n");
}

/// The five graphs, each with its caption. Time runs in seconds from the
/// run's first second; each point is the second in which samples ended.
fn charts(report: &Report) -> [(&'static str, String); 5] {
    let series = report.time_series();
    let busy: Vec<_> = series.iter().filter(|p| p.samples > 0).collect();
    let points = |value: fn(&crate::SecondPoint) -> f64| -> Vec<(f64, f64)> {
        busy.iter().map(|p| (p.t as f64, value(p))).collect()
    };
    let (p50, p90, p99) = (
        points(|p| p.p50_ms),
        points(|p| p.p90_ms),
        points(|p| p.p99_ms),
    );
    let response_time = line_chart(
        "chart-response-time",
        "Response time over time (per-second percentiles)",
        "seconds",
        "ms",
        &[
            Line {
                name: "p50",
                color: "#08519c",
                points: p50.clone(),
                step: false,
            },
            Line {
                name: "p90",
                color: "#e6550d",
                points: p90.clone(),
                step: false,
            },
            Line {
                name: "p99",
                color: "#a50f15",
                points: p99.clone(),
                step: false,
            },
        ],
        &[
            Band {
                color: "#c6dbef",
                lower: &p50,
                upper: &p90,
            },
            Band {
                color: "#fdd0a2",
                lower: &p90,
                upper: &p99,
            },
        ],
    );
    let every_second = |value: fn(&crate::SecondPoint) -> f64| -> Vec<(f64, f64)> {
        series.iter().map(|p| (p.t as f64, value(p))).collect()
    };
    let throughput = line_chart(
        "chart-throughput",
        "Throughput over time",
        "seconds",
        "samples/s",
        &[Line {
            name: "samples/s",
            color: "#31a354",
            points: every_second(|p| p.samples as f64),
            step: false,
        }],
        &[],
    );
    let users = line_chart(
        "chart-active-users",
        "Active users over time",
        "seconds",
        "users",
        &[Line {
            name: "active users",
            color: "#756bb1",
            points: every_second(|p| f64::from(p.active_users)),
            step: true,
        }],
        &[],
    );
    let bins: Vec<Bar> = report
        .latency_distribution()
        .iter()
        .map(|b| Bar {
            from: b.from_ms,
            to: b.to_ms,
            value: b.samples as f64,
        })
        .collect();
    let distribution = bar_chart(
        "chart-latency-distribution",
        "Response time distribution",
        "ms",
        "samples",
        "#3182bd",
        &bins,
    );
    let error_bars: Vec<Bar> = series
        .iter()
        .map(|p| Bar {
            from: p.t as f64,
            to: p.t as f64 + 1.0,
            value: p.errors as f64,
        })
        .collect();
    let errors = bar_chart(
        "chart-errors",
        "Errors over time",
        "seconds",
        "errors/s",
        "#de2d26",
        &error_bars,
    );
    [
        (
            "Response time over time: p50, p90 and p99 of each second, bands between them",
            response_time,
        ),
        ("Throughput over time", throughput),
        ("Active users over time", users),
        ("Response time distribution (all samples)", distribution),
        ("Errors over time", errors),
    ]
}
