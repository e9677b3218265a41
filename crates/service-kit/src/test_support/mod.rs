//! What the test suites of every crate share (feature `test-support`): one
//! rule for tools a test needs ([`require_tool`]), the browser
//! ([`chromium`]), Python checkers ([`python`]), and [`crate::for_each_backend!`],
//! which runs each check once per storage backend.
//!
//! A missing tool is never a silent pass: the test prints a loud notice
//! and skips, unless `STOREFRONT_REQUIRE_TOOLS` is set (CI and the README's
//! test command set it), where it fails. PostgreSQL follows the same rule
//! through [`crate::postgres::test_database`].

mod backends;
pub mod chromium;
pub mod python;

pub use chromium::Chromium;

/// When set, a missing tool fails the test instead of skipping it.
pub const REQUIRE_TOOLS_VAR: &str = "STOREFRONT_REQUIRE_TOOLS";

/// `Some(tool)` when found; otherwise fails if tools are required, else
/// prints what is skipped and how to install what is missing, and gives
/// `None` so the test can return.
pub fn require_tool<T>(tool: Option<T>, skipped: &str, install: &str) -> Option<T> {
    if tool.is_none() {
        assert!(
            std::env::var_os(REQUIRE_TOOLS_VAR).is_none(),
            "{REQUIRE_TOOLS_VAR} is set but {skipped} cannot run: {install}"
        );
        eprintln!(
            "\n!!! SKIPPED: {skipped} ({install}; set {REQUIRE_TOOLS_VAR}=1 to make this a failure) !!!\n"
        );
    }
    tool
}
