//! Pairwise tests: every pair of scenarios, per shared label and for TOTAL.
//! The verdict rests on Mann–Whitney (latencies are skewed, so the
//! t-test's normality rarely holds) with Holm's correction over every test
//! of the comparison; Welch's t and the effect sizes are reported beside it.

use serde::Serialize;
use storefront_stats::{
    Interval, Moments, cliffs_delta, hedges_g, holm, mann_whitney, welch, welch_interval,
};

use crate::scenario_stats::{LabelStats, ScenarioStats};

/// One scenario pair on one label. `b` is compared against `a`: positive
/// effect sizes mean `b` is slower.
#[derive(Debug, Clone, Serialize)]
pub struct PairResult {
    pub a: String,
    pub b: String,
    pub label: String,
    pub n_a: u64,
    pub n_b: u64,
    pub mean_a: Option<f64>,
    pub mean_b: Option<f64>,
    pub median_a: Option<f64>,
    pub median_b: Option<f64>,
    pub welch_t: Option<f64>,
    pub welch_df: Option<f64>,
    pub welch_p: Option<f64>,
    /// U of `a` (SciPy's statistic): below n_a·n_b/2 when `a` is faster.
    pub mann_whitney_u: Option<f64>,
    pub mann_whitney_z: Option<f64>,
    pub mann_whitney_p: Option<f64>,
    /// Hedges' g of `b` against `a` (bias-corrected Cohen's d).
    pub effect_size: Option<f64>,
    pub effect_size_kind: &'static str,
    /// P(b > a) − P(b < a), from −1 to 1.
    pub cliffs_delta: Option<f64>,
    /// Either side failed the normality test (Jarque–Bera p < α): read
    /// Welch's p with care, the verdict uses Mann–Whitney.
    pub normality_rejected: bool,
    /// Mann–Whitney p after Holm's correction over all pairs and labels.
    pub p_adjusted: Option<f64>,
    /// The bookstore study's own test, reproduced for reference: Welch's t
    /// between the two sampling distributions of the mean (the resampled
    /// means as if they were observations). Not the verdict: its t grows
    /// with the square root of the number of resamples drawn.
    pub study_t_test: Option<StudyTTest>,
    /// With repetitions on both sides: the difference of the runs' means
    /// tested with each run as one observation, so it says whether the
    /// difference stands out from how much runs vary. Not Holm-corrected;
    /// read beside the verdict, which tests the pooled samples.
    pub between_runs: Option<BetweenRunsTest>,
    pub significant: bool,
    pub verdict: String,
}

/// The bookstore study's t-test on one pair (Figure 54 of the study).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StudyTTest {
    /// Mean and standard deviation of each side's resampled means, in ms
    /// (the study's "mean after CLT" and "standard error").
    pub mean_a: f64,
    pub standard_error_a: f64,
    pub mean_b: f64,
    pub standard_error_b: f64,
    pub t: f64,
    pub df: f64,
    pub p: f64,
}

/// Welch's t between the sampling distributions of `a` and `b`; `None`
/// when either has none (too few samples).
fn study_t_test(a: &LabelStats, b: &LabelStats) -> Option<StudyTTest> {
    let (sa, sb) = (a.sampling.as_ref()?, b.sampling.as_ref()?);
    let (ma, mb) = (Moments::of(&sa.means)?, Moments::of(&sb.means)?);
    let test = welch(&ma, &mb)?;
    Some(StudyTTest {
        mean_a: ma.mean,
        standard_error_a: ma.sd(),
        mean_b: mb.mean,
        standard_error_b: mb.sd(),
        t: test.t,
        df: test.df,
        p: test.p,
    })
}

/// The difference of two scenarios' run means, runs as observations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BetweenRunsTest {
    pub runs_a: usize,
    pub runs_b: usize,
    /// B's mean of run means minus A's, in ms, and its Welch interval at
    /// the comparison's confidence.
    pub difference: f64,
    pub interval: Interval,
    pub t: f64,
    pub df: f64,
    pub p: f64,
}

fn between_runs_test(a: &LabelStats, b: &LabelStats, confidence: f64) -> Option<BetweenRunsTest> {
    let (ra, rb) = (a.between_runs.as_ref()?, b.between_runs.as_ref()?);
    let (ma, mb) = (Moments::of(&ra.run_means)?, Moments::of(&rb.run_means)?);
    let test = welch(&ma, &mb)?;
    Some(BetweenRunsTest {
        runs_a: ra.runs,
        runs_b: rb.runs,
        difference: mb.mean - ma.mean,
        interval: welch_interval(&ma, &mb, confidence)?,
        t: test.t,
        df: test.df,
        p: test.p,
    })
}

/// Every pair (a before b in input order) on every label both have.
pub(crate) fn pairs(scenarios: &[ScenarioStats], alpha: f64) -> Vec<PairResult> {
    let confidence = 1.0 - alpha;
    let mut results = Vec::new();
    for (i, a) in scenarios.iter().enumerate() {
        for b in &scenarios[i + 1..] {
            for label_a in &a.labels {
                if let Some(label_b) = b.labels.iter().find(|l| l.label == label_a.label) {
                    results.push(pair(&a.name, &b.name, label_a, label_b, confidence));
                }
            }
        }
    }
    let p_values: Vec<f64> = results
        .iter()
        .map(|r| r.mann_whitney_p.unwrap_or(f64::NAN))
        .collect();
    for (result, adjusted) in results.iter_mut().zip(holm(&p_values)) {
        result.p_adjusted = (!adjusted.is_nan()).then_some(adjusted);
        result.significant = result.p_adjusted.is_some_and(|p| p <= alpha);
        result.verdict = verdict(result);
    }
    results
}

fn pair(a_name: &str, b_name: &str, a: &LabelStats, b: &LabelStats, confidence: f64) -> PairResult {
    let (moments_a, moments_b) = (a.moments(), b.moments());
    let welch = moments_a
        .as_ref()
        .zip(moments_b.as_ref())
        .and_then(|(x, y)| welch(x, y));
    let mw = mann_whitney(&a.latencies, &b.latencies);
    PairResult {
        a: a_name.to_owned(),
        b: b_name.to_owned(),
        label: a.label.clone(),
        n_a: a.n,
        n_b: b.n,
        mean_a: a.mean,
        mean_b: b.mean,
        median_a: a.median,
        median_b: b.median,
        welch_t: welch.map(|w| w.t),
        welch_df: welch.map(|w| w.df),
        welch_p: welch.map(|w| w.p),
        mann_whitney_u: mw.map(|m| m.u),
        mann_whitney_z: mw.map(|m| m.z),
        mann_whitney_p: mw.map(|m| m.p),
        effect_size: moments_a
            .as_ref()
            .zip(moments_b.as_ref())
            .and_then(|(x, y)| hedges_g(x, y)),
        effect_size_kind: "hedges_g",
        cliffs_delta: mw.and_then(|m| cliffs_delta(m.u, a.n, b.n)),
        normality_rejected: [a, b]
            .iter()
            .any(|l| l.normality.is_some_and(|n| n.rejected)),
        p_adjusted: None,
        study_t_test: study_t_test(a, b),
        between_runs: between_runs_test(a, b, confidence),
        significant: false,
        verdict: String::new(),
    }
}

/// Plain words: which side is slower, or that no difference was shown.
fn verdict(r: &PairResult) -> String {
    if r.p_adjusted.is_none() {
        return "not tested (too few samples or no variation)".to_owned();
    }
    if !r.significant {
        return "no significant difference".to_owned();
    }
    // The direction of the test that decided: Mann–Whitney's, via Cliff's δ.
    match r.cliffs_delta {
        Some(delta) if delta > 0.0 => format!("{} slower than {}", r.b, r.a),
        Some(delta) if delta < 0.0 => format!("{} faster than {}", r.b, r.a),
        _ => format!("{} and {} differ", r.b, r.a),
    }
}
