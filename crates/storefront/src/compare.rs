//! `storefront compare <run>…`: flags to [`CompareOptions`], one scenario
//! per run, then the library's table and files.

use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::Context;
use storefront_compare::{CompareOptions, RunInput};
use storefront_report::clock::folder_stamp;

use crate::cli::CompareArgs;

pub fn compare(args: &CompareArgs) -> anyhow::Result<()> {
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
    Ok(())
}
