#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The omadm-agent Windows service under wine, end to end.

Run by test-windows.sh with WINEPREFIX set to a fresh prefix whose wine
server is persistent and whose system processes (services.exe and so the
service) write their wine debug output to --system-log with the channels
fixme+advapi and +eventlog on. Steps (each bounded in time):

 1. a PKI from tests/mockserver/make-certs.sh (RSA client identity as a PFX);
 2. the mock MDM server on loopback with mutual TLS, a restart queued for
    the device before it ever checked in;
 3. msiexec /i with SERVERURL=http://... is refused (the reason in the
    /l*v log); POLLINTERVAL=soon is refused by the CheckProperties custom
    action (the agent's configuration parser, its reason in the /l*v log)
    before anything is installed: no program or service behind;
    msiexec /i omadm-agent.msi /qn SERVERURL=... DEVICEID=... CERT=<pfx>
    CA=... LOGLEVEL=debug: the properties land in agent.conf, the service
    reaches RUNNING;
 4. the service's first session: over mutual TLS (Schannel, client
    certificate from the PFX), the queued restart's Exec gets Status 200;
 5. the restart is requested from the platform: restart-requests.log in the
    state directory, and wine's trace of the InitiateShutdownW call with
    grace 0, flags 0x27 and the planned reason code (wine 8 implements it
    as a stub that returns ERROR_CALL_NOT_IMPLEMENTED: nothing restarts);
 6. the session outcome is in the Event Log (ReportEventW);
 6b. the Contoso plugin DLL (built from the SDK) in <install dir>\csp: the
    service lists it in `status --json`, serves Add/Get on its node, a
    Replace survives a service restart (service_plugin_wine.py);
 7. STOP: STOPPED with exit code 0, "service: stopped" in the Event Log;
 8. msiexec /x: service and program gone, state directory kept;
 9. the program's own verbs: service install, start, stop, status,
    uninstall; `sync --cert LocalMachine\\MY\\<thumbprint>` with the PFX
    imported into the machine store; `run --foreground` has a session
    without the SCM;
10. imaging: msiexec ENROLLURL/ENROLLUSER/ENROLLSECRET STARTSERVICE=0 writes
    [enroll] and an owner-only secret file, enrolls nothing; the service's
    first start retries while the enrollment server is down (Event IDs
    140 enrollment started, 142 enrollment failed), then enrolls (141):
    certificate and non-exportable key in LocalMachine\\MY, a restart Exec
    answered, a service restart keeps the enrollment, a new MachineGuid
    enrolls afresh.
11. `status` (the running agent's pid and since when) and `check` next to
    the running service; an installation without SERVERURL rolls back
    (the service cannot start), with STARTSERVICE=0 it succeeds.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

DEVICE = "WINE-DEVICE-0001"


def step(msg):
    print("service test: %s" % msg, flush=True)


def fail(msg):
    print("service test: FAILED: %s" % msg, flush=True)
    sys.exit(1)


def wine(args, timeout=120, debug="-all"):
    env = dict(os.environ, WINEDEBUG=debug)
    p = subprocess.run(["wine"] + args, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def wait_for(what, fn, timeout):
    end = time.monotonic() + timeout
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > end:
            fail("%s: not within %d s" % (what, timeout))
        time.sleep(0.5)


def rsa_components_full(key):
    """wine 8 mis-imports a PKCS#12 RSA key one of whose CRT components has
    a zero top byte (measured: d of 255 bytes, or exponent2 of 127, fails
    the TLS handshake with "Public key signing has failed"): such an
    identity is made again."""
    text = subprocess.run(["openssl", "rsa", "-in", key, "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    sizes, name = {}, None
    for line in text.splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            name = line[:-1]
            sizes[name] = 0
        elif line.startswith("    ") and name:
            sizes[name] += len(line.strip().replace(":", "")) // 2
    bits = 2048
    want = {"privateExponent": bits // 8, "prime1": bits // 16,
            "prime2": bits // 16, "exponent1": bits // 16,
            "exponent2": bits // 16, "coefficient": bits // 16}
    return all(sizes.get(k, 0) >= v for k, v in want.items())


def der_tlv(b, i):
    tag, length, i = b[i], b[i + 1], i + 2
    if length & 0x80:
        n = length & 0x7F
        length, i = int.from_bytes(b[i:i + n], "big"), i + n
    return tag, length, i


def ecdsa_signature_full(pem):
    """wine 8's crypt32 rejects an ECDSA P-256 certificate signature whose r
    or s has a zero top byte (DER INTEGER shorter than 32 bytes; measured:
    chain error 0x8, CERT_TRUST_IS_NOT_SIGNATURE_VALID): such a PKI is made
    again."""
    der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"],
                         capture_output=True, check=True).stdout
    _, _, i = der_tlv(der, 0)            # Certificate
    _, n, j = der_tlv(der, i)            # tbsCertificate
    _, n, j = der_tlv(der, j + n)        # signatureAlgorithm
    _, n, j = der_tlv(der, j + n)        # signatureValue (BIT STRING)
    sig = der[j + 1:j + n]
    _, _, k = der_tlv(sig, 0)            # Ecdsa-Sig-Value
    _, rlen, k = der_tlv(sig, k)
    r = sig[k:k + rlen]
    _, slen, k = der_tlv(sig, k + rlen)
    s = sig[k:k + slen]
    return all(len(v.lstrip(b"\0")) == 32 for v in (r, s))


def make_pki(source_root, pki):
    script = os.path.join(source_root, "tests", "mockserver", "make-certs.sh")
    for attempt in range(20):
        shutil.rmtree(pki, ignore_errors=True)
        subprocess.run(["sh", script, pki, DEVICE], check=True)
        if (rsa_components_full(os.path.join(pki, "client-rsa.key"))
                and ecdsa_signature_full(os.path.join(pki, "server.pem"))
                and ecdsa_signature_full(os.path.join(pki, "ca.pem"))):
            return attempt
    fail("no PKI wine can use after 20 tries")


def stop_mock(mock, log):
    mock.terminate()
    try:
        mock.wait(timeout=10)
    except subprocess.TimeoutExpired:
        mock.kill()
    log.close()


def mock_urls(mock, work):
    """The URLs the mock server prints: listening, push, admin."""
    urls = {}
    for _ in range(5):  # listening, push (the push channel), admin
        line = mock.stdout.readline().split()
        if len(line) == 2:
            urls[line[0]] = line[1]
        if "admin" in urls:
            break
    if "listening" not in urls or "admin" not in urls:
        fail("the mock server did not start (see %s)" % work)
    return urls


class Admin:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--msi", required=True)
    ap.add_argument("--exe", required=True, help="the agent program (for the non-MSI steps)")
    ap.add_argument("--import-pfx", required=True, help="platform/win32/tests' import-pfx.exe")
    ap.add_argument("--cert-in-store", required=True,
                    help="platform/win32/tests' cert-in-store.exe")
    ap.add_argument("--system-log", required=True)
    ap.add_argument("--sdk", required=True, help="the SDK archive (make-sdk.sh): contoso.dll")
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    prefix = os.environ["WINEPREFIX"]
    drive_c = os.path.join(prefix, "drive_c")
    state_dir = os.path.join(drive_c, "ProgramData", "omadm-agent")
    program = os.path.join(drive_c, "Program Files", "omadm-agent", "omadm-agent.exe")
    exe = r"C:\Program Files\omadm-agent\omadm-agent.exe"
    started = time.monotonic()

    os.makedirs(args.work, exist_ok=True)
    pki = os.path.join(args.work, "pki")
    retries = make_pki(args.source_root, pki)
    files = os.path.join(drive_c, "omadm-test")
    os.makedirs(files, exist_ok=True)
    shutil.copy(os.path.join(pki, "client-rsa.p12"), os.path.join(files, "device.pfx"))
    shutil.copy(os.path.join(pki, "ca.pem"), os.path.join(files, "ca.pem"))
    step("PKI ready (RSA PFX client identity %s%s)" % (
        DEVICE, ", made again %d time(s) for wine's key and signature bugs" % retries
        if retries else ""))

    mock_err = open(os.path.join(args.work, "mockserver.log"), "w")
    mock = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(args.source_root, "tests", "mockserver", "mockserver"),
         "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
         "--tls-cert", os.path.join(pki, "server.pem"),
         "--tls-key", os.path.join(pki, "server.key"),
         "--client-ca", os.path.join(pki, "ca.pem"),
         "--db", os.path.join(args.work, "mdm.sqlite")],
        stdout=subprocess.PIPE, stderr=mock_err, text=True)
    try:
        run(args, mock, prefix, state_dir, program, exe, started)
    finally:
        stop_mock(mock, mock_err)


def run(args, mock, prefix, state_dir, program, exe, started):
    urls = mock_urls(mock, os.path.join(args.work, "mockserver.log"))
    # By name: libcurl 7.88's Schannel backend matches the server's DNS
    # names only ("CertGetNameString() failed to match connection hostname
    # (127.0.0.1)"); the test certificate names localhost too.
    server = urls["listening"].replace("127.0.0.1", "localhost") + "/ManagementServer/MDM.svc"
    admin = Admin(urls["admin"])
    # Registered first: the admin API refuses actions for unknown devices.
    admin.call("POST", "/api/devices", {"id": DEVICE})
    action = admin.call("POST", "/api/devices/%s/actions" % DEVICE, {"action": "restart"})
    step("mock server at %s; restart action %s queued" % (urls["listening"], action["id"]))

    # A bad property fails the installation, which leaves nothing behind.
    # (The custom action inherits msiexec's wine debug channels.)
    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "SERVERURL=http://insecure.example/",
                    "/l*v", r"C:\omadm-test\install-bad.log"], debug="-all,+eventlog")
    if rc == 0:
        fail("msiexec /i with SERVERURL=http://... succeeded")
    if os.path.exists(program):
        fail("a failed installation left %s behind" % program)
    rc2, out2 = wine(["reg", "query", r"HKLM\System\CurrentControlSet\Services\omadm-agent"])
    if rc2 == 0:
        fail("a failed installation left the service registered:\n%s" % out2)
    bad_log = os.path.join(os.environ["WINEPREFIX"], "drive_c", "omadm-test", "install-bad.log")
    text = open(bad_log, encoding="utf-8", errors="replace").read().replace("\0", "")
    if not re.search(r"InstallRefused = omadm-agent: SERVERURL must be an https:// URL "
                     r"\(got http://insecure\.example/\)", text):
        fail("the /l*v log does not give the reason:\n%s" % text[-3000:])
    step("SERVERURL=http://... refused (exit %d), nothing installed, reason in the /l*v log"
         % rc)

    # A value only the agent can judge: the CheckProperties custom action
    # (omadm-agent-msi.dll, the agent's configuration parser) refuses it
    # before anything is installed, with the parser's reason in the log.
    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "SERVERURL=https://mdm.example/x",
                    "POLLINTERVAL=soon", "/l*v", r"C:\omadm-test\install-bad2.log"],
                   debug="-all,+eventlog")
    if rc == 0:
        fail("msiexec /i with POLLINTERVAL=soon succeeded")
    if os.path.exists(program):
        fail("a refused installation left %s behind" % program)
    rc2, out2 = wine(["reg", "query", r"HKLM\System\CurrentControlSet\Services\omadm-agent"])
    if rc2 == 0:
        fail("a refused installation left the service registered:\n%s" % out2)
    text = open(bad_log.replace("install-bad.log", "install-bad2.log"), encoding="utf-8",
                 errors="replace").read().replace("\0", "")
    reason = re.search(r"omadm-agent: the installation's properties are refused: "
                       r"[^\r\n]*\"soon\" is not an interval[^\r\n]*", text)
    if not reason:
        fail("the /l*v log does not give the agent's reason:\n%s" % text[-3000:])
    # wine 8 logs "Return value 0" for the failed action (Windows: 3): the
    # reason right after the action's start, and no install step after it.
    if not re.search(r"Action start [^\r\n]*: CheckProperties\.\r?\n" + re.escape(reason.group(0)),
                     text):
        fail("the reason does not follow CheckProperties' start:\n%s" % text[-3000:])
    if re.search(r"Action (start|ended)[^\r\n]*(InstallFiles|ConfigureAgent)", text):
        fail("the configure action ran although the properties were refused")
    step("POLLINTERVAL=soon refused by CheckProperties (exit %d), nothing installed; /l*v log: %s"
         % (rc, reason.group(0)))

    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "SERVERURL=" + server,
                    "DEVICEID=" + DEVICE, r"CERT=C:\omadm-test\device.pfx",
                    r"CA=C:\omadm-test\ca.pem", "LOGLEVEL=debug", "PROXY=none",
                    "POLLINTERVAL=20m", "/l*v", r"C:\omadm-test\install.log"])
    if rc != 0:
        fail("msiexec /i exited with %d:\n%s" % (rc, out))
    if not os.path.exists(program):
        fail("the program was not installed at %s" % program)
    conf = open(os.path.join(state_dir, "agent.conf"), encoding="utf-8").read()
    for expect in ("url = " + server, "device_id = " + DEVICE,
                   r"cert = C:\omadm-test\device.pfx", r"ca = C:\omadm-test\ca.pem",
                   "log_level = debug", "proxy = none", "initial_interval = 20m"):
        if expect not in conf.splitlines() and expect + "\r" not in conf.splitlines():
            fail("agent.conf lacks %r:\n%s" % (expect, conf))
    step("installed silently; the properties are in agent.conf")

    def running():
        rc, out = wine([exe, "service", "status"])
        return out if "state: RUNNING" in out else None
    status = wait_for("the service reaching RUNNING", running, 30)
    step("service RUNNING (%s)" % " ".join(status.split()))

    def accepted():
        acts = admin.call("GET", "/api/actions?device=" + DEVICE)
        a = [x for x in acts if x["id"] == action["id"]]
        return a[0] if a and a[0]["state"] in ("accepted", "completed", "failed") else None
    a = wait_for("the restart's Exec being answered", accepted, 60)
    if str(a["status"]) != "200":
        fail("the restart's Exec got Status %s (state %s, detail %s)"
             % (a["status"], a["state"], a["detail"]))
    device = admin.call("GET", "/api/devices/" + DEVICE)
    if not device.get("last_checkin"):
        fail("the device never checked in: %s" % device)
    step("session over mutual TLS (Schannel, PFX): restart accepted, Exec Status 200")

    log_path = os.path.join(state_dir, "restart-requests.log")

    def requested():
        if not os.path.exists(log_path):
            return None
        text = open(log_path, encoding="utf-8", errors="replace").read()
        return text if "result=" in text else None
    text = wait_for("the platform's restart request", requested, 60)
    line = text.strip().splitlines()[-1]
    if not re.search(r"^requested_at=\d+ deadline=\d+ flags=0x27 reason_code=0x80040001 "
                     r"result=failed\(error-120\) reason=.+", line):
        fail("unexpected restart record: %r" % line)

    def shutdown_traced():
        sys_log = open(args.system_log, encoding="utf-8", errors="replace").read()
        return re.search(r"InitiateShutdownW \(null\), \(null\), 0, 39, -2147221503", sys_log)
    wait_for("wine's trace of InitiateShutdownW", shutdown_traced, 10)
    step("restart requested: InitiateShutdownW(grace 0, flags 0x27, planned reason "
         "0x80040001), recorded; wine's stub answered ERROR_CALL_NOT_IMPLEMENTED")

    def session_event():
        sys_log = open(args.system_log, encoding="utf-8", errors="replace").read()
        return re.search(r'ReportEventW L"session: server=%s id=\d+ messages=\d+ result=completed'
                         % re.escape(server), sys_log)
    wait_for("the session outcome in the Event Log", session_event, 30)
    step("session outcome written to the Event Log")

    # `sync` while the service holds the state directory: the service runs
    # the session (named events) and sync prints its result.
    rc, out = wine([exe, "sync"], timeout=120)
    if rc != 0 or "(run by the running agent): completed" not in out:
        fail("sync while the service runs: exit %d:\n%s" % (rc, out))
    step("sync while the service runs: %s" % [ln for ln in out.splitlines()
                                              if "running agent" in ln][0])

    # status and check next to the running service: the running agent's pid
    # and since when (agent.pid next to the lock), the service's pid.
    rc, svc = wine([exe, "service", "status"])
    svc_pid = re.search(r"^pid: (\d+)", svc, re.M)
    rc, out = wine([exe, "status"])
    m = re.search(r"^agent: +running, pid (\d+), since (.+)$", out, re.M)
    if not m:
        fail("status next to the running service: exit %d:\n%s" % (rc, out))
    if not svc_pid or m.group(1) != svc_pid.group(1):
        fail("status says pid %s, the service manager %s" % (m.group(1), svc))
    if rc != 0:
        fail("status next to the running service exited with %d:\n%s" % (rc, out))
    step("status next to the running service (exit 0): %s" % m.group(0).strip())
    print(out, flush=True)
    rc, out = wine([exe, "check"])
    if rc != 0:
        fail("check next to the running service: exit %d:\n%s" % (rc, out))
    step("check next to the running service: exit 0, %d line(s)" % len(out.splitlines()))
    print(out, flush=True)

    # The push channel under wine: [push] url added, the service restarted;
    # the console's Sync action wakes it (it polls every 15 minutes).
    push_url = urls.get("push", "").replace("127.0.0.1", "localhost")
    if not push_url:
        fail("the mock server printed no push URL")
    with open(os.path.join(state_dir, "agent.conf"), "a", encoding="utf-8") as f:
        f.write("\n[push]\nurl = %s\n" % push_url)
    for verb in ("stop", "start"):
        rc, out = wine([exe, "service", verb])
        if rc != 0:
            fail("service %s exited with %d: %s" % (verb, rc, out))
    wait_for("the service reaching RUNNING again", running, 30)

    def channel_waiting():
        return admin.call("GET", "/api/devices/%s/push" % DEVICE)["waiting"] == 1 or None

    def inbound():
        return len([m for m in admin.call("GET", "/api/devices/%s/messages" % DEVICE)
                    if m["direction"] == "in"])
    figures = []
    for _ in range(5):
        wait_for("the push channel waiting", channel_waiting, 60)
        time.sleep(0.5)  # the start-up or previous session is over
        before = inbound()
        t0 = time.monotonic()
        admin.call("POST", "/api/devices/%s/actions" % DEVICE, {"action": "sync"})
        wait_for("a session woken by push", lambda: inbound() > before or None, 30)
        figures.append(time.monotonic() - t0)
    figures.sort()
    step("push under wine: the session's first message %.2f/%.2f/%.2f s (min/median/max of "
         "5) after the Sync action" % (figures[0], figures[2], figures[-1]))

    # The Contoso plugin DLL in <install dir>\csp, served by the service.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import service_plugin_wine
    service_plugin_wine.run(args, admin, DEVICE, exe, program, wine, step, fail, wait_for,
                            running)

    # Event IDs per kind (agent/event_ids.h, messages_win32.mc): wine's
    # ReportEventW stub prints the ID (severity bits included) on advapi.
    for kind, event_id in (("service started", 0x40000064), ("session completed", 0x4000006E),
                           ("restart requested", 0x40000078),
                           ("restart outcome reported", 0x40000079)):
        def logged(event_id=event_id):
            sys_log = open(args.system_log, encoding="utf-8", errors="replace").read()
            return re.search(r"ReportEventW \([0-9a-fA-F]+,0x0004,0x0000,0x%08x," % event_id,
                             sys_log)
        wait_for("Event ID %d (%s) in the Event Log" % (event_id & 0xFFFF, kind), logged, 30)
    step("Event IDs 100 (service started), 110 (session completed), 120 (restart "
         "requested), 121 (outcome reported) in the Event Log")

    rc, out = wine([exe, "service", "stop"])
    if rc != 0:
        fail("service stop exited with %d: %s" % (rc, out))
    rc, out = wine([exe, "service", "status"])
    if "state: STOPPED" not in out or "exit code: 0/0" not in out:
        fail("after stop: %s" % out)
    sys_log = open(args.system_log, encoding="utf-8", errors="replace").read()
    if 'ReportEventW L"service: stopped"' not in sys_log:
        fail("no \"service: stopped\" in the Event Log")
    step("STOP: STOPPED cleanly (exit code 0)")

    violations = admin.call("GET", "/api/devices/%s/violations" % DEVICE)
    if violations:
        fail("the mock server recorded protocol violations: %s" % violations)

    rc, out = wine(["msiexec", "/x", args.msi, "/qn", "/l*v", r"C:\omadm-test\uninstall.log"])
    if rc != 0:
        fail("msiexec /x exited with %d:\n%s" % (rc, out))
    rc, out = wine(["reg", "query", r"HKLM\System\CurrentControlSet\Services\omadm-agent"])
    if rc == 0:
        fail("the service is still registered after uninstall:\n%s" % out)
    if os.path.exists(program):
        fail("the program is still there after uninstall")
    if not os.path.exists(os.path.join(state_dir, "agent.conf")):
        fail("uninstall removed the state directory's agent.conf")
    step("uninstalled: service and program removed, state directory kept")

    # Without the MSI: the program's own service verbs, on the kept state.
    local = os.path.join(prefix, "drive_c", "omadm-test", "omadm-agent.exe")
    shutil.copy(args.exe, local)
    lexe = r"C:\omadm-test\omadm-agent.exe"
    for verb, expect in (("install", "installed"), ("status", "state: STOPPED"),
                         ("start", ""), ("status", "state: RUNNING"), ("stop", ""),
                         ("status", "state: STOPPED"), ("uninstall", "removed")):
        rc, out = wine([lexe, "service", verb])
        if rc != 0 or expect not in out:
            fail("service %s: exit %d, expected %r in:\n%s" % (verb, rc, expect, out))
    rc, out = wine([lexe, "service", "status"])
    if rc == 0 or "not installed" not in out:
        fail("service status after uninstall: exit %d: %s" % (rc, out))
    step("service install/status/start/stop/uninstall verbs work without the MSI")

    # The client certificate from the machine store instead of the PFX file.
    shutil.copy(args.import_pfx, os.path.join(prefix, "drive_c", "omadm-test", "import-pfx.exe"))
    rc, out = wine([r"C:\omadm-test\import-pfx.exe", r"C:\omadm-test\device.pfx"])
    thumb = out.strip().splitlines()[-1] if out.strip() else ""
    if rc != 0 or not re.fullmatch(r"[0-9a-f]{40}", thumb):
        fail("import-pfx: exit %d: %s" % (rc, out))
    before = len(admin.call("GET", "/api/devices/%s/messages" % DEVICE))
    store_path = "LocalMachine\\MY\\" + thumb
    rc, out = wine([lexe, "--cert", store_path, "sync"])
    if rc != 0:
        fail("sync with --cert %s: exit %d:\n%s" % (store_path, rc, out))
    if len(admin.call("GET", "/api/devices/%s/messages" % DEVICE)) <= before:
        fail("sync with --cert %s reached no server" % store_path)
    step("sync with the certificate from the store (--cert %s)" % store_path)

    # `run --foreground`: the same loop without the SCM, here until it has
    # had a session with the server.
    before = len(admin.call("GET", "/api/devices/%s/messages" % DEVICE))
    env = dict(os.environ, WINEDEBUG="-all")
    fg = subprocess.Popen(["wine", lexe, "run", "--foreground"], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(args.work, "foreground.log"), "w"))
    try:
        wait_for("a session from run --foreground",
                 lambda: len(admin.call("GET", "/api/devices/%s/messages" % DEVICE)) > before,
                 30)
    finally:
        fg.kill()
        fg.wait(timeout=10)
    step("run --foreground had a session without the service manager")

    # STARTSERVICE=0 (imaging): installed and configured, not started, no
    # check-in.
    before = len(admin.call("GET", "/api/devices/%s/messages" % DEVICE))
    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "SERVERURL=" + server,
                    "DEVICEID=" + DEVICE, r"CERT=C:\omadm-test\device.pfx",
                    r"CA=C:\omadm-test\ca.pem", "STARTSERVICE=0",
                    "/l*v", r"C:\omadm-test\install-nostart.log"])
    if rc != 0:
        fail("msiexec /i STARTSERVICE=0 exited with %d:\n%s" % (rc, out))
    time.sleep(3)
    rc, out = wine([exe, "service", "status"])
    if "state: STOPPED" not in out:
        fail("STARTSERVICE=0 started the service: %s" % out)
    if len(admin.call("GET", "/api/devices/%s/messages" % DEVICE)) != before:
        fail("STARTSERVICE=0: the device checked in")
    step("STARTSERVICE=0: installed, service not started, no check-in")

    # A configuration error at service start: Event Log error (ID 130) and
    # STOPPED at once with service-specific exit code 2, not a timeout.
    conf_path = os.path.join(state_dir, "agent.conf")
    good_conf = open(conf_path, encoding="utf-8").read()
    with open(conf_path, "a", encoding="utf-8") as f:
        f.write("\r\n[agent]\r\nfrobnicate = 1\r\n")
    t0 = time.monotonic()
    rc, out = wine([exe, "service", "start"])
    took = time.monotonic() - t0
    if rc == 0:
        fail("service start with a bad configuration succeeded: %s" % out)
    if took > 20:
        fail("service start with a bad configuration took %.0f s: %s" % (took, out))
    rc, out = wine([exe, "service", "status"])
    if "state: STOPPED" not in out or "exit code: 1066/2" not in out:
        fail("after a start with a bad configuration: %s" % out)

    def config_error_event():
        sys_log = open(args.system_log, encoding="utf-8", errors="replace").read()
        return (re.search(r'ReportEventW L"configuration error: .*frobnicate', sys_log) and
                re.search(r"ReportEventW \([0-9a-fA-F]+,0x0001,0x0000,0xc0000082,", sys_log))
    wait_for("the configuration error (Event ID 130) in the Event Log", config_error_event, 10)
    with open(conf_path, "w", encoding="utf-8") as f:
        f.write(good_conf)
    step("configuration error at start: Event ID 130, STOPPED at once (exit code 1066/2, "
         "%.1f s)" % took)
    rc, out = wine(["msiexec", "/x", args.msi, "/qn"])
    if rc != 0:
        fail("msiexec /x exited with %d:\n%s" % (rc, out))
    imaging(args, prefix, state_dir, exe)

    # Without SERVERURL (packaging/windows/README.md): the service cannot
    # start (no server URL), so StartServices fails and the installation
    # rolls back; with STARTSERVICE=0 it succeeds, and a later start stops
    # at once with a configuration error (Event ID 130).
    os.remove(conf_path)
    # The imaging step's enrollment names a server too: without it as well.
    if os.path.exists(os.path.join(state_dir, "enrollment")):
        os.remove(os.path.join(state_dir, "enrollment"))
    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "/l*v", r"C:\omadm-test\install-nourl.log"])
    if rc == 0 or os.path.exists(program):
        fail("msiexec /i without SERVERURL: exit %d, program %s:\n%s"
             % (rc, "kept" if os.path.exists(program) else "gone", out))
    step("without SERVERURL: the service cannot start, rolled back (exit %d)" % rc)
    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "STARTSERVICE=0",
                    "/l*v", r"C:\omadm-test\install-nourl0.log"])
    if rc != 0:
        fail("msiexec /i STARTSERVICE=0 without SERVERURL exited with %d:\n%s" % (rc, out))
    conf = open(conf_path, encoding="utf-8").read()
    if "device_id = " not in conf:
        fail("no device id (MachineGuid) in agent.conf without DEVICEID:\n%s" % conf)
    rc, out = wine([exe, "service", "start"])
    if rc == 0:
        fail("service start without a server URL succeeded: %s" % out)
    rc, out = wine([exe, "service", "status"])
    if "state: STOPPED" not in out or "exit code: 1066/2" not in out:
        fail("after a start without a server URL: %s" % out)
    rc, out = wine(["msiexec", "/x", args.msi, "/qn"])
    if rc != 0:
        fail("msiexec /x exited with %d:\n%s" % (rc, out))
    step("without SERVERURL, STARTSERVICE=0: installed (exit 0); a start stops at once with a "
         "configuration error (1066/2)")
    step("passed in %.0f s" % (time.monotonic() - started))


ENROLL_USER = "imaging@example.com"
ENROLL_SECRET = "imaging s3cret"


def imaging(args, prefix, state_dir, exe):
    """An imaged PC: the MSI with ENROLLURL installs without enrolling; the
    service enrolls at its first start, retrying while the enrollment
    server is down; the certificate and its non-exportable key are in
    LocalMachine\\MY; the device is managed; a service restart goes on
    with the same enrollment; a new MachineGuid (sysprep) enrolls afresh."""
    shutil.rmtree(state_dir, ignore_errors=True)  # a fresh machine
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # the enrollment server is not up yet
    enroll_url = "https://localhost:%d" % port
    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "ENROLLURL=" + enroll_url,
                    "ENROLLUSER=" + ENROLL_USER, "ENROLLSECRET=" + ENROLL_SECRET,
                    r"CA=C:\omadm-test\ca.pem", "LOGLEVEL=debug", "PROXY=none",
                    "STARTSERVICE=0", "/l*v", r"C:\omadm-test\install-enroll.log"])
    if rc != 0:
        fail("msiexec /i ENROLLURL=... exited with %d:\n%s" % (rc, out))
    conf_path = os.path.join(state_dir, "agent.conf")
    conf = open(conf_path, encoding="utf-8").read()
    lines = [ln.rstrip("\r") for ln in conf.splitlines()]
    secret_path = os.path.join(state_dir, "enroll-secret")
    for expect in ("url = " + enroll_url, "user = " + ENROLL_USER,
                   r"secret_file = C:\ProgramData\omadm-agent\enroll-secret"):
        if expect not in lines:
            fail("agent.conf lacks %r:\n%s" % (expect, conf))
    if any(ln.startswith("device_id") for ln in lines) or ENROLL_SECRET in conf:
        fail("agent.conf has a device id or the secret itself:\n%s" % conf)
    if open(secret_path, encoding="utf-8").read() != ENROLL_SECRET:
        fail("the secret file does not hold ENROLLSECRET")
    # The configure action's command line (HideTarget) is not in the log.
    # wine's msi ends the log with every property, ignoring
    # MsiHiddenProperties (Windows Installer writes asterisks): that line
    # alone is allowed here; test_msi.py checks the MSI's tables.
    log = open(os.path.join(prefix, "drive_c", "omadm-test", "install-enroll.log"),
               encoding="utf-8", errors="replace").read()
    leaks = [ln for ln in log.splitlines() if ENROLL_SECRET in ln
             and not ln.startswith("Property(S): ENROLLSECRET = ")]
    if leaks:
        fail("the installation log holds ENROLLSECRET: %s" % leaks)
    if os.path.exists(os.path.join(state_dir, "enrollment")):
        fail("the installation enrolled")
    step("MSI with ENROLLURL: [enroll] in agent.conf, the secret in an owner-only file and "
         "not on the logged command line; no enrollment, no device id at install time")

    # The first start, with the server still down: back-off (2 s here).
    with open(conf_path, "w", encoding="utf-8") as f:
        f.write(conf.replace("[enroll]", "[enroll]\r\nretry_interval = 2s", 1))
    rc, out = wine([exe, "service", "start"])
    if rc != 0:
        fail("service start: exit %d: %s" % (rc, out))

    def retries():
        sys_log = open(args.system_log, encoding="utf-8", errors="replace").read()
        return len(re.findall(r"enrollment server cannot be reached \(attempt", sys_log)) >= 2
    wait_for("two enrollment retries while the server is down", retries, 90)
    # Enrollment Event IDs (messages_win32.mc): each attempt is 140 (started,
    # informational) then 142 (failed, error: the server cannot be reached).
    for kind, event_id, etype in (("enrollment started", 0x4000008C, 1 << 2),
                                  ("enrollment failed", 0xC000008E, 1)):
        wait_for("Event ID %d (%s) in the Event Log" % (event_id & 0xFFFF, kind),
                 lambda event_id=event_id, etype=etype: event_logged(args, event_id, etype), 30)
    step("service started with the enrollment server down: retries with back-off; Event IDs "
         "140 (enrollment started) and 142 (enrollment failed) in the Event Log")

    mock_err = open(os.path.join(args.work, "mockserver-enroll.log"), "w")
    mock = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(args.source_root, "tests", "mockserver", "mockserver"),
         "--listen", "localhost:%d" % port, "--admin", "127.0.0.1:0",
         "--tls-cert", os.path.join(args.work, "pki", "server.pem"),
         "--tls-key", os.path.join(args.work, "pki", "server.key"),
         "--client-ca", os.path.join(args.work, "pki", "ca.pem"),
         "--db", os.path.join(args.work, "mdm-enroll.sqlite"),
         "--enroll-user", ENROLL_USER, "--enroll-secret", ENROLL_SECRET],
        stdout=subprocess.PIPE, stderr=mock_err, text=True)
    try:
        imaging_managed(args, mock, state_dir, exe)
    finally:
        stop_mock(mock, mock_err)
        wine([exe, "service", "stop"])
        wine(["msiexec", "/x", args.msi, "/qn"])


def event_logged(args, event_id, etype, text=None):
    """Whether wine's ReportEventW trace (fixme+advapi) shows the Event ID
    (severity bits included) with the event type, and text in its line."""
    sys_log = open(args.system_log, encoding="utf-8", errors="replace").read()
    pattern = r"ReportEventW \([0-9a-fA-F]+,0x%04x,0x0000,0x%08x,[^\n]*" % (etype, event_id)
    return any(text is None or text in m for m in re.findall(pattern, sys_log))


def enrollment_state(state_dir):
    path = os.path.join(state_dir, "enrollment")
    if not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8", errors="replace").read()
    return dict(ln.split("=", 1) for ln in text.splitlines() if "=" in ln)


def imaging_managed(args, mock, state_dir, exe):
    admin = Admin(mock_urls(mock, os.path.join(args.work, "mockserver-enroll.log"))["admin"])

    def enrolled():
        e = admin.call("GET", "/api/enrollments")
        return e if len(e) == 1 and e[0]["state"] == "enrolled" else None
    (e,) = wait_for("the service enrolling once the server is up", enrolled, 90)
    device = e["device"]
    state = wait_for("the enrollment state", lambda: enrollment_state(state_dir), 30)
    store = state.get("cert_store", "")
    if not re.fullmatch(r"LocalMachine\\MY\\[0-9a-f]{40}", store) or state.get("key_pem"):
        fail("the enrollment keeps no store entry, or keeps the key: cert_store=%r key_pem=%s"
             % (store, "set" if state.get("key_pem") else "empty"))
    helper = os.path.join(os.environ["WINEPREFIX"], "drive_c", "omadm-test", "cert-in-store.exe")
    shutil.copy(args.cert_in_store, helper)
    rc, out = wine([r"C:\omadm-test\cert-in-store.exe", store.rsplit("\\", 1)[1]])
    # Under wine the key is exportable on purpose (wine's Schannel exports
    # it for GnuTLS; agent__enroll_store_on_wine); the non-exportable import
    # is the unit test agent-enroll-store-win32's, checked on Windows.
    if rc != 0 or not re.search(r"found key=yes .*subject=%s$" % device, out.strip()):
        fail("LocalMachine\\MY: %s (exit %d)" % (out.strip(), rc))
    wait_for("Event ID 141 (enrollment succeeded) in the Event Log",
             lambda: event_logged(args, 0x4000008D, 1 << 2), 30)
    step("enrolled as %s; certificate in %s with its key; Event ID 141 (enrollment "
         "succeeded) in the Event Log" % (device, store))

    action = admin.call("POST", "/api/devices/%s/actions" % device, {"action": "restart"})

    def answered():
        acts = admin.call("GET", "/api/actions?device=" + device)
        a = [x for x in acts if x["id"] == action["id"]]
        return a[0] if a and a[0]["state"] in ("accepted", "completed", "failed") else None
    a = wait_for("the enrolled device's session (restart Exec)", answered, 90)
    if str(a["status"]) != "200":
        fail("the restart's Exec got Status %s" % a["status"])
    step("managed with the store certificate: restart accepted (Exec Status 200)")

    # A service restart: the same enrollment, no new one, sessions go on.
    def inbound():
        return len([m for m in admin.call("GET", "/api/devices/%s/messages" % device)
                    if m["direction"] == "in"])
    before = inbound()
    for verb in ("stop", "start"):
        rc, out = wine([exe, "service", verb])
        if rc != 0:
            fail("service %s: exit %d: %s" % (verb, rc, out))
    wait_for("a session after the service restart", lambda: inbound() > before or None, 60)
    if len(admin.call("GET", "/api/enrollments")) != 1:
        fail("the service restart enrolled again")
    step("service restarted: a session with the same enrollment, no re-enrollment")

    # Sysprep: a new MachineGuid. The enrollment belongs to another machine:
    # the agent says so and enrolls afresh.
    rc, out = wine([exe, "service", "stop"])
    new_guid = "%08x-%04x-%04x-%04x-%012x" % tuple(
        int.from_bytes(os.urandom(n), "big") for n in (4, 2, 2, 2, 6))
    rc, out = wine(["reg", "add", r"HKLM\SOFTWARE\Microsoft\Cryptography", "/v",
                    "MachineGuid", "/d", new_guid, "/f"])
    if rc != 0:
        fail("reg add MachineGuid: %s" % out)
    rc, out = wine([exe, "service", "start"])
    if rc != 0:
        fail("service start after the new MachineGuid: %s" % out)

    def reenrolled():
        e = admin.call("GET", "/api/enrollments")
        return e if len(e) == 2 else None
    devices = [x["device"] for x in wait_for("a fresh enrollment after sysprep", reenrolled, 90)]
    state = wait_for("the new enrollment state", lambda: (
        enrollment_state(state_dir) or {}).get("machine_id") == new_guid or None, 30)
    if len(set(devices)) != 2:
        fail("the fresh enrollment has the old device id: %s" % devices)
    step("new MachineGuid (sysprep): enrolled afresh as %s" % [d for d in devices
                                                               if d != device][0])


if __name__ == "__main__":
    main()
