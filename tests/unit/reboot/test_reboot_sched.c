/* SPDX-License-Identifier: Apache-2.0 */
/* Reboot schedules with the sim clock: Single, Daily over several days,
 * Weekly, missed occurrences, bad values, clearing, persistence, failures
 * of durable writes and of allocations. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "rbtest.h"

#define DEV "./Device/Vendor/MSFT/Reboot"
#define DAY 86400
/* 2026-03-15T03:00:00Z */
#define T_15_0300 (RBT_T0 + 18 * 3600)

static int64_t tick(rbt *t)
{
    int64_t next = 0;

    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_OK);
    return next;
}

/* Stops the agent, boots the device (new id, boot began at `boot_time`),
 * moves the clock to `now` and starts the agent again. */
static void reboot_device(rbt *t, const char *id, int64_t boot_time, int64_t now)
{
    rbt_close(t);
    rbt_set_boot(t, id, boot_time);
    rbt_set_now(t, now);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
}

static void restart_agent(rbt *t, int64_t now)
{
    rbt_close(t);
    rbt_set_now(t, now);
    rbt_open(t);
    assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
}

static void expect_line(rbt *t, int n, int64_t requested_at, int64_t deadline)
{
    char want[128], *line = rbt_restart_line(t, n);

    assert_non_null(line);
    snprintf(want, sizeof want,
             "requested_at=%" PRId64 " deadline=%" PRId64 " reason=", requested_at, deadline);
    if (strncmp(line, want, strlen(want)) != 0)
        fail_msg("restart line %d: \"%s\", expected \"%s...\"", n, line, want);
    free(line);
}

static void expect_outcome(rbt *t, size_t n, const char *uri, const char *data, const char *mark)
{
    const omadm_outbox_entry *e = rbt_outcome(t, n);

    assert_non_null(e);
    assert_string_equal(e->source_uri, uri);
    assert_string_equal(e->type, "org.omadm-agent.reboot.outcome");
    assert_string_equal(e->format, "chr");
    assert_string_equal(e->mark, mark);
    assert_string_equal(e->data, data);
}

static void test_single_fires_once(void **state)
{
    rbt *t = *state;
    omadm_reboot_pending p;
    omadm_reboot_schedule s;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-14T09:10:00Z"), 200);
    assert_int_equal(tick(t), RBT_T0 + 600);
    rbt_set_now(t, RBT_T0 + 599);
    assert_int_equal(tick(t), RBT_T0 + 600);
    assert_int_equal(rbt_restarts(t), 0);
    rbt_set_now(t, RBT_T0 + 600);
    assert_int_equal(tick(t), RBT_T0 + 900 + OMADM_REBOOT_REPORT_GRACE + 1);
    assert_int_equal(rbt_restarts(t), 1);
    expect_line(t, 0, RBT_T0 + 600, RBT_T0 + 900);
    assert_int_equal(omadm__reboot_pending_count(t->rb), 1);
    assert_int_equal(omadm__reboot_pending_at(t->rb, 0, &p), OMADM_OK);
    assert_string_equal(p.trigger, "single");
    assert_string_equal(p.state, "requested");
    assert_null(p.cmdref);
    assert_int_equal(p.requested, RBT_T0 + 600);
    /* Ticking again fires nothing more. */
    rbt_set_now(t, RBT_T0 + 650);
    tick(t);
    assert_int_equal(rbt_restarts(t), 1);
    /* The device restarts; the next start reports it. */
    reboot_device(t, "boot-B", RBT_T0 + 650, RBT_T0 + 700);
    assert_int_equal(rbt_outcome_count(t), 1);
    expect_outcome(t, 0, DEV "/Schedule/Single",
                   "v=1;trigger=single;requested=2026-03-14T09:10:00Z;"
                   "deadline=2026-03-14T09:15:00Z;boot=2026-03-14T09:10:50Z;outcome=restarted",
                   "informational");
    assert_int_equal(omadm__reboot_pending_count(t->rb), 0);
    assert_int_equal(rbt_intent_count(t), 0);
    /* The value stays readable; nothing more will fire. */
    assert_int_equal(omadm__reboot_schedule_get(t->rb, OMADM_REBOOT_SINGLE, &s), OMADM_OK);
    assert_true(s.set);
    assert_true(s.next_fire == INT64_MAX);
    assert_true(tick(t) == INT64_MAX);
    rbt_set_now(t, RBT_T0 + 10 * DAY);
    assert_true(tick(t) == INT64_MAX);
    assert_int_equal(rbt_restarts(t), 1);
}

static void test_single_fires_within_window(void **state)
{
    rbt *t = *state;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-14T09:10:00Z"), 200);
    rbt_set_now(t, RBT_T0 + 600 + 299); /* the poller woke late, still in the window */
    tick(t);
    assert_int_equal(rbt_restarts(t), 1);
    expect_line(t, 0, RBT_T0 + 899, RBT_T0 + 900);
}

static void test_single_missed_agent_stopped(void **state)
{
    rbt *t = *state;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-14T09:10:00Z"), 200);
    restart_agent(t, RBT_T0 + 600 + 301);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_intent_count(t), 0);
    assert_int_equal(rbt_outcome_count(t), 1);
    expect_outcome(t, 0, DEV "/Schedule/Single",
                   "v=1;trigger=single;requested=2026-03-14T09:10:00Z;"
                   "deadline=2026-03-14T09:15:00Z;outcome=missed;detail=agent-stopped",
                   "critical");
    assert_true(tick(t) == INT64_MAX);
    assert_int_equal(rbt_restarts(t), 0);
    /* A second start reports nothing again. */
    restart_agent(t, RBT_T0 + 2000);
    assert_int_equal(rbt_outcome_count(t), 1);
}

static void test_single_missed_device_off(void **state)
{
    rbt *t = *state;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-14T09:10:00Z"), 200);
    reboot_device(t, "boot-B", RBT_T0 + 3000, RBT_T0 + 3100);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_outcome_count(t), 1);
    expect_outcome(t, 0, DEV "/Schedule/Single",
                   "v=1;trigger=single;requested=2026-03-14T09:10:00Z;"
                   "deadline=2026-03-14T09:15:00Z;outcome=missed;detail=device-off",
                   "critical");
}

static void test_daily_over_several_days(void **state)
{
    rbt *t = *state;
    char boot[16], want[256], day[32];
    int d;

    /* 03:00Z today has passed: the first occurrence is tomorrow. */
    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00Z"), 200);
    assert_int_equal(tick(t), T_15_0300);
    for (d = 0; d < 5; d++) {
        int64_t due = T_15_0300 + (int64_t)d * DAY;

        rbt_set_now(t, due - 1);
        tick(t);
        assert_int_equal(rbt_restarts(t), d);
        rbt_set_now(t, due + 30);
        tick(t);
        assert_int_equal(rbt_restarts(t), d + 1);
        expect_line(t, d, due + 30, due + 300);
        snprintf(boot, sizeof boot, "boot-%d", d);
        reboot_device(t, boot, due + 90, due + 150);
        assert_int_equal(rbt_outcome_count(t), (size_t)d + 1);
        snprintf(day, sizeof day, "2026-03-%02d", 15 + d);
        snprintf(want, sizeof want,
                 "v=1;trigger=daily;requested=%sT03:00:00Z;deadline=%sT03:05:00Z;"
                 "boot=%sT03:01:30Z;outcome=restarted",
                 day, day, day);
        expect_outcome(t, (size_t)d, DEV "/Schedule/DailyRecurrent", want, "informational");
        assert_int_equal(tick(t), due + DAY);
    }
    assert_int_equal(rbt_intent_count(t), 0);
}

/* Local values follow the local wall clock across a DST change (emulated:
 * UTC+1 until 2026-03-29T01:00:00Z, UTC+2 after, as in the EU). */
static void test_daily_local_time(void **state)
{
    rbt *t = *state;
    omadm_reboot_schedule s;
    int d;

    t->dst_at = RBT_MAR(29, 1, 0);
    t->dst_before = 3600;
    t->dst_after = 7200;
    rbt_set_now(t, RBT_MAR(26, 12, 0));
    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-26T03:00:00"),
                     200);
    assert_int_equal(omadm__reboot_schedule_get(t->rb, OMADM_REBOOT_DAILY, &s), OMADM_OK);
    assert_string_equal(s.value, "2026-03-26T03:00:00+01:00");
    assert_int_equal(s.instant, RBT_MAR(26, 2, 0));
    for (d = 27; d <= 30; d++) {
        /* 03:00 local: 02:00Z before the change, 01:00Z after it. */
        int64_t due = d < 29 ? RBT_MAR(d, 2, 0) : RBT_MAR(d, 1, 0);
        char boot[16];

        assert_int_equal(tick(t), due);
        rbt_set_now(t, due);
        tick(t);
        assert_int_equal(rbt_restarts(t), d - 26);
        snprintf(boot, sizeof boot, "boot-%d", d);
        rbt_close(t);
        rbt_set_boot(t, boot, due + 60);
        rbt_set_now(t, due + 120);
        rbt_open(t);
        t->dst_at = RBT_MAR(29, 1, 0);
        assert_int_equal(omadm__reboot_startup(t->rb), OMADM_OK);
    }
    /* A local time inside the spring-forward gap (02:30 does not exist on
     * the 29th) resolves to 03:30 CEST. */
    rbt_set_now(t, RBT_MAR(28, 12, 0));
    assert_int_equal(rbt_cmd(t, "Add", "a2", DEV "/Schedule/Single", "2026-03-29T02:30:00"), 200);
    assert_int_equal(omadm__reboot_schedule_get(t->rb, OMADM_REBOOT_SINGLE, &s), OMADM_OK);
    assert_int_equal(s.instant, RBT_MAR(29, 1, 30));
    assert_string_equal(s.value, "2026-03-29T03:30:00+02:00");
}

static void test_weekly(void **state)
{
    rbt *t = *state;
    int64_t first = T_15_0300 + DAY; /* Monday 2026-03-16T03:00:00Z */
    char boot[16];
    int d, fired = 0;

    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/WeeklyRecurrent", "2026-03-16T03:00:00Z"), 200);
    for (d = 0; d < 15; d++) {
        int64_t at = first + (int64_t)d * DAY + 10;

        rbt_set_now(t, at);
        tick(t);
        if (d % 7 == 0) {
            fired++;
            snprintf(boot, sizeof boot, "boot-%d", d);
            reboot_device(t, boot, at + 60, at + 120);
        }
        assert_int_equal(rbt_restarts(t), fired);
    }
    assert_int_equal(fired, 3);
    assert_int_equal(rbt_outcome_count(t), 3);
    expect_outcome(t, 2, DEV "/Schedule/WeeklyRecurrent",
                   "v=1;trigger=weekly;requested=2026-03-30T03:00:00Z;"
                   "deadline=2026-03-30T03:05:00Z;boot=2026-03-30T03:01:10Z;outcome=restarted",
                   "informational");
}

static void test_daily_missed_while_stopped(void **state)
{
    rbt *t = *state;
    omadm_reboot_schedule s;

    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00Z"), 200);
    /* Stopped for four occurrences (15th..18th); started at 18th 09:00. */
    restart_agent(t, RBT_T0 + 4 * DAY);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_outcome_count(t), 1);
    expect_outcome(t, 0, DEV "/Schedule/DailyRecurrent",
                   "v=1;trigger=daily;requested=2026-03-18T03:00:00Z;"
                   "deadline=2026-03-18T03:05:00Z;outcome=missed;detail=agent-stopped",
                   "critical");
    assert_int_equal(omadm__reboot_schedule_get(t->rb, OMADM_REBOOT_DAILY, &s), OMADM_OK);
    assert_int_equal(s.next_fire, T_15_0300 + 4 * DAY);
    /* The schedule goes on. */
    rbt_set_now(t, T_15_0300 + 4 * DAY + 5);
    tick(t);
    assert_int_equal(rbt_restarts(t), 1);
}

static void test_daily_started_inside_window(void **state)
{
    rbt *t = *state;

    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00Z"), 200);
    /* Started 2 minutes after the 17th's occurrence: it fires; the 15th and
     * 16th were missed (one report, for the 16th). */
    restart_agent(t, T_15_0300 + 2 * DAY + 120);
    assert_int_equal(rbt_restarts(t), 1);
    expect_line(t, 0, T_15_0300 + 2 * DAY + 120, T_15_0300 + 2 * DAY + 300);
    assert_int_equal(rbt_outcome_count(t), 1);
    expect_outcome(t, 0, DEV "/Schedule/DailyRecurrent",
                   "v=1;trigger=daily;requested=2026-03-16T03:00:00Z;"
                   "deadline=2026-03-16T03:05:00Z;outcome=missed;detail=agent-stopped",
                   "critical");
}

static void test_bad_value_keeps_schedule(void **state)
{
    rbt *t = *state;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-14T09:10:00Z"), 200);
    assert_int_equal(rbt_cmd(t, "Replace", "r1", DEV "/Schedule/Single", "09:20:00"), 400);
    assert_int_equal(rbt_cmd(t, "Replace", "r2", DEV "/Schedule/Single", "2026-02-30T09:20:00Z"),
                     400);
    restart_agent(t, RBT_T0 + 600);
    assert_int_equal(rbt_restarts(t), 1);
    expect_line(t, 0, RBT_T0 + 600, RBT_T0 + 900);
}

static void test_clearing_stops_firing(void **state)
{
    rbt *t = *state;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-14T09:10:00Z"), 200);
    assert_int_equal(
        rbt_cmd(t, "Add", "a2", DEV "/Schedule/WeeklyRecurrent", "2026-03-14T09:20:00Z"), 200);
    assert_int_equal(rbt_cmd(t, "Replace", "r1", DEV "/Schedule/Single", ""), 200);
    assert_int_equal(
        rbt_cmd(t, "Replace", "r2", DEV "/Schedule/WeeklyRecurrent", "0000-00-00T00:00:00"), 200);
    assert_true(tick(t) == INT64_MAX);
    rbt_set_now(t, RBT_T0 + 1200);
    assert_true(tick(t) == INT64_MAX);
    assert_int_equal(rbt_restarts(t), 0);
    /* Delete clears too. */
    assert_int_equal(
        rbt_cmd(t, "Add", "a3", DEV "/Schedule/DailyRecurrent", "2026-03-14T09:30:00Z"), 200);
    assert_int_equal(tick(t), RBT_T0 + 1800);
    assert_int_equal(rbt_cmd(t, "Delete", "d1", DEV "/Schedule/DailyRecurrent", NULL), 200);
    restart_agent(t, RBT_T0 + 1800);
    assert_true(tick(t) == INT64_MAX);
    assert_int_equal(rbt_restarts(t), 0);
    assert_int_equal(rbt_outcome_count(t), 0);
}

static void test_replace_moves_next(void **state)
{
    rbt *t = *state;

    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T03:00:00Z"), 200);
    assert_int_equal(tick(t), T_15_0300);
    assert_int_equal(
        rbt_cmd(t, "Replace", "r1", DEV "/Schedule/DailyRecurrent", "2026-03-10T11:00:00Z"), 200);
    assert_int_equal(tick(t), RBT_T0 + 2 * 3600); /* today 11:00Z */
}

/* The schedule's own write fails after the intent was written: the next
 * tick must not create a second intent or a second restart. */
static void test_schedule_write_fails_after_fire(void **state)
{
    rbt *t = *state;
    int64_t next = 0;

    assert_int_equal(rbt_cmd(t, "Add", "a1", DEV "/Schedule/Single", "2026-03-14T09:10:00Z"), 200);
    rbt_set_now(t, RBT_T0 + 600);
    t->replaces = 0;
    t->fail_replace_at = 2; /* 1: the intent record, 2: the schedule file */
    assert_int_equal(omadm__reboot_tick(t->rb, &next), OMADM_ERR_IO);
    assert_true(next > RBT_T0 + 600 && next <= RBT_T0 + 660);
    t->fail_replace_at = 0;
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_intent_count(t), 1);
    rbt_set_now(t, RBT_T0 + 630);
    tick(t);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_intent_count(t), 1);
    /* A start on the same boot before the deadline asks again for the same
     * restart (one intent, same deadline): never a second intent. */
    restart_agent(t, RBT_T0 + 640);
    assert_int_equal(rbt_restarts(t), 2);
    assert_int_equal(rbt_intent_count(t), 1);
}

/* Every allocation of a firing tick fails in turn: an error each time, no
 * leak, and a final clean tick ends with exactly one intent and one
 * restart. */
static void test_tick_allocation_failures(void **state)
{
    rbt *t = *state;
    int64_t next;
    long n;

    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T09:10:00Z"), 200);
    rbt_set_now(t, RBT_T0 + 620);
    for (n = 1; n < 10000; n++) {
        omadm_status st;

        omadm__alloc_fail_at(n, 1);
        st = omadm__reboot_tick(t->rb, &next);
        omadm__alloc_fail_at(0, 0);
        if (st == OMADM_OK)
            break;
        assert_true(rbt_restarts(t) <= 1);
    }
    assert_true(n < 10000);
    tick(t);
    assert_int_equal(rbt_restarts(t), 1);
    assert_int_equal(rbt_intent_count(t), 1);
    /* A start on the same boot before the deadline asks again for the same
     * restart (one intent, same deadline): never a second intent. */
    restart_agent(t, RBT_T0 + 640);
    assert_int_equal(rbt_restarts(t), 2);
    assert_int_equal(rbt_intent_count(t), 1);
}

static void test_new_allocation_failures(void **state)
{
    rbt *t = *state;
    omadm_reboot *rb;
    long n;

    assert_int_equal(
        rbt_cmd(t, "Add", "a1", DEV "/Schedule/DailyRecurrent", "2026-03-14T09:10:00Z"), 200);
    assert_int_equal(rbt_cmd(t, "Exec", "uuid-1", DEV "/RebootNow", NULL), 200);
    for (n = 1; n < 10000; n++) {
        omadm_status st;

        rb = NULL;
        omadm__alloc_fail_at(n, 0);
        st = omadm__reboot_new(&rb, &t->plat, t->outbox);
        omadm__alloc_fail_at(0, 0);
        if (st == OMADM_OK) {
            assert_non_null(rb);
            assert_int_equal(omadm__reboot_pending_count(rb), 1);
            omadm__reboot_free(rb);
            break;
        }
        assert_int_equal(st, OMADM_ERR_NOMEM);
        assert_null(rb);
    }
    assert_true(n > 1 && n < 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, rbt_setup, rbt_teardown)
        T(test_single_fires_once),
        T(test_single_fires_within_window),
        T(test_single_missed_agent_stopped),
        T(test_single_missed_device_off),
        T(test_daily_over_several_days),
        T(test_daily_local_time),
        T(test_weekly),
        T(test_daily_missed_while_stopped),
        T(test_daily_started_inside_window),
        T(test_bad_value_keeps_schedule),
        T(test_clearing_stops_firing),
        T(test_replace_moves_next),
        T(test_schedule_write_fails_after_fire),
        T(test_tick_allocation_failures),
        T(test_new_allocation_failures),
#undef T
    };

    return cmocka_run_group_tests_name("reboot-sched", tests, NULL, NULL);
}
