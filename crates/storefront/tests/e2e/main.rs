//! The end-to-end suite: a whole store on free ports, driven over HTTP and
//! by the command-line tools (the real binary). Most modules start the store
//! in this process ([`support::Store::start`]: the binary's own start path,
//! without a process per role); the crash, restart and signal checks run the
//! real binary, a process per role ([`support::Store::processes`]).
//!
//! One test binary, one module per subject, so the shared harness
//! ([`support`], [`load_support`]) compiles once and a helper no module uses
//! is a warning. `cargo test -p storefront --test e2e shop::` runs one
//! module; `cargo test -p storefront --test e2e postgres::` every check on
//! PostgreSQL.

mod load_support;
mod support;
mod tls_proxy;

// The store's behaviour, on both backends where storage matters.
mod bad_input;
mod browser;
mod concurrency;
mod customer_auth;
mod floods;
mod lab_protocol;
mod metrics;
mod openapi_conformance;
mod product_cache;
mod read_your_writes;
mod readiness;
mod request_ids;
mod schemathesis;
mod shop;
mod shutdown;
mod web_pages;

// Failures: kill -9 of each process in turn.
mod checkout_crash;
mod crash_recovery;
mod disk_full;
mod peer_restart;
mod shop_crash;

// The command-line tools.
mod client_command;
mod compare_command;
mod experiment_command;
mod foreign_client;
mod load_ci;
mod load_command;
mod load_coordinated_omission;
mod load_invariants;
mod probe_command;
mod report_command;
mod up_command;
