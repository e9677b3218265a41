//! Whether the store stayed correct under the load, checked after a `lab`
//! or `shop` run: every acknowledged order reads back as placed, no order
//! number was given twice, no stock is negative, and stock is conserved:
//! for each product, stock before = stock after + units ordered.
//!
//! Assumption: during the run nobody else orders, restocks or deletes
//! products on the target (a private store, as in the tests and the
//! benchmarks). Buys whose outcome the run never learned (no reply, 5xx)
//! may or may not have taken stock; they widen the check to a range:
//! ordered ≤ taken ≤ ordered + unknown. Stock that does not add up is read
//! again for a few seconds before it counts: replicas of the catalog on
//! PostgreSQL show each other's changes a moment later, not at once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde::Serialize;
use serde_json::Value;
use storefront_wire::Data;
use storefront_wire::api::ProductListing;
use storefront_wire::customers::IssuedToken;

use crate::error::LoadError;
use crate::ledger::{Acknowledged, Entries};
use storefront_wire::http1::{Connection, Endpoint};

/// Violations listed by name at most this many per kind (the count is exact).
const SHOWN: usize = 20;

/// Connections that read the orders back in parallel.
const READERS: usize = 8;

#[derive(Debug, Default, Serialize)]
pub struct Invariants {
    pub ok: bool,
    pub assumption: &'static str,
    pub orders_acknowledged: u64,
    pub orders_verified: u64,
    pub unknown_outcomes: u64,
    pub duplicate_order_numbers: Vec<u64>,
    pub orders_missing_or_mismatched: Vec<String>,
    pub orders_missing_or_mismatched_count: u64,
    pub negative_stock: Vec<String>,
    pub stock_not_conserved: Vec<String>,
    pub products_checked: u64,
}

pub const ASSUMPTION: &str =
    "no other client orders, restocks or deletes products on the target during the run";

/// Reads every product, page by page.
pub async fn read_products(
    endpoint: &Endpoint,
    timeout: Duration,
) -> Result<Vec<ProductListing>, LoadError> {
    const LIMIT: usize = 1000;
    let mut connection = Connection::open_to(endpoint, timeout)
        .await
        .map_err(|e| LoadError::Setup(format!("{endpoint:?}: {e}")))?;
    let mut products = Vec::new();
    loop {
        let path = format!("/products?limit={LIMIT}&offset={}", products.len());
        let reply = connection
            .exchange(&Method::GET, &path, &[], None, timeout)
            .await
            .map_err(|e| LoadError::Setup(format!("GET {path}: {e}")))?;
        if reply.status != 200 {
            return Err(LoadError::Setup(format!(
                "GET {path} answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            )));
        }
        let page: Data<Vec<ProductListing>> = serde_json::from_slice(&reply.body)
            .map_err(|e| LoadError::Setup(format!("GET {path}: unexpected reply: {e}")))?;
        let full = page.data.len() == LIMIT;
        products.extend(page.data);
        if !full {
            return Ok(products);
        }
    }
}

/// How long stock that does not add up is read again before it counts as a
/// violation: a replicated catalog (several replicas on PostgreSQL) shows a
/// change made through another replica a moment later, not at once.
const SETTLE: Duration = Duration::from_secs(3);

/// Checks everything after the run, from the stock before and the ledger.
pub async fn check(
    endpoint: &Endpoint,
    timeout: Duration,
    before: &[ProductListing],
    entries: Entries,
) -> Result<Invariants, LoadError> {
    let mut result = Invariants {
        assumption: ASSUMPTION,
        orders_acknowledged: entries.acknowledged.len() as u64,
        unknown_outcomes: entries.unknown.len() as u64 + entries.unknown_unlisted,
        products_checked: before.len() as u64,
        ..Invariants::default()
    };

    let mut seen = HashSet::new();
    for order in &entries.acknowledged {
        if !seen.insert(order.number) && result.duplicate_order_numbers.len() < SHOWN {
            result.duplicate_order_numbers.push(order.number);
        }
    }

    let problems = read_back(endpoint, timeout, entries.acknowledged.clone()).await;
    result.orders_verified = result.orders_acknowledged - problems.len() as u64;
    result.orders_missing_or_mismatched_count = problems.len() as u64;
    result.orders_missing_or_mismatched = problems.into_iter().take(SHOWN).collect();

    let mut ordered: BTreeMap<i64, i64> = BTreeMap::new();
    for line in entries
        .acknowledged
        .iter()
        .flat_map(|o| o.lines.iter().flatten())
    {
        *ordered.entry(line.product_id).or_default() += i64::from(line.quantity);
    }
    let mut unknown: BTreeMap<i64, i64> = BTreeMap::new();
    for line in &entries.unknown {
        *unknown.entry(line.product_id).or_default() += i64::from(line.quantity);
    }
    let settle_until = tokio::time::Instant::now() + SETTLE;
    let after = loop {
        let after = read_products(endpoint, timeout).await?;
        let unbounded = entries.unknown_unlisted > 0;
        let violations = not_conserved(before, &after, &ordered, &unknown, unbounded);
        if violations.is_empty() || tokio::time::Instant::now() >= settle_until {
            result.stock_not_conserved = violations.into_iter().take(SHOWN).collect();
            break after;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for p in after.iter().filter(|p| p.quantity < 0) {
        result
            .negative_stock
            .push(format!("{} (id {}): {}", p.name, p.id, p.quantity));
    }

    result.ok = result.duplicate_order_numbers.is_empty()
        && result.orders_missing_or_mismatched.is_empty()
        && result.negative_stock.is_empty()
        && result.stock_not_conserved.is_empty();
    Ok(result)
}

/// Products whose stock does not add up: for each, before = after + units
/// ordered, widened by the units of buys whose outcome is unknown.
fn not_conserved(
    before: &[ProductListing],
    after: &[ProductListing],
    ordered: &BTreeMap<i64, i64>,
    unknown: &BTreeMap<i64, i64>,
    unbounded: bool,
) -> Vec<String> {
    let now: BTreeMap<i64, i64> = after.iter().map(|p| (p.id, p.quantity)).collect();
    let mut violations = Vec::new();
    for p in before {
        let ordered = ordered.get(&p.id).copied().unwrap_or(0);
        let unknown = unknown.get(&p.id).copied().unwrap_or(0);
        let message = match now.get(&p.id) {
            None if ordered > 0 => Some(format!("{} (id {}): gone after the run", p.name, p.id)),
            None => None,
            Some(&current) => {
                let taken = p.quantity - current;
                (taken < ordered || (!unbounded && taken > ordered + unknown)).then(|| {
                    format!(
                        "{} (id {}): {} before, {current} after, so {taken} taken, but {ordered} ordered{}",
                        p.name,
                        p.id,
                        p.quantity,
                        if unknown > 0 { format!(" (+ up to {unknown} unknown)") } else { String::new() }
                    )
                })
            }
        };
        violations.extend(message);
    }
    violations
}

/// A new token for `customer`, from its secret.
async fn token_of(
    connection: &mut Connection,
    customer: &str,
    secret: &str,
    timeout: Duration,
) -> Result<String, String> {
    let path = format!("/customers/{customer}/tokens");
    let body = bytes::Bytes::from(serde_json::json!({ "secret": secret }).to_string());
    let headers = [("content-type", "application/json")];
    let reply = connection
        .exchange(&Method::POST, &path, &headers, Some(body), timeout)
        .await
        .map_err(|e| format!("POST {path}: {e}"))?;
    if reply.status != 201 {
        return Err(format!(
            "POST {path} answered {}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        ));
    }
    serde_json::from_slice::<Data<IssuedToken>>(&reply.body)
        .map(|t| t.data.access_token)
        .map_err(|e| format!("POST {path}: {e}"))
}

/// Reads each order back; returns what is missing or different.
async fn read_back(
    endpoint: &Endpoint,
    timeout: Duration,
    orders: Vec<Acknowledged>,
) -> Vec<String> {
    let orders = Arc::new(orders);
    let readers: Vec<_> = (0..READERS)
        .map(|reader| {
            let orders = orders.clone();
            let endpoint = endpoint.clone();
            tokio::spawn(async move {
                let mut problems = Vec::new();
                let mut connection: Option<Connection> = None;
                // A fresh token per customer, from its secret: the ones the
                // users held may have expired since they ordered.
                let mut tokens: HashMap<&str, String> = HashMap::new();
                for order in orders.iter().skip(reader).step_by(READERS) {
                    if connection.as_ref().is_none_or(Connection::is_closed) {
                        connection = Connection::open_to(&endpoint, timeout).await.ok();
                    }
                    let Some(c) = connection.as_mut() else {
                        problems.push(format!("order {}: cannot connect to read it", order.number));
                        continue;
                    };
                    let path = format!("/orders/{}", order.number);
                    // An order with a customer answers only that customer's token.
                    if let (Some(customer), Some(secret)) = (&order.customer, &order.secret)
                        && !tokens.contains_key(customer.as_str())
                    {
                        match token_of(c, customer, secret, timeout).await {
                            Ok(token) => {
                                tokens.insert(customer, format!("Bearer {token}"));
                            }
                            Err(e) => {
                                problems.push(format!("order {}: {e}", order.number));
                                continue;
                            }
                        }
                    }
                    let auth: Vec<(&str, &str)> = order
                        .customer
                        .as_deref()
                        .and_then(|c| tokens.get(c))
                        .map(|a| ("authorization", a.as_str()))
                        .into_iter()
                        .collect();
                    match c.exchange(&Method::GET, &path, &auth, None, timeout).await {
                        Ok(reply) if reply.status == 200 => {
                            if let Some(problem) = compare(order, &reply.body) {
                                problems.push(problem);
                            }
                        }
                        Ok(reply) => problems.push(format!(
                            "order {}: GET {path} answered {}: {}",
                            order.number,
                            reply.status,
                            String::from_utf8_lossy(&reply.body)
                        )),
                        Err(e) => {
                            connection = None;
                            problems.push(format!("order {}: GET {path}: {e}", order.number));
                        }
                    }
                }
                problems
            })
        })
        .collect();
    let mut problems = Vec::new();
    for reader in readers {
        problems.extend(
            reader
                .await
                .unwrap_or_else(|e| vec![format!("a reader failed: {e}")]),
        );
    }
    problems
}

/// What differs between an order as acknowledged and as the store has it.
fn compare(order: &Acknowledged, body: &[u8]) -> Option<String> {
    let number = order.number;
    let Ok(record) = serde_json::from_slice::<Value>(body) else {
        return Some(format!("order {number}: not JSON"));
    };
    let record = &record["data"];
    if record["number"].as_u64() != Some(number) {
        return Some(format!(
            "order {number}: the store returned number {}",
            record["number"]
        ));
    }
    if let Some(customer) = &order.customer
        && record["customer_id"].as_str() != Some(customer)
    {
        return Some(format!(
            "order {number}: placed by {customer}, the store says {}",
            record["customer_id"]
        ));
    }
    let lines = order.lines.as_ref()?;
    // The lab protocol's one-product orders have `name`/`quantity` at the top.
    let stored: Vec<(Value, u64)> = match record["items"].as_array() {
        Some(items) => items
            .iter()
            .map(|i| (i["product_id"].clone(), i["quantity"].as_u64().unwrap_or(0)))
            .collect(),
        None => vec![(
            record["name"].clone(),
            record["quantity"].as_u64().unwrap_or(0),
        )],
    };
    let mut expected: Vec<(Value, u64)> = lines
        .iter()
        .map(|l| {
            let key = if record["items"].is_array() {
                Value::from(l.product_id)
            } else {
                Value::from(l.name.clone())
            };
            (key, u64::from(l.quantity))
        })
        .collect();
    let mut stored = stored;
    let key = |v: &(Value, u64)| (v.0.to_string(), v.1);
    expected.sort_by_key(key);
    stored.sort_by_key(key);
    (expected != stored).then(|| {
        format!(
            "order {number}: placed {}, the store has {}",
            describe(&expected),
            describe(&stored)
        )
    })
}

fn describe(lines: &[(Value, u64)]) -> String {
    lines
        .iter()
        .map(|(k, q)| format!("{q} × {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}
