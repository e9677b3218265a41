#!/usr/bin/env bash
# Benchmarks the store against a same-run baseline and prints a Markdown
# report (also written to bench/results/latest.md).
#
# What it does:
#   1. installs wrk (apt-get) if it is missing;
#   2. builds `storefront` and `storefront-baseline-server` in release mode;
#   3. starts the baseline server on a free port, and `storefront up` on a
#      fresh data dir with non-default ports and bench/seed.json (huge stock,
#      so buys never run out);
#   4. runs wrk --latency, after a short warm-up per series, for
#        baseline  GET /                (the ceiling: fixed JSON, no work)
#        query     GET /products/Tux    on a second gateway with the product
#                  cache off (gateway -> catalog)
#        query-cached  the same on the shipped configuration: the gateway of
#                  `up`, product cache on (answers from its copy)
#        buy       POST /orders         (gateway -> orders -> catalog -> orders,
#                  durable; through the shipped gateway, so the cache's
#                  read-your-writes catch-up fetches are paid for here)
#      at 1, 10 and 50 connections each;
#   5. reports req/s, p50, p99, the ratio to the baseline at the same
#      connection count, non-2xx responses, socket errors, the stock actually
#      taken by the buys, and the CPU each process used during each run.
#
# Every process it starts is stopped on exit. Exit status: 0 when every run
# got only 2xx responses and no socket errors, 2 otherwise (the report is
# written either way), 1 on a setup failure.
#
# Environment:
#   BENCH_DURATION      wrk duration of each measured run        (default 10s)
#   BENCH_WARMUP        wrk duration of the warm-up per series   (default 3s)
#   BENCH_CONNECTIONS   connection counts                        (default "1 10 50")
#   BENCH_THREADS       wrk threads (capped at the connections)  (default 2)
#   BENCH_SERIES        which series to run       (default "baseline query query-cached buy")
#   BENCH_GATEWAY_PORT / BENCH_CATALOG_PORT / BENCH_ORDERS_PORT  (default 18080/18081/18082)
#   BENCH_UNCACHED_GATEWAY_PORT  the gateway with the product cache off (default 18083)
#   BENCH_RESULTS       report file                    (default bench/results/latest.md)
#   BENCH_TMPDIR        where the fresh data dir goes  (default target/; must be a real
#                       disk, not tmpfs, or fsync costs nothing and buys look too fast)
#   BENCH_SKIP_BUILD=1  use the existing release binaries
#   BENCH_BIN           the storefront binary to measure   (default target/release/storefront;
#                       another revision's build, for a same-run before/after)

set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
connections="${BENCH_CONNECTIONS:-1 10 50}"
max_threads="${BENCH_THREADS:-2}"
series_wanted="${BENCH_SERIES:-baseline query query-cached buy}"
gateway_port="${BENCH_GATEWAY_PORT:-18080}"
catalog_port="${BENCH_CATALOG_PORT:-18081}"
orders_port="${BENCH_ORDERS_PORT:-18082}"
uncached_port="${BENCH_UNCACHED_GATEWAY_PORT:-18083}"
results="${BENCH_RESULTS:-$repo/bench/results/latest.md}"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
tmp_root="${BENCH_TMPDIR:-$target_dir}"
seed="$repo/bench/seed.json"
buy_script="$repo/bench/buy.lua"
product="Tux"

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# ---------------------------------------------------------------- cleanup --

work=""
baseline_pid=""
up_pid=""
role_pids=()

alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

cleanup() {
    local status=$?
    set +e
    # `storefront up` stops its roles on SIGTERM; the role pids are killed
    # too in case it could not (it never got that far, or it hung).
    for pid in "$up_pid" "$baseline_pid"; do
        alive "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    local waited=0
    while ((waited < 100)); do
        local any=0
        for pid in "$up_pid" "$baseline_pid" "${role_pids[@]}"; do
            alive "$pid" && any=1
        done
        ((any)) || break
        sleep 0.1
        waited=$((waited + 1))
    done
    for pid in "$up_pid" "$baseline_pid" "${role_pids[@]}"; do
        alive "$pid" && kill -KILL "$pid" 2>/dev/null
    done
    if [[ -n "$work" && -d "$work" ]]; then
        if ((status != 0 && status != 2)); then
            log "logs kept in $work"
        else
            rm -rf "$work"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ setup --

if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null 2>&1 || die "curl is needed to check that the servers answer"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    log "building (release)"
    cargo build --release -p storefront -p storefront-baseline-server
fi
storefront_bin="${BENCH_BIN:-$target_dir/release/storefront}"
baseline_bin="$target_dir/release/storefront-baseline-server"
[[ -x "$storefront_bin" ]] || die "missing $storefront_bin"
[[ -x "$baseline_bin" ]] || die "missing $baseline_bin"

for port in "$gateway_port" "$catalog_port" "$orders_port" "$uncached_port"; do
    if [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]; then
        die "port $port is already in use (set BENCH_*_PORT)"
    fi
done

mkdir -p "$tmp_root" "$(dirname "$results")"
work="$(mktemp -d "$tmp_root/bench.XXXXXX")"
mkdir -p "$work/raw"
data_fs="$(findmnt -n -o FSTYPE -T "$work" 2>/dev/null || echo unknown)"
[[ "$data_fs" == tmpfs ]] && log "warning: data dir is on tmpfs; fsync is free there"

# Waits until `curl URL` succeeds, or fails after 30 s or if PID dies.
wait_for() {
    local url="$1" pid="$2" name="$3" i
    for ((i = 0; i < 300; i++)); do
        curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
        alive "$pid" || die "$name exited; see $work"
        sleep 0.1
    done
    die "$name did not answer $url within 30 s; see $work"
}

# The baseline picks a free port itself (port 0) and announces it.
"$baseline_bin" 127.0.0.1:0 >"$work/baseline.out" 2>"$work/baseline.err" &
baseline_pid=$!
baseline_url=""
for ((i = 0; i < 100; i++)); do
    baseline_url="$(sed -n 's/^baseline listening on \(http:\/\/.*\)$/\1/p' "$work/baseline.out")"
    [[ -n "$baseline_url" ]] && break
    alive "$baseline_pid" || die "baseline exited; see $work"
    sleep 0.1
done
[[ -n "$baseline_url" ]] || die "baseline did not announce its address"
wait_for "$baseline_url/" "$baseline_pid" baseline

gateway_url="http://127.0.0.1:$gateway_port"
# The cache setting is explicit on both gateways, so a build from before it
# was on by default (BENCH_BIN) is measured in the same configuration.
STOREFRONT_PRODUCT_CACHE=true "$storefront_bin" --data-dir "$work/data" up \
    --gateway-listen "127.0.0.1:$gateway_port" \
    --catalog-listen "127.0.0.1:$catalog_port" \
    --orders-listen "127.0.0.1:$orders_port" \
    --seed-file "$seed" >"$work/up.out" 2>"$work/up.err" &
up_pid=$!
wait_for "$gateway_url/products/$product" "$up_pid" "storefront up"
for ((i = 0; i < 100; i++)); do
    grep -q '^Clients use the gateway' "$work/up.out" && break
    sleep 0.1
done

# `up` prints "  <role>  http://ADDR  (pid N)" for each role.
declare -A pid_of=()
for role in gateway catalog orders; do
    pid_of[$role]="$(sed -n "s/^ *$role  *http:[^ ]*  *(pid \([0-9]*\)).*/\1/p" "$work/up.out")"
    [[ -n "${pid_of[$role]}" ]] || die "cannot find the $role pid in $work/up.out"
    role_pids+=("${pid_of[$role]}")
done
pid_of[baseline]="$baseline_pid"

# A second gateway on the same catalog and orders, with the product cache off.
uncached_url="http://127.0.0.1:$uncached_port"
STOREFRONT_PRODUCT_CACHE=false "$storefront_bin" serve gateway --listen "127.0.0.1:$uncached_port" \
    --catalog-url "http://127.0.0.1:$catalog_port" --orders-url "http://127.0.0.1:$orders_port" \
    >"$work/uncached-gateway.out" 2>"$work/uncached-gateway.err" &
pid_of[uncached]=$!
role_pids+=("${pid_of[uncached]}")
wait_for "$uncached_url/products/$product" "${pid_of[uncached]}" "uncached gateway"
log "baseline $baseline_url (pid $baseline_pid); gateway $gateway_url (pids: gateway ${pid_of[gateway]}, catalog ${pid_of[catalog]}, orders ${pid_of[orders]})"

# ------------------------------------------------------------ measurement --

clk_tck="$(getconf CLK_TCK)"
ncpu="$(nproc)"

# CPU ticks (user + system) a process has used so far.
cpu_ticks() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || {
        echo 0
        return
    }
    stat="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $stat
    echo $((${12} + ${13}))
}

# Busy and total ticks of the whole machine.
machine_ticks() {
    local _cpu user nice system idle iowait irq softirq steal _rest
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}

# Latency as wrk prints it (62.00us, 1.23ms, 1.02s, 1.00m) to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v == "") { print "n/a"; exit }
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; else if (u == "h") n *= 3600000
        printf "%.3f", n
    }'
}

# The product's stock as the gateway reports it.
stock() {
    curl -fsS --max-time 5 "$gateway_url/products/$product" | sed -n 's/.*"quantity":\([0-9]*\).*/\1/p'
}

declare -A rps=() p50=() p99=() total=() non2xx=() sockerr=() cpu=() taken=()
failures=0

# run_wrk SERIES CONNECTIONS DURATION URL [LUA] -> fills the arrays for SERIES/CONNECTIONS.
run_wrk() {
    local series="$1" c="$2" dur="$3" url="$4" lua="${5:-}"
    local threads=$((c < max_threads ? c : max_threads))
    local out="$work/raw/$series-c$c.txt"
    local args=(-t"$threads" -c"$c" -d"$dur" --latency)
    [[ -n "$lua" ]] && args+=(-s "$lua")

    local watched=(gateway catalog orders baseline) name
    # The "gateway" column is whichever gateway this series talks to.
    declare -A pid_for=()
    for name in "${watched[@]}"; do pid_for[$name]="${pid_of[$name]}"; done
    [[ "$series" == query ]] && pid_for[gateway]="${pid_of[uncached]}"
    declare -A before=()
    for name in "${watched[@]}"; do before[$name]="$(cpu_ticks "${pid_for[$name]}")"; done
    local m_before m_after start end
    m_before="$(machine_ticks)"
    start="$EPOCHREALTIME"
    local TIMEFORMAT='%R %U %S'
    { time wrk "${args[@]}" "$url" >"$out" 2>&1; } 2>"$out.time"
    end="$EPOCHREALTIME"
    m_after="$(machine_ticks)"

    local key="$series/$c"
    rps[$key]="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50[$key]="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")"
    p99[$key]="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
    total[$key]="$(awk '/ requests in / {print $1}' "$out")"
    non2xx[$key]="$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")"
    non2xx[$key]="${non2xx[$key]:-0}"
    sockerr[$key]="$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")"
    sockerr[$key]="${sockerr[$key]:-0}"
    [[ -n "${rps[$key]}" ]] || die "wrk gave no result for $key; see $out"

    # CPU as a percentage of one core over the run (the machine has $ncpu).
    local secs shares="" pct
    secs="$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')"
    for name in "${watched[@]}"; do
        pct="$(awk -v a="${before[$name]}" -v b="$(cpu_ticks "${pid_for[$name]}")" -v t="$clk_tck" -v s="$secs" \
            'BEGIN {printf "%.0f", (b - a) / t / s * 100}')"
        shares+="$pct "
    done
    read -r _real user sys <"$out.time"
    shares+="$(awk -v u="$user" -v s="$sys" -v r="$secs" 'BEGIN {printf "%.0f", (u + s) / r * 100}') "
    shares+="$(awk -v a="$m_before" -v b="$m_after" -v n="$ncpu" 'BEGIN {
        split(a, x, " "); split(b, y, " ");
        printf "%.0f", (y[1] - x[1]) / (y[2] - x[2]) * n * 100 }')"
    cpu[$key]="$shares"

    if [[ "${non2xx[$key]}" != 0 || "${sockerr[$key]}" != 0 ]]; then
        failures=$((failures + 1))
    fi
    log "$key: ${rps[$key]} req/s, p50 ${p50[$key]} ms, p99 ${p99[$key]} ms, non-2xx ${non2xx[$key]}, socket errors ${sockerr[$key]}"
}

# run_series SERIES URL [LUA]: a warm-up, then one run per connection count.
run_series() {
    local series="$1" url="$2" lua="${3:-}" c before after
    log "$series: warm-up ($warmup)"
    wrk -t"$max_threads" -c10 -d"$warmup" ${lua:+-s "$lua"} "$url" >"$work/raw/$series-warmup.txt" 2>&1
    for c in $connections; do
        [[ "$series" == buy ]] && before="$(stock)"
        run_wrk "$series" "$c" "$duration" "$url" "$lua"
        if [[ "$series" == buy ]]; then
            sleep 0.5 # let requests in flight when wrk stopped finish
            after="$(stock)"
            taken["$series/$c"]=$((before - after))
        fi
    done
}

wants() { [[ " $series_wanted " == *" $1 "* ]]; }
wants baseline && run_series baseline "$baseline_url/"
wants query && run_series query "$uncached_url/products/$product"
wants query-cached && run_series query-cached "$gateway_url/products/$product"
wants buy && run_series buy "$gateway_url/orders" "$buy_script"

# ----------------------------------------------------------------- report --

revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# The harness's own files do not count as changes to what is measured.
if [[ -n "$(git status --porcelain -- . ':!bench' ':!scripts/bench.sh' ':!docs/BENCHMARKS.md' 2>/dev/null)" ]]; then
    revision+=" plus uncommitted changes to the code"
fi
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p; T; q' /proc/cpuinfo)"
mem_total="$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
# `wrk --version` prints the version and usage, then exits 1.
wrk_version="$( (wrk --version 2>&1 || true) | awk 'NR == 1 {print $1, $2}')"
command_line="BENCH_DURATION=$duration BENCH_WARMUP=$warmup scripts/bench.sh"

ratio() {
    local base="${rps[baseline/$2]:-}"
    [[ -z "$base" || "$1" == baseline ]] && {
        [[ "$1" == baseline ]] && echo "1.00 (100 %)" || echo "n/a"
        return
    }
    awk -v g="${rps[$1/$2]}" -v b="$base" 'BEGIN {printf "%.2f (%.1f %%)", g / b, g / b * 100}'
}

describe() {
    case "$1" in
    baseline) echo "baseline \`GET /\`" ;;
    query) echo "query \`GET /products/$product\`, product cache off" ;;
    query-cached) echo "query, product cache on (shipped)" ;;
    buy) echo "buy \`POST /orders\`" ;;
    esac
}

report() {
    echo "# Storefront benchmark results"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- Git revision: $revision"
    echo "- Machine: $ncpu cores ($cpu_model), $mem_total RAM, kernel $(uname -r)"
    echo "- Data dir filesystem: $data_fs"
    echo "- Load generator: $wrk_version, threads = min($max_threads, connections), keep-alive, on the same machine"
    echo "- Each run: $duration after a $warmup warm-up per series at 10 connections"
    echo "- Command: \`$command_line\`"
    echo
    echo "## Throughput and latency"
    echo
    echo "| Series | Conns | Req/s | p50 (ms) | p99 (ms) | vs baseline (same conns) | Requests | Non-2xx | Socket errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    local s c k
    for s in baseline query query-cached buy; do
        wants "$s" || continue
        for c in $connections; do
            k="$s/$c"
            echo "| $(describe "$s") | $c | ${rps[$k]} | ${p50[$k]} | ${p99[$k]} | $(ratio "$s" "$c") | ${total[$k]} | ${non2xx[$k]} | ${sockerr[$k]} |"
        done
    done
    if wants buy; then
        echo
        echo "Stock of $product taken during each buy run (wrk counts only the replies it"
        echo "received before it stopped; the stock also includes the buys in flight then):"
        echo
        echo "| Conns | Replies counted by wrk | Non-2xx | Stock taken |"
        echo "|---:|---:|---:|---:|"
        for c in $connections; do
            echo "| $c | ${total[buy/$c]} | ${non2xx[buy/$c]} | ${taken[buy/$c]} |"
        done
    fi
    echo
    echo "## CPU during each run"
    echo
    echo "Percent of one core, averaged over the run (the machine has $ncpu cores, so $((ncpu * 100)) % is all of it)."
    echo
    echo "| Series | Conns | gateway | catalog | orders | baseline | wrk | whole machine |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    local g ca o b w m
    for s in baseline query query-cached buy; do
        wants "$s" || continue
        for c in $connections; do
            read -r g ca o b w m <<<"${cpu[$s/$c]}"
            echo "| $s | $c | $g % | $ca % | $o % | $b % | $w % | $m % |"
        done
    done
    local top_c
    top_c="$(echo "$connections" | tr ' ' '\n' | sort -n | tail -1)"
    echo
    echo "## Targets"
    echo
    if wants query && wants baseline; then
        local pct verdict
        pct="$(awk -v g="${rps[query/$top_c]}" -v b="${rps[baseline/$top_c]}" 'BEGIN {printf "%.1f", g / b * 100}')"
        verdict="$(awk -v p="$pct" 'BEGIN {print (p >= 45 ? "**met**" : "**missed**")}')"
        echo "- Query throughput, product cache off, ≥ 45 % of the baseline's at $top_c connections: $pct % → $verdict"
    fi
    if wants query-cached && wants baseline; then
        local pct verdict
        pct="$(awk -v g="${rps[query-cached/$top_c]}" -v b="${rps[baseline/$top_c]}" 'BEGIN {printf "%.1f", g / b * 100}')"
        verdict="$(awk -v p="$pct" 'BEGIN {print (p >= 85 ? "**met**" : "**missed**")}')"
        echo "- Query throughput as shipped (product cache on) ≥ 85 %: $pct % → $verdict"
    fi
    if wants buy; then
        local verdict
        verdict="$(awk -v r="${rps[buy/$top_c]}" -v n="${non2xx[buy/$top_c]}" -v e="${sockerr[buy/$top_c]}" \
            'BEGIN {print (r >= 5000 && n == 0 && e == 0 ? "**met**" : "**missed**")}')"
        echo "- Durable buys ≥ 5,000/s (at $top_c connections, all 2xx): ${rps[buy/$top_c]}/s, non-2xx ${non2xx[buy/$top_c]} → $verdict"
    fi
}

report | tee "$results"
rm -rf "$(dirname "$results")/raw-latest"
cp -r "$work/raw" "$(dirname "$results")/raw-latest"
log "report written to $results (raw wrk output in $(dirname "$results")/raw-latest)"

if ((failures > 0)); then
    log "$failures run(s) had non-2xx responses or socket errors"
    exit 2
fi
