#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Totals of the meson test runs made since a start time, from their JSON
logs (<build>/meson-logs/*.json, one object per test run): prints
`N passed, N failed, N skipped` on one line. Used by tests/run-all.sh.

    test-totals.py START_UNIX_TIME BUILD_DIR... [--skipped N]

--skipped adds tiers skipped on request (counted as skipped tests).
"""
import glob
import json
import os
import sys


def main(argv):
    extra = 0
    if '--skipped' in argv:
        i = argv.index('--skipped')
        extra = int(argv[i + 1])
        del argv[i:i + 2]
    start, builds = float(argv[0]), argv[1:]
    passed = failed = skipped = 0
    for build in builds:
        for log in sorted(glob.glob(os.path.join(build, 'meson-logs', '*.json'))):
            if os.path.getmtime(log) < start:
                continue
            with open(log, encoding='utf-8', errors='replace') as f:
                for line in f:
                    try:
                        result = json.loads(line).get('result', '')
                    except ValueError:
                        continue
                    if result in ('OK', 'EXPECTEDFAIL'):
                        passed += 1
                    elif result == 'SKIP':
                        skipped += 1
                    elif result:
                        failed += 1
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped + extra))


if __name__ == '__main__':
    main(sys.argv[1:])
