//! Per-second figures over the run: completed samples, errors, active users
//! and response-time percentiles. A sample counts in the second in which it
//! ended, the moment its result was known, so a second's throughput is the
//! responses completed in it (as wrk and oha count).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::{ElapsedCounts, percent_point, us_to_ms};
use crate::jtl::Sample;

/// Gaps between seconds with samples are filled with empty seconds (so a
/// stall shows as a drop to zero), unless the run spans more than this.
const MAX_FILLED_SECONDS: i64 = 7 * 24 * 3600;

/// One second of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecondPoint {
    /// Seconds since the first second of the run.
    pub t: i64,
    /// The second's start, in milliseconds since the Unix epoch.
    pub epoch_ms: i64,
    /// Samples that ended in this second.
    pub samples: u64,
    pub errors: u64,
    /// The most threads (virtual users) active in the test that any sample
    /// ending in this second saw (JTL `allThreads`); 0 in an empty second.
    pub active_users: u32,
    /// Response-time (elapsed) percentiles of the samples that ended in this
    /// second, by the same method as the aggregate report.
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    /// Each label's mean response time in this second (JMeter's Response
    /// Time Graph), in the order of the aggregate rows; `None` where the
    /// label had no sample ending in it.
    pub mean_ms_by_label: Vec<Option<f64>>,
}

#[derive(Debug, Default)]
struct Second {
    samples: u64,
    errors: u64,
    active_users: u32,
    elapsed_counts: ElapsedCounts,
    /// Per label slot: (sum of elapsed µs, samples).
    by_label: Vec<(u64, u64)>,
}

/// Collects samples into seconds; memory grows with the run's length in
/// seconds and the distinct response times within each, not with samples.
#[derive(Debug, Default)]
pub struct TimeSeries {
    seconds: BTreeMap<i64, Second>,
    /// Label slots seen so far.
    labels: usize,
}

impl TimeSeries {
    /// Adds a sample of the label at `slot` (its aggregate row).
    pub fn add(&mut self, sample: &Sample, slot: usize) {
        self.labels = self.labels.max(slot + 1);
        let second = self
            .seconds
            .entry(sample.end_ms().div_euclid(1000))
            .or_default();
        second.samples += 1;
        if !sample.success {
            second.errors += 1;
        }
        second.active_users = second.active_users.max(sample.all_threads);
        *second.elapsed_counts.entry(sample.elapsed_us).or_default() += 1;
        if second.by_label.len() <= slot {
            second.by_label.resize(slot + 1, (0, 0));
        }
        let (sum, count) = &mut second.by_label[slot];
        *sum = sum.saturating_add(sample.elapsed_us);
        *count += 1;
    }

    pub fn points(&self) -> Vec<SecondPoint> {
        let (Some(&first), Some(&last)) =
            (self.seconds.keys().next(), self.seconds.keys().next_back())
        else {
            return Vec::new();
        };
        let point = |second: i64, figures: Option<&Second>| {
            let empty = Second::default();
            let s = figures.unwrap_or(&empty);
            SecondPoint {
                t: second - first,
                epoch_ms: second * 1000,
                samples: s.samples,
                errors: s.errors,
                active_users: s.active_users,
                p50_ms: us_to_ms(percent_point(&s.elapsed_counts, 0.5)),
                p90_ms: us_to_ms(percent_point(&s.elapsed_counts, 0.9)),
                p99_ms: us_to_ms(percent_point(&s.elapsed_counts, 0.99)),
                mean_ms_by_label: (0..self.labels)
                    .map(|slot| match s.by_label.get(slot) {
                        Some(&(sum, count)) if count > 0 => Some(us_to_ms(sum) / count as f64),
                        _ => None,
                    })
                    .collect(),
            }
        };
        if last - first <= MAX_FILLED_SECONDS {
            (first..=last)
                .map(|second| point(second, self.seconds.get(&second)))
                .collect()
        } else {
            self.seconds
                .iter()
                .map(|(&second, figures)| point(second, Some(figures)))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(start: i64, elapsed: u64, success: bool, users: u32) -> Sample {
        Sample {
            time_stamp_ms: start,
            elapsed_ms: elapsed,
            elapsed_us: elapsed * 1000,
            success,
            all_threads: users,
            ..Sample::default()
        }
    }

    #[test]
    fn samples_fall_in_the_second_they_ended_and_gaps_are_filled() {
        let mut series = TimeSeries::default();
        // Ends: 10,000 + 500 = 10,500 → second 10; 10,900 + 200 = 11,100 → 11;
        // 10,000 + 999 = 10,999 → 10; 13,000 + 0 → 13 (12 is empty).
        series.add(&sample(10_000, 500, true, 1), 0);
        series.add(&sample(10_900, 200, false, 3), 1);
        series.add(&sample(10_000, 999, true, 2), 0);
        series.add(&sample(13_000, 0, true, 4), 0);
        let points = series.points();
        let summary: Vec<_> = points
            .iter()
            .map(|p| (p.t, p.epoch_ms, p.samples, p.errors, p.active_users))
            .collect();
        assert_eq!(
            summary,
            [
                (0, 10_000, 2, 0, 2),
                (1, 11_000, 1, 1, 3),
                (2, 12_000, 0, 0, 0),
                (3, 13_000, 1, 0, 4)
            ]
        );
        // Second 10 has 500 and 999: median rank round(1) = 1 → 500;
        // p90 rank round(1.8) = 2 → 999.
        assert_eq!(
            (points[0].p50_ms, points[0].p90_ms, points[0].p99_ms),
            (500.0, 999.0, 999.0)
        );
        // Label 0 has 500 and 999 in second 10, label 1 nothing there.
        assert_eq!(points[0].mean_ms_by_label, [Some(749.5), None]);
        assert_eq!(points[1].mean_ms_by_label, [None, Some(200.0)]);
        assert_eq!(points[2].mean_ms_by_label, [None, None]);
    }

    #[test]
    fn no_samples_give_no_points() {
        assert!(TimeSeries::default().points().is_empty());
    }
}
