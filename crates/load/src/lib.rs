//! The load generator behind `storefront load`.
//!
//! A run is a [`Scenario`] (a workload, a load model, a target) read from
//! TOML and/or flags ([`LoadArgs`]). Virtual users each own one keep-alive
//! connection; the closed model ([`closed`]) keeps a population of users
//! looping, the open model ([`open`]) starts iterations on an arrival
//! schedule and times them from when they were due. Every request becomes a
//! JTL row streamed to disk by one writer thread ([`recorder`]); the report
//! crate then builds the tables and graphs from that file, and for `lab` and
//! `shop` runs the store's invariants are checked ([`invariants`]).

pub mod args;
pub mod closed;
pub mod duration;
mod engine;
mod error;
pub mod http;
pub mod invariants;
mod ledger;
pub mod open;
mod progress;
pub mod recorder;
mod run;
pub mod scenario;
mod scenario_file;
mod summary;
pub mod template;
mod user;
mod workload;

pub use args::LoadArgs;
pub use error::LoadError;
pub use run::{RunOptions, RunOutcome, git_revision, host_name, run};
pub use scenario::Scenario;
