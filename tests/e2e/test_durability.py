# SPDX-License-Identifier: Apache-2.0
"""Durability observed at the system-call level (tests/e2e/durability.py):
whole restart sessions of the real agent (--platform sim) against the mock
server under strace, every state file it replaces checked for temp write,
fsync, rename, directory fsync; and the checker itself shown to catch each
fsync taken out of a real trace."""

import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import durability  # noqa: E402
import e2elib  # noqa: E402
import testskip  # noqa: E402

SINGLE = "./Device/Vendor/MSFT/Reboot/Schedule/Single"


class Durability(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World()
        self.n = 0

    def tearDown(self):
        self.w.close()

    def traced_sync(self):
        self.n += 1
        trace = os.path.join(self.w.dir, "trace-%d" % self.n)
        env = dict(os.environ)
        env.pop("OMADM_CRASH_AT", None)
        # LeakSanitizer cannot run under ptrace; the e2e test checks leaks.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        r = durability.traced(self.w.agent_args("sync"), trace, env=env,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(trace) as f:
            text = f.read()
        return text

    def assert_durable(self, text, must_replace):
        events = durability.parse(text)
        problems, replaced = durability.check(events, self.w.state)
        self.assertEqual(problems, [])
        names = set()
        for ev in events:
            if ev["call"].startswith("rename") and ev["ret"] == 0:
                names.add(os.path.basename(durability._rename_paths(ev)[1]))
        for prefix in must_replace:
            self.assertTrue(any(n.startswith(prefix) for n in names),
                            "%s not replaced; replaced: %s" % (prefix, sorted(names)))
        self.assertGreaterEqual(replaced, len(must_replace))
        return events

    def test_restart_sessions(self):
        w = self.w
        w.restart()
        due = int(time.time()) + 3600
        w.command('<Replace><Item><Target><LocURI>%s</LocURI></Target>'
                  '<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>'
                  '<Data>%s</Data></Item></Replace>'
                  % (SINGLE, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due))))
        # Session 1: the RebootNow intent (an outbox record) and the
        # schedule are written durably before their Statuses go out.
        text = self.traced_sync()
        self.assert_durable(text, ["outbox-", "reboot-schedule.conf", "agent-last-session"])
        self.assertEqual(len(w.restart_lines()), 1)
        # Session 2, after the restart: the outcome record and the history.
        w.reboot()
        text = self.traced_sync()
        self.assert_durable(text, ["outbox-", "reboot-history.conf", "agent-last-session"])
        done = [a for a in w.actions() if a["action"] == "restart"]
        self.assertEqual(done[0]["state"], "completed", done)

    @staticmethod
    def covered_later(lines, i):
        pid, target = lines[i].split()[0], lines[i].split("(", 1)[1].split(")")[0]
        for line in lines[i + 1:]:
            if line.split()[0] != pid:
                continue
            if "fsync(" in line and line.split("(", 1)[1].split(")")[0] == target:
                return "/.tmp-" not in target
            if "exit_group(" in line or "socket:[" in line:
                return False
        return False

    def test_checker_catches_each_missing_fsync(self):
        """Each fsync of a state file or directory, taken out of a real
        trace in turn, is reported; so is a rename without a temp write."""
        self.w.restart()
        text = self.traced_sync()
        lines = text.splitlines()
        state = os.path.realpath(self.w.state)
        fsyncs = [i for i, line in enumerate(lines)
                  if ("fsync(" in line or "fdatasync(" in line) and state in line]
        self.assertGreater(len(fsyncs), 4, "too few fsyncs seen to check anything")
        for i in fsyncs:
            cut = "\n".join(lines[:i] + lines[i + 1:])
            problems, _ = durability.check(durability.parse(cut), self.w.state)
            if not problems:
                # Only a directory fsync repeated before anything leaves the
                # process may go: the later one covers the rename too.
                self.assertTrue(self.covered_later(lines, i), "no violation without: " + lines[i])
        writes = [i for i, line in enumerate(lines)
                  if re.match(r"^\d+\s+write\(", line) and "/.tmp-" in line]
        self.assertTrue(writes)
        # A temp file's write moved after its fsync: the fsync no longer
        # covers the data.
        i = writes[0]
        j = next(k for k in range(i + 1, len(lines)) if "fsync(" in lines[k])
        moved = lines[:i] + lines[i + 1:j + 1] + [lines[i]] + lines[j + 1:]
        problems, _ = durability.check(durability.parse("\n".join(moved)), self.w.state)
        self.assertTrue(any("not fsync'd after its last write" in p for p in problems), problems)


if __name__ == "__main__":
    if not durability.strace_available():
        testskip.missing("strace", "apt-get install strace; packaging/setup.sh installs it")
    unittest.main(verbosity=2)
