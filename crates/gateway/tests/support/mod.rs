//! A gateway running in-process on a free loopback port, its peers absent
//! (every call to one is refused, so routes that need them answer 503).

#![allow(dead_code)]

use std::net::TcpListener as StdListener;
use std::time::Duration;

use axum::body::Bytes;
use http::Method;
use serde_json::Value;
use storefront_gateway::GatewaySettings;
use storefront_service_kit::HttpLimits;
use storefront_wire::{KeepAliveConnection, RawResponse};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub const ADMIN_TOKEN: &str = "openapi-test-token";

/// A gateway serving on loopback until dropped.
pub struct RunningGateway {
    pub target: String,
    shutdown: CancellationToken,
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl RunningGateway {
    pub async fn start() -> Self {
        // A port nobody listens on: every call to a peer is refused (503).
        let absent = {
            let probe = StdListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", probe.local_addr().unwrap())
        };
        let settings = GatewaySettings {
            catalog_url: absent.clone(),
            orders_url: absent.clone(),
            carts_url: absent,
            peer_timeout: Duration::from_secs(5),
            admin_token: Some(ADMIN_TOKEN.into()),
            auth: Default::default(),
            product_cache: false,
        };
        let shutdown = CancellationToken::new();
        let gateway = storefront_gateway::start(settings, shutdown.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(gateway.run(listener, HttpLimits::default()));
        Self { target, shutdown }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        token: bool,
    ) -> RawResponse {
        let mut connection = KeepAliveConnection::connect(&self.target).await.unwrap();
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        let headers: &[(&str, &str)] = if token {
            &[("authorization", &bearer)]
        } else {
            &[]
        };
        let (bytes, content_type) = match body {
            Some(json) => (Bytes::from(json.to_owned()), Some("application/json")),
            None => (Bytes::new(), None),
        };
        connection
            .send_with_headers(method, path, bytes, content_type, headers)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub async fn document(&self) -> Value {
        let reply = self.send(Method::GET, "/openapi.json", None, false).await;
        assert_eq!(reply.status, 200);
        reply.json().unwrap()
    }
}
