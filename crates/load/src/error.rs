//! The load tool's errors: every way a run can fail to start or finish.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read scenario file {path}: {source}")]
    ReadScenario {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid scenario file {path}: {message}")]
    ParseScenario { path: PathBuf, message: String },
    /// A value that parses but makes no sense; the message names the key.
    #[error("{0}")]
    Invalid(String),
    #[error("cannot prepare the run: {0}")]
    Setup(String),
    #[error("cannot write results to {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot build the report: {0}")]
    Report(String),
}

impl LoadError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}
