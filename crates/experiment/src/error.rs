//! Every way an experiment can fail to start or to finish its bookkeeping.
//! A failing cell is not among them: it is recorded and the experiment
//! goes on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("cannot read experiment file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid experiment file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A value that parses but makes no sense; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// The results folder holds another experiment, or a run that cannot
    /// be resumed.
    #[error("{0}")]
    Folder(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read results in {path}: {message}")]
    Results { path: PathBuf, message: String },
}
