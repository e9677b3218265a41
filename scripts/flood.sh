#!/usr/bin/env bash
# Floods and slow clients: how many idle or half-sent connections the
# gateway holds while a normal client stays fast. Starts `storefront up`
# (SQLite, bench/seed.json), then for each mode (idle: connected, never
# sending; slow: a request's headers trickled a line every 3 s, never
# finished) and each level N of FLOOD_LEVELS, holds N such connections with
# scripts/flood.py and, once the gateway reports them open
# (storefront_http_open_connections), measures a normal client beside them:
# `storefront load --url …/products/1` on FLOOD_PROBE keep-alive
# connections for FLOOD_DURATION. The last level is above
# http.max_connections (FLOOD_MAX, default 10000): connections past it are
# refused with 503 at once. Prints one row per (mode, level); not part of
# CI: the figures are in docs/BENCHMARKS.md, "Floods".
#
#   scripts/flood.sh
#   FLOOD_LEVELS="0 2000 9000" FLOOD_DURATION=20s scripts/flood.sh
#
# Environment: FLOOD_LEVELS ("0 1000 4000 9000 12000"), FLOOD_MODES
# ("idle slow"), FLOOD_PROBE (8), FLOOD_DURATION (10s), FLOOD_MAX (10000),
# BENCH_SKIP_BUILD=1, BENCH_TMPDIR, FLOOD_RESULTS
# (bench/results/flood-latest.md). Needs `ulimit -n` above the largest
# level plus the probe, for this shell and the store.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
levels="${FLOOD_LEVELS:-0 1000 4000 9000 12000}"
modes="${FLOOD_MODES:-idle slow}"
probe="${FLOOD_PROBE:-8}"
duration="${FLOOD_DURATION:-10s}"
max_connections="${FLOOD_MAX:-10000}"
results="${FLOOD_RESULTS:-$repo/bench/results/flood-latest.md}"
backends=sqlite

bench_name=flood
# shellcheck source=scripts/bench-common.sh
source "$repo/scripts/bench-common.sh"
# shellcheck source=scripts/stack-helpers.sh
source "$repo/scripts/stack-helpers.sh"

largest=0
for n in $levels; do ((n > largest)) && largest=$n; done
if (($(ulimit -n) < largest + probe + 100)); then
    ulimit -n $((largest + probe + 100)) 2>/dev/null || die "ulimit -n is $(ulimit -n): raise it above $((largest + probe + 100))"
fi

port="$(free_port)"
start_store sqlite "$port" STOREFRONT_MAX_CONNECTIONS="$max_connections"
gateway="http://127.0.0.1:$port"
log "store up on :$port, http.max_connections = $max_connections"

open_connections() {
    curl -fsS "$gateway/metrics" | awk '$1 == "storefront_http_open_connections" {print int($2)}'
}
# Refusals the flood itself has met so far (past the limit a scrape of
# /metrics is one more connection, and is refused too).
flood_refused() {
    [[ -f "$1" ]] || { echo 0; return; }
    awk '/^held/ {n = $4} END {print n + 0}' "$1"
}

rows=()
for mode in $modes; do
    for n in $levels; do
        flood_pid=""
        if ((n > 0)); then
            python3 "$repo/scripts/flood.py" 127.0.0.1 "$port" "$n" "$mode" >"$work/flood-$mode-$n.log" 2>&1 &
            flood_pid=$!
            pids+=("$flood_pid")
            # Held: the gateway's own count (the scrape's connection is one).
            target=$((n < max_connections ? n : max_connections - 1))
            for _ in $(seq 120); do
                held="$(open_connections || echo 0)"
                ((held >= target)) && break
                sleep 0.5
            done
        fi
        held="$(open_connections || echo "at the limit")"
        flood_log="$work/flood-$mode-$n.log"
        refused_before="$(flood_refused "$flood_log")"
        out="$work/probe-$mode-$n"
        "$bin" load --url "$gateway/products/1" --connections "$probe" --duration "$duration" \
            --server-metrics off --out "$out" >"$out.log" 2>&1 || true
        refused_after="$(flood_refused "$flood_log")"
        [[ -n "$flood_pid" ]] && { kill -TERM "$flood_pid" 2>/dev/null || true; wait "$flood_pid" 2>/dev/null || true; }
        row="$(python3 - "$out/summary.json" "$mode" "$n" "$held" "$((refused_after - refused_before))" <<'PY'
import json, sys
path, mode, n, held, refused = sys.argv[1:]
try:
    total = json.load(open(path))["aggregate"]["total"]
    print(f"| {mode} | {n} | {held} | {total['throughput_per_sec']:.0f} | {total['median_ms']:.3f} | "
          f"{total['p99_ms']:.3f} | {total['error_percent']:.2f} % | {refused} |")
except (OSError, KeyError) as e:
    print(f"| {mode} | {n} | {held} | no run ({e}) | | | | {refused} |")
PY
)"
        rows+=("$row")
        log "$row"
        # Let the server close what the flood left before the next level.
        for _ in $(seq 60); do (($(open_connections || echo 0) <= 2)) && break; sleep 0.5; done
    done
done
stop_store

{
    echo "Floods: \`scripts/flood.sh\`, revision $(git rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "http.max_connections = $max_connections; probe: storefront load --url /products/1, $probe connections, $duration"
    echo
    echo "| flood | wanted | open at the gateway | probe req/s | p50 ms | p99 ms | probe errors | flood connections refused (503) during the probe |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} | tee "$results"
