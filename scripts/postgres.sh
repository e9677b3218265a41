# Sourced by scripts/test.sh and scripts/bench-shop.sh: `ensure_postgres`
# makes sure a local PostgreSQL server from Debian's packages is installed,
# running and accepting the `storefront` role over TCP, and exports
# STOREFRONT_TEST_POSTGRES_URL for it. With that variable already set, the
# server it names is used as it is and nothing is installed.

# The role the tests log in as; a superuser, since every test creates and
# drops a database of its own.
PG_USER=storefront
PG_PASSWORD=storefront
PG_PORT=5432

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Runs psql as the server's own superuser over the local socket.
as_postgres_psql() {
  as_root runuser -u postgres -- psql --no-psqlrc -v ON_ERROR_STOP=1 -p "${PG_PORT}" -Atq "$@"
}

install_and_start_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian packages)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
  local version
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${version} main"; then
    as_root pg_createcluster "${version}" main -p "${PG_PORT}"
  fi
  if ! pg_lsclusters -h | awk -v v="${version}" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    echo "== starting PostgreSQL ${version}"
    as_root pg_ctlcluster "${version}" main start
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "${PG_PORT}" && break
    sleep 0.5
  done
  pg_isready -h 127.0.0.1 -p "${PG_PORT}"
  # Debian's cluster listens on localhost and asks TCP clients for a password.
  as_postgres_psql <<SQL
SELECT 'CREATE ROLE ${PG_USER} LOGIN SUPERUSER'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}')\gexec
ALTER ROLE ${PG_USER} WITH LOGIN SUPERUSER PASSWORD '${PG_PASSWORD}';
SQL
}

ensure_postgres() {
  if [ -z "${STOREFRONT_TEST_POSTGRES_URL:-}" ]; then
    install_and_start_postgres
    export STOREFRONT_TEST_POSTGRES_URL="postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/postgres"
  fi
}
