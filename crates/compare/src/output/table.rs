//! The terminal view: the scenarios' figures, the pairs' verdicts, notes.

use std::fmt::Write as _;

use super::cells::{PAIR_COLUMNS, SCENARIO_COLUMNS, pair_cells, scenario_cells};
use crate::Comparison;

pub(crate) fn render(c: &Comparison) -> String {
    let mut out = String::new();
    let rows = c
        .scenarios
        .iter()
        .flat_map(|s| s.labels.iter().map(|l| scenario_cells(s, l)));
    out.push_str(&align(&SCENARIO_COLUMNS, rows));
    if !c.pairs.is_empty() {
        out.push('\n');
        out.push_str(&align(
            &PAIR_COLUMNS,
            c.pairs
                .iter()
                .map(|r| pair_cells(r, c.latency_resolution())),
        ));
    }
    for note in &c.notes {
        let _ = writeln!(out, "\nNote: {note}");
    }
    out
}

/// Columns padded to their widest cell: text left, numbers right.
fn align(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
    table.extend(rows);
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            table
                .iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let numeric = cell.starts_with(|c: char| c.is_ascii_digit() || "-+[–".contains(c));
            if numeric && i > 0 {
                let _ = write!(line, "{cell:>width$}");
            } else {
                let _ = write!(line, "{cell:<width$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
