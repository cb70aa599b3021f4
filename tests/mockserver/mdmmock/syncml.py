# SPDX-License-Identifier: Apache-2.0
"""SyncML DM 1.2 message model for the mock server: a tolerant reader and a
text writer.

Reading matches elements by local name (servers and clients differ in how
they qualify Meta children); the protocol checker, not the reader, decides
what is a violation. Writing builds the text by hand so that raw commands
queued through the admin API go out byte for byte as given.
"""

import re
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SYNCML_NS = "SYNCML:SYNCML1.2"
METINF_NS = "syncml:metinf"
CONTENT_TYPE = "application/vnd.syncml.dm+xml"
REBOOT_NOW = "./Device/Vendor/MSFT/Reboot/RebootNow"
OUTCOME_TYPE = "org.omadm-agent.reboot.outcome"

# Commands a DM client may send to a server [OMA-DMP §2.3].
CLIENT_COMMANDS = ("Alert", "Replace", "Results", "Status")
# Alert codes a client may send (syncml-dm.md §8).
CLIENT_ALERTS = ("1200", "1201", "1222", "1223", "1224", "1225", "1226")
# Commands that carry other commands.
CONTAINERS = ("Atomic", "Sequence")
DM_COMMANDS = ("Add", "Alert", "Atomic", "Copy", "Delete", "Exec", "Get",
               "Replace", "Results", "Sequence", "Status")


class ParseError(Exception):
    """The body is not a SyncML message we can read at all."""


def local(tag):
    """Local name of an ElementTree tag ('{ns}Name' -> 'Name')."""
    if not isinstance(tag, str):  # comments, processing instructions
        return None
    return tag.rsplit("}", 1)[-1]


def namespace(tag):
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def child(elem, name):
    if elem is None:
        return None
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def children(elem, name):
    if elem is None:
        return []
    return [c for c in elem if local(c.tag) == name]


def text(elem, *path):
    """Stripped text of elem/path..., or None when an element is absent."""
    for name in path:
        elem = child(elem, name)
    if elem is None:
        return None
    return (elem.text or "").strip()


def inner_xml(elem):
    """Data as a value: its text, or its inner markup when it has children
    (Fleet puts unescaped XML trees inside Data)."""
    if elem is None:
        return None
    if len(elem) == 0:
        return elem.text or ""
    parts = [elem.text or ""]
    for c in elem:
        parts.append(ET.tostring(c, encoding="unicode"))
    return "".join(parts)


class Item:
    def __init__(self, elem):
        self.target = text(elem, "Target", "LocURI")
        self.source = text(elem, "Source", "LocURI")
        meta = child(elem, "Meta")
        self.meta_type = text(meta, "Type")
        self.meta_format = text(meta, "Format")
        self.meta_mark = text(meta, "Mark")
        self.data = inner_xml(child(elem, "Data"))
        self.more_data = child(elem, "MoreData") is not None

    def as_dict(self):
        d = {"source": self.source, "target": self.target,
             "format": self.meta_format, "type": self.meta_type,
             "data": self.data}
        return {k: v for k, v in d.items() if v is not None}


class Command:
    """One command of a SyncBody (or nested in Atomic/Sequence)."""

    def __init__(self, elem):
        self.elem = elem
        self.name = local(elem.tag)
        self.cmd_id = text(elem, "CmdID")
        self.msg_ref = text(elem, "MsgRef")
        self.cmd_ref = text(elem, "CmdRef")
        self.cmd = text(elem, "Cmd")
        self.target_ref = text(elem, "TargetRef")
        data = child(elem, "Data")
        self.data = None if data is None else (data.text or "").strip()
        self.items = [Item(i) for i in children(elem, "Item")]
        self.nested = [Command(c) for c in elem
                       if local(c.tag) in DM_COMMANDS]

    def __repr__(self):
        return "<%s %s>" % (self.name, self.cmd_id)


class Message:
    """A parsed SyncML message (either direction)."""

    def __init__(self, root):
        self.root = root
        self.root_ns = namespace(root.tag)
        self.root_name = local(root.tag)
        hdr = child(root, "SyncHdr")
        body = child(root, "SyncBody")
        self.has_hdr = hdr is not None
        self.has_body = body is not None
        self.hdr_first = len(root) > 0 and local(root[0].tag) == "SyncHdr"
        self.ver_dtd = text(hdr, "VerDTD")
        self.ver_proto = text(hdr, "VerProto")
        self.session_id = text(hdr, "SessionID")
        self.msg_id = text(hdr, "MsgID")
        self.target = text(hdr, "Target", "LocURI")
        self.source = text(hdr, "Source", "LocURI")
        self.max_msg_size = text(hdr, "Meta", "MaxMsgSize")
        self.has_cred = child(hdr, "Cred") is not None
        self.commands = []
        self.unknown = []  # SyncBody children that are not DM commands
        self.final = False
        for c in (body if body is not None else []):
            name = local(c.tag)
            if name is None:
                continue
            if name == "Final":
                self.final = True
            elif name in DM_COMMANDS:
                self.commands.append(Command(c))
            else:
                self.unknown.append(name)

    def all_commands(self):
        """Every command, nested ones included, in document order."""
        out = []

        def walk(cmds):
            for c in cmds:
                out.append(c)
                walk(c.nested)
        walk(self.commands)
        return out


_DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse(body):
    """Parse bytes into a Message. Refuses DTDs/entities (never expanded)."""
    if _DTD_RE.search(body):
        raise ParseError("DOCTYPE/ENTITY declarations are not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise ParseError("not well-formed XML: %s" % e) from None
    return Message(root)


# --- writing ---------------------------------------------------------------

def x(s):
    return escape("" if s is None else str(s))


def status_xml(cmd_id, msg_ref, cmd_ref, cmd, code, target_ref=None):
    tr = ("<TargetRef>%s</TargetRef>" % x(target_ref)) if target_ref else ""
    return ("<Status><CmdID>%s</CmdID><MsgRef>%s</MsgRef>"
            "<CmdRef>%s</CmdRef><Cmd>%s</Cmd>%s<Data>%s</Data></Status>"
            % (x(cmd_id), x(msg_ref), x(cmd_ref), x(cmd), tr, x(code)))


def alert_xml(cmd_id, code):
    return "<Alert><CmdID>%s</CmdID><Data>%s</Data></Alert>" % (
        x(cmd_id), x(code))


def exec_reboot_now_xml(cmd_id, target=REBOOT_NOW):
    return ("<Exec><CmdID>%s</CmdID><Item><Target><LocURI>%s</LocURI>"
            "</Target><Meta><Format xmlns=\"syncml:metinf\">null</Format>"
            "</Meta></Item></Exec>" % (x(cmd_id), x(target)))


def header_xml(session_id, msg_id, target, source, max_msg_size):
    meta = ""
    if max_msg_size:
        meta = ("<Meta><MaxMsgSize xmlns=\"syncml:metinf\">%d</MaxMsgSize>"
                "</Meta>" % max_msg_size)
    return ("<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"
            "<SessionID>%s</SessionID><MsgID>%s</MsgID>"
            "<Target><LocURI>%s</LocURI></Target>"
            "<Source><LocURI>%s</LocURI></Source>%s</SyncHdr>"
            % (x(session_id), x(msg_id), x(target), x(source), meta))


def message_xml(header, parts, final):
    body = "\n".join(parts)
    return ("<SyncML xmlns=\"%s\">\n%s\n<SyncBody>\n%s%s\n</SyncBody>\n"
            "</SyncML>\n" % (SYNCML_NS, header, body,
                             "\n<Final/>" if final else ""))


def new_cmd_id():
    return str(uuid.uuid4())


_START_TAG_RE = re.compile(
    r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<([A-Za-z_][\w.:-]*)"
    r"((?:\s+[^\s=>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>", re.S)


def prepare_raw_command(raw):
    """Validate one raw command given through the admin API.

    Returns (xml_text, cmd_id, command) where xml_text has no XML
    declaration and carries a CmdID (a UUID is inserted as the first child
    when the command has none; a given one is kept verbatim).
    Raises ValueError on anything that is not one well-formed element.
    """
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    if _DTD_RE.search(raw.encode("utf-8")):
        raise ValueError("DOCTYPE/ENTITY declarations are not accepted")
    try:
        elem = ET.fromstring(raw)
    except ET.ParseError as e:
        raise ValueError("not well-formed XML: %s" % e) from None
    m = _START_TAG_RE.match(raw)
    if not m:
        raise ValueError("cannot find the command's start tag")
    body = raw[m.start(1) - 1:].strip()
    cmd = Command(elem)
    if not cmd.cmd_id:
        if child(elem, "CmdID") is not None:
            raise ValueError("CmdID is empty")
        cmd_id = new_cmd_id()
        name, attrs, selfclose = m.group(1), m.group(2), m.group(3)
        rest = raw[m.end():].strip()
        inner = "<CmdID>%s</CmdID>" % cmd_id
        if selfclose:
            body = "<%s%s>%s</%s>" % (name, attrs, inner, name)
        else:
            body = "<%s%s>%s%s" % (name, attrs, inner, rest)
        cmd = Command(ET.fromstring(body))
    return body, cmd.cmd_id, cmd


# --- the restart outcome alert (reboot-csp.md §6) --------------------------

OUTCOME_REQUIRED = ("v", "trigger", "requested", "deadline", "outcome")
OUTCOME_REQUIRED_NOW = ("cmdref", "msgref", "session")
OUTCOME_TRIGGERS = ("now", "single", "daily", "weekly")
OUTCOME_VALUES = ("restarted", "late", "not-restarted", "missed", "refused")


def parse_outcome(data):
    """'k=v;k=v' with percent-encoded values -> (dict, [problems])."""
    fields, problems = {}, []
    for part in (data or "").strip().split(";"):
        if part == "":
            continue
        if "=" not in part:
            problems.append("pair without '=': %r" % part)
            continue
        k, v = part.split("=", 1)
        k = urllib.parse.unquote(k)
        if "=" in v:
            problems.append("unescaped '=' in value of %s" % k)
        if any(ord(ch) < 0x21 or ord(ch) > 0x7E for ch in v):
            problems.append("unescaped byte outside 0x21-0x7E in %s" % k)
        if k in fields:
            problems.append("duplicate key %s" % k)
        if not _valid_percent(v):
            problems.append("bad percent escape in %s" % k)
        try:
            fields[k] = urllib.parse.unquote(v, errors="strict")
        except UnicodeDecodeError:
            problems.append("percent escapes in %s are not UTF-8" % k)
            fields[k] = urllib.parse.unquote(v, errors="replace")
    for k in OUTCOME_REQUIRED:
        if k not in fields:
            problems.append("missing key %s" % k)
    if fields.get("v") not in (None, "1"):
        problems.append("unknown version v=%s" % fields.get("v"))
    trig = fields.get("trigger")
    if trig is not None and trig not in OUTCOME_TRIGGERS:
        problems.append("unknown trigger %s" % trig)
    if trig == "now":
        for k in OUTCOME_REQUIRED_NOW:
            if k not in fields:
                problems.append("missing key %s (trigger=now)" % k)
    out = fields.get("outcome")
    if out is not None and out not in OUTCOME_VALUES:
        problems.append("unknown outcome %s" % out)
    if out == "restarted" and "boot" not in fields:
        problems.append("missing key boot (outcome=restarted)")
    return fields, problems


_PCT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _valid_percent(v):
    return _PCT_RE.search(v) is None
