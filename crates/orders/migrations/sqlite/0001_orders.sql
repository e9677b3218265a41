-- Intent log: an order attempt is written here (durably) before the catalog
-- is asked for stock, so a crash at any later point leaves a record that
-- recovery resolves. A row leaves when the attempt is confirmed or aborted.
-- 'aborting' is written before recovery releases the attempt's stock, and a
-- confirm accepts only 'pending' rows, so a slow buy cannot confirm an order
-- whose stock recovery is giving back.
CREATE TABLE pending_orders (
    order_key    TEXT    PRIMARY KEY,
    product_name TEXT    NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'aborting')),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The order log: one row per acknowledged order, numbered 0, 1, 2, ...
CREATE TABLE orders (
    number       INTEGER PRIMARY KEY CHECK (number >= 0),
    order_key    TEXT    NOT NULL UNIQUE,
    product_name TEXT    NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    price_cents  INTEGER NOT NULL CHECK (price_cents >= 0),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
