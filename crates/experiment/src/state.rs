//! `experiment.json`: the plan, the run's metadata and every cell's
//! outcome, rewritten (atomically) after each cell so an interrupted
//! experiment can resume where it stopped and a failed cell stays on
//! record.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ExperimentError;
use crate::plan::Plan;

pub const STATE_FILE: &str = "experiment.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellStatus {
    Pending,
    Done,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellRecord {
    pub id: String,
    /// Name of the combination of levels (`clients=3 cache=on`).
    pub combination: String,
    pub combination_index: usize,
    /// Each factor's level in this cell, as labelled in reports.
    pub levels: Vec<(String, String)>,
    pub repetition: u32,
    pub status: CellStatus,
    /// Times this cell was started (more than 1 after a resume).
    pub attempts: u32,
    pub started: Option<String>,
    pub ended: Option<String>,
    pub error: Option<String>,
    pub samples: u64,
    pub errors: u64,
    /// Requests per second over the whole run (JMeter's throughput).
    pub throughput_per_sec: f64,
    /// The store's invariants held (None: not checked).
    pub invariants_hold: Option<bool>,
    /// Where the cell's store kept its data: `sqlite`, `postgres` (a fresh
    /// database of its own) or `external` (a store the experiment did not
    /// start). Absent in files written before it was recorded.
    #[serde(default)]
    pub backend: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub experiment: String,
    pub description: Option<String>,
    /// Of the definition as run (after `--quick` and overrides).
    pub fingerprint: String,
    pub definition_file: PathBuf,
    pub quick: bool,
    pub git_revision: Option<String>,
    pub host: String,
    pub created: String,
    pub updated: String,
    /// The definition as run, for the record.
    pub definition: serde_json::Value,
    /// In the order they run.
    pub cells: Vec<CellRecord>,
}

impl State {
    /// A fresh state for `plan`, or the one in `out` when resuming. Refuses
    /// to overwrite an earlier experiment's folder, or to resume another
    /// experiment in it.
    pub fn open(
        plan: &Plan,
        out: &Path,
        definition_file: &Path,
        quick: bool,
        resume: bool,
    ) -> Result<Self, ExperimentError> {
        let path = out.join(STATE_FILE);
        if path.exists() {
            if !resume {
                return Err(ExperimentError::Folder(format!(
                    "{} already holds an experiment; pass --resume to continue it, or choose another --out",
                    out.display()
                )));
            }
            let text = std::fs::read_to_string(&path).map_err(|source| ExperimentError::Write {
                path: path.clone(),
                source,
            })?;
            let state: State = serde_json::from_str(&text).map_err(|e| {
                ExperimentError::Folder(format!("{} is not readable: {e}", path.display()))
            })?;
            if state.fingerprint != plan.fingerprint {
                return Err(ExperimentError::Folder(format!(
                    "{} holds a different experiment (definition {} there, {} now: same file, flags and --quick?)",
                    out.display(),
                    state.fingerprint,
                    plan.fingerprint
                )));
            }
            return Ok(state);
        }
        let now = storefront_report::clock::rfc3339_utc(now_ms());
        Ok(Self {
            experiment: plan.definition.name().to_owned(),
            description: plan.definition.description.clone(),
            fingerprint: plan.fingerprint.clone(),
            definition_file: definition_file.to_owned(),
            quick,
            git_revision: storefront_load::git_revision(),
            host: storefront_load::host_name(),
            created: now.clone(),
            updated: now,
            definition: serde_json::to_value(&plan.definition).unwrap_or_default(),
            cells: plan
                .cells
                .iter()
                .map(|cell| {
                    let combination = &plan.combinations[cell.combination];
                    CellRecord {
                        id: cell.id.clone(),
                        combination: combination.name.clone(),
                        combination_index: combination.index,
                        levels: plan.level_labels(combination),
                        repetition: cell.repetition,
                        status: CellStatus::Pending,
                        attempts: 0,
                        started: None,
                        ended: None,
                        error: None,
                        backend: None,
                        samples: 0,
                        errors: 0,
                        throughput_per_sec: 0.0,
                        invariants_hold: None,
                    }
                })
                .collect(),
        })
    }

    /// Writes the state beside the cells, atomically (a crash leaves the
    /// previous version, never half a file).
    pub fn save(&mut self, out: &Path) -> Result<(), ExperimentError> {
        self.updated = storefront_report::clock::rfc3339_utc(now_ms());
        let path = out.join(STATE_FILE);
        let partial = out.join(format!("{STATE_FILE}.partial"));
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|source| ExperimentError::Write { path, source })
    }

    /// When the cells ran: the first start and the last end (a resume that
    /// only re-draws the summary does not move them).
    pub fn ran(&self) -> (&str, &str) {
        let first = self.cells.iter().filter_map(|c| c.started.as_deref()).min();
        let last = self.cells.iter().filter_map(|c| c.ended.as_deref()).max();
        (first.unwrap_or("–"), last.unwrap_or("–"))
    }

    pub fn count(&self, status: CellStatus) -> usize {
        self.cells.iter().filter(|c| c.status == status).count()
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
