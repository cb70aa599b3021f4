# SPDX-License-Identifier: Apache-2.0
"""A minimal W3C WebDriver client for Debian's chromedriver + chromium.

Standard library only (urllib + json): starts /usr/bin/chromedriver on a
free loopback port, opens one headless Chromium session with a fresh
profile, and offers the few commands the console test needs (navigate,
find by CSS, click, text, screenshot). close() ends the session and stops
the driver's whole process group (the browser included), whatever state
they are in.
"""

import base64
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The W3C key of an element reference in JSON.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"

# As root, on a closed network: no sandbox (needs a user namespace as
# root), nothing that phones home, a throwaway profile.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,900",
]


class WebDriverError(Exception):
    """An error answer from the driver: .error is the W3C error code."""

    def __init__(self, error, message):
        super().__init__("%s: %s" % (error, message))
        self.error = error


def available():
    """None when both programs exist, else what is missing."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    return ", ".join(missing) or None


class Browser:
    """One headless Chromium session driven through chromedriver."""

    def __init__(self, log_dir=None, start_timeout=20.0):
        self.driver = None
        self.session = None
        self.base = None
        self.profile = tempfile.mkdtemp(prefix="omadm-chromium-")
        log_dir = log_dir or self.profile
        try:
            self._start_driver(os.path.join(log_dir, "chromedriver.log"), start_timeout)
            profile = "--user-data-dir=" + os.path.join(self.profile, "profile")
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "timeouts": {"pageLoad": 15000, "script": 10000, "implicit": 0},
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": CHROMIUM_ARGS + [profile],
                },
            }}}
            value = self._call("POST", "/session", caps, timeout=start_timeout)
            self.session = value["sessionId"]
        except BaseException:
            self.close()
            raise

    def _start_driver(self, log_path, timeout):
        # Its own process group: close() can stop the driver and every
        # browser process it spawned with one killpg on a known id.
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, "--port=0", "--log-path=" + log_path],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        out = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.driver.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.driver.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
                marker = b"started successfully on port "
                if marker in out:
                    port = out.split(marker, 1)[1].split(b".", 1)[0]
                    self.base = "http://127.0.0.1:%d" % int(port)
                    return
            elif self.driver.poll() is not None:
                break
        raise RuntimeError("chromedriver did not start: %r" % out.decode(errors="replace"))

    # ---- protocol ---------------------------------------------------------
    def _call(self, method, path, body=None, timeout=30.0):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                value = json.loads(e.read()).get("value", {})
            except ValueError:
                value = {}
            raise WebDriverError(value.get("error", "http %d" % e.code),
                                 value.get("message", "")) from None
        return payload.get("value")

    def _s(self, path, body=None, method=None):
        return self._call(method or ("GET" if body is None else "POST"),
                          "/session/%s%s" % (self.session, path), body)

    # ---- commands ---------------------------------------------------------
    def get(self, url):
        """Navigates and waits for the load event (pageLoadStrategy normal)."""
        self._s("/url", {"url": url})

    def current_url(self):
        return self._s("/url")

    def find_all(self, css):
        """Element ids matching a CSS selector, in document order."""
        found = self._s("/elements", {"using": "css selector", "value": css})
        return [e[ELEMENT_KEY] for e in found]

    def find(self, css):
        """The first element matching css; WebDriverError 'no such element'."""
        return self._s("/element", {"using": "css selector", "value": css})[ELEMENT_KEY]

    def find_in(self, element, css):
        """The first descendant of element matching css."""
        found = self._s("/element/%s/element" % element,
                        {"using": "css selector", "value": css})
        return found[ELEMENT_KEY]

    def click(self, element):
        self._s("/element/%s/click" % element, {})

    def text(self, element):
        """The rendered text (what a user sees) of an element."""
        return self._s("/element/%s/text" % element)

    def displayed(self, element):
        return bool(self._s("/element/%s/displayed" % element))

    def attribute(self, element, name):
        """An attribute of an element (None when absent)."""
        return self._s("/element/%s/attribute/%s" % (element, name))

    def send_keys(self, element, text):
        """Types text into an element, as a user does (input events)."""
        self._s("/element/%s/value" % element, {"text": text})

    def set_window(self, width, height):
        """Resizes the browser window (wide tables in screenshots)."""
        self._s("/window/rect", {"width": width, "height": height})

    def execute(self, script, *args):
        """Runs a synchronous script in the page; returns its value."""
        return self._s("/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path):
        """Saves a PNG of the viewport to path; returns its size in bytes."""
        png = base64.b64decode(self._s("/screenshot"))
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise WebDriverError("bad screenshot", "not a PNG")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(png)
        os.replace(tmp, path)
        return len(png)

    def wait(self, what, check, timeout=10.0, interval=0.1):
        """Polls check() until it returns a true value, which it returns;
        stale/missing elements and non-interactable clicks count as not yet.
        Fails with the last error after timeout seconds."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                value = check()
                if value:
                    return value
            except WebDriverError as e:
                if e.error not in ("no such element", "stale element reference",
                                   "element not interactable",
                                   "element click intercepted"):
                    raise
                last = e
            if time.monotonic() >= deadline:
                raise AssertionError("timed out after %.0f s waiting for %s (last: %s)"
                                     % (timeout, what, last))
            time.sleep(interval)

    def click_when_ready(self, css, timeout=10.0):
        """Clicks the element once it is displayed and clickable."""
        def attempt():
            e = self.find(css)
            if not self.displayed(e):
                return False
            self.click(e)
            return True
        self.wait("a clickable " + css, attempt, timeout)

    # ---- teardown -----------------------------------------------------------
    def close(self):
        if self.session and self.driver and self.driver.poll() is None:
            try:
                self._call("DELETE", "/session/" + self.session, timeout=5)
            except (OSError, WebDriverError):
                pass
        self.session = None
        if self.driver:
            self._stop_group(self.driver)
            self.driver.stdout.close()
            self.driver = None
        shutil.rmtree(self.profile, ignore_errors=True)

    @staticmethod
    def _stop_group(proc):
        # The group id is the driver's pid (start_new_session); it holds
        # chromium and its helpers too, even if the driver died first. The
        # driver is reaped last, so the id cannot be reused meanwhile.
        def signal_group(sig):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
        signal_group(signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if os.waitid(os.P_PID, proc.pid,
                         os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                break
            time.sleep(0.02)
        signal_group(signal.SIGKILL)
        proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
