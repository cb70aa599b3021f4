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

#include <stddef.h>

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

/* The TLS settings of an HTTPS request: where its CA and client
 * certificate come from. Start from OMADM_TLS_CONFIG_INIT; `size` (first)
 * lets later versions append members. Strings are borrowed for the call. */
typedef struct omadm_tls_config {
    size_t size;           /* sizeof(omadm_tls_config) */
    const char *ca_file;   /* PEM CA bundle; NULL = the system store */
    const char *ca_pem;    /* PEM CA text; replaces ca_file */
    const char *cert_file; /* client certificate: omadm_cert_kind_of says which */
    const char *key_file;  /* its key (PEM); NULL = in cert_file */
    const char *cert_pem;  /* client certificate as PEM text, with key_pem */
    const char *key_pem;   /* its key as PEM text: secret, never logged */
} omadm_tls_config;

#define OMADM_TLS_CONFIG_INIT                                                                      \
    {                                                                                              \
        sizeof(omadm_tls_config), NULL, NULL, NULL, NULL, NULL, NULL                               \
    }

/* Sets on `curl` (a libcurl easy handle, CURL *, of the libcurl libomadm
 * itself uses) the TLS options of every libomadm request, so that an
 * agent's own requests (a push channel) match its sessions': TLS 1.2 or
 * later, the peer and its name always verified, cfg's CA (when set, the
 * only trust anchor: libcurl's built-in CA directory is not searched) and
 * client certificate (an in-memory certificate only with its key). libcurl
 * copies every string. Returns a CURLcode: 0 (CURLE_OK), or libcurl's
 * error with *failed (may be NULL) naming the option;
 * CURLE_BAD_FUNCTION_ARGUMENT (43) for a NULL curl or cfg or cfg->size too
 * small. */
OMADM_API int omadm_tls_setopt(void *curl, const omadm_tls_config *cfg, const char **failed);

#ifdef __cplusplus
}
#endif
#endif
