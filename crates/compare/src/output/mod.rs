//! The comparison's printers, each from the same [`Comparison`]; every
//! number is formatted once, in `cells`.

pub(crate) mod cells;
mod charts;
mod html;
pub(crate) mod json;
mod markdown;
pub(crate) mod notes;
pub(crate) mod table;

use std::fs;
use std::path::Path;

use crate::{CompareError, Comparison};

pub(crate) fn write_all(comparison: &Comparison, out_dir: &Path) -> Result<(), CompareError> {
    fs::create_dir_all(out_dir).map_err(|cause| CompareError::Write {
        path: out_dir.to_owned(),
        cause,
    })?;
    let mut json = serde_json::to_vec_pretty(&json::value(comparison)).unwrap_or_default();
    json.push(b'\n');
    // The sampling distributions of the mean of every sample together,
    // also as a file of its own: the bookstore study's CLT figures, for
    // docs to embed.
    let clt = charts::sampling_chart(
        "sampling-total",
        storefront_report::TOTAL_LABEL,
        &comparison.scenarios,
    );
    let files: [(&str, Vec<u8>); 4] = [
        ("compare.json", json),
        ("compare.md", markdown::render(comparison).into_bytes()),
        ("compare.html", html::render(comparison).into_bytes()),
        ("sampling-total.svg", clt.into_bytes()),
    ];
    for (name, contents) in files {
        let path = out_dir.join(name);
        fs::write(&path, contents).map_err(|cause| CompareError::Write { path, cause })?;
    }
    Ok(())
}
