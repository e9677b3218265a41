//! `storefront compare`: are these load runs different, and by how much?
//! Reads runs (result folders or JTL files, JMeter's included; several runs
//! may pool into one scenario), cuts warm-up and cool-down by time, and
//! computes with `storefront-stats`: per scenario and label the figures and
//! their bootstrap intervals and the sampling distribution of the mean; per
//! pair of scenarios Welch's t, Mann–Whitney U, effect sizes, and a verdict
//! after Holm's correction. One [`Comparison`] feeds every printer (terminal
//! table, `compare.json`, `compare.md`, `compare.html`).
//!
//! The experiment runner calls [`compare`] with pooled [`RunInput`]s to
//! compare the levels of a factor.

mod error;
mod input;
mod options;
mod output;
mod pairs;
mod scenario_stats;

use std::path::Path;

pub use error::CompareError;
pub use input::RunInput;
pub use options::CompareOptions;
/// How the comparison's pages print p-values and signed effect sizes, for
/// other pages that show its results (the experiment summary).
pub use output::cells::{p as format_p_value, signed as format_signed};
pub use pairs::{BetweenRunsTest, PairResult, StudyTTest};
pub use scenario_stats::{BetweenRuns, LabelStats, Normality, Sampling, ScenarioStats};
pub use storefront_stats::{BootstrapIntervals as Intervals, Interval};

/// Everything one comparison found.
#[derive(Debug, Clone)]
pub struct Comparison {
    options: CompareOptions,
    scenarios: Vec<ScenarioStats>,
    pairs: Vec<PairResult>,
    notes: Vec<String>,
}

/// Reads every input and compares them. Scenario names come from the input,
/// else `summary.json`'s `run.scenario`, else the folder or file name;
/// repeats get a ` (2)`-style suffix. With one input there are no pairs.
pub fn compare(inputs: &[RunInput], options: &CompareOptions) -> Result<Comparison, CompareError> {
    if inputs.is_empty() {
        return Err(CompareError::NoRuns);
    }
    options.check()?;
    let mut read = inputs
        .iter()
        .map(|input| input::read_input(input, options))
        .collect::<Result<Vec<_>, _>>()?;
    let mut names: Vec<String> = read.iter().map(|s| s.name.clone()).collect();
    input::unique_names(&mut names);
    for (scenario, name) in read.iter_mut().zip(names) {
        scenario.name = name;
    }
    let scenarios: Vec<ScenarioStats> = read
        .into_iter()
        .map(|samples| scenario_stats::scenario_stats(samples, options))
        .collect();
    Ok(Comparison::of(scenarios, options))
}

/// Reads one input (a run, or runs pooled) and computes its figures, under
/// the input's own name. With [`Comparison::of`], a caller comparing the
/// same scenario in several groupings (an experiment's factors) computes
/// its figures once.
pub fn scenario(input: &RunInput, options: &CompareOptions) -> Result<ScenarioStats, CompareError> {
    options.check()?;
    let samples = input::read_input(input, options)?;
    Ok(scenario_stats::scenario_stats(samples, options))
}

impl Comparison {
    /// Compares scenarios whose figures are already computed (names as
    /// given: the caller keeps them unique).
    pub fn of(scenarios: Vec<ScenarioStats>, options: &CompareOptions) -> Self {
        let pairs = pairs::pairs(&scenarios, options.alpha);
        let notes = output::notes::notes(&scenarios, &pairs, options);
        Comparison {
            options: options.clone(),
            scenarios,
            pairs,
            notes,
        }
    }

    /// The scenarios' figures and the pairs' tests, aligned for a terminal.
    pub fn table(&self) -> String {
        output::table::render(self)
    }

    /// Writes `compare.json`, `compare.md`, `compare.html` and
    /// `sampling-total.svg` (every sample's sampling distribution of the
    /// mean, per scenario) into `out_dir` (created if missing; same-named
    /// files are replaced).
    pub fn write(&self, out_dir: &Path) -> Result<(), CompareError> {
        output::write_all(self, out_dir)
    }

    pub fn pairs(&self) -> &[PairResult] {
        &self.pairs
    }

    pub fn scenarios(&self) -> &[ScenarioStats] {
        &self.scenarios
    }

    pub fn options(&self) -> &CompareOptions {
        &self.options
    }

    /// The coarsest of the scenarios' resolutions: how finely figures
    /// across scenarios can be shown side by side.
    pub fn latency_resolution(&self) -> storefront_report::jtl::Resolution {
        self.scenarios
            .iter()
            .map(|s| s.latency_resolution)
            .reduce(storefront_report::jtl::Resolution::coarser)
            .unwrap_or_default()
    }

    /// Plain-language remarks: normality, excluded samples, skipped labels.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// `compare.json`'s contents.
    pub fn to_json(&self) -> serde_json::Value {
        output::json::value(self)
    }
}
