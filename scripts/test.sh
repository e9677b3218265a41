#!/usr/bin/env bash
# The whole test suite, the PostgreSQL half included: makes sure a local
# PostgreSQL server is installed and running (Debian's packages), then runs
# `cargo test --workspace` with the test database URL set and the PostgreSQL
# suite made mandatory, so it can never be skipped without failing.
#
# With STOREFRONT_TEST_POSTGRES_URL already set, that server is used as it is
# and nothing is installed. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
ensure_postgres
export STOREFRONT_REQUIRE_POSTGRES=1

echo "== cargo test --workspace (PostgreSQL tests on ${STOREFRONT_TEST_POSTGRES_URL%%:*}://…@${STOREFRONT_TEST_POSTGRES_URL##*@})"
cargo test --workspace "$@"
