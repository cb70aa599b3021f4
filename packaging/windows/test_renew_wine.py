#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Certificate renewal on Windows, under wine (run by test-windows.sh).

The enrollment's certificate and key live in LocalMachine\\MY; the state
names the entry (cert_store = LocalMachine\\MY\\<thumbprint>). The mock
server issues certificates valid one day with a one-day renewal period, so
each is inside its renewal period from the start:

 1. `enroll` (native platform): the certificate and key in the store;
 2. `sync`: renews through WSTEP (RequestType Renew, TLS with the store
    entry, the PKCS#7 signed through CryptoAPI with the key in the store):
    "certificate renewed", the mock counts one renewal, the state names a
    new thumbprint that is in the store with its key, the old one is gone,
    and the session of that sync already presents the new certificate (the
    mock records the serial of the certificate of each trusted request);
 3. the mock refusing the next enrollment-service request with a SOAP
    fault (its test hook, POST /api/enrollment/hostile), `sync` again:
    "certificate renewal failed", the state and the store entry
    unchanged, no second renewal, and the session succeeds with the
    certificate renewed in step 2.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_service as ts  # noqa: E402  (PKI, mock, wine helpers)

USER = "renew@example.com"
SECRET = "renew s3cret"


def step(msg):
    print("renew test: %s" % msg, flush=True)


def fail(msg):
    print("renew test: FAILED: %s" % msg, flush=True)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True, help="the agent program")
    ap.add_argument("--cert-in-store", required=True,
                    help="platform/win32/tests' cert-in-store.exe")
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    drive_c = os.path.join(os.environ["WINEPREFIX"], "drive_c")
    host_dir = os.path.join(drive_c, "omadm-renew")
    shutil.rmtree(host_dir, ignore_errors=True)
    os.makedirs(os.path.join(host_dir, "state"))
    shutil.copy(args.exe, os.path.join(host_dir, "omadm-agent.exe"))
    shutil.copy(args.cert_in_store, os.path.join(host_dir, "cert-in-store.exe"))
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    pki = os.path.join(args.work, "pki")
    ts.make_pki(args.source_root, pki)
    shutil.copy(os.path.join(pki, "ca.pem"), os.path.join(host_dir, "ca.pem"))
    with open(os.path.join(host_dir, "secret"), "w") as f:
        f.write(SECRET)
    with open(os.path.join(host_dir, "agent.conf"), "w") as f:
        f.write("; empty: everything from the command line and the enrollment\r\n")

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    log_path = os.path.join(args.work, "mockserver-renew.log")
    mock_err = open(log_path, "w")
    # localhost: libcurl 7.88's Schannel matches the server certificate's
    # DNS name, not its IP address.
    mock = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(args.source_root, "tests", "mockserver", "mockserver"),
         "--listen", "localhost:%d" % port, "--admin", "127.0.0.1:0",
         "--tls-cert", os.path.join(pki, "server.pem"),
         "--tls-key", os.path.join(pki, "server.key"),
         "--client-ca", os.path.join(pki, "ca.pem"),
         "--db", os.path.join(args.work, "mdm-renew.sqlite"),
         "--enroll-user", USER, "--enroll-secret", SECRET,
         "--enroll-cert-days", "1", "--enroll-renew-days", "1"],
        stdout=subprocess.PIPE, stderr=mock_err, text=True)
    try:
        run(args, mock, host_dir, port, log_path)
    finally:
        ts.stop_mock(mock, mock_err)
        # the enrollment's store entries go with the test
        state = ts.enrollment_state(os.path.join(host_dir, "state")) or {}
        if state.get("cert_store"):
            agent(["unenroll"])


def agent(cmd, timeout=180):
    base = r"C:\omadm-renew"
    return ts.wine([base + r"\omadm-agent.exe"] + cmd +
                   ["--config", base + r"\agent.conf", "--state-dir", base + r"\state",
                    "--platform", "native", "--log-level", "debug"], timeout=timeout)


def in_store(thumb):
    rc, out = ts.wine([r"C:\omadm-renew\cert-in-store.exe", thumb])
    return rc, out.strip()


def store_thumb(state):
    store = state.get("cert_store", "")
    m = re.fullmatch(r"LocalMachine\\MY\\([0-9a-f]{40})", store)
    if not m or state.get("key_pem"):
        fail("the enrollment keeps no store entry, or keeps the key: cert_store=%r key_pem=%s"
             % (store, "set" if state.get("key_pem") else "empty"))
    return m.group(1)


def run(args, mock, host_dir, port, log_path):
    admin = ts.Admin(ts.mock_urls(mock, log_path)["admin"])
    state_dir = os.path.join(host_dir, "state")

    rc, out = agent(["enroll", "--url", "https://localhost:%d" % port,
                     "--ca", r"C:\omadm-renew\ca.pem", "--user", USER,
                     "--secret-file", r"C:\omadm-renew\secret"])
    if rc != 0:
        fail("enroll (exit %d):\n%s" % (rc, out))
    (e0,) = admin.call("GET", "/api/enrollments")
    device = e0["device"]
    old = store_thumb(ts.enrollment_state(state_dir))
    rc, line = in_store(old)
    if rc != 0 or not re.search(r"found key=yes .*subject=%s$" % device, line):
        fail("the enrolled certificate in LocalMachine\\MY: %s (exit %d)" % (line, rc))
    step("enrolled as %s, certificate serial %s valid one day (renewal period one day), "
         "in LocalMachine\\MY\\%s with its key" % (device, e0["cert_serial"], old))

    # the renewal, and the session of the same sync with the new certificate
    rc, out = agent(["sync"])
    with open(os.path.join(args.work, "agent-sync-renew.log"), "w") as f:
        f.write(out)  # the Renew exchange as traced at debug level
    if rc != 0 or "certificate renewed" not in out:
        fail("sync with the certificate in its renewal period (exit %d):\n%s" % (rc, out))
    for secret in ("PRIVATE KEY", SECRET):
        if secret in out:
            fail("the log shows %r" % secret)
    (e1,) = admin.call("GET", "/api/enrollments")
    if e1["renewals"] != 1 or e1["cert_serial"] == e0["cert_serial"]:
        fail("the mock's enrollment after the renewal: %s" % e1)
    if e1["session_serial"] != e1["cert_serial"]:
        fail("the session after the renewal came with serial %s, not the renewed %s"
             % (e1["session_serial"], e1["cert_serial"]))
    state1 = ts.enrollment_state(state_dir)
    new = store_thumb(state1)
    if new == old:
        fail("the state still names the old store entry %s" % old)
    rc, line = in_store(new)
    if rc != 0 or not re.search(r"found key=yes .*subject=%s$" % device, line):
        fail("the renewed certificate in LocalMachine\\MY: %s (exit %d)" % (line, rc))
    rc, line = in_store(old)
    if rc != 1 or line != "absent":
        fail("the replaced certificate %s is still in the store: %s\n%s" % (old, line, out))
    if state1.get("renew_failures", "0") != "0":
        fail("renew_failures=%s after a renewal" % state1.get("renew_failures"))
    step("sync renewed through WSTEP (mock: renewals=1, serial %s -> %s); the state names "
         "LocalMachine\\MY\\%s (in the store with its key), %s removed; that sync's session "
         "presented the renewed certificate (serial %s)"
         % (e0["cert_serial"], e1["cert_serial"], new, old, e1["session_serial"]))

    # a refused renewal: the certificate in use stays, sessions go on
    admin.call("POST", "/api/enrollment/hostile",
               {"endpoint": "enrollment", "mode": "fault", "subcode": "s:CertificateRequest",
                "text": "renewal refused by the test"})
    rc, out = agent(["sync"])
    if rc != 0 or "certificate renewal failed" not in out or "stays in use" not in out:
        fail("sync with the renewal refused (exit %d):\n%s" % (rc, out))
    state2 = ts.enrollment_state(state_dir)
    if store_thumb(state2) != new or state2.get("cert_pem") != state1.get("cert_pem"):
        fail("a refused renewal changed the enrollment: cert_store=%r" % state2.get("cert_store"))
    if state2.get("renew_failures") != "1" or not state2.get("renew_next_try"):
        fail("no back-off after the refused renewal: renew_failures=%r renew_next_try=%r"
             % (state2.get("renew_failures"), state2.get("renew_next_try")))
    rc, line = in_store(new)
    if rc != 0 or "key=yes" not in line:
        fail("the certificate in use left the store after a refused renewal: %s" % line)
    (e2,) = admin.call("GET", "/api/enrollments")
    if e2["renewals"] != 1 or e2["session_serial"] != e1["cert_serial"]:
        fail("the mock after the refused renewal: renewals=%s session serial %s (want 1, %s)"
             % (e2["renewals"], e2["session_serial"], e1["cert_serial"]))
    if "renewal refused by the test" not in out:
        fail("the log does not give the server's reason:\n%s" % out)
    step("renewal refused by the server (SOAP fault s:CertificateRequest): \"certificate "
         "renewal failed\", "
         "back-off (renew_failures=1), LocalMachine\\MY\\%s kept and the session still "
         "authenticated with it (serial %s)" % (new, e2["session_serial"]))


if __name__ == "__main__":
    main()
