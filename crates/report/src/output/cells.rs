//! How an aggregate row reads in every table (terminal, CSV, Markdown,
//! HTML): JMeter's column names, and its figures as JMeter shows them.

use crate::AggregateRow;
use crate::jtl::Resolution;

/// The sentence under every table saying how fine its times are.
pub fn resolution_note(resolution: Resolution) -> &'static str {
    match resolution {
        Resolution::Milliseconds => {
            "Times in whole milliseconds, as the JTL holds them (no microsecond sidecar beside it)."
        }
        Resolution::Microseconds => {
            "Times in milliseconds to the microsecond, from the JTL's sidecar (results.jtl.micros.csv)."
        }
    }
}

/// JMeter's Aggregate Report columns, plus its Summary Report's Std. Dev.
pub const COLUMNS: [&str; 14] = [
    "Label",
    "# Samples",
    "Average",
    "Median",
    "90% Line",
    "95% Line",
    "99% Line",
    "Min",
    "Max",
    "Error %",
    "Throughput",
    "Received KB/sec",
    "Sent KB/sec",
    "Std. Dev.",
];

/// The row's cells in [`COLUMNS`] order. The average is truncated to whole
/// milliseconds as JMeter's table shows it (`getMeanAsNumber`: `(long)
/// mean`) and Error % has JMeter's `#0.00%`. Throughput, KB/sec and Std. Dev.
/// get two decimals; throughput stays per second (JMeter's renderer switches
/// slow rows to per minute) so a column always compares. `summary.json` has
/// every figure at full precision.
///
/// With a microsecond sidecar the times get three decimals (microseconds),
/// the average included: whole milliseconds would hide what the sidecar is
/// for.
pub fn cells(row: &AggregateRow, resolution: Resolution) -> [String; 14] {
    let time = |ms: f64| format!("{ms:.*}", resolution.decimals());
    let average = match resolution {
        Resolution::Milliseconds => row.average_ms.trunc(),
        Resolution::Microseconds => row.average_ms,
    };
    [
        row.label.clone(),
        row.samples.to_string(),
        time(average),
        time(row.median_ms),
        time(row.p90_ms),
        time(row.p95_ms),
        time(row.p99_ms),
        time(row.min_ms),
        time(row.max_ms),
        format!("{:.2}%", row.error_percent),
        format!("{:.2}", row.throughput_per_sec),
        format!("{:.2}", row.received_kb_per_sec),
        format!("{:.2}", row.sent_kb_per_sec),
        format!("{:.*}", resolution.decimals().max(2), row.std_dev_ms),
    ]
}
