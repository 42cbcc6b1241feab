#!/usr/bin/env bash
# Checks alertmanager/alertmanager.yml and its templates with the real amtool and Alertmanager.
# ctest runs each subcommand as one test (tests/CMakeLists.txt); by hand, from the repository:
#   bash alertmanager/tests/check.sh config      # amtool check-config, and no secret inline
#   bash alertmanager/tests/check.sh routes      # every case of routes.txt (amtool config routes test)
#   bash alertmanager/tests/check.sh templates   # the templates against golden renderings
#   bash alertmanager/tests/check.sh inhibition  # a real Alertmanager: critical mutes warning per component
# AMTOOL and ALERTMANAGER name the binaries (default: from PATH; Debian's Alertmanager is
# prometheus-alertmanager). Exit 0 pass, 1 fail, 77 skipped (a tool is missing).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=$(dirname "$here")              # alertmanager/
config="$dir/alertmanager.yml"
amtool=${AMTOOL:-amtool}
alertmanager=${ALERTMANAGER:-$(command -v alertmanager || command -v prometheus-alertmanager || echo alertmanager)}

am_pid=""   # the Alertmanager check_inhibition starts, stopped on exit
am_tmp=""
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "SKIP: $1 not found (install Debian's prometheus-alertmanager: bash scripts/install-deps)" >&2
  exit 77
}

# The one transformation the tests make to a copy of the config: the secret files move from
# /etc/alertmanager/secrets/ to a temporary directory holding placeholders.
config_copy() {  # config_copy DIR: writes DIR/alertmanager.yml, DIR/secrets/*, DIR/templates
  mkdir -p "$1/secrets"
  printf 'http://127.0.0.1:9/slack-placeholder\n' >"$1/secrets/slack_api_url"
  printf 'placeholder\n' >"$1/secrets/smtp_password"
  printf 'placeholder\n' >"$1/secrets/webhook_token"
  sed "s#/etc/alertmanager/secrets/#$1/secrets/#g" "$config" >"$1/alertmanager.yml"
  ln -s "$dir/templates" "$1/templates"
}

check_config() {
  need "$amtool"
  "$amtool" check-config "$config"
  # Secrets only from files: no inline Slack URL, SMTP password, bearer token or basic-auth password.
  local inline
  inline=$(grep -nE '^\s*(slack_api_url|api_url|smtp_auth_password|auth_password|credentials|password|bearer_token|smtp_auth_secret|auth_secret)\s*:' "$config" || true)
  if [ -n "$inline" ]; then
    echo "FAIL: a secret written inline in $config (use the *_file form):" >&2
    echo "$inline" >&2
    return 1
  fi
  # Every *_file points under /etc/alertmanager/secrets/ (what config_copy rewrites).
  local stray
  stray=$(grep -nE '_file\s*:' "$config" | grep -v '/etc/alertmanager/secrets/' || true)
  if [ -n "$stray" ]; then
    echo "FAIL: a secret file outside /etc/alertmanager/secrets/:" >&2
    echo "$stray" >&2
    return 1
  fi
  echo "no secret inline; every secret file under /etc/alertmanager/secrets/"
}

check_routes() {
  need "$amtool"
  local n=0 failed=0 want labels got
  while read -r want labels; do
    case "$want" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    # shellcheck disable=SC2086  # the labels are words
    if got=$("$amtool" config routes test --config.file="$config" --verify.receivers="$want" $labels 2>/dev/null); then
      echo "ok   $want <- $labels"
    else
      echo "FAIL $labels: got ${got:-nothing}, want $want" >&2
      failed=$((failed + 1))
    fi
  done <"$here/routes.txt"
  echo "$n routing cases, $failed failed"
  [ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
}

check_templates() {  # golden/*.txt: UPDATE_GOLDEN=1 rewrites them (then review the diff)
  need "$amtool"
  local failed=0 name got
  for name in slack.title slack.title_link slack.color slack.text email.subject email.text email.html; do
    # Alertmanager renders an email's html with html/template (escaping), the rest as text.
    local type=text
    [ "$name" = email.html ] && type=html
    got=$("$amtool" template render --template.type="$type" --template.glob="$dir/templates/*.tmpl" \
      --template.data="$here/notification.json" --template.text="{{ template \"usdcop.$name\" . }}")
    if [ -n "${UPDATE_GOLDEN:-}" ]; then printf '%s\n' "$got" >"$here/golden/$name.txt"; fi
    if diff -u "$here/golden/$name.txt" <(printf '%s\n' "$got"); then
      echo "ok   usdcop.$name"
    else
      echo "FAIL usdcop.$name differs from golden/$name.txt" >&2
      failed=$((failed + 1))
    fi
  done
  [ "$failed" -eq 0 ]
}

check_inhibition() {
  need "$amtool"
  need "$alertmanager"
  need curl
  need python3
  local tmp port
  tmp=$(mktemp -d)
  am_tmp=$tmp
  trap 'if [ -n "$am_pid" ]; then kill "$am_pid" 2>/dev/null; wait "$am_pid" 2>/dev/null; fi; rm -rf "$am_tmp"' EXIT
  config_copy "$tmp"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # group_wait (30 s) is longer than this test: no notification is ever attempted.
  "$alertmanager" --config.file="$tmp/alertmanager.yml" --storage.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= >"$tmp/alertmanager.log" 2>&1 &
  am_pid=$!
  local url="http://127.0.0.1:$port"
  for _ in $(seq 1 50); do curl -fsS "$url/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "$url/-/ready" >/dev/null || { cat "$tmp/alertmanager.log" >&2; return 1; }
  add() { "$amtool" --alertmanager.url="$url" alert add "$@" >/dev/null; }
  add alertname=VendorApiRateLimitCritical severity=critical component=vendor_api key_id=primary period=day
  add alertname=VendorApiRateLimitWarning severity=warning component=vendor_api key_id=primary period=day
  add alertname=ApiKeyRotationDue severity=warning component=vendor_api key_id=backup
  add alertname=BackupGaps severity=warning component=backups layer=L0
  add alertname=ProbeFailing severity=warning component=exporter probe=vendor_api
  add alertname=L0DataGap severity=critical component=market_data symbol=USD/COP
  add alertname=DataCompletenessBudgetBurn severity=warning component=market_data ticket=true
  sleep 1
  curl -fsS "$url/api/v2/alerts" | python3 -c '
import json, sys
alerts = json.load(sys.stdin)
state = {a["labels"]["alertname"]: ("inhibited" if a["status"]["inhibitedBy"] else "active") for a in alerts}
want = {
    "VendorApiRateLimitCritical": "active",
    "VendorApiRateLimitWarning": "inhibited",   # critical of the same component
    "ApiKeyRotationDue": "inhibited",           # likewise
    "BackupGaps": "active",                     # no critical for backups
    "ProbeFailing": "active",                   # component exporter, not vendor_api
    "L0DataGap": "active",
    "DataCompletenessBudgetBurn": "inhibited",  # the ticket, under a market_data critical
}
bad = 0
for name, w in want.items():
    got = state.get(name, "missing")
    print(("ok  " if got == w else "FAIL"), name, got, "" if got == w else "(want %s)" % w)
    bad += got != w
sys.exit(1 if bad else 0)
'
}

case "${1:-}" in
  config) check_config ;;
  routes) check_routes ;;
  templates) check_templates ;;
  inhibition) check_inhibition ;;
  *) echo "usage: $0 config|routes|templates|inhibition" >&2; exit 2 ;;
esac
