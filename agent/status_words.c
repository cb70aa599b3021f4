/* SPDX-License-Identifier: Apache-2.0 */
/* `status` in words (status_words.h). */
#include "agent/status_words.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent/device.h"

void agent_words_duration(int64_t seconds, char *buf, size_t size)
{
    static const struct {
        int64_t unit;
        const char *name;
    } units[] = { { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (seconds >= units[i].unit && seconds % units[i].unit == 0) {
            int64_t n = seconds / units[i].unit;
            snprintf(buf, size, "%" PRId64 " %s%s", n, units[i].name, n == 1 ? "" : "s");
            return;
        }
    }
    snprintf(buf, size, "%" PRId64 " seconds", seconds);
}

void agent_words_poll_plan(const agent_poll_plan *plan, int from_server, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < plan->n && used < size; i++) {
        char d[40];
        int n;

        agent_words_duration(plan->interval[i], d, sizeof d);
        if (strncmp(d, "1 ", 2) == 0) /* "every hour", not "every 1 hour" */
            memmove(d, d + 2, strlen(d + 2) + 1);
        if (i + 1 < plan->n || plan->count[i])
            n = snprintf(buf + used, size - used, "%severy %s, %u time%s", i ? ", then " : "", d,
                         plan->count[i], plan->count[i] == 1 ? "" : "s");
        else
            n = snprintf(buf + used, size - used, "%severy %s%s", i ? ", then " : "", d,
                         i ? " from then on" : "");
        if (n < 0)
            return;
        used += (size_t)n;
    }
    if (used < size)
        snprintf(buf + used, size - used, "%s",
                 from_server ? " (set by the server)" : " until the server sets a schedule");
}

static void who(const char *trigger, const char *cmdref, char *buf, size_t size)
{
    if (strcmp(trigger, "now") == 0)
        snprintf(buf, size, "the server's RebootNow%s%s%s", cmdref && *cmdref ? " (command " : "",
                 cmdref && *cmdref ? cmdref : "", cmdref && *cmdref ? ")" : "");
    else
        snprintf(buf, size, "the %s restart schedule", trigger);
}

static const char *when(int64_t t, char *buf, size_t size)
{
    if (t <= 0 || t == INT64_MAX)
        return "an unknown time";
    agent_format_time(t, buf, size);
    return buf;
}

void agent_words_pending(const omadm_restart_pending *p, char *buf, size_t size)
{
    char by[200], t1[40], t2[40];

    who(p->trigger, p->cmdref, by, sizeof by);
    if (strcmp(p->state, "requested") == 0)
        snprintf(buf, size,
                 "%s, accepted %s: requested from the system, to happen by %s (else it is "
                 "reported as not-restarted)%s",
                 by, when(p->requested, t1, sizeof t1), when(p->deadline, t2, sizeof t2),
                 p->earlier_boot ? "; accepted before the last boot" : "");
    else
        snprintf(buf, size,
                 "%s, accepted %s: requested from the system when the session ends, by %s at "
                 "the latest%s",
                 by, when(p->requested, t1, sizeof t1), when(p->deadline, t2, sizeof t2),
                 p->earlier_boot ? "; accepted before the last boot" : "");
}

void agent_words_outcome(const agent_outcome *o, char *buf, size_t size)
{
    char by[200];

    who(o->trigger, o->cmdref, by, sizeof by);
    snprintf(buf, size, "%s: %s, requested %s%s%s; %s", o->outcome, by,
             o->requested[0] ? o->requested : "at an unknown time", o->detail[0] ? "; " : "",
             o->detail, o->reported ? "reported to the server" : "waiting to be reported");
}
