//! `storefront experiment <file>`: runs a study (see the experiment crate)
//! with SIGINT and SIGTERM wired to a clean stop. Exit codes: 0 when every
//! cell ran, 1 when any failed (the others' results and the summary are
//! written anyway), 128 + the signal when stopped by one (130 for Ctrl-C,
//! 143 for SIGTERM; resume with `--resume --out <folder>`).

use std::process::ExitCode;

use serde::Deserialize;
use storefront_experiment::ExperimentOptions;

use crate::cli::ExperimentArgs;
use crate::config::Config;
use crate::stop_signal::StopSignal;

pub async fn experiment(args: &ExperimentArgs) -> anyhow::Result<ExitCode> {
    let options = ExperimentOptions {
        file: args.file.clone(),
        out: args.out.clone(),
        resume: args.resume,
        quick: args.quick,
        repetitions: args.repetitions,
        exe: std::env::current_exe()?,
        check_invariants: !args.no_invariants,
        server_metrics: args.server_metrics,
        database_url: args.database_url.clone(),
    };
    let signal = StopSignal::watch(
        "the running cell is finishing its requests in flight, then its store stops",
    )?;
    let outcome = storefront_experiment::run(&options, &check_settings, &signal.token()).await?;
    eprintln!(
        "{} cells done, {} failed, {} not run; results in {}",
        outcome.done,
        outcome.failed,
        outcome.pending,
        outcome.out.display()
    );
    Ok(if outcome.interrupted {
        eprintln!(
            "resume with: storefront experiment {} --resume --out {}",
            args.file.display(),
            outcome.out.display()
        );
        signal.exit_code()
    } else if outcome.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A managed store's settings must be a valid configuration file.
fn check_settings(settings: &toml::Table) -> Result<(), String> {
    Config::deserialize(toml::Value::Table(settings.clone()))
        .map(drop)
        .map_err(|e| e.to_string().trim_end().to_owned())
}
