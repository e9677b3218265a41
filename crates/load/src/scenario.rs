//! A scenario: what to send (the workload), how hard (the load model) and
//! where. Read from TOML (unknown keys refused) and/or built from flags;
//! [`Scenario::validate`] then checks the values, naming the bad key.

use serde::Deserialize;
use storefront_report::Threshold;

use crate::duration::Span;
use crate::error::LoadError;
use crate::template::Template;

#[derive(Debug, Clone)]
pub struct Scenario {
    /// Shown in the report; the file name when read from a file.
    pub name: Option<String>,
    /// `http://host:port` or `https://host[:port]` of the gateway (or any
    /// server, for `url`/`custom`).
    pub target: Option<String>,
    /// Longest wait for one reply; slower counts as a failed sample.
    pub timeout: Span,
    /// Seed of every random choice, for a repeatable run.
    pub seed: Option<u64>,
    pub workload: Workload,
    pub load: LoadModel,
    /// Pass/fail bounds on the results; a failed one fails the run (exit 3).
    pub thresholds: Vec<Threshold>,
    /// Sent with every request of every workload, after the request's own
    /// (which win when both name the same header).
    pub headers: Vec<(String, String)>,
    /// For an `https://` target: accept any certificate (a self-signed
    /// test server).
    pub insecure: bool,
}

pub const DEFAULT_TIMEOUT: Span = Span(std::time::Duration::from_secs(10));

/// Probability of the lab's buy and the shop's cart change unless set.
pub const DEFAULT_P: f64 = 0.5;

#[derive(Debug, Clone)]
pub enum Workload {
    /// Query a random product; buy it with probability `p` if in stock.
    Lab { p: f64 },
    /// Browse, view, fill a cart, sometimes change it, check out;
    /// `p_change`: probability of changing or removing a line first.
    Shop { p_change: f64 },
    /// The shop's trip through the web pages (HTML, forms, cookies),
    /// as a browser without JavaScript takes it; `p_change` as for `Shop`.
    Web { p_change: f64 },
    /// The bookstore study's JMeter plan on Storefront's API, its eleven
    /// samplers in order (administration with the admin token).
    Bookstore,
    /// A weighted mix of declared requests.
    Custom { requests: Vec<CustomRequest> },
    /// One request over and over (path of the target), like wrk or oha.
    Url {
        path: String,
        method: http::Method,
        /// Sent as `application/json` unless a `Content-Type` header says
        /// otherwise.
        body: Option<String>,
    },
}

impl Workload {
    pub fn kind(&self) -> &'static str {
        match self {
            Workload::Lab { .. } => "lab",
            Workload::Shop { .. } => "shop",
            Workload::Web { .. } => "web",
            Workload::Bookstore => "bookstore",
            Workload::Custom { .. } => "custom",
            Workload::Url { .. } => "url",
        }
    }

    /// Whether the run drives Storefront's own API, so its invariants can
    /// be checked afterwards.
    pub fn checks_invariants(&self) -> bool {
        matches!(
            self,
            Workload::Lab { .. }
                | Workload::Shop { .. }
                | Workload::Web { .. }
                | Workload::Bookstore
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRequest {
    /// The sample label in the results (default `METHOD path-template`).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default = "default_weight")]
    pub weight: u32,
    #[serde(default = "default_method")]
    pub method: String,
    /// Path with variables: `{product}`, `{product_id}`, `{user}`, `{run}`,
    /// `{iteration}`, `{random:1..100}`.
    pub path: String,
    /// JSON body template (same variables; product names are JSON-escaped,
    /// so write `"{product}"` in quotes); sent as `application/json`.
    #[serde(default)]
    pub body: Option<String>,
    /// The status that counts as success (default: any 2xx).
    #[serde(default)]
    pub expect: Option<u16>,
    /// Headers sent with the request, by name; values are templates (same
    /// variables), and `{env:NAME}` takes an environment variable's value
    /// when the scenario is read, so a token need not be written in the file:
    /// `headers = { Authorization = "Bearer {env:STOREFRONT_ADMIN_TOKEN}" }`.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
}

fn default_weight() -> u32 {
    1
}

fn default_method() -> String {
    "GET".into()
}

#[derive(Debug, Clone)]
pub enum LoadModel {
    Closed(Closed),
    Open(Open),
}

/// JMeter's concurrency thread group: a fixed population of users, each
/// looping iterations on its own connection.
#[derive(Debug, Clone)]
pub struct Closed {
    pub users: u32,
    pub ramp_up: Span,
    /// Users arrive in this many equal batches over `ramp_up`; 0 = one by one.
    pub ramp_steps: u32,
    /// Time at full strength after the ramp-up.
    pub hold: Option<Span>,
    /// Users leave one by one over this time after the hold.
    pub ramp_down: Span,
    /// Iterations per user; a user stops after them even before the hold ends.
    pub iterations: Option<u64>,
    pub think: Think,
}

/// Pause after each iteration of a user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Think {
    #[default]
    None,
    Constant {
        time: Span,
    },
    Uniform {
        min: Span,
        max: Span,
    },
    Exponential {
        mean: Span,
    },
}

/// Arrival-rate stages: iterations start on a schedule, whatever the
/// server's speed, so a stall shows as latency instead of fewer requests.
#[derive(Debug, Clone)]
pub struct Open {
    pub stages: Vec<Stage>,
    /// Most iterations running at once (each on its own connection).
    pub max_in_flight: u32,
    /// Arrivals allowed to wait for a free slot; later ones are dropped
    /// (default: `max_in_flight`).
    pub max_backlog: Option<u32>,
}

pub const DEFAULT_MAX_IN_FLIGHT: u32 = 100;

/// One stage: the rate goes linearly from `from` to `to` (per second) over
/// `duration`; `rate` sets both.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub from: Option<f64>,
    #[serde(default)]
    pub to: Option<f64>,
    pub duration: Span,
}

impl Stage {
    pub fn rates(&self) -> (f64, f64) {
        let rate = self.rate.unwrap_or(0.0);
        (self.from.unwrap_or(rate), self.to.unwrap_or(rate))
    }
}

impl Scenario {
    /// Checks every value; the error names the key at fault.
    pub fn validate(&self) -> Result<(), LoadError> {
        let bad = |m: String| Err(LoadError::invalid(m));
        if self.timeout.0.is_zero() {
            return bad("timeout must be above 0".into());
        }
        match &self.workload {
            Workload::Lab { p }
            | Workload::Shop { p_change: p }
            | Workload::Web { p_change: p }
                if !(0.0..=1.0).contains(p) =>
            {
                let key = if self.workload.kind() == "lab" {
                    "p"
                } else {
                    "p_change"
                };
                return bad(format!("workload.{key} must be from 0 to 1, not {p}"));
            }
            Workload::Custom { requests } => validate_requests(requests)?,
            Workload::Url { path, .. } if !path.starts_with('/') => {
                return bad(format!("workload.path must start with /, not `{path}`"));
            }
            _ => {}
        }
        for (name, value) in &self.headers {
            check_header(name, value)
                .map_err(|why| LoadError::invalid(format!("header `{name}`: {why}")))?;
        }
        match &self.load {
            LoadModel::Closed(c) => validate_closed(c),
            LoadModel::Open(o) => validate_open(o),
        }
    }
}

/// Headers that frame the message or address the server, which the load
/// tool writes itself: one set by hand would corrupt the exchange.
const FRAMING_HEADERS: [&str; 5] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
];

/// Whether `name: value` can be sent as a header the user chose.
pub fn check_header(name: &str, value: &str) -> Result<(), String> {
    let parsed = http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| "not a valid header name".to_owned())?;
    if FRAMING_HEADERS.contains(&parsed.as_str()) {
        return Err("the load tool sets it itself".into());
    }
    http::HeaderValue::from_str(value)
        .map_err(|_| "its value must be visible ASCII, spaces or tabs".to_owned())?;
    Ok(())
}

/// A `--header` flag: `Name: value`.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}`: expected `Name: value`"))?;
    let (name, value) = (name.trim(), value.trim());
    check_header(name, value).map_err(|why| format!("`{text}`: {why}"))?;
    Ok((name.to_owned(), value.to_owned()))
}

fn validate_requests(requests: &[CustomRequest]) -> Result<(), LoadError> {
    if requests.is_empty() {
        return Err(LoadError::invalid(
            "workload.requests must declare at least one request",
        ));
    }
    for (i, r) in requests.iter().enumerate() {
        let key = format!("workload.requests[{i}]");
        http::Method::from_bytes(r.method.as_bytes()).map_err(|_| {
            LoadError::invalid(format!("{key}.method `{}` is not an HTTP method", r.method))
        })?;
        if !r.path.starts_with('/') {
            return Err(LoadError::invalid(format!("{key}.path must start with /")));
        }
        Template::parse(&r.path).map_err(|e| LoadError::invalid(format!("{key}.path: {e}")))?;
        if let Some(body) = &r.body {
            Template::parse(body).map_err(|e| LoadError::invalid(format!("{key}.body: {e}")))?;
        }
        if let Some(code) = r.expect
            && !(100..=599).contains(&code)
        {
            return Err(LoadError::invalid(format!(
                "{key}.expect {code} is not an HTTP status"
            )));
        }
        if r.weight == 0 {
            return Err(LoadError::invalid(format!(
                "{key}.weight must be at least 1"
            )));
        }
    }
    Ok(())
}

fn validate_closed(c: &Closed) -> Result<(), LoadError> {
    if c.users == 0 {
        return Err(LoadError::invalid("load.users must be at least 1"));
    }
    if c.ramp_steps > c.users {
        return Err(LoadError::invalid(format!(
            "load.ramp_steps ({}) cannot exceed load.users ({})",
            c.ramp_steps, c.users
        )));
    }
    if c.hold.is_none() && c.iterations.is_none() {
        return Err(LoadError::invalid(
            "the closed model needs load.hold (a duration) or load.iterations, or both",
        ));
    }
    if c.iterations == Some(0) {
        return Err(LoadError::invalid("load.iterations must be at least 1"));
    }
    if let Think::Uniform { min, max } = c.think
        && min > max
    {
        return Err(LoadError::invalid(
            "load.think.min must not exceed load.think.max",
        ));
    }
    Ok(())
}

fn validate_open(o: &Open) -> Result<(), LoadError> {
    if o.stages.is_empty() {
        return Err(LoadError::invalid(
            "load.stages must have at least one stage",
        ));
    }
    if o.max_in_flight == 0 {
        return Err(LoadError::invalid("load.max_in_flight must be at least 1"));
    }
    for (i, stage) in o.stages.iter().enumerate() {
        let key = format!("load.stages[{i}]");
        if stage.rate.is_some() == (stage.from.is_some() || stage.to.is_some()) {
            return Err(LoadError::invalid(format!(
                "{key} needs either `rate` or `from` and `to`"
            )));
        }
        let (from, to) = stage.rates();
        if stage.rate.is_none() && (stage.from.is_none() || stage.to.is_none()) {
            return Err(LoadError::invalid(format!(
                "{key} needs both `from` and `to`"
            )));
        }
        if !(from.is_finite() && to.is_finite() && from >= 0.0 && to >= 0.0) {
            return Err(LoadError::invalid(format!(
                "{key}: rates must be 0 or more per second"
            )));
        }
        if stage.duration.0.is_zero() {
            return Err(LoadError::invalid(format!(
                "{key}.duration must be above 0"
            )));
        }
    }
    if o.stages.iter().all(|s| s.rates() == (0.0, 0.0)) {
        return Err(LoadError::invalid(
            "load.stages: every rate is 0, nothing would be sent",
        ));
    }
    Ok(())
}
