# SPDX-License-Identifier: Apache-2.0
"""Durable writes checked from the system calls (strace): for every file the
agent replaces in its state directory, in this order, all in the traced
processes:

  1. the temp file is created and written,
  2. fsync (or fdatasync) on the temp file, after its last write,
  3. rename of the temp file over the target,
  4. fsync on the directory after the rename, before the process writes to
     a socket again (the server may act on what it is told) and before it
     exits.

A state file is never written in place except by appending (O_APPEND, then
fsync before close; a created file's directory fsync'd as in 4), and never
truncated. How many fsyncs a session makes is not checked: only that none
of these is missing.

Two weaker classes are allowed by design (platform.h, OMADM_FILE_FLUSH_*):
- REPORTS, reports of the past for `status` (last session, plugins loaded,
  restart outcomes already in the outbox): temp file and rename only, so a
  process crash leaves the old or the new file; a power loss may lose them.
- MARKS, the "restart requested" marks of the current boot
  (reboot-requested.conf, omadm/csp/reboot/requested.c): temp file and
  rename only (a power loss ends the boot the mark is about); and a record
  replaced again in the same session: the temp file is fsync'd, the
  directory need not be.
LOCKS (agent.lock, which holds the running agent's pid) are not state, nor
are the simulated platform's files in sim/ (they stand for the OS).
"""

import os
import re
import shutil
import subprocess

SYSCALLS = ("open,openat,creat,write,pwrite64,writev,fsync,fdatasync,rename,renameat,"
            "renameat2,close,exit_group,sendto,sendmsg")

_LINE = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(.*)$")
_FD = re.compile(r"^(-?\d+|AT_FDCWD)<(.*)>$")


def strace_available():
    return shutil.which("strace") is not None


def traced(args, trace_file, **kw):
    """Runs args under strace -f (file descriptors decoded to paths)."""
    cmd = ["strace", "-f", "-qq", "-y", "-s", "0", "-e", "trace=" + SYSCALLS,
           "-o", trace_file] + list(args)
    return subprocess.run(cmd, **kw)


def _split_args(text):
    """Top-level comma-separated arguments of a syscall line."""
    out, depth, cur, quote = [], 0, "", False
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            cur += c
            if c == "\\" and i + 1 < len(text):
                cur += text[i + 1]
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
            cur += c
        elif c in "[{(<":
            depth += 1
            cur += c
        elif c in "]})>":
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        out.append(cur.strip())
    return out


def _unquote(arg):
    arg = arg.strip()
    if arg.startswith('"'):
        end = arg.rfind('"')
        return bytes(arg[1:end], "latin-1").decode("unicode_escape")
    return arg


def _fd_path(arg):
    m = _FD.match(arg.strip())
    return m.group(2) if m else None


def parse(trace_text):
    """Events: dicts with pid, call, args (list), ret (int or None), and
    `path` (the decoded fd path) where the first argument is an fd."""
    pending, events = {}, []
    for raw in trace_text.splitlines():
        line = raw.rstrip()
        m = re.match(r"^(\d+)\s+(.*) <unfinished \.\.\.>$", line)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", line)
        if m and m.group(1) in pending:
            line = m.group(1) + " " + pending.pop(m.group(1)) + m.group(2)
        if re.match(r"^\d+\s+\+\+\+ ", line) or re.match(r"^\d+\s+--- ", line):
            continue
        m = _LINE.match(line)
        if not m:
            continue
        pid, call, args, ret = m.group(1), m.group(2), _split_args(m.group(3)), m.group(4)
        ev = {"pid": pid, "call": call, "args": args,
              "ret": None if ret == "?" else int(ret), "raw": raw}
        if args:
            ev["path"] = _fd_path(args[0])
        # The fd a successful open returns, decoded: `= 5</path>`.
        m2 = re.match(r"^<(.*)>", m.group(5).strip())
        if m2:
            ev["result_path"] = m2.group(1)
        events.append(ev)
    return events


def _abs(base, path):
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base or "/", path))


def _rename_paths(ev):
    a = ev["args"]
    if ev["call"] == "rename":
        return _unquote(a[0]), _unquote(a[1])
    # renameat/renameat2(olddirfd, old, newdirfd, new[, flags])
    return _abs(_fd_path(a[0]), _unquote(a[1])), _abs(_fd_path(a[2]), _unquote(a[3]))


# Written unflushed on purpose: reports of the past, and the session id
# used last in this boot (its block is reserved durably, agent/device.c).
REPORTS = ("agent-last-session", "agent-plugins", "agent-restart-outcomes",
           "agent-session-used")
# Marks that only matter within the boot that wrote them (see above).
MARKS = ("reboot-requested.conf",)
LOCKS = ("agent.lock",)
# The simulated platform's own files stand for the OS (sim.h): not state.
SIM_DIR = "sim/"
RE_REPLACED = ("outbox-",)


def check(events, state_dir, temp_prefix=".tmp-"):
    """Violations of the durable-write order (list of strings, empty when
    none) and the number of state files replaced (renames checked)."""
    state_dir = os.path.realpath(state_dir)
    problems, replaced = [], 0

    def in_state(path):
        return path is not None and (path == state_dir or path.startswith(state_dir + "/"))

    def is_socket(ev):
        return (ev["call"] in ("sendto", "sendmsg", "write", "writev")
                and (ev.get("path") or "").startswith(("socket:", "TCP", "UDP", "UNIX")))

    def dir_synced_after(i, pid, parent):
        for later in ok[i + 1:]:
            if later["pid"] != pid:
                continue
            if later["call"] in ("fsync", "fdatasync") and later.get("path") == parent:
                return True
            if is_socket(later) or later["call"] == "exit_group":
                return False
        return False

    ok = [e for e in events if e["ret"] is None or e["ret"] >= 0 or e["call"] == "exit_group"]
    renamed_to = set()
    for i, ev in enumerate(ok):
        if ev["call"] in ("rename", "renameat", "renameat2"):
            src, dst = _rename_paths(ev)
            if not in_state(dst):
                continue
            replaced += 1
            name = os.path.relpath(dst, state_dir)
            if not os.path.basename(src).startswith(temp_prefix):
                problems.append("%s: replaced from %s, not a temp file" % (name, src))
            created = [j for j in range(i) if ok[j]["call"] in ("open", "openat", "creat")
                       and ok[j].get("result_path") == src and ok[j]["pid"] == ev["pid"]]
            if not created:
                problems.append("%s: temp file %s never created" % (name, src))
                continue
            again = dst in renamed_to
            renamed_to.add(dst)
            if name in REPORTS or name in MARKS:
                continue
            first = created[-1]
            writes = [j for j in range(first, i)
                      if ok[j]["call"] in ("write", "pwrite64", "writev") and ok[j].get("path") == src]
            last_write = writes[-1] if writes else first
            synced = [j for j in range(last_write, i)
                      if ok[j]["call"] in ("fsync", "fdatasync") and ok[j].get("path") == src]
            if not synced:
                problems.append("%s: temp file not fsync'd after its last write, before the rename"
                                % name)
            # The directory, after the rename, before a socket write or exit.
            parent = os.path.dirname(dst)
            if again and name.startswith(RE_REPLACED):
                continue
            if not dir_synced_after(i, ev["pid"], parent):
                problems.append("%s: directory %s not fsync'd after the rename (before the next "
                                "socket write or exit)" % (name, parent))
        elif ev["call"] in ("open", "openat", "creat"):
            path = ev.get("result_path")
            if not in_state(path) or os.path.basename(path).startswith(temp_prefix):
                continue
            flags = " ".join(ev["args"][1:3]) if ev["call"] == "openat" else " ".join(ev["args"][1:2])
            if ev["call"] == "creat":
                flags = "O_WRONLY|O_CREAT|O_TRUNC"
            if "O_WRONLY" not in flags and "O_RDWR" not in flags:
                continue
            name = os.path.relpath(path, state_dir)
            if name in LOCKS or name.startswith(SIM_DIR):
                continue
            if "O_TRUNC" in flags:
                problems.append("%s: truncated in place (%s)" % (name, flags))
                continue
            fd_writes, fd_synced = False, False
            for later in ok[i + 1:]:
                if later["pid"] != ev["pid"] or later.get("path") != path:
                    continue
                if later["call"] in ("write", "pwrite64", "writev"):
                    fd_writes, fd_synced = True, False
                elif later["call"] in ("fsync", "fdatasync"):
                    fd_synced = True
                elif later["call"] == "close":
                    break
            if not fd_writes:
                continue  # a lock file, or opened and not written
            if "O_APPEND" not in flags:
                problems.append("%s: written in place, not appended (%s)" % (name, flags))
            elif not fd_synced:
                problems.append("%s: appended to and not fsync'd before close" % name)
            elif "O_CREAT" in flags and not dir_synced_after(i, ev["pid"], os.path.dirname(path)):
                problems.append("%s: created by an append, directory not fsync'd (before the "
                                "next socket write or exit)" % name)
    return problems, replaced
