# SPDX-License-Identifier: Apache-2.0
"""The device CA of the enrollment service: checks PKCS#10 requests and
signs them with the `openssl` CLI (no crypto in Python's standard library).

The CA (RSA 2048, SHA-256) lives in a directory: ca.pem + ca.key, created
on first use and reused afterwards, so a restarted server still trusts the
certificates it issued.
"""

import base64
import datetime
import hashlib
import os
import re
import secrets
import ssl
import subprocess
import tempfile

OPENSSL_TIMEOUT = 30
MAX_CSR_BYTES = 16384


class CSRError(Exception):
    """The request cannot be signed (text says why, for the SOAP fault)."""


def _run(args, cwd, what):
    try:
        r = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True,
                           timeout=OPENSSL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CSRError("%s: openssl failed: %s" % (what, e)) from None
    if r.returncode != 0:
        lines = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CSRError("%s: %s" % (what, lines[-1] if lines else "failed"))
    return r.stdout.decode("utf-8", "replace")


def _parse_openssl_time(s):
    # "Dec  6 16:43:27 2026 GMT"
    t = datetime.datetime.strptime(" ".join(s.split()), "%b %d %H:%M:%S %Y %Z")
    return t.replace(tzinfo=datetime.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Issued:
    """One certificate the CA signed."""

    def __init__(self, pem, serial, not_after):
        self.pem = pem
        self.der = ssl.PEM_cert_to_DER_cert(pem)
        self.serial = serial                     # upper-case hex
        self.not_after = not_after               # datetime, UTC
        self.thumbprint = hashlib.sha1(self.der).hexdigest().upper()
        self.sha256 = hashlib.sha256(self.der).hexdigest()

    @property
    def b64(self):
        return base64.b64encode(self.der).decode()


class DeviceCA:
    def __init__(self, directory, cert=None, key=None):
        self.dir = directory
        # absolute: openssl runs in a temporary directory (a relative --db
        # made "Unable to load CA certificate")
        self.cert = os.path.abspath(cert or os.path.join(directory, "ca.pem"))
        self.key = os.path.abspath(key or os.path.join(directory, "ca.key"))
        if not (os.path.exists(self.cert) and os.path.exists(self.key)):
            if cert or key:
                raise OSError("device CA %s / %s not found" % (cert, key))
            self._create()
        with open(self.cert) as f:
            self.pem = f.read()
        self.ca = Issued(self.pem, "", None)
        self.subject = _run(["x509", "-in", self.cert, "-noout", "-subject",
                             "-nameopt", "RFC2253"], None,
                            "device CA").split("=", 1)[1].strip()

    def _create(self):
        """Made in a temporary directory and renamed into place, key first:
        a crash or a concurrent start never leaves a certificate without
        its key."""
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        old = os.umask(0o077)
        try:
            with tempfile.TemporaryDirectory(dir=self.dir,
                                             prefix=".new-ca-") as d:
                _run(["req", "-x509", "-newkey", "rsa:2048", "-nodes",
                      "-sha256", "-keyout", "ca.key", "-out", "ca.pem",
                      "-days", "3650",
                      "-subj", "/CN=omadm-agent mock MDM device CA",
                      "-addext", "basicConstraints=critical,CA:true",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                     d, "creating the device CA")
                os.chmod(os.path.join(d, "ca.pem"), 0o644)
                if os.path.exists(self.cert) and os.path.exists(self.key):
                    return  # another process made one meanwhile
                os.replace(os.path.join(d, "ca.key"), self.key)
                os.replace(os.path.join(d, "ca.pem"), self.cert)
        finally:
            os.umask(old)

    def check_csr(self, der):
        """PKCS#10 checks against the policy GetPolicies announced: a valid
        self-signature, RSA of at least 2048 bits, signed with SHA-256.
        Returns the DER. CSRError otherwise."""
        if not der or len(der) > MAX_CSR_BYTES:
            raise CSRError("certificate request empty or too large")
        with tempfile.TemporaryDirectory(prefix="mdmmock-csr-") as d:
            path = os.path.join(d, "req.der")
            with open(path, "wb") as f:
                f.write(der)
            out = _run(["req", "-inform", "DER", "-in", path, "-noout",
                        "-verify", "-text"], d, "certificate request")
        if "Public Key Algorithm: rsaEncryption" not in out:
            raise CSRError("the policy asks for an RSA key")
        m = re.search(r"Public-Key: \((\d+) bit\)", out)
        if not m or int(m.group(1)) < 2048:
            raise CSRError("the policy asks for a key of at least 2048 bits")
        if "Signature Algorithm: sha256WithRSAEncryption" not in out:
            raise CSRError("the policy asks for a SHA-256 signature")
        return der

    def csr_from_pkcs7(self, der):
        """The PKCS#10 inside a PKCS#7 SignedData (Renew, MS-MDE 3.5): the
        client signs its new request with the key of the certificate being
        renewed. Returns (csr DER, signer certificate PEM)."""
        if not der or len(der) > 4 * MAX_CSR_BYTES:
            raise CSRError("PKCS#7 renewal request empty or too large")
        with tempfile.TemporaryDirectory(prefix="mdmmock-p7-") as d:
            p7 = os.path.join(d, "req.p7")
            with open(p7, "wb") as f:
                f.write(der)
            # -noverify: the signer's chain is checked against the TLS
            # client certificate by the caller, not against a trust store.
            _run(["cms", "-verify", "-inform", "DER", "-in", p7, "-binary",
                  "-noverify", "-out", "req.der", "-certsout", "signer.pem"],
                 d, "PKCS#7 renewal request")
            with open(os.path.join(d, "req.der"), "rb") as f:
                csr = f.read()
            with open(os.path.join(d, "signer.pem")) as f:
                signer = f.read()
        return csr, signer

    def sign(self, csr_der, cn, days):
        """Sign csr_der with subject CN = cn (the DeviceID), clientAuth."""
        serial = secrets.randbits(120) | (1 << 119)
        with tempfile.TemporaryDirectory(prefix="mdmmock-sign-") as d:
            with open(os.path.join(d, "req.der"), "wb") as f:
                f.write(csr_der)
            with open(os.path.join(d, "ext"), "w") as f:
                f.write("basicConstraints=critical,CA:false\n"
                        "keyUsage=critical,digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=clientAuth\n"
                        "subjectKeyIdentifier=hash\n"
                        "authorityKeyIdentifier=keyid\n")
            _run(["x509", "-req", "-inform", "DER", "-in", "req.der",
                  "-CA", self.cert, "-CAkey", self.key,
                  "-set_serial", "0x%x" % serial, "-days", str(days),
                  "-sha256", "-subj", "/CN=" + cn, "-extfile", "ext",
                  "-out", "cert.pem"], d, "signing")
            with open(os.path.join(d, "cert.pem")) as f:
                pem = f.read()
            out = _run(["x509", "-in", "cert.pem", "-noout", "-serial",
                        "-enddate"], d, "reading the issued certificate")
        fields = dict(line.split("=", 1) for line in out.splitlines()
                      if "=" in line)
        return Issued(pem, fields["serial"].strip().upper(),
                      _parse_openssl_time(fields["notAfter"]))

    def sign_fresh_key(self, cn, days):
        """A certificate for cn on a key made here and thrown away (the
        wrong-cert test hook: a certificate that matches no device key)."""
        with tempfile.TemporaryDirectory(prefix="mdmmock-other-") as d:
            _run(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                  "k", "-subj", "/CN=other", "-outform", "DER", "-out",
                  "req.der"], d, "making another key")
            with open(os.path.join(d, "req.der"), "rb") as f:
                csr = f.read()
        return self.sign(csr, cn, days)
