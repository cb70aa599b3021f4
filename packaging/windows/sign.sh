#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# sign.sh CERT KEY FILE...
#
# Authenticode-signs each FILE (the program, a DLL, the MSI) in place with
# osslsigncode: CERT is the code-signing certificate (PEM, with its chain
# after it if any), KEY its private key (PEM, no pass phrase). SHA-256,
# with an RFC 3161 time stamp when OMADM_SIGN_TIMESTAMP names a time-stamp
# server (a release should; tests have no network). Then verifies each
# signature with `osslsigncode verify` against OMADM_SIGN_CAFILE (default:
# CERT itself, which suits a self-signed test certificate; a release points
# it at the CA bundle that holds its issuer's root).
set -eu
if [ $# -lt 3 ]; then
  echo "usage: $0 CERT KEY FILE..." >&2
  exit 2
fi
cert=$1
key=$2
shift 2
command -v osslsigncode >/dev/null 2>&1 || {
  echo "sign.sh: osslsigncode not found (apt-get install osslsigncode)" >&2
  exit 2
}
for f in "$@"; do
  tmp="$f.signing"
  rm -f "$tmp"
  set -- -certs "$cert" -key "$key" -h sha256 -n "omadm-agent"
  if [ -n "${OMADM_SIGN_TIMESTAMP:-}" ]; then
    set -- "$@" -ts "$OMADM_SIGN_TIMESTAMP"
  fi
  osslsigncode sign "$@" -in "$f" -out "$tmp" >/dev/null
  mv "$tmp" "$f"
  if ! out=$(osslsigncode verify -in "$f" -CAfile "${OMADM_SIGN_CAFILE:-$cert}" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "sign.sh: $f: the signature does not verify" >&2
    exit 1
  fi
  echo "signed: $f"
done
