#!/usr/bin/python3
"""The omadm-agent Windows service under wine, end to end.

Run by test-windows.sh with WINEPREFIX set to a fresh prefix whose wine
server is persistent and whose system processes (services.exe and so the
service) write their wine debug output to --system-log with the channels
fixme+advapi and +eventlog on. Steps (each bounded in time):

 1. a PKI from tests/mockserver/make-certs.sh (RSA client identity as a PFX);
 2. the mock MDM server on loopback with mutual TLS, a restart queued for
    the device before it ever checked in;
 3. msiexec /i with SERVERURL=http://... is refused (the reason in the
    /l*v log); with POLLINTERVAL=soon configure refuses it (the reason in
    the Event Log) and the installation rolls back: no program or service
    behind;
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
 7. STOP: STOPPED with exit code 0, "service: stopped" in the Event Log;
 8. msiexec /x: service and program gone, state directory kept;
 9. the program's own verbs: service install, start, stop, status,
    uninstall; `sync --cert LocalMachine\\MY\\<thumbprint>` with the PFX
    imported into the machine store; `run --foreground` has a session
    without the SCM;
10. `status` (the running agent's pid and since when) and `check` next to
    the running service; an installation without SERVERURL rolls back
    (the service cannot start), with STARTSERVICE=0 it succeeds.
"""

import argparse
import json
import os
import re
import shutil
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
    ap.add_argument("--system-log", required=True)
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
        mock.terminate()
        try:
            mock.wait(timeout=10)
        except subprocess.TimeoutExpired:
            mock.kill()
        mock_err.close()


def run(args, mock, prefix, state_dir, program, exe, started):
    urls = {}
    for _ in range(5):  # listening, push (the push channel), admin
        line = mock.stdout.readline().split()
        if len(line) == 2:
            urls[line[0]] = line[1]
        if "admin" in urls:
            break
    if "listening" not in urls or "admin" not in urls:
        fail("the mock server did not start (see %s/mockserver.log)" % args.work)
    # By name: libcurl 7.88's Schannel backend matches the server's DNS
    # names only ("CertGetNameString() failed to match connection hostname
    # (127.0.0.1)"); the test certificate names localhost too.
    server = urls["listening"].replace("127.0.0.1", "localhost") + "/ManagementServer/MDM.svc"
    admin = Admin(urls["admin"])
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

    # A value only the agent can judge: the configure action fails, the
    # installation is rolled back, the reason is in the Event Log.
    rc, out = wine(["msiexec", "/i", args.msi, "/qn", "SERVERURL=https://mdm.example/x",
                    "POLLINTERVAL=soon", "/l*v", r"C:\omadm-test\install-bad2.log"],
                   debug="-all,+eventlog")
    if rc == 0:
        fail("msiexec /i with POLLINTERVAL=soon succeeded")
    if os.path.exists(program):
        fail("a rolled-back installation left %s behind" % program)
    if not re.search(r'ReportEventW L"service configure: .*soon', out):
        fail("the failed configure is not in the Event Log:\n%s" % out)
    text = open(bad_log.replace("install-bad.log", "install-bad2.log"), encoding="utf-8",
                 errors="replace").read().replace("\0", "")
    if "ConfigureAgent" not in text:
        fail("the /l*v log does not name the failed action:\n%s" % text[-3000:])
    step("POLLINTERVAL=soon: configure refuses it (exit %d), rolled back, reason in the "
         "Event Log" % rc)

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

    # Without SERVERURL (packaging/windows/README.md): the service cannot
    # start (no server URL), so StartServices fails and the installation
    # rolls back; with STARTSERVICE=0 it succeeds, and a later start stops
    # at once with a configuration error (Event ID 130).
    os.remove(conf_path)
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


if __name__ == "__main__":
    main()
