#!/usr/bin/env bash
# Benchmarks the load generator itself: `storefront load --url` against wrk
# on the same minimal hyper server (crates/baseline-server), in the same run,
# and the generator's memory over a short and a 3x longer run.
#
# What it does:
#   1. installs wrk and GNU time (apt-get) if missing;
#   2. builds `storefront` and `storefront-baseline-server` in release mode;
#   3. starts the baseline server on a free port;
#   4. after a warm-up, runs BENCH_ROUNDS rounds of, in turn,
#        wrk -t$BENCH_WRK_THREADS -c$BENCH_CONNECTIONS -d$BENCH_DURATION [-H $BENCH_HEADER]
#        storefront load --url ... --connections $BENCH_CONNECTIONS --duration $BENCH_DURATION [--header $BENCH_HEADER]
#      and reports each one's req/s (ours: samples / (last end - first start)
#      from summary.json, JMeter's throughput), and the ratio of the medians;
#   5. runs `storefront load --url` for BENCH_MEMORY_SHORT and 3x as long
#      under /usr/bin/time -v and reports the max RSS of each.
#
# The report is printed and written to bench/results/load-latest.md.
# Exit status: 0 when ours reached >= 90 % of wrk's median req/s and the long
# run's max RSS stayed within 1.5x of the short run's, 2 if not (the report
# is written either way), 1 on a setup failure.
#
# Environment:
#   BENCH_CONNECTIONS    connections of both tools          (default 50)
#   BENCH_WRK_THREADS    wrk's threads (default 2; 1 matches our single
#                        writer thread and is issue #16's comparison)
#   BENCH_HEADER         a `Name: value` header both tools send (default none)
#   BENCH_DURATION       each measured run                   (default 10s)
#   BENCH_ROUNDS         wrk/ours pairs                      (default 3)
#   BENCH_MEMORY_SHORT   the short memory run                (default 10s; the long one is 3x)
#   BENCH_RESULTS        report file        (default bench/results/load-latest.md)
#   BENCH_TMPDIR         where results folders go (default target/)
#   BENCH_SKIP_BUILD=1   use the existing release binaries

set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

connections="${BENCH_CONNECTIONS:-50}"
duration="${BENCH_DURATION:-10s}"
rounds="${BENCH_ROUNDS:-3}"
wrk_threads="${BENCH_WRK_THREADS:-2}"
header="${BENCH_HEADER:-}"
wrk_header=()
ours_header=()
if [[ -n "$header" ]]; then
    wrk_header=(-H "$header")
    ours_header=(--header "$header")
fi
memory_short="${BENCH_MEMORY_SHORT:-10s}"
results="${BENCH_RESULTS:-$repo/bench/results/load-latest.md}"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
tmp_root="${BENCH_TMPDIR:-$target_dir}"

log() { printf 'bench-load: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

seconds_of() { # 10s -> 10, 2m -> 120
    local d="$1"
    case "$d" in
    *m) echo $((${d%m} * 60)) ;;
    *s) echo "${d%s}" ;;
    *) echo "$d" ;;
    esac
}

work=""
baseline_pid=""
cleanup() {
    local status=$?
    set +e
    if [[ -n "$baseline_pid" ]] && kill -0 "$baseline_pid" 2>/dev/null; then
        kill -TERM "$baseline_pid"
        wait "$baseline_pid" 2>/dev/null
    fi
    [[ -n "$work" && -d "$work" ]] && rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need_apt=()
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
[[ -x /usr/bin/time ]] || need_apt+=(time)
if ((${#need_apt[@]})); then
    log "installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v jq >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || die "python3 is needed to read summary.json"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    log "building (release)"
    cargo build --release -p storefront -p storefront-baseline-server
fi
storefront_bin="$target_dir/release/storefront"
baseline_bin="$target_dir/release/storefront-baseline-server"
[[ -x "$storefront_bin" ]] || die "missing $storefront_bin"
[[ -x "$baseline_bin" ]] || die "missing $baseline_bin"

mkdir -p "$tmp_root" "$(dirname "$results")"
work="$(mktemp -d "$tmp_root/bench-load.XXXXXX")"

"$baseline_bin" 127.0.0.1:0 >"$work/baseline.out" 2>"$work/baseline.err" &
baseline_pid=$!
url=""
for ((i = 0; i < 100; i++)); do
    # The file may not exist yet: the shell creates it in the child.
    url="$(sed -n 's/^baseline listening on \(http:\/\/.*\)$/\1/p' "$work/baseline.out" 2>/dev/null || true)"
    [[ -n "$url" ]] && break
    kill -0 "$baseline_pid" 2>/dev/null || die "baseline exited"
    sleep 0.1
done
[[ -n "$url" ]] || die "baseline did not announce its address"
url="$url/"
log "baseline at $url (pid $baseline_pid)"

# Throughput of our run in $1 (a results folder), from summary.json.
ours_rps() {
    python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["aggregate"]["total"]["throughput_per_sec"]))' "$1/summary.json"
}
wrk_rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1" | cut -d. -f1; }
errors_of() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["aggregate"]["total"]["errors"])' "$1/summary.json"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
max_rss_kib() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p' "$1"; }

log "warm-up"
wrk -t"$wrk_threads" -c"$connections" -d2s "${wrk_header[@]}" "$url" >/dev/null
"$storefront_bin" load --url "$url" --connections "$connections" --duration 2s "${ours_header[@]}" \
    --out "$work/warmup" >/dev/null

wrk_runs=()
ours_runs=()
ours_errors=0
for ((round = 1; round <= rounds; round++)); do
    log "round $round/$rounds: wrk"
    wrk -t"$wrk_threads" -c"$connections" -d"$duration" "${wrk_header[@]}" "$url" >"$work/wrk-$round.txt"
    wrk_runs+=("$(wrk_rps "$work/wrk-$round.txt")")
    log "round $round/$rounds: storefront load"
    "$storefront_bin" load --url "$url" --connections "$connections" --duration "$duration" \
        "${ours_header[@]}" --out "$work/ours-$round" >"$work/ours-$round.txt"
    ours_runs+=("$(ours_rps "$work/ours-$round")")
    ours_errors=$((ours_errors + $(errors_of "$work/ours-$round")))
    rm -f "$work/ours-$round/results.jtl"
done
wrk_median="$(median "${wrk_runs[@]}")"
ours_median="$(median "${ours_runs[@]}")"
ratio="$(awk -v a="$ours_median" -v b="$wrk_median" 'BEGIN {printf "%.1f", 100 * a / b}')"

long="$(($(seconds_of "$memory_short") * 3))s"
rss=()
for run in "$memory_short" "$long"; do
    log "memory: storefront load for $run"
    /usr/bin/time -v "$storefront_bin" load --url "$url" --connections "$connections" \
        --duration "$run" --out "$work/memory-$run" >/dev/null 2>"$work/time-$run.txt"
    rss+=("$(max_rss_kib "$work/time-$run.txt")")
    samples="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["aggregate"]["total"]["samples"])' "$work/memory-$run/summary.json")"
    jtl_mib="$(du -m "$work/memory-$run/results.jtl" | cut -f1)"
    eval "samples_$((${#rss[@]}))=$samples jtl_$((${#rss[@]}))=$jtl_mib"
    rm -f "$work/memory-$run/results.jtl"
done
rss_growth="$(awk -v a="${rss[1]}" -v b="${rss[0]}" 'BEGIN {printf "%.2f", a / b}')"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
{
    echo "# Load generator benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs ($cpu), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2),"
    echo "revision $(git rev-parse --short HEAD 2>/dev/null || echo unknown); baseline server, $connections connections, $duration per run,"
    echo "wrk -t$wrk_threads${header:+, both sending the header \`$header\`}."
    echo
    echo "| round | wrk req/s | storefront load req/s |"
    echo "|---|---|---|"
    for ((i = 0; i < rounds; i++)); do
        echo "| $((i + 1)) | ${wrk_runs[$i]} | ${ours_runs[$i]} |"
    done
    echo "| **median** | **$wrk_median** | **$ours_median** ($ratio % of wrk) |"
    echo
    echo "storefront load errors over all rounds: $ours_errors"
    echo
    echo "| run | samples | results.jtl | max RSS |"
    echo "|---|---|---|---|"
    echo "| $memory_short | $samples_1 | $jtl_1 MiB | $((rss[0] / 1024)) MiB |"
    echo "| $long | $samples_2 | $jtl_2 MiB | $((rss[1] / 1024)) MiB |"
    echo
    echo "max RSS of the long run ÷ the short run: $rss_growth"
} | tee "$results"

awk -v r="$ratio" -v g="$rss_growth" -v e="$ours_errors" 'BEGIN {exit !(r >= 90 && g <= 1.5 && e == 0)}' || exit 2
