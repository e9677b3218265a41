//! The closed model (JMeter's concurrency thread group): users join over
//! the ramp-up in equal steps (or one by one), loop iterations with think
//! time between them until the hold is over or their iterations are done,
//! then leave one by one over the ramp-down.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::Rng;
use tokio::time::{Instant, sleep, sleep_until};

use crate::engine::Engine;
use crate::scenario::{Closed, Think};

/// Runs the whole population to the end (or until the stop signal).
pub async fn run(model: &Closed, engine: Arc<Engine>) {
    let start = Instant::now();
    let mut users = Vec::with_capacity(model.users as usize);
    let mut index = 0;
    while index < model.users {
        let joins = join_offset(model, index);
        let batch: Vec<u32> = (index..model.users)
            .take_while(|i| join_offset(model, *i) == joins)
            .collect();
        tokio::select! {
            _ = sleep_until(start + joins) => {}
            _ = engine.stop.cancelled() => break,
        }
        // A batch counts as active before any of its users sends, so every
        // sample of a step carries that step's user count.
        engine
            .active
            .fetch_add(batch.len() as u32, Ordering::Relaxed);
        for i in batch {
            let engine = engine.clone();
            let model = model.clone();
            let leaves = leave_offset(&model, i).map(|o| start + o);
            users.push(tokio::spawn(async move {
                live(&model, &engine, u64::from(i) + 1, leaves).await;
            }));
            index = i + 1;
        }
    }
    for user in users {
        // A panicking user has lost its own samples only; the others go on.
        let _ = user.await;
    }
}

/// One user's life: iterations until it leaves; it was counted active when
/// it joined and is counted out here.
async fn live(model: &Closed, engine: &Engine, id: u64, leaves: Option<Instant>) {
    let mut user = engine.user(id);
    let mut n = 0;
    while model.iterations.is_none_or(|max| n < max) && leaves.is_none_or(|at| Instant::now() < at)
    {
        if engine.stop.is_cancelled() {
            break;
        }
        engine.plan.iteration(&mut user, n).await;
        n += 1;
        let pause = think_time(model.think, &mut user.rng);
        if !pause.is_zero() {
            tokio::select! {
                _ = sleep(pause) => {}
                _ = engine.stop.cancelled() => break,
            }
        }
    }
    engine.active.fetch_sub(1, Ordering::Relaxed);
    user.flush();
}

/// When user `index` (0-based) joins: in equal batches over the ramp-up
/// (`ramp_steps`), or evenly one by one when `ramp_steps` is 0.
pub fn join_offset(model: &Closed, index: u32) -> Duration {
    let ramp = model.ramp_up.0;
    if ramp.is_zero() {
        return Duration::ZERO;
    }
    let users = u64::from(model.users);
    if model.ramp_steps == 0 {
        return ramp.mul_f64(f64::from(index) / users as f64);
    }
    let steps = u64::from(model.ramp_steps);
    // Batch b holds the users up to ceil(users·(b+1)/steps).
    let batch = (0..steps)
        .find(|b| u64::from(index) < (users * (b + 1)).div_ceil(steps))
        .unwrap_or(steps - 1);
    ramp.mul_f64(batch as f64 / steps as f64)
}

/// When user `index` leaves, if the run has a hold: the last to join leaves
/// first, spread over the ramp-down.
pub fn leave_offset(model: &Closed, index: u32) -> Option<Duration> {
    let hold_end = model.ramp_up.0 + model.hold?.0;
    let share = f64::from(model.users - index) / f64::from(model.users);
    Some(hold_end + model.ramp_down.0.mul_f64(share))
}

fn think_time(think: Think, rng: &mut impl Rng) -> Duration {
    match think {
        Think::None => Duration::ZERO,
        Think::Constant { time } => time.0,
        Think::Uniform { min, max } if min == max => min.0,
        Think::Uniform { min, max } => {
            Duration::from_secs_f64(rng.random_range(min.0.as_secs_f64()..max.0.as_secs_f64()))
        }
        Think::Exponential { mean } => {
            // Inverse transform: -ln(U)·mean, U in (0, 1].
            let u: f64 = 1.0 - rng.random::<f64>();
            mean.0.mul_f64(-u.ln())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::Span;

    fn model(users: u32, ramp_s: u64, steps: u32) -> Closed {
        Closed {
            users,
            ramp_up: Span(Duration::from_secs(ramp_s)),
            ramp_steps: steps,
            hold: Some(Span(Duration::from_secs(10))),
            ramp_down: Span(Duration::from_secs(4)),
            iterations: None,
            think: Think::None,
        }
    }

    #[test]
    fn users_join_in_equal_steps_over_the_ramp_up() {
        let m = model(10, 10, 2);
        let joins: Vec<u64> = (0..10).map(|i| join_offset(&m, i).as_secs()).collect();
        assert_eq!(joins, [0, 0, 0, 0, 0, 5, 5, 5, 5, 5]);
        let m = model(5, 9, 3);
        let joins: Vec<u64> = (0..5).map(|i| join_offset(&m, i).as_secs()).collect();
        assert_eq!(joins, [0, 0, 3, 3, 6]);
    }

    #[test]
    fn without_steps_users_join_one_by_one() {
        let m = model(4, 8, 0);
        let joins: Vec<u64> = (0..4).map(|i| join_offset(&m, i).as_secs()).collect();
        assert_eq!(joins, [0, 2, 4, 6]);
    }

    #[test]
    fn the_last_to_join_leaves_first_over_the_ramp_down() {
        let m = model(4, 8, 0);
        let leaves: Vec<u64> = (0..4)
            .map(|i| leave_offset(&m, i).unwrap().as_secs())
            .collect();
        assert_eq!(leaves, [22, 21, 20, 19]);
    }

    #[test]
    fn think_times_follow_their_distribution() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        use rand::SeedableRng;
        let uniform = Think::Uniform {
            min: Span(Duration::from_millis(10)),
            max: Span(Duration::from_millis(20)),
        };
        for _ in 0..1000 {
            let t = think_time(uniform, &mut rng);
            assert!(t >= Duration::from_millis(10) && t < Duration::from_millis(20));
        }
        let mean = Span(Duration::from_millis(100));
        let total: f64 = (0..20_000)
            .map(|_| think_time(Think::Exponential { mean }, &mut rng).as_secs_f64())
            .sum();
        let average = total / 20_000.0;
        assert!((0.09..0.11).contains(&average), "{average}");
    }
}
