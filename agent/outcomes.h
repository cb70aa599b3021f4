/* SPDX-License-Identifier: Apache-2.0 */
/* The last restart outcomes, for `status`. An outcome lives in the outbox
 * only until the server acknowledges it; the agent keeps a copy of the
 * last AGENT_OUTCOMES_MAX in its own state file (AGENT_FILE_OUTCOMES,
 * atomic replace) so that `status` can still say what became of the last
 * restarts after they were reported. */
#ifndef AGENT_OUTCOMES_H
#define AGENT_OUTCOMES_H

#include <stddef.h>
#include <stdint.h>

#include "agent/device.h"

#define AGENT_FILE_OUTCOMES "agent-restart-outcomes"
#define AGENT_OUTCOMES_MAX  5

typedef struct agent_outcome {
    uint64_t id;      /* the outbox entry's id */
    int64_t created;  /* when the outcome was decided, unix */
    int reported;     /* no longer in the outbox: the server has it */
    char trigger[16]; /* "now", "single", "daily", "weekly" */
    char outcome[24]; /* "restarted", "late", "not-restarted", "refused", "missed" */
    char detail[200];
    char cmdref[80];    /* RebootNow's CmdID, "" for a schedule */
    char requested[32]; /* as the record has them (UTC text) */
    char deadline[32];
    char boot[32];
    char raw[600]; /* the alert Data as sent */
} agent_outcome;

/* The outbox ids of the outcomes waiting before a session. */
typedef struct agent_outcome_ids {
    uint64_t id[AGENT_OUTCOMES_MAX];
    size_t n;
} agent_outcome_ids;

/* Copies the outcomes now in the outbox into the state file (before a
 * session, which may see them acknowledged and dropped) and notes their
 * ids in *waiting. Failures are logged: the record is for people, never
 * for the protocol. */
void agent_outcomes_remember(agent_device *d, agent_outcome_ids *waiting);

/* After the session: logs "restart outcome reported: ..." for each of
 * `waiting` the outbox no longer holds (the server acknowledged it). */
void agent_outcomes_log_reported(const agent_device *d, const agent_outcome_ids *waiting);

/* The last outcomes, newest first: the state file's and those still in
 * the outbox. Returns how many were stored in out (at most max). */
size_t agent_outcomes_list(const agent_device *d, agent_outcome *out, size_t max);

/* Parses one outcome alert's Data into o (trigger, outcome...). 0, or -1
 * when it is not one. */
int agent_outcome_parse(agent_outcome *o, const char *data);

#endif
