//! Failed authentications per client address: past the limit within a
//! minute, every credential from that address is refused with 429 until the
//! minute is over, right or wrong, so guessing the admin token or a
//! customer's secret costs a minute per handful of tries.
//!
//! Written here rather than with `governor`: a keyed governor limiter can
//! only take a cell to test one, and a blocked address must be refused
//! without its correct guess being taken, which needs a look before any
//! attempt and a count after a failed one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long failures are counted before the count starts again.
const WINDOW: Duration = Duration::from_secs(60);

/// Addresses remembered before expired windows are swept out.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub struct FailedAttempts {
    /// Failures per address and minute; 0 turns the limit off.
    limit: u32,
    by_client: Mutex<HashMap<IpAddr, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

impl FailedAttempts {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            by_client: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` while `client` has used up its failures for the minute.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let by_client = self
            .by_client
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match by_client.get(&client) {
            Some(w) if w.failures >= self.limit && now < w.started + WINDOW => {
                Err(w.started + WINDOW - now)
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed authentication from `client`.
    pub fn record(&self, client: IpAddr, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let mut by_client = self
            .by_client
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if by_client.len() >= SWEEP_AT {
            by_client.retain(|_, w| now < w.started + WINDOW);
        }
        let window = by_client.entry(client).or_insert(Window {
            started: now,
            failures: 0,
        });
        if now >= window.started + WINDOW {
            *window = Window {
                started: now,
                failures: 0,
            };
        }
        window.failures += 1;
        if window.failures == self.limit {
            tracing::warn!(%client, limit = self.limit, "failed authentications: address blocked for the rest of the minute");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

    #[test]
    fn an_address_is_blocked_after_the_limit_until_its_minute_ends() {
        let limiter = FailedAttempts::new(3);
        let start = Instant::now();
        for _ in 0..2 {
            limiter.record(HOME, start);
            assert_eq!(limiter.check(HOME, start), Ok(()));
        }
        limiter.record(HOME, start);
        let later = start + Duration::from_secs(20);
        assert_eq!(limiter.check(HOME, later), Err(Duration::from_secs(40)));
        assert_eq!(limiter.check(AWAY, later), Ok(()), "others are not blocked");
        assert_eq!(limiter.check(HOME, start + WINDOW), Ok(()));
        limiter.record(HOME, start + WINDOW);
        assert_eq!(limiter.check(HOME, start + WINDOW), Ok(()), "a new minute");
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = FailedAttempts::new(0);
        let now = Instant::now();
        for _ in 0..100 {
            limiter.record(HOME, now);
        }
        assert_eq!(limiter.check(HOME, now), Ok(()));
    }
}
