//! `storefront serve <role>`: open the role's store, bind, announce, serve.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use storefront_catalog::SqliteCatalogStore;
use storefront_gateway::Gateway;
use storefront_orders::reconciler::Reconciler;
use storefront_orders::{OrderDesk, OrdersStore, SqliteOrdersStore};
use storefront_service_kit::shutdown;
use storefront_wire::CatalogClient;
use tokio::net::TcpListener;

use crate::cli::Role;
use crate::config::Config;

/// The line a role prints on stdout once it accepts requests; `up` and the
/// tests read the address from it.
pub fn announcement(role: Role, address: SocketAddr) -> String {
    format!("storefront {} listening on http://{address}", role.name())
}

pub async fn serve(role: Role, config: Config) -> anyhow::Result<()> {
    let listen = match role {
        Role::Gateway => config.gateway.listen,
        Role::Catalog => config.catalog.listen,
        Role::Orders => config.orders.listen,
    };
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let shutdown = shutdown::on_signal();
    let limits = config.http;

    match role {
        Role::Catalog => {
            let seed = storefront_catalog::seed::load(config.catalog.seed_file.as_deref())
                .map_err(anyhow::Error::msg)?;
            let store = SqliteCatalogStore::open(&config.catalog_db(), &seed)
                .await
                .with_context(|| format!("cannot open {}", config.catalog_db().display()))?;
            announce(role, address);
            storefront_catalog::run(listener, Arc::new(store), limits, shutdown).await?;
        }
        Role::Orders => {
            let store = Arc::new(
                SqliteOrdersStore::open(&config.orders_db())
                    .await
                    .with_context(|| format!("cannot open {}", config.orders_db().display()))?,
            );
            let catalog = CatalogClient::new(
                &config.catalog.url,
                Duration::from_millis(config.orders.catalog_timeout_ms),
            );
            let pending = store.pending_keys(Duration::ZERO).await?;
            let reconciler = Reconciler::spawn(
                Arc::clone(&store),
                catalog.clone(),
                pending,
                shutdown.clone(),
            );
            let desk = Arc::new(OrderDesk::new(store, catalog, reconciler));
            announce(role, address);
            storefront_orders::run(listener, desk, limits, shutdown).await?;
        }
        Role::Gateway => {
            let mut gateway = Gateway::new(
                &config.catalog.url,
                &config.orders.url,
                Duration::from_millis(config.gateway.peer_timeout_ms),
            );
            if config.gateway.product_cache {
                gateway = gateway.with_product_cache(&config.catalog.url, shutdown.clone());
            }
            announce(role, address);
            storefront_gateway::run(listener, Arc::new(gateway), limits, shutdown).await?;
        }
    }
    tracing::info!(role = role.name(), "stopped");
    Ok(())
}

fn announce(role: Role, address: SocketAddr) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", announcement(role, address));
    let _ = stdout.flush();
    tracing::info!(role = role.name(), %address, "listening");
}
