//! The PostgreSQL orders store, in its own schema, safe for several replicas
//! on that schema at once. The database, not the process, keeps every
//! guarantee:
//! - numbers: confirm takes the next number from the one `order_counter`
//!   row inside its statement (a row lock that orders confirms across
//!   replicas; a rollback returns the number), so they are gap-free;
//! - idempotency keys: unique in `pending_orders` and in `orders`; begin
//!   inserts and then looks for a placed order once more (see `begin`);
//! - confirm vs. recovery: confirm deletes the row only while `pending`,
//!   `mark_aborting` updates it only while it exists; each locks the row, so
//!   whichever comes second sees the first's result;
//! - recovery: attempts record their owner, whose liveness is an advisory
//!   lock (`service_kit::postgres::OwnerLock`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool};
use storefront_service_kit::is_transient;
use storefront_service_kit::postgres::{OwnerLock, connect, migrate, ping};
use storefront_service_kit::schema::SchemaStep;
use storefront_wire::CustomerId;
use storefront_wire::internal::ReservedItem;
use storefront_wire::shop::{OrderDetail, Page};

use super::lines::order_lines;
use super::{
    AbortMark, BeginOutcome, LineRow, OrdersStore, PendingOrder, StoreError, Which, group_lines,
};

const SCHEMA: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "order counter, intent log with owners, order log",
    sql: include_str!("../../migrations/postgres/0001_orders.sql"),
}];

/// Connections per orders process: each buy holds one for a short
/// transaction at a time, never across its catalog call.
const MAX_CONNECTIONS: u32 = 16;

const ORDER_BY_NUMBER: &str = order_lines!(postgres, "WHERE number = $1", "$2", "$3");
const ORDERS_OF_CUSTOMER: &str = order_lines!(postgres, "WHERE customer_id = $1", "$2", "$3");
const ALL_ORDERS: &str = order_lines!(postgres, "", "$1", "$2");

/// Pending attempts recovery may take over: stuck ones (older than `$1`
/// seconds) and those whose owner's advisory lock no session holds. A
/// bigint advisory lock shows in `pg_locks` as its high and low 32 bits.
const RECOVERABLE: &str = concat!(
    "SELECT p.order_key FROM pending_orders p
    WHERE p.created_at <= now() - make_interval(secs => $1) OR ",
    storefront_service_kit::owner_is_gone!("p.owner"),
    "
    ORDER BY p.created_at, p.order_key"
);

pub struct PostgresOrdersStore {
    pool: PgPool,
    owner: OwnerLock,
}

/// A transient failure is "unavailable" (503, retry); others are bugs.
fn classify(error: sqlx::Error) -> StoreError {
    if is_transient(&error) {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Database(error)
    }
}

impl PostgresOrdersStore {
    /// Connects to `url`, works in `schema` (created and migrated if
    /// needed) and takes this instance's owner lock.
    pub async fn open(url: &str, schema: &str) -> Result<Self, StoreError> {
        let pool = connect(url, schema, MAX_CONNECTIONS)
            .await
            .map_err(classify)?;
        migrate(&pool, SCHEMA).await?;
        let options = PgConnectOptions::from_str(url)?;
        let owner = OwnerLock::acquire(&options).await.map_err(classify)?;
        Ok(Self { pool, owner })
    }

    /// The id this instance's attempts are recorded under (the key of its
    /// advisory lock).
    pub fn owner(&self) -> i64 {
        self.owner.id()
    }

    /// Closes gracefully: unlocks the owner lock first, so other replicas
    /// may take over this one's attempts at once. (Dropping the store ends
    /// the session without that step, as a crash does.)
    pub async fn close(self) {
        self.owner.release().await;
        self.pool.close().await;
    }

    async fn load(&self, which: Which<'_>) -> Result<Vec<OrderDetail>, StoreError> {
        let (limit, offset) = which.limits();
        let query = match which {
            Which::Number(number) => sqlx::query_as(ORDER_BY_NUMBER).bind(number),
            Which::Customer(customer, _) => sqlx::query_as(ORDERS_OF_CUSTOMER).bind(customer),
            Which::All(_) => sqlx::query_as(ALL_ORDERS),
        };
        let rows: Vec<LineRow> = query
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        group_lines(rows)
    }
}

/// Records an attempt, in one statement when it carries no key or its key
/// is new. With a key:
/// 1. a placed order with it is a replay (read in the same statement as the
///    insert, which is then skipped);
/// 2. the insert does nothing if a pending attempt has the key (unique),
///    waiting first for any transaction that is deleting such a row;
/// 3. a confirm that committed while the insert waited deleted its pending
///    row, so the insert succeeded, yet the statement's snapshot, taken
///    before, could not see that order. A second statement (a new snapshot)
///    looks again and, if the order is there, deletes the row just begun
///    and answers a replay. Until then the row is only this live owner's
///    business, so recovery leaves it alone.
async fn begin(
    pool: &PgPool,
    owner: i64,
    attempt: PendingOrder,
) -> Result<BeginOutcome, StoreError> {
    let request = attempt.request.to_json();
    let key = attempt.idempotency_key.as_deref();
    let (number, earlier_request, began): (Option<i64>, Option<String>, bool) = sqlx::query_as(
        "WITH earlier AS (SELECT number, request FROM orders WHERE idempotency_key = $3),
         begun AS (
             INSERT INTO pending_orders (order_key, request, idempotency_key, owner)
             SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM earlier)
             ON CONFLICT (idempotency_key) DO NOTHING
             RETURNING 1
         )
         SELECT (SELECT number FROM earlier), (SELECT request FROM earlier),
                EXISTS (SELECT 1 FROM begun)",
    )
    .bind(&attempt.order_key)
    .bind(&request)
    .bind(key)
    .bind(owner)
    .fetch_one(pool)
    .await
    .map_err(classify)?;
    if let Some(number) = number {
        return Ok(replay((number, earlier_request), &request));
    }
    if !began {
        return Ok(BeginOutcome::InProgress);
    }
    let Some(key) = key else {
        return Ok(BeginOutcome::Started);
    };
    let confirmed_meanwhile: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT number, request FROM orders WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(classify)?;
    let Some(earlier) = confirmed_meanwhile else {
        return Ok(BeginOutcome::Started);
    };
    sqlx::query("DELETE FROM pending_orders WHERE order_key = $1")
        .bind(&attempt.order_key)
        .execute(pool)
        .await
        .map_err(classify)?;
    Ok(replay(earlier, &request))
}

/// The answer to a retry whose key names an order placed before.
fn replay((number, earlier): (i64, Option<String>), request: &str) -> BeginOutcome {
    BeginOutcome::Replay {
        number: number as u64,
        same_request: earlier.as_deref() == Some(request),
    }
}

/// Turns a pending attempt into an order in one statement (so one round
/// trip and no transaction held open across several): the attempt's row is
/// deleted only while still `pending`, which also locks it against a
/// concurrent `mark_aborting` until commit; only then is the next number
/// taken from the counter row, whose lock is held from there to commit.
/// The request is kept only when a retry may need to be compared with it.
async fn confirm(
    pool: &PgPool,
    order_key: String,
    items: Vec<ReservedItem>,
) -> Result<u64, StoreError> {
    let product_ids: Vec<i64> = items.iter().map(|i| i.product_id).collect();
    let names: Vec<String> = items.iter().map(|i| i.name.clone()).collect();
    let quantities: Vec<i64> = items.iter().map(|i| i64::from(i.quantity)).collect();
    let prices: Vec<i64> = items.iter().map(|i| i.price_cents).collect();
    let number: Option<i64> = sqlx::query_scalar(
        "WITH confirmed AS (
             DELETE FROM pending_orders WHERE order_key = $1 AND state = 'pending'
             RETURNING request, idempotency_key
         ), numbered AS (
             UPDATE order_counter SET next = next + 1
             WHERE EXISTS (SELECT 1 FROM confirmed)
             RETURNING next - 1 AS number
         ), placed AS (
             INSERT INTO orders (number, order_key, customer_id, idempotency_key, request)
             SELECT n.number, $1, c.request::jsonb ->> 'customer_id', c.idempotency_key,
                    CASE WHEN c.idempotency_key IS NULL THEN NULL ELSE c.request END
             FROM numbered n, confirmed c
             RETURNING number
         ), lines AS (
             INSERT INTO order_items (number, line, product_id, name, quantity, price_cents)
             SELECT p.number, l.line - 1, l.product_id, l.name, l.quantity, l.price_cents
             FROM placed p,
                  UNNEST($2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[])
                  WITH ORDINALITY AS l (product_id, name, quantity, price_cents, line)
         )
         SELECT number FROM placed",
    )
    .bind(&order_key)
    .bind(product_ids)
    .bind(names)
    .bind(quantities)
    .bind(prices)
    .fetch_optional(pool)
    .await
    .map_err(classify)?;
    number
        .map(|number| number as u64)
        .ok_or(StoreError::NotPending(order_key))
}

impl OrdersStore for PostgresOrdersStore {
    async fn begin(&self, attempt: PendingOrder) -> Result<BeginOutcome, StoreError> {
        begin(&self.pool, self.owner.id(), attempt).await
    }

    async fn confirm(
        &self,
        order_key: String,
        items: Vec<ReservedItem>,
    ) -> Result<u64, StoreError> {
        confirm(&self.pool, order_key, items).await
    }

    async fn mark_aborting(&self, order_key: String) -> Result<AbortMark, StoreError> {
        // Waits for a confirm holding the row; then finds it gone, or not.
        let marked =
            sqlx::query("UPDATE pending_orders SET state = 'aborting' WHERE order_key = $1")
                .bind(order_key)
                .execute(&self.pool)
                .await
                .map_err(classify)?
                .rows_affected();
        Ok(if marked > 0 {
            AbortMark::Marked
        } else {
            AbortMark::NotPending
        })
    }

    async fn abort(&self, order_key: String) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM pending_orders WHERE order_key = $1")
            .bind(order_key)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn order(&self, number: u64) -> Result<Option<OrderDetail>, StoreError> {
        let Ok(number) = i64::try_from(number) else {
            return Ok(None);
        };
        Ok(self.load(Which::Number(number)).await?.into_iter().next())
    }

    async fn orders(
        &self,
        customer: Option<CustomerId>,
        page: Page,
    ) -> Result<Vec<OrderDetail>, StoreError> {
        let which = match &customer {
            Some(customer) => Which::Customer(customer.as_str(), page),
            None => Which::All(page),
        };
        self.load(which).await
    }

    async fn pending_keys(&self, min_age: Duration) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(RECOVERABLE)
            .bind(min_age.as_secs_f64())
            .fetch_all(&self.pool)
            .await
            .map_err(classify)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        ping(&self.pool).await.map_err(classify)
    }
}
