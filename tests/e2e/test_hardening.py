# SPDX-License-Identifier: Apache-2.0
"""Field hardening (issue 14), end to end: the real omadm-agent binary
(--platform sim) against the mock MDM server. Each test names the issue's
item it covers; every test also checks that the protocol checker found no
violation."""

import glob
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

REBOOT_NOW = "./Device/Vendor/MSFT/Reboot/RebootNow"


class Hardening(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World()

    def tearDown(self):
        try:
            self.assertEqual(self.w.violations(), [], "protocol violations")
        finally:
            self.w.close()

    def sync(self, ok=True, env=None, *extra):
        r = self.w.run_agent("sync", *extra, env=env)
        if ok and r.returncode != 0:
            self.fail("sync exited %d:\n%s" % (r.returncode, r.stderr))
        return r

    def action(self, action_id):
        for a in self.w.actions():
            if a["id"] == action_id:
                return a
        self.fail("no action %s" % action_id)

    def intent_states(self):
        """Each intent record's state: "requested" when its id is in
        reboot-requested.conf (the mark, requested.c) or the record says so
        (older versions), else "armed"."""
        marked = set()
        try:
            with open(os.path.join(self.w.state, "reboot-requested.conf")) as f:
                for field in f.read().strip().split(";"):
                    if field.startswith("ids="):
                        marked = {int(i) for i in field[4:].split(",") if i}
        except FileNotFoundError:
            pass
        states = []
        for path in glob.glob(os.path.join(self.w.state, "outbox-*.rec")):
            with open(path, "rb") as f:
                data = f.read()
            record_id = int(os.path.basename(path)[len("outbox-"):-len(".rec")], 16)
            if b"state=requested" in data or (b"state=armed" in data and record_id in marked):
                states.append("requested")
            elif b"state=armed" in data:
                states.append("armed")
        return states

    def finish_after_reboot(self, act):
        """Same boot: the next start requests the restart; then the device
        reboots and the next session reports `restarted`."""
        self.sync()
        lines = self.w.restart_lines()
        self.assertEqual(len(lines), 1, lines)
        self.w.reboot()
        self.sync()
        a = self.action(act["id"])
        self.assertEqual(a["state"], "completed", a)
        self.assertEqual((a.get("detail") or {}).get("outcome"), "restarted", a)
        self.assertEqual(len(self.w.restart_lines()), 1)

    # 1: exactly once --------------------------------------------------
    def test_1_killed_between_mark_and_request_crash_hook(self):
        """The agent dies after the intent is marked `requested` and before
        the platform call (crash hook): the next start asks again."""
        act = self.w.restart()
        r = self.sync(False, {"OMADM_CRASH_AT": "restart-marked"})
        self.assertEqual(r.returncode, 86, r.stderr)
        self.assertEqual(self.w.restart_lines(), [])
        self.assertEqual(self.intent_states(), ["requested"])
        self.assertEqual(self.action(act["id"])["state"], "accepted")
        self.finish_after_reboot(act)

    @unittest.skipUnless(shutil.which("strace"), "strace not installed")
    def test_1_killed_between_mark_and_request_sigkill(self):
        """The same window with a real SIGKILL: strace delays the opening of
        sim/restarts.log by 3 s and the agent is killed inside the delay."""
        w = self.w
        act = w.restart()
        os.makedirs(os.path.dirname(w.sim("restarts.log")), exist_ok=True)
        trace_log = os.path.join(w.dir, "strace.log")
        env = dict(os.environ)
        env.pop("OMADM_CRASH_AT", None)
        proc = subprocess.Popen(
            ["strace", "-f", "-qq", "-o", trace_log, "-P", w.sim("restarts.log"),
             "-e", "trace=openat", "-e", "inject=openat:delay_enter=3000000"]
            + w.agent_args("sync"), env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while time.time() < deadline and self.intent_states() != ["requested"]:
                if proc.poll() is not None:
                    break
                time.sleep(0.05)
            if proc.poll() is not None and not os.path.exists(trace_log):
                self.skipTest("strace cannot trace here")
            self.assertEqual(self.intent_states(), ["requested"])
            # Inside the 3 s delay: kill the agent (strace's child).
            children = []
            for task in glob.glob("/proc/%d/task/*/children" % proc.pid):
                with open(task) as f:
                    children += [int(p) for p in f.read().split()]
            self.assertEqual(len(children), 1, children)
            os.kill(children[0], 9)
        finally:
            proc.wait(timeout=30)
        self.assertEqual(w.restart_lines(), [])
        self.assertEqual(self.action(act["id"])["state"], "accepted")
        self.finish_after_reboot(act)

    # 2: one bad command must not block the device -------------------------
    def poisoned_uri(self):
        return ("<Get><Item><Target><LocURI>./%s</LocURI></Target></Item></Get>"
                % ("a" * 1023))

    def poisoned_items(self):
        return ("<Get>%s</Get>" % ("<Item><Target><LocURI>./DevInfo/Man</LocURI>"
                                   "</Target></Item>" * 101))

    def test_2_poisoned_command_then_restart_same_message(self):
        w = self.w
        w.command(self.poisoned_uri())
        act = w.restart()
        self.sync()
        self.assertEqual([c["status"] for c in w.commands() if c["cmd"] == "Get"], ["414"])
        self.assertEqual(len(w.restart_lines()), 1, "the restart queued behind it happens")
        self.assertEqual(self.action(act["id"])["state"], "accepted")
        w.reboot()
        self.sync()
        self.assertEqual(self.action(act["id"])["state"], "completed")

    def test_2_poisoned_command_then_restart_next_session(self):
        w = self.w
        w.command(self.poisoned_items())
        self.sync()
        self.assertEqual([c["status"] for c in w.commands() if c["cmd"] == "Get"], ["413"])
        act = w.restart()
        self.sync()
        self.assertEqual(len(w.restart_lines()), 1)
        self.assertEqual(self.action(act["id"])["state"], "accepted")

    # 3: messages larger than we announced ----------------------------------
    def queue_gets(self, n, pad):
        w = self.w
        for i in range(n):
            w.command("<Get><!-- %s --><Item><Target><LocURI>./DevInfo/%s</LocURI>"
                      "</Target></Item></Get>" % (pad, ("Man", "Mod", "Lang")[i % 3]))

    def server_messages(self, direction):
        return [m for m in self.w.messages() if m.get("direction") == direction]

    def test_3_fleet_reply_of_2000_gets_over_our_max_msg_size(self):
        """Fleet-like: every queued command in one reply (about 1 MiB, over
        our 524288-byte MaxMsgSize); the server announces 65536: every Get
        is answered, no client message over 65536 (the checker's msg-size
        rule), the session completes."""
        w = self.w
        w.close()
        self.w = w = e2elib.World(max_msg_size=65536)
        w.api("POST", "/api/devices/%s/config" % w.device_id, {"ignore_client_max": True})
        self.queue_gets(2000, "p" * 440)
        r = self.sync()
        big = max(len(m.get("body") or "") for m in self.server_messages("out"))
        self.assertGreater(big, 1024 * 1024, "the server's reply is over 1 MiB")
        cmds = w.commands()
        self.assertEqual(len(cmds), 2000)
        self.assertEqual({c["status"] for c in cmds}, {"200"})
        self.assertTrue(all(c.get("results") for c in cmds))
        self.assertIn("over our MaxMsgSize 524288", r.stderr)

    def test_3_reply_over_max_inbound_size_answered_413(self):
        w = self.w
        conf = os.path.join(w.dir, "agent.conf")
        with open(conf, "w") as f:
            f.write("[server]\nmax_inbound_size = 64K\n")
        w.api("POST", "/api/devices/%s/config" % w.device_id, {"ignore_client_max": True})
        self.queue_gets(300, "p" * 300)
        r = self.w.run_agent("sync", "--config", conf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("exceeds the 65536-byte inbound cap (max_inbound_size); answered 413",
                      r.stderr)
        ins = [m.get("body") or "" for m in self.server_messages("in")]
        self.assertTrue(any("<CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>413</Data>" in b
                            for b in ins), ins[-1:])
        self.assertEqual(len(ins), 2, "one 413, then the session ends")

    # 4: the URI prefixes Microsoft writes -------------------------------------
    def test_4_lowercase_scope_prefixes(self):
        w = self.w
        w.command("<Get><Item><Target><LocURI>./DEVICE/VENDOR/MSFT/Reboot/RebootNow</LocURI>"
                  "</Target></Item></Get>")
        w.command("<Get><Item><Target><LocURI>./device/vendor/msft/Reboot</LocURI>"
                  "</Target></Item></Get>")
        w.command("<Exec><Item><Target><LocURI>./device/vendor/MSFT/Reboot/RebootNow</LocURI>"
                  "</Target></Item></Exec>")
        self.sync()
        self.assertEqual([c["status"] for c in w.commands()], ["200", "404", "200"])
        self.assertEqual(len(w.restart_lines()), 1)
        act = [a for a in w.actions() if a["action"] == "restart"]
        self.assertEqual(len(act), 1, w.actions())
        w.reboot()
        self.sync()
        a = self.action(act[0]["id"])
        self.assertEqual(a["state"], "completed", a)


if __name__ == "__main__":
    unittest.main(verbosity=2)
