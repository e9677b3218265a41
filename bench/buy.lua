-- wrk script for durable buys: every request is
--   POST /orders  {"name":"Tux","quantity":1}  (Content-Type: application/json)
-- Used by scripts/bench.sh as: wrk -s bench/buy.lua http://GATEWAY
-- The product can be changed with the BENCH_PRODUCT environment variable.
local product = os.getenv("BENCH_PRODUCT") or "Tux"

wrk.method = "POST"
wrk.path = "/orders"
wrk.body = '{"name":"' .. product .. '","quantity":1}'
wrk.headers["Content-Type"] = "application/json"
