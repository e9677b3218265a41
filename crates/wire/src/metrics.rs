//! The names of the Prometheus series the services write at `/metrics`,
//! in one place, because the services record them and the load tool
//! (`storefront load --server-metrics`) reads them back.

/// Counter: requests served, labelled `route`, `method`, `status`.
pub const HTTP_REQUESTS: &str = "storefront_http_requests_total";
/// Histogram (seconds): request duration, labelled `route`, `method`.
pub const HTTP_REQUEST_DURATION: &str = "storefront_http_request_duration_seconds";
/// Gauge: connections a service holds open now (`http.max_connections` caps it).
pub const HTTP_OPEN_CONNECTIONS: &str = "storefront_http_open_connections";
/// Counter: connections refused with 503 because `http.max_connections` were open.
pub const HTTP_REFUSED_CONNECTIONS: &str = "storefront_http_refused_connections_total";
/// Histogram: writes per group commit, labelled `database`.
pub const COMMIT_BATCH_SIZE: &str = "storefront_commit_batch_size";
/// Histogram (seconds): one group commit, labelled `database`.
pub const COMMIT_DURATION: &str = "storefront_commit_duration_seconds";
/// Histogram (seconds): a call to another service, labelled `peer`, `outcome`.
pub const PEER_CALL_DURATION: &str = "storefront_peer_call_duration_seconds";
/// Counter: calls to another service that got no answer, labelled `peer`.
pub const PEER_CALL_ERRORS: &str = "storefront_peer_call_errors_total";
/// Counter: buys by `outcome`.
pub const SAGA_OUTCOMES: &str = "storefront_saga_outcomes_total";
/// Counter: checkouts by `outcome`.
pub const CHECKOUT_OUTCOMES: &str = "storefront_checkout_outcomes_total";
/// Gauge: work a background loop has left, labelled `loop`.
pub const BACKLOG: &str = "storefront_backlog";
/// Counter: product reads at the gateway, labelled `result`.
pub const PRODUCT_CACHE_REQUESTS: &str = "storefront_product_cache_requests_total";
/// Gauge: PostgreSQL pool connections, labelled `pool`, `state`.
pub const POOL_CONNECTIONS: &str = "storefront_pool_connections";
/// Gauge: resident memory (from `metrics-process`).
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// CPU seconds, user and system, with their fractions (from `metrics-process`,
/// typed a gauge: the crate's counter truncates to whole seconds).
pub const CPU_SECONDS: &str = "process_cpu_seconds_total";

/// One sample line of the Prometheus text format:
/// `name{label="value",…} value [timestamp]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The samples of a `/metrics` page; comment lines and lines that are not
/// a sample are skipped.
///
/// Written here rather than taken from a crate: the load tool reads a
/// handful of series from pages our own services render, and the crates
/// that parse the format are unmaintained or pull a whole client library.
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines().filter_map(parse_line).collect()
}

/// The sum of every sample named `name` whose labels include all of
/// `matching` (a counter over all its label values, say).
pub fn sum(samples: &[Sample], name: &str, matching: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name && matching.iter().all(|(k, v)| s.label(k) == Some(v)))
        .map(|s| s.value)
        .sum()
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line.find(['{', ' ']).unwrap_or(line.len());
    let name = &line[..name_end];
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inner)?;
        labels = parsed;
        rest = after;
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    };
    Some(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// `k="v",k2="v2"}` → the pairs and what follows the `}`. Values may hold
/// `\\`, `\"` and `\n` escapes.
fn parse_labels(mut text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        text = text.trim_start_matches([',', ' ']);
        if let Some(after) = text.strip_prefix('}') {
            return Some((labels, after));
        }
        let eq = text.find('=')?;
        let key = text[..eq].trim().to_owned();
        let mut chars = text[eq + 1..].char_indices();
        if chars.next()?.1 != '"' {
            return None;
        }
        let mut value = String::new();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '"' => break i,
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        };
        labels.push((key, value));
        text = &text[eq + 1 + end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"# HELP storefront_http_requests_total Requests served.
# TYPE storefront_http_requests_total counter
storefront_http_requests_total{route="/orders",method="POST",status="200"} 7
storefront_http_requests_total{route="/products/{name_or_id}",method="GET",status="404"} 2
storefront_commit_batch_size_bucket{database="orders",le="+Inf"} 3
storefront_commit_batch_size_sum{database="orders"} 12
odd{path="a \"quoted\" \\ value, with } inside"} 1.5 1700000000
process_resident_memory_bytes 29077504
"#;

    #[test]
    fn a_page_parses_into_its_samples() {
        let samples = parse(PAGE);
        assert_eq!(samples.len(), 6);
        assert_eq!(samples[0].label("route"), Some("/orders"));
        assert_eq!(samples[0].value, 7.0);
        assert_eq!(samples[2].label("le"), Some("+Inf"));
        assert_eq!(
            samples[4].label("path"),
            Some(r#"a "quoted" \ value, with } inside"#)
        );
        assert_eq!(samples[4].value, 1.5);
        assert_eq!(samples[5].name, RESIDENT_MEMORY);
        assert!(samples[5].labels.is_empty());
    }

    #[test]
    fn sums_select_by_name_and_labels() {
        let samples = parse(PAGE);
        assert_eq!(sum(&samples, HTTP_REQUESTS, &[]), 9.0);
        assert_eq!(sum(&samples, HTTP_REQUESTS, &[("status", "404")]), 2.0);
        assert_eq!(sum(&samples, "absent", &[]), 0.0);
    }

    #[test]
    fn broken_lines_are_skipped() {
        let samples = parse("a{b=\"unterminated 1\nc{d=e} 2\nf not-a-number\ng 3\n");
        assert_eq!(samples.len(), 1);
        assert_eq!(samples[0].name, "g");
    }
}
