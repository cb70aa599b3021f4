/* SPDX-License-Identifier: Apache-2.0 */
/* Transport against a real HTTPS server on loopback (transport_fixture.h):
 * HTTP behaviour, arguments, timeouts, size limits, proxies, logs,
 * allocation failures. The TLS cases are in test_transport_tls.c. */
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

/* The body goes out as sent and comes back byte for byte; the response's
 * Content-Type with a charset parameter is accepted. */
static void test_echo_body(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    static const char body[] = "<SyncML xmlns=\"SYNCML:SYNCML1.2\">\xc3\xa9\0tail</SyncML>";
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(omadm_transport_post(t, body, sizeof body - 1, &resp, &len, &info), OMADM_OK);
    assert_int_equal(len, sizeof body - 1);
    assert_memory_equal(resp, body, sizeof body - 1);
    assert_int_equal(resp[len], '\0');
    assert_string_equal(info.content_type, "application/vnd.syncml.dm+xml; charset=utf-8");
    omadm__free(resp);
    omadm_transport_free(t);
}

static void test_request_headers(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/headers");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(omadm_transport_post(t, "abc", 3, &resp, &len, &info), OMADM_OK);
    assert_non_null(strstr(resp, "ct=application/vnd.syncml.dm+xml\n"));
    assert_non_null(strstr(resp, "accept=application/vnd.syncml.dm+xml\n"));
    assert_non_null(strstr(resp, "ua=MSFT OMA DM Client/1.2.0.1\n"));
    assert_non_null(strstr(resp, "expect=None\n"));
    assert_non_null(strstr(resp, "len=3\nbody=abc\n"));
    omadm__free(resp);
    omadm_transport_free(t);

    cfg.user_agent = "omadm-agent/0.1";
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, "", 0, &resp, &len, &info), OMADM_OK);
    assert_non_null(strstr(resp, "ua=omadm-agent/0.1\n"));
    assert_non_null(strstr(resp, "len=0\n"));
    omadm__free(resp);
    omadm_transport_free(t);
}

static void test_not_https(void **state)
{
    static const char *const bad[] = { "http://127.0.0.1:1/ok", "ftp://127.0.0.1/x", "127.0.0.1/ok",
                                       "httpsx://127.0.0.1/" };
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport *t;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        logged[0] = '\0';
        cfg.url = bad[i];
        t = (omadm_transport *)1;
        assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
        assert_null(t);
        assert_non_null(strstr(logged, "URL scheme must be https"));
    }
    /* The scheme is case-insensitive (RFC 3986). */
    cfg.url = "HTTPS://127.0.0.1:1/ok";
    t = make(&cfg);
    omadm_transport_free(t);
}

static void test_invalid_arguments(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t;
    char *resp;
    size_t len;

    (void)state;
    assert_int_equal(omadm_transport_new(NULL, &cfg), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_new(&t, NULL), OMADM_ERR_INVALID);
    cfg.url = "";
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    assert_non_null(strstr(logged, "no server URL"));
    cfg = good_config(port_good, "/ok");
    cfg.cert_file = NULL;
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);
    assert_non_null(strstr(logged, "a client key needs a client certificate"));
    cfg = good_config(port_good, "/ok");
    cfg.total_timeout_ms = -1;
    assert_int_equal(omadm_transport_new(&t, &cfg), OMADM_ERR_INVALID);

    cfg = good_config(port_good, "/ok");
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, NULL, 3, &resp, &len, &info), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_post(t, "x", 1, NULL, &len, &info), OMADM_ERR_INVALID);
    assert_int_equal(omadm_transport_post(NULL, "x", 1, &resp, &len, NULL), OMADM_ERR_INVALID);
    /* NULL body of length 0 and no info are fine. */
    assert_int_equal(omadm_transport_post(t, NULL, 0, &resp, &len, NULL), OMADM_OK);
    omadm__free(resp);
    omadm_transport_free(t);
    omadm_transport_free(NULL);
}

static void test_total_timeout(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/slow");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    cfg.total_timeout_ms = 500;
    post_expect(&cfg, "x", OMADM_ERR_TIMEOUT, "timed out after 500 ms", &info);
    took = now_ms() - start;
    print_message("    took %ld ms\n", took);
    assert_true(took >= 450 && took < 1500); /* the server sleeps 2000 ms */
    assert_null(strstr(info.error, "connect"));
}

/* The total timeout on a reused connection is not called a connect one. */
static void test_timeout_on_reused_connection(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/slowsecond");
    omadm_transport_info info;
    omadm_transport *t;
    char *resp = NULL;
    size_t len = 0;

    (void)state;
    cfg.connect_timeout_ms = 400; /* shorter, yet not the one that fires */
    cfg.total_timeout_ms = 500;
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_OK);
    omadm__free(resp);
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_ERR_TIMEOUT);
    assert_int_equal(info.num_connects, 0);
    assert_string_equal(info.error, "timed out after 500 ms");
    assert_null(resp);
    omadm_transport_free(t);
}

/* TCP connects, the TLS handshake never completes. */
static void test_connect_timeout(void **state)
{
    omadm_transport_config cfg = good_config(port_tarpit, "/ok");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    cfg.connect_timeout_ms = 300;
    post_expect(&cfg, "x", OMADM_ERR_TIMEOUT, "connect timed out after 300 ms", &info);
    took = now_ms() - start;
    assert_true(took >= 250 && took < 1500);
}

/* 50 MB announced by Content-Length: refused before reading the body. */
static void test_too_big_announced(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/big");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_LIMIT, "response larger than 1048576 bytes", &info);
    took = now_ms() - start;
    print_message("    %zu bytes received in %ld ms\n", info.bytes_received, took);
    assert_true(info.bytes_received <= 1 * MiB);
    assert_true(took < 2000);
}

/* 50 MB chunked: the size is only learnt while reading; reading stops at
 * the cap. */
static void test_too_big_streamed(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/stream");
    omadm_transport_info info;
    long start = now_ms(), took;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_LIMIT, "response larger than 1048576 bytes", &info);
    took = now_ms() - start;
    print_message("    %zu bytes received in %ld ms\n", info.bytes_received, took);
    assert_true(info.bytes_received > 1 * MiB - 65536); /* it did read up to the cap */
    assert_true(info.bytes_received <= 1 * MiB + 65536);
    assert_true(took < 2000);

    cfg.max_response = 4096;
    post_expect(&cfg, "x", OMADM_ERR_LIMIT, "response larger than 4096 bytes", &info);
    assert_true(info.bytes_received <= 4096 + 65536);
}

/* 4 MiB of response headers, in one line or many: reported as such (not
 * libcurl's "out of memory"), bounded, and quick. */
static void test_huge_response_headers(void **state)
{
    static const char *const paths[] = { "/bigheader", "/manyheaders" };
    omadm_transport_info info;
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        omadm_transport_config cfg = good_config(port_good, paths[i]);
        long start = now_ms();

        post_expect(&cfg, "x", OMADM_ERR_PROTOCOL, "response headers larger than", &info);
        print_message("    %s: %s (%ld ms)\n", paths[i], info.error, now_ms() - start);
        assert_null(strstr(info.error, "out of memory"));
        assert_true(now_ms() - start < 5000);
    }
}

/* A cap failure leaves the transport usable for the next message. */
static void test_usable_after_limit(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    omadm_transport *t;
    char big[300], *resp = NULL;
    size_t len = 0;

    (void)state;
    memset(big, 'a', sizeof big);
    cfg.max_response = 200;
    t = make(&cfg);
    assert_int_equal(omadm_transport_post(t, big, 201, &resp, &len, &info), OMADM_ERR_LIMIT);
    assert_string_equal(info.error, "response larger than 200 bytes");
    assert_int_equal(omadm_transport_post(t, big, 200, &resp, &len, &info), OMADM_OK);
    assert_int_equal(len, 200);
    assert_memory_equal(resp, big, 200);
    omadm__free(resp);
    omadm_transport_free(t);
}

static void test_wrong_content_type(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/html");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_PROTOCOL,
                "Content-Type text/html is not application/vnd.syncml.dm+xml", &info);
    assert_int_equal(info.http_status, 200);
    assert_string_equal(info.content_type, "text/html");

    cfg = good_config(port_good, "/lookalike");
    post_expect(&cfg, "x", OMADM_ERR_PROTOCOL,
                "Content-Type application/vnd.syncml.dm+xml2 is not application/vnd.syncml.dm+xml",
                &info);

    cfg = good_config(port_good, "/notype");
    post_expect(&cfg, "x", OMADM_ERR_PROTOCOL, "response has no Content-Type", &info);

    /* Media types are case-insensitive. */
    cfg = good_config(port_good, "/okcase");
    post_expect(&cfg, "x", OMADM_OK, "", &info);
}

static void test_429_retry_after(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/429");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "server answered HTTP 429 (retry after 120 s)",
                &info);
    assert_int_equal(info.http_status, 429);
    assert_int_equal(info.retry_after_s, 120);

    /* An HTTP-date, measured from the server's Date (which is in 2001). */
    cfg = good_config(port_good, "/429date");
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "HTTP 429", &info);
    assert_int_equal(info.retry_after_s, 90);

    cfg = good_config(port_good, "/429bad");
    post_expect(&cfg, "x", OMADM_ERR_RETRY_LATER, "HTTP 429 (no usable Retry-After)", &info);
    assert_int_equal(info.retry_after_s, -1);
}

static void test_redirect_not_followed(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/redirect");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT,
                "server answered HTTP 302 (redirects are not followed)", &info);
    assert_int_equal(info.http_status, 302);
    assert_int_equal(info.num_connects, 1);
}

static void test_empty_body(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/empty");
    omadm_transport_info info;
    omadm_transport *t = make(&cfg);
    char *resp = NULL;
    size_t len = 99;

    (void)state;
    assert_int_equal(omadm_transport_post(t, "x", 1, &resp, &len, &info), OMADM_OK);
    assert_int_equal(len, 0);
    assert_non_null(resp);
    assert_string_equal(resp, "");
    assert_string_equal(info.content_type, "text/plain"); /* no matter when empty */
    omadm__free(resp);
    omadm_transport_free(t);
}

static void test_http_500(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/500");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "server answered HTTP 500", &info);
    assert_int_equal(info.http_status, 500);
    assert_int_equal(info.retry_after_s, -1);
}

static void test_connection_refused(void **state)
{
    omadm_transport_config cfg = good_config(1, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "cannot connect", &info);
}

/* proxy: NULL = the environment's, "" = none even if the environment has
 * one, else the one given. */
static void test_proxy(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;
    char proxy[64];
    long c0, t0, c1, t1;

    (void)state;
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", port_proxy);

    server_stats(&c0, &t0);
    cfg.proxy = proxy;
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    server_stats(&c1, &t1);
    assert_int_equal(t1, t0 + 1);

    setenv("https_proxy", proxy, 1);
    cfg.proxy = NULL;
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    server_stats(&c0, &t0);
    assert_int_equal(t0, t1 + 1);

    cfg.proxy = "";
    post_expect(&cfg, "x", OMADM_OK, "", &info);
    server_stats(&c1, &t1);
    assert_int_equal(t1, t0);
    assert_int_equal(c1, c0 + 2); /* the direct POST and the /stats one */

    /* A proxy that is not there. */
    setenv("https_proxy", "http://127.0.0.1:1", 1);
    cfg.proxy = NULL;
    post_expect(&cfg, "x", OMADM_ERR_TRANSPORT, "cannot connect", &info);
    clear_proxy_env();
}

/* Bodies are never logged, not even at debug level. */
static void test_no_body_in_logs(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    omadm_transport_info info;

    (void)state;
    post_expect(&cfg, "<Data>SECRET-BODY</Data>", OMADM_OK, "", &info);
    assert_non_null(strstr(logged, "transport: POST 24 bytes: HTTP 200, 24 bytes back"));
    assert_null(strstr(logged, "SECRET-BODY"));
}

/* Failing each of our allocations in turn: a clean error, no leak. */
static void test_alloc_failures(void **state)
{
    omadm_transport_config cfg = good_config(port_good, "/ok");
    long n;
    int completed = 0;

    (void)state;
    for (n = 1; n < 100 && !completed; n++) {
        omadm_transport *t = NULL;
        omadm_transport_info info;
        char *resp = NULL;
        size_t len = 0;
        omadm_status st;

        omadm__alloc_fail_at(n, 1);
        st = omadm_transport_new(&t, &cfg);
        if (st == OMADM_OK)
            st = omadm_transport_post(t, "<SyncML/>", 9, &resp, &len, &info);
        omadm_transport_free(t);
        if (!omadm__alloc_failed()) {
            assert_int_equal(st, OMADM_OK);
            assert_int_equal(len, 9);
            completed = 1;
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_null(resp);
        }
        omadm__free(resp);
    }
    omadm__alloc_fail_at(0, 0);
    print_message("    %ld allocation points\n", n - 2);
    assert_true(completed);
    assert_true(n > 2); /* at least one allocation was failed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, transport_each_setup)
        T(test_echo_body),          T(test_request_headers),
        T(test_not_https),          T(test_invalid_arguments),
        T(test_total_timeout),      T(test_timeout_on_reused_connection),
        T(test_connect_timeout),    T(test_too_big_announced),
        T(test_too_big_streamed),   T(test_huge_response_headers),
        T(test_usable_after_limit), T(test_wrong_content_type),
        T(test_429_retry_after),    T(test_redirect_not_followed),
        T(test_empty_body),         T(test_http_500),
        T(test_connection_refused), T(test_proxy),
        T(test_no_body_in_logs),    T(test_alloc_failures),
#undef T
    };

    return cmocka_run_group_tests_name("transport", tests, transport_group_setup,
                                       transport_group_teardown);
}
