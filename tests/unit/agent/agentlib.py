# SPDX-License-Identifier: Apache-2.0
"""What test_cli.py and test_ops.py share: the program under test (first
argument, or env OMADM_AGENT), the source tree's paths, a scratch directory
per test, running the program, and the mock server on a free port.

Imported first: it takes the program's path off sys.argv before unittest
reads the rest.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

AGENT = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else os.environ["OMADM_AGENT"]
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("OMADM_SOURCE_ROOT", os.path.dirname(os.path.dirname(
    os.path.dirname(HERE))))
MOCKSERVER = os.path.join(SOURCE_ROOT, "tests", "mockserver", "mockserver")
MAKE_CERTS = os.path.join(SOURCE_ROOT, "tests", "mockserver", "make-certs.sh")
DEVICE = "9A41C0DE77E94B6F8C3D2E1F0A5B6C7D"
SERVER = "https://mdm.example.test/ManagementServer/MDM.svc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AgentCase(unittest.TestCase):
    """A scratch directory (self.dir) with a state directory path in it and
    an empty config file (self.conf): no config file from the machine."""
    tmp_prefix = "omadm-agent-"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self.tmp_prefix)
        self.state = os.path.join(self.dir, "state")
        self.conf = self.write("none.conf", "")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def agent(self, *args, config=True, env=None, timeout=60):
        """The program with `args` (after --config self.conf unless config
        is false); its CompletedProcess, text."""
        cmd = [AGENT] + (["--config", self.conf] if config else []) + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)

    def start_mock(self, certs):
        """The mock server over TLS with make-certs.sh's files in `certs`,
        on a free port, stopped when the test ends; its MDM URL."""
        port = free_port()
        log = open(os.path.join(self.dir, "mock.log"), "w")
        server = subprocess.Popen(
            ["/usr/bin/python3", MOCKSERVER, "--listen", "127.0.0.1:%d" % port,
             "--tls-cert", os.path.join(certs, "server.pem"),
             "--tls-key", os.path.join(certs, "server.key"),
             "--client-ca", os.path.join(certs, "ca.pem"),
             "--db", os.path.join(self.dir, "mock.db")], stdout=log, stderr=log)
        self.addCleanup(log.close)
        self.addCleanup(server.wait, 10)
        self.addCleanup(server.terminate)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        return "https://127.0.0.1:%d/ManagementServer/MDM.svc" % port
