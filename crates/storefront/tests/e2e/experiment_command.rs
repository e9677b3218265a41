//! `storefront experiment` end to end: the real binary runs a preset and
//! small experiments against fresh stores of its own (real `storefront up`
//! processes), and what it wrote is read back: every cell's results, the
//! state for resuming, the summary and its comparisons.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use storefront_service_kit::test_support::Chromium;

fn storefront() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storefront"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

fn experiment(args: &[&str]) -> Output {
    storefront()
        .arg("experiment")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("storefront runs")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn preset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../experiments")
        .join(name)
}

fn cells(state: &Value) -> &Vec<Value> {
    state["cells"].as_array().expect("cells")
}

#[test]
fn the_lab2_preset_runs_every_cell_against_fresh_stores_and_summarises_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lab2");
    let output = experiment(&[
        preset("lab2-clients.toml").to_str().unwrap(),
        "--quick",
        "--repetitions",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let state = read_json(&out.join("experiment.json"));
    assert_eq!(state["experiment"], "lab2-clients");
    assert_eq!(state["quick"], true);
    let cells = cells(&state);
    assert_eq!(cells.len(), 5, "1..5 clients, one repetition");
    let mut clients: Vec<String> = Vec::new();
    for cell in cells {
        assert_eq!(cell["status"], "done", "{cell}");
        assert_eq!(cell["invariants_hold"], true, "{cell}");
        assert_eq!(cell["errors"], 0, "{cell}");
        clients.push(cell["levels"][0][1].as_str().unwrap().to_owned());
        let cell_dir = out.join("cells").join(cell["id"].as_str().unwrap());
        let summary = read_json(&cell_dir.join("summary.json"));
        // Each cell ran its own level: the users in the JTL match it.
        assert_eq!(
            summary["run"]["extra"]["model"]["users"].to_string(),
            cell["levels"][0][1].as_str().unwrap(),
        );
        assert_eq!(
            summary["aggregate"]["total"]["samples"], cell["samples"],
            "{cell}"
        );
        assert!(
            !cell_dir.join("store-data").exists(),
            "a managed store's data is removed"
        );
    }
    clients.sort();
    assert_eq!(clients, ["1", "2", "3", "4", "5"]);

    // The summary: every combination with its pooled figures and
    // intervals, the levels compared, and the plots.
    let summary = read_json(&out.join("summary.json"));
    let combinations = summary["analysis"]["combinations"].as_array().unwrap();
    assert_eq!(combinations.len(), 5);
    for combination in combinations {
        let labels: Vec<&str> = combination["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["label"].as_str().unwrap())
            .collect();
        assert!(
            labels.contains(&"query") && labels.contains(&"TOTAL"),
            "{labels:?}"
        );
        for label in combination["labels"].as_array().unwrap() {
            let mean = label["mean"].as_f64().unwrap();
            let ci = &label["intervals"]["mean"];
            assert!(
                ci["low"].as_f64().unwrap() <= mean && mean <= ci["high"].as_f64().unwrap(),
                "{label}"
            );
        }
    }
    let compared = read_json(&out.join("compare/clients/compare.json"));
    let pairs = compared["pairs"].as_array().unwrap();
    // 5 levels: 10 pairs, for query, buy and TOTAL.
    assert_eq!(
        pairs.iter().filter(|p| p["label"] == "query").count(),
        10,
        "{compared}"
    );
    for key in ["welch_p", "mann_whitney_p", "p_adjusted", "significant"] {
        assert!(pairs.iter().all(|p| p.get(key).is_some()), "{key}");
    }
    for plot in [
        "mean-vs-clients.svg",
        "p99-vs-clients.svg",
        "throughput-vs-clients.svg",
    ] {
        let svg = std::fs::read_to_string(out.join("plots").join(plot)).unwrap();
        assert!(svg.contains("class=\"band\""), "{plot} has its bands");
        assert!(svg.contains("data-series=\"query\"") || plot.starts_with("throughput"));
    }
    let page = std::fs::read_to_string(out.join("experiment.html")).unwrap();
    assert!(page.contains("<span id=\"done\">5</span>"), "{page}");
    for link in ["compare/clients/compare.html", "cells/"] {
        assert!(page.contains(link), "{link}");
    }
    let without_namespace = page.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_namespace.contains("http://") && !without_namespace.contains("https://"),
        "the page is self-contained"
    );
    page_renders_in_chromium(&out.join("experiment.html"), &summary);
}

/// The page in a real browser (Debian's Chromium, headless): it parses into
/// the three charts, and the figures table has a row per combination and
/// label of `summary.json`. Skipped loudly without Chromium, unless
/// `STOREFRONT_REQUIRE_TOOLS` is set (the README's test command sets it).
fn page_renders_in_chromium(page: &Path, summary: &Value) {
    let Some(browser) = Chromium::find("experiment.html in a browser") else {
        return;
    };
    let dom = browser.dump_dom(&format!("file://{}", page.display()), &[]);
    assert_eq!(dom.matches("<svg").count(), 3, "three charts");
    let rows: usize = summary["analysis"]["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["labels"].as_array().unwrap().len())
        .sum();
    let figures = &dom[dom.find("<h2>Figures</h2>").expect("figures")..];
    let table = &figures[..figures.find("</table>").unwrap()];
    // The header row, then one per combination and label.
    assert_eq!(table.matches("<tr").count(), rows + 1, "{table}");
}

/// A seed file that makes a store, and a path that makes `up` fail.
fn seed_factor(dir: &Path) -> String {
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        r#"[{"name": "Tux", "price": 15.99, "quantity": 1000}]"#,
    )
    .unwrap();
    format!(
        r#"
repetitions = 2
seed = 11

[scenario.workload]
kind = "lab"
p = 0.5

[scenario.load]
model = "closed"
users = 2
hold = "1s"

[[factor]]
name = "catalog"
set = "store.settings.catalog.seed_file"
levels = ["{}", "{}"]
labels = ["good", "missing"]
"#,
        seed.display(),
        dir.join("no-such-seed.json").display()
    )
}

#[test]
fn the_lab2_series_preset_runs_a_whole_scenario_per_level_and_keeps_the_servers_side() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("series");
    let output = experiment(&[
        preset("lab2-series.toml").to_str().unwrap(),
        "--repetitions",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = read_json(&out.join("summary.json"));
    let combinations = summary["analysis"]["combinations"].as_array().unwrap();
    assert_eq!(combinations.len(), 10, "2 series x 5 client counts");
    for combination in combinations {
        let name = combination["name"].as_str().unwrap();
        let labels: Vec<&str> = combination["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["label"].as_str().unwrap())
            .collect();
        let clients: u64 = name.rsplit('=').next().unwrap().parse().unwrap();
        let (label, per_client) = if name.contains("series=queries") {
            ("query", 1000)
        } else {
            ("buy", 100)
        };
        assert_eq!(labels, [label, "TOTAL"], "{name}");
        assert_eq!(
            combination["labels"][0]["n"],
            clients * per_client,
            "{name}"
        );
        let gateway = &combination["server"]["gateway"];
        assert!(
            gateway["rss_bytes_peak"].as_u64().unwrap() > 0,
            "{name}: {combination}"
        );
    }
    let page = std::fs::read_to_string(out.join("experiment.md")).unwrap();
    assert!(page.contains("The server's side"), "{page}");
}

#[test]
fn a_managed_store_gets_an_admin_token_that_the_bookstore_workload_uses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bookstore.toml");
    std::fs::write(
        &file,
        r#"
[scenario.workload]
kind = "bookstore"
[scenario.load]
model = "closed"
users = 2
iterations = 2
[[factor]]
name = "users"
set = "scenario.load.users"
levels = [1, 2]
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = storefront()
        .args([
            "experiment",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env_remove("STOREFRONT_ADMIN_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let state = read_json(&out.join("experiment.json"));
    for cell in cells(&state) {
        assert_eq!(cell["status"], "done", "{cell}");
        assert_eq!(cell["errors"], 0, "every admin route answered: {cell}");
        assert_eq!(cell["invariants_hold"], true, "{cell}");
    }
}

#[test]
fn with_a_database_url_each_cell_runs_on_a_fresh_postgres_database_dropped_afterwards() {
    use storefront_service_kit::postgres::test_database::{URL_VAR, fresh_database};
    // Skips (or, where PostgreSQL is required, fails) as every PostgreSQL
    // test does; the experiment makes databases of its own on that server.
    let Some(_probe) = fresh_database() else {
        return;
    };
    let server = std::env::var(URL_VAR).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.toml");
    std::fs::write(
        &file,
        r#"
repetitions = 2
[scenario.workload]
kind = "lab"
p = 0.5
[scenario.load]
model = "closed"
users = 2
iterations = 20
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let args = [
        file.to_str().unwrap(),
        "--database-url",
        &server,
        "--out",
        out.to_str().unwrap(),
    ];
    let output = experiment(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let state = read_json(&out.join("experiment.json"));
    assert_eq!(cells(&state).len(), 2);
    for cell in cells(&state) {
        assert_eq!(cell["status"], "done", "{cell}");
        assert_eq!(cell["backend"], "postgres", "{cell}");
        assert_eq!(cell["invariants_hold"], true, "{cell}");
    }
    // Each cell's store really ran on PostgreSQL (no SQLite file was made),
    // and its database is gone.
    for cell in cells(&state) {
        let data = out
            .join("cells")
            .join(cell["id"].as_str().unwrap())
            .join("store-data");
        let sqlite: Vec<_> = std::fs::read_dir(&data)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "db"))
                    .collect()
            })
            .unwrap_or_default();
        assert!(sqlite.is_empty(), "{sqlite:?}");
        // The database URL (with its password) reached the store from the
        // environment, not from the config file kept with the results.
        let config = std::fs::read_to_string(data.with_file_name("store.toml")).unwrap();
        assert!(!config.contains("database_url"), "{config}");
    }
    let left = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::{Connection, Row};
        let mut conn = sqlx::PgConnection::connect(&server).await.unwrap();
        let row = sqlx::query("SELECT count(*) FROM pg_database WHERE datname LIKE 'sf\\_exp\\_%'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        row.get::<i64, _>(0)
    });
    assert_eq!(left, 0, "every cell's database was dropped");
}

#[test]
fn a_failed_cell_is_recorded_and_a_resume_runs_only_what_is_not_done() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seeds.toml");
    std::fs::write(&file, seed_factor(dir.path())).unwrap();
    let out = dir.path().join("out");
    let args = [file.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let output = experiment(&args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let state = read_json(&out.join("experiment.json"));
    let by_status = |status: &str| {
        cells(&state)
            .iter()
            .filter(|c| c["status"] == status)
            .map(|c| c["combination"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(by_status("done"), ["catalog=good", "catalog=good"]);
    assert_eq!(by_status("failed"), ["catalog=missing", "catalog=missing"]);
    for failed in cells(&state).iter().filter(|c| c["status"] == "failed") {
        let error = failed["error"].as_str().unwrap();
        assert!(error.contains("managed store"), "{error}");
    }
    assert!(stderr(&output).contains("2 failed"), "{}", stderr(&output));
    // The two good runs give figures over runs beside the pooled ones.
    let summary = read_json(&out.join("summary.json"));
    let good = &summary["analysis"]["combinations"][0];
    assert_eq!(good["name"], "catalog=good");
    let total = good["labels"].as_array().unwrap().last().unwrap();
    assert_eq!(total["between_runs"]["runs"], 2, "{total}");
    assert_eq!(
        total["between_runs"]["run_means"].as_array().unwrap().len(),
        2
    );
    let page = std::fs::read_to_string(out.join("experiment.md")).unwrap();
    assert!(page.contains("CI over runs"), "{page}");

    // The same folder again without --resume is refused, not overwritten.
    let again = experiment(&args);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--resume"), "{}", stderr(&again));

    // Resuming runs the failed cells again and leaves the done ones be.
    let mut resume = args.to_vec();
    resume.push("--resume");
    let resumed = experiment(&resume);
    assert_eq!(resumed.status.code(), Some(1), "{}", stderr(&resumed));
    let state = read_json(&out.join("experiment.json"));
    for cell in cells(&state) {
        let expected = if cell["status"] == "done" { 1 } else { 2 };
        assert_eq!(cell["attempts"], expected, "{cell}");
    }

    // Another definition in the same folder is refused.
    let mut changed = seed_factor(dir.path());
    changed = changed.replace("repetitions = 2", "repetitions = 3");
    std::fs::write(&file, changed).unwrap();
    let other = experiment(&resume);
    assert_eq!(other.status.code(), Some(1));
    assert!(
        stderr(&other).contains("different experiment"),
        "{}",
        stderr(&other)
    );
}

#[test]
fn an_invalid_level_is_refused_before_any_cell_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        r#"
[scenario.workload]
kind = "lab"
[scenario.load]
model = "closed"
users = 1
hold = "1s"
[[factor]]
name = "p"
set = "scenario.workload.p"
levels = [0.5, 1.5]
[[factor]]
name = "cache"
set = "store.settings.gateway.product_cahce"
levels = [true]
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = experiment(&[file.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("product_cahce"),
        "{}",
        stderr(&output)
    );
    assert!(!out.join("cells").exists(), "nothing ran");
    // With the setting spelt right, the level out of range is named.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("product_cahce", "product_cache");
    std::fs::write(&file, text).unwrap();
    let output = experiment(&[file.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("workload.p must be from 0 to 1"),
        "{message}"
    );
    assert!(message.contains("p=1.5"), "{message}");
    assert!(!out.join("cells").exists(), "nothing ran");
}

/// Starts a two-cell experiment on managed stores and returns once its
/// first cell is running (its folder has a JTL).
fn start_a_long_experiment() -> (tempfile::TempDir, PathBuf, PathBuf, std::process::Child) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.toml");
    std::fs::write(
        &file,
        r#"
repetitions = 1
[scenario.workload]
kind = "lab"
p = 0.2
[scenario.load]
model = "closed"
users = 1
hold = "2s"
[[factor]]
name = "clients"
set = "scenario.load.users"
levels = [1, 2]
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let child = storefront()
        .args(["experiment", file.to_str().unwrap(), "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first cell is running (its folder has a JTL).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        assert!(std::time::Instant::now() < deadline, "no cell started");
        let running = std::fs::read_dir(out.join("cells"))
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.path().join("results.jtl").exists())
            })
            .unwrap_or(false);
        if running {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (dir, file, out, child)
}

#[test]
fn ctrl_c_leaves_the_running_cell_pending_and_a_resume_finishes_the_experiment() {
    let (_dir, file, out, child) = start_a_long_experiment();
    let state_file = out.join("experiment.json");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(stderr(&output).contains("--resume"), "{}", stderr(&output));
    let state = read_json(&state_file);
    assert!(
        cells(&state).iter().any(|c| c["status"] == "pending"),
        "{state}"
    );
    assert!(cells(&state).iter().all(|c| c["status"] != "failed"));

    let resumed = experiment(&[
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let state = read_json(&state_file);
    assert!(
        cells(&state).iter().all(|c| c["status"] == "done"),
        "{state}"
    );
}

#[test]
fn sigterm_stops_the_running_cell_and_its_managed_store() {
    let (_dir, _file, out, child) = start_a_long_experiment();
    // The managed store runs in a process group of its own, so only the
    // experiment can stop it: find its processes by their config file.
    let cell_dirs = out.join("cells");
    let store_pids = processes_mentioning(cell_dirs.to_str().unwrap());
    assert!(!store_pids.is_empty(), "the managed store is not running");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(143), "{}", stderr(&output));
    let state = read_json(&out.join("experiment.json"));
    assert!(
        cells(&state).iter().any(|c| c["status"] == "pending"),
        "{state}"
    );
    let left: Vec<u32> = store_pids
        .into_iter()
        .filter(|pid| is_running(*pid))
        .collect();
    assert!(left.is_empty(), "store processes left running: {left:?}");
}

/// Pids of live processes whose command line mentions `text`.
fn processes_mentioning(text: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|line| String::from_utf8_lossy(&line).contains(text))
        })
        .filter(|pid| is_running(*pid))
        .collect()
}

/// Whether the process exists and is not a zombie waiting to be reaped.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the command name, which is in parentheses.
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}
