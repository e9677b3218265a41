//! `report.html`: one self-contained page (inline CSS and SVG, no scripts,
//! nothing fetched) with the run's details, the aggregate table and graphs.

use std::fmt::Write as _;

use super::cells::{COLUMNS, cells};
use crate::Report;

/// Text safe inside HTML elements and attribute values.
pub(crate) fn escape(text: &str) -> String {
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

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;font-size:14px}\
th,td{border:1px solid #ccc;padding:4px 8px}td{text-align:right}td.label{text-align:left}\
tr.total{font-weight:bold;background:#f3f3f3}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}\
dt{font-weight:bold}figure{margin:2em 0}figcaption{font-weight:bold;margin-bottom:4px}";

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
    page.push_str("</body></html>\n");
    page
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
        for (i, (column, cell)) in COLUMNS.iter().zip(cells(row)).enumerate() {
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
}
