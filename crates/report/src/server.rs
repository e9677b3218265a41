//! The server's side of a run: what `storefront load --server-metrics`
//! scraped from each service's `/metrics` once a second, kept in
//! `summary.json` (`server.<service>.samples`) and drawn in `report.html`
//! beside the client's latencies.
//!
//! The samples hold the counters as scraped (CPU seconds, requests served,
//! group commits), so nothing is lost to rounding; [`ServiceSeries::rates`]
//! turns each pair of neighbours into the rates the charts and experiment
//! tables show.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every service's samples, by role (`gateway`, `catalog`, …).
pub type ServerMetrics = BTreeMap<String, ServiceSeries>;

/// One service's samples, in the order they were taken.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceSeries {
    pub samples: Vec<ServerSample>,
}

/// One scrape of one service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSample {
    /// Seconds since the load run started.
    pub t: f64,
    /// When the scrape was answered, in milliseconds since the Unix epoch
    /// (lines the sample up with the client's seconds).
    pub epoch_ms: i64,
    /// `process_resident_memory_bytes`.
    pub rss_bytes: u64,
    /// `process_cpu_seconds_total`: user and system time since the start.
    pub cpu_seconds: f64,
    /// `storefront_http_requests_total`, over every route and status.
    pub requests_total: u64,
    /// Group commits so far, over the service's SQLite writers (the count
    /// of `storefront_commit_batch_size`); 0 on PostgreSQL.
    pub commits_total: u64,
    /// Writes those commits carried (the histogram's sum).
    pub committed_writes_total: u64,
}

/// What happened between two neighbouring samples, at the later one's time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerRate {
    pub epoch_ms: i64,
    pub t: f64,
    /// CPU cores busy on average (1.0 is one core all the time).
    pub cpu_cores: f64,
    pub rss_bytes: u64,
    pub requests_per_sec: f64,
    /// Writes per group commit, when there were commits.
    pub writes_per_commit: Option<f64>,
}

/// A service's figures over the whole run, for experiment tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceFigures {
    /// Mean CPU cores busy between the first sample and the last.
    pub cpu_cores_mean: f64,
    /// The largest resident memory seen.
    pub rss_bytes_peak: u64,
    /// Requests served per second between the first sample and the last.
    pub requests_per_sec: f64,
    /// Writes per group commit over the run, when it committed anything.
    pub writes_per_commit: Option<f64>,
}

impl ServiceSeries {
    /// The rate between each sample and the one before it. A pair whose
    /// counters went down (the service restarted between them) or that is
    /// not later in time gives no rate.
    pub fn rates(&self) -> Vec<ServerRate> {
        self.samples
            .windows(2)
            .filter_map(|pair| rate(&pair[0], &pair[1]))
            .collect()
    }

    /// The run's figures (first sample to last), if there are two samples
    /// with counters that only went up.
    pub fn figures(&self) -> Option<ServiceFigures> {
        let (first, last) = (self.samples.first()?, self.samples.last()?);
        let whole = rate(first, last)?;
        Some(ServiceFigures {
            cpu_cores_mean: whole.cpu_cores,
            rss_bytes_peak: self.samples.iter().map(|s| s.rss_bytes).max()?,
            requests_per_sec: whole.requests_per_sec,
            writes_per_commit: whole.writes_per_commit,
        })
    }
}

fn rate(before: &ServerSample, after: &ServerSample) -> Option<ServerRate> {
    let seconds = after.t - before.t;
    let went_down = after.cpu_seconds < before.cpu_seconds
        || after.requests_total < before.requests_total
        || after.commits_total < before.commits_total
        || after.committed_writes_total < before.committed_writes_total;
    if seconds <= 0.0 || went_down {
        return None;
    }
    let commits = after.commits_total - before.commits_total;
    let writes = after.committed_writes_total - before.committed_writes_total;
    Some(ServerRate {
        epoch_ms: after.epoch_ms,
        t: after.t,
        cpu_cores: (after.cpu_seconds - before.cpu_seconds) / seconds,
        rss_bytes: after.rss_bytes,
        requests_per_sec: (after.requests_total - before.requests_total) as f64 / seconds,
        writes_per_commit: (commits > 0).then(|| writes as f64 / commits as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, cpu: f64, requests: u64, commits: u64, writes: u64) -> ServerSample {
        ServerSample {
            t,
            epoch_ms: (t * 1000.0) as i64,
            rss_bytes: 1000 + requests,
            cpu_seconds: cpu,
            requests_total: requests,
            commits_total: commits,
            committed_writes_total: writes,
        }
    }

    #[test]
    fn rates_are_differences_over_the_time_between_samples() {
        let series = ServiceSeries {
            samples: vec![
                sample(0.0, 1.0, 100, 10, 10),
                sample(2.0, 2.0, 500, 20, 50),
                sample(3.0, 2.5, 500, 20, 50),
            ],
        };
        let rates = series.rates();
        assert_eq!(rates.len(), 2);
        assert_eq!(rates[0].cpu_cores, 0.5);
        assert_eq!(rates[0].requests_per_sec, 200.0);
        assert_eq!(rates[0].writes_per_commit, Some(4.0));
        assert_eq!(rates[1].requests_per_sec, 0.0);
        assert_eq!(
            rates[1].writes_per_commit, None,
            "no commits, no batch size"
        );
        let figures = series.figures().unwrap();
        assert_eq!(figures.cpu_cores_mean, 0.5);
        assert_eq!(figures.requests_per_sec, 400.0 / 3.0);
        assert_eq!(figures.writes_per_commit, Some(4.0));
        assert_eq!(figures.rss_bytes_peak, 1500);
    }

    #[test]
    fn a_restart_between_samples_gives_no_rate() {
        let series = ServiceSeries {
            samples: vec![
                sample(0.0, 5.0, 900, 0, 0),
                sample(1.0, 0.1, 3, 0, 0),
                sample(2.0, 0.3, 13, 0, 0),
            ],
        };
        let rates = series.rates();
        assert_eq!(rates.len(), 1);
        assert_eq!(rates[0].requests_per_sec, 10.0);
        assert_eq!(
            series.figures(),
            None,
            "the counters went down over the run"
        );
    }

    #[test]
    fn one_sample_gives_no_figures() {
        let series = ServiceSeries {
            samples: vec![sample(0.0, 1.0, 1, 0, 0)],
        };
        assert!(series.rates().is_empty());
        assert_eq!(series.figures(), None);
    }
}
