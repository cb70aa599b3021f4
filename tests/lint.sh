#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Static analysis of the project's C files: cppcheck, then clang-tidy 14
# (.clang-tidy; tests/.clang-tidy for tests/). Exits non-zero on any finding.
#
#   tests/lint.sh [BUILD_DIR]     default build/gcc (must be configured: it
#                                 uses BUILD_DIR/compile_commands.json)
#
# Scope: every tracked .c file under omadm/, platform/, agent/ and tests/
# except the Windows-only ones (win32/ directories and *_win32.c: they need
# windows.h). A file the build does not compile (tests/oem, built by
# oem-test.sh against the installed headers) is analysed with the flags of a
# library file. Suppress a false positive on its line, with the reason:
# /* cppcheck-suppress ID ; why */ or /* NOLINT(check): why */.
# tests/lint-known.txt lists findings waiting for the owner of their file:
# they are printed but do not fail the run.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
build=${1:-build/gcc}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
jobs=${OMADM_LINT_JOBS:-2}

if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: $build/compile_commands.json missing: configure with meson first" >&2
  exit 2
fi
if ! meson introspect --buildoptions "$build" 2>/dev/null |
  /usr/bin/python3 -c 'import json,sys; sys.exit(0 if any(o["name"] == "test_hooks" and o["value"] for o in json.load(sys.stdin)) else 1)'; then
  echo "lint: $build was configured without -Dtest_hooks=true (the tests and their hooks need it)" >&2
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
import fnmatch, json, os, shlex, sys

top, build, tmp = sys.argv[1:4]
windows_only = ('*/win32/*', '*_win32.c')

with open(os.path.join(build, 'compile_commands.json')) as f:
    db = json.load(f)
wanted = []
with open(os.path.join(tmp, 'tracked')) as f:
    for line in f:
        rel = line.strip()
        if rel and not any(fnmatch.fnmatch('/' + rel, p) for p in windows_only):
            wanted.append(rel)

by_file = {}
for e in db:
    path = os.path.normpath(os.path.join(e['directory'], e['file']))
    by_file.setdefault(path, e)

# Flags of a library source, for files the build does not compile.
template = by_file[os.path.join(top, 'omadm', 'core', 'alloc.c')]
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

# Known findings: "PATH CHECK" lines, comments and blank lines skipped.
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' tests/lint-known.txt >"$tmp/known" 2>/dev/null || :

rc=0
started=$(date +%s)
set -- --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
  --std=c11 --library=posix --suppressions-list=tests/cppcheck.supp
while read -r path id; do
  set -- "$@" "--suppress=$id:$top/$path"
done <"$tmp/known"
if ! cppcheck --project="$tmp/compile_commands.json" -j"$jobs" -q "$@" \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' 2>"$tmp/cppcheck.out"; then
  rc=1
fi
if [ -s "$tmp/cppcheck.out" ]; then
  sed "s|^$top/||" "$tmp/cppcheck.out"
  rc=1
fi
echo "lint: cppcheck $([ "$rc" = 0 ] && echo clean || echo FAILED) ($(($(date +%s) - started))s)"

# clang-tidy, one process per file (several files in one process make the
# static analyser report false va_list errors across them).
started=$(date +%s)
mkdir "$tmp/tidy"
<"$tmp/files" xargs -P"$jobs" -I{} sh -c '
  log="$2/tidy/$(printf %s "$1" | tr / _).log"
  if clang-tidy-14 -p "$2" --quiet "$1" >"$log" 2>&1; then
    rm -f "$log"
  else
    echo "$1" >"$log.file"
  fi' sh {} "$tmp"
if ! /usr/bin/python3 - "$top" "$build" "$tmp" <<'EOF'; then
import glob, os, re, sys

top, build, tmp = sys.argv[1:4]
known = set()
with open(os.path.join(tmp, 'known')) as f:
    for line in f:
        parts = line.split()
        if len(parts) >= 2:
            known.add((parts[0], parts[1]))

def rel(path):
    path = os.path.normpath(os.path.join(build, path))
    return os.path.relpath(path, top) if path.startswith(top + '/') else path

noise = re.compile(r'^\d+ warnings? (generated|treated as errors)\.?$|^Error while processing ')
start = re.compile(r'^(\S+?):(\d+):(\d+): (warning|error): ')
checks_at_end = re.compile(r'\[([\w.,-]+)\]$')
failed = 0
for marker in sorted(glob.glob(os.path.join(tmp, 'tidy', '*.log.file'))):
    log = marker[:-len('.file')]
    with open(log) as f:
        lines = [l.rstrip('\n') for l in f if not noise.match(l.strip())]
    # Each diagnostic: its first line and the check names, which a message
    # with a line break in it puts on a later line.
    diags, cur = [], None
    for l in lines:
        m = start.match(l)
        if m:
            cur = {'file': rel(m.group(1)), 'checks': set()}
            diags.append(cur)
        if cur is not None and not cur['checks']:
            c = checks_at_end.search(l)
            if c:
                cur['checks'] = {x for x in c.group(1).split(',') if not x.startswith('-')}
    unknown = [d for d in diags
               if not d['checks'] or not any((d['file'], c) in known for c in d['checks'])]
    text = '\n'.join(lines).replace(build + '/../../', '').replace(top + '/', '')
    text = re.sub(r'^(\.\./)+', '', text, flags=re.M)
    if unknown or not diags:
        failed += 1
        print(text)
    else:
        for d in diags:
            print('lint: known, for the owner of %s: %s' % (d['file'], ','.join(sorted(d['checks']))))
sys.exit(1 if failed else 0)
EOF
  rc=1
  echo "lint: clang-tidy FAILED ($(($(date +%s) - started))s)"
else
  echo "lint: clang-tidy clean ($(($(date +%s) - started))s)"
fi
exit "$rc"
