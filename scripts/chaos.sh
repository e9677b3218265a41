#!/usr/bin/env bash
# Chaos under load: while `storefront load --workload shop` runs against
# `storefront up` (SQLite, or PostgreSQL with CHAOS_BACKEND=postgres), a
# random role (catalog, orders, carts or gateway) is killed with SIGKILL
# every CHAOS_EVERY seconds; `up` restarts it (with back-off). On
# PostgreSQL the database server itself is also restarted once, halfway
# through the kills (`pg_ctlcluster … restart`: every connection of every
# role is cut, and the server is away for a moment). The kills stop CHAOS_SETTLE seconds before the load
# ends, so the store is whole again for the load tool's invariant checks,
# which then must hold: every acknowledged order and checkout reads back
# exactly as acknowledged, no order number twice, no negative stock, and
# stock conserved (a request whose outcome the client never learned, a
# timeout or a 503 from a killed peer, widens that check to
# ordered <= taken <= ordered + unknown). Prints the kills, the errors the
# clients saw by code and message, and the invariants. Not part of CI: the
# figures are in docs/BENCHMARKS.md, "Chaos".
#
#   scripts/chaos.sh
#   CHAOS_DURATION=5m CHAOS_EVERY=3 scripts/chaos.sh
#   CHAOS_BACKEND=postgres scripts/chaos.sh
#
# Environment: CHAOS_DURATION (90s), CHAOS_EVERY (5 s), CHAOS_SETTLE (15 s),
# CHAOS_USERS (20), CHAOS_SEED (random), CHAOS_BACKEND (sqlite),
# BENCH_TMPDIR (target/),
# BENCH_SKIP_BUILD=1, CHAOS_RESULTS (bench/results/chaos-latest.md).
# Exit status: 0 when the invariants held.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
duration="${CHAOS_DURATION:-90s}"
every="${CHAOS_EVERY:-5}"
settle="${CHAOS_SETTLE:-15}"
users="${CHAOS_USERS:-20}"
seed="${CHAOS_SEED:-$RANDOM}"
backends="${CHAOS_BACKEND:-sqlite}"
[[ "$backends" == sqlite || "$backends" == postgres ]] || { echo "CHAOS_BACKEND must be sqlite or postgres" >&2; exit 2; }
results="${CHAOS_RESULTS:-$repo/bench/results/chaos-latest.md}"

bench_name=chaos
# shellcheck source=scripts/bench-common.sh
source "$repo/scripts/bench-common.sh"

seconds_of() { # 90s -> 90, 5m -> 300
    case "$1" in
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
    esac
}

# shellcheck source=scripts/stack-helpers.sh
source "$repo/scripts/stack-helpers.sh"
port="$(free_port)"
start_store "$backends" "$port"
log "store up on :$port ($backends); $duration of shop load with $users users, a role killed every ${every}s (seed $seed)"

out="$work/run"
status=0
"$bin" load --target "http://127.0.0.1:$port" --workload shop --users "$users" \
    --ramp-up 2s --hold "$duration" --timeout 5s --seed "$seed" --out "$out" \
    >"$out.log" 2>&1 &
load_pid=$!
pids+=("$load_pid")

# The kills: a random child of `up` (one per role; a restarted role is a
# new child) every $every seconds, until $settle seconds before the end.
kills="$work/kills.txt"
: >"$kills"
RANDOM=$seed
stop_at=$(($(date +%s) + $(seconds_of "$duration") + 2 - settle))
# On PostgreSQL, the server's own restart: once, halfway through the kills.
restart_at=$(($(date +%s) + ($(seconds_of "$duration") + 2 - settle) / 2))
restarted=$([[ "$backends" == postgres ]] && echo no || echo n/a)
while (($(date +%s) < stop_at)) && kill -0 "$load_pid" 2>/dev/null; do
    sleep "$every"
    if [[ "$restarted" == no ]] && (($(date +%s) >= restart_at)); then
        version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
        as_root pg_ctlcluster "$version" main restart -m fast
        echo "$(date -u +%H:%M:%S) postgresql-server restart" >>"$kills"
        restarted=yes
        continue
    fi
    mapfile -t children < <(pgrep -P "$up_pid" || true)
    ((${#children[@]})) || continue
    victim="${children[RANDOM % ${#children[@]}]}"
    role="$(tr '\0' ' ' <"/proc/$victim/cmdline" 2>/dev/null | sed -n 's/.* serve \([a-z]*\).*/\1/p')"
    kill -KILL "$victim" 2>/dev/null && echo "$(date -u +%H:%M:%S) ${role:-unknown} $victim" >>"$kills"
done
wait "$load_pid" || status=$?
stop_store
[[ -f "$out/summary.json" ]] || { cat "$out.log" >&2; die "the load wrote no summary (exit $status)"; }

python3 - "$out" "$kills" "$status" "$users" "$duration" "$every" "$seed" "$(git rev-parse --short HEAD)" >"$results.tmp" <<'PY'
import collections, json, sys

out, kills_file, status, users, duration, every, seed, revision = sys.argv[1:]
summary = json.load(open(f"{out}/summary.json"))
total = summary["aggregate"]["total"]
inv = summary["run"]["extra"].get("invariants") or {}
kills = [line.split() for line in open(kills_file) if line.strip()]
by_role = collections.Counter(k[1] for k in kills)

print("# Chaos under load")
print()
backend = "PostgreSQL (the server restarted once)" if any(k[1] == "postgresql-server" for k in kills) else "SQLite"
print(f"{backend}, shop workload, {users} users, {duration}, a role killed with SIGKILL every "
      f"{every} s (seed {seed}), revision {revision}; load exit {status}.")
print()
print(f"- kills: {len(kills)} ({', '.join(f'{r} {n}' for r, n in sorted(by_role.items()))})")
print(f"- requests: {total['samples']:,}, failed {total['errors']:,} ({total['error_percent']:.2f} %)")
print(f"- invariants: {'HOLD' if inv.get('ok') else 'VIOLATED'}: "
      f"{inv.get('orders_acknowledged', 0)} orders acknowledged, "
      f"{inv.get('orders_verified', 0)} read back as acknowledged, "
      f"{inv.get('unknown_outcomes', 0)} with unknown outcome; "
      f"missing or different {inv.get('orders_missing_or_mismatched_count', 0)}, "
      f"duplicate numbers {len(inv.get('duplicate_order_numbers', []))}, "
      f"stock not conserved {len(inv.get('stock_not_conserved', []))}, "
      f"negative stock {len(inv.get('negative_stock', []))}")
print()
print("| code | message | count | labels |")
print("|---|---|---:|---|")
for row in summary.get("errors", [])[:12]:
    message = row["message"].replace("|", "\\|")[:100]
    print(f"| {row['code']} | {message} | {row['count']:,} | {', '.join(row['labels'])} |")
print()
print("Kills (UTC time, role, pid):")
print()
for k in kills:
    print(f"    {' '.join(k)}")
PY
mv "$results.tmp" "$results"
cat "$results"
grep -q "invariants: HOLD" "$results"
