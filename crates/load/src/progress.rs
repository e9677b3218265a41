//! The live progress line on stderr, redrawn each second while a run goes
//! on: elapsed/remaining, active users, req/s, errors, p50/p99 so far.
//! Only drawn on a terminal, so logs and pipes stay clean.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

use crate::recorder::{SharedStats, lock};

/// Starts the display if stderr is a terminal; it stops with `done`.
pub fn start(
    stats: SharedStats,
    active: Arc<AtomicU32>,
    planned: Option<Duration>,
    done: CancellationToken,
) -> Option<JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(tokio::spawn(async move {
        let started = Instant::now();
        let mut tick = interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut last_count = 0;
        // The first tick is immediate; there is nothing to show yet.
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = done.cancelled() => break,
            }
            let (count, errors, p50, p99) = {
                let s = lock(&stats);
                (
                    s.samples,
                    s.errors,
                    s.all.value_at_quantile(0.5),
                    s.all.value_at_quantile(0.99),
                )
            };
            let elapsed = started.elapsed();
            let remaining = planned
                .map(|p| {
                    format!(
                        " / {:.0}s left",
                        p.saturating_sub(elapsed).as_secs_f64().ceil()
                    )
                })
                .unwrap_or_default();
            eprint!(
                "\r\x1b[2K{:>4}s{remaining}  users {}  {} req/s  errors {errors}  p50 {:.1} ms  p99 {:.1} ms",
                elapsed.as_secs(),
                active.load(Ordering::Relaxed),
                count - last_count,
                p50 as f64 / 1000.0,
                p99 as f64 / 1000.0,
            );
            let _ = std::io::stderr().flush();
            last_count = count;
        }
        eprintln!();
    }))
}
