//! `experiment.html`: one self-contained page.

use std::fmt::Write as _;

use storefront_report::svg::escape;

use super::charts::Chart;
use super::tables::{
    FIGURE_HEADERS, SERVER_HEADERS, SERVER_SENTENCE, VERDICT_HEADERS, figures_table,
    intervals_sentence, server_rows, verdict_rows,
};
use crate::analysis::Analysis;
use crate::state::{CellStatus, State};

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

pub(super) fn html(state: &State, analysis: &Analysis, charts: &[Chart]) -> String {
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
    let server = server_rows(analysis);
    if !server.is_empty() {
        let _ = write!(
            out,
            "<h2 id=\"server\">The server's side</h2><p>{}</p>",
            escape(SERVER_SENTENCE)
        );
        html_table(&mut out, &SERVER_HEADERS, &server);
    }
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
