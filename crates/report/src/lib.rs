//! The results side of a load run. The generator streams one JTL row per
//! sample to disk ([`jtl::JtlWriter`]); at the end [`build_report`] reads that
//! file back once and writes every result file from it. `storefront report`
//! calls the same function on any JTL file, JMeter's included, so both paths
//! give the same figures.

pub mod aggregate;
pub mod clock;
pub mod distribution;
mod error;
pub mod errors;
pub mod jtl;
mod output;
pub mod server;
pub mod svg;
pub mod thresholds;
pub mod time_series;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use aggregate::{AggregateRow, TOTAL_LABEL};
use clock::rfc3339_utc;
pub use distribution::Bin;
pub use error::ReportError;
pub use server::{ServerMetrics, ServerSample, ServiceFigures, ServiceSeries};
pub use thresholds::{Threshold, ThresholdOutcome};
pub use time_series::SecondPoint;

use aggregate::Aggregator;
use errors::{ErrorRow, ErrorTable};
use time_series::TimeSeries;

/// What the run was, written into `summary.json` as is (and read back from
/// there when a report is rebuilt from the run's JTL).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunInfo {
    pub scenario: String,
    pub git_revision: Option<String>,
    pub host: String,
    /// RFC 3339. Left empty, the report fills in the first sample's start.
    pub started: String,
    /// RFC 3339. Left empty, the report fills in the last sample's end.
    pub ended: String,
    /// Anything else the caller wants kept (load model, workload,
    /// invariant checks, …).
    pub extra: serde_json::Value,
}

/// Every figure of a run, as written to the result files.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub run: RunInfo,
    resolution: jtl::Resolution,
    rows: Vec<AggregateRow>,
    total: AggregateRow,
    time_series: Vec<SecondPoint>,
    latency_distribution: Vec<Bin>,
    errors: Vec<ErrorRow>,
    server: ServerMetrics,
    thresholds: Vec<ThresholdOutcome>,
}

impl Report {
    /// Reads a JTL file (streaming) and computes every figure.
    pub fn from_jtl(jtl: &Path, info: &RunInfo) -> Result<Self, ReportError> {
        let mut aggregator = Aggregator::default();
        let mut series = TimeSeries::default();
        let mut errors = ErrorTable::default();
        let samples = jtl::read_jtl(jtl)?;
        let resolution = samples.resolution();
        for sample in samples {
            let sample = sample?;
            let slot = aggregator.add(&sample);
            series.add(&sample, slot);
            errors.add(&sample);
        }
        let total = aggregator.total().row(TOTAL_LABEL);
        let mut run = info.clone();
        if run.started.is_empty()
            && let Some(start) = total.first_start_ms
        {
            run.started = rfc3339_utc(start);
        }
        if run.ended.is_empty()
            && let Some(end) = total.last_end_ms
        {
            run.ended = rfc3339_utc(end);
        }
        Ok(Self {
            run,
            resolution,
            rows: aggregator.rows(),
            total,
            time_series: series.points(),
            latency_distribution: distribution::bins(
                aggregator.total().elapsed_counts(),
                resolution,
            ),
            errors: errors.rows(),
            server: ServerMetrics::new(),
            thresholds: Vec::new(),
        })
    }

    /// The report with the server's side of the run (see [`server`]).
    pub fn with_server(mut self, server: ServerMetrics) -> Self {
        self.server = server;
        self
    }

    /// The report with each threshold judged on its figures.
    pub fn with_thresholds(mut self, thresholds: &[Threshold]) -> Self {
        self.thresholds = thresholds::judge(thresholds, &self.rows, &self.total);
        self
    }

    /// How each threshold fared, in the order given.
    pub fn thresholds(&self) -> &[ThresholdOutcome] {
        &self.thresholds
    }

    /// Whether every threshold passed (true when none was set).
    pub fn thresholds_passed(&self) -> bool {
        self.thresholds.iter().all(|t| t.passed)
    }

    /// Whether no sample succeeded (none at all, or all failed).
    pub fn nothing_succeeded(&self) -> bool {
        self.total.samples == self.total.errors
    }

    /// The thresholds as pass/fail lines for a terminal; empty when none
    /// was set.
    pub fn thresholds_text(&self) -> String {
        output::table::thresholds(self)
    }

    /// How finely the JTL recorded response times: microseconds when it
    /// has a sidecar.
    pub fn resolution(&self) -> jtl::Resolution {
        self.resolution
    }

    /// Each service's scraped samples; empty when none were taken.
    pub fn server(&self) -> &ServerMetrics {
        &self.server
    }

    /// The aggregate table, aligned for a terminal.
    pub fn table(&self) -> String {
        output::table::render(self)
    }

    /// One row per label, in the order labels first appear in the JTL.
    pub fn rows(&self) -> &[AggregateRow] {
        &self.rows
    }

    /// Every sample together (JMeter's TOTAL row).
    pub fn total(&self) -> &AggregateRow {
        &self.total
    }

    pub fn time_series(&self) -> &[SecondPoint] {
        &self.time_series
    }

    pub fn latency_distribution(&self) -> &[Bin] {
        &self.latency_distribution
    }

    /// Failures by response code and message, most frequent first.
    pub fn errors(&self) -> &[ErrorRow] {
        &self.errors
    }
}

/// Builds the report of a JTL file, with the server's side of the run if
/// it was scraped and its thresholds judged, and writes `aggregate.csv`,
/// `aggregate.md`, `summary.json` and `report.html` into `out_dir`
/// (created if missing; files there of the same names are replaced).
pub fn build_report(
    jtl: &Path,
    out_dir: &Path,
    info: &RunInfo,
    server: ServerMetrics,
    thresholds: &[Threshold],
) -> Result<Report, ReportError> {
    let report = Report::from_jtl(jtl, info)?
        .with_server(server)
        .with_thresholds(thresholds);
    output::write_all(&report, out_dir)?;
    Ok(report)
}
