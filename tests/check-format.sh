#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fails when a tracked C file is not formatted with the project's .clang-format,
# or a source file has no SPDX license line (tests/spdx.py).
set -eu
cd "$(dirname "$0")/.."
bad=0
for f in $(git ls-files '*.c' '*.h' '*.h.in' 2>/dev/null || find agent omadm platform tests -name '*.[ch]'); do
  case "$f" in *.h.in) continue ;; esac
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)" >&2
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "format check: all C files formatted"
# Every source file names its license (Apache-2.0, as meson.build declares).
python3 tests/spdx.py || bad=1
exit "$bad"
