/* SPDX-License-Identifier: Apache-2.0 */
/* Poll schedule: table-driven next-poll sequences over the DMClient
 * examples of dmclient-devinfo.md §1, including the invalid ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/poll_schedule.h"

#define POLLS 30

struct run {
    unsigned minutes, times; /* `times` polls `minutes` apart; 0 = to the end */
};

static const struct poll_case {
    const char *name;
    agent_poll_schedule schedule; /* { intervals }, { counts } */
    unsigned fixes;
    struct run expect[4];
} cases[] = {
    { "DMClient defaults: 15 min x 10, then Windows' 24 h poll",
      { { 15, 0, 0 }, { 10, 0, 0 } },
      AGENT_POLL_FIX_ADDED_DAILY,
      { { 15, 10 }, { 1440, 0 } } },
    { "recommended sigmoid: 15 x 5, 60 x 10, 1440 forever",
      { { 15, 60, 1440 }, { 5, 10, 0 } },
      0,
      { { 15, 5 }, { 60, 10 }, { 1440, 0 } } },
    { "documented: 15 x 5 then 1440 x 0 polls every 24 h",
      { { 15, 1440, 0 }, { 5, 0, 0 } },
      0,
      { { 15, 5 }, { 1440, 0 } } },
    { "documented: a third set after the infinite second one is disabled",
      { { 15, 1440, 60 }, { 5, 0, 3 } },
      AGENT_POLL_FIX_AFTER_INFINITE,
      { { 15, 5 }, { 1440, 0 } } },
    { "two infinite sets: the later one is disabled",
      { { 15, 60, 0 }, { 0, 0, 0 } },
      AGENT_POLL_FIX_AFTER_INFINITE | AGENT_POLL_FIX_ALL_COUNTS_ZERO,
      { { 15, 0 } } },
    { "three infinite sets: only the first runs",
      { { 30, 60, 1440 }, { 0, 0, 0 } },
      AGENT_POLL_FIX_AFTER_INFINITE | AGENT_POLL_FIX_ALL_COUNTS_ZERO,
      { { 30, 0 } } },
    { "Fleet enrollment: 1 minute forever",
      { { 1, 0, 0 }, { 0, 0, 0 } },
      AGENT_POLL_FIX_ALL_COUNTS_ZERO,
      { { 1, 0 } } },
    { "Fleet relaxed: 480 minutes forever",
      { { 480, 0, 0 }, { 0, 0, 0 } },
      AGENT_POLL_FIX_ALL_COUNTS_ZERO,
      { { 480, 0 } } },
    { "real capture: NumberOfFirstRetries 8",
      { { 15, 0, 0 }, { 8, 0, 0 } },
      AGENT_POLL_FIX_ADDED_DAILY,
      { { 15, 8 }, { 1440, 0 } } },
    { "all six values 0: the configured interval",
      { { 0, 0, 0 }, { 0, 0, 0 } },
      AGENT_POLL_FIX_FALLBACK,
      { { 20, 0 } } },
    { "all intervals 0 with counts: the configured interval",
      { { 0, 0, 0 }, { 5, 5, 5 } },
      AGENT_POLL_FIX_FALLBACK,
      { { 20, 0 } } },
    { "first set disabled: the second runs first",
      { { 0, 60, 0 }, { 10, 3, 0 } },
      AGENT_POLL_FIX_ADDED_DAILY,
      { { 60, 3 }, { 1440, 0 } } },
    { "only the remaining set",
      { { 0, 0, 720 }, { 0, 0, 0 } },
      AGENT_POLL_FIX_ALL_COUNTS_ZERO,
      { { 720, 0 } } },
    { "three finite sets, then 24 h",
      { { 15, 30, 60 }, { 2, 2, 2 } },
      AGENT_POLL_FIX_ADDED_DAILY,
      { { 15, 2 }, { 30, 2 }, { 60, 2 }, { 1440, 0 } } },
    { "second set disabled between two finite ones",
      { { 5, 0, 45 }, { 3, 7, 4 } },
      AGENT_POLL_FIX_ADDED_DAILY,
      { { 5, 3 }, { 45, 4 }, { 1440, 0 } } },
    { "first infinite, later sets set but unused",
      { { 10, 20, 30 }, { 0, 4, 4 } },
      AGENT_POLL_FIX_AFTER_INFINITE,
      { { 10, 0 } } },
};

static void test_sequences(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct poll_case *pc = &cases[c];
        unsigned expected[POLLS] = { 0 }, n = 0;
        agent_poll_plan plan;
        agent_poll_state st;
        int64_t t = 1764061200; /* 2025-11-25T09:00:00Z */

        for (size_t r = 0; r < 4 && n < POLLS && pc->expect[r].minutes; r++) {
            unsigned times = pc->expect[r].times ? pc->expect[r].times : POLLS;
            for (unsigned i = 0; i < times && n < POLLS; i++)
                expected[n++] = pc->expect[r].minutes;
        }
        assert_int_equal(n, POLLS);

        agent_poll_plan_make(&pc->schedule, 20 * 60, &plan);
        if (plan.fixes != pc->fixes)
            fail_msg("%s: fixes %#x, expected %#x", pc->name, plan.fixes, pc->fixes);
        agent_poll_reset(&st, &pc->schedule, t);
        for (unsigned i = 0; i < POLLS; i++) {
            int64_t next = agent_poll_next(&plan, &st);
            if (next - t != (int64_t)expected[i] * 60)
                fail_msg("%s: poll %u after %lld s, expected %u min", pc->name, i + 1,
                         (long long)(next - t), expected[i]);
            agent_poll_done(&plan, &st, next);
            t = next;
        }
    }
}

static void test_fix_texts(void **state)
{
    (void)state;
    assert_string_equal(agent_poll_fix_text(0), "");
    assert_string_equal(agent_poll_fix_text(AGENT_POLL_FIX_ADDED_DAILY), "");
    assert_string_equal(agent_poll_fix_text(AGENT_POLL_FIX_ALL_COUNTS_ZERO), "");
    assert_string_equal(agent_poll_fix_text(AGENT_POLL_FIX_FALLBACK),
                        "every poll interval is 0: polling at the configured interval instead");
    assert_string_equal(
        agent_poll_fix_text(AGENT_POLL_FIX_AFTER_INFINITE | AGENT_POLL_FIX_ALL_COUNTS_ZERO),
        "a poll set follows an infinite one: the later set is disabled");
}

/* Any session after the due time counts as the scheduled poll, once, however
 * many were missed (no catch-up storm after a long power-off). */
static void test_session_counts(void **state)
{
    const agent_poll_schedule s = { { 15, 60, 0 }, { 2, 0, 0 } };
    agent_poll_plan plan;
    agent_poll_state st;
    int64_t t0 = 1000000;

    (void)state;
    agent_poll_plan_make(&s, 900, &plan);
    agent_poll_reset(&st, &s, t0);
    assert_int_equal(agent_poll_next(&plan, &st), t0 + 900);
    /* a session before the due time (e.g. a restart schedule) does not count */
    assert_int_equal(agent_poll_session_at(&plan, &st, t0 + 600), 0);
    assert_int_equal(agent_poll_next(&plan, &st), t0 + 900);
    /* late: counts once, and the next interval runs from now */
    assert_int_equal(agent_poll_session_at(&plan, &st, t0 + 5000), 1);
    assert_int_equal(st.set, 0);
    assert_int_equal(st.done, 1);
    assert_int_equal(agent_poll_next(&plan, &st), t0 + 5000 + 900);
    /* a day powered off: one poll counted, then the second set */
    assert_int_equal(agent_poll_session_at(&plan, &st, t0 + 90000), 1);
    assert_int_equal(st.set, 1);
    assert_int_equal(st.done, 0);
    assert_int_equal(agent_poll_next(&plan, &st), t0 + 90000 + 3600);
    /* the last set stays forever */
    for (int i = 0; i < 100; i++)
        agent_poll_done(&plan, &st, agent_poll_next(&plan, &st));
    assert_int_equal(st.set, 1);
    assert_int_equal(agent_poll_next(&plan, &st) - st.last, 3600);
}

/* A state counted for a plan with more sets than the current one (the
 * server shortened the schedule) stays on the plan's last set. */
static void test_state_beyond_plan(void **state)
{
    const agent_poll_schedule s = { { 30, 0, 0 }, { 0, 0, 0 } };
    agent_poll_plan plan;
    agent_poll_state st;

    (void)state;
    agent_poll_plan_make(&s, 900, &plan);
    agent_poll_reset(&st, &s, 100);
    st.set = 3;
    assert_int_equal(agent_poll_next(&plan, &st), 100 + 1800);
    agent_poll_done(&plan, &st, 5000);
    assert_int_equal(st.set, 0);
    assert_int_equal(agent_poll_next(&plan, &st), 5000 + 1800);
}

static void test_backoff(void **state)
{
    static const int64_t expected[] = { 60, 120, 240, 480, 900, 900, 900 };

    (void)state;
    for (unsigned i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_int_equal(agent_poll_backoff(i + 1, 900), expected[i]);
    /* never beyond a short poll interval */
    assert_int_equal(agent_poll_backoff(1, 30), 30);
    assert_int_equal(agent_poll_backoff(40, 86400), 86400);
    assert_int_equal(agent_poll_backoff(0, 86400), 60);
}

static void test_state_text(void **state)
{
    const agent_poll_schedule s = { { 15, 60, 1440 }, { 5, 10, 0 } };
    agent_poll_state st, back;
    char buf[256];
    int n;

    (void)state;
    agent_poll_reset(&st, &s, 1764061200);
    st.set = 1;
    st.done = 7;
    n = agent_poll_state_format(&st, buf, sizeof buf);
    assert_true(n > 0);
    assert_string_equal(buf, "version=1\nset=1\ndone=7\nlast=1764061200\n"
                             "schedule=15,5,60,10,1440,0\n");
    assert_int_equal(agent_poll_state_parse(&back, buf), 0);
    assert_memory_equal(&back.schedule, &st.schedule, sizeof st.schedule);
    assert_int_equal(back.set, 1);
    assert_int_equal(back.done, 7);
    assert_int_equal(back.last, 1764061200);
    assert_int_equal(agent_poll_state_format(&st, buf, 20), -1);

    static const char *const bad[] = {
        "",
        "version=2\nset=1\ndone=7\nlast=1\nschedule=15,5,60,10,1440,0\n",
        "version=1\nset=1\ndone=7\nlast=1\nschedule=15,5,60,10,1440\n",
        "version=1\nset=9\ndone=7\nlast=1\nschedule=15,5,60,10,1440,0\n",
        "version=1\nset=1\ndone=-7\nlast=1\nschedule=15,5,60,10,1440,0\n",
        "version=1\nset=1\ndone=7\nlast=1\nschedule=15,5,60,10,1440,0\ntrailing\n",
        "version=1\nset=1\ndone=7\nlast=x\nschedule=15,5,60,10,1440,0\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        back.set = 2;
        if (agent_poll_state_parse(&back, bad[i]) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(back.set, 2); /* untouched */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences),      cmocka_unit_test(test_fix_texts),
        cmocka_unit_test(test_session_counts), cmocka_unit_test(test_state_beyond_plan),
        cmocka_unit_test(test_backoff),        cmocka_unit_test(test_state_text),
    };

    return cmocka_run_group_tests_name("agent-poll", tests, NULL, NULL);
}
