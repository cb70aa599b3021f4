/* SPDX-License-Identifier: Apache-2.0 */
/* The DMClient poll schedule (dmclient-devinfo.md §1) as pure functions.
 *
 * The server sets three sets of polls: (interval, count) for the first,
 * second and remaining sets, in minutes. A set with interval 0 is
 * disabled; count 0 with a non-zero interval repeats forever, and every set
 * after an infinite one is disabled. When no set is infinite a 24-hour poll
 * follows the sets (Windows' maintenance-window schedule). When every
 * interval is 0 nothing would ever poll: the agent falls back to its
 * configured interval and says so.
 *
 * The state (current set, polls made in it, the last poll) is persisted by
 * the caller; agent_poll_state_format/parse give its on-disk text. */
#ifndef AGENT_POLL_SCHEDULE_H
#define AGENT_POLL_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

/* The six DMClient values, minutes and counts, as the server set them. */
typedef struct agent_poll_schedule {
    unsigned interval[3];
    unsigned count[3];
} agent_poll_schedule;

/* DMClient's defaults: 15 minutes x 10, second and third sets disabled. */
#define AGENT_POLL_SCHEDULE_DEFAULT                                                                \
    {                                                                                              \
        { 15, 0, 0 },                                                                              \
        {                                                                                          \
            10, 0, 0                                                                               \
        }                                                                                          \
    }

/* Corrections made while building a plan (bits). */
enum agent_poll_fix {
    /* A set after an infinite one was enabled: disabled. */
    AGENT_POLL_FIX_AFTER_INFINITE = 1u << 0,
    /* No set was infinite: a 24-hour poll was added after the sets. */
    AGENT_POLL_FIX_ADDED_DAILY = 1u << 1,
    /* Every interval was 0: the configured fallback interval is used. */
    AGENT_POLL_FIX_FALLBACK = 1u << 2,
    /* Every count was 0: the first enabled set repeats forever (the
     * documentation says servers should not; Fleet does, and it works). */
    AGENT_POLL_FIX_ALL_COUNTS_ZERO = 1u << 3
};

#define AGENT_POLL_MAX_SETS 4
#define AGENT_POLL_DAILY    (24 * 3600)

/* The schedule after corrections: n sets run in order; the last one (and
 * only it) repeats forever. */
typedef struct agent_poll_plan {
    unsigned n;
    int64_t interval[AGENT_POLL_MAX_SETS]; /* seconds, > 0 */
    unsigned count[AGENT_POLL_MAX_SETS];   /* polls; 0 on the last set = forever */
    unsigned fixes;                        /* enum agent_poll_fix bits */
} agent_poll_plan;

/* Builds the plan for `s`; `fallback_seconds` (> 0) is the interval used
 * when every interval is 0. */
void agent_poll_plan_make(const agent_poll_schedule *s, unsigned fallback_seconds,
                          agent_poll_plan *out);

/* A human description of the corrections in `fixes` ("" when none), for the
 * warning the agent logs. Static string. */
const char *agent_poll_fix_text(unsigned fixes);

/* Where the schedule stands. */
typedef struct agent_poll_state {
    agent_poll_schedule schedule; /* the values the state was counted for */
    unsigned set;                 /* index into the plan */
    unsigned done;                /* polls made in that set */
    int64_t last;                 /* unix time the current interval runs from */
} agent_poll_state;

/* Starts counting from the first set at `now` (enrollment, a new
 * schedule). */
void agent_poll_reset(agent_poll_state *st, const agent_poll_schedule *s, int64_t now);

/* When the next scheduled poll is due (unix seconds). */
int64_t agent_poll_next(const agent_poll_plan *plan, const agent_poll_state *st);

/* A scheduled poll happened at `when`: counts it and moves to the next
 * set when this one is used up. */
void agent_poll_done(const agent_poll_plan *plan, agent_poll_state *st, int64_t when);

/* After a session at `now` (of any kind): counts it as the scheduled poll
 * when that was due (at most one, however many were missed). Returns 1 when
 * it counted. */
int agent_poll_session_at(const agent_poll_plan *plan, agent_poll_state *st, int64_t now);

/* Retry delay after `failures` consecutive failed sessions: 1, 2, 4, ...
 * minutes, never beyond `cap` seconds (the current poll interval). */
int64_t agent_poll_backoff(unsigned failures, int64_t cap);

/* Serialises the state as text ("version=1\nset=...\n"); returns the
 * length written (< size) or -1 when it does not fit. */
int agent_poll_state_format(const agent_poll_state *st, char *buf, size_t size);
/* Parses that text; -1 for anything malformed (the caller resets). */
int agent_poll_state_parse(agent_poll_state *st, const char *text);

#endif
