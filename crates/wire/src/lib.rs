//! Wire types shared by every Storefront service and client, the typed
//! HTTP clients the services use to call each other, and the lean HTTP/1.1
//! connection ([`http1`]) those clients and the load generator send on.
//!
//! Everything that crosses a socket is defined here once, so the gateway, the
//! services, the lab client and the tests cannot disagree about a field.
//! Validated types (`ProductName`, `Quantity`, `Money`) reject bad input while
//! deserializing, so a handler never sees a value that could be wrong.

pub mod api;
pub mod catalog_client;
pub mod connection;
pub mod customer_id;
pub mod customers;
pub mod envelope;
pub mod http1;
pub mod internal;
pub mod metrics;
pub mod money;
#[cfg(feature = "openapi")]
mod openapi;
pub mod orders_client;
pub mod path_key;
pub mod product_name;
#[cfg(test)]
mod proptests;
pub mod quantity;
pub mod service_client;
pub mod serving;
pub mod shop;
pub mod trace_context;
pub mod whole_number;

pub use catalog_client::CatalogClient;
pub use connection::{ConnectionError, KeepAliveConnection, RawResponse};
pub use customer_id::CustomerId;
pub use envelope::{Data, ErrorBody, ErrorDetail};
pub use money::Money;
pub use orders_client::OrdersClient;
pub use path_key::{NumericKey, ProductKey};
pub use product_name::ProductName;
pub use quantity::Quantity;
pub use service_client::{ClientError, ServiceClient};

/// Header carrying the id the gateway gives each request, forwarded to every
/// service the request touches so their logs can be joined.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Header a client sets to make `POST /orders` or a checkout safe to retry:
/// a repeat with the same key returns the first result and creates nothing.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
