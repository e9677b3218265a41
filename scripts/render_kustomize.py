#!/usr/bin/env python3
"""Renders a Kustomize folder without kustomize, for machines with no kubectl.

Supports what deploy/kubernetes uses and refuses anything else, so it never
renders something different from kustomize in silence: `resources` (files,
or folders with a kustomization.yaml) and `patches` given by `path`
(strategic merge of one object, matched by kind and name; maps merge key by
key, lists are replaced). Prints the objects as one multi-document YAML.

    render_kustomize.py DIR > rendered.yaml
"""

import pathlib
import sys

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "patches"}


def merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    return patch


def key_of(obj):
    return (obj["kind"], obj["metadata"]["name"])


def render(folder):
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - SUPPORTED
    if unsupported:
        sys.exit(f"{folder}: unsupported kustomization keys {sorted(unsupported)}; use kubectl kustomize")
    objects = []
    for entry in kustomization.get("resources", []):
        path = folder / entry
        if path.is_dir():
            objects.extend(render(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for patch_entry in kustomization.get("patches", []):
        if set(patch_entry) != {"path"}:
            sys.exit(f"{folder}: only `patches: - path:` is supported")
        patch = yaml.safe_load((folder / patch_entry["path"]).read_text())
        matches = [i for i, obj in enumerate(objects) if key_of(obj) == key_of(patch)]
        if len(matches) != 1:
            sys.exit(f"{folder}: patch {patch_entry['path']} matches {len(matches)} objects")
        objects[matches[0]] = merge(objects[matches[0]], patch)
    seen = set()
    for obj in objects:
        if key_of(obj) in seen:
            sys.exit(f"{folder}: {key_of(obj)} is defined twice")
        seen.add(key_of(obj))
    return objects


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    yaml.safe_dump_all(render(pathlib.Path(sys.argv[1])), sys.stdout, sort_keys=True)
