/* SPDX-License-Identifier: Apache-2.0 */
/* The TLS options of every HTTPS request the agent makes (the session
 * transport, the push channel): TLS 1.2 or later, the peer and its name
 * verified, the CA and client certificate of an omadm_transport_config.
 * One function so that the two cannot drift apart. Internal to omadm-agent. */
#ifndef OMADM_TRANSPORT_TLS_H
#define OMADM_TRANSPORT_TLS_H

#include <curl/curl.h>

#include "transport/transport.h"

/* Sets on `curl` the TLS options from cfg's ca_file, ca_pem, cert_file,
 * key_file, cert_pem and key_pem (other fields unused; an in-memory
 * certificate is used only with its key). A CA given is the only trust
 * anchor (libcurl's built-in CA directory is turned off). libcurl copies
 * every string and blob. CURLE_OK, or libcurl's error with *failed naming
 * the option. */
CURLcode omadm__transport_tls_setopt(CURL *curl, const omadm_transport_config *cfg,
                                     const char **failed);

#endif
