# SPDX-License-Identifier: Apache-2.0
"""omadm-fleet against the mock MDM server (issue 18).

One run of N devices (200; $OMADM_FLEET_DEVICES) on an accelerated sim
clock (30 sim seconds per real second):
 - every device checks in over its own client certificate (issued by the
   fleet from the test CA), sessions succeed;
 - a few devices get a server that answers too late (per-device
   reply_delay_ms over the fleet's --timeout): only their sessions fail,
   as timeouts (no more than those devices can produce), and the others
   are not held up;
 - the restart campaign: a restart is queued through the admin API for
   every other device; each reports `restarted` (the boot fell inside its
   five-minute window), restarts exactly once;
 - the mock server records no protocol violation.

And a short enrolled run (--enroll, 20 devices): each device enrolls once
(MS-MDE2, OnPremise) with the mock server, gets its own certificate from
it and is managed with it; a second run reuses the enrollments.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

DEVICES = int(os.environ.get("OMADM_FLEET_DEVICES", "200"))
SLOW = (5, 6, 7)  # devices whose server answers after the fleet's timeout
SCALE = 30
POLL = 300     # sim seconds: 10 s real (about 20 sessions/s for 200 devices)
TIMEOUT = 20   # real seconds per exchange: generous, the machine may be busy
SLOW_DELAY_MS = 30000  # the slow devices' server answers after the timeout
# sessions at once: the mock server serves ~10-20 sessions/s on a busy
# machine, so more in flight only queue there, and a session that outlasts
# the five-minute window (10 s real at x30) makes its restart late
INFLIGHT = 16


def fleet_binary():
    path = os.environ.get("OMADM_FLEET")
    if path:
        return path
    agent = e2elib.find_agent()
    return os.path.join(os.path.dirname(agent), "fleet", "omadm-fleet")


def device_id(i):
    return "F1EE7%027d" % i


def wait_for(what, pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError("timed out waiting for " + what)


class FleetTest(unittest.TestCase):
    def setUp(self):
        self.world = e2elib.World()
        base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else self.world.dir
        self.state = tempfile.mkdtemp(prefix="omadm-fleet-", dir=base)
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.world.close()
        shutil.rmtree(self.state, ignore_errors=True)

    def fleet_args(self, *extra):
        c = self.world.certs
        return [fleet_binary(), "--devices", str(DEVICES), "--server", self.world.url,
                "--ca", os.path.join(c, "ca.pem"), "--state-dir", self.state,
                "--issue-ca", os.path.join(c, "ca.pem"),
                "--issue-key", os.path.join(c, "ca.key")] + list(extra)

    def test_bad_flags_exit_2(self):
        for extra in (["--devices", "0"], ["--poll", "x"], ["--bogus", "1"],
                      ["--issue-ca", "/nonexistent"], ["--json", "--ramp"]):
            r = subprocess.run(self.fleet_args(*extra), capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 2, (extra, r.stderr))
            self.assertIn("omadm-fleet: ", r.stderr)
        r = subprocess.run(self.fleet_args("--ca", "/nonexistent/ca.pem"),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--ca /nonexistent/ca.pem", r.stderr)
        for url, why in (("https://bad host/dm", "--server https://bad host/dm: "),
                         ("http://127.0.0.1/dm", "only https:// URLs")):
            r = subprocess.run(self.fleet_args("--server", url), capture_output=True, text=True,
                               timeout=30)
            self.assertEqual((r.returncode, why in r.stderr), (2, True), r.stderr)

    def test_device_that_cannot_start_is_counted(self):
        # d00000's restart log cannot be created (a directory is in its
        # place): that device is counted as a device error, with the path
        # named, and the others run their sessions; exit status 1.
        os.makedirs(os.path.join(self.state, "d00000", "sim", "restarts.log"))
        args = self.fleet_args("--duration", "6", "--json")
        args[args.index("--devices") + 1] = "3"
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("d00000/sim/restarts.log", r.stderr)
        s = json.loads(r.stdout)
        self.assertEqual((s["device_errors"], s["devices_up"], s["checked_in"]), (1, 2, 2), s)
        self.assertGreaterEqual(s["sessions_ok"], 2)

    def test_fleet_checkin_and_restart_campaign(self):
        w = self.world
        for i in SLOW:
            w.api("POST", "/api/devices/%s/config" % device_id(i), {"reply_delay_ms": SLOW_DELAY_MS})
        healthy = [device_id(i) for i in range(DEVICES) if i not in SLOW]
        out = open(os.path.join(w.dir, "fleet.out"), "w+")
        self.addCleanup(out.close)
        err = open(os.path.join(w.dir, "fleet.err"), "w+")
        self.addCleanup(err.close)
        started = time.time()
        self.proc = subprocess.Popen(
            self.fleet_args("--poll", str(POLL), "--time-scale", str(SCALE), "--ramp", "10",
                            "--timeout", str(TIMEOUT), "--duration", "240",
                            "--max-inflight", str(INFLIGHT), "--json"),
            stdout=out, stderr=err)

        def checked_in():
            devs = {d["id"]: d for d in w.api("GET", "/api/devices")}
            return all(devs.get(d, {}).get("last_checkin") for d in healthy)
        wait_for("every device to check in", checked_in, 120)
        print("all %d devices checked in after %.1f s" % (DEVICES, time.time() - started))

        t = time.time()
        for d in healthy:
            w.api("POST", "/api/devices/%s/actions" % d, {"action": "restart"})

        def restarts_done():
            acts = [a for a in w.api("GET", "/api/actions") if a["action"] == "restart"]
            done = [a for a in acts if a["state"] in ("completed", "failed")]
            return acts if len(done) == len(healthy) else None
        acts = wait_for("every restart to be reported", restarts_done, 180)
        print("%d restarts reported %.1f s after queueing (sim clock x%d)"
              % (len(acts), time.time() - t, SCALE))
        self.proc.send_signal(signal.SIGINT)
        self.assertEqual(self.proc.wait(timeout=60), 0)
        out.seek(0)
        err.seek(0)
        summary = json.loads(out.read())
        print(json.dumps(summary))
        self.assertEqual(err.read(), "")

        # check-in and sessions
        self.assertEqual(summary["devices_up"], DEVICES)
        self.assertEqual(summary["checked_in"], DEVICES - len(SLOW))
        # the slow devices never check in: no steady state
        self.assertEqual((summary["steady_sessions"], summary["steady_cpu_us_per_session"]),
                         (0, None))
        self.assertGreaterEqual(summary["sessions_ok"], 2 * len(healthy))
        # only the slow devices failed, by timing out (or, still waiting
        # when the fleet stopped, aborted: at most one session per device
        # in flight)
        errors = dict(summary["errors"])
        self.assertLessEqual(errors.pop("ABORTED", 0), 64)
        self.assertEqual(set(errors), {"TIMEOUT"})
        self.assertGreaterEqual(errors["TIMEOUT"], len(SLOW))
        # ... and no healthy device timed out: a slow device fails at most
        # once per (timeout + shortest poll interval)
        cycle = TIMEOUT + 0.9 * POLL / SCALE
        self.assertLessEqual(errors["TIMEOUT"],
                             len(SLOW) * (int(summary["seconds"] / cycle) + 1))

        # the restart campaign
        self.assertEqual(sorted(a["device"] for a in acts), sorted(healthy))
        for a in acts:
            self.assertEqual((a["state"], (a.get("detail") or {}).get("outcome")),
                             ("completed", "restarted"), a)
        self.assertEqual(summary["reboots"], len(healthy))
        self.assertEqual(summary["devices_rebooted_twice"], 0)
        for i in range(DEVICES):
            with open(os.path.join(self.state, "d%05d" % i, "sim", "restarts.log")
                      if i not in SLOW else os.devnull) as f:
                self.assertEqual(len(f.readlines()), 0 if i in SLOW else 1, i)
        self.assertEqual(w.api("GET", "/api/violations"), [])


ENROLL_DEVICES = 20
ENROLL_USER = "fleet@example.com"
ENROLL_SECRET = "fleet enrollment secret"


class FleetEnrollTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.world = e2elib.World(enroll={"user": ENROLL_USER, "secret": ENROLL_SECRET})
        base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else self.world.dir
        self.state = tempfile.mkdtemp(prefix="omadm-fleet-enroll-", dir=base)

    def tearDown(self):
        self.world.close()
        shutil.rmtree(self.state, ignore_errors=True)

    def run_fleet(self, seconds, secret=ENROLL_SECRET):
        w = self.world
        args = [fleet_binary(), "--devices", str(ENROLL_DEVICES), "--server", w.url,
                "--ca", os.path.join(w.certs, "ca.pem"), "--state-dir", self.state,
                "--enroll", w.base, "--enroll-user", ENROLL_USER,
                "--enroll-secret-file", w.secret_file("fleet-secret", secret),
                "--poll", "60", "--time-scale", "30", "--timeout", "20",
                "--duration", str(seconds), "--max-inflight", "8", "--json"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 180)
        self.assertNotIn(secret, r.stdout + r.stderr)
        return r

    def test_enrolled_fleet(self):
        w = self.world
        r = self.run_fleet(8)
        self.assertEqual((r.returncode, r.stderr[:2000]), (0, ""))
        summary = json.loads(r.stdout)
        print(json.dumps(summary))
        self.assertEqual((summary["enrolled"], summary["enroll_reused"], summary["enroll_failed"]),
                         (ENROLL_DEVICES, 0, 0))
        self.assertEqual(summary["devices_up"], ENROLL_DEVICES)
        self.assertEqual(summary["checked_in"], ENROLL_DEVICES)
        self.assertEqual(summary["sessions_failed"], 0)
        self.assertGreaterEqual(summary["sessions_ok"], ENROLL_DEVICES)
        # the steady state starts once all 20 checked in, after their first
        # sessions and first handshakes
        self.assertLessEqual(summary["steady_tls_handshakes"],
                             summary["tls_handshakes"] - ENROLL_DEVICES)
        self.assertLess(summary["steady_sessions"], summary["sessions"] - ENROLL_DEVICES + 1)
        if summary["steady_sessions"]:
            self.assertGreater(summary["steady_cpu_us_per_session"], 0)
        else:
            self.assertIsNone(summary["steady_cpu_us_per_session"])

        ids = [device_id(i) for i in range(ENROLL_DEVICES)]
        enr = w.api("GET", "/api/enrollments")
        self.assertEqual(sorted(e["device"] for e in enr), ids)
        for e in enr:
            self.assertEqual((e["state"], e["auth"], e["user"]),
                             ("enrolled", "OnPremise", ENROLL_USER))
        certs = set()
        for i in range(ENROLL_DEVICES):
            d = os.path.join(self.state, "d%05d" % i)
            with open(os.path.join(d, "enroll-cert.pem")) as f:
                certs.add(f.read())
            self.assertEqual(os.stat(os.path.join(d, "enroll-key.pem")).st_mode & 0o077, 0)
            self.assertFalse(os.path.exists(os.path.join(d, "fleet-cert.pem")))
        self.assertEqual(len(certs), ENROLL_DEVICES)
        devs = {d["id"]: d for d in w.api("GET", "/api/devices")}
        for i in ids:
            self.assertTrue(devs.get(i, {}).get("last_checkin"), i)
        self.assertEqual(w.api("GET", "/api/violations"), [])

        # a second run reuses every enrollment (a wrong secret is not even used)
        r = self.run_fleet(4, secret="not the secret")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        summary = json.loads(r.stdout)
        self.assertEqual((summary["enrolled"], summary["enroll_reused"], summary["enroll_failed"]),
                         (0, ENROLL_DEVICES, 0))
        self.assertEqual(summary["sessions_failed"], 0)
        self.assertEqual(len(w.api("GET", "/api/enrollments")), ENROLL_DEVICES)
        self.assertEqual(w.api("GET", "/api/violations"), [])

    def test_wrong_secret_fails_each_device(self):
        r = self.run_fleet(2, secret="not the secret")
        self.assertEqual(r.returncode, 1, r.stderr)
        summary = json.loads(r.stdout)
        self.assertEqual((summary["enrolled"], summary["enroll_failed"]), (0, ENROLL_DEVICES))
        self.assertEqual(summary["devices_up"], 0)
        self.assertIn("enrollment:", r.stderr)
        self.assertEqual(self.world.api("GET", "/api/enrollments"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
