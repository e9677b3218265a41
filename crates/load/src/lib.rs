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

// The modules in layers, top-down: each uses only the layers below it (and
// `error`), so the crate reads from a run down to the bytes on a socket.
//
// A run: its entry point, and the summary printed after it.
mod run;
mod summary;
// What to run: flags and TOML files become a checked `Scenario`.
pub mod args;
mod scenario_file;
// The load models, which schedule iterations on the shared engine.
pub mod closed;
mod engine;
pub mod open;
mod progress;
// What the services report of themselves while the load runs.
pub mod server_metrics;
// What an iteration does (the plan per workload), and the checks after a run.
pub mod invariants;
mod workload;
// What each virtual user records.
mod ledger;
pub mod recorder;
mod user;
// The scenario's description and its value types.
pub mod duration;
mod error;
pub mod scenario;
pub mod template;

pub use args::LoadArgs;
pub use error::LoadError;
pub use run::{RunOptions, RunOutcome, git_revision, host_name, run};
pub use scenario::Scenario;
pub use server_metrics::ServerMetricsMode;
