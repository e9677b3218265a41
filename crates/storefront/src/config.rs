//! The one typed configuration of every role, layered as: built-in defaults,
//! then a TOML file (`--config` or `STOREFRONT_CONFIG`), then `STOREFRONT_*`
//! environment variables, then command-line flags.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use storefront_gateway::{AuthSettings, CustomerAuth};
use storefront_service_kit::HttpLimits;
use storefront_service_kit::telemetry::LogFormat;

use crate::cli::Role;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Folder holding each service's database file.
    pub data_dir: PathBuf,
    /// `postgres://…` puts every service on that PostgreSQL server, each in
    /// a schema of its own; unset means a SQLite file per service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    pub log_format: LogFormat,
    /// Serve Prometheus metrics at `/metrics` on every service and count
    /// every request; off leaves `/metrics` answering 404 (the cost of
    /// keeping them is measured in docs/BENCHMARKS.md).
    pub metrics: bool,
    pub gateway: GatewayConfig,
    pub catalog: CatalogConfig,
    pub orders: OrdersConfig,
    pub carts: CartsConfig,
    pub http: HttpLimits,
    /// Customer tokens (the gateway's): whether carts and customers' orders
    /// need them, their key and lifetime, and the limit on failed
    /// authentications per address.
    pub auth: AuthSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    pub listen: SocketAddr,
    /// Longest wait for a peer service before answering 503: the gateway's
    /// calls to the catalog, orders and carts, and the carts service's to
    /// the catalog and orders.
    pub peer_timeout_ms: u64,
    /// Answer queries from a copy of the product list that the catalog keeps
    /// current: a client sees its own writes through this gateway at once,
    /// others' after one change notification. Off sends every query to the
    /// catalog.
    pub product_cache: bool,
    /// Bearer token for administration routes; unset refuses them (`up`
    /// makes one and prints it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogConfig {
    pub listen: SocketAddr,
    /// How the other services reach the catalog.
    pub url: String,
    /// JSON list of `{"name","price","quantity"}` loaded into a new catalog;
    /// the built-in toys when absent.
    pub seed_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrdersConfig {
    pub listen: SocketAddr,
    /// How the gateway and the carts service reach the orders service.
    pub url: String,
    /// Longest wait for the catalog during a buy.
    pub catalog_timeout_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CartsConfig {
    pub listen: SocketAddr,
    /// How the gateway reaches the carts service.
    pub url: String,
    /// How often checkouts left unfinished (a peer was down) are retried.
    pub checkout_retry_ms: u64,
}

impl Default for CartsConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8083)),
            url: "http://127.0.0.1:8083".into(),
            checkout_retry_ms: 2_000,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            log_format: LogFormat::Text,
            metrics: true,
            gateway: GatewayConfig::default(),
            catalog: CatalogConfig::default(),
            orders: OrdersConfig::default(),
            carts: CartsConfig::default(),
            http: HttpLimits::default(),
            auth: AuthSettings::default(),
        }
    }
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            peer_timeout_ms: 5_000,
            product_cache: true,
            admin_token: None,
        }
    }
}

impl Default for CatalogConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8081)),
            url: "http://127.0.0.1:8081".into(),
            seed_file: None,
        }
    }
}

impl Default for OrdersConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8082)),
            url: "http://127.0.0.1:8082".into(),
            catalog_timeout_ms: 5_000,
        }
    }
}

/// The environment variables read, and the setting each one sets.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("STOREFRONT_DATA_DIR", "data_dir"),
    ("STOREFRONT_DATABASE_URL", "database_url"),
    ("STOREFRONT_ADMIN_TOKEN", "gateway.admin_token"),
    ("STOREFRONT_TOKEN_SECRET", "auth.token_secret"),
    ("STOREFRONT_CUSTOMER_AUTH", "auth.customers"),
    ("STOREFRONT_LOG_FORMAT", "log_format"),
    ("STOREFRONT_METRICS", "metrics"),
    ("STOREFRONT_GATEWAY_LISTEN", "gateway.listen"),
    ("STOREFRONT_PRODUCT_CACHE", "gateway.product_cache"),
    ("STOREFRONT_CATALOG_LISTEN", "catalog.listen"),
    ("STOREFRONT_CATALOG_URL", "catalog.url"),
    ("STOREFRONT_SEED_FILE", "catalog.seed_file"),
    ("STOREFRONT_ORDERS_LISTEN", "orders.listen"),
    ("STOREFRONT_ORDERS_URL", "orders.url"),
    ("STOREFRONT_CARTS_LISTEN", "carts.listen"),
    ("STOREFRONT_CARTS_URL", "carts.url"),
    ("STOREFRONT_MAX_BODY_BYTES", "http.max_body_bytes"),
    ("STOREFRONT_MAX_CONNECTIONS", "http.max_connections"),
];

impl Config {
    /// Where `role` listens.
    pub fn listen(&self, role: Role) -> SocketAddr {
        match role {
            Role::Gateway => self.gateway.listen,
            Role::Catalog => self.catalog.listen,
            Role::Orders => self.orders.listen,
            Role::Carts => self.carts.listen,
        }
    }

    /// Makes `role` listen on `listen`. With `peers_follow`, the other
    /// services are told to reach it there too (the gateway has no peers
    /// calling it).
    pub fn set_listen(&mut self, role: Role, listen: SocketAddr, peers_follow: bool) {
        let (address, url) = match role {
            Role::Gateway => (&mut self.gateway.listen, None),
            Role::Catalog => (&mut self.catalog.listen, Some(&mut self.catalog.url)),
            Role::Orders => (&mut self.orders.listen, Some(&mut self.orders.url)),
            Role::Carts => (&mut self.carts.listen, Some(&mut self.carts.url)),
        };
        *address = listen;
        if let Some(url) = url.filter(|_| peers_follow) {
            *url = format!("http://{listen}");
        }
    }

    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>, env: &HashMap<String, String>) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    fn apply_env(&mut self, env: &HashMap<String, String>) -> anyhow::Result<()> {
        for (var, setting) in ENV_VARS {
            let Some(value) = env.get(*var) else { continue };
            let bad = |e: &dyn std::fmt::Display| anyhow::anyhow!("{var}={value:?}: {e}");
            match *setting {
                "data_dir" => self.data_dir = PathBuf::from(value),
                "database_url" => {
                    self.database_url = Some(value.clone()).filter(|v| !v.trim().is_empty())
                }
                "gateway.admin_token" => {
                    self.gateway.admin_token = Some(value.clone()).filter(|v| !v.is_empty())
                }
                "auth.token_secret" => {
                    self.auth.token_secret = Some(value.clone()).filter(|v| !v.is_empty())
                }
                "auth.customers" => {
                    self.auth.customers = match value.as_str() {
                        "tokens" => CustomerAuth::Tokens,
                        "open" => CustomerAuth::Open,
                        _ => return Err(bad(&"expected `tokens` or `open`")),
                    }
                }
                "carts.listen" => self.carts.listen = value.parse().map_err(|e| bad(&e))?,
                "carts.url" => self.carts.url = check_url(value).map_err(|e| bad(&e))?,
                "log_format" => self.log_format = value.parse().map_err(|e: String| bad(&e))?,
                "metrics" => self.metrics = value.parse().map_err(|e| bad(&e))?,
                "gateway.listen" => self.gateway.listen = value.parse().map_err(|e| bad(&e))?,
                "gateway.product_cache" => {
                    self.gateway.product_cache = value.parse().map_err(|e| bad(&e))?
                }
                "catalog.listen" => self.catalog.listen = value.parse().map_err(|e| bad(&e))?,
                "catalog.url" => self.catalog.url = check_url(value).map_err(|e| bad(&e))?,
                "catalog.seed_file" => self.catalog.seed_file = Some(PathBuf::from(value)),
                "orders.listen" => self.orders.listen = value.parse().map_err(|e| bad(&e))?,
                "orders.url" => self.orders.url = check_url(value).map_err(|e| bad(&e))?,
                "http.max_body_bytes" => {
                    self.http.max_body_bytes = value.parse().map_err(|e| bad(&e))?
                }
                "http.max_connections" => {
                    self.http.max_connections = value.parse().map_err(|e| bad(&e))?
                }
                other => bail!("unhandled setting {other}"),
            }
        }
        Ok(())
    }

    pub fn catalog_db(&self) -> PathBuf {
        self.data_dir.join("catalog.db")
    }

    pub fn orders_db(&self) -> PathBuf {
        self.data_dir.join("orders.db")
    }

    pub fn carts_db(&self) -> PathBuf {
        self.data_dir.join("carts.db")
    }
}

/// Peer URLs are plain `http://host:port` (services speak HTTP on a private network).
pub fn check_url(url: &str) -> Result<String, String> {
    storefront_wire::connection::authority_of(url).map_err(|e| e.to_string())?;
    if !url.starts_with("http://") {
        return Err(format!("`{url}` must start with http://"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_role_moved_with_its_peers_following_is_reached_at_its_new_address() {
        let mut config = Config::default();
        let elsewhere = SocketAddr::from(([127, 0, 0, 1], 9191));
        config.set_listen(Role::Orders, elsewhere, true);
        assert_eq!(config.listen(Role::Orders), elsewhere);
        assert_eq!(config.orders.url, "http://127.0.0.1:9191");

        let default_url = config.catalog.url.clone();
        config.set_listen(Role::Catalog, elsewhere, false);
        assert_eq!(config.listen(Role::Catalog), elsewhere);
        assert_eq!(config.catalog.url, default_url, "peers not told");

        config.set_listen(Role::Gateway, elsewhere, true);
        assert_eq!(config.listen(Role::Gateway), elsewhere);
    }

    #[test]
    fn defaults_put_the_gateway_on_8080_and_data_under_data() {
        let config = Config::load(None, &env(&[])).unwrap();
        assert_eq!(config.gateway.listen.port(), 8080);
        assert_eq!(config.data_dir, PathBuf::from("data"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("storefront.toml");
        std::fs::write(
            &file,
            "data_dir = \"/from/file\"\n[catalog]\nurl = \"http://file:1\"\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&file),
            &env(&[("STOREFRONT_CATALOG_URL", "http://env:2")]),
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/from/file"));
        assert_eq!(config.catalog.url, "http://env:2");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = Config::load(None, &env(&[("STOREFRONT_GATEWAY_LISTEN", "nope")])).unwrap_err();
        assert!(
            err.to_string().contains("STOREFRONT_GATEWAY_LISTEN"),
            "{err}"
        );
        let err =
            Config::load(None, &env(&[("STOREFRONT_ORDERS_URL", "https://x:1")])).unwrap_err();
        assert!(err.to_string().contains("STOREFRONT_ORDERS_URL"), "{err}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("storefront.toml");
        std::fs::write(&file, "datadir = \"x\"\n").unwrap();
        assert!(Config::load(Some(&file), &env(&[])).is_err());
    }

    #[test]
    fn the_default_config_round_trips_through_toml() {
        let text = toml::to_string(&Config::default()).unwrap();
        assert_eq!(toml::from_str::<Config>(&text).unwrap(), Config::default());
    }
}
