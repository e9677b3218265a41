//! The open model cannot hide a slow server: against a server that takes
//! 100 ms per request, with one request in flight at a time and arrivals
//! due every 50 ms, each sample is timed from when it was *due*, so the
//! queueing shows in the figures, and the arrivals that had to wait are
//! counted late.

use std::time::Duration;

use crate::load_support::load;
use axum::Router;
use axum::routing::get;

const SERVICE_TIME: Duration = Duration::from_millis(100);

async fn slow_server() -> String {
    let app = Router::new().route(
        "/",
        get(|| async {
            tokio::time::sleep(SERVICE_TIME).await;
            "ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_server_shows_as_latency_from_the_due_time() {
    let url = slow_server().await;
    let run = tokio::task::spawn_blocking(move || {
        load(&[
            "--url",
            &url,
            "--rate",
            "20",
            "--hold",
            "1s",
            "--max-in-flight",
            "1",
            "--max-backlog",
            "100",
        ])
    })
    .await
    .unwrap();
    run.assert_success();
    let open = &run.extra()["open_model"];
    assert_eq!(open["scheduled"], 20, "{open}");
    assert_eq!(open["started"], 20, "{open}");
    assert_eq!(open["dropped"], 0, "{open}");
    // Every request after the first was due before the one ahead of it had
    // been served (50 ms apart, 100 ms each), so all of them were late.
    assert_eq!(open["late"], 19, "{open}");

    let mut samples = run.samples();
    samples.sort_by_key(|s| s.time_stamp_ms);
    // One at a time, so each sample ends after the one before it. Timed
    // from the send instead, a sample would seem to end as soon as its due
    // time plus one service time, long before the one ahead of it did.
    // (2 ms: the timestamp and the elapsed time are each rounded down.)
    for pair in samples.windows(2) {
        let end = |s: &storefront_report::jtl::Sample| s.time_stamp_ms + s.elapsed_ms as i64;
        assert!(
            end(&pair[1]) + 2 >= end(&pair[0]),
            "{:?}",
            (end(&pair[0]), end(&pair[1]))
        );
    }
    // The last was due 950 ms in and could not start before 19 service
    // times had passed: at least 1,900 − 950 ms of its time was waiting.
    let last = samples.last().unwrap();
    let least = 19 * SERVICE_TIME.as_millis() as u64 - 950 + SERVICE_TIME.as_millis() as u64;
    assert!(
        last.elapsed_ms >= least - 2,
        "{} < {least}",
        last.elapsed_ms
    );
}
