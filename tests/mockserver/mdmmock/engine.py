# SPDX-License-Identifier: Apache-2.0
"""What the mock server does with each client message, and the queue.

Behaviour (as a real MDM server, Fleet-like where the references say so):
- Every client message gets a SyncHdr Status (200) and a Status for each
  client command but Status/Results: 200 for Alert and Replace (per-device
  config can change the code for 1226 generic alerts or, like Fleet, send no
  Status for Alerts), 406 for commands a client may not send, 400 with an
  empty CmdRef for a command without CmdID.
- A server package holds every queued command of the device that has no
  Status yet: a command goes out again in every later package and session
  until its Status arrives (Fleet). CmdIDs of actions are UUIDs (Fleet).
- Packages are split over several messages (no Final until the last) when
  the commands do not fit the client's announced MaxMsgSize (unless the
  device config sets "ignore_client_max", as Fleet does), or when the
  device config sets "split": N (at most N commands per message). While the
  server's package is open, each client message (which must not carry
  Final) gets the next part.
- A client message without Final while the server's package is complete
  means the client's own package goes on: the reply holds the Statuses and
  Alert 1222 (next message), no new command and no Final, until the
  client's Final arrives.
- With nothing left to send the reply holds only Statuses and Final (the
  client then ends the session), or, with config "end_with": "empty", an
  HTTP 200 with an empty body. Alert 1223 from the client ends the session
  with an empty body.
- Actions: pending -> sent (command went out) -> accepted (2xx Status) ->
  completed | failed (outcome alert; failed also on a Status >= 300 or on
  214/215/216: cancelled, not executed, rolled back).
  States only move forward, except that an outcome alert always sets the
  final state it reports (a later report wins).
"""

import json
import re
import sys
import threading
import time
import xml.etree.ElementTree as ET

from . import checker, dmauth, inventory, syncml
from .store import Store, TERMINAL

DEFAULT_CONFIG = {
    "split": 0,                  # max commands per server message; 0 = any
    "end_with": "statuses",      # or "empty": empty HTTP body ends sessions
    "final": True,               # False: never send <Final/> (like Fleet)
    "status_for_alerts": True,   # False: no Status for client Alerts (Fleet)
    "alert_status": 200,         # Status code for 1226 generic alerts
    "reply_delay_ms": 0,         # hold every SyncML reply this long (slow
                                 # server; the push tests' long sessions)
    "ignore_client_max": False,  # True: one reply holds every queued
                                 # command whatever the client's MaxMsgSize
                                 # (Fleet)
}

_SCHEDULE_RE = re.compile(r"/Reboot/Schedule/(Single|DailyRecurrent|"
                          r"WeeklyRecurrent)$")
_CLEAR_VALUES = ("", "0000-00-00T00:00:00")
# 2xx codes that say the command did not take effect: cancelled, not
# executed, rolled back (syncml-dm.md §7).
_NOT_DONE = ("214", "215", "216")
# Room for closing tags, Final and XML whitespace when sizing a message.
_SIZE_SLACK = 256


def validate_config(cfg):
    """Merge a partial config over the defaults; ValueError if invalid."""
    out = dict(DEFAULT_CONFIG)
    for k, val in cfg.items():
        if k not in DEFAULT_CONFIG:
            raise ValueError("unknown config key %s" % k)
        if k == "split" and not (isinstance(val, int) and val >= 0):
            raise ValueError("split must be an integer >= 0")
        if k == "end_with" and val not in ("statuses", "empty"):
            raise ValueError("end_with must be statuses or empty")
        if (k in ("final", "status_for_alerts", "ignore_client_max")
                and not isinstance(val, bool)):
            raise ValueError("%s must be true or false" % k)
        if k == "alert_status" and not (isinstance(val, int)
                                        and 100 <= val <= 599):
            raise ValueError("alert_status must be a status code")
        if k == "reply_delay_ms" and not (isinstance(val, int)
                                          and 0 <= val <= 60000):
            raise ValueError("reply_delay_ms must be 0..60000")
        out[k] = val
    return out


class Session:
    def __init__(self, device, session_id):
        self.device = device
        self.session_id = session_id
        self.client_msg_id = 0
        self.server_msg_id = 0
        self.client_max = None
        self.announced = False
        self.sent = []            # ServerCmd of the current server package
        self.order = 0
        self.remaining = []       # command rows for later parts
        self.server_pkg_open = False
        self.ended = False
        self.auth = None          # dmauth: (code, nonce) of package 1


class Reply:
    def __init__(self, status, body=b"", ctype=syncml.CONTENT_TYPE):
        self.status = status
        self.body = body
        self.ctype = ctype


class Engine:
    def __init__(self, db_path, server_uri, max_msg_size, log=sys.stderr):
        self.store = Store(db_path)
        self.server_uri = server_uri
        self.max_msg_size = max_msg_size
        self.lock = threading.RLock()
        self.sessions = {}       # device -> Session (current or last)
        self.push = None         # push.Hub when the push channel is on
        self.inventory = False   # True: Get DevDetail at check-in
        self.dmauth = None       # dmauth.DMAuth when --dm-auth is on
        self.log_file = log

    def log(self, fmt, *args):
        try:
            print("mockserver: " + (fmt % args if args else fmt),
                  file=self.log_file, flush=True)
        except (OSError, ValueError):
            pass

    def config(self, dev):
        d = self.store.device(dev)
        return validate_config(d["config"] if d else {})

    # --- admin side -----------------------------------------------------
    def _wake(self, dev):
        if self.push is not None:
            return self.push.notify(dev)
        return None

    def create_action(self, dev, action):
        if action == "sync":
            # Intune's Sync: no command, only a wake-up.
            if self.push is None:
                raise ValueError("sync needs the push channel")
            return {"device": dev, "action": "sync", "state": "notified",
                    "push_session": self._wake(dev)}
        if action != "restart":
            raise ValueError("unknown action %r (supported: restart, sync)"
                             % action)
        out = self._create_restart(dev)
        self._wake(dev)
        return out

    def _create_restart(self, dev, initiator=None):
        with self.lock:
            self.store.ensure_device(dev)
            cmd_id = syncml.new_cmd_id()
            row = self.store.queue_command(
                dev, cmd_id, "Exec", syncml.exec_reboot_now_xml(cmd_id))
            aid = self.store.add_action(dev, "restart", cmd_id,
                                        syncml.REBOOT_NOW, initiator)
            self.store.link_command_action(row, aid)
            self.log("device %s: action %d restart queued as Exec %s",
                     dev, aid, cmd_id)
            return self.store.action(aid)

    def queue_raw(self, dev, raw):
        """Queue one raw SyncML command; returns the command record plus
        the ids of any actions it created (restart / schedule-restart)."""
        xml, cmd_id, cmd = syncml.prepare_raw_command(raw)
        with self.lock:
            self.store.ensure_device(dev)
            row = self.store.queue_command(dev, cmd_id, cmd.name, xml)
            actions = []
            for c in [cmd] + _nested(cmd):
                for it in c.items:
                    tgt = it.target or ""
                    if (c.name == "Exec" and tgt.endswith("/Reboot/RebootNow")
                            and c.cmd_id):
                        actions.append(self.store.add_action(
                            dev, "restart", c.cmd_id, tgt))
                    elif (c.name in ("Add", "Replace") and c.cmd_id
                          and _SCHEDULE_RE.search(tgt)
                          and (it.data or "").strip() not in _CLEAR_VALUES):
                        actions.append(self.store.add_action(
                            dev, "schedule-restart", c.cmd_id, tgt))
            if actions:
                self.store.link_command_action(row, actions[0])
            self.log("device %s: queued %s %s", dev, cmd.name, cmd_id)
            out = self.store.command(row)
            out["actions"] = actions
        self._wake(dev)
        return out

    # --- SyncML side ----------------------------------------------------
    def handle(self, cn, body, ctype):
        with self.lock:
            reply = self._handle(cn, body, ctype)
            delay = self.config(cn)["reply_delay_ms"] if cn else 0
        if delay:
            time.sleep(delay / 1000.0)  # outside the lock: others go on
        return reply

    def _violate(self, dev, sess_id, msg_id, viol):
        for rule, detail in viol:
            self.store.add_violation(dev, sess_id, msg_id, rule, detail)
            self.log("VIOLATION device=%s session=%s msg=%s %s: %s",
                     dev, sess_id, msg_id, rule, detail)

    def _handle(self, cn, body, ctype):
        dev = cn
        try:
            msg = syncml.parse(body)
        except syncml.ParseError as e:
            self.store.add_message(dev, "in", None, None, body)
            self._violate(dev, None, None, [("xml", str(e))])
            return self._refuse(dev, None, None, 400, "malformed SyncML")
        sid, mid = msg.session_id, msg.msg_id
        if msg.source != cn:
            self.store.add_message(dev, "in", sid, mid, body)
            self._violate(dev, sid, mid, [(
                "source-cn", "SyncHdr Source %r is not the certificate's"
                " CN %r" % (msg.source, cn))])
            return self._refuse(dev, sid, mid, 403,
                                "Source does not match the client certificate")

        self.store.checkin(dev)
        cfg = self.config(dev)
        viol = checker.check_envelope(msg, ctype)
        sess, first, v = self._session_for(dev, msg)
        viol += v
        pkg1 = first
        if self.dmauth is not None and (
                sess.auth is None or sess.auth[0] != "212"):
            sess.auth = self.dmauth.check(dev, msg)
            if sess.auth[0] != "212":
                self.store.add_message(dev, "in", sid, mid, body)
                self._violate(dev, sid, mid, viol)
                return self._challenge(dev, sess, msg)
            pkg1 = True  # package 1, sent again after a challenge
        if sess.announced and len(body) > self.max_msg_size:
            viol.append(("msg-size", "message of %d bytes, the server"
                         " announced MaxMsgSize %d" % (len(body),
                                                       self.max_msg_size)))
        if pkg1:
            viol += checker.check_package1(msg)
            if self.inventory:
                inventory.queue(self.store, dev)
        else:
            viol += checker.check_only_hdr_status(msg)
        v, matches, results = checker.check_statuses(msg, sess, first)
        viol += v
        if msg.final:
            if sess.server_pkg_open:
                viol.append(("final-early", "Final while the server's"
                             " package is still open (server message %d had"
                             " no Final)" % sess.server_msg_id))
            if not checker.refuses_server_message(msg):
                viol += checker.check_package_end(sess)
        if msg.max_msg_size and msg.max_msg_size.isdigit():
            sess.client_max = int(msg.max_msg_size)
        self.store.add_message(dev, "in", sid, mid, body)

        for st, scmd in matches:
            self._on_status(dev, st, scmd)
        for res, scmd in results:
            self._on_results(dev, res, scmd)
        statuses, aborted = self._client_commands(dev, msg, cfg, viol)
        self._violate(dev, sid, mid, viol)

        if aborted:
            sess.ended = True
            return self._send(dev, sess, Reply(200))
        return self._reply(dev, sess, msg, cfg, statuses)

    def _session_for(self, dev, msg):
        """The session this message belongs to; (session, first, viol)."""
        v = []
        mid = msg.msg_id
        mid_int = int(mid) if mid and mid.isdigit() else None
        sess = self.sessions.get(dev)
        if mid_int is None:
            v.append(("msgid", "MsgID %r is not an integer" % mid))
        if mid_int == 1 or sess is None:
            if mid_int != 1:
                v.append(("msgid", "session starts with MsgID %r, expected"
                          " 1" % mid))
            if sess is not None and sess.session_id == msg.session_id:
                v.append(("sessionid-reuse", "new session reuses the"
                          " previous session's SessionID %r"
                          % msg.session_id))
            sess = Session(dev, msg.session_id)
            self.sessions[dev] = sess
            sess.client_msg_id = mid_int or 1
            return sess, True, v
        if msg.session_id != sess.session_id:
            v.append(("sessionid-changed", "SessionID %r within session %r"
                      % (msg.session_id, sess.session_id)))
        if mid_int is not None and mid_int != sess.client_msg_id + 1:
            v.append(("msgid", "MsgID %d after %d, expected %d"
                      % (mid_int, sess.client_msg_id,
                         sess.client_msg_id + 1)))
        sess.client_msg_id = mid_int or sess.client_msg_id + 1
        return sess, False, v

    def _refuse(self, dev, sid, mid, code, text):
        body = (text + "\n").encode()
        self.store.add_message(dev, "out", sid, mid, body, http_status=code)
        return Reply(code, body, "text/plain; charset=utf-8")

    def _on_status(self, dev, st, scmd):
        code = st.data
        if not checker.is_code(code):
            return
        row = None
        if scmd is not None and scmd.row_id is not None:
            row = self.store.command(scmd.row_id)
        elif scmd is None:
            # Like Fleet: a Status whose CmdRef names a command still waiting
            # for one settles it, whatever the protocol checker thought.
            row = self.store.find_unanswered(dev, st.cmd_ref, st.cmd)
        if row is not None and row["state"] == "sent":
            self.store.mark_answered(row["id"], code)
        cmd_id = scmd.cmd_id if scmd is not None else st.cmd_ref
        act = self.store.action_by_cmd(dev, cmd_id)
        if act is None:
            return
        state = None
        if act["state"] in TERMINAL:
            pass  # e.g. the outcome arrived before a resent Exec's Status
        elif code in _NOT_DONE or int(code) >= 300:
            state = "failed"
        elif code.startswith("2"):
            state = "accepted"
        self.store.update_action(act["id"], state=state, status=code)
        self.log("device %s: action %d %s -> status %s%s", dev, act["id"],
                 act["action"], code, " (%s)" % state if state else "")

    def _on_results(self, dev, res, scmd):
        row_id = scmd.row_id if scmd is not None else None
        if row_id is None:
            row = self.store.find_command(dev, res.cmd_ref, "Get")
            row_id = row["id"] if row else None
        if row_id is not None:
            self.store.add_results(row_id, [i.as_dict() for i in res.items])
            inventory.apply(self.store, dev, row_id, res.items)

    def _client_commands(self, dev, msg, cfg, viol):
        """Act on the client's commands; returns (Status parts, aborted)
        where Status parts are (cmd_id, name, code) to answer."""
        out, aborted = [], False
        info, name = {}, None
        for c in msg.commands:
            if c.name in ("Status", "Results"):
                continue
            code = "200"
            if c.name not in syncml.CLIENT_COMMANDS:
                code = "406"
            elif c.name == "Alert":
                if c.data == "1223":
                    aborted = True
                elif c.data == "1226":
                    code = str(cfg["alert_status"])
                    for it in c.items:
                        if it.meta_type == syncml.OUTCOME_TYPE:
                            viol += self._on_outcome(dev, it)
                if not cfg["status_for_alerts"]:
                    continue
            elif c.name == "Replace":
                for it in c.items:
                    uri = it.source or it.target or ""
                    if uri.startswith("./DevInfo/"):
                        info[uri[len("./DevInfo/"):]] = it.data
                    elif uri == "./DevDetail/Ext/Microsoft/DeviceName":
                        name = it.data
            if not c.cmd_id:
                code = "400"
            out.append((c.cmd_id or "", c.name, code))
        if info or name:
            # The name is DeviceName only: Man + Mod said "Unknown Unknown"
            # on machines without DMI data; without it the id stays.
            self.store.set_device_info(dev, info, (name or "").strip() or None)
        return out, aborted

    def _on_outcome(self, dev, item):
        fields, problems = syncml.parse_outcome(item.data)
        v = checker.check_outcome_item(item, problems)
        outcome = fields.get("outcome")
        v += checker.check_outcome_mark(item, outcome)
        trig = fields.get("trigger")
        if outcome not in syncml.OUTCOME_VALUES:
            return v
        state = "completed" if outcome == "restarted" else "failed"
        act = None
        if trig == "now":
            act = self.store.action_by_cmd(dev, fields.get("cmdref"))
        elif trig in ("single", "daily", "weekly"):
            kind = {"single": "Single", "daily": "DailyRecurrent",
                    "weekly": "WeeklyRecurrent"}[trig]
            act = self.store.latest_schedule_action(dev, kind)
        if act is None:
            self.log("device %s: outcome %s (trigger %s, cmdref %s) matches"
                     " no action", dev, outcome, trig, fields.get("cmdref"))
            return v
        self.store.update_action(act["id"], state=state, detail=fields)
        self.log("device %s: action %d %s -> %s (outcome %s)", dev,
                 act["id"], act["action"], state, outcome)
        return v

    # --- building the reply ---------------------------------------------
    def _reply(self, dev, sess, msg, cfg, client_statuses):
        sess.server_msg_id += 1
        smid = sess.server_msg_id
        parts_cmds = []          # (row or None, xml, parsed Command)
        final = True
        # The client's package is over when it says Final; also when it asks
        # for our next message (Alert 1222), and always in Fleet-like mode
        # (no Final anywhere, so a client may never send one either).
        asks_next = any(c.name == "Alert" and c.data == "1222"
                        for c in msg.commands)
        client_done = msg.final or asks_next or not cfg["final"]
        ask_more = False
        if client_done or sess.server_pkg_open:
            if not sess.server_pkg_open:
                sess.sent = []
                sess.remaining = self.store.unanswered_commands(dev)
            parts_cmds = self._take_part(sess, cfg, len(client_statuses))
            sess.server_pkg_open = bool(sess.remaining)
            final = not sess.server_pkg_open
        else:
            final = False        # the client's package goes on: ask for more
            ask_more = True

        taken = {c.cmd_id for _, _, c in parts_cmds}
        counter = _Counter(taken)
        parts = [self._hdr_status(sess, msg, counter.next())]
        for cmd_id, name, code in client_statuses:
            parts.append(syncml.status_xml(counter.next(), msg.msg_id,
                                           cmd_id, name, code))
        if ask_more:
            aid = counter.next()
            parts.append(syncml.alert_xml(aid, "1222"))
            sess.order += 1
            sess.sent.append(checker.ServerCmd(sess.order, smid, aid,
                                               "Alert"))
        for row, xml, cmd in parts_cmds:
            parts.append(xml)
            self.store.mark_sent(row["id"])
            for c in [cmd] + _nested(cmd):
                sess.order += 1
                sess.sent.append(checker.ServerCmd(
                    sess.order, smid, c.cmd_id, c.name,
                    row["id"] if c is cmd else None,
                    [i.target for i in c.items if i.target]))
                act = self.store.action_by_cmd(dev, c.cmd_id)
                if act is not None and act["state"] == "pending":
                    self.store.update_action(act["id"], state="sent")
        has_cmds = len(parts) > 1 + len(client_statuses)
        self.log("device %s session %s: client msg %s (%d commands%s) ->"
                 " server msg %d (%d commands%s)", dev, sess.session_id,
                 msg.msg_id, len(msg.commands), ", Final" if msg.final else "",
                 smid, len(parts) - 1 - len(client_statuses),
                 ", Final" if final and cfg["final"] else "")
        if not has_cmds:
            sess.ended = True
            if cfg["end_with"] == "empty":
                sess.server_msg_id -= 1  # nothing was sent
                return self._send(dev, sess, Reply(200))
        hdr = syncml.header_xml(sess.session_id, smid, dev, self.server_uri,
                                self.max_msg_size)
        sess.announced = True
        body = syncml.message_xml(hdr, parts, final and cfg["final"])
        return self._send(dev, sess, Reply(200, body.encode()), smid)

    def _hdr_status(self, sess, msg, cmd_id):
        """200, or 212 with the next nonce on the message that
        authenticated (dmauth)."""
        if sess.auth is not None and sess.auth[1] is not None:
            status = dmauth.chal_status_xml(cmd_id, msg.msg_id, *sess.auth)
            sess.auth = (sess.auth[0], None)  # the nonce goes out once
            return status
        return syncml.status_xml(cmd_id, msg.msg_id, "0", "SyncHdr", "200")

    def _challenge(self, dev, sess, msg):
        """Only the SyncHdr Status with the Chal: the client sends package
        1 again with its Cred."""
        sess.server_msg_id += 1
        smid = sess.server_msg_id
        hdr = syncml.header_xml(sess.session_id, smid, dev, self.server_uri,
                                self.max_msg_size)
        sess.announced = True
        body = syncml.message_xml(hdr, [dmauth.chal_status_xml(
            1, msg.msg_id, *sess.auth)], True)
        return self._send(dev, sess, Reply(200, body.encode()), smid)

    def _take_part(self, sess, cfg, n_statuses):
        """Next commands of the open package that fit the client's
        MaxMsgSize and the per-device split count (at least one)."""
        limit = None if cfg["ignore_client_max"] else sess.client_max
        size = 600 + 160 * (n_statuses + 1) + _SIZE_SLACK
        out = []
        while sess.remaining:
            if cfg["split"] and len(out) >= cfg["split"]:
                break
            row = sess.remaining[0]
            if self.store.command(row["id"])["state"] == "answered":
                sess.remaining.pop(0)  # cancelled since the package began
                continue
            n = len(row["xml"].encode()) + 1
            if out and limit and size + n > limit:
                break
            sess.remaining.pop(0)
            try:
                cmd = syncml.Command(ET.fromstring(row["xml"]))
            except ET.ParseError:  # validated when queued; keep going
                continue
            out.append((row, row["xml"], cmd))
            size += n
        return out

    def _send(self, dev, sess, reply, smid=None):
        self.store.add_message(dev, "out", sess.session_id,
                               None if smid is None else str(smid),
                               reply.body, http_status=reply.status)
        return reply


class _Counter:
    """Server CmdIDs 1, 2, ... skipping ids used by queued commands."""

    def __init__(self, taken):
        self.n = 0
        self.taken = taken

    def next(self):
        self.n += 1
        while str(self.n) in self.taken:
            self.n += 1
        return str(self.n)


def _nested(cmd):
    out = []
    for c in cmd.nested:
        out.append(c)
        out.extend(_nested(c))
    return out


def dumps(obj):
    return json.dumps(obj, indent=1, sort_keys=False).encode() + b"\n"
