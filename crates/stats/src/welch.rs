//! Welch's t-test: do two samples have the same mean, without assuming the
//! same variance (two load runs rarely have it)?

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::Moments;

/// Welch's two-sided test of `a` against `b`: t > 0 when `a`'s mean is the
/// larger, as SciPy's `ttest_ind(a, b, equal_var=False)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom (fractional).
    pub df: f64,
    pub p: f64,
}

/// `None` when the test is undefined: fewer than two values on a side, or
/// no variance on either side.
pub fn welch(a: &Moments, b: &Moments) -> Option<Welch> {
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let (na, nb) = (a.n as f64, b.n as f64);
    let (va, vb) = (a.variance / na, b.variance / nb);
    let se2 = va + vb;
    if se2 <= 0.0 || !se2.is_finite() {
        return None;
    }
    let t = (a.mean - b.mean) / se2.sqrt();
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let distribution = StudentsT::new(0.0, 1.0, df).ok()?;
    // Two-sided, from the upper tail (sf) so tiny p-values keep precision.
    let p = (2.0 * distribution.sf(t.abs())).min(1.0);
    Some(Welch { t, df, p })
}

/// The `confidence` interval of `b.mean − a.mean` by Welch's method:
/// the difference ± t(df) · √(var_a/n_a + var_b/n_b). `None` where
/// [`welch`] is undefined.
pub fn welch_interval(a: &Moments, b: &Moments, confidence: f64) -> Option<crate::Interval> {
    let test = welch(a, b)?;
    let se = (a.variance / a.n as f64 + b.variance / b.n as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, test.df)
        .ok()?
        .inverse_cdf(0.5 + confidence / 2.0);
    let difference = b.mean - a.mean;
    Some(crate::Interval {
        low: difference - t * se,
        high: difference + t * se,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SciPy 1.17.1:
    /// ```python
    /// x = [12, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14]
    /// y = [18, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24]
    /// stats.ttest_ind(x, y, equal_var=False)
    /// # statistic=-2.832542925987357, df=22.93300785877279, pvalue=0.009452322533722435
    /// ```
    #[test]
    fn welch_matches_scipy() {
        let x = Moments::of(&[12u32, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14]).unwrap();
        let y = Moments::of(&[18u32, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24]).unwrap();
        let r = welch(&x, &y).unwrap();
        assert!((r.t - -2.832542925987357).abs() < 1e-10, "{r:?}");
        assert!((r.df - 22.93300785877279).abs() < 1e-9, "{r:?}");
        assert!((r.p - 0.009452322533722435).abs() < 1e-9, "{r:?}");
        let swapped = welch(&y, &x).unwrap();
        assert!((swapped.t + r.t).abs() < 1e-12 && (swapped.p - r.p).abs() < 1e-15);
    }

    /// The interval and the test agree: it leaves out 0 exactly when p is
    /// below 1 − confidence (p = 0.00945 for the data above).
    #[test]
    fn the_interval_of_the_difference_agrees_with_the_test() {
        let x = Moments::of(&[12u32, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14]).unwrap();
        let y = Moments::of(&[18u32, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24]).unwrap();
        let at_95 = welch_interval(&x, &y, 0.95).unwrap();
        assert!(at_95.low > 0.0, "{at_95:?}");
        let difference = y.mean - x.mean;
        assert!(((at_95.low + at_95.high) / 2.0 - difference).abs() < 1e-12);
        let at_995 = welch_interval(&x, &y, 0.995).unwrap();
        assert!(at_995.low < 0.0 && at_995.high > 0.0, "{at_995:?}");
    }

    #[test]
    fn undefined_without_variance_or_with_one_value() {
        let flat = Moments::of(&[5u32, 5, 5]).unwrap();
        assert!(welch(&flat, &flat).is_none());
        let one = Moments::of(&[5u32]).unwrap();
        let some = Moments::of(&[1u32, 2, 3]).unwrap();
        assert!(welch(&one, &some).is_none());
    }
}
