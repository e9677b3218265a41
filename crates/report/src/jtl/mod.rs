//! JMeter's CSV result format ("JTL"): one row per sample. The load generator
//! streams rows to disk with [`JtlWriter`] while it runs; the report is built
//! afterwards by streaming them back with [`read_jtl`], so memory never holds
//! the samples, and a file JMeter wrote is read the same way.
//!
//! JMeter's columns hold whole milliseconds, and on a store that answers in
//! a fraction of one most samples read 0 or 1. The JTL stays exactly
//! JMeter's; the generator also writes the same samples' times in
//! microseconds to a sidecar file beside it ([`micros_path`]), row for row,
//! and [`read_jtl`] reads it when it is there. A JMeter file has none and
//! is read at millisecond resolution, as before.

mod merge;
mod micros;
mod reader;
mod writer;

use std::path::{Path, PathBuf};

pub use merge::{Merged, merge_jtls};
pub use micros::{MICROS_HEADER, micros_path};
pub use reader::{JtlRows, read_jtl};
pub use writer::JtlWriter;

/// How finely a file's response times were recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    /// JMeter's whole milliseconds: no sidecar.
    #[default]
    Milliseconds,
    /// The microsecond sidecar was read.
    Microseconds,
}

impl Resolution {
    /// The coarser of two: pooled samples are only as fine as the coarsest.
    pub fn coarser(self, other: Self) -> Self {
        if self == Self::Milliseconds || other == Self::Milliseconds {
            Self::Milliseconds
        } else {
            Self::Microseconds
        }
    }

    /// Decimals worth showing for a time in milliseconds.
    pub fn decimals(self) -> usize {
        match self {
            Self::Milliseconds => 0,
            Self::Microseconds => 3,
        }
    }
}

/// Whether `path` has a microsecond sidecar.
pub fn has_micros(path: &Path) -> bool {
    micros_path(path).is_file()
}

/// JMeter's default CSV header (JMeter 5.x, `jmeter.save.saveservice.*`
/// defaults). [`JtlWriter`] writes exactly these columns in this order.
pub const JTL_HEADER: &str = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect";

/// One sample: one request (or one sub-result of a redirected request in a
/// JMeter file), as one JTL row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sample {
    /// When the sample started, in milliseconds since the Unix epoch
    /// (JMeter's default `sampleresult.timestamp.start=true`).
    pub time_stamp_ms: i64,
    /// Response time: from the start to the last byte received.
    pub elapsed_ms: u64,
    /// The same in microseconds: from the sidecar, or `elapsed_ms × 1000`
    /// when there is none. Figures are computed from this.
    pub elapsed_us: u64,
    /// The request's name; the aggregate report has one row per label.
    pub label: String,
    /// HTTP status (`"200"`) or a non-HTTP code for transport failures.
    pub response_code: String,
    pub response_message: String,
    pub thread_name: String,
    /// `text`, `bin` or empty.
    pub data_type: String,
    pub success: bool,
    pub failure_message: String,
    /// Bytes received, headers included.
    pub bytes: u64,
    pub sent_bytes: u64,
    /// Active threads (virtual users) in this sample's group when it ended.
    pub grp_threads: u32,
    /// Active threads in the whole test when it ended.
    pub all_threads: u32,
    pub url: String,
    /// Time to the first byte of the response.
    pub latency_ms: u64,
    /// The same in microseconds, as `elapsed_us`.
    pub latency_us: u64,
    pub idle_time_ms: u64,
    /// Time to open the connection (0 on a reused keep-alive connection).
    pub connect_ms: u64,
}

impl Sample {
    /// When the last byte arrived: start plus elapsed, the end JMeter's
    /// throughput uses.
    pub fn end_ms(&self) -> i64 {
        self.time_stamp_ms
            .saturating_add(i64::try_from(self.elapsed_ms).unwrap_or(i64::MAX))
    }
}

/// Why a JTL file could not be read. Line numbers count from 1 and include
/// the header line. Each message is complete on its own (the underlying
/// error is part of it, not a separate `source`), so printing a chain does
/// not repeat it.
#[derive(Debug, thiserror::Error)]
pub enum JtlError {
    #[error("cannot open {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "{path} is empty: a JTL file starts with a header line such as `timeStamp,elapsed,label,…`"
    )]
    Empty { path: PathBuf },
    #[error("{path} is not a JMeter CSV result file: its header lacks {missing} (found: {found})")]
    MissingColumns {
        path: PathBuf,
        missing: String,
        found: String,
    },
    #[error("{path}, line {line}: {cause}")]
    Csv {
        path: PathBuf,
        line: u64,
        cause: csv::Error,
    },
    #[error(
        "{micros} does not belong to {path} (line {line}: {reason}); it was written for another run. Delete it to read the JTL at millisecond resolution"
    )]
    MicrosMismatch {
        path: PathBuf,
        micros: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("cannot write {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}, line {line}: column {column} has {value:?}, expected {expected}")]
    BadField {
        path: PathBuf,
        line: u64,
        column: &'static str,
        value: String,
        expected: &'static str,
    },
}
