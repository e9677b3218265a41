//! The result files, each from the same [`Report`]: one module per format.

mod cells;
mod csv_file;
pub(crate) mod html;
mod label_charts;
mod markdown;
mod summary;
pub(crate) mod table;

use std::fs;
use std::path::Path;

use crate::{Report, ReportError};

/// Writes every result file into `out_dir`.
pub fn write_all(report: &Report, out_dir: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(out_dir).map_err(|cause| ReportError::Write {
        path: out_dir.to_owned(),
        cause,
    })?;
    let files: [(&str, Vec<u8>); 4] = [
        ("aggregate.csv", csv_file::render(report)),
        ("aggregate.md", markdown::render(report).into_bytes()),
        ("summary.json", summary::render(report)),
        ("report.html", html::render(report).into_bytes()),
    ];
    for (name, contents) in files {
        let path = out_dir.join(name);
        fs::write(&path, contents).map_err(|cause| ReportError::Write { path, cause })?;
    }
    Ok(())
}
