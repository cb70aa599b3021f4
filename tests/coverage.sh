#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Line and branch coverage of omadm/, platform/ and agent/ from a gcc
# --coverage build running the unit tests (report only: it gates nothing;
# the other tiers fail on failing tests).
#
#   tests/coverage.sh [BUILD_DIR]     default build/coverage
#
# Prints one line per directory: `omadm/: lines 92.6% (a/b), branches ...`,
# then one indented line per omadm/ subdirectory.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
build=${1:-build/coverage}
if ! command -v gcovr >/dev/null 2>&1; then
  . tests/testskip.sh
  skip_missing gcovr "apt-get install gcovr; packaging/setup.sh installs it"
fi
if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" >/dev/null
else
  CC=gcc meson setup "$build" --buildtype=debug -Db_coverage=true -Dtest_hooks=true >/dev/null
fi
# Quiet when it builds; the whole compiler output when it does not.
if ! out=$(meson compile -C "$build" 2>&1); then
  printf '%s\n' "$out" | tail -40
  echo "coverage: the coverage build ($build) failed to compile" >&2
  exit 1
fi
find "$build" -name '*.gcda' -delete
# Failures are reported by the other tiers; here they only lower the figures.
meson test -C "$build" --suite unit --num-processes 2 --logbase coverage >/dev/null ||
  echo "coverage: some tests failed in the coverage build (figures still printed)"
if ! out=$(gcovr -r "$top" --object-directory "$build" --json-summary "$build/coverage.json" \
  --filter 'omadm/' --filter 'platform/' --filter 'agent/' "$build" 2>&1); then
  printf '%s\n' "$out" | tail -20
  echo "coverage: gcovr failed" >&2
  exit 1
fi
/usr/bin/python3 - "$build/coverage.json" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    files = json.load(f)["files"]
for top in ("omadm/", "platform/", "agent/"):
    lc = lt = bc = bt = 0
    for f in files:
        if f["filename"].startswith(top):
            lc += f["line_covered"]; lt += f["line_total"]
            bc += f["branch_covered"]; bt += f["branch_total"]
    pct = lambda a, b: 100.0 * a / b if b else 0.0
    print("coverage %-10s lines %5.1f%% (%d/%d), branches %5.1f%% (%d/%d)"
          % (top, pct(lc, lt), lc, lt, pct(bc, bt), bc, bt))
# Where omadm/'s gap is: one line per subdirectory (files directly under
# omadm/ count in the total above only).
subdirs = {}
for f in files:
    parts = f["filename"].split("/")
    if parts[0] == "omadm" and len(parts) > 2:
        s = subdirs.setdefault(parts[1], [0, 0, 0, 0])
        s[0] += f["line_covered"]; s[1] += f["line_total"]
        s[2] += f["branch_covered"]; s[3] += f["branch_total"]
for name in sorted(subdirs):
    lc, lt, bc, bt = subdirs[name]
    print("coverage   %-18s lines %5.1f%% (%d/%d), branches %5.1f%% (%d/%d)"
          % ("omadm/" + name + "/", pct(lc, lt), lc, lt, pct(bc, bt), bc, bt))
PY
