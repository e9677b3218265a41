//! Debian's Chromium, headless, as the tests' real browser: it loads a page
//! and dumps the DOM its scripts built.

use std::path::PathBuf;
use std::process::Command;

use super::require_tool;

/// A Chromium binary found on `PATH`.
#[derive(Debug, Clone)]
pub struct Chromium {
    binary: PathBuf,
}

impl Chromium {
    /// The browser, or `None` after [`require_tool`]'s notice; `skipped`
    /// names what the calling test checks.
    pub fn find(skipped: &str) -> Option<Self> {
        let binary = ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .find_map(|name| {
                std::env::split_paths(&std::env::var_os("PATH")?)
                    .map(|dir| dir.join(name))
                    .find(|path| path.is_file())
            });
        require_tool(binary, skipped, "apt-get install chromium").map(|binary| Self { binary })
    }

    /// The DOM built from `url` (`file://…` or `http://…`), serialized.
    /// `extra` adds switches (say, `--virtual-time-budget` for a page that
    /// fetches). Blocks: from async code, call it on a blocking thread.
    pub fn dump_dom(&self, url: &str, extra: &[&str]) -> String {
        let profile = tempfile::tempdir().expect("a temporary profile directory");
        let output = Command::new(&self.binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
            ])
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--dump-dom")
            .arg(url)
            .output()
            .expect("chromium starts");
        assert!(
            output.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("the DOM is UTF-8")
    }
}
