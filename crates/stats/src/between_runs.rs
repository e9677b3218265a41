//! Uncertainty between runs. Bootstrap intervals over pooled samples say how
//! precisely one set of runs was measured, not how much runs vary: samples
//! within a run share its warm caches, its neighbours on the machine and its
//! database file, and are autocorrelated besides. Here each run is one
//! observation of a statistic (its mean, median or p99), and the interval
//! is Student's t over those run-level values, which is honest with the
//! two or three repetitions an experiment can afford (a bootstrap over two
//! runs has only three distinct resamples).

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::Interval;

/// The `confidence` interval for the mean of `values` (one per run):
/// mean ± t(R − 1) · sd / √R. `None` with fewer than two runs.
pub fn t_interval(values: &[f64], confidence: f64) -> Option<Interval> {
    if values.len() < 2 || !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .ok()?
        .inverse_cdf(0.5 + confidence / 2.0);
    let half = t * (variance / n).sqrt();
    Some(Interval {
        low: mean - half,
        high: mean + half,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mean 4.4667, standard error 0.40415 / √3, and t(0.975, 2) =
    /// 4.302652729911275 (Student's t quantile, as tabulated): 4.4667 ±
    /// 1.00395 (Python's `statistics` for the rest).
    #[test]
    fn three_runs_give_the_textbook_interval() {
        let i = t_interval(&[4.1, 4.9, 4.4], 0.95).unwrap();
        assert!((i.low - 3.4627143630207016).abs() < 1e-9, "{i:?}");
        assert!((i.high - 5.470618970312632).abs() < 1e-9, "{i:?}");
    }

    #[test]
    fn one_run_gives_no_interval_and_identical_runs_a_point() {
        assert!(t_interval(&[4.0], 0.95).is_none());
        let i = t_interval(&[2.0, 2.0], 0.95).unwrap();
        assert_eq!((i.low, i.high), (2.0, 2.0));
    }
}
