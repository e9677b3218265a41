//! Runs `storefront load` (the real binary) and reads what it wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use storefront_report::jtl::{Sample, read_jtl};
use tempfile::TempDir;

use crate::support::{EXE, Store};

/// A finished run: its exit status, output and results folder.
pub struct Run {
    pub output: Output,
    pub dir: TempDir,
}

impl Run {
    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Fails the test with everything the command said unless it exited 0.
    pub fn assert_success(&self) -> &Self {
        assert_eq!(
            self.code(),
            Some(0),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    pub fn samples(&self) -> Vec<Sample> {
        read_jtl(&self.out().join("results.jtl"))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// Samples per label.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for s in self.samples() {
            *counts.entry(s.label).or_default() += 1;
        }
        counts
    }

    pub fn summary(&self) -> Value {
        let text = std::fs::read_to_string(self.out().join("summary.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    pub fn extra(&self) -> Value {
        self.summary()["run"]["extra"].clone()
    }
}

/// `storefront load ARGS --out <fresh dir>/out`, to the end.
pub fn load(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let output = command(args, dir.path()).output().unwrap();
    Run { output, dir }
}

/// `storefront load --target <the store's gateway>` with `flags`, written
/// as on a command line (split on whitespace).
pub fn load_on(store: &Store, flags: &str) -> Run {
    let target = store.gateway_url();
    let mut args = vec!["--target", target.as_str()];
    args.extend(flags.split_whitespace());
    load(&args)
}

pub fn command(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(EXE);
    command
        .arg("load")
        .args(args)
        .arg("--out")
        .arg(dir.join("out"))
        .env_remove("STOREFRONT_CONFIG")
        .env_remove("STOREFRONT_ADMIN_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A small catalog whose stock runs out during a run, so buys meet 409s.
pub const SCARCE_SEED: &str = r#"[
  {"name": "Tux", "price": 15.99, "quantity": 25},
  {"name": "Whale", "price": 34.99, "quantity": 25},
  {"name": "Rubber Duck", "price": 4.50, "quantity": 25},
  {"name": "Kite", "price": 9.99, "quantity": 3}
]"#;
