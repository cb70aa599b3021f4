/* SPDX-License-Identifier: Apache-2.0 */
/* Field hardening (issue 14) at the session level: one bad command does not
 * block the others, messages larger than we announced, odd server headers.
 * The scripted server and the test CSP (./Vendor/Test/Run counts Execs)
 * are in session_harness.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/compiler.h"
#include "omadm/log.h"
#include "session_harness.h"

#define EXEC_RUN(id)                                                                               \
    "<Exec><CmdID>" id "</CmdID><Item><Target><LocURI>./Vendor/Test/Run</LocURI></Target>"         \
    "</Item></Exec>"

/* ---- log capture ---------------------------------------------------------- */

static char warn_log[8192];

static void log_sink(void *user, omadm_log_level level, const char *line)
{
    size_t n = strlen(warn_log);

    (void)user;
    if (level == OMADM_LOG_WARN && n + strlen(line) + 2 < sizeof warn_log)
        snprintf(warn_log + n, sizeof warn_log - n, "%s\n", line);
}

static int setup(void **state)
{
    harness *h = calloc(1, sizeof *h);

    assert_non_null(h);
    harness_init(h);
    warn_log[0] = '\0';
    omadm_log_set(log_sink, NULL, OMADM_LOG_DEBUG);
    *state = h;
    return 0;
}

static int teardown(void **state)
{
    harness *h = *state;

    omadm_log_set(NULL, NULL, OMADM_LOG_WARN);
    harness_free(h);
    free(h);
    return 0;
}

static char *strf(const char *f, ...) OMADM__PRINTF(1, 2);

static char *strf(const char *f, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static char *repeat(const char *s, size_t n)
{
    size_t len = strlen(s), i;
    char *out = malloc(len * n + 1);

    assert_non_null(out);
    for (i = 0; i < n; i++)
        memcpy(out + i * len, s, len);
    out[len * n] = '\0';
    return out;
}

static const char *status_of(const syncml_msg *m, const char *cmd_ref)
{
    const syncml_cmd *c = harness_find(m, SYNCML_CMD_STATUS, cmd_ref);

    return c && c->data ? c->data : "(none)";
}

/* ---- package 1: a DevInfo node the CSP cannot read ------------------------ */

static void test_package1_devinfo_failure_is_logged(void **state)
{
    harness *h = *state;
    const syncml_cmd *c;
    const syncml_item *it;
    size_t items = 0;
    int lang = 0;

    harness_devinfo_fail = "Lang";
    harness_start(h);
    assert_non_null(harness_next(h));
    harness_devinfo_fail = NULL;
    for (c = h->last->body; c; c = c->next) {
        if (c->type != SYNCML_CMD_REPLACE)
            continue;
        for (it = c->items; it; it = it->next, items++)
            if (it->source_uri && strcmp(it->source_uri, "./DevInfo/Lang") == 0)
                lang = 1;
    }
    assert_int_equal(items, 4); /* DevId, Man, Mod, DmV: the device still checks in */
    assert_false(lang);
    assert_non_null(strstr(warn_log, "package 1: ./DevInfo/Lang left out of the DevInfo "
                                     "Replace (Get: 500)"));
}

/* ---- item 2: one bad command must not block the device --------------------- */

/* The poisoned commands the issue names, each with the Status it gets and
 * the CmdRef it is answered with. */
typedef struct poison {
    char *xml;
    const char *code;
    char *cmd_ref;
} poison;

static void make_poisons(poison p[3])
{
    char *uri = repeat("a", 1025), *id = repeat("9", 65), *items;

    memcpy(uri, "./", 2);
    items = repeat("<Item><Target><LocURI>./Vendor/Test/Value</LocURI></Target></Item>", 101);
    p[0].xml = strf("<Get><CmdID>p-uri</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item>"
                    "</Get>",
                    uri);
    p[0].code = "414";
    p[0].cmd_ref = strf("p-uri");
    p[1].xml = strf("<Exec><CmdID>%s</CmdID><Item><Target><LocURI>./Vendor/Test/Run</LocURI>"
                    "</Target></Item></Exec>",
                    id);
    p[1].code = "400";
    p[1].cmd_ref = strf("%.61s%s", id, SYNCML_CMDID_TRUNCATED);
    p[2].xml = strf("<Get><CmdID>p-items</CmdID>%s</Get>", items);
    p[2].code = "413";
    p[2].cmd_ref = strf("p-items");
    free(uri);
    free(id);
    free(items);
}

static void free_poisons(poison p[3])
{
    int i;

    for (i = 0; i < 3; i++) {
        free(p[i].xml);
        free(p[i].cmd_ref);
    }
}

/* A poisoned command then an Exec in the same message: the poisoned one
 * gets its own Status (CmdRef as received, or truncated with the marker),
 * the Exec runs, the session completes. */
static void test_poisoned_then_exec_same_message(void **state)
{
    poison p[3];
    int i;

    (void)state;
    make_poisons(p);
    for (i = 0; i < 3; i++) {
        harness *h = calloc(1, sizeof *h);
        char *body = strf("%s" EXEC_RUN("x-1"), p[i].xml);

        harness_init(h);
        harness_start(h);
        assert_non_null(harness_next(h));
        harness_feed(h, 1, body, 1);
        assert_non_null(harness_next(h));
        assert_string_equal(status_of(h->last, p[i].cmd_ref), p[i].code);
        assert_string_equal(status_of(h->last, "x-1"), "200");
        assert_int_equal(h->exec_count, 1);
        harness_feed(h, 2, "", 1);
        assert_null(harness_next(h));
        assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
        harness_free(h);
        free(h);
        free(body);
    }
    free_poisons(p);
}

/* The poisoned command alone, the Exec in the server's next message. */
static void test_poisoned_then_exec_next_message(void **state)
{
    harness *h = *state;
    poison p[3];
    char *body;

    make_poisons(p);
    harness_start(h);
    assert_non_null(harness_next(h));
    body = strf("%s%s%s", p[0].xml, p[1].xml, p[2].xml);
    harness_feed(h, 1, body, 1);
    free(body);
    assert_non_null(harness_next(h));
    assert_string_equal(status_of(h->last, p[0].cmd_ref), "414");
    assert_string_equal(status_of(h->last, p[1].cmd_ref), "400");
    assert_string_equal(status_of(h->last, p[2].cmd_ref), "413");
    assert_int_equal(h->exec_count, 0);
    harness_feed(h, 2, EXEC_RUN("x-2"), 1);
    assert_non_null(harness_next(h));
    assert_string_equal(status_of(h->last, "x-2"), "200");
    assert_int_equal(h->exec_count, 1);
    harness_feed(h, 3, "", 1);
    assert_null(harness_next(h));
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
    assert_non_null(strstr(warn_log, "answered 414: LocURI longer than 1024 bytes in Get"));
    free_poisons(p);
}

/* Message-level limits still fail the session (depth). */
static void test_message_limits_still_fail(void **state)
{
    harness *h = *state;
    char *open = repeat("<a>", 40), *close = repeat("</a>", 40);
    char *body =
        strf("<Replace><CmdID>1</CmdID><Item><Data>%s%s</Data></Item></Replace>", open, close);
    char *msg;

    harness_start(h);
    assert_non_null(harness_next(h));
    msg = harness_server_msg(h, 1, NULL, body, 1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_ERR_PROTOCOL);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session), "element depth over 32"));
    free(msg);
    free(body);
    free(open);
    free(close);
}

/* ---- item 3: messages larger than we announced ----------------------------- */

#define HDR_STATUS_OK(msgref)                                                                      \
    "<Status><CmdID>1</CmdID><MsgRef>" msgref "</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"      \
    "<Data>200</Data></Status>"

/* Fleet puts every queued command in one reply: 2,000 Gets in a 1 MiB
 * message (over our 512 KiB MaxMsgSize and 1,000 commands) are accepted up
 * to the 4 MiB cap and answered across our messages, each within the
 * server's MaxMsgSize. */
static void test_1mib_message_of_2000_gets(void **state)
{
    harness *h = *state;
    size_t cap = 2100 * 600, len = 0, statuses = 0, results = 0, messages = 0, msg_len;
    char *body = malloc(cap), *pad = repeat("p", 440), *msg;
    static unsigned char seen_status[2001], seen_results[2001];
    unsigned server_msg = 2;
    int i;
    const syncml_msg *m;
    const syncml_cmd *c;

    assert_non_null(body);
    memset(seen_status, 0, sizeof seen_status);
    memset(seen_results, 0, sizeof seen_results);
    len += (size_t)snprintf(body + len, cap - len, HDR_STATUS_OK("1"));
    for (i = 1; i <= 2000; i++)
        len += (size_t)snprintf(body + len, cap - len,
                                "<Get><CmdID>%d</CmdID><!-- %s --><Item><Target>"
                                "<LocURI>./Vendor/Test/Value</LocURI></Target></Item></Get>",
                                i, pad);
    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1,
                             "<Meta><MaxMsgSize xmlns=\"syncml:metinf\">65536</MaxMsgSize>"
                             "</Meta>",
                             body, 1);
    msg_len = strlen(msg);
    assert_true(msg_len > 1024 * 1024);
    assert_int_equal(omadm_session_feed(h->session, msg, msg_len), OMADM_OK);
    free(msg);
    free(body);
    free(pad);
    while ((m = harness_next(h)) != NULL) {
        messages++;
        assert_true(h->last_len <= 65536);
        for (c = m->body; c; c = c->next) {
            long ref = c->cmd_ref ? strtol(c->cmd_ref, NULL, 10) : 0;

            if (c->type == SYNCML_CMD_STATUS && c->cmd && strcmp(c->cmd, "Get") == 0) {
                assert_true(ref > 0 && ref <= 2000);
                assert_int_equal(seen_status[ref], 0);
                assert_string_equal(c->data, "200");
                seen_status[ref] = 1;
                statuses++;
            } else if (c->type == SYNCML_CMD_RESULTS) {
                assert_true(ref > 0 && ref <= 2000);
                assert_int_equal(seen_status[ref], 1);
                assert_int_equal(seen_results[ref], 0);
                seen_results[ref] = 1;
                results++;
            }
        }
        if (statuses < 2000 || results < 2000)
            harness_feed(h, server_msg++,
                         HDR_STATUS_OK("2") "<Alert><CmdID>2</CmdID><Data>1222</Data></Alert>", 0);
        else
            harness_feed(h, server_msg++, HDR_STATUS_OK("2"), 1);
        assert_true(messages < 100);
    }
    printf("[ INFO     ] 2000 Gets in a %zu-byte message: answered in %zu messages of at most "
           "65536 bytes\n",
           msg_len, messages);
    assert_int_equal(statuses, 2000);
    assert_int_equal(results, 2000);
    assert_true(messages > 5);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_COMPLETED);
}

/* Beyond the cap: not parsed; the SyncHdr is answered 413 (with the MsgID
 * the message must have had), Final, nothing else; then the session fails
 * saying why, whatever the server answers. */
static void test_message_over_the_cap_answered_413(void **state)
{
    harness *h = *state;
    char *big = repeat("<Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/Test/Value</LocURI>"
                       "</Target></Item></Get>",
                       2000);
    char *msg;
    const syncml_cmd *st;

    h->cfg.max_inbound_size = 128 * 1024;
    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1, NULL, big, 1);
    assert_true(strlen(msg) > 128 * 1024);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
    free(msg);
    assert_non_null(harness_next(h));
    st = h->last->body;
    assert_non_null(st);
    assert_null(st->next);
    assert_string_equal(st->cmd, "SyncHdr");
    assert_string_equal(st->msg_ref, "1");
    assert_string_equal(st->data, "413");
    assert_true(h->last->final);
    assert_int_equal(h->exec_count, 0);
    assert_non_null(strstr(warn_log, "exceeds the 131072-byte inbound cap"));
    /* The server answers with the same again: over. */
    msg = harness_server_msg(h, 2, NULL, big, 1);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_ERR_LIMIT);
    free(msg);
    assert_null(harness_next(h));
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session),
                           "exceeds the 131072-byte inbound cap (max_inbound_size); "
                           "answered 413"));
    free(big);
}

/* The transport stopped reading at the cap: same answer, then a failure
 * that says so (also when the 413 message gets no reply). */
static void test_transport_cut_reply_answered_413(void **state)
{
    harness *h = *state;
    const syncml_cmd *st;

    harness_start(h);
    harness_next(h);
    harness_feed(h, 1, HDR_STATUS_OK("1") EXEC_RUN("x-1"), 1);
    assert_non_null(harness_next(h));
    omadm_session_reply_too_large(h->session, 0);
    assert_non_null(harness_next(h));
    st = h->last->body;
    assert_string_equal(st->data, "413");
    assert_string_equal(st->msg_ref, "2");
    assert_null(st->next);
    omadm_session_fail(h->session, OMADM_ERR_TRANSPORT, "connection reset");
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    assert_non_null(strstr(omadm_session_error(h->session),
                           "the server's message exceeds the 4194304-byte inbound cap"));
}

/* ---- item 5: odd server headers are logged, not silently accepted ------------ */

/* A Status naming a command we never sent (unknown CmdRef, or the right
 * CmdRef with another MsgRef) is logged at warn; one we sent is not. */
static void test_status_for_unsent_command_warns(void **state)
{
    harness *h = *state;
    const syncml_msg *m;
    char body[1024];

    harness_start(h);
    m = harness_next(h);
    assert_string_equal(m->body->data, "1201");
    snprintf(body, sizeof body,
             HDR_STATUS_OK("1") "<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>%s</CmdRef>"
                                "<Cmd>Alert</Cmd><Data>200</Data></Status>",
             m->body->cmd_id);
    harness_feed(h, 1, body, 1);
    assert_null(strstr(warn_log, "never sent"));
    harness_free(h);
    harness_init(h);
    harness_start(h);
    m = harness_next(h);
    snprintf(body, sizeof body,
             HDR_STATUS_OK("1") "<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>99</CmdRef>"
                                "<Cmd>Get</Cmd><Data>200</Data></Status>"
                                "<Status><CmdID>3</CmdID><MsgRef>7</MsgRef><CmdRef>%s</CmdRef>"
                                "<Cmd>Alert</Cmd><Data>200</Data></Status>" EXEC_RUN("x-1"),
             m->body->cmd_id);
    harness_feed(h, 1, body, 1);
    assert_non_null(strstr(warn_log, "the server's Status 2 (code 200) names a command we never "
                                     "sent: MsgRef 1, CmdRef 99"));
    assert_non_null(strstr(warn_log, "MsgRef 7, CmdRef 2"));
    /* ... and the session goes on. */
    assert_non_null(harness_next(h));
    assert_string_equal(status_of(h->last, "x-1"), "200");
}

static char *replace_once(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    char *out;

    assert_non_null(at);
    out = strf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

static void test_target_not_our_device_warns(void **state)
{
    harness *h = *state;
    char *msg, *other;

    harness_start(h);
    harness_next(h);
    msg = harness_server_msg(h, 1, NULL, HDR_STATUS_OK("1"), 1);
    other =
        replace_once(msg, "<Target><LocURI>" HARNESS_DEVICE, "<Target><LocURI>SOMEONE-ELSE-0001");
    assert_int_equal(omadm_session_feed(h->session, other, strlen(other)), OMADM_OK);
    assert_non_null(strstr(warn_log, "the server's message is addressed to \"SOMEONE-ELSE-0001\", "
                                     "not to this device (" HARNESS_DEVICE ")"));
    free(msg);
    free(other);
}

/* MaxMsgSize 0, 1, garbage: logged and treated as absent (our default
 * 524288 stays: 300 Statuses and Results of 300 bytes fit one message). */
static void test_unusable_server_max_msg_size(void **state)
{
    static const char *const values[] = { "0", "1", "garbage", "-5", "1023", "" };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        harness *h = calloc(1, sizeof *h);
        char *meta =
            strf("<Meta><MaxMsgSize xmlns=\"syncml:metinf\">%s</MaxMsgSize></Meta>", values[i]);
        char *gets = repeat("<Get><CmdID>7</CmdID><Item><Target><LocURI>./Vendor/Test/Big"
                            "</LocURI></Target></Item></Get>",
                            300);
        char *msg;

        assert_non_null(h);
        harness_init(h);
        warn_log[0] = '\0';
        omadm_log_set(log_sink, NULL, OMADM_LOG_DEBUG);
        harness_start(h);
        harness_next(h);
        msg = harness_server_msg(h, 1, meta, gets, 1);
        assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_OK);
        assert_non_null(strstr(warn_log, "the server's MaxMsgSize"));
        assert_non_null(strstr(warn_log, "ignored"));
        assert_non_null(harness_next(h));
        assert_int_equal(harness_count(h->last, SYNCML_CMD_RESULTS), 300);
        assert_true(h->last->final);
        harness_free(h);
        free(h);
        free(msg);
        free(meta);
        free(gets);
    }
}

static void md5_challenge(harness *h, const char *nonce, const char *want)
{
    char *body = strf("<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef>"
                      "<Cmd>SyncHdr</Cmd><Chal><Meta><Type xmlns=\"syncml:metinf\">"
                      "syncml:auth-md5</Type><Format xmlns=\"syncml:metinf\">b64</Format>"
                      "<NextNonce xmlns=\"syncml:metinf\">%s</NextNonce></Meta>"
                      "</Chal><Data>401</Data></Status>",
                      nonce);
    char *msg = harness_server_msg(h, 1, NULL, body, 1);

    h->cfg.auth_name = "dev";
    h->cfg.auth_secret = "s3cret";
    harness_start(h);
    harness_next(h);
    assert_int_equal(omadm_session_feed(h->session, msg, strlen(msg)), OMADM_ERR_PROTOCOL);
    assert_int_equal(omadm_session_get_state(h->session), OMADM_SESSION_FAILED);
    if (!strstr(omadm_session_error(h->session), want))
        fail_msg("error \"%s\" lacks \"%s\"", omadm_session_error(h->session), want);
    omadm_session_free(h->session);
    h->session = NULL;
    free(msg);
    free(body);
}

/* An MD5 nonce that is not base64, or too long, fails saying so. */
static void test_md5_nonce_not_base64_or_oversized(void **state)
{
    harness *h = *state;
    char *big = repeat("QUFB", 100);

    md5_challenge(h, "not base64!", "the server's authentication nonce (NextNonce) is not base64");
    md5_challenge(h, "AAE*Aw==", "is not base64 (character 4)");
    md5_challenge(h, "AA=CAw==", "is not base64 (character 3)");
    md5_challenge(h, big, "is 400 bytes, over the 255-byte limit");
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_package1_devinfo_failure_is_logged, setup, teardown),
        cmocka_unit_test(test_poisoned_then_exec_same_message),
        cmocka_unit_test_setup_teardown(test_poisoned_then_exec_next_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_limits_still_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_1mib_message_of_2000_gets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_over_the_cap_answered_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_cut_reply_answered_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_for_unsent_command_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_not_our_device_warns, setup, teardown),
        cmocka_unit_test(test_unusable_server_max_msg_size),
        cmocka_unit_test_setup_teardown(test_md5_nonce_not_base64_or_oversized, setup, teardown),
    };

    return cmocka_run_group_tests_name("session-hardening", tests, NULL, NULL);
}
