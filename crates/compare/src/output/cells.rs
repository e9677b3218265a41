//! Number formatting shared by the terminal, Markdown and HTML tables, so
//! they cannot disagree.

use crate::{LabelStats, PairResult};

/// Milliseconds with one decimal; "–" for nothing.
pub(crate) fn ms(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
}

pub(crate) fn whole(value: Option<u32>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| v.to_string())
}

/// `[low, high]`.
pub(crate) fn interval(low: f64, high: f64) -> String {
    format!("[{low:.1}, {high:.1}]")
}

/// p-values: four decimals, or scientific below 0.0001 so small ones are
/// not shown as 0; below f64's range (p = 0 after underflow) as `<1e-300`.
pub fn p(value: Option<f64>) -> String {
    match value {
        None => "–".to_owned(),
        Some(v) if v < 1e-300 => "<1e-300".to_owned(),
        Some(v) if v < 1e-4 => format!("{v:.1e}"),
        Some(v) => format!("{v:.4}"),
    }
}

pub fn signed(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(|| "–".to_owned(), |v| format!("{v:+.2}"))
}

pub(crate) const SCENARIO_COLUMNS: [&str; 14] = [
    "Scenario",
    "Label",
    "n",
    "Errors",
    "Mean",
    "Mean CI",
    "SD",
    "Median",
    "Median CI",
    "p90",
    "p95",
    "p99",
    "p99 CI",
    "SE of mean",
];

pub(crate) fn scenario_cells(scenario: &str, l: &LabelStats) -> Vec<String> {
    let ci = |pick: fn(&crate::Intervals) -> crate::Interval| {
        l.intervals.as_ref().map_or_else(
            || "–".to_owned(),
            |i| {
                let x = pick(i);
                interval(x.low, x.high)
            },
        )
    };
    vec![
        scenario.to_owned(),
        l.label.clone(),
        l.n.to_string(),
        l.errors.to_string(),
        ms(l.mean),
        ci(|i| i.mean),
        ms(l.sd),
        whole(l.median),
        ci(|i| i.median),
        whole(l.p90),
        whole(l.p95),
        whole(l.p99),
        ci(|i| i.p99),
        ms(l.sampling.as_ref().map(|s| s.standard_error)),
    ]
}

pub(crate) const PAIR_COLUMNS: [&str; 11] = [
    "Label",
    "A",
    "B",
    "Mean A",
    "Mean B",
    "Welch p",
    "Mann-Whitney p",
    "Holm p",
    "Hedges g",
    "Cliff's delta",
    "Verdict",
];

pub(crate) fn pair_cells(r: &PairResult) -> Vec<String> {
    vec![
        r.label.clone(),
        r.a.clone(),
        r.b.clone(),
        ms(r.mean_a),
        ms(r.mean_b),
        p(r.welch_p),
        p(r.mann_whitney_p),
        p(r.p_adjusted),
        signed(r.effect_size),
        signed(r.cliffs_delta),
        r.verdict.clone(),
    ]
}

/// The options a comparison ran with, as one sentence for its pages.
pub(crate) fn options_sentence(o: &crate::CompareOptions) -> String {
    format!(
        "α = {}, seed {}, warm-up {} ms, cool-down {} ms, {} bootstrap resamples ({:.0} % intervals), sampling distribution {} × {}, failed samples {}.",
        o.alpha,
        o.seed,
        o.warmup.as_millis(),
        o.cooldown.as_millis(),
        o.bootstrap_resamples,
        o.confidence() * 100.0,
        o.sample_size,
        o.samples,
        if o.include_errors {
            "included"
        } else {
            "excluded"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_p_values_stay_visible() {
        assert_eq!(p(Some(0.04321)), "0.0432");
        assert_eq!(p(Some(3.2e-9)), "3.2e-9");
        assert_eq!(p(None), "–");
        assert_eq!(p(Some(0.0)), "<1e-300");
        assert_eq!(ms(Some(f64::NAN)), "–");
    }
}
