#!/usr/bin/env bash
# Validates deploy/kubernetes offline: renders each kustomization (base,
# every overlay and the load job) and checks every object against the Kubernetes JSON schemas
# that the `kubernetes-validate` package (PyPI) ships, strictly (unknown
# fields are errors). Rendering uses scripts/render_kustomize.py; where
# kubectl is installed, `kubectl kustomize` renders too and must agree.
# Also checks the Compose files parse (docker compose config).
set -euo pipefail
cd "$(dirname "$0")/.."

validator_version=1.37.0
kubernetes_version=1.30.0
if ! python3 -c 'import yaml' 2>/dev/null || [ "$(kubernetes-validate --version 2>/dev/null)" != "$validator_version" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "kubernetes-validate==$validator_version" pyyaml
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

same_objects() { # same_objects A B: the same set of objects, whatever the order and formatting
  python3 - "$1" "$2" <<'PY'
import sys, yaml
def load(p):
    return sorted(yaml.safe_dump(d, sort_keys=True) for d in yaml.safe_load_all(open(p)) if d)
sys.exit(0 if load(sys.argv[1]) == load(sys.argv[2]) else 1)
PY
}

for dir in deploy/kubernetes/base deploy/kubernetes/overlays/*/ deploy/kubernetes/load-job; do
  dir=${dir%/}
  name=$(echo "$dir" | tr / _)
  python3 scripts/render_kustomize.py "$dir" > "$work/$name.yaml"
  if command -v kubectl >/dev/null; then
    kubectl kustomize "$dir" > "$work/$name.kubectl.yaml"
    same_objects "$work/$name.yaml" "$work/$name.kubectl.yaml" \
      || { echo "validate-deploy: $dir renders differently with kubectl kustomize" >&2; exit 1; }
  fi
  count=$(grep -c '^kind:' "$work/$name.yaml")
  kubernetes-validate --strict --quiet -k "$kubernetes_version" "$work/$name.yaml"
  echo "ok - $dir: $count objects valid against Kubernetes $kubernetes_version schemas"
done

if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
"${compose[@]}" -f compose.yaml config --quiet
"${compose[@]}" -f compose.yaml -f compose.postgres.yaml config --quiet
"${compose[@]}" -f compose.yaml --profile monitoring config --quiet
echo "ok - compose.yaml (with and without the monitoring profile) and compose.postgres.yaml are valid Compose files"
