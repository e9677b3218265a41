//! Command-line flags. Flags are the last layer of configuration: each one
//! set here overrides the file and the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use storefront_lab_client::ClientOptions;
use storefront_load::LoadArgs;
use storefront_load::duration::Span;

#[derive(Debug, Parser)]
#[command(
    name = "storefront",
    version,
    about = "A tiered microservices store, and the tools to measure it."
)]
pub struct Cli {
    /// TOML configuration file (see `storefront config`).
    #[arg(long, global = true, env = "STOREFRONT_CONFIG")]
    pub config: Option<PathBuf>,

    /// Folder for the services' databases.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one service role in this process.
    Serve(ServeArgs),
    /// Run every role, each as its own process, and keep them running.
    Up(UpArgs),
    /// The lab client: concurrent sessions that query and buy, then verify their orders.
    Client(ClientOptions),
    /// Load-test a server: closed or open load models, lab/shop/custom/URL
    /// workloads; writes results.jtl and a report, checks the store's invariants.
    #[command(after_help = storefront_load::args::EXAMPLES)]
    Load(Box<LoadArgs>),
    /// Print the effective configuration as TOML.
    Config,
    /// Exit 0 if the role running here answers `GET /health` on its
    /// configured listen address (over loopback), else 1: a container health check.
    Probe(ProbeArgs),
    /// Build the aggregate table, summary.json and report.html from a JTL file (ours or JMeter's).
    Report(ReportArgs),
    /// Run a study: every combination of an experiment file's factor levels,
    /// repeated, in random order, against a fresh store per cell (or a given
    /// target); then plots and comparisons across the levels.
    Experiment(ExperimentArgs),
    /// Compare runs (result folders or JTL files): per-label statistics with
    /// bootstrap intervals, pairwise Welch and Mann-Whitney tests with Holm's
    /// correction; writes compare.json, compare.md and compare.html.
    Compare(CompareArgs),
    /// Print a shell completion script: `storefront completions bash >
    /// ~/.local/share/bash-completion/completions/storefront`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Gateway,
    Catalog,
    Orders,
    Carts,
}

impl Role {
    /// In start order: each role's peers are up before it.
    pub const ALL: [Role; 4] = [Role::Catalog, Role::Orders, Role::Carts, Role::Gateway];

    pub fn name(self) -> &'static str {
        match self {
            Role::Gateway => "gateway",
            Role::Catalog => "catalog",
            Role::Orders => "orders",
            Role::Carts => "carts",
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    pub role: Role,
    /// Address to listen on (port 0 picks a free one; the chosen address is printed).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Where the catalog service is (gateway, orders). Env: STOREFRONT_CATALOG_URL.
    #[arg(long)]
    pub catalog_url: Option<String>,
    /// Where the orders service is (gateway, carts). Env: STOREFRONT_ORDERS_URL.
    #[arg(long)]
    pub orders_url: Option<String>,
    /// Where the carts service is (gateway). Env: STOREFRONT_CARTS_URL.
    #[arg(long)]
    pub carts_url: Option<String>,
    /// Products for a new catalog (JSON). Env: STOREFRONT_SEED_FILE.
    #[arg(long)]
    pub seed_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The role to probe; by default the one this container's main process
    /// (pid 1) serves, at the address its own flags and configuration give.
    pub role: Option<Role>,
    /// Ask `/ready` (its database and the peers it calls can be used now)
    /// instead of `/health` (the process answers).
    #[arg(long)]
    pub ready: bool,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    #[arg(long)]
    pub gateway_listen: Option<SocketAddr>,
    #[arg(long)]
    pub catalog_listen: Option<SocketAddr>,
    #[arg(long)]
    pub orders_listen: Option<SocketAddr>,
    #[arg(long)]
    pub carts_listen: Option<SocketAddr>,
    /// Products for a new catalog (JSON).
    #[arg(long)]
    pub seed_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A JMeter CSV result file (JTL), e.g. the `results.jtl` of a `storefront load` run.
    /// Several: the JTLs of generators that ran one test together, merged
    /// into one run (`<out>/results.jtl`, threads summed over time).
    #[arg(required = true, num_args = 1..)]
    pub jtls: Vec<PathBuf>,
    /// Folder for aggregate.csv, aggregate.md, summary.json and report.html
    /// (default: the JTL file's folder; for several, results/merged-<timestamp>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 3 unless `[LABEL:]METRIC OP VALUE` holds, as `storefront load
    /// --threshold` (so a JMeter log can gate a pipeline too). Repeatable.
    #[arg(long = "threshold", value_name = "EXPR")]
    pub thresholds: Vec<storefront_report::Threshold>,
}

#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// The experiment file (TOML), e.g. one of `experiments/`.
    pub file: PathBuf,
    /// Results folder (default: results/experiment-<name>-<time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the experiment in --out: run the cells not yet done.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// Shorten every run (holds 3 s, ramps 1 s, at most 2 repetitions) for a quick look.
    #[arg(long)]
    pub quick: bool,
    /// Runs per combination of levels (overrides the file).
    #[arg(long)]
    pub repetitions: Option<u32>,
    /// Skip the store's invariant checks after lab and shop cells.
    #[arg(long)]
    pub no_invariants: bool,
    /// Read each service's metrics during every cell (see `load --help`).
    #[arg(long, value_enum, default_value_t)]
    pub server_metrics: storefront_load::ServerMetricsMode,
    /// Run each managed cell's store on PostgreSQL: a fresh database on
    /// this server per cell (the URL must be allowed to create databases),
    /// dropped when the cell ends, also after a failure or Ctrl-C.
    #[arg(long)]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Result folders of `storefront load` (holding results.jtl) or JTL
    /// files, JMeter's included. Each is one scenario.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// Folder for compare.json, compare.md and compare.html
    /// (default: results/compare-<timestamp>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Significance level of the verdicts (after Holm's correction); the
    /// intervals are at 1 − alpha.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Seed of every resampling (same seed, same figures).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Drop samples that started within this long of each run's first
    /// sample (e.g. 10s).
    #[arg(long, value_parser = Span::parse, default_value = "0s")]
    pub warmup: Span,
    /// Drop samples that ended within this long of each run's last sample.
    #[arg(long, value_parser = Span::parse, default_value = "0s")]
    pub cooldown: Span,
    /// Size of each sample of the sampling distribution of the mean.
    #[arg(long, default_value_t = 50)]
    pub sample_size: usize,
    /// Number of samples of the sampling distribution of the mean.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Bootstrap resamples per confidence interval.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Keep failed samples in the latency figures (they are always counted).
    #[arg(long)]
    pub include_errors: bool,
    /// Exit 3 when a later run is significantly slower than the first on
    /// any label (after Holm), for CI: the first run is the baseline.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// With --fail-on-regression: the smallest slowdown that counts, as
    /// Cliff's delta (0 to 1; 0.147, 0.33 and 0.474 are the usual small,
    /// medium and large bounds), so that a huge sample does not fail a
    /// build over a negligible difference.
    #[arg(long, default_value_t = 0.0, requires = "fail_on_regression", value_parser = parse_effect)]
    pub min_effect: f64,
}

fn parse_effect(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|d| (0.0..=1.0).contains(d))
        .ok_or_else(|| format!("`{text}`: Cliff's delta from 0 to 1"))
}
