//! `storefront load` in a CI pipeline and beyond one machine: thresholds
//! decide the exit code and are kept in every report file, a run where
//! nothing succeeded fails, bad usage and an unreachable store have codes
//! of their own, headers, methods and bodies reach a real store, and two
//! generators' JTLs merge into one run.

use crate::load_support::{SCARCE_SEED, load, load_on};
use crate::support::{ADMIN_TOKEN, Api, Store, products_by_name};

/// Tux's stock as the store reports it now.
fn tux_stock(store: &Store) -> i64 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut api = Api::to(store).await;
        products_by_name(&mut api).await["Tux"].1
    })
}

#[test]
fn thresholds_pass_or_fail_the_run_and_are_kept_in_every_report() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let passing = load_on(
        &store,
        "--workload lab --users 2 --iterations 20 --seed 3 \
         --threshold p99<60s --threshold query:error_rate<=0% --threshold rps>0",
    );
    passing.assert_success();
    let outcomes = passing.summary()["thresholds"].clone();
    assert_eq!(outcomes.as_array().unwrap().len(), 3, "{outcomes}");
    assert!(
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["passed"] == true),
        "{outcomes}"
    );
    assert_eq!(outcomes[1]["label"], "query");
    assert_eq!(outcomes[1]["observed"], 0.0);
    assert!(
        passing.stdout().contains("pass  p99 < 60s"),
        "{}",
        passing.stdout()
    );

    let failing = load_on(
        &store,
        "--workload lab --users 2 --iterations 20 --seed 3 --threshold p99<1us --threshold p50<60s",
    );
    assert_eq!(
        failing.code(),
        Some(3),
        "{}\n{}",
        failing.stdout(),
        failing.stderr()
    );
    let outcomes = failing.summary()["thresholds"].clone();
    assert_eq!(outcomes[0]["expr"], "p99 < 1us");
    assert_eq!(outcomes[0]["passed"], false);
    assert!(
        outcomes[0]["observed"].as_f64().unwrap() > 0.001,
        "{outcomes}"
    );
    assert_eq!(outcomes[1]["passed"], true);
    assert!(
        failing.stdout().contains("FAIL  p99 < 1us"),
        "{}",
        failing.stdout()
    );
    let page = std::fs::read_to_string(failing.out().join("report.html")).unwrap();
    assert!(page.contains("id=\"thresholds-table\""));
    assert!(page.contains("<tr class=\"fail\"><td class=\"text\"><code>p99 &lt; 1us</code>"));
    let table = std::fs::read_to_string(failing.out().join("aggregate.md")).unwrap();
    assert!(table.contains("| `p99 < 1us` |"), "{table}");

    // A label the run never recorded fails rather than passing unseen.
    let misspelt = load_on(
        &store,
        "--workload lab --users 1 --iterations 5 --threshold qeury:p99<60s",
    );
    assert_eq!(misspelt.code(), Some(3), "{}", misspelt.stdout());
    assert!(misspelt.stdout().contains("no samples labelled `qeury`"));
}

#[test]
fn a_run_in_which_nothing_succeeded_fails_without_any_threshold() {
    let store = Store::start();
    let run = load(&[
        "--url",
        &format!("{}/no-such-route", store.gateway_url()),
        "--users",
        "1",
        "--iterations",
        "5",
    ]);
    assert_eq!(run.code(), Some(3), "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains("no request succeeded"),
        "{}",
        run.stdout()
    );
    assert!(run.out().join("report.html").exists());
}

#[test]
fn usage_errors_exit_2_and_a_store_that_cannot_be_reached_exits_4() {
    for args in [
        &["--threshold", "p98<5ms"][..],
        &["--threshold", "error_rate<1"],
        &["--users", "0", "--hold", "1s"],
        &["--header", "Host: elsewhere"],
        &["--header", "no colon"],
        &["--workload", "lab", "--method", "POST"],
    ] {
        let run = load(args);
        assert_eq!(run.code(), Some(2), "{args:?}: {}", run.stderr());
        assert!(!run.stderr().is_empty());
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = load(&[
        "--target",
        &target,
        "--workload",
        "lab",
        "--iterations",
        "1",
    ]);
    assert_eq!(run.code(), Some(4), "{}", run.stderr());
    assert!(
        run.stderr().contains("storefront load:"),
        "{}",
        run.stderr()
    );
}

#[test]
fn headers_reach_the_store_and_url_mode_sends_any_method_and_body() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let every_cart = format!("{}/carts?limit=5", store.gateway_url());
    // An admin route: refused without the token, served with it.
    let refused = load(&["--url", &every_cart, "--users", "1", "--iterations", "3"]);
    assert_eq!(refused.code(), Some(3), "{}", refused.stdout());
    assert!(refused.samples().iter().all(|s| s.response_code == "401"));
    let bearer = format!("Authorization: Bearer {ADMIN_TOKEN}");
    let served = load(&[
        "--url",
        &every_cart,
        "--users",
        "1",
        "--iterations",
        "3",
        "-H",
        &bearer,
    ]);
    served.assert_success();
    assert!(served.samples().iter().all(|s| s.response_code == "200"));

    // Five buys of one Tux each, through --method and --body.
    let before = tux_stock(&store);
    let orders = format!("{}/orders", store.gateway_url());
    let bought = load(&[
        "--url",
        &orders,
        "--method",
        "post",
        "--body",
        r#"{"name":"Tux","quantity":1}"#,
        "--users",
        "1",
        "--iterations",
        "5",
    ]);
    bought.assert_success();
    assert_eq!(bought.counts()["POST /orders"], 5);
    assert_eq!(tux_stock(&store), before - 5);

    // A Content-Type header replaces the JSON default: the store refuses it.
    let typed = load(&[
        "--url",
        &orders,
        "--method",
        "POST",
        "--body",
        r#"{"name":"Tux","quantity":1}"#,
        "--header",
        "Content-Type: text/plain",
        "--users",
        "1",
        "--iterations",
        "2",
    ]);
    assert_eq!(typed.code(), Some(3), "{}", typed.stdout());
    assert!(typed.samples().iter().all(|s| s.response_code == "415"));
    assert_eq!(tux_stock(&store), before - 5, "nothing bought");
}

#[test]
fn help_groups_the_flags_by_model_and_completions_know_them() {
    let help = std::process::Command::new(crate::support::EXE)
        .args(["load", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    for heading in [
        "Closed model (users loop iterations):",
        "Open model (arrivals on a schedule):",
        "Pass or fail (CI):",
        "Examples:",
        "Exit codes:",
    ] {
        assert!(help.contains(heading), "{heading} missing from:\n{help}");
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = std::process::Command::new(crate::support::EXE)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(script.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&script.stdout);
        for flag in ["threshold", "fail-on-regression", "header"] {
            assert!(script.contains(flag), "{shell} completions lack {flag}");
        }
    }
}

#[test]
fn two_generators_merge_into_one_run_with_their_users_summed() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let target = store.gateway_url();
    // As the Kubernetes load job leaves them: one folder per generator.
    let test = tempfile::tempdir().unwrap();
    let generators: Vec<std::process::Child> = (1..=2)
        .map(|i| {
            std::process::Command::new(crate::support::EXE)
                .args([
                    "load",
                    "--target",
                    &target,
                    "--workload",
                    "lab",
                    "--p",
                    "0.1",
                    "--users",
                    "2",
                    "--hold",
                    "3s",
                    "--no-invariants",
                    "--out",
                ])
                .arg(test.path().join(format!("gen-{i}")))
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut jtls = Vec::new();
    let mut rows = 0;
    for (i, child) in (1..=2).zip(generators) {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let jtl = test.path().join(format!("gen-{i}/results.jtl"));
        rows += std::fs::read_to_string(&jtl).unwrap().lines().count() - 1;
        jtls.push(jtl);
    }
    let merged = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(crate::support::EXE)
        .arg("report")
        .args(&jtls)
        .arg("--out")
        .arg(merged.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("merged 2 JTL files"), "{stdout}");
    let samples: Vec<storefront_report::jtl::Sample> =
        storefront_report::jtl::read_jtl(&merged.path().join("results.jtl"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    assert_eq!(samples.len(), rows, "every row of both generators");
    assert!(samples.iter().any(|s| s.thread_name.starts_with("g1-")));
    assert!(samples.iter().any(|s| s.thread_name.starts_with("g2-")));
    assert!(
        samples.iter().any(|s| s.elapsed_us % 1000 != 0),
        "both had sidecars, so the merge keeps microseconds"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["aggregate"]["total"]["samples"], rows as u64);
    assert_eq!(summary["latency_resolution"], "microseconds");
    assert_eq!(
        summary["run"]["extra"]["generators"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let most_users = summary["time_series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["active_users"].as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(most_users, 4, "2 users on each of 2 generators");

    // compare reads the generators' folder as one run, the same as the
    // merged one.
    let compared = merged.path().join("compared");
    let output = std::process::Command::new(crate::support::EXE)
        .arg("compare")
        .arg(test.path())
        .arg(merged.path())
        .args(["--bootstrap", "100", "--out"])
        .arg(&compared)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(compared.join("compare.json")).unwrap())
            .unwrap();
    let totals: Vec<u64> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let total = s["labels"].as_array().unwrap().last().unwrap();
            assert_eq!(total["label"], "TOTAL");
            total["n"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(totals, [rows as u64, rows as u64], "{json}");
    let total_pair = json["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["label"] == "TOTAL")
        .unwrap();
    assert_eq!(total_pair["verdict"], "no significant difference");

    // Merging into a folder that holds one of the inputs is refused.
    let refused = std::process::Command::new(crate::support::EXE)
        .arg("report")
        .args(&jtls)
        .arg("--out")
        .arg(test.path().join("gen-1"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("would be overwritten"));
}

#[test]
fn an_https_target_is_loaded_over_tls_and_its_certificate_is_checked() {
    let store = Store::start_with_seed(SCARCE_SEED);
    let proxy = crate::tls_proxy::TlsProxy::start(store.gateway.address);
    // The proxy's certificate is self-signed: not trusted, so the run
    // cannot even read the products, and says why.
    let refused = load(&[
        "--target",
        &proxy.url(),
        "--workload",
        "lab",
        "--iterations",
        "1",
    ]);
    assert_eq!(refused.code(), Some(4), "{}", refused.stderr());
    assert!(refused.stderr().contains("TLS"), "{}", refused.stderr());
    // Accepting it, a whole lab run goes over TLS: queries, buys and the
    // invariants' read-back of every order.
    let run = load(&[
        "--target",
        &proxy.url(),
        "--insecure",
        "--workload",
        "lab",
        "--p",
        "0.5",
        "--users",
        "3",
        "--iterations",
        "30",
    ]);
    run.assert_success();
    assert_eq!(run.counts()["query"], 90);
    assert!(run.samples().iter().all(|s| s.success));
    let invariants = &run.extra()["invariants"];
    assert_eq!(invariants["ok"], true, "{invariants}");
    assert!(
        invariants["orders_verified"].as_u64().unwrap() > 0,
        "{invariants}"
    );
    // --url takes https too.
    let url = load(&[
        "--url",
        &format!("{}/products/Tux", proxy.url()),
        "--insecure",
        "--users",
        "2",
        "--iterations",
        "10",
    ]);
    url.assert_success();
    assert_eq!(url.counts()["GET /products/Tux"], 20);
}
