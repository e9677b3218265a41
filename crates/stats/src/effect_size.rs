//! How large a difference is, not only whether it exists: with thousands of
//! samples a 1 ms shift is "significant", so the output carries effect sizes.

use crate::Moments;

/// Hedges' g of `b` against `a`: (mean_b − mean_a) over the pooled sample
/// standard deviation (Cohen's d), times the small-sample correction
/// J = 1 − 3 / (4(n_a + n_b) − 9). Positive when `b` is slower. `None`
/// with fewer than two values on a side or no variance at all.
pub fn hedges_g(a: &Moments, b: &Moments) -> Option<f64> {
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let (na, nb) = (a.n as f64, b.n as f64);
    let pooled = (((na - 1.0) * a.variance + (nb - 1.0) * b.variance) / (na + nb - 2.0)).sqrt();
    if pooled <= 0.0 || !pooled.is_finite() {
        return None;
    }
    let d = (b.mean - a.mean) / pooled;
    Some(d * (1.0 - 3.0 / (4.0 * (na + nb) - 9.0)))
}

/// Cliff's delta of `b` against `a`: P(b > a) − P(b < a) over all pairs, from
/// −1 to 1; rank-based, so a long tail does not dominate it. Derived from
/// the Mann–Whitney U of `a` (pairs where a > b, ties counting half):
/// δ = 1 − 2U / (n_a n_b), so it costs nothing more.
pub fn cliffs_delta(u_of_a: f64, n_a: u64, n_b: u64) -> Option<f64> {
    let pairs = n_a as f64 * n_b as f64;
    (pairs > 0.0).then(|| 1.0 - 2.0 * u_of_a / pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NumPy 2.4.6 (SciPy has no Hedges' g; the textbook formula, Hedges &
    /// Olkin 1985, with brute-force Cliff's delta):
    /// ```python
    /// n1, n2 = len(x), len(y)
    /// sp = np.sqrt(((n1-1)*x.var(ddof=1) + (n2-1)*y.var(ddof=1)) / (n1+n2-2))
    /// d = (y.mean()-x.mean())/sp; g = d * (1 - 3/(4*(n1+n2)-9))
    /// # d = 1.1274633199119861, g = 1.0902941994753272
    /// (sum(b > a for a in x for b in y) - sum(b < a for a in x for b in y)) / (n1*n2)
    /// # 0.7051282051282052   (U of x from mannwhitneyu = 23.0)
    /// ```
    #[test]
    fn effect_sizes_match_the_reference() {
        let x = Moments::of(&[12u32, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14]).unwrap();
        let y = Moments::of(&[18u32, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24]).unwrap();
        let g = hedges_g(&x, &y).unwrap();
        assert!((g - 1.0902941994753272).abs() < 1e-12, "{g}");
        assert!((hedges_g(&y, &x).unwrap() + g).abs() < 1e-12);
        let delta = cliffs_delta(23.0, 12, 13).unwrap();
        assert!((delta - 0.7051282051282052).abs() < 1e-12);
    }

    #[test]
    fn undefined_effects_are_none() {
        let flat = Moments::of(&[3u32, 3]).unwrap();
        assert!(hedges_g(&flat, &flat).is_none());
        assert!(cliffs_delta(0.0, 0, 5).is_none());
    }
}
