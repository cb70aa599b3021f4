/* SPDX-License-Identifier: Apache-2.0 */
/* The public TLS options (omadm/cert.h) over the transport's (tls.h). */
#include "omadm/cert.h"

#include <curl/curl.h>

#include "transport/tls.h"

int omadm_tls_setopt(void *curl, const omadm_tls_config *cfg, const char **failed)
{
    omadm_transport_config tc = OMADM_TRANSPORT_CONFIG_INIT;
    const char *which = NULL;
    CURLcode rc;

    if (failed)
        *failed = NULL;
    if (!curl || !cfg || cfg->size < sizeof *cfg)
        return (int)CURLE_BAD_FUNCTION_ARGUMENT;
    tc.ca_file = cfg->ca_file;
    tc.ca_pem = cfg->ca_pem;
    tc.cert_file = cfg->cert_file;
    tc.key_file = cfg->key_file;
    tc.cert_pem = cfg->cert_pem;
    tc.key_pem = cfg->key_pem;
    rc = omadm__transport_tls_setopt((CURL *)curl, &tc, &which);
    if (failed)
        *failed = which;
    return (int)rc;
}
