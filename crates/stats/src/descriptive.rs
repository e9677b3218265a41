//! Moments (mean, standard deviation, skewness, kurtosis) and percentiles.

/// The first four moments of a sample, computed in two passes (a mean, then
/// sums of centred powers) so large latencies lose no precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    /// Sample variance, divided by n − 1 (0 for fewer than two values).
    pub variance: f64,
    /// Skewness g1 = m3 / m2^1.5 with population moments (SciPy's
    /// `skew(bias=True)`, as the Jarque–Bera test uses it).
    pub skewness: f64,
    /// Excess kurtosis g2 = m4 / m2² − 3 (SciPy's `kurtosis(fisher=True,
    /// bias=True)`).
    pub excess_kurtosis: f64,
}

impl Moments {
    /// `None` for an empty sample.
    pub fn of<T: Copy + Into<f64>>(values: &[T]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| v.into()).sum::<f64>() / n;
        let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
        for &v in values {
            let d = v.into() - mean;
            let d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }
        let variance = if values.len() > 1 {
            m2 / (n - 1.0)
        } else {
            0.0
        };
        let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
        // A constant sample has no shape: call it symmetric and flat-tailed
        // rather than dividing by zero.
        let (skewness, excess_kurtosis) = if m2 > 0.0 {
            (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
        } else {
            (0.0, 0.0)
        };
        Some(Self {
            n: values.len() as u64,
            mean,
            variance,
            skewness,
            excess_kurtosis,
        })
    }

    /// Sample standard deviation (n − 1).
    pub fn sd(&self) -> f64 {
        self.variance.sqrt()
    }
}

/// The value below which `fraction` of a **sorted** sample lies, by
/// JMeter's rule (the one `storefront_report`'s aggregate table uses, so
/// medians and lines agree with `report.html`): the value at rank
/// `Math.round(n × fraction)` (1-based; rank 0 gives the smallest value, a
/// fraction of 1 or more the largest). `None` for an empty sample.
pub fn percentile<T: Copy>(sorted: &[T], fraction: f64) -> Option<T> {
    let last = sorted.len().checked_sub(1)?;
    if fraction >= 1.0 {
        return Some(sorted[last]);
    }
    // Java's Math.round is floor(x + 0.5); for x >= 0 that is f64::round.
    let rank = (sorted.len() as f64 * fraction.max(0.0)).round() as usize;
    Some(sorted[rank.saturating_sub(1).min(last)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SciPy 1.17.1 / NumPy 2.4.6:
    /// ```python
    /// x = np.array([12, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14], dtype=float)
    /// x.mean(), x.std(ddof=1), stats.skew(x), stats.kurtosis(x)
    /// # 16.5 5.213618530523516 1.5437121249128283 1.796288632118208
    /// ```
    #[test]
    fn moments_match_scipy() {
        let x: [u32; 12] = [12, 15, 11, 19, 14, 13, 22, 17, 16, 15, 30, 14];
        let m = Moments::of(&x).unwrap();
        assert_eq!(m.n, 12);
        assert!((m.mean - 16.5).abs() < 1e-12);
        assert!((m.sd() - 5.213618530523516).abs() < 1e-12);
        assert!((m.skewness - 1.5437121249128283).abs() < 1e-12);
        assert!((m.excess_kurtosis - 1.796288632118208).abs() < 1e-12);
    }

    #[test]
    fn no_values_or_one_value_do_not_divide_by_zero() {
        assert!(Moments::of::<u32>(&[]).is_none());
        let one = Moments::of(&[7u32]).unwrap();
        assert_eq!((one.mean, one.variance, one.skewness), (7.0, 0.0, 0.0));
    }

    /// The same cases as `storefront_report::aggregate`'s percent-point test
    /// (JMeter's `StatCalculator#getPercentPoint`).
    #[test]
    fn percentiles_use_jmeters_rounded_rank() {
        let one_to_ten: Vec<u32> = (1..=10).collect();
        assert_eq!(percentile(&one_to_ten, 0.5), Some(5));
        assert_eq!(percentile(&one_to_ten, 0.9), Some(9));
        assert_eq!(percentile(&one_to_ten, 0.95), Some(10));
        assert_eq!(percentile(&one_to_ten, 0.99), Some(10));
        assert_eq!(percentile(&one_to_ten, 1.0), Some(10));
        assert_eq!(percentile(&[1, 2, 3, 4, 5], 0.5), Some(3));
        assert_eq!(percentile(&[5, 5, 5, 7], 0.9), Some(7));
        assert_eq!(percentile(&[42], 0.01), Some(42));
        assert_eq!(percentile::<u32>(&[], 0.5), None);
    }
}
