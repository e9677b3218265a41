//! `--server-metrics`: the server's side of a run. Each service's
//! Prometheus page is read once a second while the load runs, and once
//! more at its end; the samples go into `summary.json` and `report.html`
//! (see `storefront_report::server`).
//!
//! Only the target's address is needed: the gateway serves its own page at
//! `/metrics` and relays each peer's at `/metrics/{service}`, so this works
//! wherever the gateway is the one address a client can reach (compose,
//! Kubernetes). On by default ([`ServerMetricsMode::Auto`]) when the target
//! serves a Storefront page; a target that does not (another server in
//! `--url` mode, a store with `metrics = false`) is loaded all the same.
//!
//! Each service is read over a connection of its own, apart from the load's
//! users, by a task of its own, so a slow page delays no other.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::ValueEnum;
use http::Method;
use storefront_report::{ServerMetrics, ServerSample, ServiceSeries};
use storefront_wire::http1::{Connection, Endpoint};
use storefront_wire::metrics::{self as names, Sample};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::LoadError;

/// Whether to read the services' metrics during a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerMetricsMode {
    /// When the target serves a Storefront metrics page.
    #[default]
    Auto,
    /// Always; a target without the page stops the run before it starts.
    On,
    /// Never.
    Off,
}

/// How often each page is read.
pub const SCRAPE_EVERY: Duration = Duration::from_secs(1);
/// The longest wait for one page; a slower one is a missed sample.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(2);

/// Each service's page, as a path on the target.
const PAGES: [(&str, &str); 4] = [
    ("gateway", "/metrics"),
    ("catalog", "/metrics/catalog"),
    ("orders", "/metrics/orders"),
    ("carts", "/metrics/carts"),
];

/// The scraping tasks of one run.
pub struct Scraper {
    stop: CancellationToken,
    tasks: Vec<(String, JoinHandle<ServiceSeries>)>,
}

/// Why a run has no server metrics, for the printed summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotScraped {
    SwitchedOff,
    /// The target's `/metrics` is not a Storefront page; the reason.
    Unavailable(String),
}

impl Scraper {
    /// Finds which services' pages answer and starts reading them; the
    /// samples' `t` counts from `run_started`.
    pub async fn start(
        mode: ServerMetricsMode,
        endpoint: &Endpoint,
        run_started: Instant,
    ) -> Result<Result<Self, NotScraped>, LoadError> {
        if mode == ServerMetricsMode::Off {
            return Ok(Err(NotScraped::SwitchedOff));
        }
        let mut found = Vec::new();
        for (service, path) in PAGES {
            match first_page(endpoint, path).await {
                Ok(first) => found.push((service, path, first)),
                // Without the gateway's own page, this is not a Storefront
                // gateway that serves metrics; the peers are not asked.
                Err(reason) if service == "gateway" => {
                    let reason = format!("GET {path}: {reason}");
                    return match mode {
                        ServerMetricsMode::On => Err(LoadError::Setup(format!(
                            "--server-metrics on, but the target has no metrics page: {reason}"
                        ))),
                        _ => Ok(Err(NotScraped::Unavailable(reason))),
                    };
                }
                Err(_) => {}
            }
        }
        let stop = CancellationToken::new();
        let tasks = found
            .into_iter()
            .map(|(service, path, (connection, first))| {
                let page = Page {
                    endpoint: endpoint.clone(),
                    path,
                    connection: Some(connection),
                    first: Some(first),
                };
                let task = tokio::spawn(page.follow(run_started, stop.clone()));
                (service.to_owned(), task)
            })
            .collect();
        Ok(Ok(Self { stop, tasks }))
    }

    /// Takes a last sample of each service and returns them all.
    pub async fn finish(mut self) -> ServerMetrics {
        self.stop.cancel();
        let mut metrics = ServerMetrics::new();
        for (service, task) in std::mem::take(&mut self.tasks) {
            if let Ok(series) = task.await {
                metrics.insert(service, series);
            }
        }
        metrics
    }
}

/// A run that fails before [`Scraper::finish`] stops the reading too,
/// rather than leaving tasks that read a store the run no longer loads (an
/// experiment goes on to other cells in the same process).
impl Drop for Scraper {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A connection to the target that has read `path` once and found a
/// Storefront page there, and that first reading: the run's first sample,
/// taken before any user starts, so every request of the run falls between
/// the first sample and the last.
async fn first_page(
    endpoint: &Endpoint,
    path: &'static str,
) -> Result<(Connection, ServerSample), String> {
    let mut connection = Connection::open_to(endpoint, SCRAPE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let text = read(&mut connection, path).await?;
    let samples = names::parse(&text);
    if samples.iter().any(|s| s.name == names::CPU_SECONDS) {
        Ok((connection, sample_of(&samples, 0.0, epoch_ms_now())))
    } else {
        Err(format!("no `{}` series", names::CPU_SECONDS))
    }
}

async fn read(connection: &mut Connection, path: &str) -> Result<String, String> {
    let reply = connection
        .exchange(&Method::GET, path, &[], None, SCRAPE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    if reply.status != 200 {
        return Err(format!("answered {}", reply.status));
    }
    String::from_utf8(reply.body.to_vec()).map_err(|_| "not UTF-8".to_owned())
}

/// One service's page and the connection it is read over.
struct Page {
    endpoint: Endpoint,
    path: &'static str,
    /// `None` after a failure: the next sample opens a new one.
    connection: Option<Connection>,
    /// The reading taken before the run started.
    first: Option<ServerSample>,
}

impl Page {
    /// Reads the page every [`SCRAPE_EVERY`] until `stop`, then once more.
    async fn follow(mut self, run_started: Instant, stop: CancellationToken) -> ServiceSeries {
        let mut series = ServiceSeries::default();
        let mut ticks = tokio::time::interval(SCRAPE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        if let Some(first) = self.first.take() {
            series.samples.push(first);
            // The interval's first tick is immediate: that reading is taken.
            ticks.tick().await;
        }
        loop {
            let last = tokio::select! {
                _ = ticks.tick() => false,
                () = stop.cancelled() => true,
            };
            if let Some(sample) = self.sample(run_started).await {
                series.samples.push(sample);
            }
            if last {
                return series;
            }
        }
    }

    /// One reading, or `None` if the page could not be read now.
    async fn sample(&mut self, run_started: Instant) -> Option<ServerSample> {
        let mut connection = match self.connection.take() {
            Some(connection) if !connection.is_closed() => connection,
            _ => Connection::open_to(&self.endpoint, SCRAPE_TIMEOUT)
                .await
                .ok()?,
        };
        let text = read(&mut connection, self.path).await.ok()?;
        self.connection = Some(connection);
        let t = run_started.elapsed().as_secs_f64();
        Some(sample_of(&names::parse(&text), t, epoch_ms_now()))
    }
}

fn epoch_ms_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The figures of one page. Requests count every route but the metrics
/// pages themselves, so the scraping does not show as load.
fn sample_of(samples: &[Sample], t: f64, epoch_ms: i64) -> ServerSample {
    let requests: f64 = samples
        .iter()
        .filter(|s| s.name == names::HTTP_REQUESTS)
        .filter(|s| !s.label("route").is_some_and(|r| r.starts_with("/metrics")))
        .map(|s| s.value)
        .sum();
    let commits = names::sum(samples, &format!("{}_count", names::COMMIT_BATCH_SIZE), &[]);
    let writes = names::sum(samples, &format!("{}_sum", names::COMMIT_BATCH_SIZE), &[]);
    ServerSample {
        t: (t * 1000.0).round() / 1000.0,
        epoch_ms,
        rss_bytes: names::sum(samples, names::RESIDENT_MEMORY, &[]) as u64,
        cpu_seconds: names::sum(samples, names::CPU_SECONDS, &[]),
        requests_total: requests as u64,
        commits_total: commits as u64,
        committed_writes_total: writes as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"# TYPE storefront_http_requests_total counter
storefront_http_requests_total{route="/orders",method="POST",status="200"} 70
storefront_http_requests_total{route="/products/{name_or_id}",method="GET",status="404"} 2
storefront_http_requests_total{route="/metrics",method="GET",status="200"} 9
storefront_http_requests_total{route="/metrics/{service}",method="GET",status="200"} 27
storefront_commit_batch_size_count{database="orders"} 10
storefront_commit_batch_size_sum{database="orders"} 35
storefront_commit_batch_size_count{database="idempotency"} 2
storefront_commit_batch_size_sum{database="idempotency"} 5
process_resident_memory_bytes 31457280
process_cpu_seconds_total 1.25
"#;

    #[test]
    fn a_page_becomes_one_sample_without_the_scrapes_themselves() {
        let sample = sample_of(&names::parse(PAGE), 1.23456, 1_700_000_000_000);
        assert_eq!(sample.t, 1.235);
        assert_eq!(sample.epoch_ms, 1_700_000_000_000);
        assert_eq!(sample.requests_total, 72);
        assert_eq!(sample.commits_total, 12);
        assert_eq!(sample.committed_writes_total, 40);
        assert_eq!(sample.rss_bytes, 31_457_280);
        assert_eq!(sample.cpu_seconds, 1.25);
    }
}
