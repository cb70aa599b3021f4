#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""What an administrator runs into, end to end with the built program:
`check [--connect]`, configuration errors at start-up (exit 2, the file and
the problem named), HTTP 403 on the first message, `status` (running agent,
last session, restart outcomes, schedules in words, exit codes), SIGHUP
reloading the configuration of a running `run`, journald-style logging, and
`help` / `-v`.

Usage: test_ops.py AGENT_BINARY   (env OMADM_SOURCE_ROOT)
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from agentlib import AGENT, DEVICE, SERVER, SOURCE_ROOT, MAKE_CERTS, MOCKSERVER, AgentCase, \
    free_port

FIXTURES = os.path.join(SOURCE_ROOT, "tests", "fixtures")


class Ops(AgentCase):
    tmp_prefix = "omadm-ops-"
    certs = None

    @classmethod
    def setUpClass(cls):
        # One throwaway PKI for the whole class, plus a second one (another
        # CA, the same device id) for keys and certificates that do not fit.
        cls.pki = tempfile.mkdtemp(prefix="omadm-ops-pki-")
        cls.certs = os.path.join(cls.pki, "good")
        cls.other = os.path.join(cls.pki, "other")
        for d in (cls.certs, cls.other):
            subprocess.run(["sh", MAKE_CERTS, d, DEVICE], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki, ignore_errors=True)

    def good_conf(self, server=SERVER, extra=""):
        return self.write("agent.conf",
                          "[server]\nurl = %s\ndevice_id = %s\n[tls]\nca = %s/ca.pem\n"
                          "cert = %s/client.pem\nkey = %s/client.key\n[agent]\nstate_dir = %s\n"
                          "platform = sim\n%s"
                          % (server, DEVICE, self.certs, self.certs, self.certs, self.state,
                             extra))

    def findings(self, r):
        lines = r.stdout.splitlines()
        for line in lines:
            self.assertRegex(line, r"^(ok|warn|error): \S", line)
        return lines

    # ---- check ----------------------------------------------------------------
    def test_check_good_config(self):
        self.conf = self.good_conf()
        r = self.agent("check")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stderr, "")
        lines = self.findings(r)
        self.assertTrue(all(l.startswith("ok: ") for l in lines), lines)
        self.assertIn("ok: configuration %s" % self.conf, lines)
        self.assertIn("ok: CA file %s/ca.pem: 1 certificate" % self.certs, lines)
        self.assertIn("ok: certificate CN is the device id", lines)
        self.assertIn("ok: key %s/client.key matches certificate %s/client.pem"
                      % (self.certs, self.certs), lines)
        self.assertFalse(os.path.exists(self.state), "check creates nothing")

    def test_check_key_of_another_certificate(self):
        self.conf = self.good_conf()
        key = os.path.join(self.other, "client.key")
        r = self.agent("check", "--key", key)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("error: --key: %s does not match %s/client.pem (it is not that "
                      "certificate's key)" % (key, self.certs), self.findings(r))

    def test_check_reports_every_problem_one_line_each(self):
        # Missing CA, a key others can read, a CN that is not the device id,
        # no server URL: four errors in one run.
        key = os.path.join(self.dir, "client.key")
        shutil.copy(os.path.join(self.certs, "client.key"), key)
        os.chmod(key, 0o644)
        self.conf = self.write("bad.conf", "[server]\ndevice_id = someone-else\n[tls]\n"
                               "ca = %s/absent-ca.pem\ncert = %s/client.pem\nkey = %s\n"
                               % (self.dir, self.certs, key))
        r = self.agent("check", "--state-dir", self.state)
        self.assertEqual(r.returncode, 2, r)
        lines = self.findings(r)
        errors = [l for l in lines if l.startswith("error: ")]
        self.assertEqual(errors, [
            "error: no server URL: set [server] url in %s or pass --server" % self.conf,
            "error: %s:4: [tls] ca: %s/absent-ca.pem: cannot open: No such file or directory"
            % (self.conf, self.dir),
            'error: certificate CN "%s" is not the device id "someone-else": a server that '
            "identifies devices by their certificate refuses this device" % DEVICE,
            "error: %s:6: [tls] key: %s: private key is accessible by group or others (mode "
            "0644); chmod 600 it" % (self.conf, key),
        ])

    def test_check_cn_may_differ_with_http_auth(self):
        self.conf = self.good_conf(extra="")
        r = self.agent("check", "--device-id", "other-id")
        self.assertEqual(r.returncode, 2)
        self.conf = self.write("auth.conf", open(self.good_conf()).read().replace(
            "[tls]", "auth_name = dev1\n[tls]").replace(DEVICE, "other-id"))
        r = self.agent("check")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn('warn: certificate CN "%s" is not the device id "other-id" (accepted: '
                      'the device authenticates as "dev1")' % DEVICE, self.findings(r))

    def test_check_unusable_files(self):
        self.conf = self.good_conf()
        junk = self.write("junk.pem", "not a certificate\n")
        r = self.agent("check", "--ca", junk)
        self.assertEqual(r.returncode, 2)
        self.assertIn('error: --ca: %s: no PEM certificate in it ("-----BEGIN CERTIFICATE-----" '
                      "expected)" % junk, self.findings(r))
        r = self.agent("check", "--cert", junk)
        self.assertIn('error: --cert: %s: no PEM certificate in it ("-----BEGIN CERTIFICATE-----" '
                      "expected)" % junk, self.findings(r))
        enc = os.path.join(self.dir, "enc.key")
        subprocess.run(["openssl", "pkey", "-in", os.path.join(self.certs, "client.key"),
                        "-out", enc, "-aes256", "-passout", "pass:secret"], check=True)
        os.chmod(enc, 0o600)
        r = self.agent("check", "--key", enc)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error: --key: %s is protected by a pass phrase, which the agent cannot "
                      "enter: store it without one (e.g. openssl pkey -in OLD -out NEW), "
                      "readable by its owner only" % enc, self.findings(r))
        # A certificate and key in one PKCS#12 file (no pass phrase).
        r = self.agent("check", "--cert", os.path.join(self.certs, "client-rsa.p12"))
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("ok: certificate CN is the device id", self.findings(r))

    def test_check_config_error_is_a_finding(self):
        self.conf = self.write("bad.conf", "[server]\nurl = ftp://x/\n")
        r = self.agent("check")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, 'error: %s:2: [server] url: "ftp://x/" is not an https:// '
                                   "URL\n" % self.conf)

    def test_check_state_dir_that_cannot_be_created(self):
        self.conf = self.good_conf()
        blocker = self.write("file", "x")
        r = self.agent("check", "--state-dir", os.path.join(blocker, "state"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("error: state directory %s/state: cannot be created: %s is not a "
                      "directory" % (blocker, blocker), self.findings(r))

    @unittest.skipUnless(os.path.exists(MOCKSERVER), "no mock server in this tree")
    def test_check_connect(self):
        url = self.start_mock(self.certs)
        self.conf = self.good_conf(server=url)
        r = self.agent("check", "--connect")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.findings(r)[-1], "ok: TLS handshake with %s: server certificate "
                         "verified, client certificate accepted" % url)
        # A certificate from a CA the server does not trust.
        r = self.agent("check", "--connect", "--cert", os.path.join(self.other, "client.pem"),
                       "--key", os.path.join(self.other, "client.key"))
        self.assertEqual(r.returncode, 2, r)
        self.assertRegex(self.findings(r)[-1], r"^error: TLS handshake with %s: the server "
                         r"refused this device's certificate \(.+\)$" % url)
        # A CA that does not verify the server: verification stays on.
        r = self.agent("check", "--connect", "--ca", os.path.join(self.other, "ca.pem"))
        self.assertEqual(r.returncode, 2, r)
        self.assertRegex(self.findings(r)[-1], r"^error: TLS handshake with %s failed: SSL "
                         r"certificate problem: self-signed certificate in certificate chain$"
                         % url)
        # Nothing to connect with: not tried.
        r = self.agent("check", "--connect", "--key", os.path.join(self.other, "client.key"))
        self.assertEqual(r.returncode, 2, r)
        self.assertEqual(self.findings(r)[-1],
                         "warn: --connect: not tried, fix the errors above first")

    @unittest.skipUnless(os.path.exists(MOCKSERVER), "no mock server in this tree")
    def test_http_403_on_the_first_message_names_the_device(self):
        url = self.start_mock(self.certs)
        self.conf = self.good_conf(server=url)
        # The mock refuses a SyncHdr Source that is not the certificate's CN.
        r = self.agent("sync", "--device-id", "not-the-cn")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("the server refused this device's certificate or device id "
                      "(HTTP 403 to the first message)", r.stderr)

    # ---- configuration errors at start-up ---------------------------------------
    def startup_error(self, message, *args):
        for command in ("sync", "run"):
            r = self.agent(command, *args, timeout=20)
            self.assertEqual(r.returncode, 2, (command, r))
            self.assertEqual(r.stdout, "")
            self.assertEqual(r.stderr, "omadm-agent: " + message + "\n")

    def test_startup_errors_exit_2_naming_file_and_problem(self):
        self.conf = self.good_conf()
        other_key = os.path.join(self.other, "client.key")
        self.startup_error("--key: %s does not match %s/client.pem (it is not that "
                           "certificate's key)" % (other_key, self.certs), "--key", other_key)
        junk = self.write("junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n")
        self.startup_error('--ca: %s: no PEM certificate in it ("-----BEGIN CERTIFICATE-----" '
                           "expected)" % junk, "--ca", junk)
        self.startup_error('--cert: %s: no PEM certificate in it ("-----BEGIN CERTIFICATE-----" '
                           "expected)" % junk, "--cert", junk)
        nokey = self.write("nokey.pem", "# no key here\n", 0o600)
        self.startup_error('--key: %s: no PEM private key in it ("-----BEGIN PRIVATE KEY-----" '
                           "expected)" % nokey, "--key", nokey)
        blocker = self.write("file", "x")
        self.startup_error("--state-dir: state directory %s/state: cannot create %s/state: "
                           "Not a directory" % (blocker, blocker),
                           "--state-dir", os.path.join(blocker, "state"))
        self.assertFalse(os.path.exists(self.state), "nothing ran")

    # ---- status -----------------------------------------------------------------
    def status(self, *args):
        r = self.agent("status", "--platform", "sim", "--state-dir", self.state, *args)
        return r

    def replay_restart(self):
        r = self.agent("replay", "--platform", "sim", "--device-id", DEVICE, "--server", SERVER,
                       "--state-dir", self.state,
                       os.path.join(FIXTURES, "syncml", "restart-session-2.xml"),
                       os.path.join(FIXTURES, "syncml", "restart-session-4.xml"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_status_exit_codes(self):
        # 3: nothing configured.
        r = self.status()
        self.assertEqual(r.returncode, 3, r)
        self.assertIn("server:          (not configured)\n", r.stdout)
        # 0: configured, no session yet.
        self.assertEqual(self.status("--server", SERVER).returncode, 0)
        # 1: the last session failed.
        url = "https://127.0.0.1:%d/omadm" % free_port()
        self.agent("sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                   "--state-dir", self.state)
        r = self.status("--server", url)
        self.assertEqual(r.returncode, 1, r)
        self.assertRegex(r.stdout, r"\nlast session:    failed at \S+Z \(session 1, 1 message, "
                                   r"\d+\.\d{3} s\): no reply from the server \(.*cannot "
                                   r"connect")
        # 0: the last session completed.
        self.replay_restart()
        r = self.status("--server", SERVER)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("last session:    completed at ", r.stdout)

    def test_status_restart_outcomes_in_words(self):
        self.replay_restart()
        # The simulated machine restarts: a new boot identity. A session that
        # fails leaves the outcome waiting in the outbox.
        with open(os.path.join(self.state, "sim", "boot-id"), "w") as f:
            f.write("second-boot\n")
        url = "https://127.0.0.1:%d/omadm" % free_port()
        self.agent("sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                   "--state-dir", self.state)
        r = self.status("--server", url)
        self.assertRegex(r.stdout, r"\nrestart outcomes: \S+Z  restarted: the server's RebootNow "
                                   r"\(command 5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88\), "
                                   r"requested \S+Z; waiting to be reported\n")
        self.assertIn("\noutbox:          1 entry: 1 restart outcome to report\n", r.stdout)
        self.assertIn("\npending restart: none\n", r.stdout)
        st = json.loads(self.status("--json").stdout)
        (o,) = st["restart_outcomes"]
        self.assertEqual((o["trigger"], o["outcome"], o["reported"]), ("now", "restarted", False))
        self.assertEqual(o["cmdref"], "5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88")
        self.assertIn("outcome=restarted", o["raw"])

    @unittest.skipUnless(os.path.exists(MOCKSERVER), "no mock server in this tree")
    def test_status_outcome_stays_after_it_is_reported(self):
        self.replay_restart()
        with open(os.path.join(self.state, "sim", "boot-id"), "w") as f:
            f.write("second-boot\n")
        url = self.start_mock(self.certs)
        self.conf = self.good_conf(server=url)
        r = self.agent("sync")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.agent("status")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("\noutbox:          0 entries\n", r.stdout)
        self.assertRegex(r.stdout, r"\nrestart outcomes: \S+Z  restarted: the server's RebootNow "
                                   r"\(command \S+\), requested \S+Z; reported to the server\n")

    def test_status_shows_the_running_agent(self):
        url = "https://127.0.0.1:%d/omadm" % free_port()
        log = open(os.path.join(self.dir, "run.log"), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen([AGENT, "--config", self.conf, "run", "--platform", "sim",
                                 "--server", url, "--device-id", DEVICE,
                                 "--state-dir", self.state], stdout=log, stderr=log)
        try:
            self.wait_for(log, "retrying in")
            r = self.status("--server", url)
            self.assertRegex(r.stdout, r"^agent:           running, pid %d, since "
                                       r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n" % proc.pid)
            st = json.loads(self.status("--json").stdout)
            self.assertEqual(st["agent"]["running"], True)
            self.assertEqual(st["agent"]["pid"], proc.pid)
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        r = self.status("--server", url)
        self.assertIn("agent:           not running\n", r.stdout)
        self.assertIsNone(json.loads(self.status("--json").stdout)["agent"]["pid"])

    def wait_for(self, log, text, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            log.seek(0)
            if text in log.read():
                return
            time.sleep(0.05)
        log.seek(0)
        self.fail("no %r in the log:\n%s" % (text, log.read()))

    def test_unit_does_not_restart_on_configuration_errors(self):
        with open(os.path.join(SOURCE_ROOT, "packaging", "linux",
                               "omadm-agent.service.in")) as f:
            unit = f.read()
        self.assertIn("\nRestartPreventExitStatus=2\n", unit)
        self.assertIn("\nExecReload=/bin/kill -HUP $MAINPID\n", unit)

    # ---- help, -v, man pages ----------------------------------------------------
    def test_help_command_and_short_version(self):
        whole = self.agent("--help")
        self.assertEqual(whole.returncode, 0)
        r = self.agent("help")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, whole.stdout, ""))
        self.assertIn("\n  check [--connect] ", whole.stdout)
        self.assertIn("\n  help [COMMAND] ", whole.stdout)
        self.assertIn("-v, --version", whole.stdout)
        for command in ("run", "sync", "status", "check", "replay", "service"):
            r = self.agent("help", command)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.stdout, self.agent(command, "--help").stdout)
            self.assertTrue(r.stdout.startswith("Usage: omadm-agent " + command))
        r = self.agent("help", "frob")
        self.assertEqual((r.returncode, r.stderr), (2, 'omadm-agent: help: unknown command "frob" '
                                                       "(see omadm-agent --help)\n"))
        r = self.agent("help", "run", "sync")
        self.assertEqual(r.returncode, 2)
        self.assertIn("3 nothing is configured", self.agent("status", "--help").stdout)
        self.assertEqual(self.agent("-v").stdout, self.agent("--version").stdout)
        self.assertRegex(self.agent("-v").stdout, r"^omadm-agent \d+\.\d+\.\d+\n")
        r = self.agent("sync", "--connect")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "omadm-agent: --connect only applies to check\n"))

    def test_man_pages_cover_the_program_and_the_file(self):
        man = os.path.join(SOURCE_ROOT, "packaging", "linux", "man")
        with open(os.path.join(man, "omadm-agent.8")) as f:
            page8 = f.read().replace("\\-", "-")
        with open(os.path.join(man, "omadm-agent.conf.5")) as f:
            page5 = f.read()
        usage = self.agent("--help").stdout
        for line in usage.splitlines():
            line = line.strip()
            if line.startswith("--") or line.startswith("-h") or line.startswith("-v"):
                flag = line.split()[0].rstrip(",")
                self.assertIn(flag, page8, "omadm-agent(8) lacks " + flag)
        for command in ("run", "sync", "status", "check", "replay", "service", "enroll",
                        "unenroll", "help"):
            self.assertRegex(page8, r"\n\.(B|BR|BI) %s\b" % command)
        for signame in ("SIGTERM", "SIGUSR1", "SIGHUP"):
            self.assertIn(signame, page8)
        for code in ("0", "1", "2", "3"):
            self.assertIn("\n.TP\n.B %s\n" % code, page8)
        with open(os.path.join(SOURCE_ROOT, "packaging", "linux", "agent.conf")) as f:
            keys = [l[1:].split("=")[0].strip() for l in f
                    if l.startswith(";") and "=" in l and " " not in l.split("=")[0][1:].strip()]
        self.assertIn("url", keys)
        for key in keys:
            self.assertRegex(page5, r"\n\.(B|BR) %s\b" % key, "omadm-agent.conf(5) lacks " + key)
        if shutil.which("groff"):
            for page in ("omadm-agent.8", "omadm-agent.conf.5"):
                r = subprocess.run(["groff", "-man", "-ww", "-z", os.path.join(man, page)],
                                   capture_output=True, text=True)
                self.assertEqual((r.returncode, r.stderr), (0, ""), page)

    def test_readme_minimal_config_parses(self):
        with open(os.path.join(SOURCE_ROOT, "README.md")) as f:
            readme = f.read()
        block = readme.split("```ini\n", 1)[1].split("```", 1)[0]
        self.conf = self.write("readme.conf", block)
        r = self.agent("check", "--state-dir", self.state)
        lines = self.findings(r)
        self.assertIn("ok: server https://mdm.example.com/ManagementServer/MDM.svc", lines)
        self.assertIn("ok: device id B5B954E81FBCB94EB79BD08BE625F4EE", lines)
        # Only the example's certificate files are missing here.
        for line in lines:
            if line.startswith("error: "):
                self.assertIn("/etc/omadm-agent/", line)

    # ---- journald ---------------------------------------------------------------
    def sync_with_stderr(self, journal_stream=None, extra=()):
        url = "https://127.0.0.1:%d/omadm" % free_port()
        path = os.path.join(self.dir, "stderr.txt")
        with open(path, "w") as err:
            env = dict(os.environ)
            env.pop("JOURNAL_STREAM", None)
            if journal_stream == "self":
                st = os.fstat(err.fileno())
                env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
            elif journal_stream:
                env["JOURNAL_STREAM"] = journal_stream
            r = subprocess.run([AGENT, "--config", self.conf, "sync", "--platform", "sim",
                                "--server", url, "--device-id", DEVICE, "--state-dir",
                                self.state] + list(extra), stdout=subprocess.PIPE, stderr=err,
                               env=env, timeout=60, text=True)
        self.assertEqual(r.returncode, 1)
        with open(path) as f:
            return f.read().splitlines()

    def test_journal_stream_lines_carry_priority_and_no_time_stamp(self):
        lines = self.sync_with_stderr("self")
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[3467]>\S")
            self.assertNotRegex(line, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ omadm-agent\[")
        self.assertTrue(any(l.startswith("<6>sim: new boot id ") for l in lines), lines)
        self.assertTrue(any(l.startswith("<4>session: server=") for l in lines), lines)
        # --log-level debug: <7>
        self.assertTrue(any(l.startswith("<7>") for l in
                            self.sync_with_stderr("self", ["--log-level", "debug"])))

    def test_journal_stream_of_another_file_is_ignored(self):
        # A variable inherited by a process whose stderr went elsewhere.
        for value in ("1:1", "garbage", ""):
            lines = self.sync_with_stderr(value)
            self.assertTrue(lines)
            for line in lines:
                self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ omadm-agent\[\d+\]: "
                                       r"(error|warn|info|debug): ")

    def test_journal_stream_with_a_log_file_keeps_time_stamps(self):
        logf = os.path.join(self.dir, "agent.log")
        self.conf = self.write("log.conf", "[agent]\nlog_file = %s\n" % logf)
        self.assertEqual(self.sync_with_stderr("self"), [])
        with open(logf) as f:
            for line in f.read().splitlines():
                self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ omadm-agent\[")

    # ---- SIGHUP -------------------------------------------------------------------
    def run_conf(self, url, extra=""):
        return self.write("run.conf", "[server]\nurl = %s\ndevice_id = %s\n[agent]\n"
                          "platform = sim\nstate_dir = %s\n%s" % (url, DEVICE, self.state, extra))

    def test_sighup_reloads_the_configuration(self):
        first = "https://127.0.0.1:%d/first" % free_port()
        second = "https://127.0.0.1:%d/second" % free_port()
        self.conf = self.run_conf(first)
        log = open(os.path.join(self.dir, "run.log"), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen([AGENT, "--config", self.conf, "run"], stdout=log, stderr=log)
        try:
            self.wait_for(log, "server=%s id=1 messages=1 result=failed" % first)
            self.wait_for(log, "retrying in 60 s")
            # A new server in the file: SIGHUP applies it without a restart
            # or a session; the next session goes there.
            self.conf = self.run_conf(second, "log_level = debug\n")
            proc.send_signal(signal.SIGHUP)
            self.wait_for(log, "info: configuration reloaded from %s: server %s"
                          % (self.conf, second))
            time.sleep(0.3)
            self.assertIsNone(proc.poll(), "SIGHUP no longer ends the agent")
            log.seek(0)
            self.assertEqual(log.read().count("result=failed"), 1, "no session for a reload")
            proc.send_signal(signal.SIGUSR1)
            self.wait_for(log, "server=%s id=2 messages=1 result=failed" % second)
            self.wait_for(log, "debug: ", 5)  # the new log level is in force
            # A broken file: reported, the running configuration kept.
            self.write("run.conf", "[server]\nurl = %s\nfrobnicate = 1\n" % first)
            proc.send_signal(signal.SIGHUP)
            self.wait_for(log, 'error: reload failed, keeping the running configuration: '
                          '%s:3: unknown key "frobnicate" in [server]' % self.conf)
            proc.send_signal(signal.SIGUSR1)
            self.wait_for(log, "server=%s id=3 messages=1 result=failed" % second)
            # A new state directory waits for a restart; the rest applies.
            self.write("run.conf", "[server]\nurl = %s\ndevice_id = %s\n[agent]\n"
                       "platform = sim\nstate_dir = %s/elsewhere\n" % (first, DEVICE, self.dir))
            proc.send_signal(signal.SIGHUP)
            self.wait_for(log, "warn: reload: [agent] state_dir, [agent] platform and [server] "
                          "device_id take effect at the next start")
            self.wait_for(log, "configuration reloaded from %s: server %s" % (self.conf, first))
            proc.send_signal(signal.SIGUSR1)
            self.wait_for(log, "server=%s id=4 messages=1 result=failed" % first)
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        st = json.loads(self.agent("status", "--json", "--state-dir", self.state).stdout)
        self.assertEqual(st["last_session"]["session_id"], 4, "one state directory throughout")


if __name__ == "__main__":
    unittest.main(verbosity=2)
