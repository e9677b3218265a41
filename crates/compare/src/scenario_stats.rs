//! Descriptive figures of each label of a scenario: n, mean, sd, the JMeter
//! percentiles with bootstrap intervals, normality, and the sampling
//! distribution of the mean. They are computed on microseconds and given
//! in milliseconds.

use serde::Serialize;
use storefront_report::TOTAL_LABEL;
use storefront_report::jtl::Resolution;
use storefront_stats::{
    BootstrapIntervals as Intervals, Interval, Moments, bootstrap_intervals, jarque_bera,
    percentile, sampling_distribution, t_interval,
};

use crate::CompareOptions;
use crate::input::{LabelSamples, ScenarioSamples};

/// One scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioStats {
    pub name: String,
    /// The folders or files read (several when runs are pooled).
    pub sources: Vec<String>,
    pub dropped_warmup: u64,
    pub dropped_cooldown: u64,
    /// Microseconds when every run read had a sidecar, else milliseconds
    /// (pooled figures are as fine as the coarsest run).
    pub latency_resolution: Resolution,
    /// One entry per label in first-seen order, then `TOTAL`.
    pub labels: Vec<LabelStats>,
}

/// The Jarque–Bera normality test of one label's latencies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Normality {
    pub test: &'static str,
    pub statistic: f64,
    pub p: f64,
    /// p < α: the latencies are not normal.
    pub rejected: bool,
}

/// The bookstore study's sampling distribution of the mean, in ms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sampling {
    pub sample_size: usize,
    pub samples: usize,
    pub mean: f64,
    pub standard_error: f64,
    /// sd / √sample_size: what the central limit theorem predicts.
    pub expected_standard_error: f64,
    /// The means themselves, for the histograms (not written to JSON).
    #[serde(skip)]
    pub means: Vec<f64>,
}

/// A label's figures over runs, each run one observation (see
/// `storefront_stats::between_runs`), in ms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BetweenRuns {
    /// Runs with samples of this label.
    pub runs: usize,
    /// Each run's own figure, in run order.
    pub run_means: Vec<f64>,
    pub run_medians: Vec<f64>,
    pub run_p99s: Vec<f64>,
    /// Student's t intervals (at the comparison's confidence) over the runs'
    /// figures: where the mean, median and p99 of another run would be
    /// expected to centre.
    pub mean: Interval,
    pub median: Interval,
    pub p99: Interval,
}

/// One label's figures, times in milliseconds. Latency figures cover the
/// samples kept (successes, or all with `include_errors`); `errors` counts
/// failures either way.
#[derive(Debug, Clone, Serialize)]
pub struct LabelStats {
    pub label: String,
    pub n: u64,
    pub errors: u64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1).
    pub sd: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// JMeter's percentile rule (rank round(n·p)), as `report.html`.
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub intervals: Option<Intervals>,
    pub normality: Option<Normality>,
    pub sampling: Option<Sampling>,
    /// With pooled runs (an experiment's repetitions): how much the runs
    /// themselves vary. `intervals` are within the pooled samples.
    pub between_runs: Option<BetweenRuns>,
    /// The sorted latencies in **microseconds** (for the tests between
    /// scenarios and the charts; not written to JSON).
    #[serde(skip)]
    pub latencies: Vec<u32>,
}

/// Microseconds to milliseconds.
const MS_PER_US: f64 = 1e-3;

fn ms(us: u32) -> f64 {
    f64::from(us) * MS_PER_US
}

impl LabelStats {
    /// Moments of the latencies in microseconds (the tests between
    /// scenarios are unit-free).
    pub fn moments(&self) -> Option<Moments> {
        Moments::of(&self.latencies)
    }
}

/// Computes every label's figures, plus `TOTAL` (every kept sample).
pub(crate) fn scenario_stats(samples: ScenarioSamples, options: &CompareOptions) -> ScenarioStats {
    // Every label's samples run by run, so TOTAL also has its runs.
    let mut total = LabelSamples::default();
    for run in 0..samples.runs {
        for (_, data) in &samples.labels {
            let start = run.checked_sub(1).map_or(0, |r| data.run_ends[r]);
            total
                .latencies
                .extend_from_slice(&data.latencies[start..data.run_ends[run]]);
        }
        total.run_ends.push(total.latencies.len());
    }
    let mut labels = Vec::new();
    for (label, data) in samples.labels {
        total.errors += data.errors;
        labels.push(label_stats(&samples.name, label, data, options));
    }
    labels.push(label_stats(
        &samples.name,
        TOTAL_LABEL.to_owned(),
        total,
        options,
    ));
    ScenarioStats {
        name: samples.name,
        sources: samples.sources,
        dropped_warmup: samples.dropped_warmup,
        dropped_cooldown: samples.dropped_cooldown,
        latency_resolution: samples.resolution.unwrap_or_default(),
        labels,
    }
}

fn label_stats(
    scenario: &str,
    label: String,
    mut samples: LabelSamples,
    options: &CompareOptions,
) -> LabelStats {
    let between_runs = between_runs(samples.runs_mut(), options.confidence());
    let (mut latencies, errors) = (samples.latencies, samples.errors);
    latencies.sort_unstable();
    let moments = Moments::of(&latencies);
    let seed = seed_for(options.seed, scenario, &label);
    let intervals = bootstrap_intervals(
        &latencies,
        options.bootstrap_resamples,
        options.confidence(),
        seed,
    )
    .map(|i| i.scaled(MS_PER_US));
    let normality = moments.as_ref().and_then(jarque_bera).map(|jb| Normality {
        test: "jarque-bera",
        statistic: jb.statistic,
        p: jb.p,
        rejected: jb.p < options.alpha,
    });
    let sampling = sampling_distribution(
        &latencies,
        options.sample_size,
        options.samples,
        seed.rotate_left(17) ^ 0x5a5a,
    )
    .map(|d| Sampling {
        sample_size: d.sample_size,
        samples: d.means.len(),
        mean: d.mean * MS_PER_US,
        standard_error: d.standard_error * MS_PER_US,
        expected_standard_error: moments.map_or(f64::NAN, |m| {
            m.sd() / (options.sample_size as f64).sqrt() * MS_PER_US
        }),
        means: d.means.into_iter().map(|m| m * MS_PER_US).collect(),
    });
    let at = |fraction| percentile(&latencies, fraction).map(ms);
    LabelStats {
        label,
        n: latencies.len() as u64,
        errors,
        mean: moments.map(|m| m.mean * MS_PER_US),
        sd: moments.filter(|m| m.n > 1).map(|m| m.sd() * MS_PER_US),
        min: latencies.first().copied().map(ms),
        max: latencies.last().copied().map(ms),
        median: at(0.5),
        p90: at(0.9),
        p95: at(0.95),
        p99: at(0.99),
        intervals,
        normality,
        sampling,
        between_runs,
        latencies,
    }
}

/// Each run's mean, median and p99 as one observation, and Student's t
/// intervals over them; `None` with fewer than two runs that have samples.
fn between_runs(runs: Vec<&mut [u32]>, confidence: f64) -> Option<BetweenRuns> {
    let mut figures = (Vec::new(), Vec::new(), Vec::new());
    for run in runs.into_iter().filter(|r| !r.is_empty()) {
        run.sort_unstable();
        let mean = run.iter().map(|&v| f64::from(v)).sum::<f64>() / run.len() as f64;
        figures.0.push(mean * MS_PER_US);
        figures.1.push(percentile(run, 0.5).map_or(f64::NAN, ms));
        figures.2.push(percentile(run, 0.99).map_or(f64::NAN, ms));
    }
    let (means, medians, p99s) = figures;
    Some(BetweenRuns {
        runs: means.len(),
        mean: t_interval(&means, confidence)?,
        median: t_interval(&medians, confidence)?,
        p99: t_interval(&p99s, confidence)?,
        run_means: means,
        run_medians: medians,
        run_p99s: p99s,
    })
}

/// A seed per scenario and label, derived by FNV-1a (stable across builds
/// and platforms, unlike the standard hasher's contract): each label gets
/// its own random stream, and adding a run does not change another's figures.
fn seed_for(seed: u64, scenario: &str, label: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in scenario.bytes().chain([0]).chain(label.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_per_label_and_repeat_per_input() {
        assert_eq!(seed_for(1, "a", "x"), seed_for(1, "a", "x"));
        assert_ne!(seed_for(1, "a", "x"), seed_for(1, "a", "y"));
        assert_ne!(seed_for(1, "ab", ""), seed_for(1, "a", "b"));
        assert_ne!(seed_for(1, "a", "x"), seed_for(2, "a", "x"));
    }
}
