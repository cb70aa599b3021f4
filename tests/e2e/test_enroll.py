# SPDX-License-Identifier: Apache-2.0
"""End-to-end enrollment (MS-MDE2): the real omadm-agent (--platform sim)
enrolls with the mock server, then is managed with what it learned alone
(no --server, --device-id, --cert or --key). Asserts through the admin API,
the state directory and the protocol checker."""

import json
import os
import re
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib  # noqa: E402

USER = "alice@example.com"
SECRET = "correct horse battery staple"
TOKEN = "eyJhbGciOi.fake-federated-token.sig"


def device_of(stdout):
    m = re.search(r"device id: (\S+)", stdout)
    return m.group(1) if m else None


class Enrollment(unittest.TestCase):
    enroll_opts = {"user": USER, "secret": SECRET, "token": TOKEN}

    def setUp(self):
        self.w = e2elib.World(enroll=self.enroll_opts)

    def tearDown(self):
        try:
            self.assertEqual(self.w.violations(), [], "protocol violations")
        finally:
            self.w.close()

    def enrollments(self):
        return self.w.api("GET", "/api/enrollments")

    def enroll_ok(self, **kw):
        r = self.w.enroll(**kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        dev = device_of(r.stdout)
        self.assertIsNotNone(dev, r.stdout)
        self.w.device_id = dev
        return dev, r

    def sync_plain(self):
        r = self.w.run_plain("sync")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_onpremise_then_restart_end_to_end(self):
        w = self.w
        dev, r = self.enroll_ok(user=USER, secret=SECRET)
        self.assertRegex(dev, r"^[0-9A-F]{32}$")
        self.assertIn("server: " + w.url, r.stdout)
        # the state: one owner-only file, no trace of the user's password
        st = os.stat(w.enrollment_file())
        self.assertEqual(stat.S_IMODE(st.st_mode) & 0o077, 0)
        with open(w.enrollment_file(), "rb") as f:
            state = f.read()
        self.assertNotIn(SECRET.encode(), state)
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        self.assertNotIn("PHdhcC1wcm92aXNpb25pbmdkb2", r.stdout + r.stderr)
        (e,) = self.enrollments()
        self.assertEqual((e["device"], e["state"], e["auth"], e["user"]),
                         (dev, "enrolled", "OnPremise", USER))
        for item in ("DeviceID", "HWDevID", "OSEdition", "DeviceName", "DeviceType",
                     "EnrollmentType", "ApplicationVersion", "OSVersion", "Locale",
                     "NotInOobe"):
            self.assertIn(item, e["context"])
        self.assertEqual(e["context"]["DeviceID"], dev)

        # managed with what it learned: the issued certificate, URL and id
        act = w.restart()
        self.sync_plain()
        self.assertEqual(len(w.restart_lines()), 1)
        self.assertEqual(w.api("GET", "/api/actions?device=%s" % dev)[0]["state"], "accepted")
        w.reboot()
        self.sync_plain()
        (a,) = [x for x in w.actions() if x["id"] == act["id"]]
        self.assertEqual(a["state"], "completed")
        # the enrollment's DMClient provider exists: a Fleet-like server's
        # Get of its Push/ChannelURI gets 200, not 404
        w.device_id = dev
        w.command('<Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/DMClient/'
                  'Provider/omadm-mock/Push/ChannelURI</LocURI></Target></Item></Get>')
        self.sync_plain()
        cmds = [c for c in w.commands() if "ChannelURI" in (c["xml"] or "")]
        self.assertEqual([c["status"] for c in cmds], ["200"], cmds)
        # package 1 carried the login status (Alert 1224)
        (e,) = self.enrollments()
        self.assertEqual(e["login_status"], "user")

        status = w.run_plain("status", "--json")
        self.assertEqual(status.returncode, 0, status.stderr)
        js = json.loads(status.stdout)
        self.assertEqual(js["device_id"], dev)
        text = w.run_plain("status").stdout
        self.assertIn("enrollment:", text)
        # the provisioned 1-minute poll until the server sets DMClient's
        self.assertIn("every minute", text)
        self.assertIn("CN=" + dev, text)

    def test_server_rotates_dm_credentials(self):
        w = self.w
        self.enroll_ok(user=USER, secret=SECRET)
        base = "./SyncML/DMAcc/omadm-mock/AppAuth/CLCRED/"
        for leaf, value in (("AAuthName", "rotated-name"), ("AAuthSecret", "rotated-s3cret")):
            w.command('<Replace><Item><Target><LocURI>%s%s</LocURI></Target>'
                      '<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>'
                      '<Data>%s</Data></Item></Replace>' % (base, leaf, value))
        w.command('<Get><Item><Target><LocURI>%sAAuthSecret</LocURI></Target></Item></Get>'
                  % base)
        w.command('<Get><Item><Target><LocURI>%sAAuthName</LocURI></Target></Item></Get>'
                  % base)
        w.command('<Replace><Item><Target><LocURI>./SyncML/DMAcc/other/AppAuth/CLCRED/'
                  'AAuthName</LocURI></Target><Data>x</Data></Item></Replace>')
        r = self.sync_plain()
        cmds = w.commands()
        self.assertEqual([c["status"] for c in cmds], ["200", "200", "405", "200", "404"], cmds)
        self.assertEqual(cmds[3]["results"][0]["data"], "rotated-name")
        with open(w.enrollment_file()) as f:
            state = f.read()
        self.assertIn("aauth_name=rotated-name\n", state)
        self.assertIn("aauth_secret=rotated-s3cret\n", state)
        self.assertNotIn("rotated-s3cret", r.stdout + r.stderr)
        self.sync_plain()  # the next session still runs with the stored values

    def test_renewal_in_the_renewal_period(self):
        w = self.w
        dev, _ = self.enroll_ok(user=USER, secret=SECRET)
        (before,) = self.enrollments()
        # outside the renewal period (42 days before expiry): no renewal
        r = self.sync_plain()
        self.assertNotIn("renewing", r.stderr)
        # 30 days before the certificate expires (sim clock)
        w.set_now(int(time.time()) + (365 - 30) * 86400)
        r = self.sync_plain()
        self.assertIn("certificate renewed", r.stderr)
        self.assertIn("DeviceEnrollmentProvisionDoc", r.stderr)
        self.assertNotIn("PHdhcC1wcm92aXNpb25pbmdkb2", r.stderr)  # base64 "<wap-provisioningdoc"
        (after,) = self.enrollments()
        self.assertEqual(after["renewals"], 1)
        self.assertNotEqual(after["cert_thumbprint"], before["cert_thumbprint"])
        # the new certificate is the one in use now (the server issued it for
        # a year from its own clock: back to that clock), and no second renewal
        w.set_now(int(time.time()))
        r = self.sync_plain()
        self.assertNotIn("renewing", r.stderr)
        self.assertEqual(self.enrollments()[0]["renewals"], 1)

    def test_failed_renewal_keeps_the_certificate_and_backs_off(self):
        w = self.w
        dev, _ = self.enroll_ok(user=USER, secret=SECRET)
        w.api("POST", "/api/devices/%s/retire" % dev, {})  # the server now refuses Renew
        w.set_now(int(time.time()) + (365 - 30) * 86400)
        r = self.sync_plain()  # the session still runs with the current certificate
        self.assertIn("certificate renewal failed", r.stderr)
        self.assertIn("stays in use", r.stderr)
        with open(w.enrollment_file()) as f:
            state = f.read()
        self.assertIn("renew_failures=1\n", state)
        r = self.sync_plain()  # within the back-off: no new attempt
        self.assertNotIn("renewing", r.stderr)

    def test_federated(self):
        dev, _ = self.enroll_ok(token=TOKEN)
        (e,) = self.enrollments()
        self.assertEqual((e["device"], e["auth"]), (dev, "Federated"))
        self.sync_plain()

    def test_wrong_credentials_leave_nothing(self):
        w = self.w
        r = w.enroll(user=USER, secret="wrong")
        self.assertEqual(r.returncode, 1)
        self.assertIn("refused the credentials", r.stderr)
        self.assertIn("s:Authentication", r.stderr)
        self.assertFalse(os.path.exists(w.enrollment_file()))
        self.assertEqual(self.enrollments(), [])
        r = w.enroll(token="not-the-token")
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists(w.enrollment_file()))
        # nothing to manage: sync says what is missing
        r = w.run_plain("sync")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no server URL", r.stderr)
        self.w.device_id = "none"

    def test_bad_flags_and_files(self):
        w = self.w
        r = w.enroll(user=USER, secret=SECRET, token=TOKEN)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("exactly one of", r.stderr)
        r = w.run_plain("enroll", "--url", w.base, "--secret-file", "/nonexistent",
                        "--user", USER)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--secret-file: /nonexistent", r.stderr)
        loose = w.secret_file("loose", SECRET)
        os.chmod(loose, 0o644)
        r = w.run_plain("enroll", "--url", w.base, "--secret-file", loose, "--user", USER)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertFalse(os.path.exists(w.enrollment_file()))
        self.w.device_id = "none"

    def test_unenroll(self):
        w = self.w
        dev, _ = self.enroll_ok(user=USER, secret=SECRET)
        self.sync_plain()
        r = w.run_plain("unenroll")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(w.enrollment_file()))
        (e,) = self.enrollments()
        self.assertEqual((e["state"], e["unenroll_reason"]), ("unenrolled", "user-request"))
        r = w.run_plain("unenroll")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not enrolled", r.stderr)

    def test_cloned_image_reenrolls(self):
        w = self.w
        conf = os.path.join(w.dir, "agent.conf")
        with open(os.open(conf, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("[enroll]\nurl = %s\nca = %s\nuser = %s\nsecret_file = %s\n" % (
                w.base, os.path.join(w.certs, "ca.pem"), USER, w.secret_file("s", SECRET)))
        # first start of the imaged machine: enrolls, then its session
        r = w.run_plain("sync", "--config", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        (first,) = self.enrollments()
        w.device_id = first["device"]
        # the image is cloned: another machine id, same state directory
        with open(w.sim("machine-id"), "w") as f:
            f.write(os.urandom(16).hex() + "\n")
        r = w.run_plain("sync", "--config", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("belongs to another machine", r.stderr)
        devices = sorted(e["device"] for e in self.enrollments())
        self.assertEqual(len(devices), 2)
        second = [d for d in devices if d != first["device"]][0]
        status = json.loads(w.run_plain("status", "--json", "--config", conf).stdout)
        self.assertEqual(status["device_id"], second)
        w.device_id = second


if __name__ == "__main__":
    unittest.main(verbosity=2)
