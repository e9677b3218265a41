#!/usr/bin/env bash
# Benchmarks the shop paths on both backends against a same-run baseline and
# prints a Markdown report (also written to bench/results/shop-latest.md):
#
#   baseline   GET /                   minimal hyper server, fixed JSON (the ceiling)
#   by-id      GET /products/1         gateway -> catalog, the full product record
#   checkout   POST /carts/<c> then POST /carts/<c>/checkout, a new customer per
#              pair: gateway -> carts -> catalog (add), then carts -> orders ->
#              catalog -> orders -> carts (checkout), every step durable
#
# for `storefront up` on SQLite (fresh data dir) and on PostgreSQL (a fresh
# database on the local server, which scripts/postgres.sh installs and starts
# when absent), at 1, 10 and 50 connections. Checkouts/s is completed
# checkouts: Ordered carts counted through the admin API after each run.
#
# Environment: BENCH_DURATION (10s), BENCH_WARMUP (3s), BENCH_THREADS (wrk
# threads for the plain GETs, 2), BENCH_CONNECTIONS
# ("1 10 50"), BENCH_BACKENDS ("sqlite postgres"), BENCH_TMPDIR (target/),
# BENCH_RESULTS (bench/results/shop-latest.md), BENCH_SKIP_BUILD=1, BENCH_BIN (the
# storefront binary, default target/release/storefront: another revision's build
# for a same-run before/after).
#
# Each checkout run reports one non-2xx reply: wrk calls request() once
# before the run and drops that request, so its first real request is the
# checkout of a cart whose add was never sent (409 "cart is empty").
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
connections="${BENCH_CONNECTIONS:-1 10 50}"
backends="${BENCH_BACKENDS:-sqlite postgres}"
results="${BENCH_RESULTS:-$repo/bench/results/shop-latest.md}"
token="bench-admin-token"
export BENCH_ADMIN_TOKEN="$token"   # bench/checkout.lua acts for its customers with it
port=18180

bench_name=bench-shop
# shellcheck source=scripts/bench-common.sh
source "$repo/scripts/bench-common.sh"
"$baseline_bin" 127.0.0.1:0 >"$work/baseline.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    baseline_url="$(sed -n 's/^baseline listening on \(http:\/\/.*\)$/\1/p' "$work/baseline.out")"
    [[ -n "$baseline_url" ]] && break
    sleep 0.1
done
wait_for "$baseline_url/" "${pids[0]}" baseline

to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.3f", n }'
}

rows=()
# measure LABEL BACKEND URL CONNS [LUA] -> appends a report row
measure() {
    local label="$1" backend="$2" url="$3" c="$4" lua="${5:-}" out threads="${BENCH_THREADS:-2}"
    out="$work/$label-$backend-$c.txt"
    [[ -n "$lua" ]] && threads="$c"
    ((threads > c)) && threads="$c"
    local before=0 after=0
    [[ "$label" == checkout ]] && before="$(ordered_carts "$url")"
    wrk -t"$threads" -c"$c" -d"$duration" --latency ${lua:+-s "$lua"} "$url" >"$out" 2>&1
    local rps p50 p99 non2xx
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
    non2xx="$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")"
    local per_second="$rps"
    if [[ "$label" == checkout ]]; then
        sleep 0.5
        after="$(ordered_carts "$url")"
        per_second="$(awk -v n="$((after - before))" -v d="${duration%s}" 'BEGIN {printf "%.1f", n / d}')"
    fi
    rows+=("| $label | $backend | $c | $per_second | $p50 | $p99 | ${non2xx:-0} |")
    log "$label $backend c=$c: $per_second/s p50 $p50 ms p99 $p99 ms non-2xx ${non2xx:-0}"
}

ordered_carts() { # gateway URL -> number of Ordered carts (admin list, by pages)
    local offset=0 total=0 body
    while :; do
        body="$(curl -fsS -H "Authorization: Bearer $token" "$1/carts?limit=1000&offset=$offset")"
        total=$((total + $(grep -o '"status":"Ordered"' <<<"$body" | wc -l)))
        (($(grep -o '"cart_id"' <<<"$body" | wc -l) < 1000)) && break
        offset=$((offset + 1000))
    done
    echo "$total"
}

for c in $connections; do measure baseline - "$baseline_url/" "$c"; done

for backend in $backends; do
    gateway="http://127.0.0.1:$port"
    start_store "$backend" "$port" STOREFRONT_ADMIN_TOKEN="$token"
    wrk -t2 -c10 -d"$warmup" "$gateway/products/1" >/dev/null 2>&1
    for c in $connections; do measure by-id "$backend" "$gateway/products/1" "$c"; done
    wrk -t10 -c10 -d"$warmup" -s bench/checkout.lua "$gateway" >/dev/null 2>&1
    for c in $connections; do measure checkout "$backend" "$gateway" "$c" bench/checkout.lua; done
    stop_store
    port=$((port + 10))
done

{
    echo "# Storefront shop benchmark"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'), revision $(git rev-parse --short HEAD)"
    echo "- Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p; T; q' /proc/cpuinfo)), kernel $(uname -r)"
    echo "- Command: \`BENCH_DURATION=$duration scripts/bench-shop.sh\` (wrk, keep-alive, same machine)"
    echo
    echo "Req/s for baseline and by-id; for checkout, completed checkouts per second"
    echo "(Ordered carts counted after the run), latency over both requests of a pair."
    echo
    echo "| Series | Backend | Conns | Per second | p50 (ms) | p99 (ms) | Non-2xx |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} | tee "$results"
