# SPDX-License-Identifier: Apache-2.0
"""End-to-end: an agent of one's own (tests/oem/own_agent.c, built from the
installed SDK by tests/oem/oem-test.sh own-agent) runs a restart session
against the mock server: the restart is accepted, the simulated device
restarts, and the next session reports it. Once over the library's HTTPS
transport, once over the program's own (the no-I/O session API)."""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

OWN_AGENT = os.environ.get("OMADM_OWN_AGENT")


@unittest.skipUnless(OWN_AGENT, "OMADM_OWN_AGENT not set (run through oem-test.sh own-agent)")
class OwnAgent(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World()

    def tearDown(self):
        try:
            self.assertEqual(self.w.violations(), [], "protocol violations")
        finally:
            self.w.close()

    def run_own(self, *extra):
        w = self.w
        args = [OWN_AGENT, w.state, w.device_id, w.url, os.path.join(w.certs, "ca.pem"),
                os.path.join(w.certs, "client.pem"), os.path.join(w.certs, "client.key")]
        r = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def action(self, action_id):
        return [a for a in self.w.actions() if a["id"] == action_id][0]

    def restart_round(self, *extra):
        w = self.w
        act = w.restart()
        before = int(time.time())
        out = self.run_own(*extra)
        self.assertRegex(out, r"^session \d+: completed, 2 message\(s\)\n$")
        lines = w.restart_lines()
        self.assertEqual(len(lines), 1, lines)
        self.assertGreaterEqual(int(lines[0]["requested_at"]), before - 1)
        self.assertEqual(self.action(act["id"])["state"], "accepted")
        w.reboot()
        self.run_own(*extra)
        a = self.action(act["id"])
        self.assertEqual(a["state"], "completed", a)
        self.assertEqual((a.get("detail") or {}).get("outcome"), "restarted", a)
        self.assertEqual(len(w.restart_lines()), 1)

    def test_restart_over_the_library_transport(self):
        self.restart_round()
        # The program's own CSP is in the device's tree.
        self.w.command("<Get><Item><Target><LocURI>./Vendor/Contoso/Settings</LocURI></Target>"
                       "</Item></Get>")
        self.w.command("<Get><Item><Target><LocURI>./DevInfo/DevId</LocURI></Target>"
                       "</Item></Get>")
        self.run_own()
        cmds = self.w.commands()[-2:]
        self.assertEqual([c["status"] for c in cmds], ["200", "200"], cmds)
        self.assertEqual(cmds[1]["results"][0]["data"], self.w.device_id)

    def test_restart_over_its_own_transport(self):
        self.restart_round("--own-transport")


if __name__ == "__main__":
    unittest.main(verbosity=2)
