/* SPDX-License-Identifier: Apache-2.0 */
/* What the configured client certificate names, decided from its text
 * alone so that one rule holds whatever TLS backend libcurl has (OpenSSL on
 * Linux, Schannel on Windows) and no OS check is needed here. */
#ifndef OMADM_TRANSPORT_CERT_H
#define OMADM_TRANSPORT_CERT_H

typedef enum omadm__cert_kind {
    OMADM__CERT_PEM = 0, /* a PEM file; the key in key_file or the same file */
    OMADM__CERT_P12,     /* a PKCS#12 file (name ends in .pfx or .p12, any
                            case): certificate and key together */
    OMADM__CERT_STORE    /* a Windows certificate store entry,
                            "<location>\<store>\<SHA-1 thumbprint, 40 hex>",
                            e.g. "LocalMachine\MY\0123...": Schannel only */
} omadm__cert_kind;

/* The kind of `cert` (borrowed; NULL counts as PEM). A string shaped like a
 * store path whose location libcurl does not know, or whose thumbprint is
 * not 40 hex digits, is taken as a file name (and then fails as one). */
omadm__cert_kind omadm__transport_cert_kind(const char *cert);

/* "PEM", "P12" or "store", for messages. Static. */
const char *omadm__transport_cert_kind_name(omadm__cert_kind kind);

#endif
