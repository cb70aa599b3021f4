/* SPDX-License-Identifier: Apache-2.0 */
/* Transport against the loopback HTTPS server (transport_fixture.h): the
 * GET probe and set_url, certificates in memory, another content type,
 * Retry-After edges, error pages over the cap, configuration refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "transport_fixture.h"

/* GET takes any Content-Type and sends no body; the transport then POSTs
 * again (the body goes out and comes back). */
static void test_get_then_post(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(omadm_transport_get(t, &resp, &len, &info), OMADM_OK);
    assert_string_equal(resp, "GET /ok len=None");
    assert_int_equal(len, strlen("GET /ok len=None"));
    assert_string_equal(info.content_type, "text/html");
    assert_int_equal(info.http_status, 200);
    assert_non_null(strstr(logged, "transport: GET 0 bytes: HTTP 200, 16 bytes back"));
    omadm__free(resp);

    assert_int_equal(omadm_transport_post(t, "<SyncML/>", 9, &resp, &len, &info), OMADM_OK);
    assert_int_equal(len, 9);
    assert_string_equal(resp, "<SyncML/>");
    omadm__free(resp);

    /* Back to POST, the SyncML type is required again: an HTML page fails. */
    assert_int_equal(omadm_transport_set_url(t, url(port_good, "/html")), OMADM_OK);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_ERR_PROTOCOL);
    assert_null(resp);
    assert_string_equal(info.error, "Content-Type text/html is not application/vnd.syncml.dm+xml");
    omadm_transport_free(t);
}

/* A GET's failures are a POST's: a 404, an empty answer without type. */
static void test_get_outcomes(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/missing");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = (char *)1;
    size_t len = 7;

    (void)state;
    assert_int_equal(omadm_transport_get(t, &resp, &len, &info), OMADM_ERR_TRANSPORT);
    assert_null(resp);
    assert_int_equal(len, 0);
    assert_int_equal(info.http_status, 404);
    assert_string_equal(info.error, "server answered HTTP 404");
    assert_non_null(strstr(logged, "transport: GET 0 bytes failed (OMADM_ERR_TRANSPORT): "
                                   "server answered HTTP 404"));

    assert_int_equal(omadm_transport_set_url(t, url(port_good, "/empty")), OMADM_OK);
    assert_int_equal(omadm_transport_get(t, &resp, &len, NULL), OMADM_OK);
    assert_string_equal(resp, "");
    assert_int_equal(len, 0);
    omadm__free(resp);

    /* Invalid arguments: no transport, nowhere to put the answer. */
    assert_int_equal(omadm_transport_get(NULL, &resp, &len, &info), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_get(t, NULL, &len, &info), OMADM_ERR_INVALID);
    assert_string_equal(info.error, "invalid argument");
    assert_int_equal(omadm_transport_get(t, &resp, NULL, &info), OMADM_ERR_INVALID);
    omadm_transport_free(t);
}

/* set_url: https only (any case), and the next request goes there. */
static void test_set_url(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(omadm_transport_set_url(NULL, url(port_good, "/ok")), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_set_url(t, NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_set_url(t, "http://127.0.0.1:1/ok"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_set_url(t, "https:/127.0.0.1/ok"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_set_url(t, ""), OMADM_ERR_INVALID);
    /* A refused URL leaves the transport where it was. */
    assert_int_equal(omadm_transport_post(t, "abc", 3, &resp, &len, &info), OMADM_OK);
    assert_string_equal(resp, "abc");
    omadm__free(resp);

    assert_int_equal(omadm_transport_set_url(t, url(port_good, "/headers")), OMADM_OK);
    assert_int_equal(omadm_transport_post(t, "abc", 3, &resp, &len, &info), OMADM_OK);
    assert_non_null(strstr(resp, "len=3\nbody=abc\n"));
    omadm__free(resp);

    assert_int_equal(omadm_transport_set_url(t, url(port_good, "/500")), OMADM_OK);
    assert_int_equal(omadm_transport_post(t, "abc", 3, &resp, &len, &info), OMADM_ERR_TRANSPORT);
    assert_int_equal(info.http_status, 500);
    omadm_transport_free(t);
}

/* CA, certificate and key as PEM in memory (enrollment state): the mutual
 * TLS handshake succeeds with no file at all; another CA fails
 * verification. */
static void test_pem_in_memory(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    char *ca = slurp("ca.pem"), *other_ca = slurp("other-ca.pem");
    char *crt = slurp("client.pem"), *key = slurp("client.key");

    (void)state;
    cfg.ca_file = NULL;
    cfg.cert_file = NULL;
    cfg.key_file = NULL;
    cfg.ca_pem = ca;
    cfg.cert_pem = crt;
    cfg.key_pem = key;
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
    assert_int_equal(info.http_status, 200);
    /* The key never reaches the log. */
    assert_null(strstr(logged, "PRIVATE KEY"));

    cfg.ca_pem = other_ca;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: server certificate verification failed (", &info);
    assert_int_equal(info.http_status, 0);

    /* Without a client certificate the server refuses us. */
    cfg.ca_pem = ca;
    cfg.cert_pem = NULL;
    cfg.key_pem = NULL;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: ", &info);
    free(ca);
    free(other_ca);
    free(crt);
    free(key);
}

/* An in-memory certificate needs its key and excludes a certificate file;
 * a key alone is refused too. */
static void test_pem_config_refused(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport *t = (omadm_transport *)1;

    (void)state;
    cfg.key_file = NULL;
    cfg.cert_pem = "-----BEGIN CERTIFICATE-----";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID); /* and cert_file */
    assert_null(t);
    assert_non_null(strstr(logged, "transport: an in-memory certificate needs its key, and no "
                                   "certificate file"));
    cfg.cert_file = NULL;
    logged[0] = '\0';
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID); /* no key */
    assert_non_null(strstr(logged, "an in-memory certificate needs its key"));
    cfg.cert_pem = NULL;
    cfg.key_pem = "-----BEGIN PRIVATE KEY-----";
    logged[0] = '\0';
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID); /* key alone */
    assert_non_null(strstr(logged, "an in-memory certificate needs its key"));
    /* Both given, no file: accepted (the PEM is checked at the handshake). */
    cfg.cert_pem = "-----BEGIN CERTIFICATE-----";
    t = make(&cfg);
    omadm_transport_free(t);
}

/* content_type: sent as Content-Type and Accept, and required of the
 * answer; at most 90 characters, no line break (header injection). */
static void test_content_type(void **state)
{
    static const char soap[] = "application/soap+xml; charset=utf-8";
    omadm_transport_config cfg = good_config(port_good, "/soap");
    omadm_transport_info info;
    omadm_transport *t;
    char *resp = NULL;
    size_t len = 0;
    char ct[92];

    (void)state;
    cfg.content_type = soap;
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_OK);
    assert_string_equal(resp, "ct=application/soap+xml; charset=utf-8\n"
                              "accept=application/soap+xml; charset=utf-8\n");
    omadm__free(resp);
    /* A SyncML answer is not what a SOAP client expects. */
    assert_int_equal(omadm_transport_set_url(t, url(port_good, "/ok")), OMADM_OK);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_ERR_PROTOCOL);
    assert_string_equal(info.error, "Content-Type application/vnd.syncml.dm+xml; charset=utf-8 "
                                    "is not application/soap+xml; charset=utf-8");
    assert_int_equal(omadm_transport_set_url(t, url(port_good, "/notype")), OMADM_OK);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_ERR_PROTOCOL);
    assert_string_equal(info.error,
                        "response has no Content-Type (application/soap+xml; charset=utf-8 "
                        "expected)");
    omadm_transport_free(t);

    /* 90 characters: accepted; 91: refused. */
    memset(ct, 'a', sizeof ct);
    ct[90] = '\0';
    cfg.content_type = ct;
    t = make(&cfg);
    omadm_transport_free(t);
    ct[90] = 'a';
    ct[91] = '\0';
    t = (omadm_transport *)1;
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    assert_null(t);
    assert_non_null(strstr(logged, "transport: bad content type"));
    cfg.content_type = "text/xml\r\nX-Injected: 1";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    cfg.content_type = "text/xml\nX-Injected: 1";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    cfg.connect_timeout_ms = -1;
    cfg.content_type = NULL;
    logged[0] = '\0';
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    assert_non_null(strstr(logged, "transport: timeouts must not be negative"));
}

/* Blanks between the type and its parameters are allowed. */
static void test_content_type_blanks(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ctspaced");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "<SyncML/>", OMADM_OK, "", &info);
    assert_string_equal(info.content_type, "application/vnd.syncml.dm+xml \t;charset=utf-8");
}

/* Retry-After: clamped to a week, to 0 for a date already past, refused
 * with trailing words; read on any non-200 status, not only 429. */
static void test_retry_after_edges(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/429huge");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "server answered HTTP 429 (retry after 604800 s)",
                &info);
    assert_int_equal(info.retry_after_s, OMADM_TRANSPORT_RETRY_AFTER_MAX);

    cfg = good_config(port_good, "/429past");
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "server answered HTTP 429 (retry after 0 s)",
                &info);
    assert_int_equal(info.retry_after_s, 0);

    cfg = good_config(port_good, "/429trailing");
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "HTTP 429 (no usable Retry-After)", &info);
    assert_int_equal(info.retry_after_s, -1);

    cfg = good_config(port_good, "/503");
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "server answered HTTP 503", &info);
    assert_string_equal(info.error, "server answered HTTP 503");
    assert_int_equal(info.retry_after_s, 30);
}

/* An endless error page stops at the cap and is still the server's
 * status, not a size error. */
static void test_error_page_over_cap(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/500stream");
    omadm_transport_info info;

    (void)state;
    cfg.max_response = 100000;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "server answered HTTP 500", &info);
    assert_int_equal(info.http_status, 500);
    assert_true(info.bytes_received < 100000 + 4 * 64 * 1024);
}

/* A PKCS#12 file that is not one: OpenSSL's words, whole. */
static void test_pkcs12_unusable(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    FILE *f = fopen(cert("garbage.p12"), "wb");

    (void)state;
    assert_non_null(f);
    fputs("not PKCS#12\n", f);
    fclose(f);
    cfg.cert_file = cert("garbage.p12");
    cfg.key_file = NULL;
    post_expect(&cfg, "x", OMADM_ERR_TLS, "TLS: client certificate or key unusable (", &info);
    assert_non_null(strstr(info.error, "PKCS12"));
    assert_int_equal(info.http_status, 0);
}

/* Failing each of our allocations in turn around a GET: a clean error. */
static void test_get_alloc_failures(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport *t = make(&cfg);
    long n;
    int completed = 0;

    (void)state;
    for (n = 1; n < 50 && !completed; n++) {
        omadm_transport_info info;
        char *resp = NULL;
        size_t len = 0;
        omadm_status st;

        omadm__alloc_fail_at(n, 1);
        st = omadm_transport_get(t, &resp, &len, &info);
        if (!omadm__alloc_failed()) {
            assert_int_equal(st, OMADM_OK);
            assert_string_equal(resp, "GET /ok len=None");
            completed = 1;
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_null(resp);
            assert_int_equal(len, 0);
        }
        omadm__free(resp);
    }
    omadm__alloc_fail_at(0, 0);
    assert_true(completed);
    assert_true(n > 2);
    omadm_transport_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, transport_each_setup)
        T(test_get_then_post),       T(test_get_outcomes),       T(test_set_url),
        T(test_pem_in_memory),       T(test_pem_config_refused), T(test_content_type),
        T(test_content_type_blanks), T(test_retry_after_edges),  T(test_error_page_over_cap),
        T(test_pkcs12_unusable),     T(test_get_alloc_failures),
#undef T
    };

    return cmocka_run_group_tests_name("transport-more", tests, transport_group_setup,
                                       transport_group_teardown);
}
