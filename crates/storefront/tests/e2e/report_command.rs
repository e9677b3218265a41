//! `storefront report`: the real binary on a real JMeter log, on a JTL it
//! rebuilds in place, and on files it must refuse with a clear message.

use std::fs;
use std::path::Path;
use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_storefront");

fn report(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(EXE).arg("report").args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn jmeter_log() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/jmeter-bookstore/ramp-up-run-4.jtl")
        .display()
        .to_string()
}

#[test]
fn a_jmeter_log_gives_the_table_and_every_result_file() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let (ok, stdout, stderr) = report(&[&jmeter_log(), "--out", out_dir]);
    assert!(ok, "{stderr}");
    let header = stdout.lines().next().unwrap();
    assert!(
        header.starts_with("Label") && header.contains("90% Line") && header.ends_with("Std. Dev.")
    );
    assert!(stdout.contains("Product Catalog/Get products/products-0"));
    let total = stdout.lines().find(|l| l.starts_with("TOTAL")).unwrap();
    // 13,846 lines = the header and 13,845 samples.
    assert_eq!(total.split_whitespace().nth(1), Some("13845"));
    for file in [
        "aggregate.csv",
        "aggregate.md",
        "summary.json",
        "report.html",
    ] {
        assert!(out.path().join(file).is_file(), "{file} written");
    }
    // The CSV has JMeter's header and the same TOTAL figures as the table.
    let csv = fs::read_to_string(out.path().join("aggregate.csv")).unwrap();
    assert!(csv.starts_with("Label,# Samples,Average,Median,90% Line,95% Line,99% Line,Min,Max,Error %,Throughput,Received KB/sec,Sent KB/sec,Std. Dev.\n"));
    let csv_total: Vec<&str> = csv.lines().last().unwrap().split(',').collect();
    let table_total: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(csv_total, table_total);
}

#[test]
fn a_rebuilt_report_keeps_the_run_details_of_the_summary_beside_its_jtl() {
    let dir = tempfile::tempdir().unwrap();
    let jtl = dir.path().join("results.jtl");
    fs::write(
        &jtl,
        "timeStamp,elapsed,label,success\n1700000000000,10,home,true\n1700000000500,30,home,false\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("summary.json"),
        r#"{"run":{"scenario":"lab at 5 users","git_revision":"abc","host":"box","started":"s","ended":"e","extra":{"users":5}}}"#,
    )
    .unwrap();
    let (ok, stdout, stderr) = report(&[jtl.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("home"), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["run"]["scenario"], "lab at 5 users");
    assert_eq!(summary["run"]["extra"]["users"], 5);
    assert_eq!(summary["aggregate"]["total"]["samples"], 2);
    assert_eq!(summary["aggregate"]["total"]["errors"], 1);
    assert!(dir.path().join("report.html").is_file());
}

#[test]
fn a_missing_file_fails_with_its_name() {
    let out = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = report(&[
        "/no/such/results.jtl",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("cannot open /no/such/results.jtl"),
        "{stderr}"
    );
    assert!(!out.path().join("report.html").exists());
}

#[test]
fn a_file_that_is_not_a_jtl_fails_with_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("notes.csv");
    fs::write(&other, "name,age\nAda,36\n").unwrap();
    let (ok, _, stderr) = report(&[
        other.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("is not a JMeter CSV result file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("timeStamp, elapsed, label, success"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_row_fails_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let jtl = dir.path().join("bad.jtl");
    fs::write(
        &jtl,
        "timeStamp,elapsed,label,success\n1000,5,a,true\n1001,5,a,maybe\n",
    )
    .unwrap();
    let (ok, _, stderr) = report(&[jtl.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("line 3") && stderr.contains("success"),
        "{stderr}"
    );
}
