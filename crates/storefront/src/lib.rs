//! The `storefront` binary's parts, as a library so that tests use the same
//! [`cli::Role`], [`config::Config`] and [`serve::start`] as the binary and
//! can start a service in-process. `main.rs` only parses flags, builds the
//! configuration and dispatches to these modules.

pub mod cli;
pub mod compare;
pub mod config;
pub mod exit_codes;
pub mod experiment;
pub mod load;
pub mod probe;
pub mod report;
pub mod serve;
pub mod stop_signal;
pub mod up;
