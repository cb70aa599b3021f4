# SPDX-License-Identifier: Apache-2.0
"""The 10,000-device omadm-fleet benchmark (issue 18), opt-in:

    python3 tests/bench/fleet_bench.py [--devices N] [--ramp S] [--settle S]
                                       [--max-wait S]
    meson test -C build/gcc --benchmark fleet-10k

Starts the mock server (tests/e2e/e2elib.py), brings N devices up over
--ramp seconds (each checks in once: the mock server, Python, sets the
pace), waits until the mock server saw every device (at most --max-wait
seconds), lets them idle for --settle seconds, stops the fleet and prints
its JSON summary, with these figures:

  rss_end_kb / bytes_per_idle_device  memory with every device idle
  sessions_per_s                      against the mock server
  engine_cpu_us_per_session           the simulator's own CPU in libomadm
                                      per session (no TLS, no HTTP)
  process_cpu_us_per_session          everything, TLS handshakes included

Exit status 1 when a device did not come up or check in, or RSS > 1 GiB.

--campaign (default 1,000 devices, sim clock --time-scale times real
time): once every device checked in, a restart is queued for each through
the admin API (per device); the run ends when each action is reported, and
checks: every outcome is `restarted`, each device's simulated boot
(sim/boot-time) fell inside its window (sim/restarts.log: requested_at ..
deadline), no device rebooted twice, the mock server recorded no protocol
violation. Prints the time from queueing to the last report.
State lives under /dev/shm when it exists (the sim platform fsyncs).
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import e2elib  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10000)
    ap.add_argument("--ramp", type=float, default=240)
    ap.add_argument("--settle", type=float, default=30)
    ap.add_argument("--max-wait", type=float, default=1200)
    ap.add_argument("--campaign", action="store_true")
    ap.add_argument("--time-scale", type=float, default=10)
    ap.add_argument("--poll", type=float, default=1200, help="sim seconds (campaign)")
    args = ap.parse_args()
    if args.campaign:
        return campaign(args)
    fleet = os.environ.get("OMADM_FLEET") or os.path.join(
        os.path.dirname(e2elib.find_agent()), "fleet", "omadm-fleet")
    world = e2elib.World()
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else world.dir
    state = tempfile.mkdtemp(prefix="omadm-fleet-bench-", dir=base)
    try:
        c = world.certs
        # poll far beyond the run: one check-in per device
        cmd = [fleet, "--devices", str(args.devices), "--server", world.url,
               "--ca", os.path.join(c, "ca.pem"), "--state-dir", state,
               "--issue-ca", os.path.join(c, "ca.pem"),
               "--issue-key", os.path.join(c, "ca.key"), "--poll", "86400",
               "--ramp", str(args.ramp), "--timeout", "60",
               "--json"]
        t = time.time()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        # until every device checked in (the mock server sets the pace),
        # then --settle seconds idle, then stop it (SIGINT: summary)
        all_in = None
        while proc.poll() is None and time.time() - t < args.max_wait:
            time.sleep(5)
            if all_in is None:
                devs = world.api("GET", "/api/devices")
                n = sum(1 for d in devs if d.get("last_checkin"))
                print("%.0f s: %d devices checked in" % (time.time() - t, n), flush=True)
                if n >= args.devices:
                    all_in = time.time()
            elif time.time() - all_in >= args.settle:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        print("omadm-fleet exit %d after %.1f s" % (proc.returncode, time.time() - t))
        sys.stderr.write(err[-3000:])
        summary = json.loads(out)
        print(json.dumps(summary, indent=1))
        ok = (proc.returncode == 0 and summary["checked_in"] == args.devices
              and summary["rss_peak_kb"] <= 1024 * 1024)
        print("mock server violations: %d" % len(world.api("GET", "/api/violations")))
        return 0 if ok else 1
    finally:
        world.close()
        shutil.rmtree(state, ignore_errors=True)


def device_id(i):
    return "F1EE7%027d" % i


def sim_fields(line):
    return {k: int(v) for k, v in (f.split("=", 1) for f in line.split())
            if v.lstrip("-").isdigit()}


def window_check(state, n):
    """Devices whose simulated boot is outside their restart window, and
    devices without exactly one restart request."""
    outside, not_one = [], []
    for i in range(n):
        sim = os.path.join(state, "d%05d" % i, "sim")
        try:
            with open(os.path.join(sim, "restarts.log")) as f:
                reqs = [sim_fields(x) for x in f if x.startswith("requested_at=")]
            with open(os.path.join(sim, "boot-time")) as f:
                boot = int(f.read().strip())
        except (OSError, ValueError):
            not_one.append(i)
            continue
        if len(reqs) != 1:
            not_one.append(i)
        elif not reqs[0]["requested_at"] <= boot <= reqs[0]["deadline"]:
            outside.append(i)
    return outside, not_one


def campaign(args):
    if "--devices" not in sys.argv:
        args.devices = 1000
    fleet = os.environ.get("OMADM_FLEET") or os.path.join(
        os.path.dirname(e2elib.find_agent()), "fleet", "omadm-fleet")
    world = e2elib.World()
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else world.dir
    state = tempfile.mkdtemp(prefix="omadm-fleet-campaign-", dir=base)
    proc = None
    try:
        c = world.certs
        cmd = [fleet, "--devices", str(args.devices), "--server", world.url,
               "--ca", os.path.join(c, "ca.pem"), "--state-dir", state,
               "--issue-ca", os.path.join(c, "ca.pem"),
               "--issue-key", os.path.join(c, "ca.key"), "--poll", str(args.poll),
               "--time-scale", str(args.time_scale), "--ramp", str(args.ramp),
               "--timeout", "60", "--json"]
        t = time.time()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        ids = [device_id(i) for i in range(args.devices)]
        while time.time() - t < args.max_wait:
            time.sleep(5)
            n = sum(1 for d in world.api("GET", "/api/devices") if d.get("last_checkin"))
            print("%.0f s: %d devices checked in" % (time.time() - t, n), flush=True)
            if n >= args.devices or proc.poll() is not None:
                break
        queued = time.time()
        for d in ids:
            world.api("POST", "/api/devices/%s/actions" % d, {"action": "restart"})
        print("restart queued for %d devices in %.1f s" % (len(ids), time.time() - queued),
              flush=True)
        acts, last_done = [], None
        while time.time() - queued < args.max_wait and proc.poll() is None:
            time.sleep(2)
            acts = [a for a in world.api("GET", "/api/actions") if a["action"] == "restart"]
            done = sum(1 for a in acts if a["state"] in ("completed", "failed"))
            print("%.0f s after queueing: %d/%d reported" % (time.time() - queued, done,
                                                           len(acts)), flush=True)
            if done == len(ids):
                last_done = time.time()
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        sys.stderr.write(err[-3000:])
        summary = json.loads(out)
        print(json.dumps(summary, indent=1))
        outcomes = {}
        for a in acts:
            o = (a.get("detail") or {}).get("outcome") or a["state"]
            outcomes[o] = outcomes.get(o, 0) + 1
        outside, not_one = window_check(state, args.devices)
        violations = world.api("GET", "/api/violations")
        per_dev = {}
        for a in acts:
            per_dev[a["device"]] = per_dev.get(a["device"], 0) + 1
        print("campaign: %d devices, sim clock x%g, poll %g sim s" % (
            args.devices, args.time_scale, args.poll))
        print("  queue -> last report: %s s" % (
            "%.1f" % (last_done - queued) if last_done else "NOT DONE"))
        print("  outcomes: %s" % json.dumps(outcomes, sort_keys=True))
        print("  boots outside the window: %d, devices without exactly one request: %d"
              % (len(outside), len(not_one)))
        print("  reboots %d, devices rebooted twice %d" % (summary["reboots"],
                                                            summary["devices_rebooted_twice"]))
        print("  mock server violations: %d" % len(violations))
        ok = (last_done is not None and proc.returncode == 0
              and outcomes == {"restarted": args.devices}
              and sorted(per_dev) == ids and set(per_dev.values()) == {1}
              and not outside and not not_one and summary["reboots"] == args.devices
              and summary["devices_rebooted_twice"] == 0 and not violations)
        return 0 if ok else 1
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        world.close()
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
