//! The matrix: every combination of the factors' levels, each repeated,
//! in a seeded random order (so drift over time, such as a filling disk or
//! a warming cache, spreads over all levels instead of favouring the first).

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;
use sha2::{Digest, Sha256};
use storefront_load::Scenario;

use crate::ExperimentError;
use crate::definition::{Definition, numeric};

/// One combination of levels, one per factor (index into its levels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Combination {
    pub index: usize,
    pub levels: Vec<usize>,
    /// `clients=3 cache=on`, or `all` without factors.
    pub name: String,
}

/// One run of the experiment: a combination and a repetition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// Also the name of the cell's results folder.
    pub id: String,
    pub combination: usize,
    /// 1-based.
    pub repetition: u32,
}

/// Where a cell's load goes.
#[derive(Debug, Clone, PartialEq)]
pub enum System {
    /// A store that is already running.
    External { target: String },
    /// A fresh `storefront up` with these settings, for this cell only.
    Managed { settings: toml::Table },
}

/// What one cell runs.
#[derive(Debug, Clone)]
pub struct CellSetup {
    pub scenario: Scenario,
    pub system: System,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub definition: Definition,
    pub combinations: Vec<Combination>,
    /// Every cell, in the order they run.
    pub cells: Vec<Cell>,
    /// Identifies the definition, so a resumed experiment is the same one.
    pub fingerprint: String,
}

/// Checks a managed store's settings (the binary knows its configuration).
pub type SettingsCheck<'a> = &'a dyn Fn(&toml::Table) -> Result<(), String>;

impl Plan {
    /// Expands the matrix and builds every cell's scenario and store
    /// settings, so any invalid level is reported before the first run.
    pub fn new(definition: Definition, check: SettingsCheck<'_>) -> Result<Self, ExperimentError> {
        let combinations = combinations(&definition);
        let mut cells = Vec::new();
        for combination in &combinations {
            for repetition in 1..=definition.repetitions {
                cells.push(Cell {
                    id: format!(
                        "{:03}-{}-r{repetition}",
                        combination.index,
                        slug(&combination.name)
                    ),
                    combination: combination.index,
                    repetition,
                });
            }
        }
        cells.shuffle(&mut StdRng::seed_from_u64(definition.seed));
        let fingerprint = fingerprint(&definition);
        let plan = Self {
            definition,
            combinations,
            cells,
            fingerprint,
        };
        for combination in &plan.combinations {
            let setup = plan.setup(combination, 1)?;
            if let System::Managed { settings } = &setup.system {
                check(settings).map_err(|e| {
                    ExperimentError::Invalid(format!(
                        "store settings of `{}`: {e}",
                        combination.name
                    ))
                })?;
            }
        }
        Ok(plan)
    }

    pub fn cell_setup(&self, cell: &Cell) -> Result<CellSetup, ExperimentError> {
        self.setup(&self.combinations[cell.combination], cell.repetition)
    }

    fn setup(
        &self,
        combination: &Combination,
        repetition: u32,
    ) -> Result<CellSetup, ExperimentError> {
        let definition = &self.definition;
        let mut root = toml::Table::new();
        root.insert("scenario".into(), definition.scenario.clone().into());
        let mut store = toml::Table::new();
        if let Some(target) = &definition.store.target {
            store.insert("target".into(), target.clone().into());
        }
        store.insert("settings".into(), definition.store.settings.clone().into());
        root.insert("store".into(), store.into());
        for (factor, &level) in definition.factors.iter().zip(&combination.levels) {
            set_path(&mut root, &factor.set, factor.levels[level].clone())
                .map_err(|e| ExperimentError::Invalid(format!("factor `{}`: {e}", factor.name)))?;
        }
        let Some(toml::Value::Table(mut scenario)) = root.remove("scenario") else {
            unreachable!("inserted above as a table")
        };
        let Some(toml::Value::Table(mut store)) = root.remove("store") else {
            unreachable!("inserted above as a table")
        };
        scenario.insert("name".into(), combination.name.clone().into());
        let seed = cell_seed(definition.seed, combination.index, repetition);
        scenario.insert("seed".into(), toml::Value::Integer(seed));
        let scenario = Scenario::from_toml(scenario).map_err(|e| {
            ExperimentError::Invalid(format!("scenario of `{}`: {e}", combination.name))
        })?;
        scenario.validate().map_err(|e| {
            ExperimentError::Invalid(format!("scenario of `{}`: {e}", combination.name))
        })?;
        let system = match store.remove("target") {
            Some(toml::Value::String(target)) => System::External { target },
            Some(other) => {
                return Err(ExperimentError::Invalid(format!(
                    "store.target must be a URL string, not {other}"
                )));
            }
            None => {
                let mut settings = match store.remove("settings") {
                    Some(toml::Value::Table(settings)) => settings,
                    _ => toml::Table::new(),
                };
                resolve_seed_file(&mut settings, &definition.base_dir);
                System::Managed { settings }
            }
        };
        Ok(CellSetup { scenario, system })
    }

    /// The level (value) of each factor in a combination, as text.
    pub fn level_labels(&self, combination: &Combination) -> Vec<(String, String)> {
        self.definition
            .factors
            .iter()
            .zip(&combination.levels)
            .map(|(f, &l)| (f.name.clone(), f.label(l)))
            .collect()
    }

    /// A factor's numeric value in a combination, if the factor is numeric.
    pub fn numeric_level(&self, factor: usize, combination: &Combination) -> Option<f64> {
        numeric(&self.definition.factors[factor].levels[combination.levels[factor]])
    }
}

fn combinations(definition: &Definition) -> Vec<Combination> {
    let sizes: Vec<usize> = definition.factors.iter().map(|f| f.levels.len()).collect();
    let total: usize = sizes.iter().product();
    (0..total)
        .map(|index| {
            // Mixed-radix digits of `index`, the last factor varying fastest.
            let mut rest = index;
            let mut levels = vec![0; sizes.len()];
            for (slot, size) in levels.iter_mut().zip(&sizes).rev() {
                *slot = rest % size;
                rest /= size;
            }
            let name = if definition.factors.is_empty() {
                "all".to_owned()
            } else {
                definition
                    .factors
                    .iter()
                    .zip(&levels)
                    .map(|(f, &l)| format!("{}={}", f.name, f.label(l)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            Combination {
                index,
                levels,
                name,
            }
        })
        .collect()
}

/// Sets `value` at a dotted `path`, creating tables on the way.
fn set_path(root: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut keys = path.split('.').peekable();
    let mut table = root;
    while let Some(key) = keys.next() {
        if keys.peek().is_none() {
            table.insert(key.to_owned(), value);
            return Ok(());
        }
        let entry = table
            .entry(key.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            other => return Err(format!("`{key}` in {path} is {other}, not a table")),
        };
    }
    Ok(())
}

/// A relative `catalog.seed_file` names a file beside the experiment
/// file, wherever the command runs from.
fn resolve_seed_file(settings: &mut toml::Table, base_dir: &std::path::Path) {
    if let Some(toml::Value::Table(catalog)) = settings.get_mut("catalog")
        && let Some(toml::Value::String(seed)) = catalog.get_mut("seed_file")
        && std::path::Path::new(seed.as_str()).is_relative()
    {
        *seed = base_dir.join(&*seed).to_string_lossy().into_owned();
    }
}

/// A different, repeatable seed per cell (splitmix64 of the three).
fn cell_seed(seed: u64, combination: usize, repetition: u32) -> i64 {
    let mut z = seed
        .wrapping_add((combination as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(u64::from(repetition).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    // TOML integers are signed.
    ((z ^ (z >> 31)) >> 1) as i64
}

fn fingerprint(definition: &Definition) -> String {
    let text = serde_json::to_string(definition).unwrap_or_default();
    let digest = Sha256::digest(text.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A folder-name-safe form of a name.
pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '=') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
