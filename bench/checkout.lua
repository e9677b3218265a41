-- wrk script for checkouts: each connection alternates
--   POST /carts/<customer>            {"product_id":N,"quantity":1}
--   POST /carts/<customer>/checkout
-- with a new customer for every pair, so every pair is one whole checkout
-- (cart, stock reservation, numbered order, cart marked Ordered).
-- Run it with as many wrk threads as connections (-t C -c C): a thread then
-- owns one connection, and the add always completes before its checkout.
-- The product id comes from BENCH_PRODUCT_ID (default 1). A customer's cart
-- needs its token: with BENCH_ADMIN_TOKEN set, every request carries the admin
-- token, which acts for any customer (what a back office would send).
local product_id = os.getenv("BENCH_PRODUCT_ID") or "1"
local admin_token = os.getenv("BENCH_ADMIN_TOKEN")
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("prefix", string.format("w%d-%d", counter, math.random(1, 1000000000)))
end

function init(args)
    n = 0
    adding = true
    add_body = '{"product_id":' .. product_id .. ',"quantity":1}'
    headers = { ["Content-Type"] = "application/json" }
    checkout_headers = {}
    if admin_token then
        headers["Authorization"] = "Bearer " .. admin_token
        checkout_headers["Authorization"] = "Bearer " .. admin_token
    end
end

function request()
    if adding then
        n = n + 1
        adding = false
        return wrk.format("POST", "/carts/" .. prefix .. "-" .. n, headers, add_body)
    end
    adding = true
    return wrk.format("POST", "/carts/" .. prefix .. "-" .. n .. "/checkout", checkout_headers, nil)
end
