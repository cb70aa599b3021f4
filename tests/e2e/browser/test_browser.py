# SPDX-License-Identifier: Apache-2.0
"""Browser test (issue 7): an administrator restarts a device from the mock
MDM console in headless Chromium, the real omadm-agent (--platform sim)
syncs, restarts and reports back, and the console's Device actions page
shows "Completed".

Driven through Debian's chromedriver with a small standard-library W3C
WebDriver client (webdriver.py). Screenshots go to $OMADM_ARTIFACTS
(default build/artifacts): console-confirm.png (the confirmation dialog)
and console-actions.png (the completed action). Exit 77 (skip) only when
/usr/bin/chromium or /usr/bin/chromedriver is missing, and a failure then in
CI and tests/run-all.sh (tests/testskip.py).
"""

import atexit
import os
import shutil
import signal
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import e2elib  # noqa: E402
import webdriver  # noqa: E402


# Everything that holds a process: closed at the end of the test, at exit,
# and on SIGTERM/SIGHUP (meson's timeout), so no browser outlives the run.
_open = []


def _close_all():
    while _open:
        obj = _open.pop()
        try:
            obj.close()
        except Exception as e:  # keep closing the rest
            print("close %r: %s" % (obj, e), file=sys.stderr)


def _on_signal(signum, _frame):
    _close_all()
    os._exit(128 + signum)


def artifacts_dir():
    return os.environ.get("OMADM_ARTIFACTS") or os.path.join(
        e2elib.SOURCE_ROOT, "build", "artifacts")


class ConsoleRestart(unittest.TestCase):
    def setUp(self):
        self.started = time.monotonic()
        self.artifacts = artifacts_dir()
        os.makedirs(self.artifacts, exist_ok=True)
        self.w = self.hold(e2elib.World())
        self.browser = self.hold(webdriver.Browser(log_dir=self.w.dir))

    def hold(self, obj):
        _open.append(obj)

        def release():
            if obj in _open:
                _open.remove(obj)
                obj.close()
        self.addCleanup(release)
        return obj

    def sync(self):
        r = self.w.run_agent("sync")
        if r.returncode != 0:
            self.fail("sync exited %d:\n%s" % (r.returncode, r.stderr[-4000:]))

    def wait_api(self, what, check, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() >= deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.05)

    def keep_logs(self):
        """On failure: a screenshot and the logs, next to the artifacts."""
        try:
            self.browser.screenshot(os.path.join(self.artifacts, "console-failure.png"))
        except Exception as e:
            print("no failure screenshot: %s" % e, file=sys.stderr)
        for name in ("mockserver.log", "chromedriver.log"):
            src = os.path.join(self.w.dir, name)
            if os.path.exists(src):
                self.w.server_log.flush()
                shutil.copy(src, os.path.join(self.artifacts, "browser-" + name))
        print("failure artifacts in " + self.artifacts, file=sys.stderr)

    def test_restart_from_console(self):
        try:
            self.restart_from_console()
        except BaseException:
            self.keep_logs()
            raise

    def restart_from_console(self):
        w, b = self.w, self.browser
        dev_id = w.device_id

        # The device checks in once, so the console knows it.
        self.sync()
        dev = w.api("GET", "/api/devices/" + dev_id)
        self.assertIsNotNone(dev["last_checkin"])
        self.assertEqual(w.actions(), [])

        # The administrator opens the device and restarts it.
        b.get(w.admin + "/devices/" + dev_id)
        b.wait("the device page", lambda: b.text(b.find("#prop-id")) == dev_id)
        self.assertNotEqual(b.text(b.find("#prop-last")), "Never")
        b.wait("the empty actions table",
               lambda: b.text(b.find("#actions tbody td")) == "No items")
        b.click_when_ready("#restart")
        confirm = b.wait("the confirmation dialog",
                         lambda: b.displayed(b.find("#confirm")) and b.find("#confirm-text"))
        self.assertIn("Are you sure you want to restart", b.text(confirm))
        b.screenshot(os.path.join(self.artifacts, "console-confirm.png"))
        b.click_when_ready("#confirm-yes")

        # The console posted the action; the server queued it for the device.
        notice = b.wait("the notice", lambda: b.text(b.find("#notice")))
        self.assertIn("Restart requested. The action is Pending", notice)
        self.assertFalse(b.displayed(b.find("#confirm")), "dialog closed")
        acts = self.wait_api("the restart action", w.actions)
        self.assertEqual(len(acts), 1, acts)
        act = acts[0]
        self.assertEqual((act["action"], act["state"]), ("restart", "pending"), act)
        b.wait("Pending on the device page", lambda: [
            b.text(e) for e in b.find_all("#actions td.state")] == ["Pending"])

        # The agent syncs, accepts the Exec and requests one restart (sim).
        before = time.time()
        self.sync()
        lines = w.restart_lines()
        self.assertEqual(len(lines), 1, lines)
        self.assertGreaterEqual(int(lines[0]["requested_at"]), int(before) - 1)
        self.assertEqual(w.actions()[0]["state"], "accepted")

        # The device reboots (new boot id) and reports the outcome.
        w.reboot()
        self.sync()
        self.assertEqual(len(w.restart_lines()), 1, "no second restart")

        # Device actions shows it completed.
        b.get(w.admin + "/actions?device=" + dev_id)

        def completed():
            rows = self.rows(b)
            return rows if [r["state"] for r in rows] == ["Completed"] else None
        rows = b.wait("Completed in Device actions", completed)
        self.assertEqual(rows[0]["action"], "Restart")
        # a sentence for the admin; the raw codes on hover (title)
        self.assertIn("The device restarted", rows[0]["detail"])
        self.assertIn("Outcome: restarted", rows[0]["raw"])
        self.assertEqual(w.actions()[0]["state"], "completed")
        shot = os.path.join(self.artifacts, "console-actions.png")
        size = b.screenshot(shot)
        self.assertGreater(size, 1000)
        print("screenshot %s (%d bytes)" % (shot, size))

        self.assertEqual(w.violations(), [], "protocol violations")
        print("browser test ran in %.1f s" % (time.monotonic() - self.started))

    @staticmethod
    def rows(b):
        """The Device actions rows as the user reads them."""
        out = []
        for tr in b.find_all("#actions tbody tr"):
            cells = {}
            for cls in ("action", "state", "detail"):
                cells[cls] = b.text(b.find_in(tr, "td." + cls))
            cells["raw"] = b.attribute(b.find_in(tr, "td.detail"), "title") or ""
            out.append(cells)
        return out


def main():
    """Runs the __main__ module's tests (this file's or another browser
    test's): skip without the browser, close everything on signals."""
    missing = webdriver.available()
    if missing:
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
        import testskip  # noqa: E402
        testskip.missing(missing, "tests/e2e/browser needs it")
    atexit.register(_close_all)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _on_signal)
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
