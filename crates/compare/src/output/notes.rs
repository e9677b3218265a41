//! Remarks in plain words that belong beside the tables: why the verdict
//! uses Mann–Whitney, what was left out, what could not be tested.

use storefront_report::jtl::Resolution;

use crate::{CompareOptions, PairResult, ScenarioStats};

pub(crate) fn notes(
    scenarios: &[ScenarioStats],
    pairs: &[PairResult],
    options: &CompareOptions,
) -> Vec<String> {
    let mut notes = Vec::new();
    let labels = scenarios.iter().flat_map(|s| &s.labels);
    let tested = labels.clone().filter(|l| l.normality.is_some()).count();
    let rejected = labels
        .clone()
        .filter(|l| l.normality.is_some_and(|n| n.rejected))
        .count();
    if rejected > 0 {
        notes.push(format!(
            "Latencies are not normal: the Jarque-Bera test rejects normality (p < {}) for {rejected} of {tested} label samples. Verdicts therefore use Mann-Whitney U; Welch's t is shown for reference (with many samples it is still a fair test of the means).",
            options.alpha
        ));
    }
    let errors: u64 = scenarios
        .iter()
        .flat_map(|s| {
            s.labels
                .iter()
                .filter(|l| l.label != storefront_report::TOTAL_LABEL)
        })
        .map(|l| l.errors)
        .sum();
    if errors > 0 && !options.include_errors {
        notes.push(format!(
            "{errors} failed samples are left out of the latency figures (counted under Errors); --include-errors keeps them."
        ));
    }
    for s in scenarios {
        if s.dropped_warmup + s.dropped_cooldown > 0 {
            notes.push(format!(
                "{}: {} samples dropped as warm-up, {} as cool-down.",
                s.name, s.dropped_warmup, s.dropped_cooldown
            ));
        }
    }
    let coarse: Vec<&str> = scenarios
        .iter()
        .filter(|s| s.latency_resolution == Resolution::Milliseconds)
        .map(|s| s.name.as_str())
        .collect();
    if !coarse.is_empty() {
        notes.push(format!(
            "Whole milliseconds only (a JTL without its microsecond sidecar, as JMeter writes): {}. Sub-millisecond latencies read as 0 or 1 there, so percentiles and tests work on those quantized values.",
            coarse.join(", ")
        ));
    }
    if scenarios.len() < 2 {
        notes.push("One scenario: no pairs to test.".to_owned());
    }
    let untested = pairs.iter().filter(|p| p.p_adjusted.is_none()).count();
    if untested > 0 {
        notes.push(format!(
            "{untested} pair tests could not be made (a side with no samples or no variation)."
        ));
    }
    if !pairs.is_empty() {
        notes.push(format!(
            "Holm's correction covers all {} tests of this comparison; a verdict is significant when its adjusted p ≤ {}.",
            pairs.len() - untested,
            options.alpha
        ));
    }
    notes
}
