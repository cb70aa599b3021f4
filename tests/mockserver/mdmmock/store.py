# SPDX-License-Identifier: Apache-2.0
"""SQLite state of the mock server (the --db file).

One connection, used under the server's single lock (see engine.Engine), so
no two threads touch it at once. Every write commits at once: a test that
reads the file while the server runs sees what the API shows.
"""

import datetime
import json
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    first_seen TEXT,            -- NULL: created by the admin API, never seen
    last_checkin TEXT,
    info TEXT NOT NULL DEFAULT '{}',    -- DevInfo values from its Replace
    config TEXT NOT NULL DEFAULT '{}'   -- per-device server behaviour
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT NOT NULL,
    action TEXT NOT NULL,       -- restart | schedule-restart
    state TEXT NOT NULL,        -- pending sent accepted completed failed
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    cmd_id TEXT,
    target TEXT,
    status TEXT,                -- DM status code of the command, once known
    detail TEXT                 -- JSON object: the outcome's key=value data
);
CREATE TABLE IF NOT EXISTS commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT NOT NULL,
    cmd_id TEXT NOT NULL,
    cmd TEXT NOT NULL,          -- element name: Exec, Get, Replace, ...
    xml TEXT NOT NULL,          -- sent verbatim
    state TEXT NOT NULL,        -- queued sent answered
    queued_at TEXT NOT NULL,
    sent_at TEXT,
    sent_count INTEGER NOT NULL DEFAULT 0,
    answered_at TEXT,
    status TEXT,
    results TEXT,               -- JSON list of Results items (Get)
    action_id INTEGER
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT,
    direction TEXT NOT NULL,    -- in (client->server) | out
    session TEXT,               -- the SessionID
    msg_id TEXT,
    time TEXT NOT NULL,
    http_status INTEGER,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS violations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT,
    session TEXT,
    msg TEXT,
    rule TEXT NOT NULL,
    detail TEXT NOT NULL,
    time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commands_device ON commands(device, state);
CREATE INDEX IF NOT EXISTS actions_device ON actions(device);
CREATE INDEX IF NOT EXISTS messages_device ON messages(device);
CREATE INDEX IF NOT EXISTS violations_device ON violations(device);
"""

ACTION_STATES = ("pending", "sent", "accepted", "completed", "failed",
                 "cancelled")
TERMINAL = ("completed", "failed", "cancelled")
# Columns added after the first schema (issue 17); added to older files.
_ADDED_COLUMNS = (("actions", "initiator", "TEXT"),
                  ("devices", "registered_at", "TEXT"))


def now():
    """UTC time as ISO 8601 with milliseconds and Z."""
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (
        t.microsecond // 1000)


def _json(s, default=None):
    if s is None:
        return default
    try:
        return json.loads(s)
    except ValueError:
        return s


class Store:
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False,
                                  isolation_level=None)
        self.db.row_factory = sqlite3.Row
        # WAL + NORMAL: survives a killed server (not a power cut) and keeps
        # each message's dozen writes from costing a dozen fsyncs.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        for table, col, kind in _ADDED_COLUMNS:
            have = [r["name"] for r in self._all("PRAGMA table_info(%s)"
                                                  % table)]
            if col not in have:
                self.db.execute("ALTER TABLE %s ADD COLUMN %s %s"
                                % (table, col, kind))

    def close(self):
        self.db.close()

    def _one(self, sql, *args):
        return self.db.execute(sql, args).fetchone()

    def _all(self, sql, *args):
        return self.db.execute(sql, args).fetchall()

    # devices -------------------------------------------------------------
    def device(self, dev):
        r = self._one("SELECT * FROM devices WHERE id=?", dev)
        return None if r is None else self._device_dict(r)

    def devices(self):
        return [self._device_dict(r) for r in
                self._all("SELECT * FROM devices ORDER BY id")]

    @staticmethod
    def _device_dict(r):
        return {"id": r["id"], "name": r["name"],
                "first_seen": r["first_seen"],
                "last_checkin": r["last_checkin"],
                "registered_at": r["registered_at"],
                "enrolled": r["first_seen"] is not None,
                "info": _json(r["info"], {}),
                "config": _json(r["config"], {})}

    def ensure_device(self, dev):
        self.db.execute("INSERT OR IGNORE INTO devices(id, name) VALUES(?,?)",
                        (dev, dev))
        return self.device(dev)

    def register(self, dev):
        """An admin adds a device before its first check-in."""
        self.ensure_device(dev)
        self.db.execute("UPDATE devices SET registered_at=COALESCE("
                        "registered_at, ?) WHERE id=?", (now(), dev))
        return self.device(dev)

    def checkin(self, dev):
        t = now()
        self.ensure_device(dev)
        self.db.execute("UPDATE devices SET first_seen=COALESCE(first_seen,?),"
                        " last_checkin=? WHERE id=?", (t, t, dev))

    def set_device_info(self, dev, info, name=None):
        d = self.device(dev)
        merged = dict(d["info"])
        merged.update(info)
        self.db.execute("UPDATE devices SET info=?, name=COALESCE(?, name)"
                        " WHERE id=?", (json.dumps(merged), name, dev))

    def set_device_config(self, dev, config):
        self.ensure_device(dev)
        self.db.execute("UPDATE devices SET config=? WHERE id=?",
                        (json.dumps(config), dev))

    # actions -------------------------------------------------------------
    @staticmethod
    def _action_dict(r):
        return {"id": r["id"], "device": r["device"], "action": r["action"],
                "state": r["state"], "requested_at": r["requested_at"],
                "updated_at": r["updated_at"], "cmd_id": r["cmd_id"],
                "target": r["target"], "status": r["status"],
                "detail": _json(r["detail"]), "initiator": r["initiator"]}

    def add_action(self, dev, action, cmd_id, target, initiator=None):
        t = now()
        cur = self.db.execute(
            "INSERT INTO actions(device, action, state, requested_at,"
            " updated_at, cmd_id, target, initiator) VALUES(?,?,?,?,?,?,?,?)",
            (dev, action, "pending", t, t, cmd_id, target, initiator))
        return cur.lastrowid

    def action(self, action_id):
        r = self._one("SELECT * FROM actions WHERE id=?", action_id)
        return None if r is None else self._action_dict(r)

    def actions(self, dev=None):
        if dev is None:
            rows = self._all("SELECT * FROM actions ORDER BY id")
        else:
            rows = self._all("SELECT * FROM actions WHERE device=? ORDER BY id",
                             dev)
        return [self._action_dict(r) for r in rows]

    def update_action(self, action_id, state=None, status=None, detail=None):
        a = self.action(action_id)
        if a is None:
            return
        self.db.execute(
            "UPDATE actions SET state=COALESCE(?, state),"
            " status=COALESCE(?, status), detail=COALESCE(?, detail),"
            " updated_at=? WHERE id=?",
            (state, status, None if detail is None else json.dumps(detail),
             now(), action_id))

    def action_by_cmd(self, dev, cmd_id):
        r = self._one("SELECT * FROM actions WHERE device=? AND cmd_id=?"
                      " ORDER BY id DESC LIMIT 1", dev, cmd_id)
        return None if r is None else self._action_dict(r)

    def latest_schedule_action(self, dev, kind=None):
        """Most recent schedule-restart action, preferring one whose target
        names the given schedule node (Single, DailyRecurrent, ...)."""
        if kind:
            r = self._one("SELECT * FROM actions WHERE device=? AND"
                          " action='schedule-restart' AND target LIKE ?"
                          " ORDER BY id DESC LIMIT 1", dev, "%/" + kind)
            if r is not None:
                return self._action_dict(r)
        r = self._one("SELECT * FROM actions WHERE device=? AND"
                      " action='schedule-restart' ORDER BY id DESC LIMIT 1",
                      dev)
        return None if r is None else self._action_dict(r)

    # commands ------------------------------------------------------------
    @staticmethod
    def _command_dict(r):
        return {"id": r["id"], "device": r["device"], "cmd_id": r["cmd_id"],
                "cmd": r["cmd"], "xml": r["xml"], "state": r["state"],
                "queued_at": r["queued_at"], "sent_at": r["sent_at"],
                "sent_count": r["sent_count"],
                "answered_at": r["answered_at"], "status": r["status"],
                "results": _json(r["results"]), "action_id": r["action_id"]}

    def queue_command(self, dev, cmd_id, cmd, xml, action_id=None):
        cur = self.db.execute(
            "INSERT INTO commands(device, cmd_id, cmd, xml, state, queued_at,"
            " action_id) VALUES(?,?,?,?,?,?,?)",
            (dev, cmd_id, cmd, xml, "queued", now(), action_id))
        return cur.lastrowid

    def link_command_action(self, row_id, action_id):
        self.db.execute("UPDATE commands SET action_id=? WHERE id=?",
                        (action_id, row_id))

    def command(self, row_id):
        r = self._one("SELECT * FROM commands WHERE id=?", row_id)
        return None if r is None else self._command_dict(r)

    def commands(self, dev):
        return [self._command_dict(r) for r in self._all(
            "SELECT * FROM commands WHERE device=? ORDER BY id", dev)]

    def unanswered_commands(self, dev):
        return [self._command_dict(r) for r in self._all(
            "SELECT * FROM commands WHERE device=? AND state!='answered'"
            " ORDER BY id", dev)]

    def find_unanswered(self, dev, cmd_id, cmd):
        r = self._one("SELECT * FROM commands WHERE device=? AND cmd_id=?"
                      " AND cmd=? AND state='sent' ORDER BY id LIMIT 1",
                      dev, cmd_id, cmd)
        return None if r is None else self._command_dict(r)

    def find_command(self, dev, cmd_id, cmd):
        r = self._one("SELECT * FROM commands WHERE device=? AND cmd_id=?"
                      " AND cmd=? ORDER BY id DESC LIMIT 1", dev, cmd_id, cmd)
        return None if r is None else self._command_dict(r)

    def mark_sent(self, row_id):
        t = now()
        self.db.execute("UPDATE commands SET state='sent',"
                        " sent_at=COALESCE(sent_at, ?),"
                        " sent_count=sent_count+1 WHERE id=?", (t, row_id))

    def mark_answered(self, row_id, status):
        self.db.execute("UPDATE commands SET state='answered', status=?,"
                        " answered_at=? WHERE id=?", (status, now(), row_id))

    def add_results(self, row_id, items):
        c = self.command(row_id)
        res = (c["results"] or []) + items
        self.db.execute("UPDATE commands SET results=? WHERE id=?",
                        (json.dumps(res), row_id))

    # messages and violations --------------------------------------------
    def add_message(self, dev, direction, session, msg_id, body,
                    http_status=None):
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        cur = self.db.execute(
            "INSERT INTO messages(device, direction, session, msg_id, time,"
            " http_status, body) VALUES(?,?,?,?,?,?,?)",
            (dev, direction, session, msg_id, now(), http_status, body))
        return cur.lastrowid

    def messages(self, dev, since=0):
        return [dict(r) for r in self._all(
            "SELECT * FROM messages WHERE device=? AND id>? ORDER BY id",
            dev, since)]

    def add_violation(self, dev, session, msg, rule, detail):
        self.db.execute(
            "INSERT INTO violations(device, session, msg, rule, detail, time)"
            " VALUES(?,?,?,?,?,?)", (dev, session, msg, rule, detail, now()))

    def violations(self, dev=None):
        if dev is None:
            rows = self._all("SELECT * FROM violations ORDER BY id")
        else:
            rows = self._all("SELECT * FROM violations WHERE device=?"
                             " ORDER BY id", dev)
        return [dict(r) for r in rows]
