//! A virtual user: its own keep-alive connection (reopened when the server
//! closes it), its random choices and its way to record samples.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::Method;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio_util::sync::CancellationToken;

use crate::recorder::{Observation, SampleSink};
use storefront_wire::http1::{Connection, Endpoint, Reply};

/// Which replies count as success for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Any 2xx.
    Success,
    /// Any 2xx, or 409: the store refused for lack of stock, which is an
    /// expected outcome of a buy, not an error.
    SuccessOrConflict,
    /// A form post's answers: 303 (it worked; the page to see next) or
    /// 409 (refused for lack of stock; the page says why).
    RedirectOrConflict,
    /// Exactly this status.
    Status(u16),
}

impl Expect {
    fn judge(self, status: u16) -> Result<(), String> {
        let ok = match self {
            Expect::Success => (200..300).contains(&status),
            Expect::SuccessOrConflict => (200..300).contains(&status) || status == 409,
            Expect::RedirectOrConflict => matches!(status, 303 | 409),
            Expect::Status(expected) => status == expected,
        };
        match (ok, self) {
            (true, _) => Ok(()),
            (false, Expect::Status(expected)) => Err(format!("expected {expected}, got {status}")),
            (false, _) => Err(format!("unexpected status {status}")),
        }
    }
}

/// What a request came to, as the workload needs it.
pub enum Answer {
    Reply(Reply),
    /// No reply: a connection failure or a timeout. For a buy, its outcome
    /// is unknown.
    Failed,
    /// The run is stopping (Ctrl-C), so the request was never sent.
    NotSent,
}

impl Answer {
    pub fn status(&self) -> Option<u16> {
        match self {
            Answer::Reply(r) => Some(r.status),
            Answer::Failed | Answer::NotSent => None,
        }
    }

    pub fn body(&self) -> Option<&[u8]> {
        match self {
            Answer::Reply(r) => Some(&r.body),
            Answer::Failed | Answer::NotSent => None,
        }
    }
}

/// Where and how every user's requests go: the same for a whole run.
#[derive(Clone)]
pub struct Target {
    /// The server, over TCP or TLS.
    pub endpoint: Arc<Endpoint>,
    /// Longest wait for a connection or a reply.
    pub timeout: Duration,
    /// Sent with every request, after the request's own.
    pub headers: Arc<[(String, String)]>,
}

pub struct User {
    /// 1-based, as in JMeter's thread names.
    pub id: u64,
    pub rng: StdRng,
    target: Target,
    connection: Option<Connection>,
    sink: SampleSink,
    active: Arc<AtomicU32>,
    stop: CancellationToken,
    /// When the current iteration was due (open model): its first request
    /// is timed from then, so waiting for a free slot shows as latency.
    pub due: Option<(Instant, SystemTime)>,
    /// The customer this user shops as (shop and bookstore workloads).
    pub customer: Option<crate::workload::Customer>,
    /// The cookies this user's browser keeps (web workload).
    pub page_session: crate::workload::PageSession,
}

impl User {
    pub fn new(
        id: u64,
        seed: u64,
        target: Target,
        sink: SampleSink,
        active: Arc<AtomicU32>,
        stop: CancellationToken,
    ) -> Self {
        Self {
            id,
            rng: StdRng::seed_from_u64(seed.wrapping_add(id.wrapping_mul(0x9E37_79B9_7F4A_7C15))),
            target,
            connection: None,
            sink,
            active,
            stop,
            due: None,
            customer: None,
            page_session: Default::default(),
        }
    }

    /// Sends one request and records it as a sample labelled `label`.
    /// Once the run is stopping nothing new is sent, but a request already
    /// sent is seen through, so no buy's outcome is lost to Ctrl-C.
    pub async fn request(
        &mut self,
        label: &Arc<str>,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
        expect: Expect,
    ) -> Answer {
        if self.stop.is_cancelled() {
            return Answer::NotSent;
        }
        let (started, wall) = self
            .due
            .take()
            .unwrap_or_else(|| (Instant::now(), SystemTime::now()));
        let mut connect = Duration::ZERO;
        if self.connection.as_ref().is_none_or(Connection::is_closed) {
            let opening = Instant::now();
            match Connection::open_to(&self.target.endpoint, self.target.timeout).await {
                Ok(c) => self.connection = Some(c),
                Err(e) => {
                    self.record_failure(label, path, started, wall, e.to_string());
                    return Answer::Failed;
                }
            }
            connect = opening.elapsed();
        }
        let merged;
        let headers = if self.target.headers.is_empty() {
            headers
        } else {
            merged = with_extra(headers, &self.target.headers);
            &merged[..]
        };
        let connection = self.connection.as_mut().expect("connected above");
        match connection
            .exchange(&method, path, headers, body, self.target.timeout)
            .await
        {
            Ok(reply) => {
                let verdict = expect.judge(reply.status);
                self.sink.record(Observation {
                    started_us: epoch_us(wall),
                    elapsed: started.elapsed(),
                    latency: reply.latency + connect,
                    connect,
                    label: label.clone(),
                    code: Ok(reply.status),
                    success: verdict.is_ok(),
                    failure: verdict.err().unwrap_or_default(),
                    bytes: reply.received_bytes,
                    sent_bytes: reply.sent_bytes,
                    user: self.id,
                    active_users: self.active.load(Ordering::Relaxed),
                    url: path.to_owned(),
                });
                Answer::Reply(reply)
            }
            Err(e) => {
                // The connection's state is unknown: start afresh next time.
                self.connection = None;
                self.record_failure(label, path, started, wall, e.to_string());
                Answer::Failed
            }
        }
    }

    fn record_failure(
        &mut self,
        label: &Arc<str>,
        path: &str,
        started: Instant,
        wall: SystemTime,
        reason: String,
    ) {
        self.sink.record(Observation {
            started_us: epoch_us(wall),
            elapsed: started.elapsed(),
            latency: Duration::ZERO,
            connect: Duration::ZERO,
            label: label.clone(),
            code: Err(reason.clone()),
            success: false,
            failure: reason,
            bytes: 0,
            sent_bytes: 0,
            user: self.id,
            active_users: self.active.load(Ordering::Relaxed),
            url: path.to_owned(),
        });
    }

    /// Sends the samples batched so far (at the end of a user's life).
    pub fn flush(&mut self) {
        self.sink.send();
    }
}

/// The request's own headers, then each extra one it does not name.
fn with_extra<'a>(
    own: &[(&'a str, &'a str)],
    extra: &'a [(String, String)],
) -> Vec<(&'a str, &'a str)> {
    let mut all = own.to_vec();
    all.extend(
        extra
            .iter()
            .filter(|(name, _)| !own.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    all
}

pub fn epoch_us(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

#[cfg(test)]
mod tests {
    use super::with_extra;

    #[test]
    fn extra_headers_follow_and_never_override_the_requests_own() {
        let extra = [
            ("authorization".to_owned(), "Bearer extra".to_owned()),
            ("x-tenant".to_owned(), "t1".to_owned()),
        ];
        let own = [("Authorization", "Bearer own")];
        assert_eq!(
            with_extra(&own, &extra),
            [("Authorization", "Bearer own"), ("x-tenant", "t1")]
        );
        assert_eq!(with_extra(&[], &extra).len(), 2);
    }
}
