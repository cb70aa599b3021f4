/* SPDX-License-Identifier: Apache-2.0 */
/* DMClient poll schedule: plan, state machine, back-off, persistence. */
#include "agent/poll_schedule.h"

#include <inttypes.h>
#include <stdio.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void agent_poll_plan_make(const agent_poll_schedule *s, unsigned fallback_seconds,
                          agent_poll_plan *out)
{
    int infinite = 0;

    memset(out, 0, sizeof *out);
    if (s->count[0] == 0 && s->count[1] == 0 && s->count[2] == 0 &&
        (s->interval[0] || s->interval[1] || s->interval[2]))
        out->fixes |= AGENT_POLL_FIX_ALL_COUNTS_ZERO;
    for (int i = 0; i < 3; i++) {
        if (s->interval[i] == 0)
            continue; /* disabled set */
        if (infinite) {
            out->fixes |= AGENT_POLL_FIX_AFTER_INFINITE;
            continue;
        }
        out->interval[out->n] = (int64_t)s->interval[i] * 60;
        out->count[out->n] = s->count[i];
        out->n++;
        if (s->count[i] == 0)
            infinite = 1;
    }
    if (out->n == 0) {
        out->interval[0] = fallback_seconds ? fallback_seconds : 15 * 60;
        out->count[0] = 0;
        out->n = 1;
        out->fixes |= AGENT_POLL_FIX_FALLBACK;
    } else if (!infinite) {
        out->interval[out->n] = AGENT_POLL_DAILY;
        out->count[out->n] = 0;
        out->n++;
        out->fixes |= AGENT_POLL_FIX_ADDED_DAILY;
    }
}

const char *agent_poll_fix_text(unsigned fixes)
{
    /* The corrections that deserve a warning: the server set something
     * invalid. A missing infinite set is the documented normal case. */
    if (fixes & AGENT_POLL_FIX_FALLBACK)
        return "every poll interval is 0: polling at the configured interval instead";
    if (fixes & AGENT_POLL_FIX_AFTER_INFINITE)
        return "a poll set follows an infinite one: the later set is disabled";
    /* Every count 0 (the first enabled set forever) is what Fleet sets at
     * enrollment: valid, nothing to warn about. */
    return "";
}

void agent_poll_reset(agent_poll_state *st, const agent_poll_schedule *s, int64_t now)
{
    memset(st, 0, sizeof *st);
    st->schedule = *s;
    st->last = now;
}

static unsigned current_set(const agent_poll_plan *plan, const agent_poll_state *st)
{
    return st->set < plan->n ? st->set : plan->n - 1;
}

int64_t agent_poll_next(const agent_poll_plan *plan, const agent_poll_state *st)
{
    return st->last + plan->interval[current_set(plan, st)];
}

void agent_poll_done(const agent_poll_plan *plan, agent_poll_state *st, int64_t when)
{
    unsigned set = current_set(plan, st);

    st->set = set;
    st->last = when;
    if (plan->count[set] == 0 || set + 1 >= plan->n)
        return; /* the last set repeats forever */
    if (++st->done >= plan->count[set]) {
        st->set = set + 1;
        st->done = 0;
    }
}

int agent_poll_session_at(const agent_poll_plan *plan, agent_poll_state *st, int64_t now)
{
    if (now < agent_poll_next(plan, st))
        return 0;
    agent_poll_done(plan, st, now);
    return 1;
}

int64_t agent_poll_backoff(unsigned failures, int64_t cap)
{
    int64_t delay = 60;

    for (unsigned i = 1; i < failures && delay < cap; i++)
        delay *= 2;
    if (cap > 0 && delay > cap)
        delay = cap;
    return delay;
}

int agent_poll_state_format(const agent_poll_state *st, char *buf, size_t size)
{
    const agent_poll_schedule *s = &st->schedule;
    int n = snprintf(buf, size,
                     "version=1\nset=%u\ndone=%u\nlast=%" PRId64 "\nschedule=%u,%u,%u,%u,%u,%u\n",
                     st->set, st->done, st->last, s->interval[0], s->count[0], s->interval[1],
                     s->count[1], s->interval[2], s->count[2]);

    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* Reads a decimal number at *p that ends with `end`, no sign, at most `max`;
 * advances *p past `end`. strtoull, unlike sscanf, reports overflow. */
static int read_number(const char **p, char end, unsigned long long max, unsigned long long *out)
{
    char *stop;
    unsigned long long v;

    if (!isdigit((unsigned char)**p))
        return -1;
    errno = 0;
    v = strtoull(*p, &stop, 10);
    if (errno == ERANGE || v > max || *stop != end)
        return -1;
    *p = stop + 1;
    *out = v;
    return 0;
}

static int read_key(const char **p, const char *key)
{
    size_t n = strlen(key);

    if (strncmp(*p, key, n) != 0 || (*p)[n] != '=')
        return -1;
    *p += n + 1;
    return 0;
}

int agent_poll_state_parse(agent_poll_state *st, const char *text)
{
    agent_poll_state tmp;
    agent_poll_schedule *s = &tmp.schedule;
    unsigned long long v[9];
    const char *p = text;
    int i;

    memset(&tmp, 0, sizeof tmp);
    if (strncmp(p, "version=1\n", 10) != 0)
        return -1;
    p += 10;
    if (read_key(&p, "set") || read_number(&p, '\n', AGENT_POLL_MAX_SETS - 1, &v[0]) ||
        read_key(&p, "done") || read_number(&p, '\n', UINT_MAX, &v[1]) || read_key(&p, "last") ||
        read_number(&p, '\n', INT64_MAX, &v[2]) || read_key(&p, "schedule"))
        return -1;
    for (i = 3; i < 9; i++)
        if (read_number(&p, i < 8 ? ',' : '\n', UINT_MAX, &v[i]))
            return -1;
    if (*p != '\0')
        return -1;
    tmp.set = (unsigned)v[0];
    tmp.done = (unsigned)v[1];
    tmp.last = (int64_t)v[2];
    for (i = 0; i < 3; i++) {
        s->interval[i] = (unsigned)v[3 + 2 * i];
        s->count[i] = (unsigned)v[4 + 2 * i];
    }
    *st = tmp;
    return 0;
}
