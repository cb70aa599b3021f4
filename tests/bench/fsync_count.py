# SPDX-License-Identifier: Apache-2.0
"""fsync calls of whole agent sessions, counted with `strace -c -f` on the
real omadm-agent (--platform sim) against the mock MDM server.

Sessions measured, each in a fresh world after one enrolling sync:
  restart  the server sends Exec RebootNow; the agent accepts it and
           requests the restart at the end of the session
  gets     the server sends only Gets (DevInfo/DevDetail reads)

Usage: fsync_count.py [--max-restart N] [--max-gets N]
Prints "<session>\\t<fsync calls>\\t<all system calls>" per session; with a
budget, exits 1 when a session goes over it (the fsync budget test), 77
(skipped) when strace is missing.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "e2e"))
import e2elib  # noqa: E402

SYNC_CALLS = ("fsync", "fdatasync", "sync_file_range", "syncfs", "sync", "msync")
GETS = ("<Get><CmdID>1</CmdID><Item><Target><LocURI>./DevInfo/Man</LocURI></Target></Item>"
        "<Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>")


def strace_counts(path):
    """{syscall: calls} from an `strace -c` summary file."""
    counts = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            # % time, seconds, usecs/call, calls, [errors], syscall
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1].isidentifier():
                try:
                    counts[parts[-1]] = int(parts[3])
                except ValueError:
                    pass
    return counts


def measure(kind, tmp):
    with e2elib.World() as w:
        r = w.run_agent("sync")  # enrol: the first session's own writes
        if r.returncode != 0:
            raise RuntimeError("enrolling sync failed:\n" + r.stderr)
        if kind == "restart":
            w.restart()
        else:
            w.command(GETS)
        out = os.path.join(tmp, kind + ".strace")
        env = dict(os.environ)
        env.pop("OMADM_CRASH_AT", None)
        # LeakSanitizer cannot run under ptrace; the e2e tests check leaks.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        args = ["strace", "-f", "-c", "-o", out] + w.agent_args("sync")
        r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("sync under strace failed:\n" + r.stderr)
        if kind == "restart" and len(w.restart_lines()) != 1:
            raise RuntimeError("the restart session requested no restart")
        counts = strace_counts(out)
        return sum(counts.get(c, 0) for c in SYNC_CALLS), sum(counts.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-restart", type=int)
    ap.add_argument("--max-gets", type=int)
    opts = ap.parse_args()
    if not shutil.which("strace"):
        print("strace not installed: skipped")
        return 77
    tmp = tempfile.mkdtemp(prefix="omadm-fsync-")
    failed = 0
    try:
        print("session\tfsyncs\tsyscalls")
        for kind, budget in (("restart", opts.max_restart), ("gets", opts.max_gets)):
            fsyncs, total = measure(kind, tmp)
            print("%s\t%d\t%d" % (kind, fsyncs, total))
            if budget is not None and fsyncs > budget:
                print("FAIL: a %s session made %d fsync calls, budget %d"
                      % (kind, fsyncs, budget))
                failed = 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
