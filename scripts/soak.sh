#!/usr/bin/env bash
# Soak test: SOAK_DURATION (default 10m) of the shop workload against
# `storefront up` with ample stock (bench/seed.json), on SQLite or, with
# SOAK_BACKEND=postgres, on a fresh database of the local PostgreSQL.
# Every SOAK_SAMPLE seconds it reads each role's resident memory (VmRSS)
# and open file descriptors from /proc; afterwards it prints one row per
# minute: requests, errors, p50 and p99 of that minute's samples (exact,
# from the JTL and its microsecond sidecar) and each role's RSS and fds at
# the minute's end. A leak shows as a column that keeps growing; the
# invariants (stock conserved, every order read back) are checked at the
# end as after any shop run. Not part of CI: the figures are in
# docs/BENCHMARKS.md, "Soak".
#
#   scripts/soak.sh
#   SOAK_DURATION=30m SOAK_BACKEND=postgres scripts/soak.sh
#
# Environment: SOAK_DURATION (10m), SOAK_USERS (50), SOAK_THINK (none; e.g.
# 20ms..80ms), SOAK_SAMPLE (10 s), SOAK_BACKEND (sqlite), BENCH_TMPDIR
# (target/), BENCH_SKIP_BUILD=1 (use the existing release build),
# SOAK_RESULTS (bench/results/soak-latest.md).
# Exit status: 0 when the run had no error and its invariants held.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
duration="${SOAK_DURATION:-10m}"
users="${SOAK_USERS:-50}"
think="${SOAK_THINK:-none}"
every="${SOAK_SAMPLE:-10}"
backends="${SOAK_BACKEND:-sqlite}"
results="${SOAK_RESULTS:-$repo/bench/results/soak-latest.md}"

bench_name=soak
# shellcheck source=scripts/bench-common.sh
source "$repo/scripts/bench-common.sh"
# shellcheck source=scripts/stack-helpers.sh
source "$repo/scripts/stack-helpers.sh"
port="$(free_port)"
start_store "$backends" "$port"
# `storefront up` prints each role's address and pid once it is up.
roles=()
role_pids=()
while read -r role pid; do
    roles+=("$role")
    role_pids+=("$pid")
done < <(sed -n 's/^ *\([a-z]*\) *http:\/\/[^ ]* *(pid \([0-9]*\)).*/\1 \2/p' "$work/up-$backends.out")
((${#roles[@]} == 4)) || die "could not read the roles' pids from $work/up-$backends.out"
log "store up on :$port (${roles[*]} = ${role_pids[*]}); soaking for $duration with $users users"

# One CSV row per role per sample: epoch seconds, role, RSS KiB, open fds.
samples="$work/process-samples.csv"
echo "epoch,role,rss_kib,fds" >"$samples"
sample_processes() {
    while true; do
        local now
        now="$(date +%s)"
        for i in "${!roles[@]}"; do
            local pid="${role_pids[$i]}" rss fds
            rss="$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null || true)"
            fds="$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
            echo "$now,${roles[$i]},${rss:-0},$fds" >>"$samples"
        done
        sleep "$every"
    done
}
sample_processes &
sampler=$!
pids+=("$sampler")

out="$work/run"
status=0
"$bin" load --target "http://127.0.0.1:$port" --workload shop --users "$users" \
    --ramp-up 5s --hold "$duration" --think "$think" --out "$out" >"$out.log" 2>&1 || status=$?
kill "$sampler" 2>/dev/null || true
stop_store

python3 - "$out" "$samples" "$status" "$users" "$duration" "$backends" "$(git rev-parse --short HEAD)" >"$results.tmp" <<'PY'
import csv, json, sys
from collections import defaultdict

out, samples_csv, status, users, duration, backend, revision = sys.argv[1:]
summary = json.load(open(f"{out}/summary.json"))
total = summary["aggregate"]["total"]
invariants = summary["run"]["extra"].get("invariants") or {}

# Exact per-minute percentiles: the JTL's start times with the sidecar's µs.
minutes = defaultdict(list)
errors = defaultdict(int)
with open(f"{out}/results.jtl", newline="") as jtl, open(f"{out}/results.jtl.micros.csv") as micros:
    rows = csv.DictReader(jtl)
    next(micros)
    first = None
    for row, line in zip(rows, micros):
        start = int(row["timeStamp"])
        first = start if first is None else first
        minute = (start - first) // 60000
        minutes[minute].append(int(line.split(",")[0]))
        if row["success"] != "true":
            errors[minute] += 1

def pct(values, q):
    values.sort()
    return values[min(len(values) - 1, int(q * len(values)))] / 1000

# Each role's RSS and fds at the end of each minute of the run.
proc = defaultdict(dict)
roles = []
start_epoch = first // 1000
with open(samples_csv) as f:
    for row in csv.DictReader(f):
        minute = (int(row["epoch"]) - start_epoch) // 60
        if row["role"] not in roles:
            roles.append(row["role"])
        proc[minute][row["role"]] = (int(row["rss_kib"]) / 1024, int(row["fds"]))

print("# Soak")
print()
print(f"{backend}, {users} users, {duration}, shop workload, revision {revision}; "
      f"{total['samples']:,} requests, {total['errors']} errors, "
      f"{total['throughput_per_sec']:,.0f} req/s; invariants "
      f"{'held' if invariants.get('ok') else 'VIOLATED or not checked'}; load exit {status}.")
print()
header = "| minute | requests | errors | p50 ms | p99 ms | " + " | ".join(f"{r} RSS MiB / fds" for r in roles) + " |"
print(header)
print("|" + "---:|" * (5 + len(roles)))
for minute in sorted(minutes):
    values = minutes[minute]
    cells = []
    for role in roles:
        figures = proc.get(minute, {}).get(role)
        cells.append(f"{figures[0]:.1f} / {figures[1]}" if figures else "–")
    print(f"| {minute + 1} | {len(values):,} | {errors[minute]} | {pct(values, 0.5):.3f} | "
          f"{pct(values, 0.99):.3f} | " + " | ".join(cells) + " |")
PY
mv "$results.tmp" "$results"
cat "$results"
[[ "$status" == 0 ]]
