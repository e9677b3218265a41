//! Kept-alive [`Connection`]s to one peer, each used by one request at a
//! time in the caller's own task.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;

use super::{Connection, ExchangeError, Reply};

/// How long an idle connection is kept: shorter than the idle close of
/// every service (`http.header_timeout_ms`, 10 s by default). With a longer
/// one (it was 30 s) a pool reused connections the server was closing that
/// very moment, and the request failed: three checkouts in 900,000 requests
/// answered 503 that way in the bookstore experiment at 100 users.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// At most this many idle connections are kept; more are closed when they
/// come back. A burst opens as many as it needs.
const MAX_IDLE: usize = 1024;

pub struct ConnectionPool {
    /// `host:port` of the peer.
    authority: String,
    /// Most recently used last: taken from the back, so a few warm
    /// connections carry a light load and the rest age out at the front.
    idle: Mutex<VecDeque<Idle>>,
}

struct Idle {
    connection: Connection,
    since: Instant,
}

impl ConnectionPool {
    pub fn new(authority: &str) -> Self {
        Self {
            authority: authority.to_owned(),
            idle: Mutex::new(VecDeque::new()),
        }
    }

    /// Sends one request on an idle connection, or on a new one, within
    /// `timeout` in all. A `GET` or `HEAD` that finds its reused connection
    /// closed by the server is sent once more on a new one: the server
    /// closed it idle, so it never saw the request. Other methods are not
    /// resent, since the pool cannot tell that close from a crash half-way.
    pub async fn exchange(
        &self,
        method: &Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
        timeout: Duration,
    ) -> Result<Reply, ExchangeError> {
        let deadline = Instant::now() + timeout;
        if let Some(mut connection) = self.take() {
            match connection
                .exchange(method, path, headers, body.clone(), timeout)
                .await
            {
                Ok(reply) => {
                    self.give_back(connection);
                    return Ok(reply);
                }
                Err(error) if is_safe_to_resend(method, &error) => {}
                Err(error) => return Err(error),
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        let mut connection = Connection::open(&self.authority, remaining).await?;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let reply = connection
            .exchange(method, path, headers, body, remaining)
            .await?;
        self.give_back(connection);
        Ok(reply)
    }

    /// The most recently used idle connection still open, if any.
    fn take(&self) -> Option<Connection> {
        loop {
            let idle = self.lock().pop_back()?;
            // Checked outside the lock: it may cost a system call.
            if idle.since.elapsed() < IDLE_TIMEOUT && !idle.connection.is_closed() {
                return Some(idle.connection);
            }
        }
    }

    fn give_back(&self, connection: Connection) {
        if connection.is_closed() {
            return;
        }
        let mut idle = self.lock();
        while idle
            .front()
            .is_some_and(|oldest| oldest.since.elapsed() >= IDLE_TIMEOUT)
        {
            idle.pop_front();
        }
        if idle.len() < MAX_IDLE {
            idle.push_back(Idle {
                connection,
                since: Instant::now(),
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Idle>> {
        // The queue is consistent at every step, so a panic elsewhere while
        // it was held leaves nothing to repair.
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A reused connection failed in a way that means the server closed it
/// before reading the request, and the request may be sent again.
fn is_safe_to_resend(method: &Method, error: &ExchangeError) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
        && matches!(error, ExchangeError::Closed | ExchangeError::Io(_))
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(10);

    /// A server that answers `requests_per_connection` requests on each
    /// connection, then closes it; returns its address and a count of the
    /// connections it accepted.
    async fn server(
        requests_per_connection: usize,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    for _ in 0..requests_per_connection {
                        // Each test request is a bodiless GET in one segment.
                        if socket.read(&mut buffer).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if socket.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (authority, accepted)
    }

    async fn get(pool: &ConnectionPool) -> Result<Reply, ExchangeError> {
        pool.exchange(&Method::GET, "/", &[], None, TIMEOUT).await
    }

    #[tokio::test]
    async fn one_caller_after_another_reuses_one_connection() {
        let (authority, accepted) = server(usize::MAX).await;
        let pool = ConnectionPool::new(&authority);
        for _ in 0..5 {
            assert_eq!(&get(&pool).await.unwrap().body[..], b"ok");
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn concurrent_callers_each_get_a_connection_of_their_own() {
        let (authority, accepted) = server(usize::MAX).await;
        let pool = ConnectionPool::new(&authority);
        let (a, b, c) = tokio::join!(get(&pool), get(&pool), get(&pool));
        assert!(a.is_ok() && b.is_ok() && c.is_ok());
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(pool.lock().len(), 3);
    }

    #[tokio::test]
    async fn a_get_on_a_connection_the_server_closed_is_sent_again_on_a_new_one() {
        // The server closes each connection after one reply, but says
        // nothing: the pool finds out only when it reuses it.
        let (authority, accepted) = server(1).await;
        let pool = ConnectionPool::new(&authority);
        for _ in 0..3 {
            assert_eq!(&get(&pool).await.unwrap().body[..], b"ok");
        }
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_unreachable_peer_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        drop(listener);
        let pool = ConnectionPool::new(&authority);
        assert!(matches!(get(&pool).await, Err(ExchangeError::Connect(_))));
    }
}
