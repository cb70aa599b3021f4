# SPDX-License-Identifier: Apache-2.0
"""The mock server's push channel (mdmmock/push.py): Package 0 encoding,
the long-poll GET with client certificates, and the admin side (actions
notify; the Sync action only notifies)."""

import http.client
import os
import select
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from mdmmock import client as C  # noqa: E402
from mdmmock import push  # noqa: E402

DEV = "9A41C0DE77E94B6F8C3D2E1F0A5B6C7D"
SECRET = "push-secret"
PERIOD = 2


class Package0Test(unittest.TestCase):
    def test_known_answer_shared_with_the_c_test(self):
        # tests/unit/notify/test_notify.c checks the same vector
        trig = bytes([0x02, 0xC8, 0, 0, 0, 0, 1, 1]) + b"a"
        self.assertEqual(push.digest("a", b"b", b"", trig).hex(),
                         "dd1bd9eb558ca1f276f606719994ee49")

    def test_build_parse(self):
        m = push.build(0xBEEF, "srv", b"pw", vendor=b"VX")
        self.assertEqual(len(m), 16 + 8 + 3 + 2)
        self.assertEqual(push.parse(m), (11, 1, 1, 0xBEEF, "srv", b"VX"))
        self.assertEqual(m[:16], push.digest("srv", b"pw", push.RESET_NONCE,
                                             m[16:]))
        with self.assertRaises(ValueError):
            push.build(0x10000, "srv", b"pw")
        with self.assertRaises(ValueError):
            push.parse(m[:20])

    def test_session_ids_are_four_hex_digits_and_distinct(self):
        hub = push.Hub(b"", period=1)
        a, b = hub.notify("d"), hub.notify("d")
        self.assertNotEqual(a, b)
        self.assertEqual(len(a), 4)
        # one pending at most: the newer replaced the older
        self.assertEqual(push.parse(hub.wait("d", 0))[3], int(b, 16))
        self.assertIsNone(hub.wait("d", 0))


class PushChannelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mockserver-push-")
        cls.certs = os.path.join(cls.tmp, "certs")
        for sub, dev in (("a", DEV), ("rogue", DEV)):
            r = subprocess.run(["sh", os.path.join(HERE, "make-certs.sh"),
                                os.path.join(cls.certs, sub), dev],
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start(self, *extra):
        a = os.path.join(self.certs, "a")
        args = [sys.executable, "-B", os.path.join(HERE, "mockserver"),
                "--listen", "127.0.0.1:0",
                "--tls-cert", os.path.join(a, "server.pem"),
                "--tls-key", os.path.join(a, "server.key"),
                "--client-ca", os.path.join(a, "ca.pem"),
                "--db", os.path.join(self.tmp, "db-%s.sqlite" % self.id()),
                "--admin", "127.0.0.1:0"] + list(extra)
        self.log = open(os.path.join(self.tmp, "log-%s" % self.id()), "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self.log, bufsize=0)
        self.addCleanup(self.stop)
        want = 2 if "--no-push" in extra else 3
        out = b""
        deadline = time.monotonic() + 10
        while out.count(b"\n") < want:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, "mockserver did not print its URLs")
            if select.select([self.proc.stdout], [], [], left)[0]:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                self.assertTrue(chunk, "mockserver exited")
                out += chunk
        self.lines = dict(ln.split() for ln in out.decode().splitlines())
        self.admin = C.Admin(self.lines["admin"])
        # Known to the admin API before it checks in (issue 17).
        code, _ = self.admin.post("/api/devices", {"id": DEV})
        self.assertEqual(code, 201)
        self.ctx = C.tls_client_context(os.path.join(a, "ca.pem"),
                                        os.path.join(a, "client.pem"),
                                        os.path.join(a, "client.key"))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

    def get(self, ctx=None, path="/push"):
        url = self.lines["push"]
        host, port = url.split("//")[1].split("/")[0].split(":")
        conn = http.client.HTTPSConnection(host, int(port),
                                           context=ctx or self.ctx,
                                           timeout=PERIOD + 10)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, r.read(), dict(r.getheaders())
        finally:
            conn.close()

    def test_prints_push_url_and_holds_until_the_period(self):
        self.start("--push-period", str(PERIOD), "--push-secret", SECRET)
        self.assertRegex(self.lines["push"],
                         r"^https://127\.0\.0\.1:\d+/push$")
        self.assertEqual(self.lines["push"].rsplit("/", 1)[0],
                         self.lines["listening"])
        t0 = time.monotonic()
        status, body, headers = self.get()
        held = time.monotonic() - t0
        self.assertEqual(status, 204)
        self.assertEqual(body, b"")
        self.assertEqual(headers.get("X-Push-Period"), str(PERIOD))
        self.assertGreaterEqual(held, PERIOD - 0.2)
        self.assertLess(held, PERIOD + 3)

    def test_restart_action_notifies_a_waiting_device(self):
        self.start("--push-period", "30", "--push-secret", SECRET)
        got = {}

        def waiter():
            got["t0"] = time.monotonic()
            got["r"] = self.get()
            got["t1"] = time.monotonic()

        th = threading.Thread(target=waiter)
        th.start()
        time.sleep(0.5)  # the GET is waiting now
        code, a = self.admin.post("/api/devices/%s/actions" % DEV,
                                  {"action": "restart"})
        self.assertEqual(code, 201)
        th.join(10)
        self.assertFalse(th.is_alive())
        status, body, headers = got["r"]
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], push.CONTENT_TYPE)
        self.assertLess(got["t1"] - got["t0"], 5)
        ver, ui, init, sid, server_id, vendor = push.parse(body)
        self.assertEqual((ver, ui, init, server_id), (11, 1, 1,
                                                      push.DEFAULT_SERVER_ID))
        self.assertEqual(body[:16], push.digest(server_id, SECRET.encode(),
                                                push.RESET_NONCE, body[16:]))
        stats = self.admin.get("/api/devices/%s/push" % DEV)
        self.assertEqual(stats["last_session"], "%X" % sid)
        self.assertEqual(stats["notified"], 1)
        self.assertEqual(a["state"], "pending")

    def test_sync_action_only_notifies(self):
        self.start("--push-period", str(PERIOD))
        code, r = self.admin.post("/api/devices/%s/actions" % DEV,
                                  {"action": "sync"})
        self.assertEqual(code, 201)
        self.assertEqual(r["state"], "notified")
        status, body, _ = self.get()  # pending: answered at once
        self.assertEqual(status, 200)
        self.assertEqual("%X" % push.parse(body)[3], r["push_session"])
        self.assertEqual(self.admin.get("/api/devices/%s/commands" % DEV), [])

    def test_needs_a_client_certificate_from_our_ca(self):
        self.start("--push-period", str(PERIOD))
        rogue = os.path.join(self.certs, "rogue")
        ctx = C.tls_client_context(os.path.join(self.certs, "a", "ca.pem"),
                                   os.path.join(rogue, "client.pem"),
                                   os.path.join(rogue, "client.key"))
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            self.get(ctx)
        no_cert = C.tls_client_context(os.path.join(self.certs, "a",
                                                    "ca.pem"))
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            self.get(no_cert)

    def test_console_has_a_sync_button(self):
        self.start("--push-period", str(PERIOD))
        import urllib.request
        with urllib.request.urlopen(self.lines["admin"] + "/devices/" + DEV) as r:
            page = r.read().decode()
        with urllib.request.urlopen(self.lines["admin"] + "/static/device.js") as r:
            js = r.read().decode()
        self.assertIn('id="sync"', page)
        self.assertIn('{ action: "sync" }', js)

    def test_no_push(self):
        self.start("--no-push")
        self.assertNotIn("push", self.lines)
        code, r = self.admin.post("/api/devices/%s/actions" % DEV,
                                  {"action": "sync"})
        self.assertEqual(code, 400)
        self.assertIn("push", r["error"])


if __name__ == "__main__":
    unittest.main()
