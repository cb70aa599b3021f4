# SPDX-License-Identifier: Apache-2.0
"""A small world for end-to-end runs: throwaway certificates, the mock MDM
server on loopback, and the real omadm-agent binary with the sim platform.

Used by the e2e tests (test_e2e.py), the browser test and the README demo.
Standard library only.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

SOURCE_ROOT = os.environ.get(
    "OMADM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MOCKSERVER = os.path.join(SOURCE_ROOT, "tests", "mockserver", "mockserver")
MAKE_CERTS = os.path.join(SOURCE_ROOT, "tests", "mockserver", "make-certs.sh")
DEVICE_ID = "9A41C0DE77E94B6F8C3D2E1F0A5B6C7D"


def find_agent():
    """The omadm-agent binary: $OMADM_AGENT, else build/gcc or build/dev."""
    agent = os.environ.get("OMADM_AGENT")
    if agent:
        return agent
    for build in ("gcc", "dev", "clang-asan"):
        path = os.path.join(SOURCE_ROOT, "build", build, "agent", "omadm-agent")
        if os.path.exists(path):
            return path
    raise RuntimeError("omadm-agent not built: set OMADM_AGENT")


class World:
    """Certificates, a mock server and a device state directory in a temp dir."""

    def __init__(self, device_id=DEVICE_ID, keep=False, max_msg_size=None, enroll=None,
                 server_args=()):
        """enroll: mock server options for enrollment, e.g.
        {"user": "alice@example.com", "secret": "...", "token": "..."};
        server_args: more mock server options."""
        self.device_id = device_id
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix="omadm-e2e-")
        self.certs = os.path.join(self.dir, "certs")
        self.state = os.path.join(self.dir, "state")
        self.db = os.path.join(self.dir, "mock.sqlite")
        self.agent = find_agent()
        self.server = None
        self.server_log = open(os.path.join(self.dir, "mockserver.log"), "w")
        os.makedirs(self.certs)
        subprocess.run(["sh", MAKE_CERTS, self.certs, device_id], check=True)
        args = [
            "/usr/bin/python3", MOCKSERVER,
            "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
            "--tls-cert", os.path.join(self.certs, "server.pem"),
            "--tls-key", os.path.join(self.certs, "server.key"),
            "--client-ca", os.path.join(self.certs, "ca.pem"),
            "--db", self.db,
        ]
        if max_msg_size:
            args += ["--max-msg-size", str(max_msg_size)]
        for key, flag in (("user", "--enroll-user"), ("secret", "--enroll-secret"),
                          ("token", "--enroll-token")):
            if enroll and enroll.get(key):
                args += [flag, enroll[key]]
        args += list(server_args)
        self.server = subprocess.Popen(args, stdout=subprocess.PIPE,
                                       stderr=self.server_log, text=True)
        self.url = self.admin = None
        self.push_url = None  # the push channel, printed before "admin"
        deadline = time.time() + 20
        while (self.url is None or self.admin is None) and time.time() < deadline:
            line = self.server.stdout.readline()
            if not line:
                break
            if line.startswith("listening "):
                self.url = line.split()[1].rstrip("/") + "/ManagementServer/MDM.svc"
            elif line.startswith("push "):
                self.push_url = line.split()[1]
            elif line.startswith("admin "):
                self.admin = line.split()[1].rstrip("/")
        if self.url is None or self.admin is None:
            self.close()
            raise RuntimeError("mock server did not start; see " + self.server_log.name)
        self.base = self.url.rsplit("/ManagementServer/", 1)[0]
        if enroll is None:
            # Known before its first check-in: the admin API refuses
            # actions for ids it has never heard of (issue 17).
            self.api("POST", "/api/devices", {"id": device_id})

    # ---- the mock server's admin API ----------------------------------
    def api(self, method, path, body=None):
        data = None
        headers = {}
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            else:
                data = body.encode()
                headers["Content-Type"] = "application/xml"
        req = urllib.request.Request(self.admin + path, data=data, method=method,
                                     headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            payload = resp.read()
        return json.loads(payload) if payload else None

    def restart(self):
        return self.api("POST", "/api/devices/%s/actions" % self.device_id,
                        {"action": "restart"})

    def actions(self):
        return self.api("GET", "/api/actions?device=%s" % self.device_id)

    def command(self, xml):
        return self.api("POST", "/api/devices/%s/commands" % self.device_id, xml)

    def commands(self):
        return self.api("GET", "/api/devices/%s/commands" % self.device_id)

    def violations(self):
        return self.api("GET", "/api/devices/%s/violations" % self.device_id)

    def messages(self):
        return self.api("GET", "/api/devices/%s/messages" % self.device_id)

    # ---- the agent ------------------------------------------------------
    def agent_args(self, command, *extra):
        return [
            self.agent, command,
            "--server", self.url,
            "--state-dir", self.state,
            "--platform", "sim",
            "--ca", os.path.join(self.certs, "ca.pem"),
            "--cert", os.path.join(self.certs, "client.pem"),
            "--key", os.path.join(self.certs, "client.key"),
            "--device-id", self.device_id,
            "--log-level", "debug",
        ] + list(extra)

    def run_agent(self, command="sync", *extra, env=None, timeout=60):
        full_env = dict(os.environ)
        full_env.pop("OMADM_CRASH_AT", None)
        if env:
            full_env.update(env)
        return subprocess.run(self.agent_args(command, *extra), env=full_env,
                              capture_output=True, text=True, timeout=timeout)

    # ---- enrollment --------------------------------------------------------
    def secret_file(self, name, value):
        """An owner-only file holding value (a password or token)."""
        path = os.path.join(self.dir, name)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(value)
        return path

    def run_plain(self, command, *extra, env=None, timeout=60):
        """The agent with only the state directory, the sim platform and
        debug logs: whatever else it needs comes from its enrollment."""
        full_env = dict(os.environ)
        full_env.pop("OMADM_CRASH_AT", None)
        if env:
            full_env.update(env)
        args = [self.agent, command, "--state-dir", self.state, "--platform", "sim",
                "--log-level", "debug"] + list(extra)
        return subprocess.run(args, env=full_env, capture_output=True, text=True,
                              timeout=timeout)

    def enroll(self, *extra, user=None, secret=None, token=None):
        """`omadm-agent enroll` at this server (trusting its CA)."""
        args = ["--url", self.base, "--ca", os.path.join(self.certs, "ca.pem")]
        if user:
            args += ["--user", user]
        if secret is not None:
            args += ["--secret-file", self.secret_file("secret", secret)]
        if token is not None:
            args += ["--token-file", self.secret_file("token", token)]
        return self.run_plain("enroll", *(args + list(extra)))

    def enrollment_file(self):
        return os.path.join(self.state, "enrollment")

    def start_agent(self, command="run", *extra, env=None):
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        log = open(os.path.join(self.dir, "agent-%s.log" % command), "a")
        return subprocess.Popen(self.agent_args(command, *extra), env=full_env,
                                stdout=log, stderr=subprocess.STDOUT)

    # ---- the sim platform's files -----------------------------------------
    def sim(self, name):
        return os.path.join(self.state, "sim", name)

    def restart_lines(self):
        try:
            with open(self.sim("restarts.log")) as f:
                return [dict(kv.split("=", 1) for kv in line.split(" ", 2)[:2])
                        | {"reason": line.split("reason=", 1)[-1].strip()}
                        for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def reboot(self, boot_id=None, boot_time=None):
        """Simulates a reboot: a new boot identity (and boot time)."""
        boot_id = boot_id or os.urandom(16).hex()
        with open(self.sim("boot-id"), "w") as f:
            f.write(boot_id + "\n")
        if boot_time is not None:
            with open(self.sim("boot-time"), "w") as f:
                f.write("%d\n" % boot_time)
        return boot_id

    def set_now(self, unix):
        os.makedirs(os.path.dirname(self.sim("now")), exist_ok=True)
        with open(self.sim("now"), "w") as f:
            f.write("%d\n" % unix)

    def close(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        if self.server and self.server.stdout:
            self.server.stdout.close()
        self.server_log.close()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
