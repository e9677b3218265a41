//! Is a sample plausibly normal? Latencies almost never are (a floor, a long
//! right tail), which is why the verdict rests on Mann–Whitney and the
//! output says when this test rejects normality.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::Moments;

/// The Jarque–Bera test: JB = n/6 · (g1² + g2²/4) from skewness and excess
/// kurtosis, χ² with 2 degrees of freedom under normality (asymptotically;
/// for a few dozen values it is only a rough guide). Chosen over
/// D'Agostino–Pearson K² because it needs nothing but the moments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JarqueBera {
    pub statistic: f64,
    pub p: f64,
}

/// `None` for fewer than three values, where shape is undefined.
pub fn jarque_bera(moments: &Moments) -> Option<JarqueBera> {
    if moments.n < 3 {
        return None;
    }
    let (g1, g2) = (moments.skewness, moments.excess_kurtosis);
    let statistic = moments.n as f64 / 6.0 * (g1 * g1 + g2 * g2 / 4.0);
    let p = ChiSquared::new(2.0).ok()?.sf(statistic);
    Some(JarqueBera { statistic, p })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SciPy 1.17.1:
    /// ```python
    /// stats.jarque_bera([12, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14])
    /// # statistic=6.379420674144311, pvalue=0.04118379863117049
    /// stats.jarque_bera([18, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24])
    /// # statistic=13.87087282802345, pvalue=0.0009726984768280414
    /// ```
    #[test]
    fn jarque_bera_matches_scipy() {
        let x = Moments::of(&[12u32, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14]).unwrap();
        let r = jarque_bera(&x).unwrap();
        assert!((r.statistic - 6.379420674144311).abs() < 1e-10, "{r:?}");
        assert!((r.p - 0.04118379863117049).abs() < 1e-10, "{r:?}");
        let y = Moments::of(&[18u32, 21, 17, 25, 19, 22, 28, 20, 23, 19, 40, 21, 24]).unwrap();
        let r = jarque_bera(&y).unwrap();
        assert!((r.statistic - 13.87087282802345).abs() < 1e-10, "{r:?}");
        assert!((r.p - 0.0009726984768280414).abs() < 1e-12, "{r:?}");
    }

    #[test]
    fn too_few_values_give_no_verdict() {
        assert!(jarque_bera(&Moments::of(&[1u32, 2]).unwrap()).is_none());
    }
}
