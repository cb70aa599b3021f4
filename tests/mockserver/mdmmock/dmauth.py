# SPDX-License-Identifier: Apache-2.0
"""DM client authentication (opt-in, --dm-auth md5): the server challenges
each session for the device's DMAcc credentials, as an MS-MDM server that
does not trust the TLS certificate alone does, and can rotate them.

OMA DM 1.2 (DM Security §5.3, Representation Protocol Status 212/401/407):
package 1 without a Cred gets Status 407 on the SyncHdr, a wrong Cred 401,
each with a Chal (Type syncml:auth-md5, Format b64, NextNonce); a good one
212 with the NextNonce for the next session. The MD5 digest is
b64(md5(b64(md5(name ":" secret)) ":" nonce)), nonce being the raw bytes.

The credentials are the ones the provisioning document gave the device
(APPLICATION w7, APPAUTH APPSRV). A rotation generates new ones, queues the
Replace of ./SyncML/DMAcc/<account>/AppAuth/CLCRED/AAuthName and
AAuthSecret, and keeps them pending: the server accepts the pending pair or
the current one until the device uses the pending pair, which then becomes
current (the old one is refused from then on).
"""

import base64
import hashlib
import hmac
import secrets
import time

from . import syncml
from .syncml import x

MD5 = "syncml:auth-md5"
CLCRED = "./SyncML/DMAcc/%s/AppAuth/CLCRED/%s"

SCHEMA = """
CREATE TABLE IF NOT EXISTS dm_credentials (
    device TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 1,
    pending_name TEXT,
    pending_secret TEXT,
    nonce BLOB NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    last_result TEXT,
    last_generation INTEGER,
    last_at REAL
);
"""


def digest(name, secret, nonce):
    """The syncml:auth-md5 Cred Data for name, secret and raw nonce bytes."""
    inner = base64.b64encode(
        hashlib.md5(("%s:%s" % (name, secret)).encode()).digest())
    return base64.b64encode(hashlib.md5(inner + b":" + nonce).digest())


def cred_of(msg):
    """(Meta Type, Data) of the message's SyncHdr Cred, or None."""
    hdr = syncml.child(msg.root, "SyncHdr")
    cred = syncml.child(hdr, "Cred")
    if cred is None:
        return None
    return (syncml.text(cred, "Meta", "Type") or "",
            syncml.text(cred, "Data") or "")


def chal_status_xml(cmd_id, msg_ref, code, nonce):
    """The SyncHdr Status with a Chal (401, 407) or a NextNonce (212)."""
    return ("<Status><CmdID>%s</CmdID><MsgRef>%s</MsgRef><CmdRef>0</CmdRef>"
            "<Cmd>SyncHdr</Cmd><Chal><Meta>"
            '<Type xmlns="syncml:metinf">%s</Type>'
            '<Format xmlns="syncml:metinf">b64</Format>'
            '<NextNonce xmlns="syncml:metinf">%s</NextNonce>'
            "</Meta></Chal><Data>%s</Data></Status>"
            % (x(cmd_id), x(msg_ref), MD5,
               base64.b64encode(nonce).decode(), x(code)))


class DMAuth:
    def __init__(self, db, account, log):
        self.db = db
        self.account = account  # the DMAcc account: the provider id
        self.log = log
        db.executescript(SCHEMA)

    def _row(self, dev):
        return self.db.execute("SELECT * FROM dm_credentials WHERE device=?",
                               (dev,)).fetchone()

    def provision(self, dev):
        """Fresh credentials for a device that (re-)enrolls."""
        self.db.execute(
            "INSERT OR REPLACE INTO dm_credentials (device, name, secret,"
            " nonce) VALUES (?, ?, ?, ?)",
            (dev, dev, secrets.token_hex(16), secrets.token_bytes(16)))
        self.db.commit()

    def current(self, dev):
        """(name, secret) the provisioning document carries, or None."""
        r = self._row(dev)
        return None if r is None else (r["name"], r["secret"])

    def rotate(self, dev, queue):
        """New pending credentials; queue(xml) sends their Replace.
        None when the device has no credentials here."""
        r = self._row(dev)
        if r is None:
            return None
        name = "%s-%d" % (dev, r["generation"] + 1)
        secret = secrets.token_hex(16)
        items = "".join(
            "<Item><Target><LocURI>%s</LocURI></Target>"
            '<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>'
            "<Data>%s</Data></Item>"
            % (x(CLCRED % (self.account, leaf)), x(value))
            for leaf, value in (("AAuthName", name), ("AAuthSecret", secret)))
        cmd = queue("<Replace><CmdID>%s</CmdID>%s</Replace>"
                    % (syncml.new_cmd_id(), items))
        self.db.execute("UPDATE dm_credentials SET pending_name=?,"
                        " pending_secret=? WHERE device=?",
                        (name, secret, dev))
        self.db.commit()
        self.log("device %s: DM credentials rotated to generation %d (%s)",
                 dev, r["generation"] + 1, name)
        return {"device": dev, "pending_generation": r["generation"] + 1,
                "name": name, "command": cmd}

    def state(self, dev):
        """What the console shows (never a secret)."""
        r = self._row(dev)
        if r is None:
            return None
        return {"device": dev, "name": r["name"],
                "generation": r["generation"],
                "pending": r["pending_name"] is not None,
                "pending_name": r["pending_name"],
                "accepted": r["accepted"], "refused": r["refused"],
                "last_result": r["last_result"],
                "last_generation": r["last_generation"],
                "last_at": r["last_at"]}

    def check(self, dev, msg):
        """Package 1 of a session: (code, nonce) for the SyncHdr Status,
        212 when msg authenticates, else the challenge (401 wrong, 407
        missing), with the NextNonce to send."""
        r = self._row(dev)
        if r is None:
            self.log("device %s: DM authentication 401: no credentials", dev)
            return "401", secrets.token_bytes(16)
        nonce = bytes(r["nonce"])
        cred = cred_of(msg)
        gen = None
        if cred is None:
            code, result = "407", "missing"
        elif cred[0] != MD5:
            code, result = "401", "wrong type %s" % cred[0][:40]
        else:
            got = cred[1].encode()
            if r["pending_name"] and hmac.compare_digest(got, digest(
                    r["pending_name"], r["pending_secret"], nonce)):
                gen = r["generation"] + 1
                self.db.execute(
                    "UPDATE dm_credentials SET name=pending_name,"
                    " secret=pending_secret, generation=?, pending_name=NULL,"
                    " pending_secret=NULL WHERE device=?", (gen, dev))
            elif hmac.compare_digest(got, digest(r["name"], r["secret"],
                                                 nonce)):
                gen = r["generation"]
            code, result = ("212", "ok") if gen else ("401", "refused")
        new_nonce = secrets.token_bytes(16)
        self.db.execute(
            "UPDATE dm_credentials SET nonce=?, last_result=?,"
            " last_generation=?, last_at=?, accepted=accepted+?,"
            " refused=refused+? WHERE device=?",
            (new_nonce, result, gen, time.time(), 1 if gen else 0,
             1 if code == "401" else 0, dev))
        self.db.commit()
        self.log("device %s: DM authentication %s (%s)%s", dev, code, result,
                 " with generation %d" % gen if gen else "")
        return code, new_nonce
