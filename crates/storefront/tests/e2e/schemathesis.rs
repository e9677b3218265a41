//! The API document against a fuzzer we did not write: schemathesis (PyPI)
//! reads the served `/openapi.json`, generates requests from it (examples,
//! boundary values, random and invalid data) and follows its links through
//! whole sessions (the stateful phase), and runs every check it has: no
//! 5xx, each status and body as documented, valid input accepted, invalid
//! input refused, authentication enforced where the document says. On each
//! backend; with a fixed seed, so a failure reproduces (`st run … --seed`).

use std::process::Command;

use storefront_service_kit::test_support::python;

use crate::support::{ADMIN_TOKEN, Backend, Store};

/// Test cases per operation and phase: enough to reach every status the
/// routes document, small enough for CI on two cores.
const MAX_EXAMPLES: &str = "25";

async fn the_document_and_the_server_agree_under_schemathesis(backend: Backend) {
    if python::require_module("schemathesis", "schemathesis", "the schemathesis run").is_none() {
        return;
    }
    // Fuzzing sends wrong credentials by the hundred: the per-address limit
    // (tested in `customer_auth::`) would turn them into 429s.
    let store = Store::start_on(backend, None, "[auth]\nfailed_auth_per_minute = 0\n");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis.toml");
    let document = format!("{}/openapi.json", store.gateway_url());
    let admin = format!("Authorization: Bearer {ADMIN_TOKEN}");
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'st'; sys.exit(schemathesis())",
            "--config-file",
            config,
            "run",
            &document,
            "--checks",
            "all",
            "--header",
            &admin,
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            "1",
            // One worker: the interpreter's AST parser is not safe across
            // the threads hypothesis would use (CPython 3.11).
            "--workers",
            "1",
            "--no-color",
        ])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("Stateful"),
        "no stateful phase ran:\n{stdout}"
    );
}

storefront_service_kit::for_each_backend! {
    sqlite => Backend::sqlite(),
    postgres => Backend::postgres();
    the_document_and_the_server_agree_under_schemathesis,
}
