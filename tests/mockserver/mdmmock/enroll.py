# SPDX-License-Identifier: Apache-2.0
"""Enrollment service (MS-MDE2): discovery, certificate enrollment policy
(MS-XCEP) and certificate enrollment (MS-WSTEP) on the HTTPS port, and the
rule that only enrolled devices are managed.

Endpoints (paths as Windows and Microsoft's examples use them; the
discovery response names the other two, as a real server does):
  GET  /EnrollmentServer/Discovery.svc   reachability probe: 200, empty
  POST /EnrollmentServer/Discovery.svc   Discover -> DiscoverResponse
  POST /EnrollmentServer/Policy.svc      GetPolicies -> GetPoliciesResponse
  POST /EnrollmentServer/Enrollment.svc  RequestSecurityToken (Issue,
                                         Renew) -> RequestSecurityToken-
                                         ResponseCollection
  GET  /EnrollmentServer/Auth.svc        Federated STS page (token given
                                         out of band; shows how to pass it)
Errors are SOAP faults with HTTP 200 ([MS-MDE2] 2.2.10 and Fleet's
server), except a wrong Content-Type (415, text) and a body over the size
limit (413 with a fault body, connection closed).
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import ssl
import urllib.parse

from . import enrollhostile, pki, soap
from .engine import Reply
from .enrollstore import EnrollmentStore
from .store import now
from .syncml import x

PREFIX = "/EnrollmentServer/"
DISCOVERY_PATH = PREFIX + "Discovery.svc"
POLICY_PATH = PREFIX + "Policy.svc"
ENROLLMENT_PATH = PREFIX + "Enrollment.svc"
AUTH_PATH = PREFIX + "Auth.svc"
MANAGEMENT_PATH = "/ManagementServer/MDM.svc"
MAX_SOAP_BODY = 64 * 1024

UNENROLL_TYPE = "com.microsoft:mdm.unenrollment.userrequest"
LOGIN_STATUS_TYPE = "com.microsoft/MDM/LoginStatus"
# Discover RequestVersion range Fleet accepts (enrollment.md).
MIN_VERSION, MAX_VERSION = 4.0, 7.0
# AdditionalContext items required to enrol: Fleet refuses a request without
# HWDevID or OSEdition and stores DeviceID, DeviceType, DeviceName,
# EnrollmentType and ApplicationVersion (microsoft_mdm.go).
# IsValidRequestSecurityTokenMsg also needs OSVersion and an EnrollmentType
# of Device or Full.
REQUIRED_CONTEXT = ("DeviceID", "HWDevID", "OSEdition", "OSVersion",
                    "DeviceType", "DeviceName", "EnrollmentType",
                    "ApplicationVersion")
ENROLLMENT_TYPES = ("Device", "Full")
# A DeviceID becomes a certificate CN and a URL path segment.
DEVICE_ID_RE = re.compile(r"^[A-Za-z0-9{}][A-Za-z0-9._:{}@-]{0,127}$")
DOTTED_QUAD_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


class Config:
    def __init__(self, user=None, secret=None, token=None,
                 provider_id="omadm-mock", cert_days=365, renew_days=42,
                 retry_days=7):
        self.user = user
        self.secret = secret
        self.token = token
        self.provider_id = provider_id
        self.cert_days = cert_days
        self.renew_days = renew_days       # CertificateStore WSTEP/Renew
        self.retry_days = retry_days

    @property
    def policies(self):
        out = []
        if self.user is not None and self.secret is not None:
            out.append("OnPremise")
        if self.token is not None:
            out.append("Federated")
        return out


def _eq(a, b):
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class EnrollmentService:
    def __init__(self, engine, config, ca):
        self.engine = engine
        self.cfg = config
        self.ca = ca
        self.store = EnrollmentStore(engine.store.db)
        self.base_url = None               # https://host:port, set at start
        self.hostile = enrollhostile.Hostile()
        self._doc_mode = None              # hostile mode of this answer

    def log(self, fmt, *args):
        self.engine.log("enroll: " + fmt, *args)

    # --- HTTP entry ------------------------------------------------------
    @staticmethod
    def owns(path):
        # Case-insensitive, as on IIS (MS-MDE2's examples mix cases).
        return _path(path).startswith(PREFIX.lower())

    def handle(self, method, path, headers, read_body, peer_der):
        """One HTTP request under /EnrollmentServer/. read_body(limit)
        returns the body, or None when it is larger than limit."""
        p = _path(path)
        if method in ("GET", "HEAD"):
            if p == DISCOVERY_PATH.lower():
                return Reply(200, b"", "text/html; charset=utf-8")
            if p == AUTH_PATH.lower():
                return Reply(200, b"<html><body>This mock server has no"
                             b" sign-in page: the Federated token is given"
                             b" to the device (mockserver --enroll-token)."
                             b"</body></html>", "text/html; charset=utf-8")
            return Reply(404, b"not found\n", "text/plain")
        handlers = {
            DISCOVERY_PATH.lower(): ("discovery", self.discover,
                                     soap.ACTION_DISCOVER,
                                     soap.ACTION_DISCOVER_RESPONSE),
            POLICY_PATH.lower(): ("policy", self.get_policies,
                                  soap.ACTION_GET_POLICIES,
                                  soap.ACTION_GET_POLICIES_RESPONSE),
            ENROLLMENT_PATH.lower(): ("enrollment", self.request_token,
                                      soap.ACTION_RST, soap.ACTION_RSTRC)}
        if method != "POST" or p not in handlers:
            return Reply(404, b"not found\n", "text/plain")
        endpoint, handler, action, reply_action = handlers[p]
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype.lower() != "application/soap+xml":
            self.log("%s: Content-Type %r refused (415)", p, ctype)
            return Reply(415, b"expected application/soap+xml\n",
                         "text/plain")
        body = read_body(MAX_SOAP_BODY)
        if body is None:
            self.log("%s: body over %d bytes refused", p, MAX_SOAP_BODY)
            r = Reply(413, soap.fault_envelope(reply_action, None, soap.Fault(
                soap.MESSAGE_FORMAT, "request larger than %d bytes"
                % MAX_SOAP_BODY, "s:Sender")), soap.CONTENT_TYPE)
            r.close = True
            return r
        with self.engine.lock:
            hostile = self.hostile.take(endpoint)
        if hostile is not None:
            self.log("%s: test hook %s", p, hostile["mode"])
            if hostile["mode"] == "http-500":
                return Reply(500, b"internal error (test hook)\n",
                             "text/plain")
            if hostile["mode"] == "malformed":
                return Reply(200, soap.envelope(reply_action, None, "")[:90],
                             soap.CONTENT_TYPE)
        req = None
        try:
            req = soap.Request(soap.parse(body))
            if req.action != action:
                raise soap.Fault(soap.MESSAGE_FORMAT, "a:Action is %r,"
                                 " expected %s" % (req.action, action),
                                 "s:Sender")
            # Fleet's isValidHeader: MessageID, Action, ReplyTo, To.
            if not (req.message_id and req.reply_to and req.to):
                raise soap.Fault(soap.MESSAGE_FORMAT, "a:MessageID,"
                                 " a:ReplyTo/a:Address and a:To are required",
                                 "s:Sender")
            if hostile is not None and hostile["mode"] == "fault":
                raise soap.Fault(hostile["subcode"], hostile["text"])
            with self.engine.lock:
                self._doc_mode = hostile["mode"] if hostile else None
                try:
                    out = handler(req, peer_der)
                finally:
                    self._doc_mode = None
            env = soap.envelope(reply_action, req.message_id, out,
                                security=(reply_action == soap.ACTION_RSTRC))
            if hostile is not None and hostile["mode"] == "huge":
                env = enrollhostile.pad(env, hostile["size"])
            return Reply(200, env, soap.CONTENT_TYPE)
        except soap.Fault as f:
            fault = f
        except Exception as e:  # a bug here must still answer, as a fault
            fault = soap.Fault(soap.INTERNAL_SERVICE_FAULT,
                               "internal error: %s" % type(e).__name__)
        self.log("%s: fault %s %s: %s", p, fault.code, fault.subcode,
                 fault.text)
        return Reply(200, soap.fault_envelope(
            reply_action, req.message_id if req else None, fault),
            soap.CONTENT_TYPE)

    # --- Discovery [MS-MDE2] 3.1 ----------------------------------------
    def discover(self, req, _peer):
        d = req.payload(soap.NS_DISCOVERY, "Discover")
        r = d.find(soap.q(soap.NS_DISCOVERY, "request"))
        if r is None:
            raise soap.Fault(soap.MESSAGE_FORMAT, "Discover has no request",
                             "s:Sender")

        def field(name):
            return soap.text(r.find(soap.q(soap.NS_DISCOVERY, name)))
        version = field("RequestVersion")
        try:
            v = float(version or "")
        except ValueError:
            v = 0.0
        if not MIN_VERSION <= v <= MAX_VERSION:
            raise soap.Fault(soap.MESSAGE_FORMAT, "RequestVersion %r not"
                             " supported (4.0 to 7.0)" % version, "s:Sender")
        if field("EmailAddress") is None or not field("DeviceType"):
            raise soap.Fault(soap.MESSAGE_FORMAT, "EmailAddress or"
                             " DeviceType missing", "s:Sender")
        if not DOTTED_QUAD_RE.match(field("ApplicationVersion") or ""):
            raise soap.Fault(soap.MESSAGE_FORMAT, "ApplicationVersion is not"
                             " a dotted quad", "s:Sender")
        if not (field("OSEdition") or "").isdigit():
            raise soap.Fault(soap.MESSAGE_FORMAT, "OSEdition is not an"
                             " unsigned integer", "s:Sender")
        asked = [soap.text(a) for a in r.iter(
            soap.q(soap.NS_DISCOVERY, "AuthPolicy"))]
        policy = next((p for p in self.cfg.policies if p in asked), None)
        if policy is None:
            raise soap.Fault(soap.AUTHORIZATION, "no common AuthPolicy: the"
                             " device offers %s, the server has %s"
                             % (", ".join(a or "?" for a in asked) or "none",
                                ", ".join(self.cfg.policies)))
        base = self.base_url
        out = [soap.el("AuthPolicy", policy),
               soap.el("EnrollmentVersion", "4.0"),
               soap.el("EnrollmentPolicyServiceUrl", base + POLICY_PATH),
               soap.el("EnrollmentServiceUrl", base + ENROLLMENT_PATH)]
        if policy == "Federated":
            out.append(soap.el("AuthenticationServiceUrl", base + AUTH_PATH))
        self.log("Discover (RequestVersion %s) -> %s", version, policy)
        return ('<DiscoverResponse xmlns="%s"><DiscoverResult>%s'
                "</DiscoverResult></DiscoverResponse>"
                % (soap.NS_DISCOVERY, "".join(out)))

    # --- WS-Security credentials [MS-MDE2] 3.3, 3.4 ------------------------
    def authenticate(self, req, required=True):
        """Checks the wsse:Security credential; returns (auth kind, user)
        or (None, None) when there is none and required is False."""
        sec = req.security
        ut = None if sec is None else sec.find(
            soap.q(soap.NS_WSSE, "UsernameToken"))
        bst = None if sec is None else sec.find(
            soap.q(soap.NS_WSSE, "BinarySecurityToken"))
        if ut is None and bst is None:
            if not required:
                return None, None
            raise soap.Fault(soap.INVALID_SECURITY, "wsse:Security with a"
                             " UsernameToken or BinarySecurityToken is"
                             " required", "s:Sender")
        if ut is not None:
            if soap.attr(ut, "Id", soap.NS_U) != soap.USERNAME_TOKEN_ID:
                raise soap.Fault(soap.INVALID_SECURITY, "UsernameToken u:Id"
                                 " must be %s" % soap.USERNAME_TOKEN_ID,
                                 "s:Sender")
            user = soap.text(ut.find(soap.q(soap.NS_WSSE, "Username")))
            pw_el = ut.find(soap.q(soap.NS_WSSE, "Password"))
            if pw_el is None or soap.attr(pw_el, "Type", soap.NS_WSSE) != \
                    soap.PASSWORD_TEXT:
                raise soap.Fault(soap.INVALID_SECURITY, "wsse:Password with"
                                 " Type PasswordText is required", "s:Sender")
            pw = (pw_el.text or "").strip()
            if "OnPremise" not in self.cfg.policies:
                raise soap.Fault(soap.AUTHENTICATION, "OnPremise"
                                 " authentication is not enabled")
            ok = _eq(user or "", self.cfg.user) & _eq(pw, self.cfg.secret)
            if not ok:
                raise soap.Fault(soap.AUTHENTICATION, "user name or password"
                                 " not recognised")
            return "OnPremise", user
        if soap.attr(bst, "ValueType") != soap.USER_TOKEN_TYPE or \
                soap.attr(bst, "EncodingType") != soap.BASE64_ENCODING:
            raise soap.Fault(soap.INVALID_SECURITY, "BinarySecurityToken"
                             " needs ValueType DeviceEnrollmentUserToken and"
                             " EncodingType base64binary", "s:Sender")
        try:
            token = base64.b64decode("".join((bst.text or "").split()),
                                     validate=True)
        except (binascii.Error, ValueError):
            raise soap.Fault(soap.INVALID_SECURITY, "BinarySecurityToken is"
                             " not base64", "s:Sender") from None
        if "Federated" not in self.cfg.policies:
            raise soap.Fault(soap.AUTHENTICATION, "Federated authentication"
                             " is not enabled")
        if not hmac.compare_digest(token, self.cfg.token.encode("utf-8")):
            raise soap.Fault(soap.AUTHENTICATION, "security token not"
                             " recognised")
        return "Federated", None

    # --- GetPolicies [MS-MDE2] 3.3, [MS-XCEP] 3.1.4.1 --------------------
    def get_policies(self, req, _peer):
        self.authenticate(req)
        req.payload(soap.NS_POLICY, "GetPolicies")
        nil = soap.nil
        validity = self.cfg.cert_days * 86400
        renewal = self.cfg.renew_days * 86400
        attrs = "".join([
            soap.el("commonName", "omadm-mock device"),
            soap.el("policySchema", 3),
            "<certificateValidity>%s%s</certificateValidity>" % (
                soap.el("validityPeriodSeconds", validity),
                soap.el("renewalPeriodSeconds", renewal)),
            "<permission><enroll>true</enroll><autoEnroll>false</autoEnroll>"
            "</permission>",
            "<privateKeyAttributes>%s%s%s%s%s%s</privateKeyAttributes>" % (
                soap.el("minimalKeyLength", 2048), nil("keySpec"),
                nil("keyUsageProperty"), nil("permissions"),
                soap.el("algorithmOIDReference", 1), nil("cryptoProviders")),
            "<revision><majorRevision>101</majorRevision><minorRevision>0"
            "</minorRevision></revision>",
            nil("supersededPolicies"), nil("privateKeyFlags"),
            nil("subjectNameFlags"), nil("enrollmentFlags"),
            nil("generalFlags"), soap.el("hashAlgorithmOIDReference", 0),
            nil("rARequirements"), nil("keyArchivalAttributes"),
            nil("extensions")])
        # [MS-XCEP] 3.1.4.1.3.16: group 1 = hash, 3 = public key algorithm.
        oids = ("<oIDs><oID><value>2.16.840.1.101.3.4.2.1</value><group>1"
                "</group><oIDReferenceID>0</oIDReferenceID><defaultName>"
                "szOID_NIST_sha256</defaultName></oID><oID><value>"
                "1.2.840.113549.1.1.1</value><group>3</group><oIDReferenceID>"
                "1</oIDReferenceID><defaultName>szOID_RSA_RSA</defaultName>"
                "</oID></oIDs>")
        self.log("GetPolicies -> RSA >= 2048, SHA-256")
        return ('<GetPoliciesResponse xmlns="%s"><response>'
                "<policyID/>%s%s%s<policies><policy>"
                "<policyOIDReference>0</policyOIDReference>%s"
                "<attributes>%s</attributes></policy></policies></response>"
                "%s%s</GetPoliciesResponse>"
                % (soap.NS_POLICY, nil("policyFriendlyName"),
                   nil("nextUpdateHours"), nil("policiesNotChanged"),
                   nil("cAs"), attrs, nil("cAs"), oids))

    # --- RequestSecurityToken [MS-MDE2] 3.4, 3.5; [MS-WSTEP] 3.1.4 -------
    def request_token(self, req, peer_der):
        rst = req.payload(soap.NS_WST, "RequestSecurityToken")
        token_type = soap.text(rst.find(soap.q(soap.NS_WST, "TokenType")))
        rtype = soap.text(rst.find(soap.q(soap.NS_WST, "RequestType")))
        if token_type != soap.DEVICE_TOKEN_TYPE:
            raise soap.Fault(soap.MESSAGE_FORMAT, "TokenType must be"
                             " DeviceEnrollmentToken", "s:Sender")
        if rtype not in (soap.REQUEST_ISSUE, soap.REQUEST_RENEW):
            raise soap.Fault(soap.MESSAGE_FORMAT, "RequestType must be Issue"
                             " or Renew", "s:Sender")
        bst = rst.find(soap.q(soap.NS_WSSE, "BinarySecurityToken"))
        if bst is None or soap.attr(bst, "EncodingType") != \
                soap.BASE64_ENCODING:
            raise soap.Fault(soap.MESSAGE_FORMAT, "BinarySecurityToken with"
                             " EncodingType base64binary required",
                             "s:Sender")
        try:
            blob = base64.b64decode("".join((bst.text or "").split()),
                                    validate=True)
        except (binascii.Error, ValueError):
            raise soap.Fault(soap.MESSAGE_FORMAT, "BinarySecurityToken is not"
                             " base64", "s:Sender") from None
        ctx = {}
        ac = rst.find(soap.q(soap.NS_AC, "AdditionalContext"))
        for item in ([] if ac is None else ac.findall(
                soap.q(soap.NS_AC, "ContextItem"))):
            name = item.get("Name")
            if name:
                ctx[name] = soap.text(item.find(soap.q(soap.NS_AC,
                                                       "Value"))) or ""
        value_type = soap.attr(bst, "ValueType")
        if rtype == soap.REQUEST_ISSUE:
            return self._issue(req, ctx, value_type, blob)
        return self._renew(req, ctx, value_type, blob, peer_der)

    def _issue(self, req, ctx, value_type, blob):
        auth, user = self.authenticate(req)
        if value_type != soap.PKCS10:
            raise soap.Fault(soap.MESSAGE_FORMAT, "Issue needs a PKCS#10"
                             " BinarySecurityToken", "s:Sender")
        missing = [k for k in REQUIRED_CONTEXT if not ctx.get(k)]
        if missing:
            raise soap.Fault(soap.MESSAGE_FORMAT, "AdditionalContext lacks"
                             " %s" % ", ".join(missing), "s:Sender")
        if ctx["EnrollmentType"] not in ENROLLMENT_TYPES:
            raise soap.Fault(soap.MESSAGE_FORMAT, "EnrollmentType must be"
                             " Device or Full", "s:Sender")
        dev = ctx["DeviceID"]
        if not DEVICE_ID_RE.match(dev):
            raise soap.Fault(soap.MESSAGE_FORMAT, "DeviceID %r is not"
                             " accepted" % dev[:64], "s:Sender")
        issued = self._sign(blob, dev)
        old = self.store.get(dev)
        st = self.engine.store
        if old is not None and old["unenroll_cmd"]:
            # A fresh enrollment must not receive the old one's Unenroll.
            row = st.find_command(dev, old["unenroll_cmd"], "Exec")
            if row is not None and row["state"] != "answered":
                st.mark_answered(row["id"], "cancelled")
        self.store.enroll(dev, auth, user, ctx["EnrollmentType"], ctx,
                          issued)
        if self.engine.dmauth is not None:
            self.engine.dmauth.provision(dev)
        st.ensure_device(dev)
        st.set_device_info(dev, {}, ctx.get("DeviceName") or None)
        self.log("device %s enrolled (%s), certificate serial %s until %s",
                 dev, auth, issued.serial, pki.iso(issued.not_after))
        return self._response(dev, ctx["EnrollmentType"], issued)

    def _renew(self, req, ctx, value_type, blob, peer_der):
        # [MS-MDE] 3.5: the client authenticates with its current
        # certificate in TLS. MS-MDE2 3.5 adds header credentials for
        # OnPremise: checked when present.
        self.authenticate(req, required=False)
        if peer_der is None:
            raise soap.Fault(soap.AUTHENTICATION, "Renew needs the current"
                             " client certificate in TLS")
        owner = self.store.cert_owner(hashlib.sha256(peer_der).hexdigest())
        if owner is None:
            raise soap.Fault(soap.AUTHENTICATION, "the client certificate"
                             " was not issued by this enrollment service")
        dev = owner[0]
        # Fleet checks these on every RST, Renew included.
        for item in ("DeviceID", "HWDevID", "OSEdition", "OSVersion"):
            if not ctx.get(item):
                raise soap.Fault(soap.MESSAGE_FORMAT, "the renewal request"
                                 " has no %s context item" % item, "s:Sender")
        if ctx.get("DeviceID") and ctx["DeviceID"] != dev:
            raise soap.Fault(soap.AUTHORIZATION, "DeviceID does not match"
                             " the client certificate")
        rec = self.store.get(dev)
        if rec is None or rec["state"] != "enrolled":
            raise soap.Fault(soap.AUTHORIZATION, "device %s is not enrolled"
                             % dev)
        if value_type == soap.PKCS7:
            try:
                blob, signer = self.ca.csr_from_pkcs7(blob)
            except pki.CSRError as e:
                raise soap.Fault(soap.CERTIFICATE_REQUEST, str(e)) from None
            if not _same_cert(signer, peer_der):
                raise soap.Fault(soap.CERTIFICATE_REQUEST, "the renewal"
                                 " request is not signed with the current"
                                 " certificate")
        elif value_type != soap.PKCS10:
            raise soap.Fault(soap.MESSAGE_FORMAT, "Renew needs a PKCS#7 or"
                             " PKCS#10 BinarySecurityToken", "s:Sender")
        issued = self._sign(blob, dev)
        self.store.renew(dev, issued)
        self.log("device %s renewed its certificate: serial %s until %s",
                 dev, issued.serial, pki.iso(issued.not_after))
        return self._response(dev, rec["enrollment_type"], issued)

    def _sign(self, blob, dev):
        try:
            self.ca.check_csr(blob)
            return self.ca.sign(blob, dev, self.cfg.cert_days)
        except pki.CSRError as e:
            raise soap.Fault(soap.CERTIFICATE_REQUEST, str(e)) from None

    def _response(self, dev, enrollment_type, issued):
        mode = self._doc_mode
        if mode == "wrong-cert":
            issued = self.ca.sign_fresh_key(dev, self.cfg.cert_days)
        doc = self.provisioning_doc(dev, enrollment_type, issued)
        if mode == "xxe":
            doc = enrollhostile.xxe_doc(doc)
        elif mode == "no-addr":
            doc = enrollhostile.no_addr_doc(doc)
        b64 = base64.b64encode(doc.encode("utf-8")).decode()
        if mode == "not-base64":
            b64 = "!!" + b64[2:]
        return ('<RequestSecurityTokenResponseCollection xmlns="%s">'
                "<RequestSecurityTokenResponse><TokenType>%s</TokenType>"
                '<DispositionMessage xmlns="%s"></DispositionMessage>'
                "<RequestedSecurityToken><BinarySecurityToken%s"
                ' xmlns="%s">%s</BinarySecurityToken></RequestedSecurityToken>'
                '<RequestID xmlns="%s">0</RequestID>'
                "</RequestSecurityTokenResponse>"
                "</RequestSecurityTokenResponseCollection>"
                % (soap.NS_WST, soap.DEVICE_TOKEN_TYPE, soap.NS_ENROLL,
                   soap.attrs(ValueType=soap.PROVISION_DOC_TYPE,
                              EncodingType=soap.BASE64_ENCODING),
                   soap.NS_WSSE, b64, soap.NS_ENROLL))

    def provisioning_doc(self, dev, enrollment_type, issued):
        """[MS-MDE2] 3.6 wap-provisioningdoc: CertificateStore (root CA,
        client certificate, WSTEP renewal), w7 APPLICATION, DMClient."""
        pid = self.cfg.provider_id
        store = "System" if enrollment_type == "Device" else "User"

        def parm(name, value=None, datatype=None):
            a = {"name": name}
            if value is not None:
                a["value"] = value
            if datatype:
                a["datatype"] = datatype
            return "<parm%s/>" % soap.attrs(**a)

        def char(kind, *inner):
            return '<characteristic type="%s">%s</characteristic>' % (
                x(kind), "".join(inner))
        root = char("Root", char("System", char(
            self.ca.ca.thumbprint,
            parm("EncodedCertificate", self.ca.ca.b64))))
        my = char(
            "My",
            char(store, char(issued.thumbprint,
                             parm("EncodedCertificate", issued.b64)),
                 char("PrivateKeyContainer")),
            char("WSTEP", char(
                "Renew",
                parm("ROBOSupport", "true", "boolean"),
                parm("RenewPeriod", str(self.cfg.renew_days), "integer"),
                parm("RetryInterval", str(self.cfg.retry_days), "integer"))))
        certs = char("CertificateStore", root, my)
        search = "Subject=%s&Stores=%s" % (
            urllib.parse.quote("CN=" + dev, safe=""),
            urllib.parse.quote("My\\" + store, safe=""))
        # APPAUTH (w7 APPLICATION CSP): APPSRV = how the client authenticates
        # to the server (DMAcc AppAuth CLCRED), CLIENT = how the server
        # authenticates to the client (SRVCRED). Fresh secrets per device;
        # with --dm-auth the server keeps the device's to check them.
        creds = (self.engine.dmauth.current(dev)
                 if self.engine.dmauth is not None else None)
        creds = creds or (dev, secrets.token_hex(16))
        app = char(
            "APPLICATION",
            parm("APPID", "w7"), parm("PROVIDER-ID", pid),
            parm("NAME", "omadm-agent mock MDM"),
            parm("ADDR", self.base_url + MANAGEMENT_PATH),
            parm("CONNRETRYFREQ", "6"), parm("INITIALBACKOFFTIME", "30000"),
            parm("MAXBACKOFFTIME", "120000"), parm("BACKCOMPATRETRYDISABLED"),
            parm("DEFAULTENCODING", "application/vnd.syncml.dm+xml"),
            parm("SSLCLIENTCERTSEARCHCRITERIA", search),
            char("APPAUTH", parm("AAUTHLEVEL", "CLIENT"),
                 parm("AAUTHTYPE", "DIGEST"),
                 parm("AAUTHNAME", pid),
                 parm("AAUTHSECRET", secrets.token_hex(16)),
                 parm("AAUTHDATA", base64.b64encode(
                     secrets.token_bytes(16)).decode())),
            char("APPAUTH", parm("AAUTHLEVEL", "APPSRV"),
                 parm("AAUTHTYPE", "DIGEST"),
                 parm("AAUTHNAME", creds[0]),
                 parm("AAUTHSECRET", creds[1]),
                 parm("AAUTHDATA", base64.b64encode(
                     secrets.token_bytes(16)).decode())))
        # Poll: a 1-minute first interval repeated forever
        # (NumberOfFirstRetries 0), as Fleet sets at enrollment.
        poll = char("Poll", *[parm(k, v, "integer") for k, v in (
            ("NumberOfFirstRetries", "0"),
            ("IntervalForFirstSetOfRetries", "1"),
            ("NumberOfSecondRetries", "0"),
            ("IntervalForSecondSetOfRetries", "0"),
            ("NumberOfRemainingScheduledRetries", "0"),
            ("IntervalForRemainingScheduledRetries", "0"))],
            parm("PollOnLogin", "true", "boolean"),
            parm("AllUsersPollOnFirstLogin", "true", "boolean"))
        dmc = char("DMClient", char("Provider", char(
            pid, parm("EntDMID", dev), poll)))
        return '<wap-provisioningdoc version="1.1">%s</wap-provisioningdoc>' \
            % (certs + app + dmc)

    # --- management: only enrolled devices --------------------------------
    def check_syncml(self, source, peer_der):
        """None when the device may be managed, else why not. Like Fleet's
        isTrustedRequest: Source/LocURI must be an enrolled device, and the
        TLS client certificate must be one issued to it (here: exactly, by
        fingerprint; Fleet checks the CN contains the device id)."""
        rec = self.store.get(source) if source else None
        if rec is None or rec["state"] == "unenrolled":
            return "device was not MDM enrolled"
        if peer_der is None:
            return "no client certificate"
        sha = hashlib.sha256(peer_der).hexdigest()
        owner = self.store.cert_owner(sha)
        if owner is None:
            if self.store.cert_owner(sha, revoked=True):
                return "client certificate of an earlier enrollment"
            return "client certificate not issued by the device CA"
        if owner[0] != source:
            return "client certificate issued to another device"
        self.store.note_session_cert(source, sha)
        return None

    def refuse_syncml(self, msg_id, why):
        """Fleet's answer to an untrusted management request
        (mdmMicrosoftManagementEndpoint): HTTP 200, SOAP fault s:Receiver /
        MessageFormat, RelatesTo = the SyncML MsgID."""
        return Reply(200, soap.fault_envelope(
            soap.NS_DIAG, msg_id or "invalid_message_id", soap.Fault(
                soap.MESSAGE_FORMAT, "management request is not trusted: "
                + why)), soap.CONTENT_TYPE)

    def after_syncml(self, dev, msg):
        """Enrollment events in a message the engine accepted."""
        rec = self.store.get(dev)
        if rec is None:
            return
        for c in msg.all_commands():
            if c.name == "Alert" and c.data in ("1224", "1226"):
                for it in c.items:
                    if c.data == "1224" and it.meta_type == LOGIN_STATUS_TYPE:
                        self.store.set_login_status(dev, it.data)
                    elif c.data == "1226" and it.meta_type == UNENROLL_TYPE:
                        self._unenrolled(dev, "user-request")
            elif (c.name == "Status" and rec["unenroll_cmd"]
                  and c.cmd_ref == rec["unenroll_cmd"] and c.cmd == "Exec"
                  and (c.data or "").startswith("2")):
                self._unenrolled(dev, "server")

    def _unenrolled(self, dev, reason):
        self.store.set_state(dev, "unenrolled", unenrolled_at=now(),
                             unenroll_reason=reason)
        self.log("device %s unenrolled (%s)", dev, reason)

    def retire(self, dev):
        """Admin: queue DMClient Unenroll (Exec, DMClient CSP) and mark the
        device retired. None if the device never enrolled."""
        rec = self.store.get(dev)
        if rec is None:
            return None
        if rec["state"] == "unenrolled":
            return rec
        pid = x(self.cfg.provider_id)
        xml = ("<Exec><Item><Target><LocURI>./Vendor/MSFT/DMClient/Provider/"
               "%s/Unenroll</LocURI></Target><Meta><Format xmlns=\"syncml:"
               "metinf\">chr</Format></Meta><Data>%s</Data></Item></Exec>"
               % (pid, pid))
        cmd = self.engine.queue_raw(dev, xml)
        self.store.set_state(dev, "retired", unenroll_cmd=cmd["cmd_id"])
        self.log("device %s retired: Unenroll queued as Exec %s", dev,
                 cmd["cmd_id"])
        return self.store.get(dev)

    def annotate(self, devices):
        """Add enrollment_state, enrolled_at and enrollment to API device
        records (null when the device never enrolled)."""
        recs = {r["device"]: r for r in self.store.all()}
        for d in devices:
            r = recs.get(d["id"])
            d["enrollment_state"] = r["state"] if r else None
            d["enrolled_at"] = r["enrolled_at"] if r else None
            d["enrollment"] = r
        return devices


def _path(url):
    return urllib.parse.urlsplit(url).path.lower()


def _same_cert(pem_bundle, der):
    """The first certificate of a PEM bundle is the DER one."""
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                  pem_bundle, re.S)
    return m is not None and ssl.PEM_cert_to_DER_cert(m.group(0)) == der
