#!/usr/bin/env bash
# The shop workload end to end, the bookstore study's shape: `storefront load
# --workload shop` (browse, view, add to cart, change a line, view the cart,
# check out) with BENCH_USERS closed-model users against `storefront up` with
# ample stock (bench/seed.json), on SQLite (fresh data dir) and on PostgreSQL
# (a fresh database on the local server, installed by scripts/postgres.sh
# when absent). Beside each, the minimal hyper server's req/s (wrk -t1 -c50,
# the same run) is the ceiling the ratio is taken against.
#
# For each backend and each binary in BENCH_BINS (default: this tree's
# release build; give two, before and after, to compare them in one run),
# the runs are interleaved round by round (BENCH_ROUNDS). The report gives
# req/s, its ratio to the baseline measured just before it, checkouts/s,
# errors, whether the invariants held, and each label's mean latency.
#
# Environment: BENCH_USERS (50), BENCH_HOLD (20s), BENCH_RAMP_UP (2s),
# BENCH_ROUNDS (1), BENCH_BACKENDS ("sqlite postgres"), BENCH_BINS,
# BENCH_TMPDIR (target/), BENCH_RESULTS (bench/results/shop-load-latest.md),
# BENCH_SKIP_BUILD=1.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
users="${BENCH_USERS:-50}"
hold="${BENCH_HOLD:-20s}"
ramp_up="${BENCH_RAMP_UP:-2s}"
rounds="${BENCH_ROUNDS:-1}"
backends="${BENCH_BACKENDS:-sqlite postgres}"
results="${BENCH_RESULTS:-$repo/bench/results/shop-load-latest.md}"

bench_name=bench-shop-load
# shellcheck source=scripts/bench-common.sh
source "$repo/scripts/bench-common.sh"
bins="${BENCH_BINS:-$target_dir/release/storefront}"
# shellcheck source=scripts/stack-helpers.sh
source "$repo/scripts/stack-helpers.sh"

baseline_port="$(free_port)"
"$baseline_bin" "127.0.0.1:$baseline_port" >"$work/baseline.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$baseline_port/" 2>/dev/null && break; sleep 0.1; done

baseline_rps() {
    wrk -t1 -c50 -d5s "http://127.0.0.1:$baseline_port/" 2>/dev/null | awk '/^Requests\/sec:/ {print $2}'
}

rows=()
# one_run BIN BACKEND ROUND
one_run() {
    local bin="$1" backend="$2" round="$3" env_db=() data="$work/data-$backend-$round-$RANDOM"
    if [[ "$backend" == postgres ]]; then
        pg_database="bench_shop_load_$$_$RANDOM"
        psql "$STOREFRONT_TEST_POSTGRES_URL" -qc "CREATE DATABASE $pg_database"
        env_db=(STOREFRONT_DATABASE_URL="${STOREFRONT_TEST_POSTGRES_URL%/*}/$pg_database")
    fi
    local gw ca or ct
    gw="$(free_port)"; ca="$(free_port)"; or="$(free_port)"; ct="$(free_port)"
    env "${env_db[@]}" "$bin" --data-dir "$data" up \
        --gateway-listen "127.0.0.1:$gw" --catalog-listen "127.0.0.1:$ca" \
        --orders-listen "127.0.0.1:$or" --carts-listen "127.0.0.1:$ct" \
        --seed-file "$repo/bench/seed.json" >"$work/up.out" 2>"$work/up.err" &
    local up_pid=$!
    pids+=("$up_pid")
    wait_for_gateway "http://127.0.0.1:$gw"
    local base
    base="$(baseline_rps)"
    local out="$work/run-$backend-$round-$RANDOM"
    "$bin" load --target "http://127.0.0.1:$gw" --workload shop --users "$users" \
        --ramp-up "$ramp_up" --hold "$hold" --seed "$round" --out "$out" >"$out.log" 2>&1 \
        || log "load run exited non-zero (see $out.log)"
    kill -TERM "$up_pid"
    wait "$up_pid" 2>/dev/null || true
    if [[ -n "$pg_database" ]]; then
        psql "$STOREFRONT_TEST_POSTGRES_URL" -qc "DROP DATABASE $pg_database"
        pg_database=""
    fi
    rows+=("$(python3 - "$out/summary.json" "$base" "$bin" "$backend" "$round" <<'PY'
import json, sys
summary, base, binary, backend, round_ = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = json.load(open(summary))
labels = {row["label"]: row for row in s["aggregate"]["rows"]}
total = s["aggregate"]["total"]
held = "yes" if s["run"].get("extra", {}).get("invariants", {}).get("ok") else "NO"
checkout = labels.get("checkout", {})
means = " / ".join(f'{labels[k]["average_ms"]:.1f}' for k in
                   ["browse", "view", "add to cart", "change line", "view cart", "checkout"] if k in labels)
print(f'| {binary} | {backend} | {round_} | {total["throughput_per_sec"]:,.0f} | {base:,.0f} | '
      f'{total["throughput_per_sec"] / base:.4f} | {checkout.get("throughput_per_sec", 0):,.0f} | '
      f'{total["errors"]} | {held} | {means} |')
PY
)")
    log "${rows[-1]}"
}

for round in $(seq "$rounds"); do
    for backend in $backends; do
        for bin in $bins; do one_run "$bin" "$backend" "$round"; done
    done
done

{
    echo "# Storefront shop workload benchmark"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'), revision $(git rev-parse --short HEAD)"
    echo "- Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p; T; q' /proc/cpuinfo)), kernel $(uname -r)"
    echo "- Command: \`BENCH_USERS=$users BENCH_HOLD=$hold BENCH_ROUNDS=$rounds scripts/bench-shop-load.sh\`"
    echo
    echo "Mean latency (ms): browse / view / add to cart / change line / view cart / checkout."
    echo
    echo "| Binary | Backend | Round | Req/s | Baseline req/s | Ratio | Checkouts/s | Errors | Invariants | Means (ms) |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---|---|"
    printf '%s\n' "${rows[@]}"
} | tee "$results"
