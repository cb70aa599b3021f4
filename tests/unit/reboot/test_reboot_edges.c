/* SPDX-License-Identifier: Apache-2.0 */
/* Reboot CSP edges the rest of the suite let through (issue 19): the undo
 * of an Atomic whose commit fails half-way (M6), history-load errors that
 * must not be mistaken for corruption (M8), and the restart deadline to the
 * second (M10). */
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
#include "csp/reboot/rbint.h"
#include "dispatch/dispatch.h"
#include "platform/sim/sim.h"
#include "rbtest.h"

#define DEV  "./Device/Vendor/MSFT/Reboot"
#define UUID "5b0e2c1a-8d4f-4e7b-9a60-3f2d1c0b9e88"

static char *state_file(const rbt *t, const char *name)
{
    char *p = tu_path(t->dir, name, NULL);
    char *s = tu_read(p, NULL);

    free(p);
    return s;
}

static char *get_value(rbt *t, const char *uri, int *code)
{
    char body[512], fmt[16], *reply, *v;

    snprintf(body, sizeof body,
             "<Get><CmdID>g1</CmdID><Item><Target><LocURI>%s</LocURI></Target></Item></Get>", uri);
    reply = rbt_process(t, "1", "9", body);
    *code = rbt_status(reply, "g1");
    v = rbt_result(reply, "g1", fmt);
    free(reply);
    return v;
}

static int exec_now(rbt *t, const char *msg, const char *cmdid)
{
    char body[512], *reply;
    int code;

    snprintf(body, sizeof body,
             "<Exec><CmdID>%s</CmdID><Item><Target><LocURI>" DEV "/RebootNow</LocURI></Target>"
             "</Item></Exec>",
             cmdid);
    reply = rbt_process(t, "1", msg, body);
    code = rbt_status(reply, cmdid);
    free(reply);
    return code;
}

/* ---- M6: a commit failing after part of it is durable ------------------- */

static const char atomic_body[] =
    "<Atomic><CmdID>at1</CmdID>"
    "<Exec><CmdID>m1</CmdID><Item><Target><LocURI>" DEV "/RebootNow</LocURI></Target></Item>"
    "</Exec>"
    "<Replace><CmdID>m2</CmdID><Item><Target><LocURI>" DEV "/Schedule/Single</LocURI></Target>"
    "<Data>2026-03-16T01:00:00Z</Data></Item></Replace>"
    "</Atomic>";

/* Every durable write of the commit fails in turn. The Atomic either
 * succeeds whole (intent armed, new schedule) or leaves nothing: no intent
 * (none in the outbox after a reopen either), the old schedule in memory
 * and on disk, no restart at the session's end. At least one failure must
 * come after the intent was written, so the undo itself is exercised. */
static void test_atomic_commit_failure_undone(void **state)
{
    int k, undone_after_intent = 0, committed = 0;

    (void)state;
    for (k = 1; k <= 8 && !committed; k++) {
        rbt *t = calloc(1, sizeof(*t));
        char *before, *after, *reply, *v;
        int base, code, i, intent_written = 0;

        assert_non_null(t);
        rbt_init(t);
        rbt_open(t);
        assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
        assert_int_equal(rbt_cmd(t, "Add", "a0", DEV "/Schedule/Single", "2026-03-15T01:00:00Z"),
                         200);
        before = state_file(t, OMADM_REBOOT_SCHEDULE_FILE);
        assert_non_null(before);
        base = t->replaces;
        t->fail_replace_at = base + k;
        reply = rbt_process(t, "1", "1", atomic_body);
        t->fail_replace_at = 0;
        code = rbt_status(reply, "at1");
        free(reply);
        for (i = base; i < t->replaces && i < base + k - 1 && i < 32; i++)
            intent_written |= strncmp(t->replace_names[i], "outbox-", 7) == 0;
        if (t->replaces < base + k) {
            /* Nothing failed: every write of the commit is behind us. */
            assert_int_equal(code, 200);
            assert_int_equal(rbt_intent_count(t), 1);
            committed = 1;
        } else {
            assert_int_equal(code, 507); /* Atomic failed: every member undone */
            assert_int_equal(rbt_intent_count(t), 0);
            v = get_value(t, DEV "/Schedule/Single", &code);
            assert_int_equal(code, 200);
            assert_string_equal(v, "2026-03-15T01:00:00+00:00");
            free(v);
            after = state_file(t, OMADM_REBOOT_SCHEDULE_FILE);
            assert_string_equal(before, after);
            free(after);
            omadm__tree_session_end(t->tree, 1);
            assert_int_equal(rbt_restarts(t), 0);
            rbt_close(t);
            rbt_open(t);
            assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
            assert_int_equal(rbt_intent_count(t), 0);
            assert_int_equal(rbt_restarts(t), 0);
            undone_after_intent |= intent_written;
        }
        free(before);
        rbt_cleanup(t);
        free(t);
    }
    assert_true(committed);
    assert_true(undone_after_intent);
}

/* ---- M8: history-load errors -------------------------------------------- */

/* An unreadable history (here a directory in its place) is an I/O error,
 * not corruption: the CSP does not open (forgetting the executed CmdIDs
 * would run a resent RebootNow twice) and nothing is logged as corrupt. */
static void test_history_unreadable_is_an_error(void **state)
{
    rbt *t = *state;
    omadm_reboot *rb = NULL;
    char *p;
    omadm_status st;

    rbt_close(t);
    p = tu_path(t->dir, OMADM_REBOOT_HISTORY_FILE, NULL);
    tu_mkdirs(p);
    free(p);
    assert_int_equal(omadm_platform_sim_new(&t->sim, t->dir), OMADM_OK);
    rbt_log_corrupt = 0;
    {
        unsigned corrupt = 0;

        assert_int_equal(omadm_outbox_open(&t->outbox, &t->sim, NULL, &corrupt), OMADM_OK);
    }
    st = omadm__reboot_new(&rb, &t->sim, t->outbox);
#ifdef _WIN32
    /* Windows refuses to open a directory as a file: access denied. */
    assert_int_equal(st, OMADM_ERR_ACCESS);
#else
    assert_int_equal(st, OMADM_ERR_IO);
#endif
    assert_null(rb);
    assert_int_equal(rbt_log_corrupt, 0);
}

/* A history that is really corrupt is ignored (logged), and a valid one
 * loads whole. An allocation failure while loading is reported as such,
 * never as an empty history: at every failing allocation either the CSP
 * does not open (NOMEM) or it opens knowing the executed CmdID. */
static void test_history_load_nomem_not_corrupt(void **state)
{
    rbt *t = *state;
    long n;
    int opened_whole = 0;

    assert_int_equal(exec_now(t, "1", UUID), 200);
    omadm__tree_session_end(t->tree, 1);
    rbt_close(t);
    rbt_set_boot(t, "boot-B", RBT_T0 + 30);
    rbt_set_now(t, RBT_T0 + 60);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    assert_int_equal(t->rb->n_history, 1);
    for (n = 1; n < 200 && !opened_whole; n++) {
        int failed;
        omadm_status st;

        rbt_log_corrupt = 0;
        omadm__alloc_fail_at(n, 0);
        st = omadm__rb_history_load(t->rb);
        failed = omadm__alloc_failed();
        omadm__alloc_fail_at(0, 0);
        assert_int_equal(rbt_log_corrupt, 0);
        if (st == OMADM_OK) {
            assert_int_equal(t->rb->n_history, 1);
            opened_whole = !failed;
        } else {
            assert_int_equal(st, OMADM_ERR_NOMEM);
        }
    }
    assert_true(opened_whole);
    assert_true(n > 2);
}

/* ---- M10: the deadline to the second -------------------------------------- */

/* A session ending exactly at the deadline still requests the restart. */
static void test_request_at_deadline(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", UUID), 200);
    rbt_set_now(t, RBT_T0 + OMADM_REBOOT_DEADLINE_SECONDS);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_outcome_count(t), 0);
}

/* One second after it: reported, never restarted late. */
static void test_no_request_one_second_late(void **state)
{
    rbt *t = *state;
    const omadm_outbox_entry *e;

    assert_int_equal(exec_now(t, "1", UUID), 200);
    rbt_set_now(t, RBT_T0 + OMADM_REBOOT_DEADLINE_SECONDS + 1);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_outcome_count(t), 1);
    e = rbt_outcome(t, 0);
    assert_non_null(strstr(e->data, ";outcome=not-restarted;detail=deadline-passed"));
}

/* The agent starts again on the same boot: at the deadline the armed
 * restart is still requested; one second later it is reported. */
static void test_startup_at_and_after_deadline(void **state)
{
    rbt *t = *state;
    const omadm_outbox_entry *e;

    assert_int_equal(exec_now(t, "1", UUID), 200);
    rbt_close(t);
    rbt_set_now(t, RBT_T0 + OMADM_REBOOT_DEADLINE_SECONDS);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_outcome_count(t), 0);

    assert_int_equal(exec_now(t, "2", "u-2"), 200);
    rbt_close(t);
    rbt_set_now(t, RBT_T0 + 2 * OMADM_REBOOT_DEADLINE_SECONDS + 1);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_outcome_count(t), 2);
    e = rbt_outcome(t, 1);
    assert_non_null(strstr(e->data, "cmdref=u-2;"));
    assert_non_null(strstr(e->data, ";outcome=not-restarted;detail=agent-stopped"));
}

/* A boot exactly at the deadline is "restarted"; one second later "late". */
static void test_boot_at_deadline_is_in_time(void **state)
{
    rbt *t = *state;
    const omadm_outbox_entry *e;

    assert_int_equal(exec_now(t, "1", UUID), 200);
    omadm__tree_session_end(t->tree, 1);
    rbt_close(t);
    rbt_set_boot(t, "boot-B", RBT_T0 + OMADM_REBOOT_DEADLINE_SECONDS);
    rbt_set_now(t, RBT_T0 + 400);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    e = rbt_outcome(t, 0);
    assert_non_null(e);
    assert_non_null(strstr(e->data, ";outcome=restarted"));
    assert_string_equal(e->mark, "informational");
}

/* A requested restart not seen by deadline + grace is reported by tick()
 * exactly then, not a second earlier. */
static void test_tick_report_grace_boundary(void **state)
{
    rbt *t = *state;
    int64_t next = 0, due = RBT_T0 + OMADM_REBOOT_DEADLINE_SECONDS + OMADM_REBOOT_REPORT_GRACE + 1;

    assert_int_equal(exec_now(t, "1", UUID), 200);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    rbt_set_now(t, due - 1);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_int_equal(rbt_outcome_count(t), 0);
    assert_int_equal(next, due);
    rbt_set_now(t, due);
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    assert_int_equal(rbt_outcome_count(t), 1);
    assert_non_null(strstr(rbt_outcome(t, 0)->data, ";outcome=not-restarted"));
}

/* A restart already requested with its deadline exactly now still covers
 * a new RebootNow: coalesced, no second request. */
static void test_coalesce_at_deadline(void **state)
{
    rbt *t = *state;

    assert_int_equal(exec_now(t, "1", UUID), 200);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    rbt_set_now(t, RBT_T0 + 10);
    assert_int_equal(exec_now(t, "2", "u-2"), 200);
    rbt_set_now(t, RBT_T0 + OMADM_REBOOT_DEADLINE_SECONDS);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
}

/* The schedule file with its stored UTC offset set to `offset`. */
static void set_stored_offset(rbt *t, const char *offset)
{
    char *p = tu_path(t->dir, OMADM_REBOOT_SCHEDULE_FILE, NULL);
    char *text = tu_read(p, NULL), *at, *end, out[2048];

    assert_non_null(text);
    at = strstr(text, "offset=");
    assert_non_null(at);
    end = at + strlen("offset=") + strspn(at + strlen("offset="), "-0123456789");
    snprintf(out, sizeof out, "%.*soffset=%s%s", (int)(at - text), text, offset, end);
    tu_write(p, out, strlen(out));
    free(text);
    free(p);
}

/* A stored offset of a whole day either way is valid; one second more is
 * a corrupt schedule, ignored (and logged), not a time a day off. */
static void test_stored_offset_limits(void **state)
{
    rbt *t = *state;
    char *v;
    int code;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-20T12:00:00Z"), 200);
    rbt_close(t);
    set_stored_offset(t, "-86400");
    rbt_log_corrupt = 0;
    rbt_open(t);
    assert_int_equal(rbt_log_corrupt, 0);
    v = get_value(t, DEV "/Schedule/Single", &code);
    assert_int_equal(code, 200);
    free(v);
    rbt_close(t);
    set_stored_offset(t, "86401");
    rbt_open(t);
    assert_true(rbt_log_corrupt > 0);
    v = get_value(t, DEV "/Schedule/Single", &code);
    assert_int_equal(code, 404);
    assert_null(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, rbt_setup, rbt_teardown)
        cmocka_unit_test(test_atomic_commit_failure_undone),
        T(test_history_unreadable_is_an_error),
        T(test_history_load_nomem_not_corrupt),
        T(test_request_at_deadline),
        T(test_no_request_one_second_late),
        T(test_startup_at_and_after_deadline),
        T(test_boot_at_deadline_is_in_time),
        T(test_tick_report_grace_boundary),
        T(test_coalesce_at_deadline),
        T(test_stored_offset_limits),
#undef T
    };

    return cmocka_run_group_tests_name("reboot-edges", tests, NULL, NULL);
}
