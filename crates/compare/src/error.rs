//! Why a comparison could not be made. Each message names the file or
//! option at fault, so the command line can print it as is.

use std::path::PathBuf;

use storefront_report::jtl::JtlError;

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("nothing to compare: give at least one result folder or JTL file")]
    NoRuns,
    #[error("{0} has no path to read")]
    EmptyInput(String),
    #[error("{path} does not exist")]
    Missing { path: PathBuf },
    #[error(
        "{path} is a folder without results.jtl: give a `storefront load` result folder, a folder of generators' result folders, or a JTL file"
    )]
    NoResults { path: PathBuf },
    #[error(transparent)]
    Jtl(#[from] JtlError),
    #[error("invalid option: {0}")]
    BadOption(String),
    #[error("cannot write {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}
