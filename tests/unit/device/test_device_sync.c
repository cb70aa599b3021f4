/* SPDX-License-Identifier: Apache-2.0 */
/* omadm_device_sync over the built-in HTTPS transport, against the
 * transport tests' loopback server (tests/unit/transport/tls_server.py,
 * its /dm path a two-package DM server): a completed session, and each
 * way one fails (HTTP status, 429, TLS, a reply that is not SyncML, a
 * URL the transport refuses, allocation failures), as the status returned
 * and omadm_device_last_result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "omadm/device.h"
#include "testutil.h"
#include "transport_fixture.h"

typedef struct fixture {
    char *dir;
    omadm_device *dev;
} fixture;

/* A device on the simulated platform talking mutual TLS to `path` on the
 * good server (the transport fixture's CA and client certificate). */
static omadm_device *device_at(fixture *f, int port, const char *path)
{
    omadm_transport_config tc = good_config(port, path);
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;

    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    cfg.state_dir = f->dir;
    cfg.device_id = "DEV-SYNC-1";
    cfg.server_url = tc.url;
    cfg.ca_file = tc.ca_file;
    cfg.cert_file = tc.cert_file;
    cfg.key_file = tc.key_file;
    assert_int_equal(omadm_device_new(&f->dev, &cfg), OMADM_OK);
    return f->dev;
}

static int each_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    transport_each_setup(state);
    if (!f)
        return -1;
    f->dir = tu_mkdtemp();
    *state = f;
    return 0;
}

static int each_teardown(void **state)
{
    fixture *f = *state;

    omadm__alloc_fail_at(0, 0);
    omadm_device_free(f->dev);
    tu_rmtree_free(f->dir);
    free(f);
    return 0;
}

static omadm_device_result last_result(omadm_device *dev)
{
    omadm_device_result res;

    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    assert_int_equal(omadm_device_last_result(dev, &res), OMADM_OK);
    return res;
}

/* Package 1, the server's Get, our Results, the server's end: completed
 * in two messages; the next sync (same connection) takes the next
 * SessionID. */
static void test_sync_completes(void **state)
{
    fixture *f = *state;
    omadm_device *dev = device_at(f, port_good, "/dm");
    omadm_device_result res;

    assert_int_equal(omadm_device_sync(dev), OMADM_OK);
    res = last_result(dev);
    assert_true(res.completed);
    assert_int_equal(res.session_id, 1);
    assert_int_equal(res.messages, 2);
    assert_int_equal(res.retry_after, -1);
    assert_string_equal(res.error, "");
    assert_true(res.started > 0 && res.finished >= res.started);

    assert_int_equal(omadm_device_sync(dev), OMADM_OK);
    res = last_result(dev);
    assert_true(res.completed);
    assert_int_equal(res.session_id, 2);
    assert_int_equal(res.messages, 2);
}

/* The server's status ends the session at once, with its words. */
static void test_sync_http_error(void **state)
{
    fixture *f = *state;
    omadm_device *dev = device_at(f, port_good, "/500");
    omadm_device_result res;

    assert_int_equal(omadm_device_sync(dev), OMADM_ERR_TRANSPORT);
    res = last_result(dev);
    assert_false(res.completed);
    assert_int_equal(res.messages, 1);
    assert_int_equal(res.retry_after, -1);
    assert_string_equal(res.error, "server answered HTTP 500");
}

/* 429 carries its Retry-After to the result. */
static void test_sync_retry_later(void **state)
{
    fixture *f = *state;
    omadm_device *dev = device_at(f, port_good, "/429");
    omadm_device_result res;

    assert_int_equal(omadm_device_sync(dev), OMADM_ERR_RETRY_LATER);
    res = last_result(dev);
    assert_false(res.completed);
    assert_int_equal(res.retry_after, 120);
    assert_string_equal(res.error, "server answered HTTP 429 (retry after 120 s)");
}

/* A server certificate of another CA: the TLS error, nothing sent. */
static void test_sync_tls_failure(void **state)
{
    fixture *f = *state;
    omadm_device *dev = device_at(f, port_wronghost, "/dm");
    omadm_device_result res;

    assert_int_equal(omadm_device_sync(dev), OMADM_ERR_TLS);
    res = last_result(dev);
    assert_false(res.completed);
    assert_non_null(strstr(res.error, "TLS: server certificate verification failed ("));
}

/* 200 with the SyncML type but no SyncML in it: a protocol failure, the
 * session's own words in the result. */
static void test_sync_reply_not_syncml(void **state)
{
    fixture *f = *state;
    omadm_device *dev = device_at(f, port_good, "/dmgarbage");
    omadm_device_result res;

    assert_int_equal(omadm_device_sync(dev), OMADM_ERR_PROTOCOL);
    res = last_result(dev);
    assert_false(res.completed);
    assert_int_equal(res.messages, 1);
    assert_true(res.error[0] != '\0');
}

/* The device keeps any URL; the transport refuses a non-https one before
 * a session starts, so there is no result. */
static void test_sync_url_refused(void **state)
{
    fixture *f = *state;
    omadm_device_config cfg = OMADM_DEVICE_CONFIG_INIT;
    omadm_device_result res;

    cfg.platform = OMADM_DEVICE_PLATFORM_SIM;
    cfg.state_dir = f->dir;
    cfg.device_id = "DEV-SYNC-1";
    cfg.server_url = "http://127.0.0.1:1/dm";
    assert_int_equal(omadm_device_new(&f->dev, &cfg), OMADM_OK);
    assert_int_equal(omadm_device_sync(f->dev), OMADM_ERR_INVALID);
    assert_non_null(strstr(logged, "transport: URL scheme must be https"));
    memset(&res, 0, sizeof res);
    res.size = sizeof res;
    assert_int_equal(omadm_device_last_result(f->dev, &res), OMADM_ERR_NOT_FOUND);
    assert_int_equal(omadm_device_sync(NULL), OMADM_ERR_INVALID);
}

/* Each allocation of a whole sync failing in turn. Out of memory ends
 * the sync with OMADM_ERR_NOMEM, said in the result once the session has
 * started, the previous result intact when it could not start. Two
 * failures are the server's to see instead, by design: a DevInfo item
 * package 1 could not read is left out (the session completes), and a
 * command that could not run is answered 500 (this server then refuses
 * with HTTP 400). The device completes the next sync every time. */
static void test_sync_alloc_failures(void **state)
{
    fixture *f = *state;
    omadm_device *dev = device_at(f, port_good, "/dm");
    unsigned nomem = 0, item_left_out = 0, answered_500 = 0, prev_id;
    int completed = 0;
    long n;

    assert_int_equal(omadm_device_sync(dev), OMADM_OK);
    for (n = 1; n < 2000 && !completed; n++) {
        omadm_device_result res;
        omadm_status st;

        prev_id = last_result(dev).session_id;
        omadm__alloc_fail_at(n, 0);
        st = omadm_device_sync(dev);
        completed = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        res = last_result(dev);
        if (completed) {
            assert_int_equal(st, OMADM_OK);
            break;
        }
        if (st == OMADM_ERR_NOMEM) {
            nomem++;
            if (res.session_id == prev_id) { /* not started: the last one, intact */
                assert_true(res.completed);
                assert_string_equal(res.error, "");
            } else {
                assert_false(res.completed);
                assert_non_null(strstr(res.error, "out of memory"));
            }
        } else if (st == OMADM_OK) {
            item_left_out++;
            assert_true(res.completed);
            assert_int_equal(res.messages, 2);
        } else {
            answered_500++;
            assert_string_equal(omadm_status_name(st), omadm_status_name(OMADM_ERR_TRANSPORT));
            assert_string_equal(res.error, "server answered HTTP 400");
        }
        assert_int_equal(omadm_device_sync(dev), OMADM_OK);
    }
    print_message(
        "    %ld allocation points: %u out of memory, %u item left out, %u answered 500\n", n - 1,
        nomem, item_left_out, answered_500);
    assert_true(completed);
    assert_true(nomem > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, each_setup, each_teardown)
        T(test_sync_completes),      T(test_sync_http_error),       T(test_sync_retry_later),
        T(test_sync_tls_failure),    T(test_sync_reply_not_syncml), T(test_sync_url_refused),
        T(test_sync_alloc_failures),
#undef T
    };

    return cmocka_run_group_tests_name("device-sync", tests, transport_group_setup,
                                       transport_group_teardown);
}
