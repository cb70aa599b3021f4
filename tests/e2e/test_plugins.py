# SPDX-License-Identifier: Apache-2.0
"""End-to-end: an OEM CSP plugin (tests/oem/contoso_plugin.c, built from the
installed SDK by tests/oem/oem-test.sh) dropped into the agent's csp_dir.
The real omadm-agent (--platform sim) serves Get/Replace/Delete and an
Atomic with rollback on it against the mock server, and every value it
keeps survives the agent's restart (each `sync` is a new process)."""

import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

PLUGIN = os.environ.get("OMADM_CONTOSO_PLUGIN")
ROOT = "./Vendor/Contoso/Settings"


def item(uri, data=None):
    d = "" if data is None else "<Data>%s</Data>" % data
    return "<Item><Target><LocURI>%s</LocURI></Target>%s</Item>" % (uri, d)


def cmd(name, key, data=None, cmd_id=None):
    """One command; inside an Atomic it carries its own CmdID (the mock
    numbers only the top-level commands)."""
    cid = "" if cmd_id is None else "<CmdID>%s</CmdID>" % cmd_id
    return "<%s>%s%s</%s>" % (name, cid, item("%s/%s" % (ROOT, key), data), name)


@unittest.skipUnless(PLUGIN, "OMADM_CONTOSO_PLUGIN not set (run through oem-test.sh plugin)")
class PluginE2E(unittest.TestCase):
    def setUp(self):
        self.w = e2elib.World()
        self.csp_dir = os.path.join(self.w.dir, "csp")
        os.makedirs(self.csp_dir)
        os.chmod(self.csp_dir, 0o755)
        shutil.copy(PLUGIN, os.path.join(self.csp_dir, "contoso.so"))
        os.chmod(os.path.join(self.csp_dir, "contoso.so"), 0o755)
        self.conf = os.path.join(self.w.dir, "agent.conf")
        with open(self.conf, "w") as f:
            f.write("[agent]\ncsp_dir = %s\n" % self.csp_dir)
        os.chmod(self.conf, 0o600)

    def tearDown(self):
        try:
            self.assertEqual(self.w.violations(), [], "protocol violations")
        finally:
            self.w.close()

    def sync(self):
        r = self.w.run_agent("sync", "--config", self.conf)
        if r.returncode != 0:
            self.fail("sync exited %d:\n%s" % (r.returncode, r.stderr))
        return r

    def run_commands(self, *xml):
        """Queues the commands, runs one session; their statuses and results."""
        before = len(self.w.commands())
        for x in xml:
            self.w.command(x)
        r = self.sync()
        got = self.w.commands()[before:]
        return got, r

    def data(self, c):
        return ((c.get("results") or [{}])[0]).get("data")

    def test_get_replace_delete_atomic_survive_restart(self):
        got, r = self.run_commands(cmd("Add", "Color", "blue"), cmd("Add", "Shape", "round"),
                                   cmd("Get", "Color"))
        self.assertEqual([c["status"] for c in got], ["200", "200", "200"], got)
        self.assertEqual(self.data(got[2]), "blue")
        self.assertIn("plugin contoso.so loaded: contoso 1.0.0 on %s" % ROOT, r.stderr)
        self.assertIn("plugin contoso: serving %s on a SIM-1 with 0 stored setting(s)" % ROOT,
                      r.stderr)
        kv = os.path.join(self.w.state, "plugin.contoso.kv")
        with open(kv) as f:
            self.assertEqual(f.read(), "omadm-kv 1\nColor=blue\nShape=round\nend 2\n")

        # A new agent process: the values come back from the store.
        got, r = self.run_commands(cmd("Replace", "Color", "green"), cmd("Get", "Color"),
                                   cmd("Get", "Shape"),
                                   "<Get>%s</Get>" % item(ROOT))
        self.assertIn("with 2 stored setting(s)", r.stderr)
        self.assertEqual([c["status"] for c in got], ["200", "200", "200", "200"], got)
        self.assertEqual(self.data(got[1]), "green")
        self.assertEqual(self.data(got[2]), "round")
        self.assertEqual(sorted(self.data(got[3]).split("/")), ["Color", "Shape"])

        # Atomic: the third member fails (413, over 64 bytes), all roll back.
        got, _ = self.run_commands(
            "<Atomic>%s%s%s</Atomic>" % (cmd("Add", "Size", "L", "a1"),
                                         cmd("Replace", "Color", "red", "a2"),
                                         cmd("Replace", "Shape", "x" * 70, "a3")),
            cmd("Get", "Color"), cmd("Get", "Size"))
        self.assertEqual([c["status"] for c in got], ["507", "200", "404"], got)
        self.assertEqual(self.data(got[1]), "green")
        with open(kv) as f:
            self.assertEqual(f.read(), "omadm-kv 1\nColor=green\nShape=round\nend 2\n")

        # A committed Atomic persists; Delete removes for good.
        got, _ = self.run_commands(
            "<Atomic>%s%s</Atomic>" % (cmd("Add", "Size", "L", "b1"),
                                       cmd("Delete", "Shape", cmd_id="b2")))
        self.assertEqual([c["status"] for c in got], ["200"], got)
        got, _ = self.run_commands(cmd("Get", "Size"), cmd("Get", "Shape"),
                                   cmd("Delete", "Color"))
        self.assertEqual([c["status"] for c in got], ["200", "404", "200"], got)
        self.assertEqual(self.data(got[0]), "L")
        got, _ = self.run_commands(cmd("Get", "Color"), cmd("Get", "Size"))
        self.assertEqual([c["status"] for c in got], ["404", "200"], got)
        with open(kv) as f:
            self.assertEqual(f.read(), "omadm-kv 1\nSize=L\nend 1\n")

        # status lists it.
        r = self.w.run_agent("status", "--json", "--config", self.conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        plugins = json.loads(r.stdout)["plugins"]
        self.assertEqual(plugins["dir"], self.csp_dir)
        self.assertEqual(plugins["loaded"], [{"file": "contoso.so", "name": "contoso",
                                              "version": "1.0.0", "subtrees": [ROOT]}])
        self.assertEqual(plugins["refused"], [])
        r = self.w.run_agent("status", "--config", self.conf)
        self.assertIn("  loaded   contoso.so  contoso 1.0.0  %s" % ROOT, r.stdout)

    def test_corrupt_store_serves_nothing_and_keeps_the_file(self):
        kv = os.path.join(self.w.state, "plugin.contoso.kv")
        self.run_commands(cmd("Add", "Color", "blue"))
        with open(kv, "w") as f:
            f.write("omadm-kv 1\nColor=blue\n")  # torn: no end line
        got, r = self.run_commands(cmd("Get", "Color"))
        self.assertIn("plugin contoso: its key-value store plugin.contoso.kv is corrupt "
                      "(line 3: no end line (truncated file))", r.stderr)
        self.assertIn("plugin contoso.so refused: init failed (returned 1)", r.stderr)
        self.assertEqual([c["status"] for c in got], ["404"], got)
        with open(kv) as f:
            self.assertEqual(f.read(), "omadm-kv 1\nColor=blue\n")

    def test_world_writable_dir_refused_agent_carries_on(self):
        os.chmod(self.csp_dir, 0o777)
        got, r = self.run_commands(cmd("Get", "Color"),
                                   "<Get>%s</Get>" % item("./DevInfo/DevId"))
        self.assertIn("plugin %s refused: plugin directory refused, no plugin loaded from it: "
                      "writable by group or others (mode 0777); chmod go-w it" % self.csp_dir,
                      r.stderr)
        self.assertEqual([c["status"] for c in got], ["404", "200"], got)
        r = self.w.run_agent("status", "--json", "--config", self.conf)
        plugins = json.loads(r.stdout)["plugins"]
        self.assertEqual(plugins["loaded"], [])
        self.assertEqual(len(plugins["refused"]), 1, plugins)


if __name__ == "__main__":
    unittest.main(verbosity=2)
