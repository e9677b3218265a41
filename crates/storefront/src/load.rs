//! `storefront load`: builds the scenario from flags (and a file), runs it
//! with SIGINT and SIGTERM wired to a clean stop, prints the summary and
//! picks the exit code (see [`crate::exit_codes::ExitCodes`]).

use std::process::ExitCode;

use storefront_load::{LoadArgs, LoadError, RunOptions};

use crate::config::Config;
use crate::exit_codes::ExitCodes;
use crate::stop_signal::StopSignal;

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
