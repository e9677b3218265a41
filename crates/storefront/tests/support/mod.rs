//! Starts the real `storefront` binary, one process per role, on free ports
//! with a fresh data folder, and talks HTTP to it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use storefront_wire::KeepAliveConnection;
use tempfile::TempDir;

pub const EXE: &str = env!("CARGO_BIN_EXE_storefront");

/// How long any wait in these tests may take before it is a failure.
pub const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Catalog,
    Orders,
    Gateway,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Catalog => "catalog",
            Role::Orders => "orders",
            Role::Gateway => "gateway",
        }
    }
}

/// One role's process.
pub struct Service {
    role: Role,
    child: Option<Child>,
    pub address: SocketAddr,
}

impl Service {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("service is running").id()
    }

    /// Waits for the process to exit by itself and returns its status.
    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("service is running");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit",
                self.role.name()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A whole store: catalog, orders and gateway, each its own process.
pub struct Store {
    pub dir: TempDir,
    pub catalog: Service,
    pub orders: Service,
    pub gateway: Service,
}

impl Store {
    /// Starts a store with the built-in seed.
    pub fn start() -> Self {
        Self::start_with(None, "")
    }

    /// Starts a store whose catalog is seeded with `seed` (JSON list).
    pub fn start_with_seed(seed: &str) -> Self {
        Self::start_with(Some(seed), "")
    }

    /// `config` is TOML written to the store's config file.
    pub fn start_with(seed: Option<&str>, config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config.to_owned();
        if let Some(seed) = seed {
            let seed_path = dir.path().join("seed.json");
            std::fs::write(&seed_path, seed).unwrap();
            config = format!("[catalog]\nseed_file = {:?}\n{config}", seed_path);
        }
        std::fs::write(dir.path().join("storefront.toml"), config).unwrap();
        let catalog = spawn(
            dir.path(),
            Role::Catalog,
            "127.0.0.1:0".parse().unwrap(),
            &[],
        );
        let catalog_url = format!("http://{}", catalog.address);
        let orders = spawn(
            dir.path(),
            Role::Orders,
            "127.0.0.1:0".parse().unwrap(),
            &["--catalog-url", &catalog_url],
        );
        let orders_url = format!("http://{}", orders.address);
        let gateway = spawn(
            dir.path(),
            Role::Gateway,
            "127.0.0.1:0".parse().unwrap(),
            &["--catalog-url", &catalog_url, "--orders-url", &orders_url],
        );
        Self {
            dir,
            catalog,
            orders,
            gateway,
        }
    }

    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.gateway.address)
    }

    pub fn service(&mut self, role: Role) -> &mut Service {
        match role {
            Role::Catalog => &mut self.catalog,
            Role::Orders => &mut self.orders,
            Role::Gateway => &mut self.gateway,
        }
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill(&mut self, role: Role) {
        let service = self.service(role);
        if let Some(mut child) = service.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts `role` again on the address it had.
    pub fn restart(&mut self, role: Role) {
        self.kill(role);
        let catalog_url = format!("http://{}", self.catalog.address);
        let orders_url = format!("http://{}", self.orders.address);
        let address = self.service(role).address;
        let fresh = spawn(
            self.dir.path(),
            role,
            address,
            &["--catalog-url", &catalog_url, "--orders-url", &orders_url],
        );
        *self.service(role) = fresh;
    }

    pub async fn connect(&self) -> KeepAliveConnection {
        KeepAliveConnection::connect(&self.gateway_url())
            .await
            .unwrap()
    }

    /// Waits until the orders service has resolved every attempt a crash left.
    pub async fn wait_until_reconciled(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(mut c) = KeepAliveConnection::connect(&self.orders.address.to_string()).await
                && let Ok(response) = c.get("/health").await
                && let Ok(health) = response.json::<Value>()
                && health["data"]["unresolved_orders"] == 0
            {
                return;
            }
            assert!(Instant::now() < deadline, "orders never reconciled");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every order in the log, read through the gateway: numbers 0, 1, 2…
    /// until the first 404.
    pub async fn all_orders(&self) -> Vec<(u64, String, u64)> {
        let mut c = self.connect().await;
        let mut orders = Vec::new();
        for number in 0.. {
            let response = c.get(&format!("/orders/{number}")).await.unwrap();
            if response.status == 404 {
                break;
            }
            assert_eq!(response.status, 200, "{}", response.text());
            let v: Value = response.json().unwrap();
            let d = &v["data"];
            orders.push((
                d["number"].as_u64().unwrap(),
                d["name"].as_str().unwrap().to_owned(),
                d["quantity"].as_u64().unwrap(),
            ));
        }
        orders
    }

    /// Stock of every product by name.
    pub async fn stock(&self) -> Vec<(String, i64)> {
        let mut c = self.connect().await;
        let v: Value = c.get("/products").await.unwrap().json().unwrap();
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_owned(),
                    p["quantity"].as_i64().unwrap(),
                )
            })
            .collect()
    }
}

/// Starts one role and waits for its "listening on" line.
pub fn spawn(dir: &Path, role: Role, listen: SocketAddr, extra: &[&str]) -> Service {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{}.log", role.name())))
        .unwrap();
    let mut child = Command::new(EXE)
        .arg("--config")
        .arg(dir.join("storefront.toml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["serve", role.name(), "--listen", &listen.to_string()])
        .args(extra)
        .env("RUST_LOG", "info")
        .env_remove("STOREFRONT_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let address = read_announcement(&mut child, role.name());
    Service {
        role,
        child: Some(child),
        address,
    }
}

/// Reads `storefront <role> listening on http://<addr>` from the child's stdout.
pub fn read_announcement(child: &mut Child, role: &str) -> SocketAddr {
    let stdout = child.stdout.take().unwrap();
    let prefix = format!("storefront {role} listening on http://");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(address) = line.strip_prefix(&prefix) {
                let _ = tx.send(address.parse::<SocketAddr>().unwrap());
                break;
            }
        }
        // Keep draining so the child never blocks on a full pipe.
        for _ in lines {}
    });
    rx.recv_timeout(PATIENCE)
        .unwrap_or_else(|_| panic!("{role} did not announce itself"))
}

/// A JSON body as bytes.
pub fn json_body(value: Value) -> bytes::Bytes {
    bytes::Bytes::from(value.to_string())
}

/// The path of a file in the store's folder.
pub fn path_in(store: &Store, name: &str) -> PathBuf {
    store.dir.path().join(name)
}
