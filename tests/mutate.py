#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One-line mutation testing: applies each mutation of a list to the source,
builds only the test programs that cover it, runs those tests, reverts, and
prints killed/survived. Not part of the default run (CPU-heavy: run it nice'd).

    nice python3 tests/mutate.py [--list FILE] [--build DIR] [--budget SECONDS] [ID...]

The list (default tests/mutations.txt) holds blocks:

    [ID] path/to/file.c                 # repository-relative
    - original text                     # must occur exactly once in the file
    + replacement text
    at: N                               # optional: the Nth occurrence instead
    tests: meson-test-name ...          # the tests that must catch it
    why: (optional) why a survivor is equivalent

In "- "/"+ " text \\n stands for a line break. Several "-"/"+" pairs in one
block make one mutation (all applied together).

A mutation is killed when the build fails or any listed test fails or times
out. The source is restored after every mutation, also on Ctrl-C. The build
directory (default build/mutate, a plain debug gcc build) is configured on
first use. Exit status: 0 when every mutation was killed or is marked
equivalent (a `why:` line), 1 otherwise, 2 on a usage or list error.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def unescape(text):
    """A list line's text: \\n stands for a line break."""
    return text.replace('\\n', '\n')


def parse_list(path):
    muts, cur = [], None
    with open(path, encoding='utf-8') as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            m = re.match(r'^\[([\w.-]+)\]\s+(\S+)\s*$', line)
            if m:
                cur = {'id': m.group(1), 'file': m.group(2), 'edits': [],
                       'tests': [], 'why': None, 'line': n}
                muts.append(cur)
                continue
            if cur is None:
                raise SystemExit('%s:%d: text before the first [ID]' % (path, n))
            if line.startswith('- '):
                cur['edits'].append({'old': unescape(line[2:]), 'new': None, 'at': 0})
            elif (line.startswith('+ ') or line == '+') and cur['edits']:
                cur['edits'][-1]['new'] = unescape(line[2:])
            elif line.startswith('at:') and cur['edits']:
                cur['edits'][-1]['at'] = int(line.split(':', 1)[1])
            elif line.startswith('tests:'):
                cur['tests'] = line.split(':', 1)[1].split()
            elif line.startswith('why:'):
                cur['why'] = line.split(':', 1)[1].strip()
            else:
                raise SystemExit('%s:%d: unexpected line: %s' % (path, n, line))
    for m in muts:
        if not m['edits'] or any(e['new'] is None for e in m['edits']) or not m['tests']:
            raise SystemExit('%s:%d: [%s] needs "- ", "+ " and "tests:"' %
                             (path, m['line'], m['id']))
    return muts


def apply_edits(text, edits):
    """The text with every edit applied, or (None, why not)."""
    for e in edits:
        count = text.count(e['old'])
        if e['at']:
            if count < e['at']:
                return None, '"- %s" found %d times, at: %d' % (e['old'], count, e['at'])
            pos = -1
            for _ in range(e['at']):
                pos = text.index(e['old'], pos + 1)
        elif count != 1:
            return None, '"- %s" found %d times' % (e['old'], count)
        else:
            pos = text.index(e['old'])
        text = text[:pos] + e['new'] + text[pos + len(e['old']):]
    return text, None


def run(cmd, timeout=None, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, universal_newlines=True, **kw)


def configure(build):
    if os.path.exists(os.path.join(build, 'build.ninja')):
        return
    r = run(['meson', 'setup', build, '--buildtype=debug', '-Dwerror=true'],
            env=dict(os.environ, CC=os.environ.get('CC', 'gcc')), cwd=TOP)
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        raise SystemExit('mutate: meson setup failed')


def test_targets(build):
    """meson test name -> the build targets its command needs."""
    r = run(['meson', 'introspect', '--tests', build], cwd=TOP)
    tests = json.loads(r.stdout)
    out = {}
    for t in tests:
        targets = []
        # The test's program, and (Python tests starting the agent) the
        # programs its environment names: those inside the build directory.
        for v in list(t['cmd']) + list(t.get('env', {}).values()):
            if not isinstance(v, str) or not v.startswith('/'):
                continue
            v = os.path.normpath(v)
            if v.startswith(build + '/') and '.' not in os.path.basename(v):
                targets.append(os.path.relpath(v, build))
        out[t['name']] = targets
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--list', default=os.path.join(TOP, 'tests', 'mutations.txt'))
    ap.add_argument('--build', default=os.path.join(TOP, 'build', 'mutate'))
    ap.add_argument('--budget', type=int, default=2400, help='stop starting mutations after this')
    ap.add_argument('--timeout', type=int, default=300, help='per test run')
    ap.add_argument('ids', nargs='*')
    a = ap.parse_args()

    muts = parse_list(a.list)
    if a.ids:
        muts = [m for m in muts if m['id'] in a.ids]
        if not muts:
            raise SystemExit('mutate: no such mutation')
    build = os.path.realpath(a.build)
    configure(build)
    r = run(['meson', 'compile', '-C', build], cwd=TOP)
    if r.returncode != 0:
        sys.stdout.write(r.stdout[-4000:])
        raise SystemExit('mutate: the unmutated build fails')
    targets = test_targets(build)
    for m in muts:
        for t in m['tests']:
            if t not in targets:
                raise SystemExit('mutate: [%s] names unknown test %s' % (m['id'], t))

    # Restore the source on SIGINT/SIGTERM too.
    current = {}

    def restore():
        for path, text in list(current.items()):
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
            del current[path]

    def on_signal(signum, frame):
        restore()
        raise SystemExit(130)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    started = time.time()
    results = []
    for m in muts:
        if time.time() - started > a.budget:
            results.append((m, 'not run', 'budget'))
            continue
        path = os.path.join(TOP, m['file'])
        with open(path, encoding='utf-8') as f:
            text = f.read()
        mutated, problem = apply_edits(text, m['edits'])
        if problem:
            results.append((m, 'error', problem))
            continue
        current[path] = text
        try:
            st = os.stat(path)
            with open(path, 'w', encoding='utf-8') as f:
                f.write(mutated)
            # Some filesystems keep a coarse mtime: make sure ninja sees it.
            os.utime(path, (st.st_atime, max(time.time(), st.st_mtime + 1)))
            need = sorted({x for t in m['tests'] for x in targets[t]})
            b = run(['ninja', '-C', build] + need, cwd=TOP)
            if b.returncode != 0:
                errors = [x for x in b.stdout.splitlines() if 'error' in x][:2]
                results.append((m, 'killed', 'build: ' + ' | '.join(errors)))
                continue
            try:
                t = run(['meson', 'test', '-C', build, '--no-rebuild', '--num-processes', '2']
                        + m['tests'], timeout=a.timeout, cwd=TOP)
                failed = [m2.group(1) for m2 in
                          re.finditer(r' / (\S+)\s+(?:FAIL|TIMEOUT)', t.stdout)]
                if t.returncode != 0:
                    results.append((m, 'killed', ' '.join(failed) or 'tests'))
                else:
                    results.append((m, 'survived', ''))
            except subprocess.TimeoutExpired:
                results.append((m, 'killed', 'timeout'))
        finally:
            restore()
            os.utime(path, None)
    # Rebuild the restored source so the build directory matches the tree.
    run(['ninja', '-C', build] + sorted({x for m in muts for t in m['tests']
                                         for x in targets[t]}), cwd=TOP)

    killed = survived = 0
    for m, verdict, detail in results:
        note = detail
        if verdict == 'survived' and m['why']:
            note = 'equivalent: ' + m['why']
        print('%-6s %-9s %-34s %s' % (m['id'], verdict, m['file'], note))
        killed += verdict == 'killed'
        survived += verdict == 'survived'
    unexplained = sum(1 for m, v, _ in results if v == 'survived' and not m['why'])
    print('%d mutations: %d killed, %d survived (%d equivalent), %d not run (%ds)' %
          (len(results), killed, survived, survived - unexplained,
           len(results) - killed - survived, int(time.time() - started)))
    errors = sum(1 for _, v, _ in results if v == 'error')
    return 1 if unexplained or errors else 0


if __name__ == '__main__':
    if shutil.which('meson') is None or shutil.which('ninja') is None:
        raise SystemExit('mutate: meson and ninja are needed')
    sys.exit(main())
