-- Multi-item orders, customers and idempotency keys.
--
-- An attempt now carries its whole request (customer and lines, as JSON) and
-- an optional idempotency key; the order log keeps one row per order and one
-- per line in `order_items`, each line with the price paid. The request is
-- kept with a keyed order so a retry can be checked to be the same request.

CREATE TABLE pending_orders_v2 (
    order_key       TEXT PRIMARY KEY,
    request         TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'aborting')),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO pending_orders_v2 (order_key, request, state, created_at)
SELECT order_key,
       json_object('items', json_array(json_object('name', product_name, 'quantity', quantity))),
       state, created_at
FROM pending_orders;
DROP TABLE pending_orders;
ALTER TABLE pending_orders_v2 RENAME TO pending_orders;

CREATE TABLE orders_v2 (
    number          INTEGER PRIMARY KEY CHECK (number >= 0),
    order_key       TEXT NOT NULL UNIQUE,
    customer_id     TEXT,
    idempotency_key TEXT UNIQUE,
    request         TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- Lines of orders placed before this migration did not record a product id;
-- they get 0, which no product ever has.
CREATE TABLE order_items (
    number      INTEGER NOT NULL REFERENCES orders_v2 (number),
    line        INTEGER NOT NULL CHECK (line >= 0),
    product_id  INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (number, line)
);
INSERT INTO orders_v2 (number, order_key, created_at)
SELECT number, order_key, created_at FROM orders;
INSERT INTO order_items (number, line, product_id, name, quantity, price_cents)
SELECT number, 0, 0, product_name, quantity, price_cents FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v2 RENAME TO orders;

CREATE INDEX orders_by_customer ON orders (customer_id, number) WHERE customer_id IS NOT NULL;
