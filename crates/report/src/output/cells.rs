//! How an aggregate row reads in every table (terminal, CSV, Markdown,
//! HTML): JMeter's column names, and its figures as JMeter shows them.

use crate::AggregateRow;

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
pub fn cells(row: &AggregateRow) -> [String; 14] {
    [
        row.label.clone(),
        row.samples.to_string(),
        (row.average_ms.trunc() as u64).to_string(),
        row.median_ms.to_string(),
        row.p90_ms.to_string(),
        row.p95_ms.to_string(),
        row.p99_ms.to_string(),
        row.min_ms.to_string(),
        row.max_ms.to_string(),
        format!("{:.2}%", row.error_percent),
        format!("{:.2}", row.throughput_per_sec),
        format!("{:.2}", row.received_kb_per_sec),
        format!("{:.2}", row.sent_kb_per_sec),
        format!("{:.2}", row.std_dev_ms),
    ]
}
