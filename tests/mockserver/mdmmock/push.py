# SPDX-License-Identifier: Apache-2.0
"""Push channel: wakes a device that holds a long-poll GET open, with a
Package 0 notification (OMA DM Notification Initiated Session 1.2).

The device GETs PATH (default /push) on the SyncML HTTPS port with its
client certificate (device id = CN, as for SyncML). The request is held
until a notification is due for that device (answer 200,
application/vnd.syncml.dm.notification, the Package 0 bytes) or the period
has passed (204). Every answer carries X-Push-Period: <seconds>.

Package 0 (big-endian): digest (16 bytes) | version (10 bits) | ui-mode (2)
| initiator (1) | future-use (27) | session id (16) | server id length (8)
| server id | vendor part. digest = MD5(B64(MD5(server-id ":" password))
":" nonce ":" B64(MD5(trigger))), trigger = everything after the digest.

Independent of the agent's C code (omadm/notify): a bug on one side shows
as a digest the other refuses.
"""

import base64
import hashlib
import struct
import threading
import time

CONTENT_TYPE = "application/vnd.syncml.dm.notification"
VERSION = 11                     # "1.1": the DMNOTI 1.2 text's value
UI_BACKGROUND = 1
RESET_NONCE = b"0x00000000"
DEFAULT_SERVER_ID = "omadm-mockserver"
DEFAULT_PERIOD = 600
FIRST_SESSION_ID = 0x1000        # 4 hex digits: never equal to a client's
                                 # decimal 1..255 SessionID


def _md5(data):
    return hashlib.md5(data).digest()


def digest(server_id, password, nonce, trigger):
    cred = base64.b64encode(_md5(server_id.encode() + b":" + password))
    return _md5(cred + b":" + nonce + b":" +
                base64.b64encode(_md5(trigger)))


def build(session_id, server_id, password, nonce=RESET_NONCE, vendor=b"",
          version=VERSION, ui=UI_BACKGROUND, initiator=1):
    sid = server_id.encode()
    if not 0 < len(sid) < 256 or not 0 <= session_id <= 0xFFFF:
        raise ValueError("bad server id or session id")
    hdr = ((version << 54) | (ui << 52) | (initiator << 51) |
           (session_id << 8) | len(sid))
    trigger = struct.pack(">Q", hdr) + sid + vendor
    return digest(server_id, password, nonce, trigger) + trigger


def parse(data):
    """(version, ui, initiator, session_id, server_id, vendor) or
    ValueError."""
    if len(data) < 25:
        raise ValueError("truncated")
    (hdr,) = struct.unpack(">Q", data[16:24])
    n = hdr & 0xFF
    if n == 0 or len(data) < 24 + n:
        raise ValueError("bad server id length")
    return (hdr >> 54, (hdr >> 52) & 3, (hdr >> 51) & 1, (hdr >> 8) & 0xFFFF,
            data[24:24 + n].decode("ascii"), data[24 + n:])


class Hub:
    """Per-device pending notifications and the requests waiting for
    them. Thread-safe."""

    def __init__(self, password=b"", server_id=DEFAULT_SERVER_ID,
                 period=DEFAULT_PERIOD, nonce=RESET_NONCE, log=None):
        self.password = password
        self.server_id = server_id
        self.period = period
        self.nonce = nonce
        self.log = log or (lambda *a: None)
        self.cond = threading.Condition()
        self.pending = {}          # device -> notification bytes
        self.next_sid = FIRST_SESSION_ID
        self.stats = {}            # device -> {"requests", "notified", ...}
        self.gen = {}              # device -> number of its latest request

    def _stat(self, dev):
        return self.stats.setdefault(dev, {"requests": 0, "notified": 0,
                                           "waiting": 0, "last_session": None})

    def notify(self, dev):
        """Queues a notification for `dev` (one pending at most: a newer
        one replaces it). Returns its session id as the device will send
        it (hex)."""
        with self.cond:
            sid = self.next_sid
            self.next_sid = (FIRST_SESSION_ID if self.next_sid >= 0xFFFF
                             else self.next_sid + 1)
            self.pending[dev] = build(sid, self.server_id, self.password,
                                      self.nonce)
            self._stat(dev)["last_session"] = "%X" % sid
            self.cond.notify_all()
        self.log("device %s: push notification queued (session %X)", dev, sid)
        return "%X" % sid

    def wait(self, dev, timeout):
        """Blocks until a notification for `dev` is pending (returns it,
        and forgets it) or `timeout` seconds pass (None)."""
        end = time.monotonic() + timeout
        with self.cond:
            st = self._stat(dev)
            st["requests"] += 1
            st["waiting"] += 1
            # The newest request of a device wins: an older one is from a
            # connection the device gave up (a restarted agent) and must
            # not swallow the notification.
            me = self.gen[dev] = self.gen.get(dev, 0) + 1
            self.cond.notify_all()
            try:
                while dev not in self.pending:
                    left = end - time.monotonic()
                    if left <= 0 or self.gen[dev] != me:
                        return None
                    self.cond.wait(left)
                if self.gen[dev] != me:
                    return None
                st["notified"] += 1
                return self.pending.pop(dev)
            finally:
                st["waiting"] -= 1

    def device_stats(self, dev):
        with self.cond:
            return dict(self._stat(dev))


def handle_get(handler, hub, cn):
    """Serves one long-poll GET on `handler` (a BaseHTTPRequestHandler)."""
    extra = {"X-Push-Period": str(int(hub.period))}
    data = hub.wait(cn, hub.period)
    if data is None:
        handler.send_response(204)
        for k, v in extra.items():
            handler.send_header(k, v)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return
    handler._send(200, data, CONTENT_TYPE, extra)
