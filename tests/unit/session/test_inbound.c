/* SPDX-License-Identifier: Apache-2.0 */
/* The checks on what the server sends (session/inbound.h), one by one:
 * NextNonce forms and its limit, MaxMsgSize values at and around their
 * edges, Statuses naming commands we sent or not, the SyncHdr Target, and
 * the sent-command record under allocation failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "omadm/log.h"
#include "session/inbound.h"
#include "syncml/syncml.h"

static char logged[2048];

static void capture(void *user, omadm_log_level level, const char *line)
{
    size_t used = strlen(logged);

    (void)user;
    (void)level;
    snprintf(logged + used, sizeof logged - used, "%s\n", line);
}

static int setup(void **state)
{
    (void)state;
    logged[0] = '\0';
    omadm_log_set(capture, NULL, OMADM_LOG_DEBUG);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    omadm__alloc_fail_at(0, 0);
    omadm_log_set(NULL, NULL, OMADM_LOG_INFO);
    return 0;
}

static void test_nonce_forms(void **state)
{
    static const struct {
        const char *nonce;
        omadm_status st;
        const char *why;
    } rows[] = {
        { "AAECAw==", OMADM_OK, "" },
        { "AAECAwQ=", OMADM_OK, "" },
        { "AAECAwQF", OMADM_OK, "" },
        { "a+/9", OMADM_OK, "" },
        { "", OMADM_ERR_PARSE, "is not base64 (0 characters, not a multiple of 4)" },
        { "AAECA", OMADM_ERR_PARSE, "is not base64 (5 characters, not a multiple of 4)" },
        { "AA-C", OMADM_ERR_PARSE, "is not base64 (character 3)" },
        { "=AAA", OMADM_ERR_PARSE, "is not base64 (character 1)" },
        { "AA=A", OMADM_ERR_PARSE, "is not base64 (character 3)" },     /* pad before the end */
        { "AAA=AAA=", OMADM_ERR_PARSE, "is not base64 (character 4)" }, /* pad mid-string */
        { "A===", OMADM_ERR_PARSE, "is not base64 (character 2)" },     /* three pads */
        { "AAAAAAAAAAAAAAAAAAAAAAAA", OMADM_OK, "" },                   /* 24: the limit */
        { "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", OMADM_ERR_LIMIT, "is 28 bytes, over the 24-byte limit" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char why[96] = "";
        omadm_status st = omadm__nonce_check(rows[i].nonce, 24, why, sizeof why);

        if (st != rows[i].st || (rows[i].st != OMADM_OK && strcmp(why, rows[i].why) != 0))
            fail_msg("\"%s\": %s \"%s\", expected %s \"%s\"", rows[i].nonce, omadm_status_name(st),
                     why, omadm_status_name(rows[i].st), rows[i].why);
    }
}

static void test_max_msg_size_values(void **state)
{
    char huge[64];

    (void)state;
    assert_int_equal(omadm__server_max_msg_size(NULL, 1024, "7"), 0);
    assert_string_equal(logged, ""); /* absent: nothing to say */
    assert_int_equal(omadm__server_max_msg_size("1024", 1024, "7"), 1024);
    assert_int_equal(omadm__server_max_msg_size("524288", 1024, "7"), 524288);
    assert_string_equal(logged, "");
    assert_int_equal(omadm__server_max_msg_size("1023", 1024, "7"), 0);
    assert_non_null(strstr(logged, "session 7: the server's MaxMsgSize 1023 is below the usable "
                                   "minimum 1024: ignored"));
    logged[0] = '\0';
    assert_int_equal(omadm__server_max_msg_size("12k", 1024, "7"), 0);
    assert_non_null(strstr(logged, "the server's MaxMsgSize \"12k\" is not a number: ignored"));
    logged[0] = '\0';
    assert_int_equal(omadm__server_max_msg_size("", 1024, "7"), 0);
    assert_non_null(strstr(logged, "\"\" is not a number"));
    /* More digits than a size_t holds. */
    snprintf(huge, sizeof huge, "%zu0", (size_t)SIZE_MAX);
    logged[0] = '\0';
    assert_int_equal(omadm__server_max_msg_size(huge, 1024, "7"), 0);
    assert_non_null(strstr(logged, "is not a number"));
}

/* A message of ours with commands 2 and 3, and the server's Statuses. */
static void test_statuses_checked_against_what_we_sent(void **state)
{
    syncml_msg *ours = NULL, *in = NULL;
    omadm__sent_cmds sent;
    static const char *const refs[][2] = {
        /* MsgRef, CmdRef: the first two are ours */
        { "1", "2" },  { NULL, "3" }, { "1", "4" },  { "2", "2" },
        { "01", "2" }, { "1", "x" },  { "1", NULL }, { "1", "999999999999" },
    };
    size_t i;

    (void)state;
    memset(&sent, 0, sizeof sent);
    assert_int_equal(syncml_msg_new(&ours), OMADM_OK);
    assert_int_equal(syncml_msg_new(&in), OMADM_OK);
    for (i = 2; i <= 3; i++) {
        syncml_cmd *c = syncml_cmd_new(ours, SYNCML_CMD_ALERT);
        char id[4];

        snprintf(id, sizeof id, "%zu", i);
        c->cmd_id = syncml_strdup(ours, id);
        syncml_cmd_append(&ours->body, c);
    }
    {
        /* Our Status and a CmdID that is not one of ours are not recorded. */
        syncml_cmd *st = syncml_cmd_new(ours, SYNCML_CMD_STATUS), *odd;

        st->cmd_id = syncml_strdup(ours, "4");
        syncml_cmd_append(&ours->body, st);
        odd = syncml_cmd_new(ours, SYNCML_CMD_GET);
        odd->cmd_id = syncml_strdup(ours, "05");
        syncml_cmd_append(&ours->body, odd);
    }
    omadm__sent_record(&sent, 1, ours->body);
    assert_int_equal(sent.n, 2);
    for (i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        syncml_cmd *st = syncml_cmd_new(in, SYNCML_CMD_STATUS);
        char id[8];

        snprintf(id, sizeof id, "%zu", i + 10);
        st->cmd_id = syncml_strdup(in, id);
        st->msg_ref = refs[i][0] ? syncml_strdup(in, refs[i][0]) : NULL;
        st->cmd_ref = refs[i][1] ? syncml_strdup(in, refs[i][1]) : NULL;
        st->data = syncml_strdup(in, "200");
        syncml_cmd_append(&in->body, st);
    }
    {
        syncml_cmd *hdr = syncml_cmd_new(in, SYNCML_CMD_STATUS);

        hdr->cmd_ref = syncml_strdup(in, "0");
        syncml_cmd_append(&in->body, hdr);
    }
    omadm__check_statuses(&sent, in, 1, "7");
    assert_null(strstr(logged, "Status 10 "));
    assert_null(strstr(logged, "Status 11 "));
    assert_non_null(strstr(logged,
                           "session 7: the server's Status 12 (code 200) names a command we "
                           "never sent: MsgRef 1, CmdRef 4"));
    assert_non_null(strstr(logged, "Status 13 (code 200) names a command we never sent: MsgRef 2"));
    assert_non_null(strstr(logged, "Status 14 "));
    assert_non_null(strstr(logged, "Status 15 "));
    assert_non_null(strstr(logged, "Status 16 (code 200) names a command we never sent: MsgRef 1, "
                                   "CmdRef (none)"));
    assert_non_null(strstr(logged, "Status 17 "));
    assert_null(strstr(logged, "CmdRef 0"));

    /* A record that ran out of memory: no warnings at all (it would
     * accuse the server wrongly). */
    omadm__sent_free(&sent);
    logged[0] = '\0';
    omadm__alloc_fail_at(1, 1);
    omadm__sent_record(&sent, 1, ours->body);
    omadm__alloc_fail_at(0, 0);
    assert_true(sent.incomplete);
    omadm__check_statuses(&sent, in, 1, "7");
    assert_string_equal(logged, "");
    omadm__sent_free(&sent);
    assert_false(sent.incomplete);
    syncml_msg_free(ours);
    syncml_msg_free(in);
}

static void test_target_check(void **state)
{
    syncml_hdr hdr;

    (void)state;
    memset(&hdr, 0, sizeof hdr);
    omadm__check_target(&hdr, "DEV1", "7"); /* no Target: nothing to check */
    hdr.target_uri = "DEV1";
    omadm__check_target(&hdr, "DEV1", "7");
    assert_string_equal(logged, "");
    hdr.target_uri = "DEV2";
    omadm__check_target(&hdr, "DEV1", "7");
    assert_non_null(strstr(logged, "session 7: the server's message is addressed to \"DEV2\", not "
                                   "to this device (DEV1)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_nonce_forms),
        T(test_max_msg_size_values),
        T(test_statuses_checked_against_what_we_sent),
        T(test_target_check),
#undef T
    };
    return cmocka_run_group_tests_name("session-inbound", tests, NULL, NULL);
}
