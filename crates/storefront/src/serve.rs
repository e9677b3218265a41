//! `storefront serve <role>`: open the role's store, bind, announce, serve.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use storefront_catalog::{CatalogStore, PostgresCatalogStore, SqliteCatalogStore};
use storefront_gateway::{Gateway, Peers};
use storefront_orders::reconciler::{Reconciler, STUCK_AFTER};
use storefront_orders::{OrderDesk, OrdersStore, PostgresOrdersStore, SqliteOrdersStore};
use storefront_service_kit::database::DatabaseLocation;
use storefront_service_kit::{HttpLimits, shutdown};
use storefront_wire::{CatalogClient, OrdersClient};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cli::Role;
use crate::config::Config;

/// The line a role prints on stdout once it accepts requests; `up` and the
/// tests read the address from it.
pub fn announcement(role: Role, address: SocketAddr) -> String {
    format!("storefront {} listening on http://{address}", role.name())
}

pub async fn serve(role: Role, config: Config) -> anyhow::Result<()> {
    let listen = config.listen(role);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let shutdown = shutdown::on_signal();
    let served = Served {
        role,
        listener,
        address,
        limits: config.http,
        shutdown,
    };
    match role {
        Role::Catalog => serve_catalog(served, &config).await?,
        Role::Orders => serve_orders(served, &config).await?,
        Role::Carts => serve_carts(served, &config).await?,
        Role::Gateway => serve_gateway(served, &config).await?,
    }
    tracing::info!(role = role.name(), "stopped");
    Ok(())
}

/// A bound role, ready to announce itself and serve.
struct Served {
    role: Role,
    listener: TcpListener,
    address: SocketAddr,
    limits: HttpLimits,
    shutdown: CancellationToken,
}

impl Served {
    fn announce(&self) {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", announcement(self.role, self.address));
        let _ = stdout.flush();
        tracing::info!(role = self.role.name(), address = %self.address, "listening");
    }
}

/// The role's database: its schema on the PostgreSQL server when a URL is
/// configured, else its own SQLite file.
fn location(
    config: &Config,
    role: Role,
    sqlite: std::path::PathBuf,
) -> anyhow::Result<DatabaseLocation> {
    let location = DatabaseLocation::choose(config.database_url.as_deref(), role.name(), sqlite)?;
    tracing::info!(role = role.name(), %location, "opening store");
    Ok(location)
}

async fn serve_catalog(served: Served, config: &Config) -> anyhow::Result<()> {
    let seed = storefront_catalog::seed::load(config.catalog.seed_file.as_deref())
        .map_err(anyhow::Error::msg)?;
    match location(config, Role::Catalog, config.catalog_db())? {
        DatabaseLocation::Sqlite(path) => {
            let store = SqliteCatalogStore::open(&path, &seed)
                .await
                .with_context(|| format!("cannot open {}", path.display()))?;
            run_catalog(served, store).await
        }
        DatabaseLocation::Postgres { url, schema } => {
            let store = PostgresCatalogStore::open(&url, &schema, &seed)
                .await
                .with_context(|| format!("cannot open the catalog in schema {schema}"))?;
            run_catalog(served, store).await
        }
    }
}

async fn run_catalog<S: CatalogStore>(served: Served, store: S) -> anyhow::Result<()> {
    served.announce();
    storefront_catalog::run(
        served.listener,
        Arc::new(store),
        served.limits,
        served.shutdown,
    )
    .await?;
    Ok(())
}

async fn serve_orders(served: Served, config: &Config) -> anyhow::Result<()> {
    match location(config, Role::Orders, config.orders_db())? {
        DatabaseLocation::Sqlite(path) => {
            let store = SqliteOrdersStore::open(&path)
                .await
                .with_context(|| format!("cannot open {}", path.display()))?;
            run_orders(served, config, store).await
        }
        DatabaseLocation::Postgres { url, schema } => {
            let store = PostgresOrdersStore::open(&url, &schema)
                .await
                .context("cannot open the orders store")?;
            run_orders(served, config, store).await
        }
    }
}

async fn run_orders<S: OrdersStore>(
    served: Served,
    config: &Config,
    store: S,
) -> anyhow::Result<()> {
    let store = Arc::new(store);
    let catalog = CatalogClient::new(
        &config.catalog.url,
        Duration::from_millis(config.orders.catalog_timeout_ms),
    );
    // Every attempt whose owner is gone (this file's previous process; a
    // dead replica on PostgreSQL), but not what live replicas are doing.
    let pending = store.pending_keys(STUCK_AFTER).await?;
    let reconciler = Reconciler::spawn(
        Arc::clone(&store),
        catalog.clone(),
        pending,
        served.shutdown.clone(),
    );
    let desk = Arc::new(OrderDesk::new(store, catalog, reconciler));
    served.announce();
    storefront_orders::run(served.listener, desk, served.limits, served.shutdown).await?;
    Ok(())
}

async fn serve_carts(served: Served, config: &Config) -> anyhow::Result<()> {
    let peer_timeout = Duration::from_millis(config.gateway.peer_timeout_ms);
    let catalog = CatalogClient::new(&config.catalog.url, peer_timeout);
    let orders = OrdersClient::new(&config.orders.url, peer_timeout);
    let location = location(config, Role::Carts, config.carts_db())?;
    let carts = storefront_carts::Carts::open(
        &location,
        catalog,
        orders,
        Duration::from_millis(config.carts.checkout_retry_ms),
        served.shutdown.clone(),
    )
    .await
    .context("cannot open the carts store")?;
    served.announce();
    storefront_carts::run(served.listener, carts, served.limits, served.shutdown).await?;
    Ok(())
}

async fn serve_gateway(served: Served, config: &Config) -> anyhow::Result<()> {
    let peers = Peers {
        catalog: &config.catalog.url,
        orders: &config.orders.url,
        carts: &config.carts.url,
    };
    let mut gateway = Gateway::new(
        peers,
        Duration::from_millis(config.gateway.peer_timeout_ms),
        config.gateway.admin_token.clone(),
    );
    if config.gateway.product_cache {
        gateway = gateway.with_product_cache(&config.catalog.url, served.shutdown.clone());
    }
    served.announce();
    storefront_gateway::run(
        served.listener,
        Arc::new(gateway),
        served.limits,
        served.shutdown,
    )
    .await?;
    Ok(())
}
