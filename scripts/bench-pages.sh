#!/usr/bin/env bash
# The web storefront's pages beside the JSON API they mirror, on one
# `storefront up` (SQLite) seeded with 100 products, so the product list
# page and `GET /products` both show a full page of 100 rows.
#
# 1. Routes: wrk -t1 -c50 for BENCH_DURATION on each page and its JSON
#    twin (`/shop` vs `/products`, `/shop/products/1` vs `/products/1`),
#    the order alternating from round to round (BENCH_ROUNDS); each round
#    gives the page's req/s as a ratio of the JSON route's, measured
#    moments apart on the same store.
# 2. Trips: `storefront load --workload web` (the trip through the pages)
#    and `--workload shop` (the same trip through the API), BENCH_USERS
#    closed-model users for BENCH_HOLD each, alternating likewise: trips/s
#    (one product list per trip), checkouts/s, errors, invariants.
#
# Environment: BENCH_ROUNDS (3), BENCH_DURATION (10s), BENCH_USERS (50),
# BENCH_HOLD (20s), BENCH_BIN, BENCH_TMPDIR (target/), BENCH_RESULTS
# (bench/results/pages-latest.md), BENCH_SKIP_BUILD=1.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
rounds="${BENCH_ROUNDS:-3}"
duration="${BENCH_DURATION:-10s}"
users="${BENCH_USERS:-50}"
hold="${BENCH_HOLD:-20s}"
backends=sqlite
results="${BENCH_RESULTS:-$repo/bench/results/pages-latest.md}"

bench_name=bench-pages
# shellcheck source=scripts/bench-common.sh
source "$repo/scripts/bench-common.sh"

python3 - "$work/seed.json" <<'PY'
import json, sys
products = [{"name": f"Product {i:03}", "price": round(1 + i * 0.37, 2), "quantity": 1_000_000_000,
             "description": f"The {i}th product of the pages benchmark."} for i in range(1, 101)]
json.dump(products, open(sys.argv[1], "w"))
PY
export BENCH_SEED_FILE="$work/seed.json"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
start_store sqlite "$port"
base="http://127.0.0.1:$port"
[[ "$(curl -s "$base/products" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')" == 100 ]] \
    || die "GET /products does not list 100 products"
[[ "$(curl -s "$base/shop" | grep -c '<tr><td><a href="/shop/products/')" == 100 ]] \
    || die "GET /shop does not show 100 products"

wrk_rps() { wrk -t1 -c50 -d"$duration" "$base$1" 2>/dev/null | awk '/^Requests\/sec:/ {print $2}'; }

route_rows=()
for round in $(seq "$rounds"); do
    for pair in "/shop /products" "/shop/products/1 /products/1"; do
        read -r page api <<<"$pair"
        if (( round % 2 )); then
            page_rps="$(wrk_rps "$page")"; api_rps="$(wrk_rps "$api")"
        else
            api_rps="$(wrk_rps "$api")"; page_rps="$(wrk_rps "$page")"
        fi
        row="| $round | \`$page\` | $page_rps | \`$api\` | $api_rps | $(python3 -c "print(f'{$page_rps / $api_rps:.2f}')") |"
        route_rows+=("$row")
        log "$row"
    done
done

trip_rows=()
# trip WORKLOAD ROUND
trip() {
    local out="$work/trip-$1-$2"
    "$bin" load --target "$base" --workload "$1" --users "$users" --ramp-up 2s --hold "$hold" \
        --seed "$2" --out "$out" >"$out.log" 2>&1 || log "load run exited non-zero (see $out.log)"
    trip_rows+=("$(python3 - "$out/summary.json" "$1" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); workload, round_ = sys.argv[2], sys.argv[3]
labels = {row["label"]: row for row in s["aggregate"]["rows"]}
total = s["aggregate"]["total"]
first, checkout = labels["browse"], labels["checkout"]
held = "yes" if s["run"].get("extra", {}).get("invariants", {}).get("ok") else "NO"
print(f'| {round_} | {workload} | {first["throughput_per_sec"]:,.0f} | {checkout["throughput_per_sec"]:,.0f} | '
      f'{total["throughput_per_sec"]:,.0f} | {total["errors"]} | {held} | {checkout["average_ms"]:.1f} |')
PY
)")
    log "${trip_rows[-1]}"
}
for round in $(seq "$rounds"); do
    if (( round % 2 )); then trip web "$round"; trip shop "$round"; else trip shop "$round"; trip web "$round"; fi
done
stop_store

{
    echo "# The web storefront's pages beside the JSON API"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'), revision $(git rev-parse --short HEAD)"
    echo "- Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p; T; q' /proc/cpuinfo)), kernel $(uname -r)"
    echo "- Command: \`BENCH_ROUNDS=$rounds BENCH_DURATION=$duration BENCH_USERS=$users BENCH_HOLD=$hold scripts/bench-pages.sh\`"
    echo "- Store: \`storefront up\` on SQLite with 100 products (a full page of the list)"
    echo
    echo "## Routes (wrk -t1 -c50, $duration each)"
    echo
    echo "| Round | Page | Req/s | JSON route | Req/s | Page / JSON |"
    echo "|---:|---|---:|---|---:|---:|"
    printf '%s\n' "${route_rows[@]}"
    echo
    echo "## Trips ($users users, $hold each): the pages (web) and the API (shop)"
    echo
    echo "| Round | Workload | Trips/s | Checkouts/s | Req/s | Errors | Invariants | Checkout mean (ms) |"
    echo "|---:|---|---:|---:|---:|---:|---|---:|"
    printf '%s\n' "${trip_rows[@]}"
} | tee "$results"
