/* SPDX-License-Identifier: Apache-2.0 */
/* TLS options shared by the session transport and the push channel
 * (tls.h). */
#include "transport/tls.h"

#include <string.h>

#include "transport/cert.h"

/* libcurl's blob takes a non-const pointer; with CURL_BLOB_COPY it only
 * reads (and copies) the bytes. */
static void *blob_data(const char *p)
{
    union {
        const char *c;
        void *m;
    } u;

    u.c = p;
    return u.m;
}

#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        CURLcode rc_ = curl_easy_setopt(curl, opt, val);                                           \
        if (rc_ != CURLE_OK) {                                                                     \
            *failed = #opt;                                                                        \
            return rc_;                                                                            \
        }                                                                                          \
    } while (0)

CURLcode omadm__transport_tls_setopt(CURL *curl, const omadm_transport_config *cfg,
                                     const char **failed)
{
    SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->ca_file)
        SETOPT(CURLOPT_CAINFO, cfg->ca_file);
    if (cfg->ca_pem) {
        struct curl_blob blob = { blob_data(cfg->ca_pem), strlen(cfg->ca_pem), CURL_BLOB_COPY };
        SETOPT(CURLOPT_CAINFO_BLOB, &blob);
    }
    /* A configured CA is the only trust anchor: libcurl would also search
     * its built-in CA directory (Debian's: /etc/ssl/certs), so any public
     * CA could vouch for the MDM server. A TLS backend without CA
     * directories (Schannel) has none to turn off. */
    if (cfg->ca_file || cfg->ca_pem) {
        CURLcode rc = curl_easy_setopt(curl, CURLOPT_CAPATH, (char *)NULL);
        if (rc != CURLE_OK && rc != CURLE_NOT_BUILT_IN) {
            *failed = "CURLOPT_CAPATH";
            return rc;
        }
    }
    if (cfg->cert_pem && cfg->key_pem) {
        struct curl_blob cert = { blob_data(cfg->cert_pem), strlen(cfg->cert_pem), CURL_BLOB_COPY };
        struct curl_blob key = { blob_data(cfg->key_pem), strlen(cfg->key_pem), CURL_BLOB_COPY };
        SETOPT(CURLOPT_SSLCERT_BLOB, &cert);
        SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
        SETOPT(CURLOPT_SSLKEY_BLOB, &key);
        SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (cfg->cert_file) {
        SETOPT(CURLOPT_SSLCERT, cfg->cert_file);
        switch (omadm__transport_cert_kind(cfg->cert_file)) {
        case OMADM__CERT_PEM:
            SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
            SETOPT(CURLOPT_SSLKEY, cfg->key_file ? cfg->key_file : cfg->cert_file);
            SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
            break;
        case OMADM__CERT_P12: /* the key is inside */
            SETOPT(CURLOPT_SSLCERTTYPE, "P12");
            break;
        case OMADM__CERT_STORE: /* Schannel finds certificate and key there */
            break;
        }
    }
    return CURLE_OK;
}
