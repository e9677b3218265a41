//! The experiment file: a base load scenario, the system it runs against,
//! and the factors whose levels make the matrix. Read strictly (unknown
//! keys refused) and checked before anything runs: every cell's scenario and
//! store settings are built and validated up front, so a typo fails at once
//! rather than an hour in.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};
use storefront_load::duration::Span;

use crate::ExperimentError;

/// What an experiment file holds, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Shown in reports; the file name when absent.
    pub name: Option<String>,
    pub description: Option<String>,
    /// Runs per combination of levels.
    #[serde(default = "one")]
    pub repetitions: u32,
    /// Seeds the order of the cells and every cell's load.
    #[serde(default)]
    pub seed: u64,
    /// Seconds at the start of every run left out of the statistics.
    #[serde(default, serialize_with = "span_seconds")]
    pub warmup: Span,
    #[serde(default)]
    pub store: StoreTable,
    /// A `storefront load` scenario (see `scenarios/`), without `target`.
    pub scenario: toml::Table,
    #[serde(default, rename = "factor")]
    pub factors: Vec<Factor>,
    /// The file's folder: relative paths in store settings start there.
    #[serde(skip)]
    pub base_dir: std::path::PathBuf,
}

fn one() -> u32 {
    1
}

fn span_seconds<S: Serializer>(span: &Span, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(span.0.as_secs_f64())
}

/// The system under test.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoreTable {
    /// A store that is already running; without it every cell gets a fresh
    /// `storefront up` of its own, on the embedded default store.
    pub target: Option<String>,
    /// Configuration of the managed store (`storefront config` keys).
    #[serde(default)]
    pub settings: toml::Table,
}

/// One factor: which setting it changes and the levels it takes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    pub name: String,
    /// A dotted path into this file: `scenario.…` (the load), `scenario`
    /// itself (a whole scenario per level), `store.settings.…` (the managed
    /// store) or `store.target`. Factors are applied in the order written.
    pub set: String,
    pub levels: Vec<toml::Value>,
    /// Names for the levels in reports (default: the values).
    pub labels: Option<Vec<String>>,
}

impl Factor {
    pub fn label(&self, level: usize) -> String {
        match &self.labels {
            Some(labels) => labels[level].clone(),
            None => value_text(&self.levels[level]),
        }
    }

    /// Whether every level is a number, so it can be an axis.
    pub fn is_numeric(&self) -> bool {
        self.levels.iter().all(|v| numeric(v).is_some())
    }
}

/// A level's value as a number, if it is one.
pub fn numeric(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

pub fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Definition {
    /// Reads an experiment file; the error names the file and the key.
    pub fn from_file(path: &Path) -> Result<Self, ExperimentError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExperimentError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut definition: Definition =
            toml::from_str(&text).map_err(|e| ExperimentError::Parse {
                path: path.to_owned(),
                message: e.to_string().trim_end().to_owned(),
            })?;
        if definition.name.is_none() {
            definition.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        definition.base_dir = path.parent().map(Path::to_owned).unwrap_or_default();
        definition.check_shape()?;
        Ok(definition)
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("experiment")
    }

    /// Checks what can be checked without building the cells.
    fn check_shape(&self) -> Result<(), ExperimentError> {
        let bad = |m: String| Err(ExperimentError::Invalid(m));
        if self.repetitions == 0 {
            return bad("repetitions must be at least 1".into());
        }
        if self.scenario.contains_key("target") {
            return bad(
                "scenario.target does not apply: the target is the store (store.target, or a managed store)"
                    .into(),
            );
        }
        let mut names = std::collections::HashSet::new();
        for (i, factor) in self.factors.iter().enumerate() {
            let at = format!("factor {} (`{}`)", i + 1, factor.name);
            if factor.name.trim().is_empty() {
                return bad(format!("factor {}: name must not be empty", i + 1));
            }
            if !names.insert(factor.name.as_str()) {
                return bad(format!("{at}: another factor has that name"));
            }
            if factor.levels.is_empty() {
                return bad(format!("{at}: levels must not be empty"));
            }
            if let Some(labels) = &factor.labels
                && labels.len() != factor.levels.len()
            {
                return bad(format!(
                    "{at}: {} labels for {} levels",
                    labels.len(),
                    factor.levels.len()
                ));
            }
            let settable = factor.set.starts_with("scenario.")
                || factor.set.starts_with("store.settings.")
                || factor.set == "store.target"
                || factor.set == "scenario";
            if !settable || factor.set.split('.').any(str::is_empty) {
                return bad(format!(
                    "{at}: set = \"{}\" must be scenario, scenario.…, store.settings.… or store.target",
                    factor.set
                ));
            }
            // A whole scenario per level (two workloads with loads of their
            // own); factors listed after it change parts of it.
            if factor.set == "scenario" && !factor.levels.iter().all(toml::Value::is_table) {
                return bad(format!(
                    "{at}: set = \"scenario\" takes a whole scenario (a table) as each level"
                ));
            }
            if factor.set == "scenario.target" {
                return bad(format!("{at}: use store.target to vary the target"));
            }
            let mut labels: Vec<String> =
                (0..factor.levels.len()).map(|l| factor.label(l)).collect();
            labels.sort();
            labels.dedup();
            if labels.len() != factor.levels.len() {
                return bad(format!("{at}: two levels have the same label"));
            }
        }
        for (a, b) in self
            .factors
            .iter()
            .enumerate()
            .flat_map(|(i, a)| self.factors[i + 1..].iter().map(move |b| (a, b)))
        {
            if a.set == b.set {
                return bad(format!(
                    "factors `{}` and `{}` both set {}",
                    a.name, b.name, a.set
                ));
            }
        }
        Ok(())
    }

    /// Shortens every phase of the load for a quick look: holds to at most
    /// 3 s, ramps to at most 1 s, open-model stages to at most 3 s each,
    /// repetitions to at most 2, warm-up to at most 1 s.
    pub fn quick(&mut self) {
        self.repetitions = self.repetitions.min(2);
        self.warmup = Span(self.warmup.0.min(Duration::from_secs(1)));
        let Some(toml::Value::Table(load)) = self.scenario.get_mut("load") else {
            return;
        };
        for (key, cap) in [("hold", 3), ("ramp_up", 1), ("ramp_down", 1)] {
            shorten(load.get_mut(key), cap);
        }
        if let Some(toml::Value::Array(stages)) = load.get_mut("stages") {
            for stage in stages {
                if let toml::Value::Table(stage) = stage {
                    shorten(stage.get_mut("duration"), 3);
                }
            }
        }
    }
}

/// Caps a duration value at `cap_secs`, leaving values it cannot read to
/// the scenario's own validation.
fn shorten(value: Option<&mut toml::Value>, cap_secs: u64) {
    let Some(value) = value else { return };
    let span = match &*value {
        toml::Value::String(text) => Span::parse(text).ok(),
        toml::Value::Integer(secs) => u64::try_from(*secs)
            .ok()
            .map(|s| Span(Duration::from_secs(s))),
        toml::Value::Float(secs) => Some(Span(Duration::from_secs_f64(secs.max(0.0)))),
        _ => None,
    };
    if let Some(span) = span
        && span.0 > Duration::from_secs(cap_secs)
    {
        *value = toml::Value::String(format!("{cap_secs}s"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Definition, ExperimentError> {
        let definition: Definition = toml::from_str(text).map_err(|e| ExperimentError::Parse {
            path: "test.toml".into(),
            message: e.to_string(),
        })?;
        definition.check_shape()?;
        Ok(definition)
    }

    const BASE: &str = r#"
repetitions = 2
[scenario.workload]
kind = "lab"
[scenario.load]
model = "closed"
users = 1
hold = "20s"
ramp_up = "10s"
"#;

    #[test]
    fn a_factor_must_set_the_scenario_or_the_store() {
        let text =
            format!("{BASE}\n[[factor]]\nname = \"x\"\nset = \"load.users\"\nlevels = [1]\n");
        let error = parse(&text).unwrap_err().to_string();
        assert!(error.contains("must be scenario"), "{error}");
        let text = format!("{BASE}\n[[factor]]\nname = \"x\"\nset = \"scenario\"\nlevels = [1]\n");
        let error = parse(&text).unwrap_err().to_string();
        assert!(error.contains("a whole scenario"), "{error}");
    }

    #[test]
    fn labels_must_match_levels_and_names_must_be_unique() {
        let text = format!(
            "{BASE}\n[[factor]]\nname = \"x\"\nset = \"scenario.load.users\"\nlevels = [1, 2]\nlabels = [\"one\"]\n"
        );
        assert!(
            parse(&text)
                .unwrap_err()
                .to_string()
                .contains("1 labels for 2 levels")
        );
        let text = format!(
            "{BASE}\n[[factor]]\nname = \"x\"\nset = \"scenario.load.users\"\nlevels = [1]\n\
             [[factor]]\nname = \"x\"\nset = \"scenario.workload.p\"\nlevels = [0.1]\n"
        );
        assert!(
            parse(&text)
                .unwrap_err()
                .to_string()
                .contains("another factor has that name")
        );
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let error = parse(&format!("repetition = 3\n{BASE}"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("repetition"), "{error}");
    }

    #[test]
    fn quick_caps_holds_ramps_and_repetitions() {
        let mut definition = parse(&format!("warmup = \"5s\"\n{BASE}")).unwrap();
        definition.repetitions = 5;
        definition.quick();
        let load = definition.scenario["load"].as_table().unwrap();
        assert_eq!(load["hold"].as_str(), Some("3s"));
        assert_eq!(load["ramp_up"].as_str(), Some("1s"));
        assert_eq!(definition.repetitions, 2);
        assert_eq!(definition.warmup.0, Duration::from_secs(1));
    }

    #[test]
    fn numeric_factors_are_told_apart_from_categories() {
        let text = format!(
            "{BASE}\n[[factor]]\nname = \"p\"\nset = \"scenario.workload.p\"\nlevels = [0, 0.5]\n\
             [[factor]]\nname = \"cache\"\nset = \"store.settings.gateway.product_cache\"\nlevels = [false, true]\nlabels = [\"off\", \"on\"]\n"
        );
        let definition = parse(&text).unwrap();
        assert!(definition.factors[0].is_numeric());
        assert!(!definition.factors[1].is_numeric());
        assert_eq!(definition.factors[1].label(1), "on");
        assert_eq!(definition.factors[0].label(1), "0.5");
    }
}
