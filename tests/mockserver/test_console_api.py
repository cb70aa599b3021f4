# SPDX-License-Identifier: Apache-2.0
"""The admin API a fleet console needs (issue 17, mdmmock/fleetops.py and
mdmmock/inventory.py): known devices only, one restart in flight, bulk
restart, cancel, initiator, inventory at check-in, the 404 page.

Run: meson test mockserver-console (or python3 -m unittest from here).
"""

import os
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mdmmock import client as C  # noqa: E402
from mdmmock import fleetops, inventory  # noqa: E402
from test_mockserver import (DEV_A, DEV_B, MockServerTest,  # noqa: E402
                             setUpModule, tearDownModule)

__all__ = ["setUpModule", "tearDownModule"]
RESTART = {"action": "restart"}


class ConsoleApi(MockServerTest):
    def post(self, path, body):
        return self.admin.post(path, body)

    def act(self, dev, **extra):
        return self.post("/api/devices/%s/actions" % dev,
                         dict(RESTART, **extra))

    def test_unknown_device_is_refused_not_created(self):
        for body in (RESTART, {"action": "sync"}):
            code, err = self.post("/api/devices/NO-SUCH/actions", body)
            self.assertEqual(code, 404, err)
            self.assertIn("never checked in", err["error"])
        self.assertEqual(self.admin.get("/api/devices"), [])
        self.assertEqual(self.admin.get("/api/actions"), [])
        # the console page of an unknown device is a 404 page
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(self.admin.base + "/devices/NO-SUCH",
                                   timeout=10)
        self.assertEqual(cm.exception.code, 404)
        page = cm.exception.read().decode()
        self.assertIn('id="not-found"', page)
        self.assertIn("404", page)
        # once it checked in, the same requests work
        self.a.start()
        code, act = self.act(DEV_A)
        self.assertEqual((code, act["state"]), (201, "pending"))
        with urllib.request.urlopen(self.admin.base + "/devices/" + DEV_A,
                                    timeout=10) as r:
            self.assertEqual(r.status, 200)

    def test_register_then_act_before_first_checkin(self):
        code, d = self.post("/api/devices", {"id": DEV_B})
        self.assertEqual((code, d["id"], d["first_seen"]), (201, DEV_B, None))
        self.assertIsNotNone(d["registered_at"])
        code, _ = self.post("/api/devices", {"id": DEV_B})
        self.assertEqual(code, 200)
        for bad in ({}, {"id": ""}, {"id": "a/b"}, {"id": 7}):
            code, err = self.post("/api/devices", bad)
            self.assertEqual(code, 400, bad)
            self.assertIn("error", err)
        code, act = self.act(DEV_B)
        self.assertEqual(code, 201, act)
        r = self.b.start()
        self.assertEqual([c.name for c in r.others()], ["Exec"])

    def test_second_restart_while_pending_is_refused_with_the_pending_one(self):
        self.a.start()
        _, first = self.act(DEV_A)
        code, err = self.act(DEV_A)
        self.assertEqual(code, 409, err)
        self.assertEqual(err["pending_action"]["id"], first["id"])
        self.assertIn("action %d" % first["id"], err["error"])
        self.assertEqual(len(self.admin.get("/api/actions")), 1)
        # still refused once sent (the device has not answered yet)
        r = self.a.start()
        self.assertEqual([c.name for c in r.others()], ["Exec"])
        code, err = self.act(DEV_A)
        self.assertEqual((code, err["pending_action"]["state"]), (409, "sent"))
        # force queues a second one on purpose
        code, forced = self.act(DEV_A, force=True)
        self.assertEqual(code, 201)
        self.assertNotEqual(forced["id"], first["id"])
        code, err = self.act(DEV_A, force="yes")
        self.assertEqual(code, 400)
        # answered: no longer in flight, a new restart is accepted
        self.a.answer()
        states = [a["state"] for a in self.admin.get("/api/actions")]
        self.assertEqual(states, ["accepted", "sent"])
        self.a.answer()
        code, _ = self.act(DEV_A)
        self.assertEqual(code, 201)

    def test_bulk_restart_one_action_per_device(self):
        self.a.start()
        self.b.start()
        code, out = self.post("/api/actions", {"action": "restart",
                                               "devices": [DEV_A, DEV_B,
                                                           "NO-SUCH"]})
        self.assertEqual(code, 200, out)
        self.assertEqual((out["requested"], out["created"]), (3, 2))
        got = {r["device"]: r["status"] for r in out["results"]}
        self.assertEqual(got, {DEV_A: 201, DEV_B: 201, "NO-SUCH": 404})
        acts = self.admin.get("/api/actions")
        self.assertEqual(sorted(a["device"] for a in acts),
                         sorted([DEV_A, DEV_B]))
        self.assertEqual(len({a["cmd_id"] for a in acts}), 2)
        self.assertTrue(all(a["initiator"] == fleetops.DEFAULT_INITIATOR
                            for a in acts))
        # again: both pending, both refused with their own pending action
        code, out = self.post("/api/actions", {"action": "restart",
                                               "devices": [DEV_A, DEV_B]})
        self.assertEqual(out["created"], 0)
        for r in out["results"]:
            self.assertEqual(r["status"], 409)
            self.assertEqual(r["pending_action"]["device"], r["device"])
        # each device receives its own Exec
        for dev in (self.a, self.b):
            r = dev.start()
            self.assertEqual([c.name for c in r.others()], ["Exec"])
        for bad in ({"action": "restart", "devices": []},
                    {"action": "restart", "devices": [DEV_A, DEV_A]},
                    {"action": "restart", "devices": "x"},
                    {"action": "wipe", "devices": [DEV_A]},
                    {"action": "restart", "devices": ["x"] * 1001}):
            code, err = self.post("/api/actions", bad)
            self.assertEqual(code, 400, bad)
            self.assertIn("error", err)

    def test_cancel_pending_never_delivered_sent_refused(self):
        self.a.start()
        _, act = self.act(DEV_A, initiator="Alice (alice@contoso.test)")
        self.assertEqual(act["initiator"], "Alice (alice@contoso.test)")
        code, c = self.post("/api/actions/%d/cancel" % act["id"], {})
        self.assertEqual((code, c["state"]), (200, "cancelled"))
        self.assertEqual(c["detail"]["cancelled_by"],
                         fleetops.DEFAULT_INITIATOR)
        r = self.a.start()
        self.assertEqual(r.others(), [], "a cancelled action is not sent")
        self.assertEqual(self.admin.get("/api/actions/%d" % act["id"])
                         ["state"], "cancelled")
        code, err = self.post("/api/actions/%d/cancel" % act["id"], {})
        self.assertEqual(code, 409)
        self.assertIn("already cancelled", err["error"])
        # a new restart is allowed after a cancel; once sent, no cancel
        _, act2 = self.act(DEV_A)
        self.a.start()
        code, err = self.post("/api/actions/%d/cancel" % act2["id"], {})
        self.assertEqual(code, 409, err)
        self.assertIn("already received it", err["error"])
        self.assertEqual(err["action"]["state"], "sent")
        code, _ = self.post("/api/actions/999/cancel", {})
        self.assertEqual(code, 404)
        code, _ = self.act(DEV_A, initiator="")
        self.assertEqual(code, 400)


class Inventory(MockServerTest):
    server_args = ("--inventory",)

    def inventory_gets(self, r):
        gets = [c for c in r.others() if c.name == "Get"]
        self.assertEqual(len(gets), len(inventory.NODES),
                         [c.name for c in r.others()])
        self.assertTrue(all(g.cmd_id.startswith(inventory.PREFIX)
                            for g in gets))
        self.assertEqual([[i.target for i in g.items] for g in gets],
                         [[u] for u in inventory.NODES])
        return gets

    def answer(self, r, gets, values):
        """Status 200 for each Get, Results for those in values."""
        smid = r.msg.msg_id
        out = [C.status("1", smid, "0", "SyncHdr")]
        for n, g in enumerate(gets):
            out.append(C.status(str(n + 2), smid, g.cmd_id, "Get"))
        res = {g.items[0].target: g.cmd_id for g in gets}
        for n, (uri, val) in enumerate(values.items()):
            out.append(C.results(str(n + 20), smid, res[uri], uri, val))
        return self.a.send(out)

    def test_name_os_serial_from_devdetail(self):
        r = self.a.start()
        gets = self.inventory_gets(r)
        d = self.admin.get("/api/devices/" + DEV_A)
        self.assertEqual(d["name"], DEV_A)  # not "Contoso CX-200"
        self.answer(r, gets, {inventory.NODES[0]: " FRONT-DESK-7 ",
                              inventory.NODES[1]: "Windows 11 Pro",
                              inventory.NODES[2]: "10.0.22631.2861",
                              inventory.NODES[3]: "SN-42"})
        d = self.admin.get("/api/devices/" + DEV_A)
        self.assertEqual(d["name"], "FRONT-DESK-7")
        self.assertEqual((d["info"]["OSPlatform"], d["info"]["SwV"],
                          d["info"]["SMBIOSSerialNumber"]),
                         ("Windows 11 Pro", "10.0.22631.2861", "SN-42"))
        self.assertEqual(self.violations(), [])
        # the next session asks again (fresh Gets, the last were answered)
        again = self.inventory_gets(self.a.start())
        self.assertFalse({g.cmd_id for g in again} & {g.cmd_id for g in gets})

    def test_no_device_name_keeps_the_id_and_no_second_round(self):
        r = self.a.start()
        gets = self.inventory_gets(r)
        r2 = self.a.start()  # unanswered: resent, not a second round
        self.assertEqual([g.cmd_id for g in self.inventory_gets(r2)],
                         [g.cmd_id for g in gets])
        self.answer(r2, gets, {inventory.NODES[0]: "",
                               inventory.NODES[3]: "SN-1"})
        d = self.admin.get("/api/devices/" + DEV_A)
        self.assertEqual((d["name"], d["info"]["SMBIOSSerialNumber"]),
                         (DEV_A, "SN-1"))


if __name__ == "__main__":
    import unittest
    unittest.main()
