//! The latency distribution graph's data: all response times in equal-width
//! bins from the fastest to the slowest sample.

use serde::Serialize;

use crate::aggregate::{ElapsedCounts, us_to_ms};
use crate::jtl::Resolution;

/// At most this many bins, so the graph stays readable.
const MAX_BINS: u64 = 40;

/// Samples whose elapsed time lies in `from_ms..to_ms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    pub from_ms: f64,
    /// Exclusive.
    pub to_ms: f64,
    pub samples: u64,
}

/// Bins covering every sample (counts in microseconds); empty without
/// samples. Bin widths are whole multiples of the resolution, so whole
/// milliseconds never straddle a bin edge and alias into uneven bars.
pub fn bins(counts: &ElapsedCounts, resolution: Resolution) -> Vec<Bin> {
    let (Some(&min), Some(&max)) = (counts.keys().next(), counts.keys().next_back()) else {
        return Vec::new();
    };
    let quantum = match resolution {
        Resolution::Milliseconds => 1000,
        Resolution::Microseconds => 1,
    };
    let steps = (max - min) / quantum + 1;
    let width = steps.div_ceil(MAX_BINS).max(1) * quantum;
    let bin_count = (max - min) / width + 1;
    let mut bins: Vec<Bin> = (0..bin_count)
        .map(|i| Bin {
            from_ms: us_to_ms(min + i * width),
            to_ms: us_to_ms(min + (i + 1) * width),
            samples: 0,
        })
        .collect();
    for (&elapsed, &count) in counts {
        bins[((elapsed - min) / width) as usize].samples += count;
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_lands_in_the_bin_covering_its_time() {
        let counts = ElapsedCounts::from([(0, 2), (39_000, 1), (40_000, 5), (99_000, 1)]);
        // Range 0..=99 ms is 100 values: width ceil(100 / 40) = 3 ms, 34 bins.
        let bins = bins(&counts, Resolution::Milliseconds);
        assert_eq!(bins.len(), 34);
        assert_eq!(bins.iter().map(|b| b.samples).sum::<u64>(), 9);
        assert_eq!(
            bins[0],
            Bin {
                from_ms: 0.0,
                to_ms: 3.0,
                samples: 2
            }
        );
        assert_eq!(
            bins[13],
            Bin {
                from_ms: 39.0,
                to_ms: 42.0,
                samples: 6
            }
        );
        assert_eq!(
            bins[33],
            Bin {
                from_ms: 99.0,
                to_ms: 102.0,
                samples: 1
            }
        );
    }

    #[test]
    fn a_single_value_gives_one_bin() {
        assert_eq!(
            bins(&ElapsedCounts::from([(7_000, 3)]), Resolution::Milliseconds),
            [Bin {
                from_ms: 7.0,
                to_ms: 8.0,
                samples: 3
            }]
        );
    }

    #[test]
    fn microseconds_get_bins_narrower_than_a_millisecond() {
        // 300..=699 µs is 400 values: width 10 µs, 40 bins.
        let counts = ElapsedCounts::from([(300, 1), (455, 2), (699, 1)]);
        let bins = bins(&counts, Resolution::Microseconds);
        assert_eq!(bins.len(), 40);
        assert_eq!(bins[15].samples, 2);
        assert_eq!((bins[15].from_ms, bins[15].to_ms), (0.45, 0.46));
    }
}
