#!/usr/bin/env bash
# DEVELOPMENT HARNESS ONLY: runs tests/browser/status_page.test.mjs against the development
# stand-in (dev/server.mjs) in front of a fresh dev/stack.sh (real pipeline-sim, exporter and
# Alertmanager), until the exporter serves the page itself. Stops everything it started.
#
#   PIPELINE_SIM=... USDCOP_EXPORTER=... bash tests/browser/dev/run.sh
#
# DIR (default /tmp/status-page-dev) holds the stack's files; STATUS_PAGE_ARTIFACTS the screenshots.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DIR=${DIR:-/tmp/status-page-dev}
DEV_PORT=${DEV_PORT:-29800}
bash "$here/../install.sh" >/dev/null
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
rm -f "$DIR/env"
bash "$here/stack.sh" >"/tmp/status-page-stack.$$.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do [ -s "$DIR/env" ] && break; sleep 0.2; done
[ -s "$DIR/env" ] || { echo "run.sh: the stack did not start:" >&2; cat "/tmp/status-page-stack.$$.log" >&2; exit 1; }
set -a; source "$DIR/env"; set +a
DEV_PORT=$DEV_PORT node "$here/server.mjs" >"$DIR/dev-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -fsS -o /dev/null "http://127.0.0.1:$DEV_PORT/login" 2>/dev/null && break; sleep 0.2; done
# The probes' first results, so that the page starts from a steady state.
sleep 4
STATUS_PAGE_URL=http://127.0.0.1:$DEV_PORT STATUS_PAGE_HARNESS=dev STATUS_PAGE_STATE_DB=$DIR/usdcop_exporter.db \
  node "$here/../status_page.test.mjs"
