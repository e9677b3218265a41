//! Python checkers from PyPI (openapi-spec-validator, jsonschema,
//! schemathesis), run as the independent judge of what the services serve.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use super::require_tool;

/// `Some(())` when `python3` can import `module`; otherwise
/// [`require_tool`]'s notice (`skipped` names what the test checks,
/// `package` what to install from PyPI; `./scripts/test.sh` installs it).
pub fn require_module(module: &str, package: &str, skipped: &str) -> Option<()> {
    let importable = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let install = format!("python3 -m pip install --user {package}");
    require_tool(importable.then_some(()), skipped, &install)
}

/// Runs `script` with `input` on its stdin, and returns what it did.
pub fn run(script: &str, input: &[u8]) -> Output {
    let mut python = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    python
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .expect("python3 reads its input");
    python.wait_with_output().expect("python3 finishes")
}
