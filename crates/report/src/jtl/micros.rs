//! The microsecond sidecar of a JTL file: a header line ([`MICROS_HEADER`])
//! and then, for each JTL row in the same order, that sample's elapsed time
//! and latency in microseconds. It is our own format, so it is two plain
//! integers per line and needs no CSV quoting.
//!
//! Rows pair by position, so each pair is checked: the JTL's whole
//! milliseconds must be what the microseconds give (JMeter counts whole
//! milliseconds as the end's clock reading minus the start's, so one more
//! than the truncated value is allowed). A JTL edited or replaced after the
//! run therefore fails with a clear error instead of reading wrong times.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::JtlError;

/// The sidecar's header line.
pub const MICROS_HEADER: &str = "elapsed_us,latency_us";

/// Where the sidecar of `jtl` lives: the JTL's own name with
/// `.micros.csv` appended (`results.jtl` → `results.jtl.micros.csv`).
pub fn micros_path(jtl: &Path) -> PathBuf {
    let mut name = jtl.as_os_str().to_owned();
    name.push(".micros.csv");
    PathBuf::from(name)
}

/// One sidecar row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct MicrosRow {
    pub elapsed_us: u64,
    pub latency_us: u64,
}

/// Reads a sidecar row by row, alongside the JTL.
pub(super) struct MicrosReader {
    jtl: PathBuf,
    path: PathBuf,
    reader: BufReader<File>,
    text: String,
    /// Lines read so far, header included.
    line: u64,
}

impl MicrosReader {
    /// The sidecar of `jtl`, or `None` when there is none.
    pub fn open(jtl: &Path) -> Result<Option<Self>, JtlError> {
        let path = micros_path(jtl);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(cause) => return Err(JtlError::Open { path, cause }),
        };
        let mut reader = Self {
            jtl: jtl.to_owned(),
            path,
            reader: BufReader::new(file),
            text: String::new(),
            line: 0,
        };
        match reader.read_line()? {
            Some(header) if header == MICROS_HEADER => Ok(Some(reader)),
            other => Err(reader.mismatch(format!(
                "expected the header {MICROS_HEADER:?}, found {:?}",
                other.unwrap_or_default()
            ))),
        }
    }

    /// The row for the JTL row holding `elapsed_ms`; an error when the
    /// sidecar has ended or the two disagree.
    pub fn next_for(&mut self, elapsed_ms: u64) -> Result<MicrosRow, JtlError> {
        let Some(text) = self.read_line()? else {
            return Err(self.mismatch("it has fewer rows than the JTL".into()));
        };
        let mut fields = text.split(',').map(|f| f.trim().parse::<u64>());
        let (Some(Ok(elapsed_us)), Some(Ok(latency_us)), None) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(self.mismatch(format!("expected two whole numbers, found {text:?}")));
        };
        if !consistent(elapsed_ms, elapsed_us) {
            return Err(self.mismatch(format!(
                "{elapsed_us} µs cannot be the JTL's {elapsed_ms} ms"
            )));
        }
        Ok(MicrosRow {
            elapsed_us,
            latency_us,
        })
    }

    /// Called once the JTL has ended: the sidecar must end too.
    pub fn finish(&mut self) -> Result<(), JtlError> {
        match self.read_line()? {
            None => Ok(()),
            Some(_) => Err(self.mismatch("it has more rows than the JTL".into())),
        }
    }

    /// The next line without its line break; `None` at the end.
    fn read_line(&mut self) -> Result<Option<String>, JtlError> {
        self.text.clear();
        let read = self
            .reader
            .read_line(&mut self.text)
            .map_err(|cause| JtlError::Open {
                path: self.path.clone(),
                cause,
            })?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;
        Ok(Some(self.text.trim_end_matches(['\r', '\n']).to_owned()))
    }

    fn mismatch(&self, reason: String) -> JtlError {
        JtlError::MicrosMismatch {
            path: self.jtl.clone(),
            micros: self.path.clone(),
            line: self.line,
            reason,
        }
    }
}

/// Whether a JTL's whole milliseconds can come from `elapsed_us`: the
/// truncated value, or one more (the end's clock reading minus the start's
/// crosses one more millisecond boundary when the start is late in its own).
pub(super) fn consistent(elapsed_ms: u64, elapsed_us: u64) -> bool {
    let truncated = elapsed_us / 1000;
    elapsed_ms == truncated || elapsed_ms == truncated + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sidecar_sits_beside_the_jtl_under_its_full_name() {
        assert_eq!(
            micros_path(Path::new("out/results.jtl")),
            PathBuf::from("out/results.jtl.micros.csv")
        );
    }

    #[test]
    fn whole_milliseconds_must_come_from_the_microseconds() {
        assert!(consistent(0, 999));
        assert!(consistent(1, 999));
        assert!(consistent(1, 1_000));
        assert!(consistent(2, 1_999));
        assert!(!consistent(2, 999));
        assert!(!consistent(0, 1_000));
        assert!(!consistent(7, 3_000));
    }
}
