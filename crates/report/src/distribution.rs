//! The latency distribution graph's data: all response times in equal-width
//! bins from the fastest to the slowest sample.

use serde::Serialize;

use crate::aggregate::ElapsedCounts;

/// At most this many bins, so the graph stays readable.
const MAX_BINS: u64 = 40;

/// Samples whose elapsed time lies in `from_ms..to_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bin {
    pub from_ms: u64,
    /// Exclusive.
    pub to_ms: u64,
    pub samples: u64,
}

/// Bins covering every sample; empty without samples.
pub fn bins(counts: &ElapsedCounts) -> Vec<Bin> {
    let (Some(&min), Some(&max)) = (counts.keys().next(), counts.keys().next_back()) else {
        return Vec::new();
    };
    let width = (max - min + 1).div_ceil(MAX_BINS).max(1);
    let bin_count = (max - min) / width + 1;
    let mut bins: Vec<Bin> = (0..bin_count)
        .map(|i| Bin {
            from_ms: min + i * width,
            to_ms: min + (i + 1) * width,
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
        let counts = ElapsedCounts::from([(0, 2), (39, 1), (40, 5), (99, 1)]);
        // Range 0..=99 is 100 values: width ceil(100 / 40) = 3, 34 bins.
        let bins = bins(&counts);
        assert_eq!(bins.len(), 34);
        assert_eq!(bins.iter().map(|b| b.samples).sum::<u64>(), 9);
        assert_eq!(
            bins[0],
            Bin {
                from_ms: 0,
                to_ms: 3,
                samples: 2
            }
        );
        assert_eq!(
            bins[13],
            Bin {
                from_ms: 39,
                to_ms: 42,
                samples: 6
            }
        );
        assert_eq!(
            bins[33],
            Bin {
                from_ms: 99,
                to_ms: 102,
                samples: 1
            }
        );
    }

    #[test]
    fn a_single_value_gives_one_bin() {
        assert_eq!(
            bins(&ElapsedCounts::from([(7, 3)])),
            [Bin {
                from_ms: 7,
                to_ms: 8,
                samples: 3
            }]
        );
    }
}
