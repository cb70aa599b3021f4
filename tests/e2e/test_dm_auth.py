# SPDX-License-Identifier: Apache-2.0
"""DM credentials end to end (issue 11): the mock server started with
--dm-auth md5 challenges every session for the enrolled device's DMAcc
credentials (Status 407/401 with a Chal and NextNonce); the agent answers
with its syncml:auth-md5 Cred; the server rotates the credentials (Replace
of DMAcc/<account>/AppAuth/CLCRED/AAuthName and AAuthSecret) and the next
session authenticates with the new ones; a wrong secret is refused."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

USER = "alice@example.com"
SECRET = "correct horse battery staple"


class DMAuth(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World(enroll={"user": USER, "secret": SECRET},
                              server_args=["--dm-auth", "md5"])
        r = self.w.enroll(user=USER, secret=SECRET)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"device id: (\S+)", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.dev = self.w.device_id = m.group(1)

    def tearDown(self):
        self.w.close()

    def auth(self):
        return self.w.api("GET", "/api/devices/%s/dm-auth" % self.dev)

    def hdr_codes(self):
        """The SyncHdr Status codes the server sent, in order."""
        out = []
        for m in self.w.messages():
            if m["direction"] == "out":
                out += re.findall(r"<CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
                                  r"(?:<Chal>.*?</Chal>)?<Data>(\d+)</Data>",
                                  m["body"] or "")
        return out

    def test_challenge_rotation_and_wrong_secret(self):
        w = self.w
        r = w.run_plain("sync")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = self.auth()
        self.assertEqual((a["last_result"], a["last_generation"], a["accepted"]),
                         ("ok", 1, 1), a)
        # no Cred at first (no nonce yet): 407, then the MD5 Cred: 212
        self.assertEqual(self.hdr_codes(), ["407", "212"])
        self.assertEqual(w.violations(), [], "protocol violations")

        rot = w.api("POST", "/api/devices/%s/rotate-credentials" % self.dev, {})
        self.assertEqual(rot["pending_generation"], 2)
        r = w.run_plain("sync")  # authenticates with generation 1, gets the Replace
        self.assertEqual(r.returncode, 0, r.stderr)
        cmds = [c for c in w.commands() if "CLCRED" in c["xml"]]
        self.assertEqual([c["status"] for c in cmds], ["200"], cmds)
        a = self.auth()
        self.assertEqual((a["last_generation"], a["pending"]), (1, True), a)
        with open(w.enrollment_file()) as f:
            self.assertIn("aauth_name=%s\n" % rot["name"], f.read())

        r = w.run_plain("sync")  # the new credentials from now on
        self.assertEqual(r.returncode, 0, r.stderr)
        a = self.auth()
        self.assertEqual((a["last_result"], a["last_generation"], a["generation"],
                          a["pending"], a["name"]), ("ok", 2, 2, False, rot["name"]), a)
        self.assertEqual(w.violations(), [], "protocol violations")

        # a wrong secret (the configuration's own credentials win): the
        # agent answers two challenges, then gives up with a clear error
        conf = os.path.join(w.dir, "wrong.conf")
        with open(os.open(conf, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("[server]\nauth_name = %s\nauth_secret = not-the-secret\n" % rot["name"])
        refused = a["refused"]
        r = w.run_plain("sync", "--config", conf)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("rejected our credentials", r.stderr)
        self.assertNotIn("not-the-secret", r.stdout + r.stderr)
        a = self.auth()
        self.assertEqual(a["last_result"], "refused", a)
        self.assertGreaterEqual(a["refused"] - refused, 1, a)
        self.assertEqual(a["generation"], 2, a)


if __name__ == "__main__":
    unittest.main(verbosity=2)
