-- Each replica keeps a copy of the products (store/postgres_mirror.rs) and
-- refreshes only the rows that changed, so a notification names its row:
-- the payload is '<schema>:<product id>'. A payload that is the schema
-- alone (the function of migration 0001, or a NOTIFY sent by hand) still
-- means "something changed": the listener then reloads every product.
CREATE OR REPLACE FUNCTION notify_products_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('catalog_products_changed', TG_TABLE_SCHEMA || ':' || OLD.id);
    ELSE
        PERFORM pg_notify('catalog_products_changed', TG_TABLE_SCHEMA || ':' || NEW.id);
    END IF;
    RETURN NULL;
END
$$;
