//! The lab protocol as a client we did not write sees it: Python's
//! standard-library `http.client`, on one keep-alive connection.

use std::process::Command;

use crate::support::Store;

#[test]
fn a_python_standard_library_client_speaks_the_lab_protocol() {
    let store = Store::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/lab_client.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(store.gateway.address.to_string())
        .output()
        .expect("python3 is on every machine this project runs on");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("python lab client: ok"), "{stdout}");
}
