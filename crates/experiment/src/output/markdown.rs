//! `experiment.md`.

use std::fmt::Write as _;

use super::tables::{
    FIGURE_HEADERS, SERVER_HEADERS, SERVER_SENTENCE, VERDICT_HEADERS, figures_table,
    intervals_sentence, server_rows, verdict_rows,
};
use crate::analysis::Analysis;
use crate::state::{CellStatus, State};

pub(super) fn markdown(state: &State, analysis: &Analysis) -> String {
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
    let server = server_rows(analysis);
    if !server.is_empty() {
        let _ = writeln!(out, "\n## The server's side\n\n{SERVER_SENTENCE}\n");
        md_table(&mut out, &SERVER_HEADERS, &server);
    }
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
