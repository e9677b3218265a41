#!/usr/bin/env bash
# The whole test suite, the PostgreSQL half included: makes sure a local
# PostgreSQL server is installed and running (Debian's packages), and that
# Chromium, openapi-spec-validator and schemathesis are there for the browser
# and API document tests, then runs `cargo test --workspace` with the test database
# URL set and those suites made mandatory, so none can be skipped without
# failing.
#
# With STOREFRONT_TEST_POSTGRES_URL already set, that server is used as it is
# and nothing is installed. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
ensure_postgres
export STOREFRONT_REQUIRE_POSTGRES=1

# report.html and the gateway's /docs page are checked in a real headless
# browser, and the API document with Python's openapi-spec-validator (which
# brings jsonschema, used to check replies against it). With the tools
# required, a missing one fails its test instead of skipping it.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== installing chromium and chromedriver (Debian) for the report.html, /docs and web storefront browser tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# The web storefront's browser trip (e2e `browser::`): Selenium drives
# chromedriver; axe-core-python bundles axe-core (4.4) for the offline
# accessibility check. Pinned; Selenium at 4.40.0 because later releases
# need a newer certifi than the PyPI mirror this project builds from holds.
if ! python3 -c "import selenium, axe_core_python" 2>/dev/null; then
  echo "== installing selenium and axe-core-python (PyPI) for the browser trip"
  python3 -m pip install --user --break-system-packages --quiet "selenium==4.40.0" "axe-core-python==0.1.0"
fi
if ! python3 -c "import openapi_spec_validator, jsonschema" 2>/dev/null; then
  echo "== installing openapi-spec-validator (PyPI) for the OpenAPI tests"
  python3 -m pip install --user --break-system-packages --quiet openapi-spec-validator
fi
# schemathesis fuzzes the served API document (e2e `schemathesis::`). Pinned:
# its checks grow from release to release, and CI must not change under us.
schemathesis_version=4.32.5
if [ "$(python3 -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$schemathesis_version" ]; then
  echo "== installing schemathesis $schemathesis_version (PyPI) for the API fuzzing test"
  python3 -m pip install --user --break-system-packages --quiet "schemathesis==$schemathesis_version"
fi
export STOREFRONT_REQUIRE_TOOLS=1

echo "== cargo test --workspace (PostgreSQL tests on ${STOREFRONT_TEST_POSTGRES_URL%%:*}://…@${STOREFRONT_TEST_POSTGRES_URL##*@})"
cargo test --workspace "$@"
