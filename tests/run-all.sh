#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The default test run: format check, a gcc -Werror build running every
# test, static analysis (tests/lint.sh), the unit tests under valgrind
# (tests/valgrind.sh), a clang AddressSanitizer + UndefinedBehaviorSanitizer
# build running every test, coverage figures (tests/coverage.sh, report
# only; skip with OMADM_SKIP_COVERAGE=1), then the Windows tier (skip with
# OMADM_SKIP_WINDOWS=1). Ends with `N passed, N failed, N skipped`.
# Build trees go under build/ in the checkout. Test builds turn the crash
# and allocation-failure hooks on (-Dtest_hooks=true); installed builds
# leave them off (the default; the release-no-hooks test checks).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
started=$(date +%s)
# A test missing a tool fails here instead of skipping (tests/testskip.py).
export OMADM_TESTS_STRICT=1
tiers_skipped=0
# Totals of every test run, also when a step fails.
trap '[ -n "${started:-}" ] && printf "\n" && /usr/bin/python3 tests/test-totals.py "$started" \
  build/gcc build/clang-asan build/win64 --skipped "$tiers_skipped"' EXIT

step() { printf '\n=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

step "format check"
sh tests/check-format.sh

build() { # name, compiler, extra meson options...
  name=$1; compiler=$2; shift 2
  dir="$top/build/$name"
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    CC=$compiler meson setup "$dir" "$@" >/dev/null
  fi
  meson compile -C "$dir"
  meson test -C "$dir" --print-errorlogs --num-processes 2
}

step "gcc -Werror build and tests"
build gcc gcc --buildtype=debugoptimized -Dwerror=true -Dtest_hooks=true

step "static analysis (cppcheck, clang-tidy) over the gcc build's compile_commands.json"
sh tests/lint.sh build/gcc

step "gcc unit tests under valgrind memcheck"
sh tests/valgrind.sh build/gcc

step "clang ASan+UBSan build and tests"
build clang-asan clang --buildtype=debug -Dwerror=true -Dtest_hooks=true \
  -Db_sanitize=address,undefined -Db_lundef=false \
  -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

if [ "${OMADM_SKIP_COVERAGE:-0}" != 1 ]; then
  step "coverage of omadm/, platform/, agent/ (gcc --coverage, unit tests; report only)"
  sh tests/coverage.sh build/coverage
fi

if [ "${OMADM_SKIP_WINDOWS:-0}" != 1 ]; then
  # Run with sh: a lost exec bit cannot make the tier vanish; a missing
  # script fails the run.
  step "Windows cross-build and tests under wine"
  sh packaging/windows/test-windows.sh
else
  step "Windows tier SKIPPED (OMADM_SKIP_WINDOWS=1)"
  tiers_skipped=1
fi

step "all default tests passed"
