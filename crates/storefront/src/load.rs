//! `storefront load`: builds the scenario from flags (and a file), runs it
//! with Ctrl-C wired to a clean stop, prints the summary and picks the
//! exit code: 0, 1 on an invariant violation, 130 when interrupted.

use std::process::ExitCode;

use storefront_load::{LoadArgs, RunOptions};
use tokio_util::sync::CancellationToken;

use crate::config::Config;

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells use.
const INTERRUPTED: u8 = 130;

pub async fn load(args: &LoadArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let default_target = format!("http://{}", config.gateway.listen);
    let scenario = args.scenario(&default_target)?;
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\nstopping: finishing requests in flight (Ctrl-C again to quit at once)"
                );
                stop.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(i32::from(INTERRUPTED));
                }
            }
        }
    });
    let options = RunOptions {
        out: args.out.clone(),
        check_invariants: !args.no_invariants,
        server_metrics: args.server_metrics,
        admin_token: args.admin_token.clone(),
    };
    let outcome = storefront_load::run(&scenario, &options, stop).await?;
    print!("{}", outcome.summary());
    Ok(if outcome.interrupted {
        ExitCode::from(INTERRUPTED)
    } else if outcome.violated() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
