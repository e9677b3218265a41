//! `storefront compare <run>…`: flags to [`CompareOptions`], one scenario
//! per run, then the library's table and files; with
//! `--fail-on-regression`, exit 3 when a later run is slower than the first.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Context;
use storefront_compare::{CompareOptions, PairResult, RunInput};
use storefront_report::clock::folder_stamp;

use crate::cli::CompareArgs;
use crate::exit_codes::ExitCodes;

pub fn compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let options = CompareOptions {
        alpha: args.alpha,
        seed: args.seed,
        warmup: args.warmup.0,
        cooldown: args.cooldown.0,
        sample_size: args.sample_size,
        samples: args.samples,
        bootstrap_resamples: args.bootstrap,
        include_errors: args.include_errors,
    };
    let inputs: Vec<RunInput> = args.runs.iter().map(RunInput::single).collect();
    let comparison =
        storefront_compare::compare(&inputs, &options).context("cannot compare the runs")?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("compare-{}", folder_stamp(SystemTime::now())))
    });
    comparison.write(&out)?;
    print!("{}", comparison.table());
    println!(
        "wrote compare.json, compare.md and compare.html to {}",
        out.display()
    );
    if !args.fail_on_regression {
        return Ok(ExitCode::SUCCESS);
    }
    let baseline = comparison
        .scenarios()
        .first()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let regressions: Vec<&PairResult> = comparison
        .pairs()
        .iter()
        .filter(|pair| pair.a == baseline && is_regression(pair, args.min_effect))
        .collect();
    if regressions.is_empty() {
        println!(
            "\nno regression against {baseline} (Cliff's delta at least {})",
            args.min_effect
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("\nregressions against {baseline}:");
    for pair in regressions {
        println!(
            "  {}: {} slower (Holm-adjusted p {:.2e}, Cliff's delta {:+.3}, median {} → {} ms)",
            pair.label,
            pair.b,
            pair.p_adjusted.unwrap_or(f64::NAN),
            pair.cliffs_delta.unwrap_or(f64::NAN),
            fmt_ms(pair.median_a),
            fmt_ms(pair.median_b),
        );
    }
    Ok(ExitCode::from(ExitCodes::THRESHOLD_FAILED))
}

/// Whether `pair.b` is significantly slower than `pair.a`, by at least
/// `min_effect` in Cliff's delta (the direction of the test that decided).
fn is_regression(pair: &PairResult, min_effect: f64) -> bool {
    pair.significant
        && pair
            .cliffs_delta
            .is_some_and(|d| d > 0.0 && d >= min_effect)
}

fn fmt_ms(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.3}"))
}
