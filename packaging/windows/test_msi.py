#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The MSI's tables, checked on the build host (no wine): build-msi.sh on a
stand-in program, then `msiinfo export` of the tables an administrator's
tools read: the public properties (secure, so an MST or the command line
reaches the deferred custom action), STARTSERVICE=0 (no start, no check-in),
the custom action's command line, Add/Remove Programs properties, the File
table's version; then sign.sh with a throwaway certificate and
`osslsigncode verify`, which must also refuse a tampered file.

Usage: test_msi.py SOURCE_ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile

root = sys.argv[1]
here = os.path.join(root, "packaging", "windows")
failures = []


def table(msi, name):
    # In the MSI's folder: exporting the Binary table writes its streams to
    # Binary/ under the working directory.
    out = subprocess.run(["msiinfo", "export", msi, name], check=True, capture_output=True,
                         text=True, cwd=os.path.dirname(msi)).stdout
    rows = [l.rstrip("\r").split("\t") for l in out.splitlines()[3:] if l.strip()]
    return rows


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main():
    for tool in ("wixl", "msiinfo", "msibuild"):
        if not shutil.which(tool):
            print("SKIP: %s not installed (apt-get install wixl msitools)" % tool)
            sys.exit(77)
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "omadm-agent.exe")
        with open(exe, "wb") as f:
            f.write(b"MZ stand-in program\n")
        with open(os.path.join(d, "omadm-agent-msi.dll"), "wb") as f:
            f.write(b"MZ stand-in custom action DLL\n")
        msi = os.path.join(d, "omadm-agent.msi")
        env = dict(os.environ, OMADM_MSI_HELPLINK="https://support.example.test/omadm-agent")
        subprocess.run(["sh", os.path.join(here, "build-msi.sh"), exe, "1.2.3", msi],
                       check=True, env=env)
        props = dict((r[0], r[1]) for r in table(msi, "Property"))
        secure = props.get("SecureCustomProperties", "").split(";")
        for p in ("SERVERURL", "DEVICEID", "CERT", "CA", "LOGLEVEL", "PROXY", "POLLINTERVAL",
                  "STARTSERVICE", "ENROLLURL", "ENROLLUSER", "ENROLLSECRET", "ENROLLTOKEN"):
            expect(p in secure, "%s is declared (SecureCustomProperties)" % p)
        expect("WIX_UPGRADE_DETECTED" in secure, "wixl's own secure properties are kept")
        expect(props.get("STARTSERVICE") == "1", "STARTSERVICE defaults to 1")
        expect(props.get("ARPNOMODIFY") == "1", "ARPNOMODIFY=1 (no Modify button)")
        expect(props.get("ARPHELPLINK") == "https://support.example.test/omadm-agent",
               "ARPHELPLINK from OMADM_MSI_HELPLINK")
        expect(props.get("Manufacturer") == "omadm-agent project", "publisher (Manufacturer)")
        seq = dict((r[0], r[1]) for r in table(msi, "InstallExecuteSequence"))
        expect(seq.get("StartServices") == 'STARTSERVICE = "1"',
               "StartServices runs only when STARTSERVICE=1 (got %r)" % seq.get("StartServices"))
        ca = dict((r[0], r[3]) for r in table(msi, "CustomAction"))
        cmd = ca.get("ConfigureAgent", "")
        for arg in ('"server=[SERVERURL]"', '"proxy=[PROXY]"', '"poll_interval=[POLLINTERVAL]"',
                    '"log_level=[LOGLEVEL]"', '"enroll_url=[ENROLLURL]"',
                    '"enroll_user=[ENROLLUSER]"', '"enroll_secret=[ENROLLSECRET]"',
                    '"enroll_token=[ENROLLTOKEN]"'):
            expect(arg in cmd, "the configure action passes %s" % arg)
        # The enrollment secret never reaches the installation log: hidden
        # properties, and the action's command line hidden
        # (msidbCustomActionTypeHideTarget).
        hidden = props.get("MsiHiddenProperties", "").split(";")
        expect("ENROLLSECRET" in hidden and "ENROLLTOKEN" in hidden,
               "ENROLLSECRET and ENROLLTOKEN are hidden (MsiHiddenProperties %r)" % hidden)
        types = dict((r[0], int(r[1])) for r in table(msi, "CustomAction"))
        expect(types.get("ConfigureAgent", 0) & 0x2000,
               "the configure action's target is hidden (type %r)" % types.get("ConfigureAgent"))
        # Refused up front, the reason in the /l*v log (a property the log
        # lists, and the launch condition's message).
        conds = dict((r[0], r[1]) for r in table(msi, "LaunchCondition"))
        expect(conds.get("Installed OR NOT InstallRefused") == "[InstallRefused]",
               "a launch condition refuses with the reason in InstallRefused")
        expect(seq.get("RefuseServerUrl") == 'SERVERURL AND NOT (SERVERURL ~<< "https://")',
               "a SERVERURL that is not https:// is refused (got %r)" % seq.get("RefuseServerUrl"))
        refusal = dict((r[0], r[3]) for r in table(msi, "CustomAction")
                       if r[2] == "InstallRefused")
        expect("SERVERURL must be an https:// URL (got [SERVERURL])" in
               refusal.get("RefuseServerUrl", ""), "the refusal names SERVERURL and its value")
        expect("RefuseStartService" in refusal and "RefuseStartService" in seq,
               "a STARTSERVICE other than 0 or 1 is refused")
        # Values only the agent can judge: its parser in a DLL custom action
        # (msidbCustomActionTypeDll + BinaryData = 1), run before
        # InstallInitialize, so nothing is installed when it refuses.
        ca_rows = dict((r[0], r) for r in table(msi, "CustomAction"))
        check = ca_rows.get("CheckProperties", ["", "0", "", ""])
        expect(int(check[1]) & 0x3F == 1 and check[2] == "CheckDll" and
               check[3] == "CheckProperties",
               "CheckProperties is a DLL custom action from the Binary table (got %r)" % check)
        binaries = [r[0] for r in table(msi, "Binary")]
        expect("CheckDll" in binaries, "the Binary table holds CheckDll (got %r)" % binaries)
        order = dict((r[0], int(r[2])) for r in table(msi, "InstallExecuteSequence"))
        expect(order.get("CheckProperties", 10**6) < order.get("InstallInitialize", 0),
               "CheckProperties runs before InstallInitialize (%r)" % order.get("CheckProperties"))
        files = table(msi, "File")
        expect(len(files) == 1 and files[0][4] == "1.2.3.0",
               "File table version 1.2.3.0 (got %r)" % [f[4] for f in files])

        if not shutil.which("osslsigncode") or not shutil.which("openssl"):
            print("SKIP: signing (osslsigncode not installed)")
        else:
            cert, key = os.path.join(d, "sign.pem"), os.path.join(d, "sign.key")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", cert, "-days", "2", "-subj",
                            "/CN=omadm-agent throwaway signing", "-addext",
                            "extendedKeyUsage=codeSigning"], check=True, capture_output=True)
            r = subprocess.run(["sh", os.path.join(here, "sign.sh"), cert, key, msi],
                               capture_output=True, text=True)
            expect(r.returncode == 0, "sign.sh signs the MSI (%s)" % r.stderr.strip())
            v = subprocess.run(["osslsigncode", "verify", "-in", msi, "-CAfile", cert],
                               capture_output=True, text=True)
            expect(v.returncode == 0, "osslsigncode verify accepts the signed MSI")
            expect(table(msi, "File")[0][4] == "1.2.3.0", "signing keeps the tables")
            # A signed file changed afterwards no longer verifies.
            tampered = os.path.join(d, "tampered.msi")
            shutil.copy(msi, tampered)
            with open(tampered, "r+b") as f:
                f.seek(os.path.getsize(tampered) // 2)
                byte = f.read(1)
                f.seek(-1, 1)
                f.write(bytes([byte[0] ^ 0xFF]))
            v = subprocess.run(["osslsigncode", "verify", "-in", tampered, "-CAfile", cert],
                               capture_output=True, text=True)
            expect(v.returncode != 0, "osslsigncode verify refuses a tampered file")
    if failures:
        sys.exit(1)
    print("msi: tables and signature as expected")


main()
