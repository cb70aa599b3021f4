#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes the TLS material of the transport tests in DIR (openssl CLI only,
# EC P-256, about 0.2 s): a CA; a server certificate for localhost and
# 127.0.0.1; the same name expired (2020); one for another host name; a
# client certificate from the CA; another CA and a client certificate of it.
# Self-contained openssl configuration: the system's openssl.cnf is not read.
set -eu
dir=$1
cd "$dir"
cat > openssl.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[wronghost_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ca]
default_ca = testca
[testca]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy
unique_subject = no
[policy]
commonName = supplied
CNF
export OPENSSL_CONF="$dir/openssl.cnf"
: > index.txt
echo 1000 > serial

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { # name, CN
  key "$1.key"
  openssl req -config openssl.cnf -x509 -new -key "$1.key" -subj "/CN=$2" -days 30 \
    -extensions ca_ext -out "$1.pem"
}
sign() { # csr-key, CN, ca, extensions, out, validity options...
  k=$1 cn=$2 issuer=$3 ext=$4 out=$5
  shift 5
  openssl req -config openssl.cnf -new -key "$k" -subj "/CN=$cn" -out "$out.csr"
  openssl ca -config openssl.cnf -batch -notext -cert "$issuer.pem" -keyfile "$issuer.key" \
    -extensions "$ext" -in "$out.csr" -out "$out" "$@" 2>/dev/null
  rm -f "$out.csr"
}

ca ca "omadm test CA"
ca other-ca "omadm other CA"
key server.key
sign server.key localhost ca server_ext server.pem -days 30
sign server.key localhost ca server_ext expired.pem -startdate 20200101000000Z -enddate 20200201000000Z
sign server.key wrong.example ca wronghost_ext wronghost.pem -days 30
key client.key
sign client.key test-device ca client_ext client.pem -days 30
cat client.pem client.key > client-combined.pem
key other-client.key
sign other-client.key rogue-device other-ca client_ext other-client.pem -days 30
# The client certificate as PKCS#12 (key inside, no password), and a CA
# file that holds no certificate.
openssl pkcs12 -export -in client.pem -inkey client.key -out client.p12 -passout pass: 2>/dev/null
echo "not a certificate" > garbage.pem
