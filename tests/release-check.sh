#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# release-check.sh SOURCE_DIR TEST_AGENT: what `meson install` ships has no
# test hooks. Configures a release build of the source (no tests,
# test_hooks at its default), installs it into a temporary
# DESTDIR and fails when any installed file contains OMADM_CRASH_AT (the
# crash-injection hook's variable). TEST_AGENT, the test build's agent, must
# contain it: the check can see the hook where it is.
set -eu
src=$1
test_agent=$2
if ! grep -q OMADM_CRASH_AT "$test_agent"; then
  echo "FAIL: $test_agent (a test build) has no OMADM_CRASH_AT: the check would see nothing" >&2
  exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadm-release.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
# -O2 (not release's -O3): the optimisation level every test build
# compiles warning-free under -Werror; gcc 12's -O3 raises false
# maybe-uninitialized / format-truncation warnings (csp/reboot/rbtime.c).
if ! meson setup "$tmp/build" "$src" --buildtype=release -Doptimization=2 -Dtests=false \
  >"$tmp/log" 2>&1 ||
  ! nice meson compile -C "$tmp/build" >>"$tmp/log" 2>&1 ||
  ! meson install -C "$tmp/build" --no-rebuild --destdir "$tmp/root" >>"$tmp/log" 2>&1; then
  cat "$tmp/log"
  echo "FAIL: release build or install" >&2
  exit 1
fi
hooks=$(meson introspect --buildoptions "$tmp/build" |
  /usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "test_hooks"][0])')
echo "release build: test_hooks=$hooks"
agent=$(find "$tmp/root" -type f -name omadm-agent | head -n 1)
lib=$(find "$tmp/root" -name 'libomadm.so*' -type f | head -n 1)
if [ -z "$agent" ] || [ -z "$lib" ]; then
  echo "FAIL: the install lacks omadm-agent or libomadm.so" >&2
  exit 1
fi
found=$(grep -rl OMADM_CRASH_AT "$tmp/root" || true)
if [ -n "$found" ]; then
  echo "FAIL: installed files with the crash hook:" >&2
  echo "$found" >&2
  exit 1
fi
echo "ok: $(find "$tmp/root" -type f | wc -l) installed files, none with OMADM_CRASH_AT"
