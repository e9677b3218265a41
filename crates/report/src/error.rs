//! Errors of building a report.

use std::path::PathBuf;

use crate::jtl::JtlError;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Jtl(#[from] JtlError),
    #[error("cannot write {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}
