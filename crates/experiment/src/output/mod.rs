//! The experiment's result files: `summary.json` (every figure),
//! `experiment.md` (tables and verdicts), `experiment.html` (one
//! self-contained page: charts, tables, failed cells, links to each cell's
//! report and each comparison) and the charts as standalone SVG files in
//! `plots/`, for documents.

mod charts;
mod html;
mod markdown;
mod tables;

use std::path::Path;

use crate::ExperimentError;
use crate::analysis::Analysis;
use crate::plan::Plan;
use crate::state::{CellStatus, State};
use charts::charts;
use html::html;
use markdown::markdown;

pub fn write_all(
    plan: &Plan,
    state: &State,
    analysis: &Analysis,
    out: &Path,
) -> Result<(), ExperimentError> {
    let charts = charts(plan, analysis);
    let plots = out.join("plots");
    // Plots of an earlier analysis (before a resume) would linger.
    let _ = std::fs::remove_dir_all(&plots);
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
        "cells_ran": { "first_start": state.ran().0, "last_end": state.ran().1 },
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
