# SPDX-License-Identifier: Apache-2.0
"""Protocol checker: every client message is held against these rules.

A failed rule is recorded as a violation (device, session, msg, rule,
detail) and logged; the server still answers as a tolerant real server
would, so a test sees both the violation and what followed. Only rules the
references state (syncml-dm.md, reboot-csp.md §6) are checked; the source
of each is given.

Envelope (every message)
  http-content-type   Content-Type is application/vnd.syncml.dm+xml (§1).
  xml                 well-formed XML, no DOCTYPE/ENTITY.
  root                root element SyncML in namespace SYNCML:SYNCML1.2,
                      SyncHdr then SyncBody (§2).
  verdtd / verproto   VerDTD 1.2, VerProto DM/1.2 (§2).
  hdr-target          SyncHdr Target/LocURI present (§2).
  source-cn           SyncHdr Source/LocURI equals the TLS client
                      certificate's CN (the device id); else HTTP 403.
  sessionid           SessionID present, at most 4 bytes (§2, MSMDM 2.2.3.8).
  body-element        every SyncBody child is a DM command or Final.
  client-command      client -> server commands are only Alert, Replace,
                      Results, Status (§5, OMA-DMP 2.3).
  cmdid               every command (nested included) has a CmdID, not
                      empty and not "0", unique within the message (§3).
  status-fields       a Status has MsgRef, CmdRef, Cmd and a 3-digit Data.
  alert-code          an Alert has a Data code from the client list
                      1200/1201/1222/1223/1224/1225/1226 (§8).
  alert-1222-final    a message asking for the next message (Alert 1222)
                      carries no Final (§4 multi-message).
  msg-size            after the server announced MaxMsgSize in the session,
                      a client message is no larger (§2 agent rule, §11).

Session (per device)
  msgid               MsgID is an integer, 1 for the first message of a
                      session, then +1 per message (§2, §3).
  sessionid-changed   SessionID constant within a session (§2).
  sessionid-reuse     a new session does not reuse the previous session's
                      SessionID (unique per session, §2).
  package1            the first message has Alert 1201 or 1200 and the
                      DevInfo Replace (§4: "DevInfo must be in the first
                      message").

Statuses and Results (every message after the first)
  synchdr-status      the first SyncBody command is the Status for the
                      server's SyncHdr: CmdRef 0, Cmd SyncHdr, MsgRef = the
                      MsgID of the server message it answers (§3 rule 2).
  status-unknown      a Status answers a command the server sent in its
                      current package (§3).
  status-msgref       ... with the MsgRef of the server message that
                      carried that command.
  status-cmd          ... and Cmd naming that command.
  status-duplicate    one Status per server command, never two (§3 rule 1),
                      except one per Item, each with its own TargetRef,
                      when a multi-Item command's Items ended differently.
  status-order        Statuses follow the order of the commands (§3 rule 3).
  status-for-status   no Status answers a Status or Results (§3 rule 5).
  status-missing      when the client closes its package (Final), every
                      command of the server's package, nested ones
                      included, has had its Status (§3 rule 1; over
                      several messages when the client splits its reply).
                      Not when the client's SyncHdr Status refuses the
                      server's message (4xx/5xx, e.g. 413 for a message
                      over the client's size cap): none of it was run.
  results-unexpected  Results answer a Get of the server's package, after
                      that Get's Status, and only when it was 200 (§5).
  results-missing     a Get answered 200 has Results by the client's Final.
  only-synchdr-status a client message holding only a successful SyncHdr
                      Status is not sent (§3 rule 4).

Packages (Final)
  final-early         the client does not close its package with Final
                      while the server's package is still open (the last
                      server message had no Final) (§4 multi-message).

Restart outcome alert (reboot-csp.md §6; 1226 with Meta/Type
org.omadm-agent.reboot.outcome)
  outcome-format      Source/LocURI present, Meta/Format chr, Meta/Mark
                      informational for restarted and critical otherwise,
                      Data parses as key=value;... with the required keys
                      (v, trigger, requested, deadline, outcome; cmdref,
                      msgref, session for trigger=now; boot for restarted),
                      known trigger/outcome values, values percent-encoded.
"""

from . import syncml

MAX_SESSIONID_BYTES = 4


class ServerCmd:
    """A command the server sent in its current package, awaiting Status."""

    def __init__(self, order, msg_id, cmd_id, name, row_id=None,
                 targets=()):
        self.order = order
        self.msg_id = str(msg_id)
        self.cmd_id = cmd_id
        self.name = name
        self.row_id = row_id
        self.targets = list(targets)  # its Items' Target LocURIs
        self.answered = set()   # TargetRefs of its per-Item Statuses
        self.status = None      # code once answered
        self.results = False    # Results seen (Get)

    @property
    def key(self):
        return (self.msg_id, self.cmd_id)


def check_envelope(msg, ctype):
    """Rules that need nothing but the message."""
    v = []
    if (ctype or "").split(";")[0].strip().lower() != syncml.CONTENT_TYPE:
        v.append(("http-content-type", "Content-Type is %r" % ctype))
    if msg.root_name != "SyncML" or msg.root_ns != syncml.SYNCML_NS:
        v.append(("root", "root element {%s}%s, expected {%s}SyncML"
                  % (msg.root_ns, msg.root_name, syncml.SYNCML_NS)))
    if not msg.has_hdr or not msg.has_body:
        v.append(("root", "SyncHdr or SyncBody missing"))
    elif not msg.hdr_first:
        v.append(("root", "SyncHdr is not the first child of SyncML"))
    if msg.ver_dtd != "1.2":
        v.append(("verdtd", "VerDTD is %r, expected 1.2" % msg.ver_dtd))
    if msg.ver_proto != "DM/1.2":
        v.append(("verproto", "VerProto is %r, expected DM/1.2"
                  % msg.ver_proto))
    if not msg.target:
        v.append(("hdr-target", "SyncHdr Target/LocURI missing"))
    if not msg.session_id:
        v.append(("sessionid", "SessionID missing"))
    elif len(msg.session_id.encode()) > MAX_SESSIONID_BYTES:
        v.append(("sessionid", "SessionID %r longer than %d bytes"
                  % (msg.session_id, MAX_SESSIONID_BYTES)))
    for name in msg.unknown:
        v.append(("body-element", "SyncBody child %s is not a DM command"
                  % name))
    for c in msg.commands:
        if c.name not in syncml.CLIENT_COMMANDS:
            v.append(("client-command", "%s (CmdID %s) may not go from"
                      " client to server" % (c.name, c.cmd_id)))
    seen = set()
    for c in msg.all_commands():
        if c.cmd_id is None:
            v.append(("cmdid", "%s without CmdID" % c.name))
        elif c.cmd_id == "":
            v.append(("cmdid", "%s with an empty CmdID" % c.name))
        elif c.cmd_id == "0":
            v.append(("cmdid", "%s with CmdID 0" % c.name))
        elif c.cmd_id in seen:
            v.append(("cmdid", "CmdID %s used twice in the message"
                      % c.cmd_id))
        if c.cmd_id:
            seen.add(c.cmd_id)
        if c.name == "Status":
            missing = [f for f in ("MsgRef", "CmdRef", "Cmd")
                       if getattr(c, _attr(f)) is None]
            if missing:
                v.append(("status-fields", "Status %s lacks %s"
                          % (c.cmd_id, ", ".join(missing))))
            if not is_code(c.data):
                v.append(("status-fields", "Status %s Data %r is not a"
                          " 3-digit code" % (c.cmd_id, c.data)))
        if c.name == "Alert":
            if c.data not in syncml.CLIENT_ALERTS:
                v.append(("alert-code", "Alert %s code %r is not a client"
                          " alert" % (c.cmd_id, c.data)))
            if c.data == "1222" and msg.final:
                v.append(("alert-1222-final", "Alert 1222 (next message)"
                          " in a message with Final"))
    return v


def _attr(field):
    return {"MsgRef": "msg_ref", "CmdRef": "cmd_ref", "Cmd": "cmd"}[field]


def is_code(s):
    return s is not None and len(s) == 3 and s.isdigit()


def check_package1(msg):
    v = []
    alerts = [c.data for c in msg.commands if c.name == "Alert"]
    if "1201" not in alerts and "1200" not in alerts:
        v.append(("package1", "first message has no Alert 1201/1200"))
    devinfo = any(c.name == "Replace" and any(
        (i.source or i.target or "").startswith("./DevInfo/")
        for i in c.items) for c in msg.commands)
    if not devinfo:
        v.append(("package1", "first message has no DevInfo Replace"))
    return v


def check_statuses(msg, sess, first):
    """SyncHdr Status, Statuses and Results against the server's package.

    Returns (violations, matches, results) where matches is a list of
    (status Command, ServerCmd or None) for every Status but the SyncHdr
    one, and results a list of (Results Command, ServerCmd or None).
    Marks the ServerCmds answered.
    """
    v, matches, results = [], [], []
    cmds = msg.commands
    if not first:
        hdr = cmds[0] if cmds else None
        if hdr is None or hdr.name != "Status" or hdr.cmd_ref != "0":
            v.append(("synchdr-status", "first command is not the Status"
                      " for the server's SyncHdr"))
        else:
            want = str(sess.server_msg_id)
            if hdr.cmd != "SyncHdr":
                v.append(("synchdr-status", "SyncHdr Status has Cmd %r"
                          % hdr.cmd))
            if hdr.msg_ref != want:
                v.append(("synchdr-status", "SyncHdr Status MsgRef %r,"
                          " expected %s (the server message it answers)"
                          % (hdr.msg_ref, want)))
    by_key = {s.key: s for s in sess.sent}
    last_order = -1
    for i, c in enumerate(cmds):
        if c.name == "Status":
            if c.cmd_ref == "0":
                if i != 0 or first:
                    v.append(("synchdr-status", "Status for a SyncHdr"
                              " (CmdRef 0) at position %d" % (i + 1)))
                continue
            if c.cmd in ("Status", "Results"):
                v.append(("status-for-status", "Status %s answers a %s"
                          % (c.cmd_id, c.cmd)))
            s = by_key.get((c.msg_ref, c.cmd_ref))
            if s is None:
                others = [o for o in sess.sent if o.cmd_id == c.cmd_ref]
                if others:
                    s = others[0]
                    v.append(("status-msgref", "Status for %s %s has MsgRef"
                              " %r, the command came in server message %s"
                              % (s.name, s.cmd_id, c.msg_ref, s.msg_id)))
                else:
                    v.append(("status-unknown", "Status %s answers %s %r"
                              " (MsgRef %r), not a command of the server's"
                              " current package" % (c.cmd_id, c.cmd,
                                                    c.cmd_ref, c.msg_ref)))
                    matches.append((c, None))
                    continue
            if c.cmd != s.name:
                v.append(("status-cmd", "Status for %s has Cmd %r, the"
                          " command is %s" % (s.cmd_id, c.cmd, s.name)))
            if s.status is not None:
                # Items that ended with different codes: one Status per
                # Item, each naming its Item in TargetRef (MS-MDM
                # 2.2.6.1). Anything else is a second Status.
                if (len(s.targets) > 1 and s.answered and c.target_ref
                        and c.target_ref in s.targets
                        and c.target_ref not in s.answered):
                    s.answered.add(c.target_ref)
                    matches.append((c, s))
                    continue
                v.append(("status-duplicate", "second Status for %s %s"
                          % (s.name, s.cmd_id)))
                matches.append((c, s))
                continue
            s.status = c.data
            if c.target_ref and c.target_ref in s.targets:
                s.answered.add(c.target_ref)
            if s.order < last_order:
                v.append(("status-order", "Status for %s %s comes after"
                          " the Status of a later command"
                          % (s.name, s.cmd_id)))
            last_order = max(last_order, s.order)
            matches.append((c, s))
        elif c.name == "Results":
            ref_msg = c.msg_ref if c.msg_ref is not None else "1"
            s = by_key.get((ref_msg, c.cmd_ref))
            if s is None or s.name != "Get":
                v.append(("results-unexpected", "Results %s (CmdRef %r,"
                          " MsgRef %r) answer no Get of the server's"
                          " package" % (c.cmd_id, c.cmd_ref, c.msg_ref)))
                results.append((c, None))
                continue
            if s.status is None:
                v.append(("results-unexpected", "Results for Get %s before"
                          " its Status" % s.cmd_id))
            elif s.status != "200":
                v.append(("results-unexpected", "Results for Get %s that"
                          " was answered %s" % (s.cmd_id, s.status)))
            s.results = True
            results.append((c, s))
    return v, matches, results


def refuses_server_message(msg):
    """The client's SyncHdr Status is an error: it did not process the
    server's message (syncml-dm.md §7), so its commands get no Status."""
    hdr = msg.commands[0] if msg.commands else None
    return (hdr is not None and hdr.name == "Status" and hdr.cmd_ref == "0"
            and (hdr.data or "")[:1] in ("4", "5"))


def check_package_end(sess):
    """The client closed its package: every server command answered."""
    v = []
    for s in sess.sent:
        if s.status is None:
            v.append(("status-missing", "no Status for %s %s (server"
                      " message %s)" % (s.name, s.cmd_id, s.msg_id)))
        elif s.name == "Get" and s.status == "200" and not s.results:
            v.append(("results-missing", "no Results for Get %s answered"
                      " 200" % s.cmd_id))
    return v


def check_only_hdr_status(msg):
    if (len(msg.commands) == 1 and msg.commands[0].name == "Status"
            and msg.commands[0].cmd_ref == "0"
            and (msg.commands[0].data or "").startswith("2")):
        return [("only-synchdr-status", "message holds only a successful"
                 " SyncHdr Status; it should not have been sent")]
    return []


def check_outcome_item(item, problems):
    """Shape of one restart-outcome Item (reboot-csp.md §6)."""
    v = [("outcome-format", p) for p in problems]
    if not item.source:
        v.append(("outcome-format", "Item has no Source/LocURI"))
    if item.meta_format != "chr":
        v.append(("outcome-format", "Meta/Format is %r, expected chr"
                  % item.meta_format))
    return v


def check_outcome_mark(item, outcome):
    want = "informational" if outcome == "restarted" else "critical"
    if outcome in syncml.OUTCOME_VALUES and item.meta_mark != want:
        return [("outcome-format", "Meta/Mark is %r for outcome %s,"
                 " expected %s" % (item.meta_mark, outcome, want))]
    return []
