//! `aggregate.md`: the aggregate table as Markdown, for pasting into docs.

use super::cells::{COLUMNS, cells, resolution_note};
use crate::Report;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    push_line(&mut out, COLUMNS.iter().map(|c| c.to_string()));
    push_line(
        &mut out,
        (0..COLUMNS.len()).map(|i| if i == 0 { "---".into() } else { "---:".into() }),
    );
    for row in report.rows().iter().chain([report.total()]) {
        push_line(&mut out, cells(row, report.resolution()).into_iter());
    }
    out.push('\n');
    out.push_str(resolution_note(report.resolution()));
    out.push('\n');
    if !report.thresholds().is_empty() {
        out.push_str("\n| Threshold | Observed | Verdict |\n|---|---:|---|\n");
        for t in report.thresholds() {
            let verdict = if t.passed { "pass" } else { "**FAIL**" };
            push_line(
                &mut out,
                [
                    format!("`{}`", t.expr),
                    t.observed_text(),
                    verdict.to_owned(),
                ]
                .into_iter(),
            );
        }
    }
    out
}

fn push_line(out: &mut String, cells: impl Iterator<Item = String>) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        // A `|` would end the cell; a line break would end the table.
        out.push_str(&cell.replace('|', "\\|").replace(['\r', '\n'], " "));
        out.push_str(" |");
    }
    out.push('\n');
}
