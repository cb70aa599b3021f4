/* SPDX-License-Identifier: Apache-2.0 */
/* The run loop over a simulated clock: when sessions happen, how long each
 * sleep is (one wait per event: nothing ticks while idle), back-off after
 * failures, restart-lifecycle wake-ups, signals and persisted counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/log.h"
#include "agent/poller.h"

#define T0 1764061200

struct fake {
    int64_t clock;
    int frozen; /* the clock never moves (the sim's "now" file) */
    /* scripted */
    int fail[64];              /* session i fails when fail[i] */
    int64_t retry_after[64];   /* -1 or the server's Retry-After */
    agent_poll_schedule sched; /* the server's schedule once set */
    int sched_set_after;       /* set by session number N (1-based), 0 never */
    int64_t tick_at;           /* lifecycle wants to run then; INT64_MAX none */
    int64_t report_at;         /* tick reports something new from then on, once */
    int64_t signal_at;         /* a wake-up (stop or sync) at that time */
    enum agent_wake signal;
    int max_waits;
    int64_t session_duration;
    int stop_in_session; /* a stop arrives during session N */
    /* saved state */
    int have_state;
    agent_poll_state saved;
    /* observed */
    int sessions;
    int64_t session_time[64];
    const char *session_why[64];
    int waits;
    int64_t wait_ms[128];
    int stopped;
    unsigned reload_interval; /* what a reload (SIGHUP) configures */
    int reloads;
};

static int64_t f_now(void *u)
{
    struct fake *f = u;
    return f->clock;
}

static enum agent_wake f_wait(void *u, int64_t delay_ms)
{
    struct fake *f = u;
    int64_t until = f->clock + delay_ms / 1000;

    assert_true(delay_ms > 0);
    f->wait_ms[f->waits++] = delay_ms;
    if (f->waits > f->max_waits) {
        f->stopped = 1;
        return AGENT_WAKE_STOP;
    }
    if (f->signal_at && f->signal_at <= until) {
        if (!f->frozen)
            f->clock = f->signal_at;
        f->signal_at = 0;
        if (f->signal == AGENT_WAKE_STOP)
            f->stopped = 1;
        return f->signal;
    }
    if (!f->frozen)
        f->clock = until;
    return AGENT_WAKE_TIMEOUT;
}

static int f_session(void *u, const char *why, int64_t *retry_after)
{
    struct fake *f = u;
    int i = f->sessions++;

    assert_true(i < 64);
    f->session_time[i] = f->clock;
    f->session_why[i] = why;
    if (!f->frozen)
        f->clock += f->session_duration;
    if (f->stop_in_session == i + 1)
        f->stopped = 1;
    *retry_after = f->retry_after[i] ? f->retry_after[i] : -1;
    return f->fail[i] ? -1 : 0;
}

static int64_t f_tick(void *u, int *report)
{
    struct fake *f = u;

    if (f->report_at && f->clock >= f->report_at) {
        f->report_at = 0;
        *report = 1;
    }
    return f->tick_at && f->clock < f->tick_at ? f->tick_at : INT64_MAX;
}

static void f_schedule(void *u, agent_poll_schedule *s, int *set)
{
    struct fake *f = u;

    *set = f->sched_set_after && f->sessions >= f->sched_set_after;
    *s = f->sched;
}

static int f_load(void *u, agent_poll_state *st)
{
    struct fake *f = u;

    if (!f->have_state)
        return -1;
    *st = f->saved;
    return 0;
}

static void f_save(void *u, const agent_poll_state *st)
{
    struct fake *f = u;

    f->have_state = 1;
    f->saved = *st;
}

static int f_stop(void *u)
{
    struct fake *f = u;
    return f->stopped;
}

static unsigned f_reload(void *u)
{
    struct fake *f = u;

    f->reloads++;
    return f->reload_interval;
}

static const agent_poller_ops ops = { f_now,  f_wait, f_session, f_tick, f_schedule,
                                      f_load, f_save, f_stop,    NULL };
static const agent_poller_ops ops_reload = { f_now,  f_wait, f_session, f_tick,  f_schedule,
                                             f_load, f_save, f_stop,    f_reload };

static void init(struct fake *f)
{
    memset(f, 0, sizeof *f);
    f->clock = T0;
    f->max_waits = 10;
}

static void expect_sessions(const struct fake *f, const int64_t *offsets, const char *const *whys,
                            int n)
{
    if (f->sessions != n)
        fail_msg("%d sessions, expected %d", f->sessions, n);
    for (int i = 0; i < n; i++) {
        if (f->session_time[i] - T0 != offsets[i] || strcmp(f->session_why[i], whys[i]) != 0)
            fail_msg("session %d at +%lld (%s), expected +%lld (%s)", i + 1,
                     (long long)(f->session_time[i] - T0), f->session_why[i], (long long)offsets[i],
                     whys[i]);
    }
}

static void test_idle_default_interval(void **state)
{
    static const int64_t at[] = { 0, 900, 1800, 2700 };
    static const char *const why[] = { "start-up", "poll", "poll", "poll" };
    struct fake f;

    (void)state;
    init(&f);
    f.max_waits = 3;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    expect_sessions(&f, at, why, 4);
    /* one wait per event, each the full interval: no periodic wake-ups */
    assert_int_equal(f.waits, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f.wait_ms[i], 900000);
}

static void test_server_schedule(void **state)
{
    /* set in the start-up session: 15 min x 2, then 60 min forever */
    static const int64_t at[] = { 0, 900, 1800, 5400, 9000 };
    static const char *const why[] = { "start-up", "poll", "poll", "poll", "poll" };
    struct fake f;

    (void)state;
    init(&f);
    f.sched = (agent_poll_schedule){ { 15, 60, 0 }, { 2, 0, 0 } };
    f.sched_set_after = 1;
    f.max_waits = 4;
    assert_int_equal(agent_poller_run(&ops, &f, 300), 0);
    expect_sessions(&f, at, why, 5);
    assert_int_equal(f.saved.set, 1);
    assert_memory_equal(&f.saved.schedule, &f.sched, sizeof f.sched);
}

static void test_backoff(void **state)
{
    /* the poll at +900 fails, then retries 60 and 120 s later; the second
     * retry succeeds and the schedule goes on at +1800 */
    static const int64_t at[] = { 0, 900, 960, 1080, 1800 };
    static const char *const why[] = { "start-up", "poll", "retry", "retry", "poll" };
    struct fake f;

    (void)state;
    init(&f);
    f.fail[1] = f.fail[2] = 1;
    f.max_waits = 4;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    expect_sessions(&f, at, why, 5);
}

static void test_backoff_capped(void **state)
{
    /* everything fails: 60, 120, 240, then capped at the 300 s interval,
     * and the scheduled polls still happen */
    static const int64_t at[] = { 0, 60, 180, 300, 600, 900 };
    static const char *const why[] = { "start-up", "retry", "retry", "poll", "poll", "poll" };
    struct fake f;

    (void)state;
    init(&f);
    for (int i = 0; i < 64; i++)
        f.fail[i] = 1;
    f.max_waits = 5;
    assert_int_equal(agent_poller_run(&ops, &f, 300), 0);
    expect_sessions(&f, at, why, 6);
}

static void test_retry_after(void **state)
{
    static const int64_t at[] = { 0, 200, 900 };
    static const char *const why[] = { "start-up", "retry", "poll" };
    struct fake f;

    (void)state;
    init(&f);
    f.fail[0] = 1;
    f.retry_after[0] = 200;
    f.max_waits = 2;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    expect_sessions(&f, at, why, 3);
}

static void test_lifecycle_wakeups(void **state)
{
    /* the lifecycle wants to run at +100 (wait 100 s, no session), has an
     * outcome to report from +400 (a session then), polls go on */
    static const int64_t at[] = { 0, 900 };
    static const char *const why[] = { "start-up", "poll" };
    struct fake f;

    (void)state;
    init(&f);
    f.tick_at = T0 + 100;
    f.max_waits = 2;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    expect_sessions(&f, at, why, 2);
    assert_int_equal(f.wait_ms[0], 100000);
    assert_int_equal(f.wait_ms[1], 800000);

    init(&f);
    f.tick_at = T0 + 400;
    f.report_at = T0 + 400;
    f.max_waits = 2;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    {
        static const int64_t at2[] = { 0, 400, 900 };
        static const char *const why2[] = { "start-up", "report", "poll" };
        expect_sessions(&f, at2, why2, 3);
    }
}

static void test_signals(void **state)
{
    struct fake f;

    (void)state;
    /* SIGUSR1: a session now; it does not count as the scheduled poll */
    init(&f);
    f.signal_at = T0 + 100;
    f.signal = AGENT_WAKE_SYNC;
    f.max_waits = 2;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    {
        static const int64_t at[] = { 0, 100, 900 };
        static const char *const why[] = { "start-up", "requested", "poll" };
        expect_sessions(&f, at, why, 3);
    }
    /* stop while idle: no more sessions */
    init(&f);
    f.signal_at = T0 + 100;
    f.signal = AGENT_WAKE_STOP;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    assert_int_equal(f.sessions, 1);
    assert_int_equal(f.waits, 1);
    /* stop during a session: the loop ends after it, before sleeping */
    init(&f);
    f.stop_in_session = 2;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    assert_int_equal(f.sessions, 2);
    assert_int_equal(f.waits, 1);
}

static void test_reload(void **state)
{
    struct fake f;

    (void)state;
    /* SIGHUP at +100 s sets a 300 s interval: the next poll is 300 s after
     * the last one, not 900; no session for the reload itself. */
    init(&f);
    f.signal_at = T0 + 100;
    f.signal = AGENT_WAKE_RELOAD;
    f.reload_interval = 300;
    f.max_waits = 3;
    assert_int_equal(agent_poller_run(&ops_reload, &f, 900), 0);
    assert_int_equal(f.reloads, 1);
    {
        static const int64_t at[] = { 0, 300, 600 };
        static const char *const why[] = { "start-up", "poll", "poll" };
        expect_sessions(&f, at, why, 3);
    }
    assert_int_equal(f.wait_ms[1], 200 * 1000);
    /* Without a reload operation the signal changes nothing. */
    init(&f);
    f.signal_at = T0 + 100;
    f.signal = AGENT_WAKE_RELOAD;
    f.max_waits = 2;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    {
        static const int64_t at[] = { 0, 900 };
        static const char *const why[] = { "start-up", "poll" };
        expect_sessions(&f, at, why, 2);
    }
}

static void test_persisted_counts(void **state)
{
    const agent_poll_schedule s = { { 15, 60, 0 }, { 3, 0, 0 } };
    struct fake f;

    (void)state;
    /* the same schedule as saved: counting goes on (set 0, 2 of 3 done, the
     * last poll 5 minutes before start): the start-up session is early, the
     * next poll is the third of the first set, then 60 min */
    init(&f);
    f.sched = s;
    f.sched_set_after = -1; /* set from the start */
    f.have_state = 1;
    agent_poll_reset(&f.saved, &s, T0 - 300);
    f.saved.done = 2;
    f.max_waits = 2;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    {
        static const int64_t at[] = { 0, 600, 4200 };
        static const char *const why[] = { "start-up", "poll", "poll" };
        expect_sessions(&f, at, why, 3);
    }
    /* a different saved schedule: counts restart from the start */
    init(&f);
    f.sched = s;
    f.sched_set_after = -1; /* set from the start */
    f.have_state = 1;
    agent_poll_reset(&f.saved, &(agent_poll_schedule){ { 5, 0, 0 }, { 0, 0, 0 } }, T0 - 300);
    f.saved.set = 1;
    f.max_waits = 4;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    {
        static const int64_t at[] = { 0, 900, 1800, 2700, 6300 };
        static const char *const why[] = { "start-up", "poll", "poll", "poll", "poll" };
        expect_sessions(&f, at, why, 5);
    }
}

/* A saved state from a clock that ran ahead does not park the loop. */
static void test_saved_state_in_the_future(void **state)
{
    struct fake f;

    (void)state;
    init(&f);
    f.have_state = 1;
    agent_poll_reset(&f.saved, &(agent_poll_schedule){ { 0, 0, 0 }, { 0, 0, 0 } }, T0 + 86400);
    f.max_waits = 1;
    assert_int_equal(agent_poller_run(&ops, &f, 900), 0);
    assert_int_equal(f.wait_ms[0], 900000);
    assert_int_equal(f.sessions, 2);
    assert_int_equal(f.saved.last, T0 + 900); /* the poll counted */
}

static void test_frozen_clock(void **state)
{
    struct fake f;

    (void)state;
    init(&f);
    f.frozen = 1;
    f.max_waits = 3;
    assert_int_equal(agent_poller_run(&ops, &f, 600), 0);
    assert_int_equal(f.sessions, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f.wait_ms[i], 600000);
}

static int quiet(void **state)
{
    (void)state;
    return agent_log_open(OMADM_LOG_ERROR, NULL, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_default_interval),
        cmocka_unit_test(test_server_schedule),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_backoff_capped),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_lifecycle_wakeups),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_persisted_counts),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_saved_state_in_the_future),
        cmocka_unit_test(test_frozen_clock),
    };

    return cmocka_run_group_tests_name("agent-poller", tests, quiet, NULL);
}
