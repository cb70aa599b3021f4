# SPDX-License-Identifier: Apache-2.0
"""A scripted SyncML client for testing the mock server (and for tests that
need to poke it by hand). It writes exactly what it is told, right or
wrong: the server's checker is what is under test."""

import http.client
import json
import ssl
import urllib.parse
import urllib.request

from . import syncml
from .syncml import x

UA = "MSFT OMA DM Client/1.2.0.1"


def tls_client_context(ca, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def post(url, body, ctx, ctype=syncml.CONTENT_TYPE, timeout=10):
    """POST body to url over TLS; returns (status, body bytes, headers)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                       timeout=timeout)
    try:
        conn.request("POST", (u.path or "/") + ("?" + u.query if u.query
                                                  else ""), body=body,
                     headers={"Content-Type": ctype, "User-Agent": UA,
                              "Accept": syncml.CONTENT_TYPE})
        r = conn.getresponse()
        return r.status, r.read(), dict(r.getheaders())
    finally:
        conn.close()


def message(device, target, session, msg_id, commands, final=True,
            max_msg_size=None, source=None):
    meta = ""
    if max_msg_size:
        meta = ("<Meta><MaxMsgSize xmlns=\"syncml:metinf\">%d</MaxMsgSize>"
                "</Meta>" % max_msg_size)
    return ("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
            "<VerProto>DM/1.2</VerProto><SessionID>%s</SessionID>"
            "<MsgID>%s</MsgID><Target><LocURI>%s</LocURI></Target>"
            "<Source><LocURI>%s</LocURI></Source>%s</SyncHdr><SyncBody>%s%s"
            "</SyncBody></SyncML>"
            % (x(session), x(msg_id), x(target),
               x(device if source is None else source), meta,
               "".join(commands), "<Final/>" if final else "")).encode()


def alert(cmd_id, code, items=""):
    return "<Alert><CmdID>%s</CmdID><Data>%s</Data>%s</Alert>" % (
        x(cmd_id), x(code), items)


def devinfo_replace(cmd_id, device, man="Contoso", mod="CX-200"):
    items = "".join(
        "<Item><Source><LocURI>./DevInfo/%s</LocURI></Source>"
        "<Data>%s</Data></Item>" % (k, x(v))
        for k, v in (("DevId", device), ("Man", man), ("Mod", mod),
                     ("DmV", "1.3"), ("Lang", "en-US")))
    return "<Replace><CmdID>%s</CmdID>%s</Replace>" % (x(cmd_id), items)


def status(cmd_id, msg_ref, cmd_ref, cmd, code="200", target_ref=None):
    return syncml.status_xml(cmd_id, msg_ref, cmd_ref, cmd, code, target_ref)


def results(cmd_id, msg_ref, cmd_ref, uri, data, fmt="chr"):
    return ("<Results><CmdID>%s</CmdID><MsgRef>%s</MsgRef><CmdRef>%s</CmdRef>"
            "<Cmd>Get</Cmd><Item><Source><LocURI>%s</LocURI></Source><Meta>"
            "<Format xmlns=\"syncml:metinf\">%s</Format></Meta><Data>%s</Data>"
            "</Item></Results>" % (x(cmd_id), x(msg_ref), x(cmd_ref), x(uri),
                                   x(fmt), x(data)))


def outcome_alert(cmd_id, fields, source=syncml.REBOOT_NOW, mark=None):
    """Alert 1226 org.omadm-agent.reboot.outcome; fields is an ordered list
    of (key, value), values percent-encoded here."""
    data = ";".join("%s=%s" % (k, urllib.parse.quote(str(v), safe=":-.TZ+"))
                    for k, v in fields)
    outcome = dict(fields).get("outcome")
    if mark is None:
        mark = "informational" if outcome == "restarted" else "critical"
    item = ("<Item><Source><LocURI>%s</LocURI></Source><Meta>"
            "<Type xmlns=\"syncml:metinf\">%s</Type>"
            "<Format xmlns=\"syncml:metinf\">chr</Format>"
            "<Mark xmlns=\"syncml:metinf\">%s</Mark></Meta>"
            "<Data>%s</Data></Item>" % (x(source), syncml.OUTCOME_TYPE,
                                        x(mark), x(data)))
    return alert(cmd_id, "1226", item)


class Admin:
    """Tiny client of the admin JSON API."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, body=None, raw=None):
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw.encode() if isinstance(raw, str) else raw
            headers["Content-Type"] = "application/xml"
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def get(self, path):
        code, obj = self.call("GET", path)
        if code != 200:
            raise AssertionError("GET %s -> %d %r" % (path, code, obj))
        return obj

    def post(self, path, body=None, raw=None):
        return self.call("POST", path, body=body, raw=raw)
