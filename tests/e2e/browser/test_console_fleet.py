# SPDX-License-Identifier: Apache-2.0
"""Browser test (issue 17): the console as a fleet admin uses it, in
headless Chromium against the mock server (--inventory) and three real
agents (--platform sim) sharing one CA.

Covers: names from DevDetail DeviceName (the id when there is none),
OS/version/serial/enrollment/relative check-in columns, sorting, search,
bulk restart with one confirmation, the warning on a second restart, Cancel
(never delivered), outcome sentences with raw codes, the "Pending until"
notice going away, the 404 page, the banner when the admin API is gone.
Screenshots: $OMADM_ARTIFACTS/console/NN-*.png (paths printed).
"""

import os
import shutil
import signal
import subprocess
import sys
import unittest
import urllib.error

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import e2elib  # noqa: E402
import test_browser as base  # noqa: E402
import webdriver  # noqa: E402

# id -> (DeviceName fact, serial fact); None: the agent answers no name.
DEVICES = {
    e2elib.DEVICE_ID: ("FRONT-DESK-01", "SN-A-0001"),
    "B7E2D41A00C94F1E8E6A5C3B2D1F0E92": ("LAB-PC-07", "SN-B-0002"),
    "C0FFEE0000000000000000000000C3C3": (None, "SN-C-0003"),
}
MAIN, LAB, NONAME = list(DEVICES)
SIM_OS = "Windows 10 Enterprise (simulated)"
SIM_OS_VERSION = "10.0.19045.2965"


class Agent:
    """One more simulated device: its own certificate (same CA) and state."""

    def __init__(self, w, dev):
        self.w, self.dev = w, dev
        if dev == w.device_id:
            self.certs, self.state = w.certs, w.state
        else:
            self.certs = os.path.join(w.dir, "certs-" + dev)
            self.state = os.path.join(w.dir, "state-" + dev)
            os.makedirs(self.certs)
            for f in ("ca.pem", "ca.key"):
                shutil.copy(os.path.join(w.certs, f), self.certs)
            subprocess.run(["sh", e2elib.MAKE_CERTS, self.certs, dev], check=True)
            w.api("POST", "/api/devices", {"id": dev})
        name, serial = DEVICES[dev]
        os.makedirs(self.sim(""), exist_ok=True)
        self.fact("serial-number", serial)
        # no name: an empty fact (the sim's default would be SIM-DEVICE)
        self.fact("device-name", name or "")

    def sim(self, name):
        return os.path.join(self.state, "sim", name)

    def fact(self, name, value):
        with open(self.sim("fact-" + name), "w") as f:
            f.write(value)

    def sync(self):
        args = [self.w.agent, "sync", "--server", self.w.url, "--state-dir", self.state,
                "--platform", "sim", "--ca", os.path.join(self.certs, "ca.pem"),
                "--cert", os.path.join(self.certs, "client.pem"),
                "--key", os.path.join(self.certs, "client.key"),
                "--device-id", self.dev, "--log-level", "debug"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError("%s: sync exited %d:\n%s" % (self.dev, r.returncode, r.stderr[-3000:]))

    def restarts(self):
        try:
            with open(self.sim("restarts.log")) as f:
                return [line for line in f if line.strip()]
        except FileNotFoundError:
            return []


class ConsoleFleet(unittest.TestCase):
    def setUp(self):
        self.shots = os.path.join(base.artifacts_dir(), "console")
        os.makedirs(self.shots, exist_ok=True)
        self.w = self.hold(e2elib.World(server_args=["--inventory"]))
        self.b = self.hold(webdriver.Browser(log_dir=self.w.dir))
        self.b.set_window(1680, 1000)  # every column in the screenshots
        self.agents = {dev: Agent(self.w, dev) for dev in DEVICES}

    hold = base.ConsoleRestart.hold

    def shot(self, name, what):
        path = os.path.join(self.shots, name)
        size = self.b.screenshot(path)
        self.assertGreater(size, 1000)
        print("screenshot %s (%d bytes): %s" % (path, size, what))

    def names(self):
        return [self.b.text(e) for e in self.b.find_all("#devices tbody td.name")]

    def wait_names(self, want, what):
        return self.b.wait(what, lambda: self.names() == want)

    def actions(self, dev):
        return self.w.api("GET", "/api/actions?device=" + dev)

    def test_fleet_console(self):
        try:
            self.fleet_console()
        except BaseException:
            self.b.screenshot(os.path.join(self.shots, "failure.png"))
            self.w.server_log.flush()
            shutil.copy(os.path.join(self.w.dir, "mockserver.log"),
                        os.path.join(self.shots, "failure-mockserver.log"))
            raise

    def fleet_console(self):
        w, b = self.w, self.b
        for a in self.agents.values():
            a.sync()

        # 1. the list: names from DeviceName, else the id; every column
        b.get(w.admin + "/devices")
        self.wait_names(sorted(["FRONT-DESK-01", "LAB-PC-07", NONAME]), "names by DeviceName")
        self.assertNotIn("Unknown", b.text(b.find("#devices")))
        row = b.find('#devices tr[data-device-id="%s"]' % LAB)
        self.assertEqual(b.text(b.find_in(row, "td.serial")), "SN-B-0002")
        self.assertEqual(b.text(b.find_in(row, "td.os")), SIM_OS + "\n" + SIM_OS_VERSION)
        self.assertEqual(b.text(b.find_in(row, "td.man")), "Contoso Sim")
        self.assertEqual(b.text(b.find_in(row, "td.mod")), "SIM-1")
        self.assertEqual(b.text(b.find_in(row, "td.enrollment")), "Not enrolled")
        checkin = b.text(b.find_in(row, "td.checkin"))
        self.assertRegex(checkin, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n(just now|\d+ s ago)$")
        self.assertEqual(b.text(b.find("#count")), "Showing 3 of 3 devices")
        self.shot("01-devices-list.png", "all devices: DeviceName or id, OS and version, serial,"
                  " enrollment, last check-in absolute + relative")

        # 2. sort by any column: name descending, then serial ascending
        b.click_when_ready('#devices th[data-sort="name"]')
        self.wait_names(sorted(["FRONT-DESK-01", "LAB-PC-07", NONAME], reverse=True), "name descending")
        self.assertEqual(b.attribute(b.find('th[data-sort="name"]'), "aria-sort"), "descending")
        b.click_when_ready('#devices th[data-sort="serial"]')
        self.wait_names(["FRONT-DESK-01", "LAB-PC-07", NONAME], "serial ascending")
        b.click_when_ready('#devices th[data-sort="serial"]')
        self.wait_names([NONAME, "LAB-PC-07", "FRONT-DESK-01"], "serial descending")
        self.shot("02-sorted-by-serial.png", "list sorted by serial number, descending")

        # 3. search by serial, id and name
        search = b.find("#search")
        for text, want in (("sn-b", ["LAB-PC-07"]), (NONAME[:8].lower(), [NONAME]),
                           ("front", ["FRONT-DESK-01"])):
            b.execute("arguments[0].value = ''", {webdriver.ELEMENT_KEY: search})
            b.send_keys(search, text)
            self.wait_names(want, "search " + text)
        self.assertEqual(b.text(b.find("#count")), "Showing 1 of 3 devices")
        self.shot("03-search.png", "search 'front' keeps FRONT-DESK-01 only")
        b.execute("arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'))",
                  {webdriver.ELEMENT_KEY: search})
        self.b.wait("all rows back", lambda: len(self.names()) == 3)

        # 4. bulk restart: two selected, one confirmation naming the count
        self.assertIsNotNone(b.attribute(b.find("#bulk-restart"), "disabled"))
        for dev in (MAIN, LAB):
            b.click_when_ready('#devices tr[data-device-id="%s"] input.select' % dev)
        b.wait("Restart (2)", lambda: b.text(b.find("#bulk-restart")) == "Restart (2)")
        b.click_when_ready("#bulk-restart")
        text = b.wait("the bulk dialog", lambda: b.displayed(b.find("#bulk-confirm"))
                      and b.text(b.find("#bulk-text")))
        self.assertTrue(text.startswith("Restart 2 devices?"), text)
        self.shot("04-bulk-confirm.png", "one confirmation for 2 selected devices")
        b.click_when_ready("#bulk-yes")
        note = b.wait("the bulk notice", lambda: b.text(b.find("#notice")))
        self.assertIn("2 of 2 restarts queued", note)
        acts = {dev: self.actions(dev) for dev in DEVICES}
        self.assertEqual([len(acts[d]) for d in (MAIN, LAB, NONAME)], [1, 1, 0])
        self.assertNotEqual(acts[MAIN][0]["id"], acts[LAB][0]["id"])
        self.assertEqual(acts[MAIN][0]["initiator"], acts[LAB][0]["initiator"])

        # 5. a second restart while one is pending warns and links to it
        b.get(w.admin + "/devices/" + MAIN)
        b.wait("the device page", lambda: b.text(b.find("#device-name")) == "FRONT-DESK-01")
        self.assertEqual(b.text(b.find("#prop-serial")), "SN-A-0001")
        self.assertEqual(b.text(b.find("#prop-os")), SIM_OS)
        b.wait("the pending row", lambda: [b.text(e) for e in b.find_all("#actions td.state")] == ["Pending"])
        b.click_when_ready("#restart")
        warn = b.wait("the warning", lambda: b.displayed(b.find("#confirm-warning"))
                      and b.text(b.find("#confirm-warning")))
        self.assertIn("is still pending", warn)
        link = b.attribute(b.find("#pending-link"), "href")
        self.assertTrue(link.endswith("#action-%d" % acts[MAIN][0]["id"]), link)
        self.assertEqual(b.text(b.find("#confirm-yes")), "Restart again anyway")
        self.shot("05-pending-warning.png", "second Restart: warning with a link to the pending action")
        b.click_when_ready("#confirm-no")
        self.assertEqual(len(self.actions(MAIN)), 1, "nothing queued silently")
        b.get(link if link.startswith("http") else w.admin + link)
        b.wait("the linked row highlighted", lambda: b.attribute(
            b.find("#action-%d" % acts[MAIN][0]["id"]), "class") == "highlight")

        # 6. Cancel a pending action: never delivered
        b.get(w.admin + "/devices/" + LAB)
        b.click_when_ready("#actions button.cancel")
        b.wait("Cancelled", lambda: [b.text(e) for e in b.find_all("#actions td.state")] == ["Cancelled"])
        sentence = b.text(b.find("#actions td.detail .sentence"))
        self.assertRegex(sentence, r"^Cancelled by Mock Admin .* before it reached the device")
        self.assertEqual(b.find_all("#actions button.cancel"), [])
        self.shot("06-cancelled.png", "a pending restart cancelled before delivery, with who and when")
        self.agents[LAB].sync()
        self.assertEqual(self.agents[LAB].restarts(), [], "a cancelled restart is never delivered")
        self.assertEqual(self.actions(LAB)[0]["state"], "cancelled")

        # 7. "Pending until..." goes away; a refusal in words, codes on hover
        b.get(w.admin + "/devices/" + NONAME)
        b.wait("name falls back to the id", lambda: b.text(b.find("#device-name")) == NONAME)
        b.click_when_ready("#restart")
        b.wait("the dialog", lambda: b.displayed(b.find("#confirm")))
        self.assertFalse(b.displayed(b.find("#confirm-warning")))
        b.click_when_ready("#confirm-yes")
        note = b.wait("the notice", lambda: b.text(b.find("#notice")))
        self.assertIn("Pending until the device next checks in", note)
        open(self.agents[NONAME].sim("refuse-restart"), "w").close()
        self.agents[NONAME].sync()
        b.wait("the notice gone", lambda: not b.displayed(b.find("#notice")))
        b.wait("Failed", lambda: [b.text(e) for e in b.find_all("#actions td.state")] == ["Failed"])
        detail = b.find("#actions td.detail")
        sentence = b.text(b.find_in(detail, ".sentence"))
        self.assertRegex(sentence, r"^The device (refused to restart|did not carry out the restart: it answered status 425 \(permission denied\))")
        self.assertRegex(sentence, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
        raw = b.attribute(detail, "title")
        self.assertRegex(raw, r"Status \d{3}")
        b.click_when_ready("#actions td.detail details.raw summary")
        b.wait("raw codes shown", lambda: b.displayed(b.find("#actions td.detail details.raw code")))
        self.shot("07-failed-in-words.png", "a refused restart as a sentence, raw codes opened under it;"
                  " the Pending notice is gone")

        # the main device restarts: Accepted, then Completed in words
        main = self.agents[MAIN]
        main.sync()
        self.assertEqual(len(main.restarts()), 1)
        with open(main.sim("boot-id"), "w") as f:
            f.write(os.urandom(16).hex() + "\n")
        main.sync()
        b.get(w.admin + "/actions")
        b.wait("Completed", lambda: "Completed" in [b.text(e) for e in b.find_all("#actions td.state")])
        row = b.find("#action-%d" % acts[MAIN][0]["id"])
        self.assertTrue(b.text(b.find_in(row, ".sentence")).startswith("The device restarted"))
        self.assertIn("Outcome: restarted", b.attribute(b.find_in(row, "td.detail"), "title"))
        self.assertTrue(b.text(b.find_in(row, "td.initiator")).startswith("Mock Admin"))
        self.shot("08-actions-outcomes.png", "Device actions: completed, failed and cancelled in words,"
                  " with initiator")

        # 8. an unknown device: a 404 page, and the API creates nothing
        b.get(w.admin + "/devices/NO-SUCH")
        self.assertIn("404", b.text(b.find("#not-found")))
        self.shot("09-not-found.png", "/devices/NO-SUCH is a 404 page")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            w.api("POST", "/api/devices/NO-SUCH/actions", {"action": "restart"})
        self.assertEqual(cm.exception.code, 404)
        self.assertNotIn("NO-SUCH", [d["id"] for d in w.api("GET", "/api/devices")])
        self.assertEqual(w.api("GET", "/api/violations"), [], "protocol violations")

        # 9. the admin API goes away: a banner says so
        b.get(w.admin + "/devices")
        self.wait_names(sorted(["FRONT-DESK-01", "LAB-PC-07", NONAME]), "the list again")
        self.assertFalse(b.displayed(b.find("#api-banner")) if b.find_all("#api-banner") else False)
        w.server.send_signal(signal.SIGTERM)
        w.server.wait(timeout=10)
        banner = b.wait("the banner", lambda: b.find_all("#api-banner") and b.displayed(b.find("#api-banner"))
                        and b.text(b.find("#api-banner")), timeout=15)
        self.assertIn("admin API is unreachable", banner)
        self.assertEqual(len(self.names()), 3, "the last rows stay, under the banner")
        self.shot("10-api-unreachable.png", "the admin API stopped: banner over the stale list")


if __name__ == "__main__":
    base.main()
