# SPDX-License-Identifier: Apache-2.0
# Sourced by shell tests: `skip_missing WHAT [HINT]` exits 77 (skip) in a
# local loop, 1 (failure naming WHAT) when CI=true or OMADM_TESTS_STRICT=1
# (tests/run-all.sh sets it), unless OMADM_ALLOW_SKIP=1. See testskip.py.
skip_missing() {
  _what=$1
  [ $# -gt 1 ] && _what="$1 ($2)"
  if [ "${OMADM_ALLOW_SKIP:-0}" != 1 ] &&
    { [ "${CI:-}" = true ] || [ "${OMADM_TESTS_STRICT:-0}" = 1 ]; }; then
    echo "FAIL: not available: $_what; tests may not skip in CI or tests/run-all.sh (OMADM_ALLOW_SKIP=1 allows it locally)"
    exit 1
  fi
  echo "SKIP: not available: $_what"
  exit 77
}
