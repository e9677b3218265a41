//! `storefront probe <role> [--ready]`, the container health check: exit 0
//! only when that role answers on its configured address (and, with
//! `--ready`, can use its database and peers), 1 otherwise.

use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};

use crate::support::{EXE, Role, spawn};

/// Runs `storefront probe <role>` with `env` as its whole STOREFRONT_* environment.
fn probe(role: &str, env: &[(&str, String)]) -> Output {
    probe_with(&[role], env)
}

fn probe_with(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(EXE);
    command.arg("probe").args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("STOREFRONT_") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[test]
fn a_running_role_probes_healthy_on_its_configured_address() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("storefront.toml"), "").unwrap();
    let catalog = spawn(
        dir.path(),
        Role::Catalog,
        "127.0.0.1:0".parse().unwrap(),
        &[],
    );
    // A wildcard listen address is probed on loopback, as in a container.
    let wildcard = format!("0.0.0.0:{}", catalog.address.port());
    let output = probe("catalog", &[("STOREFRONT_CATALOG_LISTEN", wildcard)]);
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn a_role_whose_peer_is_unreachable_is_live_but_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("storefront.toml"), "").unwrap();
    let nobody = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let orders = spawn(
        dir.path(),
        Role::Orders,
        "127.0.0.1:0".parse().unwrap(),
        &["--catalog-url", &format!("http://{nobody}")],
    );
    let env = [("STOREFRONT_ORDERS_LISTEN", orders.address.to_string())];
    let live = probe_with(&["orders"], &env);
    assert!(live.status.success(), "{live:?}");
    let ready = probe_with(&["orders", "--ready"], &env);
    assert_eq!(ready.status.code(), Some(1), "{ready:?}");
    let stderr = String::from_utf8_lossy(&ready.stderr);
    assert!(
        stderr.contains("/ready answered 503") && stderr.contains("catalog"),
        "{stderr}"
    );
}

#[test]
fn another_role_on_the_address_is_not_healthy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("storefront.toml"), "").unwrap();
    let catalog = spawn(
        dir.path(),
        Role::Catalog,
        "127.0.0.1:0".parse().unwrap(),
        &[],
    );
    let output = probe(
        "orders",
        &[("STOREFRONT_ORDERS_LISTEN", catalog.address.to_string())],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"catalog\""), "{stderr}");
}

#[test]
fn nothing_listening_is_not_healthy() {
    // A port that was free a moment ago and is closed now.
    let address: SocketAddr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let output = probe(
        "gateway",
        &[("STOREFRONT_GATEWAY_LISTEN", address.to_string())],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot connect"));
}
