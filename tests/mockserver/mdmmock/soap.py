# SPDX-License-Identifier: Apache-2.0
"""SOAP 1.2 plumbing of the enrollment endpoints (MS-MDE2): a bounded,
DTD-free reader and the envelope and fault writers.

Reading matches elements by namespace and local name; attributes may come
qualified or not (Microsoft's own examples write `wsse:Type=` on
wsse:Password where WS-Security defines an unqualified `Type`).
"""

import datetime
import re
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

CONTENT_TYPE = "application/soap+xml; charset=utf-8"

NS_S = "http://www.w3.org/2003/05/soap-envelope"
NS_A = "http://www.w3.org/2005/08/addressing"
NS_U = ("http://docs.oasis-open.org/wss/2004/01/"
        "oasis-200401-wss-wssecurity-utility-1.0.xsd")
NS_WSSE = ("http://docs.oasis-open.org/wss/2004/01/"
           "oasis-200401-wss-wssecurity-secext-1.0.xsd")
NS_WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
NS_AC = "http://schemas.xmlsoap.org/ws/2006/12/authorization"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_XSD = "http://www.w3.org/2001/XMLSchema"
NS_DISCOVERY = ("http://schemas.microsoft.com/windows/management/2012/01/"
                "enrollment")
NS_POLICY = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy"
NS_ENROLL = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment"
NS_DIAG = "http://schemas.microsoft.com/2004/09/ServiceModel/Diagnostics"

# WS-Addressing actions [MS-MDE2] 3.1.4.1, 3.3.4.1, 3.4.4.1.
ACTION_DISCOVER = NS_DISCOVERY + "/IDiscoveryService/Discover"
ACTION_DISCOVER_RESPONSE = ACTION_DISCOVER + "Response"
ACTION_GET_POLICIES = NS_POLICY + "/IPolicy/GetPolicies"
ACTION_GET_POLICIES_RESPONSE = ACTION_GET_POLICIES + "Response"
ACTION_RST = NS_ENROLL + "/RST/wstep"
ACTION_RSTRC = NS_ENROLL + "/RSTRC/wstep"

# Token and value types [MS-MDE2] 3.4.4.1.1.1.x, 3.4.4.1.1.3.
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")
USERNAME_TOKEN_ID = "uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4"
USER_TOKEN_TYPE = ("http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/"
                   "Enrollment/DeviceEnrollmentUserToken")
BASE64_ENCODING = NS_WSSE + "#base64binary"
DEVICE_TOKEN_TYPE = ("http://schemas.microsoft.com/5.0.0.0/"
                     "ConfigurationManager/Enrollment/DeviceEnrollmentToken")
PROVISION_DOC_TYPE = ("http://schemas.microsoft.com/5.0.0.0/"
                      "ConfigurationManager/Enrollment/"
                      "DeviceEnrollmentProvisionDoc")
PKCS10 = NS_ENROLL + "#PKCS10"
PKCS7 = NS_ENROLL + "#PKCS7"
REQUEST_ISSUE = NS_WST + "/Issue"
REQUEST_RENEW = NS_WST + "/Renew"

# Fault subcodes, [MS-MDE2] 2.2.10 (the table's spelling).
MESSAGE_FORMAT = "s:MessageFormat"
AUTHENTICATION = "s:Authentication"
AUTHORIZATION = "s:Authorization"
CERTIFICATE_REQUEST = "s:CertificateRequest"
ENROLLMENT_SERVER = "s:EnrollmentServer"
INTERNAL_SERVICE_FAULT = "s:InternalServiceFault"
INVALID_SECURITY = "a:InvalidSecurity"

# Limits on what a client may send (untrusted input).
MAX_DEPTH = 24
MAX_ELEMENTS = 2000

_DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECL_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")


class Fault(Exception):
    """A SOAP fault to answer with: subcode from the MS-MDE2 table, reason
    text for the client. code is s:Sender for a message the client got
    wrong in form, s:Receiver otherwise (MS-MDE2 2.2.10's example)."""

    def __init__(self, subcode, text, code="s:Receiver"):
        super().__init__(text)
        self.subcode = subcode
        self.text = text
        self.code = code


def q(ns, name):
    return "{%s}%s" % (ns, name)


def parse(body):
    """Parse a SOAP envelope; Fault(MessageFormat) when it is not one we can
    read: not XML, a DTD or entity, too deep or too many elements, not an
    s:Envelope with s:Header and s:Body."""
    # UTF-8 only: a DTD in another encoding (UTF-16, or any codec an XML
    # declaration names) would slip past the byte check below.
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise Fault(MESSAGE_FORMAT, "the message is not UTF-8",
                    "s:Sender") from None
    decl = _DECL_RE.match(body)
    if b"\x00" in body or (decl and decl.group(1).lower() not in (
            b"utf-8", b"us-ascii")):
        raise Fault(MESSAGE_FORMAT, "the message is not UTF-8", "s:Sender")
    if _DTD_RE.search(body):
        raise Fault(MESSAGE_FORMAT, "DTDs and entities are not accepted",
                    "s:Sender")
    parser = ET.XMLPullParser(events=("start", "end"))
    depth = count = 0
    root = None
    try:
        parser.feed(body)
        parser.close()
        for event, elem in parser.read_events():
            if event == "start":
                depth += 1
                count += 1
                if root is None:
                    root = elem
                if depth > MAX_DEPTH or count > MAX_ELEMENTS:
                    raise Fault(MESSAGE_FORMAT, "message too deep or too"
                                " large", "s:Sender")
            else:
                depth -= 1
    except ET.ParseError as e:
        raise Fault(MESSAGE_FORMAT, "not well-formed XML: %s" % e,
                    "s:Sender") from None
    if root is None or root.tag != q(NS_S, "Envelope"):
        raise Fault(MESSAGE_FORMAT, "root element is not a SOAP 1.2"
                    " Envelope", "s:Sender")
    if root.find(q(NS_S, "Header")) is None or root.find(
            q(NS_S, "Body")) is None:
        raise Fault(MESSAGE_FORMAT, "SOAP Header or Body missing", "s:Sender")
    return root


def text(elem):
    return None if elem is None else (elem.text or "").strip()


def attr(elem, name, ns=None):
    """Attribute by local name, unqualified first, then qualified in ns."""
    if elem is None:
        return None
    v = elem.get(name)
    if v is None and ns is not None:
        v = elem.get(q(ns, name))
    return v


class Request:
    """The parts of an incoming envelope the endpoints look at."""

    def __init__(self, root):
        self.root = root
        self.header = root.find(q(NS_S, "Header"))
        self.body = root.find(q(NS_S, "Body"))
        self.action = text(self.header.find(q(NS_A, "Action")))
        self.message_id = text(self.header.find(q(NS_A, "MessageID")))
        self.security = self.header.find(q(NS_WSSE, "Security"))
        self.reply_to = text(self.header.find(
            "%s/%s" % (q(NS_A, "ReplyTo"), q(NS_A, "Address"))))
        self.to = text(self.header.find(q(NS_A, "To")))

    def payload(self, ns, name):
        """The Body's only child, {ns}name, else Fault(MessageFormat)
        (Fleet's isValidBody: exactly one message)."""
        kids = [c for c in self.body if isinstance(c.tag, str)]
        if len(kids) != 1 or kids[0].tag != q(ns, name):
            raise Fault(MESSAGE_FORMAT, "Body must hold one %s" % name,
                        "s:Sender")
        return kids[0]


def utc(minutes=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def envelope(action, relates_to, body, security=False, activity=False):
    """A response envelope (text). body is the Body's inner XML."""
    hdr = ['<a:Action s:mustUnderstand="1">%s</a:Action>' % escape(action)]
    if activity:
        aid = str(uuid.uuid4())
        hdr.append('<ActivityId CorrelationId="%s" xmlns="%s">%s</ActivityId>'
                   % (aid, NS_DIAG, aid))
    hdr.append("<a:RelatesTo>%s</a:RelatesTo>"
               % escape(relates_to or "urn:uuid:" + str(uuid.uuid4())))
    if security:
        hdr.append('<o:Security s:mustUnderstand="1" xmlns:o="%s">'
                   '<u:Timestamp u:Id="_0"><u:Created>%s</u:Created>'
                   '<u:Expires>%s</u:Expires></u:Timestamp></o:Security>'
                   % (NS_WSSE, utc(-5), utc(5)))
    return ('<s:Envelope xmlns:s="%s" xmlns:a="%s" xmlns:u="%s"><s:Header>%s'
            '</s:Header><s:Body xmlns:xsi="%s" xmlns:xsd="%s">%s</s:Body>'
            "</s:Envelope>" % (NS_S, NS_A, NS_U, "".join(hdr), NS_XSI,
                               NS_XSD, body)).encode()


def fault_envelope(action, relates_to, fault):
    """[MS-MDE2] 2.2.10: s:Fault with Code/Value, Code/Subcode/Value and
    Reason/Text (xml:lang en-us)."""
    body = ("<s:Fault><s:Code><s:Value>%s</s:Value><s:Subcode><s:Value>%s"
            "</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="
            '"en-us">%s</s:Text></s:Reason></s:Fault>'
            % (escape(fault.code), escape(fault.subcode), escape(fault.text)))
    return envelope(action, relates_to, body, activity=True)


def nil(name):
    return "<%s xsi:nil=\"true\"/>" % name


def el(name, value):
    return "<%s>%s</%s>" % (name, escape(str(value)), name)


def attrs(**kw):
    return "".join(" %s=%s" % (k.replace("_", "-"), quoteattr(str(v)))
                   for k, v in kw.items())
