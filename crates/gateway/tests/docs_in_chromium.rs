//! `/docs` in a real browser, offline: Debian's Chromium loads the page
//! from the gateway headless, with every host but the gateway's made
//! unresolvable, and dumps the DOM Swagger UI built. The page must show the
//! document's title and one block per documented operation, which it can
//! only do by loading its script and `/openapi.json` from the gateway.
//!
//! Without Chromium the test is skipped with a loud message, unless
//! `STOREFRONT_REQUIRE_TOOLS` is set (CI installs Chromium and sets it).

mod support;

use storefront_service_kit::test_support::Chromium;
use support::RunningGateway;

/// The DOM Chromium built from `url`, serialized.
async fn rendered_dom(browser: Chromium, url: String) -> String {
    tokio::task::spawn_blocking(move || {
        browser.dump_dom(
            &url,
            &[
                // Nothing but the gateway resolves: a CDN or an online
                // validator could not load.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                // Lets Swagger UI's scripts run and its fetch finish before
                // the dump (virtual time: it does not advance while a load
                // is open).
                "--virtual-time-budget=30000",
            ],
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_renders_every_operation_from_local_files_only() {
    let Some(browser) = Chromium::find("/docs in a browser") else {
        return;
    };
    let gateway = RunningGateway::start().await;
    let document = gateway.document().await;
    let dom = rendered_dom(browser, format!("{}/docs", gateway.target)).await;

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
