#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The unit tests of a gcc build under valgrind memcheck: any memory error or
# definite/indirect leak fails the run.
#
#   tests/valgrind.sh [BUILD_DIR] [TEST...]   default build/gcc, suite 'unit'
#
# Every unit test runs (measured: about 80 s on 2 cores). Programs a test
# starts are checked too (agent-program runs the built omadm-agent), except
# system ones (/usr, /bin, /sbin: sh, openssl, python's helpers). Crash
# tests' forked children exit mid-operation on purpose: tests/valgrind.supp
# keeps their leaks (only) from counting.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
build=${1:-build/gcc}
[ $# -gt 0 ] && shift

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind: not installed" >&2
  exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
  echo "valgrind: $build is not a meson build directory" >&2
  exit 2
fi
if ! meson introspect --buildoptions "$build" 2>/dev/null |
  /usr/bin/python3 -c 'import json,sys; sys.exit(0 if any(o["name"] == "test_hooks" and o["value"] for o in json.load(sys.stdin)) else 1)'; then
  echo "valgrind: $build was configured without -Dtest_hooks=true (the tests and their hooks need it)" >&2
  exit 2
fi

wrapper="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect"
wrapper="$wrapper --show-leak-kinds=definite,indirect --error-exitcode=1 --track-origins=no"
# Deep enough stacks for the suppressions to see a *_crash_child frame.
wrapper="$wrapper --num-callers=64 --suppressions=$top/tests/valgrind.supp"
wrapper="$wrapper --trace-children=yes --trace-children-skip=/usr/*,/bin/*,/sbin/*"
# valgrind runs code 20-50x slower: give the tests' timeouts room.
# tests/valgrind-wrap.sh runs the Python tests' interpreter natively and the
# agent program they start under valgrind.
export OMADM_VALGRIND="$wrapper"
meson test -C "$build" --suite unit --num-processes 2 --timeout-multiplier 10 \
  --print-errorlogs --wrapper "sh $top/tests/valgrind-wrap.sh" --logbase valgrind "$@"
