//! The accept loop shared by every role: HTTP/1.1 keep-alive, slow-client
//! timeouts, a cap on open connections, and a graceful drain when the
//! shutdown token fires.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use metrics::{counter, gauge};
use serde::{Deserialize, Serialize};
use storefront_wire::metrics as names;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::Layer;

/// Limits that protect a service from slow, idle or greedy clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpLimits {
    /// Largest request body accepted (bytes); larger gets 413.
    pub max_body_bytes: usize,
    /// Time a client has to send a request's headers, and the longest an
    /// idle keep-alive connection is kept open waiting for the next request.
    pub header_timeout_ms: u64,
    /// Time a client has to send a request's body; slower gets 408.
    pub body_timeout_ms: u64,
    /// How long in-flight requests may take to finish at shutdown.
    pub drain_timeout_ms: u64,
    /// Connections served at once; one more is answered 503 `too many
    /// connections` and closed, so a flood of idle or slow connections
    /// cannot take every file descriptor and the memory with them. Keep the
    /// process's open-files limit (`ulimit -n`) above it.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024,
            header_timeout_ms: 10_000,
            body_timeout_ms: 10_000,
            drain_timeout_ms: 5_000,
            max_connections: 10_000,
        }
    }
}

impl HttpLimits {
    pub fn body_limits(&self) -> crate::json::BodyLimits {
        crate::json::BodyLimits {
            max_bytes: self.max_body_bytes,
            read_timeout: Duration::from_millis(self.body_timeout_ms),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then stops
/// accepting and gives open requests `drain_timeout_ms` to complete.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .keep_alive(true)
        // hyper applies this to the headers of every request on a connection,
        // including the wait for the next one, so idle sockets are closed too.
        .header_read_timeout(Duration::from_millis(limits.header_timeout_ms))
        .max_buf_size(64 * 1024);
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Semaphore::new(limits.max_connections));

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Usually EMFILE under overload: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(slot) = Arc::clone(&open).try_acquire_owned() else {
            counter!(names::HTTP_REFUSED_CONNECTIONS).increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        // Every request knows its connection's peer (`ConnectInfo`), e.g. to
        // count failed authentications per address.
        let service =
            TowerToHyperService::new(axum::Extension(ConnectInfo(peer)).layer(router.clone()));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let open_now = gauge!(names::HTTP_OPEN_CONNECTIONS);
        open_now.increment(1.0);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            open_now.decrement(1.0);
            drop(slot);
        });
    }

    drop(listener);
    let drain = Duration::from_millis(limits.drain_timeout_ms);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown deadline passed with requests still open");
    }
    Ok(())
}

/// The whole reply to a connection past `http.max_connections`.
const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 1\r\n\
connection: close\r\n\
content-length: 55\r\n\
\r\n\
{\"error\":{\"code\":503,\"message\":\"too many connections\"}}";

/// Answers 503 without reading the request, then closes gently: the write
/// side first, then whatever the client still sends is read and dropped for
/// up to a second, so the close is not a reset that could destroy the reply
/// before the client reads it.
async fn refuse(mut stream: TcpStream) {
    let answered = async {
        stream.write_all(TOO_MANY_CONNECTIONS).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), answered).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_well_formed_reply_with_the_error_body() {
        let text = std::str::from_utf8(TOO_MANY_CONNECTIONS).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], 503);
        assert_eq!(json["error"]["message"], "too many connections");
    }
}
