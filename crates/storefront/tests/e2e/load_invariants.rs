//! The invariant checks of `storefront load` fire: against a fake store
//! that breaks one invariant at a time (takes too much stock, lets stock go
//! negative, loses orders, repeats order numbers) the run reports exactly
//! that violation and exits 1; the same fake without a fault passes. And
//! Ctrl-C or SIGTERM stops a real run cleanly, with its results written
//! (exit 130 or 143).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::load_support::{Run, command, load};
use crate::support::{PATIENCE, Store};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Fault {
    None,
    /// Each order of one unit takes two.
    TakesTooMuch,
    /// Stock reads as below zero after any order.
    NegativeStock,
    /// Every order number divisible by 3 reads back as 404.
    LosesOrders,
    /// Order numbers repeat (0, 0, 1, 1, …).
    RepeatsNumbers,
}

#[derive(Default)]
struct Shop {
    stock: i64,
    orders: u64,
}

/// A fake gateway with one product, Tux, that answers the lab protocol
/// faithfully except for `fault`; returns its URL.
async fn fake_store(fault: Fault) -> String {
    let shop = Arc::new(Mutex::new(Shop {
        stock: 1000,
        orders: 0,
    }));
    let app = Router::new()
        .route(
            "/products",
            get(move |State(shop): State<Arc<Mutex<Shop>>>| async move {
                let stock = shop.lock().unwrap().stock;
                let shown = if fault == Fault::NegativeStock && stock < 1000 {
                    -1
                } else {
                    stock
                };
                axum::Json(json!({"data":[{"id":1,"name":"Tux","price":1.0,"quantity":shown}]}))
            }),
        )
        .route(
            "/products/{name}",
            get(|State(shop): State<Arc<Mutex<Shop>>>| async move {
                let stock = shop.lock().unwrap().stock;
                axum::Json(json!({"data":{"name":"Tux","price":1.0,"quantity":stock}}))
            }),
        )
        .route(
            "/orders",
            post(move |State(shop): State<Arc<Mutex<Shop>>>| async move {
                let mut shop = shop.lock().unwrap();
                shop.stock -= if fault == Fault::TakesTooMuch { 2 } else { 1 };
                let n = shop.orders;
                shop.orders += 1;
                let number = if fault == Fault::RepeatsNumbers {
                    n / 2
                } else {
                    n
                };
                (
                    StatusCode::CREATED,
                    axum::Json(json!({"data":{"order_number": number}})),
                )
            }),
        )
        .route(
            "/orders/{number}",
            get(move |Path(number): Path<u64>| async move {
                if fault == Fault::LosesOrders && number % 3 == 0 {
                    return (
                        StatusCode::NOT_FOUND,
                        axum::Json(json!({"error":{"code":404,"message":"order not found"}})),
                    );
                }
                (
                    StatusCode::OK,
                    axum::Json(json!({"data":{"number":number,"name":"Tux","quantity":1}})),
                )
            }),
        )
        .with_state(shop);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    target
}

/// A lab run that buys after every query, against a fake with `fault`.
async fn run_against(fault: Fault) -> Run {
    let target = fake_store(fault).await;
    tokio::task::spawn_blocking(move || {
        load(&[
            "--target",
            &target,
            "--workload",
            "lab",
            "--p",
            "1",
            "--users",
            "2",
            "--iterations",
            "6",
        ])
    })
    .await
    .unwrap()
}

/// The non-empty violation lists of a run.
fn violations(run: &Run) -> Vec<String> {
    let invariants = run.extra()["invariants"].clone();
    [
        "stock_not_conserved",
        "negative_stock",
        "orders_missing_or_mismatched",
        "duplicate_order_numbers",
    ]
    .into_iter()
    .filter(|key| invariants[key].as_array().is_some_and(|a| !a.is_empty()))
    .map(str::to_owned)
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_faithful_fake_store_passes_every_check() {
    let run = run_against(Fault::None).await;
    run.assert_success();
    assert_eq!(run.extra()["invariants"]["orders_verified"], 12);
    assert!(violations(&run).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_invariant_is_reported_and_fails_the_run() {
    for (fault, expected) in [
        (Fault::TakesTooMuch, "stock_not_conserved"),
        (Fault::NegativeStock, "negative_stock"),
        (Fault::LosesOrders, "orders_missing_or_mismatched"),
        (Fault::RepeatsNumbers, "duplicate_order_numbers"),
    ] {
        let run = run_against(fault).await;
        assert_eq!(run.code(), Some(1), "{fault:?}: {}", run.stdout());
        assert_eq!(run.extra()["invariants"]["ok"], false, "{fault:?}");
        let found = violations(&run);
        assert!(found.contains(&expected.to_owned()), "{fault:?}: {found:?}");
        assert!(
            run.stdout().contains("invariants VIOLATED"),
            "{}",
            run.stdout()
        );
        if fault == Fault::LosesOrders {
            // Orders 0, 3, 6, 9 of 12.
            assert_eq!(
                run.extra()["invariants"]["orders_missing_or_mismatched_count"],
                4
            );
        }
    }
}

#[test]
fn ctrl_c_stops_the_run_and_still_writes_its_results() {
    stop_a_run_with(nix::sys::signal::Signal::SIGINT, 130);
}

#[test]
fn sigterm_stops_the_run_and_still_writes_its_results() {
    stop_a_run_with(nix::sys::signal::Signal::SIGTERM, 143);
}

/// Sends `signal` to a running load and checks it stopped cleanly with
/// `code`: every result file written, requests in flight seen through.
fn stop_a_run_with(signal: nix::sys::signal::Signal, code: i32) {
    let store = Store::start_with_seed(crate::load_support::SCARCE_SEED);
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(
        &[
            "--target",
            &store.gateway_url(),
            "--workload",
            "lab",
            "--p",
            "0.5",
            "--users",
            "3",
            "--hold",
            "120s",
            "--think",
            "5ms",
        ],
        dir.path(),
    )
    .spawn()
    .unwrap();
    let jtl = dir.path().join("out/results.jtl");
    let deadline = Instant::now() + PATIENCE;
    // Rows reach the file in batches; wait until some have.
    while std::fs::read_to_string(&jtl).map_or(0, |t| t.lines().count()) < 20 {
        assert!(Instant::now() < deadline, "no samples were written");
        std::thread::sleep(Duration::from_millis(20));
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let output = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "the run did not stop on {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run { output, dir };
    assert_eq!(run.code(), Some(code), "{}\n{}", run.stdout(), run.stderr());
    assert!(run.stdout().contains("interrupted"), "{}", run.stdout());
    let summary = run.summary();
    assert_eq!(summary["run"]["extra"]["interrupted"], true);
    assert_eq!(
        summary["aggregate"]["total"]["samples"],
        run.samples().len() as u64
    );
    // Requests in flight were seen through, so the stock still balances.
    let invariants: &Value = &summary["run"]["extra"]["invariants"];
    assert_eq!(invariants["ok"], true, "{invariants}");
    assert!(run.out().join("report.html").exists());
}
