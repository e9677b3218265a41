# Shared by the scripts that run the store as bare processes and in
# containers side by side (bench-containers.sh, experiment-containers.sh).
# Source it after setting `repo` (the checkout), `work` (a scratch folder),
# `project` (the compose project) and `up_pid=""`, and defining `log`; then
# `trap stop_stacks EXIT`.

if docker compose version >/dev/null 2>&1; then compose_cmd=(docker compose); else compose_cmd=(docker-compose); fi

compose() { "${compose_cmd[@]}" -p "$project" -f compose.yaml -f "$work/seed.override.yaml" "$@"; }

# Stops the bare store, removes the containers, network and volumes, and
# the scratch folder.
stop_stacks() {
  set +e
  if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
    kill -TERM "$up_pid"
    wait "$up_pid"
  fi
  [ -f "$work/seed.override.yaml" ] && compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
  rm -rf "$work"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The gateway answers on $1 within two minutes (a failure, not a measurement).
wait_for_gateway() {
  local deadline=$((SECONDS + 120))
  until curl -sf --max-time 5 "$1/health" >/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { log "no gateway at $1"; exit 1; }
    sleep 0.5
  done
}

# start_bare PORT SEED: `storefront up` (release build) in $work/bare with
# the gateway on 127.0.0.1:PORT and the catalog seeded from SEED; sets
# up_pid.
start_bare() {
  mkdir -p "$work/bare"
  (cd "$work/bare" && exec "$repo/target/release/storefront" up --seed-file "$2" \
    --gateway-listen "127.0.0.1:$1" --catalog-listen 127.0.0.1:0 --orders-listen 127.0.0.1:0 \
    --carts-listen 127.0.0.1:0 >"$work/bare/up.log" 2>&1) &
  up_pid=$!
}

# write_seed_override SEED: a compose override ($work/seed.override.yaml)
# that seeds the containers' catalog from SEED.
write_seed_override() {
  cat >"$work/seed.override.yaml" <<YAML
services:
  catalog:
    environment:
      STOREFRONT_SEED_FILE: /etc/storefront/seed.json
    volumes:
      - $1:/etc/storefront/seed.json:ro
YAML
}
