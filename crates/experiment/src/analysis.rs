//! From finished cells to findings. The repetitions of a combination are
//! pooled (each run cut by the warm-up on its own); every factor's levels
//! are compared with `storefront compare`'s statistics, once per
//! combination of the other factors' levels (comparing levels across a
//! second factor would mix its effect in); the per-combination figures
//! with their bootstrap intervals feed the plots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use storefront_compare::{
    CompareOptions, Comparison, LabelStats, PairResult, RunInput, ScenarioStats, scenario,
};
use storefront_report::{ServerMetrics, ServiceFigures};

use crate::ExperimentError;
use crate::plan::{Combination, Plan, slug};
use crate::runner::cell_dir;
use crate::state::{CellStatus, State};
use storefront_report::jtl::Resolution;

/// One combination's pooled figures.
#[derive(Debug, Clone, Serialize)]
pub struct CombinationSummary {
    pub name: String,
    pub levels: Vec<(String, String)>,
    pub runs: usize,
    pub failed_runs: usize,
    /// Requests per second: the mean over the runs, and their range.
    pub throughput_mean: Option<f64>,
    pub throughput_min: Option<f64>,
    pub throughput_max: Option<f64>,
    /// Per label, `TOTAL` last, as `storefront compare` computes them.
    pub labels: Vec<LabelStats>,
    /// Microseconds when every run kept the JTL's sidecar.
    pub latency_resolution: Resolution,
    /// Per service, from the metrics each run read (`--server-metrics`):
    /// CPU, requests per second and writes per commit as the mean over the
    /// runs, memory as the largest peak. Empty when no run read them.
    pub server: BTreeMap<String, ServiceFigures>,
}

/// One factor's levels compared, for one setting of the other factors.
#[derive(Debug, Clone, Serialize)]
pub struct FactorComparison {
    pub factor: String,
    /// The other factors' levels held fixed (empty with one factor).
    pub holding: Vec<(String, String)>,
    /// Relative to the results folder.
    pub folder: PathBuf,
    pub pairs: Vec<PairResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub combinations: Vec<CombinationSummary>,
    pub comparisons: Vec<FactorComparison>,
    pub compare_options: CompareOptions,
}

/// Compares and summarises every combination that has finished runs.
pub fn analyse(plan: &Plan, state: &State, out: &Path) -> Result<Analysis, ExperimentError> {
    let definition = &plan.definition;
    let options = CompareOptions {
        seed: definition.seed,
        warmup: definition.warmup.0,
        ..CompareOptions::default()
    };
    let mut runs: BTreeMap<usize, Vec<PathBuf>> = BTreeMap::new();
    let mut failed: BTreeMap<usize, usize> = BTreeMap::new();
    let mut throughput: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for cell in &state.cells {
        match cell.status {
            CellStatus::Done => {
                runs.entry(cell.combination_index)
                    .or_default()
                    .push(cell_dir(out, &cell.id));
                throughput
                    .entry(cell.combination_index)
                    .or_default()
                    .push(cell.throughput_per_sec);
            }
            CellStatus::Failed => *failed.entry(cell.combination_index).or_default() += 1,
            CellStatus::Pending => {}
        }
    }

    // Comparisons of an earlier analysis (before a resume) would linger.
    let _ = std::fs::remove_dir_all(out.join("compare"));
    // Each combination's figures once (reading its runs and resampling are
    // the costly part); every grouping below compares those same figures.
    let mut stats: BTreeMap<usize, ScenarioStats> = BTreeMap::new();
    for (&index, paths) in &runs {
        let name = plan.combinations[index].name.clone();
        let input = RunInput::pooled(name, paths.clone());
        let figures = scenario(&input, &options).map_err(|e| ExperimentError::Results {
            path: out.to_owned(),
            message: e.to_string(),
        })?;
        stats.insert(index, figures);
    }
    let mut comparisons = Vec::new();
    for (factor_index, group) in groups(plan) {
        let members: Vec<&Combination> = group
            .iter()
            .map(|&c| &plan.combinations[c])
            .filter(|c| stats.contains_key(&c.index))
            .collect();
        if members.is_empty() {
            continue;
        }
        let figures = members.iter().map(|c| stats[&c.index].clone()).collect();
        let comparison = Comparison::of(figures, &options);
        let factor = &definition.factors[factor_index];
        let holding: Vec<(String, String)> = plan
            .level_labels(members[0])
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i != factor_index)
            .map(|(_, level)| level)
            .collect();
        let mut folder = PathBuf::from("compare").join(slug(&factor.name));
        if !holding.is_empty() {
            let name: Vec<String> = holding.iter().map(|(f, l)| format!("{f}={l}")).collect();
            folder = folder.join(slug(&name.join(" ")));
        }
        comparison
            .write(&out.join(&folder))
            .map_err(|e| ExperimentError::Results {
                path: out.join(&folder),
                message: e.to_string(),
            })?;
        comparisons.push(FactorComparison {
            factor: factor.name.clone(),
            holding,
            folder,
            pairs: comparison.pairs().to_vec(),
        });
    }

    let combinations = plan
        .combinations
        .iter()
        .map(|c| {
            let rates = throughput.get(&c.index);
            let rates = rates.map(Vec::as_slice).unwrap_or_default();
            CombinationSummary {
                name: c.name.clone(),
                levels: plan.level_labels(c),
                runs: rates.len(),
                failed_runs: failed.get(&c.index).copied().unwrap_or(0),
                throughput_mean: (!rates.is_empty())
                    .then(|| rates.iter().sum::<f64>() / rates.len() as f64),
                throughput_min: rates.iter().copied().reduce(f64::min),
                throughput_max: rates.iter().copied().reduce(f64::max),
                latency_resolution: stats
                    .get(&c.index)
                    .map(|s| s.latency_resolution)
                    .unwrap_or_default(),
                labels: stats.remove(&c.index).map(|s| s.labels).unwrap_or_default(),
                server: runs
                    .get(&c.index)
                    .map_or_else(BTreeMap::new, |paths| server_figures(paths)),
            }
        })
        .collect();
    Ok(Analysis {
        combinations,
        comparisons,
        compare_options: options,
    })
}

/// Each service's figures pooled over runs (the cell folders `runs`), from
/// the `server` section of each run's `summary.json`.
fn server_figures(runs: &[PathBuf]) -> BTreeMap<String, ServiceFigures> {
    let mut by_service: BTreeMap<String, Vec<ServiceFigures>> = BTreeMap::new();
    for run in runs {
        let Some(server) = read_server_metrics(run) else {
            continue;
        };
        for (service, series) in server {
            if let Some(figures) = series.figures() {
                by_service.entry(service).or_default().push(figures);
            }
        }
    }
    by_service
        .into_iter()
        .map(|(service, runs)| (service, pool(&runs)))
        .collect()
}

fn read_server_metrics(run: &Path) -> Option<ServerMetrics> {
    let text = std::fs::read_to_string(run.join("summary.json")).ok()?;
    let mut summary: serde_json::Value = serde_json::from_str(&text).ok()?;
    serde_json::from_value(summary.get_mut("server")?.take()).ok()
}

/// The mean of each figure over the runs, the largest memory peak.
fn pool(runs: &[ServiceFigures]) -> ServiceFigures {
    let mean = |values: Vec<f64>| -> Option<f64> {
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    ServiceFigures {
        cpu_cores_mean: mean(runs.iter().map(|r| r.cpu_cores_mean).collect()).unwrap_or(0.0),
        rss_bytes_peak: runs.iter().map(|r| r.rss_bytes_peak).max().unwrap_or(0),
        requests_per_sec: mean(runs.iter().map(|r| r.requests_per_sec).collect()).unwrap_or(0.0),
        writes_per_commit: mean(runs.iter().filter_map(|r| r.writes_per_commit).collect()),
    }
}

/// The groups of combinations to compare: for each factor, the
/// combinations that differ only in that factor's level (in level order).
fn groups(plan: &Plan) -> Vec<(usize, Vec<usize>)> {
    let factors = plan.definition.factors.len();
    let mut out = Vec::new();
    for factor in 0..factors {
        let mut by_others: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
        for c in &plan.combinations {
            let mut others = c.levels.clone();
            others.remove(factor);
            by_others.entry(others).or_default().push(c.index);
        }
        for (_, mut members) in by_others {
            members.sort_by_key(|&i| plan.combinations[i].levels[factor]);
            out.push((factor, members));
        }
    }
    out
}
