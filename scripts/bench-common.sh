# Shared by the benchmarks bench-shop.sh, bench-shop-load.sh and
# bench-cache-propagation.sh. Source it after setting `repo` (the checkout),
# `results` (the report file), `backends` and `bench_name` (the prefix of
# log lines and scratch folders).
# It defines log/die, stops every process in `pids` and drops
# `pg_database` on exit, installs wrk, starts PostgreSQL when a run needs
# it, builds the release binaries unless BENCH_SKIP_BUILD=1, and makes the
# scratch folder `work` under BENCH_TMPDIR (default target/, a real disk).
# It sets `bin` (BENCH_BIN, default the release build) and defines
# `wait_for URL PID NAME`, `start_store` and `stop_store`.

target_dir="${CARGO_TARGET_DIR:-$repo/target}"
tmp_root="${BENCH_TMPDIR:-$target_dir}"
baseline_bin="$target_dir/release/storefront-baseline-server"

log() { printf '%s: %s\n' "$bench_name" "$*" >&2; }
die() { log "error: $*"; exit 1; }

pids=()
work=""
pg_database=""
bench_cleanup() {
    local status=$?
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    sleep 1
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    if [[ -n "$pg_database" ]]; then
        psql "$STOREFRONT_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $pg_database" 2>/dev/null
    fi
    [[ -n "$work" ]] && rm -rf "$work"
    exit "$status"
}
trap bench_cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [[ " $backends " == *" postgres "* ]]; then
    # shellcheck source=scripts/postgres.sh
    source "$repo/scripts/postgres.sh"
    ensure_postgres
fi
[[ "${BENCH_SKIP_BUILD:-0}" == 1 ]] || cargo build --release -p storefront -p storefront-baseline-server
mkdir -p "$tmp_root" "$(dirname "$results")"
work="$(mktemp -d "$tmp_root/$bench_name.XXXXXX")"
bin="${BENCH_BIN:-$target_dir/release/storefront}"

wait_for() { # URL PID NAME
    for _ in $(seq 300); do
        curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || die "$3 exited; see $work"
        sleep 0.1
    done
    die "$3 did not answer $1"
}

# start_store BACKEND PORT [VAR=value…]: `storefront up` on a fresh data
# folder (sqlite) or a fresh database on the local server (postgres), the
# gateway on PORT and the catalog, orders and carts on three free ports
# (not PORT+1…: after a run with thousands of connections those may be some
# connection's local port), seeded with BENCH_SEED_FILE (default
# bench/seed.json); the VAR=value pairs go to its environment. Sets `up_pid` and `store_peers` (the catalog's,
# orders' and carts' ports) and waits until the gateway answers.
start_store() {
    local backend="$1" port="$2"
    shift 2
    local env_db=()
    if [[ "$backend" == postgres ]]; then
        pg_database="${bench_name//-/_}_$$"
        psql "$STOREFRONT_TEST_POSTGRES_URL" -qc "CREATE DATABASE $pg_database"
        env_db=(STOREFRONT_DATABASE_URL="${STOREFRONT_TEST_POSTGRES_URL%/*}/$pg_database")
    fi
    read -r -a store_peers < <(python3 -c 'import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
    env "${env_db[@]}" "$@" "$bin" --data-dir "$work/data-$backend" up \
        --gateway-listen "127.0.0.1:$port" --catalog-listen "127.0.0.1:${store_peers[0]}" \
        --orders-listen "127.0.0.1:${store_peers[1]}" --carts-listen "127.0.0.1:${store_peers[2]}" \
        --seed-file "${BENCH_SEED_FILE:-$repo/bench/seed.json}" >"$work/up-$backend.out" 2>"$work/up-$backend.err" &
    up_pid=$!
    pids+=("$up_pid")
    wait_for "http://127.0.0.1:$port/products/1" "$up_pid" "storefront up ($backend)"
}

# stop_store: stops the store start_store started and drops its database.
stop_store() {
    kill -TERM "$up_pid"
    wait "$up_pid" || true
    if [[ -n "$pg_database" ]]; then
        psql "$STOREFRONT_TEST_POSTGRES_URL" -qc "DROP DATABASE $pg_database"
        pg_database=""
    fi
}
