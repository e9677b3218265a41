//! Streaming JTL reader. Columns are found by header name, so JMeter's
//! header variants (columns left out or reordered by its
//! `jmeter.save.saveservice.*` settings) read fine; a file saved without a
//! header is read in the default column order. Text that is not UTF-8 (a
//! JMeter saving in a platform encoding) is read with U+FFFD in place of the
//! bad bytes rather than refused: no figure depends on it.
//!
//! When the file has a microsecond sidecar (see [`super::micros_path`]),
//! each sample's `elapsed_us` and `latency_us` come from it; otherwise
//! they are the milliseconds times 1,000.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use csv::{ByteRecord, StringRecord};

use super::micros::MicrosReader;
use super::{JTL_HEADER, JtlError, Resolution, Sample};

/// Opens a JTL file and returns its samples one at a time, in file order;
/// memory use does not depend on the file's length. Fails early if the file
/// is missing, empty, or its header lacks `timeStamp`, `elapsed`, `label` or
/// `success`; a bad row later yields an error naming its line, as does a
/// sidecar that does not match the JTL.
pub fn read_jtl(path: &Path) -> Result<JtlRows, JtlError> {
    let file = File::open(path).map_err(|cause| JtlError::Open {
        path: path.to_owned(),
        cause,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(BufReader::new(file));
    let mut first = ByteRecord::new();
    let more = reader
        .read_byte_record(&mut first)
        .map_err(|cause| JtlError::Csv {
            path: path.to_owned(),
            line: 1,
            cause,
        })?;
    if !more {
        return Err(JtlError::Empty {
            path: path.to_owned(),
        });
    }
    let first = StringRecord::from_byte_record_lossy(first);
    let headerless = first.get(0).is_some_and(|f| f.parse::<i64>().is_ok());
    let (columns, pending) = if headerless {
        let default = StringRecord::from(JTL_HEADER.split(',').collect::<Vec<_>>());
        (Columns::find(path, &default)?, Some(first))
    } else {
        (Columns::find(path, &first)?, None)
    };
    let micros = MicrosReader::open(path)?;
    Ok(JtlRows {
        path: path.to_owned(),
        reader,
        columns,
        pending,
        record: ByteRecord::new(),
        failed: false,
        micros,
    })
}

/// Where each known column sits in a row.
struct Columns {
    time_stamp: usize,
    elapsed: usize,
    label: usize,
    success: usize,
    response_code: Option<usize>,
    response_message: Option<usize>,
    thread_name: Option<usize>,
    data_type: Option<usize>,
    failure_message: Option<usize>,
    bytes: Option<usize>,
    sent_bytes: Option<usize>,
    grp_threads: Option<usize>,
    all_threads: Option<usize>,
    url: Option<usize>,
    latency: Option<usize>,
    idle_time: Option<usize>,
    connect: Option<usize>,
}

impl Columns {
    fn find(path: &Path, header: &StringRecord) -> Result<Self, JtlError> {
        let position = |name: &str| header.iter().position(|h| h.trim() == name);
        let required = ["timeStamp", "elapsed", "label", "success"];
        let missing: Vec<&str> = required
            .into_iter()
            .filter(|name| position(name).is_none())
            .collect();
        if !missing.is_empty() {
            let found: Vec<&str> = header.iter().take(20).collect();
            return Err(JtlError::MissingColumns {
                path: path.to_owned(),
                missing: missing.join(", "),
                found: found.join(","),
            });
        }
        let at = |name: &str| position(name).unwrap_or_default();
        Ok(Self {
            time_stamp: at("timeStamp"),
            elapsed: at("elapsed"),
            label: at("label"),
            success: at("success"),
            response_code: position("responseCode"),
            response_message: position("responseMessage"),
            thread_name: position("threadName"),
            data_type: position("dataType"),
            failure_message: position("failureMessage"),
            bytes: position("bytes"),
            sent_bytes: position("sentBytes"),
            grp_threads: position("grpThreads"),
            all_threads: position("allThreads"),
            url: position("URL"),
            latency: position("Latency"),
            idle_time: position("IdleTime"),
            connect: position("Connect"),
        })
    }
}

/// The samples of one JTL file, from [`read_jtl`].
pub struct JtlRows {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    columns: Columns,
    /// The first row of a headerless file, read while looking for a header.
    pending: Option<StringRecord>,
    record: ByteRecord,
    /// Set after a CSV syntax error, which leaves the reader at an unknown
    /// place: the rest of the file is not read as if it were rows.
    failed: bool,
    /// The microsecond sidecar, when the file has one.
    micros: Option<MicrosReader>,
}

impl JtlRows {
    /// How finely this file's times were recorded.
    pub fn resolution(&self) -> Resolution {
        if self.micros.is_some() {
            Resolution::Microseconds
        } else {
            Resolution::Milliseconds
        }
    }

    /// A parsed row with its microseconds filled in.
    fn row(&mut self, record: &StringRecord) -> Result<Sample, JtlError> {
        let mut sample = self.parse(record)?;
        match &mut self.micros {
            Some(micros) => {
                let row = micros.next_for(sample.elapsed_ms)?;
                sample.elapsed_us = row.elapsed_us;
                sample.latency_us = row.latency_us;
            }
            None => {
                sample.elapsed_us = sample.elapsed_ms.saturating_mul(1000);
                sample.latency_us = sample.latency_ms.saturating_mul(1000);
            }
        }
        Ok(sample)
    }

    /// A row's result. After a bad row of a file with a sidecar nothing
    /// more is read, since the two files' rows no longer pair; without
    /// one, the following rows are still read.
    fn settle(&mut self, result: Result<Sample, JtlError>) -> Option<Result<Sample, JtlError>> {
        if result.is_err() && self.micros.is_some() {
            self.failed = true;
        }
        Some(result)
    }
}

impl Iterator for JtlRows {
    type Item = Result<Sample, JtlError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        if let Some(first) = self.pending.take() {
            let result = self.row(&first);
            return self.settle(result);
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => {
                let end = self.micros.as_mut().map_or(Ok(()), MicrosReader::finish);
                self.failed = true;
                end.err().map(Err)
            }
            Ok(true) => {
                let record = StringRecord::from_byte_record_lossy(std::mem::take(&mut self.record));
                let result = self.row(&record);
                self.settle(result)
            }
            Err(cause) => {
                let line = cause.position().map_or(0, |p| p.line());
                self.failed = true;
                Some(Err(JtlError::Csv {
                    path: self.path.clone(),
                    line,
                    cause,
                }))
            }
        }
    }
}

impl JtlRows {
    fn parse(&self, record: &StringRecord) -> Result<Sample, JtlError> {
        let c = &self.columns;
        let line = record.position().map_or(0, |p| p.line());
        let field = |index: usize| record.get(index).unwrap_or("");
        let text = |index: Option<usize>| index.map(|i| field(i).to_owned()).unwrap_or_default();
        let bad = |column: &'static str, value: &str, expected: &'static str| JtlError::BadField {
            path: self.path.clone(),
            line,
            column,
            value: value.to_owned(),
            expected,
        };
        let number = |index: Option<usize>, column: &'static str| -> Result<u64, JtlError> {
            match index.map(field).map(str::trim) {
                None | Some("") => Ok(0),
                Some(v) => v
                    .parse()
                    .map_err(|_| bad(column, v, "a whole number of at least 0")),
            }
        };
        let threads = |index: Option<usize>, column: &'static str| -> Result<u32, JtlError> {
            let n = number(index, column)?;
            u32::try_from(n)
                .map_err(|_| bad(column, field(index.unwrap_or_default()), "a thread count"))
        };
        let stamp = field(c.time_stamp).trim();
        let time_stamp_ms = stamp.parse().map_err(|_| {
            bad(
                "timeStamp",
                stamp,
                "milliseconds since 1970 (JMeter's default timestamp format)",
            )
        })?;
        let elapsed = field(c.elapsed).trim();
        let elapsed_ms = elapsed
            .parse()
            .map_err(|_| bad("elapsed", elapsed, "a whole number of milliseconds"))?;
        let success = match field(c.success).trim() {
            s if s.eq_ignore_ascii_case("true") => true,
            s if s.eq_ignore_ascii_case("false") => false,
            other => return Err(bad("success", other, "true or false")),
        };
        Ok(Sample {
            time_stamp_ms,
            elapsed_ms,
            elapsed_us: 0,
            label: field(c.label).to_owned(),
            response_code: text(c.response_code),
            response_message: text(c.response_message),
            thread_name: text(c.thread_name),
            data_type: text(c.data_type),
            success,
            failure_message: text(c.failure_message),
            bytes: number(c.bytes, "bytes")?,
            sent_bytes: number(c.sent_bytes, "sentBytes")?,
            grp_threads: threads(c.grp_threads, "grpThreads")?,
            all_threads: threads(c.all_threads, "allThreads")?,
            url: text(c.url),
            latency_ms: number(c.latency, "Latency")?,
            latency_us: 0,
            idle_time_ms: number(c.idle_time, "IdleTime")?,
            connect_ms: number(c.connect, "Connect")?,
        })
    }
}
