/* SPDX-License-Identifier: Apache-2.0 */
/* Session limits at their exact values: the challenge-answer cap and the 413
 * for a Results too large for the server's MaxMsgSize (issue 19: mutations
 * M1 and M7 survived the suite without these). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "session_harness.h"

#define HDR_OK(msgref)                                                                             \
    "<Status><CmdID>1</CmdID><MsgRef>" msgref "</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"      \
    "<Data>200</Data></Status>"

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

static omadm_status feed_challenge(harness *h, unsigned msg_id, const char *code)
{
    char body[256], *msg;
    omadm_status st;

    snprintf(body, sizeof body,
             "<Status><CmdID>1</CmdID><MsgRef>%u</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
             "<Chal><Meta><Type xmlns=\"syncml:metinf\">syncml:auth-basic</Type>"
             "<Format xmlns=\"syncml:metinf\">b64</Format></Meta></Chal><Data>%s</Data></Status>",
             msg_id, code);
    msg = harness_server_msg(h, msg_id, NULL, body, 1);
    st = omadm_session_feed(h->session, msg, strlen(msg));
    free(msg);
    return st;
}

/* A server that rejects every credential: the challenge is answered exactly
 * twice (package 1 again, with Cred), the third one fails the session with
 * an authentication error, long before the message cap. */
static void test_auth_retry_cap(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    unsigned i;

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "wrong";
    h->cfg.max_messages = 50;
    harness_start(h);
    m = harness_next(h);
    assert_null(m->hdr.cred);
    for (i = 1; i <= 2; i++) {
        assert_int_equal(feed_challenge(h, i, i == 1 ? "401" : "407"), OMADM_OK);
        m = harness_next(h);
        assert_non_null(m);
        assert_non_null(m->hdr.cred);
        assert_string_equal(m->hdr.cred->meta->type, "syncml:auth-basic");
        assert_string_equal(m->hdr.cred->data, "ZGV2Ondyb25n"); /* dev:wrong */
        assert_string_equal(m->body->next->data, "1201");
    }
    assert_int_equal(feed_challenge(h, 3, "401"), OMADM_ERR_AUTH);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session), "rejected our credentials (401)"));
}

/* MaxMsgSize 2300 leaves room for a small Results, not for Big's 300
 * bytes: Big's Get is answered 413 with no Results, Value's 200 with its
 * Results, and the message stays within the server's size. */
static void test_results_too_big_413(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    const syncml_cmd *st;
    char *msg;

    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1,
                             "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">2300</MaxMsgSize></Meta>",
                             HDR_OK("1") "<Get><CmdID>7</CmdID><Item><Target><LocURI>"
                                         "./Vendor/Test/Big</LocURI></Target></Item></Get>"
                                         "<Get><CmdID>8</CmdID><Item><Target><LocURI>"
                                         "./Vendor/Test/Value</LocURI></Target></Item></Get>",
                             1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_non_null(m);
    assert_true(h->last_len <= 2300);
    st = harness_find(m, SYNCML_CMD_STATUS, "7");
    assert_non_null(st);
    assert_string_equal(st->cmd, "Get");
    assert_string_equal(st->data, "413");
    assert_null(harness_find(m, SYNCML_CMD_RESULTS, "7"));
    st = harness_find(m, SYNCML_CMD_STATUS, "8");
    assert_non_null(st);
    assert_string_equal(st->data, "200");
    assert_non_null(harness_find(m, SYNCML_CMD_RESULTS, "8"));
    assert_int_equal(harness_count(m, SYNCML_CMD_RESULTS), 1);

    /* The same Get with room to spare: 200 and the 300-byte Results. */
    msg = harness_server_msg(h, 2,
                             "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">8192</MaxMsgSize></Meta>",
                             HDR_OK("2") "<Get><CmdID>9</CmdID><Item><Target><LocURI>"
                                         "./Vendor/Test/Big</LocURI></Target></Item></Get>",
                             1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_non_null(m);
    st = harness_find(m, SYNCML_CMD_STATUS, "9");
    assert_non_null(st);
    assert_string_equal(st->data, "200");
    assert_non_null(harness_find(m, SYNCML_CMD_RESULTS, "9"));
}

/* A MaxMsgSize below 1024 is ignored (nothing useful would fit): the
 * default stays, and Big's Results goes out whole. */
static void test_tiny_max_msg_size_ignored(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    const syncml_cmd *st;
    char *msg;

    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1,
                             "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">1023</MaxMsgSize></Meta>",
                             HDR_OK("1") "<Get><CmdID>7</CmdID><Item><Target><LocURI>"
                                         "./Vendor/Test/Big</LocURI></Target></Item></Get>",
                             1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_non_null(m);
    st = harness_find(m, SYNCML_CMD_STATUS, "7");
    assert_non_null(st);
    assert_string_equal(st->data, "200");
    assert_non_null(harness_find(m, SYNCML_CMD_RESULTS, "7"));
}

/* Answers left over for a later message: a server reply carrying only
 * Statuses does not end the session while answers are still pending; the
 * next message carries them. */
static void test_pending_answers_survive_status_only_reply(void **state)
{
    harness *h = *state;
    char body[8192];
    size_t len = 0;
    int i;
    const syncml_msg *m;
    char *msg;

    len += (size_t)snprintf(body + len, sizeof body - len, HDR_OK("1"));
    for (i = 1; i <= 30; i++)
        len += (size_t)snprintf(body + len, sizeof body - len,
                                "<Get><CmdID>%d</CmdID><Item><Target><LocURI>./Vendor/Test/Big"
                                "</LocURI></Target></Item></Get>",
                                i);
    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(
        h, 1, "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">4096</MaxMsgSize></Meta>", body, 1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_non_null(m);
    assert_non_null(harness_find(m, SYNCML_CMD_RESULTS, "1"));
    assert_null(harness_find(m, SYNCML_CMD_RESULTS, "30"));
    harness_feed(h, 2, HDR_OK("2"), 1);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_RUNNING);
    m = harness_next(h);
    assert_non_null(m);
    assert_true(harness_count(m, SYNCML_CMD_RESULTS) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_auth_retry_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_too_big_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tiny_max_msg_size_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_answers_survive_status_only_reply, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("session-limits", tests, NULL, NULL);
}
