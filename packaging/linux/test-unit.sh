#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# systemd-analyze verify on the configured unit, with ExecStart pointed at
# the binary just built (verify checks that the command exists).
# Usage: test-unit.sh UNIT BINARY
set -eu
unit=$1
binary=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
if ! command -v systemd-analyze >/dev/null 2>&1; then
  . "$(dirname "$0")/../../tests/testskip.sh"
  skip_missing systemd-analyze "apt-get install systemd"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=[^ ]*|ExecStart=$binary|" "$unit" >"$tmp/omadm-agent.service"
grep '^ExecStart=' "$tmp/omadm-agent.service"
# Any diagnostic about our unit is a failure, even when the exit code is 0.
out=$(systemd-analyze verify "$tmp/omadm-agent.service" 2>&1) || {
  echo "$out"
  echo "FAIL: systemd-analyze verify"
  exit 1
}
if printf '%s\n' "$out" | grep -F 'omadm-agent.service'; then
  echo "FAIL: systemd-analyze verify reported problems with the unit"
  exit 1
fi
echo "systemd-analyze verify: omadm-agent.service OK"
