-- Several carts processes may share this schema. A frozen cart is placed by
-- one of them at a time: its 'placer', the owner id of the process placing
-- it, whose liveness is a session advisory lock of that id
-- (service_kit::postgres::OwnerLock). When that process dies its session
-- ends, the lock is free, and any process's resolver may take the cart over.
ALTER TABLE carts ADD COLUMN placer BIGINT;
