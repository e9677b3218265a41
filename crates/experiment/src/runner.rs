//! Runs the cells in the plan's order, skipping those already done (a
//! resumed experiment), each into `cells/<id>/` of the results folder.
//! A cell that fails is recorded with its reason and the experiment goes
//! on; Ctrl-C stops the running cell, leaves it pending and saves the
//! state, so `--resume` starts there.

use std::path::{Path, PathBuf};

use storefront_load::RunOptions;
use storefront_service_kit::postgres::ScratchDatabase;
use tokio_util::sync::CancellationToken;

use crate::ExperimentError;
use crate::managed_store::ManagedStore;
use crate::plan::{Cell, Plan, System};
use crate::state::{CellStatus, State, now_ms};

/// How to run the cells.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub out: PathBuf,
    /// The `storefront` executable that managed stores are started from.
    pub exe: PathBuf,
    /// Checks the store's invariants after every `lab`/`shop` cell; a
    /// violation fails the cell.
    pub check_invariants: bool,
    /// Whether each cell reads the services' metrics while it runs.
    pub server_metrics: storefront_load::ServerMetricsMode,
    /// A PostgreSQL server (a URL allowed to create databases): each
    /// managed cell's store keeps its data in a fresh database there,
    /// dropped when the cell ends. `None`: SQLite files in the cell's folder.
    pub database_url: Option<String>,
}

/// Runs every cell not yet done. Returns whether the run was interrupted.
pub async fn run_cells(
    plan: &Plan,
    state: &mut State,
    options: &RunnerOptions,
    stop: &CancellationToken,
) -> Result<bool, ExperimentError> {
    let total = state.cells.len();
    for position in 0..total {
        if state.cells[position].status == CellStatus::Done {
            continue;
        }
        if stop.is_cancelled() {
            return Ok(true);
        }
        let cell = plan
            .cells
            .iter()
            .find(|c| c.id == state.cells[position].id)
            .ok_or_else(|| {
                ExperimentError::Folder(format!(
                    "cell {} of experiment.json is not in the plan",
                    state.cells[position].id
                ))
            })?
            .clone();
        let done = state.count(CellStatus::Done);
        eprintln!(
            "[{}/{}] {} (repetition {})",
            done + 1,
            total,
            state.cells[position].combination,
            cell.repetition
        );
        {
            let record = &mut state.cells[position];
            record.attempts += 1;
            record.started = Some(storefront_report::clock::rfc3339_utc(now_ms()));
            record.ended = None;
            record.error = None;
            record.backend = plan
                .cell_setup(&cell)
                .ok()
                .map(|setup| backend(&setup.system, options).to_owned());
        }
        state.save(&options.out)?;
        let outcome = run_cell(plan, &cell, options, stop.child_token()).await;
        let record = &mut state.cells[position];
        record.ended = Some(storefront_report::clock::rfc3339_utc(now_ms()));
        match outcome {
            CellOutcome::Interrupted => {
                record.status = CellStatus::Pending;
                record.error = Some("interrupted; runs again on --resume".into());
                state.save(&options.out)?;
                return Ok(true);
            }
            CellOutcome::Failed(reason) => {
                eprintln!("    failed: {reason}");
                record.status = CellStatus::Failed;
                record.error = Some(reason);
            }
            CellOutcome::Done {
                samples,
                errors,
                throughput,
                invariants_hold,
            } => {
                eprintln!(
                    "    {samples} samples, {errors} errors, {throughput:.1} req/s{}",
                    match invariants_hold {
                        Some(true) => ", invariants hold",
                        _ => "",
                    }
                );
                record.status = CellStatus::Done;
                record.samples = samples;
                record.errors = errors;
                record.throughput_per_sec = throughput;
                record.invariants_hold = invariants_hold;
            }
        }
        state.save(&options.out)?;
    }
    Ok(stop.is_cancelled())
}

enum CellOutcome {
    Done {
        samples: u64,
        errors: u64,
        throughput: f64,
        invariants_hold: Option<bool>,
    },
    Failed(String),
    Interrupted,
}

async fn run_cell(
    plan: &Plan,
    cell: &Cell,
    options: &RunnerOptions,
    stop: CancellationToken,
) -> CellOutcome {
    let dir = cell_dir(&options.out, &cell.id);
    // A resumed cell starts over: its earlier partial results are stale.
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return CellOutcome::Failed(format!("cannot create {}: {e}", dir.display()));
    }
    let mut setup = match plan.cell_setup(cell) {
        Ok(setup) => setup,
        Err(e) => return CellOutcome::Failed(e.to_string()),
    };
    let mut store = None;
    let mut database = None;
    // A managed store gets an admin token of the cell's own, so workloads
    // that administer it (bookstore) can; an external store's is the
    // experimenter's (STOREFRONT_ADMIN_TOKEN).
    let mut admin_token = std::env::var("STOREFRONT_ADMIN_TOKEN").ok();
    let target = match &mut setup.system {
        System::External { target } => target.clone(),
        System::Managed { settings } => {
            admin_token = Some(admin_token_of(settings));
            if let Some(server) = &options.database_url {
                match ScratchDatabase::create(server, "sf_exp_").await {
                    Ok(fresh) => database = Some(fresh),
                    Err(e) => {
                        let server = storefront_service_kit::database::redact_password(server);
                        return CellOutcome::Failed(format!(
                            "cannot create the cell's database on {server}: {e}"
                        ));
                    }
                }
            }
            // Its URL holds the password: an environment variable of the
            // store's, not a line of the config file kept with the results.
            let secret_env: Vec<(&str, &str)> = database
                .iter()
                .map(|d| ("STOREFRONT_DATABASE_URL", d.url()))
                .collect();
            match ManagedStore::start(&options.exe, settings, &secret_env, &dir).await {
                Ok(started) => {
                    let target = started.target.clone();
                    store = Some(started);
                    target
                }
                Err(e) => {
                    drop_database(database).await;
                    return CellOutcome::Failed(e);
                }
            }
        }
    };
    setup.scenario.target = Some(target);
    let run_options = RunOptions {
        out: Some(dir),
        check_invariants: options.check_invariants,
        server_metrics: options.server_metrics,
        admin_token,
    };
    let result = storefront_load::run(&setup.scenario, &run_options, stop.clone()).await;
    if let Some(mut store) = store {
        store.stop().await;
    }
    drop_database(database).await;
    match result {
        Err(e) => CellOutcome::Failed(e.to_string()),
        Ok(outcome) if outcome.interrupted || stop.is_cancelled() => CellOutcome::Interrupted,
        Ok(outcome) if outcome.violated() => CellOutcome::Failed(format!(
            "the store's invariants were violated:\n{}",
            outcome.summary()
        )),
        Ok(outcome) => CellOutcome::Done {
            samples: outcome.samples,
            errors: outcome.errors,
            throughput: outcome.report.total().throughput_per_sec,
            invariants_hold: outcome.invariants.as_ref().map(|i| i.ok),
        },
    }
}

/// The managed store's admin token: the experiment file's
/// `gateway.admin_token`, else a random one set in `settings` now.
fn admin_token_of(settings: &mut toml::Table) -> String {
    let gateway = settings
        .entry("gateway")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let random = || format!("cell-{:032x}", rand::random::<u128>());
    match gateway {
        toml::Value::Table(gateway) => {
            let token = gateway
                .entry("admin_token")
                .or_insert_with(|| random().into());
            token.as_str().map_or_else(random, str::to_owned)
        }
        // Refused by the store's configuration when it starts.
        _ => random(),
    }
}

/// Where a cell's store keeps its data, as `experiment.json` records it.
fn backend(system: &System, options: &RunnerOptions) -> &'static str {
    match system {
        System::External { .. } => "external",
        System::Managed { settings } => {
            if options.database_url.is_some() || settings.contains_key("database_url") {
                "postgres"
            } else {
                "sqlite"
            }
        }
    }
}

/// Drops a cell's fresh database once its store has stopped, whatever the
/// cell's outcome; a failure to drop is reported, not fatal.
async fn drop_database(database: Option<ScratchDatabase>) {
    if let Some(database) = database
        && let Err(e) = database.drop_now().await
    {
        eprintln!(
            "    note: could not drop the cell's database {}: {e}",
            database.name()
        );
    }
}

pub fn cell_dir(out: &Path, id: &str) -> PathBuf {
    out.join("cells").join(id)
}
