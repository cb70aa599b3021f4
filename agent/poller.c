/* SPDX-License-Identifier: Apache-2.0 */
/* The `run` loop over agent_poller_ops. */
#include "agent/poller.h"

#include <string.h>

#include "agent/log.h"

struct poller {
    const agent_poller_ops *ops;
    void *user;
    unsigned interval;
    agent_poll_plan plan;
    agent_poll_state st;
    int server_set;
    unsigned failures;
    int64_t retry_at; /* INT64_MAX: no retry pending */
    /* The latest instant the loop has reached by sleeping: with a clock
     * that stands still (the sim's) or steps back, time still advances. */
    int64_t floor;
};

static int64_t now_of(struct poller *p)
{
    int64_t t = p->ops->now(p->user);

    return t > p->floor ? t : p->floor;
}

/* Re-reads the server's schedule; a change restarts the counts. */
static void refresh_schedule(struct poller *p, int64_t now, int initial)
{
    agent_poll_schedule s;
    int set = 0;

    p->ops->schedule(p->user, &s, &set);
    if (!set)
        memset(&s, 0, sizeof s); /* none: the configured interval */
    if (!initial && memcmp(&s, &p->st.schedule, sizeof s) == 0)
        return;
    if (!initial || p->ops->load_state(p->user, &p->st) < 0 ||
        memcmp(&s, &p->st.schedule, sizeof s) != 0) {
        agent_poll_reset(&p->st, &s, now);
        p->ops->save_state(p->user, &p->st);
    } else if (p->st.last > now) {
        /* Saved under a clock that was ahead: count from now rather than
         * sleep until that clock's future. */
        p->st.last = now;
        p->ops->save_state(p->user, &p->st);
    }
    agent_poll_plan_make(&s, p->interval, &p->plan);
    p->server_set = set;
    if (set) {
        agent_log(OMADM_LOG_INFO,
                  "poll schedule: %u min x %u, %u min x %u, %u min x %u (count 0 = forever)",
                  s.interval[0], s.count[0], s.interval[1], s.count[1], s.interval[2], s.count[2]);
        if (*agent_poll_fix_text(p->plan.fixes))
            agent_log(OMADM_LOG_WARN, "poll schedule: %s", agent_poll_fix_text(p->plan.fixes));
    } else {
        agent_log(OMADM_LOG_INFO, "poll schedule: every %u s until the server sets one",
                  p->interval);
    }
}

static int64_t current_interval(const struct poller *p)
{
    unsigned set = p->st.set < p->plan.n ? p->st.set : p->plan.n - 1;

    return p->plan.interval[set];
}

/* One session; `due` is the scheduled poll time it stands for (0: none),
 * which counts even when a stopped wall clock has not reached it. */
static void session(struct poller *p, const char *why, int64_t due)
{
    int64_t retry_after = -1, started = now_of(p), ended;
    int rc = p->ops->session(p->user, why, &retry_after);

    ended = now_of(p);
    refresh_schedule(p, ended, 0);
    if (agent_poll_session_at(&p->plan, &p->st, started > due ? started : due))
        p->ops->save_state(p->user, &p->st);
    if (rc == 0) {
        p->failures = 0;
        p->retry_at = INT64_MAX;
        return;
    }
    p->failures++;
    if (retry_after < 0)
        retry_after = agent_poll_backoff(p->failures, current_interval(p));
    p->retry_at = ended + retry_after;
    agent_log(OMADM_LOG_INFO, "session failed (%u in a row): retrying in %lld s", p->failures,
              (long long)retry_after);
}

/* SIGHUP: the configured interval may have changed; the server's
 * schedule, when it set one, still rules. */
static void reload(struct poller *p)
{
    unsigned interval = p->ops->reload(p->user);

    if (interval == 0 || interval == p->interval)
        return;
    p->interval = interval;
    agent_poll_plan_make(&p->st.schedule, p->interval, &p->plan);
    if (!p->server_set)
        agent_log(OMADM_LOG_INFO, "poll schedule: every %u s until the server sets one",
                  p->interval);
}

int agent_poller_run(const agent_poller_ops *ops, void *user, unsigned interval)
{
    struct poller p;
    const char *why = "start-up";
    int64_t due = 0;

    memset(&p, 0, sizeof p);
    p.ops = ops;
    p.user = user;
    p.interval = interval;
    p.retry_at = INT64_MAX;
    refresh_schedule(&p, now_of(&p), 1);

    for (;;) {
        int64_t now, next_poll, next_tick, next;
        int report = 0;

        if (ops->stop_requested(user))
            return 0;
        if (why) {
            session(&p, why, due);
            why = NULL;
            due = 0;
            if (ops->stop_requested(user))
                return 0;
        }
        next_tick = ops->tick(user, &report);
        if (report) {
            why = "report";
            continue;
        }
        now = now_of(&p);
        next_poll = agent_poll_next(&p.plan, &p.st);
        next = next_poll < p.retry_at ? next_poll : p.retry_at;
        if (next_tick < next)
            next = next_tick;
        if (next <= now) {
            if (next == next_tick && next_tick < next_poll && next_tick < p.retry_at) {
                /* The lifecycle wants to run now but just did: give the
                 * clock a second rather than spin. */
                next = now + 1;
            } else {
                why = next == next_poll ? "poll" : "retry";
                due = next == next_poll ? next_poll : 0;
                continue;
            }
        }
        switch (ops->wait(user, (next - now) * 1000)) {
        case AGENT_WAKE_STOP:
            return 0;
        case AGENT_WAKE_SYNC:
            why = "requested";
            break;
        case AGENT_WAKE_TIMEOUT:
            /* The time we slept for has elapsed even if the wall clock
             * disagrees (stepped back, or a frozen simulated clock): the
             * event we slept for is due. */
            if (next > p.floor)
                p.floor = next;
            if (next == next_poll) {
                why = "poll";
                due = next_poll;
            } else if (next == p.retry_at) {
                why = "retry";
            }
            break;
        case AGENT_WAKE_ERROR:
            agent_log(OMADM_LOG_ERROR, "waiting for the next event failed");
            return -1;
        case AGENT_WAKE_RELOAD:
            if (ops->reload)
                reload(&p);
            break;
        }
    }
}
