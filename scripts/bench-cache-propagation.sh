#!/usr/bin/env bash
# Measures how long a write through one gateway takes to show in another
# gateway's product cache, on SQLite and on PostgreSQL, idle and under load,
# and prints a Markdown report (also written to
# bench/results/cache-propagation-latest.md).
#
# For each backend: `storefront up` (gateway A, cache on as shipped) and a
# second gateway B on the same catalog, orders and carts. A prober buys one
# Tux through A, reads Tux through A (read-your-writes: this shows the buy,
# stock s), then polls Tux through B on a keep-alive connection until B's
# copy shows stock <= s. The delay is from the buy's acknowledgement to the
# first such reply from B's copy (`Cache-Status: hit`), so it includes the
# read through A (a fraction of a millisecond): the commit happened
# before the acknowledgement, so commit-to-visible is at least this and at
# most this plus the buy's own latency (also reported). Stock only falls
# here (buys only), so "<= s" means B holds the prober's buy.
#
# Idle: only the prober. Under load: `storefront load` runs the lab workload
# (BENCH_LOAD_USERS users, p = 0.5, buys of every product) against A for the
# whole measurement.
#
# Environment: BENCH_PROBES (300 per phase), BENCH_LOAD_USERS (8),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_TMPDIR (target/), BENCH_RESULTS,
# BENCH_SKIP_BUILD=1, BENCH_BIN (the storefront binary).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
probes="${BENCH_PROBES:-300}"
load_users="${BENCH_LOAD_USERS:-8}"
backends="${BENCH_BACKENDS:-sqlite postgres}"
results="${BENCH_RESULTS:-$repo/bench/results/cache-propagation-latest.md}"
port=18280

bench_name=bench-cache-propagation
# shellcheck source=scripts/bench-common.sh
source "$repo/scripts/bench-common.sh"

# probe A_URL B_URL N -> one line: p50 p90 p99 max (ms, ack -> visible at B), buy p50 (ms)
probe() {
    python3 - "$1" "$2" "$3" <<'EOF'
import http.client, json, sys, time
from urllib.parse import urlsplit

def connect(url):
    u = urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)

def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    return json.loads(r.read()), r.getheader("cache-status", "")

a, b, n = connect(sys.argv[1]), connect(sys.argv[2]), int(sys.argv[3])
order = json.dumps({"name": "Tux", "quantity": 1})
delays, buys = [], []
for _ in range(n):
    sent = time.monotonic()
    a.request("POST", "/orders", order, {"content-type": "application/json"})
    r = a.getresponse()
    r.read()
    acked = time.monotonic()
    if r.status != 200:
        sys.exit(f"buy answered {r.status}")
    shown, _ = get(a, "/products/Tux")
    stock = shown["data"]["quantity"]
    while True:
        seen, cache = get(b, "/products/Tux")
        if cache == "storefront; hit" and seen["data"]["quantity"] <= stock:
            break
        if time.monotonic() - acked > 10:
            sys.exit("gateway B never showed the buy")
    delays.append((time.monotonic() - acked) * 1000)
    buys.append((acked - sent) * 1000)
    time.sleep(0.005)

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]

print(f"{pct(delays, .5):.2f} {pct(delays, .9):.2f} {pct(delays, .99):.2f} {max(delays):.2f} {pct(buys, .5):.2f}")
EOF
}

rows=()
for backend in $backends; do
    a="http://127.0.0.1:$port"
    b="http://127.0.0.1:$((port + 4))"
    start_store "$backend" "$port" STOREFRONT_PRODUCT_CACHE=true
    STOREFRONT_PRODUCT_CACHE=true "$bin" serve gateway --listen "127.0.0.1:$((port + 4))" \
        --catalog-url "http://127.0.0.1:${store_peers[0]}" --orders-url "http://127.0.0.1:${store_peers[1]}" \
        --carts-url "http://127.0.0.1:${store_peers[2]}" >"$work/b-$backend.out" 2>"$work/b-$backend.err" &
    b_pid=$!
    pids+=("$b_pid")
    wait_for "$b/products/Tux" "$b_pid" "gateway B ($backend)"

    read -r p50 p90 p99 max buy <<<"$(probe "$a" "$b" "$probes")"
    rows+=("| $backend | idle | $p50 | $p90 | $p99 | $max | $buy |")
    log "$backend idle: p50 $p50 p90 $p90 p99 $p99 max $max ms (buy p50 $buy ms)"

    "$bin" load --target "$a" --workload lab --p 0.5 --users "$load_users" --hold 600s \
        --no-invariants --out "$work/load-$backend" >"$work/load-$backend.log" 2>&1 &
    load_pid=$!
    pids+=("$load_pid")
    sleep 3
    read -r p50 p90 p99 max buy <<<"$(probe "$a" "$b" "$probes")"
    rows+=("| $backend | lab load, $load_users users, p = 0.5 | $p50 | $p90 | $p99 | $max | $buy |")
    log "$backend under load: p50 $p50 p90 $p90 p99 $p99 max $max ms (buy p50 $buy ms)"
    kill -INT "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
    kill -TERM "$b_pid"
    wait "$b_pid" 2>/dev/null || true
    stop_store
    port=$((port + 10))
done

{
    echo "# Storefront product cache: propagation to another gateway"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'), revision $(git rev-parse --short HEAD)"
    echo "- Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p; T; q' /proc/cpuinfo)), kernel $(uname -r)"
    echo "- Command: \`BENCH_PROBES=$probes BENCH_LOAD_USERS=$load_users scripts/bench-cache-propagation.sh\`"
    echo
    echo "Milliseconds from a buy's acknowledgement at gateway A to gateway B's copy"
    echo "showing it ($probes probes per row); the buy's own latency beside it."
    echo
    echo "| Backend | Load | p50 | p90 | p99 | max | buy p50 |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
} | tee "$results"
