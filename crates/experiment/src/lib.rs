//! `storefront experiment`: a study in one command. An experiment file
//! declares a base load scenario and factors (load settings such as users
//! or the buy probability, and system settings such as the gateway's cache
//! or the target deployment); every combination of their levels is run
//! `repetitions` times, in a seeded random order, each cell a full
//! `storefront load` run into a folder of its own. The state is saved after
//! every cell (`experiment.json`), so a failed cell stays on record and an
//! interrupted experiment resumes where it stopped. At the end the cells
//! are summarised: latency against each numeric factor with confidence
//! bands, throughput against load, and the levels of each factor compared
//! with the same statistics as `storefront compare`.

mod analysis;
pub mod definition;
mod error;
mod managed_store;
mod output;
pub mod plan;
mod runner;
pub mod state;

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

pub use definition::Definition;
pub use error::ExperimentError;
pub use plan::{Plan, SettingsCheck};
pub use runner::{RunnerOptions, cell_dir};
pub use state::{CellStatus, State};

/// How `storefront experiment` was asked to run.
#[derive(Debug, Clone)]
pub struct ExperimentOptions {
    pub file: PathBuf,
    /// Default: `results/experiment-<name>-<time>`.
    pub out: Option<PathBuf>,
    pub resume: bool,
    pub quick: bool,
    /// Overrides the file's repetitions.
    pub repetitions: Option<u32>,
    pub exe: PathBuf,
    pub check_invariants: bool,
    /// Whether each cell reads the services' metrics while it runs.
    pub server_metrics: storefront_load::ServerMetricsMode,
    /// A PostgreSQL server on which each managed cell gets a fresh database.
    pub database_url: Option<String>,
}

/// What the experiment came to.
#[derive(Debug)]
pub struct ExperimentOutcome {
    pub out: PathBuf,
    pub done: usize,
    pub failed: usize,
    pub pending: usize,
    pub interrupted: bool,
}

/// Reads, plans and runs an experiment (or the rest of one).
pub async fn run(
    options: &ExperimentOptions,
    check: SettingsCheck<'_>,
    stop: &CancellationToken,
) -> Result<ExperimentOutcome, ExperimentError> {
    let mut definition = Definition::from_file(&options.file)?;
    if options.quick {
        definition.quick();
    }
    if let Some(repetitions) = options.repetitions {
        if repetitions == 0 {
            return Err(ExperimentError::Invalid(
                "--repetitions must be at least 1".into(),
            ));
        }
        definition.repetitions = repetitions;
    }
    let plan = Plan::new(definition, check)?;
    let out = match &options.out {
        Some(out) => out.clone(),
        None => default_out(plan.definition.name()),
    };
    std::fs::create_dir_all(&out).map_err(|source| ExperimentError::Write {
        path: out.clone(),
        source,
    })?;
    let mut state = State::open(&plan, &out, &options.file, options.quick, options.resume)?;
    state.save(&out)?;
    eprintln!(
        "experiment {}: {} cells ({} combinations x {} repetitions), {} to run, results in {}",
        plan.definition.name(),
        plan.cells.len(),
        plan.combinations.len(),
        plan.definition.repetitions,
        plan.cells.len() - state.count(CellStatus::Done),
        out.display()
    );
    let runner = RunnerOptions {
        out: out.clone(),
        exe: options.exe.clone(),
        check_invariants: options.check_invariants,
        server_metrics: options.server_metrics,
        database_url: options.database_url.clone(),
    };
    let interrupted = runner::run_cells(&plan, &mut state, &runner, stop).await?;
    if state.count(CellStatus::Done) > 0 {
        eprintln!("comparing the levels and drawing the plots");
    }
    let analysis = analysis::analyse(&plan, &state, &out)?;
    output::write_all(&plan, &state, &analysis, &out)?;
    Ok(ExperimentOutcome {
        out,
        done: state.count(CellStatus::Done),
        failed: state.count(CellStatus::Failed),
        pending: state.count(CellStatus::Pending),
        interrupted,
    })
}

fn default_out(name: &str) -> PathBuf {
    let stamp = storefront_report::clock::folder_stamp(std::time::SystemTime::now());
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Path::new("results").join(format!("experiment-{safe}-{stamp}"))
}
