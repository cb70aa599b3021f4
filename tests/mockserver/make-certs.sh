#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make-certs.sh OUTDIR [DEVICE_ID]
#
# Throwaway PKI for the mock MDM server and its tests, made with the openssl
# CLI. Prints nothing on success (openssl's chatter is shown only when a step
# fails). Writes into OUTDIR:
#   ca.pem ca.key                 CA (EC P-256), the server's --client-ca
#   server.pem server.key         server cert (EC P-256), CN and SAN 127.0.0.1
#                                 and localhost, EKU serverAuth
#   client.pem client.key         client cert (EC P-256), CN = device id,
#                                 EKU clientAuth
#   client-rsa.pem client-rsa.key the same identity with an RSA 2048 key
#   client-rsa.p12                RSA cert + key + CA as PKCS#12 (PFX) for
#                                 Windows/Schannel: SHA1-3DES PBE and SHA1 MAC
#                                 so older importers (wine, Windows < 1709)
#                                 accept it; password from $P12_PASSWORD
#                                 (default: empty)
#   device-id                     the device id, one line
# DEVICE_ID defaults to 32 random upper-case hex digits (the shape of a
# Windows DevId). An existing OUTDIR/ca.pem + ca.key is reused, so running
# the script again with another DEVICE_ID into a copy of the same CA gives
# several devices under one CA.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 OUTDIR [DEVICE_ID]" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
if [ $# -eq 2 ]; then
    dev=$2
else
    dev=$(openssl rand -hex 16 | tr 'a-f' 'A-F')
fi
case $dev in
    '' | */* | *,* | *=* | *+*)
        echo "make-certs.sh: device id must be non-empty and free of / , = +" >&2
        exit 2
        ;;
esac

log=$(mktemp)
trap 'rm -f "$log" "$out"/*.csr "$out"/*.ext "$out"/ca.srl' EXIT
run() {
    if ! "$@" >>"$log" 2>&1; then
        cat "$log" >&2
        echo "make-certs.sh: failed: $*" >&2
        exit 1
    fi
}
days=825
umask 077

if [ ! -f "$out/ca.pem" ] || [ ! -f "$out/ca.key" ]; then
    run openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca.key"
    run openssl req -new -x509 -key "$out/ca.key" -out "$out/ca.pem" \
        -days "$days" -sha256 -subj "/CN=omadm-agent mock MDM test CA" \
        -addext "basicConstraints=critical,CA:true" \
        -addext "keyUsage=critical,keyCertSign,cRLSign"
fi

sign() { # name, subject CN, extension lines
    name=$1
    cn=$2
    printf '%s\n' "$3" >"$out/$name.ext"
    run openssl req -new -key "$out/$name.key" -out "$out/$name.csr" \
        -subj "/CN=$cn"
    run openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.pem" \
        -CAkey "$out/ca.key" -CAcreateserial -out "$out/$name.pem" \
        -days "$days" -sha256 -extfile "$out/$name.ext"
}

run openssl ecparam -name prime256v1 -genkey -noout -out "$out/server.key"
sign server 127.0.0.1 "basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"

client_ext="basicConstraints=critical,CA:false
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

run openssl ecparam -name prime256v1 -genkey -noout -out "$out/client.key"
sign client "$dev" "$client_ext"

run openssl genrsa -out "$out/client-rsa.key" 2048
sign client-rsa "$dev" "$client_ext"
run openssl pkcs12 -export -in "$out/client-rsa.pem" \
    -inkey "$out/client-rsa.key" -certfile "$out/ca.pem" \
    -name "$dev" -out "$out/client-rsa.p12" \
    -passout "pass:${P12_PASSWORD:-}" \
    -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1

printf '%s\n' "$dev" >"$out/device-id"
chmod 644 "$out"/*.pem "$out/device-id"
