# SPDX-License-Identifier: Apache-2.0
"""The Contoso example plugin as a DLL, built with mingw from the SDK
archive alone (packaging/windows/make-sdk.sh), loaded by omadm-agent.exe
under wine from its csp_dir: the agent serves Add and Get on it against the
mock server (on the host), the value survives the agent's restart (the
plugin's key-value store in the state directory), and `status --json`
lists the plugin.

    test_plugin_wine.py --exe omadm-agent.exe --sdk omadm-sdk.zip --source-root DIR

Uses $WINEPREFIX (test-windows.sh prepares it)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = "./Vendor/Contoso/Settings"


def fail(msg):
    print("test_plugin_wine: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def winpath(path):
    return "Z:" + path.replace("/", "\\")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--sdk", required=True)
    ap.add_argument("--source-root", required=True)
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(args.source_root, "tests", "e2e"))
    sys.path.insert(0, os.path.join(args.source_root, "packaging", "windows"))
    import e2elib
    import test_service  # wine's PKI constraints

    # A PKI wine can use (see test_service.make_pki).
    for _ in range(20):
        w = e2elib.World()
        certs = w.certs
        if (test_service.rsa_components_full(os.path.join(certs, "client-rsa.key"))
                and test_service.ecdsa_signature_full(os.path.join(certs, "server.pem"))
                and test_service.ecdsa_signature_full(os.path.join(certs, "ca.pem"))):
            break
        w.close()
    else:
        fail("no PKI wine can use after 20 tries")
    try:
        sdk = tempfile.mkdtemp(dir=w.dir)
        zipfile.ZipFile(args.sdk).extractall(sdk)
        csp = os.path.join(w.dir, "csp")
        os.makedirs(csp)
        oem = os.path.join(args.source_root, "tests", "oem")
        subprocess.run(["x86_64-w64-mingw32-gcc", "-std=c11", "-Wall", "-Werror", "-shared",
                        "-I", os.path.join(sdk, "omadm-sdk", "include"), "-DOMADM_API=",
                        "-o", os.path.join(csp, "contoso.dll"),
                        os.path.join(oem, "contoso_plugin.c"),
                        os.path.join(oem, "contoso_settings.c")], check=True)
        conf = os.path.join(w.dir, "agent.conf")
        with open(conf, "w") as f:
            f.write("[agent]\ncsp_dir = %s\n" % winpath(csp))
        # schannel matches the name: the certificate names localhost.
        url = w.url.replace("127.0.0.1", "localhost")

        def agent(command, *extra):
            cmd = ["wine", args.exe, command, "--config", winpath(conf), "--server", url,
                   "--state-dir", winpath(w.state), "--platform", "sim",
                   "--ca", winpath(os.path.join(certs, "ca.pem")),
                   "--cert", winpath(os.path.join(certs, "client-rsa.p12")),
                   "--device-id", w.device_id, "--log-level", "debug"] + list(extra)
            env = dict(os.environ, WINEDEBUG="-all")
            return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)

        def session(*xml):
            before = len(w.commands())
            for x in xml:
                w.command(x)
            r = agent("sync")
            if r.returncode != 0:
                fail("sync exited %d:\n%s" % (r.returncode, r.stderr))
            return [(c["status"], ((c.get("results") or [{}])[0]).get("data"))
                    for c in w.commands()[before:]], r.stderr

        item = "<Item><Target><LocURI>%s/Color</LocURI></Target>%s</Item>"
        got, log = session("<Add>%s</Add>" % (item % (ROOT, "<Data>blue</Data>")),
                           "<Get>%s</Get>" % (item % (ROOT, "")))
        if "plugin contoso.dll loaded: contoso 1.0.0 on " + ROOT not in log:
            fail("the plugin was not loaded:\n" + log)
        if got != [("200", None), ("200", "blue")]:
            fail("first session: %r" % got)
        got, log = session("<Get>%s</Get>" % (item % (ROOT, "")))
        if got != [("200", "blue")] or "with 1 stored setting(s)" not in log:
            fail("after the restart: %r\n%s" % (got, log))
        r = agent("status", "--json")
        loaded = json.loads(r.stdout)["plugins"]["loaded"]
        if [p["file"] for p in loaded] != ["contoso.dll"] or loaded[0]["subtrees"] != [ROOT]:
            fail("status: %r" % loaded)
        print("test_plugin_wine: ok: contoso.dll from the SDK served Add/Get under wine,"
              " kept its value across the agent's restart, listed by status")
    finally:
        w.close()


if __name__ == "__main__":
    main()
