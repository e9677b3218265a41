//! `storefront`: one binary for every role and tool. This file only parses
//! flags, builds the configuration and dispatches.

use std::collections::HashMap;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use storefront_service_kit::telemetry;

use storefront::cli::{self, Cli, Command};
use storefront::config::{Config, check_url};
use storefront::{compare, experiment, load, probe, report, serve, up};

/// Every role allocates per request (headers, JSON, futures); mimalloc's
/// per-thread free lists make that cheaper than glibc's malloc (measured in
/// docs/BENCHMARKS.md, "Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("storefront: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("storefront: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let mut config = Config::load(cli.config.as_deref(), &env)?;
    if let Some(dir) = cli.data_dir {
        config.data_dir = dir;
    }
    match cli.command {
        Command::Serve(args) => {
            if let Some(listen) = args.listen {
                // Peers are told where it is by their own flags or config.
                config.set_listen(args.role, listen, false);
            }
            if let Some(url) = args.catalog_url {
                config.catalog.url = check_url(&url).map_err(anyhow::Error::msg)?;
            }
            if let Some(url) = args.orders_url {
                config.orders.url = check_url(&url).map_err(anyhow::Error::msg)?;
            }
            if let Some(url) = args.carts_url {
                config.carts.url = check_url(&url).map_err(anyhow::Error::msg)?;
            }
            if let Some(seed) = args.seed_file {
                config.catalog.seed_file = Some(seed);
            }
            telemetry::init(config.log_format);
            serve::serve(args.role, config).await?;
        }
        Command::Up(args) => {
            let listens = [
                (cli::Role::Gateway, args.gateway_listen),
                (cli::Role::Catalog, args.catalog_listen),
                (cli::Role::Orders, args.orders_listen),
                (cli::Role::Carts, args.carts_listen),
            ];
            for (role, listen) in listens {
                if let Some(listen) = listen {
                    config.set_listen(role, listen, true);
                }
            }
            if let Some(seed) = args.seed_file {
                config.catalog.seed_file = Some(std::fs::canonicalize(&seed)?);
            }
            telemetry::init(config.log_format);
            up::up(config, cli.config).await?;
        }
        Command::Client(options) => {
            let report = storefront_lab_client::run(options).await?;
            print!("{report}");
            if !report.is_clean() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Load(args) => return load::load(&args, &config).await,
        Command::Config => print!("{}", toml::to_string_pretty(&config)?),
        Command::Probe(args) => {
            let target = match args.role {
                Some(role) => probe::ProbeTarget {
                    role,
                    listen: config.listen(role),
                },
                None => probe::served_by_main_process(&env)?,
            };
            let question = if args.ready {
                probe::Question::Ready
            } else {
                probe::Question::Live
            };
            if let Err(e) = probe::probe(target, question).await {
                eprintln!("storefront probe {}: {e:#}", target.role.name());
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Report(args) => return report::report(&args),
        Command::Experiment(args) => return experiment::experiment(&args).await,
        Command::Compare(args) => return compare::compare(&args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "storefront",
                &mut std::io::stdout(),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
