# SPDX-License-Identifier: Apache-2.0
"""Test hook: make the enrollment service misbehave on purpose, so a
client's error handling can be tested against the real server (admin API
POST /api/enrollment/hostile).

A setting applies to the next `count` answers of one endpoint (discovery,
policy or enrollment), then clears itself. Modes:
  fault       a SOAP fault; `subcode` (default s:CertificateRequest) and
              `text` choose it
  http-500    HTTP 500, text body
  malformed   a truncated envelope
  huge        the answer padded to `size` bytes (default 4 MiB)
  not-base64  (enrollment) the provisioning document is not base64
  xxe         (enrollment) the document has a DOCTYPE with an external
              entity used in ADDR
  no-addr     (enrollment) the document has no ADDR
  wrong-cert  (enrollment) the client certificate is for another key
"""

MODES = ("fault", "http-500", "malformed", "huge", "not-base64", "xxe",
         "no-addr", "wrong-cert")
DOC_MODES = ("not-base64", "xxe", "no-addr", "wrong-cert")
ENDPOINTS = ("discovery", "policy", "enrollment")
MAX_SIZE = 64 * 1024 * 1024


class Hostile:
    def __init__(self):
        self.settings = {}          # endpoint -> dict

    def set(self, req):
        """Validate and store one setting; returns all settings."""
        if not isinstance(req, dict):
            raise ValueError("expected a JSON object")
        endpoint = req.get("endpoint", "enrollment")
        if endpoint not in ENDPOINTS:
            raise ValueError("endpoint: one of %s" % ", ".join(ENDPOINTS))
        mode = req.get("mode")
        if mode is None:
            self.settings.pop(endpoint, None)
            return self.get()
        if mode not in MODES:
            raise ValueError("mode: one of %s, or null" % ", ".join(MODES))
        if mode in DOC_MODES and endpoint != "enrollment":
            raise ValueError("mode %s applies to the enrollment endpoint"
                             % mode)
        count = req.get("count", 1)
        size = req.get("size", 4 * 1024 * 1024)
        if not isinstance(count, int) or count < 1:
            raise ValueError("count: an integer >= 1")
        if not isinstance(size, int) or not 0 < size <= MAX_SIZE:
            raise ValueError("size: 1 .. %d" % MAX_SIZE)
        s = {"mode": mode, "count": count, "size": size,
             "subcode": str(req.get("subcode", "s:CertificateRequest")),
             "text": str(req.get("text", "refused by the test hook"))}
        self.settings[endpoint] = s
        return self.get()

    def get(self):
        return dict(self.settings)

    def take(self, endpoint):
        """The setting for this answer, counted down; None if none."""
        s = self.settings.get(endpoint)
        if s is None:
            return None
        s["count"] -= 1
        if s["count"] <= 0:
            del self.settings[endpoint]
        return s


def xxe_doc(doc):
    """The document with an external entity in a DOCTYPE, used as ADDR."""
    body = doc.split(">", 1)[1] if doc.startswith("<?xml") else doc
    return ('<?xml version="1.0"?><!DOCTYPE wap-provisioningdoc ['
            '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            + _replace_addr(body, "&xxe;"))


def no_addr_doc(doc):
    return _replace_addr(doc, None)


def _replace_addr(doc, value):
    start = doc.index('<parm name="ADDR"')
    end = doc.index("/>", start) + 2
    new = "" if value is None else '<parm name="ADDR" value="%s"/>' % value
    return doc[:start] + new + doc[end:]


def pad(body, size):
    """body with an XML comment after the root so the total is size bytes
    (at least body itself)."""
    extra = size - len(body) - 7
    if extra <= 0:
        return body
    return body + b"<!--" + b"x" * extra + b"-->"
