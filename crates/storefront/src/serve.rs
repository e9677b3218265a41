//! `storefront serve <role>`: start the role's service, bind, announce,
//! serve until a signal.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use storefront_carts::CartsSettings;
use storefront_catalog::CatalogSettings;
use storefront_gateway::GatewaySettings;
use storefront_orders::OrdersSettings;
use storefront_service_kit::database::DatabaseLocation;
use storefront_service_kit::{Service, metrics, shutdown};
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
    if config.metrics {
        metrics::install();
    }
    let service = start(role, &config, shutdown::on_signal()).await?;
    announce(role, address);
    service.run(listener, config.http).await?;
    tracing::info!(role = role.name(), "stopped");
    Ok(())
}

/// The role's service, started from the configuration: its store opened and
/// its background work running until `shutdown` fires. This is the one
/// place a [`Config`] becomes each service crate's settings.
pub async fn start(
    role: Role,
    config: &Config,
    shutdown: CancellationToken,
) -> anyhow::Result<Service> {
    let peer_timeout = Duration::from_millis(config.gateway.peer_timeout_ms);
    let service = match role {
        Role::Catalog => {
            let seed = storefront_catalog::seed::load(config.catalog.seed_file.as_deref())
                .map_err(anyhow::Error::msg)?;
            let location = location(config, role, config.catalog_db())?;
            storefront_catalog::start(CatalogSettings { seed }, &location, shutdown)
                .await
                .with_context(|| format!("cannot open the catalog at {location}"))?
        }
        Role::Orders => {
            let settings = OrdersSettings {
                catalog_url: config.catalog.url.clone(),
                catalog_timeout: Duration::from_millis(config.orders.catalog_timeout_ms),
            };
            let location = location(config, role, config.orders_db())?;
            storefront_orders::start(settings, &location, shutdown)
                .await
                .with_context(|| format!("cannot open the orders store at {location}"))?
        }
        Role::Carts => {
            let settings = CartsSettings {
                catalog_url: config.catalog.url.clone(),
                orders_url: config.orders.url.clone(),
                peer_timeout,
                resolve_every: Duration::from_millis(config.carts.checkout_retry_ms),
            };
            let location = location(config, role, config.carts_db())?;
            storefront_carts::start(settings, &location, shutdown)
                .await
                .with_context(|| format!("cannot open the carts store at {location}"))?
        }
        Role::Gateway => storefront_gateway::start(
            GatewaySettings {
                catalog_url: config.catalog.url.clone(),
                orders_url: config.orders.url.clone(),
                carts_url: config.carts.url.clone(),
                peer_timeout,
                admin_token: config.gateway.admin_token.clone(),
                auth: config.auth.clone(),
                product_cache: config.gateway.product_cache,
            },
            shutdown,
        ),
    };
    Ok(service)
}

fn announce(role: Role, address: SocketAddr) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", announcement(role, address));
    let _ = stdout.flush();
    tracing::info!(role = role.name(), %address, "listening");
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
