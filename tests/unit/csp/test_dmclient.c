/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient Poll nodes: formats, defaults, durable storage, the 403 rule,
 * Atomic, and what the poller reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "csp/dmclient/dmclient.h"
#include "cspone.h"
#include "dmtest.h"
#include "fakeplat.h"
#include "omadm/log.h"
#include "tree/tree.h"

#define P     "./Device/Vendor/MSFT/DMClient/Provider/"
#define FLEET P "Fleet/Poll/"

typedef struct fixture {
    fakeplat fp;
    omadm_tree *tree;
    omadm_dmclient *dm;
} fixture;

static char last_warning[512];
static int warnings;

static void capture_log(void *user, omadm_log_level level, const char *line)
{
    (void)user;
    if (level <= OMADM_LOG_WARN) {
        warnings++;
        snprintf(last_warning, sizeof last_warning, "%s", line);
    }
}

static void open_tree(fixture *f)
{
    assert_int_equal(omadm_tree_new(&f->tree), OMADM_OK);
    assert_int_equal(omadm__dmclient_register(f->tree, &f->fp.p, &f->dm), OMADM_OK);
    assert_non_null(f->dm);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    fakeplat_init(&f->fp);
    open_tree(f);
    warnings = 0;
    last_warning[0] = '\0';
    omadm_log_set(capture_log, NULL, OMADM_LOG_DEBUG);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    omadm_log_set(NULL, NULL, OMADM_LOG_INFO);
    omadm_tree_free(f->tree);
    fakeplat_free(&f->fp);
    free(f);
    return 0;
}

static void expect_schedule(fixture *f, unsigned i1, unsigned c1, unsigned i2, unsigned c2,
                            unsigned i3, unsigned c3, int login, int first_login, int has)
{
    omadm_poll_schedule s;
    int has_provider = -1;

    omadm__dmclient_poll_get(f->dm, &s, &has_provider);
    assert_int_equal(s.interval_first, i1);
    assert_int_equal(s.count_first, c1);
    assert_int_equal(s.interval_second, i2);
    assert_int_equal(s.count_second, c2);
    assert_int_equal(s.interval_remaining, i3);
    assert_int_equal(s.count_remaining, c3);
    assert_int_equal(s.poll_on_login, login);
    assert_int_equal(s.all_users_poll_on_first_login, first_login);
    assert_int_equal(has_provider, has);
}

static void test_empty_and_defaults(void **state)
{
    fixture *f = *state;
    omadm_poll_schedule s;

    one(f, SYNCML_CMD_GET, "./Vendor/MSFT/DMClient", NULL, NULL,
        "S Get 1 200 | R 1 ./Vendor/MSFT/DMClient=Provider(node)");
    one(f, SYNCML_CMD_GET, P, NULL, NULL, "S Get 1 400"); /* trailing '/' */
    one(f, SYNCML_CMD_GET, "./Vendor/MSFT/DMClient/Provider", NULL, NULL,
        "S Get 1 200 | R 1 ./Vendor/MSFT/DMClient/Provider=(node)");
    one(f, SYNCML_CMD_GET, FLEET "NumberOfFirstRetries", NULL, NULL, "S Get 1 404");
    one(f, SYNCML_CMD_GET, "./User/Vendor/MSFT/DMClient", NULL, NULL, "S Get 1 404");
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 0, 0, 0);
    assert_int_equal(omadm__dmclient_load_schedule(&f->fp.p, &s, NULL), OMADM_OK);
    assert_int_equal(s.interval_first, 15);
    assert_int_equal(s.count_first, 10);
    assert_int_equal(f->fp.replace_calls, 0);
}

static void test_add_poll_and_get(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("2");
    unsigned gen = omadm__dmclient_generation(f->dm);

    one(f, SYNCML_CMD_ADD, P "Fleet/Poll", NULL, "node", "S Add 1 200");
    assert_int_equal(omadm__dmclient_generation(f->dm), gen + 1);
    assert_string_equal(fakeplat_file(&f->fp, "dmclient.conf"),
                        "omadm-dmclient 1\nprovider Fleet 1 15 10 0 0 0 0 0 0\n");
    one(f, SYNCML_CMD_ADD, P "Fleet/Poll", NULL, "node", "S Add 1 418");
    one(f, SYNCML_CMD_ADD, FLEET "PollOnLogin", "true", "bool", "S Add 1 418");
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 0, 0, 1);

    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "1"), P, NULL, NULL);
    in->body->items->target_uri = syncml_strdup(in, "./Vendor/MSFT/DMClient/Provider");
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "2"), P "Fleet", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "3"), P "Fleet/Poll", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "4"), FLEET "IntervalForFirstSetOfRetries",
            NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "5"), FLEET "NumberOfFirstRetries", NULL,
            NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "6"), FLEET "IntervalForSecondSetOfRetries",
            NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "7"), FLEET "NumberOfSecondRetries", NULL,
            NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "8"),
            FLEET "IntervalForRemainingScheduledRetries", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "9"),
            FLEET "NumberOfRemainingScheduledRetries", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "10"), FLEET "PollOnLogin", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "11"),
            "./Vendor/MSFT/DMClient/Provider/Fleet/Poll/AllUsersPollOnFirstLogin", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "12"), FLEET "Unknown", NULL, NULL);
    dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_GET, "13"), P "Other/Poll", NULL, NULL);
    dm_expect(f->tree, in,
              "S Get 1 200 | R 1 ./Vendor/MSFT/DMClient/Provider=Fleet(node) | "
              "S Get 2 200 | R 2 " P "Fleet=Poll/Push(node) | "
              "S Get 3 200 | R 3 " P "Fleet/Poll=IntervalForFirstSetOfRetries/NumberOfFirstRetries/"
              "IntervalForSecondSetOfRetries/NumberOfSecondRetries/"
              "IntervalForRemainingScheduledRetries/NumberOfRemainingScheduledRetries/"
              "PollOnLogin/AllUsersPollOnFirstLogin(node) | "
              "S Get 4 200 | R 4 " FLEET "IntervalForFirstSetOfRetries=15(int,text/plain) | "
              "S Get 5 200 | R 5 " FLEET "NumberOfFirstRetries=10(int,text/plain) | "
              "S Get 6 200 | R 6 " FLEET "IntervalForSecondSetOfRetries=0(int,text/plain) | "
              "S Get 7 200 | R 7 " FLEET "NumberOfSecondRetries=0(int,text/plain) | "
              "S Get 8 200 | R 8 " FLEET "IntervalForRemainingScheduledRetries=0(int,text/plain) | "
              "S Get 9 200 | R 9 " FLEET "NumberOfRemainingScheduledRetries=0(int,text/plain) | "
              "S Get 10 200 | R 10 " FLEET "PollOnLogin=false(bool,text/plain) | "
              "S Get 11 200 | R 11 ./Vendor/MSFT/DMClient/Provider/Fleet/Poll/"
              "AllUsersPollOnFirstLogin=false(bool,text/plain) | "
              "S Get 12 404 | S Get 13 404");
    syncml_msg_free(in);
}

static void test_replace_values(void **state)
{
    fixture *f = *state;
    int calls;

    /* Replace creates the provider and its Poll (Fleet Replaces directly). */
    one(f, SYNCML_CMD_REPLACE, FLEET "IntervalForFirstSetOfRetries", "480", "int",
        "S Replace 1 200");
    expect_schedule(f, 480, 10, 0, 0, 0, 0, 0, 0, 1);
    one(f, SYNCML_CMD_REPLACE, FLEET "PollOnLogin", "true", "bool", "S Replace 1 200");
    one(f, SYNCML_CMD_REPLACE, FLEET "AllUsersPollOnFirstLogin", "TRUE", NULL, "S Replace 1 200");
    expect_schedule(f, 480, 10, 0, 0, 0, 0, 1, 1, 1);
    assert_string_equal(fakeplat_file(&f->fp, "dmclient.conf"),
                        "omadm-dmclient 1\nprovider Fleet 1 480 10 0 0 0 0 1 1\n");

    /* Bad values: not an integer 415 (Format), negative or too big 400;
     * nothing changes and nothing is written. */
    calls = f->fp.replace_calls;
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "ten", "int", "S Replace 1 415");
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "", "int", "S Replace 1 415");
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "5", "chr", "S Replace 1 415");
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "-5", "int", "S Replace 1 400");
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "2147483648", "int",
        "S Replace 1 400");
    one(f, SYNCML_CMD_REPLACE, FLEET "PollOnLogin", "yes", "bool", "S Replace 1 415");
    one(f, SYNCML_CMD_REPLACE, FLEET "Nope", "1", "int", "S Replace 1 404");
    one(f, SYNCML_CMD_REPLACE, P "Fleet/Poll", "1", NULL, "S Replace 1 405");
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "2147483647", "int",
        "S Replace 1 200");
    expect_schedule(f, 480, 2147483647u, 0, 0, 0, 0, 1, 1, 1);
    assert_int_equal(f->fp.replace_calls, calls + 1);
}

static void test_forbidden_schedules(void **state)
{
    fixture *f = *state;
    const char *before;
    unsigned gen;

    one(f, SYNCML_CMD_ADD, P "Fleet/Poll", NULL, NULL, "S Add 1 200");
    before = fakeplat_file(&f->fp, "dmclient.conf");
    gen = omadm__dmclient_generation(f->dm);
    /* With the defaults (15, 0, 0 intervals) zeroing the first interval
     * leaves no set that ever polls: refused, nothing saved. */
    one(f, SYNCML_CMD_REPLACE, FLEET "IntervalForFirstSetOfRetries", "0", "int", "S Replace 1 403");
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 0, 0, 1);
    assert_string_equal(fakeplat_file(&f->fp, "dmclient.conf"), before);
    assert_int_equal(omadm__dmclient_generation(f->dm), gen);
    /* Fleet's enrollment schedule: the first set forever (count 0 with a
     * non-zero interval), all counts 0: accepted. */
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "0", "int", "S Replace 1 200");
    expect_schedule(f, 15, 0, 0, 0, 0, 0, 0, 0, 1);
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "10", "int", "S Replace 1 200");

    /* Once another set is active, the first may be zeroed... */
    one(f, SYNCML_CMD_REPLACE, FLEET "IntervalForSecondSetOfRetries", "60", "int",
        "S Replace 1 200");
    one(f, SYNCML_CMD_REPLACE, FLEET "IntervalForFirstSetOfRetries", "0", "int", "S Replace 1 200");
    expect_schedule(f, 0, 10, 60, 0, 0, 0, 0, 0, 1);
    /* ...but a Delete that resets the other to 0 is refused too. */
    one(f, SYNCML_CMD_DELETE, FLEET "IntervalForSecondSetOfRetries", NULL, NULL, "S Delete 1 403");
    expect_schedule(f, 0, 10, 60, 0, 0, 0, 0, 0, 1);
    /* Delete of a leaf resets it to its default. */
    one(f, SYNCML_CMD_DELETE, FLEET "IntervalForFirstSetOfRetries", NULL, NULL, "S Delete 1 200");
    expect_schedule(f, 15, 10, 60, 0, 0, 0, 0, 0, 1);
    one(f, SYNCML_CMD_GET, FLEET "IntervalForFirstSetOfRetries", NULL, NULL,
        "S Get 1 200 | R 1 " FLEET "IntervalForFirstSetOfRetries=15(int,text/plain)");
}

static void test_atomic_schedule(void **state)
{
    fixture *f = *state;
    syncml_msg *in = dm_msg("3");
    syncml_cmd *at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "10");
    static const char *const sigmoid[][2] = {
        { "IntervalForFirstSetOfRetries", "15" },
        { "NumberOfFirstRetries", "5" },
        { "IntervalForSecondSetOfRetries", "60" },
        { "NumberOfSecondRetries", "10" },
        { "IntervalForRemainingScheduledRetries", "1440" },
        { "NumberOfRemainingScheduledRetries", "0" },
    };
    char target[256];
    const char *saved;
    size_t i;
    int calls;

    /* The recommended sigmoid schedule in one Atomic (an Add of Poll then
     * Replaces: the Replaces are valid before the Add runs because the
     * leaves create implicitly). */
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_ADD, "11"), P "Fleet/Poll", NULL, "node");
    for (i = 0; i < 6; i++) {
        char id[8];
        snprintf(id, sizeof id, "%u", (unsigned)(12 + i));
        snprintf(target, sizeof target, FLEET "%s", sigmoid[i][0]);
        dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, id), target, sigmoid[i][1],
                "int");
    }
    calls = f->fp.replace_calls;
    dm_expect(f->tree, in,
              "S Atomic 10 200 | S Add 11 200 | S Replace 12 200 | S Replace 13 200 | "
              "S Replace 14 200 | S Replace 15 200 | S Replace 16 200 | S Replace 17 200");
    assert_int_equal(f->fp.replace_calls, calls + 1); /* written once, at commit */
    expect_schedule(f, 15, 5, 60, 10, 1440, 0, 0, 0, 1);
    syncml_msg_free(in);
    saved = fakeplat_file(&f->fp, "dmclient.conf");
    assert_string_equal(saved, "omadm-dmclient 1\nprovider Fleet 1 15 5 60 10 1440 0 0 0\n");

    /* Passing through an all-zero state inside an Atomic is fine; ending
     * in one is refused at commit: 403 for the members, 507, old values. */
    in = dm_msg("4");
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "20");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "21"),
            FLEET "IntervalForFirstSetOfRetries", "0", "int");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "22"),
            FLEET "IntervalForSecondSetOfRetries", "0", "int");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "23"),
            FLEET "IntervalForRemainingScheduledRetries", "0", "int");
    dm_expect(f->tree, in,
              "S Atomic 20 507 | S Replace 21 403 | S Replace 22 403 | S Replace 23 403");
    expect_schedule(f, 15, 5, 60, 10, 1440, 0, 0, 0, 1);
    assert_int_equal(f->fp.replace_calls, calls + 1);
    syncml_msg_free(in);

    in = dm_msg("5");
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "30");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "31"), FLEET "NumberOfSecondRetries",
            "0", "int");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "32"), FLEET "NumberOfFirstRetries",
            "0", "int");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "33"), FLEET "NumberOfSecondRetries",
            "3", "int");
    dm_expect(f->tree, in,
              "S Atomic 30 200 | S Replace 31 200 | S Replace 32 200 | "
              "S Replace 33 200");
    expect_schedule(f, 15, 0, 60, 3, 1440, 0, 0, 0, 1);
    syncml_msg_free(in);

    /* A write failure at commit: 500, rolled back. */
    f->fp.replace_status = OMADM_ERR_IO;
    in = dm_msg("6");
    at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "40");
    dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "41"), FLEET "PollOnLogin", "true",
            "bool");
    dm_expect(f->tree, in, "S Atomic 40 507 | S Replace 41 500");
    expect_schedule(f, 15, 0, 60, 3, 1440, 0, 0, 0, 1);
    syncml_msg_free(in);
}

static void test_persistence(void **state)
{
    fixture *f = *state;
    omadm_poll_schedule s;
    int has = 0;

    one(f, SYNCML_CMD_REPLACE, P "DEMO%20MDM/Poll/NumberOfFirstRetries", "8", "int",
        "S Replace 1 200");
    one(f, SYNCML_CMD_ADD, P "Fleet/Poll/PollOnLogin", "true", "bool", "S Add 1 200");
    one(f, SYNCML_CMD_GET, P, NULL, NULL, "S Get 1 400");
    one(f, SYNCML_CMD_GET, "./Vendor/MSFT/DMClient/Provider", NULL, NULL,
        "S Get 1 200 | R 1 ./Vendor/MSFT/DMClient/Provider=DEMO%20MDM/Fleet(node)");
    assert_string_equal(fakeplat_file(&f->fp, "dmclient.conf"),
                        "omadm-dmclient 1\n"
                        "provider DEMO%20MDM 1 15 8 0 0 0 0 0 0\n"
                        "provider Fleet 1 15 10 0 0 0 0 1 0\n");

    /* A new tree over the same platform: the same state; the poller reads
     * the first provider. */
    omadm_tree_free(f->tree);
    open_tree(f);
    expect_schedule(f, 15, 8, 0, 0, 0, 0, 0, 0, 1);
    one(f, SYNCML_CMD_GET, P "Fleet/Poll/PollOnLogin", NULL, NULL,
        "S Get 1 200 | R 1 " P "Fleet/Poll/PollOnLogin=true(bool,text/plain)");
    assert_int_equal(omadm__dmclient_load_schedule(&f->fp.p, &s, &has), OMADM_OK);
    assert_int_equal(s.count_first, 8);
    assert_int_equal(has, 1);

    /* Delete the first provider's Poll: the poller moves to the next. */
    one(f, SYNCML_CMD_DELETE, P "DEMO%20MDM/Poll", NULL, NULL, "S Delete 1 200");
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 1, 0, 1);
    one(f, SYNCML_CMD_GET, P "DEMO%20MDM", NULL, NULL,
        "S Get 1 200 | R 1 " P "DEMO%20MDM=Push(node)");
    one(f, SYNCML_CMD_DELETE, P "DEMO%20MDM/Poll", NULL, NULL, "S Delete 1 404");
    one(f, SYNCML_CMD_DELETE, P "DEMO%20MDM", NULL, NULL, "S Delete 1 200");
    one(f, SYNCML_CMD_DELETE, P "Fleet", NULL, NULL, "S Delete 1 200");
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 0, 0, 0);
    assert_string_equal(fakeplat_file(&f->fp, "dmclient.conf"), "omadm-dmclient 1\n");
    assert_int_equal(warnings, 0);
}

static void test_providers(void **state)
{
    fixture *f = *state;
    char target[128];
    int i;

    one(f, SYNCML_CMD_ADD, P "X", NULL, "node", "S Add 1 200");
    one(f, SYNCML_CMD_ADD, P "X", NULL, "node", "S Add 1 418");
    one(f, SYNCML_CMD_GET, P "X", NULL, NULL, "S Get 1 200 | R 1 " P "X=Push(node)");
    one(f, SYNCML_CMD_GET, P "X/Poll/PollOnLogin", NULL, NULL, "S Get 1 404");
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 0, 0, 0); /* no Poll yet */
    one(f, SYNCML_CMD_REPLACE, P "X", "v", NULL, "S Replace 1 405");
    one(f, SYNCML_CMD_EXEC, P "X", NULL, NULL, "S Exec 1 405");
    one(f, SYNCML_CMD_ADD, "./Vendor/MSFT/DMClient/Provider", NULL, "node", "S Add 1 418");
    one(f, SYNCML_CMD_DELETE, "./Vendor/MSFT/DMClient/Provider", NULL, NULL, "S Delete 1 405");
    for (i = 1; i < OMADM_DMCLIENT_MAX_PROVIDERS; i++) {
        snprintf(target, sizeof target, P "p%d", i);
        one(f, SYNCML_CMD_ADD, target, NULL, NULL, "S Add 1 200");
    }
    one(f, SYNCML_CMD_ADD, P "one-too-many", NULL, NULL, "S Add 1 420");
}

/* An enrollment's provider: created durably without a Poll node (the
 * schedule stays the default), found by the server's Push Gets, idempotent;
 * a name that cannot be a node is refused. */
static void test_ensure_provider(void **state)
{
    fixture *f = *state;

    one(f, SYNCML_CMD_GET, P "omadm-mock/Push/ChannelURI", NULL, NULL, "S Get 1 404");
    assert_int_equal(omadm__dmclient_ensure_provider(f->dm, "omadm-mock"), OMADM_OK);
    assert_string_equal(fakeplat_file(&f->fp, "dmclient.conf"),
                        "omadm-dmclient 1\nprovider omadm-mock 0 15 10 0 0 0 0 0 0\n");
    assert_int_equal(omadm__dmclient_ensure_provider(f->dm, "omadm-mock"), OMADM_OK);
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 0, 0, 0);
    one(f, SYNCML_CMD_GET, P "omadm-mock/Push/Status", NULL, NULL,
        "S Get 1 200 | R 1 " P "omadm-mock/Push/Status=4(int,text/plain)");
    assert_int_equal(omadm__dmclient_ensure_provider(f->dm, "a/b"), OMADM_ERR_INVALID);
    assert_int_equal(omadm__dmclient_ensure_provider(f->dm, ""), OMADM_ERR_INVALID);
    assert_int_equal(omadm__dmclient_ensure_provider(NULL, "x"), OMADM_ERR_INVALID);
    /* it survives a new tree */
    omadm_tree_free(f->tree);
    open_tree(f);
    one(f, SYNCML_CMD_GET, P "omadm-mock", NULL, NULL,
        "S Get 1 200 | R 1 " P "omadm-mock=Push(node)");
}

static void test_write_failures(void **state)
{
    fixture *f = *state;

    one(f, SYNCML_CMD_ADD, P "Fleet/Poll", NULL, NULL, "S Add 1 200");
    f->fp.replace_status = OMADM_ERR_IO;
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "3", "int", "S Replace 1 500");
    f->fp.replace_status = OMADM_ERR_FULL;
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "3", "int", "S Replace 1 420");
    one(f, SYNCML_CMD_DELETE, P "Fleet", NULL, NULL, "S Delete 1 420");
    expect_schedule(f, 15, 10, 0, 0, 0, 0, 0, 0, 1); /* memory matches the disk */
    one(f, SYNCML_CMD_GET, P "Fleet/Poll/NumberOfFirstRetries", NULL, NULL,
        "S Get 1 200 | R 1 " P "Fleet/Poll/NumberOfFirstRetries=10(int,text/plain)");
    f->fp.replace_status = OMADM_OK;
    one(f, SYNCML_CMD_REPLACE, FLEET "NumberOfFirstRetries", "3", "int", "S Replace 1 200");
    expect_schedule(f, 15, 3, 0, 0, 0, 0, 0, 0, 1);
}

static void test_corrupt_files(void **state)
{
    static const char *const bad[] = {
        "",
        "omadm-dmclient 2\n",
        "omadm-dmclient 1",
        "omadm-dmclient 1\nprovider Fleet 1 15 10 0 0 0 0 0 0",
        "omadm-dmclient 1\nprovider Fleet 1 15 10 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet 1 15 10 0 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet 1 15 x 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet 2 15 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet 1 15 10 0 0 0 0 0 2\n",
        "omadm-dmclient 1\nprovider Fleet 1 15 -1 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet 1 2147483648 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet  1 15 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider F%2Fx 1 15 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider F%zz 1 15 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider F%00 1 15 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider A 1 15 10 0 0 0 0 0 0\nprovider A 1 15 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet 1 0 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\nprovider Fleet 1 0 10 0 10 0 10 0 0\n",
        "omadm-dmclient 1\nprovidor Fleet 1 15 10 0 0 0 0 0 0\n",
        "omadm-dmclient 1\n\n",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fixture f;
        omadm_poll_schedule s;
        memset(&f, 0, sizeof f);
        fakeplat_init(&f.fp);
        fakeplat_set_file(&f.fp, "dmclient.conf", bad[i]);
        warnings = 0;
        omadm_log_set(capture_log, NULL, OMADM_LOG_DEBUG);
        open_tree(&f);
        if (warnings != 1)
            fail_msg("case %u: %d warnings", (unsigned)i, warnings);
        assert_non_null(strstr(last_warning, "corrupt"));
        expect_schedule(&f, 15, 10, 0, 0, 0, 0, 0, 0, 0);
        one(&f, SYNCML_CMD_GET, "./Vendor/MSFT/DMClient/Provider", NULL, NULL,
            "S Get 1 200 | R 1 ./Vendor/MSFT/DMClient/Provider=(node)");
        assert_int_equal(omadm__dmclient_load_schedule(&f.fp.p, &s, NULL), OMADM_OK);
        assert_int_equal(s.count_first, 10);
        omadm_tree_free(f.tree);
        fakeplat_free(&f.fp);
    }
    omadm_log_set(NULL, NULL, OMADM_LOG_INFO);

    /* 16 providers load; 17 do not. */
    {
        char file[4096];
        size_t n = (size_t)snprintf(file, sizeof file, "omadm-dmclient 1\n");
        fixture f;
        memset(&f, 0, sizeof f);
        for (i = 0; i < 16; i++)
            n += (size_t)snprintf(file + n, sizeof file - n, "provider p%u 1 %u 10 0 0 0 0 0 0\n",
                                  (unsigned)i, (unsigned)(i + 1));
        fakeplat_init(&f.fp);
        fakeplat_set_file(&f.fp, "dmclient.conf", file);
        open_tree(&f);
        expect_schedule(&f, 1, 10, 0, 0, 0, 0, 0, 0, 1);
        omadm_tree_free(f.tree);
        snprintf(file + n, sizeof file - n, "provider p16 1 15 10 0 0 0 0 0 0\n");
        fakeplat_set_file(&f.fp, "dmclient.conf", file);
        open_tree(&f);
        expect_schedule(&f, 15, 10, 0, 0, 0, 0, 0, 0, 0);
        omadm_tree_free(f.tree);
        fakeplat_free(&f.fp);
    }
}

static void test_read_errors(void **state)
{
    fakeplat fp;
    omadm_tree *tree;
    omadm_dmclient *dm = (omadm_dmclient *)&fp;
    omadm_poll_schedule s;

    (void)state;
    fakeplat_init(&fp);
    assert_int_equal(omadm_tree_new(&tree), OMADM_OK);
    fp.read_status = OMADM_ERR_IO;
    assert_int_equal(omadm__dmclient_register(tree, &fp.p, &dm), OMADM_ERR_IO);
    assert_null(dm);
    assert_int_equal(omadm__tree_count(tree), 0);
    assert_int_equal(omadm__dmclient_load_schedule(&fp.p, &s, NULL), OMADM_ERR_IO);
    assert_int_equal(s.interval_first, 15); /* defaults even then */
    /* Too large a file is treated as corrupt. */
    fp.read_status = OMADM_ERR_LIMIT;
    assert_int_equal(omadm__dmclient_register(tree, &fp.p, NULL), OMADM_OK);
    assert_int_equal(omadm__dmclient_register(tree, &fp.p, NULL), OMADM_ERR_EXISTS);
    omadm_tree_free(tree);
    assert_int_equal(omadm__dmclient_register(NULL, &fp.p, NULL), OMADM_ERR_INVALID);
}

static void test_alloc_sweep(void **state)
{
    long n;
    int done = 0;

    (void)state;
    for (n = 1; n < 2000 && !done; n++) {
        fixture *f;
        syncml_msg *in = dm_msg("1"), *reply = NULL;
        syncml_cmd *answers = NULL, *at;
        omadm_status st;
        omadm_poll_schedule s;

        setup((void **)&f);
        one(f, SYNCML_CMD_ADD, P "Fleet/Poll", NULL, NULL, "S Add 1 200");
        dm_item(in, dm_cmd(in, &in->body, SYNCML_CMD_REPLACE, "1"), FLEET "NumberOfFirstRetries",
                "4", "int");
        at = dm_cmd(in, &in->body, SYNCML_CMD_ATOMIC, "2");
        dm_item(in, dm_cmd(in, &at->children, SYNCML_CMD_REPLACE, "3"), P "N/Poll/PollOnLogin",
                "true", NULL);
        assert_int_equal(syncml_msg_new(&reply), OMADM_OK);
        omadm__alloc_fail_at(n, 1);
        st = omadm__dispatch_message(f->tree, in, "srv", reply, &answers);
        done = !omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        omadm__dmclient_poll_get(f->dm, &s, NULL);
        if (st != OMADM_OK) {
            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_int_equal(s.count_first, 10);
        } else {
            char got[512];
            dm_describe(answers, "1", got, sizeof got);
            /* Each Status tells what happened, and memory matches the file. */
            assert_int_equal(strncmp(got, "S Replace 1 200", 15) == 0, s.count_first == 4);
            assert_int_equal(strstr(got, "S Atomic 2 200") != NULL,
                             strstr(fakeplat_file(&f->fp, "dmclient.conf"), "provider N ") != NULL);
            if (done)
                assert_string_equal(got, "S Replace 1 200 | S Atomic 2 200 | S Replace 3 200");
        }
        syncml_msg_free(reply);
        syncml_msg_free(in);
        teardown((void **)&f);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_and_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_poll_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forbidden_schedules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_schedule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_providers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failures, setup, teardown),
        cmocka_unit_test(test_corrupt_files),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_alloc_sweep),
    };
    return cmocka_run_group_tests_name("dmclient", tests, NULL, NULL);
}
