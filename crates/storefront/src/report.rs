//! `storefront report <file.jtl>…`: rebuilds every result file of a run
//! from its JTL, with the same code `storefront load` uses at the end of a
//! run; given several (one per load generator of one test), merges them
//! into one run first. With thresholds it exits 3 when one fails, as
//! `storefront load` does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context;
use storefront_report::clock::folder_stamp;
use storefront_report::jtl::merge_jtls;
use storefront_report::{RunInfo, build_report};

use crate::cli::ReportArgs;
use crate::exit_codes::ExitCodes;

pub fn report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let (jtl, info, server) = match args.jtls.as_slice() {
        [jtl] => {
            let previous = previous_summary(jtl);
            let info = previous
                .as_ref()
                .and_then(|summary| serde_json::from_value(summary.get("run")?.clone()).ok())
                .unwrap_or_else(|| RunInfo {
                    scenario: format!("JTL file {}", jtl.display()),
                    ..RunInfo::default()
                });
            let server = previous
                .as_ref()
                .and_then(|summary| serde_json::from_value(summary.get("server")?.clone()).ok())
                .unwrap_or_default();
            (jtl.clone(), info, server)
        }
        several => (
            merge(several, args.out.as_deref())?,
            merged_info(several),
            Default::default(),
        ),
    };
    let out = match &args.out {
        Some(out) => out.clone(),
        None => jtl
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned(),
    };
    let report = build_report(&jtl, &out, &info, server, &args.thresholds)
        .with_context(|| format!("cannot build a report from {}", jtl.display()))?;
    print!("{}", report.table());
    let thresholds = report.thresholds_text();
    if !thresholds.is_empty() {
        print!("\n{thresholds}");
    }
    println!(
        "wrote aggregate.csv, aggregate.md, summary.json and report.html to {}",
        out.display()
    );
    Ok(if report.thresholds_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(ExitCodes::THRESHOLD_FAILED)
    })
}

/// Merges the generators' JTLs into `<out>/results.jtl` (see
/// `storefront_report::jtl::merge_jtls`) and returns its path.
fn merge(inputs: &[PathBuf], out: Option<&Path>) -> anyhow::Result<PathBuf> {
    let out = out.map(Path::to_owned).unwrap_or_else(|| {
        PathBuf::from("results").join(format!("merged-{}", folder_stamp(SystemTime::now())))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let merged = out.join("results.jtl");
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(input) = inputs.iter().find(|input| same(input, &merged)) {
        anyhow::bail!(
            "{} would be overwritten by the merge: choose another --out",
            input.display()
        );
    }
    let written = merge_jtls(inputs, &merged).context("cannot merge the JTL files")?;
    let counts: Vec<String> = written.rows.iter().map(u64::to_string).collect();
    println!(
        "merged {} JTL files ({} rows) into {}",
        inputs.len(),
        counts.join(" + "),
        merged.display()
    );
    Ok(merged)
}

/// The merged run's details: its generators, each with the scenario its
/// own summary names when `storefront load` wrote one.
fn merged_info(inputs: &[PathBuf]) -> RunInfo {
    let generators: Vec<serde_json::Value> = inputs
        .iter()
        .map(|jtl| {
            let scenario = previous_summary(jtl)
                .and_then(|summary| summary["run"]["scenario"].as_str().map(str::to_owned));
            serde_json::json!({"jtl": jtl.display().to_string(), "scenario": scenario})
        })
        .collect();
    RunInfo {
        scenario: format!("{} generators merged", inputs.len()),
        extra: serde_json::json!({ "generators": generators }),
        ..RunInfo::default()
    }
}

/// The `summary.json` beside the JTL, when `storefront load` wrote one
/// there: a rebuilt report then still names its scenario, host, revision
/// and times, and keeps the server's side of the run.
fn previous_summary(jtl: &Path) -> Option<serde_json::Value> {
    let summary = jtl.parent()?.join("summary.json");
    let text = std::fs::read_to_string(summary).ok()?;
    serde_json::from_str(&text).ok()
}
