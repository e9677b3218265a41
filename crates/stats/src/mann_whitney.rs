//! The Mann–Whitney U test (Wilcoxon rank-sum): does one sample tend to
//! take larger values than the other? Rank-based, so it holds for skewed,
//! long-tailed latencies where the t-test's normality does not.

use statrs::distribution::{ContinuousCDF, Normal};

/// The two-sided test of `a` against `b`, as SciPy's
/// `mannwhitneyu(a, b, alternative='two-sided', method='asymptotic',
/// use_continuity=True)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of `a`: the pairs where a > b, ties counting one half (SciPy's
    /// statistic). n_a·n_b/2 when neither side tends higher.
    pub u: f64,
    /// Standardised U with continuity correction; positive when `a` tends
    /// to be larger.
    pub z: f64,
    pub p: f64,
}

/// Takes both samples **sorted ascending**. Ranks come from one merge walk
/// over the two sorted slices, so equal values (latencies in whole ms are
/// full of ties) share their mean rank and feed the tie correction: O(n_a +
/// n_b), no pair comparisons. `None` if a side is empty or every value is
/// the same (no variance to test).
pub fn mann_whitney<T: PartialOrd + Copy>(a: &[T], b: &[T]) -> Option<MannWhitney> {
    debug_assert!(a.is_sorted_by(|x, y| x <= y) && b.is_sorted_by(|x, y| x <= y));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (mut i, mut j) = (0usize, 0usize);
    let mut rank_sum_a = 0.0f64;
    let mut tie_term = 0.0f64;
    let mut ranked = 0usize;
    while i < a.len() || j < b.len() {
        // The smallest value not yet ranked, and how many of it each side has.
        let value = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => {
                if y < x {
                    y
                } else {
                    x
                }
            }
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        let start_a = i;
        while i < a.len() && a[i] == value {
            i += 1;
        }
        let start_b = j;
        while j < b.len() && b[j] == value {
            j += 1;
        }
        let (in_a, tied) = ((i - start_a) as f64, (i - start_a + j - start_b) as f64);
        if tied == 0.0 {
            // Incomparable values (NaN) cannot be ranked.
            return None;
        }
        // Ranks ranked+1 ..= ranked+tied share their mean.
        let mean_rank = ranked as f64 + (tied + 1.0) / 2.0;
        rank_sum_a += in_a * mean_rank;
        tie_term += tied * tied * tied - tied;
        ranked += i - start_a + j - start_b;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let n = na + nb;
    let u = rank_sum_a - na * (na + 1.0) / 2.0;
    let mean = na * nb / 2.0;
    let variance = na * nb / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance <= 0.0 || !variance.is_finite() {
        return None;
    }
    // Continuity: move |U − mean| half a step towards the mean.
    let distance = ((u - mean).abs() - 0.5).max(0.0);
    let z_abs = distance / variance.sqrt();
    let z = if u >= mean { z_abs } else { -z_abs };
    let p = (2.0 * Normal::new(0.0, 1.0).ok()?.sf(z_abs)).min(1.0);
    Some(MannWhitney { u, z, p })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<u32>) -> Vec<u32> {
        v.sort_unstable();
        v
    }

    /// SciPy 1.17.1 (both samples hold ties: 14, 15, 19, 21):
    /// ```python
    /// x = [12, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14]
    /// y = [18, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24]
    /// stats.mannwhitneyu(x, y, alternative='two-sided', method='asymptotic', use_continuity=True)
    /// # statistic=23.0, pvalue=0.002982331043782113
    /// stats.mannwhitneyu(y, x, ...)  # statistic=133.0, same p
    /// ```
    #[test]
    fn mann_whitney_matches_scipy_with_ties() {
        let x = sorted(vec![12, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14]);
        let y = sorted(vec![18, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24]);
        let r = mann_whitney(&x, &y).unwrap();
        assert_eq!(r.u, 23.0);
        assert!((r.p - 0.002982331043782113).abs() < 1e-12, "{r:?}");
        assert!(r.z < 0.0, "x tends lower");
        let swapped = mann_whitney(&y, &x).unwrap();
        assert_eq!(swapped.u, 133.0);
        assert!((swapped.p - r.p).abs() < 1e-15 && swapped.z > 0.0);
    }

    /// SciPy 1.17.1, heavy ties (values 1..=3 only):
    /// ```python
    /// a = [1]*40 + [2]*30 + [3]*30; b = [1]*30 + [2]*30 + [3]*40
    /// stats.mannwhitneyu(a, b, alternative='two-sided', method='asymptotic', use_continuity=True)
    /// # statistic=4350.0, pvalue=0.0920309361903902
    /// ```
    #[test]
    fn heavy_ties_match_scipy() {
        let a: Vec<u32> = [vec![1; 40], vec![2; 30], vec![3; 30]].concat();
        let b: Vec<u32> = [vec![1; 30], vec![2; 30], vec![3; 40]].concat();
        let r = mann_whitney(&a, &b).unwrap();
        assert_eq!(r.u, 4350.0);
        assert!((r.p - 0.0920309361903902).abs() < 1e-10, "{r:?}");
    }

    #[test]
    fn all_equal_or_empty_samples_are_not_tested() {
        assert!(mann_whitney(&[5u32, 5], &[5, 5, 5]).is_none());
        assert!(mann_whitney::<u32>(&[], &[1, 2]).is_none());
    }
}
