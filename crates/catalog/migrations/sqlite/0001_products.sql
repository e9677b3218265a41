-- Products and their stock. The CHECK makes negative stock impossible even if
-- a statement forgot its guard.
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    quantity    INTEGER NOT NULL CHECK (quantity >= 0)
);

-- One row per order attempt that ever asked for stock, keyed by the orders
-- service's attempt key: 'held' took stock, 'released' gave it back (or
-- arrived before any reservation and bars one), 'refused' took nothing.
CREATE TABLE reservations (
    order_key   TEXT    PRIMARY KEY,
    product_id  INTEGER REFERENCES products (id),
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    price_cents INTEGER NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('held', 'released', 'refused'))
);

-- Facts about this database, such as whether the seed was loaded.
CREATE TABLE catalog_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
