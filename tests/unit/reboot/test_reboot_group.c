/* SPDX-License-Identifier: Apache-2.0 */
/* The Reboot CSP's group commit (reboot.c write_group, dispatch.h): what
 * one server message changes (schedules, RebootNow intents) is written
 * together after its commands ran and before their Statuses exist; the
 * "requested" mark (requested.c) is replaced but not flushed. Durable
 * writes counted and flushes checked through the rbtest wrapper; failed
 * commits; a crash at every point of the group. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#define HAVE_FORK 1
#endif

#include <cmocka.h>

#include "../platform/testutil.h"
#include "dispatch/dispatch.h"
#include "rbtest.h"

#define DEV "./Device/Vendor/MSFT/Reboot"

#define GET(id, node)                                                                              \
    "<Get><CmdID>" id "</CmdID><Item><Target><LocURI>" DEV "/" node                                \
    "</LocURI></Target></Item></Get>"
#define REPLACE(id, node, value)                                                                   \
    "<Replace><CmdID>" id "</CmdID><Item><Target><LocURI>" DEV "/" node                            \
    "</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Data>" value      \
    "</Data></Item></Replace>"
#define EXEC(id)                                                                                   \
    "<Exec><CmdID>" id "</CmdID><Item><Target><LocURI>" DEV                                        \
    "/RebootNow</LocURI></Target></Item></Exec>"

/* The shape of the benchmark's restart package (pkg2_reboot.xml). */
static const char restart_msg[] =
    GET("2", "Schedule/Single") REPLACE("3", "Schedule/Single", "2026-03-14T12:00:00Z")
        REPLACE("4", "Schedule/DailyRecurrent", "2026-03-15T03:00:00Z") GET("5", "Schedule/Single")
            EXEC("6");

static int sched_set(rbt *t, omadm_reboot_kind kind)
{
    omadm_reboot_schedule s;

    assert_int_equal(omadm__reboot_schedule_get(t->rb, kind, &s), OMADM_OK);
    return s.set;
}

static int file_exists(const rbt *t, const char *name)
{
    char *p = tu_path(t->dir, name, NULL);
    int e = tu_exists(p);

    free(p);
    return e;
}

static const char *pending_state(rbt *t)
{
    omadm_reboot_pending p;

    assert_int_equal(omadm__reboot_pending_count(t->rb), 1);
    assert_int_equal(omadm__reboot_pending_at(t->rb, 0, &p), OMADM_OK);
    return p.state;
}

static void write_state_file(const rbt *t, const char *name, const char *text)
{
    char *p = tu_path(t->dir, name, NULL);

    tu_write(p, text, (size_t)-1);
    free(p);
}

static void reopen(rbt *t)
{
    rbt_close(t);
    rbt_open(t);
}

/* Two schedule Replaces and a RebootNow in one message: two durable writes
 * (3 flushes: the intent's content, the schedule file's, the directory),
 * then the "requested" mark, not flushed. */
static void test_one_group_per_message(void **state)
{
    rbt *t = *state;
    char *reply, fmt[16], *v;

    t->replaces = 0;
    reply = rbt_process(t, "1", "1", restart_msg);
    assert_int_equal(rbt_status(reply, "2"), 404);
    assert_int_equal(rbt_status(reply, "3"), 200);
    assert_int_equal(rbt_status(reply, "4"), 200);
    assert_int_equal(rbt_status(reply, "5"), 200);
    assert_int_equal(rbt_status(reply, "6"), 200);
    v = rbt_result(reply, "5", fmt);
    assert_string_equal(v, "2026-03-14T12:00:00+00:00");
    free(v);
    free(reply);
    assert_int_equal(t->replaces, 2);
    assert_memory_equal(t->replace_names[0], "outbox-", 7);
    assert_int_equal(t->replace_flush[0], OMADM_FILE_FLUSH_ORDERED);
    assert_string_equal(t->replace_names[1], OMADM_REBOOT_SCHEDULE_FILE);
    assert_int_equal(t->replace_flush[1], OMADM_FILE_FLUSH_ALL);
    assert_int_equal(rbt_intent_count(t), 1);
    assert_string_equal(pending_state(t), "armed");

    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(t->replaces, 3);
    assert_string_equal(t->replace_names[2], OMADM_REBOOT_REQUESTED_FILE);
    assert_int_equal(t->replace_flush[2], OMADM_FILE_FLUSH_NONE);
    assert_string_equal(pending_state(t), "requested");

    /* Durable as a whole: a new process on the same boot finds the
     * schedules, the intent and its mark. */
    reopen(t);
    assert_true(sched_set(t, OMADM_REBOOT_SINGLE));
    assert_true(sched_set(t, OMADM_REBOOT_DAILY));
    assert_string_equal(pending_state(t), "requested");
}

/* One kind of change alone: one write, flushed with its directory. */
static void test_single_writes(void **state)
{
    rbt *t = *state;

    t->replaces = 0;
    assert_int_equal(rbt_cmd(t, "Replace", "1", DEV "/Schedule/Single", "2026-03-14T12:00:00Z"),
                     200);
    assert_int_equal(t->replaces, 1);
    assert_string_equal(t->replace_names[0], OMADM_REBOOT_SCHEDULE_FILE);
    assert_int_equal(t->replace_flush[0], OMADM_FILE_FLUSH_ALL);
    assert_int_equal(rbt_cmd(t, "Exec", "2", DEV "/RebootNow", NULL), 200);
    assert_int_equal(t->replaces, 2);
    assert_memory_equal(t->replace_names[1], "outbox-", 7);
    assert_int_equal(t->replace_flush[1], OMADM_FILE_FLUSH_ALL);
    /* Gets only: nothing written. */
    assert_int_equal(rbt_cmd(t, "Get", "3", DEV "/Schedule/Single", NULL), 200);
    assert_int_equal(t->replaces, 2);
}

/* Two RebootNow in one message: two intents, only the last flushes the
 * directory. */
static void test_two_execs(void **state)
{
    rbt *t = *state;
    char *reply;

    t->replaces = 0;
    reply = rbt_process(t, "1", "1", EXEC("1") EXEC("2"));
    assert_int_equal(rbt_status(reply, "1"), 200);
    assert_int_equal(rbt_status(reply, "2"), 200);
    free(reply);
    assert_int_equal(t->replaces, 2);
    assert_int_equal(t->replace_flush[0], OMADM_FILE_FLUSH_ORDERED);
    assert_int_equal(t->replace_flush[1], OMADM_FILE_FLUSH_ALL);
    assert_int_equal(rbt_intent_count(t), 2);
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 1); /* one request for both */
}

/* The group's Nth write fails: every command it held answers 500 (the
 * code a single failed write gave), nothing of it stays, in memory or on
 * disk; the Get before the first change keeps its answer. */
static void check_failed_group(rbt *t, int fail_at)
{
    char *reply;

    t->replaces = 0;
    t->fail_replace_at = fail_at;
    rbt_log_errors = 0;
    reply = rbt_process(t, "1", "1", restart_msg);
    t->fail_replace_at = 0;
    assert_int_equal(rbt_status(reply, "2"), 404);
    assert_int_equal(rbt_status(reply, "3"), 500);
    assert_int_equal(rbt_status(reply, "4"), 500);
    assert_int_equal(rbt_status(reply, "5"), 500);
    assert_null(strstr(reply, "<Results>"));
    assert_int_equal(rbt_status(reply, "6"), 500);
    free(reply);
    assert_true(rbt_log_errors > 0);
    assert_false(sched_set(t, OMADM_REBOOT_SINGLE));
    assert_false(sched_set(t, OMADM_REBOOT_DAILY));
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(tu_count(t->dir, "outbox-"), 0);
    assert_false(file_exists(t, OMADM_REBOOT_SCHEDULE_FILE));
    omadm__tree_session_end(t->tree, 1);
    assert_int_equal(rbt_restarts(t), 0);
    /* The same on disk: a new process finds nothing. */
    reopen(t);
    assert_false(sched_set(t, OMADM_REBOOT_SINGLE));
    assert_int_equal(rbt_intent_count(t), 0);
    /* The server sends it again: accepted as a whole. */
    reply = rbt_process(t, "1", "2", restart_msg);
    assert_int_equal(rbt_status(reply, "3"), 200);
    assert_int_equal(rbt_status(reply, "6"), 200);
    free(reply);
    assert_true(sched_set(t, OMADM_REBOOT_DAILY));
    assert_int_equal(rbt_intent_count(t), 1);
}

static void test_intent_write_fails(void **state)
{
    check_failed_group(*state, 1);
}

static void test_schedule_write_fails(void **state)
{
    check_failed_group(*state, 2);
}

/* A commit failing after earlier messages: they stay as they were. */
static void test_failure_keeps_earlier_messages(void **state)
{
    rbt *t = *state;
    char *reply, fmt[16], *v;

    assert_int_equal(rbt_cmd(t, "Replace", "1", DEV "/Schedule/Single", "2026-03-14T12:00:00Z"),
                     200);
    t->replaces = 0;
    t->fail_replace_at = 1;
    reply = rbt_process(t, "1", "2",
                        REPLACE("2", "Schedule/Single", "2026-03-14T13:00:00Z")
                            GET("3", "Schedule/Single"));
    t->fail_replace_at = 0;
    assert_int_equal(rbt_status(reply, "2"), 500);
    assert_int_equal(rbt_status(reply, "3"), 500);
    free(reply);
    reply = rbt_process(t, "1", "3", GET("4", "Schedule/Single"));
    v = rbt_result(reply, "4", fmt);
    assert_string_equal(v, "2026-03-14T12:00:00+00:00");
    free(v);
    free(reply);
    reopen(t);
    reply = rbt_process(t, "1", "4", GET("5", "Schedule/Single"));
    v = rbt_result(reply, "5", fmt);
    assert_string_equal(v, "2026-03-14T12:00:00+00:00");
    free(v);
    free(reply);
}

/* The mark is only believed for the boot that wrote it, and an unreadable
 * one (what a power loss may leave) is ignored. */
static void test_mark_file(void **state)
{
    static const char *const ignored[] = { "v=1;boot=boot-Z;ids=1\n", "v=1;boot=boot-A;ids=1,x\n",
                                           "\x01\x02garbage" };
    rbt *t = *state;

    assert_int_equal(rbt_cmd(t, "Exec", "1", DEV "/RebootNow", NULL), 200);
    omadm__tree_session_end(t->tree, 1);
    reopen(t);
    assert_string_equal(pending_state(t), "requested");

    /* Another boot's mark, a bad id list, garbage: not believed. */
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        rbt_close(t);
        write_state_file(t, OMADM_REBOOT_REQUESTED_FILE, ignored[i]);
        rbt_open(t);
        assert_string_equal(pending_state(t), "armed");
    }
    /* Still requested (again) before the deadline, and resolved normally. */
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    assert_string_equal(pending_state(t), "requested");
    assert_int_equal(rbt_restarts(t), 2);
}

#ifdef HAVE_FORK

/* The forked child: one agent run that processes the restart message and
 * ends the session, crashing where it was told (exit 86). */
static void group_crash_child(rbt *t, const char *point, int replace_at, const char *durable)
{
    char *reply;

    rbt_child = 1;
    if (point)
        setenv("OMADM_CRASH_AT", point, 1);
    t->crash_replace_at = replace_at;
    t->crash_replace_point = durable;
    rbt_open(t);
    RBT_CHECK(omadm__reboot_startup(t->rb) == OMADM_OK);
    reply = rbt_process(t, "1", "1", restart_msg);
    free(reply);
    omadm__tree_session_end(t->tree, 1);
    _exit(0);
}

/* After a crash inside the group: every file whole; the schedules are
 * written after the intents, so a new schedule implies the intent; the
 * next start on the same boot requests a found intent exactly once; after
 * the restart its outcome is reported once. Returns 1 when the intent
 * survived, plus 2 when the schedules did. */
static int crash_case(const char *point, int replace_at, const char *durable)
{
    rbt *t = calloc(1, sizeof(*t));
    int status = 0, intent, sched, result;
    pid_t pid;

    assert_non_null(t);
    rbt_init(t);
    rbt_log_corrupt = 0;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        group_crash_child(t, point, replace_at, durable);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 86);

    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    intent = (int)rbt_intent_count(t);
    sched = sched_set(t, OMADM_REBOOT_SINGLE);
    assert_int_equal(sched, sched_set(t, OMADM_REBOOT_DAILY)); /* one file: both or none */
    assert_true(intent <= 1);
    assert_true(!sched || intent);
    assert_int_equal(rbt_restarts(t), intent);
    /* Another start on the same boot: the request is repeated at most
     * once more (the platform coalesces it), never a new command. */
    reopen(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    assert_true(rbt_restarts(t) <= 2 * intent);
    rbt_close(t);
    rbt_set_boot(t, "boot-B", RBT_T0 + 30);
    rbt_set_now(t, RBT_T0 + 60);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    assert_int_equal(rbt_outcome_count(t), (size_t)intent);
    if (intent)
        assert_non_null(strstr(rbt_outcome(t, 0)->data, ";outcome=restarted"));
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(rbt_log_corrupt, 0);
    printf("[ CRASH    ] %-28s #%d: intent %s, schedules %s\n", point ? point : durable, replace_at,
           intent ? "kept (restart requested once)" : "gone (no Status sent)",
           sched ? "new" : "old");
    result = intent + 2 * sched;
    rbt_cleanup(t);
    free(t);
    return result;
}

static void test_crash_inside_group(void **state)
{
    (void)state;
    /* Intent temp file written, not renamed: nothing. */
    assert_int_equal(crash_case(NULL, 1, "durable-write-before-rename"), 0);
    /* Intent renamed, schedules not written (old and new mixed: the
     * restart is requested once, no Status said anything was done). */
    assert_int_equal(crash_case(NULL, 1, "durable-write-after-rename"), 1);
    assert_int_equal(crash_case("group-between", 0, NULL), 1);
    assert_int_equal(crash_case(NULL, 2, "durable-write-before-rename"), 1);
    /* Both written: the new state whole. */
    assert_int_equal(crash_case(NULL, 2, "durable-write-after-rename"), 3);
    assert_int_equal(crash_case("intent-written", 0, NULL), 3);
    /* The mark, renamed but never flushed; a process crash keeps it. */
    assert_int_equal(crash_case(NULL, 3, "durable-write-after-rename"), 3);
    assert_int_equal(crash_case("restart-marked", 0, NULL), 3);
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_group_per_message, rbt_setup, rbt_teardown),
        cmocka_unit_test_setup_teardown(test_single_writes, rbt_setup, rbt_teardown),
        cmocka_unit_test_setup_teardown(test_two_execs, rbt_setup, rbt_teardown),
        cmocka_unit_test_setup_teardown(test_intent_write_fails, rbt_setup, rbt_teardown),
        cmocka_unit_test_setup_teardown(test_schedule_write_fails, rbt_setup, rbt_teardown),
        cmocka_unit_test_setup_teardown(test_failure_keeps_earlier_messages, rbt_setup,
                                        rbt_teardown),
        cmocka_unit_test_setup_teardown(test_mark_file, rbt_setup, rbt_teardown),
#ifdef HAVE_FORK
        cmocka_unit_test(test_crash_inside_group),
#endif
    };

    return cmocka_run_group_tests_name("reboot-group", tests, NULL, NULL);
}
