//! `storefront report <file.jtl>`: rebuilds every result file of a run from
//! its JTL, with the same code `storefront load` uses at the end of a run.

use std::path::Path;

use anyhow::Context;
use storefront_report::{RunInfo, build_report};

use crate::cli::ReportArgs;

pub fn report(args: &ReportArgs) -> anyhow::Result<()> {
    let out = match &args.out {
        Some(out) => out.clone(),
        None => args
            .jtl
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned(),
    };
    let previous = previous_summary(&args.jtl);
    let info = previous
        .as_ref()
        .and_then(|summary| serde_json::from_value(summary.get("run")?.clone()).ok())
        .unwrap_or_else(|| RunInfo {
            scenario: format!("JTL file {}", args.jtl.display()),
            ..RunInfo::default()
        });
    let server = previous
        .as_ref()
        .and_then(|summary| serde_json::from_value(summary.get("server")?.clone()).ok())
        .unwrap_or_default();
    let report = build_report(&args.jtl, &out, &info, server)
        .with_context(|| format!("cannot build a report from {}", args.jtl.display()))?;
    print!("{}", report.table());
    println!(
        "wrote aggregate.csv, aggregate.md, summary.json and report.html to {}",
        out.display()
    );
    Ok(())
}

/// The `summary.json` beside the JTL, when `storefront load` wrote one
/// there: a rebuilt report then still names its scenario, host, revision
/// and times, and keeps the server's side of the run.
fn previous_summary(jtl: &Path) -> Option<serde_json::Value> {
    let summary = jtl.parent()?.join("summary.json");
    let text = std::fs::read_to_string(summary).ok()?;
    serde_json::from_str(&text).ok()
}
