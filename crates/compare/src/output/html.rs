//! `compare.html`: one self-contained page (inline CSS and SVG, no script,
//! nothing fetched): options, tables, notes, and per label the overlaid
//! latency distributions and sampling distributions.

use std::fmt::Write as _;

use storefront_report::svg::escape;

use super::cells::{
    BETWEEN_COLUMNS, BETWEEN_NOTE, PAIR_BETWEEN_COLUMNS, PAIR_COLUMNS, SCENARIO_COLUMNS,
    STUDY_COLUMNS, STUDY_NOTE, WITHIN_NOTE, between_cells, pair_between_cells, pair_cells,
    scenario_cells, study_cells,
};
use super::charts::{labels, latency_chart, sampling_chart};
use crate::Comparison;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;font-size:14px}\
th,td{border:1px solid #ccc;padding:4px 8px}td{text-align:right}td.text{text-align:left}\
tr.significant td{background:#fff3e0}figure{margin:2em 0}figcaption{font-weight:bold;margin-bottom:4px}";

pub(crate) fn render(c: &Comparison) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Comparison of load runs</title><style>{STYLE}</style></head><body>\n<h1>Comparison of load runs</h1>\n"
    );
    let _ = writeln!(
        page,
        "<p id=\"options\">{}</p>",
        super::cells::options_sentence(&c.options)
    );
    let _ = writeln!(page, "<h2>Scenarios</h2>\n<p>{}</p>", escape(WITHIN_NOTE));
    let rows = c
        .scenarios
        .iter()
        .flat_map(|s| s.labels.iter().map(|l| (scenario_cells(s, l), false)));
    table(&mut page, "scenarios", &SCENARIO_COLUMNS, 2, rows);
    if !c.pairs.is_empty() {
        page.push_str(
            "<h2>Pairs</h2>\n<p>Effect sizes are of B against A: positive means B is slower.</p>\n",
        );
        let rows = c
            .pairs
            .iter()
            .map(|r| (pair_cells(r, c.latency_resolution()), r.significant));
        table(&mut page, "pairs", &PAIR_COLUMNS, 3, rows);
    }
    let resolution = c.latency_resolution();
    let between: Vec<(Vec<String>, bool)> = c
        .scenarios
        .iter()
        .flat_map(|s| {
            s.labels
                .iter()
                .filter_map(|l| Some((between_cells(s, l)?, false)))
        })
        .collect();
    if !between.is_empty() {
        let _ = writeln!(
            page,
            "<h2 id=\"between-runs\">Between runs</h2>\n<p>{}</p>",
            escape(BETWEEN_NOTE)
        );
        table(
            &mut page,
            "between-runs",
            &BETWEEN_COLUMNS,
            2,
            between.into_iter(),
        );
        let pairs: Vec<(Vec<String>, bool)> = c
            .pairs
            .iter()
            .filter_map(|r| Some((pair_between_cells(r, resolution)?, false)))
            .collect();
        if !pairs.is_empty() {
            table(
                &mut page,
                "pairs-between-runs",
                &PAIR_BETWEEN_COLUMNS,
                3,
                pairs.into_iter(),
            );
        }
    }
    let study: Vec<(Vec<String>, bool)> = c
        .pairs
        .iter()
        .filter_map(|r| Some((study_cells(r, resolution)?, false)))
        .collect();
    if !study.is_empty() {
        let _ = writeln!(
            page,
            "<h2 id=\"study-test\">The bookstore study's test</h2>\n<p>{}</p>",
            escape(STUDY_NOTE)
        );
        table(
            &mut page,
            "study-test",
            &STUDY_COLUMNS,
            3,
            study.into_iter(),
        );
    }
    if !c.notes.is_empty() {
        page.push_str("<h2>Notes</h2>\n<ul id=\"notes\">");
        for note in &c.notes {
            let _ = write!(page, "<li>{}</li>", escape(note));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("<h2>Distributions</h2>\n");
    for (i, label) in labels(&c.scenarios).iter().enumerate() {
        let _ = write!(
            page,
            "<h3>{}</h3>\n<figure><figcaption>Latency distribution up to the largest p99 (fraction of each scenario's samples per bin)</figcaption>\n{}\n</figure>\n<figure><figcaption>Sampling distribution of the mean ({} samples of {})</figcaption>\n{}\n</figure>\n",
            escape(label),
            latency_chart(&format!("latency-{i}"), label, &c.scenarios),
            c.options.samples,
            c.options.sample_size,
            sampling_chart(&format!("sampling-{i}"), label, &c.scenarios),
        );
    }
    page.push_str("</body></html>\n");
    page
}

/// A table whose first `text_columns` columns are left-aligned text; each
/// cell names its column in `data-column` for readers and tests.
fn table(
    page: &mut String,
    id: &str,
    header: &[&str],
    text_columns: usize,
    rows: impl Iterator<Item = (Vec<String>, bool)>,
) {
    let _ = write!(page, "<table id=\"{id}\"><thead><tr>");
    for column in header {
        let _ = write!(page, "<th>{}</th>", escape(column));
    }
    page.push_str("</tr></thead><tbody>\n");
    for (row, highlight) in rows {
        page.push_str(if highlight {
            "<tr class=\"significant\">"
        } else {
            "<tr>"
        });
        for (i, (column, cell)) in header.iter().zip(&row).enumerate() {
            let class = if i < text_columns || i + 1 == header.len() && id == "pairs" {
                " class=\"text\""
            } else {
                ""
            };
            let _ = write!(
                page,
                "<td{class} data-column=\"{}\">{}</td>",
                escape(column),
                escape(cell)
            );
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table>\n");
}
