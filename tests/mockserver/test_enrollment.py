# SPDX-License-Identifier: Apache-2.0
"""Tests of the mock server's enrollment service (MS-MDE2): a real server
process with --enroll-* options, driven over HTTPS by the scripted
enrollment client (keys and CSRs from the openssl CLI)."""

import base64
import os
import re
import select
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import http.client
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from mdmmock import client as C  # noqa: E402
from mdmmock import enrollclient as E  # noqa: E402
from mdmmock import soap, syncml  # noqa: E402

USER, SECRET, TOKEN = "alice@example.com", "s3cret-pw", "federated-token-1"
DEV1, DEV2 = "5C1F0A7E9B3D4E21A0B6C7D8E9F01234", "DEVICE-TWO"
TMP = None


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix="mockserver-enroll-")
    r = subprocess.run(["sh", os.path.join(HERE, "make-certs.sh"),
                        os.path.join(TMP, "pki"), DEV1],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


class Device:
    """A device's key, CSR and (once enrolled) certificate."""

    def __init__(self, t, dev):
        self.t = t
        self.dev = dev
        self.dir = tempfile.mkdtemp(dir=t.tmp)
        self.csr = E.make_csr(self.dir)
        self.key = os.path.join(self.dir, "device.key")
        self.cert = None

    def keep(self, doc):
        """Store the client certificate of a provisioning document."""
        my = E.characteristic(doc, "CertificateStore", "My")
        store = next(c for c in my.findall("characteristic")
                     if c.get("type") in ("User", "System"))
        leaf = next(c for c in store.findall("characteristic")
                    if c.get("type") != "PrivateKeyContainer")
        der = base64.b64decode(E.parms(leaf)["EncodedCertificate"])
        path = os.path.join(self.dir, "cert-%s.pem" % leaf.get("type"))
        with open(path, "w") as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
        self.cert = path
        return leaf.get("type"), der

    def ctx(self, cert=None):
        return C.tls_client_context(self.t.server_ca, cert or self.cert,
                                    self.key)


class EnrollTest(unittest.TestCase):
    options = ["--enroll-user", USER, "--enroll-secret", SECRET]
    default_ca = False   # True: the server makes its CA in DB.device-ca

    def setUp(self):
        self.tmp = tempfile.mkdtemp(dir=TMP)
        self.pki = os.path.join(TMP, "pki")
        self.server_ca = os.path.join(self.pki, "ca.pem")
        self.db = os.path.join(self.tmp, "db.sqlite")
        self.ca_dir = os.path.join(TMP, "device-ca")  # made once, reused
        if self.default_ca:
            self.ca_dir = self.db + ".device-ca"
        self.log = open(os.path.join(self.tmp, "log.txt"), "w+")
        self.proc = self.start(self.options)
        self.ctx = C.tls_client_context(self.server_ca)

    def start(self, options, expect_ok=True):
        args = [sys.executable, "-B", os.path.join(HERE, "mockserver"),
                "--listen", "127.0.0.1:0",
                "--tls-cert", os.path.join(self.pki, "server.pem"),
                "--tls-key", os.path.join(self.pki, "server.key"),
                "--client-ca", os.path.join(self.pki, "ca.pem"),
                "--db", self.db, "--admin", "127.0.0.1:0"] + options
        if self.ca_dir != self.db + ".device-ca":
            args += ["--enroll-ca-dir", self.ca_dir]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                stderr=self.log, bufsize=0)
        if not expect_ok:
            return proc
        out = b""
        deadline = time.monotonic() + 20
        while b"admin " not in out or not out.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([proc.stdout], [], [],
                                              left)[0]:
                self.fail("mockserver did not print its ports")
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                self.fail("mockserver exited: %s" % self._log())
            out += chunk
        lines = dict(line.split() for line in out.decode().splitlines())
        self.base = lines["listening"]
        self.admin = C.Admin(lines["admin"])
        return proc

    def tearDown(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = "timeout"
        self.proc.stdout.close()
        log = self._log()
        self.log.close()
        self.assertEqual(rc, 0, "mockserver did not stop cleanly: " + log)
        self.assertNotIn(SECRET, log)
        self.assertNotIn(TOKEN, log)

    def _log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    # the three exchanges --------------------------------------------------
    def url(self, name):
        return self.base + "/EnrollmentServer/%s.svc" % name

    def discover(self, policies=("OnPremise", "Federated"), **kw):
        return E.post(self.url("Discovery"), E.envelope(
            E.header(soap.ACTION_DISCOVER, self.url("Discovery")),
            E.discover_body(policies, **kw)), self.ctx)

    def policies(self, security):
        return E.post(self.url("Policy"), E.envelope(
            E.header(soap.ACTION_GET_POLICIES, self.url("Policy"), security),
            E.get_policies_body()), self.ctx)

    def rst(self, security, blob, dev, ctx=None, **kw):
        return E.post(self.url("Enrollment"), E.envelope(
            E.header(soap.ACTION_RST, self.url("Enrollment"), security),
            E.rst_body(blob, dev, **kw)), ctx or self.ctx)

    def creds(self):
        return E.username_token(USER, SECRET)

    def enroll(self, dev=DEV1):
        d = Device(self, dev)
        r = self.rst(self.creds(), d.csr, dev)
        self.assertEqual((r.status, r.fault), (200, None), r.body)
        d.doc = r.provisioning_doc()
        d.keep(d.doc)
        return d

    def sync(self, d, source=None, extra=(), ctx=None, sid="1"):
        body = C.message(d.dev, self.base + "/ManagementServer/MDM.svc",
                         sid, "1", [C.alert("2", "1201")] + list(extra) + [
                             C.devinfo_replace(str(3 + len(extra)), d.dev)],
                         source=source)
        status, data, headers = C.post(
            self.base + "/ManagementServer/MDM.svc", body, ctx or d.ctx())
        return status, data, headers

    def assert_fault(self, r, subcode, code="s:Receiver"):
        self.assertEqual(r.status, 200, r.body)
        self.assertIsNotNone(r.fault, r.body)
        self.assertEqual(r.fault[:2], (code, subcode), r.fault)


class Discovery(EnrollTest):
    def test_probe_and_discover_onpremise(self):
        u = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPSConnection(u.hostname, u.port,
                                           context=self.ctx, timeout=10)
        for path, code in (("/EnrollmentServer/Discovery.svc", 200),
                           ("/ENROLLMENTSERVER/DISCOVERY.SVC?x=1", 200),
                           ("/EnrollmentServer/Nothing.svc", 404)):
            conn.request("GET", path)
            resp = conn.getresponse()
            self.assertEqual(resp.status, code, path)
            if code == 200:
                self.assertEqual(resp.read(), b"")
            else:
                resp.read()
        conn.close()
        r = self.discover()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], soap.CONTENT_TYPE)
        res = "s:Body/disc:DiscoverResponse/disc:DiscoverResult/disc:"
        self.assertEqual(r.find("s:Header/a:Action").text,
                         soap.ACTION_DISCOVER_RESPONSE)
        self.assertTrue(r.find("s:Header/a:RelatesTo").text.startswith(
            "urn:uuid:"))
        self.assertEqual(r.find(res + "AuthPolicy").text, "OnPremise")
        self.assertEqual(r.find(res + "EnrollmentVersion").text, "4.0")
        self.assertEqual(r.find(res + "EnrollmentPolicyServiceUrl").text,
                         self.url("Policy"))
        self.assertEqual(r.find(res + "EnrollmentServiceUrl").text,
                         self.url("Enrollment"))
        self.assertIsNone(r.find(res + "AuthenticationServiceUrl"))

    def test_discover_refusals(self):
        self.assert_fault(self.discover(version="3.0"), soap.MESSAGE_FORMAT,
                          "s:Sender")
        self.assert_fault(self.discover(app_version="10.0"),
                          soap.MESSAGE_FORMAT, "s:Sender")
        self.assert_fault(self.discover(os_edition="x"), soap.MESSAGE_FORMAT,
                          "s:Sender")
        self.assert_fault(self.discover(policies=("Federated",)),
                          soap.AUTHORIZATION)


class Policies(EnrollTest):
    def test_policy_needs_the_credentials(self):
        self.assert_fault(self.policies(""), soap.INVALID_SECURITY,
                          "s:Sender")
        self.assert_fault(self.policies(E.username_token(USER, "wrong")),
                          soap.AUTHENTICATION)
        self.assert_fault(self.policies(E.username_token("bob", SECRET)),
                          soap.AUTHENTICATION)
        self.assert_fault(self.policies(E.username_token(
            USER, SECRET, token_id="uuid-1")), soap.INVALID_SECURITY,
            "s:Sender")
        self.assert_fault(self.policies(E.username_token(
            USER, SECRET, pw_type="PasswordDigest")), soap.INVALID_SECURITY,
            "s:Sender")
        self.assert_fault(self.policies(E.user_token(TOKEN)),
                          soap.AUTHENTICATION)
        r = self.policies(self.creds())
        self.assertEqual((r.status, r.fault), (200, None))
        resp = "s:Body/pol:GetPoliciesResponse/"
        attrs = r.find(resp + "pol:response/pol:policies/pol:policy/"
                       "pol:attributes")
        ns = {"p": soap.NS_POLICY}
        self.assertEqual(attrs.findtext(
            "p:privateKeyAttributes/p:minimalKeyLength", None, ns), "2048")
        oids = {o.findtext("p:oIDReferenceID", None, ns):
                (o.findtext("p:value", None, ns),
                 o.findtext("p:group", None, ns))
                for o in r.find(resp + "pol:oIDs")}
        alg = attrs.findtext("p:privateKeyAttributes/p:algorithmOIDReference",
                             None, ns)
        hsh = attrs.findtext("p:hashAlgorithmOIDReference", None, ns)
        self.assertEqual(oids[alg], ("1.2.840.113549.1.1.1", "3"))  # RSA
        self.assertEqual(oids[hsh], ("2.16.840.1.101.3.4.2.1", "1"))  # SHA256


class Enrollment(EnrollTest):
    def test_enroll_onpremise_then_managed(self):
        d = self.enroll()
        doc = d.doc
        with open(os.path.join(self.ca_dir, "ca.pem")) as f:
            ca_der = ssl.PEM_cert_to_DER_cert(f.read())
        root = E.characteristic(doc, "CertificateStore", "Root", "System")
        (thumb,) = root.findall("characteristic")
        self.assertEqual(base64.b64decode(E.parms(thumb)[
            "EncodedCertificate"]), ca_der)
        import hashlib
        self.assertEqual(thumb.get("type"),
                         hashlib.sha1(ca_der).hexdigest().upper())
        # EnrollmentType Device -> My/System; the certificate is for DEV1,
        # signed by the device CA, with the key of the CSR.
        self.assertIsNotNone(E.characteristic(
            doc, "CertificateStore", "My", "System"))
        subj = E.openssl("x509", "-in", d.cert, "-noout", "-subject",
                         "-nameopt", "RFC2253").decode().strip()
        self.assertEqual(subj, "subject=CN=" + DEV1)
        E.openssl("verify", "-CAfile", os.path.join(self.ca_dir, "ca.pem"),
                  d.cert)
        self.assertEqual(
            E.openssl("x509", "-in", d.cert, "-noout", "-pubkey"),
            E.openssl("pkey", "-in", d.key, "-pubout"))
        renew = E.parms(E.characteristic(doc, "CertificateStore", "My",
                                         "WSTEP", "Renew"))
        self.assertEqual((renew["RenewPeriod"], renew["RetryInterval"]),
                         ("42", "7"))
        app = E.characteristic(doc, "APPLICATION")
        p = E.parms(app)
        self.assertEqual((p["APPID"], p["PROVIDER-ID"], p["ADDR"],
                          p["DEFAULTENCODING"]),
                         ("w7", "omadm-mock",
                          self.base + "/ManagementServer/MDM.svc",
                          syncml.CONTENT_TYPE))
        for k in ("NAME", "CONNRETRYFREQ", "INITIALBACKOFFTIME",
                  "MAXBACKOFFTIME", "BACKCOMPATRETRYDISABLED",
                  "SSLCLIENTCERTSEARCHCRITERIA"):
            self.assertIn(k, p)
        levels = {E.parms(a)["AAUTHLEVEL"]: E.parms(a)
                  for a in app.findall("characteristic")}
        self.assertEqual(sorted(levels), ["APPSRV", "CLIENT"])
        self.assertEqual(levels["APPSRV"]["AAUTHNAME"], DEV1)
        self.assertTrue(levels["APPSRV"]["AAUTHSECRET"])
        prov = E.characteristic(doc, "DMClient", "Provider", "omadm-mock")
        self.assertEqual(E.parms(prov)["EntDMID"], DEV1)
        poll = E.parms(E.characteristic(prov, "Poll"))
        self.assertEqual((poll["IntervalForFirstSetOfRetries"],
                          poll["NumberOfFirstRetries"]), ("1", "0"))
        # Managed with the issued certificate; LoginStatus recorded.
        login = C.alert("3", "1224", "<Item><Meta><Type xmlns=\"syncml:"
                        "metinf\">com.microsoft/MDM/LoginStatus</Type></Meta>"
                        "<Data>user</Data></Item>")
        status, data, headers = self.sync(d, extra=[login])
        self.assertEqual(status, 200, data)
        self.assertEqual(headers["Content-Type"], syncml.CONTENT_TYPE)
        self.assertEqual(syncml.parse(data).target, DEV1)
        dev = self.admin.get("/api/devices/%s" % DEV1)
        self.assertEqual(dev["enrollment_state"], "enrolled")
        self.assertRegex(dev["enrolled_at"], r"^\d{4}-\d\d-\d\dT")
        e = dev["enrollment"]
        self.assertEqual((e["auth"], e["user"], e["login_status"]),
                         ("OnPremise", USER, "user"))
        self.assertEqual((e["context"]["HWDevID"], e["context"]["DeviceName"]),
                         ("HW-" + DEV1, "PC-" + DEV1))
        self.assertEqual(self.admin.get("/api/devices/%s/violations" % DEV1),
                         [])
        listed = self.admin.get("/api/devices")
        self.assertEqual([(x["id"], x["enrollment_state"]) for x in listed],
                         [(DEV1, "enrolled")])

    def test_indented_messages_as_windows_sends_them(self):
        # Windows and Fleet's test client send indented XML with line-wrapped
        # base64 (enrollment.md, mdmtest/windows.go).
        def indent(body):
            return re.sub(rb">\s*<", b">\n    <", body)
        d = Device(self, DEV1)
        b64 = base64.encodebytes(d.csr).decode()
        r = E.post(self.url("Discovery"), indent(E.envelope(
            E.header(soap.ACTION_DISCOVER, self.url("Discovery")),
            E.discover_body())), self.ctx)
        self.assertIsNone(r.fault, r.body)
        r = E.post(self.url("Policy"), indent(E.envelope(
            E.header(soap.ACTION_GET_POLICIES, self.url("Policy"),
                     self.creds()), E.get_policies_body())), self.ctx)
        self.assertIsNone(r.fault, r.body)
        body = E.rst_body(d.csr, DEV1).replace(
            base64.b64encode(d.csr).decode(), b64)
        r = E.post(self.url("Enrollment"), indent(E.envelope(
            E.header(soap.ACTION_RST, self.url("Enrollment"), self.creds()),
            body)), self.ctx)
        self.assertIsNone(r.fault, r.body)
        d.keep(r.provisioning_doc())
        self.assertEqual(self.sync(d)[0], 200)

    def test_csr_and_request_refused(self):
        d = Device(self, DEV1)
        cases = [
            (E.make_csr(d.dir, key_type="ec"), {}, soap.CERTIFICATE_REQUEST),
            (E.make_csr(d.dir, bits=1024), {}, soap.CERTIFICATE_REQUEST),
            (E.make_csr(d.dir, digest="sha1"), {}, soap.CERTIFICATE_REQUEST),
            (b"not a CSR", {}, soap.CERTIFICATE_REQUEST),
            (d.csr, {"context": [c for c in E.CONTEXT
                                 if c[0] != "HWDevID"]}, soap.MESSAGE_FORMAT),
            (d.csr, {"value_type": soap.PKCS7}, soap.MESSAGE_FORMAT),
            (d.csr, {"context": [c if c[0] != "EnrollmentType" else
                                 (c[0], "Other") for c in E.CONTEXT]},
             soap.MESSAGE_FORMAT),
            (d.csr, {"request_type": soap.NS_WST + "/Cancel"},
             soap.MESSAGE_FORMAT),
        ]
        for blob, kw, sub in cases:
            r = self.rst(self.creds(), blob, DEV1, **kw)
            self.assertEqual(r.fault[1], sub, (kw, r.fault))
        r = self.rst(self.creds(), d.csr, "a/b,CN=x")
        self.assert_fault(r, soap.MESSAGE_FORMAT, "s:Sender")
        r = self.rst(E.username_token(USER, "nope"), d.csr, DEV1)
        self.assert_fault(r, soap.AUTHENTICATION)
        self.assertEqual(self.admin.get("/api/enrollments"), [])

    def test_malformed_huge_and_wrong_type(self):
        url = self.url("Enrollment")
        for body in (b"<s:Envelope", b"<x/>",
                     b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
                     '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x>'
                     '<x/>'.encode("utf-16"),
                     b'<?xml version="1.0" encoding="cp500"?>'
                     + '<!DOCTYPE x><x/>'.encode("cp500"),
                     E.envelope(E.header(soap.ACTION_DISCOVER, url,
                                         self.creds()), "")):
            r = E.post(url, body, self.ctx)
            self.assert_fault(r, soap.MESSAGE_FORMAT, "s:Sender")
        no_to = E.envelope(E.header(soap.ACTION_RST, url, self.creds())
                           .replace("<a:To", "<a:Xx").replace("</a:To>",
                                                              "</a:Xx>"),
                           E.rst_body(Device(self, DEV1).csr, DEV1))
        self.assert_fault(E.post(url, no_to, self.ctx), soap.MESSAGE_FORMAT,
                          "s:Sender")
        two = E.envelope(E.header(soap.ACTION_RST, url, self.creds()),
                         E.rst_body(b"x", DEV1) * 2)
        self.assert_fault(E.post(url, two, self.ctx), soap.MESSAGE_FORMAT,
                          "s:Sender")
        deep = E.envelope(E.header(soap.ACTION_RST, url, self.creds()),
                          "<a>" * 100 + "</a>" * 100)
        self.assert_fault(E.post(url, deep, self.ctx), soap.MESSAGE_FORMAT,
                          "s:Sender")
        huge = E.envelope(E.header(soap.ACTION_RST, url, self.creds()),
                          "<x>%s</x>" % ("A" * 70000))
        r = E.post(url, huge, self.ctx)
        self.assertEqual(r.status, 413)
        self.assertEqual(r.fault[1], soap.MESSAGE_FORMAT)
        status, body, _ = C.post(url, b"<x/>", self.ctx, ctype="text/xml")
        self.assertEqual(status, 415)
        self.assertEqual(self.admin.get("/api/enrollments"), [])

    def test_renew_with_the_current_certificate(self):
        d = self.enroll()
        first = self.admin.get("/api/devices/%s" % DEV1)["enrollment"]
        old_cert = d.cert
        new = Device(self, DEV1)
        # PKCS#7 SignedData of the new CSR, signed with the current key.
        with open(os.path.join(new.dir, "req.der"), "wb") as f:
            f.write(new.csr)
        p7 = E.openssl("cms", "-sign", "-binary", "-nodetach", "-in",
                       "req.der", "-signer", old_cert, "-inkey", d.key,
                       "-outform", "DER", cwd=new.dir)
        ctx_old = d.ctx()
        # A certificate this service did not issue: refused.
        foreign = C.tls_client_context(
            self.server_ca, os.path.join(self.pki, "client-rsa.pem"),
            os.path.join(self.pki, "client-rsa.key"))
        r = self.rst("", p7, DEV1, ctx=foreign,
                     request_type=soap.REQUEST_RENEW, value_type=soap.PKCS7)
        self.assert_fault(r, soap.AUTHENTICATION)
        # No client certificate: refused.
        r = self.rst("", p7, DEV1, request_type=soap.REQUEST_RENEW,
                     value_type=soap.PKCS7)
        self.assert_fault(r, soap.AUTHENTICATION)
        # Signed by another key: refused.
        other = E.openssl("cms", "-sign", "-binary", "-nodetach", "-in",
                          "req.der", "-signer",
                          os.path.join(self.pki, "client-rsa.pem"), "-inkey",
                          os.path.join(self.pki, "client-rsa.key"),
                          "-outform", "DER", cwd=new.dir)
        r = self.rst("", other, DEV1, ctx=ctx_old,
                     request_type=soap.REQUEST_RENEW, value_type=soap.PKCS7)
        self.assert_fault(r, soap.CERTIFICATE_REQUEST)
        r = self.rst("", p7, DEV1, ctx=ctx_old,
                     request_type=soap.REQUEST_RENEW, value_type=soap.PKCS7)
        self.assertEqual((r.status, r.fault), (200, None), r.body)
        new.key_dir = new.dir
        new.keep(r.provisioning_doc())
        rec = self.admin.get("/api/devices/%s" % DEV1)["enrollment"]
        self.assertEqual(rec["renewals"], 1)
        self.assertNotEqual(rec["cert_serial"], first["cert_serial"])
        self.assertEqual(rec["enrolled_at"], first["enrolled_at"])
        # No gap: the old and the new certificate both manage the device.
        self.assertEqual(self.sync(d, ctx=ctx_old)[0], 200)
        status, data, _ = self.sync(new, sid="2")
        self.assertEqual(status, 200)
        self.assertIsNotNone(syncml.parse(data).msg_id)
        # A PKCS#10 renewal over TLS works as well.
        r = self.rst("", E.make_csr(tempfile.mkdtemp(dir=self.tmp)), DEV1,
                     ctx=new.ctx(), request_type=soap.REQUEST_RENEW)
        self.assertEqual((r.status, r.fault), (200, None))


class Hostile(EnrollTest):
    """The test hook that makes the next answers misbehave."""

    def hook(self, **kw):
        code, obj = self.admin.post("/api/enrollment/hostile", kw)
        self.assertEqual(code, 200, obj)
        return obj

    def issue(self):
        d = Device(self, DEV1)
        return d, self.rst(self.creds(), d.csr, DEV1)

    def test_hostile_answers(self):
        for bad in ({"mode": "nope"}, {"mode": "xxe", "endpoint": "policy"},
                    {"mode": "huge", "size": 0}, {"endpoint": "x"},
                    {"mode": "fault", "count": 0}):
            code, _ = self.admin.post("/api/enrollment/hostile", bad)
            self.assertEqual(code, 400, bad)
        self.hook(mode="fault", subcode="s:EnrollmentServer", count=2)
        for _ in range(2):
            self.assert_fault(self.issue()[1], "s:EnrollmentServer")
        self.assertEqual(self.admin.get("/api/enrollment/hostile"), {})
        self.assertIsNone(self.issue()[1].fault)   # count used up
        self.hook(mode="http-500", endpoint="discovery")
        self.assertEqual(self.discover().status, 500)
        self.hook(mode="malformed", endpoint="policy")
        status, body, _ = C.post(self.url("Policy"), E.envelope(
            E.header(soap.ACTION_GET_POLICIES, self.url("Policy"),
                     self.creds()), E.get_policies_body()), self.ctx,
            ctype=soap.CONTENT_TYPE)
        self.assertEqual(status, 200)
        with self.assertRaises(Exception):
            E.ET.fromstring(body)
        self.hook(mode="huge", size=1 << 20)
        r = self.issue()[1]
        self.assertEqual(len(r.body), 1 << 20)
        self.assertIsNotNone(r.provisioning_doc())
        self.hook(mode="not-base64")
        with self.assertRaises(Exception):
            self.issue()[1].provisioning_doc()
        self.hook(mode="xxe")
        bst = self.issue()[1].find(
            "s:Body/wst:RequestSecurityTokenResponseCollection/"
            "wst:RequestSecurityTokenResponse/wst:RequestedSecurityToken/"
            "wsse:BinarySecurityToken").text
        doc = base64.b64decode(bst).decode()
        self.assertIn('<!ENTITY xxe SYSTEM "file:///etc/passwd">', doc)
        self.assertIn('<parm name="ADDR" value="&xxe;"/>', doc)
        self.hook(mode="no-addr")
        doc = self.issue()[1].provisioning_doc()
        self.assertNotIn("ADDR", E.parms(E.characteristic(doc,
                                                          "APPLICATION")))
        self.hook(mode="wrong-cert")
        d, r = self.issue()
        d.keep(r.provisioning_doc())
        self.assertNotEqual(
            E.openssl("x509", "-in", d.cert, "-noout", "-pubkey"),
            E.openssl("pkey", "-in", d.key, "-pubout"))


class Management(EnrollTest):
    def test_unknown_device_or_foreign_certificate_refused(self):
        # make-certs.sh's certificate (CN = DEV1, the --client-ca) is valid
        # TLS but DEV1 never enrolled: SOAP fault, no device.
        ctx = C.tls_client_context(self.server_ca,
                                   os.path.join(self.pki, "client.pem"),
                                   os.path.join(self.pki, "client.key"))
        d = Device(self, DEV1)
        status, data, headers = self.sync(d, ctx=ctx)
        r = E.Response(status, data, headers)
        self.assert_fault(r, soap.MESSAGE_FORMAT)
        self.assertIn("not MDM enrolled", r.fault[2])
        self.assertEqual(self.admin.get("/api/devices"), [])
        # Enrolled, but the certificate is not the one issued to it.
        d = self.enroll()
        status, data, headers = self.sync(d, ctx=ctx)
        self.assertIn("not issued by the device CA",
                      E.Response(status, data, headers).fault[2])
        d2 = self.enroll(DEV2)
        status, data, headers = self.sync(d2, ctx=d.ctx())
        self.assertIn("another device",
                      E.Response(status, data, headers).fault[2])
        # No client certificate at all.
        status, data, headers = self.sync(d, ctx=self.ctx)
        self.assertIn("no client certificate",
                      E.Response(status, data, headers).fault[2])
        self.assertEqual(self.sync(d)[0], 200)

    def test_retire_queues_unenroll(self):
        d = self.enroll()
        self.assertEqual(self.sync(d)[0], 200)
        code, rec = self.admin.post("/api/devices/%s/retire" % DEV1, {})
        self.assertEqual((code, rec["state"]), (200, "retired"))
        status, data, _ = self.sync(d, sid="2")
        self.assertEqual(status, 200)
        msg = syncml.parse(data)
        (ex,) = [c for c in msg.commands if c.name == "Exec"]
        self.assertEqual(ex.items[0].target,
                         "./Vendor/MSFT/DMClient/Provider/omadm-mock/Unenroll")
        self.assertEqual((ex.items[0].meta_format, ex.items[0].data),
                         ("chr", "omadm-mock"))
        self.assertEqual(ex.cmd_id, rec["unenroll_cmd"])
        body = C.message(DEV1, self.base, "2", "2", [
            C.status("1", msg.msg_id, "0", "SyncHdr"),
            C.status("2", msg.msg_id, ex.cmd_id, "Exec", "200")])
        self.assertEqual(C.post(self.base + "/ManagementServer/MDM.svc",
                                body, d.ctx())[0], 200)
        dev = self.admin.get("/api/devices/%s" % DEV1)
        self.assertEqual((dev["enrollment_state"],
                          dev["enrollment"]["unenroll_reason"]),
                         ("unenrolled", "server"))
        status, data, headers = self.sync(d, sid="3")
        self.assertIn("not MDM enrolled",
                      E.Response(status, data, headers).fault[2])
        code, _ = self.admin.post("/api/devices/nobody/retire", {})
        self.assertEqual(code, 404)

    def test_reenrolling_a_retired_device_drops_its_unenroll(self):
        d = self.enroll()
        code, rec = self.admin.post("/api/devices/%s/retire" % DEV1, {})
        self.assertEqual(code, 200)
        old = d.ctx()
        d = self.enroll()
        status, data, _ = self.sync(d)
        self.assertEqual(status, 200)
        self.assertEqual([c.name for c in syncml.parse(data).commands
                          if c.name != "Status"], [])
        cmds = self.admin.get("/api/devices/%s/commands" % DEV1)
        self.assertEqual([(c["cmd_id"], c["status"]) for c in cmds],
                         [(rec["unenroll_cmd"], "cancelled")])
        self.assertEqual(self.admin.get("/api/devices/%s" % DEV1)[
            "enrollment_state"], "enrolled")
        # The first enrollment's certificate no longer manages the device.
        status, data, headers = self.sync(d, ctx=old, sid="2")
        self.assertIn("of an earlier enrollment",
                      E.Response(status, data, headers).fault[2])

    def test_user_unenrollment_alert(self):
        d = self.enroll()
        alert = C.alert("3", "1226", "<Item><Meta><Type xmlns=\"syncml:"
                        "metinf\">com.microsoft:mdm.unenrollment.userrequest"
                        "</Type><Format xmlns=\"syncml:metinf\">int</Format>"
                        "</Meta><Data>1</Data></Item>")
        self.assertEqual(self.sync(d, extra=[alert])[0], 200)
        rec = self.admin.get("/api/devices/%s" % DEV1)["enrollment"]
        self.assertEqual((rec["state"], rec["unenroll_reason"]),
                         ("unenrolled", "user-request"))
        self.assertEqual(self.admin.get("/api/devices/%s/violations" % DEV1),
                         [])
        # Enrolling again is allowed and makes a fresh enrollment.
        d = self.enroll()
        self.assertEqual(self.sync(d, sid="2")[0], 200)


class Federated(EnrollTest):
    options = ["--enroll-token", TOKEN, "--enroll-provider-id", "Contoso"]
    default_ca = True

    def test_federated_enrollment(self):
        r = self.discover()
        res = "s:Body/disc:DiscoverResponse/disc:DiscoverResult/disc:"
        self.assertEqual(r.find(res + "AuthPolicy").text, "Federated")
        self.assertEqual(r.find(res + "AuthenticationServiceUrl").text,
                         self.url("Auth"))
        self.assert_fault(self.policies(E.user_token("wrong")),
                          soap.AUTHENTICATION)
        self.assert_fault(self.policies(E.user_token(
            TOKEN, value_type="urn:other")), soap.INVALID_SECURITY,
            "s:Sender")
        self.assert_fault(self.policies(E.username_token(USER, SECRET)),
                          soap.AUTHENTICATION)
        self.assertIsNone(self.policies(E.user_token(TOKEN)).fault)
        d = Device(self, DEV2)
        r = self.rst(E.user_token(TOKEN), d.csr, DEV2)
        self.assertIsNone(r.fault, r.body)
        doc = r.provisioning_doc()
        d.keep(doc)
        self.assertIsNotNone(E.characteristic(doc, "DMClient", "Provider",
                                              "Contoso"))
        self.assertEqual(oct(os.stat(os.path.join(self.ca_dir, "ca.key"))
                             .st_mode & 0o777), "0o600")
        E.openssl("verify", "-CAfile", os.path.join(self.ca_dir, "ca.pem"),
                  d.cert)
        self.assertEqual(self.sync(d)[0], 200)
        rec = self.admin.get("/api/devices/%s" % DEV2)["enrollment"]
        self.assertEqual((rec["auth"], rec["user"]), ("Federated", None))


class SecretFiles(EnrollTest):
    """--enroll-secret-file / --enroll-token-file: both policies at once."""

    def setUp(self):
        files = {}
        for name, value in (("secret", SECRET), ("token", TOKEN)):
            files[name] = os.path.join(TMP, name + ".txt")
            with open(files[name], "w") as f:
                f.write(value + "\n")
        self.options = ["--enroll-user", USER, "--enroll-secret-file",
                        files["secret"], "--enroll-token-file",
                        files["token"]]
        super().setUp()

    def test_both_policies_from_files(self):
        res = "s:Body/disc:DiscoverResponse/disc:DiscoverResult/disc:"
        self.assertEqual(self.discover().find(res + "AuthPolicy").text,
                         "OnPremise")
        self.assertEqual(self.discover(("Federated",)).find(
            res + "AuthPolicy").text, "Federated")
        self.assertIsNone(self.policies(self.creds()).fault)
        self.assertIsNone(self.policies(E.user_token(TOKEN)).fault)
        self.assert_fault(self.policies(E.user_token(TOKEN + "\n")),
                          soap.AUTHENTICATION)


class NoEnrollment(EnrollTest):
    """Without --enroll-* options nothing of the above exists."""
    options = []
    default_ca = True   # i.e. no --enroll-ca-dir either

    def test_enrollment_off(self):
        ctx = C.tls_client_context(self.server_ca,
                                   os.path.join(self.pki, "client.pem"),
                                   os.path.join(self.pki, "client.key"))
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            self.discover()          # no client certificate: no TLS
        status, _, _ = C.post(self.url("Discovery"), b"<x", ctx,
                              ctype=soap.CONTENT_TYPE)
        self.assertEqual(status, 400)  # just a malformed SyncML message
        d = Device(self, DEV1)
        self.assertEqual(self.sync(d, ctx=ctx)[0], 200)
        (dev,) = self.admin.get("/api/devices")
        self.assertEqual((dev["id"], dev["enrollment_state"],
                          dev["enrolled_at"], dev["enrollment"]),
                         (DEV1, None, None, None))
        self.assertEqual(self.admin.get("/api/enrollments"), [])
        code, _ = self.admin.post("/api/devices/%s/retire" % DEV1, {})
        self.assertEqual(code, 404)
        self.assertFalse(os.path.exists(self.db + ".device-ca"))


class Options(unittest.TestCase):
    def test_bad_enrollment_options(self):
        pki = os.path.join(TMP, "pki")
        base = [sys.executable, "-B", os.path.join(HERE, "mockserver"),
                "--listen", "127.0.0.1:0",
                "--tls-cert", os.path.join(pki, "server.pem"),
                "--tls-key", os.path.join(pki, "server.key"),
                "--client-ca", os.path.join(pki, "ca.pem"),
                "--db", os.path.join(TMP, "opt.sqlite")]
        for extra in (["--enroll-user", "u"], ["--enroll-secret", "s"],
                      ["--enroll-provider-id", "X"],
                      ["--enroll-token", "t", "--enroll-provider-id", "a/b"],
                      ["--enroll-token-file", "/nonexistent"],
                      ["--enroll-ca-dir", TMP],
                      ["--enroll-token", "t", "--enroll-cert-days", "0"]):
            r = subprocess.run(base + extra, capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 2, extra)
            self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main()
