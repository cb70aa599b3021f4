#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# meson test --wrapper of tests/valgrind.sh: PROGRAM [ARG...] under
# valgrind ($OMADM_VALGRIND holds the valgrind command line). A built test
# program runs under valgrind, with the children it starts (system ones
# excepted). A system interpreter (the Python tests agent-program and
# agent-ops) runs natively instead, and each built program named among its
# arguments is replaced by a shim running that program under valgrind: the
# same code of ours is checked, without checking CPython (python3 -c pass
# alone takes ~9 s under memcheck). Measured on the shared 2-core machine
# under load: agent-program 339 -> 284 s, agent-ops 374 -> 329 s, the two
# together 6m16 -> 5m32; the rest is the agent program itself under memcheck.
set -euf # no globbing: the valgrind options hold /usr/* patterns
: "${OMADM_VALGRIND:?set by tests/valgrind.sh}"
case $1 in
/usr/* | /bin/* | /sbin/*) ;;
*) exec $OMADM_VALGRIND "$@" ;;
esac
shims=$(mktemp -d "${TMPDIR:-/tmp}/omadm-valgrind-XXXXXX")
trap 'rm -rf "$shims"' EXIT
interp=$1
shift
n=0
for arg; do
  shift
  case $arg in
  /usr/* | /bin/* | /sbin/* | -*) ;;
  *)
    # A built program (ELF), not the test script itself.
    if [ -f "$arg" ] && [ -x "$arg" ] && [ "$(head -c 4 "$arg" | tail -c 3)" = ELF ]; then
      n=$((n + 1))
      real=$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")
      mkdir "$shims/$n"
      printf '#!/bin/sh\nset -f\nexec %s %s "$@"\n' "$OMADM_VALGRIND" "$real" >"$shims/$n/$(basename "$arg")"
      chmod +x "$shims/$n/$(basename "$arg")"
      arg=$shims/$n/$(basename "$arg")
    fi
    ;;
  esac
  set -- "$@" "$arg"
done
# Not exec: the shims are removed when the interpreter ends.
"$interp" "$@"
