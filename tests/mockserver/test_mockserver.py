# SPDX-License-Identifier: Apache-2.0
"""Tests of the mock MDM server itself: a real server process on port 0,
driven over TLS with client certificates from make-certs.sh."""

import os
import re
import select
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from mdmmock import client as C  # noqa: E402
from mdmmock import syncml  # noqa: E402

DEV_A = "9A41C0DE77E94B6F8C3D2E1F0A5B6C7D"
DEV_B = "DEVICE-B"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                     r"-[0-9a-f]{12}$")


def make_certs(outdir, dev):
    r = subprocess.run(["sh", os.path.join(HERE, "make-certs.sh"), outdir,
                        dev], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or r.stdout or r.stderr:
        raise AssertionError("make-certs.sh rc=%d out=%r err=%r"
                             % (r.returncode, r.stdout, r.stderr))


class Reply:
    """A parsed server reply."""

    def __init__(self, status, body):
        self.status = status
        self.body = body
        self.msg = syncml.parse(body) if body else None

    @property
    def cmds(self):
        return self.msg.commands

    def statuses(self):
        return [c for c in self.cmds if c.name == "Status"]

    def others(self):
        return [c for c in self.cmds if c.name != "Status"]


class Device:
    """Writes what it is told; keeps MsgID and the last server MsgID."""

    def __init__(self, t, dev, certdir):
        self.t = t
        self.dev = dev
        self.ctx = C.tls_client_context(
            os.path.join(t.certs, "a", "ca.pem"),
            os.path.join(certdir, "client.pem"),
            os.path.join(certdir, "client.key"))
        self.sid = 0
        self.msgid = 0
        self.last = None

    def send_raw(self, body):
        status, data, _ = C.post(self.t.url, body, self.ctx)
        r = Reply(status, data if status == 200 else b"")
        if status == 200 and data:
            self.last = r
        return r

    def send(self, cmds, final=True, source=None, msgid=None, sid=None,
             max_msg_size=None):
        self.msgid += 1
        body = C.message(self.dev, self.t.url, self.sid if sid is None
                         else sid, self.msgid if msgid is None else msgid,
                         cmds, final=final, source=source,
                         max_msg_size=max_msg_size)
        return self.send_raw(body)

    def start(self, extra=(), final=True, max_msg_size=None):
        """Package 1 of a new session."""
        self.sid += 1
        self.msgid = 0
        cmds = [C.alert("2", "1201")] + list(extra) + [
            C.devinfo_replace(str(3 + len(extra)), self.dev)]
        return self.send(cmds, final=final, max_msg_size=max_msg_size)

    def answer(self, codes=None, extra=(), final=True, results=None):
        """Reply to self.last: SyncHdr Status + one Status per command
        (code from codes[cmd_id], default 200) + Results for Gets."""
        smid = self.last.msg.msg_id
        out = [C.status("1", smid, "0", "SyncHdr")]
        n = 1
        res = []
        for c in self.last.msg.all_commands():
            if c.name in ("Status", "Results"):
                continue
            n += 1
            code = (codes or {}).get(c.cmd_id, "200")
            out.append(C.status(str(n), smid, c.cmd_id, c.name, code))
            if c.name == "Get" and code == "200":
                res.append(c)
        for c in res:
            n += 1
            uri = c.items[0].target
            out.append(C.results(str(n), smid, c.cmd_id, uri,
                                 (results or {}).get(uri, "value")))
        for e in extra:
            out.append(e.replace("@ID@", str(n + 1)))
            n += 1
        return self.send(out, final=final)


TMP = None


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix="mockserver-test-")
    certs = os.path.join(TMP, "certs")
    make_certs(os.path.join(certs, "a"), DEV_A)
    os.makedirs(os.path.join(certs, "b"))
    for f in ("ca.pem", "ca.key"):  # same CA, second device
        shutil.copy(os.path.join(certs, "a", f), os.path.join(certs, "b", f))
    make_certs(os.path.join(certs, "b"), DEV_B)
    make_certs(os.path.join(certs, "rogue"), DEV_A)  # another CA


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


class MockServerTest(unittest.TestCase):
    max_msg_size = None
    server_args = ()   # more mockserver options (test_console_api.py)

    @classmethod
    def setUpClass(cls):
        cls.tmp = TMP
        cls.certs = os.path.join(TMP, "certs")

    def setUp(self):
        self.db = os.path.join(self.tmp, "db-%s.sqlite" % self.id())
        a = os.path.join(self.certs, "a")
        args = [sys.executable, "-B", os.path.join(HERE, "mockserver"),
                "--listen", "127.0.0.1:0",
                "--tls-cert", os.path.join(a, "server.pem"),
                "--tls-key", os.path.join(a, "server.key"),
                "--client-ca", os.path.join(a, "ca.pem"),
                "--db", self.db, "--admin", "127.0.0.1:0"]
        if self.max_msg_size:
            args += ["--max-msg-size", str(self.max_msg_size)]
        args += list(self.server_args)
        self.log = open(os.path.join(self.tmp, "log-%s.txt" % self.id()),
                        "w+")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self.log, bufsize=0)
        out = b""
        deadline = time.monotonic() + 10
        while out.count(b"\n") < 3:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [],
                                              left)[0]:
                self.fail("mockserver did not print its ports")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                self.fail("mockserver exited: %s" % self._log())
            out += chunk
        lines = dict(line.split() for line in out.decode().splitlines())
        self.base = lines["listening"]
        self.assertRegex(self.base, r"^https://127\.0\.0\.1:\d+$")
        self.assertRegex(lines["admin"], r"^http://127\.0\.0\.1:\d+$")
        self.url = self.base + "/ManagementServer/MDM.svc?mode=Machine"
        self.admin = C.Admin(lines["admin"])
        self.a = Device(self, DEV_A, os.path.join(self.certs, "a"))
        self.b = Device(self, DEV_B, os.path.join(self.certs, "b"))

    def tearDown(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "timeout"
        self.proc.stdout.close()
        log = self._log()
        self.log.close()
        self.assertEqual(rc, 0, "mockserver did not stop cleanly: " + log)

    def _log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    # helpers ---------------------------------------------------------------
    def violations(self, dev=DEV_A):
        return self.admin.get("/api/devices/%s/violations" % dev)

    def rules(self, dev=DEV_A):
        return [v["rule"] for v in self.violations(dev)]

    def actions(self, dev=DEV_A):
        return self.admin.get("/api/actions?device=%s" % dev)

    def restart(self, dev=DEV_A, force=False):
        # Registered first: the API refuses actions for unknown devices.
        code, _ = self.admin.post("/api/devices", {"id": dev})
        self.assertIn(code, (200, 201))
        req = {"action": "restart"}
        if force:
            req["force"] = True  # a second one while the first is pending
        code, act = self.admin.post("/api/devices/%s/actions" % dev, req)
        self.assertEqual(code, 201, act)
        return act

    def queue(self, xml, dev=DEV_A):
        code, cmd = self.admin.post("/api/devices/%s/commands" % dev, raw=xml)
        self.assertEqual(code, 201, cmd)
        return cmd

    def assert_synchdr_status(self, r, client_msgid):
        s = r.cmds[0]
        self.assertEqual((s.name, s.cmd_id, s.msg_ref, s.cmd_ref, s.cmd,
                          s.data),
                         ("Status", "1", str(client_msgid), "0", "SyncHdr",
                          "200"))

    def outcome(self, fields, **kw):
        return C.outcome_alert("@ID@", fields, **kw)


class Package1(MockServerTest):
    def test_package1_answered_with_statuses(self):
        r = self.a.start(extra=[C.alert("3", "1224", "<Item><Meta><Type"
                                        " xmlns=\"syncml:metinf\">com.micro"
                                        "soft/MDM/LoginStatus</Type></Meta>"
                                        "<Data>user</Data></Item>")])
        self.assertEqual(r.status, 200)
        m = r.msg
        self.assertEqual((m.root_ns, m.ver_dtd, m.ver_proto, m.session_id,
                          m.msg_id, m.target, m.source, m.max_msg_size),
                         (syncml.SYNCML_NS, "1.2", "DM/1.2", "1", "1", DEV_A,
                          self.base, "524288"))
        self.assertTrue(m.final)
        self.assert_synchdr_status(r, 1)
        got = [(s.msg_ref, s.cmd_ref, s.cmd, s.data) for s in r.statuses()]
        self.assertEqual(got, [("1", "0", "SyncHdr", "200"),
                               ("1", "2", "Alert", "200"),
                               ("1", "3", "Alert", "200"),
                               ("1", "4", "Replace", "200")])
        self.assertEqual(len({s.cmd_id for s in r.cmds}), len(r.cmds))
        self.assertEqual(r.others(), [])
        self.assertEqual(self.violations(), [])
        devs = self.admin.get("/api/devices")
        self.assertEqual([d["id"] for d in devs], [DEV_A])
        # No DeviceName sent: the name is the id, never "Man Mod".
        self.assertEqual(devs[0]["name"], DEV_A)
        self.assertIsNotNone(devs[0]["last_checkin"])
        self.assertEqual(devs[0]["info"]["Mod"], "CX-200")

    def test_messages_recorded_whole(self):
        r = self.a.start()
        msgs = self.admin.get("/api/devices/%s/messages" % DEV_A)
        self.assertEqual([(m["direction"], m["session"], m["msg_id"])
                          for m in msgs], [("in", "1", "1"),
                                           ("out", "1", "1")])
        self.assertIn("<Alert><CmdID>2</CmdID><Data>1201</Data>",
                      msgs[0]["body"])
        self.assertEqual(msgs[1]["body"].encode(), r.body)
        later = self.admin.get("/api/devices/%s/messages?since=%d"
                               % (DEV_A, msgs[0]["id"]))
        self.assertEqual([m["id"] for m in later], [msgs[1]["id"]])
        with sqlite3.connect(self.db) as db:
            n = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        self.assertEqual(n, 2)


class Restart(MockServerTest):
    def test_restart_delivered_resent_until_status_then_accepted(self):
        act = self.restart()
        self.assertEqual(act["state"], "pending")
        self.assertRegex(act["cmd_id"], UUID_RE)
        r = self.a.start()
        ex = r.others()
        self.assertEqual([c.name for c in ex], ["Exec"])
        self.assertEqual(ex[0].cmd_id, act["cmd_id"])
        self.assertEqual(ex[0].items[0].target, syncml.REBOOT_NOW)
        self.assertEqual(ex[0].items[0].meta_format, "null")
        self.assertEqual(self.actions()[0]["state"], "sent")

        # The client "forgets" the Status: flagged, and the Exec comes again.
        r = self.a.send([C.status("1", "1", "0", "SyncHdr")])
        self.assertIn("status-missing", self.rules())
        self.assertEqual([c.cmd_id for c in r.others()], [act["cmd_id"]])
        # Session abandoned (restart); the next session gets it again.
        r = self.a.start()
        self.assertEqual([c.cmd_id for c in r.others()], [act["cmd_id"]])
        self.assertEqual(self.actions()[0]["state"], "sent")
        cmds = self.admin.get("/api/devices/%s/commands" % DEV_A)
        self.assertEqual((cmds[0]["state"], cmds[0]["sent_count"]),
                         ("sent", 3))

        r = self.a.answer()
        self.assertEqual(r.others(), [])  # nothing more: Statuses only
        self.assert_synchdr_status(r, 2)
        self.assertTrue(r.msg.final)
        a = self.actions()[0]
        self.assertEqual((a["state"], a["status"]), ("accepted", "200"))
        self.assertGreaterEqual(a["updated_at"], a["requested_at"])
        cmds = self.admin.get("/api/devices/%s/commands" % DEV_A)
        self.assertEqual((cmds[0]["state"], cmds[0]["status"]),
                         ("answered", "200"))
        # Answered: not sent again.
        r = self.a.start()
        self.assertEqual(r.others(), [])

    def test_outcome_alert_completes_the_action(self):
        act = self.restart()
        self.a.start()
        self.a.answer()
        self.assertEqual(self.actions()[0]["state"], "accepted")
        fields = [("v", "1"), ("trigger", "now"), ("cmdref", act["cmd_id"]),
                  ("msgref", "1"), ("session", "1"),
                  ("requested", "2026-03-14T09:26:53Z"),
                  ("deadline", "2026-03-14T09:31:53Z"),
                  ("boot", "2026-03-14T09:27:41Z"), ("outcome", "restarted"),
                  ("detail", "a;b=c d%")]
        r = self.a.start(extra=[C.outcome_alert("3", fields)])
        got = [(s.cmd_ref, s.cmd, s.data) for s in r.statuses()]
        self.assertIn(("3", "Alert", "200"), got)
        a = self.actions()[0]
        self.assertEqual(a["state"], "completed")
        self.assertEqual(a["detail"]["outcome"], "restarted")
        self.assertEqual(a["detail"]["boot"], "2026-03-14T09:27:41Z")
        self.assertEqual(a["detail"]["detail"], "a;b=c d%")  # decoded
        self.assertEqual(self.violations(), [])

    def test_failed_outcomes_and_error_status(self):
        a1, a2 = self.restart(), self.restart(force=True)
        r = self.a.start()
        self.assertEqual([c.cmd_id for c in r.others()],
                         [a1["cmd_id"], a2["cmd_id"]])
        self.a.answer(codes={a2["cmd_id"]: "500"})
        by_id = {a["id"]: a for a in self.actions()}
        self.assertEqual(by_id[a1["id"]]["state"], "accepted")
        self.assertEqual((by_id[a2["id"]]["state"], by_id[a2["id"]]["status"]),
                         ("failed", "500"))
        fields = [("v", "1"), ("trigger", "now"), ("cmdref", a1["cmd_id"]),
                  ("msgref", "1"), ("session", "1"),
                  ("requested", "2026-03-14T09:26:53Z"),
                  ("deadline", "2026-03-14T09:31:53Z"),
                  ("outcome", "not-restarted"),
                  ("detail", "shutdown-blocked")]
        self.a.start(extra=[C.outcome_alert("3", fields)])
        a = self.actions()[0]
        self.assertEqual((a["state"], a["detail"]["outcome"],
                          a["detail"]["detail"]),
                         ("failed", "not-restarted", "shutdown-blocked"))
        self.assertEqual(self.violations(), [])

    def test_accepted_action_not_regressed_by_resend(self):
        act = self.restart()
        self.a.start()   # Exec sent; the Status is lost (device restarts)
        fields = [("v", "1"), ("trigger", "now"), ("cmdref", act["cmd_id"]),
                  ("msgref", "1"), ("session", "1"),
                  ("requested", "2026-03-14T09:26:53Z"),
                  ("deadline", "2026-03-14T09:31:53Z"),
                  ("boot", "2026-03-14T09:27:41Z"), ("outcome", "restarted")]
        r = self.a.start(extra=[C.outcome_alert("3", fields)])
        self.assertEqual([c.cmd_id for c in r.others()], [act["cmd_id"]])
        self.a.answer()
        a = self.actions()[0]
        self.assertEqual((a["state"], a["status"]), ("completed", "200"))

    def test_schedule_action_from_raw_replace(self):
        cmd = self.queue(
            "<Replace><Item><Target><LocURI>./Device/Vendor/MSFT/Reboot/"
            "Schedule/Single</LocURI></Target><Meta><Format xmlns=\"syncml:"
            "metinf\">chr</Format></Meta><Data>2026-03-14T02:00:00</Data>"
            "</Item></Replace>")
        self.assertRegex(cmd["cmd_id"], UUID_RE)
        self.assertEqual(len(cmd["actions"]), 1)
        a = self.actions()[0]
        self.assertEqual((a["action"], a["state"], a["cmd_id"]),
                         ("schedule-restart", "pending", cmd["cmd_id"]))
        r = self.a.start()
        self.assertEqual([c.cmd_id for c in r.others()], [cmd["cmd_id"]])
        self.assertEqual(self.actions()[0]["state"], "sent")
        self.a.answer()
        self.assertEqual(self.actions()[0]["state"], "accepted")
        fields = [("v", "1"), ("trigger", "single"),
                  ("requested", "2026-03-14T02:00:00Z"),
                  ("deadline", "2026-03-14T02:05:00Z"),
                  ("outcome", "missed")]
        self.a.start(extra=[C.outcome_alert(
            "3", fields, source="./Device/Vendor/MSFT/Reboot/Schedule/Single")])
        a = self.actions()[0]
        self.assertEqual((a["state"], a["detail"]["outcome"],
                          a["detail"]["trigger"]),
                         ("failed", "missed", "single"))
        self.assertEqual(self.violations(), [])

    def test_clearing_a_schedule_creates_no_action(self):
        self.queue("<Replace><CmdID>7</CmdID><Item><Target><LocURI>./Vendor/"
                   "MSFT/Reboot/Schedule/DailyRecurrent</LocURI></Target>"
                   "<Data></Data></Item></Replace>")
        self.assertEqual(self.actions(), [])


class Commands(MockServerTest):
    def test_get_results_and_cmdid_kept(self):
        c1 = self.queue("<Get><Item><Target><LocURI>./DevDetail/SwV</LocURI>"
                        "</Target></Item></Get>")
        code, c2 = self.admin.post(
            "/api/devices/%s/commands" % DEV_A,
            {"xml": "<?xml version=\"1.0\"?><Get><CmdID>label-1</CmdID>"
                    "<Item><Target><LocURI>./DevInfo/Lang</LocURI></Target>"
                    "</Item></Get>"})
        self.assertEqual(code, 201)
        self.assertRegex(c1["cmd_id"], UUID_RE)
        self.assertEqual(c2["cmd_id"], "label-1")
        r = self.a.start()
        self.assertEqual([c.cmd_id for c in r.others()],
                         [c1["cmd_id"], "label-1"])
        self.assertIn("<Get><CmdID>label-1</CmdID><Item>", r.body.decode())
        r = self.a.answer(results={"./DevDetail/SwV": "10.0.19045"})
        self.assertEqual(r.others(), [])
        cmds = self.admin.get("/api/devices/%s/commands" % DEV_A)
        self.assertEqual([(c["cmd_id"], c["status"]) for c in cmds],
                         [(c1["cmd_id"], "200"), ("label-1", "200")])
        self.assertEqual(cmds[0]["results"][0]["data"], "10.0.19045")
        self.assertEqual(cmds[0]["results"][0]["source"], "./DevDetail/SwV")
        self.assertEqual(self.violations(), [])

    def test_bad_commands_refused(self):
        for body in ("<Get>", "", "<!DOCTYPE x><Get/>", "{\"nope\": 1}",
                     "<Get><CmdID></CmdID></Get>"):
            code, err = self.admin.post("/api/devices/%s/commands" % DEV_A,
                                        raw=body)
            self.assertEqual(code, 400, body)
            self.assertIn("error", err)
        self.assertEqual(self.admin.get("/api/devices/%s/commands" % DEV_A),
                         [])

    def test_split_package_hook(self):
        code, cfg = self.admin.post("/api/devices/%s/config" % DEV_A,
                                    {"split": 1})
        self.assertEqual((code, cfg["split"]), (200, 1))
        ids = [self.queue("<Get><Item><Target><LocURI>./DevInfo/%s</LocURI>"
                          "</Target></Item></Get>" % n)["cmd_id"]
               for n in ("Man", "Mod", "Lang")]
        r = self.a.start()
        seen = []
        for i in range(3):
            self.assertEqual(len(r.others()), 1)
            seen.append(r.others()[0].cmd_id)
            self.assertEqual(r.msg.final, i == 2)
            # The second time the client also asks with Alert 1222.
            r = self.a.answer(final=(i == 2), extra=[C.alert("@ID@", "1222")]
                              if i == 1 else [])
            if i == 1:
                self.assertIn(("Alert", "200"),
                              [(s.cmd, s.data) for s in r.statuses()])
        self.assertEqual(seen, ids)
        self.assertEqual(r.others(), [])
        self.assertTrue(r.msg.final)
        self.assertEqual(self.violations(), [])

    def test_split_by_client_max_msg_size(self):
        for n in range(6):
            self.queue("<Replace><Item><Target><LocURI>./Vendor/X/N%d"
                       "</LocURI></Target><Data>%s</Data></Item></Replace>"
                       % (n, "v" * 600))
        r = self.a.start(max_msg_size=2048)
        parts = 0
        total = 0
        while True:
            parts += 1
            self.assertLessEqual(len(r.body), 2048)
            total += len(r.others())
            if r.msg.final:
                break
            r = self.a.answer(final=False)
        self.assertEqual(total, 6)
        self.assertGreater(parts, 2)
        r = self.a.answer()
        self.assertEqual(r.others(), [])
        self.assertEqual(self.violations(), [])

    def test_client_multi_message_package(self):
        act = self.restart()
        r = self.a.start(final=False)
        self.assertFalse(r.msg.final)
        self.assertEqual([(c.name, c.data) for c in r.others()],
                         [("Alert", "1222")])
        alert_id = r.others()[0].cmd_id
        r = self.a.send([C.status("1", "1", "0", "SyncHdr"),
                         C.status("2", "1", alert_id, "Alert"),
                         C.alert("3", "1224", "<Item><Data>x</Data></Item>")])
        self.assertEqual([c.cmd_id for c in r.others()], [act["cmd_id"]])
        self.assertEqual([s.cmd_ref for s in r.statuses()], ["0", "3"])
        self.assertEqual(self.violations(), [])

    def test_end_with_empty_body(self):
        self.admin.post("/api/devices/%s/config" % DEV_A,
                        {"end_with": "empty"})
        self.restart()
        self.a.start()
        r = self.a.answer()
        self.assertEqual((r.status, r.body), (200, b""))
        msgs = self.admin.get("/api/devices/%s/messages" % DEV_A)
        self.assertEqual((msgs[-1]["direction"], msgs[-1]["body"]),
                         ("out", ""))

    def test_fleet_like_config(self):
        self.admin.post("/api/devices/%s/config" % DEV_A,
                        {"final": False, "status_for_alerts": False})
        act = self.restart()
        r = self.a.start()
        self.assertFalse(r.msg.final)
        self.assertEqual([s.cmd for s in r.statuses()],
                         ["SyncHdr", "Replace"])
        self.assertEqual([c.cmd_id for c in r.others()], [act["cmd_id"]])
        # No Final from the server, none from the client: still no 1222
        # ping-pong, the session ends with Statuses only.
        r = self.a.answer(final=False)
        self.assertEqual((r.others(), r.msg.final), ([], False))
        self.assertEqual(self.actions()[0]["state"], "accepted")
        code, err = self.admin.post("/api/devices/%s/config" % DEV_A,
                                    {"split": -1})
        self.assertEqual(code, 400)


class MsgSize(MockServerTest):
    max_msg_size = 2048

    def test_message_over_announced_size(self):
        r = self.a.start()
        self.assertEqual(r.msg.max_msg_size, "2048")
        pad = "<Alert><CmdID>3</CmdID><Data>1224</Data><Item><Data>%s</Data>" \
              "</Item></Alert>" % ("x" * 2100)
        self.a.send([C.status("1", "1", "0", "SyncHdr"), pad])
        self.assertEqual(self.rules(), ["msg-size"])


class Identity(MockServerTest):
    def test_source_must_match_certificate_cn(self):
        r = self.a.send([C.alert("2", "1201"),
                         C.devinfo_replace("3", DEV_B)], source=DEV_B,
                        sid="1")
        self.assertEqual(r.status, 403)
        v = self.violations(DEV_A)
        self.assertEqual([x["rule"] for x in v], ["source-cn"])
        self.assertIn(DEV_B, v[0]["detail"])
        self.assertEqual(self.admin.get("/api/devices"), [])
        # The second device, same CA, is fine.
        r = self.b.start()
        self.assertEqual(r.status, 200)
        self.assertEqual(self.violations(DEV_B), [])

    def test_unknown_ca_or_no_certificate_refused(self):
        rogue = os.path.join(self.certs, "rogue")
        ca = os.path.join(self.certs, "a", "ca.pem")
        body = C.message(DEV_A, self.url, "1", "1", [C.alert("2", "1201")])
        for ctx in (C.tls_client_context(ca, os.path.join(rogue,
                                                          "client.pem"),
                                         os.path.join(rogue, "client.key")),
                    C.tls_client_context(ca)):
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                C.post(self.url, body, ctx)
        self.assertEqual(self.admin.get("/api/devices"), [])

    def test_rsa_client_certificate(self):
        d = os.path.join(self.certs, "a")
        self.a.ctx = C.tls_client_context(
            os.path.join(d, "ca.pem"), os.path.join(d, "client-rsa.pem"),
            os.path.join(d, "client-rsa.key"))
        self.assertEqual(self.a.start().status, 200)
        for f in ("client-rsa.p12", "device-id"):
            self.assertTrue(os.path.getsize(os.path.join(d, f)) > 0)
        with open(os.path.join(d, "device-id")) as f:
            self.assertEqual(f.read().strip(), DEV_A)


class Admin(MockServerTest):
    def test_api_shapes(self):
        # A device not seen yet: created, not enrolled.
        act = self.restart(DEV_B)
        for k in ("id", "device", "action", "state", "requested_at",
                  "updated_at", "cmd_id", "detail", "status", "target"):
            self.assertIn(k, act)
        self.assertEqual((act["device"], act["action"], act["detail"]),
                         (DEV_B, "restart", None))
        self.assertRegex(act["requested_at"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        devs = self.admin.get("/api/devices")
        self.assertEqual([(d["id"], d["first_seen"], d["last_checkin"],
                           d["enrolled"]) for d in devs],
                         [(DEV_B, None, None, False)])
        self.b.start()
        d = self.admin.get("/api/devices/%s" % DEV_B)
        self.assertTrue(d["enrolled"])
        self.assertEqual(d["config"]["end_with"], "statuses")
        self.assertEqual(self.admin.get("/api/actions")[0]["state"], "sent")
        self.assertEqual(self.admin.get("/api/actions?device=nobody"), [])
        self.assertEqual(self.admin.get("/api/devices/%s/violations"
                                        % DEV_B), [])
        for method, path, body, code in (
                ("POST", "/api/devices/%s/actions" % DEV_A,
                 {"action": "wipe"}, 400),
                ("POST", "/api/devices/%s/actions" % DEV_A, {}, 400),
                ("POST", "/api/devices/%s/config" % DEV_A, {"x": 1}, 400),
                ("GET", "/api/nothing", None, 404),
                ("GET", "/api/devices/nobody", None, 404)):
            got, err = self.admin.call(method, path, body=body)
            self.assertEqual(got, code, path)
            self.assertIn("error", err)
        got, _ = self.admin.call("POST", "/api/devices/%s/actions" % DEV_A,
                                 raw="not json")
        self.assertEqual(got, 400)

    def test_console_pages(self):
        import urllib.request
        base = self.admin.base
        self.a.start()  # /devices/ID of a device never seen is a 404
        pages = {"/devices": ["id=\"devices\""],
                 "/devices/%s" % DEV_A: ["id=\"restart\"",
                                         "id=\"confirm-yes\"",
                                         "id=\"confirm-no\"",
                                         "id=\"actions\""],
                 "/actions": ["id=\"actions\""],
                 "/static/console.js": ["api-banner", "fetch"],
                 "/static/actions.js": ["td", "state", "cancel"],
                 "/static/devices.js": ["bulk-restart", "search"],
                 "/static/device.js": ["confirm-warning"],
                 "/static/style.css": ["td.state"]}
        for path, needles in pages.items():
            with urllib.request.urlopen(base + path, timeout=10) as r:
                text = r.read().decode()
                self.assertEqual(r.status, 200)
            for n in needles:
                self.assertIn(n, text, path)
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            self.assertTrue(r.geturl().endswith("/devices"))
        got, _ = self.admin.call("GET", "/static/../engine.py")
        self.assertEqual(got, 404)


if __name__ == "__main__":
    unittest.main()
