# SPDX-License-Identifier: Apache-2.0
"""End-to-end: the real omadm-agent binary (--platform sim) against the mock
MDM server over HTTPS with client certificates. Every test asserts through
the admin API and the sim files, and that the protocol checker found no
violation."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

REBOOT_NOW = "./Device/Vendor/MSFT/Reboot/RebootNow"
SINGLE = "./Device/Vendor/MSFT/Reboot/Schedule/Single"


def iso_utc(unix):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


class E2E(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World()

    def tearDown(self):
        try:
            self.assertEqual(self.w.violations(), [], "protocol violations")
        finally:
            self.w.close()

    def sync(self, ok=True, env=None):
        r = self.w.run_agent("sync", env=env)
        if ok and r.returncode != 0:
            self.fail("sync exited %d:\n%s" % (r.returncode, r.stderr))
        return r

    def action(self, action_id):
        for a in self.w.actions():
            if a["id"] == action_id:
                return a
        self.fail("no action %s" % action_id)

    def status_json(self):
        r = self.w.run_agent("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    # 1 ---------------------------------------------------------------
    def test_restart_end_to_end(self):
        w = self.w
        act = w.restart()
        self.assertEqual(act["state"], "pending")
        before = int(time.time())
        self.sync()
        lines = w.restart_lines()
        self.assertEqual(len(lines), 1, lines)
        requested, deadline = int(lines[0]["requested_at"]), int(lines[0]["deadline"])
        self.assertGreaterEqual(requested, before - 1)
        self.assertLessEqual(deadline, requested + 300)
        self.assertEqual(self.action(act["id"])["state"], "accepted")
        # The device restarts: a new boot identity, then the next session.
        w.reboot()
        self.sync()
        a = self.action(act["id"])
        self.assertEqual(a["state"], "completed", a)
        self.assertEqual((a.get("detail") or {}).get("outcome"), "restarted", a)
        self.assertEqual(len(w.restart_lines()), 1)
        self.assertEqual(self.status_json()["outbox"]["entries"], 0)

    # 2 ---------------------------------------------------------------
    def test_platform_refuses(self):
        w = self.w
        act = w.restart()
        os.makedirs(os.path.dirname(w.sim("refuse-restart")), exist_ok=True)
        open(w.sim("refuse-restart"), "w").close()
        self.sync()
        a = self.action(act["id"])
        self.assertEqual(a["state"], "failed", a)
        self.assertEqual(w.restart_lines(), [])
        self.assertEqual(self.status_json()["pending_restart"], None)

    # 3 ---------------------------------------------------------------
    def test_deadline_passes_without_reboot(self):
        w = self.w
        act = w.restart()
        self.sync()
        self.assertEqual(len(w.restart_lines()), 1)
        # No reboot happens; the clock passes the deadline.
        w.set_now(int(time.time()) + 400)
        self.sync()
        a = self.action(act["id"])
        self.assertEqual(a["state"], "failed", a)
        self.assertEqual((a.get("detail") or {}).get("outcome"), "not-restarted", a)
        self.assertEqual(len(w.restart_lines()), 1, "no late restart")

    # 4 ---------------------------------------------------------------
    def test_lost_status_resent_exec(self):
        w = self.w
        act = w.restart()
        # The agent dies right after producing the Exec's Status: the server
        # never gets it and will resend the same UUID Exec.
        r = self.sync(ok=False, env={"OMADM_CRASH_AT": "status-produced"})
        self.assertEqual(r.returncode, 86, r.stderr)
        self.assertNotEqual(self.action(act["id"])["state"], "accepted")
        # Same boot, deadline not passed: the next start requests the
        # restart; the resent Exec gets 200 and no second request.
        self.sync()
        self.assertEqual(len(w.restart_lines()), 1)
        w.reboot()
        self.sync()
        self.assertEqual(len(w.restart_lines()), 1, "no second restart")
        a = self.action(act["id"])
        self.assertEqual(a["state"], "completed", a)

    # 5 ---------------------------------------------------------------
    def test_single_schedule(self):
        w = self.w
        now = int(time.time())
        due = now + 3600
        w.command('<Replace><Item><Target><LocURI>%s</LocURI></Target>'
                  '<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>'
                  '<Data>%s</Data></Item></Replace>' % (SINGLE, iso_utc(due)))
        self.sync()
        self.assertEqual([c["status"] for c in w.commands()], ["200"])
        self.assertEqual(w.restart_lines(), [])
        w.set_now(due + 10)
        self.sync()
        lines = w.restart_lines()
        self.assertEqual(len(lines), 1, lines)
        self.assertLessEqual(int(lines[0]["deadline"]), due + 300)
        w.reboot(boot_time=due + 60)
        w.set_now(due + 120)
        self.sync()
        sched = [a for a in w.actions() if a["action"] != "restart"]
        self.assertEqual(len(sched), 1, w.actions())
        self.assertEqual(sched[0]["state"], "completed", sched[0])
        self.assertEqual((sched[0].get("detail") or {}).get("trigger"), "single", sched[0])

    # 6 ---------------------------------------------------------------
    def test_bad_schedule_value_keeps_old(self):
        w = self.w
        good = iso_utc(int(time.time()) + 7200)
        w.command('<Replace><Item><Target><LocURI>%s</LocURI></Target>'
                  '<Data>%s</Data></Item></Replace>' % (SINGLE, good))
        self.sync()
        w.command('<Replace><Item><Target><LocURI>%s</LocURI></Target>'
                  '<Data>2026-13-45T99:00:00</Data></Item></Replace>' % SINGLE)
        w.command('<Get><Item><Target><LocURI>%s</LocURI></Target></Item></Get>' % SINGLE)
        self.sync()
        cmds = w.commands()
        self.assertEqual([c["status"] for c in cmds], ["200", "400", "200"], cmds)
        got = (cmds[2].get("results") or [{}])[0].get("data", "")
        # Get returns the stored instant with its offset (+00:00 for Z).
        self.assertTrue(got.startswith(good[:19]), got)

    # 7 ---------------------------------------------------------------
    def test_run_mode_picks_up_queued_restart(self):
        w = self.w
        conf = os.path.join(w.dir, "agent.conf")
        with open(conf, "w") as f:
            f.write("[poll]\ninitial_interval = 2s\n")
        proc = w.start_agent("run", "--config", conf)
        try:
            deadline = time.time() + 20
            while time.time() < deadline and not w.api("GET", "/api/devices"):
                time.sleep(0.2)
            act = w.restart()
            while time.time() < deadline and self.action(act["id"])["state"] != "accepted":
                time.sleep(0.2)
            self.assertEqual(self.action(act["id"])["state"], "accepted")
            while time.time() < deadline and not w.restart_lines():
                time.sleep(0.2)
            self.assertEqual(len(w.restart_lines()), 1)
        finally:
            proc.terminate()
            rc = proc.wait(timeout=20)
        # Checked after the finally: a failure in it cannot hide the first.
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
