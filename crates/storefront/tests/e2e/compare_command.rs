//! `storefront compare`: the real binary on the two real JMeter logs, on
//! synthetic runs with a known shift and an identical copy, and on inputs
//! it must refuse with a clear message (never a panic).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const EXE: &str = env!("CARGO_BIN_EXE_storefront");

/// Runs `storefront compare` in `cwd`: (success, stdout, stderr).
fn compare_in(cwd: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(EXE)
        .current_dir(cwd)
        .arg("compare")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn jmeter_log(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/jmeter-bookstore")
        .join(name)
        .display()
        .to_string()
}

/// Latency-like values (a 20 ms floor and an exponential tail of mean
/// 30 ms) from a fixed xorshift stream, so the files are the same on every
/// run without a random-number dependency.
fn latencies(seed: u64, n: usize, shift: u64) -> Vec<u64> {
    let mut state = seed.max(1);
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let uniform = (state >> 11) as f64 / (1u64 << 53) as f64;
            20 + (-30.0 * (1.0 - uniform).ln()) as u64 + shift
        })
        .collect()
}

/// A JTL of `home` and `buy` samples started 100 ms apart.
fn write_jtl(path: &Path, seed: u64, shift: u64) {
    let mut text = String::from("timeStamp,elapsed,label,responseCode,success\n");
    for (i, elapsed) in latencies(seed, 400, shift).into_iter().enumerate() {
        let label = if i % 2 == 0 { "home" } else { "buy" };
        text.push_str(&format!(
            "{},{elapsed},{label},200,true\n",
            1_700_000_000_000u64 + 100 * i as u64
        ));
    }
    fs::write(path, text).unwrap();
}

fn read_json(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("compare.json")).unwrap()).unwrap()
}

fn pair<'a>(json: &'a Value, a: &str, b: &str, label: &str) -> &'a Value {
    json["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["a"] == a && p["b"] == b && p["label"] == label)
        .unwrap_or_else(|| panic!("no pair {a} / {b} / {label}"))
}

fn assert_self_contained(html: &str) {
    let outside = html
        .match_indices("http")
        .filter(|(i, _)| {
            let rest = &html[*i..];
            (rest.starts_with("http://") || rest.starts_with("https://"))
                && !rest.starts_with("http://www.w3.org/2000/svg")
        })
        .count();
    assert_eq!(outside, 0, "compare.html refers to something outside");
    assert!(!html.contains("<script") && !html.contains("<link"));
}

#[test]
fn a_known_shift_is_significant_in_its_direction_and_an_identical_copy_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.jtl");
    write_jtl(&base, 11, 0);
    // A result folder as `storefront load` leaves it: named by summary.json.
    let shifted = dir.path().join("run-b");
    fs::create_dir(&shifted).unwrap();
    write_jtl(&shifted.join("results.jtl"), 12, 25);
    fs::write(
        shifted.join("summary.json"),
        r#"{"run":{"scenario":"shifted"}}"#,
    )
    .unwrap();
    let copy = dir.path().join("copy.jtl");
    fs::copy(&base, &copy).unwrap();
    let out = dir.path().join("out");
    let (ok, stdout, stderr) = compare_in(
        dir.path(),
        &[
            base.to_str().unwrap(),
            shifted.to_str().unwrap(),
            copy.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--warmup",
            "10s",
            "--bootstrap",
            "200",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("shifted slower than base"), "{stdout}");
    let json = read_json(&out);
    // 3 scenarios, 3 pairs, each on home, buy and TOTAL.
    assert_eq!(json["pairs"].as_array().unwrap().len(), 9);
    for label in ["home", "buy", "TOTAL"] {
        let shift = pair(&json, "base", "shifted", label);
        assert_eq!(shift["significant"], true, "{shift}");
        assert_eq!(shift["verdict"], "shifted slower than base");
        assert!(shift["welch_t"].as_f64().unwrap() < 0.0);
        assert!(shift["effect_size"].as_f64().unwrap() > 0.0);
        assert!(shift["p_adjusted"].as_f64().unwrap() <= 0.05);
        for key in ["welch_df", "welch_p", "mann_whitney_u", "mann_whitney_p"] {
            assert!(shift[key].is_number(), "{key} in {shift}");
        }
        let same = pair(&json, "base", "copy", label);
        assert_eq!(same["significant"], false, "{same}");
        assert_eq!(same["verdict"], "no significant difference");
        assert!(same["p_adjusted"].as_f64().unwrap() > 0.05);
        let back = pair(&json, "shifted", "copy", label);
        assert_eq!(back["verdict"], "copy faster than shifted");
        // The study's t-test on the sampling distributions, beside it.
        let study = &shift["study_t_test"];
        assert!(study["t"].as_f64().unwrap() < 0.0, "{study}");
        assert!(study["mean_b"].as_f64().unwrap() > study["mean_a"].as_f64().unwrap());
    }
    // Warm-up: samples start every 100 ms, so the first 10 s hold 100.
    for scenario in json["scenarios"].as_array().unwrap() {
        assert_eq!(scenario["dropped_warmup"], 100, "{}", scenario["name"]);
        let total = scenario["labels"].as_array().unwrap().last().unwrap();
        assert_eq!(
            (total["label"].as_str(), total["n"].as_u64()),
            (Some("TOTAL"), Some(300))
        );
        let ci = &total["intervals"]["mean"];
        let mean = total["mean"].as_f64().unwrap();
        assert!(ci["low"].as_f64().unwrap() <= mean && mean <= ci["high"].as_f64().unwrap());
    }
    assert_eq!(json["options"]["warmup_ms"], 10_000);
    assert_eq!(json["options"]["bootstrap_resamples"], 200);
    assert_eq!(json["options"]["sample_size"], 50);
    assert!(
        fs::read_to_string(out.join("compare.md"))
            .unwrap()
            .contains("| TOTAL |")
    );
    let html = fs::read_to_string(out.join("compare.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("class=\"histogram\""));
    assert!(html.contains("id=\"study-test\""));
    let clt = fs::read_to_string(out.join("sampling-total.svg")).unwrap();
    assert!(clt.starts_with("<svg xmlns=") && clt.ends_with("</svg>"));
    assert_eq!(
        clt.matches("class=\"histogram\"").count(),
        3,
        "one per scenario"
    );
}

#[test]
fn fail_on_regression_exits_3_only_when_a_later_run_is_slower_than_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.jtl");
    write_jtl(&base, 11, 0);
    let slower = dir.path().join("slower.jtl");
    write_jtl(&slower, 12, 25);
    let faster = dir.path().join("faster.jtl");
    write_jtl(&faster, 13, 0);
    let gate = |a: &Path, b: &Path, extra: &[&str]| {
        let mut args = vec![a.to_str().unwrap(), b.to_str().unwrap()];
        args.extend_from_slice(&["--bootstrap", "100", "--fail-on-regression"]);
        args.extend_from_slice(extra);
        let stem = b.file_stem().unwrap().to_string_lossy();
        let out = dir.path().join(format!("out-{stem}-{}", extra.len()));
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let output = Command::new(EXE)
            .current_dir(dir.path())
            .arg("compare")
            .args(&args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, stdout) = gate(&base, &slower, &[]);
    assert_eq!(code, Some(3), "{stdout}");
    assert!(stdout.contains("regressions against base:"), "{stdout}");
    assert!(stdout.contains("TOTAL: slower slower"), "{stdout}");
    // The same pair is no regression when the bar is above its effect.
    let (code, stdout) = gate(&base, &slower, &["--min-effect", "0.99"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("no regression against base"), "{stdout}");
    // Faster, or no different, passes.
    let (code, stdout) = gate(&slower, &base, &[]);
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout) = gate(&base, &faster, &[]);
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn the_two_bookstore_logs_compare_into_a_default_results_folder() {
    let cwd = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = compare_in(
        cwd.path(),
        &[
            &jmeter_log("ramp-up-run-1.jtl"),
            &jmeter_log("ramp-up-run-4.jtl"),
            "--bootstrap",
            "50",
            "--samples",
            "200",
            "--seed",
            "7",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Jarque-Bera"),
        "the normality note: {stdout}"
    );
    let results: Vec<PathBuf> = fs::read_dir(cwd.path().join("results"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(results.len(), 1);
    let out = &results[0];
    assert!(
        out.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("compare-")
    );
    let json = read_json(out);
    let total = pair(&json, "ramp-up-run-1", "ramp-up-run-4", "TOTAL");
    assert_eq!(total["significant"], true);
    assert_eq!(total["verdict"], "ramp-up-run-4 slower than ramp-up-run-1");
    assert_eq!(json["options"]["seed"], 7);
    assert!(out.join("compare.md").is_file());
    assert_self_contained(&fs::read_to_string(out.join("compare.html")).unwrap());
}

#[test]
fn bad_inputs_fail_with_a_clear_message_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let missing = dir.path().join("missing.jtl");
    let not_jtl = dir.path().join("notes.txt");
    fs::write(&not_jtl, "just some notes\nnothing tabular\n").unwrap();
    let empty_folder = dir.path().join("empty");
    fs::create_dir(&empty_folder).unwrap();
    for (args, expected) in [
        (vec![missing.to_str().unwrap()], "does not exist"),
        (
            vec![not_jtl.to_str().unwrap()],
            "not a JMeter CSV result file",
        ),
        (vec![empty_folder.to_str().unwrap()], "without results.jtl"),
        (vec![], "required"),
        (
            vec![&jmeter_log("ramp-up-run-1.jtl"), "--alpha", "2"],
            "alpha",
        ),
        (
            vec![&jmeter_log("ramp-up-run-1.jtl"), "--warmup", "soon"],
            "not a duration",
        ),
    ] {
        let mut args = args;
        args.extend(["--out", out]);
        let (ok, _, stderr) = compare_in(dir.path(), &args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
