# SPDX-License-Identifier: Apache-2.0
"""Enrollment by `omadm-agent run` (the imaged-PC story on Linux): with
[enroll] set and no enrollment, run enrolls first, retrying with back-off
while the server cannot be reached, then manages the device; a refusal is
exit 1 at once; the certificate is renewed during run, before a session,
without a restart."""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

USER = "alice@example.com"
SECRET = "correct horse battery staple"


class Forwarder:
    """A TCP port that forwards to the mock server once opened: a server
    that comes up late, as seen from the agent."""

    def __init__(self, target_port):
        self.target = target_port
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()  # nothing listens there until open()
        self.sock = None
        self.stopping = False

    def open(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            up = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.stopping = True
        if self.sock:
            self.sock.close()


class RunEnrolls(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World(enroll={"user": USER, "secret": SECRET})
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.w.close()

    def conf(self, url, secret=SECRET, retry="1s"):
        w = self.w
        path = os.path.join(w.dir, "agent.conf")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write("[enroll]\nurl = %s\nca = %s\nuser = %s\nsecret_file = %s\n"
                    "retry_interval = %s\n[poll]\ninitial_interval = 2s\n" % (
                        url, os.path.join(w.certs, "ca.pem"), USER,
                        w.secret_file("s", secret), retry))
        return path

    def start_run(self, conf):
        log_path = os.path.join(self.w.dir, "run.log")
        with open(log_path, "a") as log:
            p = subprocess.Popen([self.w.agent, "run", "--foreground", "--config", conf,
                                  "--state-dir", self.w.state, "--platform", "sim",
                                  "--log-level", "debug"], stdout=log,
                                 stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p, log_path

    @staticmethod
    def wait_for(path, pattern, timeout=60, count=1):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(path) as f:
                text = f.read()
            if len(re.findall(pattern, text)) >= count:
                return text
            time.sleep(0.2)
        with open(path) as f:
            raise AssertionError("no %r (x%d) in:\n%s" % (pattern, count, f.read()[-4000:]))

    def enrollments(self):
        return self.w.api("GET", "/api/enrollments")

    def test_run_enrolls_first_retrying_until_the_server_comes_up(self):
        w = self.w
        port = int(w.base.rsplit(":", 1)[1])
        fwd = Forwarder(port)
        self.addCleanup(fwd.close)
        host = w.base.split("//", 1)[1].rsplit(":", 1)[0]
        _, log = self.start_run(self.conf("https://%s:%d" % (host, fwd.port)))
        text = self.wait_for(log, r"cannot be reached \(attempt \d+\); trying again in", count=3)
        delays = [int(x) for x in re.findall(r"\(attempt \d+\); trying again in (\d+) s", text)]
        # 1 s doubling, the upper half jittered: 1, 1-2, 2-4 (whole seconds, rounded up)
        self.assertLessEqual(delays[0], 1, delays)
        self.assertTrue(1 <= delays[1] <= 2 and 2 <= delays[2] <= 4, delays)
        self.assertEqual(self.enrollments(), [])
        fwd.open()  # the server comes up
        text = self.wait_for(log, r"running: server ")
        (e,) = self.enrollments()
        self.assertEqual(e["state"], "enrolled")
        self.assertIn("running: server %s" % w.url.split("?")[0], text)
        w.device_id = e["device"]
        # then it manages the device: a session with the issued certificate
        self.wait_for(log, r"result=completed", timeout=30)
        self.assertTrue(os.path.exists(w.enrollment_file()))
        self.assertEqual(w.violations(), [])

    def test_run_refused_is_exit_1_at_once(self):
        w = self.w
        p, log = self.start_run(self.conf(w.base, secret="wrong"))
        rc = p.wait(timeout=60)
        with open(log) as f:
            text = f.read()
        self.assertEqual(rc, 1, text)
        self.assertIn("refused the credentials", text)
        self.assertIn("not retrying", text)
        self.assertNotIn("trying again", text)
        self.assertFalse(os.path.exists(w.enrollment_file()))

    def test_renewal_during_run_without_a_restart(self):
        w = self.w
        conf = self.conf(w.base)
        p, log = self.start_run(conf)
        self.wait_for(log, r"running: server ")
        (before,) = self.enrollments()
        w.device_id = before["device"]
        self.wait_for(log, r"session \(", count=1)
        # the sim clock moves into the renewal period while run runs
        w.set_now(int(time.time()) + (365 - 30) * 86400)
        text = self.wait_for(log, r"certificate renewed", timeout=60)
        (after,) = self.enrollments()
        self.assertEqual(after["renewals"], 1)
        self.assertNotEqual(after["cert_thumbprint"], before["cert_thumbprint"])
        # the next sessions present the new certificate: back to the
        # server's clock (it issued the certificate from it), sessions go on
        w.set_now(int(time.time()))
        n = len(re.findall(r"session \(", text))
        # Two sessions on demand (the provisioned 1-minute poll runs on the
        # poller's clock, which the step back does not rewind): each one
        # completes with the renewed certificate.
        for _ in range(2):
            r = w.run_agent("sync", "--config", conf, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("run by the running agent", r.stdout)
            self.assertIn("completed", r.stdout)
        self.wait_for(log, r"session \(", count=n + 2, timeout=30)
        self.assertIsNone(p.poll())
        self.assertEqual(self.enrollments()[0]["renewals"], 1)
        self.assertEqual(w.violations(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
