/* SPDX-License-Identifier: Apache-2.0 */
/* libomadm: what a configured client certificate names.
 *
 * The agent's `cert` setting (and omadm_device_config.cert_file) is one of
 * three things, told apart by its text alone so that one rule holds on
 * every TLS backend (OpenSSL on Linux, Schannel on Windows). Agents use it
 * to decide which key, password or store checks apply before a session. */
#ifndef OMADM_CERT_H
#define OMADM_CERT_H

#include "omadm/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values are part of the ABI: new kinds are appended. */
typedef enum omadm_cert_kind {
    /* A PEM file; its key in key_file or in the same file. */
    OMADM_CERT_PEM = 0,
    /* A PKCS#12 file (name ends in .pfx or .p12, any case): certificate and
     * key together. */
    OMADM_CERT_P12 = 1,
    /* A Windows certificate store entry, "<location>\<store>\<SHA-1
     * thumbprint, 40 hex>", e.g. "LocalMachine\MY\0123...": Schannel only. */
    OMADM_CERT_STORE = 2
} omadm_cert_kind;

/* The kind of `cert` (borrowed; NULL counts as PEM). A string shaped like
 * a store path whose location the TLS library does not know, or whose
 * thumbprint is not 40 hex digits, is a file name (and then fails as one
 * when opened). Pure: no file is read. */
OMADM_API omadm_cert_kind omadm_cert_kind_of(const char *cert);

#ifdef __cplusplus
}
#endif
#endif
