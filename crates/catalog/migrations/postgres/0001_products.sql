-- Products and their stock, as on SQLite (migrations/sqlite/0001_products.sql
-- says why each constraint is there); every integer is BIGINT so the store
-- reads them as i64. Ids come from an identity column: its sequence never
-- hands a number out twice, even after a delete or a rolled-back insert, so
-- a deleted product's id is never reused.
CREATE TABLE products (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT   NOT NULL UNIQUE,
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    quantity    BIGINT NOT NULL CHECK (quantity >= 0)
);

-- One row per order attempt that ever asked for stock: 'held' took stock,
-- 'released' gave it back (or arrived first and bars a late reserve),
-- 'refused' took nothing. The primary key is what makes a key reserve once,
-- even when two replicas get the same key at the same moment.
CREATE TABLE reservations (
    order_key   TEXT   PRIMARY KEY,
    product_id  BIGINT REFERENCES products (id),
    quantity    BIGINT NOT NULL CHECK (quantity >= 0),
    price_cents BIGINT NOT NULL,
    state       TEXT   NOT NULL CHECK (state IN ('held', 'released', 'refused'))
);

-- Facts about this catalog, such as whether the seed was loaded.
CREATE TABLE catalog_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Every change to a product row, whoever makes it (any replica, or an
-- operator with psql), notifies listeners when its transaction commits, and
-- not at all if it rolls back. The payload is the schema, so catalogs in
-- different schemas of one database ignore each other. PostgreSQL folds the
-- identical notifications of one transaction into one.
CREATE FUNCTION notify_products_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalog_products_changed', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;

CREATE TRIGGER products_changed
AFTER INSERT OR UPDATE OR DELETE ON products
FOR EACH ROW EXECUTE FUNCTION notify_products_changed();
