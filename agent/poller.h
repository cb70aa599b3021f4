/* SPDX-License-Identifier: Apache-2.0 */
/* The `run` loop: a session at start-up, then on the DMClient poll
 * schedule, when the restart lifecycle has something new to report, on
 * SIGUSR1, and retries with back-off after failures. Between events it
 * sleeps in one blocking wait until the earliest of them (no periodic
 * wake-ups). Everything it touches goes through `ops`, so tests drive it
 * with a simulated clock. */
#ifndef AGENT_POLLER_H
#define AGENT_POLLER_H

#include <stdint.h>

#include "agent/os.h"
#include "agent/poll_schedule.h"

typedef struct agent_poller_ops {
    /* Wall-clock time, unix seconds. */
    int64_t (*now)(void *user);
    /* Sleeps (agent_os_wait semantics). */
    enum agent_wake (*wait)(void *user, int64_t delay_ms);
    /* Runs one session; `why` is for the log ("start-up", "poll"...).
     * Returns 0 when it completed, -1 when it failed; *retry_after gets the
     * delay the server asked for (seconds) or -1. */
    int (*session)(void *user, const char *why, int64_t *retry_after);
    /* Lets the restart lifecycle act. Returns the unix time it needs to run
     * again (INT64_MAX: nothing pending) and sets *report when something
     * new waits to be sent to the server. */
    int64_t (*tick)(void *user, int *report);
    /* The DMClient schedule in force; *set = 0 when the server has set none
     * (the configured interval applies). */
    void (*schedule)(void *user, agent_poll_schedule *s, int *set);
    /* Durable poll state: load returns -1 when there is none (or it is
     * unreadable); save failures are the callee's to log. */
    int (*load_state)(void *user, agent_poll_state *st);
    void (*save_state)(void *user, const agent_poll_state *st);
    /* Non-zero when the loop must end (a stop signal). */
    int (*stop_requested)(void *user);
    /* Reloads the configuration (SIGHUP) and returns the configured poll
     * interval now in force (seconds). May be NULL: reloads are ignored. */
    unsigned (*reload)(void *user);
} agent_poller_ops;

/* Runs until a stop is requested. `interval` (seconds) is the configured
 * poll interval, used until the server sets a schedule. Returns 0 on a
 * requested stop, -1 when waiting itself failed. */
int agent_poller_run(const agent_poller_ops *ops, void *user, unsigned interval);

#endif
