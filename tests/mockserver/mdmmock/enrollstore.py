# SPDX-License-Identifier: Apache-2.0
"""SQLite tables of the enrollment service, on the Store's connection (so
the server's single lock covers them too).

enrollments: one row per device id that ever enrolled; state
  enrolled   -> the device may be managed
  retired    -> an admin asked for unenrollment; the DMClient Unenroll Exec
                is queued, the device may still check in to receive it
  unenrolled -> the device said it unenrolled (Alert 1226
                com.microsoft:mdm.unenrollment.userrequest) or answered the
                Unenroll Exec with 2xx; management is refused
enrollment_certs: every certificate issued, by SHA-256 of its DER; a
  SyncML client certificate must be one of its device's live ones.
"""

import json

from .store import now

SCHEMA = """
CREATE TABLE IF NOT EXISTS enrollments (
    device TEXT PRIMARY KEY,
    state TEXT NOT NULL,            -- enrolled | retired | unenrolled
    enrolled_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    auth TEXT NOT NULL,             -- OnPremise | Federated
    user TEXT,                      -- UsernameToken user (OnPremise)
    enrollment_type TEXT,           -- AdditionalContext EnrollmentType
    context TEXT NOT NULL DEFAULT '{}',  -- AdditionalContext items
    cert_serial TEXT,
    cert_expiry TEXT,
    cert_thumbprint TEXT,
    renewed_at TEXT,
    renewals INTEGER NOT NULL DEFAULT 0,
    unenroll_cmd TEXT,              -- CmdID of the queued Unenroll Exec
    unenrolled_at TEXT,
    unenroll_reason TEXT,           -- user-request | server
    login_status TEXT,              -- last Alert 1224 LoginStatus Data
    login_status_at TEXT,
    session_serial TEXT             -- serial of the certificate of the last
                                    -- trusted SyncML request
);
CREATE TABLE IF NOT EXISTS enrollment_certs (
    sha256 TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    serial TEXT NOT NULL,
    not_after TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    kind TEXT NOT NULL,             -- issue | renew
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS enrollment_certs_device ON enrollment_certs(device);
"""

PUBLIC = ("device", "state", "enrolled_at", "updated_at", "auth", "user",
          "enrollment_type", "cert_serial", "cert_expiry", "cert_thumbprint",
          "renewed_at", "renewals", "unenroll_cmd", "unenrolled_at",
          "unenroll_reason", "login_status", "login_status_at",
          "session_serial")


class EnrollmentStore:
    def __init__(self, db):
        self.db = db
        db.executescript(SCHEMA)

    def get(self, dev):
        r = self.db.execute("SELECT * FROM enrollments WHERE device=?",
                            (dev,)).fetchone()
        return None if r is None else self._dict(r)

    def all(self):
        return [self._dict(r) for r in self.db.execute(
            "SELECT * FROM enrollments ORDER BY device")]

    @staticmethod
    def _dict(r):
        d = {k: r[k] for k in PUBLIC}
        try:
            d["context"] = json.loads(r["context"])
        except ValueError:
            d["context"] = {}
        return d

    def enroll(self, dev, auth, user, enrollment_type, context, issued):
        """A fresh enrollment (Issue): replaces any earlier one of the same
        device id, whose certificates stop counting."""
        t = now()
        self.db.execute("UPDATE enrollment_certs SET revoked=1 WHERE device=?",
                        (dev,))
        self.db.execute("DELETE FROM enrollments WHERE device=?", (dev,))
        self.db.execute(
            "INSERT INTO enrollments(device, state, enrolled_at, updated_at,"
            " auth, user, enrollment_type, context, cert_serial, cert_expiry,"
            " cert_thumbprint) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
            (dev, "enrolled", t, t, auth, user, enrollment_type,
             json.dumps(context), issued.serial, _iso(issued.not_after),
             issued.thumbprint))
        self._add_cert(dev, issued, "issue", t)

    def renew(self, dev, issued):
        """A renewal: the new certificate becomes current; the old one stays
        valid until it expires (no gap in management)."""
        t = now()
        self.db.execute(
            "UPDATE enrollments SET cert_serial=?, cert_expiry=?,"
            " cert_thumbprint=?, renewed_at=?, renewals=renewals+1,"
            " updated_at=? WHERE device=?",
            (issued.serial, _iso(issued.not_after), issued.thumbprint, t, t,
             dev))
        self._add_cert(dev, issued, "renew", t)

    def _add_cert(self, dev, issued, kind, t):
        self.db.execute(
            "INSERT OR REPLACE INTO enrollment_certs(sha256, device, serial,"
            " not_after, issued_at, kind) VALUES(?,?,?,?,?,?)",
            (issued.sha256, dev, issued.serial, _iso(issued.not_after), t,
             kind))

    def cert_owner(self, sha256, revoked=False):
        """(device, not_after) of a live certificate we issued (revoked:
        of one a later enrollment superseded), or None."""
        r = self.db.execute(
            "SELECT device, not_after FROM enrollment_certs WHERE sha256=?"
            " AND revoked=?", (sha256, 1 if revoked else 0)).fetchone()
        return None if r is None else (r["device"], r["not_after"])

    def note_session_cert(self, dev, sha256):
        """The certificate (by SHA-256) a trusted SyncML request of dev
        came with: its serial becomes session_serial."""
        self.db.execute(
            "UPDATE enrollments SET session_serial=(SELECT serial FROM"
            " enrollment_certs WHERE sha256=?) WHERE device=?", (sha256, dev))

    def set_state(self, dev, state, **fields):
        cols = ["state=?", "updated_at=?"]
        vals = [state, now()]
        for k, v in fields.items():
            cols.append("%s=?" % k)
            vals.append(v)
        vals.append(dev)
        self.db.execute("UPDATE enrollments SET %s WHERE device=?"
                        % ", ".join(cols), vals)

    def set_login_status(self, dev, data):
        self.db.execute("UPDATE enrollments SET login_status=?,"
                        " login_status_at=? WHERE device=?",
                        (data, now(), dev))


def _iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
