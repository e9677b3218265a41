//! The aggregate table for a terminal: columns padded to line up, numbers
//! right-aligned.

use super::cells::{COLUMNS, cells, resolution_note};
use crate::Report;

pub fn render(report: &Report) -> String {
    let mut lines: Vec<[String; 14]> = vec![COLUMNS.map(str::to_owned)];
    lines.extend(
        report
            .rows()
            .iter()
            .map(|row| cells(row, report.resolution())),
    );
    lines.push(cells(report.total(), report.resolution()));
    let mut widths = [0usize; 14];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (i, (cell, width)) in line.iter().zip(widths).enumerate() {
            if i == 0 {
                text.push_str(&format!("{cell:<width$}"));
            } else {
                text.push_str(&format!("  {cell:>width$}"));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out.push_str(resolution_note(report.resolution()));
    out.push('\n');
    out
}

/// One line per threshold, `pass` or `FAIL`, with the observed figure.
pub fn thresholds(report: &Report) -> String {
    let mut out = String::new();
    if report.thresholds().is_empty() {
        return out;
    }
    let width = report
        .thresholds()
        .iter()
        .map(|t| t.expr.chars().count())
        .max()
        .unwrap_or(0);
    out.push_str("thresholds:\n");
    for t in report.thresholds() {
        let verdict = if t.passed { "pass" } else { "FAIL" };
        out.push_str(&format!(
            "  {verdict}  {:<width$}  observed {}\n",
            t.expr,
            t.observed_text()
        ));
    }
    out
}
