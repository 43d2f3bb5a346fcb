#!/usr/bin/env bash
# Checks deploy/systemd/embargo.service and embargo@.service with `systemd-analyze verify` (any
# warning fails: verify itself exits 0 on unknown keys and bad values) and prints the offline
# security exposure score. Exit 77 (skipped) when systemd-analyze is not installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed (apt-get install systemd)"; exit 77; }

WORK="$(mktemp -d /tmp/embargo-systemd-check.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
cp "$ROOT/deploy/systemd/embargo.service" "$ROOT/deploy/systemd/embargo@.service" "$WORK/"
if [ ! -x /usr/bin/node ]; then
  # The units name Debian's /usr/bin/node; verify checks that ExecStart's program exists.
  echo "note: /usr/bin/node is missing here; checking with $(command -v node) instead"
  sed -i "s#/usr/bin/node#$(command -v node)#" "$WORK"/*.service
fi

FAILED=0
cd "$WORK"
for unit in embargo.service embargo@web.service embargo@worker.service; do
  if output="$(systemd-analyze verify --man=no "$unit" 2>&1)" && [ -z "$output" ]; then
    echo "ok   systemd-analyze verify $unit"
  else
    echo "FAIL systemd-analyze verify $unit"
    echo "$output"
    FAILED=1
  fi
done
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
  systemd-analyze security --offline=true --no-pager embargo.service 2>/dev/null | tail -n 1 || true
fi
[ "$FAILED" = 0 ] && echo "systemd check passed"
exit "$FAILED"
