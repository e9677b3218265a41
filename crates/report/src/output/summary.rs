//! `summary.json`: every figure at full precision, for tools and for
//! comparing runs.

use serde_json::json;

use crate::Report;

pub fn render(report: &Report) -> Vec<u8> {
    let mut value = json!({
        "run": report.run,
        "latency_resolution": report.resolution(),
        "aggregate": {
            "rows": report.rows(),
            "total": report.total(),
        },
        "time_series": report.time_series(),
        "latency_distribution": report.latency_distribution(),
        "errors": report.errors(),
        "thresholds": report.thresholds(),
    });
    if !report.server().is_empty() {
        value["server"] = json!(report.server());
    }
    let mut text = serde_json::to_vec_pretty(&value).unwrap_or_default();
    text.push(b'\n');
    text
}
