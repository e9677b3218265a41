//! `storefront up`: every role as its own process, one that dies is
//! restarted with its data intact, and SIGTERM stops them all.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{EXE, PATIENCE};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

/// Role → (address, pid), read from `up`'s banner.
/// `storefront up` in `dir` with the gateway on `gateway` and the other roles on free ports.
fn up_command(dir: &std::path::Path, gateway: &str) -> Command {
    let mut command = Command::new(EXE);
    command
        .current_dir(dir)
        .args(["up", "--gateway-listen", gateway])
        .args([
            "--catalog-listen",
            "127.0.0.1:0",
            "--orders-listen",
            "127.0.0.1:0",
            "--carts-listen",
            "127.0.0.1:0",
        ])
        .env_remove("STOREFRONT_CONFIG")
        .env_remove("STOREFRONT_ADMIN_TOKEN")
        .env_remove("STOREFRONT_DATABASE_URL");
    command
}

fn read_banner(stdout: impl std::io::Read) -> HashMap<String, (String, i32)> {
    let mut roles = HashMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.starts_with("Clients use the gateway") {
            break;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if let ["admin", "token", token, ..] = words.as_slice() {
            roles.insert("admin token".to_owned(), (token.to_string(), 0));
        }
        if let [role, url, "(pid", pid] = words.as_slice() {
            let pid = pid.trim_end_matches(')').parse().unwrap();
            roles.insert(
                role.to_string(),
                (url.trim_start_matches("http://").to_owned(), pid),
            );
        }
    }
    roles
}

async fn wait_for_200(target: &str, path: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(mut c) = KeepAliveConnection::connect(target).await
            && let Ok(r) = c.get(path).await
            && r.status == 200
        {
            return r.json().unwrap();
        }
        assert!(Instant::now() < deadline, "{path} never answered 200");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn up_runs_each_role_as_a_process_restarts_the_dead_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut up, mut roles) = spawn_up(up_command(dir.path(), "127.0.0.1:0"));
    let (token, _) = roles
        .remove("admin token")
        .expect("up prints the admin token it made");
    assert_eq!(roles.len(), 4, "{roles:?}");
    let pids: Vec<i32> = roles.values().map(|(_, pid)| *pid).collect();
    assert!(
        pids.iter().all(|p| *p != up.id() as i32),
        "roles run in their own processes"
    );
    let gateway = roles["gateway"].0.clone();
    assert!(
        dir.path().join("data/catalog.db").exists(),
        "data lives under ./data"
    );

    let mut c = KeepAliveConnection::connect(&gateway).await.unwrap();
    let response = c
        .post_json("/orders", &json!({"name": "Tux", "quantity": 1}))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let bearer = format!("Bearer {token}");
    let kite = json!({"name": "Kite", "price": 9.5, "quantity": 3});
    let created = c
        .send_with_headers(
            http::Method::POST,
            "/products",
            crate::support::json_body(kite),
            Some("application/json"),
            &[("authorization", &bearer)],
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201, "the printed token is the gateway's");

    for role in ["catalog", "orders", "carts"] {
        kill(Pid::from_raw(roles[role].1), Signal::SIGKILL).unwrap();
        let v = wait_for_200(&gateway, "/products/Tux").await;
        assert_eq!(
            v["data"]["quantity"], 99,
            "stock survives the restart of {role}"
        );
        let v = wait_for_200(&gateway, "/orders/0").await;
        assert_eq!(
            v["data"],
            json!({"number": 0, "name": "Tux", "quantity": 1})
        );
    }

    kill(Pid::from_raw(up.id() as i32), Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = up.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "up did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    for (role, (address, _)) in &roles {
        assert!(
            std::net::TcpStream::connect(address).is_err(),
            "{role} still listening after up stopped"
        );
    }
}

#[test]
fn up_refuses_a_taken_gateway_port_and_leaves_nothing_running() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = up_command(dir.path(), &taken.local_addr().unwrap().to_string())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("gateway"), "{stderr}");
}

#[tokio::test]
async fn with_a_database_url_every_service_lives_in_its_own_postgres_schema() {
    let Some(database) = crate::support::Backend::postgres() else {
        return;
    };
    let crate::support::Backend::Postgres(database) = database else {
        unreachable!()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut command = up_command(dir.path(), "127.0.0.1:0");
    command.env("STOREFRONT_DATABASE_URL", database.url());
    let (mut up, roles) = spawn_up(command);
    let gateway = roles["gateway"].0.clone();
    let mut c = KeepAliveConnection::connect(&gateway).await.unwrap();
    let response = c
        .post_json("/orders", &json!({"name": "Tux", "quantity": 2}))
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(
        !dir.path().join("data/catalog.db").exists(),
        "no SQLite file when a database URL is set"
    );

    let pool = sqlx::PgPool::connect(database.url()).await.unwrap();
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT schema_name::TEXT FROM information_schema.schemata
         WHERE schema_name IN ('catalog', 'orders', 'carts') ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(schemas, ["carts", "catalog", "orders"]);
    let stock: i64 = sqlx::query_scalar("SELECT quantity FROM catalog.products WHERE name = 'Tux'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stock, 98);
    pool.close().await;

    kill(Pid::from_raw(up.id() as i32), Signal::SIGTERM).unwrap();
    let status = up.wait().unwrap();
    assert!(status.success(), "{status}");
}

/// Runs `command` (an `up`) and reads its banner: the child and the roles.
fn spawn_up(mut command: Command) -> (std::process::Child, HashMap<String, (String, i32)>) {
    let mut up = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let roles = read_banner(up.stdout.take().unwrap());
    (up, roles)
}

/// Starts `up` in `dir`: (the child, the gateway's address).
fn start_up(dir: &std::path::Path) -> (std::process::Child, String) {
    let (up, roles) = spawn_up(up_command(dir, "127.0.0.1:0"));
    (up, roles["gateway"].0.clone())
}

fn stop_up(mut up: std::process::Child) {
    kill(Pid::from_raw(up.id() as i32), Signal::SIGTERM).unwrap();
    assert!(up.wait().unwrap().success());
}

async fn call(
    gateway: &str,
    method: http::Method,
    path: &str,
    body: Value,
    auth: &str,
) -> (u16, Value) {
    let mut c = KeepAliveConnection::connect(gateway).await.unwrap();
    let headers: Vec<(&str, &str)> = [("authorization", auth)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let reply = c
        .send_with_headers(
            method,
            path,
            crate::support::json_body(body),
            Some("application/json"),
            &headers,
        )
        .await
        .unwrap();
    (reply.status.as_u16(), reply.json().unwrap_or(Value::Null))
}

/// `up` makes a new admin token each time, but customers' secrets and carts
/// must outlive it: the key that signs them is kept in the data folder.
#[tokio::test]
async fn a_customers_secret_outlives_a_restart_of_up() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (up, gateway) = start_up(dir.path());
    let (status, made) = call(&gateway, http::Method::POST, "/customers", json!({}), "").await;
    assert_eq!(status, 201, "{made}");
    let customer = made["data"]["customer_id"].as_str().unwrap().to_owned();
    let secret = made["data"]["secret"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {}", made["data"]["access_token"].as_str().unwrap());
    let tux = wait_for_200(&gateway, "/products/1").await["data"]["id"].clone();
    let cart = format!("/carts/{customer}");
    let item = json!({"product_id": tux, "quantity": 2});
    let (status, body) = call(&gateway, http::Method::POST, &cart, item, &bearer).await;
    assert_eq!(status, 201, "{body}");
    stop_up(up);
    let key = dir.path().join("data/token-secret");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the key is readable by its owner only");

    let (up, gateway) = start_up(dir.path());
    let tokens = format!("/customers/{customer}/tokens");
    let (status, renewed) = call(
        &gateway,
        http::Method::POST,
        &tokens,
        json!({"secret": secret}),
        "",
    )
    .await;
    assert_eq!(status, 201, "{renewed}");
    let bearer = format!(
        "Bearer {}",
        renewed["data"]["access_token"].as_str().unwrap()
    );
    let (status, view) = call(&gateway, http::Method::GET, &cart, Value::Null, &bearer).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["data"]["items"][0]["quantity"], 2, "{view}");
    stop_up(up);
}
