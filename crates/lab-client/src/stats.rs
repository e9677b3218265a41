//! Counts and latency histograms per request kind, and the printed report.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::{ClientOptions, Mode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RequestKind {
    Query,
    Buy,
    Verify,
}

impl RequestKind {
    fn label(self) -> &'static str {
        match self {
            RequestKind::Query => "query",
            RequestKind::Buy => "buy",
            RequestKind::Verify => "verify",
        }
    }
}

/// What one kind of request came to.
#[derive(Debug, Clone)]
pub struct KindStats {
    /// Latency in microseconds, 1 µs to 60 s at 3 significant digits.
    pub latency: Histogram<u64>,
    pub ok: u64,
    /// 4xx answers: refusals such as out of stock (409).
    pub refused: u64,
    /// 5xx answers and transport errors.
    pub failed: u64,
}

impl Default for KindStats {
    fn default() -> Self {
        Self {
            latency: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"),
            ok: 0,
            refused: 0,
            failed: 0,
        }
    }
}

impl KindStats {
    fn count(&self) -> u64 {
        self.ok + self.refused + self.failed
    }
}

#[derive(Debug, Clone, Default)]
pub struct SessionStats {
    pub kinds: BTreeMap<RequestKind, KindStats>,
    pub orders_placed: u64,
    pub mismatches: Vec<String>,
}

impl SessionStats {
    pub fn record(&mut self, kind: RequestKind, status: u16, elapsed: Duration) {
        let stats = self.kinds.entry(kind).or_default();
        stats
            .latency
            .saturating_record(elapsed.as_micros().max(1) as u64);
        match status {
            200..=299 => stats.ok += 1,
            400..=499 => stats.refused += 1,
            _ => stats.failed += 1,
        }
    }

    pub fn record_transport_error(&mut self, kind: RequestKind) {
        self.kinds.entry(kind).or_default().failed += 1;
    }
}

/// Everything the client measured, for printing or for tests to read.
#[derive(Debug, Clone)]
pub struct Report {
    pub header: String,
    pub totals: SessionStats,
    pub elapsed: Duration,
}

impl Report {
    pub(crate) fn new(options: &ClientOptions) -> Self {
        let mode = match options.mode {
            Mode::Mixed => "mixed",
            Mode::Query => "query",
            Mode::Buy => "buy",
        };
        Self {
            header: format!(
                "target {} · {} sessions × {} iterations · mode {mode} · p {:.2}",
                options.target, options.sessions, options.iterations, options.p
            ),
            totals: SessionStats::default(),
            elapsed: Duration::ZERO,
        }
    }

    pub(crate) fn absorb(&mut self, session: SessionStats) {
        for (kind, stats) in session.kinds {
            let total = self.totals.kinds.entry(kind).or_default();
            let _ = total.latency.add(&stats.latency);
            total.ok += stats.ok;
            total.refused += stats.refused;
            total.failed += stats.failed;
        }
        self.totals.orders_placed += session.orders_placed;
        self.totals.mismatches.extend(session.mismatches);
    }

    pub(crate) fn finish(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
    }

    pub fn kind(&self, kind: RequestKind) -> Option<&KindStats> {
        self.totals.kinds.get(&kind)
    }

    /// No order mismatched and nothing failed (refusals such as out of
    /// stock are normal answers, not failures).
    pub fn is_clean(&self) -> bool {
        self.totals.mismatches.is_empty() && self.totals.kinds.values().all(|k| k.failed == 0)
    }
}

fn ms(micros: f64) -> f64 {
    micros / 1000.0
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.header)?;
        writeln!(
            f,
            "{:<8}{:>9}{:>9}{:>9}{:>9}{:>10}{:>9}{:>9}{:>9}",
            "request", "count", "ok", "refused", "failed", "mean ms", "p50 ms", "p99 ms", "max ms"
        )?;
        let mut requests = 0;
        for (kind, s) in &self.totals.kinds {
            requests += s.count();
            let h = &s.latency;
            writeln!(
                f,
                "{:<8}{:>9}{:>9}{:>9}{:>9}{:>10.3}{:>9.3}{:>9.3}{:>9.3}",
                kind.label(),
                s.count(),
                s.ok,
                s.refused,
                s.failed,
                ms(h.mean()),
                ms(h.value_at_quantile(0.5) as f64),
                ms(h.value_at_quantile(0.99) as f64),
                ms(h.max() as f64),
            )?;
        }
        let seconds = self.elapsed.as_secs_f64().max(1e-9);
        writeln!(
            f,
            "orders placed {}, mismatches {}",
            self.totals.orders_placed,
            self.totals.mismatches.len()
        )?;
        for mismatch in self.totals.mismatches.iter().take(20) {
            writeln!(f, "  MISMATCH {mismatch}")?;
        }
        writeln!(
            f,
            "elapsed {:.3} s, {} requests, {:.0} requests/s",
            seconds,
            requests,
            requests as f64 / seconds
        )
    }
}
