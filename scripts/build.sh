#!/usr/bin/env bash
# Builds the container images: the release binary, the Debian base image
# (made once with debootstrap and kept: nothing is pulled from any image
# registry), `storefront:latest`, with --postgres the PostgreSQL image and
# with --prometheus the Prometheus image (compose's `monitoring` profile).
#
#   scripts/build.sh [--postgres] [--prometheus] [--no-cargo]
#
# The binary is built on this machine and copied into the image, so the base
# must be the Debian release this machine runs (same glibc). Environment:
#   STOREFRONT_DEBIAN_SUITE   suite of the base (default: this machine's, else bookworm)
#   STOREFRONT_DEBIAN_MIRROR  Debian mirror for debootstrap (default: the one apt uses)
set -euo pipefail
cd "$(dirname "$0")/.."

with_postgres=false
with_prometheus=false
run_cargo=true
for arg in "$@"; do
  case "$arg" in
    --postgres) with_postgres=true ;;
    --prometheus) with_prometheus=true ;;
    --no-cargo) run_cargo=false ;;
    *) echo "usage: $0 [--postgres] [--prometheus] [--no-cargo]" >&2; exit 2 ;;
  esac
done

# Runs a quiet step; its whole output is shown only if it fails.
quietly() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "build.sh: failed: $*" >&2
    return 1
  fi
  rm -f "$log"
}

host_suite() {
  if [ -r /etc/os-release ] && grep -q '^ID=debian' /etc/os-release; then
    sed -n 's/^VERSION_CODENAME=//p' /etc/os-release
  else
    echo bookworm
  fi
}

# The mirror apt already uses here (deb822 or one-line sources), else Debian's.
apt_mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null \
    | grep -E 'debian/?( |$)' | grep -v security | head -n1 \
    | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//')
  echo "${uri:-http://deb.debian.org/debian}"
}

suite=${STOREFRONT_DEBIAN_SUITE:-$(host_suite)}
mirror=${STOREFRONT_DEBIAN_MIRROR:-$(apt_mirror)}
base_image="storefront-base:${suite}"

# Makes a root filesystem with debootstrap and imports it as image $1.
# Extra packages ($2, comma-separated) go in at debootstrap time, so no
# image build ever needs the network.
import_debian() {
  local image=$1 include=${2:-}
  if docker image inspect "$image" >/dev/null 2>&1; then
    echo "== $image exists (cached)"
    return
  fi
  if ! command -v debootstrap >/dev/null; then
    echo "debootstrap is missing: apt-get install debootstrap" >&2
    exit 1
  fi
  local root
  root=$(mktemp -d /var/tmp/storefront-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  echo "== debootstrap $suite from $mirror into $root${include:+ (with $include)}"
  quietly debootstrap --variant=minbase ${include:+--include="$include"} "$suite" "$root" "$mirror"
  # Smaller image: package lists and caches are not needed at run time.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  echo "== docker import $image"
  tar -C "$root" -c . | docker import - "$image" >/dev/null
}

# Base images first: they need only debootstrap, and are made once.
# ca-certificates: the trust store TLS clients use (PostgreSQL with
# sslmode=verify-full, `storefront load` against an https:// target).
import_debian "$base_image" ca-certificates
postgres_base="storefront-postgres-base:${suite}"
if $with_postgres; then
  import_debian "$postgres_base" postgresql
fi
prometheus_base="storefront-prometheus-base:${suite}"
if $with_prometheus; then
  import_debian "$prometheus_base" prometheus
fi

if $run_cargo; then
  echo "== cargo build --release -p storefront"
  cargo build --release -p storefront
fi
if [ ! -x target/release/storefront ]; then
  echo "target/release/storefront is missing (run without --no-cargo)" >&2
  exit 1
fi

echo "== docker build storefront:latest (base $base_image)"
quietly docker build --build-arg "BASE_IMAGE=$base_image" -t storefront:latest .
# The binary was linked on this machine: prove it runs on the image's glibc.
docker run --rm storefront:latest --version

if $with_postgres; then
  echo "== docker build storefront-postgres:latest"
  quietly docker build --build-arg "BASE_IMAGE=$postgres_base" -t storefront-postgres:latest \
    -f deploy/postgres/Dockerfile deploy/postgres
fi
if $with_prometheus; then
  echo "== docker build storefront-prometheus:latest"
  quietly docker build --build-arg "BASE_IMAGE=$prometheus_base" -t storefront-prometheus:latest \
    -f deploy/prometheus/Dockerfile deploy/prometheus
fi
# A rebuild leaves the previous image untagged: drop those (ours only).
for title in storefront storefront-postgres storefront-prometheus; do
  docker image prune --force --filter "label=org.opencontainers.image.title=$title" >/dev/null
done
echo "== images built"
