# SPDX-License-Identifier: Apache-2.0
"""Real storage errors carried end to end (issue 19): the real agent
(--platform sim) against the mock server, its state directory on a small
tmpfs in a private mount namespace. The design's statuses for a Reboot
schedule Replace (reboot-csp.md §3, lifecycle.c omadm__rb_dm_error): 420 on
a full disk (ENOSPC), 425 on a read-only one (EROFS) and on a directory the
agent may not write (EACCES: mode 0500 seen by an unprivileged agent); the
old schedule stays, and with the error gone the same Replace gets 200.

Needs root (mount namespaces, tmpfs, setuid): skipped with the reason
otherwise, which fails the run in CI (tests/testskip.py)."""

import ctypes
import ctypes.util
import os
import pwd
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import e2elib  # noqa: E402
import testskip  # noqa: E402

SINGLE = "./Device/Vendor/MSFT/Reboot/Schedule/Single"
SCHEDULE_FILE = "reboot-schedule.conf"
CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE = 0x4000, 0x40000


def private_mount_namespace():
    """This process (and the agents it starts) in its own mount namespace,
    nothing propagated back; '' or the reason it cannot be."""
    if os.geteuid() != 0:
        return "root (mount namespace, tmpfs, setuid)"
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        return "unshare(CLONE_NEWNS): %s" % os.strerror(ctypes.get_errno())
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return "mount --make-rprivate /: %s" % os.strerror(ctypes.get_errno())
    return ""


def replace_single(value):
    return ('<Replace><Item><Target><LocURI>%s</LocURI></Target>'
            '<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>'
            '<Data>%s</Data></Item></Replace>' % (SINGLE, value))


def iso(unix):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


class StorageErrors(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World()
        os.makedirs(self.w.state)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs",
                        self.w.state], check=True)
        self.mounted = True
        # The first schedule, accepted on a healthy disk.
        self.first = iso(int(time.time()) + 3600)
        self.second = iso(int(time.time()) + 7200)
        self.w.command(replace_single(self.first))
        r = self.w.run_agent("sync")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.statuses(), ["200"])
        self.saved = self.schedule_file()
        self.assertIn(self.first, self.saved)

    def tearDown(self):
        if self.mounted:
            subprocess.run(["umount", "-l", self.w.state], check=False)
        self.w.close()

    def statuses(self):
        return [c["status"] for c in self.w.commands()]

    def schedule_file(self):
        with open(os.path.join(self.w.state, SCHEDULE_FILE)) as f:
            return f.read()

    def sync_expect(self, status, **kw):
        """Queues the second schedule, syncs, checks the Replace's status
        reached the server and the schedule on disk is still the first."""
        self.w.command(replace_single(self.second))
        r = self.w.run_agent("sync", **kw)
        print("agent exit %d; statuses at the server %s; log: %s" %
              (r.returncode, self.statuses(),
               [ln for ln in r.stderr.splitlines() if "reboot" in ln or "error" in ln][-3:]),
              flush=True)
        self.assertEqual(self.statuses()[-1], status, r.stderr)
        self.assertEqual(self.schedule_file(), self.saved)
        self.assertEqual(self.temp_files(), [])
        return r

    def temp_files(self):
        return [n for n in os.listdir(self.w.state) if n.startswith(".tmp-")]

    def recovered(self):
        """The error gone: the same Replace again, 200 and on disk."""
        self.w.command(replace_single(self.second))
        r = self.w.run_agent("sync")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.statuses()[-1], "200")
        self.assertIn(self.second, self.schedule_file())

    def fill(self):
        filler = os.path.join(self.w.state, "filler")
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"f" * 4096)
            except OSError:
                pass
        # Byte by byte into the last block.
        with open(filler, "ab", buffering=0) as f:
            try:
                while True:
                    f.write(b"f")
            except OSError:
                pass
        with self.assertRaises(OSError):
            with open(os.path.join(self.w.state, "probe"), "wb") as f:
                f.write(b"x" * 8192)
        return filler

    def test_disk_full_420(self):
        filler = self.fill()
        self.sync_expect("420")
        os.unlink(filler)
        self.recovered()

    def test_read_only_refused(self):
        # A read-only state directory: the agent cannot take its lock and
        # runs no session at all (exit 1, the file and the errno named);
        # the Replace stays unanswered at the server and is carried out
        # once the file system is writable again.
        subprocess.run(["mount", "-o", "remount,ro", self.w.state], check=True)
        self.w.command(replace_single(self.second))
        r = self.w.run_agent("sync")
        print("agent exit %d; statuses at the server %s; stderr: %s" %
              (r.returncode, self.statuses(), r.stderr.strip().splitlines()[-1:]), flush=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("agent.lock: cannot open: Read-only file system", r.stderr)
        self.assertEqual(self.statuses(), ["200", None])
        self.assertEqual(self.schedule_file(), self.saved)
        subprocess.run(["mount", "-o", "remount,rw", self.w.state], check=True)
        r = self.w.run_agent("sync")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.statuses(), ["200", "200"])
        self.assertIn(self.second, self.schedule_file())

    def test_permission_denied_425(self):
        # The agent as nobody: its state directory (and the files it reads)
        # its own, then the directory 0500: no file may be created in it.
        nobody = pwd.getpwnam("nobody")
        # A copy of the agent nobody can reach: the build tree may sit
        # below a directory only root may enter (mktemp -d is 0700).
        agent = os.path.join(self.w.dir, "omadm-agent")
        shutil.copy2(self.w.agent, agent)
        os.chmod(agent, 0o755)
        self.w.agent = agent
        for root, dirs, files in os.walk(self.w.dir):
            for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                os.chown(name, nobody.pw_uid, nobody.pw_gid)
        os.chmod(self.w.dir, 0o755)

        def drop():
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

        self.drop = drop
        os.chmod(self.w.state, 0o500)
        self.sync_expect_as_nobody("425")
        os.chmod(self.w.state, 0o700)
        self.recovered()

    def sync_expect_as_nobody(self, status):
        self.w.command(replace_single(self.second))
        env = dict(os.environ)
        env.pop("OMADM_CRASH_AT", None)
        r = subprocess.run(self.w.agent_args("sync"), env=env, capture_output=True, text=True,
                           timeout=60, preexec_fn=self.drop)
        print("agent (nobody) exit %d; statuses at the server %s" %
              (r.returncode, self.statuses()), flush=True)
        self.assertEqual(self.statuses()[-1], status, r.stderr)
        self.assertIn("Permission denied", r.stderr)
        self.assertEqual(self.schedule_file(), self.saved)


if __name__ == "__main__":
    reason = private_mount_namespace()
    if reason:
        testskip.missing(reason)
    if not shutil.which("mount"):
        testskip.missing("mount (util-linux)")
    unittest.main(verbosity=2)
