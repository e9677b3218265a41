-- A reserve as one function, so that it is one statement and one round trip
-- (store/postgres_stock.rs calls it outside any transaction, so the call is
-- its own transaction). Every reserve of a popular product waits for that
-- product's row lock; run as separate statements from the service, the lock
-- was held across each statement's trip back to the service and the next
-- one's trip in, and those trips, on a busy machine, bounded checkouts. Now
-- it is held only while this function runs and its commit is flushed.
--
-- The steps are those of the transaction it replaces, in the same order:
-- 1. claim the key (its row inserted as 'held'); a key claimed before, or
--    just now by a transaction this insert waited for, answers as decided;
-- 2. lock every product a line names, in id order (so two reserves wanting
--    the same products in different orders wait instead of deadlocking);
--    each statement after this one reads the rows as now locked (READ
--    COMMITTED takes a new snapshot per statement);
-- 3. refuse the first line, in request order, naming no product, then the
--    first product, in id order, asked for more units than it has (lines
--    naming one product count together); a refusal marks the key 'refused';
-- 4. take the stock and record the lines.
--
-- Lines come as three arrays of equal length: ids (NULL where the line names
-- a product), names (NULL where it gives an id) and quantities. The answer
-- is one row per line for 'reserved' and 'held' (a replay), else one row:
-- 'closed' (the key was released or refused), 'unknown' (`line` is the
-- 0-based line that names no product) or 'short' (`name` and `quantity`: the
-- product and the units it has).
CREATE FUNCTION reserve_stock(
    wanted_key TEXT, line_ids BIGINT[], line_names TEXT[], line_quantities BIGINT[]
) RETURNS TABLE (
    outcome TEXT, line BIGINT, product_id BIGINT, name TEXT, quantity BIGINT, price_cents BIGINT
)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    decided TEXT;
    -- The product each line names, by line (NULL: none).
    resolved BIGINT[];
    short_name TEXT;
    short_quantity BIGINT;
BEGIN
    INSERT INTO reservations (order_key, state) VALUES (wanted_key, 'held')
    ON CONFLICT (order_key) DO NOTHING;
    IF NOT FOUND THEN
        SELECT r.state INTO decided FROM reservations r WHERE r.order_key = wanted_key;
        IF decided = 'held' THEN
            RETURN QUERY
                SELECT 'held', i.line, i.product_id, i.name, i.quantity, i.price_cents
                FROM reservation_items i WHERE i.order_key = wanted_key ORDER BY i.line;
        ELSE
            RETURN QUERY SELECT 'closed', NULL::BIGINT, NULL::BIGINT, NULL, NULL::BIGINT, NULL::BIGINT;
        END IF;
        RETURN;
    END IF;

    PERFORM 1 FROM products p
    WHERE p.id = ANY(line_ids) OR p.name = ANY(line_names)
    ORDER BY p.id FOR UPDATE;

    resolved := ARRAY(
        SELECT (SELECT p.id FROM products p WHERE p.id = l.id OR p.name = l.name)
        FROM unnest(line_ids, line_names) WITH ORDINALITY AS l (id, name, n)
        ORDER BY l.n
    );
    IF array_position(resolved, NULL) IS NOT NULL THEN
        UPDATE reservations SET state = 'refused' WHERE order_key = wanted_key;
        RETURN QUERY SELECT 'unknown', array_position(resolved, NULL)::BIGINT - 1,
            NULL::BIGINT, NULL, NULL::BIGINT, NULL::BIGINT;
        RETURN;
    END IF;

    SELECT p.name, p.quantity INTO short_name, short_quantity
    FROM (
        SELECT l.id, sum(l.quantity) AS total
        FROM unnest(resolved, line_quantities) AS l (id, quantity) GROUP BY l.id
    ) AS w JOIN products p ON p.id = w.id
    WHERE w.total > p.quantity
    ORDER BY p.id LIMIT 1;
    IF FOUND THEN
        UPDATE reservations SET state = 'refused' WHERE order_key = wanted_key;
        RETURN QUERY SELECT 'short', NULL::BIGINT, NULL::BIGINT, short_name, short_quantity, NULL::BIGINT;
        RETURN;
    END IF;

    UPDATE products p SET quantity = p.quantity - w.total
    FROM (
        SELECT l.id, sum(l.quantity) AS total
        FROM unnest(resolved, line_quantities) AS l (id, quantity) GROUP BY l.id
    ) AS w
    WHERE p.id = w.id;

    RETURN QUERY
        INSERT INTO reservation_items AS i (order_key, line, product_id, name, quantity, price_cents)
        SELECT wanted_key, l.n - 1, p.id, p.name, l.quantity, p.price_cents
        FROM unnest(resolved, line_quantities) WITH ORDINALITY AS l (id, quantity, n)
        JOIN products p ON p.id = l.id
        RETURNING 'reserved', i.line, i.product_id, i.name, i.quantity, i.price_cents;
END
$$;
