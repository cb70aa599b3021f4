# SPDX-License-Identifier: Apache-2.0
"""omadm-fleet's own CPU per session against a canned instant responder
(issue 18), opt-in:

    python3 tests/bench/fleet_cpu.py [--devices N] [--seconds S]
                                     [--poll SIM_S] [--time-scales X,Y,..]
                                     [--machine idle,busy]

The responder (this script, a thread pool) speaks HTTPS with client
certificates (tests/mockserver/make-certs.sh) and HTTP/1.1 keep-alive, and
answers every SyncML message at once with the shortest valid server
package: a Status 200 for the client's SyncHdr and Final (the session ends
after one exchange). With --devices no more than the fleet's
--max-inflight (64) every device keeps its connection, so after bring-up
there are no TLS handshakes.

A first 3 s run issues the certificates; then one run of --seconds per
time scale, i.e. per session rate (devices x time scale / poll sessions a
second). Each run's steady_cpu_us_per_session is the process CPU
(getrusage: user + system) from the moment every device had checked in to
the end, over the sessions in that time: bring-up and its TLS handshakes
excluded, the handshakes after it printed beside it (0 expected).
libomadm's share is the fleet's own engine_cpu_us_per_session.

Each rate runs twice: on the idle machine, and on a busy one (a nice-19
busy loop per CPU, whose CPU is not the fleet's). At low rates the fleet
sleeps between sessions; on a VM an idle CPU is given back to the host,
and the same code then runs about twice as slowly after each wake-up
(libomadm's share, identical work, doubles too). The busy figure is the
fleet's work without that penalty; the idle one is what the process costs
on an otherwise idle VM.
"""

import argparse
import http.server
import json
import os
import re
import shutil
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import e2elib  # noqa: E402

CTYPE = "application/vnd.syncml.dm+xml"
FIELD = {k: re.compile(r"<%s>([^<]{1,200})</%s>" % (k, k)) for k in ("SessionID", "MsgID")}
LOCURI = re.compile(r"<(Target|Source)><LocURI>([^<]{1,200})</LocURI></\1>")

REPLY = ('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>'
         "<VerProto>DM/1.2</VerProto><SessionID>{sid}</SessionID><MsgID>{mid}</MsgID>"
         "<Target><LocURI>{dev}</LocURI></Target><Source><LocURI>{srv}</LocURI></Source>"
         "</SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>{mid}</MsgRef>"
         "<CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><TargetRef>{srv}</TargetRef>"
         "<SourceRef>{dev}</SourceRef><Data>200</Data></Status><Final/></SyncBody></SyncML>")


def canned_reply(body):
    text = body.decode("utf-8", "replace")
    sid, mid = (FIELD[k].search(text) for k in ("SessionID", "MsgID"))
    uris = dict(LOCURI.findall(text[:text.find("</SyncHdr>")]))
    if not sid or not mid or "Source" not in uris:
        return None
    return REPLY.format(sid=sid.group(1), mid=mid.group(1), dev=uris["Source"],
                        srv=uris.get("Target", "")).encode()


class Responder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        out = canned_reply(self.rfile.read(n))
        if out is None:
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        # Head and body in one write, so one TLS record, as a server that
        # buffers its response (Go's net/http, nginx) sends it.
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                         % (CTYPE.encode(), len(out), out))

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256


def start_responder(certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"))
    ctx.load_verify_locations(os.path.join(certs, "ca.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv = Server(("127.0.0.1", 0), Responder)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def start_busy_loops():
    """A nice-19 busy loop per CPU: the CPUs never go idle."""
    code = "import os\nos.nice(19)\nwhile True:\n    pass\n"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(os.cpu_count() or 1)]


def stop_busy_loops(procs):
    for p in procs:
        p.kill()
        p.wait()


def run_fleet(fleet, url, certs, state, args, seconds):
    cmd = [fleet, "--devices", str(args.devices), "--server", url,
           "--ca", os.path.join(certs, "ca.pem"), "--state-dir", state,
           "--issue-ca", os.path.join(certs, "ca.pem"),
           "--issue-key", os.path.join(certs, "ca.key"), "--poll", str(args.poll),
           "--time-scale", str(args.time_scale), "--duration", str(seconds), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    if r.returncode != 0:
        raise SystemExit("omadm-fleet exit %d: %s" % (r.returncode, r.stderr[-2000:]))
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--poll", type=float, default=10, help="sim seconds")
    ap.add_argument("--time-scales", default="10,50,200")
    ap.add_argument("--machine", default="idle,busy", help="idle, busy or both")
    args = ap.parse_args()
    scales = [float(x) for x in args.time_scales.split(",")]
    machines = args.machine.split(",")
    if not machines or set(machines) - {"idle", "busy"}:
        ap.error("--machine: idle, busy or idle,busy")
    fleet = os.environ.get("OMADM_FLEET") or os.path.join(
        os.path.dirname(e2elib.find_agent()), "fleet", "omadm-fleet")
    tmp = tempfile.mkdtemp(prefix="omadm-fleet-cpu-")
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tmp
    state = tempfile.mkdtemp(prefix="omadm-fleet-cpu-", dir=base)
    try:
        certs = os.path.join(tmp, "certs")
        os.makedirs(certs)
        subprocess.run(["sh", os.path.join(ROOT, "tests", "mockserver", "make-certs.sh"),
                        certs, "F1EE7" + "0" * 27], check=True, capture_output=True)
        srv = start_responder(certs)
        url = "https://localhost:%d/dm" % srv.server_address[1]
        args.time_scale = scales[0]
        run_fleet(fleet, url, certs, state, args, 3)  # issues the certificates
        rows = []
        for machine in machines:
            busy = start_busy_loops() if machine == "busy" else []
            try:
                for x in scales:
                    args.time_scale = x
                    s = run_fleet(fleet, url, certs, state, args, args.seconds)
                    print("%s, time scale %g: %s" % (machine, x, json.dumps(s)), file=sys.stderr)
                    if s["sessions_failed"] or s["steady_cpu_us_per_session"] is None:
                        print("%s, time scale %g: failed sessions or no steady state"
                              % (machine, x))
                        return 1
                    rows.append((machine, x, s))
            finally:
                stop_busy_loops(busy)
        srv.shutdown()
        print("machine\tdevices\ttime_scale\tsessions_per_s\tsteady_sessions\t"
              "steady_handshakes\tcpu_us_per_session\tlibomadm_us")
        for machine, x, s in rows:
            print("%s\t%d\t%g\t%.1f\t%d\t%d\t%.1f\t%.1f" % (
                machine, args.devices, x, s["sessions_per_s"], s["steady_sessions"],
                s["steady_tls_handshakes"], s["steady_cpu_us_per_session"],
                s["engine_cpu_us_per_session"]))
        return 0
    finally:
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
