//! One run from start to end: read the products (and so the stock before),
//! start the JTL writer, drive the load model, then check the invariants and
//! build the report from the JTL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use storefront_report::{Report, RunInfo, build_report};
use storefront_wire::http1::Endpoint;
use tokio_util::sync::CancellationToken;

use crate::engine::Engine;
use crate::error::LoadError;
use crate::invariants::{self, Invariants};
use crate::ledger::Ledger;
use crate::open::OpenCounts;
use crate::recorder::{Recorder, lock};
use crate::scenario::{LoadModel, Scenario, Workload};
use crate::server_metrics::{NotScraped, Scraper, ServerMetricsMode};
use crate::user::Target;
use crate::workload::Plan;
use storefront_report::clock;

/// Where the results go, whether to check the store afterwards and
/// whether to read its metrics meanwhile.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub out: Option<PathBuf>,
    pub check_invariants: bool,
    pub server_metrics: ServerMetricsMode,
    /// The store's admin token, for workloads that administer it.
    pub admin_token: Option<String>,
}

/// What a run came to.
pub struct RunOutcome {
    pub out_dir: PathBuf,
    pub report: Report,
    pub samples: u64,
    pub errors: u64,
    pub open: Option<OpenCounts>,
    pub invariants: Option<Invariants>,
    /// The services whose metrics were read (their samples are in the
    /// report), or why none were.
    pub server_metrics: Result<Vec<String>, NotScraped>,
    /// Stopped early by Ctrl-C (the results cover what ran).
    pub interrupted: bool,
}

impl RunOutcome {
    /// Whether any invariant was violated.
    pub fn violated(&self) -> bool {
        self.invariants.as_ref().is_some_and(|i| !i.ok)
    }

    /// Whether the run fails its thresholds: one of them did not hold, or
    /// no request succeeded at all (a run that only measured failures
    /// must not pass a pipeline, thresholds or not).
    pub fn failed_thresholds(&self) -> bool {
        !self.report.thresholds_passed() || self.report.nothing_succeeded()
    }
}

pub async fn run(
    scenario: &Scenario,
    options: &RunOptions,
    stop: CancellationToken,
) -> Result<RunOutcome, LoadError> {
    let target = scenario.target.as_deref().unwrap_or_default();
    let endpoint = Arc::new(
        Endpoint::parse(target, scenario.insecure)
            .map_err(|e| LoadError::invalid(format!("target: {e}")))?,
    );
    let name = scenario
        .name
        .clone()
        .unwrap_or_else(|| scenario.workload.kind().to_owned());
    let started = SystemTime::now();
    let out_dir = match &options.out {
        Some(dir) => dir.clone(),
        None => Path::new("results").join(format!(
            "{}-{}",
            clock::folder_stamp(started),
            sanitize(&name)
        )),
    };
    std::fs::create_dir_all(&out_dir).map_err(|source| LoadError::Output {
        path: out_dir.clone(),
        source,
    })?;

    let timeout = scenario.timeout.0;
    let needs_products = !matches!(scenario.workload, Workload::Url { .. });
    let products = if needs_products {
        invariants::read_products(&endpoint, timeout).await?
    } else {
        Vec::new()
    };
    let products = Arc::new(products);
    let ledger = Arc::new(Ledger::default());
    let run_id = clock::folder_stamp(started).replace('-', "");
    let plan = Plan::new(
        &scenario.workload,
        products.clone(),
        ledger.clone(),
        &run_id,
        options.admin_token.as_deref(),
    )?;

    let scraper = Scraper::start(options.server_metrics, &endpoint, Instant::now()).await?;
    let jtl = out_dir.join("results.jtl");
    let recorder = Recorder::start(&jtl, scenario.workload.kind())?;
    let active = Arc::new(AtomicU32::new(0));
    let engine = Arc::new(Engine {
        plan: Arc::new(plan),
        sinks: recorder.sinks(),
        target: Target {
            endpoint: endpoint.clone(),
            timeout,
            headers: scenario.headers.clone().into(),
        },
        seed: scenario.seed.unwrap_or_else(rand::random),
        active: active.clone(),
        stop: stop.clone(),
    });
    let done = CancellationToken::new();
    let progress = crate::progress::start(
        recorder.stats.clone(),
        active,
        planned_duration(&scenario.load),
        done.clone(),
    );

    let open = match &scenario.load {
        LoadModel::Closed(model) => {
            crate::closed::run(model, engine.clone()).await;
            None
        }
        LoadModel::Open(model) => Some(crate::open::run(model, engine.clone()).await),
    };
    done.cancel();
    let _ = progress.await;
    drop(engine);
    let stats = recorder.stats.clone();
    recorder.finish()?;
    let ended = SystemTime::now();
    let (samples, errors) = {
        let s = lock(&stats);
        (s.samples, s.errors)
    };
    // Before the invariant checks, whose reads are not the run's load.
    let (server, server_metrics) = match scraper {
        Ok(scraper) => {
            let server = scraper.finish().await;
            let services = server.keys().cloned().collect();
            (server, Ok(services))
        }
        Err(why) => (Default::default(), Err(why)),
    };

    let invariants = if options.check_invariants && scenario.workload.checks_invariants() {
        Some(invariants::check(&endpoint, timeout, &products, ledger.take()).await?)
    } else {
        None
    };
    let interrupted = stop.is_cancelled();
    let info = RunInfo {
        scenario: name,
        git_revision: git_revision(),
        host: host_name(),
        started: clock::rfc3339(started),
        ended: clock::rfc3339(ended),
        extra: json!({
            "target": target,
            "workload": scenario.workload.kind(),
            "model": describe_model(&scenario.load),
            "interrupted": interrupted,
            "open_model": open,
            "invariants": invariants,
        }),
    };
    let report = build_report(&jtl, &out_dir, &info, server, &scenario.thresholds)
        .map_err(|e| LoadError::Report(e.to_string()))?;
    Ok(RunOutcome {
        out_dir,
        report,
        samples,
        errors,
        open,
        invariants,
        server_metrics,
        interrupted,
    })
}

fn describe_model(load: &LoadModel) -> serde_json::Value {
    match load {
        LoadModel::Closed(c) => json!({
            "kind": "closed",
            "users": c.users,
            "ramp_up": c.ramp_up.to_string(),
            "ramp_steps": c.ramp_steps,
            "hold": c.hold.map(|h| h.to_string()),
            "ramp_down": c.ramp_down.to_string(),
            "iterations": c.iterations,
        }),
        LoadModel::Open(o) => json!({
            "kind": "open",
            "stages": o.stages.iter().map(|s| {
                let (from, to) = s.rates();
                json!({"from": from, "to": to, "duration": s.duration.to_string()})
            }).collect::<Vec<_>>(),
            "max_in_flight": o.max_in_flight,
            "max_backlog": o.max_backlog.unwrap_or(o.max_in_flight),
        }),
    }
}

/// How long the schedule lasts, when it is known in advance.
fn planned_duration(load: &LoadModel) -> Option<Duration> {
    match load {
        LoadModel::Closed(c) => c.hold.map(|h| c.ramp_up.0 + h.0 + c.ramp_down.0),
        LoadModel::Open(o) => Some(o.stages.iter().map(|s| s.duration.0).sum()),
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The short revision of the git checkout the command runs in, if any.
pub fn git_revision() -> Option<String> {
    let output = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|r| !r.is_empty())
}

/// This machine's host name, for run metadata.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}
