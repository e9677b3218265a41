//! Scenario files and flags: the shipped examples are valid, and every kind
//! of mistake is refused with a message that names the key or flag.

use std::path::{Path, PathBuf};

use clap::Parser;
use storefront_load::LoadArgs;
use storefront_load::scenario::{LoadModel, Workload};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: LoadArgs,
}

const TARGET: &str = "http://127.0.0.1:8080";

fn args(flags: &[&str]) -> LoadArgs {
    let mut argv = vec!["load"];
    argv.extend_from_slice(flags);
    Cli::try_parse_from(argv).unwrap().args
}

fn scenario_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn error_of(text: &str) -> String {
    let (_dir, path) = scenario_file(text);
    args(&["--scenario", path.to_str().unwrap()])
        .scenario(TARGET)
        .err()
        .unwrap_or_else(|| panic!("accepted:\n{text}"))
        .to_string()
}

#[test]
fn every_shipped_scenario_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let scenario = args(&["--scenario", path.to_str().unwrap()])
            .scenario(TARGET)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(scenario.name.is_some());
        seen += 1;
    }
    assert!(seen >= 4, "only {seen} scenarios");
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let err = error_of(
        "[workload]\nkind = \"lab\"\n[load]\nmodel = \"closed\"\nusers = 2\nhold = \"1s\"\nrampup = \"1s\"\n",
    );
    assert!(err.contains("rampup"), "{err}");
    let err = error_of(
        "[workload]\nkind = \"lab\"\nprobability = 0.2\n[load]\nmodel = \"closed\"\nusers = 2\nhold = \"1s\"\n",
    );
    assert!(err.contains("probability"), "{err}");
}

#[test]
fn bad_values_are_refused_naming_the_key() {
    let base = "[workload]\nkind = \"lab\"\n[load]\nmodel = \"closed\"\n";
    let err = error_of(&format!("{base}users = 0\nhold = \"1s\"\n"));
    assert!(err.contains("load.users"), "{err}");
    let err = error_of(&format!("{base}users = 2\nhold = \"ten seconds\"\n"));
    assert!(err.contains("hold") && err.contains("ten seconds"), "{err}");
    let err = error_of(&format!("{base}users = 2\n"));
    assert!(
        err.contains("load.hold") && err.contains("load.iterations"),
        "{err}"
    );
    let err = error_of(
        "[workload]\nkind = \"lab\"\np = 2\n[load]\nmodel = \"closed\"\nusers = 1\nhold = \"1s\"\n",
    );
    assert!(err.contains("workload.p"), "{err}");
    let err = error_of(
        "[workload]\nkind = \"lap\"\n[load]\nmodel = \"closed\"\nusers = 1\nhold = \"1s\"\n",
    );
    assert!(err.contains("lap"), "{err}");
    let err = error_of(
        "[workload]\nkind = \"lab\"\n[load]\nmodel = \"open\"\nstages = [{ rate = 10, from = 1, duration = \"1s\" }]\n",
    );
    assert!(err.contains("load.stages[0]"), "{err}");
    let err = error_of(
        "[workload]\nkind = \"custom\"\n[[workload.requests]]\npath = \"/products/{prodct}\"\n[load]\nmodel = \"closed\"\nusers = 1\nhold = \"1s\"\n",
    );
    assert!(
        err.contains("workload.requests[0].path") && err.contains("prodct"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = args(&["--scenario", "/nonexistent/s.toml"])
        .scenario(TARGET)
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/s.toml"), "{err}");
}

#[test]
fn flags_override_the_file_and_build_scenarios_alone() {
    let (_dir, path) = scenario_file(
        "[workload]\nkind = \"lab\"\np = 0.1\n[load]\nmodel = \"closed\"\nusers = 2\nhold = \"1s\"\n",
    );
    let s = args(&[
        "--scenario",
        path.to_str().unwrap(),
        "--users",
        "7",
        "--p",
        "0.9",
    ])
    .scenario(TARGET)
    .unwrap();
    let LoadModel::Closed(c) = &s.load else {
        panic!("closed")
    };
    assert_eq!(c.users, 7);
    assert!(matches!(s.workload, Workload::Lab { p } if p == 0.9));
    assert_eq!(s.target.as_deref(), Some(TARGET));

    let s = args(&[
        "--url",
        "http://127.0.0.1:9/x?y=1",
        "--connections",
        "5",
        "--duration",
        "2s",
    ])
    .scenario(TARGET)
    .unwrap();
    assert_eq!(s.target.as_deref(), Some("http://127.0.0.1:9"));
    assert!(
        matches!(&s.workload, Workload::Url { path, method, body: None } if path == "/x?y=1" && method == http::Method::GET)
    );

    let s = args(&["--rate", "10..100", "--ramp-up", "5s", "--hold", "3s"])
        .scenario(TARGET)
        .unwrap();
    let LoadModel::Open(o) = &s.load else {
        panic!("open")
    };
    assert_eq!(o.stages.len(), 2);
    assert_eq!(o.stages[0].rates(), (10.0, 100.0));
    assert_eq!(o.stages[1].rates(), (100.0, 100.0));

    for (flags, named) in [
        (vec!["--rate", "10", "--users", "3"], "--users"),
        (
            vec!["--users", "3", "--max-in-flight", "3"],
            "--max-in-flight",
        ),
        (vec!["--workload", "custom"], "--scenario"),
        (vec!["--workload", "shop", "--p", "0.3"], "--p"),
        (vec!["--rate", "fast"], "--rate"),
        (vec!["--url", "ftp://x:1/"], "--url"),
    ] {
        let err = args(&flags).scenario(TARGET).unwrap_err().to_string();
        assert!(err.contains(named), "{flags:?}: {err}");
    }
}

#[test]
fn thresholds_come_from_the_file_and_the_flags() {
    let (_dir, path) = scenario_file(
        "[workload]\nkind = \"lab\"\n[load]\nmodel = \"closed\"\nusers = 2\nhold = \"1s\"\n\
         [thresholds]\nTOTAL = [\"p99 < 50ms\", \"error_rate < 1%\"]\n\"Buy product\" = [\"p95 <= 0.2s\"]\n",
    );
    let scenario = args(&[
        "--scenario",
        path.to_str().unwrap(),
        "--threshold",
        "rps>=100",
    ])
    .scenario(TARGET)
    .unwrap();
    let exprs: Vec<String> = scenario.thresholds.iter().map(|t| t.to_string()).collect();
    assert_eq!(
        exprs,
        [
            "Buy product:p95 <= 0.2s",
            "p99 < 50ms",
            "error_rate < 1%",
            "rps >= 100"
        ]
    );
}

#[test]
fn bad_thresholds_are_refused_with_the_reason() {
    let err = error_of(
        "[workload]\nkind = \"lab\"\n[load]\nmodel = \"closed\"\nusers = 2\nhold = \"1s\"\n\
         [thresholds]\nTOTAL = [\"p99 < 50\"]\n",
    );
    assert!(err.contains("thresholds") && err.contains("unit"), "{err}");
    let err = Cli::try_parse_from(["load", "--threshold", "p98<5ms"])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unknown metric `p98`"), "{err}");
}
