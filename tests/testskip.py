# SPDX-License-Identifier: Apache-2.0
"""A test that cannot run because something it needs is missing: skipped
(exit 77) in a local loop, a failure in CI and in tests/run-all.sh, so a
lost tool never turns into a silently smaller suite.

Strict when CI=true or OMADM_TESTS_STRICT=1 (tests/run-all.sh sets it);
OMADM_ALLOW_SKIP=1 allows the skip anyway (local loops only).
"""

import os
import sys

SKIP = 77


def strict():
    if os.environ.get("OMADM_ALLOW_SKIP") == "1":
        return False
    return os.environ.get("CI") == "true" or os.environ.get("OMADM_TESTS_STRICT") == "1"


def missing(what, hint=""):
    """Exits: 77 (skip) or, when strict, 1 naming what is missing."""
    detail = "%s%s" % (what, " (%s)" % hint if hint else "")
    if strict():
        print("FAIL: not available: %s; tests may not skip in CI or tests/run-all.sh "
              "(OMADM_ALLOW_SKIP=1 allows it locally)" % detail, flush=True)
        sys.exit(1)
    print("SKIP: not available: %s" % detail, flush=True)
    sys.exit(SKIP)
