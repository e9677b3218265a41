//! `compare.md`: the same tables and notes for a pull request or a wiki.

use std::fmt::Write as _;

use super::cells::{
    BETWEEN_COLUMNS, BETWEEN_NOTE, PAIR_BETWEEN_COLUMNS, PAIR_COLUMNS, SCENARIO_COLUMNS,
    STUDY_COLUMNS, STUDY_NOTE, WITHIN_NOTE, between_cells, pair_between_cells, pair_cells,
    scenario_cells, study_cells,
};
use crate::Comparison;

pub(crate) fn render(c: &Comparison) -> String {
    let mut out = String::from("# Comparison of load runs\n\n");
    let _ = writeln!(
        out,
        "Options: {}\n",
        super::cells::options_sentence(&c.options)
    );
    let _ = write!(
        out,
        "## Scenarios\n\nTimes in ms. Percentiles by JMeter's rule; \"SE of mean\" is the standard deviation of the sampling distribution of the mean. {WITHIN_NOTE}\n\n"
    );
    let rows = c
        .scenarios
        .iter()
        .flat_map(|s| s.labels.iter().map(|l| scenario_cells(s, l)));
    table(&mut out, &SCENARIO_COLUMNS, rows);
    if !c.pairs.is_empty() {
        out.push_str(
            "\n## Pairs\n\nEffect sizes are of B against A: positive means B is slower.\n\n",
        );
        table(
            &mut out,
            &PAIR_COLUMNS,
            c.pairs
                .iter()
                .map(|r| pair_cells(r, c.latency_resolution())),
        );
    }
    let resolution = c.latency_resolution();
    let between: Vec<Vec<String>> = c
        .scenarios
        .iter()
        .flat_map(|s| s.labels.iter().filter_map(|l| between_cells(s, l)))
        .collect();
    if !between.is_empty() {
        let _ = write!(out, "\n## Between runs\n\n{BETWEEN_NOTE}\n\n");
        table(&mut out, &BETWEEN_COLUMNS, between.into_iter());
        let pairs: Vec<Vec<String>> = c
            .pairs
            .iter()
            .filter_map(|r| pair_between_cells(r, resolution))
            .collect();
        if !pairs.is_empty() {
            out.push('\n');
            table(&mut out, &PAIR_BETWEEN_COLUMNS, pairs.into_iter());
        }
    }
    let study: Vec<Vec<String>> = c
        .pairs
        .iter()
        .filter_map(|r| study_cells(r, resolution))
        .collect();
    if !study.is_empty() {
        let _ = write!(out, "\n## The bookstore study's test\n\n{STUDY_NOTE}\n\n");
        table(&mut out, &STUDY_COLUMNS, study.into_iter());
    }
    if !c.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for note in &c.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

fn table(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let cell = |c: &str| c.replace('|', "\\|");
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}
