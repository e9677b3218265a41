-- Products get an optional description, and a reservation may hold several
-- products: the attempt's state stays in `reservations`, its lines move to
-- `reservation_items` (as on SQLite, migrations/sqlite/0002_shop.sql). Lines
-- keep the product's name and no foreign key, so an administrator can delete
-- a product that an old attempt once held.
ALTER TABLE products ADD COLUMN description TEXT;

CREATE TABLE reservation_items (
    order_key   TEXT   NOT NULL REFERENCES reservations (order_key),
    line        BIGINT NOT NULL CHECK (line >= 0),
    product_id  BIGINT NOT NULL,
    name        TEXT   NOT NULL,
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (order_key, line)
);

INSERT INTO reservation_items (order_key, line, product_id, name, quantity, price_cents)
SELECT r.order_key, 0, r.product_id, p.name, r.quantity, r.price_cents
FROM reservations r JOIN products p ON p.id = r.product_id
WHERE r.state = 'held' AND r.quantity > 0;

ALTER TABLE reservations
    DROP COLUMN product_id,
    DROP COLUMN quantity,
    DROP COLUMN price_cents;
