# SPDX-License-Identifier: Apache-2.0
"""omadm-fleet's own CPU per session against a canned instant responder
(issue 18), opt-in:

    python3 tests/bench/fleet_cpu.py [--devices N] [--short S] [--long S]
                                     [--poll SIM_S] [--time-scale X]

The responder (this script, a thread pool) speaks HTTPS with client
certificates (tests/mockserver/make-certs.sh) and HTTP/1.1 keep-alive, and
answers every SyncML message at once with the shortest valid server
package: a Status 200 for the client's SyncHdr and Final (the session ends
after one exchange). With --devices no more than the fleet's
--max-inflight (64) every device keeps its connection, so after bring-up
there are no TLS handshakes.

The fleet runs three times over the same state directory (certificates
issued in the first, 3 s run, reused by the next two): --short and --long seconds. The
difference of the two runs' process CPU (getrusage: user + system) over
the difference of their sessions is the simulator's CPU per steady-state
session, bring-up excluded; TLS handshakes in that difference are
reported beside it (0 expected). libomadm's share is the fleet's own
engine_cpu_us_per_session.
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
        self.send_response(200)
        self.send_header("Content-Type", CTYPE)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

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


def run_fleet(fleet, url, certs, state, args, seconds):
    cmd = [fleet, "--devices", str(args.devices), "--server", url,
           "--ca", os.path.join(certs, "ca.pem"), "--state-dir", state,
           "--issue-ca", os.path.join(certs, "ca.pem"),
           "--issue-key", os.path.join(certs, "ca.key"), "--poll", str(args.poll),
           "--time-scale", str(args.time_scale), "--duration", str(seconds), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    if r.returncode != 0:
        raise SystemExit("omadm-fleet exit %d: %s" % (r.returncode, r.stderr[-2000:]))
    s = json.loads(r.stdout)
    s["cpu_s"] = s["process_cpu_us_per_session"] * s["sessions"] / 1e6
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=50)
    ap.add_argument("--short", type=float, default=10)
    ap.add_argument("--long", type=float, default=40)
    ap.add_argument("--poll", type=float, default=10, help="sim seconds")
    ap.add_argument("--time-scale", type=float, default=10)
    args = ap.parse_args()
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
        run_fleet(fleet, url, certs, state, args, 3)  # issues the certificates
        runs = [run_fleet(fleet, url, certs, state, args, t) for t in (args.short, args.long)]
        srv.shutdown()
        for name, s in zip(("short", "long"), runs):
            print("%s run: %s" % (name, json.dumps(s)))
        a, b = runs
        ds = b["sessions"] - a["sessions"]
        if ds <= 0 or b["sessions_failed"] or a["sessions_failed"]:
            print("no steady-state sessions or failed sessions")
            return 1
        per = (b["cpu_s"] - a["cpu_s"]) * 1e6 / ds
        print("steady state: %d more sessions, %d more TLS handshakes (%d resumed), "
              "%d more new connections" % (ds, b["tls_handshakes"] - a["tls_handshakes"],
                                            b["tls_resumed"] - a["tls_resumed"],
                                            b["new_connections"] - a["new_connections"]))
        print("process CPU per session: %.1f us (libomadm: %.1f us, of it kernel %.1f us)"
              % (per, b["engine_cpu_us_per_session"], b["engine_sys_us_per_session"]))
        return 0
    finally:
        shutil.rmtree(state, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
