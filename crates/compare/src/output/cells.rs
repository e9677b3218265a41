//! Number formatting shared by the terminal, Markdown and HTML tables, so
//! they cannot disagree.

use storefront_report::jtl::Resolution;

use crate::{LabelStats, PairResult, ScenarioStats};

/// Decimals of an estimate in milliseconds (a mean, an interval's end, a
/// standard error): one for whole-millisecond data, three (microseconds)
/// with the JTL's sidecar.
fn estimate_decimals(resolution: Resolution) -> usize {
    resolution.decimals().max(1)
}

/// A mean or similar estimate in milliseconds; "–" for nothing.
pub(crate) fn ms(value: Option<f64>, resolution: Resolution) -> String {
    value.filter(|v| v.is_finite()).map_or_else(
        || "–".to_owned(),
        |v| format!("{v:.*}", estimate_decimals(resolution)),
    )
}

/// A sample's own value in milliseconds (a percentile, the minimum): whole
/// milliseconds, or microseconds with the sidecar.
pub(crate) fn point(value: Option<f64>, resolution: Resolution) -> String {
    value.map_or_else(
        || "–".to_owned(),
        |v| format!("{v:.*}", resolution.decimals()),
    )
}

/// `[low, high]`.
pub(crate) fn interval(low: f64, high: f64, resolution: Resolution) -> String {
    let decimals = estimate_decimals(resolution);
    format!("[{low:.decimals$}, {high:.decimals$}]")
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

pub(crate) fn scenario_cells(scenario: &ScenarioStats, l: &LabelStats) -> Vec<String> {
    let resolution = scenario.latency_resolution;
    let ci = |pick: fn(&crate::Intervals) -> crate::Interval| {
        l.intervals.as_ref().map_or_else(
            || "–".to_owned(),
            |i| {
                let x = pick(i);
                interval(x.low, x.high, resolution)
            },
        )
    };
    vec![
        scenario.name.clone(),
        l.label.clone(),
        l.n.to_string(),
        l.errors.to_string(),
        ms(l.mean, resolution),
        ci(|i| i.mean),
        ms(l.sd, resolution),
        point(l.median, resolution),
        ci(|i| i.median),
        point(l.p90, resolution),
        point(l.p95, resolution),
        point(l.p99, resolution),
        ci(|i| i.p99),
        ms(l.sampling.as_ref().map(|s| s.standard_error), resolution),
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

pub(crate) fn pair_cells(r: &PairResult, resolution: Resolution) -> Vec<String> {
    vec![
        r.label.clone(),
        r.a.clone(),
        r.b.clone(),
        ms(r.mean_a, resolution),
        ms(r.mean_b, resolution),
        p(r.welch_p),
        p(r.mann_whitney_p),
        p(r.p_adjusted),
        signed(r.effect_size),
        signed(r.cliffs_delta),
        r.verdict.clone(),
    ]
}

pub(crate) const STUDY_COLUMNS: [&str; 7] = [
    "Label",
    "A",
    "B",
    "A: mean after CLT (SE)",
    "B: mean after CLT (SE)",
    "t",
    "p",
];

/// Why the study's test is shown beside the verdict and not as it.
pub(crate) const STUDY_NOTE: &str = "The bookstore study's own test, reproduced for reference: Welch's t between the two sampling distributions of the mean, treating each resampled mean as an observation. The resampled means are not independent observations of the runs, so t grows with the square root of the number of resamples drawn (--samples) and p says little; the verdicts above use Mann-Whitney on the samples themselves.";

/// One pair's row of the study's test; `None` when it could not be made.
pub(crate) fn study_cells(r: &PairResult, resolution: Resolution) -> Option<Vec<String>> {
    let t = r.study_t_test?;
    let side = |mean: f64, se: f64| {
        format!(
            "{} ({})",
            ms(Some(mean), resolution),
            ms(Some(se), resolution)
        )
    };
    Some(vec![
        r.label.clone(),
        r.a.clone(),
        r.b.clone(),
        side(t.mean_a, t.standard_error_a),
        side(t.mean_b, t.standard_error_b),
        format!("{:.2}", t.t),
        p(Some(t.p)),
    ])
}

/// What the scenario table's intervals are.
pub(crate) const WITHIN_NOTE: &str = "The CI columns are bootstrap intervals over the pooled samples: how precisely these samples pin a figure down, not how much it varies from run to run (samples within a run are also autocorrelated). With repetitions, see Between runs.";

/// What the between-run intervals are.
pub(crate) const BETWEEN_NOTE: &str = "Each run's mean, median and p99 taken as one observation; intervals are Student's t over the runs, and pairs compare the runs' means by Welch's t with runs as observations (not Holm-corrected). These say how much runs vary, so they are wider than the pooled-sample intervals above; with two or three runs they are wide.";

pub(crate) const BETWEEN_COLUMNS: [&str; 6] = [
    "Scenario",
    "Label",
    "Runs",
    "Mean [CI over runs]",
    "Median [CI over runs]",
    "p99 [CI over runs]",
];

/// A label's figures over runs; `None` without repetitions.
pub(crate) fn between_cells(scenario: &ScenarioStats, l: &LabelStats) -> Option<Vec<String>> {
    let b = l.between_runs.as_ref()?;
    let r = scenario.latency_resolution;
    let centre = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
    let figure = |values: &[f64], i: crate::Interval| {
        format!(
            "{} {}",
            ms(Some(centre(values)), r),
            interval(i.low, i.high, r)
        )
    };
    Some(vec![
        scenario.name.clone(),
        l.label.clone(),
        b.runs.to_string(),
        figure(&b.run_means, b.mean),
        figure(&b.run_medians, b.median),
        figure(&b.run_p99s, b.p99),
    ])
}

pub(crate) const PAIR_BETWEEN_COLUMNS: [&str; 6] = [
    "Label",
    "A",
    "B",
    "Runs A / B",
    "B − A mean [CI over runs]",
    "p over runs",
];

/// A pair's test over runs; `None` without repetitions on both sides.
pub(crate) fn pair_between_cells(r: &PairResult, resolution: Resolution) -> Option<Vec<String>> {
    let t = r.between_runs?;
    Some(vec![
        r.label.clone(),
        r.a.clone(),
        r.b.clone(),
        format!("{} / {}", t.runs_a, t.runs_b),
        format!(
            "{} {}",
            ms(Some(t.difference), resolution),
            interval(t.interval.low, t.interval.high, resolution)
        ),
        p(Some(t.p)),
    ])
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
        assert_eq!(ms(Some(f64::NAN), Resolution::Milliseconds), "–");
    }

    #[test]
    fn microseconds_show_three_decimals_and_milliseconds_stay_whole() {
        let (ms_data, us_data) = (Resolution::Milliseconds, Resolution::Microseconds);
        assert_eq!(point(Some(1.0), ms_data), "1");
        assert_eq!(point(Some(0.412), us_data), "0.412");
        assert_eq!(ms(Some(0.41234), ms_data), "0.4");
        assert_eq!(ms(Some(0.41234), us_data), "0.412");
        assert_eq!(interval(1.0, 1.25, ms_data), "[1.0, 1.2]");
        assert_eq!(interval(1.0, 1.25, us_data), "[1.000, 1.250]");
    }
}
