//! The sampling distribution of the mean, as the bookstore study built it:
//! draw many small samples from a run, take each one's mean, and look at
//! how those means spread. Its standard deviation is the standard error of
//! a `sample_size`-request mean, and by the central limit theorem its shape
//! is near normal even though latencies are not.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::Moments;

#[derive(Debug, Clone, PartialEq)]
pub struct SamplingDistribution {
    pub sample_size: usize,
    /// One mean per sample, in drawing order (for histograms).
    pub means: Vec<f64>,
    /// The mean of the means.
    pub mean: f64,
    /// The standard deviation of the means (n − 1): the observed standard
    /// error of a `sample_size`-value mean.
    pub standard_error: f64,
}

/// `samples` samples of `sample_size` values each, drawn with replacement
/// from `values` (so the draws are independent and the standard error is
/// comparable with sd/√sample_size; for samples much smaller than the run,
/// drawing without replacement would differ negligibly). Seeded: the same
/// seed gives the same means. `None` if there are no values, or a size or
/// count of zero.
pub fn sampling_distribution(
    values: &[u32],
    sample_size: usize,
    samples: usize,
    seed: u64,
) -> Option<SamplingDistribution> {
    if values.is_empty() || sample_size == 0 || samples == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let means: Vec<f64> = (0..samples)
        .map(|_| {
            let sum: u64 = (0..sample_size)
                .map(|_| u64::from(values[rng.random_range(0..values.len())]))
                .sum();
            sum as f64 / sample_size as f64
        })
        .collect();
    let moments = Moments::of(&means)?;
    Some(SamplingDistribution {
        sample_size,
        mean: moments.mean,
        standard_error: moments.sd(),
        means,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The central limit theorem: the means centre on the population mean
    /// and spread as σ/√k. With 2,000 means the observed standard error is
    /// within a few percent of that (its own relative error is about
    /// 1/√(2·2000) ≈ 1.6 %), so 10 % is a loose bound.
    #[test]
    fn means_centre_on_the_mean_and_spread_as_sigma_over_root_k() {
        let mut rng = StdRng::seed_from_u64(11);
        let values: Vec<u32> = (0..20_000)
            .map(|_| (20.0 - 30.0 * (1.0 - rng.random::<f64>()).ln()) as u32)
            .collect();
        let population = Moments::of(&values).unwrap();
        let sigma = (population.variance * (values.len() - 1) as f64 / values.len() as f64).sqrt();
        let d = sampling_distribution(&values, 50, 2000, 12).unwrap();
        assert_eq!(d.means.len(), 2000);
        assert!((d.mean - population.mean).abs() < 0.1 * sigma / 50f64.sqrt() * 3.0);
        let expected = sigma / 50f64.sqrt();
        assert!(
            (d.standard_error / expected - 1.0).abs() < 0.10,
            "{} vs {expected}",
            d.standard_error
        );
    }

    #[test]
    fn seeded_draws_repeat_and_degenerate_inputs_give_none() {
        let values = [1u32, 5, 9, 30];
        assert_eq!(
            sampling_distribution(&values, 3, 10, 1),
            sampling_distribution(&values, 3, 10, 1)
        );
        assert!(sampling_distribution(&[], 3, 10, 1).is_none());
        assert!(sampling_distribution(&values, 0, 10, 1).is_none());
        assert!(sampling_distribution(&values, 3, 0, 1).is_none());
    }
}
