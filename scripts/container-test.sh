#!/usr/bin/env bash
# The containers, verified on this machine's Docker engine:
#   1 builds the images (scripts/build.sh; the base image is made once and kept)
#   2 `compose up`, waits until every role is healthy
#   3 the lab protocol through the published gateway, error cases, a cart checkout,
#     and the lab client's own verified run
#   4 `compose down` (containers gone, volumes kept), `up` again: stock and
#     orders are exactly as before
#   5 stops the orders container during a stream of buys: every reply is an
#     order number or a 503 with an error object (none hangs), queries go on;
#     after `start` every acknowledged order is there and stock is conserved
#   6 tears down everything it made (a unique compose project), even on failure
# Traffic goes only to the gateway published on 127.0.0.1.
#
#   scripts/container-test.sh [--no-build]
# (--no-build uses the existing images; the lab client run is
# ${STOREFRONT_BIN:-target/release/storefront}.)
set -euo pipefail
cd "$(dirname "$0")/.."

build=true
[ "${1:-}" = "--no-build" ] && build=false

project="storefront-test-$$"
admin_token="container-test-$$"
work=$(mktemp -d)
# Deadline for a container to become healthy; reaching it is a failure
# (something hangs), not a measurement.
health_deadline_s=180

if docker compose version >/dev/null 2>&1; then
  compose_cmd=(docker compose)
else
  compose_cmd=(docker-compose)
fi
compose() { "${compose_cmd[@]}" -p "$project" -f compose.yaml "$@"; }

# A free port on loopback for the published gateway.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export STOREFRONT_GATEWAY_HOST=127.0.0.1 STOREFRONT_GATEWAY_PORT=$port STOREFRONT_ADMIN_TOKEN=$admin_token
base="http://127.0.0.1:$port"

leftovers() {
  local label="label=com.docker.compose.project=$project"
  { docker ps -aq --filter "$label"; docker network ls -q --filter "$label"; docker volume ls -q --filter "$label"; } | sort -u
}

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "== FAILED; last logs:" >&2
    compose logs --no-color --tail=30 >&2 || true
  fi
  compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ -n "$(leftovers)" ]; then
    echo "container-test: left behind: $(leftovers | tr '\n' ' ')" >&2
    status=1
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "container-test: FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; passed=$((passed + 1)); }
passed=0

# request METHOD PATH [BODY]: sets $status and $body. --max-time turns a hang into a failure.
request() {
  local method=$1 path=$2 data=${3:-}
  local args=(-sS --max-time 30 -o "$work/body" -w '%{http_code}' -X "$method")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  [ -n "${auth:-}" ] && args+=(-H "Authorization: $auth")
  status=$(curl "${args[@]}" "$base$path") || fail "$method $path: no reply (curl exit $?)"
  body=$(cat "$work/body")
}

expect() { # expect STATUS JQ_FILTER EXPECTED DESCRIPTION
  [ "$status" = "$1" ] || fail "$4: status $status, expected $1; body $body"
  local got
  got=$(jq -c "$2" <<<"$body") || fail "$4: not JSON: $body"
  [ "$got" = "$3" ] || fail "$4: $2 is $got, expected $3"
  pass "$4"
}

wait_healthy() {
  local deadline=$((SECONDS + health_deadline_s)) ids id state unhealthy
  while :; do
    ids=$(compose ps -q)
    unhealthy=0
    for id in $ids; do
      state=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")
      [ "$state" = healthy ] || unhealthy=$((unhealthy + 1))
    done
    if [ -n "$ids" ] && [ "$unhealthy" -eq 0 ]; then
      return
    fi
    [ "$SECONDS" -lt "$deadline" ] || fail "not healthy after ${health_deadline_s}s"
    sleep 1
  done
}

# Every product's stock and every order, as one canonical JSON text.
snapshot() {
  request GET "/products?limit=1000"
  [ "$status" = 200 ] || fail "product list: $status $body"
  local products=$body
  # Every customer's orders: the admin's list.
  auth="Bearer $admin_token" request GET "/orders?limit=1000"
  [ "$status" = 200 ] || fail "order list: $status $body"
  jq -cn --argjson p "$products" --argjson o "$body" \
    '{stock: [$p.data[] | {id, name, quantity}], orders: $o.data}'
}

# Stock is conserved: initial stock = stock now + every unit ordered.
check_conservation() {
  local state=$1 initial=$2 accounted
  accounted=$(jq '([.stock[].quantity] | add) + ([.orders[].items[].quantity] | add // 0)' <<<"$state")
  [ "$accounted" = "$initial" ] || fail "stock + ordered = $accounted, expected $initial"
  pass "stock + ordered units = initial stock ($initial)"
}

echo "== 1 build"
if $build; then
  scripts/build.sh
fi
docker image inspect storefront:latest >/dev/null || fail "no storefront:latest image"

echo "== 2 up (project $project, gateway on $base)"
compose up -d
wait_healthy
pass "every role is healthy"
[ "$(compose port gateway 8080)" = "127.0.0.1:$port" ] || fail "gateway not published on 127.0.0.1:$port"
published=$(docker ps --filter "label=com.docker.compose.project=$project" \
  --format '{{.Label "com.docker.compose.service"}} {{.Ports}}' | grep -- '->' | cut -d' ' -f1 | sort -u | xargs)
[ "$published" = gateway ] || fail "published services: '$published', expected only the gateway"
pass "only the gateway is published"

echo "== 3 lab protocol through the gateway"
initial=$(snapshot)
initial_stock=$(jq '[.stock[].quantity] | add' <<<"$initial")
request GET /products/Tux
expect 200 .data '{"name":"Tux","price":15.99,"quantity":100}' "query a product"
request POST /orders '{"name":"Tux","quantity":2}'
expect 200 .data '{"order_number":0}' "buy: the first order is number 0"
request GET /orders/0
expect 200 .data '{"number":0,"name":"Tux","quantity":2}' "order lookup"
request GET /products/Tux
expect 200 .data.quantity 98 "the buy took the stock"
request GET /products/NoSuchToy
expect 404 .error.code 404 "unknown product: 404 with an error object"
request POST /orders '{"name":"Tux",'
expect 400 .error.code 400 "bad JSON: 400 with an error object"
request POST /orders '{"name":"NoSuchToy","quantity":1}'
expect 404 .error.code 404 "buying an unknown product: 404"
request GET /orders/999999
expect 404 .error.code 404 "unknown order: 404"

whale_id=$(jq '.stock[] | select(.name == "Whale") | .id' <<<"$initial")
request POST /customers
expect 201 .data.token_type '"Bearer"' "a new customer and its token"
customer=$(jq -r .data.customer_id <<<"$body")
token=$(jq -r .data.access_token <<<"$body")
request POST "/carts/$customer" "{\"product_id\":$whale_id,\"quantity\":3}"
expect 401 .error.code 401 "a customer's cart refuses a request without its token"
auth="Bearer $token"
request POST "/carts/$customer" "{\"product_id\":$whale_id,\"quantity\":3}"
expect 201 '.data.items | map({name, quantity})' '[{"name":"Whale","quantity":3}]' "cart add"
request POST "/carts/$customer/checkout"
expect 200 .data '{"order_number":1}' "checkout is one order"
request GET /orders/1
expect 200 '[.data.customer_id, (.data.items | map({name, quantity}))]' "[\"$customer\",[{\"name\":\"Whale\",\"quantity\":3}]]" "the checkout's order holds the cart"
auth=""

# The lab client: concurrent keep-alive sessions that query and buy, then
# read back and verify every order they were given (non-zero on any mismatch).
"${STOREFRONT_BIN:-target/release/storefront}" client --target "$base" --sessions 4 --iterations 50 --p 0.5 --seed 6 >"$work/client" \
  || { cat "$work/client"; fail "lab client run"; }
pass "lab client: 4 sessions, every order verified"

# The web storefront: a browser opening / is sent to the shop's pages, and
# shoppers going through them (forms, cookies) order what they see.
root=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Accept: text/html' "$base/")
[ "$root" = "303 $base/shop" ] || fail "GET / from a browser: $root, expected 303 to /shop"
curl -sS --max-time 30 "$base/shop" | grep -q '>Tux</a>' || fail "the shop page does not list Tux"
pass "a browser opening / reaches the shop's pages"
"${STOREFRONT_BIN:-target/release/storefront}" load --target "$base" --workload web --users 2 --iterations 3 \
  --seed 6 --out "$work/web-load" >"$work/web-load.log" 2>&1 || { cat "$work/web-load.log"; fail "web workload run"; }
pass "web workload: 2 shoppers through the pages, every order verified"

before=$(snapshot)
check_conservation "$before" "$initial_stock"

echo "== 4 down (volumes kept) and up again"
compose down --timeout 10
[ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$project")" ] || fail "containers left after down"
# The store's three data volumes (docker-compose v1 also makes the
# monitoring profile's prometheus-data, unused here).
[ "$(docker volume ls -q --filter "label=com.docker.compose.project=$project" | grep -cE '_(catalog|orders|carts)-data$')" -eq 3 ] \
  || fail "the three data volumes should survive down"
pass "down removed the containers and kept the volumes"
compose up -d
wait_healthy
after=$(snapshot)
[ "$after" = "$before" ] || fail "state changed across down/up: before $before after $after"
pass "stock and orders are exactly as before ($(jq '.orders | length' <<<"$after") orders)"
next=$(jq '.orders | length' <<<"$after")
request POST /orders '{"name":"Tux","quantity":1}'
expect 200 .data "{\"order_number\":$next}" "numbering goes on after the restart"

echo "== 5 a service stops mid-run"
# A stream of buys, one at a time, each reply recorded as "status body";
# --max-time turns a hung reply into a recorded failure.
buy_stream() {
  local i code
  for i in $(seq 1 5000); do
    [ -e "$work/stop-buying" ] && break
    code=$(curl -sS --max-time 30 -o "$work/buy" -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary '{"name":"Fox","quantity":1}' "$base/orders") || code="no-reply"
    echo "$code $(jq -c . "$work/buy" 2>/dev/null || echo null)" >>"$work/buys"
  done
}
count_replies() { grep -c "^$1 " "$work/buys" 2>/dev/null || true; }
wait_for_replies() { # wait_for_replies STATUS COUNT
  local deadline=$((SECONDS + health_deadline_s))
  until [ "$(count_replies "$1")" -ge "$2" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "fewer than $2 replies $1 to the buy stream"
    sleep 0.1
  done
}
: >"$work/buys"
buy_stream &
stream_pid=$!
wait_for_replies 200 5
compose stop --timeout 10 orders
wait_for_replies 503 3
touch "$work/stop-buying"
wait "$stream_pid"
others=$(grep -v -E '^(200 \{"data":\{"order_number":[0-9]+\}\}|503 \{"error":\{"code":503,"message":"[^"]*"\}\})$' "$work/buys" || true)
[ -z "$others" ] || fail "during the stop, replies other than 200 with a number or 503 with an error object: $others"
pass "buys while orders stopped: $(count_replies 200) ordered, $(count_replies 503) answered 503 with an error object, none hung"
request GET /orders/0
expect 503 .error.code 503 "order lookup with orders stopped: 503"
request GET /products/Tux
[ "$status" = 200 ] || fail "queries should not need the orders service: $status"
pass "queries go on while orders is down"

compose start orders
wait_healthy
acknowledged=$(grep '^200 ' "$work/buys" | cut -d' ' -f2- | jq '.data.order_number')
for number in $acknowledged; do
  request GET "/orders/$number"
  [ "$status" = 200 ] && [ "$(jq -c .data <<<"$body")" = "{\"number\":$number,\"name\":\"Fox\",\"quantity\":1}" ] \
    || fail "acknowledged order $number: $status $body"
done
pass "every order acknowledged during the run is there after the restart"
request POST /orders '{"name":"Tux","quantity":1}'
[ "$status" = 200 ] || fail "buys should work again once orders is back: $status $body"
pass "buys work again once orders is back"
check_conservation "$(snapshot)" "$initial_stock"

echo "== 6 teardown"
compose down --volumes --remove-orphans --timeout 10 >/dev/null
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers | tr '\n' ' ')"
pass "no containers, networks or volumes left"
echo "container-test: $passed passed, 0 failed"
