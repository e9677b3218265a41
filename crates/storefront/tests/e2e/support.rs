//! Starts a whole store on free ports with a fresh data folder, and talks
//! HTTP to it.
//!
//! [`Store::start`] and its variants run every role in this test process,
//! through the same `serve::start` and `Service::run` as the binary, on a
//! runtime of the store's own (so a test may block on a child process while
//! the store serves it). [`Store::processes`] runs the real binary, one
//! process per role, for what only processes have: `kill -9`, signals,
//! restarts on the same port, stdout and logs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;
use storefront::config::Config;
use storefront_service_kit::postgres::test_database::{TestDatabase, fresh_database};
use storefront_wire::KeepAliveConnection;
use tempfile::TempDir;
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;

pub const EXE: &str = env!("CARGO_BIN_EXE_storefront");

/// How long any wait in these tests may take before it is a failure.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The admin token every test store is started with.
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// [`ADMIN_TOKEN`] as an `Authorization` value: the admin may act for any
/// customer, which the crash and load checks use to reach many carts.
pub const ADMIN_BEARER: &str = "Bearer test-admin-token";

/// The binary's own roles.
pub use storefront::cli::Role;

/// Where a test store keeps its data.
pub enum Backend {
    /// A SQLite file per service in the store's temporary folder.
    Sqlite,
    /// A fresh PostgreSQL database, dropped when the store is.
    Postgres(TestDatabase),
}

impl Backend {
    /// SQLite, which can always run (an `Option` to match [`Self::postgres`]).
    pub fn sqlite() -> Option<Backend> {
        Some(Backend::Sqlite)
    }

    /// A fresh PostgreSQL database, when a server is configured (`None`: the
    /// test returns early, unless `STOREFRONT_REQUIRE_POSTGRES=1`, which
    /// makes a missing server fail).
    pub fn postgres() -> Option<Backend> {
        fresh_database().map(Backend::Postgres)
    }

    fn database_url(&self) -> Option<&str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres(db) => Some(db.url()),
        }
    }
}

/// One role of a store.
pub struct Service {
    role: Role,
    running: Option<Running>,
    pub address: SocketAddr,
}

/// How a role runs.
enum Running {
    /// A `storefront serve` process.
    Process(Child),
    /// A task on the store's runtime: `shutdown` stops it, `done` says it
    /// has drained and returned.
    InProcess {
        shutdown: CancellationToken,
        done: mpsc::Receiver<()>,
    },
}

impl Service {
    fn child(&mut self) -> Option<Child> {
        match self.running.take() {
            Some(Running::Process(child)) => Some(child),
            Some(Running::InProcess { .. }) => panic!(
                "{} runs in-process: start the store with Store::processes to kill or signal it",
                self.role.name()
            ),
            None => None,
        }
    }

    pub fn pid(&self) -> u32 {
        match &self.running {
            Some(Running::Process(child)) => child.id(),
            Some(Running::InProcess { .. }) => panic!(
                "{} runs in-process: start the store with Store::processes to signal it",
                self.role.name()
            ),
            None => panic!("{} is not running", self.role.name()),
        }
    }

    /// Waits for the process to exit by itself and returns its status.
    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let mut child = self.child().expect("service is running");
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
        match self.running.take() {
            Some(Running::Process(mut child)) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Some(Running::InProcess { shutdown, done }) => {
                shutdown.cancel();
                let _ = done.recv_timeout(PATIENCE);
            }
            None => {}
        }
    }
}

/// A whole store: catalog, orders, carts and gateway. Fields drop in order:
/// the services stop before their runtime and the database go.
pub struct Store {
    pub catalog: Service,
    pub orders: Service,
    pub carts: Service,
    pub gateway: Service,
    /// The runtime of in-process services (empty for processes).
    _runtime: StoreRuntime,
    pub dir: TempDir,
    /// Held for its drop: a PostgreSQL store's database goes with it.
    _backend: Backend,
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
        Self::start_on(Backend::Sqlite, seed, config)
    }

    /// A store on `backend`, seeded with `seed` (or the built-in toys),
    /// every role in this process.
    pub fn start_on(backend: Backend, seed: Option<&str>, config: &str) -> Self {
        Self::start_prepared(backend, seed, config, |_| {})
    }

    /// [`Self::start_on`], with `prepare` run on the (empty) data folder
    /// before any role opens it: to put it on a file system of its own.
    pub fn start_prepared(
        backend: Backend,
        seed: Option<&str>,
        config: &str,
        prepare: impl FnOnce(&Path),
    ) -> Self {
        let dir = store_folder(&backend, seed, config);
        let mut config = Config::load(
            Some(&dir.path().join("storefront.toml")),
            &HashMap::from([("STOREFRONT_ADMIN_TOKEN".into(), ADMIN_TOKEN.into())]),
        )
        .unwrap();
        config.data_dir = dir.path().join("data");
        std::fs::create_dir_all(&config.data_dir).unwrap();
        prepare(&config.data_dir);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // `block_on` cannot run inside the test's own runtime: start the
        // roles from a plain thread, in the order each one's peers need.
        let starting: JoinHandle<(Runtime, Vec<Service>)> = std::thread::spawn(move || {
            let services = runtime.block_on(async move {
                let mut services = Vec::new();
                for role in Role::ALL {
                    services.push(start_in_process(role, &mut config).await);
                }
                services
            });
            (runtime, services)
        });
        let (runtime, services) = starting.join().expect("the store starts");
        let [catalog, orders, carts, gateway]: [Service; 4] =
            services.try_into().ok().expect("four roles");
        Self {
            catalog,
            orders,
            carts,
            gateway,
            _runtime: StoreRuntime(Some(runtime)),
            dir,
            _backend: backend,
        }
    }

    /// The real binary, one process per role, with the built-in seed.
    pub fn processes() -> Self {
        Self::processes_on(Backend::Sqlite, None, "")
    }

    /// The real binary, one process per role, on `backend`, seeded with
    /// `seed` (or the built-in toys).
    pub fn processes_on(backend: Backend, seed: Option<&str>, config: &str) -> Self {
        Self::processes_logging(backend, seed, config, "info")
    }

    /// [`Self::processes_on`], each role logging what `rust_log` (a
    /// `RUST_LOG` filter) lets through to `<dir>/<role>.log`.
    pub fn processes_logging(
        backend: Backend,
        seed: Option<&str>,
        config: &str,
        rust_log: &str,
    ) -> Self {
        let dir = store_folder(&backend, seed, config);
        let any = "127.0.0.1:0".parse().unwrap();
        let catalog = spawn_logging(dir.path(), Role::Catalog, any, &[], rust_log);
        let catalog_url = format!("http://{}", catalog.address);
        let orders = spawn_logging(
            dir.path(),
            Role::Orders,
            any,
            &["--catalog-url", &catalog_url],
            rust_log,
        );
        let orders_url = format!("http://{}", orders.address);
        let carts = spawn_logging(
            dir.path(),
            Role::Carts,
            any,
            &["--catalog-url", &catalog_url, "--orders-url", &orders_url],
            rust_log,
        );
        let carts_url = format!("http://{}", carts.address);
        let gateway = spawn_logging(
            dir.path(),
            Role::Gateway,
            any,
            &[
                "--catalog-url",
                &catalog_url,
                "--orders-url",
                &orders_url,
                "--carts-url",
                &carts_url,
            ],
            rust_log,
        );
        Self {
            catalog,
            orders,
            carts,
            gateway,
            _runtime: StoreRuntime(None),
            dir,
            _backend: backend,
        }
    }

    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.gateway.address)
    }

    pub fn service(&mut self, role: Role) -> &mut Service {
        match role {
            Role::Catalog => &mut self.catalog,
            Role::Orders => &mut self.orders,
            Role::Carts => &mut self.carts,
            Role::Gateway => &mut self.gateway,
        }
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill(&mut self, role: Role) {
        let service = self.service(role);
        if let Some(mut child) = service.child() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts `role` again on the address it had.
    pub fn restart(&mut self, role: Role) {
        self.kill(role);
        let catalog_url = format!("http://{}", self.catalog.address);
        let orders_url = format!("http://{}", self.orders.address);
        let carts_url = format!("http://{}", self.carts.address);
        let address = self.service(role).address;
        let fresh = spawn(
            self.dir.path(),
            role,
            address,
            &[
                "--catalog-url",
                &catalog_url,
                "--orders-url",
                &orders_url,
                "--carts-url",
                &carts_url,
            ],
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
            let response = c
                .send_with_headers(
                    http::Method::GET,
                    &format!("/orders/{number}"),
                    bytes::Bytes::new(),
                    None,
                    &[("authorization", ADMIN_BEARER)],
                )
                .await
                .unwrap();
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

/// The runtime in-process services run on. A test drops its store inside
/// its own runtime, where a runtime may not be dropped (that would block),
/// so it is let go in the background; by then every service has drained.
struct StoreRuntime(Option<Runtime>);

impl Drop for StoreRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A folder whose config file points at `db`, for services spawned one by
/// one (replicas, a lone catalog).
pub fn postgres_folder(db: &TestDatabase) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("database_url = {:?}\n", db.url());
    std::fs::write(dir.path().join("storefront.toml"), config).unwrap();
    dir
}

/// A fresh folder holding the store's config file (and seed file).
fn store_folder(backend: &Backend, seed: Option<&str>, config: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config.to_owned();
    if let Some(seed) = seed {
        let seed_path = dir.path().join("seed.json");
        std::fs::write(&seed_path, seed).unwrap();
        config = format!("[catalog]\nseed_file = {:?}\n{config}", seed_path);
    }
    if let Some(url) = backend.database_url() {
        config = format!("database_url = {url:?}\n{config}");
    }
    std::fs::write(dir.path().join("storefront.toml"), config).unwrap();
    dir
}

/// Starts `role` on the current runtime, on a free port that the roles
/// started after it are told to reach it by.
async fn start_in_process(role: Role, config: &mut Config) -> Service {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    config.set_listen(role, address, true);
    let shutdown = CancellationToken::new();
    let service = storefront::serve::start(role, config, shutdown.clone())
        .await
        .unwrap_or_else(|e| panic!("{} did not start: {e:#}", role.name()));
    let limits = config.http;
    let (finished, done) = mpsc::channel();
    tokio::spawn(async move {
        let _ = service.run(listener, limits).await;
        let _ = finished.send(());
    });
    Service {
        role,
        running: Some(Running::InProcess { shutdown, done }),
        address,
    }
}

/// Starts one role and waits for its "listening on" line; it logs at
/// `info` to `<dir>/<role>.log`.
pub fn spawn(dir: &Path, role: Role, listen: SocketAddr, extra: &[&str]) -> Service {
    spawn_logging(dir, role, listen, extra, "info")
}

/// [`spawn`], logging what `rust_log` (a `RUST_LOG` filter) lets through.
pub fn spawn_logging(
    dir: &Path,
    role: Role,
    listen: SocketAddr,
    extra: &[&str],
    rust_log: &str,
) -> Service {
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
        .env("RUST_LOG", rust_log)
        .env("STOREFRONT_ADMIN_TOKEN", ADMIN_TOKEN)
        .env_remove("STOREFRONT_CONFIG")
        .env_remove("STOREFRONT_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let address = read_announcement(&mut child, role.name());
    Service {
        role,
        running: Some(Running::Process(child)),
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

/// A JSON client for the shop API: one keep-alive connection, optional
/// admin token and idempotency key per request, and the token of the
/// customer it acts as (see [`Api::act_as`]).
pub struct Api {
    pub connection: KeepAliveConnection,
    /// `Bearer <token>` sent with every request that sets no
    /// `Authorization` of its own.
    pub authorization: Option<String>,
}

/// A reply: status and parsed JSON body (`Value::Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        self
    }
}

impl Api {
    pub async fn to(store: &Store) -> Self {
        Self {
            connection: store.connect().await,
            authorization: None,
        }
    }

    /// A client acting as the admin: for any customer, and administration.
    pub async fn as_admin(store: &Store) -> Self {
        let mut api = Self::to(store).await;
        api.authorization = Some(ADMIN_BEARER.to_owned());
        api
    }

    /// A client acting as `customer` (its token, issued with the admin token).
    pub async fn as_customer(store: &Store, customer: &str) -> Self {
        let mut api = Self::to(store).await;
        api.act_as(customer).await;
        api
    }

    /// From now on, every request carries `customer`'s token, which the
    /// admin token obtains for any customer id.
    pub async fn act_as(&mut self, customer: &str) {
        let token = self.token_for(customer).await;
        self.authorization = Some(format!("Bearer {token}"));
    }

    /// A token for `customer`, issued with the admin token.
    pub async fn token_for(&mut self, customer: &str) -> String {
        let issued = self
            .admin(
                "POST",
                &format!("/customers/{customer}/tokens"),
                Some(serde_json::json!({})),
            )
            .await
            .expect(201);
        issued.data()["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method: http::Method = method.parse().unwrap();
        let with_token: Vec<(&str, &str)>;
        let headers = match &self.authorization {
            Some(auth)
                if !headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("authorization")) =>
            {
                with_token = headers
                    .iter()
                    .copied()
                    .chain([("authorization", auth.as_str())])
                    .collect();
                &with_token[..]
            }
            _ => headers,
        };
        let (bytes, content_type) = match body {
            Some(v) => (json_body(v), Some("application/json")),
            None => (bytes::Bytes::new(), None),
        };
        let response = self
            .connection
            .send_with_headers(method, path, bytes, content_type, headers)
            .await
            .unwrap();
        let body = if response.body.is_empty() {
            Value::Null
        } else {
            response
                .json()
                .unwrap_or_else(|_| Value::String(response.text()))
        };
        Reply {
            status: response.status.as_u16(),
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.call("GET", path, None, &[]).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Some(body), &[]).await
    }

    /// A request with the test store's admin token.
    pub async fn admin(&mut self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        self.call(method, path, body, &[("authorization", &bearer)])
            .await
    }
}

/// Every product by name: (id, stock).
pub async fn products_by_name(api: &mut Api) -> HashMap<String, (i64, i64)> {
    let listed = api.get("/products").await.expect(200);
    listed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap().to_owned();
            (
                name,
                (p["id"].as_i64().unwrap(), p["quantity"].as_i64().unwrap()),
            )
        })
        .collect()
}

/// Every cart, once none is still checking out and orders has resolved
/// every attempt a crash left.
pub async fn settled_carts(store: &Store) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        store.wait_until_reconciled().await;
        if let Ok(mut api) = tokio::time::timeout(Duration::from_secs(2), Api::to(store)).await {
            let reply = api.admin("GET", "/carts?limit=1000", None).await;
            if reply.status == 200 {
                let carts = reply.data().as_array().unwrap().clone();
                if carts.iter().all(|c| c["status"] != "CheckingOut") {
                    return carts;
                }
            }
        }
        assert!(Instant::now() < deadline, "carts never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
