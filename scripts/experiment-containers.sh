#!/usr/bin/env bash
# Runs experiments/containers-vs-bare.toml (or, with --preset, another
# preset naming the same two targets, such as containers-series.toml, the
# lab's two series at 1-5 clients): starts the store as bare
# processes (`storefront up`) and in containers (compose.yaml), both with
# experiments/ample-stock.json so buys never run out, on free ports; runs
# the experiment against both (cells in random order, so neither stack
# gets the quieter minutes); then stops both and removes the containers,
# network and volumes.
#
#   scripts/experiment-containers.sh [--preset FILE] [--quick] [--out DIR]
#
# Extra arguments go to `storefront experiment`. Results default to
# results/experiment-<preset name>-<time>/.
#
# Environment:
#   SKIP_BUILD=1   use the existing release binary and images (else
#                  `cargo build --release` and scripts/build.sh run first)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
project="storefront-experiment-$$"
work=$(mktemp -d "$repo/target/experiment-containers.XXXXXX")
up_pid=""

log() { echo "experiment-containers: $*" >&2; }
# shellcheck source=scripts/stack-helpers.sh
source scripts/stack-helpers.sh
trap stop_stacks EXIT
trap 'exit 130' INT TERM

preset=experiments/containers-vs-bare.toml
if [ "${1:-}" = --preset ]; then
  [ -n "${2:-}" ] || { log "--preset needs a file"; exit 2; }
  preset=$2
  shift 2
fi
[ -f "$preset" ] || { log "no preset $preset"; exit 2; }
name=$(basename "$preset" .toml)

if [ "${SKIP_BUILD:-}" != 1 ]; then
  cargo build --release -p storefront >&2
  scripts/build.sh >&2
fi
seed="$repo/experiments/ample-stock.json"

bare_port=$(free_port)
log "bare: storefront up on 127.0.0.1:$bare_port"
start_bare "$bare_port" "$seed"

containers_port=$(free_port)
write_seed_override "$seed"
log "containers: compose project $project, gateway on 127.0.0.1:$containers_port"
STOREFRONT_GATEWAY_PORT=$containers_port compose up -d >&2
wait_for_gateway "http://127.0.0.1:$bare_port"
wait_for_gateway "http://127.0.0.1:$containers_port"

# The preset names fixed ports; point it at the ones just started. Its
# name and folder stay those of the preset.
sed -e "s|http://127.0.0.1:8080\"|http://127.0.0.1:$bare_port\"|" \
  -e "s|http://127.0.0.1:18080\"|http://127.0.0.1:$containers_port\"|" \
  -e "s|^description = |name = \"$name\"\ndescription = |" \
  "$preset" >"$work/$name.toml"
status=0
target/release/storefront experiment "$work/$name.toml" "$@" || status=$?
exit "$status"
