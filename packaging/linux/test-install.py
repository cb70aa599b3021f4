#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`meson install --destdir` into a temporary directory, then check that
everything landed in its FHS place with sane modes.

Usage: test-install.py BUILD_DIR AGENT_BINARY
"""
import json
import os
import stat
import subprocess
import sys
import tempfile

build, agent = sys.argv[1], os.path.abspath(sys.argv[2])


def option(opts, name):
    for o in opts:
        if o["name"] == name:
            return o["value"]
    raise SystemExit(f"FAIL: no meson option {name}")


def main():
    opts = json.loads(subprocess.run(
        ["meson", "introspect", "--buildoptions", build],
        check=True, capture_output=True, text=True).stdout)
    prefix = option(opts, "prefix")
    bindir = os.path.join(prefix, option(opts, "bindir"))
    libdir = os.path.join(prefix, option(opts, "libdir"))
    includedir = os.path.join(prefix, option(opts, "includedir"))
    mandir = os.path.join(prefix, option(opts, "mandir"))
    datadir = os.path.join(prefix, option(opts, "datadir"))
    failures = []

    with tempfile.TemporaryDirectory() as dest:
        r = subprocess.run(
            ["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild",
             "--quiet"], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            raise SystemExit("FAIL: meson install")

        def at(path):
            return dest + path

        def expect(path, kind, mode=None):
            p = at(path)
            if not os.path.lexists(p):
                failures.append(f"missing {path}")
                return
            st = os.lstat(p)
            ok = {"file": stat.S_ISREG, "dir": stat.S_ISDIR,
                  "link": stat.S_ISLNK}[kind](st.st_mode)
            if not ok:
                failures.append(f"{path} is not a {kind}")
            if mode is not None and stat.S_IMODE(st.st_mode) != mode:
                failures.append(f"{path} has mode {stat.S_IMODE(st.st_mode):04o}, "
                                f"expected {mode:04o}")
            print(f"ok {path}")

        unit = f"{prefix}/lib/systemd/system/omadm-agent.service"
        expect(f"{bindir}/omadm-agent", "file", 0o755)
        expect(unit, "file", 0o644)
        expect("/etc/omadm-agent/agent.conf", "file", 0o644)
        expect("/var/lib/omadm-agent", "dir", 0o700)
        for h in ("omadm.h", "status.h", "csp.h", "log.h", "version.h"):
            expect(f"{includedir}/omadm/{h}", "file", 0o644)
        expect(f"{libdir}/pkgconfig/omadm.pc", "file")
        expect(f"{libdir}/libomadm.so", "link")
        expect(f"{libdir}/libomadm.a", "file")
        expect(f"{mandir}/man8/omadm-agent.8", "file", 0o644)
        expect(f"{mandir}/man5/omadm-agent.conf.5", "file", 0o644)
        expect(f"{datadir}/doc/omadm-agent/LICENSE", "file", 0o644)
        lic = at(f"{datadir}/doc/omadm-agent/LICENSE")
        if os.path.exists(lic):
            with open(lic) as f:
                text = f.read()
            if "Apache License" not in text or "END OF TERMS AND CONDITIONS" not in text:
                failures.append("LICENSE is not the whole Apache-2.0 text")

        # The unit starts the installed binary.
        with open(at(unit)) as f:
            execs = [l.strip() for l in f if l.startswith("ExecStart=")]
        if execs != [f"ExecStart={bindir}/omadm-agent run"]:
            failures.append(f"unit ExecStart is {execs}")

        # The pkg-config file points at the installed headers and library.
        with open(at(f"{libdir}/pkgconfig/omadm.pc")) as f:
            pc = f.read()
        for needle in (f"prefix={prefix}", "Libs: -L${libdir} -lomadm",
                       "Requires.private: libxml-2.0, libcurl, libcrypto"):
            if needle not in pc:
                failures.append(f"omadm.pc lacks {needle!r}")

        # The default configuration is accepted by the agent as installed;
        # it names no server yet, which status reports with exit 3.
        r = subprocess.run([agent, "--config", at("/etc/omadm-agent/agent.conf"),
                            "--state-dir", os.path.join(dest, "state"), "status"],
                           capture_output=True, text=True)
        if r.returncode != 3 or "server:          (not configured)" not in r.stdout:
            failures.append(f"agent rejects the default config: {r.stderr.strip()}")

    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print("install: every file in place")


main()
