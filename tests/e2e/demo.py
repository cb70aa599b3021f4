# SPDX-License-Identifier: Apache-2.0
"""The README demo: a fresh device enrolls, then a remote restart told as a
story.

The mock MDM server runs on loopback with mutual TLS; the real omadm-agent
binary runs with the simulated platform (it never restarts this machine).
The device enrolls first (MS-MDE2): it makes its own key, the server issues
its certificate, and every later session uses only what it learned.
"""

import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402


def local(tag):
    return tag.rsplit("}", 1)[-1]


def child_text(elem, name):
    for c in elem.iter():
        if local(c.tag) == name:
            return (c.text or "").strip()
    return ""


def describe(xml_text):
    """One line per command of a SyncML message."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return ["(not SyncML: %d bytes)" % len(xml_text)]
    lines = []
    for body in root:
        if local(body.tag) != "SyncBody":
            continue
        for cmd in body:
            name = local(cmd.tag)
            if name == "Final":
                lines.append("Final")
            elif name == "Status":
                lines.append("Status %s for %s %s" % (
                    child_text(cmd, "Data"), child_text(cmd, "Cmd"), child_text(cmd, "CmdRef")))
            elif name == "Alert":
                extra = ""
                data = [c for c in cmd.iter() if local(c.tag) == "Item"]
                if data:
                    extra = " " + child_text(data[0], "Type")
                lines.append("Alert %s%s" % (child_text(cmd, "Data"), extra))
            else:
                target = child_text(cmd, "LocURI")
                items = len([c for c in cmd if local(c.tag) == "Item"])
                lines.append("%s %s%s" % (name, target,
                                          " (%d items)" % items if items > 1 else ""))
    return lines


def show_session(world, since):
    msgs = [m for m in world.messages() if m["id"] > since]
    for m in msgs:
        arrow = "device -> server" if m["direction"] == "in" else "server -> device"
        print("      %s (MsgID %s): %s" % (arrow, m.get("msg_id", "?"),
                                           "; ".join(describe(m["body"]))))
    return max([since] + [m["id"] for m in msgs])


def action_line(world, action_id):
    for a in world.actions():
        if a["id"] == action_id:
            return a
    return None


def main():
    step = [0]

    def say(text):
        step[0] += 1
        print("\n[%d] %s" % (step[0], text))

    print("omadm-agent demo: a device enrolls with an MDM server; the admin restarts it, "
          "and learns that it did.")
    with e2e_world() as w:
        say("Throwaway certificates made: a CA and the server's TLS certificate.")
        say("Mock MDM server up: enrollment at %s/EnrollmentServer/Discovery.svc, SyncML at "
            "%s (mutual TLS), console at %s/" % (w.base, w.url, w.admin))

        say("A fresh device enrolls: omadm-agent enroll --url %s --user %s --secret-file FILE"
            % (w.base, DEMO_USER))
        print("      (Discover, GetPolicies, RequestSecurityToken: the device makes its key, "
              "the server signs its request)")
        r = w.enroll(user=DEMO_USER, secret=DEMO_SECRET)
        for line in r.stdout.splitlines():
            print("      " + line)
        m = re.search(r"device id: (\S+)", r.stdout)
        if r.returncode != 0 or not m:
            print(r.stderr)
            return 1
        w.device_id = m.group(1)
        (enr,) = w.api("GET", "/api/enrollments")
        print('      console: device %s is "%s" (%s, certificate until %s)' % (
            enr["device"], enr["state"], enr["auth"], enr["cert_expiry"]))

        agent, log = start_push_agent(w)
        if agent is None:
            print(log)
            return 1
        say("The agent runs with what it learned (omadm-agent run --platform sim, no server, "
            "id or certificate flags): it checked in at start-up, "
            "polls only once an hour, and holds a push channel open to %s." % w.push_url)
        seen = show_session(w, 0)

        t0 = time.monotonic()
        act = w.restart()
        say('The admin opens the device, clicks Restart, Yes: action #%s is "%s" '
            "(the server queued Exec RebootNow, CmdID %s)." % (act["id"], act["state"],
                                                            act.get("cmd_id", "?")))
        while not w.restart_lines() and time.monotonic() - t0 < 30:
            time.sleep(0.01)
        took = time.monotonic() - t0
        sid = re.findall(r"notification from \S+: session (\w+)", agent_log(w))
        say("The server's push notification (Package 0, SessionID %s) woke the agent "
            "%.2f s after the click, no poll: it ran a server-initiated session (Alert 1200):"
            % (sid[-1] if sid else "?", took))
        seen = show_session(w, seen)
        agent.send_signal(signal.SIGTERM)
        r_code = agent.wait(timeout=10)
        print("      agent stopped (exit code %d)" % r_code)
        if not sid or r_code != 0:
            print(agent_log(w))
            return 1

        lines = w.restart_lines()
        if len(lines) != 1:
            print("      expected one restart request, found %d" % len(lines))
            return 1
        req, dl = int(lines[0]["requested_at"]), int(lines[0]["deadline"])
        say("The agent asked the platform to restart at the end of the session: requested "
            "%s, deadline %s (%d s later); reason: %s" % (
                time.strftime("%H:%M:%S", time.gmtime(req)),
                time.strftime("%H:%M:%S", time.gmtime(dl)), dl - req, lines[0]["reason"]))
        print('      console: action #%s is "%s"' % (act["id"],
                                                   action_line(w, act["id"])["state"]))

        boot = w.reboot()
        say("The device restarts (simulated): new boot identity %s." % boot)

        say("The agent starts again and checks in; package 1 carries the outcome alert:")
        r = w.run_plain("sync")
        seen = show_session(w, seen)
        print("      agent exit code %d" % r.returncode)

        final = action_line(w, act["id"])
        say('Console, Device actions: Restart is "%s" (requested %s, last update %s).' % (
            final["state"], final.get("requested_at"), final.get("updated_at")))
        detail = final.get("detail") or {}
        print("      outcome reported: %s" % ";".join(
            "%s=%s" % (k, v) for k, v in detail.items()) if isinstance(detail, dict) else detail)
        violations = w.violations()
        print("      protocol checker: %d violation(s)" % len(violations))

        hold = int(os.environ.get("OMADM_DEMO_HOLD", "0") or 0)
        print("\nConsole: %s/devices/%s (Device actions: %s/actions)" % (
            w.admin, w.device_id, w.admin))
        if hold > 0:
            print("Keeping the mock server up for %d s (OMADM_DEMO_HOLD) ..." % hold)
            sys.stdout.flush()
            time.sleep(hold)
        print("The demo stops the mock server now%s." % (
            "; its files stay in " + w.dir if w.keep else
            " (OMADM_DEMO_HOLD=600 keeps the console up for a person to look)"))
        ok = final["state"] == "completed" and not violations
        print("\nResult: %s" % ("restart completed end to end" if ok else "FAILED"))
        return 0 if ok else 1


DEMO_USER = "alice@example.com"
DEMO_SECRET = os.urandom(12).hex()


def agent_log(w):
    try:
        with open(os.path.join(w.dir, "agent-run.log")) as f:
            return f.read()
    except OSError:
        return ""


def start_push_agent(w):
    """`run` with polling every hour and the mock server's push channel;
    returns (process, log) once its start-up session is done."""
    conf = os.path.join(w.dir, "agent.conf")
    with open(conf, "w") as f:
        f.write("[poll]\ninitial_interval = 1h\n[push]\nurl = %s\n" % w.push_url)
    os.chmod(conf, 0o600)
    # Only the state directory and this file: the server, the device id
    # and the certificate come from the enrollment.
    log = open(os.path.join(w.dir, "agent-run.log"), "a")
    env = dict(os.environ)
    env.pop("OMADM_CRASH_AT", None)
    agent = subprocess.Popen([w.agent, "run", "--state-dir", w.state, "--platform", "sim",
                              "--log-level", "debug", "--config", conf],
                             env=env, stdout=log, stderr=subprocess.STDOUT)
    end = time.monotonic() + 20
    while " result=" not in agent_log(w) and time.monotonic() < end:
        time.sleep(0.02)
    if " result=" not in agent_log(w):
        agent.kill()
        agent.wait()
        return None, agent_log(w)
    return agent, ""


def e2e_world():
    return e2elib.World(keep=os.environ.get("OMADM_DEMO_KEEP") == "1",
                        enroll={"user": DEMO_USER, "secret": DEMO_SECRET})


if __name__ == "__main__":
    sys.exit(main())
