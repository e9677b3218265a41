//! `storefront client`: the lab client against a real store, and against a
//! fake store that lies about its orders (the client must notice).

use std::process::Command;

use crate::support::{Api, EXE, Store};
use axum::Router;
use axum::routing::{get, post};
use serde_json::json;

fn client(target: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(EXE)
        .args(["client", "--target", target])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// Runs the client off the async runtime (it is a blocking child process).
async fn run_client(target: String, args: &'static [&'static str]) -> (bool, String) {
    tokio::task::spawn_blocking(move || client(&target, args))
        .await
        .unwrap()
}

/// A fake gateway listing one product, Tux, plus `routes`; returns its URL.
async fn fake_store(routes: Router) -> String {
    let app = routes.route(
        "/products",
        get(|| async {
            axum::Json(json!({"data":[{"id":1,"name":"Tux","price":1.0,"quantity":5}]}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    target
}

/// The count column of a request kind's row in the report.
fn count(report: &str, kind: &str) -> u64 {
    report
        .lines()
        .find(|l| l.split_whitespace().next() == Some(kind))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn mixed_sessions_query_buy_and_verify_every_order() {
    let store = Store::start();
    let (ok, report) = run_client(
        store.gateway_url(),
        &[
            "--sessions",
            "4",
            "--iterations",
            "25",
            "--p",
            "0.6",
            "--seed",
            "7",
        ],
    )
    .await;
    assert!(ok, "{report}");
    assert_eq!(count(&report, "query"), 100, "{report}");
    let buys = count(&report, "buy");
    assert!(buys > 0, "{report}");
    assert_eq!(
        count(&report, "verify"),
        buys,
        "every order verified: {report}"
    );
    assert!(report.contains("mismatches 0"), "{report}");
    assert_eq!(store.all_orders().await.len() as u64, buys);
}

#[tokio::test]
async fn p_zero_never_buys_and_buy_mode_counts_refusals_when_stock_runs_out() {
    let store = Store::start_with_seed(r#"[{"name":"Kite","price":2,"quantity":10}]"#);
    let (ok, report) = run_client(
        store.gateway_url(),
        &["--sessions", "2", "--iterations", "10", "--p", "0"],
    )
    .await;
    assert!(ok, "{report}");
    assert_eq!(count(&report, "buy"), 0, "{report}");

    let (ok, report) = run_client(
        store.gateway_url(),
        &[
            "--mode",
            "buy",
            "--product",
            "Kite",
            "--sessions",
            "3",
            "--iterations",
            "5",
        ],
    )
    .await;
    assert!(ok, "refusals are answers, not failures: {report}");
    let row: Vec<&str> = report
        .lines()
        .find(|l| l.starts_with("buy"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        &row[1..4],
        ["15", "10", "5"],
        "15 buys: 10 ok, 5 refused: {report}"
    );
}

#[tokio::test]
async fn p_comes_from_the_environment_and_buys_take_a_random_quantity_as_the_labs_client_did() {
    let store = Store::start_with_seed(r#"[{"name":"Kite","price":2,"quantity":100000}]"#);
    let target = store.gateway_url();
    let (ok, report) = tokio::task::spawn_blocking({
        let target = target.clone();
        move || {
            let output = Command::new(EXE)
                .args([
                    "client",
                    "--target",
                    &target,
                    "--sessions",
                    "2",
                    "--iterations",
                    "10",
                ])
                .env("p", "0")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr);
            (output.status.success(), text)
        }
    })
    .await
    .unwrap();
    assert!(ok, "{report}");
    assert_eq!(
        count(&report, "buy"),
        0,
        "p=0 from the environment: {report}"
    );

    let (ok, report) = run_client(
        target,
        &[
            "--mode",
            "buy",
            "--product",
            "Kite",
            "--quantity",
            "2..4",
            "--sessions",
            "2",
            "--iterations",
            "20",
        ],
    )
    .await;
    assert!(ok, "every order read back as placed: {report}");
    let mut api = Api::to(&store).await;
    let reply = api
        .admin("GET", "/orders?limit=100", None)
        .await
        .expect(200);
    let quantities: std::collections::BTreeSet<u64> = reply
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["items"][0]["quantity"].as_u64().unwrap())
        .collect();
    assert!(
        quantities.iter().all(|q| (2..=4).contains(q)),
        "{quantities:?}"
    );
    assert!(
        quantities.len() > 1,
        "a random quantity per buy: {quantities:?}"
    );
}

#[test]
fn bad_flags_are_refused_with_a_message() {
    let output = Command::new(EXE)
        .args(["client", "--p", "1.5"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("p must be from 0 to 1"));
}

#[tokio::test]
async fn a_store_that_returns_the_wrong_order_fails_the_run() {
    // A fake gateway: every buy gets number 7, and order 7 is something else.
    let target = fake_store(
        Router::new()
            .route(
                "/products/{name}",
                get(|| async {
                    axum::Json(json!({"data":{"name":"Tux","price":1.0,"quantity":5}}))
                }),
            )
            .route(
                "/orders",
                post(|| async { axum::Json(json!({"data":{"order_number":7}})) }),
            )
            .route(
                "/orders/{n}",
                get(|| async {
                    axum::Json(json!({"data":{"number":7,"name":"Whale","quantity":1}}))
                }),
            ),
    )
    .await;

    let (ok, report) = run_client(
        target,
        &["--sessions", "1", "--iterations", "3", "--p", "1"],
    )
    .await;
    assert!(!ok, "a lying store must fail the run: {report}");
    assert!(report.contains("MISMATCH order 7"), "{report}");
}

#[tokio::test]
async fn a_store_that_never_answers_fails_the_run_instead_of_hanging_it() {
    let target =
        fake_store(Router::new().route("/products/{name}", get(std::future::pending::<()>))).await;
    let (ok, report) = run_client(
        target,
        &["--sessions", "2", "--iterations", "2", "--timeout", "200ms"],
    )
    .await;
    assert!(!ok, "{report}");
    let row: Vec<&str> = report
        .lines()
        .find(|l| l.starts_with("query"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        &row[1..5],
        ["4", "0", "0", "4"],
        "every query timed out and counted as failed: {report}"
    );
}
