//! Progress while a run goes on, on stderr: elapsed/remaining, active
//! users, and req/s, errors, p50 and p99 over the last five seconds (a
//! recent window, so a slowdown shows when it happens instead of being
//! averaged into the whole run). On a terminal one line is redrawn each
//! second; otherwise (CI logs, pipes) a plain line is written every ten
//! seconds, so a long run still shows it is alive without flooding a log.

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

use crate::recorder::{Recent, SharedStats, lock};

/// How many one-second slices the figures cover.
const WINDOW_SECONDS: usize = 5;
/// How often a plain line is written when stderr is not a terminal.
const PLAIN_EVERY: u64 = 10;

/// Starts the display; it stops with `done`.
pub fn start(
    stats: SharedStats,
    active: Arc<AtomicU32>,
    planned: Option<Duration>,
    done: CancellationToken,
) -> JoinHandle<()> {
    let terminal = std::io::stderr().is_terminal();
    tokio::spawn(async move {
        let started = Instant::now();
        let mut tick = interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut window = Window::default();
        // The first tick is immediate; there is nothing to show yet.
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = done.cancelled() => break,
            }
            let (recent, total_errors) = {
                let mut s = lock(&stats);
                (s.take_recent(), s.errors)
            };
            window.push(recent);
            let elapsed = started.elapsed();
            let line = window.line(
                elapsed,
                planned,
                active.load(Ordering::Relaxed),
                total_errors,
            );
            if terminal {
                eprint!("\r\x1b[2K{line}");
                let _ = std::io::stderr().flush();
            } else if elapsed.as_secs().is_multiple_of(PLAIN_EVERY) {
                eprintln!("{line}");
            }
        }
        if terminal {
            eprintln!();
        }
    })
}

/// The last few one-second slices of samples.
#[derive(Default)]
struct Window {
    slices: VecDeque<Recent>,
}

impl Window {
    fn push(&mut self, slice: Recent) {
        if self.slices.len() == WINDOW_SECONDS {
            self.slices.pop_front();
        }
        self.slices.push_back(slice);
    }

    fn line(
        &self,
        elapsed: Duration,
        planned: Option<Duration>,
        users: u32,
        total_errors: u64,
    ) -> String {
        let seconds = self.slices.len().max(1) as f64;
        let samples: u64 = self.slices.iter().map(|s| s.samples).sum();
        let errors: u64 = self.slices.iter().map(|s| s.errors).sum();
        let mut merged = Histogram::<u64>::new(3).expect("3 significant figures is valid");
        for slice in &self.slices {
            // Same precision on both sides, so adding cannot fail.
            let _ = merged.add(&slice.elapsed_us);
        }
        let ms = |quantile| merged.value_at_quantile(quantile) as f64 / 1000.0;
        let remaining = planned
            .map(|p| {
                format!(
                    " / {:.0}s left",
                    p.saturating_sub(elapsed).as_secs_f64().ceil()
                )
            })
            .unwrap_or_default();
        format!(
            "{:>4}s{remaining}  users {users}  last {}s: {:.0} req/s  {errors} errors  p50 {:.1} ms  p99 {:.1} ms  (errors in all {total_errors})",
            elapsed.as_secs(),
            self.slices.len(),
            samples as f64 / seconds,
            ms(0.5),
            ms(0.99),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(samples: u64, errors: u64, elapsed_us: u64) -> Recent {
        let mut histogram = Histogram::new(3).unwrap();
        for _ in 0..samples {
            histogram.record(elapsed_us).unwrap();
        }
        Recent {
            samples,
            errors,
            elapsed_us: histogram,
        }
    }

    #[test]
    fn figures_cover_only_the_last_five_seconds() {
        let mut window = Window::default();
        // A slow start that has left the window by the end.
        for _ in 0..3 {
            window.push(slice(10, 5, 900_000));
        }
        for _ in 0..5 {
            window.push(slice(100, 0, 2_000));
        }
        let line = window.line(Duration::from_secs(8), None, 4, 15);
        assert!(line.contains("last 5s: 100 req/s"), "{line}");
        assert!(line.contains(" 0 errors"), "{line}");
        assert!(line.contains("p99 2.0 ms"), "{line}");
        assert!(line.contains("(errors in all 15)"), "{line}");
    }

    #[test]
    fn a_young_run_divides_by_the_seconds_it_has() {
        let mut window = Window::default();
        window.push(slice(30, 3, 1_000));
        window.push(slice(10, 1, 1_000));
        let line = window.line(Duration::from_secs(2), Some(Duration::from_secs(10)), 2, 4);
        assert!(line.contains("8s left"), "{line}");
        assert!(line.contains("last 2s: 20 req/s  4 errors"), "{line}");
    }
}
