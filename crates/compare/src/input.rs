//! Reading runs: a `storefront load` result folder (its `results.jtl`, its
//! name from `summary.json`) or any JTL file, JMeter's included, into
//! per-label latencies. One scenario may pool several runs (repetitions of
//! one experiment cell). One run may come from several generators: a
//! folder without `results.jtl` whose subfolders each hold one (as the
//! Kubernetes load job leaves them) is read as one run of all of them.
//!
//! Memory: only a `u32` per kept sample (elapsed microseconds, from the
//! JTL's sidecar or its milliseconds × 1,000) is kept, never the row;
//! labels are interned once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use storefront_report::jtl::{Resolution, Sample, read_jtl};

use crate::{CompareError, CompareOptions};

/// One scenario to compare: a run, or several runs pooled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInput {
    /// The scenario's name; `None` takes it from the first path.
    pub name: Option<String>,
    /// Result folders (holding `results.jtl`) or JTL files; several are
    /// pooled, each with its own warm-up and cool-down cut.
    pub paths: Vec<PathBuf>,
}

impl RunInput {
    /// One run, named after its `summary.json` or its folder or file.
    pub fn single(path: impl Into<PathBuf>) -> Self {
        Self {
            name: None,
            paths: vec![path.into()],
        }
    }

    /// Several runs pooled as one scenario (e.g. a factor's level).
    pub fn pooled(name: impl Into<String>, paths: Vec<PathBuf>) -> Self {
        Self {
            name: Some(name.into()),
            paths,
        }
    }
}

/// Latencies of one label in one scenario.
#[derive(Debug, Default, Clone)]
pub(crate) struct LabelSamples {
    /// Elapsed µs of the samples kept, unsorted until analysis (a `u32`
    /// holds 71 minutes).
    pub latencies: Vec<u32>,
    /// Failed samples (kept or not, per `include_errors`), after the
    /// warm-up and cool-down cuts.
    pub errors: u64,
    /// Where each run's samples end in `latencies`, one entry per run read
    /// (runs pool in order), for the figures between runs.
    pub run_ends: Vec<usize>,
}

impl LabelSamples {
    /// Each run's samples, in run order (empty for a run without this
    /// label).
    pub fn runs_mut(&mut self) -> Vec<&mut [u32]> {
        let mut rest: &mut [u32] = &mut self.latencies;
        let mut start = 0;
        let mut runs = Vec::with_capacity(self.run_ends.len());
        for &end in &self.run_ends {
            let (run, tail) = rest.split_at_mut(end - start);
            runs.push(run);
            rest = tail;
            start = end;
        }
        runs
    }
}

/// Every label of one scenario, in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct ScenarioSamples {
    pub name: String,
    pub sources: Vec<String>,
    pub labels: Vec<(String, LabelSamples)>,
    index: HashMap<String, usize>,
    pub dropped_warmup: u64,
    pub dropped_cooldown: u64,
    /// The coarsest resolution of the runs read; `None` before any.
    pub resolution: Option<Resolution>,
    /// Runs read so far.
    pub runs: usize,
}

impl ScenarioSamples {
    fn add(&mut self, sample: &Sample, include_errors: bool) {
        let slot = match self.index.get(&sample.label) {
            Some(&slot) => slot,
            None => {
                self.index.insert(sample.label.clone(), self.labels.len());
                let samples = LabelSamples {
                    run_ends: vec![0; self.runs],
                    ..LabelSamples::default()
                };
                self.labels.push((sample.label.clone(), samples));
                self.labels.len() - 1
            }
        };
        let label = &mut self.labels[slot].1;
        if !sample.success {
            label.errors += 1;
        }
        if sample.success || include_errors {
            label
                .latencies
                .push(u32::try_from(sample.elapsed_us).unwrap_or(u32::MAX));
        }
    }
}

/// Reads one input (all its paths) into a scenario.
pub(crate) fn read_input(
    input: &RunInput,
    options: &CompareOptions,
) -> Result<ScenarioSamples, CompareError> {
    let first = input
        .paths
        .first()
        .ok_or_else(|| CompareError::EmptyInput(input.name.clone().unwrap_or_default()))?;
    let mut scenario = ScenarioSamples::default();
    for path in &input.paths {
        let jtls = jtls_of(path)?;
        scenario.sources.push(path.display().to_string());
        read_run(&jtls, options, &mut scenario)?;
    }
    scenario.name = match &input.name {
        Some(name) => name.clone(),
        None => default_name(first)?,
    };
    Ok(scenario)
}

/// The JTL files of one run: the path itself, a folder's `results.jtl`,
/// or, for a folder without one, the `results.jtl` of each subfolder that
/// has one (the generators of one test), in name order.
fn jtls_of(path: &Path) -> Result<Vec<PathBuf>, CompareError> {
    if !path.exists() {
        return Err(CompareError::Missing {
            path: path.to_owned(),
        });
    }
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let jtl = path.join("results.jtl");
    if jtl.is_file() {
        return Ok(vec![jtl]);
    }
    let mut generators: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|_| CompareError::NoResults {
            path: path.to_owned(),
        })?
        .flatten()
        .map(|entry| entry.path().join("results.jtl"))
        .filter(|jtl| jtl.is_file())
        .collect();
    if generators.is_empty() {
        return Err(CompareError::NoResults {
            path: path.to_owned(),
        });
    }
    generators.sort();
    Ok(generators)
}

/// Streams one run's JTLs (one, or one per generator) into `scenario`.
/// With a warm-up or cool-down a first pass finds the run's first start
/// and last end over all of them (JMeter files are not always in time
/// order), so nothing is buffered.
fn read_run(
    jtls: &[PathBuf],
    options: &CompareOptions,
    scenario: &mut ScenarioSamples,
) -> Result<(), CompareError> {
    let cutting = !options.warmup.is_zero() || !options.cooldown.is_zero();
    let (mut first_start, mut last_end) = (i64::MAX, i64::MIN);
    if cutting {
        for jtl in jtls {
            for sample in read_jtl(jtl)? {
                let sample = sample?;
                first_start = first_start.min(sample.time_stamp_ms);
                last_end = last_end.max(sample.end_ms());
            }
        }
    }
    let millis = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let warmup_end = first_start.saturating_add(millis(options.warmup));
    let cooldown_start = last_end.saturating_sub(millis(options.cooldown));
    for jtl in jtls {
        let samples = read_jtl(jtl)?;
        let resolution = samples.resolution();
        scenario.resolution = Some(
            scenario
                .resolution
                .map_or(resolution, |r| r.coarser(resolution)),
        );
        for sample in samples {
            let sample = sample?;
            if cutting {
                if sample.time_stamp_ms < warmup_end {
                    scenario.dropped_warmup += 1;
                    continue;
                }
                if !options.cooldown.is_zero() && sample.end_ms() > cooldown_start {
                    scenario.dropped_cooldown += 1;
                    continue;
                }
            }
            scenario.add(&sample, options.include_errors);
        }
    }
    scenario.runs += 1;
    for (_, label) in &mut scenario.labels {
        label.run_ends.push(label.latencies.len());
    }
    Ok(())
}

/// `run.scenario` of the `summary.json` in a result folder (or beside a JTL
/// file), else the folder's name or the file's stem.
fn default_name(path: &Path) -> Result<String, CompareError> {
    let folder = if path.is_dir() {
        Some(path)
    } else {
        path.parent()
    };
    if let Some(scenario) = folder.and_then(summary_scenario) {
        return Ok(scenario);
    }
    let stem = if path.is_dir() {
        path.file_name()
    } else {
        path.file_stem()
    };
    Ok(stem
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| path.display().to_string()))
}

fn summary_scenario(folder: &Path) -> Option<String> {
    let text = std::fs::read_to_string(folder.join("summary.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let scenario = value.get("run")?.get("scenario")?.as_str()?.trim();
    (!scenario.is_empty()).then(|| scenario.to_owned())
}

/// Makes names unique in order: a repeated name gets ` (2)`, ` (3)`, …
pub(crate) fn unique_names(names: &mut [String]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in 0..names.len() {
        let count = seen.entry(names[i].clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            let mut suffix = *count;
            // The suffixed name might itself be taken ("a (2)" given as is).
            while names
                .iter()
                .any(|n| *n == format!("{} ({suffix})", names[i]))
            {
                suffix += 1;
            }
            names[i] = format!("{} ({suffix})", names[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_get_a_numbered_suffix() {
        let mut names = vec!["a".to_owned(), "b".into(), "a".into(), "a".into()];
        unique_names(&mut names);
        assert_eq!(names, ["a", "b", "a (2)", "a (3)"]);
        let mut names = vec!["a".to_owned(), "a (2)".into(), "a".into()];
        unique_names(&mut names);
        assert_eq!(names, ["a", "a (2)", "a (3)"]);
    }

    fn write_jtl(dir: &Path, name: &str, rows: &[(i64, u64, &str, bool)]) -> PathBuf {
        let mut text = String::from("timeStamp,elapsed,label,success\n");
        for (start, elapsed, label, ok) in rows {
            text.push_str(&format!("{start},{elapsed},{label},{ok}\n"));
        }
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn warm_up_and_cool_down_cut_by_time_and_errors_are_counted_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        // Starts at 0 s, 5 s, 10 s, 20 s, 29 s; the run ends at 29.1 s.
        let jtl = write_jtl(
            dir.path(),
            "run.jtl",
            &[
                (1_000_000, 100, "a", true),
                (1_005_000, 100, "a", true),
                (1_010_000, 7, "a", true),
                (1_020_000, 9, "b", false),
                (1_029_000, 100, "a", true),
            ],
        );
        let options = CompareOptions {
            warmup: std::time::Duration::from_secs(10),
            cooldown: std::time::Duration::from_secs(5),
            ..CompareOptions::default()
        };
        let scenario = read_input(&RunInput::single(&jtl), &options).unwrap();
        assert_eq!(scenario.name, "run");
        assert_eq!((scenario.dropped_warmup, scenario.dropped_cooldown), (2, 1));
        let labels: Vec<_> = scenario
            .labels
            .iter()
            .map(|(l, s)| (l.as_str(), s.latencies.clone(), s.errors))
            .collect();
        assert_eq!(labels, [("a", vec![7_000], 0), ("b", vec![], 1)]);
        let with_errors = CompareOptions {
            include_errors: true,
            ..CompareOptions::default()
        };
        let scenario = read_input(&RunInput::single(&jtl), &with_errors).unwrap();
        assert_eq!(scenario.labels[1].1.latencies, [9_000]);
    }

    #[test]
    fn a_result_folder_is_named_after_its_summary_and_runs_pool() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run-1");
        std::fs::create_dir(&run).unwrap();
        write_jtl(&run, "results.jtl", &[(1, 5, "a", true)]);
        std::fs::write(
            run.join("summary.json"),
            r#"{"run":{"scenario":"lab 5 users"}}"#,
        )
        .unwrap();
        let other = write_jtl(dir.path(), "other.jtl", &[(1, 6, "a", true)]);
        let options = CompareOptions::default();
        assert_eq!(
            read_input(&RunInput::single(&run), &options).unwrap().name,
            "lab 5 users"
        );
        let pooled = read_input(&RunInput::pooled("level", vec![run, other]), &options).unwrap();
        assert_eq!(pooled.name, "level");
        assert_eq!(pooled.labels[0].1.latencies, [5_000, 6_000]);
        assert_eq!(pooled.labels[0].1.run_ends, [1, 2]);
    }

    #[test]
    fn each_label_knows_where_each_runs_samples_end() {
        let dir = tempfile::tempdir().unwrap();
        let one = write_jtl(dir.path(), "1.jtl", &[(1, 5, "a", true), (2, 7, "a", true)]);
        let two = write_jtl(dir.path(), "2.jtl", &[(1, 6, "b", true)]);
        let three = write_jtl(dir.path(), "3.jtl", &[(1, 9, "a", true), (2, 8, "b", true)]);
        let options = CompareOptions::default();
        let mut pooled =
            read_input(&RunInput::pooled("x", vec![one, two, three]), &options).unwrap();
        assert_eq!(pooled.runs, 3);
        let (a, b) = pooled.labels.split_at_mut(1);
        assert_eq!(a[0].1.run_ends, [2, 2, 3]);
        assert_eq!(b[0].1.run_ends, [0, 1, 2], "b first seen in the second run");
        let runs: Vec<Vec<u32>> = a[0].1.runs_mut().iter().map(|r| r.to_vec()).collect();
        assert_eq!(runs, [vec![5_000, 7_000], vec![], vec![9_000]]);
    }

    #[test]
    fn missing_paths_and_folders_without_results_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let options = CompareOptions::default();
        let missing = read_input(&RunInput::single(dir.path().join("nope")), &options);
        assert!(matches!(missing, Err(CompareError::Missing { .. })));
        let empty = read_input(&RunInput::single(dir.path()), &options);
        assert!(matches!(empty, Err(CompareError::NoResults { .. })));
        let no_paths = read_input(&RunInput::pooled("x", vec![]), &options);
        assert!(matches!(no_paths, Err(CompareError::EmptyInput(_))));
    }
}
