# SPDX-License-Identifier: Apache-2.0
"""End-to-end push channel: the real omadm-agent `run` (sim platform) with
[poll] initial_interval = 1h, so that anything that happens within seconds
can only come from the push channel (or `omadm-agent sync`).

- latency: the admin's restart call to the restart request in
  sim/restarts.log, 20 runs; min/median/max printed (not asserted).
- a push server that never answers, one that answers at once in a loop
  (204, 500, garbage), and one with a certificate we do not trust: the
  channel backs off (requests counted) and sessions still run.
- notifications during a session coalesce into one follow-up session.
"""

import http.server
import os
import re
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

SECRET = "e2e-push-secret"
RUNS = int(os.environ.get("OMADM_PUSH_RUNS", "20"))


def write_conf(w, push_url, period=None, secret=True):
    conf = os.path.join(w.dir, "agent.conf")
    with open(conf, "w") as f:
        f.write("[poll]\ninitial_interval = 1h\n[push]\nurl = %s\n" % push_url)
        if period:
            f.write("period = %s\n" % period)
        if secret:
            f.write("server_id = omadm-mockserver\nserver_secret = %s\n" % SECRET)
    os.chmod(conf, 0o600)
    return conf


def wait_until(pred, timeout, step=0.01):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def log_text(w):
    try:
        with open(os.path.join(w.dir, "agent-run.log")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


class FakePushServer:
    """An HTTPS server with client certificates on a free port that answers
    the push GET as `mode` says: "silent" (never), "empty" (204 at once),
    "error" (500 and Retry-After: 0 at once), "busy" (503, Retry-After: 8),
    "garbage" (200, a non-notification at once)."""

    def __init__(self, certs, mode, cert_dir=None):
        self.mode = mode
        self.requests = 0
        self.connections = 0
        self.release = threading.Event()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.requests += 1
                if outer.mode == "silent":
                    outer.release.wait(120)
                    return
                if outer.mode == "empty":
                    self.send_response(204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                code = {"error": 500, "busy": 503}.get(outer.mode, 200)
                body = b"not a notification"
                self.send_response(code)
                if code != 200:
                    self.send_header("Retry-After", "0" if code == 500 else "8")
                self.send_header("Content-Type",
                                 "application/vnd.syncml.dm.notification")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                sock, addr = super().get_request()
                outer.connections += 1
                return sock, addr

            def finish_request(self, request, client_address):
                try:
                    request = ctx.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                super().finish_request(request, client_address)

            def handle_error(self, *a):
                pass

        cdir = cert_dir or certs
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(cdir, "server.pem"),
                            os.path.join(cdir, "server.key"))
        ctx.load_verify_locations(os.path.join(certs, "ca.pem"))
        ctx.verify_mode = ssl.CERT_REQUIRED
        self.srv = S(("127.0.0.1", 0), H)
        self.url = "https://127.0.0.1:%d/push" % self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.srv.shutdown()
        self.srv.server_close()


class PushE2E(unittest.TestCase):
    def world(self, server_args=()):
        w = e2elib.World(server_args=["--push-secret", SECRET] + list(server_args))
        self.addCleanup(w.close)
        return w

    def start(self, w, conf):
        before = len(log_text(w))
        p = w.start_agent("run", "--config", conf)

        def stop():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.addCleanup(stop)
        self.assertTrue(wait_until(lambda: " result=" in log_text(w)[before:], 20),
                        "no start-up session:\n" + log_text(w))
        return p, stop

    def push_stats(self, w):
        return w.api("GET", "/api/devices/%s/push" % w.device_id)

    def test_restart_latency_from_push(self):
        w = self.world()
        conf = write_conf(w, w.push_url)
        figures = []
        for i in range(RUNS):
            # a fresh boot each run: the sim never restarts, and a second
            # RebootNow before the reboot joins the pending restart
            if i:
                w.reboot()
            p, stop = self.start(w, conf)
            # the channel is waiting (as it is whenever the admin clicks)
            self.assertTrue(wait_until(lambda: self.push_stats(w)["waiting"] == 1, 10),
                            "push channel not waiting:\n" + log_text(w))
            t0 = time.monotonic()
            w.restart()
            got = wait_until(lambda: len(w.restart_lines()) > i, 30, step=0.002)
            t1 = time.monotonic()
            self.assertTrue(got, "run %d: no restart within 30 s (polling is 1 h):\n%s"
                            % (i, log_text(w)))
            figures.append(t1 - t0)
            stop()
        self.assertEqual(len(w.restart_lines()), RUNS)
        text = log_text(w)
        self.assertEqual(len(re.findall(r"debug: session \(push notification", text)), RUNS)
        self.assertEqual(len(re.findall(r"debug: session \(poll\)", text)), 0)
        self.assertEqual(w.violations(), [])
        print("\npush restart latency over %d runs: min %.3f s, median %.3f s, max %.3f s"
              % (RUNS, min(figures), statistics.median(figures), max(figures)),
              file=sys.stderr)

    def test_sync_action_and_push_nodes(self):
        w = self.world()
        self.start(w, write_conf(w, w.push_url))
        prov = "./Vendor/MSFT/DMClient/Provider/MockMDM"
        w.command('<Add><CmdID>a1</CmdID><Item><Target><LocURI>%s</LocURI></Target>'
                  '<Meta><Format xmlns="syncml:metinf">node</Format></Meta></Item></Add>' % prov)
        w.command('<Replace><CmdID>a2</CmdID><Item><Target><LocURI>%s/Push/PFN</LocURI></Target>'
                  '<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>'
                  '<Data>Contoso.MDM_8wekyb3d8bbwe</Data></Item></Replace>' % prov)
        w.command('<Get><CmdID>a3</CmdID><Item><Target><LocURI>%s/Push/ChannelURI</LocURI>'
                  '</Target></Item></Get>' % prov)
        w.command('<Get><CmdID>a4</CmdID><Item><Target><LocURI>%s/Push/Status</LocURI>'
                  '</Target></Item></Get>' % prov)
        w.command('<Get><CmdID>a5</CmdID><Item><Target><LocURI>%s/Push/PFN</LocURI>'
                  '</Target></Item></Get>' % prov)
        # the commands' own notifications wake the agent: no poll for 1 h
        done = wait_until(lambda: [c["status"] for c in w.commands()].count(None) == 0, 20, 0.1)
        self.assertTrue(done, w.commands())
        cmds = {c["cmd_id"]: c for c in w.commands()}
        self.assertEqual({k: c["status"] for k, c in cmds.items()},
                         {"a1": "200", "a2": "200", "a3": "200", "a4": "200", "a5": "200"})

        def data(cmd_id):
            return [it.get("data") for it in cmds[cmd_id]["results"]]
        self.assertEqual(data("a3"), [w.push_url])  # ChannelURI: our channel
        self.assertEqual(data("a4"), ["0"])         # Status: success
        self.assertEqual(data("a5"), ["Contoso.MDM_8wekyb3d8bbwe"])
        # Intune's Sync: a session with no command
        r = w.api("POST", "/api/devices/%s/actions" % w.device_id, {"action": "sync"})
        self.assertEqual(r["state"], "notified")
        line = "session (push notification, SessionID %s)" % r["push_session"]
        self.assertTrue(wait_until(lambda: line in log_text(w), 10), log_text(w))

    def test_coalescing(self):
        w = self.world()
        self.start(w, write_conf(w, w.push_url))
        w.api("POST", "/api/devices/%s/config" % w.device_id, {"reply_delay_ms": 3000})
        self.assertTrue(wait_until(lambda: self.push_stats(w)["waiting"] == 1, 10))
        sync = {"action": "sync"}
        path = "/api/devices/%s/actions" % w.device_id
        w.api("POST", path, sync)                 # session 1 starts (3 s long)
        time.sleep(0.3)
        w.api("POST", path, sync)                 # delivered ~1 s in: during it
        time.sleep(1.2)
        w.api("POST", path, sync)                 # delivered ~2 s in: during it
        time.sleep(8)                             # the follow-up (3 s) and calm
        text = log_text(w)
        self.assertEqual(len(re.findall(r"push: notification from", text)), 3, text)
        push_sessions = re.findall(r"session \(push notification", text)
        self.assertEqual(len(push_sessions), 2, text)  # one, then ONE follow-up
        w.api("POST", "/api/devices/%s/config" % w.device_id, {"reply_delay_ms": 0})

    def fake(self, w, mode, cert_dir=None):
        f = FakePushServer(w.certs, mode, cert_dir)
        self.addCleanup(f.close)
        return f

    def test_back_off(self):
        """Servers that answer at once (204, 500, garbage), one that never
        answers, one we do not trust: all at the same time, 20 s."""
        worlds = {m: self.world(["--no-push"]) for m in ("empty", "error", "busy", "garbage",
                                                         "silent", "tls")}
        other_ca = os.path.join(worlds["tls"].dir, "other-ca")
        os.makedirs(other_ca)
        subprocess.run(["sh", e2elib.MAKE_CERTS, other_ca, "x"], check=True)
        fakes = {m: self.fake(w, "empty" if m == "tls" else m,
                              other_ca if m == "tls" else None)
                 for m, w in worlds.items()}
        agents = {}
        for m, w in worlds.items():
            agents[m] = self.start(w, write_conf(w, fakes[m].url, period="5s", secret=False))
        t0 = time.monotonic()
        # a session still runs at once while the channel hangs: sync asks it
        w = worlds["silent"]
        r = w.run_agent("sync", "--config", os.path.join(w.dir, "agent.conf"), timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("run by the running agent", r.stdout)
        self.assertLess(time.monotonic() - t0, 5)
        time.sleep(max(0, 20 - (time.monotonic() - t0)))
        counts = {m: (f.requests, f.connections) for m, f in fakes.items()}
        print("\npush requests (GETs, connections) in 20 s: %s" % counts, file=sys.stderr)
        # 204 at once with a 5 s period: one request per period at most
        self.assertLessEqual(counts["empty"][0], 6)  # counted from the agent's start
        self.assertGreaterEqual(counts["empty"][0], 3)
        # errors (even with "Retry-After: 0"): 5 s doubling with jitter
        # (2.5..5, 5..10, 10..20): at most 4
        self.assertLessEqual(counts["error"][0], 4)
        # Retry-After: 8 is honoured (longer than the first back-off steps)
        self.assertLessEqual(counts["busy"][0], 3)
        self.assertGreaterEqual(counts["busy"][0], 2)
        self.assertLessEqual(counts["garbage"][0], 4)
        self.assertGreaterEqual(counts["error"][0], 2)
        # never answers: held for period + 5 s, then back-off
        self.assertLessEqual(counts["silent"][1], 3)
        # untrusted server: no request ever sent, few handshakes
        self.assertEqual(counts["tls"][0], 0)
        self.assertLessEqual(counts["tls"][1], 4)
        self.assertRegex(log_text(worlds["tls"]), r"push: .*(SSL|certificate)")
        self.assertIn("malformed notification", log_text(worlds["garbage"]))
        self.assertIn("server answered HTTP 500", log_text(worlds["error"]))
        # and the agent stops at once even with the request hanging
        t = time.monotonic()
        agents["silent"][1]()
        self.assertLess(time.monotonic() - t, 3)
        self.assertIn("info: stopped", log_text(worlds["silent"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
