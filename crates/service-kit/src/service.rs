//! [`Service`]: the one shape in which every service starts.
//!
//! A service crate's `start(settings, store location, shutdown)` opens its
//! store, starts the background work its correctness depends on (the
//! orders' reconciler, the carts' resolver, a gateway's cache subscription)
//! and returns a `Service`. [`Service::run`] then serves it on a listener
//! until `shutdown` fires. The binary's `serve`, `storefront up`'s children
//! and the tests that start a service in-process all go through it, so none
//! can forget a step.

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{HttpLimits, serve};

type BuildRouter = Box<dyn FnOnce(&HttpLimits) -> Router + Send>;

/// A started service, ready to serve.
pub struct Service {
    router: BuildRouter,
    shutdown: CancellationToken,
}

impl Service {
    /// `router` builds the service's routes under the limits it is run with
    /// (the JSON body size and read deadline are part of the router).
    pub fn new(
        shutdown: CancellationToken,
        router: impl FnOnce(&HttpLimits) -> Router + Send + 'static,
    ) -> Self {
        Self {
            router: Box::new(router),
            shutdown,
        }
    }

    /// Serves on `listener` until the service's `shutdown` fires, then
    /// drains the requests in flight (see [`serve`]).
    pub async fn run(self, listener: TcpListener, limits: HttpLimits) -> std::io::Result<()> {
        let router = (self.router)(&limits);
        serve(listener, router, limits, self.shutdown).await
    }
}
