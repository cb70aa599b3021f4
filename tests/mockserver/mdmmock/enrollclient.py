# SPDX-License-Identifier: Apache-2.0
"""A scripted MS-MDE2 enrollment client for testing the mock server: the
messages a Windows device sends (MS-MDE2 section 4 examples, the capture in
enrollment.md), with a key and CSR made by the openssl CLI. Like client.py
it writes what it is told, so tests can also send it wrong."""

import base64
import os
import subprocess
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from . import client, soap

CONTEXT = (("UXInitiated", "false"), ("HWDevID", "HW-{dev}"),
           ("Locale", "en-US"), ("TargetedUserLoggedIn", "false"),
           ("OSEdition", "72"), ("DeviceName", "PC-{dev}"),
           ("MAC", "00-11-22-33-44-55"), ("DeviceID", "{dev}"),
           ("EnrollmentType", "Device"), ("DeviceType", "CIMClient_Windows"),
           ("OSVersion", "10.0.19045.2965"),
           ("ApplicationVersion", "10.0.19045.2965"), ("NotInOobe", "false"))


def openssl(*args, cwd=None):
    r = subprocess.run(("openssl",) + args, cwd=cwd, capture_output=True,
                       timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl %s: %s" % (args, r.stderr.decode()))
    return r.stdout


def make_csr(directory, bits=2048, digest="sha256", key_type="rsa"):
    """Key + PKCS#10 in directory; returns the DER of the request."""
    key = os.path.join(directory, "device.key")
    if key_type == "rsa":
        openssl("genrsa", "-out", key, str(bits))
    else:
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout",
                "-out", key)
    return openssl("req", "-new", "-key", key, "-subj", "/CN=ignored",
                   "-" + digest, "-outform", "DER")


def header(action, to, security=""):
    return ('<s:Header><a:Action s:mustUnderstand="1">%s</a:Action>'
            "<a:MessageID>urn:uuid:%s</a:MessageID><a:ReplyTo><a:Address>"
            "http://www.w3.org/2005/08/addressing/anonymous</a:Address>"
            '</a:ReplyTo><a:To s:mustUnderstand="1">%s</a:To>%s</s:Header>'
            % (action, uuid.uuid4(), escape(to), security))


def envelope(hdr, body):
    return ('<s:Envelope xmlns:s="%s" xmlns:a="%s" xmlns:u="%s" '
            'xmlns:wsse="%s" xmlns:wst="%s" xmlns:ac="%s">%s<s:Body>%s'
            "</s:Body></s:Envelope>"
            % (soap.NS_S, soap.NS_A, soap.NS_U, soap.NS_WSSE, soap.NS_WST,
               soap.NS_AC, hdr, body)).encode()


def username_token(user, secret, token_id=soap.USERNAME_TOKEN_ID,
                   pw_type=soap.PASSWORD_TEXT):
    return ('<wsse:Security s:mustUnderstand="1"><wsse:UsernameToken u:Id='
            '"%s"><wsse:Username>%s</wsse:Username><wsse:Password wsse:Type='
            '"%s">%s</wsse:Password></wsse:UsernameToken></wsse:Security>'
            % (token_id, escape(user), pw_type, escape(secret)))


def user_token(token, value_type=soap.USER_TOKEN_TYPE):
    return ('<wsse:Security s:mustUnderstand="1"><wsse:BinarySecurityToken '
            'ValueType="%s" EncodingType="%s">%s</wsse:BinarySecurityToken>'
            "</wsse:Security>" % (value_type, soap.BASE64_ENCODING,
                                  base64.b64encode(token.encode()).decode()))


def discover_body(policies=("OnPremise", "Federated"), version="5.0",
                  app_version="10.0.19045.2965", os_edition="72"):
    return ('<Discover xmlns="%s"><request xmlns:i="%s"><EmailAddress>'
            "user@example.com</EmailAddress><RequestVersion>%s"
            "</RequestVersion><DeviceType>CIMClient_Windows</DeviceType>"
            "<ApplicationVersion>%s</ApplicationVersion><OSEdition>%s"
            "</OSEdition><AuthPolicies>%s</AuthPolicies></request>"
            "</Discover>" % (soap.NS_DISCOVERY, soap.NS_XSI, version,
                             app_version, os_edition,
                             "".join("<AuthPolicy>%s</AuthPolicy>" % p
                                     for p in policies)))


def get_policies_body():
    return ('<GetPolicies xmlns="%s"><client><lastUpdate xsi:nil="true" '
            'xmlns:xsi="%s"/><preferredLanguage xsi:nil="true" xmlns:xsi='
            '"%s"/></client><requestFilter xsi:nil="true" xmlns:xsi="%s"/>'
            "</GetPolicies>" % (soap.NS_POLICY, soap.NS_XSI, soap.NS_XSI,
                                soap.NS_XSI))


def rst_body(blob, dev, request_type=soap.REQUEST_ISSUE,
             value_type=soap.PKCS10, context=CONTEXT):
    items = "".join('<ac:ContextItem Name="%s"><ac:Value>%s</ac:Value>'
                    "</ac:ContextItem>" % (k, escape(v.format(dev=dev)))
                    for k, v in context)
    return ("<wst:RequestSecurityToken><wst:TokenType>%s</wst:TokenType>"
            "<wst:RequestType>%s</wst:RequestType>"
            '<wsse:BinarySecurityToken ValueType="%s" EncodingType="%s">%s'
            "</wsse:BinarySecurityToken><ac:AdditionalContext>%s"
            "</ac:AdditionalContext></wst:RequestSecurityToken>"
            % (soap.DEVICE_TOKEN_TYPE, request_type, value_type,
               soap.BASE64_ENCODING, base64.b64encode(blob).decode(), items))


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers
        self.root = None
        if body and status in (200, 413):
            self.root = ET.fromstring(body)

    def find(self, path):
        """ElementTree path with prefixes s a wst wsse disc pol enr."""
        return self.root.find(path, NSMAP)

    @property
    def fault(self):
        """(code, subcode, reason) or None."""
        f = self.find("s:Body/s:Fault") if self.root is not None else None
        if f is None:
            return None
        return (f.findtext("s:Code/s:Value", None, NSMAP),
                f.findtext("s:Code/s:Subcode/s:Value", None, NSMAP),
                f.findtext("s:Reason/s:Text", None, NSMAP))

    def provisioning_doc(self):
        bst = self.find("s:Body/wst:RequestSecurityTokenResponseCollection/"
                        "wst:RequestSecurityTokenResponse/"
                        "wst:RequestedSecurityToken/wsse:BinarySecurityToken")
        return ET.fromstring(base64.b64decode(bst.text))


NSMAP = {"s": soap.NS_S, "a": soap.NS_A, "wst": soap.NS_WST,
         "wsse": soap.NS_WSSE, "disc": soap.NS_DISCOVERY,
         "pol": soap.NS_POLICY, "enr": soap.NS_ENROLL}


def post(url, body, ctx, ctype=soap.CONTENT_TYPE):
    status, data, headers = client.post(url, body, ctx, ctype=ctype)
    return Response(status, data, headers)


def characteristic(doc, *path):
    """The first characteristic at path (types) in a wap-provisioningdoc;
    siblings of the same type are all searched."""
    if not path:
        return doc
    for c in doc.findall("characteristic"):
        if c.get("type") == path[0]:
            found = characteristic(c, *path[1:])
            if found is not None:
                return found
    return None


def parms(el):
    return {p.get("name"): p.get("value") for p in el.findall("parm")}
