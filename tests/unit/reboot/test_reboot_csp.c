/* SPDX-License-Identifier: Apache-2.0 */
/* Reboot CSP node by node (reboot-csp.md §1-§3): every node x command x value
 * class through the real dispatcher (omadm_tree_process), exact Status
 * codes, Results formats and values, and what stays durable. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../platform/testutil.h"
#include "core/alloc.h"
#include "dispatch/dispatch.h"
#include "rbtest.h"

#define DEV "./Device/Vendor/MSFT/Reboot"
#define LEG "./Vendor/MSFT/Reboot"

/* Get of `uri`: returns the Status; *value (malloc'd or NULL), format. */
static int get(rbt *t, const char *uri, char **value, char *format)
{
    char body[512];
    char *reply;
    int code;

    snprintf(body, sizeof body,
             "<Get><CmdID>g1</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></Get>", uri);
    reply = rbt_process(t, "1", "1", body);
    code = rbt_status(reply, "g1");
    *value = rbt_result(reply, "g1", format);
    free(reply);
    return code;
}

static void expect_get(rbt *t, const char *uri, int code, const char *value, const char *format)
{
    char fmt[16], *v = NULL;

    assert_int_equal(get(t, uri, &v, fmt), code);
    if (code != 200) {
        assert_null(v);
        return;
    }
    assert_non_null(v);
    assert_string_equal(v, value);
    assert_string_equal(fmt, format);
    free(v);
}

static char *schedule_file(const rbt *t)
{
    char *p = tu_path(t->dir, OMADM_REBOOT_SCHEDULE_FILE, NULL);
    char *s = tu_read(p, NULL);

    free(p);
    return s;
}

static void test_get_interior_and_rebootnow(void **state)
{
    rbt *t = *state;
    static const char *const roots[] = { DEV, LEG };
    char uri[128];
    size_t i;

    for (i = 0; i < 2; i++) {
        expect_get(t, roots[i], 200, "RebootNow/Schedule", "node");
        snprintf(uri, sizeof uri, "%s/RebootNow", roots[i]);
        expect_get(t, uri, 200, "", "null");
        snprintf(uri, sizeof uri, "%s/Schedule", roots[i]);
        expect_get(t, uri, 200, "", "node");
        snprintf(uri, sizeof uri, "%s/Schedule/Single", roots[i]);
        expect_get(t, uri, 404, NULL, NULL);
        snprintf(uri, sizeof uri, "%s/Schedule/DailyRecurrent", roots[i]);
        expect_get(t, uri, 404, NULL, NULL);
        snprintf(uri, sizeof uri, "%s/Schedule/WeeklyRecurrent", roots[i]);
        expect_get(t, uri, 404, NULL, NULL);
        snprintf(uri, sizeof uri, "%s/Nope", roots[i]);
        expect_get(t, uri, 404, NULL, NULL);
        snprintf(uri, sizeof uri, "%s/Schedule/Monthly", roots[i]);
        expect_get(t, uri, 404, NULL, NULL);
    }
    /* Device scope only. */
    expect_get(t, "./User/Vendor/MSFT/Reboot/RebootNow", 404, NULL, NULL);
    expect_get(t, "./User/Vendor/MSFT/Reboot", 404, NULL, NULL);
    assert_int_equal(rbt_cmd(t, "Exec", "e1", "./User/Vendor/MSFT/Reboot/RebootNow", NULL), 404);
    assert_int_equal(rbt_intent_count(t), 0);
}

static void test_schedule_child_list(void **state)
{
    rbt *t = *state;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T02:00:00"),
                     200);
    expect_get(t, DEV "/Schedule", 200, "DailyRecurrent", "node");
    assert_int_equal(rbt_cmd(t, "Add", "a2", LEG "/Schedule/Single", "2026-03-20T02:00:00Z"), 200);
    expect_get(t, LEG "/Schedule", 200, "Single/DailyRecurrent", "node");
    assert_int_equal(rbt_cmd(t, "Delete", "d1", DEV "/Schedule/DailyRecurrent", NULL), 200);
    expect_get(t, DEV "/Schedule", 200, "Single", "node");
}

/* One value class per row: Add on an unset Single, then Get. */
static void test_value_classes(void **state)
{
    static const struct {
        const char *value;
        int code;
        const char *get; /* NULL: not set afterwards */
    } rows[] = {
        { "2026-03-15T10:00:00", 200, "2026-03-15T10:00:00+01:00" }, /* local, offset +1 h */
        { "2026-03-14T10:00:00", 200, "2026-03-14T10:00:00+01:00" }, /* local = now */
        { "2026-03-15T10:00:00Z", 200, "2026-03-15T10:00:00+00:00" },
        { "2026-03-15T10:00:00+05:30", 200, "2026-03-15T10:00:00+05:30" },
        { "2026-03-15T10:00:00-0200", 200, "2026-03-15T10:00:00-02:00" },
        { "2026-03-15T10:00:00.250Z", 200, "2026-03-15T10:00:00+00:00" },
        { " 2026-03-15T10:00:00Z\n", 200, "2026-03-15T10:00:00+00:00" }, /* whitespace trimmed */
        { "2028-02-29T10:00:00Z", 200, "2028-02-29T10:00:00+00:00" },    /* leap day */
        { "2026-03-14T08:56:00Z", 200, "2026-03-14T08:56:00+00:00" },    /* 240 s ago: accepted */
        { "2026-03-14T08:54:59Z", 400, NULL },                           /* 301 s ago */
        { "2020-01-01T00:00:00Z", 400, NULL },
        { "2026-03-14", 400, NULL },
        { "10:00:00", 400, NULL },
        { "2026-W11-6T10:00:00", 400, NULL },
        { "2026-073T10:00:00", 400, NULL },
        { "2026-03-14T24:00:00", 400, NULL },
        { "2026-03-14T10:00:60", 400, NULL },
        { "2027-02-29T10:00:00", 400, NULL },
        { "2026-03-14T10:00:00+0100junk", 400, NULL },
        { "2026-03-14T10:00:00.0000000000000000000000000000000000000000000000000000000001Z", 400,
          NULL },                             /* over 64 bytes */
        { "", 200, NULL },                    /* clear of an unset node: nothing to do */
        { "0000-00-00T00:00:00", 200, NULL }, /* same */
    };
    rbt *t = *state;
    size_t i;

    rbt_set_offset(t, 3600);
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char fmt[16], *v = NULL;
        int code;

        code = rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", rows[i].value);
        if (code != rows[i].code)
            fail_msg("row %u \"%s\": Status %d, expected %d", (unsigned)i, rows[i].value, code,
                     rows[i].code);
        code = get(t, DEV "/Schedule/Single", &v, fmt);
        if (!rows[i].get) {
            assert_int_equal(code, 404);
            assert_null(v);
            continue;
        }
        assert_int_equal(code, 200);
        assert_string_equal(v, rows[i].get);
        assert_string_equal(fmt, "chr");
        free(v);
        assert_int_equal(rbt_cmd(t, "Delete", "d1", DEV "/Schedule/Single", NULL), 200);
    }
}

static void test_add_replace_delete_semantics(void **state)
{
    rbt *t = *state;
    char *before, *after;
    omadm_reboot_schedule s;

    /* Replace on an unset node: implicit Add. */
    assert_int_equal(rbt_cmd(t, "Replace", "r1", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"),
                     200);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T01:00:00+00:00", "chr");
    /* Add on a set node: 418, value kept. */
    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-16T01:00:00Z"), 418);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T01:00:00+00:00", "chr");
    /* A bad value: 400 and the old schedule stays, in memory and on disk. */
    before = schedule_file(t);
    assert_non_null(before);
    assert_int_equal(rbt_cmd(t, "Replace", "r2", DEV "/Schedule/Single", "tomorrow"), 400);
    assert_int_equal(rbt_cmd(t, "Replace", "r3", DEV "/Schedule/Single", "2026-03-14T24:00:00"),
                     400);
    assert_int_equal(rbt_cmd(t, "Replace", "r4", DEV "/Schedule/Single", "2026-03-13T09:00:00Z"),
                     400);
    after = schedule_file(t);
    assert_string_equal(before, after);
    free(after);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T01:00:00+00:00", "chr");
    /* Replace with a new good value. */
    assert_int_equal(
        rbt_cmd(t, "Replace", "r5", LEG "/Schedule/Single", "2026-03-15T07:30:00+02:00"), 200);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T07:30:00+02:00", "chr");
    assert_int_equal(omadm__reboot_schedule_get(t->rb, OMADM_REBOOT_SINGLE, &s), OMADM_OK);
    assert_true(s.set);
    assert_string_equal(s.text, "2026-03-15T07:30:00+02:00");
    assert_int_equal(s.instant, RBT_T0 + 73800); /* 2026-03-15T05:30:00Z */
    assert_int_equal(s.next_fire, RBT_T0 + 73800);
    /* Clearing by value, both spellings. */
    assert_int_equal(rbt_cmd(t, "Replace", "r6", DEV "/Schedule/Single", ""), 200);
    expect_get(t, DEV "/Schedule/Single", 404, NULL, NULL);
    assert_int_equal(rbt_cmd(t, "Replace", "r7", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"),
                     200);
    assert_int_equal(rbt_cmd(t, "Replace", "r8", DEV "/Schedule/Single", "0000-00-00T00:00:00"),
                     200);
    expect_get(t, DEV "/Schedule/Single", 404, NULL, NULL);
    /* Delete of an unset node: 404; of a set one: 200. */
    assert_int_equal(rbt_cmd(t, "Delete", "d1", DEV "/Schedule/Single", NULL), 404);
    assert_int_equal(rbt_cmd(t, "Add", "a2", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"), 200);
    assert_int_equal(rbt_cmd(t, "Delete", "d2", DEV "/Schedule/Single", NULL), 200);
    expect_get(t, DEV "/Schedule/Single", 404, NULL, NULL);
    assert_int_equal(omadm__reboot_schedule_get(t->rb, OMADM_REBOOT_SINGLE, &s), OMADM_OK);
    assert_false(s.set);
    free(before);
}

static void test_daily_weekly_exclusive(void **state)
{
    rbt *t = *state;

    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00Z"), 200);
    assert_int_equal(
        rbt_cmd(t, "Add", "a2", DEV "/Schedule/WeeklyRecurrent", "2026-03-14T03:00:00Z"), 405);
    assert_int_equal(
        rbt_cmd(t, "Replace", "r1", DEV "/Schedule/WeeklyRecurrent", "2026-03-14T03:00:00Z"), 405);
    expect_get(t, DEV "/Schedule/WeeklyRecurrent", 404, NULL, NULL);
    expect_get(t, DEV "/Schedule/DailyRecurrent", 200, "2026-03-14T03:00:00+00:00", "chr");
    /* Replacing Daily itself is fine; clearing Daily frees the slot. */
    assert_int_equal(
        rbt_cmd(t, "Replace", "r2", DEV "/Schedule/DailyRecurrent", "2026-03-14T04:00:00Z"), 200);
    assert_int_equal(rbt_cmd(t, "Delete", "d1", DEV "/Schedule/DailyRecurrent", NULL), 200);
    assert_int_equal(
        rbt_cmd(t, "Add", "a3", DEV "/Schedule/WeeklyRecurrent", "2026-03-14T03:00:00Z"), 200);
    assert_int_equal(
        rbt_cmd(t, "Add", "a4", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00Z"), 405);
    /* A recurrent start in the past is fine (the next occurrence counts). */
    assert_int_equal(
        rbt_cmd(t, "Replace", "r3", DEV "/Schedule/WeeklyRecurrent", "2020-01-01T03:00:00Z"), 200);
}

/* Commands a node does not allow. */
static void test_command_not_allowed(void **state)
{
    static const struct {
        const char *cmd, *uri, *data;
        int code;
    } rows[] = {
        { "Replace", DEV "/RebootNow", "x", 405 },
        { "Delete", DEV "/RebootNow", NULL, 405 },
        { "Add", DEV "/RebootNow", "x", 418 }, /* it exists (dispatcher order) */
        { "Exec", DEV "/Schedule", NULL, 405 },
        { "Exec", DEV, NULL, 405 },
        { "Exec", DEV "/Schedule/Single", NULL, 405 }, /* set below */
        { "Replace", DEV "/Schedule", "x", 405 },
        { "Delete", DEV "/Schedule", NULL, 405 },
        { "Delete", DEV, NULL, 405 },
        { "Exec", DEV "/Schedule/DailyRecurrent", NULL, 404 }, /* unset: absent first */
        { "Copy", DEV "/Schedule/Single", NULL, 406 },
        { "Exec", DEV "/Nope", NULL, 404 },
        { "Add", DEV, "x", 418 },
        { "Replace", DEV, "x", 405 },
        { "Add", DEV "/Schedule", "x", 418 },
        { "Exec", DEV "/Schedule/WeeklyRecurrent", NULL, 404 },
        { "Copy", DEV "/RebootNow", NULL, 406 },
        { "Replace", LEG "/RebootNow", "x", 405 },
        { "Delete", LEG "/RebootNow", NULL, 405 },
        { "Exec", LEG "/Schedule/Single", NULL, 405 },
        { "Exec", LEG "/Schedule", NULL, 405 },
        { "Delete", "./User/Vendor/MSFT/Reboot/Schedule/Single", NULL, 404 },
        { "Replace", "./User/Vendor/MSFT/Reboot/Schedule/Single", "2026-03-15T01:00:00Z", 404 },
    };
    rbt *t = *state;
    size_t i;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"), 200);
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int code = rbt_cmd(t, rows[i].cmd, "c1", rows[i].uri, rows[i].data);

        if (code != rows[i].code)
            fail_msg("%s %s: Status %d, expected %d", rows[i].cmd, rows[i].uri, code, rows[i].code);
    }
    assert_int_equal(rbt_intent_count(t), 0);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T01:00:00+00:00", "chr");
}

static void test_wrong_format(void **state)
{
    rbt *t = *state;
    char *reply;

    reply = rbt_process(t, "1", "1",
                        "<Add><CmdID>a1</CmdID><Item><Target><LocURI>" DEV
                        "/Schedule/Single</LocURI></Target><Meta><Format "
                        "xmlns=\"syncml:metinf\">int</Format></Meta><Data>2026-03-15T01:00:00Z"
                        "</Data></Item></Add>");
    assert_int_equal(rbt_status(reply, "a1"), 415);
    free(reply);
    expect_get(t, DEV "/Schedule/Single", 404, NULL, NULL);
    /* No Meta at all: chr is assumed. */
    reply = rbt_process(t, "1", "1",
                        "<Add><CmdID>a2</CmdID><Item><Target><LocURI>" DEV
                        "/Schedule/Single</LocURI></Target><Data>2026-03-15T01:00:00Z"
                        "</Data></Item></Add>");
    assert_int_equal(rbt_status(reply, "a2"), 200);
    free(reply);
}

/* The spellings Microsoft writes (issue 14): ./Device, ./User and ./Vendor
 * in any case, on Get and Exec; CSP and node names stay case-sensitive. */
static void test_scope_prefix_spellings(void **state)
{
    rbt *t = *state;
    static const char *const good[] = {
        "./Device/Vendor/MSFT/Reboot", "./device/vendor/MSFT/Reboot", "./DEVICE/VENDOR/MSFT/Reboot",
        "./dEvIcE/Vendor/MSFT/Reboot", "./Vendor/MSFT/Reboot",        "./vendor/MSFT/Reboot",
        "./VENDOR/MSFT/Reboot",
    };
    static const char *const bad[] = {
        "./device/vendor/msft/Reboot",  "./device/vendor/MSFT/reboot",
        "./Device/Vendor/MSFT/REBOOT",  "./user/vendor/MSFT/Reboot",
        "./USER/Vendor/MSFT/Reboot",    "./Device/Vendors/MSFT/Reboot",
        "./Devices/Vendor/MSFT/Reboot",
    };
    char uri[128], id[16];
    omadm_reboot_pending p;
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        expect_get(t, good[i], 200, "RebootNow/Schedule", "node");
        snprintf(uri, sizeof uri, "%s/RebootNow", good[i]);
        expect_get(t, uri, 200, "", "null");
        snprintf(id, sizeof id, "g-%zu", i);
        assert_int_equal(rbt_cmd(t, "Exec", id, uri, NULL), 200);
        snprintf(uri, sizeof uri, "%s/rebootnow", good[i]);
        expect_get(t, uri, 404, NULL, NULL);
        assert_int_equal(rbt_cmd(t, "Exec", "x", uri, NULL), 404);
    }
    assert_int_equal(rbt_intent_count(t), sizeof good / sizeof good[0]);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(uri, sizeof uri, "%s/RebootNow", bad[i]);
        expect_get(t, uri, 404, NULL, NULL);
        snprintf(id, sizeof id, "b-%zu", i);
        assert_int_equal(rbt_cmd(t, "Exec", id, uri, NULL), 404);
    }
    assert_int_equal(rbt_intent_count(t), sizeof good / sizeof good[0]);
    /* The intent (and so the outcome) names the node as the server spelled it. */
    assert_int_equal(omadm__reboot_pending_at(t->rb, 1, &p), OMADM_OK);
    assert_string_equal(p.uri, "./device/vendor/MSFT/Reboot/RebootNow");
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
}

static void test_exec_rebootnow(void **state)
{
    rbt *t = *state;
    omadm_reboot_pending p;
    char *reply;

    /* Data is ignored; the Status is 200 once the intent is durable. */
    reply = rbt_process(t, "17", "3",
                        "<Exec><CmdID>5b0e2c1a-8d4f</CmdID><Item><Target><LocURI>" LEG
                        "/RebootNow</LocURI></Target><Meta><Format "
                        "xmlns=\"syncml:metinf\">chr</Format></Meta><Data>now please</Data>"
                        "</Item></Exec>");
    assert_int_equal(rbt_status(reply, "5b0e2c1a-8d4f"), 200);
    free(reply);
    assert_int_equal(rbt_intent_count(t), 1);
    assert_int_equal(omadm__reboot_pending_count(t->rb), 1);
    assert_int_equal(omadm__reboot_pending_at(t->rb, 0, &p), OMADM_OK);
    assert_string_equal(p.trigger, "now");
    assert_string_equal(p.uri, LEG "/RebootNow");
    assert_string_equal(p.cmdref, "5b0e2c1a-8d4f");
    assert_string_equal(p.state, "armed");
    assert_int_equal(p.requested, RBT_T0);
    assert_int_equal(p.deadline, RBT_T0 + 300);
    assert_false(p.earlier_boot);
    assert_int_equal(omadm__reboot_pending_at(t->rb, 1, &p), OMADM_ERR_NOT_FOUND);
    /* Nothing is requested before the session ends. */
    assert_int_equal(rbt_restarts(t), 0);
}

static void test_state_survives_reopen(void **state)
{
    rbt *t = *state;

    rbt_set_offset(t, -18000);
    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00"),
                     200);
    assert_int_equal(rbt_cmd(t, "Add", "a2", DEV "/Schedule/Single", "2026-03-20T12:00:00+0100"),
                     200);
    rbt_close(t);
    rbt_open(t);
    expect_get(t, DEV "/Schedule/DailyRecurrent", 200, "2026-03-14T03:00:00-05:00", "chr");
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-20T12:00:00+01:00", "chr");
    expect_get(t, DEV "/Schedule", 200, "Single/DailyRecurrent", "node");
}

static void test_atomic(void **state)
{
    rbt *t = *state;
    char *reply, *before, *after;

    assert_int_equal(rbt_cmd(t, "Add", "a0", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"), 200);
    before = schedule_file(t);
    /* A failing member: nothing armed, the schedule change undone. */
    reply = rbt_process(t, "1", "1",
                        "<Atomic><CmdID>at1</CmdID>"
                        "<Replace><CmdID>m1</CmdID><Item><Target><LocURI>" DEV
                        "/Schedule/Single</LocURI></Target><Data>2026-03-16T01:00:00Z</Data>"
                        "</Item></Replace>"
                        "<Exec><CmdID>m2</CmdID><Item><Target><LocURI>" DEV
                        "/RebootNow</LocURI></Target></Item></Exec>"
                        "<Delete><CmdID>m3</CmdID><Item><Target><LocURI>" DEV
                        "/Schedule/WeeklyRecurrent</LocURI></Target></Item></Delete>"
                        "</Atomic>");
    assert_int_equal(rbt_status(reply, "at1"), 507);
    assert_int_equal(rbt_status(reply, "m3"), 404);
    free(reply);
    assert_int_equal(rbt_intent_count(t), 0);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T01:00:00+00:00", "chr");
    after = schedule_file(t);
    assert_string_equal(before, after);
    free(after);
    /* The schedule change and the Exec have run when a later member fails
     * at execution (a bad value): both are rolled back, nothing armed, the
     * old value kept in memory and on disk. */
    reply = rbt_process(t, "1", "2",
                        "<Atomic><CmdID>at3</CmdID>"
                        "<Replace><CmdID>m1</CmdID><Item><Target><LocURI>" DEV
                        "/Schedule/Single</LocURI></Target><Data>2026-03-17T01:00:00Z</Data>"
                        "</Item></Replace>"
                        "<Exec><CmdID>m2</CmdID><Item><Target><LocURI>" DEV
                        "/RebootNow</LocURI></Target></Item></Exec>"
                        "<Replace><CmdID>m3</CmdID><Item><Target><LocURI>" DEV
                        "/Schedule/DailyRecurrent</LocURI></Target><Data>03:00</Data>"
                        "</Item></Replace>"
                        "</Atomic>");
    assert_int_equal(rbt_status(reply, "at3"), 507);
    assert_int_equal(rbt_status(reply, "m1"), 216);
    assert_int_equal(rbt_status(reply, "m2"), 216);
    assert_int_equal(rbt_status(reply, "m3"), 400);
    free(reply);
    assert_int_equal(rbt_intent_count(t), 0);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 0);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T01:00:00+00:00", "chr");
    expect_get(t, DEV "/Schedule/DailyRecurrent", 404, NULL, NULL);
    after = schedule_file(t);
    assert_string_equal(before, after);
    free(after);
    /* All members fine: the intent exists once the Atomic committed. */
    reply = rbt_process(t, "1", "2",
                        "<Atomic><CmdID>at2</CmdID>"
                        "<Replace><CmdID>m1</CmdID><Item><Target><LocURI>" DEV
                        "/Schedule/Single</LocURI></Target><Data>2026-03-16T01:00:00Z</Data>"
                        "</Item></Replace>"
                        "<Exec><CmdID>m2</CmdID><Item><Target><LocURI>" DEV
                        "/RebootNow</LocURI></Target></Item></Exec>"
                        "</Atomic>");
    assert_int_equal(rbt_status(reply, "at2"), 200);
    assert_int_equal(rbt_status(reply, "m1"), 200);
    assert_int_equal(rbt_status(reply, "m2"), 200);
    free(reply);
    assert_int_equal(rbt_intent_count(t), 1);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    rbt_close(t);
    rbt_open(t);
    expect_get(t, DEV "/Schedule/Single", 200, "2026-03-16T01:00:00+00:00", "chr");
    free(before);
}

/* Every allocation of a Replace fails in turn: either Status 200 and the
 * new value, or a failure and the old value, in memory and on disk. */
static void test_replace_allocation_failures(void **state)
{
    static const char msg[] =
        "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2"
        "</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>d</LocURI>"
        "</Target><Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody><Replace><CmdID>r1"
        "</CmdID><Item><Target><LocURI>" DEV "/Schedule/Single</LocURI></Target><Data>"
        "2026-03-20T05:00:00+02:00</Data></Item></Replace><Final/></SyncBody></SyncML>";
    rbt *t = *state;
    char *before, *after;
    long n;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"), 200);
    before = schedule_file(t);
    for (n = 1; n < 10000; n++) {
        char *reply = NULL;
        size_t len = 0;
        omadm_status st;
        int code = -1, failed;

        omadm__alloc_fail_at(n, 0);
        st = omadm_tree_process(t->tree, msg, sizeof msg - 1, &reply, &len);
        failed = omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        if (st == OMADM_OK) {
            code = rbt_status(reply, "r1");
        } else {
            /* No reply could be built: the Replace may or may not have run
             * (the session fails and the server sends it again). */
            char fmt[16], *v = NULL;

            assert_int_equal(st, OMADM_ERR_NOMEM);
            assert_int_equal(get(t, DEV "/Schedule/Single", &v, fmt), 200);
            code = strcmp(v, "2026-03-20T05:00:00+02:00") == 0 ? 200 : -1;
            free(v);
        }
        omadm_free(reply);
        if (code == 200) {
            expect_get(t, DEV "/Schedule/Single", 200, "2026-03-20T05:00:00+02:00", "chr");
            if (!failed)
                break;
            assert_int_equal(
                rbt_cmd(t, "Replace", "r2", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"), 200);
        } else {
            expect_get(t, DEV "/Schedule/Single", 200, "2026-03-15T01:00:00+00:00", "chr");
            after = schedule_file(t);
            assert_string_equal(before, after);
            free(after);
        }
    }
    assert_true(n > 1 && n < 10000);
    free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, rbt_setup, rbt_teardown)
        T(test_get_interior_and_rebootnow),
        T(test_schedule_child_list),
        T(test_value_classes),
        T(test_add_replace_delete_semantics),
        T(test_daily_weekly_exclusive),
        T(test_command_not_allowed),
        T(test_wrong_format),
        T(test_scope_prefix_spellings),
        T(test_exec_rebootnow),
        T(test_state_survives_reopen),
        T(test_atomic),
        T(test_replace_allocation_failures),
#undef T
    };

    return cmocka_run_group_tests_name("reboot-csp", tests, NULL, NULL);
}
