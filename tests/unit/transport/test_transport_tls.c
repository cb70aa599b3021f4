/* SPDX-License-Identifier: Apache-2.0 */
/* Transport against a real HTTPS server on loopback (transport_fixture.h):
 * TLS: mutual TLS, the server's certificate and name, the client
 * certificate (PEM, key inside, PKCS#12) and what fails when either side's
 * credentials are wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/alloc.h"
#include "transport/tls.h"
#include "transport_fixture.h"

/* Mutual TLS; two messages on one handle share one connection (the server
 * sees the second request on the same connection). */
static void test_ok_mutual_tls_and_reuse(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/reuse");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 0;
    long conn1, req1, conn2, req2;

    (void)state;
    assert_int_equal(omadm_transport_post(t, "<SyncML/>", 9, &resp, &len, &info), OMADM_OK);
    assert_int_equal(info.http_status, 200);
    assert_int_equal(info.num_connects, 1);
    assert_string_equal(info.error, "");
    assert_int_equal(sscanf(resp, "%ld %ld", &conn1, &req1), 2);
    assert_int_equal(req1, 1);
    assert_int_equal(len, strlen(resp));
    omadm__free(resp);

    assert_int_equal(omadm_transport_post(t, "<SyncML/>", 9, &resp, &len, &info), OMADM_OK);
    assert_int_equal(info.num_connects, 0); /* reused */
    assert_int_equal(sscanf(resp, "%ld %ld", &conn2, &req2), 2);
    assert_int_equal(conn2, conn1);
    assert_int_equal(req2, 2);
    omadm__free(resp);
    omadm_transport_free(t);
}

/* The key inside the certificate file (key_file NULL). */
static void test_key_in_cert_file(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.cert_file = cert("client-combined.pem");
    cfg.key_file = NULL;
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
}

static void test_wrong_ca(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.ca_file = cert("other-ca.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS,
                /* the server sends its chain, root included */
                "TLS: server certificate verification failed (self-signed certificate in "
                "certificate chain)",
                &info);
    assert_int_equal(info.http_status, 0);
}

static void test_expired_server_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_expired, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TLS,
                "TLS: server certificate verification failed (certificate has expired)", &info);
}

static void test_wrong_host_name(void **state)
{
    omadm_transport_config cfg = good_config(port_wronghost, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: server certificate verification failed", &info);
    assert_non_null(strstr(info.error, "'127.0.0.1'"));
}

/* The server requires a client certificate: none, or one from another CA. */
static void test_no_client_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    /* The server's alert or its closing the connection may come first: the
     * message varies, not the status. */
    cfg.cert_file = NULL;
    cfg.key_file = NULL;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: the server ", &info);
    assert_non_null(strstr(info.error, "client certificate"));
    assert_int_equal(info.http_status, 0);

    cfg.cert_file = cert("other-client.pem");
    cfg.key_file = cert("other-client.key");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: the server ", &info);
    assert_non_null(strstr(info.error, "client certificate"));
    assert_int_equal(info.http_status, 0);
}

static void test_unreadable_client_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.cert_file = cert("no-such-cert.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: client certificate or key unusable", &info);
    /* The key's content never reaches the log. */
    assert_null(strstr(logged, "PRIVATE KEY"));
    /* Whole: the file and OpenSSL's reason, not libcurl's sentence cut off
     * at 256 bytes. */
    assert_non_null(strstr(info.error, "no-such-cert.pem (No such file or directory)"));
    assert_int_equal(info.error[strlen(info.error) - 1], ')');

    cfg.cert_file = cert("client.pem");
    cfg.key_file = cert("no-such-key.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "cannot use private key ", &info);
    assert_non_null(strstr(info.error, "no-such-key.pem (unreadable, protected by a pass phrase, "
                                       "or not the certificate's key)"));
}

/* TLS failures that never ran before (issue 19). A CA file that holds no
 * certificate, and one that does not exist. */
static void test_ca_file_unusable(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.ca_file = cert("garbage.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS,
                "TLS: CA file unusable (error setting certificate file: ", &info);
    assert_non_null(strstr(info.error, "garbage.pem)"));
    assert_int_equal(info.http_status, 0);
    cfg.ca_file = cert("no-such-ca.pem");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: CA file unusable (", &info);
    assert_non_null(strstr(info.error, "no-such-ca.pem)"));
}

/* The server answers in plain text: the handshake fails. */
static void test_handshake_failure(void **state)
{
    omadm_transport_config cfg = good_config(port_notls, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: handshake failed (", &info);
    assert_non_null(strstr(info.error, "wrong version number)"));
    assert_int_equal(info.http_status, 0);
}

/* A TLS 1.2 server requiring a certificate of its CA rejects ours (from
 * another CA) in the handshake itself; our own certificate passes. */
static void test_tls12_server_rejects_our_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_tls12, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    assert_int_equal(info.http_status, 200);
    cfg.cert_file = cert("other-client.pem");
    cfg.key_file = cert("other-client.key");
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: handshake failed (", &info);
    assert_non_null(strstr(info.error, "alert unknown ca)"));
    assert_int_equal(info.http_status, 0);
}

/* The client certificate as PKCS#12 (key inside) in a real handshake,
 * TLS 1.3 and 1.2: the server, which requires a certificate of its CA,
 * answers. */
static void test_pkcs12_client_cert(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    cfg.cert_file = cert("client.p12");
    cfg.key_file = NULL;
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
    assert_int_equal(info.http_status, 200);
    cfg.url = url(port_tls12, "/ok");
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
    assert_int_equal(info.http_status, 200);
}

#ifndef _WIN32
/* libcurl's informational text of one transfer (CURLOPT_DEBUGFUNCTION). */
typedef struct curl_text {
    char text[16384];
    size_t len;
} curl_text;

static int on_curl_debug(CURL *h, curl_infotype type, char *data, size_t size, void *user)
{
    curl_text *t = user;

    (void)h;
    if (type == CURLINFO_TEXT && size < sizeof t->text - t->len) {
        memcpy(t->text + t->len, data, size);
        t->len += size;
        t->text[t->len] = '\0';
    }
    return 0;
}

static size_t discard_body(char *data, size_t size, size_t n, void *user)
{
    (void)data;
    (void)user;
    return size * n;
}

/* One POST on a handle set up by omadm__transport_tls_setopt; libcurl's
 * text into *t. */
static void post_with_tls_options(const omadm_transport_config *cfg, curl_text *t)
{
    CURL *h = curl_easy_init();
    const char *failed = NULL;

    assert_non_null(h);
    memset(t, 0, sizeof *t);
    assert_int_equal(omadm__transport_tls_setopt(h, cfg, &failed), CURLE_OK);
    curl_easy_setopt(h, CURLOPT_URL, cfg->url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "x");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_curl_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, t);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_cleanup(h);
}

/* A configured CA (file or in memory) is the only trust anchor: libcurl's
 * built-in CA directory (Debian's libcurl: /etc/ssl/certs) is not
 * searched too, or any public CA could vouch for the MDM server. libcurl
 * names the file and directory it loads. (Schannel, on Windows, has no CA
 * directory.) */
static void test_configured_ca_is_the_only_anchor(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    char *pem = slurp("ca.pem");
    curl_text t;

    (void)state;
    post_with_tls_options(&cfg, &t);
    assert_non_null(strstr(t.text, "CAfile: "));
    assert_non_null(strstr(t.text, "CApath: none"));

    cfg.ca_file = NULL;
    cfg.ca_pem = pem;
    post_with_tls_options(&cfg, &t);
    assert_non_null(strstr(t.text, "successfully imported CA certificate blob"));
    assert_null(strstr(t.text, "CApath: /"));
    free(pem);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, transport_each_setup)
        T(test_ok_mutual_tls_and_reuse),
        T(test_key_in_cert_file),
        T(test_wrong_ca),
        T(test_expired_server_cert),
        T(test_wrong_host_name),
        T(test_no_client_cert),
        T(test_unreadable_client_cert),
        T(test_ca_file_unusable),
        T(test_handshake_failure),
        T(test_tls12_server_rejects_our_cert),
        T(test_pkcs12_client_cert),
#ifndef _WIN32
        T(test_configured_ca_is_the_only_anchor),
#endif
#undef T
    };

    return cmocka_run_group_tests_name("transport-tls", tests, transport_group_setup,
                                       transport_group_teardown);
}
