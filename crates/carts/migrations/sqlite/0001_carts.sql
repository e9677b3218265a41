-- Carts: a customer has at most one open cart ('active' or 'checking_out'),
-- enforced by the partial unique index below, not by the code. Ids are
-- never reused (AUTOINCREMENT): the orders service knows a checkout by
-- 'cart:<id>', so a reused id could replay another cart's order.
CREATE TABLE carts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'checking_out', 'ordered')),
    -- The client's Idempotency-Key of the checkout that is (or was) placing it.
    checkout_key TEXT,
    order_number INTEGER CHECK (order_number >= 0),
    -- Bumped by every change: the first statement of each write, so on
    -- PostgreSQL it also locks the cart row for the rest of the transaction.
    revision     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((status = 'ordered') = (order_number IS NOT NULL))
);

CREATE UNIQUE INDEX carts_one_open_per_customer ON carts (customer_id) WHERE status <> 'ordered';
CREATE UNIQUE INDEX carts_checkout_key ON carts (customer_id, checkout_key) WHERE checkout_key IS NOT NULL;
CREATE INDEX carts_checking_out ON carts (status) WHERE status = 'checking_out';

CREATE TABLE cart_items (
    cart_id    INTEGER NOT NULL REFERENCES carts (id),
    product_id INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    PRIMARY KEY (cart_id, product_id)
);
