//! `GET /ready`: whether this process can do its work now, as opposed to
//! `/health`, which says only that it is up.
//!
//! A service lists what it needs in a [`Readiness`]: its database (a query
//! through the same pool or writer its requests use) and the peers it calls
//! (each answers its `/health`). Every check runs at once, each within
//! [`CHECK_TIMEOUT`], so a probe answers within that time whatever hangs.
//! Ready is `200 {"data": {"role", "status": "ready", "checks"}}`; not
//! ready is `503` in the error envelope, naming each failed check.
//!
//! A peer counts as reachable when its `/health` answers, not its `/ready`:
//! otherwise one database outage would take every service that calls the
//! one that uses it out of its load balancer, and clients would meet
//! refused connections instead of a clear 503 from the gateway.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use storefront_wire::ServiceClient;
use storefront_wire::internal::Ready;
use tokio::task::JoinSet;

use crate::{ApiError, data};

/// How long one check may take before it counts as failed. Below the
/// Kubernetes probes' `timeoutSeconds` (3 s in `deploy/kubernetes`), so a
/// probe gets the answer that names the slow check rather than timing out.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

type CheckFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
type Check = Box<dyn Fn() -> CheckFuture + Send + Sync>;

/// What one service needs in order to serve: cheap to clone.
#[derive(Clone)]
pub struct Readiness {
    role: &'static str,
    checks: Arc<Vec<(&'static str, Check)>>,
}

impl Readiness {
    /// A service of `role` with nothing to check yet.
    pub fn new(role: &'static str) -> Self {
        Self {
            role,
            checks: Arc::new(Vec::new()),
        }
    }

    /// Adds a check named `name` (`database`, a peer's role): `Ok` when
    /// that dependency can be used now, or why not.
    pub fn check<F, Fut>(mut self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let boxed: Check = Box::new(move || Box::pin(check()));
        Arc::get_mut(&mut self.checks)
            .expect("checks are added before the Readiness is shared")
            .push((name, boxed));
        self
    }

    /// Adds a check, named after the peer's role, that `peer` answers its
    /// `/health`.
    pub fn peer(self, peer: &impl AsRef<ServiceClient>) -> Self {
        let peer = peer.as_ref().clone();
        self.check(peer.service(), move || {
            let peer = peer.clone();
            async move {
                peer.get_unparsed("/health", None)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        })
    }

    /// Runs every check at once, each within `timeout`; each failure with
    /// its reason.
    async fn failures(&self, timeout: Duration) -> Vec<(&'static str, String)> {
        let mut running = JoinSet::new();
        for (name, check) in self.checks.iter() {
            let check = check();
            let name = *name;
            running.spawn(async move {
                let outcome = match tokio::time::timeout(timeout, check).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(format!("no answer within {timeout:?}")),
                };
                (name, outcome)
            });
        }
        let mut failures = Vec::new();
        while let Some(joined) = running.join_next().await {
            match joined {
                Ok((_, Ok(()))) => {}
                Ok((name, Err(why))) => failures.push((name, why)),
                Err(panicked) => failures.push(("check", panicked.to_string())),
            }
        }
        failures.sort();
        failures
    }
}

/// `GET /ready`.
pub async fn ready(State(readiness): State<Readiness>) -> Response {
    let failures = readiness.failures(CHECK_TIMEOUT).await;
    if failures.is_empty() {
        return data(Ready {
            role: readiness.role.into(),
            status: "ready".into(),
            checks: readiness
                .checks
                .iter()
                .map(|(name, _)| ((*name).into(), "ok".into()))
                .collect(),
        });
    }
    let reasons: Vec<String> = failures
        .iter()
        .map(|(name, why)| format!("{name}: {why}"))
        .collect();
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("{} is not ready: {}", readiness.role, reasons.join("; ")),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_failed_check_is_named_and_a_hung_one_times_out() {
        let readiness = Readiness::new("orders")
            .check("database", || async { Ok(()) })
            .check("catalog", || async {
                Err("connection refused".to_string())
            })
            .check("slow", std::future::pending);
        let failures = readiness.failures(Duration::from_millis(50)).await;
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert_eq!(failures[0], ("catalog", "connection refused".to_string()));
        assert_eq!(failures[1].0, "slow");
        assert!(failures[1].1.contains("no answer"), "{failures:?}");
    }

    #[tokio::test]
    async fn nothing_to_check_is_ready() {
        let readiness = Readiness::new("gateway");
        assert!(readiness.failures(CHECK_TIMEOUT).await.is_empty());
    }
}
