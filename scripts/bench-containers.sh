#!/usr/bin/env bash
# Query and buy throughput and latency through the containerized stack
# (compose.yaml, gateway published on 127.0.0.1) against the same binary as
# bare processes (`storefront up`), in one session, and prints a Markdown
# table of the figures and their ratios (containers / bare).
#
# Both stacks use bench/seed.json (a billion of each toy, so buys never run
# out) and keep their SQLite files on the same disk: bare under target/, the
# containers on Docker named volumes. wrk (`--latency`, keep-alive) runs
#   query  GET /products/Tux
#   buy    POST /orders {"name":"Tux","quantity":1}  (bench/buy.lua)
# at each connection count, after a warm-up per stack.
#
# Environment:
#   BENCH_DURATION      each measured run           (default 10s)
#   BENCH_WARMUP        warm-up per stack and series (default 2s)
#   BENCH_CONNECTIONS   connection counts           (default "1 10")
#   BENCH_SKIP_BUILD=1  use the existing binary and images
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

duration=${BENCH_DURATION:-10s}
warmup=${BENCH_WARMUP:-2s}
connections=${BENCH_CONNECTIONS:-1 10}
project="storefront-bench-$$"
work=$(mktemp -d "$repo/target/bench-containers.XXXXXX")
up_pid=""

log() { echo "bench-containers: $*" >&2; }
# shellcheck source=scripts/stack-helpers.sh
source scripts/stack-helpers.sh
trap stop_stacks EXIT
trap 'exit 130' INT TERM


if ! command -v wrk >/dev/null; then
  log "installing wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  scripts/build.sh >&2
fi

# Latency in wrk's units (us, ms, s) as milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}

# run STACK SERIES CONNS URL: one measured wrk run; appends "stack series conns rps p50 p99 non2xx".
run() {
  local stack=$1 series=$2 conns=$3 url=$4 target out
  local args=(--latency -t "$((conns < 2 ? conns : 2))" -c "$conns" -d "$duration")
  if [ "$series" = buy ]; then
    args+=(-s bench/buy.lua)
    target=$url
  else
    target=$url/products/Tux
  fi
  out=$(wrk "${args[@]}" "$target")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  echo "$stack $series $conns $rps $p50 $p99 ${non2xx:-0}" >>"$work/results"
  log "$stack $series c=$conns: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx ${non2xx:-0}"
}

measure() { # measure STACK URL
  local stack=$1 url=$2
  wrk -t 2 -c 10 -d "$warmup" "$url/products/Tux" >/dev/null
  wrk -t 2 -c 10 -d "$warmup" -s bench/buy.lua "$url" >/dev/null
  for series in query buy; do
    for conns in $connections; do
      run "$stack" "$series" "$conns" "$url"
    done
  done
}

# ---- bare processes
port=$(free_port)
log "bare: storefront up on 127.0.0.1:$port"
start_bare "$port" "$repo/bench/seed.json"
wait_for_gateway "http://127.0.0.1:$port"
measure bare "http://127.0.0.1:$port"
kill -TERM "$up_pid"
wait "$up_pid" || true
up_pid=""

# ---- containers
port=$(free_port)
write_seed_override "$repo/bench/seed.json"
log "containers: compose project $project, gateway on 127.0.0.1:$port"
STOREFRONT_GATEWAY_PORT=$port compose up -d >&2
wait_for_gateway "http://127.0.0.1:$port"
measure containers "http://127.0.0.1:$port"

# ---- report
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "Machine: $(nproc) CPUs ($cpu), $(uname -r); $(docker version -f 'Docker Engine {{.Server.Version}}'), storage driver $(docker info -f '{{.Driver}}')."
echo "wrk --latency, $duration per run after a $warmup warm-up per stack; $(date -u +%F)."
echo
echo "| series | connections | bare req/s | containers req/s | ratio | bare p50 ms | containers p50 ms | bare p99 ms | containers p99 ms |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '
  { key = $2 " " $3; if (!(key in seen)) { order[n++] = key; seen[key] = 1 }
    rps[$1, key] = $4; p50[$1, key] = $5; p99[$1, key] = $6; bad += $7 }
  END {
    for (i = 0; i < n; i++) {
      k = order[i]; split(k, f, " ")
      printf "| %s | %s | %.0f | %.0f | %.2f | %s | %s | %s | %s |\n", f[1], f[2],
        rps["bare", k], rps["containers", k], rps["containers", k] / rps["bare", k],
        p50["bare", k], p50["containers", k], p99["bare", k], p99["containers", k]
    }
    if (bad > 0) { printf "\n%d non-2xx responses: the figures are not valid\n", bad; exit 2 }
  }' "$work/results"
