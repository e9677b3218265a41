//! `compare.json`: what scripts read. Field names are a contract: `pairs`
//! entries carry at least a, b, label, welch_t, welch_df, welch_p,
//! mann_whitney_u, mann_whitney_p, effect_size, p_adjusted, significant.

use serde_json::json;

use crate::Comparison;

pub(crate) fn value(c: &Comparison) -> serde_json::Value {
    let mut options = serde_json::to_value(&c.options).unwrap_or_default();
    if let Some(map) = options.as_object_mut() {
        map.insert("confidence".into(), json!(c.options.confidence()));
        map.insert("verdict_test".into(), json!("mann-whitney, holm-adjusted"));
        map.insert("percentile_rule".into(), json!("jmeter: rank round(n*p)"));
    }
    json!({
        "options": options,
        "scenarios": c.scenarios,
        "pairs": c.pairs,
        "notes": c.notes,
    })
}
