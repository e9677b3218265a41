//! `/docs` in a real browser, offline: Debian's Chromium loads the page
//! from the gateway headless, with every host but the gateway's made
//! unresolvable, and dumps the DOM Swagger UI built. The page must show the
//! document's title and one block per documented operation, which it can
//! only do by loading its script and `/openapi.json` from the gateway.
//!
//! Without Chromium the test is skipped with a loud message, unless
//! `STOREFRONT_REQUIRE_TOOLS` is set (CI installs Chromium and sets it).

mod support;

use std::path::PathBuf;

use support::RunningGateway;
use tokio::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
}

/// The DOM Chromium built from `url`, serialized.
async fn rendered_dom(browser: &PathBuf, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            // Nothing but the gateway resolves: a CDN or an online validator
            // could not load.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            // Lets Swagger UI's scripts run and its fetch finish before the
            // dump (virtual time: it does not advance while a load is open).
            "--virtual-time-budget=30000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_renders_every_operation_from_local_files_only() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("STOREFRONT_REQUIRE_TOOLS").is_none(),
            "STOREFRONT_REQUIRE_TOOLS is set but Chromium is not installed (apt-get install chromium)"
        );
        eprintln!(
            "\n!!! SKIPPED: Chromium not found, /docs not checked in a browser \
             (apt-get install chromium; set STOREFRONT_REQUIRE_TOOLS=1 to make this a failure) !!!\n"
        );
        return;
    };
    let gateway = RunningGateway::start().await;
    let document = gateway.document().await;
    let dom = rendered_dom(&browser, &format!("{}/docs", gateway.target)).await;

    assert!(
        dom.contains("class=\"title\">Storefront"),
        "no title in:\n{dom}"
    );
    assert!(
        dom.contains("btn authorize"),
        "no Authorize button (admin token scheme)"
    );
    for (path, item) in document["paths"].as_object().unwrap() {
        for operation in item.as_object().unwrap().values() {
            // Swagger UI gives each operation's block the id
            // `operations-<tag>-<operationId>`.
            let tag = operation["tags"][0].as_str().unwrap();
            let id = operation["operationId"].as_str().unwrap();
            let block = format!("id=\"operations-{tag}-{id}\"");
            assert!(dom.contains(&block), "{path}: no {block} in the page");
        }
    }
}
