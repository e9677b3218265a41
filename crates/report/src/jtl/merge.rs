//! One test run by several load generators (machines, pods) leaves one JTL
//! per generator. [`merge_jtls`] makes them one JTL, as JMeter's
//! distributed mode does, so every tool reads the test as one run:
//!
//! - rows are interleaved by start time (each generator's file is in the
//!   order its samples ended, so the output is ordered as well as the
//!   inputs are: a k-way merge, never the whole files in memory);
//! - `allThreads` and `grpThreads` become the sum over generators of each
//!   one's latest count, so the active-users series shows the whole test;
//! - thread names gain the generator's number (`g2-1-7`), as JMeter's
//!   remote engines prefix theirs, so users stay distinct;
//! - the microsecond sidecar is written when every input has one (else the
//!   merged run is read at millisecond resolution, as the coarsest input).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::{JtlError, JtlRows, JtlWriter, Resolution, Sample, micros_path, read_jtl};

/// What a merge wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Rows taken from each input, in the inputs' order.
    pub rows: Vec<u64>,
    pub resolution: Resolution,
}

/// Merges `inputs` into the JTL `output` (and its sidecar when every input
/// has one). `output` must not be one of the inputs.
pub fn merge_jtls(inputs: &[PathBuf], output: &Path) -> Result<Merged, JtlError> {
    let mut readers: Vec<JtlRows> = inputs
        .iter()
        .map(|path| read_jtl(path))
        .collect::<Result<_, _>>()?;
    let resolution = readers
        .iter()
        .map(JtlRows::resolution)
        .fold(Resolution::Microseconds, Resolution::coarser);
    let write_error = |path: &Path, cause: std::io::Error| JtlError::Write {
        path: path.to_owned(),
        cause,
    };
    let create = |path: &Path| {
        File::create(path)
            .map(|f| BufWriter::with_capacity(256 * 1024, f))
            .map_err(|cause| write_error(path, cause))
    };
    let jtl = create(output)?;
    let mut writer = match resolution {
        Resolution::Microseconds => JtlWriter::with_micros(jtl, create(&micros_path(output))?),
        Resolution::Milliseconds => {
            // A sidecar left from an earlier merge would no longer match.
            let _ = std::fs::remove_file(micros_path(output));
            JtlWriter::new(jtl)
        }
    }
    .map_err(|cause| write_error(output, cause))?;

    // The next row of each input, smallest start time first (ties: input order).
    let mut next: Vec<Option<Sample>> = Vec::with_capacity(readers.len());
    let mut heap = BinaryHeap::new();
    for (i, reader) in readers.iter_mut().enumerate() {
        let sample = reader.next().transpose()?;
        if let Some(s) = &sample {
            heap.push(Reverse((s.time_stamp_ms, i)));
        }
        next.push(sample);
    }
    let mut threads = vec![(0u32, 0u32); readers.len()];
    let mut rows = vec![0u64; readers.len()];
    while let Some(Reverse((_, i))) = heap.pop() {
        let mut sample = next[i].take().expect("a queued input has a row");
        threads[i] = (sample.grp_threads, sample.all_threads);
        sample.grp_threads = threads.iter().map(|t| t.0).sum();
        sample.all_threads = threads.iter().map(|t| t.1).sum();
        sample.thread_name = format!("g{}-{}", i + 1, sample.thread_name);
        writer
            .write(&sample)
            .map_err(|cause| write_error(output, cause))?;
        rows[i] += 1;
        if let Some(s) = readers[i].next().transpose()? {
            heap.push(Reverse((s.time_stamp_ms, i)));
            next[i] = Some(s);
        }
    }
    writer.flush().map_err(|cause| write_error(output, cause))?;
    Ok(Merged { rows, resolution })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: i64, elapsed_us: u64, threads: u32, thread: &str) -> Sample {
        Sample {
            time_stamp_ms: t,
            elapsed_ms: elapsed_us / 1000,
            elapsed_us,
            label: "get".into(),
            response_code: "200".into(),
            thread_name: thread.into(),
            success: true,
            grp_threads: threads,
            all_threads: threads,
            latency_ms: elapsed_us / 1000,
            latency_us: elapsed_us,
            ..Sample::default()
        }
    }

    fn write(path: &Path, samples: &[Sample], micros: bool) {
        let out = File::create(path).unwrap();
        let mut writer = if micros {
            JtlWriter::with_micros(out, File::create(micros_path(path)).unwrap()).unwrap()
        } else {
            JtlWriter::new(out).unwrap()
        };
        for s in samples {
            writer.write(s).unwrap();
        }
        writer.flush().unwrap();
    }

    fn read(path: &Path) -> Vec<Sample> {
        read_jtl(path).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn rows_interleave_by_start_and_threads_add_up() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, out) = (
            dir.path().join("a.jtl"),
            dir.path().join("b.jtl"),
            dir.path().join("out.jtl"),
        );
        write(
            &a,
            &[sample(1000, 1500, 1, "1-1"), sample(3000, 2500, 2, "1-2")],
            true,
        );
        write(
            &b,
            &[sample(2000, 700, 3, "1-1"), sample(4000, 900, 3, "1-3")],
            true,
        );
        let merged = merge_jtls(&[a, b], &out).unwrap();
        assert_eq!(merged.rows, [2, 2]);
        assert_eq!(merged.resolution, Resolution::Microseconds);
        let rows = read(&out);
        let seen: Vec<(i64, u32, &str, u64)> = rows
            .iter()
            .map(|s| {
                (
                    s.time_stamp_ms,
                    s.all_threads,
                    s.thread_name.as_str(),
                    s.elapsed_us,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (1000, 1, "g1-1-1", 1500),
                (2000, 4, "g2-1-1", 700),
                (3000, 5, "g1-1-2", 2500),
                (4000, 5, "g2-1-3", 900),
            ]
        );
    }

    #[test]
    fn one_input_in_milliseconds_makes_the_merge_milliseconds() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, out) = (
            dir.path().join("a.jtl"),
            dir.path().join("b.jtl"),
            dir.path().join("out.jtl"),
        );
        write(&a, &[sample(1000, 1500, 1, "1-1")], true);
        write(&b, &[sample(1000, 2000, 1, "1-1")], false);
        std::fs::write(micros_path(&out), "stale").unwrap();
        let merged = merge_jtls(&[a, b], &out).unwrap();
        assert_eq!(merged.resolution, Resolution::Milliseconds);
        assert!(!micros_path(&out).exists(), "a stale sidecar is removed");
        let rows = read(&out);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].elapsed_us, 1000, "whole milliseconds");
    }

    #[test]
    fn a_bad_input_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.jtl");
        let error = merge_jtls(&[missing], &dir.path().join("out.jtl")).unwrap_err();
        assert!(error.to_string().contains("missing.jtl"), "{error}");
    }
}
