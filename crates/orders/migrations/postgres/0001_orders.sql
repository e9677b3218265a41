-- The orders schema on PostgreSQL: the same intent log and order log as on
-- SQLite (see migrations/sqlite/ for why each table is there), plus what
-- several replicas sharing this schema need. Every integer is BIGINT.

-- The next order number, in one row. Confirm takes it with
-- `UPDATE ... RETURNING` inside its transaction: the row lock orders
-- confirms across replicas, and a confirm that rolls back gives its number
-- back, so numbers are unique, increasing and gap-free (a sequence is not:
-- it never returns a number an aborted transaction took).
CREATE TABLE order_counter (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    next     BIGINT  NOT NULL CHECK (next >= 0)
);
INSERT INTO order_counter (only_row, next) VALUES (TRUE, 0);

-- Intent log. `owner` is the advisory-lock key of the replica that began
-- the attempt: while that lock is held, the replica is alive and the attempt
-- is its own business; once it is free, recovery may take the attempt over.
CREATE TABLE pending_orders (
    order_key       TEXT        PRIMARY KEY,
    request         TEXT        NOT NULL,
    idempotency_key TEXT        UNIQUE,
    state           TEXT        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'aborting')),
    owner           BIGINT      NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The order log: one row per acknowledged order, numbered 0, 1, 2, ...
CREATE TABLE orders (
    number          BIGINT      PRIMARY KEY CHECK (number >= 0),
    order_key       TEXT        NOT NULL UNIQUE,
    customer_id     TEXT,
    idempotency_key TEXT        UNIQUE,
    request         TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
    number      BIGINT NOT NULL REFERENCES orders (number),
    line        BIGINT NOT NULL CHECK (line >= 0),
    product_id  BIGINT NOT NULL,
    name        TEXT   NOT NULL,
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (number, line)
);

CREATE INDEX orders_by_customer ON orders (customer_id, number) WHERE customer_id IS NOT NULL;
