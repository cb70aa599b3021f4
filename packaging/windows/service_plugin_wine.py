# SPDX-License-Identifier: Apache-2.0
"""The wine service test's plugin step (test_service.py): the Contoso
example plugin, built as a DLL from the SDK archive alone, placed in
<install dir>\\csp of the MSI-installed service. The running service loads
it (`status --json` lists it); sessions driven by the mock server get its
node: Add and Get answered 200 with the value, a Replace persists across a
service restart (the plugin's key-value store in the state directory)."""

import json
import os
import subprocess
import tempfile
import urllib.request
import zipfile

ROOT = "./Vendor/Contoso/Settings"
ITEM = "<Item><Target><LocURI>%s/Color</LocURI></Target>%s</Item>"


def build_contoso(sdk_zip, source_root, out_dll):
    """contoso.dll from the SDK's headers only, as an OEM builds it."""
    with tempfile.TemporaryDirectory() as sdk:
        zipfile.ZipFile(sdk_zip).extractall(sdk)
        oem = os.path.join(source_root, "tests", "oem")
        subprocess.run(["x86_64-w64-mingw32-gcc", "-std=c11", "-Wall", "-Werror", "-shared",
                        "-I", os.path.join(sdk, "omadm-sdk", "include"), "-DOMADM_API=",
                        "-o", out_dll, os.path.join(oem, "contoso_plugin.c"),
                        os.path.join(oem, "contoso_settings.c")], check=True)


def queue_command(admin_base, device, xml):
    req = urllib.request.Request("%s/api/devices/%s/commands" % (admin_base, device),
                                 data=xml.encode(), method="POST",
                                 headers={"Content-Type": "application/xml"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode() or "null")


def run(args, admin, device, exe, program, wine, step, fail, wait_for, running):
    """admin: test_service.Admin; wine/step/fail/wait_for: test_service's."""
    csp = os.path.join(os.path.dirname(program), "csp")
    os.makedirs(csp, exist_ok=True)
    build_contoso(args.sdk, args.source_root, os.path.join(csp, "contoso.dll"))
    for verb in ("stop", "start"):
        rc, out = wine([exe, "service", verb])
        if rc != 0:
            fail("service %s (plugin step): exit %d: %s" % (verb, rc, out))
    wait_for("the service reaching RUNNING with the plugin", running, 30)

    rc, out = wine([exe, "status", "--json"])
    try:
        plugins = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]["plugins"]
    except (ValueError, KeyError) as e:
        fail("status --json next to the service: %s (exit %d):\n%s" % (e, rc, out))
    loaded = plugins["loaded"]
    if [p["file"] for p in loaded] != ["contoso.dll"] or loaded[0]["subtrees"] != [ROOT]:
        fail("the service did not load contoso.dll: %r (refused: %r)"
             % (loaded, plugins.get("refused")))
    step("plugin: the service loaded %s\\contoso.dll (status: %s %s on %s)"
         % (csp, loaded[0]["file"], loaded[0].get("version"), loaded[0]["subtrees"][0]))

    def session(*xml):
        before = len(admin.call("GET", "/api/devices/%s/commands" % device))
        for x in xml:
            queue_command(admin.base, device, x)
        rc, out = wine([exe, "sync"], timeout=120)
        if rc != 0 or "(run by the running agent): completed" not in out:
            fail("sync (plugin step): exit %d:\n%s" % (rc, out))
        return [(c["status"], ((c.get("results") or [{}])[0]).get("data"))
                for c in admin.call("GET", "/api/devices/%s/commands" % device)[before:]]

    got = session("<Add>%s</Add>" % (ITEM % (ROOT, "<Data>blue</Data>")),
                  "<Get>%s</Get>" % (ITEM % (ROOT, "")))
    if got != [("200", None), ("200", "blue")]:
        fail("plugin node, first session (Add, Get): %r" % got)
    got = session("<Replace>%s</Replace>" % (ITEM % (ROOT, "<Data>green</Data>")))
    if got != [("200", None)]:
        fail("plugin node, Replace: %r" % got)
    for verb in ("stop", "start"):
        rc, out = wine([exe, "service", verb])
        if rc != 0:
            fail("service %s (plugin step): exit %d: %s" % (verb, rc, out))
    wait_for("the service reaching RUNNING again", running, 30)
    got = session("<Get>%s</Get>" % (ITEM % (ROOT, "")))
    if got != [("200", "green")]:
        fail("plugin node after the service restart: %r" % got)
    step("plugin node served by the service: Add+Get %s -> 200 \"blue\"; Replace \"green\" "
         "-> 200; after a service restart Get -> %r" % (ROOT + "/Color", got[0]))
