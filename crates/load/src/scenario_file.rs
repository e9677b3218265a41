//! The TOML form of a scenario. Its tables are flat (`kind` and `model`
//! are plain keys, every other key optional), so the TOML parser can point
//! at the exact key of an unknown name or a bad value; keys that do not
//! belong to the chosen kind or model are then refused by name.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use storefront_report::Threshold;

use crate::duration::Span;
use crate::error::LoadError;
use crate::scenario::{
    Closed, CustomRequest, DEFAULT_MAX_IN_FLIGHT, DEFAULT_P, DEFAULT_TIMEOUT, LoadModel, Open,
    Scenario, Stage, Think, Workload,
};

impl Scenario {
    /// Reads and validates a TOML scenario file.
    pub fn from_file(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::ReadScenario {
            path: path.to_owned(),
            source,
        })?;
        let file: ScenarioFile = toml::from_str(&text).map_err(|e| LoadError::ParseScenario {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut scenario = file.into_scenario()?;
        if scenario.name.is_none() {
            scenario.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        Ok(scenario)
    }

    /// Builds a scenario from a TOML table of the scenario file's shape
    /// (an experiment holds one, with its factors' values filled in).
    pub fn from_toml(table: toml::Table) -> Result<Self, LoadError> {
        let file: ScenarioFile = table.try_into().map_err(|e: toml::de::Error| {
            LoadError::invalid(e.to_string().trim_end().to_owned())
        })?;
        file.into_scenario()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    name: Option<String>,
    target: Option<String>,
    timeout: Option<Span>,
    seed: Option<u64>,
    workload: WorkloadTable,
    load: LoadTable,
    /// Label (`TOTAL` for every sample) to conditions, `METRIC OP VALUE`.
    #[serde(default)]
    thresholds: BTreeMap<String, Vec<String>>,
    /// Sent with every request: name to value.
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Accept any certificate of an `https://` target.
    #[serde(default)]
    insecure: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Lab,
    Shop,
    Web,
    Bookstore,
    Custom,
    Url,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadTable {
    kind: Kind,
    p: Option<f64>,
    p_change: Option<f64>,
    requests: Option<Vec<CustomRequest>>,
    path: Option<String>,
    method: Option<String>,
    body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Model {
    Closed,
    Open,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadTable {
    model: Model,
    users: Option<u32>,
    ramp_up: Option<Span>,
    ramp_steps: Option<u32>,
    hold: Option<Span>,
    ramp_down: Option<Span>,
    iterations: Option<u64>,
    think: Option<Think>,
    stages: Option<Vec<Stage>>,
    max_in_flight: Option<u32>,
    max_backlog: Option<u32>,
}

/// Refuses the first key of `keys` that is set: it does not apply here.
fn none_of(table: &str, context: &str, keys: &[(&str, bool)]) -> Result<(), LoadError> {
    match keys.iter().find(|(_, set)| *set) {
        Some((key, _)) => Err(LoadError::invalid(format!(
            "{table}.{key} does not apply to {context}"
        ))),
        None => Ok(()),
    }
}

impl ScenarioFile {
    pub fn into_scenario(self) -> Result<Scenario, LoadError> {
        Ok(Scenario {
            name: self.name,
            target: self.target,
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            seed: self.seed,
            workload: self.workload.into_workload()?,
            load: self.load.into_model()?,
            thresholds: self
                .thresholds
                .iter()
                .flat_map(|(label, conditions)| {
                    conditions
                        .iter()
                        .map(move |condition| Threshold::for_label(label, condition))
                })
                .collect::<Result<_, _>>()
                .map_err(|e| LoadError::invalid(format!("thresholds: {e}")))?,
            headers: self.headers.into_iter().collect(),
            insecure: self.insecure,
        })
    }
}

impl WorkloadTable {
    fn into_workload(self) -> Result<Workload, LoadError> {
        let w = "workload";
        let (p, p_change, requests, path) = (
            self.p.is_some(),
            self.p_change.is_some(),
            self.requests.is_some(),
            self.path.is_some(),
        );
        // Method and body belong to the url kind; custom requests have their own.
        let (method, body) = (self.method.is_some(), self.body.is_some());
        Ok(match self.kind {
            Kind::Lab => {
                none_of(
                    w,
                    "kind = \"lab\"",
                    &[
                        ("p_change", p_change),
                        ("requests", requests),
                        ("path", path),
                        ("method", method),
                        ("body", body),
                    ],
                )?;
                Workload::Lab {
                    p: self.p.unwrap_or(DEFAULT_P),
                }
            }
            Kind::Shop | Kind::Web => {
                let web = matches!(self.kind, Kind::Web);
                none_of(
                    w,
                    if web {
                        "kind = \"web\""
                    } else {
                        "kind = \"shop\""
                    },
                    &[
                        ("p", p),
                        ("requests", requests),
                        ("path", path),
                        ("method", method),
                        ("body", body),
                    ],
                )?;
                let p_change = self.p_change.unwrap_or(DEFAULT_P);
                if web {
                    Workload::Web { p_change }
                } else {
                    Workload::Shop { p_change }
                }
            }
            Kind::Bookstore => {
                none_of(
                    w,
                    "kind = \"bookstore\"",
                    &[
                        ("p", p),
                        ("p_change", p_change),
                        ("requests", requests),
                        ("path", path),
                        ("method", method),
                        ("body", body),
                    ],
                )?;
                Workload::Bookstore
            }
            Kind::Custom => {
                none_of(
                    w,
                    "kind = \"custom\"",
                    &[
                        ("p", p),
                        ("p_change", p_change),
                        ("path", path),
                        ("method", method),
                        ("body", body),
                    ],
                )?;
                Workload::Custom {
                    requests: self.requests.ok_or_else(|| {
                        LoadError::invalid("workload.requests is required for kind = \"custom\"")
                    })?,
                }
            }
            Kind::Url => {
                none_of(
                    w,
                    "kind = \"url\"",
                    &[("p", p), ("p_change", p_change), ("requests", requests)],
                )?;
                Workload::Url {
                    path: self.path.unwrap_or_else(|| "/".into()),
                    method: parse_method(self.method.as_deref().unwrap_or("GET"))?,
                    body: self.body,
                }
            }
        })
    }
}

/// An HTTP method by name (`GET`, `post`, …).
pub fn parse_method(name: &str) -> Result<http::Method, LoadError> {
    http::Method::from_bytes(name.to_ascii_uppercase().as_bytes())
        .map_err(|_| LoadError::invalid(format!("method `{name}` is not an HTTP method")))
}

impl LoadTable {
    fn into_model(self) -> Result<LoadModel, LoadError> {
        Ok(match self.model {
            Model::Closed => {
                none_of(
                    "load",
                    "model = \"closed\"",
                    &[
                        ("stages", self.stages.is_some()),
                        ("max_in_flight", self.max_in_flight.is_some()),
                        ("max_backlog", self.max_backlog.is_some()),
                    ],
                )?;
                LoadModel::Closed(Closed {
                    users: self.users.ok_or_else(|| {
                        LoadError::invalid("load.users is required for model = \"closed\"")
                    })?,
                    ramp_up: self.ramp_up.unwrap_or_default(),
                    ramp_steps: self.ramp_steps.unwrap_or(0),
                    hold: self.hold,
                    ramp_down: self.ramp_down.unwrap_or_default(),
                    iterations: self.iterations,
                    think: self.think.unwrap_or_default(),
                })
            }
            Model::Open => {
                none_of(
                    "load",
                    "model = \"open\" (its stages set the pace)",
                    &[
                        ("users", self.users.is_some()),
                        ("ramp_up", self.ramp_up.is_some()),
                        ("ramp_steps", self.ramp_steps.is_some()),
                        ("hold", self.hold.is_some()),
                        ("ramp_down", self.ramp_down.is_some()),
                        ("iterations", self.iterations.is_some()),
                        ("think", self.think.is_some()),
                    ],
                )?;
                LoadModel::Open(Open {
                    stages: self.stages.ok_or_else(|| {
                        LoadError::invalid("load.stages is required for model = \"open\"")
                    })?,
                    max_in_flight: self.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT),
                    max_backlog: self.max_backlog,
                })
            }
        })
    }
}
