-- Same tables as on SQLite (see migrations/sqlite/0001_carts.sql for why
-- each constraint is there); every integer is BIGINT so one code path reads
-- both backends as i64.
CREATE TABLE carts (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'checking_out', 'ordered')),
    checkout_key TEXT,
    order_number BIGINT  CHECK (order_number >= 0),
    revision     BIGINT  NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'ordered') = (order_number IS NOT NULL))
);

CREATE UNIQUE INDEX carts_one_open_per_customer ON carts (customer_id) WHERE status <> 'ordered';
CREATE UNIQUE INDEX carts_checkout_key ON carts (customer_id, checkout_key) WHERE checkout_key IS NOT NULL;
CREATE INDEX carts_checking_out ON carts (status) WHERE status = 'checking_out';

CREATE TABLE cart_items (
    cart_id    BIGINT NOT NULL REFERENCES carts (id),
    product_id BIGINT NOT NULL,
    quantity   BIGINT NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    PRIMARY KEY (cart_id, product_id)
);
