/* SPDX-License-Identifier: Apache-2.0 */
/* Session failures the other session tests do not reach: challenges we
 * cannot answer (an unknown scheme, MD5 without a nonce, a bad NextNonce
 * once authenticated), a server speaking another DM version, a second
 * oversized reply after our 413, caller-given parser limits capped by the
 * inbound size, and the state names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "session/auth.h"
#include "session_harness.h"

#define HDR_STATUS(msgref, chal, code)                                                             \
    "<Status><CmdID>1</CmdID><MsgRef>" msgref "</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>" chal \
    "<Data>" code "</Data></Status>"
#define CHAL(type, nonce)                                                                          \
    "<Chal><Meta><Type xmlns=\"syncml:metinf\">" type "</Type>"                                    \
    "<Format xmlns=\"syncml:metinf\">b64</Format>" nonce "</Meta></Chal>"
#define NONCE(n) "<NextNonce xmlns=\"syncml:metinf\">" n "</NextNonce>"

static int setup(void **state)
{
    harness *h = calloc(1, sizeof *h);

    harness_init(h);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    harness_free(*state);
    free(*state);
    return 0;
}

static omadm_status feed(harness *h, unsigned msg_id, const char *body)
{
    char *msg = harness_server_msg(h, msg_id, NULL, body, 1);
    omadm_status st = omadm_session_feed(h->session, msg, strlen(msg));

    free(msg);
    return st;
}

static void expect_failed(harness *h, const char *error)
{
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    if (!strstr(omadm_session_error(h->session), error))
        fail_msg("error \"%s\" lacks \"%s\"", omadm_session_error(h->session), error);
    assert_null(harness_next(h));
}

static void test_unsupported_challenge(void **state)
{
    harness *h = *state;

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "s3cret";
    harness_start(h);
    harness_next(h);
    assert_int_equal(feed(h, 1, HDR_STATUS("1", CHAL("syncml:auth-X509", ""), "401")),
                     OMADM_ERR_AUTH);
    expect_failed(h, "the server asked for unsupported authentication syncml:auth-X509");
}

static void test_md5_challenge_without_nonce(void **state)
{
    harness *h = *state;

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "s3cret";
    harness_start(h);
    harness_next(h);
    assert_int_equal(feed(h, 1, HDR_STATUS("1", CHAL("syncml:auth-md5", ""), "401")),
                     OMADM_ERR_PROTOCOL);
    expect_failed(h, "the server asked for syncml:auth-md5 without a nonce");
}

/* Authenticating each message with MD5 (200, not 212), the server's next
 * nonce is not base64: our next Cred cannot be made, the session stops. */
static void test_bad_next_nonce_after_auth(void **state)
{
    harness *h = *state;
    const syncml_msg *m;

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "s3cret";
    harness_start(h);
    harness_next(h);
    assert_int_equal(feed(h, 1, HDR_STATUS("1", CHAL("syncml:auth-md5", NONCE("AAECAw==")), "401")),
                     OMADM_OK);
    m = harness_next(h);
    assert_non_null(m->hdr.cred);
    assert_int_equal(feed(h, 2, HDR_STATUS("2", CHAL("syncml:auth-md5", NONCE("!!!!")), "200")),
                     OMADM_ERR_PROTOCOL);
    expect_failed(h, "the server's authentication nonce (NextNonce) ");
}

/* A good next nonce: our next Cred is made with it. */
static void test_good_next_nonce_after_auth(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    char *want = NULL;

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "s3cret";
    harness_start(h);
    harness_next(h);
    assert_int_equal(feed(h, 1, HDR_STATUS("1", CHAL("syncml:auth-md5", NONCE("AAECAw==")), "401")),
                     OMADM_OK);
    harness_next(h);
    assert_int_equal(
        feed(h, 2,
             HDR_STATUS("2", CHAL("syncml:auth-md5", NONCE("BAUGBw==")),
                        "200") "<Exec><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/Test/Run"
                               "</LocURI></Target></Item></Exec>"),
        OMADM_OK);
    m = harness_next(h);
    assert_non_null(m);
    assert_int_equal(h->exec_count, 1);
    assert_non_null(m->hdr.cred);
    assert_int_equal(omadm__auth_md5("dev", "s3cret", "BAUGBw==", &want), OMADM_OK);
    assert_string_equal(m->hdr.cred->data, want);
    omadm__free(want);
}

/* DM 1.1 from the server: not ours to speak. */
static void test_other_dm_version(void **state)
{
    harness *h = *state;
    char *msg, *p;

    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1, NULL, HDR_STATUS("1", "", "200"), 1);
    p = strstr(msg, "<VerProto>DM/1.2</VerProto>");
    assert_non_null(p);
    p[strlen("<VerProto>DM/1.")] = '1';
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_ERR_PROTOCOL);
    free(msg);
    expect_failed(h, "the server speaks DM/1.1, not SyncML DM 1.2");
}

/* The transport cut a reply (413 sent), then cuts the answer to it too:
 * the session gives up. Outside a reply, the call does nothing. */
static void test_second_cut_reply_fails(void **state)
{
    harness *h = *state;
    const syncml_msg *m;

    harness_start(h);
    /* Not awaiting a reply yet: ignored. */
    omadm_session_reply_too_large(h->session, 5000000);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_RUNNING);
    harness_next(h);
    omadm_session_reply_too_large(h->session, 5000000);
    m = harness_next(h);
    assert_non_null(m);
    assert_string_equal(harness_find(m, SYNCML_CMD_STATUS, "0")->data, "413");
    omadm_session_reply_too_large(h->session, 6000000);
    expect_failed(h, "the server's message of 5000000 bytes exceeds the ");
    /* Failed: a further call changes nothing. */
    omadm_session_reply_too_large(h->session, 1);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
}

/* Parser limits from the caller keep their own values, but a message cap
 * above the inbound size is brought down to it. */
static void test_given_limits_capped_by_inbound(void **state)
{
    harness *h = *state;
    syncml_limits lim = SYNCML_LIMITS_DEFAULT;
    const syncml_msg *m;
    char *msg;
    size_t len;

    lim.max_message = 50u * 1024 * 1024;
    h->cfg.limits = &lim;
    h->cfg.max_inbound_size = 2000;
    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1, NULL, HDR_STATUS("1", "", "200"), 1);
    len = strlen(msg);
    assert_true(len < 2000);
    free(msg);
    /* 2001 bytes: over the inbound size, answered 413. */
    {
        char body[2200];
        size_t pad;

        msg = harness_server_msg(h, 1, NULL, "", 1);
        pad = 2001 - strlen(msg) -
              strlen("<Get><CmdID>2</CmdID><Item><Target><LocURI>./"
                     "</LocURI></Target></Item></Get>");
        free(msg);
        memset(body, 0, sizeof body);
        strcpy(body, "<Get><CmdID>2</CmdID><Item><Target><LocURI>./");
        memset(body + strlen(body), 'a', pad);
        strcat(body, "</LocURI></Target></Item></Get>");
        msg = harness_server_msg(h, 1, NULL, body, 1);
        assert_int_equal(strlen(msg), 2001);
    }
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_string_equal(harness_find(m, SYNCML_CMD_STATUS, "0")->data, "413");
}

static void test_state_names(void **state)
{
    (void)state;
    assert_string_equal(omadm_session_state_name(OMADM_SESSION_RUNNING), "running");
    assert_string_equal(omadm_session_state_name(OMADM_SESSION_COMPLETED), "completed");
    assert_string_equal(omadm_session_state_name(OMADM_SESSION_FAILED), "failed");
    assert_string_equal(omadm_session_state_name((omadm_session_state)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_unsupported_challenge),
        T(test_md5_challenge_without_nonce),
        T(test_bad_next_nonce_after_auth),
        T(test_good_next_nonce_after_auth),
        T(test_other_dm_version),
        T(test_second_cut_reply_fails),
        T(test_given_limits_capped_by_inbound),
        cmocka_unit_test(test_state_names),
#undef T
    };

    return cmocka_run_group_tests_name("session-more", tests, NULL, NULL);
}
