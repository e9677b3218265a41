//! JMeter's Aggregate Report, computed the way JMeter computes it
//! (`SamplingStatCalculator` over `StatCalculator`), one row per label plus a
//! TOTAL row. Each label keeps a map from elapsed microseconds to how many
//! samples took that long: exact percentiles in memory bounded by the number
//! of distinct response times, not the number of samples. A JMeter file's
//! whole milliseconds are kept as microseconds too (×1,000), so its figures
//! are exactly JMeter's.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::jtl::Sample;

/// The label JMeter gives the row that sums every sample.
pub const TOTAL_LABEL: &str = "TOTAL";

/// Exact counts of elapsed times in microseconds, in ascending order.
pub type ElapsedCounts = BTreeMap<u64, u64>;

/// Microseconds as milliseconds.
pub fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// The value below which `fraction` of the samples lie, by JMeter's method
/// (`org.apache.jorphan.math.StatCalculator#getPercentPoint`): with `n`
/// samples, take the rank `Math.round(n * fraction)` and walk the sorted
/// values until that many samples have been passed; the value reached is the
/// answer (the smallest value when the rank rounds to 0). A fraction of 1 or
/// more gives the maximum; no samples give 0.
pub fn percent_point(counts: &ElapsedCounts, fraction: f64) -> u64 {
    let n: u64 = counts.values().sum();
    if n == 0 {
        return 0;
    }
    if fraction >= 1.0 {
        return counts.keys().next_back().copied().unwrap_or(0);
    }
    // Java's Math.round is floor(x + 0.5); for x >= 0 that is f64::round.
    let mut target = (n as f64 * fraction).round() as i128;
    for (&value, &count) in counts {
        target -= i128::from(count);
        if target <= 0 {
            return value;
        }
    }
    0
}

/// Running figures for one label (or for all, the TOTAL row).
#[derive(Debug, Default, Clone)]
pub struct Accumulator {
    elapsed_counts: ElapsedCounts,
    samples: u64,
    errors: u64,
    /// Exact sums of microseconds: `u128` cannot overflow on any realistic
    /// run, so the mean and deviation carry no rounding error from summing
    /// in floats.
    elapsed_sum: u128,
    elapsed_square_sum: u128,
    received_bytes: u64,
    sent_bytes: u64,
    first_start_ms: Option<i64>,
    last_end_ms: Option<i64>,
}

impl Accumulator {
    pub fn add(&mut self, sample: &Sample) {
        *self.elapsed_counts.entry(sample.elapsed_us).or_default() += 1;
        self.samples += 1;
        if !sample.success {
            self.errors += 1;
        }
        let elapsed = u128::from(sample.elapsed_us);
        self.elapsed_sum += elapsed;
        self.elapsed_square_sum += elapsed * elapsed;
        self.received_bytes = self.received_bytes.saturating_add(sample.bytes);
        self.sent_bytes = self.sent_bytes.saturating_add(sample.sent_bytes);
        let start = sample.time_stamp_ms;
        let end = sample.end_ms();
        self.first_start_ms = Some(self.first_start_ms.map_or(start, |s| s.min(start)));
        self.last_end_ms = Some(self.last_end_ms.map_or(end, |e| e.max(end)));
    }

    pub fn elapsed_counts(&self) -> &ElapsedCounts {
        &self.elapsed_counts
    }

    /// The finished row.
    pub fn row(&self, label: &str) -> AggregateRow {
        let n = self.samples;
        let (average_ms, std_dev_ms) = if n == 0 {
            (0.0, 0.0)
        } else {
            let n = u128::from(n);
            // Population deviation, as JMeter: sqrt(Σx²/n − mean²), here as
            // sqrt((nΣx² − (Σx)²)) / n so the subtraction is exact.
            let spread = n * self.elapsed_square_sum - self.elapsed_sum * self.elapsed_sum;
            (
                self.elapsed_sum as f64 / n as f64 / 1000.0,
                (spread as f64).sqrt() / n as f64 / 1000.0,
            )
        };
        // JMeter: samples / (last end − first start), per second; the byte
        // rates divide by the same span.
        let span_ms = match (self.first_start_ms, self.last_end_ms) {
            (Some(start), Some(end)) if end > start => (end - start) as f64,
            _ => 0.0,
        };
        let per_second = |amount: f64| {
            if span_ms > 0.0 {
                amount / span_ms * 1000.0
            } else {
                0.0
            }
        };
        let counts = &self.elapsed_counts;
        AggregateRow {
            label: label.to_owned(),
            samples: n,
            average_ms,
            median_ms: us_to_ms(percent_point(counts, 0.5)),
            p90_ms: us_to_ms(percent_point(counts, 0.90)),
            p95_ms: us_to_ms(percent_point(counts, 0.95)),
            p99_ms: us_to_ms(percent_point(counts, 0.99)),
            min_ms: us_to_ms(counts.keys().next().copied().unwrap_or(0)),
            max_ms: us_to_ms(counts.keys().next_back().copied().unwrap_or(0)),
            std_dev_ms,
            errors: self.errors,
            error_percent: if n == 0 {
                0.0
            } else {
                self.errors as f64 / n as f64 * 100.0
            },
            throughput_per_sec: per_second(n as f64),
            received_kb_per_sec: per_second(self.received_bytes as f64) / 1024.0,
            sent_kb_per_sec: per_second(self.sent_bytes as f64) / 1024.0,
            received_bytes: self.received_bytes,
            sent_bytes: self.sent_bytes,
            first_start_ms: self.first_start_ms,
            last_end_ms: self.last_end_ms,
        }
    }
}

/// One row of the aggregate report. Times are in milliseconds: whole ones
/// from a JMeter file, with microsecond fractions when the JTL has a
/// sidecar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggregateRow {
    pub label: String,
    pub samples: u64,
    /// The exact mean (JMeter's table shows it truncated to a whole number).
    pub average_ms: f64,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    /// Population standard deviation of the elapsed times.
    pub std_dev_ms: f64,
    pub errors: u64,
    /// 0 to 100.
    pub error_percent: f64,
    /// Samples per second over the label's span (first start to last end).
    /// When that span is empty JMeter divides by zero; this gives 0.
    pub throughput_per_sec: f64,
    /// KiB (1,024 bytes) received per second over the same span, as JMeter.
    pub received_kb_per_sec: f64,
    pub sent_kb_per_sec: f64,
    pub received_bytes: u64,
    pub sent_bytes: u64,
    pub first_start_ms: Option<i64>,
    pub last_end_ms: Option<i64>,
}

/// Accumulators for every label, in the order labels first appear (the
/// order of JMeter's table), and for the TOTAL row.
#[derive(Debug, Default)]
pub struct Aggregator {
    index: HashMap<String, usize>,
    labels: Vec<(String, Accumulator)>,
    total: Accumulator,
}

impl Aggregator {
    /// Adds a sample; returns its label's position in [`Aggregator::rows`].
    pub fn add(&mut self, sample: &Sample) -> usize {
        let slot = match self.index.get(&sample.label) {
            Some(&slot) => slot,
            None => {
                self.index.insert(sample.label.clone(), self.labels.len());
                self.labels
                    .push((sample.label.clone(), Accumulator::default()));
                self.labels.len() - 1
            }
        };
        self.labels[slot].1.add(sample);
        self.total.add(sample);
        slot
    }

    pub fn rows(&self) -> Vec<AggregateRow> {
        self.labels
            .iter()
            .map(|(label, accumulator)| accumulator.row(label))
            .collect()
    }

    pub fn total(&self) -> &Accumulator {
        &self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(values: &[u64]) -> ElapsedCounts {
        let mut counts = ElapsedCounts::new();
        for &v in values {
            *counts.entry(v).or_default() += 1;
        }
        counts
    }

    #[test]
    fn percent_points_use_the_rank_rounded_like_java_math_round() {
        let one_to_ten = counts(&[10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
        // n = 10: ranks round(5) = 5, round(9) = 9, round(9.5) = 10, round(9.9) = 10.
        assert_eq!(percent_point(&one_to_ten, 0.5), 5);
        assert_eq!(percent_point(&one_to_ten, 0.9), 9);
        assert_eq!(percent_point(&one_to_ten, 0.95), 10);
        assert_eq!(percent_point(&one_to_ten, 0.99), 10);
        assert_eq!(percent_point(&one_to_ten, 1.0), 10);
        // n = 5: the median's rank is round(2.5) = 3 (half rounds up).
        assert_eq!(percent_point(&counts(&[1, 2, 3, 4, 5]), 0.5), 3);
        // Repeated values: n = 4, rank round(2) = 2 lands inside the three 5s.
        assert_eq!(percent_point(&counts(&[5, 5, 7, 5]), 0.5), 5);
        // n = 4, rank round(3.6) = 4 is the 7.
        assert_eq!(percent_point(&counts(&[5, 5, 7, 5]), 0.9), 7);
        // n = 1, p = 0.01: rank round(0.01) = 0 gives the smallest value.
        assert_eq!(percent_point(&counts(&[42]), 0.01), 42);
        assert_eq!(percent_point(&ElapsedCounts::new(), 0.5), 0);
    }

    fn sample(start: i64, elapsed: u64, success: bool) -> Sample {
        Sample {
            time_stamp_ms: start,
            elapsed_ms: elapsed,
            elapsed_us: elapsed * 1000,
            label: "a".into(),
            success,
            bytes: 1024,
            sent_bytes: 512,
            ..Sample::default()
        }
    }

    #[test]
    fn a_row_has_every_figure_of_jmeters_aggregate_report() {
        let mut accumulator = Accumulator::default();
        // Starts 1000..1040, elapsed 10, 20, 30, 40, 100: ends 1010, 1030,
        // 1050, 1070, 1140; two failures.
        for (i, elapsed) in [10, 20, 30, 40, 100].into_iter().enumerate() {
            accumulator.add(&sample(1000 + 10 * i as i64, elapsed, i.is_multiple_of(2)));
        }
        let row = accumulator.row("a");
        assert_eq!(row.samples, 5);
        assert_eq!(row.average_ms, 40.0); // 200 / 5
        // Ranks: median round(2.5) = 3rd = 30; 90/95/99 % round to the 5th.
        assert_eq!(
            (row.median_ms, row.p90_ms, row.p95_ms, row.p99_ms),
            (30.0, 100.0, 100.0, 100.0)
        );
        assert_eq!((row.min_ms, row.max_ms), (10.0, 100.0));
        // Σx² / n − mean² = 13,000 / 5 − 1,600 = 1,000.
        assert!((row.std_dev_ms - 1000f64.sqrt()).abs() < 1e-9);
        assert_eq!(row.errors, 2);
        assert_eq!(row.error_percent, 40.0);
        // Span 1140 − 1000 = 140 ms.
        assert!((row.throughput_per_sec - 5.0 / 0.140).abs() < 1e-9);
        assert!((row.received_kb_per_sec - 5.0 * 1024.0 / 0.140 / 1024.0).abs() < 1e-9);
        assert!((row.sent_kb_per_sec - 5.0 * 512.0 / 0.140 / 1024.0).abs() < 1e-9);
    }

    #[test]
    fn labels_keep_their_first_seen_order_and_total_sums_them_all() {
        let mut aggregator = Aggregator::default();
        for (label, elapsed) in [("b", 5_000), ("a", 7_000), ("b", 9_000)] {
            aggregator.add(&Sample {
                label: label.into(),
                elapsed_ms: elapsed / 1000,
                elapsed_us: elapsed,
                success: true,
                ..Sample::default()
            });
        }
        let rows = aggregator.rows();
        let labels: Vec<_> = rows.iter().map(|r| (r.label.as_str(), r.samples)).collect();
        assert_eq!(labels, [("b", 2), ("a", 1)]);
        let total = aggregator.total().row(TOTAL_LABEL);
        assert_eq!((total.samples, total.min_ms, total.max_ms), (3, 5.0, 9.0));
    }

    #[test]
    fn microseconds_give_fractional_milliseconds() {
        let mut accumulator = Accumulator::default();
        for elapsed_us in [412, 388, 1_250] {
            accumulator.add(&Sample {
                elapsed_ms: elapsed_us / 1000,
                elapsed_us,
                success: true,
                ..Sample::default()
            });
        }
        let row = accumulator.row("a");
        assert_eq!(
            (row.min_ms, row.median_ms, row.max_ms),
            (0.388, 0.412, 1.25)
        );
        assert!((row.average_ms - 2.05 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn no_samples_give_a_row_of_zeros_not_a_division_by_zero() {
        let row = Accumulator::default().row("empty");
        assert_eq!(row.samples, 0);
        assert_eq!(row.throughput_per_sec, 0.0);
        assert_eq!(row.error_percent, 0.0);
        assert_eq!(row.average_ms, 0.0);
    }
}
