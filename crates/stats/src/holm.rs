//! Holm's step-down correction: many pair tests in one comparison would
//! otherwise find "significant" differences by chance alone.

/// Holm-adjusted p-values, in the order given: the i-th smallest p is
/// multiplied by (m − i + 1), made non-decreasing along that order and
/// capped at 1. Rejecting where the adjusted p ≤ α keeps the family-wise
/// error rate at α. NaN p-values stay NaN and do not count in m.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p_values.len())
        .filter(|&i| !p_values[i].is_nan())
        .collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let m = order.len();
    let mut adjusted = vec![f64::NAN; p_values.len()];
    let mut running = 0.0f64;
    for (i, &k) in order.iter().enumerate() {
        running = running.max(((m - i) as f64 * p_values[k]).min(1.0));
        adjusted[k] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Holm written out in Python (statsmodels' `multipletests(method="holm")`
    /// gives the same), NumPy 2.4.6:
    /// ```python
    /// def holm(p):
    ///     p = np.asarray(p); m = len(p); o = np.argsort(p); adj = np.empty(m); run = 0
    ///     for i, k in enumerate(o):
    ///         run = max(run, min(1, (m - i) * p[k])); adj[k] = run
    ///     return adj
    /// holm([0.01, 0.04, 0.03, 0.005])       # [0.03 0.06 0.06 0.02]
    /// holm([0.2, 0.001, 0.02, 0.5, 0.012])  # [0.4 0.005 0.06 0.5 0.048]
    /// ```
    #[test]
    fn adjusted_p_values_match_the_reference() {
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(
            &holm(&[0.01, 0.04, 0.03, 0.005]),
            &[0.03, 0.06, 0.06, 0.02]
        ));
        assert!(close(
            &holm(&[0.2, 0.001, 0.02, 0.5, 0.012]),
            &[0.4, 0.005, 0.06, 0.5, 0.048]
        ));
    }

    #[test]
    fn nan_is_kept_and_not_counted() {
        let adjusted = holm(&[0.01, f64::NAN, 0.04]);
        assert!(adjusted[1].is_nan());
        assert!((adjusted[0] - 0.02).abs() < 1e-12 && (adjusted[2] - 0.04).abs() < 1e-12);
        assert!(holm(&[]).is_empty());
    }
}
