#!/usr/bin/env bash
# promtool over rules/. ctest runs each subcommand (tests/CMakeLists.txt); by hand, from the
# repository:
#   bash rules/tests/run.sh check            # promtool check rules on every rule file
#   bash rules/tests/run.sh test FILE...     # promtool test rules (default: every rules/tests/*_test.yml)
#   bash rules/tests/run.sh lint             # labels, annotations, runbooks, for: form, coverage
#   bash rules/tests/run.sh short-for        # the for: transformation of rules/README.md on a copy
# PROMTOOL names the binary (default: promtool from PATH). Exit 0 pass, 1 fail, 77 skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rules=$(dirname "$here")
promtool=${PROMTOOL:-promtool}

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "SKIP: $1 not found (${2}: bash scripts/install-deps)" >&2
  exit 77
}

# The transformation rules/README.md documents: every `for: Nm` becomes `for: Ns` (60x shorter).
shorten_for() { sed -E 's/^( *for: )([0-9]+)m$/\1\2s/' "$1"; }

case "${1:-}" in
  check)
    need "$promtool" "Debian package prometheus"
    "$promtool" check rules "$rules"/*.yml
    ;;
  test)
    need "$promtool" "Debian package prometheus"
    shift
    if [ $# -eq 0 ]; then set -- "$here"/*_test.yml; fi
    "$promtool" test rules "$@"
    ;;
  lint)
    need python3 "Debian package python3"
    python3 "$here/lint.py" "$(dirname "$rules")"
    ;;
  short-for)
    need "$promtool" "Debian package prometheus"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    for f in "$rules"/*.yml; do shorten_for "$f" >"$tmp/$(basename "$f")"; done
    before=$(cat "$rules"/*.yml | grep -cE '^ *for: ' || true)
    after=$(cat "$tmp"/*.yml | grep -cE '^ *for: [0-9]+s$' || true)
    left=$(cat "$tmp"/*.yml | grep -E '^ *for: ' | grep -vE '^ *for: [0-9]+s$' || true)
    echo "for: lines $before, shortened $after"
    if [ "$before" -ne "$after" ] || [ -n "$left" ]; then
      echo "FAIL: not every for: was shortened:" >&2
      echo "$left" >&2
      exit 1
    fi
    "$promtool" check rules "$tmp"/*.yml
    ;;
  *)
    echo "usage: $0 check | test [FILE...] | lint | short-for" >&2
    exit 2
    ;;
esac
