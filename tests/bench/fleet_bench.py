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
    args = ap.parse_args()
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


if __name__ == "__main__":
    sys.exit(main())
