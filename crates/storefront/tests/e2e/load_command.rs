//! `storefront load` end to end: the real binary drives a real store (on
//! real sockets) under the closed and the open model with every workload,
//! and what it wrote is read back and counted.

use crate::load_support::{SCARCE_SEED, load, load_on};
use crate::support::Store;

fn successes(run: &crate::load_support::Run, label: &str, codes: &[&str]) -> usize {
    run.samples()
        .iter()
        .filter(|s| s.label == label && codes.contains(&s.response_code.as_str()))
        .count()
}

#[test]
fn a_closed_lab_run_does_every_iteration_and_its_orders_balance_the_stock() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let run = load_on(
        &store,
        "--workload lab --p 0.7 --users 4 --iterations 40 --seed 7",
    );
    run.assert_success();
    let counts = run.counts();
    assert_eq!(counts["query"], 4 * 40, "{counts:?}");
    let bought = successes(&run, "buy", &["200", "201"]);
    let refused = successes(&run, "buy", &["409"]);
    assert_eq!(bought + refused, counts["buy"], "every buy got an answer");
    assert!(bought > 0);
    let samples = run.samples();
    assert!(
        samples.iter().all(|s| s.success),
        "409s are expected outcomes"
    );

    let invariants = &run.extra()["invariants"];
    assert_eq!(invariants["ok"], true, "{invariants}");
    assert_eq!(invariants["orders_acknowledged"], bought as u64);
    assert_eq!(invariants["orders_verified"], bought as u64);
    assert_eq!(invariants["unknown_outcomes"], 0);
    // The JTL parses back to the figures the report computed.
    let total = &run.summary()["aggregate"]["total"];
    assert_eq!(total["samples"], samples.len() as u64);
    assert!(run.stdout().contains("invariants hold"), "{}", run.stdout());
}

#[test]
fn a_run_keeps_microseconds_beside_the_jtl_and_every_tool_reads_them() {
    let store = Store::start();
    let run = load_on(&store, "--workload lab --users 2 --iterations 30 --seed 5");
    run.assert_success();
    let jtl = run.out().join("results.jtl");
    let micros = storefront_report::jtl::micros_path(&jtl);
    let lines = std::fs::read_to_string(&micros).unwrap();
    let samples = run.samples();
    assert!(samples.len() >= 60);
    assert_eq!(
        lines.lines().count(),
        1 + samples.len(),
        "a header and a row per sample"
    );
    assert!(
        samples.iter().any(|s| s.elapsed_us % 1000 != 0),
        "real microseconds, not milliseconds × 1,000"
    );
    assert!(samples.iter().all(|s| s.elapsed_us / 1000 <= s.elapsed_ms));
    let summary = run.summary();
    assert_eq!(summary["latency_resolution"], "microseconds");
    let median = summary["aggregate"]["total"]["median_ms"].as_f64().unwrap();
    assert_ne!(median.fract(), 0.0, "median {median} ms");
    let table = std::fs::read_to_string(run.out().join("aggregate.md")).unwrap();
    assert!(table.contains(&format!("{median:.3}")), "{table}");

    // `storefront compare` tests and shows the microseconds too.
    let compared = std::process::Command::new(crate::support::EXE)
        .args(["compare"])
        .arg(run.out())
        .arg(&jtl)
        .arg("--out")
        .arg(run.dir.path().join("compared"))
        .output()
        .unwrap();
    assert!(compared.status.success(), "{compared:?}");
    let text = String::from_utf8_lossy(&compared.stdout);
    assert!(text.contains(&format!("{median:.3}")), "{text}");

    // Without the sidecar the same run reads as JMeter's whole milliseconds.
    std::fs::remove_file(&micros).unwrap();
    let rebuilt = std::process::Command::new(crate::support::EXE)
        .arg("report")
        .arg(&jtl)
        .output()
        .unwrap();
    assert!(rebuilt.status.success(), "{rebuilt:?}");
    let summary = run.summary();
    assert_eq!(summary["latency_resolution"], "milliseconds");
    let median = summary["aggregate"]["total"]["median_ms"].as_f64().unwrap();
    assert_eq!(median.fract(), 0.0, "median {median} ms");
}

#[test]
fn an_open_lab_run_starts_every_scheduled_arrival_or_counts_it() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let run = load_on(
        &store,
        "--workload lab --p 0.5 --rate 40 --hold 2s --max-in-flight 8",
    );
    run.assert_success();
    let open = &run.extra()["open_model"];
    assert_eq!(open["scheduled"], 80, "{open}");
    let started = open["started"].as_u64().unwrap();
    assert_eq!(started + open["dropped"].as_u64().unwrap(), 80, "{open}");
    // One query per started arrival (an iteration starts with its query).
    assert_eq!(run.counts()["query"] as u64, started);
    assert_eq!(run.extra()["invariants"]["ok"], true);
}

#[test]
fn a_closed_shop_run_checks_out_carts_that_read_back_as_filled() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let run = load_on(
        &store,
        "--workload shop --p-change 0.5 --users 3 --iterations 6 --seed 11",
    );
    run.assert_success();
    let counts = run.counts();
    assert_eq!(
        counts["browse"],
        3 * 6,
        "one trip per iteration: {counts:?}"
    );
    let checked_out = successes(&run, "checkout", &["200", "201"]);
    assert!(checked_out > 0, "{counts:?}");
    let invariants = &run.extra()["invariants"];
    assert_eq!(invariants["ok"], true, "{invariants}");
    assert_eq!(invariants["orders_acknowledged"], checked_out as u64);
    assert_eq!(invariants["orders_verified"], checked_out as u64);
}

#[test]
fn a_web_run_shops_through_the_pages_and_its_orders_read_back() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let run = load_on(
        &store,
        "--workload web --p-change 0.5 --users 3 --iterations 6 --seed 11",
    );
    run.assert_success();
    let counts = run.counts();
    assert_eq!(
        counts["browse"],
        3 * 6,
        "one trip per iteration: {counts:?}"
    );
    let checked_out = successes(&run, "checkout", &["303"]);
    assert!(checked_out > 0, "{counts:?}");
    // Each checkout leads to its order's page, as a browser follows it.
    assert_eq!(successes(&run, "order page", &["200"]), checked_out);
    let invariants = &run.extra()["invariants"];
    assert_eq!(invariants["ok"], true, "{invariants}");
    assert_eq!(invariants["orders_acknowledged"], checked_out as u64);
    assert_eq!(invariants["orders_verified"], checked_out as u64);
}

#[test]
fn an_open_shop_run_makes_one_trip_per_started_arrival() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let run = load_on(
        &store,
        "--workload shop --rate 10 --hold 2s --max-in-flight 4",
    );
    run.assert_success();
    let open = &run.extra()["open_model"];
    assert_eq!(open["scheduled"], 20, "{open}");
    assert_eq!(
        run.counts()["browse"] as u64,
        open["started"].as_u64().unwrap()
    );
    assert_eq!(run.extra()["invariants"]["ok"], true);
}

#[test]
fn custom_mixes_run_closed_and_open_with_their_templates_filled() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("mix.toml");
    std::fs::write(
        &scenario,
        r#"
[workload]
kind = "custom"
[[workload.requests]]
label = "by name"
weight = 3
path = "/products/{product}"
expect = 200
[[workload.requests]]
label = "by id"
path = "/products/{product_id}"
[[workload.requests]]
label = "missing"
path = "/orders/{random:900000..900100}"
expect = 404
[load]
model = "closed"
users = 3
iterations = 30
"#,
    )
    .unwrap();
    let scenario = scenario.to_str().unwrap();
    let run = load(&["--target", &store.gateway_url(), "--scenario", scenario]);
    run.assert_success();
    let samples = run.samples();
    assert_eq!(samples.len(), 90);
    assert!(
        samples.iter().all(|s| s.success),
        "templates make valid paths"
    );
    assert!(
        samples
            .iter()
            .all(|s| !s.url.contains('{') && !s.url.contains(' ')),
        "every variable filled, names encoded"
    );
    assert_eq!(run.counts().len(), 3, "{:?}", run.counts());
    assert!(
        run.extra()["invariants"].is_null(),
        "custom runs are not checked"
    );

    let run = load(&[
        "--target",
        &store.gateway_url(),
        "--scenario",
        scenario,
        "--rate",
        "30",
        "--hold",
        "1s",
    ]);
    run.assert_success();
    let started = run.extra()["open_model"]["started"].as_u64().unwrap();
    assert_eq!(run.samples().len() as u64, started);
    assert_eq!(run.extra()["open_model"]["scheduled"], 30);
}

#[test]
fn custom_requests_send_headers_and_escape_names_in_json_bodies() {
    let store =
        Store::start_with_seed(r#"[{"name":"Say \"hi\" \\ Kite","price":2,"quantity":1000}]"#);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("headers.toml");
    std::fs::write(
        &scenario,
        r#"
[workload]
kind = "custom"
[[workload.requests]]
label = "every cart"
path = "/carts?limit=5"
expect = 200
headers = { Authorization = "Bearer {env:LOAD_TEST_ADMIN_TOKEN}", X-Load-User = "{user}" }
[[workload.requests]]
label = "buy"
method = "POST"
path = "/orders"
body = '{"name":"{product}","quantity":1}'
expect = 200
[load]
model = "closed"
users = 2
iterations = 10
"#,
    )
    .unwrap();
    let scenario = scenario.to_str().unwrap();
    let args = ["--target", &store.gateway_url(), "--scenario", scenario];
    let out = tempfile::tempdir().unwrap();
    let output = crate::load_support::command(&args, out.path())
        .env("LOAD_TEST_ADMIN_TOKEN", crate::support::ADMIN_TOKEN)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let jtl = out.path().join("out").join("results.jtl");
    let samples: Vec<_> = storefront_report::jtl::read_jtl(&jtl)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(samples.len(), 20);
    let failed: Vec<_> = samples.iter().filter(|s| !s.success).collect();
    assert!(
        failed.is_empty(),
        "the token reached the admin route and every body parsed: {failed:?}"
    );
    assert!(samples.iter().any(|s| s.label == "buy"));

    // Without the variable, the scenario is refused before anything is sent.
    let unset = load(&args);
    assert_ne!(unset.code(), Some(0));
    assert!(
        unset.stderr().contains("LOAD_TEST_ADMIN_TOKEN"),
        "{}",
        unset.stderr()
    );
}

#[test]
fn the_bookstore_workload_runs_the_studys_eleven_samplers_and_its_orders_balance() {
    let store = Store::start();
    let token = crate::support::ADMIN_TOKEN;
    let run = load_on(
        &store,
        &format!("--workload bookstore --users 3 --iterations 4 --seed 3 --admin-token {token}"),
    );
    run.assert_success();
    let counts = run.counts();
    for label in [
        "Product Catalog/Get products/products",
        "Product Catalog/Create products",
        "Product Catalog/Update products",
        "Product Catalog/Delete products",
        "Shopping Cart/Get carts",
        "Shopping Cart/Get cart items",
        "Shopping Cart/Add product to shopping cart",
        "Shopping Cart/Update order status in cart",
        "Order Management/Create orders",
        "Order Management/Get orders",
        "Order Management/Get order Items",
    ] {
        assert_eq!(counts.get(label), Some(&12), "{label}: {counts:?}");
    }
    let failed: Vec<_> = run.samples().into_iter().filter(|s| !s.success).collect();
    assert!(
        failed.is_empty(),
        "the token opened every admin route: {failed:?}"
    );
    let invariants = &run.extra()["invariants"];
    assert_eq!(invariants["ok"], true, "{invariants}");
    assert_eq!(
        invariants["orders_acknowledged"], 24,
        "a checkout and a direct order per trip"
    );
    // Every product a user created, it deleted.
    let listed = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut api = crate::support::Api::to(&store).await;
        api.get("/products?limit=1000")
            .await
            .expect(200)
            .data()
            .clone()
    });
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(!names.is_empty());
    assert!(!names.iter().any(|n| n.starts_with("bk-")), "{names:?}");

    // Without the token the run does not start, and says what it needs.
    let refused = load_on(&store, "--workload bookstore --users 1 --iterations 1");
    assert_ne!(refused.code(), Some(0));
    assert!(
        refused.stderr().contains("admin token"),
        "{}",
        refused.stderr()
    );
}

#[test]
fn the_url_mode_hammers_one_url_like_wrk() {
    let store = Store::start();
    let url = format!("{}/health", store.gateway_url());
    let run = load(&["--url", &url, "--connections", "3", "--iterations", "25"]);
    run.assert_success();
    let samples = run.samples();
    assert_eq!(samples.len(), 75);
    assert!(
        samples
            .iter()
            .all(|s| s.url == "/health" && s.response_code == "200")
    );
    let threads: std::collections::BTreeSet<_> = samples.iter().map(|s| &s.thread_name).collect();
    assert_eq!(threads.len(), 3, "one connection per user: {threads:?}");
}

#[test]
fn a_stepped_ramp_up_shows_its_steps_in_the_active_users_column() {
    let store = Store::start();
    let url = format!("{}/health", store.gateway_url());
    let run = load(&[
        "--url",
        &url,
        "--users",
        "6",
        "--ramp-up",
        "2s",
        "--ramp-steps",
        "3",
        "--hold",
        "1s",
        "--think",
        "20ms",
    ]);
    run.assert_success();
    let mut samples = run.samples();
    samples.sort_by_key(|s| s.time_stamp_ms);
    let mut steps: Vec<u32> = Vec::new();
    for s in &samples {
        if steps.last() != Some(&s.all_threads) && !steps.contains(&s.all_threads) {
            steps.push(s.all_threads);
        }
    }
    assert_eq!(
        &steps[..3],
        [2, 4, 6],
        "active users in order of appearance: {steps:?}"
    );
    assert!(samples.iter().all(|s| s.all_threads <= 6));
}

#[test]
fn a_run_against_a_store_with_metrics_keeps_each_services_side() {
    let store = Store::processes();
    let run = load_on(&store, "--workload shop --users 2 --hold 3s --seed 5");
    run.assert_success();
    let summary = run.summary();
    let server = &summary["server"];
    for service in ["gateway", "catalog", "orders", "carts"] {
        let samples = server[service]["samples"].as_array().unwrap_or_else(|| {
            panic!("no samples of {service}: {server}");
        });
        assert!(samples.len() >= 3, "{service}: {samples:?}");
        let (first, last) = (&samples[0], &samples[samples.len() - 1]);
        assert!(last["t"].as_f64() > first["t"].as_f64(), "{service}");
        assert!(last["rss_bytes"].as_u64().unwrap() > 0, "{service}");
        let served =
            last["requests_total"].as_u64().unwrap() - first["requests_total"].as_u64().unwrap();
        assert!(served > 0, "{service} served nothing: {samples:?}");
        assert!(last["cpu_seconds"].as_f64() >= first["cpu_seconds"].as_f64());
    }
    // The gateway served every request the client sent, and the scrapes
    // themselves are not counted.
    let gateway = server["gateway"]["samples"].as_array().unwrap();
    let (first, last) = (&gateway[0], &gateway[gateway.len() - 1]);
    let served =
        last["requests_total"].as_u64().unwrap() - first["requests_total"].as_u64().unwrap();
    let sent = run.samples().len() as u64;
    assert_eq!(served, sent, "{gateway:?}");
    // Shop checkouts commit orders through the group-commit writer.
    let orders = server["orders"]["samples"].as_array().unwrap();
    assert!(orders.last().unwrap()["commits_total"].as_u64().unwrap() > 0);

    let html = std::fs::read_to_string(run.out().join("report.html")).unwrap();
    for chart in [
        "chart-server-cpu",
        "chart-server-memory",
        "chart-server-requests",
        "chart-server-commit-batch",
    ] {
        assert!(html.contains(chart), "{chart} missing from report.html");
    }
    assert!(
        run.stdout().contains("server metrics: samples of"),
        "{}",
        run.stdout()
    );

    // `storefront report` rebuilt from the JTL keeps them.
    let rebuilt = std::process::Command::new(crate::support::EXE)
        .arg("report")
        .arg(run.out().join("results.jtl"))
        .output()
        .unwrap();
    assert!(rebuilt.status.success(), "{rebuilt:?}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.out().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["server"], *server);
}

#[test]
fn a_target_without_metrics_is_loaded_all_the_same_unless_they_are_required() {
    // The in-process store installs no recorder: its `/metrics` is a 404.
    let store = Store::start();
    let run = load_on(&store, "--workload lab --users 1 --iterations 3");
    run.assert_success();
    assert!(run.summary().get("server").is_none());
    assert!(
        run.stdout()
            .contains("server metrics: not read (GET /metrics: answered 404)"),
        "{}",
        run.stdout()
    );
    let required = load_on(
        &store,
        "--workload lab --users 1 --iterations 3 --server-metrics on",
    );
    assert_ne!(required.code(), Some(0));
    assert!(
        required.stderr().contains("--server-metrics on"),
        "{}",
        required.stderr()
    );
    let off = load_on(
        &store,
        "--workload lab --users 1 --iterations 3 --server-metrics off",
    );
    off.assert_success();
    assert!(!off.stdout().contains("server metrics"), "{}", off.stdout());
}
