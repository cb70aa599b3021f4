#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The omadm-agent program end to end: every command's exit code and message
for good and bad input, --help and --version, status --json, replay over the
restart session fixture (golden output), sync against the mock server, and
run's signals.

Usage: test_cli.py AGENT_BINARY   (env OMADM_FIXTURES, OMADM_SOURCE_ROOT)
"""
import json
import os
import signal
import socket
import subprocess
import time
import unittest

from agentlib import (AGENT, DEVICE, HERE, MAKE_CERTS, MOCKSERVER, SERVER, SOURCE_ROOT,
                      AgentCase, free_port)

FIXTURES = os.environ.get("OMADM_FIXTURES", os.path.join(SOURCE_ROOT, "tests", "fixtures"))
OPTIONS = ["--config FILE", "--server URL", "--state-dir DIR", "--platform native|sim",
           "--ca FILE", "--cert FILE|STORE-PATH", "--key FILE", "--device-id ID",
           "--log-level LEVEL", "--help", "--version", "--json", "--foreground"]
COMMANDS = ["run", "sync", "status", "replay", "service"]


class Agent(AgentCase):
    tmp_prefix = "omadm-cli-"

    def usage_error(self, message, *args, config=True):
        r = self.agent(*args, config=config)
        self.assertEqual(r.returncode, 2, r)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, "omadm-agent: " + message + "\n")

    # ---- help and version -------------------------------------------------
    def test_help_lists_every_option_and_command(self):
        r = self.agent("--help", config=False)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stderr, "")
        self.assertTrue(r.stdout.startswith("Usage: omadm-agent [OPTION]... COMMAND"))
        for opt in OPTIONS:
            self.assertIn(opt, r.stdout)
        for c in COMMANDS:
            self.assertIn("\n  " + c, r.stdout)
        self.assertIn("0 success, 1 session or runtime failure, 2 usage or configuration",
                      r.stdout)

    def test_command_help(self):
        for c in COMMANDS:
            for flag in ("--help", "-h"):
                r = self.agent(c, flag, config=False)
                self.assertEqual(r.returncode, 0, (c, r))
                self.assertTrue(r.stdout.startswith("Usage: omadm-agent " + c), r.stdout)
                self.assertIn("--server URL", r.stdout)
        self.assertIn("--json", self.agent("status", "--help").stdout)
        self.assertNotIn("--json", self.agent("sync", "--help").stdout)
        self.assertIn("--foreground", self.agent("run", "--help").stdout)

    def test_version(self):
        r = self.agent("--version", config=False)
        self.assertEqual(r.returncode, 0, r)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^omadm-agent \d+\.\d+\.\d+$")
        self.assertRegex(lines[1], r"^libomadm \d+\.\d+\.\d+$")
        self.assertEqual(lines[0].split()[1], lines[1].split()[1])

    # ---- usage errors -------------------------------------------------------
    def test_usage_errors(self):
        self.usage_error("no command given (see omadm-agent --help)")
        self.usage_error('unknown command "frob" (see omadm-agent --help)', "frob")
        self.usage_error("unknown option --frob (see omadm-agent --help)", "sync", "--frob")
        self.usage_error("--server needs a value", "sync", "--server")
        self.usage_error("--device-id needs a value", "status", "--device-id")
        self.usage_error("--json only applies to status", "sync", "--json")
        self.usage_error("--foreground only applies to run", "status", "--foreground")
        self.usage_error('sync takes no arguments (got "now")', "sync", "now")
        self.usage_error("replay needs at least one FILE (a server message)", "replay")
        self.usage_error("service: only available on Windows (use systemctl on Linux)",
                         "service", "install")
        self.usage_error('--server: "http://mdm.example.test/" is not an https:// URL',
                         "sync", "--server", "http://mdm.example.test/", "--device-id", "d")
        self.usage_error('--platform: "vm" is not a platform (native or sim)', "status",
                         "--platform", "vm")
        self.usage_error('--log-level: "loud" is not a log level (error, warn, info or debug)',
                         "status", "--log-level", "loud")
        self.usage_error("--device-id: device id must be 1 to 64 printable ASCII characters, "
                         "not 65", "status", "--device-id", "x" * 65)

    def test_missing_settings(self):
        self.usage_error("no server URL: set [server] url in %s or pass --server" % self.conf,
                         "sync", "--device-id", "d", "--state-dir", self.state)
        self.usage_error("no device id: set [server] device_id in %s or pass --device-id"
                         % self.conf, "run", "--server", SERVER, "--state-dir", self.state)

    def test_unreadable_files(self):
        base = ["sync", "--server", SERVER, "--device-id", DEVICE, "--state-dir", self.state]
        missing = os.path.join(self.dir, "absent.pem")
        self.usage_error("--cert: %s: cannot open: No such file or directory" % missing,
                         *base, "--cert", missing)
        self.usage_error("--ca: %s: not a regular file" % self.dir, *base, "--ca", self.dir)
        cert = self.write("client.pem", "x")
        key = self.write("client.key", "x", 0o644)
        self.usage_error("--key: %s: private key is accessible by group or others (mode 0644); "
                         "chmod 600 it" % key, *base, "--cert", cert, "--key", key)
        self.assertFalse(os.path.exists(self.state), "nothing ran")

    def test_config_errors_name_file_and_line(self):
        self.conf = self.write("bad.conf", "[server]\nurl = https://a/\n\nfoo = 1\n")
        self.usage_error('%s:4: unknown key "foo" in [server]' % self.conf, "status")
        self.conf = self.write("bad2.conf", "[agent]\nplatform = vm\n")
        self.usage_error('%s:2: [agent] platform: "vm" is not a platform (native or sim)'
                         % self.conf, "status")
        key = self.write("k.key", "x", 0o600)
        self.conf = self.write("bad3.conf", "[tls]\ncert = %s/nope.pem\nkey = %s\n"
                               "[server]\nurl = %s\ndevice_id = %s\n"
                               % (self.dir, key, SERVER, DEVICE))
        self.usage_error("%s:2: [tls] cert: %s/nope.pem: cannot open: No such file or directory"
                         % (self.conf, self.dir), "sync", "--state-dir", self.state)
        self.usage_error("%s: cannot open: No such file or directory"
                         % os.path.join(self.dir, "nope.conf"),
                         "--config", os.path.join(self.dir, "nope.conf"), "status",
                         config=False)

    def test_flags_override_config(self):
        self.conf = self.write("c.conf", "[server]\nurl = https://from-file.example/\n"
                               "device_id = file-id\n[agent]\nplatform = sim\n")
        r = self.agent("status", "--json", "--server", SERVER, "--state-dir", self.state)
        self.assertEqual(r.returncode, 0, r)
        st = json.loads(r.stdout)
        self.assertEqual(st["server"], SERVER)
        self.assertEqual(st["device_id"], "file-id")
        self.assertEqual(st["platform"], "sim")

    def test_log_file(self):
        logf = os.path.join(self.dir, "agent.log")
        self.conf = self.write("log.conf", "[agent]\nlog_file = %s\nlog_level = debug\n" % logf)
        url = "https://127.0.0.1:%d/omadm" % free_port()
        r = self.agent("sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                       "--state-dir", self.state)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stderr, "", "everything went to the file")
        with open(logf) as f:
            lines = f.read().splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ omadm-agent\[\d+\]: "
                                   r"(error|warn|info|debug): ")
        self.assertEqual(len([l for l in lines if ": session: " in l]), 1, "one line a session")
        # A log file that cannot be opened is a configuration error.
        self.conf = self.write("log2.conf", "[agent]\n\nlog_file = %s/no/such/dir/a.log\n"
                               % self.dir)
        self.usage_error("%s:3: [agent] log_file: %s/no/such/dir/a.log: cannot open: No such "
                         "file or directory" % (self.conf, self.dir), "status")

    def test_secrets_never_logged(self):
        secret = "Tr0ub4dor-s3cret-XYZZY"
        self.conf = self.write("auth.conf", "[server]\nauth_name = dev1\nauth_secret = %s\n"
                               % secret, 0o600)
        url = "https://127.0.0.1:%d/omadm" % free_port()
        outputs = []
        for args in (["sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                      "--state-dir", self.state, "--log-level", "debug"],
                     ["status", "--state-dir", self.state, "--platform", "sim"],
                     ["status", "--json", "--state-dir", self.state, "--platform", "sim"]):
            r = self.agent(*args)
            outputs += [r.stdout, r.stderr]
        for out in outputs:
            self.assertNotIn(secret, out)
        for root, _, files in os.walk(self.state):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assertNotIn(secret.encode(), f.read(), name)
        # ...and a world-readable file holding it is refused.
        os.chmod(self.conf, 0o644)
        self.usage_error("%s: holds auth_secret but is accessible by group or others (mode "
                         "0644); chmod 600 it" % self.conf, "status")

    # ---- status ---------------------------------------------------------------
    def test_status_empty(self):
        r = self.agent("status", "--state-dir", self.state, "--server", SERVER)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("server:          " + SERVER + "\n", r.stdout)
        self.assertIn("device id:       (not configured)\n", r.stdout)
        self.assertIn("last session:    none\n", r.stdout)
        self.assertIn("outbox:          0 entries\n", r.stdout)
        self.assertIn("pending restart: none\n", r.stdout)
        self.assertFalse(os.path.exists(self.state), "status created nothing")
        r = self.agent("status", "--json", "--state-dir", self.state)
        st = json.loads(r.stdout)
        self.assertIsNone(st["server"])
        self.assertIsNone(st["last_session"])
        self.assertEqual(st["outbox"], {"entries": 0, "items": []})
        self.assertIsNone(st["pending_restart"])
        self.assertEqual(st["schedules"]["poll"]["source"], "config")
        self.assertEqual(st["schedules"]["poll"]["initial_interval_s"], 900)

    def test_status_json_escaping(self):
        odd = 'dev"ice\\1{}'
        r = self.agent("status", "--json", "--state-dir", self.state, "--device-id", odd,
                       "--server", "https://h/a?b=\"c\"")
        self.assertEqual(r.returncode, 2, "quotes are not allowed in a URL")
        r = self.agent("status", "--json", "--state-dir", self.state, "--device-id", odd,
                       "--server", "https://h/a?b=%22c%22&d=1")
        self.assertEqual(r.returncode, 0, r)
        st = json.loads(r.stdout)
        self.assertEqual(st["device_id"], odd)
        self.assertEqual(st["server"], "https://h/a?b=%22c%22&d=1")

    def replay(self, *extra):
        return self.agent("replay", "--platform", "sim", "--device-id", DEVICE,
                          "--server", SERVER, *extra,
                          os.path.join(FIXTURES, "syncml", "restart-session-2.xml"),
                          os.path.join(FIXTURES, "syncml", "restart-session-4.xml"))

    def test_status_after_a_session(self):
        # A replayed RebootNow on the sim leaves a requested restart behind.
        r = self.replay("--state-dir", self.state)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.agent("status", "--json", "--state-dir", self.state, "--platform", "sim",
                       "--server", SERVER, "--device-id", DEVICE)
        self.assertEqual(r.returncode, 0, r)
        st = json.loads(r.stdout)
        for key in ("server", "device_id", "last_session", "outbox", "pending_restart",
                    "schedules"):
            self.assertIn(key, st)
        self.assertEqual(st["server"], SERVER)
        self.assertEqual(st["device_id"], DEVICE)
        last = st["last_session"]
        self.assertEqual(last["result"], "completed")
        self.assertEqual(last["messages"], 2)
        self.assertEqual(last["session_id"], 17)
        self.assertRegex(last["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIsNone(last["error"])
        self.assertEqual(st["outbox"]["entries"], 1)
        self.assertEqual(st["outbox"]["items"][0]["kind"], "intent")
        p = st["pending_restart"]
        self.assertEqual(p["trigger"], "now")
        self.assertEqual(p["state"], "requested")
        self.assertEqual(p["cmdref"], "5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88")
        # The deadline is at most 300 s after the request, which comes after
        # the session's start (its recorded time) by the session's duration.
        self.assertLessEqual(p["deadline_unix"] - last["time_unix"],
                             300 + last["duration_ms"] // 1000 + 1)
        self.assertGreaterEqual(p["deadline_unix"], last["time_unix"])
        self.assertEqual(set(st["schedules"]["reboot"]), {"single", "daily", "weekly"})
        self.assertIn("poll", st["schedules"])
        # The text form says the same, in words (issue 16: not the raw record).
        r = self.agent("status", "--state-dir", self.state, "--platform", "sim",
                       "--server", SERVER)
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.stdout, r"last session:    completed at \S+Z \(session 17, 2 "
                                   r"messages, \d+\.\d{3} s\)\n")
        self.assertIn("outbox:          1 entry: 1 restart intent\n", r.stdout)
        self.assertRegex(r.stdout, r"pending restart: the server's RebootNow \(command "
                                   r"5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88\), accepted \S+Z: "
                                   r"requested from the system, to happen by \S+Z \(else it "
                                   r"is reported as not-restarted\)\n")

    def test_status_shows_the_server_poll_schedule(self):
        hdr = ("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD>"
               "<VerProto>DM/1.2</VerProto><SessionID>9</SessionID><MsgID>%d</MsgID>"
               "<Target><LocURI>" + DEVICE + "</LocURI></Target>"
               "<Source><LocURI>" + SERVER + "</LocURI></Source></SyncHdr><SyncBody>"
               "<Status><CmdID>1</CmdID><MsgRef>%d</MsgRef><CmdRef>0</CmdRef>"
               "<Cmd>SyncHdr</Cmd><Data>200</Data></Status>")
        poll = "./Device/Vendor/MSFT/DMClient/Provider/Fleet/Poll/"
        replace = ("<Replace><CmdID>%d</CmdID><Item><Target><LocURI>" + poll + "%s</LocURI>"
                   "</Target><Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta>"
                   "<Data>%d</Data></Item></Replace>")
        one = self.write("s1.xml", (hdr % (1, 1)) + (replace % (2, "IntervalForFirstSetOfRetries", 60))
                         + (replace % (3, "NumberOfFirstRetries", 3)) + "<Final/></SyncBody></SyncML>")
        two = self.write("s2.xml", (hdr % (2, 2)) + "<Final/></SyncBody></SyncML>")
        r = self.agent("replay", "--platform", "sim", "--state-dir", self.state,
                       "--device-id", DEVICE, "--server", SERVER, one, two)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("<Data>200</Data>"), 3, r.stdout)
        st = json.loads(self.agent("status", "--json", "--state-dir", self.state,
                                   "--platform", "sim").stdout)
        poll = st["schedules"]["poll"]
        self.assertEqual(poll["source"], "server")
        self.assertEqual(poll["first"], {"interval_min": 60, "count": 3})
        self.assertEqual(poll["second"], {"interval_min": 0, "count": 0})
        r = self.agent("status", "--state-dir", self.state, "--platform", "sim")
        # In words now (issue 16); the raw values stay in --json above.
        self.assertIn("poll schedule:   every hour, 3 times, then every day from then on (set "
                      "by the server)\n", r.stdout)

    # ---- replay -------------------------------------------------------------
    def test_replay_golden(self):
        r = self.replay()
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(HERE, "golden", "replay-restart-session.out")) as f:
            self.assertEqual(r.stdout, f.read())

    def test_replay_errors(self):
        missing = os.path.join(self.dir, "absent.xml")
        self.usage_error("%s: cannot open: No such file or directory" % missing,
                         "replay", os.path.join(FIXTURES, "syncml", "restart-session-2.xml"),
                         missing)
        # More files than the session takes: a failure naming the first unused.
        four = os.path.join(FIXTURES, "syncml", "restart-session-4.xml")
        r = self.agent("replay", "--platform", "sim", "--device-id", DEVICE, "--server", SERVER,
                       os.path.join(FIXTURES, "syncml", "restart-session-2.xml"), four, four)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("omadm-agent: replay: the session ended (completed) before %s\n" % four,
                      r.stderr)
        # A message that is not SyncML fails the session.
        junk = self.write("junk.xml", "<html>no</html>")
        r = self.agent("replay", "--platform", "sim", junk)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("omadm-agent: replay: ", r.stderr)

    # ---- sync -----------------------------------------------------------------
    def test_sync_failure_exits_1_and_is_recorded(self):
        url = "https://127.0.0.1:%d/omadm" % free_port()
        r = self.agent("sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                       "--state-dir", self.state)
        self.assertEqual(r.returncode, 1, r)
        self.assertRegex(r.stderr, r"omadm-agent\[\d+\]: warn: session: server=%s id=1 "
                                   r"messages=1 result=failed duration=\S+s error=" % url)
        st = json.loads(self.agent("status", "--json", "--state-dir", self.state,
                                   "--platform", "sim").stdout)
        self.assertEqual(st["last_session"]["result"], "failed")
        self.assertEqual(st["last_session"]["server"], url)
        self.assertTrue(st["last_session"]["error"])
        # The SessionID counter moves on.
        r = self.agent("sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                       "--state-dir", self.state, "--log-level", "error")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "", "nothing below error level")
        st = json.loads(self.agent("status", "--json", "--state-dir", self.state,
                                   "--platform", "sim").stdout)
        self.assertEqual(st["last_session"]["session_id"], 2)
        # Ids are reserved in blocks of 16: the log holds the block's end,
        # flushed once; the id used last in this boot is kept unflushed.
        log = os.path.join(self.state, "agent-session-id")
        used = os.path.join(self.state, "agent-session-used")

        def write(path, text):
            with open(path, "w") as f:
                f.write(text)

        def read(path):
            with open(path) as f:
                return f.read()

        def next_session_id():
            self.agent("sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                       "--state-dir", self.state)
            return json.loads(self.agent("status", "--json", "--state-dir", self.state,
                                         "--platform", "sim").stdout)["last_session"]["session_id"]

        boot = read(os.path.join(self.state, "sim", "boot-id")).strip()
        self.assertEqual(read(log), "16\n")
        self.assertEqual(read(used), "%s 16 2\n" % boot)
        # A new boot (after a power loss the unflushed record may be stale or
        # gone) starts after the whole block: no id of it is used twice.
        write(os.path.join(self.state, "sim", "boot-id"), "another-boot\n")
        self.assertEqual(next_session_id(), 17)
        self.assertEqual(next_session_id(), 18)
        self.assertEqual(read(log), "16\n32\n", "one reservation for both")
        # A record outside the block, or for another block, is ignored.
        write(used, "another-boot 32 40\n")
        self.assertEqual(next_session_id(), 33)
        self.assertEqual(read(used), "another-boot 48 33\n")
        write(used, "another-boot 48 34\n")
        self.assertEqual(next_session_id(), 35)
        write(used, "another-boot 32 34\n")
        self.assertEqual(next_session_id(), 49)
        self.assertEqual(read(log), "16\n32\n48\n64\n")
        # Logs from before blocks (one line per id) read the same way: their
        # last line is the last id used. They wrap from 255 to 1.
        os.remove(used)
        write(log, "255\n")
        self.assertEqual(next_session_id(), 1)
        # The file is a log of ids, appended: a torn last append (no newline)
        # was never used and is skipped; the next id goes on a line of its own.
        os.remove(used)
        write(log, "6\n7\n1")
        self.assertEqual(next_session_id(), 8)
        self.assertEqual(read(log), "6\n7\n1\n23\n")

    @unittest.skipUnless(os.path.exists(MOCKSERVER), "no mock server in this tree")
    def test_sync_completes_against_the_mock_server(self):
        certs = os.path.join(self.dir, "certs")
        os.makedirs(certs)
        subprocess.run(["sh", MAKE_CERTS, certs, DEVICE], check=True, capture_output=True)
        url = self.start_mock(certs)
        args = ["sync", "--platform", "sim", "--server", url, "--device-id", DEVICE, "--state-dir", self.state,
                "--ca", os.path.join(certs, "ca.pem"),
                "--cert", os.path.join(certs, "client.pem"),
                "--key", os.path.join(certs, "client.key")]
        r = self.agent(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"info: session: server=\S+ id=1 messages=\d+ "
                                   r"result=completed")
        # [server] proxy is used: a dead proxy fails the session...
        dead = "http://127.0.0.1:%d" % free_port()
        self.conf = self.write("proxy.conf", "[server]\nproxy = %s\n" % dead)
        r = self.agent(*args)
        self.assertEqual(r.returncode, 1, r.stderr)
        # ...and "none" ignores the environment's proxy.
        self.conf = self.write("noproxy.conf", "[server]\nproxy = none\n")
        env = dict(os.environ, https_proxy=dead, HTTPS_PROXY=dead, all_proxy=dead)
        r = self.agent(*args, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        # A private key others can read is refused before anything runs.
        os.chmod(os.path.join(certs, "client.key"), 0o640)
        r = self.agent(*args)
        self.assertEqual(r.returncode, 2, r)

    # ---- run ------------------------------------------------------------------
    def start_run(self, url, *extra):
        log = open(os.path.join(self.dir, "run.log"), "w+")
        proc = subprocess.Popen([AGENT, "--config", self.conf, "run", "--platform", "sim",
                                 "--server", url, "--device-id", DEVICE,
                                 "--state-dir", self.state] + list(extra),
                                stdout=log, stderr=subprocess.STDOUT)
        return proc, log

    def wait_for(self, log, text, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            log.seek(0)
            if text in log.read():
                return
            time.sleep(0.05)
        log.seek(0)
        self.fail("no %r in the log:\n%s" % (text, log.read()))

    def test_run_stops_cleanly_and_syncs_on_sigusr1(self):
        url = "https://127.0.0.1:%d/omadm" % free_port()
        proc, log = self.start_run(url)
        try:
            self.wait_for(log, "id=1 messages=1 result=failed")
            self.wait_for(log, "retrying in 60 s")
            # The loop sleeps until the retry; SIGUSR1 asks for a session now.
            proc.send_signal(signal.SIGUSR1)
            self.wait_for(log, "id=2 messages=1 result=failed")
            # `sync` on the same state asks the running agent for a session
            # and reports that session (failed: no server listens).
            r = self.agent("sync", "--platform", "sim", "--server", url, "--device-id", DEVICE,
                           "--state-dir", self.state)
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stdout, r"^session 3 \(run by the running agent\): failed, 1 "
                             r"messages, \d+ ms: ")
            self.wait_for(log, "id=3 messages=1 result=failed")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
            self.wait_for(log, "info: stopped")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()

    def test_run_second_signal_exits_at_once(self):
        # A server that accepts the connection and never answers keeps the
        # session busy: the first SIGTERM waits for it, the second does not.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        url = "https://127.0.0.1:%d/omadm" % listener.getsockname()[1]
        proc, log = self.start_run(url, "--log-level", "debug")
        try:
            conn, _ = listener.accept()
            time.sleep(0.3)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            self.assertIsNone(proc.poll(), "the first signal lets the session finish")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=5), -signal.SIGTERM)
            conn.close()
            # State is intact: status reads it, field by field; the killed
            # session's id stays taken (the next session is #2).
            r = self.agent("status", "--json", "--state-dir", self.state, "--platform", "sim")
            self.assertEqual(r.returncode, 3, r)  # no server configured here
            st = json.loads(r.stdout)
            self.assertEqual(st["state_dir"], self.state)
            self.assertEqual(st["platform"], "sim")
            self.assertIsNone(st["last_session"])
            self.assertEqual(st["outbox"]["entries"], 0)
            self.assertIsNone(st["pending_restart"])
            with open(os.path.join(self.state, "agent-session-id")) as f:
                self.assertEqual(f.read(), "16\n")
            self.assertEqual([n for n in os.listdir(self.state) if n.startswith(".tmp-")], [])
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            listener.close()
            log.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
