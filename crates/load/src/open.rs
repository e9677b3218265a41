//! The open model: iterations start on an arrival schedule (rate stages),
//! whatever the server's speed. At most `max_in_flight` run at once, each
//! on a pooled user with its own connection. An arrival that finds every
//! slot busy waits and is counted late; one that would make more than
//! `max_backlog` arrivals wait is dropped and counted. An iteration's first
//! request is timed from its *due* time, so a stalled server shows as
//! latency and cannot hide behind fewer requests (coordinated omission).

use std::collections::VecDeque;
use std::iter::Peekable;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep_until};

use crate::engine::Engine;
use crate::scenario::{Open, Stage};
use crate::user::User;

/// An arrival that starts this much after its due time counts as late
/// (well above the 1 ms resolution of tokio's timer).
pub const LATE_AFTER: Duration = Duration::from_millis(10);

/// How the schedule was kept.
#[derive(Debug, Default, Clone, Serialize)]
pub struct OpenCounts {
    /// Arrivals the schedule called for up to the end (or the stop).
    pub scheduled: u64,
    pub started: u64,
    pub late: u64,
    pub dropped: u64,
}

pub async fn run(model: &Open, engine: Arc<Engine>) -> OpenCounts {
    let slots = Arc::new(Semaphore::new(model.max_in_flight as usize));
    let backlog = model.max_backlog.unwrap_or(model.max_in_flight) as usize;
    let pool: Arc<Mutex<Vec<User>>> = Arc::default();
    let mut next_user_id = 0;
    let mut counts = OpenCounts::default();
    let start = Instant::now();
    let wall_start = SystemTime::now();
    let mut schedule = Arrivals::new(&model.stages).peekable();
    let mut waiting: VecDeque<Duration> = VecDeque::new();
    let mut n = 0;

    loop {
        if waiting.is_empty() {
            match schedule.next() {
                Some(offset) => waiting.push_back(offset),
                None => break,
            }
        }
        let due = start + waiting[0];
        tokio::select! {
            _ = sleep_until(due) => {}
            _ = engine.stop.cancelled() => break,
        }
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = engine.stop.cancelled() => break,
        };
        let now = Instant::now();
        take_due(&mut schedule, &mut waiting, now - start);
        while waiting.len() > backlog + 1 {
            waiting.pop_front();
            counts.dropped += 1;
        }
        let offset = waiting.pop_front().expect("at least the current arrival");
        counts.started += 1;
        if now.duration_since(start + offset) > LATE_AFTER {
            counts.late += 1;
        }
        let mut user = pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_else(|| {
                next_user_id += 1;
                engine.user(next_user_id)
            });
        user.due = Some(((start + offset).into_std(), wall_start + offset));
        let engine = engine.clone();
        let pool = pool.clone();
        let iteration = n;
        n += 1;
        tokio::spawn(async move {
            engine.active.fetch_add(1, Ordering::Relaxed);
            engine.plan.iteration(&mut user, iteration).await;
            engine.active.fetch_sub(1, Ordering::Relaxed);
            pool.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(user);
            drop(permit);
        });
    }
    // Every iteration still running ends (replies are bounded by the timeout).
    let _ = slots.acquire_many(model.max_in_flight).await;
    counts.scheduled = counts.started + counts.dropped + waiting.len() as u64;
    pool.lock().unwrap_or_else(PoisonError::into_inner).clear();
    counts
}

fn take_due(
    schedule: &mut Peekable<Arrivals>,
    waiting: &mut VecDeque<Duration>,
    elapsed: Duration,
) {
    while let Some(offset) = schedule.next_if(|o| *o <= elapsed) {
        waiting.push_back(offset);
    }
}

/// Due times of the arrivals, as offsets from the start: arrival k is when
/// the integral of the rate reaches k (so the first is at the start).
pub struct Arrivals {
    stages: Vec<(f64, f64, f64)>,
    stage: usize,
    stage_start: f64,
    stage_first: f64,
    k: u64,
}

impl Arrivals {
    pub fn new(stages: &[Stage]) -> Self {
        Self {
            stages: stages
                .iter()
                .map(|s| {
                    let (from, to) = s.rates();
                    (from, to, s.duration.0.as_secs_f64())
                })
                .collect(),
            stage: 0,
            stage_start: 0.0,
            stage_first: 0.0,
            k: 0,
        }
    }

    /// Total arrivals over every stage.
    pub fn expected_count(stages: &[Stage]) -> u64 {
        let total: f64 = stages
            .iter()
            .map(|s| {
                let (a, b) = s.rates();
                (a + b) / 2.0 * s.duration.0.as_secs_f64()
            })
            .sum();
        total.ceil() as u64
    }
}

impl Iterator for Arrivals {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        loop {
            let &(a, b, length) = self.stages.get(self.stage)?;
            let m = self.k as f64 - self.stage_first;
            let in_stage = (a + b) / 2.0 * length;
            if m < in_stage {
                let slope = (b - a) / length;
                // Solve a·t + slope·t²/2 = m for the first t ≥ 0.
                let t = if slope.abs() < 1e-12 {
                    m / a
                } else {
                    (-a + (a * a + 2.0 * slope * m).max(0.0).sqrt()) / slope
                };
                self.k += 1;
                return Some(Duration::from_secs_f64(
                    self.stage_start + t.clamp(0.0, length),
                ));
            }
            self.stage += 1;
            self.stage_start += length;
            self.stage_first += in_stage;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::Span;

    fn stage(from: f64, to: f64, secs: u64) -> Stage {
        Stage {
            rate: None,
            from: Some(from),
            to: Some(to),
            duration: Span(Duration::from_secs(secs)),
        }
    }

    #[test]
    fn a_constant_rate_spaces_arrivals_evenly() {
        let times: Vec<_> = Arrivals::new(&[stage(4.0, 4.0, 1)]).collect();
        assert_eq!(
            times,
            [0, 250, 500, 750].map(Duration::from_millis).to_vec()
        );
    }

    #[test]
    fn a_ramp_sends_the_area_under_the_rate_and_speeds_up() {
        let stages = [stage(0.0, 100.0, 10), stage(100.0, 100.0, 5)];
        let times: Vec<_> = Arrivals::new(&stages).collect();
        assert_eq!(times.len() as u64, Arrivals::expected_count(&stages));
        assert_eq!(times.len(), 500 + 500);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let first_second = times.iter().filter(|t| t.as_secs() < 1).count();
        let last_ramp_second = times.iter().filter(|t| t.as_secs() == 9).count();
        assert!(
            first_second < 10 && last_ramp_second > 90,
            "{first_second} {last_ramp_second}"
        );
        assert!(*times.last().unwrap() < Duration::from_secs(15));
    }
}
