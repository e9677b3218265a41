//! The comparison's charts, drawn with `storefront_report::svg`: per label,
//! the scenarios' latency distributions overlaid, and their sampling
//! distributions of the mean overlaid. Bars are fractions of each
//! scenario's samples, so runs of different lengths compare by shape.

use storefront_report::jtl::Resolution;
use storefront_report::svg::{Bar, Histogram, histogram_chart};

use crate::ScenarioStats;

const COLORS: [&str; 8] = [
    "#3182bd", "#e6550d", "#31a354", "#756bb1", "#de2d26", "#636363", "#8c6d31", "#d6616b",
];
const BINS: usize = 40;

/// Labels in first-seen order over all scenarios (TOTAL stays last).
pub(crate) fn labels(scenarios: &[ScenarioStats]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for s in scenarios {
        for l in &s.labels {
            if !labels.contains(&l.label) {
                labels.push(l.label.clone());
            }
        }
    }
    if let Some(i) = labels
        .iter()
        .position(|l| l == storefront_report::TOTAL_LABEL)
    {
        let total = labels.remove(i);
        labels.push(total);
    }
    labels
}

/// Overlaid latency histograms of one label, from the fastest sample to the
/// largest p99 (the slowest 1 % would otherwise squash the rest into a
/// few bins). Latencies are microseconds; bins are whole milliseconds
/// unless every scenario has microsecond resolution.
pub(crate) fn latency_chart(id: &str, label: &str, scenarios: &[ScenarioStats]) -> String {
    let quantum = match scenarios
        .iter()
        .map(|s| s.latency_resolution)
        .reduce(Resolution::coarser)
        .unwrap_or_default()
    {
        Resolution::Milliseconds => 1000.0,
        Resolution::Microseconds => 1.0,
    };
    let sides: Vec<(&str, &[u32])> = scenarios
        .iter()
        .filter_map(|s| {
            let l = s.labels.iter().find(|l| l.label == label)?;
            (!l.latencies.is_empty()).then_some((s.name.as_str(), l.latencies.as_slice()))
        })
        .collect();
    let low = sides.iter().map(|(_, v)| v[0]).min().unwrap_or(0);
    let high = sides
        .iter()
        .filter_map(|(_, v)| storefront_stats::percentile(v, 0.99))
        .max()
        .unwrap_or(low);
    let width = ((f64::from(high - low) + quantum) / BINS as f64 / quantum)
        .max(1.0)
        .ceil()
        * quantum;
    let histograms: Vec<Histogram> = sides
        .iter()
        .enumerate()
        .map(|(i, (name, values))| Histogram {
            name,
            color: COLORS[i % COLORS.len()],
            bars: (0..BINS)
                .map(|b| {
                    let from = f64::from(low) + b as f64 * width;
                    let to = from + width;
                    let below = |x: f64| values.partition_point(|&v| f64::from(v) < x);
                    Bar {
                        from: from / 1000.0,
                        to: to / 1000.0,
                        value: (below(to) - below(from)) as f64 / values.len() as f64,
                    }
                })
                .filter(|bar| bar.from * 1000.0 <= f64::from(high))
                .collect(),
        })
        .collect();
    histogram_chart(
        id,
        &format!("Latency distribution: {label}"),
        "ms",
        "fraction of samples",
        &histograms,
    )
}

/// Overlaid histograms of the sample means of one label.
pub(crate) fn sampling_chart(id: &str, label: &str, scenarios: &[ScenarioStats]) -> String {
    let sides: Vec<(&str, &[f64])> = scenarios
        .iter()
        .filter_map(|s| {
            let l = s.labels.iter().find(|l| l.label == label)?;
            let means = &l.sampling.as_ref()?.means;
            Some((s.name.as_str(), means.as_slice()))
        })
        .collect();
    let all = || sides.iter().flat_map(|(_, m)| m.iter().copied());
    let low = all().fold(f64::INFINITY, f64::min);
    let high = all().fold(f64::NEG_INFINITY, f64::max);
    let width = if high > low {
        (high - low) / BINS as f64
    } else {
        1.0
    };
    let histograms: Vec<Histogram> = sides
        .iter()
        .enumerate()
        .map(|(i, (name, means))| {
            let mut counts = [0usize; BINS];
            for &m in *means {
                let bin = (((m - low) / width) as usize).min(BINS - 1);
                counts[bin] += 1;
            }
            Histogram {
                name,
                color: COLORS[i % COLORS.len()],
                bars: counts
                    .iter()
                    .enumerate()
                    .map(|(b, &count)| Bar {
                        from: low + b as f64 * width,
                        to: low + (b + 1) as f64 * width,
                        value: count as f64 / means.len() as f64,
                    })
                    .collect(),
            }
        })
        .collect();
    histogram_chart(
        id,
        &format!("Sampling distribution of the mean: {label}"),
        "mean ms",
        "fraction of samples",
        &histograms,
    )
}
