#!/usr/bin/env bash
# The dashboards' JSON Schema check (ctest: dashboards_schema; see README.md beside this file).
#   bash grafana-dashboards/tests/schema/run.sh [DASHBOARD.json...]   (default: grafana-dashboards/*.json)
# Installs the pinned @grafana/schema and ts-json-schema-generator (package-lock.json) with
# `npm ci` into USDCOP_SCHEMA_CACHE (default: build/grafana-schema, outside the sources), generates
# the schemas there with generate.cjs, and validates with check.py. Both are reused until
# package-lock.json or generate.cjs change. Exit 0 pass, 1 fail, 77 skipped (a tool is missing).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)

skip() { echo "SKIP: $1 (bash scripts/install-deps installs it)" >&2; exit 77; }
command -v node >/dev/null 2>&1 || skip "node not found (Debian package nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm not found (Debian package npm)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found (Debian package python3)"
python3 -c 'import jsonschema' 2>/dev/null || skip "python3 module jsonschema not found (Debian package python3-jsonschema)"

if [ $# -eq 0 ]; then
  shopt -s nullglob
  set -- "$repo"/grafana-dashboards/*.json
  shopt -u nullglob
  [ $# -gt 0 ] || { echo "FAIL: no dashboards in $repo/grafana-dashboards/*.json" >&2; exit 1; }
fi

cache=${USDCOP_SCHEMA_CACHE:-$repo/build/grafana-schema}
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 900 9 || { echo "FAIL: $cache is locked by another run for 15 minutes" >&2; exit 1; }

# node_modules: reinstalled when the lock file changes.
lock_sum=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -d "$cache/node_modules" ] || [ "$(cat "$cache/installed" 2>/dev/null)" != "$lock_sum" ]; then
  rm -rf "$cache/node_modules" "$cache/installed" "$cache/generated" "$cache/schemas"
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  echo "npm ci of the pinned @grafana/schema into $cache..."
  (cd "$cache" && timeout 600 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    { echo "FAIL: npm ci in $cache failed (is the npm registry reachable?)" >&2; exit 1; }
  echo "$lock_sum" >"$cache/installed"
fi

# The schemas: regenerated when the packages or the generator change.
gen_sum=$(cat "$cache/installed" "$here/generate.cjs" | sha256sum | cut -d' ' -f1)
if [ ! -f "$cache/schemas/source.json" ] || [ "$(cat "$cache/generated" 2>/dev/null)" != "$gen_sum" ]; then
  rm -rf "$cache/schemas" "$cache/generated"
  timeout 300 node "$here/generate.cjs" "$cache/node_modules" "$cache/schemas"
  echo "$gen_sum" >"$cache/generated"
fi

python3 "$here/check.py" "$cache/schemas" "$@"
