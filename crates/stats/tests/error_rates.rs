//! The tests do what they claim over many seeded synthetic runs: two
//! samples from one distribution are called different about α of the time
//! (no more), and a real shift is found nearly always, in the right
//! direction. Bounds are binomial, not tuned to one outcome.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use storefront_stats::{Moments, mann_whitney, welch};

const ALPHA: f64 = 0.05;
const PAIRS: u64 = 200;

/// Latency-like: a 20 ms floor plus an exponential tail of mean 30 ms,
/// whole milliseconds (so with ties), sorted.
fn latencies(rng: &mut StdRng, n: usize, shift: u32) -> Vec<u32> {
    let mut v: Vec<u32> = (0..n)
        .map(|_| (20.0 - 30.0 * (1.0 - rng.random::<f64>()).ln()) as u32 + shift)
        .collect();
    v.sort_unstable();
    v
}

/// (Welch rejections, Mann–Whitney rejections) over `PAIRS` seeded pairs.
fn rejections(n: usize, shift: u32, seed: u64) -> (u64, u64, u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut by_welch, mut by_mann_whitney, mut right_direction) = (0, 0, 0);
    for _ in 0..PAIRS {
        let a = latencies(&mut rng, n, 0);
        let b = latencies(&mut rng, n, shift);
        let w = welch(&Moments::of(&a).unwrap(), &Moments::of(&b).unwrap()).unwrap();
        let m = mann_whitney(&a, &b).unwrap();
        by_welch += u64::from(w.p < ALPHA);
        by_mann_whitney += u64::from(m.p < ALPHA);
        // b slower: a's U below the midpoint, Welch's t negative.
        right_direction += u64::from(m.p < ALPHA && m.z < 0.0 && w.t < 0.0);
    }
    (by_welch, by_mann_whitney, right_direction)
}

/// Under the null, rejections ~ Binomial(200, 0.05): mean 10, sd 3.1. The
/// bound 21 is the mean plus 3.5 sd (P(X > 21) < 0.001 for a correct
/// test); a test that ignored ties or doubled p would fall outside.
#[test]
fn identical_distributions_are_called_different_about_alpha_of_the_time() {
    let (welch, mann_whitney, _) = rejections(100, 0, 2024);
    for (test, count) in [("welch", welch), ("mann-whitney", mann_whitney)] {
        assert!(
            count <= 21,
            "{test}: {count} of {PAIRS} null pairs rejected"
        );
        assert!(
            count >= 2,
            "{test}: {count} of {PAIRS}: far too conservative"
        );
    }
}

/// A 15 ms shift on an sd of 30 ms (effect size 0.5) with 300 values a side
/// has a power above 0.99 for both tests.
#[test]
fn a_known_shift_is_found_in_the_right_direction() {
    let (welch, mann_whitney, right) = rejections(300, 15, 7);
    assert!(welch >= 190, "welch found {welch} of {PAIRS}");
    assert!(
        mann_whitney >= 190,
        "mann-whitney found {mann_whitney} of {PAIRS}"
    );
    assert!(right >= 190);
}
