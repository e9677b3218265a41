//! `storefront load` flags. Every scenario option has one; flags override
//! the scenario file (`--scenario`), and with no file they make a scenario
//! of their own (a lab run unless `--url` or `--workload` say otherwise).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::duration::Span;
use crate::error::LoadError;
use crate::scenario::{Closed, LoadModel, Open, Scenario, Stage, Think, Workload};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WorkloadKind {
    Lab,
    Shop,
    Web,
    Bookstore,
    Custom,
    Url,
}

/// Examples, shown after the flags in `storefront load --help`.
pub const EXAMPLES: &str = "\
Examples:
  storefront load --workload lab --users 50 --ramp-up 10s --hold 60s --p 0.3
  storefront load --workload shop --rate 100..2000 --ramp-up 60s --hold 30s
  storefront load --workload web --users 20 --hold 30s
  storefront load --url http://127.0.0.1:9090/ --connections 50 --duration 10s
  storefront load --url http://127.0.0.1:8080/orders --method POST --body '{\"name\":\"Tux\",\"quantity\":1}'
  storefront load --scenario scenarios/shop-ramp.toml --threshold 'p99<50ms' --threshold 'error_rate<1%'

Exit codes: 0 passed, 1 an invariant was violated, 2 usage, 3 a threshold
failed or no request succeeded, 4 the run could not be made, 130/143
stopped by SIGINT/SIGTERM (the results cover what ran).";

#[derive(Debug, Clone, Default, Args)]
pub struct LoadArgs {
    /// Scenario file (TOML); the flags below override its values.
    #[arg(long, help_heading = "Input and output")]
    pub scenario: Option<PathBuf>,
    /// Server to load, http://host:port or https://host[:port] (default:
    /// the `storefront up` gateway).
    #[arg(long, help_heading = "What to load")]
    pub target: Option<String>,
    /// Plain mode, like wrk: GET this URL (http[s]://host:port/path) over
    /// and over (another method with --method, a body with --body).
    #[arg(help_heading = "What to load", long, conflicts_with = "workload")]
    pub url: Option<String>,
    /// URL mode: the request's method (default GET).
    #[arg(long, help_heading = "What to load")]
    pub method: Option<String>,
    /// URL mode: the request's body, sent as application/json unless a
    /// --header sets Content-Type; `@FILE` reads it from a file.
    #[arg(long, help_heading = "What to load")]
    pub body: Option<String>,
    /// HTTPS: accept any server certificate (a self-signed test server).
    #[arg(long, help_heading = "What to load")]
    pub insecure: bool,
    /// `Name: value` sent with every request (repeatable), after the
    /// workload's own headers, which win on the same name.
    #[arg(help_heading = "What to load", long = "header", short = 'H', value_name = "NAME: VALUE", value_parser = crate::scenario::parse_header)]
    pub headers: Vec<(String, String)>,
    /// Results folder (default: results/<timestamp>-<scenario>).
    #[arg(long, help_heading = "Input and output")]
    pub out: Option<PathBuf>,
    #[arg(help_heading = "What to load", long, value_enum)]
    pub workload: Option<WorkloadKind>,
    /// Lab: probability of buying a product that shows stock.
    #[arg(long, help_heading = "What to load")]
    pub p: Option<f64>,
    /// Shop and web: probability of changing or removing a cart line.
    #[arg(long, help_heading = "What to load")]
    pub p_change: Option<f64>,
    /// Closed model: users (each with one connection).
    #[arg(
        help_heading = "Closed model (users loop iterations)",
        long,
        visible_alias = "connections"
    )]
    pub users: Option<u32>,
    /// Closed: time over which users join; open: time of the rate ramp.
    #[arg(help_heading = "Both models", long, value_parser = Span::parse)]
    pub ramp_up: Option<Span>,
    /// Closed: users join in this many equal batches (0: one by one).
    #[arg(long, help_heading = "Closed model (users loop iterations)")]
    pub ramp_steps: Option<u32>,
    /// Time at full load after the ramp-up.
    #[arg(help_heading = "Both models", long, visible_alias = "duration", value_parser = Span::parse)]
    pub hold: Option<Span>,
    /// Closed: time over which users leave after the hold.
    #[arg(help_heading = "Closed model (users loop iterations)", long, value_parser = Span::parse)]
    pub ramp_down: Option<Span>,
    /// Closed: iterations per user.
    #[arg(long, help_heading = "Closed model (users loop iterations)")]
    pub iterations: Option<u64>,
    /// Closed: pause after each iteration: `200ms`, `100ms..500ms` (uniform),
    /// `exp:200ms` (exponential with that mean) or `none`.
    #[arg(help_heading = "Closed model (users loop iterations)", long, value_parser = parse_think)]
    pub think: Option<Think>,
    /// Open model: arrivals per second, `R` or `FROM..TO` (ramped over
    /// --ramp-up, then held for --hold).
    #[arg(long, help_heading = "Open model (arrivals on a schedule)")]
    pub rate: Option<String>,
    /// Open: most iterations in flight at once.
    #[arg(long, help_heading = "Open model (arrivals on a schedule)")]
    pub max_in_flight: Option<u32>,
    /// Open: most arrivals waiting for a slot; more are dropped.
    #[arg(long, help_heading = "Open model (arrivals on a schedule)")]
    pub max_backlog: Option<u32>,
    /// Longest wait for one reply.
    #[arg(help_heading = "What to load", long, value_parser = Span::parse)]
    pub timeout: Option<Span>,
    #[arg(long, help_heading = "Input and output")]
    pub seed: Option<u64>,
    /// Name of the run in the report.
    #[arg(long, help_heading = "Input and output")]
    pub name: Option<String>,
    /// Skip the invariant checks of lab and shop runs (e.g. when other
    /// clients use the store at the same time).
    #[arg(long, help_heading = "Pass or fail (CI)")]
    pub no_invariants: bool,
    /// Read each service's metrics (CPU, memory, requests, commit batches)
    /// once a second during the run, through the gateway; `auto`: when the
    /// target serves them.
    #[arg(help_heading = "Input and output", long, value_enum, default_value_t)]
    pub server_metrics: crate::ServerMetricsMode,
    /// The store's admin token, for workloads that administer it
    /// (`bookstore`); `storefront up` prints it.
    #[arg(
        help_heading = "What to load",
        long,
        env = "STOREFRONT_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
    /// Fail the run (exit 3) unless `[LABEL:]METRIC OP VALUE` holds, e.g.
    /// `p99<50ms`, `Create orders:p95<=200ms`, `error_rate<1%`, `rps>=500`.
    /// METRIC: p50 p90 p95 p99 mean max error_rate rps. Repeatable; added
    /// to the scenario file's [thresholds].
    #[arg(
        help_heading = "Pass or fail (CI)",
        long = "threshold",
        value_name = "EXPR"
    )]
    pub thresholds: Vec<storefront_report::Threshold>,
}

fn parse_think(text: &str) -> Result<Think, String> {
    if text == "none" {
        return Ok(Think::None);
    }
    if let Some(mean) = text.strip_prefix("exp:") {
        return Ok(Think::Exponential {
            mean: Span::parse(mean)?,
        });
    }
    if let Some((min, max)) = text.split_once("..") {
        let (min, max) = (Span::parse(min)?, Span::parse(max)?);
        if min > max {
            return Err(format!("`{text}`: the minimum is above the maximum"));
        }
        return Ok(Think::Uniform { min, max });
    }
    Ok(Think::Constant {
        time: Span::parse(text)?,
    })
}

fn parse_rate(text: &str) -> Result<(f64, f64), LoadError> {
    let number = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r >= 0.0)
            .ok_or_else(|| {
                LoadError::invalid(format!(
                    "--rate `{text}`: expected R or FROM..TO per second"
                ))
            })
    };
    match text.split_once("..") {
        Some((from, to)) => Ok((number(from)?, number(to)?)),
        None => number(text).map(|r| (r, r)),
    }
}

impl LoadArgs {
    /// The scenario these flags describe (on top of `--scenario` if given),
    /// validated; `default_target` applies when neither names a target.
    pub fn scenario(&self, default_target: &str) -> Result<Scenario, LoadError> {
        let mut scenario = match &self.scenario {
            Some(path) => Scenario::from_file(path)?,
            None => self.bare_scenario(),
        };
        if let Some(url) = &self.url {
            let (scheme, rest) = url
                .split_once("://")
                .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
                .ok_or_else(|| {
                    LoadError::invalid(format!("--url `{url}` must start with http:// or https://"))
                })?;
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            scenario.target = Some(format!("{scheme}://{authority}"));
            scenario.workload = Workload::Url {
                path: if path.is_empty() {
                    "/".into()
                } else {
                    path.into()
                },
                method: http::Method::GET,
                body: None,
            };
        }
        self.apply_workload(&mut scenario)?;
        self.apply_request(&mut scenario)?;
        self.apply_model(&mut scenario)?;
        if let Some(target) = &self.target {
            scenario.target = Some(target.clone());
        }
        scenario
            .target
            .get_or_insert_with(|| default_target.to_owned());
        if let Some(timeout) = self.timeout {
            scenario.timeout = timeout;
        }
        if self.seed.is_some() {
            scenario.seed = self.seed;
        }
        if self.name.is_some() {
            scenario.name = self.name.clone();
        }
        scenario.thresholds.extend(self.thresholds.iter().cloned());
        scenario.headers.extend(self.headers.iter().cloned());
        scenario.insecure |= self.insecure;
        scenario.validate()?;
        Ok(scenario)
    }

    fn bare_scenario(&self) -> Scenario {
        let url_mode = self.url.is_some();
        Scenario {
            name: None,
            target: None,
            timeout: crate::scenario::DEFAULT_TIMEOUT,
            seed: None,
            workload: Workload::Lab { p: 0.5 },
            thresholds: Vec::new(),
            headers: Vec::new(),
            insecure: false,
            load: LoadModel::Closed(Closed {
                users: if url_mode { 50 } else { 10 },
                ramp_up: Span::ZERO,
                ramp_steps: 0,
                hold: None,
                ramp_down: Span::ZERO,
                iterations: None,
                think: Think::None,
            }),
        }
    }

    /// `--method` and `--body`, which shape the url workload's request.
    fn apply_request(&self, scenario: &mut Scenario) -> Result<(), LoadError> {
        if self.method.is_none() && self.body.is_none() {
            return Ok(());
        }
        let Workload::Url { method, body, .. } = &mut scenario.workload else {
            return Err(LoadError::invalid(
                "--method and --body apply to the url workload (--url) only; \
                 a custom workload declares each request's method and body",
            ));
        };
        if let Some(name) = &self.method {
            *method = crate::scenario_file::parse_method(name)?;
        }
        if let Some(text) = &self.body {
            *body = Some(match text.strip_prefix('@') {
                Some(file) => std::fs::read_to_string(file).map_err(|e| {
                    LoadError::invalid(format!("--body @{file}: cannot read it: {e}"))
                })?,
                None => text.clone(),
            });
        }
        Ok(())
    }

    fn apply_workload(&self, scenario: &mut Scenario) -> Result<(), LoadError> {
        if let Some(kind) = self.workload {
            let same = scenario.workload.kind()
                == match kind {
                    WorkloadKind::Lab => "lab",
                    WorkloadKind::Shop => "shop",
                    WorkloadKind::Web => "web",
                    WorkloadKind::Bookstore => "bookstore",
                    WorkloadKind::Custom => "custom",
                    WorkloadKind::Url => "url",
                };
            if !same {
                scenario.workload = match kind {
                    WorkloadKind::Lab => Workload::Lab { p: 0.5 },
                    WorkloadKind::Shop => Workload::Shop { p_change: 0.5 },
                    WorkloadKind::Web => Workload::Web { p_change: 0.5 },
                    WorkloadKind::Bookstore => Workload::Bookstore,
                    WorkloadKind::Url => Workload::Url {
                        path: "/".into(),
                        method: http::Method::GET,
                        body: None,
                    },
                    WorkloadKind::Custom => {
                        return Err(LoadError::invalid(
                            "--workload custom needs a scenario file (--scenario) declaring workload.requests",
                        ));
                    }
                };
            }
        }
        match (&mut scenario.workload, self.p, self.p_change) {
            (Workload::Lab { p }, Some(value), _) => *p = value,
            (_, Some(_), _) => {
                return Err(LoadError::invalid("--p applies to the lab workload only"));
            }
            (Workload::Shop { p_change } | Workload::Web { p_change }, _, Some(value)) => {
                *p_change = value
            }
            (_, _, Some(_)) => {
                return Err(LoadError::invalid(
                    "--p-change applies to the shop and web workloads only",
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn apply_model(&self, scenario: &mut Scenario) -> Result<(), LoadError> {
        if let Some(rate) = &self.rate {
            let (from, to) = parse_rate(rate)?;
            let mut stages = Vec::new();
            let ramp = self.ramp_up.unwrap_or(Span::ZERO);
            if !ramp.0.is_zero() {
                stages.push(Stage {
                    rate: None,
                    from: Some(from),
                    to: Some(to),
                    duration: ramp,
                });
            }
            let hold = self.hold.unwrap_or(if ramp.0.is_zero() {
                Span(std::time::Duration::from_secs(10))
            } else {
                Span::ZERO
            });
            if !hold.0.is_zero() {
                stages.push(Stage {
                    rate: Some(to),
                    from: None,
                    to: None,
                    duration: hold,
                });
            }
            let (in_flight, backlog) = match &scenario.load {
                LoadModel::Open(o) => (o.max_in_flight, o.max_backlog),
                LoadModel::Closed(_) => (crate::scenario::DEFAULT_MAX_IN_FLIGHT, None),
            };
            scenario.load = LoadModel::Open(Open {
                stages,
                max_in_flight: in_flight,
                max_backlog: backlog,
            });
        }
        match &mut scenario.load {
            LoadModel::Closed(c) => {
                if let Some(flag) = [
                    self.max_in_flight.map(|_| "--max-in-flight"),
                    self.max_backlog.map(|_| "--max-backlog"),
                ]
                .into_iter()
                .flatten()
                .next()
                {
                    return Err(LoadError::invalid(format!(
                        "{flag} applies to the open model (--rate) only"
                    )));
                }
                c.users = self.users.unwrap_or(c.users);
                c.ramp_up = self.ramp_up.unwrap_or(c.ramp_up);
                c.ramp_steps = self.ramp_steps.unwrap_or(c.ramp_steps);
                c.ramp_down = self.ramp_down.unwrap_or(c.ramp_down);
                c.think = self.think.unwrap_or(c.think);
                if self.hold.is_some() {
                    c.hold = self.hold;
                }
                if self.iterations.is_some() {
                    c.iterations = self.iterations;
                }
                if self.scenario.is_none() && c.hold.is_none() && c.iterations.is_none() {
                    c.hold = Some(Span(std::time::Duration::from_secs(10)));
                }
            }
            LoadModel::Open(o) => {
                if let Some(flag) = [
                    self.users.map(|_| "--users"),
                    self.ramp_steps.map(|_| "--ramp-steps"),
                    self.ramp_down.map(|_| "--ramp-down"),
                    self.iterations.map(|_| "--iterations"),
                    self.think.map(|_| "--think"),
                    self.ramp_up
                        .filter(|_| self.rate.is_none())
                        .map(|_| "--ramp-up without --rate"),
                    self.hold
                        .filter(|_| self.rate.is_none())
                        .map(|_| "--hold without --rate"),
                ]
                .into_iter()
                .flatten()
                .next()
                {
                    return Err(LoadError::invalid(format!(
                        "{flag} applies to the closed model only"
                    )));
                }
                o.max_in_flight = self.max_in_flight.unwrap_or(o.max_in_flight);
                if self.max_backlog.is_some() {
                    o.max_backlog = self.max_backlog;
                }
            }
        }
        Ok(())
    }
}
