/* SPDX-License-Identifier: Apache-2.0 */
/* TLS: figures for the summary (handshakes and resumptions) and a TLS
 * session cache per device (fleet.h). */
#include <openssl/ssl.h>

#include "fleet.h"

/* TLS handshakes and how many resumed a session: libcurl (OpenSSL backend)
 * hands each connection's SSL_CTX to fleet_tls_ctx, whose info callback sees
 * each handshake end once (marked in our ex_data slot). */
static int tls_ex_index = -1;
static uint64_t tls_handshakes, tls_resumed;

static void on_tls_info(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_DONE) || tls_ex_index < 0 || SSL_get_ex_data(ssl, tls_ex_index))
        return;
    SSL_set_ex_data((SSL *)ssl, tls_ex_index, &tls_handshakes); /* any non-NULL mark */
    tls_handshakes++;
    if (SSL_session_reused(ssl))
        tls_resumed++;
}

CURLcode fleet_tls_ctx(CURL *curl, void *ssl_ctx, void *user)
{
    (void)curl;
    (void)user;
    if (tls_ex_index < 0)
        tls_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    SSL_CTX_set_info_callback(ssl_ctx, on_tls_info);
    return CURLE_OK;
}

void fleet_tls_counts(uint64_t *handshakes, uint64_t *resumed)
{
    *handshakes = tls_handshakes;
    *resumed = tls_resumed;
}

CURLSH *fleet_tls_share(void **slot, CURLSH *fallback, int own_connection)
{
    CURLSH *sh = *slot;

    if (sh)
        return sh;
    sh = curl_share_init();
    if (!sh)
        return fallback;
    if (curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        (own_connection &&
         curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK)) {
        curl_share_cleanup(sh);
        return fallback;
    }
    *slot = sh;
    return sh;
}
