//! The web storefront in a real browser: Debian's Chromium, driven through
//! chromedriver by `tests/browser/shop_trip.py` (Selenium from PyPI), takes
//! a shopper's whole trip and an admin's price change, and checks each page
//! with axe-core. A failure leaves a screenshot and the page's HTML in
//! `target/tmp/browser-screenshots/` (the message says which).

use std::process::Command;

use storefront_service_kit::test_support::{python, require_tool};

use crate::support::{ADMIN_TOKEN, Store};

const SEED: &str = r#"[
    {"name": "Tux", "price": 15.99, "quantity": 10},
    {"name": "Duck", "price": 2.50, "quantity": 10}
]"#;

#[test]
fn a_shopper_and_the_admin_use_the_shop_in_a_real_browser() {
    let found = which("chromedriver");
    if require_tool(found, "the browser trip", "apt-get install chromium-driver").is_none()
        || python::require_module("selenium", "selenium", "the browser trip").is_none()
        || python::require_module("axe_core_python", "axe-core-python", "the browser trip")
            .is_none()
    {
        return;
    }
    let store = Store::start_with_seed(SEED);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/shop_trip.py");
    let screenshots = concat!(env!("CARGO_TARGET_TMPDIR"), "/browser-screenshots");
    let output = Command::new("python3")
        .args([script, &store.gateway_url(), ADMIN_TOKEN, screenshots])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser trip failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("trip done"), "{stdout}");
    eprintln!("{stdout}");
}

fn which(program: &str) -> Option<()> {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(drop)
}
