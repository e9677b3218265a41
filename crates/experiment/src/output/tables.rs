//! The figures and verdict tables, as rows of cells for Markdown and HTML.

use storefront_compare::{format_p_value, format_signed};

use storefront_report::jtl::Resolution;

use crate::analysis::Analysis;

/// Milliseconds with two decimals, or three (microseconds) when the runs
/// recorded them.
fn fmt_ms(value: Option<f64>, resolution: Resolution) -> String {
    let decimals = resolution.decimals().max(2);
    value.map_or_else(|| "–".into(), |v| format!("{v:.decimals$}"))
}

/// One row per combination and label: n, mean [CI], p99 [CI], errors.
pub(super) fn figures_table(analysis: &Analysis) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for c in &analysis.combinations {
        let rate = c
            .throughput_mean
            .map_or_else(|| "–".into(), |r| format!("{r:.1}"));
        if c.labels.is_empty() {
            rows.push(vec![
                c.name.clone(),
                "–".into(),
                format!("{}", c.runs),
                rate,
                "–".into(),
                "no finished run".into(),
                "–".into(),
                "–".into(),
                "–".into(),
            ]);
            continue;
        }
        let ms = |value| fmt_ms(value, c.latency_resolution);
        for label in &c.labels {
            let ci = label.intervals;
            rows.push(vec![
                c.name.clone(),
                label.label.clone(),
                format!("{}", c.runs),
                rate.clone(),
                format!("{}", label.n),
                format!(
                    "{} [{}, {}]",
                    ms(label.mean),
                    ms(ci.map(|c| c.mean.low)),
                    ms(ci.map(|c| c.mean.high))
                ),
                format!(
                    "{} [{}, {}]",
                    label.p99.map_or_else(
                        || "–".into(),
                        |p| format!("{p:.*}", c.latency_resolution.decimals())
                    ),
                    ms(ci.map(|c| c.p99.low)),
                    ms(ci.map(|c| c.p99.high))
                ),
                label.between_runs.as_ref().map_or_else(
                    || "–".into(),
                    |b| format!("[{}, {}]", ms(Some(b.mean.low)), ms(Some(b.mean.high))),
                ),
                format!("{}", label.errors),
            ]);
        }
    }
    rows
}

pub(super) const FIGURE_HEADERS: [&str; 9] = [
    "Combination",
    "Label",
    "Runs",
    "Req/s (mean)",
    "n",
    "Mean ms [95 % CI]",
    "p99 ms [95 % CI]",
    "Mean ms, 95 % CI over runs",
    "Errors",
];

/// One row per combination and service whose metrics were read.
pub(super) fn server_rows(analysis: &Analysis) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for c in &analysis.combinations {
        for (service, figures) in &c.server {
            rows.push(vec![
                c.name.clone(),
                service.clone(),
                format!("{:.2}", figures.cpu_cores_mean),
                format!("{:.1}", figures.rss_bytes_peak as f64 / (1024.0 * 1024.0)),
                format!("{:.1}", figures.requests_per_sec),
                figures
                    .writes_per_commit
                    .map_or_else(|| "–".into(), |w| format!("{w:.1}")),
            ]);
        }
    }
    rows
}

pub(super) const SERVER_HEADERS: [&str; 6] = [
    "Combination",
    "Service",
    "CPU (cores, mean)",
    "Peak RSS (MiB)",
    "Requests/s",
    "Writes per commit",
];

/// What the server table's figures are, for both pages.
pub(super) const SERVER_SENTENCE: &str = "Read from each service's metrics once a second during every run (`--server-metrics`), first sample to last: CPU cores busy, requests served per second and writes per SQLite group commit are means over the runs, memory the largest peak.";

pub(super) fn verdict_rows(analysis: &Analysis) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for comparison in &analysis.comparisons {
        for pair in &comparison.pairs {
            rows.push(vec![
                comparison.factor.clone(),
                format!("{} vs {}", pair.a, pair.b),
                pair.label.clone(),
                format_p_value(pair.p_adjusted),
                format_signed(pair.effect_size),
                format_p_value(pair.between_runs.map(|t| t.p)),
                pair.verdict.clone(),
            ]);
        }
    }
    rows
}

pub(super) const VERDICT_HEADERS: [&str; 7] = [
    "Factor",
    "Pair",
    "Label",
    "p (Holm)",
    "Hedges g (B vs A)",
    "p over runs",
    "Verdict",
];

/// What the figures' intervals are, for both pages.
pub(super) fn intervals_sentence(analysis: &Analysis) -> String {
    format!(
        "Latency in ms. The bracketed intervals are 95 % bootstrap intervals ({} resamples) over the pooled samples of each combination's runs, first {} s of each run left out: how precisely those samples fix a figure, not how much runs vary. \"CI over runs\" takes each run's mean as one observation (Student's t over the runs; with one run there is none), and \"p over runs\" compares two combinations' run means the same way (Welch, not Holm-corrected); the verdict tests the pooled samples.",
        analysis.compare_options.bootstrap_resamples,
        analysis.compare_options.warmup.as_secs_f64()
    )
}
