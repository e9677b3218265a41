//! Bootstrap confidence intervals (percentile method) for the mean, the
//! median and the 90/95/99 % lines, all from the same resamples.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::percentile;

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Intervals for one sample (written out as they are by `storefront compare`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BootstrapIntervals {
    /// E.g. 0.95.
    pub confidence: f64,
    pub resamples: usize,
    pub mean: Interval,
    pub median: Interval,
    pub p90: Interval,
    pub p95: Interval,
    pub p99: Interval,
}

impl Interval {
    /// Both ends times `factor` (a change of unit).
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            low: self.low * factor,
            high: self.high * factor,
        }
    }
}

impl BootstrapIntervals {
    /// Every interval times `factor`: the intervals of the same sample in
    /// another unit (every statistic here is linear in the unit).
    pub fn scaled(self, factor: f64) -> Self {
        Self {
            mean: self.mean.scaled(factor),
            median: self.median.scaled(factor),
            p90: self.p90.scaled(factor),
            p95: self.p95.scaled(factor),
            p99: self.p99.scaled(factor),
            ..self
        }
    }
}

/// The fractions whose intervals are computed, in the order of the fields.
const FRACTIONS: [f64; 4] = [0.5, 0.9, 0.95, 0.99];

/// Resamples the **sorted** sample `resamples` times (with replacement, same
/// size), computes each statistic per resample, and takes the
/// (1 − confidence)/2 and (1 + confidence)/2 points of each statistic's
/// resampled values (JMeter's percentile rule again, for consistency).
/// The same `seed` gives the same intervals.
///
/// A resample is kept as counts per distinct value, not as values: it is
/// drawn by index into the sorted sample and its percentiles come from
/// walking those counts, so no resample is ever sorted. Cost: n·B draws of
/// O(log distinct values) each; memory: one count per distinct value.
/// `None` for an empty sample or no resamples.
pub fn bootstrap_intervals(
    sorted: &[u32],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<BootstrapIntervals> {
    debug_assert!(sorted.is_sorted());
    if sorted.is_empty() || resamples == 0 {
        return None;
    }
    let (values, ends) = distinct(sorted);
    let n = sorted.len();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut counts = vec![0u64; values.len()];
    // One column per statistic: mean, then FRACTIONS.
    let mut replicates: [Vec<f64>; 5] = Default::default();
    for _ in 0..resamples {
        counts.fill(0);
        for _ in 0..n {
            let index = rng.random_range(0..n);
            // The slot whose run of equal values holds `index`.
            counts[ends.partition_point(|&end| end <= index)] += 1;
        }
        let sum: f64 = values
            .iter()
            .zip(&counts)
            .map(|(&v, &c)| f64::from(v) * c as f64)
            .sum();
        replicates[0].push(sum / n as f64);
        for (column, fraction) in replicates[1..].iter_mut().zip(FRACTIONS) {
            column.push(f64::from(count_percentile(&values, &counts, n, fraction)));
        }
    }
    let tail = (1.0 - confidence) / 2.0;
    let [mean, median, p90, p95, p99] = replicates.map(|mut column| {
        column.sort_by(f64::total_cmp);
        Interval {
            low: percentile(&column, tail).unwrap_or(f64::NAN),
            high: percentile(&column, 1.0 - tail).unwrap_or(f64::NAN),
        }
    });
    Some(BootstrapIntervals {
        confidence,
        resamples,
        mean,
        median,
        p90,
        p95,
        p99,
    })
}

/// The distinct values of a sorted sample and, for each, the index one past
/// its last occurrence.
fn distinct(sorted: &[u32]) -> (Vec<u32>, Vec<usize>) {
    let (mut values, mut ends) = (Vec::new(), Vec::new());
    for (i, &v) in sorted.iter().enumerate() {
        if values.last() == Some(&v) {
            *ends.last_mut().expect("one end per value") = i + 1;
        } else {
            values.push(v);
            ends.push(i + 1);
        }
    }
    (values, ends)
}

/// [`percentile`] of a sample given as counts per distinct value.
fn count_percentile(values: &[u32], counts: &[u64], n: usize, fraction: f64) -> u32 {
    let rank = ((n as f64 * fraction).round() as u64).max(1);
    let mut seen = 0u64;
    for (&value, &count) in values.iter().zip(counts) {
        seen += count;
        if seen >= rank {
            return value;
        }
    }
    values.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skewed_sample(n: usize, seed: u64) -> Vec<u32> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut v: Vec<u32> = (0..n)
            .map(|_| (20.0 - 30.0 * (1.0 - rng.random::<f64>()).ln()) as u32)
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn the_same_seed_gives_the_same_intervals_and_another_seed_others() {
        let sample = skewed_sample(500, 1);
        let a = bootstrap_intervals(&sample, 200, 0.95, 7).unwrap();
        assert_eq!(a, bootstrap_intervals(&sample, 200, 0.95, 7).unwrap());
        assert_ne!(a, bootstrap_intervals(&sample, 200, 0.95, 8).unwrap());
    }

    /// For a large sample the bootstrap interval of the mean approaches the
    /// normal-theory one, mean ± 1.96 · sd / √n (the central limit theorem;
    /// Efron & Tibshirani, *An Introduction to the Bootstrap*, ch. 13).
    #[test]
    fn the_mean_interval_approaches_the_normal_theory_interval() {
        let sample = skewed_sample(4000, 2);
        let m = crate::Moments::of(&sample).unwrap();
        let half = 1.96 * m.sd() / (sample.len() as f64).sqrt();
        let ci = bootstrap_intervals(&sample, 1000, 0.95, 3).unwrap();
        assert!(
            (ci.mean.low - (m.mean - half)).abs() < 0.15 * half,
            "{ci:?}"
        );
        assert!(
            (ci.mean.high - (m.mean + half)).abs() < 0.15 * half,
            "{ci:?}"
        );
    }

    #[test]
    fn intervals_hold_their_point_estimates_and_are_ordered() {
        let sample = skewed_sample(1000, 4);
        let ci = bootstrap_intervals(&sample, 500, 0.95, 5).unwrap();
        for (interval, fraction) in [ci.median, ci.p90, ci.p95, ci.p99]
            .into_iter()
            .zip(FRACTIONS)
        {
            let point = f64::from(percentile(&sample, fraction).unwrap());
            assert!(
                interval.low <= point && point <= interval.high,
                "{interval:?} {point}"
            );
        }
        assert!(ci.median.high <= ci.p99.low);
    }

    #[test]
    fn a_constant_sample_has_a_zero_width_interval_and_nothing_has_none() {
        let ci = bootstrap_intervals(&[9, 9, 9], 50, 0.95, 1).unwrap();
        assert_eq!((ci.mean.low, ci.mean.high, ci.p99.low), (9.0, 9.0, 9.0));
        assert!(bootstrap_intervals(&[], 50, 0.95, 1).is_none());
        assert!(bootstrap_intervals(&[1], 0, 0.95, 1).is_none());
    }

    #[test]
    fn count_percentiles_agree_with_sorted_percentiles() {
        let sample = [1u32, 1, 2, 5, 5, 5, 9];
        let (values, ends) = distinct(&sample);
        assert_eq!(
            (values.as_slice(), ends.as_slice()),
            (&[1, 2, 5, 9][..], &[2, 3, 6, 7][..])
        );
        let counts = [2, 1, 3, 1];
        for fraction in [0.0, 0.1, 0.5, 0.9, 0.99] {
            assert_eq!(
                Some(count_percentile(&values, &counts, 7, fraction)),
                percentile(&sample, fraction)
            );
        }
    }
}
