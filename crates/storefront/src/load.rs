//! `storefront load`: builds the scenario from flags (and a file), runs it
//! with SIGINT and SIGTERM wired to a clean stop, prints the summary and
//! picks the exit code (see [`ExitCodes`]).

use std::process::ExitCode;

use storefront_load::{LoadArgs, LoadError, RunOptions};

use crate::config::Config;
use crate::stop_signal::StopSignal;

/// The exit codes of `storefront load`, for CI pipelines (README, "Load
/// tests in CI"). A stopped run exits 128 + the signal (130, 143).
pub struct ExitCodes;

impl ExitCodes {
    /// An invariant of the store was violated (oversold, lost an order…).
    pub const INVARIANT_VIOLATED: u8 = 1;
    /// The command line or scenario file is wrong (clap uses 2 as well).
    pub const USAGE: u8 = 2;
    /// A threshold failed, or no request succeeded at all.
    pub const THRESHOLD_FAILED: u8 = 3;
    /// The run could not be made: the target unreachable, results not
    /// writable.
    pub const RUN_FAILED: u8 = 4;
}

pub async fn load(args: &LoadArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let default_target = format!("http://{}", config.gateway.listen);
    let scenario = match args.scenario(&default_target) {
        Ok(scenario) => scenario,
        Err(e) => return Ok(failed(&e, ExitCodes::USAGE)),
    };
    let signal = StopSignal::watch("finishing requests in flight, then writing the results")?;
    let options = RunOptions {
        out: args.out.clone(),
        check_invariants: !args.no_invariants,
        server_metrics: args.server_metrics,
        admin_token: args.admin_token.clone(),
    };
    let outcome = match storefront_load::run(&scenario, &options, signal.token()).await {
        Ok(outcome) => outcome,
        Err(e @ LoadError::Invalid(_)) => return Ok(failed(&e, ExitCodes::USAGE)),
        Err(e) => return Ok(failed(&e, ExitCodes::RUN_FAILED)),
    };
    print!("{}", outcome.summary());
    Ok(if outcome.interrupted {
        signal.exit_code()
    } else if outcome.violated() {
        ExitCode::from(ExitCodes::INVARIANT_VIOLATED)
    } else if outcome.failed_thresholds() {
        ExitCode::from(ExitCodes::THRESHOLD_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

fn failed(error: &LoadError, code: u8) -> ExitCode {
    eprintln!("storefront load: {error}");
    ExitCode::from(code)
}
