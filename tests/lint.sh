#!/bin/sh
# Static analysis of the project's C files: cppcheck, then clang-tidy 14
# (.clang-tidy; tests/.clang-tidy for tests/). Exits non-zero on any finding.
#
#   tests/lint.sh [BUILD_DIR]     default build/gcc (must be built: it uses
#                                 BUILD_DIR/compile_commands.json)
#
# Scope: every tracked .c file under omadm/, platform/, agent/ and tests/
# except the Windows-only ones (they need windows.h). A file the build does
# not compile (tests/oem, built by oem-test.sh against installed headers) is
# analysed with the flags of a library file. Suppress a false positive on its
# line, with the reason: /* cppcheck-suppress ID */ or /* NOLINT(check) */.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
build=${1:-build/gcc}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
jobs=${OMADM_LINT_JOBS:-2}

if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: $build/compile_commands.json missing: build with meson first" >&2
  exit 2
fi
for tool in cppcheck clang-tidy-14; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "lint: $tool not found" >&2
    exit 2
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omadm-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# A compilation database of the files in scope, one entry each (libomadm's
# sources are compiled twice, for the static and the shared library).
git ls-files 'omadm/*.c' 'platform/*.c' 'agent/*.c' 'tests/*.c' >"$tmp/tracked"
/usr/bin/python3 - "$top" "$build" "$tmp" <<'EOF'
import json, os, shlex, sys

top, build, tmp = sys.argv[1:4]
skip_prefixes = ('platform/win32/', 'packaging/windows/')
skip_files = {'platform/common/fs_win32.c'}

with open(os.path.join(build, 'compile_commands.json')) as f:
    db = json.load(f)
wanted = []
with open(os.path.join(tmp, 'tracked')) as f:
    for line in f:
        rel = line.strip()
        if rel and not rel.startswith(skip_prefixes) and rel not in skip_files:
            wanted.append(rel)

by_file = {}
for e in db:
    path = os.path.normpath(os.path.join(e['directory'], e['file']))
    by_file.setdefault(path, e)

# Flags of a library source, for files the build does not compile.
template = next(e for p, e in by_file.items()
                if p == os.path.join(top, 'omadm', 'core', 'alloc.c'))
args = template.get('arguments') or shlex.split(template['command'])
keep, skip_next = [], False
for a in args[1:]:
    if skip_next:
        skip_next = False
    elif a in ('-o', '-MF', '-MQ', '-MT'):
        skip_next = True
    elif a not in ('-c', '-MD', '-fPIC') and not a.endswith('.c'):
        keep.append(a)

out, synthesized = [], []
for rel in wanted:
    path = os.path.join(top, rel)
    e = by_file.get(path)
    if e is None:
        synthesized.append(rel)
        e = {'directory': template['directory'], 'file': path,
             'arguments': [args[0]] + keep + ['-c', path]}
    out.append(e)
with open(os.path.join(tmp, 'compile_commands.json'), 'w') as f:
    json.dump(out, f, indent=1)
with open(os.path.join(tmp, 'files'), 'w') as f:
    for rel in wanted:
        f.write(os.path.join(top, rel) + '\n')
print('lint: %d files (%d not compiled by the build, analysed with library flags%s)'
      % (len(wanted), len(synthesized),
         ': ' + ' '.join(synthesized) if synthesized else ''))
EOF

rc=0
started=$(date +%s)
supp=
[ -f tests/cppcheck.supp ] && supp="--suppressions-list=tests/cppcheck.supp"
# shellcheck disable=SC2086 # $supp is one optional word
if ! cppcheck --project="$tmp/compile_commands.json" -j"$jobs" -q \
    --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
    --std=c11 --library=posix $supp \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' 2>"$tmp/cppcheck.out"; then
  rc=1
fi
if [ -s "$tmp/cppcheck.out" ]; then
  sed "s|^$top/||" "$tmp/cppcheck.out"
  rc=1
fi
echo "lint: cppcheck $( [ "$rc" = 0 ] && echo clean || echo FAILED ) ($(($(date +%s) - started))s)"

# clang-tidy, one process per file (several files in one process make the
# static analyser report false va_list errors across them).
started=$(date +%s)
mkdir "$tmp/tidy"
<"$tmp/files" xargs -P"$jobs" -I{} sh -c '
  log="$2/tidy/$(printf %s "$1" | tr / _).log"
  if ! clang-tidy-14 -p "$3" --quiet "$1" >"$log" 2>&1; then
    echo "$1" >>"$log.failed"
  fi' sh {} "$tmp" "$tmp"
tidy_bad=0
for failed in "$tmp"/tidy/*.failed; do
  [ -e "$failed" ] || continue
  tidy_bad=$((tidy_bad + 1))
  grep -v -e '^[0-9]* warnings\{0,1\} generated\.$' -e '^[0-9]* warnings\{0,1\} treated as errors$' \
    -e '^Error while processing ' "${failed%.failed}" | sed "s|$build/\.\./\.\./||g; s|$top/||g; s|^\.\./\.\./||"
done
if [ "$tidy_bad" = 0 ]; then
  echo "lint: clang-tidy clean ($(($(date +%s) - started))s)"
else
  echo "lint: clang-tidy FAILED in $tidy_bad file(s) ($(($(date +%s) - started))s)"
  rc=1
fi
exit "$rc"
