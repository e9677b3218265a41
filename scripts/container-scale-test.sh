#!/usr/bin/env bash
# Scale-out on PostgreSQL, verified on this machine's Docker engine:
# compose.yaml + compose.postgres.yaml with two of every role, the lab client
# through both gateways at once and a shop load (carts and checkouts) through
# one, then: every order they were given is there (each verifies), order
# numbers are unique and gapless across replicas, and stock is conserved.
# The `monitoring` profile runs alongside: its Prometheus (Debian's package)
# must find all eight replicas and hold each role's Storefront series, and
# the shop load must have read each role's metrics through the gateway.
# Tears down everything it made (a unique compose project), even on failure.
#
#   scripts/container-scale-test.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

build=true
[ "${1:-}" = "--no-build" ] && build=false

project="storefront-scale-$$"
work=$(mktemp -d)
health_deadline_s=240 # a failure bound (something hangs), not a measurement

if docker compose version >/dev/null 2>&1; then compose_cmd=(docker compose); else compose_cmd=(docker-compose); fi
files=(-f compose.yaml -f compose.postgres.yaml)
compose() { "${compose_cmd[@]}" -p "$project" "${files[@]}" --profile monitoring "$@"; }

fail() { echo "container-scale-test: FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; passed=$((passed + 1)); }
passed=0

leftovers() {
  local label="label=com.docker.compose.project=$project"
  { docker ps -aq --filter "$label"; docker network ls -q --filter "$label"; docker volume ls -q --filter "$label"; } | sort -u
}
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    compose logs --no-color --tail=30 >&2 || true
  fi
  compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ -n "$(leftovers)" ]; then
    echo "container-scale-test: left behind: $(leftovers | tr '\n' ' ')" >&2
    status=1
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Three consecutive free ports on loopback: one per gateway replica, then
# Prometheus's (picked together, outside the kernel's ephemeral range, so
# no connection made meanwhile takes one of them).
ports=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    base = random.randint(20000, 30000)
    sockets = []
    try:
        for port in (base, base + 1, base + 2):
            s = socket.socket(); s.bind(("127.0.0.1", port)); sockets.append(s)
        print(f"{base} {base + 1} {base + 2}"); break
    except OSError:
        pass
    finally:
        for s in sockets: s.close()
PY
)
read -r port_a port_b prometheus_port <<<"$ports"
export STOREFRONT_GATEWAY_HOST=127.0.0.1 STOREFRONT_GATEWAY_PORT="$port_a-$port_b"
# Both gateway replicas get it (and sign customer tokens with a key derived
# from it); the list of every order below needs it.
admin_token="scale-test-$$"
export STOREFRONT_ADMIN_TOKEN=$admin_token
export STOREFRONT_PROMETHEUS_HOST=127.0.0.1 STOREFRONT_PROMETHEUS_PORT=$prometheus_port

echo "== build"
if $build; then
  scripts/build.sh --postgres --prometheus
fi

echo "== up: 2 gateways, 2 orders, 2 catalogs, 2 carts, PostgreSQL (project $project)"
compose up -d --scale gateway=2 --scale orders=2 --scale catalog=2 --scale carts=2
deadline=$((SECONDS + health_deadline_s))
until [ "$(compose ps -q | xargs docker inspect -f '{{.State.Health.Status}}' | grep -vc '^healthy$')" = 0 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "not healthy after ${health_deadline_s}s"
  sleep 1
done
for role in gateway orders catalog carts; do
  [ "$(compose ps -q "$role" | wc -l)" = 2 ] || fail "$role: not two replicas"
done
pass "every replica is healthy"

echo "== the lab client through both gateways at once"
pids=()
for port in "$port_a" "$port_b"; do
  target/release/storefront client --target "http://127.0.0.1:$port" --sessions 4 --iterations 100 --p 0.7 \
    --seed "$port" >"$work/client.$port" 2>&1 &
  pids+=($!)
done
for i in 0 1; do
  wait "${pids[$i]}" || { cat "$work"/client.*; fail "lab client run $i"; }
done
pass "two lab clients, 8 sessions: every order they were given reads back as placed"

echo "== a shop load through one gateway: carts and checkouts on both carts replicas"
target/release/storefront load --target "http://127.0.0.1:$port_a" --workload shop \
  --users 4 --iterations 10 --hold 120s --out "$work/shop" >"$work/shop.log" 2>&1 \
  || { cat "$work/shop.log"; fail "shop load (errors or invariants)"; }
grep -q "invariants hold" "$work/shop.log" || { cat "$work/shop.log"; fail "shop load: no invariants line"; }
[ "$(jq .aggregate.total.errors "$work/shop/summary.json")" = 0 ] || { cat "$work/shop.log"; fail "shop load: errors"; }
pass "40 shopping trips without an error: every checkout reads back as placed, stock conserved"
read_roles=$(jq -c '.server | keys' "$work/shop/summary.json")
[ "$read_roles" = '["carts","catalog","gateway","orders"]' ] || fail "the shop load read the metrics of $read_roles"
pass "the shop load read every role's metrics through the gateway"

echo "== Prometheus (the monitoring profile) scrapes every replica"
# query PROMQL: the `result` array of an instant query to the published Prometheus.
query() {
  curl -sS --max-time 10 -G "http://127.0.0.1:$prometheus_port/api/v1/query" --data-urlencode "query=$1" \
    | jq -c '.data.result'
}
deadline=$((SECONDS + 60))
until [ "$(query 'count(up{job="storefront"} == 1)' | jq -r '.[0].value[1] // 0')" = 8 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "Prometheus targets up: $(query 'up{job="storefront"}')"
  sleep 1
done
pass "Prometheus finds all eight replicas up"
roles=$(query 'sum by (role) (storefront_http_requests_total)' | jq -c '[.[].metric.role] | sort')
[ "$roles" = '["carts","catalog","gateway","orders"]' ] || fail "storefront_http_requests_total by role: $roles"
placed=$(query 'sum(storefront_saga_outcomes_total{outcome="placed"})' | jq -r '.[0].value[1] // 0')
[ "$placed" -gt 0 ] || fail "no placed orders counted in Prometheus"
pass "Prometheus holds every role's requests and $placed placed orders"

orders=$(curl -sS --max-time 30 -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$port_a/orders?limit=1000")
# Stock through the other gateway (so, perhaps, the other catalog replica,
# which shows a change made through its peer a moment later): read until it
# adds up, for a few seconds at most.
for _ in $(seq 30); do
  products=$(curl -sS --max-time 30 "http://127.0.0.1:$port_b/products?limit=1000")
  accounted=$(jq -n --argjson p "$products" --argjson o "$orders" \
    '([$p.data[].quantity] | add) + ([$o.data[].items[].quantity] | add)')
  [ "$accounted" = 1200 ] && break
  sleep 0.1
done
numbers=$(jq -c '[.data[].number] | {count: length, unique: (unique | length), gapless: (sort == [range(0; length)])}' <<<"$orders")
count=$(jq .count <<<"$numbers")
[ "$count" -gt 0 ] && [ "$(jq .unique <<<"$numbers")" = "$count" ] && [ "$(jq .gapless <<<"$numbers")" = true ] \
  || fail "order numbers across replicas: $numbers"
pass "$count order numbers from two orders replicas: unique and gapless"
[ "$accounted" = 1200 ] || fail "stock + ordered = $accounted, expected the seed's 1200"
pass "stock + ordered units = initial stock (1200)"

compose down --volumes --remove-orphans --timeout 10 >/dev/null
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers | tr '\n' ' ')"
pass "no containers, networks or volumes left"
echo "container-scale-test: $passed passed, 0 failed"
