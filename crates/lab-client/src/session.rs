//! One session: one connection, a sequence of requests, then verification
//! of every order it was given.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use storefront_wire::api::{OrderPlaced, OrderRecord, ProductQuote};
use storefront_wire::{Data, KeepAliveConnection, RawResponse};

use crate::stats::{RequestKind, SessionStats};
use crate::{ClientOptions, Mode};

/// An order as this session placed it.
struct Placed {
    number: u64,
    name: String,
    quantity: u32,
}

pub async fn run(options: ClientOptions, names: Vec<String>, seed: u64) -> SessionStats {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stats = SessionStats::default();
    let mut link = Link::new(&options.target, options.timeout);
    let mut placed = Vec::new();

    for _ in 0..options.iterations {
        match options.mode {
            Mode::Query => {
                link.query(&options.product, &mut stats).await;
            }
            Mode::Buy => {
                let quantity = options.quantity.pick(&mut rng);
                if let Some(order) = link.buy(&options.product, quantity, &mut stats).await {
                    placed.push(order);
                }
            }
            Mode::Mixed => {
                let name = &names[rng.random_range(0..names.len())];
                let in_stock = link
                    .query(name, &mut stats)
                    .await
                    .is_some_and(|q| q.quantity > 0);
                if in_stock
                    && rng.random_bool(options.p)
                    && let Some(order) = link
                        .buy(name, options.quantity.pick(&mut rng), &mut stats)
                        .await
                {
                    placed.push(order);
                }
            }
        }
    }

    for order in &placed {
        link.verify(order, &mut stats).await;
    }
    stats.orders_placed = placed.len() as u64;
    stats
}

/// The session's connection, reopened if the server closes it.
struct Link {
    target: String,
    timeout: Duration,
    connection: Option<KeepAliveConnection>,
}

impl Link {
    fn new(target: &str, timeout: Duration) -> Self {
        Self {
            target: target.to_owned(),
            timeout,
            connection: None,
        }
    }

    /// Sends one request, timing it; a transport failure drops the connection.
    async fn exchange(
        &mut self,
        kind: RequestKind,
        stats: &mut SessionStats,
        send: impl AsyncFnOnce(
            &mut KeepAliveConnection,
        ) -> Result<RawResponse, storefront_wire::ConnectionError>,
    ) -> Option<RawResponse> {
        let started = Instant::now();
        if self
            .connection
            .as_ref()
            .is_none_or(KeepAliveConnection::is_closed)
        {
            match KeepAliveConnection::connect_with_timeout(&self.target, self.timeout).await {
                Ok(c) => self.connection = Some(c),
                Err(_) => {
                    stats.record_transport_error(kind);
                    return None;
                }
            }
        }
        let connection = self.connection.as_mut()?;
        match send(connection).await {
            Ok(response) => {
                stats.record(kind, response.status.as_u16(), started.elapsed());
                Some(response)
            }
            Err(_) => {
                self.connection = None;
                stats.record_transport_error(kind);
                None
            }
        }
    }

    async fn query(&mut self, name: &str, stats: &mut SessionStats) -> Option<ProductQuote> {
        let path = format!(
            "/products/{}",
            storefront_wire::catalog_client::encode_segment(name)
        );
        let response = self
            .exchange(RequestKind::Query, stats, async |c| c.get(&path).await)
            .await?;
        response.status.is_success().then_some(())?;
        response.json::<Data<ProductQuote>>().ok().map(|d| d.data)
    }

    async fn buy(&mut self, name: &str, quantity: u32, stats: &mut SessionStats) -> Option<Placed> {
        let body = json!({ "name": name, "quantity": quantity });
        let response = self
            .exchange(RequestKind::Buy, stats, async |c| {
                c.post_json("/orders", &body).await
            })
            .await?;
        response.status.is_success().then_some(())?;
        let placed = response.json::<Data<OrderPlaced>>().ok()?.data;
        Some(Placed {
            number: placed.order_number,
            name: name.to_owned(),
            quantity,
        })
    }

    async fn verify(&mut self, order: &Placed, stats: &mut SessionStats) {
        let path = format!("/orders/{}", order.number);
        let Some(response) = self
            .exchange(RequestKind::Verify, stats, async |c| c.get(&path).await)
            .await
        else {
            stats
                .mismatches
                .push(format!("order {}: could not be read", order.number));
            return;
        };
        let record = response.json::<Data<OrderRecord>>().map(|d| d.data);
        match record {
            Ok(r)
                if r.number == order.number
                    && r.name == order.name
                    && r.quantity == order.quantity => {}
            Ok(r) => stats.mismatches.push(format!(
                "order {}: placed {} × {}, store has {} × {} (number {})",
                order.number, order.quantity, order.name, r.quantity, r.name, r.number
            )),
            Err(_) => stats.mismatches.push(format!(
                "order {}: answered {} {}",
                order.number,
                response.status,
                response.text()
            )),
        }
    }
}
