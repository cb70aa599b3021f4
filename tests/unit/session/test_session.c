/* SPDX-License-Identifier: Apache-2.0 */
/* Session engine against a scripted server: no network. */
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

static void assert_status(const syncml_msg *m, const char *cmd_ref, const char *cmd,
                          const char *msg_ref, const char *code)
{
    const syncml_cmd *st = harness_find(m, SYNCML_CMD_STATUS, cmd_ref);

    if (!st) {
        fail_msg("no Status for CmdRef %s", cmd_ref);
        return; /* not reached: fail_msg longjmps, but is not declared noreturn */
    }
    assert_string_equal(st->cmd, cmd);
    assert_string_equal(st->msg_ref, msg_ref);
    assert_string_equal(st->data, code);
}

/* Package 1 as Windows sends it: Alert 1201 (CmdID 2), DevInfo Replace,
 * Final; MsgID 1, the configured SessionID, MaxMsgSize announced. */
static void test_package1_shape(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    const syncml_cmd *c;
    const char *nodes[] = { "./DevInfo/DevId", "./DevInfo/Man", "./DevInfo/Mod", "./DevInfo/DmV",
                            "./DevInfo/Lang" };
    const syncml_item *it;
    size_t i = 0;

    harness_start(h);
    m = harness_next(h);
    assert_non_null(m);
    assert_string_equal(m->hdr.ver_dtd, "1.2");
    assert_string_equal(m->hdr.ver_proto, "DM/1.2");
    assert_string_equal(m->hdr.session_id, "17");
    assert_string_equal(m->hdr.msg_id, "1");
    assert_string_equal(m->hdr.target_uri, HARNESS_SERVER);
    assert_string_equal(m->hdr.source_uri, HARNESS_DEVICE);
    assert_string_equal(m->hdr.meta->max_msg_size, "524288");
    assert_true(m->final);
    c = m->body;
    assert_int_equal(c->type, SYNCML_CMD_ALERT);
    assert_string_equal(c->cmd_id, "2");
    assert_string_equal(c->data, "1201");
    c = c->next;
    assert_int_equal(c->type, SYNCML_CMD_REPLACE);
    assert_string_equal(c->cmd_id, "3");
    for (it = c->items; it; it = it->next, i++) {
        assert_string_equal(it->source_uri, nodes[i]);
        assert_null(it->meta);
    }
    assert_int_equal(i, 5);
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): cmocka stops at i != 5 */
    assert_string_equal(c->items->data, HARNESS_DEVICE);
    assert_null(c->next);
    /* A second call before the reply is a state error. */
    {
        char *text;
        size_t len;

        assert_int_equal(omadm_session_next_message(h->session, &text, &len), OMADM_ERR_STATE);
    }
}

static void test_server_initiated_alert(void **state)
{
    harness *h = *state;

    h->cfg.server_initiated = 1;
    harness_start(h);
    assert_string_equal(harness_next(h)->body->data, "1200");
    omadm_session_free(h->session);
    h->session = NULL;

    /* A push notification's 16-bit session id travels in hex (SessionID
     * is at most 4 bytes); 0 is a valid one. A client-initiated session
     * keeps its 1..255 counter. */
    {
        omadm_session *s = NULL;
        omadm_session_config cfg = h->cfg;
        char *msg = NULL;
        size_t len = 0;

        cfg.session_id = 0xBEEF;
        assert_int_equal(omadm_session_new(&s, &cfg), OMADM_OK);
        assert_int_equal(omadm_session_next_message(s, &msg, &len), OMADM_OK);
        assert_non_null(strstr(msg, "<SessionID>BEEF</SessionID>"));
        omadm_free(msg);
        omadm_session_free(s);
        cfg.session_id = 0;
        assert_int_equal(omadm_session_new(&s, &cfg), OMADM_OK);
        assert_int_equal(omadm_session_next_message(s, &msg, &len), OMADM_OK);
        assert_non_null(strstr(msg, "<SessionID>0</SessionID>"));
        omadm_free(msg);
        omadm_session_free(s);
        cfg.session_id = 0x10000;
        assert_int_equal(omadm_session_new(&s, &cfg), OMADM_ERR_INVALID);
        cfg.server_initiated = 0;
        cfg.session_id = 256;
        assert_int_equal(omadm_session_new(&s, &cfg), OMADM_ERR_INVALID);
        cfg.session_id = 0;
        assert_int_equal(omadm_session_new(&s, &cfg), OMADM_ERR_INVALID);
    }
}

/* An enrolled device (MS-MDM): Alert 1224 LoginStatus right after 1201,
 * then the user's unenrollment alert 1226 (Format int, Data 1, no
 * Source/Target), then the DevInfo Replace. */
static void test_enrollment_alerts(void **state)
{
    harness *h = *state;
    const syncml_cmd *c;

    h->cfg.login_status = "user";
    h->cfg.unenroll_request = 1;
    harness_start(h);
    c = harness_next(h)->body;
    assert_string_equal(c->data, "1201");
    c = c->next;
    assert_int_equal(c->type, SYNCML_CMD_ALERT);
    assert_string_equal(c->data, "1224");
    assert_string_equal(c->items->meta->type, "com.microsoft/MDM/LoginStatus");
    assert_string_equal(c->items->data, "user");
    c = c->next;
    assert_string_equal(c->data, "1226");
    assert_string_equal(c->items->meta->type, "com.microsoft:mdm.unenrollment.userrequest");
    assert_string_equal(c->items->meta->format, "int");
    assert_string_equal(c->items->data, "1");
    assert_null(c->items->source_uri);
    assert_null(c->items->target_uri);
    assert_int_equal(c->next->type, SYNCML_CMD_REPLACE);
}

/* Get, Replace and Exec in package 2; the reply answers each in order with
 * the SyncHdr Status first, Results after the Get's Status, Final; the
 * server's Status-only package 4 ends the session without a message. */
static void test_normal_session(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    const syncml_cmd *c;

    harness_start(h);
    harness_next(h);
    harness_feed(h, 1,
                 HDR_OK("1") "<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef>"
                             "<Cmd>Alert</Cmd><Data>200</Data></Status>"
                             "<Get><CmdID>10</CmdID><Item><Target><LocURI>./Vendor/Test/Value"
                             "</LocURI></Target></Item></Get>"
                             "<Replace><CmdID>11</CmdID><Item><Target><LocURI>./Vendor/Test/"
                             "Value</LocURI></Target><Data>new</Data></Item></Replace>"
                             "<Exec><CmdID>12</CmdID><Item><Target><LocURI>./Vendor/Test/Run"
                             "</LocURI></Target></Item></Exec>",
                 1);
    m = harness_next(h);
    assert_non_null(m);
    assert_string_equal(m->hdr.msg_id, "2");
    c = m->body;
    assert_string_equal(c->cmd_id, "1");
    assert_string_equal(c->cmd_ref, "0");
    assert_string_equal(c->cmd, "SyncHdr");
    assert_string_equal(c->msg_ref, "1");
    assert_status(m, "10", "Get", "1", "200");
    assert_status(m, "11", "Replace", "1", "200");
    assert_status(m, "12", "Exec", "1", "200");
    c = harness_find(m, SYNCML_CMD_RESULTS, "10");
    assert_non_null(c);
    assert_string_equal(c->items->source_uri, "./Vendor/Test/Value");
    assert_string_equal(c->items->data, "v");
    /* Results come after the Get's Status, and CmdIDs are 1, 2, 3... */
    assert_string_equal(m->body->next->cmd_ref, "10");
    assert_string_equal(m->body->next->next->type == SYNCML_CMD_RESULTS ? "r" : "s", "r");
    assert_true(m->final);
    assert_int_equal(h->exec_count, 1);
    harness_feed(h, 2, HDR_OK("2"), 1);
    assert_null(harness_next(h));
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
    assert_int_equal(h->session_ended, 1);
    assert_int_equal(h->session_completed, 1);
    assert_int_equal(omadm_session_messages_sent(h->session), 2);
}

/* Fleet: UUID CmdIDs, a comment inside a command, raw XML in Data, Meta
 * after Data, no Final, no Status for our Alerts, an empty body at the end. */
static void test_fleet_style(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    omadm_outbox_entry e = { 0 };

    e.kind = OMADM_OUTBOX_ALERT;
    e.type = "com.example.test";
    e.format = "chr";
    e.data = "hello";
    assert_int_equal(omadm_outbox_add(h->outbox, &e, NULL), OMADM_OK);
    harness_start(h);
    m = harness_next(h);
    assert_non_null(harness_find(m, SYNCML_CMD_ALERT, NULL));
    assert_int_equal(harness_count(m, SYNCML_CMD_ALERT), 2);
    harness_feed(h, 1,
                 HDR_OK("1") "<Replace><!-- fleet puts comments here --><CmdID>"
                             "0f8d2b9e-2c51-4d7a-9a0e-8d2c7f6a1b3c</CmdID><Item><Target><LocURI>"
                             "./Vendor/Test/Doc</LocURI></Target><Data><Inner xmlns=\"urn:x\">"
                             "<A>1</A></Inner></Data><Meta><Format>xml</Format></Meta></Item>"
                             "</Replace>",
                 0);
    /* No Status for the 1226 Alert plus a 2xx SyncHdr Status: acknowledged. */
    assert_int_equal(omadm_outbox_count(h->outbox), 0);
    m = harness_next(h);
    assert_non_null(m);
    assert_status(m, "0f8d2b9e-2c51-4d7a-9a0e-8d2c7f6a1b3c", "Replace", "1", "200");
    /* The server's package had no Final: ours must not close either. */
    assert_false(m->final);
    assert_int_equal(omadm_session_feed(h->session, "", 0), OMADM_OK);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
    assert_null(harness_next(h));
}

/* A server message without Final and without commands needing answers gets
 * Alert 1222 (next message); the server then sends the rest. */
static void test_server_multi_message(void **state)
{
    harness *h = *state;
    const syncml_msg *m;

    harness_start(h);
    harness_next(h);
    harness_feed(h, 1,
                 HDR_OK("1") "<Exec><CmdID>5</CmdID><Item><Target><LocURI>./Vendor/Test/Run"
                             "</LocURI></Target></Item></Exec>",
                 0);
    m = harness_next(h);
    assert_status(m, "5", "Exec", "1", "200");
    assert_false(m->final);
    /* Second server message: only a Status for our header, still no Final. */
    harness_feed(h, 2, HDR_OK("2"), 0);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);

    /* A fresh session: the server's first message holds commands but no
     * Final; after our answers the server sends an Alert 1222-less message
     * with more commands and Final. */
    omadm_session_free(h->session);
    h->session = NULL;
    harness_start(h);
    harness_next(h);
    harness_feed(h, 1,
                 HDR_OK("1") "<Get><CmdID>1a</CmdID><Item><Target><LocURI>./Vendor/Test/Value"
                             "</LocURI></Target></Item></Get>",
                 0);
    m = harness_next(h);
    assert_false(m->final);
    harness_feed(h, 2,
                 HDR_OK("2") "<Exec><CmdID>1b</CmdID><Item><Target><LocURI>./Vendor/Test/Run"
                             "</LocURI></Target></Item></Exec>",
                 1);
    m = harness_next(h);
    assert_status(m, "1b", "Exec", "2", "200");
    assert_true(m->final);
    harness_feed(h, 3, HDR_OK("3"), 1);
    assert_null(harness_next(h));
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
}

/* The server's package has no Final and nothing we must answer but its
 * header (a NoResp command): we ask for the next message with Alert 1222. */
static void test_alert_1222_when_nothing_to_send(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    const syncml_cmd *a;

    harness_start(h);
    harness_next(h);
    harness_feed(h, 1,
                 HDR_OK("1") "<Exec><CmdID>9</CmdID><NoResp/><Item><Target><LocURI>"
                             "./Vendor/Test/Run</LocURI></Target></Item></Exec>",
                 0);
    assert_int_equal(h->exec_count, 1);
    m = harness_next(h);
    assert_non_null(m);
    assert_null(harness_find(m, SYNCML_CMD_STATUS, "9"));
    a = harness_find(m, SYNCML_CMD_ALERT, NULL);
    assert_non_null(a);
    assert_string_equal(a->data, "1222");
    assert_false(m->final);
    harness_feed(h, 2,
                 HDR_OK("2") "<Exec><CmdID>10</CmdID><Item><Target><LocURI>./Vendor/Test/Run"
                             "</LocURI></Target></Item></Exec>",
                 1);
    m = harness_next(h);
    assert_status(m, "10", "Exec", "2", "200");
    assert_null(harness_find(m, SYNCML_CMD_ALERT, NULL));
    assert_true(m->final);
    harness_feed(h, 3, HDR_OK("3"), 1);
    assert_null(harness_next(h));
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
}

/* A Results larger than any message of ours (MaxMsgSize 2400 leaves room
 * for about 350 bytes per command): its Get is answered 413 and the
 * Results dropped, whatever sits between; the other answers are intact. */
static void test_oversized_results_413(void **state)
{
    harness *h = *state;
    char *msg;
    const syncml_msg *m;
    const syncml_cmd *st;

    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1,
                             "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">2400</MaxMsgSize></Meta>",
                             HDR_OK("1") "<Get><CmdID>2</CmdID><Item><Target><LocURI>"
                                         "./Vendor/Test/Big</LocURI></Target></Item></Get>"
                                         "<Get><CmdID>3</CmdID><Item><Target><LocURI>"
                                         "./Vendor/Test/Value</LocURI></Target></Item></Get>"
                                         "<Get><CmdID>4</CmdID><Item><Target><LocURI>"
                                         "./Vendor/Test/Big</LocURI></Target></Item></Get>",
                             1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_non_null(m);
    assert_true(m->final);
    assert_true(h->last_len <= 2400);
    st = harness_find(m, SYNCML_CMD_STATUS, "2");
    assert_non_null(st);
    assert_string_equal(st->data, "413");
    st = harness_find(m, SYNCML_CMD_STATUS, "4");
    assert_non_null(st);
    assert_string_equal(st->data, "413");
    st = harness_find(m, SYNCML_CMD_STATUS, "3");
    assert_non_null(st);
    assert_string_equal(st->data, "200");
    assert_null(harness_find(m, SYNCML_CMD_RESULTS, "2"));
    assert_null(harness_find(m, SYNCML_CMD_RESULTS, "4"));
    assert_non_null(harness_find(m, SYNCML_CMD_RESULTS, "3"));
    assert_int_equal(harness_count(m, SYNCML_CMD_RESULTS), 1);
    harness_feed(h, 2, HDR_OK("2"), 1);
    assert_null(harness_next(h));
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
}

/* 500 Gets in one package, MaxMsgSize 4096: every reply fits, every Status
 * and Results is delivered exactly once, 1222 from the server fetches the
 * next part, Final only on the last part. */
static void test_500_gets_split(void **state)
{
    harness *h = *state;
    size_t cap = 600 * 160, len = 0, statuses = 0, results = 0, messages = 0;
    char *body = malloc(cap), *msg;
    unsigned char seen_status[501] = { 0 }, seen_results[501] = { 0 };
    unsigned server_msg = 2;
    int i;
    const syncml_msg *m;
    const syncml_cmd *c;

    assert_non_null(body);
    len += (size_t)snprintf(body + len, cap - len, HDR_OK("1"));
    for (i = 1; i <= 500; i++)
        len += (size_t)snprintf(body + len, cap - len,
                                "<Get><CmdID>%d</CmdID><Item><Target><LocURI>./Vendor/Test/%s"
                                "</LocURI></Target></Item></Get>",
                                i, i % 2 ? "Value" : "Big");
    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1,
                             "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">4096</MaxMsgSize>"
                             "</Meta>",
                             body, 1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    free(body);
    while ((m = harness_next(h)) != NULL) {
        messages++;
        assert_true(h->last_len <= 4096);
        for (c = m->body; c; c = c->next) {
            long ref = c->cmd_ref ? strtol(c->cmd_ref, NULL, 10) : 0;

            if (c->type == SYNCML_CMD_STATUS && c->cmd && strcmp(c->cmd, "Get") == 0) {
                assert_int_equal(seen_status[ref], 0);
                seen_status[ref] = 1;
                statuses++;
            } else if (c->type == SYNCML_CMD_RESULTS) {
                assert_true(ref > 0 && ref <= 500);
                assert_int_equal(seen_status[ref], 1); /* Status came first */
                assert_int_equal(seen_results[ref], 0);
                seen_results[ref] = 1;
                results++;
            }
        }
        if (statuses < 500 || results < 500) {
            assert_false(m->final);
            /* The server asks for the next message. */
            harness_feed(h, server_msg++,
                         HDR_OK("2") "<Alert><CmdID>1</CmdID><Data>1222</Data>"
                                     "</Alert>",
                         0);
        } else {
            harness_feed(h, server_msg++, HDR_OK("2"), 1);
        }
        assert_true(messages < 100);
    }
    assert_int_equal(statuses, 500);
    assert_int_equal(results, 500);
    assert_true(messages > 10);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
}

static void test_abort_1223(void **state)
{
    harness *h = *state;

    harness_start(h);
    harness_next(h);
    harness_feed(h, 1,
                 HDR_OK("1") "<Exec><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/Test/Run"
                             "</LocURI></Target></Item></Exec>"
                             "<Alert><CmdID>4</CmdID><Data>1223</Data></Alert>",
                 1);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_ABORTED);
    assert_null(harness_next(h));
    /* Nothing after an abort runs. */
    assert_int_equal(h->exec_count, 0);
    assert_int_equal(h->session_completed, 0);
}

/* 407 with an MD5 challenge: package 1 is sent again with Cred. The
 * expected digest was computed independently with the openssl CLI:
 * base64(md5(base64(md5("dev:s3cret")) ":" 00 01 02 03)). */
static void test_md5_challenge(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    char *msg;

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "s3cret";
    harness_start(h);
    m = harness_next(h);
    assert_null(m->hdr.cred);
    msg = harness_server_msg(h, 1, NULL,
                             "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef>"
                             "<Cmd>SyncHdr</Cmd><Chal><Meta><Type xmlns=\"syncml:metinf\">"
                             "syncml:auth-md5</Type><Format xmlns=\"syncml:metinf\">b64</Format>"
                             "<NextNonce xmlns=\"syncml:metinf\">AAECAw==</NextNonce></Meta>"
                             "</Chal><Data>407</Data></Status>",
                             1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_non_null(m->hdr.cred);
    assert_string_equal(m->hdr.cred->meta->type, "syncml:auth-md5");
    assert_string_equal(m->hdr.cred->meta->format, "b64");
    assert_string_equal(m->hdr.cred->data, "eiPPKc3Uy9SNW0cMDdL9PQ==");
    assert_string_equal(m->hdr.msg_id, "2");
    /* Package 1 again, after the Status for the server's header. */
    assert_string_equal(m->body->cmd_ref, "0");
    assert_string_equal(m->body->next->data, "1201");
    assert_true(m->final);
    /* 212: authenticated for the rest of the session, no more Cred. */
    harness_feed(h, 2,
                 "<Status><CmdID>1</CmdID><MsgRef>2</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
                 "<Data>212</Data></Status><Exec><CmdID>2</CmdID><Item><Target><LocURI>"
                 "./Vendor/Test/Run</LocURI></Target></Item></Exec>",
                 1);
    m = harness_next(h);
    assert_null(m->hdr.cred);
    harness_feed(h, 3, HDR_OK("3"), 1);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
}

/* Credentials the server rotated (DMAcc CLCRED) during the session answer
 * its next challenge; the old ones are gone. */
static void test_rotated_credentials_from_next_message(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    char *msg, *want = NULL, *old = NULL;

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "old-s3cret";
    harness_start(h);
    harness_next(h);
    assert_int_equal(omadm_session_set_credentials(h->session, "dev", NULL), OMADM_ERR_INVALID);
    assert_int_equal(omadm_session_set_credentials(NULL, "a", "b"), OMADM_ERR_INVALID);
    assert_int_equal(omadm_session_set_credentials(h->session, "dev2", "new-s3cret"), OMADM_OK);
    msg = harness_server_msg(h, 1, NULL,
                             "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef>"
                             "<Cmd>SyncHdr</Cmd><Chal><Meta><Type xmlns=\"syncml:metinf\">"
                             "syncml:auth-md5</Type><Format xmlns=\"syncml:metinf\">b64</Format>"
                             "<NextNonce xmlns=\"syncml:metinf\">AAECAw==</NextNonce></Meta>"
                             "</Chal><Data>401</Data></Status>",
                             1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    m = harness_next(h);
    assert_non_null(m->hdr.cred);
    assert_int_equal(omadm__auth_md5("dev2", "new-s3cret", "AAECAw==", &want), OMADM_OK);
    assert_int_equal(omadm__auth_md5("dev", "old-s3cret", "AAECAw==", &old), OMADM_OK);
    assert_string_equal(m->hdr.cred->data, want);
    assert_string_not_equal(m->hdr.cred->data, old);
    omadm__free(want);
    omadm__free(old);
    /* back to none: a further challenge cannot be answered */
    assert_int_equal(omadm_session_set_credentials(h->session, NULL, NULL), OMADM_OK);
}

static void test_challenge_without_credentials_fails(void **state)
{
    harness *h = *state;

    harness_start(h);
    harness_next(h);
    {
        char *msg = harness_server_msg(h, 1, NULL,
                                       "<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0"
                                       "</CmdRef><Cmd>SyncHdr</Cmd><Data>401</Data></Status>",
                                       1);

        assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_ERR_AUTH);
        free(msg);
    }
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session), "no credentials"));
}

static void test_auth_basic_value(void **state)
{
    char *v = NULL;

    (void)state;
    assert_int_equal(omadm__auth_basic("dev", "s3cret", &v), OMADM_OK);
    assert_string_equal(v, "ZGV2OnMzY3JldA==");
    omadm__free(v);
    assert_int_equal(omadm__auth_md5("dev", "s3cret", "not base64!", &v), OMADM_ERR_PARSE);
}

/* A server that never ends: the session stops at its message cap. */
static void test_server_that_never_ends(void **state)
{
    harness *h = *state;
    unsigned i;
    char *text;
    size_t len;

    h->cfg.max_messages = 5;
    harness_start(h);
    harness_next(h);
    for (i = 1; i <= 5; i++) {
        harness_feed(h, i,
                     HDR_OK("1") "<Exec><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/Test/Run"
                                 "</LocURI></Target></Item></Exec>",
                     1);
        if (i < 5)
            assert_non_null(harness_next(h));
    }
    assert_int_equal(omadm_session_next_message(h->session, &text, &len), OMADM_ERR_LIMIT);
    assert_null(text);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session), "within 5 messages"));
}

static void test_bad_replies_fail_the_session(void **state)
{
    harness *h = *state;
    const char *soap = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
                       "<s:Body><s:Fault/></s:Body></s:Envelope>";
    char *msg;

    harness_start(h);
    harness_next(h);
    assert_int_equal(omadm_session_feed(h->session, soap, strlen(soap)), OMADM_ERR_PROTOCOL);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session), "not a usable SyncML"));
    omadm_session_free(h->session);

    /* Another SessionID. */
    harness_start(h);
    harness_next(h);
    h->cfg.session_id = 18;
    msg = harness_server_msg(h, 1, NULL, HDR_OK("1"), 1);
    h->cfg.session_id = 17;
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_ERR_PROTOCOL);
    free(msg);
    omadm_session_free(h->session);

    /* Transport failure. */
    harness_start(h);
    harness_next(h);
    omadm_session_fail(h->session, OMADM_ERR_TIMEOUT, "after 30000 ms");
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session), "timed out"));
    assert_int_equal(h->session_completed, 0);
}

/* Outbox acknowledgement through the session (reboot-csp.md §6). */
static void test_outbox_acknowledgement(void **state)
{
    harness *h = *state;
    omadm_outbox_entry e = { 0 };
    const syncml_msg *m;
    const syncml_cmd *a;
    char ack[256];

    e.kind = OMADM_OUTBOX_OUTCOME;
    e.source_uri = "./Device/Vendor/MSFT/Reboot/RebootNow";
    e.type = "org.omadm-agent.reboot.outcome";
    e.format = "chr";
    e.mark = "informational";
    e.data = "v=1;trigger=now;outcome=restarted";
    assert_int_equal(omadm_outbox_add(h->outbox, &e, NULL), OMADM_OK);

    /* 500 for the alert: kept, attempts counted. */
    harness_start(h);
    m = harness_next(h);
    a = m->body->next;
    assert_string_equal(a->data, "1226");
    assert_string_equal(a->cmd_id, "3");
    assert_string_equal(a->items->source_uri, e.source_uri);
    assert_string_equal(a->items->meta->type, e.type);
    assert_string_equal(a->items->meta->format, "chr");
    assert_string_equal(a->items->meta->mark, "informational");
    assert_string_equal(a->items->data, e.data);
    assert_string_equal(m->body->next->next->type == SYNCML_CMD_REPLACE ? "R" : "-", "R");
    harness_feed(h, 1,
                 HDR_OK("1") "<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>3</CmdRef>"
                             "<Cmd>Alert</Cmd><Data>500</Data></Status>",
                 1);
    assert_int_equal(omadm_outbox_count(h->outbox), 1);
    assert_int_equal(omadm_outbox_at(h->outbox, 0)->attempts, 1);
    omadm_session_free(h->session);

    /* 200 for the alert: gone. */
    harness_start(h);
    harness_next(h);
    snprintf(ack, sizeof ack,
             HDR_OK("1") "<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>3</CmdRef>"
                         "<Cmd>Alert</Cmd><Data>200</Data></Status>");
    harness_feed(h, 1, ack, 1);
    assert_int_equal(omadm_outbox_count(h->outbox), 0);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
}

static void test_no_reply_keeps_alert(void **state)
{
    harness *h = *state;
    omadm_outbox_entry e = { 0 };

    e.kind = OMADM_OUTBOX_ALERT;
    e.data = "x";
    assert_int_equal(omadm_outbox_add(h->outbox, &e, NULL), OMADM_OK);
    harness_start(h);
    harness_next(h);
    omadm_session_fail(h->session, OMADM_ERR_TRANSPORT, NULL);
    assert_int_equal(omadm_outbox_count(h->outbox), 1);
    assert_int_equal(omadm_outbox_at(h->outbox, 0)->attempts, 1);
}

/* Allocation failures while building and taking messages: a clean error
 * and a failed session, never a crash or a leak. */
static void test_allocation_failures(void **state)
{
    harness *h = *state;
    long n;
    int succeeded = 0;

    for (n = 1; n < 2000 && !succeeded; n++) {
        char *text = NULL, *msg;
        size_t len;
        omadm_status st;

        harness_start(h);
        msg = harness_server_msg(h, 1, NULL,
                                 HDR_OK("1") "<Get><CmdID>7</CmdID><Item><Target><LocURI>"
                                             "./Vendor/Test/Value</LocURI></Target></Item></Get>",
                                 1);
        omadm__alloc_fail_at(n, 0);
        st = omadm_session_next_message(h->session, &text, &len);
        if (st == OMADM_OK && text) {
            omadm_free(text);
            st = omadm_session_feed(h->session, msg, strlen(msg));
            if (st == OMADM_OK) {
                st = omadm_session_next_message(h->session, &text, &len);
                omadm_free(text);
            }
        }
        succeeded = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (!succeeded) {
            assert_true(st == OMADM_OK || st == OMADM_ERR_NOMEM);
            if (st == OMADM_ERR_NOMEM)
                assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
        } else {
            assert_int_equal(st, OMADM_OK);
        }
        free(msg);
        omadm_session_free(h->session);
        h->session = NULL;
    }
    assert_true(succeeded);
    assert_true(n > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_package1_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_initiated_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enrollment_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normal_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fleet_style, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_multi_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_1222_when_nothing_to_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_500_gets_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_results_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_1223, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md5_challenge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_challenge_without_credentials_fails, setup, teardown),
        cmocka_unit_test(test_auth_basic_value),
        cmocka_unit_test_setup_teardown(test_rotated_credentials_from_next_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_that_never_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_replies_fail_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_acknowledgement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_reply_keeps_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
