//! Failed samples grouped by response code and message (JMeter's
//! dashboard "Errors" table): how many, their share of the errors and of
//! all samples, and which labels they hit.

use std::collections::HashMap;

use serde::Serialize;

use crate::jtl::Sample;

/// Distinct (code, message) pairs kept; beyond them (messages that carry a
/// unique id, say) failures are counted under one "other" row, so memory
/// stays bounded.
const MAX_KINDS: usize = 200;

/// One kind of failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorRow {
    /// The response code (`503`, `Non HTTP response code`, …).
    pub code: String,
    /// The failure message when there is one (an assertion's, a transport
    /// error's), else the response message.
    pub message: String,
    pub count: u64,
    /// 0 to 100.
    pub percent_of_errors: f64,
    /// 0 to 100.
    pub percent_of_samples: f64,
    /// The labels with this failure, in first-seen order.
    pub labels: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct ErrorTable {
    index: HashMap<(String, String), usize>,
    kinds: Vec<((String, String), u64, Vec<String>)>,
    other: u64,
    samples: u64,
    errors: u64,
}

impl ErrorTable {
    pub fn add(&mut self, sample: &Sample) {
        self.samples += 1;
        if sample.success {
            return;
        }
        self.errors += 1;
        let message = if sample.failure_message.is_empty() {
            &sample.response_message
        } else {
            &sample.failure_message
        };
        let key = (sample.response_code.clone(), message.clone());
        let slot = match self.index.get(&key) {
            Some(&slot) => slot,
            None if self.kinds.len() < MAX_KINDS => {
                self.index.insert(key.clone(), self.kinds.len());
                self.kinds.push((key, 0, Vec::new()));
                self.kinds.len() - 1
            }
            None => {
                self.other += 1;
                return;
            }
        };
        let (_, count, labels) = &mut self.kinds[slot];
        *count += 1;
        if !labels.contains(&sample.label) {
            labels.push(sample.label.clone());
        }
    }

    /// The rows, most frequent first.
    pub fn rows(&self) -> Vec<ErrorRow> {
        let percent = |count: u64, of: u64| {
            if of == 0 {
                0.0
            } else {
                count as f64 / of as f64 * 100.0
            }
        };
        let mut rows: Vec<ErrorRow> = self
            .kinds
            .iter()
            .map(|((code, message), count, labels)| ErrorRow {
                code: code.clone(),
                message: message.clone(),
                count: *count,
                percent_of_errors: percent(*count, self.errors),
                percent_of_samples: percent(*count, self.samples),
                labels: labels.clone(),
            })
            .collect();
        if self.other > 0 {
            rows.push(ErrorRow {
                code: "(other)".into(),
                message: format!("failures of more than {MAX_KINDS} other kinds"),
                count: self.other,
                percent_of_errors: percent(self.other, self.errors),
                percent_of_samples: percent(self.other, self.samples),
                labels: Vec::new(),
            });
        }
        rows.sort_by_key(|row| std::cmp::Reverse(row.count));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(label: &str, code: &str, message: &str, failure: &str, success: bool) -> Sample {
        Sample {
            label: label.into(),
            response_code: code.into(),
            response_message: message.into(),
            failure_message: failure.into(),
            success,
            ..Sample::default()
        }
    }

    #[test]
    fn failures_group_by_code_and_message_most_frequent_first() {
        let mut table = ErrorTable::default();
        table.add(&sample("buy", "200", "OK", "", true));
        table.add(&sample("buy", "503", "Service Unavailable", "", false));
        table.add(&sample("query", "503", "Service Unavailable", "", false));
        table.add(&sample("buy", "409", "Conflict", "", false));
        table.add(&sample("buy", "503", "Service Unavailable", "", false));
        table.add(&sample(
            "x",
            "Non HTTP response code",
            "",
            "connection refused",
            false,
        ));
        let rows = table.rows();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (
                rows[0].code.as_str(),
                rows[0].message.as_str(),
                rows[0].count
            ),
            ("503", "Service Unavailable", 3)
        );
        assert_eq!(rows[0].labels, ["buy", "query"]);
        assert_eq!(rows[0].percent_of_errors, 60.0);
        assert!((rows[0].percent_of_samples - 50.0).abs() < 1e-12);
        let transport = rows
            .iter()
            .find(|r| r.count == 1 && r.labels == ["x"])
            .unwrap();
        assert_eq!(transport.message, "connection refused");
    }

    #[test]
    fn kinds_beyond_the_cap_are_counted_together() {
        let mut table = ErrorTable::default();
        for i in 0..MAX_KINDS + 5 {
            table.add(&sample("a", "500", &format!("order {i}"), "", false));
        }
        let rows = table.rows();
        assert_eq!(rows.len(), MAX_KINDS + 1);
        let other = rows.iter().find(|r| r.code == "(other)").unwrap();
        assert_eq!(other.count, 5);
    }
}
