# SPDX-License-Identifier: Apache-2.0
"""The mock server's protocol checker (mdmmock/checker.py): a correct
session has no violation; each rule it knows fires on the message that
breaks it (Status order, duplicates, unknown references, per-Item
Statuses and their TargetRefs, header and sequence rules, XML and HTTP).

Run: meson test mockserver-checker (or python3 -m unittest from here).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mdmmock import client as C  # noqa: E402
from test_mockserver import (DEV_A, MockServerTest,  # noqa: E402
                             setUpModule, tearDownModule)

__all__ = ["setUpModule", "tearDownModule"]


class Checker(MockServerTest):
    def test_correct_session_has_no_violation(self):
        act = self.restart()
        self.queue("<Get><Item><Target><LocURI>./DevDetail/SwV</LocURI>"
                   "</Target></Item></Get>")
        self.a.start()
        r = self.a.answer()
        self.assertEqual(r.others(), [])
        fields = [("v", "1"), ("trigger", "now"), ("cmdref", act["cmd_id"]),
                  ("msgref", "1"), ("session", "1"),
                  ("requested", "2026-03-14T09:26:53Z"),
                  ("deadline", "2026-03-14T09:31:53Z"),
                  ("boot", "2026-03-14T09:27:41Z"), ("outcome", "restarted")]
        self.a.start(extra=[C.outcome_alert("3", fields)])
        self.assertEqual(self.violations(), [])

    def test_duplicate_and_zero_cmdid(self):
        self.a.sid = 5
        self.a.send([C.alert("2", "1201"), C.alert("2", "1224"),
                     C.devinfo_replace("0", DEV_A)], msgid=1)
        v = self.violations()
        self.assertEqual(sorted(x["rule"] for x in v), ["cmdid", "cmdid"])
        self.assertTrue(any("used twice" in x["detail"] for x in v))
        self.assertTrue(any("CmdID 0" in x["detail"] for x in v))
        self.assertEqual({(x["session"], x["msg"]) for x in v}, {("5", "1")})

    def test_missing_synchdr_status(self):
        act = self.restart()
        self.a.start()
        self.a.send([C.status("2", "1", act["cmd_id"], "Exec")])
        self.assertEqual(self.rules(), ["synchdr-status"])
        # Still a real server: the Status settled the Exec.
        self.assertEqual(self.actions()[0]["state"], "accepted")

    def test_wrong_msgref(self):
        act = self.restart()
        self.a.start()
        self.a.send([C.status("1", "7", "0", "SyncHdr"),
                     C.status("2", "2", act["cmd_id"], "Exec")])
        self.assertEqual(sorted(self.rules()),
                         ["status-msgref", "synchdr-status"])
        self.assertEqual(self.actions()[0]["state"], "accepted")

    def test_status_rules(self):
        a1, a2 = self.restart(), self.restart(force=True)
        self.a.start()
        self.a.send([C.status("1", "1", "0", "SyncHdr"),
                     C.status("2", "1", a2["cmd_id"], "Exec"),
                     C.status("3", "1", a1["cmd_id"], "Replace"),
                     C.status("4", "1", a1["cmd_id"], "Exec"),
                     C.status("5", "1", "nope", "Get"),
                     C.results("6", "1", a1["cmd_id"], "./X", "y")])
        self.assertEqual(sorted(self.rules()),
                         ["results-unexpected", "status-cmd",
                          "status-duplicate", "status-order",
                          "status-unknown"])

    def start_two_item_get(self):
        """A Get of ./DevInfo/Man and ./DevInfo/Nope queued and the session
        started: the reply's MsgID and the Get's CmdID."""
        cmd = self.queue("<Get><Item><Target><LocURI>./DevInfo/Man</LocURI>"
                         "</Target></Item><Item><Target><LocURI>./DevInfo/"
                         "Nope</LocURI></Target></Item></Get>")
        return self.a.start().msg.msg_id, cmd["cmd_id"]

    def test_status_per_item(self):
        # A Get whose Items end differently is answered with one Status
        # per Item, each with its TargetRef: no violation.
        mid, ref = self.start_two_item_get()
        self.a.send([C.status("1", mid, "0", "SyncHdr"),
                     C.status("2", mid, ref, "Get", "200", "./DevInfo/Man"),
                     C.status("3", mid, ref, "Get", "404", "./DevInfo/Nope"),
                     C.results("4", mid, ref, "./DevInfo/Man", "Contoso")])
        self.assertEqual(self.rules(), [])

    def test_status_per_item_needs_distinct_target_refs(self):
        mid, ref = self.start_two_item_get()
        self.a.send([C.status("1", mid, "0", "SyncHdr"),
                     C.status("2", mid, ref, "Get", "200", "./DevInfo/Man"),
                     C.status("3", mid, ref, "Get", "200", "./DevInfo/Man"),
                     C.status("4", mid, ref, "Get", "404"),
                     C.results("5", mid, ref, "./DevInfo/Man", "Contoso")])
        self.assertEqual(self.rules(), ["status-duplicate", "status-duplicate"])

    def test_sequence_and_header_rules(self):
        self.a.start()
        self.a.send([C.status("1", "1", "0", "SyncHdr"),
                     C.alert("2", "1224")], msgid=3, sid="9")
        self.assertEqual(sorted(self.rules()),
                         ["msgid", "sessionid-changed"])
        body = C.message(DEV_A, self.url, "2", "1", [C.alert("2", "1201"),
                         C.devinfo_replace("3", DEV_A)]).replace(
            b"<VerDTD>1.2</VerDTD>", b"<VerDTD>1.1</VerDTD>").replace(
            b"SYNCML:SYNCML1.2", b"SYNCML:SYNCML1.1")
        self.a.send_raw(body)
        self.assertEqual(sorted(self.rules()[2:]), ["root", "verdtd"])
        self.a.send_raw(C.message(DEV_A, self.url, "2", "1",
                                  [C.alert("2", "1201")]))
        self.assertEqual(sorted(self.rules()[4:]),
                         ["package1", "sessionid-reuse"])

    def test_only_synchdr_status_and_final_early(self):
        self.admin.post("/api/devices/%s/config" % DEV_A, {"split": 1})
        for n in ("Man", "Mod"):
            self.queue("<Get><Item><Target><LocURI>./DevInfo/%s</LocURI>"
                       "</Target></Item></Get>" % n)
        r = self.a.start()
        self.assertFalse(r.msg.final)
        self.a.answer(final=True)  # closes while the server's is open
        self.assertEqual(self.rules(), ["final-early"])
        r = self.a.answer()
        self.assertEqual(r.others(), [])
        self.a.send([C.status("1", r.msg.msg_id, "0", "SyncHdr")])
        self.assertEqual(self.rules()[-1], "only-synchdr-status")

    def test_atomic_members_need_their_own_status(self):
        cmd = self.queue(
            "<Atomic><CmdID>A1</CmdID>"
            "<Replace><CmdID>A2</CmdID><Item><Target><LocURI>./Vendor/MSFT/"
            "Reboot/Schedule/Single</LocURI></Target><Data>2026-03-14T02:00"
            ":00Z</Data></Item></Replace>"
            "<Delete><CmdID>A3</CmdID><Item><Target><LocURI>./Vendor/MSFT/"
            "Reboot/Schedule/DailyRecurrent</LocURI></Target></Item></Delete>"
            "</Atomic>")
        self.assertEqual(cmd["cmd_id"], "A1")
        self.assertEqual([(a["action"], a["cmd_id"]) for a in self.actions()],
                         [("schedule-restart", "A2")])
        self.a.start()
        smid = self.a.last.msg.msg_id
        # Status for the Atomic and A2 only: A3 is missing.
        self.a.send([C.status("1", smid, "0", "SyncHdr"),
                     C.status("2", smid, "A1", "Atomic", "507"),
                     C.status("3", smid, "A2", "Replace", "216")])
        v = self.violations()
        self.assertEqual([x["rule"] for x in v], ["status-missing"])
        self.assertIn("Delete A3", v[0]["detail"])
        cmds = self.admin.get("/api/devices/%s/commands" % DEV_A)
        self.assertEqual((cmds[0]["state"], cmds[0]["status"]),
                         ("answered", "507"))
        a = self.actions()[0]
        self.assertEqual((a["state"], a["status"]), ("failed", "216"))

    def test_outcome_format(self):
        self.restart()
        fields = [("v", "1"), ("trigger", "now"),
                  ("requested", "2026-03-14T09:26:53Z"),
                  ("outcome", "restarted")]
        self.a.start(extra=[C.outcome_alert("3", fields, mark="critical")])
        details = " | ".join(v["detail"] for v in self.violations())
        self.assertEqual(set(self.rules()), {"outcome-format"})
        for s in ("missing key deadline", "missing key cmdref",
                  "missing key boot", "Meta/Mark"):
            self.assertIn(s, details)
        self.assertEqual(self.actions()[0]["state"], "sent")  # unmatched

    def test_bad_xml_and_content_type(self):
        r = self.a.send_raw(b"<SyncML><SyncHdr>")
        self.assertEqual(r.status, 400)
        self.assertEqual(self.rules(), ["xml"])
        body = C.message(DEV_A, self.url, "1", "1", [
            C.alert("2", "1201"), C.devinfo_replace("3", DEV_A)])
        status, _, _ = C.post(self.url, body, self.a.ctx, ctype="text/xml")
        self.assertEqual(status, 200)
        self.assertEqual(self.rules(), ["xml", "http-content-type"])
