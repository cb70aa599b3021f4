#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# agent/ calls libomadm through its public API only (issue 12: the stock
# agent proves the API every day). Fails on an `omadm__` / `OMADM__`
# identifier in agent/ that tests/abi/agent-internal.allow does not list,
# and on a listed one that is gone (so the list is kept exact).
#   agent-public-only.sh SOURCE_DIR
set -eu
src=$1
allow="$src/tests/abi/agent-internal.allow"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadm-agentapi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

(cd "$src" && grep -oE '\b(omadm|OMADM)__[A-Za-z0-9_]*' -r agent/ \
  --include='*.c' --include='*.h' --include='*.rc.in' --include='*.mc') |
  sed 's/:/ /' | sort -u >"$tmp/found"
grep -v '^#' "$allow" | grep -v '^ *$' | sort -u >"$tmp/allowed"

status=0
comm -23 "$tmp/found" "$tmp/allowed" >"$tmp/new"
comm -13 "$tmp/found" "$tmp/allowed" >"$tmp/stale"
if [ -s "$tmp/new" ]; then
  echo "agent-public-only: agent/ uses libomadm internals (use omadm/include/omadm):" >&2
  sed 's/^/  /' "$tmp/new" >&2
  status=1
fi
if [ -s "$tmp/stale" ]; then
  echo "agent-public-only: no longer used, remove from tests/abi/agent-internal.allow:" >&2
  sed 's/^/  /' "$tmp/stale" >&2
  status=1
fi
[ $status -eq 0 ] && echo "agent-public-only: $(wc -l <"$tmp/allowed") allowed internal use(s) left, none other"
exit $status
