//! Pass/fail thresholds on a run's figures, so that a CI pipeline can fail
//! on a slow or failing run: `[LABEL:]METRIC OP VALUE`, such as
//! `p99 < 50ms`, `Create orders:p95<=200ms`, `error_rate < 1%` or
//! `rps >= 500`. Without a label a threshold applies to every sample (the
//! TOTAL row). They are judged on the same aggregate rows as the tables,
//! so a threshold and the table it is read against never disagree.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::aggregate::{AggregateRow, TOTAL_LABEL};

/// A figure of one aggregate row that a threshold can bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    P50,
    P90,
    P95,
    P99,
    Mean,
    Max,
    /// Failed samples, in percent of the label's samples.
    ErrorRate,
    /// Samples per second over the label's span.
    Rps,
}

impl Metric {
    const ALL: [(&'static str, Metric); 8] = [
        ("p50", Metric::P50),
        ("p90", Metric::P90),
        ("p95", Metric::P95),
        ("p99", Metric::P99),
        ("mean", Metric::Mean),
        ("max", Metric::Max),
        ("error_rate", Metric::ErrorRate),
        ("rps", Metric::Rps),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("", |(name, _)| name)
    }

    /// The unit the metric is compared in (thresholds are converted to it).
    fn unit(self) -> &'static str {
        match self {
            Metric::ErrorRate => "%",
            Metric::Rps => "/s",
            _ => "ms",
        }
    }

    fn of(self, row: &AggregateRow) -> f64 {
        match self {
            Metric::P50 => row.median_ms,
            Metric::P90 => row.p90_ms,
            Metric::P95 => row.p95_ms,
            Metric::P99 => row.p99_ms,
            Metric::Mean => row.average_ms,
            Metric::Max => row.max_ms,
            Metric::ErrorRate => row.error_percent,
            Metric::Rps => row.throughput_per_sec,
        }
    }

    /// The value of `text` in this metric's unit; the unit must fit the
    /// metric (a latency needs us, ms or s; an error rate %).
    fn value(self, text: &str) -> Result<f64, String> {
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: f64 = number
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite())
            .ok_or_else(|| format!("`{text}` is not a number with a unit"))?;
        let factor = match (self, unit.trim()) {
            (Metric::ErrorRate, "%") => 1.0,
            (Metric::ErrorRate, _) => {
                return Err(format!(
                    "error_rate takes a percentage, such as 1%, not `{text}`"
                ));
            }
            (Metric::Rps, "" | "/s") => 1.0,
            (Metric::Rps, _) => {
                return Err(format!(
                    "rps takes requests per second, such as 500, not `{text}`"
                ));
            }
            (_, "us" | "µs") => 0.001,
            (_, "ms") => 1.0,
            (_, "s") => 1000.0,
            (metric, _) => {
                return Err(format!(
                    "{} takes a time with its unit (us, ms or s), such as 50ms, not `{text}`",
                    metric.name()
                ));
            }
        };
        Ok(number * factor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Op {
    /// Longest first, so `<=` is not read as `<`.
    const ALL: [(&'static str, Op); 4] = [
        ("<=", Op::LessOrEqual),
        (">=", Op::GreaterOrEqual),
        ("<", Op::Less),
        (">", Op::Greater),
    ];

    fn symbol(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(symbol, _)| symbol)
    }

    fn holds(self, observed: f64, bound: f64) -> bool {
        match self {
            Op::Less => observed < bound,
            Op::LessOrEqual => observed <= bound,
            Op::Greater => observed > bound,
            Op::GreaterOrEqual => observed >= bound,
        }
    }
}

/// One parsed threshold. `label` is `None` for the TOTAL row.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub label: Option<String>,
    pub metric: Metric,
    pub op: Op,
    /// In the metric's unit (ms, % or per second).
    pub bound: f64,
    /// The bound as written (`50ms`), for messages.
    written: String,
}

impl FromStr for Threshold {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = |why: String| format!("threshold `{text}`: {why}");
        let (at, op) = Op::ALL
            .iter()
            .filter_map(|(symbol, op)| text.find(symbol).map(|at| (at, symbol, *op)))
            .min_by_key(|(at, symbol, _)| (*at, usize::MAX - symbol.len()))
            .map(|(at, symbol, op)| ((at, at + symbol.len()), op))
            .ok_or_else(|| bad("expected [LABEL:]METRIC OP VALUE, OP one of < <= > >=".into()))?;
        let (subject, written) = (text[..at.0].trim(), text[at.1..].trim());
        let (label, metric) = match subject.rsplit_once(':') {
            Some((label, metric)) => (Some(label.trim()), metric.trim()),
            None => (None, subject),
        };
        let metric = Metric::ALL
            .iter()
            .find(|(name, _)| *name == metric)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|(n, _)| *n).collect();
                bad(format!(
                    "unknown metric `{metric}`; one of {}",
                    names.join(" ")
                ))
            })?;
        let label = match label {
            Some("") => return Err(bad("the label before `:` is empty".into())),
            Some(TOTAL_LABEL) | None => None,
            Some(label) => Some(label.to_owned()),
        };
        let bound = metric.value(written).map_err(bad)?;
        Ok(Self {
            label,
            metric,
            op,
            bound,
            written: written.to_owned(),
        })
    }
}

impl Threshold {
    /// A threshold on `label` from the condition `METRIC OP VALUE` (the
    /// scenario file's `[thresholds]` table is keyed by label).
    pub fn for_label(label: &str, condition: &str) -> Result<Self, String> {
        let mut threshold: Self = condition.parse()?;
        if threshold.label.is_some() {
            return Err(format!(
                "threshold `{condition}` under `{label}`: give the label once, as the key"
            ));
        }
        if label != TOTAL_LABEL {
            threshold.label = Some(label.to_owned());
        }
        Ok(threshold)
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(label) = &self.label {
            write!(f, "{label}:")?;
        }
        write!(
            f,
            "{} {} {}",
            self.metric.name(),
            self.op.symbol(),
            self.written
        )
    }
}

/// How a threshold fared, as kept in `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdOutcome {
    /// The threshold, normalised (`Create orders:p95 <= 200ms`).
    pub expr: String,
    /// The row it was judged on (`TOTAL` for every sample).
    pub label: String,
    pub metric: Metric,
    /// The bound in `unit`.
    pub bound: f64,
    /// The row's figure in `unit`; `null` when the run has no such label
    /// (which fails: a misspelt label must not pass silently).
    pub observed: Option<f64>,
    pub unit: &'static str,
    pub passed: bool,
}

impl ThresholdOutcome {
    /// The observed figure with its unit, or why there is none.
    pub fn observed_text(&self) -> String {
        match self.observed {
            Some(value) if self.unit == "ms" => format!("{value:.3} ms"),
            Some(value) if self.unit == "%" => format!("{value:.2} %"),
            Some(value) => format!("{value:.1} {}", self.unit),
            None => format!("no samples labelled `{}`", self.label),
        }
    }
}

/// Judges each threshold on the row of its label.
pub fn judge(
    thresholds: &[Threshold],
    rows: &[AggregateRow],
    total: &AggregateRow,
) -> Vec<ThresholdOutcome> {
    thresholds
        .iter()
        .map(|threshold| {
            let row = match &threshold.label {
                None => Some(total),
                Some(label) => rows.iter().find(|row| &row.label == label),
            };
            let observed = row.map(|row| threshold.metric.of(row));
            ThresholdOutcome {
                expr: threshold.to_string(),
                label: threshold
                    .label
                    .clone()
                    .unwrap_or_else(|| TOTAL_LABEL.to_owned()),
                metric: threshold.metric,
                bound: threshold.bound,
                observed,
                unit: threshold.metric.unit(),
                passed: observed.is_some_and(|value| threshold.op.holds(value, threshold.bound)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, p99_ms: f64, error_percent: f64) -> AggregateRow {
        AggregateRow {
            label: label.into(),
            samples: 100,
            average_ms: 5.0,
            median_ms: 4.0,
            p90_ms: 8.0,
            p95_ms: 9.0,
            p99_ms,
            min_ms: 1.0,
            max_ms: 30.0,
            std_dev_ms: 2.0,
            errors: 0,
            error_percent,
            throughput_per_sec: 250.0,
            received_kb_per_sec: 0.0,
            sent_kb_per_sec: 0.0,
            received_bytes: 0,
            sent_bytes: 0,
            first_start_ms: None,
            last_end_ms: None,
        }
    }

    #[test]
    fn parses_every_form() {
        let t: Threshold = "p99 < 50ms".parse().unwrap();
        assert_eq!(
            (t.label, t.metric, t.op, t.bound),
            (None, Metric::P99, Op::Less, 50.0)
        );
        let t: Threshold = "Create orders:p95<=0.2s".parse().unwrap();
        assert_eq!(t.label.as_deref(), Some("Create orders"));
        assert_eq!(
            (t.metric, t.op, t.bound),
            (Metric::P95, Op::LessOrEqual, 200.0)
        );
        let t: Threshold = "mean>=1500us".parse().unwrap();
        assert_eq!((t.op, t.bound), (Op::GreaterOrEqual, 1.5));
        let t: Threshold = "error_rate < 1%".parse().unwrap();
        assert_eq!((t.metric, t.bound), (Metric::ErrorRate, 1.0));
        let t: Threshold = "rps > 500".parse().unwrap();
        assert_eq!((t.metric, t.op, t.bound), (Metric::Rps, Op::Greater, 500.0));
        let t: Threshold = "TOTAL:max < 1s".parse().unwrap();
        assert_eq!(t.label, None, "TOTAL is every sample");
        assert_eq!(t.to_string(), "max < 1s");
        let t: Threshold = "GET /a:b:p50<2ms".parse().unwrap();
        assert_eq!(
            t.label.as_deref(),
            Some("GET /a:b"),
            "labels may hold colons"
        );
    }

    #[test]
    fn refuses_bad_thresholds_with_the_reason() {
        for (text, why) in [
            ("p99 50ms", "OP one of"),
            ("p98 < 50ms", "unknown metric `p98`"),
            ("p99 < 50", "takes a time with its unit"),
            ("p99 < fast", "not a number"),
            ("error_rate < 1", "takes a percentage"),
            ("rps > 5ms", "requests per second"),
            (":p99 < 5ms", "label before `:` is empty"),
            ("p99 < -5ms", "not a number"),
        ] {
            let error = text.parse::<Threshold>().unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn judges_on_the_row_of_its_label() {
        let rows = [row("buy", 40.0, 0.0), row("query", 2.0, 5.0)];
        let total = row(TOTAL_LABEL, 30.0, 2.5);
        let thresholds: Vec<Threshold> = [
            "p99 < 50ms",
            "buy:p99 < 30ms",
            "query:error_rate <= 5%",
            "error_rate < 1%",
            "rps >= 250",
            "nosuch:p99 < 1s",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        let outcomes = judge(&thresholds, &rows, &total);
        let passed: Vec<bool> = outcomes.iter().map(|o| o.passed).collect();
        assert_eq!(passed, [true, false, true, false, true, false]);
        assert_eq!(outcomes[1].observed, Some(40.0));
        assert_eq!(outcomes[1].label, "buy");
        assert_eq!(outcomes[5].observed, None);
        assert!(
            outcomes[5]
                .observed_text()
                .contains("no samples labelled `nosuch`")
        );
    }

    #[test]
    fn a_label_is_given_once_in_a_table() {
        let t = Threshold::for_label("buy", "p99 < 5ms").unwrap();
        assert_eq!(t.to_string(), "buy:p99 < 5ms");
        assert_eq!(
            Threshold::for_label("TOTAL", "p99 < 5ms").unwrap().label,
            None
        );
        assert!(Threshold::for_label("buy", "query:p99 < 5ms").is_err());
    }
}
