//! The text printed at the end of a run: the aggregate table, the open
//! model's schedule keeping, the invariant checks and where the files are.

use std::fmt::Write;

use crate::run::RunOutcome;
use crate::server_metrics::NotScraped;

impl RunOutcome {
    pub fn summary(&self) -> String {
        let mut out = self.report.table();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        if let Some(open) = &self.open {
            let _ = writeln!(
                out,
                "\narrivals: {} scheduled, {} started, {} late (started over {} ms after due), {} dropped (backlog full)",
                open.scheduled,
                open.started,
                open.late,
                crate::open::LATE_AFTER.as_millis(),
                open.dropped
            );
        }
        if let Some(inv) = &self.invariants {
            let verdict = if inv.ok { "hold" } else { "VIOLATED" };
            let _ = writeln!(out, "\ninvariants {verdict}:");
            let _ = writeln!(
                out,
                "  orders: {} acknowledged, {} read back as placed, {} with unknown outcome",
                inv.orders_acknowledged, inv.orders_verified, inv.unknown_outcomes
            );
            let lists = [
                (
                    "order missing or different",
                    &inv.orders_missing_or_mismatched,
                ),
                ("stock not conserved", &inv.stock_not_conserved),
                ("negative stock", &inv.negative_stock),
            ];
            for (what, items) in lists {
                for item in items.iter() {
                    let _ = writeln!(out, "  {what}: {item}");
                }
            }
            for number in &inv.duplicate_order_numbers {
                let _ = writeln!(out, "  duplicate order number: {number}");
            }
            let _ = writeln!(
                out,
                "  stock conservation over {} products (assuming {})",
                inv.products_checked, inv.assumption
            );
        }
        match &self.server_metrics {
            Ok(services) if services.is_empty() => {
                out.push_str("\nserver metrics: no service's page could be read during the run\n");
            }
            Ok(services) => {
                let samples: Vec<String> = services
                    .iter()
                    .map(|service| {
                        let taken = self
                            .report
                            .server()
                            .get(service)
                            .map_or(0, |s| s.samples.len());
                        format!("{service} ({taken})")
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "\nserver metrics: samples of {} in summary.json and report.html",
                    samples.join(", ")
                );
            }
            Err(NotScraped::Unavailable(reason)) => {
                let _ = writeln!(out, "\nserver metrics: not read ({reason})");
            }
            Err(NotScraped::SwitchedOff) => {}
        }
        let thresholds = self.report.thresholds_text();
        if !thresholds.is_empty() {
            out.push('\n');
            out.push_str(&thresholds);
        }
        if self.report.nothing_succeeded() {
            out.push_str("\nno request succeeded: the run fails (exit 3)\n");
        }
        if self.interrupted {
            out.push_str("\ninterrupted: the results cover what ran before the stop signal\n");
        }
        let _ = writeln!(out, "\nresults: {}", self.out_dir.display());
        out
    }
}
