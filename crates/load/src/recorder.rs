//! Where samples go: each virtual user batches its samples and hands them
//! to one dedicated writer thread, which streams them to `results.jtl`
//! through a buffered writer and folds them into the live statistics.
//! Nothing per sample stays in memory, so a long run costs no more memory
//! than a short one.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use storefront_report::jtl::{JtlWriter, Sample, micros_path};

use crate::error::LoadError;

/// One request as it went, before it becomes a JTL row.
#[derive(Debug)]
pub struct Observation {
    /// Wall-clock µs since the epoch when the request was due (open model)
    /// or sent.
    pub started_us: i64,
    pub elapsed: Duration,
    pub latency: Duration,
    pub connect: Duration,
    pub label: Arc<str>,
    /// The status code, or what went wrong before one arrived.
    pub code: Result<u16, String>,
    pub success: bool,
    pub failure: String,
    pub bytes: u64,
    pub sent_bytes: u64,
    pub user: u64,
    pub active_users: u32,
    pub url: String,
}

/// Running totals for the end of the run, and the samples since the
/// progress display last took them (it keeps a window of recent seconds).
#[derive(Debug)]
pub struct LiveStats {
    pub samples: u64,
    pub errors: u64,
    recent: Recent,
}

/// Samples since the last [`LiveStats::take_recent`].
#[derive(Debug)]
pub struct Recent {
    pub samples: u64,
    pub errors: u64,
    /// Elapsed times in microseconds, all labels.
    pub elapsed_us: Histogram<u64>,
}

impl Recent {
    fn new() -> Self {
        Self {
            samples: 0,
            errors: 0,
            elapsed_us: Histogram::new(3).expect("3 significant figures is valid"),
        }
    }
}

impl LiveStats {
    fn new() -> Self {
        Self {
            samples: 0,
            errors: 0,
            recent: Recent::new(),
        }
    }

    fn add(&mut self, o: &Observation) {
        let micros = o.elapsed.as_micros().min(u64::MAX as u128) as u64;
        let failed = u64::from(!o.success);
        self.samples += 1;
        self.errors += failed;
        self.recent.samples += 1;
        self.recent.errors += failed;
        self.recent.elapsed_us.saturating_record(micros);
    }

    /// The samples since the last call, leaving none.
    pub fn take_recent(&mut self) -> Recent {
        std::mem::replace(&mut self.recent, Recent::new())
    }
}

pub type SharedStats = Arc<Mutex<LiveStats>>;

pub fn lock(stats: &SharedStats) -> std::sync::MutexGuard<'_, LiveStats> {
    stats.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The writer thread and the way into it.
pub struct Recorder {
    sender: SyncSender<Vec<Observation>>,
    writer: JoinHandle<std::io::Result<()>>,
    path: PathBuf,
    pub stats: SharedStats,
}

impl Recorder {
    /// Batches that may wait for the writer (64 samples each). Should the
    /// disk fall that far behind, users wait for it rather than memory
    /// growing without bound.
    const QUEUED_BATCHES: usize = 1024;

    /// Creates `path` and its microsecond sidecar and starts the writer
    /// thread; `group` names the thread group in each row's `threadName`
    /// (`<group> 1-<user>`).
    pub fn start(path: &Path, group: &str) -> Result<Self, LoadError> {
        let create = |path: &Path| {
            File::create(path)
                .map(|file| BufWriter::with_capacity(256 * 1024, file))
                .map_err(|source| LoadError::Output {
                    path: path.to_owned(),
                    source,
                })
        };
        let output = |source| LoadError::Output {
            path: path.to_owned(),
            source,
        };
        let jtl =
            JtlWriter::with_micros(create(path)?, create(&micros_path(path))?).map_err(output)?;
        let (sender, receiver) = sync_channel(Self::QUEUED_BATCHES);
        let stats = Arc::new(Mutex::new(LiveStats::new()));
        let writer = {
            let stats = stats.clone();
            let group = group.to_owned();
            std::thread::Builder::new()
                .name("jtl-writer".into())
                .spawn(move || write_rows(jtl, receiver, &stats, &group))
                .map_err(output)?
        };
        Ok(Self {
            sender,
            writer,
            path: path.to_owned(),
            stats,
        })
    }

    /// A handle that makes sinks; the writer ends once every handle and
    /// sink is gone.
    pub fn sinks(&self) -> Sinks {
        Sinks(self.sender.clone())
    }

    /// Waits for every sink to be dropped and every row to be on disk.
    pub fn finish(self) -> Result<(), LoadError> {
        drop(self.sender);
        let path = self.path;
        let written = self
            .writer
            .join()
            .map_err(|_| LoadError::Setup("the JTL writer thread panicked".into()))?;
        written.map_err(|source| LoadError::Output { path, source })
    }
}

fn write_rows(
    mut jtl: JtlWriter<BufWriter<File>>,
    receiver: Receiver<Vec<Observation>>,
    stats: &SharedStats,
    group: &str,
) -> std::io::Result<()> {
    // One row reused for every sample: its strings keep their capacity, so
    // the writer allocates nothing per sample in steady state.
    let mut row = empty_sample();
    for batch in receiver {
        {
            let mut stats = lock(stats);
            for o in &batch {
                stats.add(o);
            }
        }
        for o in &batch {
            fill_sample(&mut row, o, group);
            jtl.write(&row)?;
        }
    }
    jtl.flush()
}

fn empty_sample() -> Sample {
    Sample {
        time_stamp_ms: 0,
        elapsed_ms: 0,
        elapsed_us: 0,
        label: String::new(),
        response_code: String::new(),
        response_message: String::new(),
        thread_name: String::new(),
        data_type: "text".into(),
        success: false,
        failure_message: String::new(),
        bytes: 0,
        sent_bytes: 0,
        grp_threads: 0,
        all_threads: 0,
        url: String::new(),
        latency_ms: 0,
        latency_us: 0,
        idle_time_ms: 0,
        connect_ms: 0,
    }
}

/// Overwrites `row` with observation `o` as JMeter reports it.
fn fill_sample(row: &mut Sample, o: &Observation, group: &str) {
    use std::fmt::Write as _;
    fn set(field: &mut String, value: &str) {
        field.clear();
        field.push_str(value);
    }
    row.time_stamp_ms = o.started_us.div_euclid(1000);
    row.elapsed_ms = whole_ms(o.started_us, o.elapsed);
    row.elapsed_us = whole_us(o.elapsed);
    set(&mut row.label, &o.label);
    row.response_code.clear();
    match &o.code {
        Ok(status) => {
            let _ = write!(row.response_code, "{status}");
            let reason = http::StatusCode::from_u16(*status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            set(&mut row.response_message, reason);
        }
        Err(reason) => {
            row.response_code.push_str("Non HTTP response code");
            set(&mut row.response_message, reason);
        }
    }
    row.thread_name.clear();
    let _ = write!(row.thread_name, "{group} 1-{}", o.user);
    row.success = o.success;
    set(&mut row.failure_message, &o.failure);
    row.bytes = o.bytes;
    row.sent_bytes = o.sent_bytes;
    row.grp_threads = o.active_users;
    row.all_threads = o.active_users;
    set(&mut row.url, &o.url);
    row.latency_ms = whole_ms(o.started_us, o.latency);
    row.latency_us = whole_us(o.latency);
    row.connect_ms = whole_ms(o.started_us, o.connect);
}

/// The whole milliseconds from `start_us` to `start_us + duration`, counted
/// as JMeter counts them: the end's clock reading in ms minus the start's.
/// Over many samples that averages to the true duration, where truncating
/// each duration would read every sub-millisecond reply as 0 and bias every
/// mean low by half a millisecond.
fn whole_ms(start_us: i64, duration: Duration) -> u64 {
    let micros = i64::try_from(whole_us(duration)).unwrap_or(i64::MAX / 2);
    let end_us = start_us.saturating_add(micros);
    (end_us.div_euclid(1000) - start_us.div_euclid(1000)).max(0) as u64
}

/// The whole microseconds of `duration` (truncated), for the sidecar; the
/// JTL's milliseconds are computed from the same value, so the two agree.
fn whole_us(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX / 2)
}

/// Makes a [`SampleSink`] for each new user.
#[derive(Clone)]
pub struct Sinks(SyncSender<Vec<Observation>>);

impl Sinks {
    pub fn sink(&self) -> SampleSink {
        SampleSink {
            sender: self.0.clone(),
            batch: Vec::with_capacity(SampleSink::BATCH),
            last_sent: Instant::now(),
        }
    }
}

/// A user's handle on the recorder: samples travel in batches, so the
/// channel is touched once per batch, not once per request.
pub struct SampleSink {
    sender: SyncSender<Vec<Observation>>,
    batch: Vec<Observation>,
    last_sent: Instant,
}

impl SampleSink {
    const BATCH: usize = 64;
    /// A slow user's samples still reach the live display this often.
    const MAX_DELAY: Duration = Duration::from_millis(250);

    pub fn record(&mut self, observation: Observation) {
        self.batch.push(observation);
        if self.batch.len() >= Self::BATCH || self.last_sent.elapsed() >= Self::MAX_DELAY {
            self.send();
        }
    }

    pub fn send(&mut self) {
        if !self.batch.is_empty() {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(Self::BATCH));
            // The writer only stops after every sender is gone.
            let _ = self.sender.send(batch);
        }
        self.last_sent = Instant::now();
    }
}

impl Drop for SampleSink {
    fn drop(&mut self) {
        self.send();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_ms_are_clock_differences_so_their_mean_is_unbiased() {
        // 0.6 ms replies starting at every µs phase of a millisecond: 60 %
        // of them cross a millisecond boundary, so the mean is 0.6 ms (each
        // duration truncated would give 0).
        let phases = 1_000_000_000_000..1_000_000_001_000_i64;
        let total: u64 = phases
            .clone()
            .map(|start| whole_ms(start, Duration::from_micros(600)))
            .sum();
        assert_eq!(total as f64 / phases.count() as f64, 0.6);
        assert_eq!(whole_ms(5_000, Duration::from_micros(1_500)), 1);
        assert_eq!(whole_ms(5_600, Duration::from_micros(1_500)), 2);
        assert_eq!(whole_ms(5_000, Duration::ZERO), 0);
    }
}
