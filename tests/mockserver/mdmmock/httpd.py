# SPDX-License-Identifier: Apache-2.0
"""HTTP side: the SyncML endpoint (HTTPS, client certificates) and the admin
side (plain HTTP on loopback: JSON API and console pages)."""

import json
import mimetypes
import os
import socket
import ssl
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import engine as engine_mod
from . import fleetops
from . import syncml
from . import push as push_mod

CONSOLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "console")
MAX_BODY = 8 * 1024 * 1024       # hard cap before reading a request body
HANDSHAKE_TIMEOUT = 10
IDLE_TIMEOUT = 30
PUSH_PATH = "/push"              # the push channel's long-poll GET (push.py)


def peer_cn(sock):
    cert = sock.getpeercert()
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, engine, tls=None):
        self.engine = engine
        self.tls = tls
        self.address_family = family_for(addr[0])
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, so a
        # slow or broken client cannot hold up accept().
        if self.tls is not None:
            request.settimeout(HANDSHAKE_TIMEOUT)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.engine.log("TLS handshake from %s failed: %s",
                                client_address[0], e)
                try:
                    request.close()
                except OSError:
                    pass
                return
        request.settimeout(IDLE_TIMEOUT)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # broken connections are the client's business; keep serving


def tls_context(cert, key, client_ca, extra_cas=(), optional=False):
    """optional: a client certificate is asked for but not required (the
    enrollment endpoints take devices that have none yet); the SyncML side
    then checks it itself (enroll.check_syncml)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(cafile=client_ca)
    for ca in extra_cas:
        ctx.load_verify_locations(cafile=ca)
    ctx.verify_mode = ssl.CERT_OPTIONAL if optional else ssl.CERT_REQUIRED
    return ctx


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "omadm-mockserver/1"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass  # the engine logs what matters

    def _send(self, code, body, ctype, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        n = self.headers.get("Content-Length")
        if n is None or not n.isdigit():
            self._send(411, b"Content-Length required\n", "text/plain")
            return None
        n = int(n)
        if n > MAX_BODY:
            self._send(413, b"request too large\n", "text/plain")
            self.close_connection = True
            return None
        return self.rfile.read(n)


class SyncMLHandler(_Base):
    def do_POST(self):
        enr = getattr(self.server.engine, "enrollment", None)
        if enr is not None and enr.owns(self.path):
            return self._enroll()
        body = self._read_body()
        if body is None:
            return
        cn = peer_cn(self.connection)
        if enr is not None:
            return self._managed(enr, cn, body)
        if cn is None:
            self._send(403, b"no client certificate CN\n", "text/plain")
            return
        r = self.server.engine.handle(cn, body,
                                      self.headers.get("Content-Type"))
        self._send(r.status, r.body, r.ctype)

    def do_GET(self):
        enr = getattr(self.server.engine, "enrollment", None)
        if enr is not None and enr.owns(self.path):
            return self._enroll()
        hub = self.server.engine.push
        if hub is not None and self.path.split("?")[0] == PUSH_PATH:
            cn = peer_cn(self.connection)
            if cn is None:
                return self._send(403, b"no client certificate CN\n",
                                  "text/plain")
            return push_mod.handle_get(self, hub, cn)
        self._send(405, b"POST SyncML here\n", "text/plain",
                   {"Allow": "POST"})

    def _enroll(self):
        if self.command == "POST" and not (
                self.headers.get("Content-Length") or "").isdigit():
            return self._send(411, b"Content-Length required\n",
                              "text/plain")

        def read_body(limit):
            n = int(self.headers.get("Content-Length"))
            if n > limit:
                if n <= MAX_BODY:  # drain it so the client reads the 413
                    self.rfile.read(n)
                return None
            return self.rfile.read(n)
        r = self.server.engine.enrollment.handle(
            self.command, self.path, self.headers, read_body,
            self.connection.getpeercert(binary_form=True))
        if getattr(r, "close", False):
            self.close_connection = True
        self._send(r.status, r.body, r.ctype)

    def _managed(self, enr, cn, body):
        """Enrollment on: only enrolled devices with their issued
        certificate are managed (enroll.check_syncml)."""
        eng = self.server.engine
        try:
            msg = syncml.parse(body)
        except syncml.ParseError:
            msg = None
        source = msg.source if msg is not None else None
        with eng.lock:
            why = enr.check_syncml(
                source, self.connection.getpeercert(binary_form=True))
            if why is not None:
                r = enr.refuse_syncml(msg.msg_id if msg else None, why)
                sid = msg.session_id if msg else None
                mid = msg.msg_id if msg else None
                eng.store.add_message(source, "in", sid, mid, body)
                eng.store.add_message(source, "out", sid, None, r.body,
                                      http_status=r.status)
                eng.log("SyncML from %r (certificate CN %r) refused: %s",
                        source, cn, why)
            else:
                r = eng.handle(cn, body, self.headers.get("Content-Type"))
                if r.status == 200:
                    enr.after_syncml(source, msg)
        self._send(r.status, r.body, r.ctype)


class AdminHandler(_Base):
    """JSON API under /api/, console pages elsewhere."""

    def _json(self, code, obj):
        self._send(code, engine_mod.dumps(obj),
                   "application/json; charset=utf-8")

    def _error(self, code, text):
        self._json(code, {"error": text})

    def _route(self):
        u = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in u.path.split("/") if p]
        return parts, urllib.parse.parse_qs(u.query)

    def do_GET(self):
        parts, query = self._route()
        eng = self.server.engine
        st = eng.store
        if parts[:1] != ["api"]:
            return self._console(parts)
        with eng.lock:
            if parts == ["api", "devices"]:
                return self._json(200, annotate(eng, st.devices()))
            if parts == ["api", "enrollment", "hostile"]:
                enr = getattr(eng, "enrollment", None)
                return self._json(200, enr.hostile.get() if enr else {})
            if parts == ["api", "enrollments"]:
                enr = getattr(eng, "enrollment", None)
                return self._json(200, enr.store.all() if enr else [])
            if parts == ["api", "actions"]:
                dev = query.get("device", [None])[0]
                return self._json(200, st.actions(dev))
            if parts == ["api", "violations"]:
                return self._json(200, st.violations())
            if (len(parts) == 3 and parts[1] == "actions"
                    and parts[2].isdigit()):
                a = st.action(int(parts[2]))
                if a is None:
                    return self._error(404, "no action %s" % parts[2])
                return self._json(200, a)
            if len(parts) >= 3 and parts[1] == "devices":
                dev = parts[2]
                rest = parts[3:]
                if rest == []:
                    d = st.device(dev)
                    if d is None:
                        return self._error(404, "no device %s" % dev)
                    d["config"] = eng.config(dev)
                    return self._json(200, annotate(eng, [d])[0])
                if rest == ["commands"]:
                    return self._json(200, st.commands(dev))
                if rest == ["messages"]:
                    since = query.get("since", ["0"])[0]
                    if not since.isdigit():
                        return self._error(400, "since must be an integer")
                    return self._json(200, st.messages(dev, int(since)))
                if rest == ["violations"]:
                    return self._json(200, st.violations(dev))
                if rest == ["actions"]:
                    return self._json(200, st.actions(dev))
                if rest == ["config"]:
                    return self._json(200, eng.config(dev))
                if rest == ["push"] and eng.push is not None:
                    return self._json(200, eng.push.device_stats(dev))
                if rest == ["dm-auth"] and eng.dmauth is not None:
                    a = eng.dmauth.state(dev)
                    if a is None:
                        return self._error(404, "device %s has no DM"
                                           " credentials" % dev)
                    return self._json(200, a)
        return self._error(404, "no such resource")

    def do_POST(self):
        parts, _ = self._route()
        eng = self.server.engine
        body = self._read_body()
        if body is None:
            return
        if parts == ["api", "enrollment", "hostile"]:
            return self._hostile(body)
        if fleetops_route(parts) or (len(parts) == 4 and parts[:2] == [
                "api", "devices"] and parts[3] == "actions"):
            return self._fleetops(parts, body)
        if len(parts) != 4 or parts[:2] != ["api", "devices"]:
            return self._error(404, "no such resource")
        dev, what = parts[2], parts[3]
        if not valid_device_id(dev):
            return self._error(400, "bad device id")
        if what == "rotate-credentials" and eng.dmauth is not None:
            with eng.lock:
                out = eng.dmauth.rotate(
                    dev, lambda xml: eng.queue_raw(dev, xml))
            if out is None:
                return self._error(404, "device %s has no DM credentials"
                                   % dev)
            return self._json(201, out)
        if what == "retire":
            enr = getattr(eng, "enrollment", None)
            with eng.lock:
                rec = enr.retire(dev) if enr is not None else None
            if rec is None:
                return self._error(404, "device %s is not enrolled" % dev)
            return self._json(200, rec)
        try:
            if what == "commands":
                raw = body.decode("utf-8")
                if raw.lstrip().startswith("{"):
                    req = _json_body(body)
                    if not isinstance(req, dict) or not isinstance(
                            req.get("xml"), str):
                        raise ValueError('expected {"xml": "<Get>...</Get>"}'
                                         " or the XML itself")
                    raw = req["xml"]
                return self._json(201, eng.queue_raw(dev, raw))
            if what == "config":
                req = _json_body(body)
                if not isinstance(req, dict):
                    raise ValueError("expected a JSON object")
                with eng.lock:
                    d = eng.store.ensure_device(dev)
                    merged = dict(d["config"])
                    merged.update(req)
                    engine_mod.validate_config(merged)
                    eng.store.set_device_config(dev, merged)
                    return self._json(200, eng.config(dev))
        except (ValueError, UnicodeDecodeError) as e:
            return self._error(400, str(e))
        return self._error(404, "no such resource")

    def _fleetops(self, parts, body):
        """Register, actions, bulk restart, cancel (fleetops.py)."""
        eng = self.server.engine
        try:
            req = _json_body(body) if body.strip() else {}
            if parts == ["api", "devices"]:
                code, out = fleetops.register(eng, req)
            elif parts == ["api", "actions"]:
                code, out = fleetops.bulk(eng, req)
            elif parts[1] == "actions":
                code, out = fleetops.cancel(eng, int(parts[2]), req)
            elif not valid_device_id(parts[2]):
                return self._error(400, "bad device id")
            else:
                code, out = fleetops.request(eng, parts[2], req)
        except ValueError as e:
            return self._error(400, str(e))
        except fleetops.ActionError as e:
            return self._json(e.code, e.body)
        return self._json(code, out)

    def _hostile(self, body):
        """Test hook (enrollhostile.py): the next enrollment answers
        misbehave."""
        eng = self.server.engine
        enr = getattr(eng, "enrollment", None)
        if enr is None:
            return self._error(404, "enrollment is off")
        try:
            with eng.lock:
                return self._json(200, enr.hostile.set(_json_body(body)))
        except ValueError as e:
            return self._error(400, str(e))

    def _console(self, parts):
        if parts == []:
            return self._send(302, b"", "text/plain", {"Location": "/devices"})
        page = None
        if parts == ["devices"]:
            page = "devices.html"
        elif len(parts) == 2 and parts[0] == "devices":
            page = "device.html"
            with self.server.engine.lock:
                gone = (self.server.engine.store.device(parts[1]) is None
                        and not fleetops.known(self.server.engine, parts[1]))
            if gone:
                return self._page("notfound.html", 404)
        elif parts == ["actions"] or (len(parts) == 3 and parts[0] ==
                                      "devices" and parts[2] == "actions"):
            page = "actions.html"
        elif len(parts) == 2 and parts[0] == "static":
            page = parts[1]
        if page is None or "/" in page or page.startswith("."):
            return self._error(404, "no such page")
        return self._page(page, 200)

    def _page(self, page, code):
        path = os.path.join(CONSOLE_DIR, page)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return self._error(404, "no such page")
        ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("javascript"):
            ctype += "; charset=utf-8"
        self._send(code, data, ctype)


def fleetops_route(parts):
    """POST /api/devices, /api/actions, /api/actions/{id}/cancel."""
    return (parts in (["api", "devices"], ["api", "actions"])
            or (len(parts) == 4 and parts[:2] == ["api", "actions"]
                and parts[2].isdigit() and parts[3] == "cancel"))


def _json_body(body):
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        raise ValueError("body is not valid JSON") from None


def annotate(eng, devices):
    """enrollment_state, enrolled_at and enrollment of each device (null
    when it never enrolled or enrollment is off)."""
    enr = getattr(eng, "enrollment", None)
    if enr is not None:
        return enr.annotate(devices)
    for d in devices:
        d.update(enrollment_state=None, enrolled_at=None, enrollment=None)
    return devices


def valid_device_id(dev):
    return (0 < len(dev) <= 128 and dev.isprintable()
            and "/" not in dev and not dev.isspace())


def serve_syncml(host, port, engine, ctx):
    return _Server((host, port), SyncMLHandler, engine, tls=ctx)


def serve_admin(host, port, engine):
    return _Server((host, port), AdminHandler, engine)


def family_for(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET
