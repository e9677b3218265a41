//! The aggregate report of two real JMeter 5.6 logs (`testdata/jmeter-bookstore`)
//! against figures computed here independently: rows parsed with a plain CSV
//! reader, each label's elapsed times kept in a Vec and sorted, every figure
//! taken from its definition in JMeter's `SamplingStatCalculator` /
//! `StatCalculator` (percentile = the value at 1-based rank
//! `Math.round(n × p)` of the sorted times, at least the first).

use std::path::{Path, PathBuf};

use storefront_report::{AggregateRow, RunInfo, build_report};

fn log(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/jmeter-bookstore")
        .join(name)
}

struct Row {
    label: String,
    start: i64,
    elapsed: u64,
    success: bool,
    bytes: u64,
    sent: u64,
    code: String,
}

fn rows_of(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (ts, el, lb, ok, by, se, rc) = (
        at("timeStamp"),
        at("elapsed"),
        at("label"),
        at("success"),
        at("bytes"),
        at("sentBytes"),
        at("responseCode"),
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Row {
                label: r[lb].to_owned(),
                start: r[ts].parse().unwrap(),
                elapsed: r[el].parse().unwrap(),
                success: &r[ok] == "true",
                bytes: r[by].parse().unwrap(),
                sent: r[se].parse().unwrap(),
                code: r[rc].to_owned(),
            }
        })
        .collect()
}

/// Every figure of one aggregate row, from its definition.
fn expected(label: &str, rows: &[&Row]) -> AggregateRow {
    let n = rows.len();
    let mut times: Vec<u64> = rows.iter().map(|r| r.elapsed).collect();
    times.sort_unstable();
    let percentile = |p: f64| {
        let rank = ((n as f64) * p).round() as usize;
        times[rank.max(1) - 1]
    };
    let sum: f64 = times.iter().map(|&t| t as f64).sum();
    let mean = sum / n as f64;
    let variance = times
        .iter()
        .map(|&t| (t as f64 - mean).powi(2))
        .sum::<f64>()
        / n as f64;
    let first = rows.iter().map(|r| r.start).min().unwrap();
    let last = rows
        .iter()
        .map(|r| r.start + r.elapsed as i64)
        .max()
        .unwrap();
    let seconds = (last - first) as f64 / 1000.0;
    let errors = rows.iter().filter(|r| !r.success).count() as u64;
    let received: u64 = rows.iter().map(|r| r.bytes).sum();
    let sent: u64 = rows.iter().map(|r| r.sent).sum();
    AggregateRow {
        label: label.to_owned(),
        samples: n as u64,
        average_ms: mean,
        median_ms: percentile(0.5) as f64,
        p90_ms: percentile(0.9) as f64,
        p95_ms: percentile(0.95) as f64,
        p99_ms: percentile(0.99) as f64,
        min_ms: times[0] as f64,
        max_ms: times[n - 1] as f64,
        std_dev_ms: variance.sqrt(),
        errors,
        error_percent: errors as f64 * 100.0 / n as f64,
        throughput_per_sec: n as f64 / seconds,
        received_kb_per_sec: received as f64 / 1024.0 / seconds,
        sent_kb_per_sec: sent as f64 / 1024.0 / seconds,
        received_bytes: received,
        sent_bytes: sent,
        first_start_ms: Some(first),
        last_end_ms: Some(last),
    }
}

fn assert_same(actual: &AggregateRow, expected: &AggregateRow) {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let label = &expected.label;
    assert_eq!(
        (
            &actual.label,
            actual.samples,
            actual.median_ms,
            actual.p90_ms,
            actual.p95_ms,
            actual.p99_ms,
            actual.min_ms,
            actual.max_ms,
            actual.errors,
        ),
        (
            &expected.label,
            expected.samples,
            expected.median_ms,
            expected.p90_ms,
            expected.p95_ms,
            expected.p99_ms,
            expected.min_ms,
            expected.max_ms,
            expected.errors,
        ),
        "{label}"
    );
    assert_eq!(
        (
            actual.received_bytes,
            actual.sent_bytes,
            actual.first_start_ms,
            actual.last_end_ms
        ),
        (
            expected.received_bytes,
            expected.sent_bytes,
            expected.first_start_ms,
            expected.last_end_ms
        ),
        "{label}"
    );
    for (name, a, b) in [
        ("average", actual.average_ms, expected.average_ms),
        ("std dev", actual.std_dev_ms, expected.std_dev_ms),
        ("error %", actual.error_percent, expected.error_percent),
        (
            "throughput",
            actual.throughput_per_sec,
            expected.throughput_per_sec,
        ),
        (
            "received KB/s",
            actual.received_kb_per_sec,
            expected.received_kb_per_sec,
        ),
        (
            "sent KB/s",
            actual.sent_kb_per_sec,
            expected.sent_kb_per_sec,
        ),
    ] {
        assert!(close(a, b), "{label}: {name} is {a}, expected {b}");
    }
}

fn check(name: &str) {
    let path = log(name);
    let rows = rows_of(&path);
    let mut labels: Vec<&str> = Vec::new();
    for row in &rows {
        if !labels.contains(&row.label.as_str()) {
            labels.push(&row.label);
        }
    }
    let out = tempfile::tempdir().unwrap();
    let report = build_report(
        &path,
        out.path(),
        &RunInfo::default(),
        Default::default(),
        &[],
    )
    .unwrap();

    let actual_labels: Vec<&str> = report.rows().iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        actual_labels, labels,
        "one row per label, in first-seen order"
    );
    for (actual, label) in report.rows().iter().zip(&labels) {
        let of_label: Vec<&Row> = rows.iter().filter(|r| r.label == *label).collect();
        assert_same(actual, &expected(label, &of_label));
    }
    let all: Vec<&Row> = rows.iter().collect();
    assert_same(report.total(), &expected("TOTAL", &all));

    // The per-second series counts every sample and every error once.
    let series = report.time_series();
    assert_eq!(
        series.iter().map(|p| p.samples).sum::<u64>(),
        rows.len() as u64
    );
    assert_eq!(
        series.iter().map(|p| p.errors).sum::<u64>(),
        report.total().errors
    );
    assert_eq!(
        report
            .latency_distribution()
            .iter()
            .map(|b| b.samples)
            .sum::<u64>(),
        rows.len() as u64
    );
}

#[test]
fn the_ramp_up_run_1_log_gives_jmeters_figures_for_every_label() {
    let rows = rows_of(&log("ramp-up-run-1.jtl"));
    // What makes this log a test: throttled and failed requests.
    assert!(rows.iter().any(|r| r.code == "429" && !r.success));
    check("ramp-up-run-1.jtl");
}

#[test]
fn the_ramp_up_run_4_log_gives_jmeters_figures_for_every_label() {
    let rows = rows_of(&log("ramp-up-run-4.jtl"));
    // Redirect sub-results get rows of their own.
    assert!(
        rows.iter()
            .any(|r| r.label.ends_with("-0") && r.code == "302")
    );
    assert!(rows.iter().any(|r| r.label.ends_with("-1")));
    check("ramp-up-run-4.jtl");
}

#[test]
fn the_logs_contain_bad_gateway_errors_counted_as_errors() {
    let rows: Vec<Row> = ["ramp-up-run-1.jtl", "ramp-up-run-4.jtl"]
        .iter()
        .flat_map(|name| rows_of(&log(name)))
        .collect();
    assert!(rows.iter().any(|r| r.code == "502" && !r.success));
}
