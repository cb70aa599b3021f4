#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""HTTPS test server for the transport unit tests (standard library only).

Usage: tls_server.py CERT_DIR  (the material of make-certs.sh)

Listens on loopback only, on ports chosen by the kernel, and prints one line
  good=P expired=P wronghost=P tarpit=P proxy=P tls12=P notls=P
then serves until its standard input closes (the test's end, or its death)
or 120 s pass. The three HTTPS servers require a client certificate from
the test CA; they differ only in their own certificate. `tarpit` accepts TCP
connections in the kernel and never answers (a TLS handshake that hangs).
`proxy` is a plain-HTTP CONNECT proxy to loopback that counts its tunnels.
`tls12` is `good` limited to TLS 1.2 (a refused client certificate fails
the handshake itself). `notls` answers every connection with plain text (a
handshake that fails).

Behaviour is chosen by the URL path, see Handler.do_POST and do_GET.
"""
import email.utils
import http.server
import itertools
import os
import re
import select
import socket
import socketserver
import ssl
import sys
import threading
import time

SYNCML = "application/vnd.syncml.dm+xml"
BIG = 50 * 1024 * 1024
CHUNK = 64 * 1024

lock = threading.Lock()
stats = {"connections": 0, "tunnels": 0}
conn_ids = itertools.count(1)


def bump(key):
    with lock:
        stats[key] += 1


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connections can be reused

    def log_message(self, fmt, *args):  # quiet: the test's output is cmocka's
        pass

    def setup(self):
        super().setup()
        self.conn_id = next(conn_ids)
        self.requests_on_conn = 0

    def reply(self, code, body=b"", ctype=SYNCML, headers=()):
        self.send_response(code)
        if ctype is not None:
            self.send_header("Content-Type", ctype)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream(self, chunked, code=200):
        """Sends BIG bytes until the client gives up; returns what was sent."""
        self.send_response(code)
        self.send_header("Content-Type", SYNCML)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(BIG))
        self.end_headers()
        block = b"<" * CHUNK
        sent = 0
        try:
            while sent < BIG:
                if chunked:
                    self.wfile.write(b"%x\r\n" % CHUNK + block + b"\r\n")
                else:
                    self.wfile.write(block)
                sent += CHUNK
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True

    def do_POST(self):
        self.requests_on_conn += 1
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        if path == "/ok":  # echo
            self.reply(200, body, SYNCML + "; charset=utf-8")
        elif path == "/okcase":
            self.reply(200, body, "Application/VND.SyncML.DM+XML;charset=UTF-8")
        elif path == "/lookalike":
            self.reply(200, body, SYNCML + "2")
        elif path == "/reuse":  # which connection, which request on it
            self.reply(200, b"%d %d" % (self.conn_id, self.requests_on_conn))
        elif path == "/headers":
            h = self.headers
            text = "ct=%s\naccept=%s\nua=%s\nexpect=%s\nlen=%d\nbody=%s\n" % (
                h.get("Content-Type"), h.get("Accept"), h.get("User-Agent"),
                h.get("Expect"), length, body.decode("utf-8", "replace"))
            self.reply(200, text.encode())
        elif path == "/stats":
            with lock:
                text = "connections=%d tunnels=%d" % (stats["connections"], stats["tunnels"])
            self.reply(200, text.encode())
        elif path == "/slow" or (path == "/slowsecond" and self.requests_on_conn > 1):
            time.sleep(2)
            self.reply(200, b"<SyncML/>")
        elif path == "/slowsecond":
            self.reply(200, b"<SyncML/>")
        elif path == "/big":  # announced by Content-Length
            self.stream(chunked=False)
        elif path == "/stream":  # chunked: the size is learnt only by reading
            self.stream(chunked=True)
        elif path == "/html":
            self.reply(200, b"<html><body>Sign in</body></html>", "text/html")
        elif path == "/notype":
            self.reply(200, b"<SyncML/>", None)
        elif path == "/429":
            self.reply(429, b"slow down", "text/plain", [("Retry-After", "120")])
        elif path == "/429date":
            # A server clock far from the client's: Retry-After is Date + 90 s.
            date = 1000000000
            self.send_response_only(429)
            self.send_header("Date", email.utils.formatdate(date, usegmt=True))
            self.send_header("Retry-After", email.utils.formatdate(date + 90, usegmt=True))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/429bad":
            self.reply(429, b"", "text/plain", [("Retry-After", "soon")])
        elif path == "/redirect":
            port = self.server.server_address[1]
            self.reply(302, b"", "text/plain", [("Location", "http://127.0.0.1:%d/ok" % port)])
        elif path == "/empty":  # the type of an empty body does not matter
            self.reply(200, b"", "text/plain")
        elif path == "/bigheader":  # one 4 MiB header line
            self.send_response_only(200)
            self.send_header("Content-Type", SYNCML)
            self.send_header("X-Big", "a" * (4 * 1024 * 1024))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/manyheaders":  # 4 MiB of 32 KiB header lines
            self.send_response_only(200)
            self.send_header("Content-Type", SYNCML)
            for i in range(128):
                self.send_header("X-Many-%d" % i, "m" * (32 * 1024))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/500":
            self.reply(500, b"<html>Internal Server Error</html>", "text/html")
        elif path == "/500stream":  # an endless error page
            self.stream(chunked=True, code=500)
        elif path == "/503":
            self.reply(503, b"", "text/plain", [("Retry-After", "30")])
        elif path == "/429huge":
            self.reply(429, b"", "text/plain", [("Retry-After", "9" * 30)])
        elif path == "/429trailing":
            self.reply(429, b"", "text/plain", [("Retry-After", "60 s")])
        elif path == "/429past":  # a date before the server's own Date
            date = 1000000000
            self.send_response_only(429)
            self.send_header("Date", email.utils.formatdate(date, usegmt=True))
            self.send_header("Retry-After", email.utils.formatdate(date - 90, usegmt=True))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/ctspaced":  # blanks before the parameters
            self.reply(200, body, SYNCML + " \t;charset=utf-8")
        elif path == "/dm":
            answer = dm_reply(body.decode("utf-8", "replace"))
            if answer is None:
                self.reply(400, b"no Results with the device id", "text/plain")
            else:
                self.reply(200, answer.encode())
        elif path == "/dmgarbage":  # 200, the right type, not SyncML
            self.reply(200, b"<html>not SyncML</html>")
        elif path == "/soap":  # another type, announced by the client
            h = self.headers
            text = "ct=%s\naccept=%s\n" % (h.get("Content-Type"), h.get("Accept"))
            self.reply(200, text.encode(), "application/soap+xml; charset=utf-8")
        else:
            self.reply(404, b"", "text/plain")

    def do_GET(self):
        """The enrollment reachability probe: any type, no body sent."""
        path = self.path.split("?", 1)[0]
        if path == "/ok":
            text = "GET %s len=%s" % (path, self.headers.get("Content-Length"))
            self.reply(200, text.encode(), "text/html")
        elif path == "/empty":
            self.reply(200, b"", None)
        else:
            self.reply(404, b"", "text/plain")


def dm_reply(msg):
    """A two-package DM server: Gets ./DevInfo/DevId in answer to package 1,
    ends the session (header Status only) when the Results carry the id;
    None (answered with HTTP 400) when they do not."""
    def first(tag, text):
        m = re.search(r"<%s>(.*?)</%s>" % (tag, tag), text, re.S)
        return m.group(1) if m else ""
    hdr = first("SyncHdr", msg)
    sid, mid = first("SessionID", hdr), first("MsgID", hdr)
    device = first("LocURI", first("Source", hdr))
    server = first("LocURI", first("Target", hdr))
    body = ("<Status><CmdID>1</CmdID><MsgRef>%s</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
            "<TargetRef>%s</TargetRef><SourceRef>%s</SourceRef><Data>200</Data></Status>"
            % (mid, server, device))
    if mid == "1":
        body += ("<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevInfo/DevId</LocURI></Target>"
                 "</Item></Get>")
    elif "<Data>%s</Data>" % device not in first("Results", msg):
        return None
    return ("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
            "<VerProto>DM/1.2</VerProto><SessionID>%s</SessionID><MsgID>%s</MsgID>"
            "<Target><LocURI>%s</LocURI></Target><Source><LocURI>%s</LocURI></Source>"
            "</SyncHdr><SyncBody>%s<Final/></SyncBody></SyncML>" % (sid, mid, device, server, body))


class TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context):
        self.context = context
        super().__init__(("127.0.0.1", 0), Handler)

    def finish_request(self, request, client_address):
        # The handshake runs in the connection's thread, not the accept loop.
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return
        bump("connections")
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (OSError, ValueError):
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass


class Proxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ProxyHandler(socketserver.BaseRequestHandler):
    def handle(self):
        f = self.request.makefile("rb")
        line = f.readline(1024).decode("latin-1").split()
        while f.readline(1024) not in (b"\r\n", b"\n", b""):
            pass
        if len(line) < 2 or line[0] != "CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = line[1].rpartition(":")
        if host not in ("127.0.0.1", "localhost"):  # loopback only, always
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection(("127.0.0.1", int(port)))
        bump("tunnels")
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pair = {self.request: upstream, upstream: self.request}
        try:
            while True:
                ready, _, _ = select.select(list(pair), [], [], 30)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    pair[s].sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()


def context(certs, cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certs, cert), os.path.join(certs, "server.key"))
    ctx.load_verify_locations(os.path.join(certs, "ca.pem"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def context_tls12(certs):
    ctx = context(certs, "server.pem")
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def not_tls(listener):
    while True:
        conn, _ = listener.accept()
        try:
            conn.sendall(b"HTTP/1.0 400 this is not TLS\r\n\r\n")
        except OSError:
            pass
        conn.close()


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def main():
    certs = sys.argv[1]
    ports = {}
    for name, cert in (("good", "server.pem"), ("expired", "expired.pem"),
                       ("wronghost", "wronghost.pem")):
        ports[name] = serve(TLSServer(context(certs, cert)))
    tarpit = socket.socket()
    tarpit.bind(("127.0.0.1", 0))
    tarpit.listen(16)  # never accepted: the kernel completes TCP, nobody speaks TLS
    ports["tarpit"] = tarpit.getsockname()[1]
    ports["proxy"] = serve(Proxy(("127.0.0.1", 0), ProxyHandler))
    ports["tls12"] = serve(TLSServer(context_tls12(certs)))
    notls = socket.socket()
    notls.bind(("127.0.0.1", 0))
    notls.listen(16)
    threading.Thread(target=not_tls, args=(notls,), daemon=True).start()
    ports["notls"] = notls.getsockname()[1]
    print(" ".join("%s=%d" % kv for kv in ports.items()), flush=True)

    # The test closes our stdin when done; if it dies, the pipe closes too.
    watchdog = threading.Thread(target=sys.stdin.read, daemon=True)
    watchdog.start()
    watchdog.join(120)
    os._exit(0)


if __name__ == "__main__":
    main()
