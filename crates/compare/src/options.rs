//! What a comparison does: significance level, seed, warm-up rules, sizes.

use std::time::Duration;

use serde::Serialize;

use crate::CompareError;

/// Options of one comparison; [`Default`] gives the command's defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareOptions {
    /// Significance level of each verdict, after Holm's correction.
    pub alpha: f64,
    /// Seeds every resampling, so the same inputs give the same figures.
    pub seed: u64,
    /// Samples that *started* within this long of a run's first sample are
    /// dropped (the system warming up: JIT, caches, connection pools).
    #[serde(rename = "warmup_ms", serialize_with = "millis")]
    pub warmup: Duration,
    /// Samples that *ended* within this long of a run's last sample are
    /// dropped (users leaving, a ramp-down).
    #[serde(rename = "cooldown_ms", serialize_with = "millis")]
    pub cooldown: Duration,
    /// Size of each sample of the sampling distribution of the mean.
    pub sample_size: usize,
    /// How many such samples.
    pub samples: usize,
    /// Bootstrap resamples per confidence interval.
    pub bootstrap_resamples: usize,
    /// Keep failed samples in the latency figures (by default they are
    /// only counted: a fast 502 is not a fast answer).
    pub include_errors: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            seed: 1,
            warmup: Duration::ZERO,
            cooldown: Duration::ZERO,
            sample_size: 50,
            samples: 1000,
            bootstrap_resamples: 1000,
            include_errors: false,
        }
    }
}

impl CompareOptions {
    /// Confidence of the bootstrap intervals: 1 − α, so an interval and a
    /// verdict speak at the same level.
    pub fn confidence(&self) -> f64 {
        1.0 - self.alpha
    }

    pub(crate) fn check(&self) -> Result<(), CompareError> {
        let bad = |text: &str| Err(CompareError::BadOption(text.to_owned()));
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return bad("alpha must lie between 0 and 1 (e.g. 0.05)");
        }
        if self.sample_size == 0 {
            return bad("the sample size of the sampling distribution must be at least 1");
        }
        if self.samples < 2 {
            return bad("the sampling distribution needs at least 2 samples");
        }
        if self.bootstrap_resamples == 0 {
            return bad("the bootstrap needs at least 1 resample");
        }
        Ok(())
    }
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}
